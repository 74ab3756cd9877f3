//! Limits on the shape of a query, checked before any resolver runs, so a hostile
//! document (ten thousand aliases, deep nesting) costs a parse and nothing more.
//! Depth and complexity use async-graphql's own checks; aliases and root fields are
//! counted here. Every refusal gets a stable `extensions.code`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, ServerError, ServerResult, ValidationResult, Variables};

use super::errors::request_error;

/// The shape limits of one schema.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity (each field counts 1).
    pub max_complexity: usize,
    /// Most aliased fields in one document.
    pub max_aliases: usize,
    /// Most fields at the root of one operation.
    pub max_root_fields: usize,
}

/// The extension that enforces [`QueryLimits`] and labels validation failures.
pub(crate) struct ShapeLimits(pub(crate) QueryLimits);

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension(self.0))
    }
}

struct ShapeLimitsExtension(QueryLimits);

#[async_trait::async_trait]
impl Extension for ShapeLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.0.max_aliases {
            return Err(request_error(
                &format!(
                    "the query has {aliases} aliases, at most {} are allowed",
                    self.0.max_aliases
                ),
                "TOO_MANY_ALIASES",
            ));
        }
        let root_fields = max_root_fields(&document);
        if root_fields > self.0.max_root_fields {
            return Err(request_error(
                &format!(
                    "an operation has {root_fields} root fields, at most {} are allowed",
                    self.0.max_root_fields
                ),
                "TOO_MANY_ROOT_FIELDS",
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut error| {
                    let code = match error.message.as_str() {
                        "Query is nested too deep." => "QUERY_TOO_DEEP",
                        "Query is too complex." => "QUERY_TOO_COMPLEX",
                        _ => "GRAPHQL_VALIDATION_FAILED",
                    };
                    error
                        .extensions
                        .get_or_insert_with(ErrorExtensionValues::default)
                        .set("code", code);
                    error
                })
                .collect()
        })
    }
}

/// Whether `document` passes every shape limit (what the lean path of
/// `GatewaySchema` checks; a document that does not is run through the extension,
/// which says why).
pub(crate) fn within_limits(document: &ExecutableDocument, limits: &QueryLimits) -> bool {
    count_aliases(document) <= limits.max_aliases
        && max_root_fields(document) <= limits.max_root_fields
}

/// Aliased fields in every operation and fragment definition (each counted once).
fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| aliases_in(&operation.node.selection_set.node));
    let fragments = document
        .fragments
        .values()
        .map(|fragment| aliases_in(&fragment.node.selection_set.node));
    operations.chain(fragments).sum()
}

fn aliases_in(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases_in(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases_in(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// The most root fields of any one operation (inline fragments at the root count
/// their fields; named fragments are bounded by the complexity limit instead).
fn max_root_fields(document: &ExecutableDocument) -> usize {
    document
        .operations
        .iter()
        .map(|(_, operation)| fields_in(&operation.node.selection_set.node))
        .max()
        .unwrap_or(0)
}

fn fields_in(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => fields_in(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    #[test]
    fn aliases_are_counted_in_operations_nested_fields_and_fragments() {
        let document = parse_query(
            "{ a: product(gtin: \"1\") { t: title } b: gtin(code: \"2\") { valid } ...F }
             fragment F on QueryRoot { c: product(gtin: \"3\") { title } }",
        )
        .unwrap();

        assert_eq!(count_aliases(&document), 4);
    }

    #[test]
    fn root_fields_count_inline_fragments_but_not_nested_fields() {
        let document =
            parse_query("{ a: gtin(code: \"1\") { valid input } ... on QueryRoot { b: gtin(code: \"2\") { valid } c: gtin(code: \"3\") { valid } } }")
                .unwrap();

        assert_eq!(max_root_fields(&document), 3);
    }
}

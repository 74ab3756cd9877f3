//! Limits on the shape of a query, checked before validation and before any resolver
//! runs, so a hostile document (ten thousand aliases, deep nesting, an introspection
//! bomb) costs a parse and a walk bounded by the limits themselves, nothing more.
//!
//! Depth and complexity are measured here rather than by async-graphql's
//! `limit_depth`/`limit_complexity`, because those count introspection like product
//! fields: the introspection query every client tool sends (graphql-js
//! `getIntrospectionQuery()`, used by GraphiQL, Codegen, Apollo's tooling) nests
//! `ofType` 15 levels deep and was refused as too deep. Here:
//!
//! - `--max-depth` and `--max-complexity` count the fields that reach the product
//!   API (each field 1, fragments expanded); `__schema`/`__type` subtrees are left
//!   out of both.
//! - Introspection has its own fixed bounds, enough for every real tool's query
//!   with room to spare, and far below what a crafted bomb needs:
//!   [`MAX_INTROSPECTION_DEPTH`] levels, [`MAX_INTROSPECTION_LIST_NESTING`] nested
//!   `fields`/`inputFields`/`interfaces`/`possibleTypes` (graphql-js's own
//!   `MaxIntrospectionDepthRule`) and [`MAX_INTROSPECTION_FIELDS`] fields in all.
//! - With `--introspection off`, any `__schema` or `__type` is refused.
//!
//! Aliases and root fields are counted too. Every refusal gets a stable
//! `extensions.code`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult, ValidationResult, Variables};

use super::errors::{request_error, set_code};
use crate::error_code::ErrorCode;

/// Deepest nesting inside one `__schema` or `__type` field, that field counting 1.
/// graphql-js's `getIntrospectionQuery()` (v16 and v17, every option on) needs 15:
/// `__schema types fields args type` and nine `ofType` levels with their leaves.
pub(crate) const MAX_INTROSPECTION_DEPTH: usize = 20;

/// Most nested `fields`, `inputFields`, `interfaces` and `possibleTypes` inside one
/// introspection field: graphql-js's `MaxIntrospectionDepthRule` refuses 3, and the
/// standard query needs 1. These are the lists a bomb multiplies.
pub(crate) const MAX_INTROSPECTION_LIST_NESTING: usize = 2;

/// Most introspection fields in one document, fragments expanded: the full
/// standard query has 230, so this allows a tool's query several times over and
/// stops a document that repeats it by the hundred under aliases.
pub(crate) const MAX_INTROSPECTION_FIELDS: usize = 2_000;

/// The shape limits of one schema.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Deepest selection nesting (introspection not counted).
    pub max_depth: usize,
    /// Highest complexity: each field counts 1, fragments expanded (introspection
    /// not counted).
    pub max_complexity: usize,
    /// Most aliased fields in one document.
    pub max_aliases: usize,
    /// Most fields at the root of one operation.
    pub max_root_fields: usize,
    /// Whether `__schema` and `__type` may be queried.
    pub introspection: bool,
}

/// Why a document's shape is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShapeRefusal {
    /// Product fields nested deeper than `--max-depth`.
    TooDeep,
    /// More product fields than `--max-complexity`.
    TooComplex,
    /// An introspection field nested past [`MAX_INTROSPECTION_DEPTH`] or
    /// [`MAX_INTROSPECTION_LIST_NESTING`].
    IntrospectionTooDeep,
    /// More than [`MAX_INTROSPECTION_FIELDS`] introspection fields.
    IntrospectionTooLarge,
    /// `__schema` or `__type` asked of a gateway run with `--introspection off`.
    IntrospectionDisabled,
}

impl ShapeRefusal {
    /// The request error a client gets.
    fn into_error(self) -> ServerError {
        match self {
            // The wording async-graphql's own limits used, kept for clients that show it.
            ShapeRefusal::TooDeep => {
                request_error("Query is nested too deep.", ErrorCode::QueryTooDeep)
            }
            ShapeRefusal::TooComplex => {
                request_error("Query is too complex.", ErrorCode::QueryTooComplex)
            }
            ShapeRefusal::IntrospectionTooDeep => request_error(
                &format!(
                    "Introspection is nested too deep: at most {MAX_INTROSPECTION_DEPTH} levels, \
                     and at most {MAX_INTROSPECTION_LIST_NESTING} nested fields, inputFields, \
                     interfaces or possibleTypes."
                ),
                ErrorCode::QueryTooDeep,
            ),
            ShapeRefusal::IntrospectionTooLarge => request_error(
                &format!(
                    "Introspection asks for too much: at most {MAX_INTROSPECTION_FIELDS} \
                     introspection fields in one document."
                ),
                ErrorCode::QueryTooComplex,
            ),
            ShapeRefusal::IntrospectionDisabled => request_error(
                "Introspection is disabled on this gateway (__schema and __type are not served).",
                ErrorCode::IntrospectionDisabled,
            ),
        }
    }
}

/// The extension that enforces [`QueryLimits`] and labels validation failures.
pub(crate) struct ShapeLimits(pub(crate) QueryLimits);

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension(self.0, std::sync::Mutex::new(None)))
    }
}

/// The limits, and (with introspection off) the request's text, so validation
/// errors can be kept from naming what the request did not (`schema_privacy`).
struct ShapeLimitsExtension(QueryLimits, std::sync::Mutex<Option<String>>);

#[async_trait::async_trait]
impl Extension for ShapeLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if !self.0.introspection
            && let Ok(mut kept) = self.1.lock()
        {
            *kept = Some(query.to_owned());
        }
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(with_default_code(ErrorCode::GraphqlParseFailed))?;
        let aliases = count_aliases(&document);
        if aliases > self.0.max_aliases {
            return Err(request_error(
                &format!(
                    "the query has {aliases} aliases, at most {} are allowed",
                    self.0.max_aliases
                ),
                ErrorCode::TooManyAliases,
            ));
        }
        let root_fields = max_root_fields(&document);
        if root_fields > self.0.max_root_fields {
            return Err(request_error(
                &format!(
                    "an operation has {root_fields} root fields, at most {} are allowed",
                    self.0.max_root_fields
                ),
                ErrorCode::TooManyRootFields,
            ));
        }
        check_shape(&document, self.0).map_err(ShapeRefusal::into_error)?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let hidden = (!self.0.introspection).then(|| {
            self.1
                .lock()
                .ok()
                .and_then(|mut kept| kept.take())
                .unwrap_or_default()
        });
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(with_default_code(ErrorCode::GraphqlValidationFailed))
                .map(|mut error| {
                    // Introspection off: the schema stays hidden in errors too.
                    if let Some(query) = &hidden {
                        error.message = super::schema_privacy::hide_schema(&error.message, query);
                    }
                    error
                })
                .collect()
        })
    }
}

/// Gives an error without a code (async-graphql's own parse and validation errors)
/// the code `code`; a coded one (persisted queries) keeps its own.
fn with_default_code(code: ErrorCode) -> impl Fn(ServerError) -> ServerError {
    move |mut error| {
        let coded = error
            .extensions
            .as_ref()
            .is_some_and(|extensions| extensions.get("code").is_some());
        if !coded {
            set_code(&mut error, code);
        }
        error
    }
}

/// Walks every operation of `document` (fragments expanded) against `limits`.
///
/// The walk stops at the first limit crossed, and every field it visits counts
/// against a limit, so its cost is bounded by the limits, even for fragments that
/// spread each other many times over (fragment cycles are skipped here and
/// refused by validation).
pub(crate) fn check_shape(
    document: &ExecutableDocument,
    limits: QueryLimits,
) -> Result<(), ShapeRefusal> {
    let mut walk = ShapeWalk {
        limits,
        document,
        expanding: Vec::new(),
        complexity: 0,
        introspection_fields: 0,
    };
    document.operations.iter().try_for_each(|(_, operation)| {
        walk.selection_set(&operation.node.selection_set.node, Within::Api { depth: 0 })
    })
}

/// Where in the document a selection set stands.
#[derive(Clone, Copy, Debug)]
enum Within {
    /// Under `depth` fields of the product API.
    Api { depth: usize },
    /// Under a `__schema`/`__type` field: `depth` levels of it, `lists` of them
    /// the lists a bomb multiplies.
    Introspection { depth: usize, lists: usize },
}

struct ShapeWalk<'a> {
    limits: QueryLimits,
    document: &'a ExecutableDocument,
    /// Fragments being expanded, innermost last.
    expanding: Vec<&'a Name>,
    complexity: usize,
    introspection_fields: usize,
}

impl<'a> ShapeWalk<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet, within: Within) -> Result<(), ShapeRefusal> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => self.field(&field.node, within)?,
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set.node, within)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if let Some(fragment) = self.fragment(name) {
                        self.expanding.push(name);
                        let walked = self.selection_set(&fragment.node.selection_set.node, within);
                        self.expanding.pop();
                        walked?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The fragment a spread names, unless it is unknown or already being expanded
    /// (a cycle): validation refuses both.
    fn fragment(&self, name: &'a Name) -> Option<&'a Positioned<FragmentDefinition>> {
        if self.expanding.contains(&name) {
            return None;
        }
        self.document.fragments.get(name)
    }

    fn field(
        &mut self,
        field: &'a async_graphql::parser::types::Field,
        within: Within,
    ) -> Result<(), ShapeRefusal> {
        let name = field.name.node.as_str();
        let inner = match within {
            Within::Api { .. } if matches!(name, "__schema" | "__type") => {
                if !self.limits.introspection {
                    return Err(ShapeRefusal::IntrospectionDisabled);
                }
                self.count_introspection_field()?;
                Within::Introspection { depth: 1, lists: 0 }
            }
            Within::Api { depth } => {
                let depth = depth + 1;
                if depth > self.limits.max_depth {
                    return Err(ShapeRefusal::TooDeep);
                }
                self.complexity += 1;
                if self.complexity > self.limits.max_complexity {
                    return Err(ShapeRefusal::TooComplex);
                }
                Within::Api { depth }
            }
            Within::Introspection { depth, lists } => {
                let depth = depth + 1;
                let lists = lists
                    + usize::from(matches!(
                        name,
                        "fields" | "inputFields" | "interfaces" | "possibleTypes"
                    ));
                if depth > MAX_INTROSPECTION_DEPTH || lists > MAX_INTROSPECTION_LIST_NESTING {
                    return Err(ShapeRefusal::IntrospectionTooDeep);
                }
                self.count_introspection_field()?;
                Within::Introspection { depth, lists }
            }
        };
        self.selection_set(&field.selection_set.node, inner)
    }

    fn count_introspection_field(&mut self) -> Result<(), ShapeRefusal> {
        self.introspection_fields += 1;
        if self.introspection_fields > MAX_INTROSPECTION_FIELDS {
            return Err(ShapeRefusal::IntrospectionTooLarge);
        }
        Ok(())
    }
}

/// Whether `document` passes every shape limit (what the lean path of
/// `GatewaySchema` checks; a document that does not is run through the extension,
/// which says why).
pub(crate) fn within_limits(document: &ExecutableDocument, limits: &QueryLimits) -> bool {
    count_aliases(document) <= limits.max_aliases
        && max_root_fields(document) <= limits.max_root_fields
        && check_shape(document, *limits).is_ok()
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
             fragment F on Query { c: product(gtin: \"3\") { title } }",
        )
        .unwrap();

        assert_eq!(count_aliases(&document), 4);
    }

    #[test]
    fn root_fields_count_inline_fragments_but_not_nested_fields() {
        let document =
            parse_query("{ a: gtin(code: \"1\") { valid input } ... on Query { b: gtin(code: \"2\") { valid } c: gtin(code: \"3\") { valid } } }")
                .unwrap();

        assert_eq!(max_root_fields(&document), 3);
    }

    fn limits() -> QueryLimits {
        QueryLimits {
            max_depth: 3,
            max_complexity: 10,
            max_aliases: 10,
            max_root_fields: 10,
            introspection: true,
        }
    }

    fn shape(query: &str, limits: QueryLimits) -> Result<(), ShapeRefusal> {
        check_shape(&parse_query(query).unwrap(), limits)
    }

    /// `a { a { … leaf } }`: a chain of `levels` fields, the last one `leaf`.
    fn chain(field: &str, levels: usize) -> String {
        let mut selection = "leaf".to_owned();
        for _ in 1..levels {
            selection = format!("{field} {{ {selection} }}");
        }
        selection
    }

    /// A query whose only operation is [`chain`].
    fn nested(field: &str, levels: usize) -> String {
        format!("{{ {} }}", chain(field, levels))
    }

    #[test]
    fn depth_counts_fields_through_fragments_and_refuses_one_past_the_limit() {
        let limits = limits();

        let at_limit = shape("{ a { ...F } } fragment F on T { b { c } }", limits);
        let past_limit = shape("{ a { ...F } } fragment F on T { b { c { d } } }", limits);

        assert_eq!(at_limit, Ok(()));
        assert_eq!(past_limit, Err(ShapeRefusal::TooDeep));
    }

    #[test]
    fn complexity_counts_every_expanded_field() {
        let limits = limits();

        let ten = shape("{ a b ...F ...F } fragment F on T { c d e f }", limits);
        let eleven = shape("{ a b g ...F ...F } fragment F on T { c d e f }", limits);

        assert_eq!(ten, Ok(()));
        assert_eq!(eleven, Err(ShapeRefusal::TooComplex));
    }

    #[test]
    fn introspection_is_not_counted_against_product_depth_and_complexity() {
        let limits = limits();
        let type_ref = chain("ofType", 12);
        let query = format!(
            "{{ __schema {{ types {{ name fields {{ name args {{ name type {{ {type_ref} }} }} type {{ {type_ref} }} }} }} }} }}"
        );

        assert_eq!(shape(&query, limits), Ok(()));
    }

    #[test]
    fn an_of_type_chain_past_the_introspection_depth_is_refused() {
        let query = |levels: usize| {
            format!(
                "{{ __type(name: \"Product\") {{ {} }} }}",
                chain("ofType", levels)
            )
        };

        // __type itself is level 1.
        let deepest = shape(&query(MAX_INTROSPECTION_DEPTH - 1), limits());
        let too_deep = shape(&query(MAX_INTROSPECTION_DEPTH), limits());

        assert_eq!(deepest, Ok(()));
        assert_eq!(too_deep, Err(ShapeRefusal::IntrospectionTooDeep));
    }

    #[test]
    fn three_nested_lists_of_fields_are_an_introspection_bomb() {
        let two = "{ __schema { types { fields { type { fields { name } } } } } }";
        let three = "{ __schema { types { fields { type { interfaces { fields { type { possibleTypes { name } } } } } } } } }";
        let through_fragments = "{ __schema { types { ...T } } } fragment T on __Type { fields { type { ...U } } } fragment U on __Type { inputFields { type { interfaces { name } } } }";

        assert_eq!(shape(two, limits()), Ok(()));
        assert_eq!(
            shape(three, limits()),
            Err(ShapeRefusal::IntrospectionTooDeep)
        );
        assert_eq!(
            shape(through_fragments, limits()),
            Err(ShapeRefusal::IntrospectionTooDeep)
        );
    }

    #[test]
    fn introspection_repeated_under_aliases_hits_the_field_budget() {
        let one = "__schema { types { name kind description fields { name description } } } ";
        let many: String = (0..MAX_INTROSPECTION_FIELDS / 6 + 1)
            .map(|i| format!("s{i}: {one}"))
            .collect();

        assert_eq!(shape(&format!("{{ {one} }}"), limits()), Ok(()));
        assert_eq!(
            shape(&format!("{{ {many} }}"), limits()),
            Err(ShapeRefusal::IntrospectionTooLarge)
        );
    }

    #[test]
    fn introspection_off_refuses_schema_and_type_anywhere_but_not_typename() {
        let off = QueryLimits {
            introspection: false,
            ..limits()
        };

        assert_eq!(shape("{ __typename a }", off), Ok(()));
        assert_eq!(
            shape("{ __schema { queryType { name } } }", off),
            Err(ShapeRefusal::IntrospectionDisabled)
        );
        assert_eq!(
            shape(
                "{ a ...F } fragment F on Q { __type(name: \"Q\") { name } }",
                off
            ),
            Err(ShapeRefusal::IntrospectionDisabled)
        );
    }

    #[test]
    fn fragment_cycles_and_unknown_fragments_end_the_walk_for_validation_to_refuse() {
        assert_eq!(
            shape(
                "{ ...A } fragment A on Q { a ...B } fragment B on Q { b ...A }",
                limits()
            ),
            Ok(())
        );
        assert_eq!(shape("{ a ...Missing }", limits()), Ok(()));
    }

    #[test]
    fn fragments_that_double_at_every_level_stop_at_the_complexity_limit() {
        // 2^40 fields when expanded: the walk must stop after about max_complexity.
        let mut document = String::from("{ ...F0 } ");
        for level in 0..40 {
            document.push_str(&format!(
                "fragment F{level} on Q {{ ...F{} ...F{} }} ",
                level + 1,
                level + 1
            ));
        }
        document.push_str("fragment F40 on Q { a }");

        assert_eq!(shape(&document, limits()), Err(ShapeRefusal::TooComplex));
    }

    proptest::proptest! {
        #[test]
        fn a_chain_is_refused_exactly_when_longer_than_max_depth(levels in 1usize..40, max_depth in 1usize..40) {
            let limits = QueryLimits { max_depth, max_complexity: 1_000, ..limits() };

            let refused = shape(&nested("a", levels), limits).is_err();

            proptest::prop_assert_eq!(refused, levels > max_depth);
        }
    }
}

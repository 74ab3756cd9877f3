//! Limits on the shape of a query, checked before any resolver runs, so a hostile
//! document (ten thousand aliases, deep nesting) costs a parse and nothing more.
//! Depth and complexity use async-graphql's own checks; aliases and root fields are
//! counted here. Every refusal gets a stable `extensions.code`.
//!
//! The same extension keeps the parsed documents of recent query texts: clients send
//! the same text again and again (with variables), and parsing was the largest
//! share of a cache-hit request's CPU (see BENCHMARKS.md), so a text seen before
//! skips the parser and these checks (it passed them when it was first parsed).

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, ServerError, ServerResult, ValidationResult, Variables};

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

/// Most query text kept with parsed documents, in bytes (the documents take a small
/// multiple of their text), so the cache stays a few MB whatever clients send.
const DOCUMENT_CACHE_TEXT_BYTES: u64 = 256 * 1024;

/// Longest query text whose parsed document is kept; a longer one is parsed each time.
const DOCUMENT_CACHE_MAX_QUERY_BYTES: usize = 8 * 1024;

/// Slots of the table of query texts seen once.
const SEEN_ONCE_SLOTS: usize = 4096;

/// Parsed documents that passed the shape limits, by query text. A parse depends on
/// the text alone (not on variables), so a cached document is what parsing the same
/// text again would give.
///
/// A document is kept only when its text comes a second time: a text seen once
/// leaves just its hash in a small direct-mapped table, so texts that never repeat
/// (keys written into the query instead of variables) cost a hash, not a copy of
/// their document and a cache insert.
struct DocumentCache {
    documents: moka::sync::Cache<String, ExecutableDocument>,
    seen_once: Box<[AtomicU64]>,
    hasher: RandomState,
}

impl DocumentCache {
    fn new() -> Self {
        DocumentCache {
            documents: moka::sync::Cache::builder()
                .max_capacity(DOCUMENT_CACHE_TEXT_BYTES)
                .weigher(|query: &String, _| u32::try_from(query.len()).unwrap_or(u32::MAX))
                .build(),
            seen_once: (0..SEEN_ONCE_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            hasher: RandomState::new(),
        }
    }

    fn get(&self, query: &str) -> Option<ExecutableDocument> {
        self.documents.get(query)
    }

    /// Keeps `document` if `query` was seen before; otherwise remembers that it was.
    fn offer(&self, query: &str, document: &ExecutableDocument) {
        if query.len() > DOCUMENT_CACHE_MAX_QUERY_BYTES {
            return;
        }
        let hash = self.hasher.hash_one(query);
        let slot = usize::try_from(hash % SEEN_ONCE_SLOTS as u64).unwrap_or(0);
        let seen_before = self
            .seen_once
            .get(slot)
            .is_some_and(|seen| seen.swap(hash, Ordering::Relaxed) == hash);
        if seen_before {
            self.documents.insert(query.to_owned(), document.clone());
        }
    }
}

/// The extension that enforces [`QueryLimits`], labels validation failures and
/// keeps recently parsed documents.
pub(crate) struct ShapeLimits {
    limits: QueryLimits,
    documents: Arc<DocumentCache>,
}

impl ShapeLimits {
    /// The extension for `limits`, with an empty document cache.
    pub(crate) fn new(limits: QueryLimits) -> Self {
        ShapeLimits {
            limits,
            documents: Arc::new(DocumentCache::new()),
        }
    }
}

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension {
            limits: self.limits,
            documents: Arc::clone(&self.documents),
        })
    }
}

struct ShapeLimitsExtension {
    limits: QueryLimits,
    documents: Arc<DocumentCache>,
}

#[async_trait::async_trait]
impl Extension for ShapeLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Some(document) = self.documents.get(query) {
            return Ok(document);
        }
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > self.limits.max_aliases {
            return Err(coded(
                format!(
                    "the query has {aliases} aliases, at most {} are allowed",
                    self.limits.max_aliases
                ),
                "TOO_MANY_ALIASES",
            ));
        }
        let root_fields = max_root_fields(&document);
        if root_fields > self.limits.max_root_fields {
            return Err(coded(
                format!(
                    "an operation has {root_fields} root fields, at most {} are allowed",
                    self.limits.max_root_fields
                ),
                "TOO_MANY_ROOT_FIELDS",
            ));
        }
        self.documents.offer(query, &document);
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

fn coded(message: String, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code);
    error
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

    #[tokio::test]
    async fn a_query_text_seen_before_is_not_parsed_again_and_a_refused_one_is_not_kept() {
        let extension = ShapeLimits::new(QueryLimits {
            max_depth: 12,
            max_complexity: 5000,
            max_aliases: 1,
            max_root_fields: 100,
        });
        let documents = Arc::clone(&extension.documents);
        let schema = async_graphql::Schema::build(
            crate::graphql::query::QueryRoot,
            async_graphql::EmptyMutation,
            async_graphql::EmptySubscription,
        )
        .extension(extension)
        .finish();

        let mut kept = Vec::new();
        for _ in 0..3 {
            let response = schema.execute("{ t: __typename }").await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
            assert_eq!(response.data, async_graphql::value!({ "t": "QueryRoot" }));
            documents.documents.run_pending_tasks();
            kept.push(documents.documents.entry_count());
        }
        // Seen once: only its hash; seen twice: kept; then answered from the cache.
        assert_eq!(kept, [0, 1, 1]);

        for _ in 0..3 {
            let response = schema.execute("{ a: __typename b: __typename }").await;
            let code = response.errors[0]
                .extensions
                .as_ref()
                .and_then(|values| values.get("code"))
                .cloned();
            assert_eq!(code, Some(async_graphql::Value::from("TOO_MANY_ALIASES")));
        }
        documents.documents.run_pending_tasks();
        assert_eq!(documents.documents.entry_count(), 1);
    }
}

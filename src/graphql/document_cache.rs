//! A cache of parsed documents, keyed by the query text, so a hot query is parsed
//! once and not on every request. async-graphql 7.2 has no such cache of its own
//! (every request runs `parse_query`), hence this extension.
//!
//! It hooks `parse_query` and must be the **last** extension registered: extensions
//! run outermost first, so every one registered before it (the shape limits, which
//! count aliases) still sees each document, cached or not. Below it there is only
//! async-graphql's own parse and its recursion-depth and directive checks, which
//! depend on the text alone, so a cached success is exactly what a new parse would
//! give. Failures are not cached. Validation is not cached either: it depends on
//! the variables and the operation name as well as the text, and it is the cheaper
//! step (see `benches/graphql_exec.rs`).
//!
//! Bounded three times: at most `--document-cache-max-mb` of estimated memory (a
//! parsed document weighs about [`PARSED_BYTES_PER_TEXT_BYTE`] times its text), at
//! most `--document-cache-size` documents (quick_cache's S3-FIFO: texts seen once go
//! before texts seen again), and a text over [`MAX_CACHED_QUERY_BYTES`] is parsed
//! every time (hot queries are small; a huge one would pin memory).
//!
//! The compiled plans ([`super::plan`]) live here too, in a store of their own with
//! the same bounds (a plan weighs about what its document weighs): query text to
//! its plan, or to `None` for a text that has none, so it is not parsed again just
//! to learn that. `--compiled-plans off` leaves that store out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::limits::QueryLimits;
use super::plan::{self, Plan};
use crate::cache::weight::{ENTRY_OVERHEAD_BYTES, entry_weight, small_cache};
use crate::hashing::FastHasher;

/// A document's text and its parse.
pub type KnownParse = (Arc<str>, Arc<ExecutableDocument>);

/// Longest query text that is cached; longer ones are parsed on every request.
pub(crate) const MAX_CACHED_QUERY_BYTES: usize = 32 * 1024;

/// Estimated heap of a parsed document per byte of its text: every name, argument
/// and selection becomes a positioned node of tens of bytes (an over-estimate for
/// long string literals, which are copied once).
pub(crate) const PARSED_BYTES_PER_TEXT_BYTE: usize = 16;

/// The parsed-document cache shared by every request of one schema. Cheap to clone.
#[derive(Clone)]
pub(crate) struct DocumentCache {
    shared: Arc<Shared>,
}

struct Shared {
    /// Query text to its parsed document.
    documents: Cache<Arc<str>, Arc<ExecutableDocument>, WeighText, FastHasher>,
    /// Query text to its compiled plan (`None` with `--compiled-plans off`).
    plans: Option<Plans>,
    /// Documents served from the cache.
    hits: AtomicU64,
    /// Documents actually parsed (misses, and texts too long to cache).
    parses: AtomicU64,
}

/// How a [`DocumentCache`] has done so far (what its tests count).
#[cfg(test)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DocumentCacheStats {
    /// Requests whose document came from the cache.
    pub(crate) hits: u64,
    /// Requests whose document was parsed.
    pub(crate) parses: u64,
}

/// Query text to its plan, or to `None` for a text that has none.
type PlanStore = Cache<Arc<str>, Option<Arc<Plan>>, WeighText, FastHasher>;

/// The compiled plans, and the limits a document must pass to have one.
struct Plans {
    store: PlanStore,
    limits: QueryLimits,
}

/// A parsed document weighs its text and about [`PARSED_BYTES_PER_TEXT_BYTE`] times
/// that; a plan weighs about what the document it came from weighs.
#[derive(Clone)]
struct WeighText {
    max_bytes: u64,
    capacity: u64,
}

impl WeighText {
    fn bytes(&self, text_bytes: usize) -> u64 {
        let bytes = text_bytes * (1 + PARSED_BYTES_PER_TEXT_BYTE) + ENTRY_OVERHEAD_BYTES;
        u64::from(entry_weight(bytes, self.max_bytes, self.capacity))
    }

    /// The cache of this weight, holding every text up to [`MAX_CACHED_QUERY_BYTES`].
    fn cache<V: Clone>(self) -> Cache<Arc<str>, V, WeighText, FastHasher> {
        let (capacity, max_bytes) = (self.capacity, self.max_bytes);
        let heaviest = self.bytes(MAX_CACHED_QUERY_BYTES);
        small_cache(capacity, max_bytes, heaviest, self)
    }
}

impl<V> Weighter<Arc<str>, V> for WeighText {
    fn weight(&self, text: &Arc<str>, _parsed: &V) -> u64 {
        self.bytes(text.len())
    }
}

impl DocumentCache {
    /// A cache holding at most `capacity` documents weighing at most `max_bytes`,
    /// and no plans.
    #[cfg(test)]
    pub(crate) fn new(capacity: u64, max_bytes: u64) -> DocumentCache {
        DocumentCache::with_plans(capacity, max_bytes, None)
    }

    /// [`DocumentCache::new`], and as many compiled plans within the same bounds
    /// when `plans` gives the limits a planned document must pass.
    pub(crate) fn with_plans(
        capacity: u64,
        max_bytes: u64,
        plans: Option<QueryLimits>,
    ) -> DocumentCache {
        let weigh = WeighText {
            max_bytes,
            capacity,
        };
        let plans = plans.map(|limits| Plans {
            store: weigh.clone().cache(),
            limits,
        });
        let documents = weigh.cache();
        DocumentCache {
            shared: Arc::new(Shared {
                documents,
                plans,
                hits: AtomicU64::new(0),
                parses: AtomicU64::new(0),
            }),
        }
    }

    /// The compiled plan of `query`, compiled on its first sighting; `None` when it
    /// has none or plans are off.
    ///
    /// A text not seen yet is compiled from `parsed` when that is a parse of this
    /// very text (protection's, made while pricing it), instead of being parsed again.
    pub(crate) fn plan_with(&self, query: &str, parsed: Option<&KnownParse>) -> Option<Arc<Plan>> {
        let plans = self.shared.plans.as_ref()?;
        if query.is_empty() || query.len() > MAX_CACHED_QUERY_BYTES {
            return None;
        }
        if let Some(known) = plans.store.get(query) {
            return known;
        }
        let compiled = match parsed.filter(|(text, _)| **text == *query) {
            Some((_, document)) => plan::compile_parsed(document, &plans.limits),
            None => plan::compile_text(query, &plans.limits),
        }
        .map(Arc::new);
        plans.store.insert(Arc::from(query), compiled.clone());
        compiled
    }

    /// The cached document of `query`, counted as a hit; `None` (not counted) when
    /// it is not cached. For the lean path of `GatewaySchema`, which parses a miss
    /// itself ([`DocumentCache::parse`]).
    pub(crate) fn cached(&self, query: &str) -> Option<ExecutableDocument> {
        let document = self.shared.documents.get(query)?;
        self.shared.hits.fetch_add(1, Ordering::Relaxed);
        Some(ExecutableDocument::clone(&document))
    }

    /// Parses `query`, counting the parse when it succeeds (a failure is reported,
    /// and counted, by the full path the request then takes).
    pub(crate) fn parse(&self, query: &str) -> Option<ExecutableDocument> {
        let document = crate::graphql_syntax::parse_query(query).ok()?;
        self.shared.parses.fetch_add(1, Ordering::Relaxed);
        Some(document)
    }

    /// Keeps the document of `query` once a whole request has run with it, so
    /// async-graphql's recursion-depth and directive checks (run after any parse)
    /// have passed: a cached document must be exactly what a new parse would give.
    pub(crate) fn store(&self, query: &str, document: ExecutableDocument) {
        if query.is_empty() || query.len() > MAX_CACHED_QUERY_BYTES {
            return;
        }
        self.shared
            .documents
            .insert(Arc::from(query), Arc::new(document));
    }

    /// Hits and parses so far.
    #[cfg(test)]
    pub(crate) fn stats(&self) -> DocumentCacheStats {
        DocumentCacheStats {
            hits: self.shared.hits.load(Ordering::Relaxed),
            parses: self.shared.parses.load(Ordering::Relaxed),
        }
    }
}

impl ExtensionFactory for DocumentCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentCacheExtension(Arc::clone(&self.shared)))
    }
}

struct DocumentCacheExtension(Arc<Shared>);

#[async_trait::async_trait]
impl Extension for DocumentCacheExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // An empty text means the document came ready-made with the request.
        if query.is_empty() || query.len() > MAX_CACHED_QUERY_BYTES {
            self.0.parses.fetch_add(1, Ordering::Relaxed);
            return next.run(ctx, query, variables).await;
        }
        if let Some(document) = self.0.documents.get(query) {
            self.0.hits.fetch_add(1, Ordering::Relaxed);
            // The executor takes the document by value and edits it (@skip/@include).
            return Ok(ExecutableDocument::clone(&document));
        }
        self.0.parses.fetch_add(1, Ordering::Relaxed);
        let document = next.run(ctx, query, variables).await?;
        self.0
            .documents
            .insert(Arc::from(query), Arc::new(document.clone()));
        Ok(document)
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use super::*;
    use crate::graphql::limits::{QueryLimits, ShapeLimits};

    struct Query;

    #[Object]
    impl Query {
        async fn echo(&self, text: String) -> String {
            text
        }
    }

    fn schema(cache: &DocumentCache) -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(cache.clone())
            .finish()
    }

    #[tokio::test]
    async fn a_repeated_query_is_parsed_once_and_answers_the_same() {
        let cache = DocumentCache::new(10, 1 << 20);
        let schema = schema(&cache);
        let query = r#"query($t: String!) { a: echo(text: $t) b: echo(text: "b") }"#;

        let first = schema
            .execute(
                async_graphql::Request::new(query)
                    .variables(Variables::from_json(serde_json::json!({ "t": "one" }))),
            )
            .await;
        let second = schema
            .execute(
                async_graphql::Request::new(query)
                    .variables(Variables::from_json(serde_json::json!({ "t": "two" }))),
            )
            .await;

        assert!(first.errors.is_empty(), "{:?}", first.errors);
        assert_eq!(
            first.data.into_json().unwrap(),
            serde_json::json!({ "a": "one", "b": "b" })
        );
        assert_eq!(
            second.data.into_json().unwrap(),
            serde_json::json!({ "a": "two", "b": "b" })
        );
        assert_eq!(cache.stats(), DocumentCacheStats { hits: 1, parses: 1 });
    }

    #[tokio::test]
    async fn a_cached_document_is_still_refused_by_the_shape_limits_registered_before_it() {
        let cache = DocumentCache::new(10, 1 << 20);
        let limits = QueryLimits {
            max_depth: 10,
            max_complexity: 100,
            max_aliases: 2,
            max_root_fields: 10,
            introspection: true,
        };
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(ShapeLimits(limits))
            .extension(cache.clone())
            .finish();
        let query = r#"{ a: echo(text: "a") b: echo(text: "b") c: echo(text: "c") }"#;

        for _ in 0..2 {
            let response = schema.execute(query).await;
            let code = response.errors.first().and_then(|error| {
                error
                    .extensions
                    .as_ref()
                    .and_then(|extensions| extensions.get("code").cloned())
            });
            assert_eq!(
                code,
                Some(async_graphql::Value::from("TOO_MANY_ALIASES")),
                "{:?}",
                response.errors
            );
        }

        assert_eq!(cache.stats(), DocumentCacheStats { hits: 1, parses: 1 });
    }

    fn plans() -> DocumentCache {
        DocumentCache::with_plans(
            10,
            1 << 20,
            Some(QueryLimits {
                max_depth: 10,
                max_complexity: 100,
                max_aliases: 2,
                max_root_fields: 10,
                introspection: true,
            }),
        )
    }

    fn parse(text: &str) -> KnownParse {
        let document = async_graphql::parser::parse_query(text).unwrap();
        (Arc::from(text), Arc::new(document))
    }

    #[test]
    fn a_plan_compiled_from_a_given_parse_is_the_plan_of_the_text() {
        let text = r#"{ product(gtin: "4006381333931") { gtin title } }"#;
        let from_text = plans().plan_with(text, None).unwrap();
        let from_parse = plans().plan_with(text, Some(&parse(text))).unwrap();
        assert_eq!(format!("{from_parse:?}"), format!("{from_text:?}"));
        // Over the shape limits: no plan, whichever way it was parsed.
        let aliased = r#"{ a: product(gtin: "1") { gtin } b: product(gtin: "2") { gtin } c: product(gtin: "3") { gtin } }"#;
        assert!(plans().plan_with(aliased, Some(&parse(aliased))).is_none());
    }

    #[test]
    fn a_given_parse_is_what_is_compiled_and_one_of_another_text_is_ignored() {
        let text = r#"{ product(gtin: "4006381333931") { gtin } }"#;
        let other = r#"{ product(gtin: "4006381333931") { title } }"#;
        let expected = format!("{:?}", plans().plan_with(text, None).unwrap());
        // A parse of another text under this text's name would be compiled as given
        // (the caller vouches for it); under its own name it is not this text's.
        let (_, other_document) = parse(other);
        let vouched: KnownParse = (Arc::from(text), other_document);
        let taken = format!("{:?}", plans().plan_with(text, Some(&vouched)).unwrap());
        assert_ne!(taken, expected, "the given parse is what is compiled");
        let mismatched = plans().plan_with(text, Some(&parse(other))).unwrap();
        assert_eq!(
            format!("{mismatched:?}"),
            expected,
            "another text's parse is not used"
        );
    }

    #[tokio::test]
    async fn a_query_that_does_not_parse_is_not_cached() {
        let cache = DocumentCache::new(10, 1 << 20);
        let schema = schema(&cache);

        for _ in 0..2 {
            let response = schema.execute("{ echo(text: ").await;
            assert!(!response.errors.is_empty());
        }

        assert_eq!(cache.stats(), DocumentCacheStats { hits: 0, parses: 2 });
    }

    #[tokio::test]
    async fn the_documents_kept_stay_within_the_byte_budget() {
        // 100 distinct texts of ~1 KB (~17 KB each once parsed) into a 64 KB budget.
        let cache = DocumentCache::new(1000, 64 * 1024);
        let schema = schema(&cache);
        let padding = " ".repeat(1000);
        for i in 0..100 {
            let query = format!("{{ echo(text: \"{i}\") }}{padding}");
            let response = schema.execute(query.as_str()).await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
        }
        let weighed = cache.shared.documents.weight();
        assert!(weighed <= 64 * 1024, "{weighed} bytes");
        let kept = cache.shared.documents.len();
        assert!((1..=4).contains(&kept), "{kept} documents kept");
    }

    #[tokio::test]
    async fn a_query_over_the_size_cap_is_parsed_every_time() {
        let cache = DocumentCache::new(10, 1 << 20);
        let schema = schema(&cache);
        let padding = " ".repeat(MAX_CACHED_QUERY_BYTES);
        let query = format!("{{ echo(text: \"x\") }}{padding}");

        for _ in 0..2 {
            let response = schema.execute(query.as_str()).await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
        }

        assert_eq!(cache.stats(), DocumentCacheStats { hits: 0, parses: 2 });
    }
}

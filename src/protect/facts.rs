//! What protection needs to know of a document's text, computed once per text and
//! kept: its SHA-256 (how the trusted-documents check knows a full text) and its
//! parse (what the cost walk reads). An app sends the same few texts over and over,
//! so with protection on a request costs a cache lookup instead of a hash and a
//! parse; the cost walk itself stays per request, since a list's size comes from
//! the request's variables.
//!
//! Bounded like the parsed-document cache: at most [`MAX_TEXTS`] texts weighing at
//! most [`MAX_BYTES`] (a parse weighs about [`PARSED_BYTES_PER_TEXT_BYTE`] times its
//! text), and a text over [`MAX_TEXT_BYTES`] is hashed and parsed every time. A
//! flood of distinct texts only evicts (S3-FIFO keeps the frequent ones); it can
//! never make a decision differ from a fresh computation, which is what the facts
//! are, memoized.

use std::sync::{Arc, OnceLock};

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Weighter;
use quick_cache::sync::{Cache, DefaultLifecycle};

use super::trusted;
use crate::cache::weight::{ENTRY_OVERHEAD_BYTES, entry_weight};
use crate::hashing::FastHasher;

/// Most texts whose facts are kept.
pub(crate) const MAX_TEXTS: u64 = 2_000;
/// Most bytes (estimated) the kept facts may weigh.
pub(crate) const MAX_BYTES: u64 = 8 << 20;
/// Longest text whose facts are kept (hot documents are small).
pub(crate) const MAX_TEXT_BYTES: usize = 32 * 1024;
/// Estimated heap of a parsed document per byte of its text.
const PARSED_BYTES_PER_TEXT_BYTE: usize = 16;

/// The facts of one document text.
pub(crate) struct Facts {
    text: Arc<str>,
    /// Lowercase hex SHA-256 of the text.
    sha256: String,
    /// The parse, made when first asked for (a text refused by its hash is never
    /// parsed); `None` when it does not parse.
    document: OnceLock<Option<Arc<ExecutableDocument>>>,
}

impl Facts {
    fn of(text: Arc<str>) -> Facts {
        Facts {
            sha256: trusted::sha256_hex(&text),
            text,
            document: OnceLock::new(),
        }
    }

    /// Lowercase hex SHA-256 of the text.
    pub(crate) fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The parsed document, `None` when the text does not parse.
    pub(crate) fn document(&self) -> Option<&ExecutableDocument> {
        self.parsed().as_deref()
    }

    /// The text and its parse, when parsed already and it parses: what execution
    /// can take instead of parsing the text again (a text new to the plan store is
    /// otherwise parsed twice, once here and once there).
    pub(crate) fn parse_made(&self) -> Option<(Arc<str>, Arc<ExecutableDocument>)> {
        let document = self.document.get()?.as_ref()?;
        Some((Arc::clone(&self.text), Arc::clone(document)))
    }

    fn parsed(&self) -> &Option<Arc<ExecutableDocument>> {
        self.document.get_or_init(|| {
            crate::graphql_syntax::parse_query(&self.text)
                .ok()
                .map(Arc::new)
        })
    }
}

/// Weighs an entry as its text, its parse and the cache's own overhead.
#[derive(Clone)]
struct WeighFacts;

impl Weighter<Arc<str>, Arc<Facts>> for WeighFacts {
    fn weight(&self, text: &Arc<str>, _facts: &Arc<Facts>) -> u64 {
        let bytes = text.len() * (1 + PARSED_BYTES_PER_TEXT_BYTE) + 64 + ENTRY_OVERHEAD_BYTES;
        u64::from(entry_weight(bytes, MAX_BYTES, MAX_TEXTS))
    }
}

/// The facts of the texts seen lately.
pub(crate) struct DocumentFacts {
    cache: Cache<Arc<str>, Arc<Facts>, WeighFacts, FastHasher>,
}

impl DocumentFacts {
    pub(crate) fn new() -> DocumentFacts {
        DocumentFacts {
            cache: Cache::with(
                usize::try_from(MAX_TEXTS).unwrap_or(1024),
                MAX_BYTES,
                WeighFacts,
                FastHasher::default(),
                DefaultLifecycle::default(),
            ),
        }
    }

    /// The facts of `text`: kept ones, or computed now (and kept when small enough).
    pub(crate) fn of(&self, text: &str) -> Arc<Facts> {
        if let Some(known) = self.cache.get(text) {
            return known;
        }
        let text: Arc<str> = Arc::from(text);
        let facts = Arc::new(Facts::of(Arc::clone(&text)));
        if text.len() <= MAX_TEXT_BYTES {
            self.cache.insert(text, Arc::clone(&facts));
        }
        facts
    }

    /// Texts kept now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.cache.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const QUERY: &str = "query Basket($g: [String!]!) { products(gtins: $g) { gtin title } }";

    #[test]
    fn facts_are_what_a_fresh_computation_gives_and_are_kept_once() {
        let facts = DocumentFacts::new();
        let first = facts.of(QUERY);
        let second = facts.of(QUERY);

        assert!(
            Arc::ptr_eq(&first, &second),
            "the second lookup is the kept one"
        );
        assert_eq!(first.sha256(), trusted::sha256_hex(QUERY));
        assert_eq!(
            first.document().map(|document| format!("{document:?}")),
            async_graphql::parser::parse_query(QUERY)
                .ok()
                .map(|document| format!("{document:?}"))
        );
        assert_eq!(facts.len(), 1);
    }

    #[test]
    fn a_text_that_does_not_parse_has_a_hash_and_no_document() {
        let facts = DocumentFacts::new().of("{ products(");
        assert_eq!(facts.sha256(), trusted::sha256_hex("{ products("));
        assert!(facts.document().is_none());
    }

    #[test]
    fn a_text_over_the_cap_is_answered_but_not_kept() {
        let facts = DocumentFacts::new();
        let long = format!("{{ __typename }}{}", " ".repeat(MAX_TEXT_BYTES));
        assert!(facts.of(&long).document().is_some());
        assert_eq!(facts.len(), 0);
    }

    #[test]
    fn a_flood_of_distinct_texts_stays_within_the_bounds() {
        let facts = DocumentFacts::new();
        let padding = " ".repeat(4096);
        for i in 0..4_000 {
            facts.of(&format!("{{ gtin(code: \"{i}\") {{ valid }} }}{padding}"));
        }
        let weight = facts.cache.weight();
        assert!(weight <= MAX_BYTES, "{weight} bytes kept");
        assert!(facts.len() as u64 <= MAX_TEXTS);
    }

    proptest! {
        /// Whatever was asked before, the facts of a text are its own.
        #[test]
        fn the_facts_of_a_text_never_depend_on_the_texts_before_it(
            texts in proptest::collection::vec("[{}a-z ():$!\\[\\]]{0,40}", 1..30),
        ) {
            let facts = DocumentFacts::new();
            for text in texts.iter().chain(texts.iter()) {
                let kept = facts.of(text);
                prop_assert_eq!(kept.sha256(), trusted::sha256_hex(text));
                prop_assert_eq!(
                    kept.document().is_some(),
                    async_graphql::parser::parse_query(text).is_ok()
                );
            }
        }
    }
}

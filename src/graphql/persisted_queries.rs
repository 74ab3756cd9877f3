//! Automatic persisted queries (APQ), as Apollo Client's persisted-queries link
//! speaks them: a request may carry `extensions.persistedQuery = { version: 1,
//! sha256Hash }`, by POST body or as the GET parameter `extensions`.
//!
//! - hash only, known: the stored text runs;
//! - hash only, unknown: `PersistedQueryNotFound` with code
//!   `PERSISTED_QUERY_NOT_FOUND`, on which the client resends hash and text;
//! - hash and text: the hash must be the SHA-256 of the text
//!   (`PERSISTED_QUERY_HASH_MISMATCH` otherwise); the text runs and, once it has
//!   parsed, passed the shape limits and validated, is stored under its hash.
//!
//! async-graphql's own `ApolloPersistedQueries` is not used: its not-found error has
//! no `extensions.code`, and it stores a parsed document before any limit or
//! validation. Here the store maps hash to *text* and the text then goes through the
//! ordinary path (document cache, shape limits, validation), so a persisted query
//! costs and is checked exactly like the same query sent in full.
//!
//! The store is a bounded in-memory cache per replica (quick_cache, S3-FIFO:
//! `--apq-cache-size` texts, `--apq-cache-max-mb` bytes of hash and text): a replica
//! that has not seen a hash answers not-found and the client re-registers, which is
//! the protocol's normal recovery.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
};
use async_graphql::{Request, ServerError, ServerResult, ValidationResult};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::errors;
use crate::cache::weight;
use crate::hashing::FastHasher;

/// The APQ store shared by every request of one schema: hash to query text.
#[derive(Clone)]
pub(crate) struct PersistedQueries {
    queries: Arc<Store>,
}

/// `extensions.persistedQuery` of a request.
#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// Hash to text, each weighing both.
type Store = Cache<String, Arc<str>, WeighQuery, FastHasher>;

/// The heaviest text kept is the longest a default request body holds (256 KiB):
/// the store is sharded no finer than that.
const HEAVIEST_TEXT_BYTES: usize = 256 * 1024;

/// A persisted query weighs its hash and its text.
#[derive(Clone)]
struct WeighQuery {
    max_bytes: u64,
    capacity: u64,
}

impl WeighQuery {
    fn bytes(&self, bytes: usize) -> u64 {
        let bytes = bytes + weight::ENTRY_OVERHEAD_BYTES;
        u64::from(weight::entry_weight(bytes, self.max_bytes, self.capacity))
    }
}

impl Weighter<String, Arc<str>> for WeighQuery {
    fn weight(&self, hash: &String, text: &Arc<str>) -> u64 {
        self.bytes(hash.len() + text.len())
    }
}

impl PersistedQueries {
    /// A store holding at most `capacity` queries weighing at most `max_bytes`.
    pub(crate) fn new(capacity: u64, max_bytes: u64) -> PersistedQueries {
        let weigh = WeighQuery {
            max_bytes,
            capacity,
        };
        let heaviest = weigh.bytes(64 + HEAVIEST_TEXT_BYTES);
        PersistedQueries {
            queries: Arc::new(weight::small_cache(capacity, max_bytes, heaviest, weigh)),
        }
    }
}

impl ExtensionFactory for PersistedQueries {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PersistedQueriesExtension {
            queries: Arc::clone(&self.queries),
            to_store: Mutex::new(None),
        })
    }
}

/// One request's view: the store, and the hash and text to store once valid.
struct PersistedQueriesExtension {
    queries: Arc<Store>,
    to_store: Mutex<Option<(String, Arc<str>)>>,
}

#[async_trait::async_trait]
impl Extension for PersistedQueriesExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let Some(value) = request.extensions.remove("persistedQuery") else {
            return next.run(ctx, request).await;
        };
        let persisted: PersistedQuery = async_graphql::from_value(value).map_err(|_| {
            errors::persisted_query_invalid(
                "extensions.persistedQuery must be { version: 1, sha256Hash: String }",
            )
        })?;
        if persisted.version != 1 {
            return Err(errors::persisted_query_invalid(
                "only version 1 of persisted queries is supported",
            ));
        }
        let hash = persisted.sha256_hash.to_ascii_lowercase();
        if request.query.is_empty() {
            let query = self
                .queries
                .get(&hash)
                .ok_or_else(errors::persisted_query_not_found)?;
            request.query = query.to_string();
        } else {
            if sha256_hex(&request.query) != hash {
                return Err(errors::persisted_query_hash_mismatch());
            }
            let text: Arc<str> = Arc::from(request.query.as_str());
            if let Ok(mut to_store) = self.to_store.lock() {
                *to_store = Some((hash, text));
            }
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let to_store = self.to_store.lock().ok().and_then(|mut slot| slot.take());
        if let Some((hash, text)) = to_store {
            self.queries.insert(hash, text);
        }
        Ok(result)
    }
}

/// Lowercase hex SHA-256 of `text`, as Apollo Client computes it.
fn sha256_hex(text: &str) -> String {
    use std::fmt::Write;

    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_matches_a_known_digest() {
        assert_eq!(
            sha256_hex("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }
}

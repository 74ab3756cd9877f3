//! The store: request payload key → stored answer, a quick_cache (S3-FIFO) weighed
//! in bytes (payload key, body, a fixed overhead), and the counters the cache's
//! stats read. What an entry holds is what a hit needs to answer without running
//! anything: the body, its media type, validators, tags, freshness, and what the
//! invalidation check compares (`invalidation`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderValue;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::PendingKey;
use super::cache_headers::Tags;
use crate::cache::weight::ENTRY_OVERHEAD_BYTES;
use crate::hashing::FastHasher;
use crate::protect::Verdict;

/// Request payload key to its stored answer.
pub(super) type Store = Cache<Arc<[u8]>, Arc<Stored>, WeighStored, FastHasher>;

pub(super) struct Inner {
    pub(super) entries: Store,
    pub(super) max_ttl: Duration,
    pub(super) max_entry_bytes: usize,
    pub(super) counters: Arc<Counters>,
    /// Bumped by every invalidation.
    pub(super) epoch: AtomicU64,
    /// Per slot, the epoch of the last invalidation of a product in it.
    pub(super) generations: Box<[AtomicU64]>,
}

/// What the cache has done so far (entries and bytes held are the store's own).
#[derive(Default)]
pub(super) struct Counters {
    pub(super) hits: AtomicU64,
    pub(super) misses: AtomicU64,
    pub(super) bypassed: AtomicU64,
    pub(super) stored: AtomicU64,
    pub(super) invalidated: AtomicU64,
}

/// What an entry weighs: its key and body bytes plus a fixed overhead.
fn weight(key: &[u8], stored: &Stored) -> u64 {
    u64::try_from(key.len() + stored.body.len() + ENTRY_OVERHEAD_BYTES).unwrap_or(u64::MAX)
}

/// One stored answer, with its headers.
pub(super) struct Stored {
    pub(super) body: Bytes,
    pub(super) content_type: HeaderValue,
    /// The operation label, for the request's log line and metrics on a hit.
    pub(super) operation: String,
    /// Until when (unix ms) the answer may be served.
    pub(super) until_ms: u64,
    /// Strong `ETag` of `body`.
    pub(super) etag: HeaderValue,
    /// The products it holds, as headers.
    pub(super) tags: Tags,
    /// Whether it holds no product (`Cache-Control` then says the static max-age).
    pub(super) no_products: bool,
    /// The epoch read when its request was looked up.
    pub(super) epoch: u64,
    /// The invalidation slots of its products.
    pub(super) slots: Box<[u16]>,
    /// How the protection (when on) admitted the request that made it.
    pub(super) verdict: Option<Verdict>,
}

/// Weighs an entry by [`weight`].
#[derive(Clone)]
pub(super) struct WeighStored;

impl Weighter<Arc<[u8]>, Arc<Stored>> for WeighStored {
    fn weight(&self, key: &Arc<[u8]>, stored: &Arc<Stored>) -> u64 {
        weight(key, stored)
    }
}

impl Inner {
    /// Stores an answer under `key`, with the epoch read at its lookup.
    pub(super) fn insert(&self, key: PendingKey, mut stored: Stored) {
        stored.epoch = key.epoch;
        let key: Arc<[u8]> = Arc::from(key.key);
        self.counters.stored.fetch_add(1, Ordering::Relaxed);
        self.entries.insert(key, Arc::new(stored));
    }
}

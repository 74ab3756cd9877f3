//! The cache's counters: what `/metrics` and the tests read to see how the cache is
//! doing. Lock-free atomics, bumped on the request path; a snapshot is a plain struct.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the cache's counters. All but `entries` only ever grow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Keys answered `Fresh` (including fresh "not found" entries).
    pub hits: u64,
    /// Keys answered `Miss`.
    pub misses: u64,
    /// Keys answered `Stale` (an expired product the caller may serve if the upstream fails).
    pub stale_hits: u64,
    /// Stale products the loader actually served because the upstream failed.
    pub stale_served: u64,
    /// Entries the in-process tier dropped (or refused) to stay within its capacity.
    pub evictions: u64,
    /// Keys Redis answered with a usable entry.
    pub redis_hits: u64,
    /// Keys Redis did not have (or had only in an unreadable or expired form).
    pub redis_misses: u64,
    /// Redis operations (lookups or write pipelines) that failed.
    pub redis_errors: u64,
    /// Redis operations abandoned because they took longer than allowed.
    pub redis_timeouts: u64,
    /// Writes to Redis not sent: Redis was down, or too many writes were already pending.
    pub redis_writes_dropped: u64,
    /// Invalidation stream entries applied (other replicas' and this one's own).
    pub invalidation_entries: u64,
    /// Times the whole local tier was forgotten because the invalidation reader
    /// could not prove it had missed no entry (not counting the one at start).
    pub invalidation_full_clears: u64,
    /// Entries in the in-process tier now.
    pub entries: u64,
    /// Bytes the in-process tier's entries weigh now (same caveat).
    pub bytes: u64,
}

/// The live counters behind [`CacheStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) stale_hits: AtomicU64,
    pub(crate) stale_served: AtomicU64,
    pub(crate) evictions: AtomicU64,
    pub(crate) redis_hits: AtomicU64,
    pub(crate) redis_misses: AtomicU64,
    pub(crate) redis_errors: AtomicU64,
    pub(crate) redis_timeouts: AtomicU64,
    pub(crate) redis_writes_dropped: AtomicU64,
    pub(crate) invalidation_entries: AtomicU64,
    pub(crate) invalidation_full_clears: AtomicU64,
}

impl Counters {
    /// A snapshot, with `entries` and `bytes` supplied by the caller (they live in the local tier).
    pub(crate) fn snapshot(&self, entries: u64, bytes: u64) -> CacheStats {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheStats {
            hits: read(&self.hits),
            misses: read(&self.misses),
            stale_hits: read(&self.stale_hits),
            stale_served: read(&self.stale_served),
            evictions: read(&self.evictions),
            redis_hits: read(&self.redis_hits),
            redis_misses: read(&self.redis_misses),
            redis_errors: read(&self.redis_errors),
            redis_timeouts: read(&self.redis_timeouts),
            redis_writes_dropped: read(&self.redis_writes_dropped),
            invalidation_entries: read(&self.invalidation_entries),
            invalidation_full_clears: read(&self.invalidation_full_clears),
            entries,
            bytes,
        }
    }
}

/// Adds `n` to a counter; relaxed is enough for monotonic statistics.
pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

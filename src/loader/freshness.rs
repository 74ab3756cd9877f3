//! How long the answers of one operation's lookups stay good, gathered while they
//! are loaded, so the response built from them can be reused for exactly as long
//! (the response cache, `http::response_cache`).
//!
//! The loader notes, per key, until when its answer is fresh: a cached entry's own
//! remaining freshness (found TTL or negative TTL, counted from when the upstream
//! answered), a just-fetched answer's full TTL. A stale copy served because the
//! upstream failed, or any failure, makes the whole response not reusable. One
//! operation's resolvers run concurrently, hence atomics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The running summary of one operation's lookups. Starts "good forever, reusable".
#[derive(Debug)]
pub struct AnswerFreshness {
    /// The earliest "fresh until" (unix ms) of every answer noted so far.
    until_ms: AtomicU64,
    /// False once an answer must not be reused (stale copy, failure).
    reusable: AtomicBool,
}

impl Default for AnswerFreshness {
    fn default() -> Self {
        AnswerFreshness {
            until_ms: AtomicU64::new(u64::MAX),
            reusable: AtomicBool::new(true),
        }
    }
}

impl AnswerFreshness {
    /// Nothing noted yet.
    pub fn new() -> AnswerFreshness {
        AnswerFreshness::default()
    }

    /// Notes an answer that stays fresh until `until_ms` (unix ms).
    pub fn fresh_until(&self, until_ms: u64) {
        self.until_ms.fetch_min(until_ms, Ordering::Relaxed);
    }

    /// Notes an answer that must not be reused: a stale copy, or a failure.
    pub fn not_reusable(&self) {
        self.reusable.store(false, Ordering::Relaxed);
    }

    /// Until when (unix ms) everything noted is fresh, or `None` when something
    /// noted must not be reused. `u64::MAX` when no answer was noted at all.
    pub fn reusable_until(&self) -> Option<u64> {
        self.reusable
            .load(Ordering::Relaxed)
            .then(|| self.until_ms.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_freshness_wins_and_one_unusable_answer_spoils_all() {
        let freshness = AnswerFreshness::new();
        assert_eq!(freshness.reusable_until(), Some(u64::MAX));

        freshness.fresh_until(2_000);
        freshness.fresh_until(1_000);
        freshness.fresh_until(3_000);
        assert_eq!(freshness.reusable_until(), Some(1_000));

        freshness.not_reusable();
        freshness.fresh_until(500);
        assert_eq!(freshness.reusable_until(), None);
    }
}

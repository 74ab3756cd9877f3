//! How long the answers of one operation's lookups stay good, gathered while they
//! are loaded, so the response built from them can be reused for exactly as long
//! (the response cache, `http::response_cache`).
//!
//! The loader notes, per key, until when its answer is fresh: a cached entry's own
//! remaining freshness (found TTL or negative TTL, counted from when the upstream
//! answered), a just-fetched answer's full TTL. A stale copy served because the
//! upstream failed, or any failure, makes the whole response not reusable. One
//! operation's resolvers run concurrently, hence atomics. It also gathers which
//! products the answer holds (the HTTP layer's cache tags and invalidation).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::gtin::Gtin;

/// The running summary of one operation's lookups. Starts "good forever, reusable".
#[derive(Debug)]
pub struct AnswerFreshness {
    /// The earliest "fresh until" (unix ms) of every answer noted so far.
    until_ms: AtomicU64,
    /// False once an answer must not be reused (stale copy, failure).
    reusable: AtomicBool,
    /// Every product key asked for (found, not found or failed), for the response's
    /// `Cache-Tag` / `Surrogate-Key` headers and the response cache's invalidation.
    gtins: Mutex<Vec<Gtin>>,
}

impl Default for AnswerFreshness {
    fn default() -> Self {
        AnswerFreshness {
            until_ms: AtomicU64::new(u64::MAX),
            reusable: AtomicBool::new(true),
            gtins: Mutex::new(Vec::new()),
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

    /// Notes that the answer holds (or tried to hold) the products of `keys`.
    pub fn holds(&self, keys: &[Gtin]) {
        self.gtins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(keys);
    }

    /// The product keys noted so far, sorted and without duplicates; takes them.
    pub fn take_gtins(&self) -> Vec<Gtin> {
        let mut gtins =
            std::mem::take(&mut *self.gtins.lock().unwrap_or_else(PoisonError::into_inner));
        gtins.sort_unstable();
        gtins.dedup();
        gtins
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

    #[test]
    fn the_products_held_come_back_sorted_once_each() {
        let freshness = AnswerFreshness::new();
        let a = Gtin::with_check_digit("0777100000001").unwrap_or_else(|_| unreachable!());
        let b = Gtin::with_check_digit("0777100000002").unwrap_or_else(|_| unreachable!());
        freshness.holds(&[b, a]);
        freshness.holds(&[a]);
        assert_eq!(freshness.take_gtins(), vec![a, b]);
        assert!(freshness.take_gtins().is_empty());
    }
}

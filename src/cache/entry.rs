//! One cached answer and the rules for how old it may be.
//!
//! An entry remembers when it was fetched as wall-clock unix milliseconds, not as an
//! `Instant`: the Redis tier carries that number between replicas, so every replica
//! judges an entry's age the same way. Every decision takes `now` as a parameter, so
//! tests set the clock instead of sleeping. Both tiers use [`Entry::freshness`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::settings::CacheSettings;
use crate::catalog::Product;

/// What the upstream answered for one key, and when.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    /// The product, or `None` for "not in the catalog".
    pub(crate) product: Option<Arc<Product>>,
    /// When the upstream answered, in unix milliseconds.
    pub(crate) fetched_at_ms: u64,
}

/// How usable an entry is at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Younger than its TTL: serve it.
    Fresh,
    /// Past its TTL but within `max_stale` (found products only): serve it only when
    /// the upstream fails.
    Stale,
    /// Too old to be of any use.
    Expired,
}

impl Entry {
    /// How old the entry is at `now_ms`; an entry from the future (a replica whose
    /// clock runs ahead) counts as brand new rather than failing.
    pub(crate) fn age(&self, now_ms: u64) -> Duration {
        Duration::from_millis(now_ms.saturating_sub(self.fetched_at_ms))
    }

    /// Fresh, stale or expired at `now_ms` under `settings`.
    pub(crate) fn freshness(&self, settings: &CacheSettings, now_ms: u64) -> Freshness {
        let found = self.product.is_some();
        let age = self.age(now_ms);
        if age < settings.fresh_for(found) {
            Freshness::Fresh
        } else if age < settings.retention(found) {
            // Only found products get here: a negative entry's retention is its TTL.
            Freshness::Stale
        } else {
            Freshness::Expired
        }
    }

    /// How much longer the entry is worth keeping at `now_ms` (zero when expired).
    pub(crate) fn remaining(&self, settings: &CacheSettings, now_ms: u64) -> Duration {
        settings
            .retention(self.product.is_some())
            .saturating_sub(self.age(now_ms))
    }
}

/// The wall clock in unix milliseconds; a clock set before 1970 reads as 0, which
/// only makes entries look older (a miss), never an error.
pub(crate) fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;

    fn settings() -> CacheSettings {
        CacheSettings {
            ttl: Duration::from_secs(300),
            negative_ttl: Duration::from_secs(30),
            max_stale: Duration::from_secs(3600),
            ..CacheSettings::default()
        }
    }

    fn entry(found: bool, age: Duration) -> Entry {
        let product = found.then(|| Arc::new(crate::cache::test_support::product(0)));
        Entry {
            product,
            fetched_at_ms: NOW - u64::try_from(age.as_millis()).unwrap(),
        }
    }

    #[test]
    fn a_found_entry_is_fresh_until_its_ttl_then_stale_until_max_stale_then_expired() {
        let s = settings();
        let at = |secs| entry(true, Duration::from_secs(secs)).freshness(&s, NOW);
        assert_eq!(at(0), Freshness::Fresh);
        assert_eq!(at(299), Freshness::Fresh);
        assert_eq!(at(300), Freshness::Stale);
        assert_eq!(at(3899), Freshness::Stale);
        assert_eq!(at(3900), Freshness::Expired);
    }

    #[test]
    fn a_not_found_entry_expires_at_the_negative_ttl_and_is_never_stale() {
        let s = settings();
        let at = |secs| entry(false, Duration::from_secs(secs)).freshness(&s, NOW);
        assert_eq!(at(29), Freshness::Fresh);
        assert_eq!(at(30), Freshness::Expired);
        assert_eq!(at(299), Freshness::Expired);
    }

    #[test]
    fn an_entry_from_a_clock_ahead_of_ours_counts_as_brand_new() {
        let ahead = Entry {
            product: None,
            fetched_at_ms: NOW + 5_000,
        };
        assert_eq!(ahead.age(NOW), Duration::ZERO);
        assert_eq!(ahead.freshness(&settings(), NOW), Freshness::Fresh);
    }

    #[test]
    fn remaining_retention_shrinks_with_age_and_stops_at_zero() {
        let s = settings();
        let found = entry(true, Duration::from_secs(100));
        assert_eq!(found.remaining(&s, NOW), Duration::from_secs(3800));
        let gone = entry(false, Duration::from_secs(100));
        assert_eq!(gone.remaining(&s, NOW), Duration::ZERO);
    }
}

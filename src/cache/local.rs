//! The in-process tier: a bounded moka cache from canonical GTIN to [`Entry`].
//!
//! moka does the bounding (bytes, each entry weighing its product's size and at least
//! its share of the entry-count bound, see `weight`; TinyLFU admission) and
//! drops entries once they are no longer worth keeping: per entry, through moka's
//! [`Expiry`], `ttl + max_stale` for a found product and `negative_ttl` for a
//! not-found answer, counted from when the upstream answered (an entry copied from
//! Redis arrives part-way through its life). Whether a held entry is fresh or stale
//! is decided by [`Entry::freshness`] with the caller's `now`, not by moka, so tests
//! need not sleep.
//!
//! `moka::sync::Cache` rather than `moka::future::Cache`: lookups and inserts are
//! in-memory and never wait for anything (the loader already coalesces concurrent
//! fetches, so moka's async `get_with` is not used), and the sync API can be called
//! from synchronous code such as `stats()`.

use std::mem::size_of;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::notification::RemovalCause;
use moka::sync::Cache;

use super::entry::{Entry, Freshness};
use super::settings::CacheSettings;
use super::stats::{Counters, add};
use super::weight;
use crate::gtin::Gtin;
use crate::hashing::FastHasher;

/// The in-process tier. Cloning a moka cache is cheap and shares the store.
#[derive(Clone)]
pub(crate) struct LocalTier {
    cache: Cache<Gtin, Held, FastHasher>,
    settings: Arc<CacheSettings>,
}

/// An entry as moka holds it: with how long to keep it, computed once at insert
/// from the entry's age so moka's `Expiry` needs no clock of ours.
#[derive(Clone)]
struct Held {
    entry: Entry,
    keep_for: Duration,
}

/// Tells moka to drop each entry after its own `keep_for`.
struct KeepFor;

impl Expiry<Gtin, Held> for KeepFor {
    fn expire_after_create(&self, _key: &Gtin, held: &Held, _at: Instant) -> Option<Duration> {
        Some(held.keep_for)
    }

    fn expire_after_update(
        &self,
        _key: &Gtin,
        held: &Held,
        _at: Instant,
        _left: Option<Duration>,
    ) -> Option<Duration> {
        // A replaced entry starts its own life; the old one's remaining time is moot.
        Some(held.keep_for)
    }
}

impl LocalTier {
    /// An empty tier bounded by `settings.capacity`; capacity evictions are counted
    /// in `counters.evictions`.
    pub(crate) fn new(settings: Arc<CacheSettings>, counters: Arc<Counters>) -> LocalTier {
        let (max_bytes, max_entries) = (settings.max_bytes, settings.capacity);
        let cache = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(move |_key: &Gtin, held: &Held| {
                let bytes = size_of::<(Gtin, Held)>()
                    + weight::ENTRY_OVERHEAD_BYTES
                    + held
                        .entry
                        .product
                        .as_deref()
                        .map_or(0, weight::product_bytes);
                weight::entry_weight(bytes, max_bytes, max_entries)
            })
            .expire_after(KeepFor)
            .eviction_listener(move |_key, _held, cause| {
                if cause == RemovalCause::Size {
                    add(&counters.evictions, 1);
                }
            })
            .build_with_hasher(FastHasher::default());
        LocalTier { cache, settings }
    }

    /// The entry for `key` and how fresh it is at `now_ms`; `None` when absent or
    /// too old to use.
    pub(crate) fn get(&self, key: &Gtin, now_ms: u64) -> Option<(Entry, Freshness)> {
        let held = self.cache.get(key)?;
        match held.entry.freshness(&self.settings, now_ms) {
            Freshness::Expired => None,
            usable => Some((held.entry, usable)),
        }
    }

    /// Stores `entry` for `key`, replacing what was there, unless it is already
    /// too old to keep at `now_ms`.
    pub(crate) fn insert(&self, key: Gtin, entry: Entry, now_ms: u64) {
        let keep_for = entry.remaining(&self.settings, now_ms);
        if keep_for.is_zero() {
            return;
        }
        self.cache.insert(key, Held { entry, keep_for });
    }

    /// Stores `entry` unless the tier already holds one fetched at the same time or
    /// later (a concurrent `put` may have landed while Redis was being asked).
    pub(crate) fn insert_if_newer(&self, key: Gtin, entry: Entry, now_ms: u64) {
        let held_at = self.cache.get(&key).map(|held| held.entry.fetched_at_ms);
        if held_at.is_none_or(|at| at < entry.fetched_at_ms) {
            self.insert(key, entry, now_ms);
        }
    }

    /// Forgets `key`.
    pub(crate) fn invalidate(&self, key: &Gtin) {
        self.cache.invalidate(key);
    }

    /// Entries held now; exact only once moka has run its pending work.
    pub(crate) fn entry_count(&self) -> u64 {
        self.cache.entry_count()
    }

    /// Bytes the held entries weigh now; exact only once moka has run its pending work.
    pub(crate) fn weighted_size(&self) -> u64 {
        self.cache.weighted_size()
    }

    /// Lets moka finish its deferred bookkeeping (evictions, counts) now.
    #[cfg(test)]
    pub(crate) fn run_pending_tasks(&self) {
        self.cache.run_pending_tasks();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::cache::test_support::{gtins, product};

    const NOW: u64 = 1_800_000_000_000;
    const SECOND: u64 = 1_000;

    fn tier(settings: CacheSettings) -> (LocalTier, Arc<Counters>) {
        let counters = Arc::new(Counters::default());
        (
            LocalTier::new(Arc::new(settings), counters.clone()),
            counters,
        )
    }

    fn found(i: usize, fetched_at_ms: u64) -> Entry {
        Entry {
            product: Some(Arc::new(product(i))),
            fetched_at_ms,
        }
    }

    #[test]
    fn a_stored_product_is_fresh_then_stale_then_gone_as_it_ages() {
        let (tier, _) = tier(CacheSettings::default());
        let key = gtins(1)[0];
        tier.insert(key, found(0, NOW), NOW);

        let fresh = tier.get(&key, NOW + 299 * SECOND);
        let stale = tier.get(&key, NOW + 301 * SECOND);
        let gone = tier.get(&key, NOW + 3_901 * SECOND);

        assert_eq!(fresh.map(|(_, f)| f), Some(Freshness::Fresh));
        assert_eq!(stale.map(|(_, f)| f), Some(Freshness::Stale));
        assert_eq!(gone, None);
    }

    #[test]
    fn a_not_found_answer_expires_after_the_shorter_negative_ttl() {
        let (tier, _) = tier(CacheSettings::default());
        let key = gtins(1)[0];
        let not_found = Entry {
            product: None,
            fetched_at_ms: NOW,
        };
        tier.insert(key, not_found.clone(), NOW);

        assert_eq!(
            tier.get(&key, NOW + 29 * SECOND),
            Some((not_found, Freshness::Fresh))
        );
        // A found product of the same age would still be fresh (ttl 300 s).
        assert_eq!(tier.get(&key, NOW + 31 * SECOND), None);
    }

    #[test]
    fn an_older_entry_does_not_replace_a_newer_one() {
        let (tier, _) = tier(CacheSettings::default());
        let key = gtins(1)[0];
        tier.insert(key, found(0, NOW), NOW);

        tier.insert_if_newer(
            key,
            Entry {
                product: None,
                fetched_at_ms: NOW - SECOND,
            },
            NOW,
        );
        assert_eq!(tier.get(&key, NOW), Some((found(0, NOW), Freshness::Fresh)));

        tier.insert_if_newer(
            key,
            Entry {
                product: None,
                fetched_at_ms: NOW + 1,
            },
            NOW,
        );
        assert_eq!(tier.get(&key, NOW).map(|(e, _)| e.product), Some(None));
    }

    #[test]
    fn an_absent_key_is_none() {
        let (tier, _) = tier(CacheSettings::default());
        assert_eq!(tier.get(&gtins(1)[0], NOW), None);
    }

    #[test]
    fn an_entry_already_past_its_retention_is_not_stored() {
        let (tier, _) = tier(CacheSettings::default());
        let key = gtins(1)[0];

        tier.insert(key, found(0, NOW - 3_900 * SECOND), NOW);
        tier.run_pending_tasks();

        assert_eq!(tier.entry_count(), 0);
    }

    #[test]
    fn moka_drops_an_entry_after_its_own_retention_in_real_time() {
        let settings = CacheSettings {
            negative_ttl: Duration::from_millis(50),
            ..CacheSettings::default()
        };
        let (tier, _) = tier(settings);
        let keys = gtins(2);
        let now = crate::cache::entry::now_unix_ms();
        tier.insert(
            keys[0],
            Entry {
                product: None,
                fetched_at_ms: now,
            },
            now,
        );
        tier.insert(keys[1], found(1, now), now);

        std::thread::sleep(Duration::from_millis(120));

        // Asked moka directly (not through our freshness check): only the found
        // product, kept for ttl + max_stale, is still held. (moka removes expired
        // entries on a ~1 s timer wheel, so `entry_count` lags; a read does not.)
        assert!(tier.cache.get(&keys[0]).is_none());
        assert!(tier.cache.get(&keys[1]).is_some());
    }

    #[test]
    fn a_flood_of_large_products_stays_within_the_byte_budget() {
        let max_bytes = 1024 * 1024;
        let (tier, counters) = tier(CacheSettings {
            max_bytes,
            ..CacheSettings::default()
        });
        let keys = gtins(400);

        for (i, &key) in keys.iter().enumerate() {
            let mut large = product(i);
            large.description = Some("d".repeat(16 * 1024));
            let entry = Entry {
                product: Some(Arc::new(large)),
                fetched_at_ms: NOW,
            };
            tier.insert(key, entry, NOW);
        }
        tier.run_pending_tasks();

        let weighed = tier.cache.weighted_size();
        let entries = tier.entry_count();
        assert!(weighed <= max_bytes, "{weighed} bytes > {max_bytes}");
        // ~16.5 KB each: about 60 fit; far fewer than the 100,000-entry bound.
        assert!((40..=64).contains(&entries), "{entries} entries");
        assert!(counters.evictions.load(Ordering::Relaxed) >= 400 - 64);
    }

    #[test]
    fn a_flood_of_ten_times_capacity_distinct_keys_stays_within_capacity() {
        let capacity = 100;
        let (tier, counters) = tier(CacheSettings {
            capacity,
            ..CacheSettings::default()
        });
        let keys = gtins(10 * capacity as usize);

        for (i, &key) in keys.iter().enumerate() {
            tier.insert(key, found(i, NOW), NOW);
        }
        tier.run_pending_tasks();

        let entries = tier.entry_count();
        let evictions = counters.evictions.load(Ordering::Relaxed);
        assert!(
            entries <= capacity,
            "{entries} entries > capacity {capacity}"
        );
        assert_eq!(
            entries + evictions,
            10 * capacity,
            "every dropped entry is counted"
        );
    }
}

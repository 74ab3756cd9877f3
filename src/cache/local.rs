//! The in-process tier: a bounded quick_cache (S3-FIFO) from canonical GTIN to
//! [`Entry`].
//!
//! quick_cache does the bounding (bytes, each entry weighing its product's size and
//! at least its share of the entry-count bound, see `weight`). Whether a held entry is
//! fresh, stale or too old is decided by [`Entry::freshness`] with the caller's
//! `now`, so tests need not sleep; an entry found too old when read is removed then,
//! and entries nobody reads again are evicted by newer ones once the budget is full.
//!
//! Why quick_cache and not moka (used before): moka keeps per-entry expiry timers,
//! key locks, a write-operation channel and a housekeeping pass, which a profile of
//! the basket workload put at about a quarter of the gateway's CPU (inserts 17 %,
//! reads 6 %, pending tasks 8 %); quick_cache does an insert or a read under one
//! shard lock with no background work (bench/JOURNAL.md "Product cache on quick_cache").

use std::mem::size_of;
use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::{Lifecycle, Weighter};

use super::entry::{Entry, Freshness};
use super::settings::CacheSettings;
use super::stats::{Counters, add};
use super::weight;
use crate::gtin::Gtin;
use crate::hashing::FastHasher;

/// Most entries the tier's table is sized for up front; it grows past this as needed.
const INITIAL_ENTRIES: u64 = 16_384;

/// The in-process tier. Cloning shares the store.
#[derive(Clone)]
pub(crate) struct LocalTier {
    cache: Arc<Cache<Gtin, Held, WeighHeld, FastHasher, CountEvictions>>,
    settings: Arc<CacheSettings>,
}

/// An entry as the cache holds it, with its weight computed once at insert.
#[derive(Clone)]
struct Held {
    entry: Entry,
    weight: u64,
}

/// Reads the weight stored with the entry (the weigher runs on every eviction step).
#[derive(Clone)]
struct WeighHeld;

impl Weighter<Gtin, Held> for WeighHeld {
    fn weight(&self, _key: &Gtin, held: &Held) -> u64 {
        held.weight
    }
}

/// Counts entries dropped to make room in `counters.evictions`.
#[derive(Clone)]
struct CountEvictions(Arc<Counters>);

impl Lifecycle<Gtin, Held> for CountEvictions {
    type RequestState = ();

    fn on_evict(&self, _state: &mut (), _key: Gtin, _held: Held) {
        add(&self.0.evictions, 1);
    }
}

impl LocalTier {
    /// An empty tier bounded by `settings.max_bytes` and `settings.capacity`;
    /// capacity evictions are counted in `counters.evictions`.
    pub(crate) fn new(settings: Arc<CacheSettings>, counters: Arc<Counters>) -> LocalTier {
        let cache = weight::bounded_cache(
            None,
            usize::try_from(settings.capacity.min(INITIAL_ENTRIES)).unwrap_or(1),
            settings.max_bytes,
            WeighHeld,
            CountEvictions(counters),
        );
        LocalTier {
            cache: Arc::new(cache),
            settings,
        }
    }

    /// The entry for `key` and how fresh it is at `now_ms`; `None` when absent or
    /// too old to use (then it is dropped).
    pub(crate) fn get(&self, key: &Gtin, now_ms: u64) -> Option<(Entry, Freshness)> {
        let held = self.cache.get(key)?;
        match held.entry.freshness(&self.settings, now_ms) {
            Freshness::Expired => {
                self.cache.remove_if(key, |current| {
                    current.entry.fetched_at_ms == held.entry.fetched_at_ms
                });
                None
            }
            usable => Some((held.entry, usable)),
        }
    }

    /// Stores `entry` for `key`, replacing what was there, unless it is already
    /// too old to keep at `now_ms`.
    pub(crate) fn insert(&self, key: Gtin, entry: Entry, now_ms: u64) {
        if entry.remaining(&self.settings, now_ms).is_zero() {
            return;
        }
        let bytes = size_of::<(Gtin, Held)>()
            + weight::ENTRY_OVERHEAD_BYTES
            + entry.product.as_deref().map_or(0, weight::product_bytes);
        let weight = u64::from(weight::entry_weight(
            bytes,
            self.settings.max_bytes,
            self.settings.capacity,
        ));
        self.cache.insert(key, Held { entry, weight });
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
        self.cache.remove(key);
    }

    /// Forgets every entry (an invalidation may have been missed; see `invalidations`).
    pub(crate) fn clear(&self) {
        self.cache.clear();
    }

    /// Entries held now.
    pub(crate) fn entry_count(&self) -> u64 {
        self.cache.len() as u64
    }

    /// Bytes the held entries weigh now.
    pub(crate) fn weighted_size(&self) -> u64 {
        self.cache.weight()
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

        assert_eq!(tier.entry_count(), 0);
    }

    #[test]
    fn an_entry_past_its_retention_is_dropped_when_read() {
        // (Under moka this was dropped by moka's own timer; quick_cache has none:
        // an entry read too old is removed then, one never read again is evicted
        // by newer ones within the byte budget.)
        let (tier, _) = tier(CacheSettings::default());
        let keys = gtins(2);
        let not_found = Entry {
            product: None,
            fetched_at_ms: NOW,
        };
        tier.insert(keys[0], not_found, NOW);
        tier.insert(keys[1], found(1, NOW), NOW);

        // The negative TTL (30 s) is over, the found product's ttl is not.
        assert_eq!(tier.get(&keys[0], NOW + 31 * SECOND), None);
        assert!(tier.get(&keys[1], NOW + 31 * SECOND).is_some());

        assert!(tier.cache.get(&keys[0]).is_none());
        assert_eq!(tier.entry_count(), 1);
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
            large.description = Some("d".repeat(16 * 1024).into());
            let entry = Entry {
                product: Some(Arc::new(large)),
                fetched_at_ms: NOW,
            };
            tier.insert(key, entry, NOW);
        }

        let weighed = tier.weighted_size();
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

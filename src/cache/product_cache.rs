//! `ProductCache`: the product cache the loader asks before the upstream, across
//! requests. It puts the tiers together:
//!
//! 1. the in-process tier (`local`), always;
//! 2. for keys it cannot answer fresh, one Redis `MGET` (`redis_tier`), bounded by
//!    the Redis budget; usable Redis entries are copied into the local tier with their
//!    original fetch time, so every replica ages an entry alike.
//!
//! The loader asks in two steps, so that Redis costs one round trip per loader
//! batch, not one per request or per field: [`ProductCache::get_many_local_dated`]
//! per request (the local tier alone, no await), then
//! [`ProductCache::get_many_dated`] once per batch for the keys the local tier could
//! not answer fresh, when [`ProductCache::has_shared_tier`].
//!
//! It answers per key `Fresh`, `Stale` or `Miss` and leaves the decision to serve a
//! stale product to the loader, which alone knows whether the upstream failed
//! (it then calls [`ProductCache::record_stale_served`]). It does not fetch,
//! coalesce, or retry: that is the loader's job.

use std::sync::Arc;

use super::codec;
use super::entry::{Entry, Freshness, now_unix_ms};
use super::invalidations::{ClearReason, Heard};
use super::local::LocalTier;
use super::redis_tier::{RedisTier, Write};
use super::settings::CacheSettings;
use super::stats::{CacheStats, Counters, add};
use crate::catalog::Product;
use crate::gtin::Gtin;
use crate::hashing::{FastMap, FastSet};

/// The cache of products by canonical GTIN. Cheap to clone: clones share one cache.
#[derive(Clone)]
pub struct ProductCache {
    /// `None` when the cache is turned off.
    inner: Option<Arc<Inner>>,
}

struct Inner {
    settings: Arc<CacheSettings>,
    counters: Arc<Counters>,
    local: LocalTier,
    redis: Option<RedisTier>,
    /// This replica's id in invalidation entries (random per start).
    replica: String,
}

/// What an invalidation did in Redis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisInvalidation {
    /// No Redis tier (or the cache is off): the local tier was all there was.
    NotConfigured,
    /// Deleted in Redis and announced to the other replicas.
    Done,
    /// Redis did not confirm it (why); the local tier forgot them all the same.
    Failed(String),
}

impl RedisInvalidation {
    /// `"not configured"`, `"done"` or `"failed"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RedisInvalidation::NotConfigured => "not configured",
            RedisInvalidation::Done => "done",
            RedisInvalidation::Failed(_) => "failed",
        }
    }
}

/// What the product cache forgot after hearing an invalidation, for the caches
/// built from it (the response cache) to forget as well.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forget<'a> {
    /// These products.
    Products {
        /// The products forgotten.
        gtins: &'a [Gtin],
        /// Whether another replica sent it (this replica hears its own too).
        from_peer: bool,
    },
    /// Everything: an invalidation may have been missed.
    Everything,
}

/// What the cache knows about one key.
#[derive(Clone, Debug, PartialEq)]
pub enum Cached {
    /// Younger than its TTL: serve it without asking the upstream. `None` is a
    /// fresh "not in the catalog".
    Fresh(Option<Arc<Product>>),
    /// Past its TTL but within `max_stale`: ask the upstream, and serve this only if
    /// the upstream fails (then say so to the client). Always a found product in
    /// practice: not-found answers are never kept stale.
    Stale(Option<Arc<Product>>),
    /// Nothing usable: ask the upstream.
    Miss,
}

impl ProductCache {
    /// A cache with `settings`. Never fails and never waits: with Redis configured,
    /// the connection is made (and remade) in the background, and until it is up
    /// the cache works from the local tier alone.
    ///
    /// With Redis configured, call it within a tokio runtime (its prober is a task);
    /// outside one, the Redis tier stays down, and that is logged.
    pub fn new(settings: CacheSettings) -> ProductCache {
        if !settings.enabled {
            return ProductCache { inner: None };
        }
        let counters = Arc::new(Counters::default());
        let redis = settings
            .redis
            .clone()
            .map(|redis| RedisTier::start(redis, Arc::clone(&counters)));
        let settings = Arc::new(settings);
        let local = LocalTier::new(Arc::clone(&settings), Arc::clone(&counters));
        ProductCache {
            inner: Some(Arc::new(Inner {
                settings,
                counters,
                local,
                redis,
                replica: uuid::Uuid::new_v4().simple().to_string(),
            })),
        }
    }

    /// What the cache knows about each of `keys` (duplicates allowed): one answer
    /// per key, in order.
    ///
    /// Looks in the local tier first, then asks Redis once (one `MGET`) for the keys
    /// the local tier had no fresh answer for; a Redis that is down, fails or takes
    /// longer than its budget counts as a miss. A disabled cache answers all `Miss`.
    pub async fn get_many(&self, keys: &[Gtin]) -> Vec<Cached> {
        self.get_many_at(keys, now_unix_ms()).await
    }

    /// The local tier's answers alone, without waiting for anything, each with until
    /// when it is fresh (as [`ProductCache::get_many_dated`]). Without a shared tier
    /// these are the cache's whole answers and are counted as such; with one, only
    /// the fresh ones are counted here (as hits), as the others are asked again, and
    /// counted, by [`ProductCache::get_many_dated`] in the loader's batch.
    pub fn get_many_local_dated(&self, keys: &[Gtin]) -> Vec<(Cached, u64)> {
        let Some(inner) = &self.inner else {
            return vec![(Cached::Miss, 0); keys.len()];
        };
        let now_ms = now_unix_ms();
        let shared = inner.redis.is_some();
        keys.iter()
            .map(|key| match inner.local.get(key, now_ms) {
                Some((entry, Freshness::Stale)) if shared => (Cached::Stale(entry.product), 0),
                Some((_, Freshness::Expired)) | None if shared => (Cached::Miss, 0),
                slot => inner.answer(slot),
            })
            .collect()
    }

    /// Whether a shared tier (Redis) is configured: then keys the local tier cannot
    /// answer fresh are worth one more look, per batch, before the upstream.
    pub fn has_shared_tier(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|inner| inner.redis.is_some())
    }

    /// [`ProductCache::get_many`], each answer with until when it is fresh (unix ms;
    /// meaningful for `Fresh` answers only, 0 otherwise): what a response built from
    /// it may be reused for.
    pub async fn get_many_dated(&self, keys: &[Gtin]) -> Vec<(Cached, u64)> {
        self.get_many_dated_at(keys, now_unix_ms()).await
    }

    /// Until when (unix ms) an answer the upstream gives now stays fresh: `now + ttl`
    /// for a found product, `now + negative_ttl` for not-found; `now` (never) with
    /// the cache off, as nothing is remembered then.
    pub fn fresh_until_if_fetched_now(&self, found: bool) -> u64 {
        let now = now_unix_ms();
        match &self.inner {
            Some(inner) => now.saturating_add(
                u64::try_from(inner.settings.fresh_for(found).as_millis()).unwrap_or(u64::MAX),
            ),
            None => now,
        }
    }

    /// Remembers what the upstream just answered: `None` for "not in the catalog".
    ///
    /// Stores in the local tier at once; with Redis, sends one pipeline of `SET`s with
    /// expiry (`ttl + max_stale` for products, `negative_ttl` for not-found) in the
    /// background without waiting for it. A disabled cache does nothing.
    pub async fn put_many(&self, entries: &[(Gtin, Option<Arc<Product>>)]) {
        self.put_many_at(entries, now_unix_ms());
    }

    /// What the local tier holds fresh for `key` (a product, or `None` for a
    /// not-found answer), without counting a lookup: the loader's last look before it
    /// starts a fetch, which closes the gap between its own cache lookup and a fetch
    /// of the same key that ended in between (single flight).
    /// Answered with until when it is fresh (unix ms).
    pub(crate) fn fresh_locally(&self, key: &Gtin) -> Option<(Option<Arc<Product>>, u64)> {
        let inner = self.inner.as_ref()?;
        match inner.local.get(key, now_unix_ms())? {
            (entry, Freshness::Fresh) => {
                let until = inner.fresh_until(&entry);
                Some((entry.product, until))
            }
            _ => None,
        }
    }

    /// A snapshot of the counters (all zero for a disabled cache).
    pub fn stats(&self) -> CacheStats {
        match &self.inner {
            Some(inner) => inner
                .counters
                .snapshot(inner.local.entry_count(), inner.local.weighted_size()),
            None => CacheStats::default(),
        }
    }

    /// Forgets `gtins` in every tier, so their next lookup asks the upstream: at
    /// once in the local tier, then in Redis (`DEL`, awaited) and then on every
    /// replica through the invalidation stream, this one included (which forgets
    /// them locally once more, after the `DEL`: a lookup between the first forget
    /// and the `DEL` may have put the old copy back from Redis). Not confirmed by
    /// Redis, it is answered `Failed` and kept to be sent when Redis answers again.
    pub async fn invalidate(&self, gtins: &[Gtin]) -> RedisInvalidation {
        let Some(inner) = &self.inner else {
            return RedisInvalidation::NotConfigured;
        };
        for gtin in gtins {
            inner.local.invalidate(gtin);
        }
        let Some(redis) = &inner.redis else {
            return RedisInvalidation::NotConfigured;
        };
        let keys: Vec<String> = gtins.iter().map(|gtin| redis.key(gtin.gtin14())).collect();
        let list = gtins.iter().map(Gtin::gtin14).collect::<Vec<_>>().join(",");
        match redis.delete_and_announce(keys, &inner.replica, list).await {
            Ok(()) => RedisInvalidation::Done,
            Err(error) => RedisInvalidation::Failed(error),
        }
    }

    /// With Redis: follows the invalidation stream in the background (see
    /// `invalidations`), forgetting in the local tier the GTINs of each entry (this
    /// replica's own too) and then calling `then` with them (to drop the answers
    /// built from them); when the reader cannot prove it missed no entry, it forgets
    /// the whole local tier and calls `then` with [`Forget::Everything`]. Without
    /// Redis: nothing to follow. Call it within a tokio runtime.
    pub fn follow_invalidations(&self, then: impl Fn(Forget<'_>) + Send + Sync + 'static) {
        let Some(inner) = &self.inner else {
            return;
        };
        let Some(redis) = &inner.redis else {
            return;
        };
        let (local, counters) = (inner.local.clone(), Arc::clone(&inner.counters));
        let replica = inner.replica.clone();
        redis.follow_invalidations(move |heard| match heard {
            Heard::Entry { from, gtins } => {
                let gtins: Vec<Gtin> = gtins
                    .split(',')
                    .filter_map(|digits| Gtin::from_digits(digits).ok())
                    .collect();
                for gtin in &gtins {
                    local.invalidate(gtin);
                }
                add(&counters.invalidation_entries, 1);
                then(Forget::Products {
                    gtins: &gtins,
                    from_peer: from != replica,
                });
            }
            Heard::Everything(reason) => {
                local.clear();
                if reason == ClearReason::ContinuityLost {
                    add(&counters.invalidation_full_clears, 1);
                }
                then(Forget::Everything);
            }
        });
    }

    /// `Some(true)` while this replica's invalidation reader is connected to Redis
    /// and reading; `None` without Redis.
    pub fn follows_invalidations(&self) -> Option<bool> {
        let inner = self.inner.as_ref()?;
        inner.redis.as_ref().map(RedisTier::following)
    }

    /// Invalidations Redis did not confirm, waiting to be sent when it answers
    /// again; `None` without Redis.
    pub fn unsent_invalidations(&self) -> Option<usize> {
        let inner = self.inner.as_ref()?;
        inner.redis.as_ref().map(RedisTier::unsent_invalidations)
    }

    /// Counts one stale product actually served because the upstream failed.
    pub fn record_stale_served(&self) {
        if let Some(inner) = &self.inner {
            add(&inner.counters.stale_served, 1);
        }
    }

    /// Whether the cache is on.
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The Redis tier's state: `None` without Redis (or with the cache off),
    /// otherwise `"connected"`, `"connecting"` (not heard from since start) or
    /// `"down"` (skipped until it answers a background ping again).
    pub fn redis_status(&self) -> Option<&'static str> {
        let inner = self.inner.as_ref()?;
        inner.redis.as_ref().map(RedisTier::status)
    }

    /// [`ProductCache::get_many`] with the clock passed in (unix ms), for tests.
    pub(crate) async fn get_many_at(&self, keys: &[Gtin], now_ms: u64) -> Vec<Cached> {
        self.get_many_dated_at(keys, now_ms)
            .await
            .into_iter()
            .map(|(cached, _)| cached)
            .collect()
    }

    /// [`ProductCache::get_many_dated`] with the clock passed in (unix ms), for tests.
    pub(crate) async fn get_many_dated_at(&self, keys: &[Gtin], now_ms: u64) -> Vec<(Cached, u64)> {
        let Some(inner) = &self.inner else {
            return vec![(Cached::Miss, 0); keys.len()];
        };
        let mut known: Vec<Option<(Entry, Freshness)>> = keys
            .iter()
            .map(|key| inner.local.get(key, now_ms))
            .collect();
        if let Some(redis) = &inner.redis {
            inner.fill_from_redis(redis, keys, &mut known, now_ms).await;
        }
        known.into_iter().map(|slot| inner.answer(slot)).collect()
    }

    /// [`ProductCache::put_many`] with the clock passed in (unix ms), for tests.
    pub(crate) fn put_many_at(&self, entries: &[(Gtin, Option<Arc<Product>>)], now_ms: u64) {
        let Some(inner) = &self.inner else {
            return;
        };
        // Entries to write to Redis; their keys and bytes are made in the write's own
        // task, off the path of the requests waiting for this batch.
        let mut shared = Vec::new();
        for (gtin, product) in entries {
            let entry = Entry {
                product: product.clone(),
                fetched_at_ms: now_ms,
            };
            if inner.redis.is_some() {
                let keep = inner.settings.retention(product.is_some());
                let expire_ms = u64::try_from(keep.as_millis()).unwrap_or(u64::MAX);
                if expire_ms > 0 {
                    shared.push((*gtin, entry.clone(), expire_ms));
                }
            }
            inner.local.insert(*gtin, entry, now_ms);
        }
        if let Some(redis) = &inner.redis {
            let tier = redis.clone();
            redis.put_many(shared.len(), move || {
                shared
                    .into_iter()
                    .map(|(gtin, entry, expire_ms)| Write {
                        key: tier.key(gtin.gtin14()),
                        value: codec::encode(&entry),
                        expire_ms,
                    })
                    .collect()
            });
        }
    }
}

impl Inner {
    /// Asks Redis, in one `MGET`, for every distinct key of `keys` that `known` has
    /// no fresh answer for, and puts what Redis has that is newer into `known` and
    /// into the local tier.
    async fn fill_from_redis(
        &self,
        redis: &RedisTier,
        keys: &[Gtin],
        known: &mut [Option<(Entry, Freshness)>],
        now_ms: u64,
    ) {
        // Distinct keys to ask for, with the fetch time of the local entry, if any.
        let mut asked: Vec<(Gtin, Option<u64>)> = Vec::new();
        let mut seen = FastSet::default();
        for (key, slot) in keys.iter().zip(known.iter()) {
            if !matches!(slot, Some((_, Freshness::Fresh))) && seen.insert(*key) {
                asked.push((*key, slot.as_ref().map(|(e, _)| e.fetched_at_ms)));
            }
        }
        if asked.is_empty() {
            return;
        }
        let redis_keys: Vec<String> = asked.iter().map(|(g, _)| redis.key(g.gtin14())).collect();
        let Some(values) = redis.get_many(&redis_keys).await else {
            return;
        };

        let mut newer: FastMap<Gtin, (Entry, Freshness)> = FastMap::default();
        for ((gtin, local_at), value) in asked.into_iter().zip(values) {
            let Some(entry) = self.usable_from_redis(gtin, value, now_ms) else {
                add(&self.counters.redis_misses, 1);
                continue;
            };
            add(&self.counters.redis_hits, 1);
            if local_at.is_none_or(|at| entry.0.fetched_at_ms > at) {
                self.local.insert_if_newer(gtin, entry.0.clone(), now_ms);
                newer.insert(gtin, entry);
            }
        }
        for (key, slot) in keys.iter().zip(known.iter_mut()) {
            if let Some(found) = newer.get(key) {
                *slot = Some(found.clone());
            }
        }
    }

    /// The entry Redis sent for `gtin`, if it is readable and not expired.
    fn usable_from_redis(
        &self,
        gtin: Gtin,
        value: Option<Vec<u8>>,
        now_ms: u64,
    ) -> Option<(Entry, Freshness)> {
        let entry = match codec::decode(&value?, gtin) {
            Ok(entry) => entry,
            Err(error) => {
                tracing::debug!(%gtin, %error, "unreadable redis cache entry; a miss");
                return None;
            }
        };
        match entry.freshness(&self.settings, now_ms) {
            Freshness::Expired => None,
            usable => Some((entry, usable)),
        }
    }

    /// Until when (unix ms) `entry` is fresh.
    fn fresh_until(&self, entry: &Entry) -> u64 {
        let fresh_for = self.settings.fresh_for(entry.product.is_some());
        entry
            .fetched_at_ms
            .saturating_add(u64::try_from(fresh_for.as_millis()).unwrap_or(u64::MAX))
    }

    /// The answer for one key, counted.
    fn answer(&self, slot: Option<(Entry, Freshness)>) -> (Cached, u64) {
        match slot {
            Some((entry, Freshness::Fresh)) => {
                add(&self.counters.hits, 1);
                let until = self.fresh_until(&entry);
                (Cached::Fresh(entry.product), until)
            }
            Some((entry, Freshness::Stale)) => {
                add(&self.counters.stale_hits, 1);
                (Cached::Stale(entry.product), 0)
            }
            Some((_, Freshness::Expired)) | None => {
                add(&self.counters.misses, 1);
                (Cached::Miss, 0)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cache::test_support::{gtins, product};

    const NOW: u64 = 1_800_000_000_000;
    const SECOND: u64 = 1_000;

    fn found(i: usize) -> Option<Arc<Product>> {
        Some(Arc::new(product(i)))
    }

    #[tokio::test]
    async fn a_fresh_answer_says_until_when_it_is_fresh_by_its_own_age_and_kind() {
        let cache = ProductCache::new(CacheSettings::default());
        let keys = gtins(3);
        cache.put_many_at(&[(keys[0], found(0))], NOW - 100 * SECOND);
        cache.put_many_at(&[(keys[1], None)], NOW - 10 * SECOND);

        let answers = cache.get_many_dated_at(&keys, NOW).await;

        // Found: fetched 100 s ago, TTL 300 s; not found: 10 s ago, negative TTL 30 s.
        assert_eq!(answers[0], (Cached::Fresh(found(0)), NOW + 200 * SECOND));
        assert_eq!(answers[1], (Cached::Fresh(None), NOW + 20 * SECOND));
        assert_eq!(answers[2], (Cached::Miss, 0));
        let fetched_now = cache.fresh_until_if_fetched_now(false);
        let now = now_unix_ms();
        assert!((now + 29 * SECOND..=now + 30 * SECOND).contains(&fetched_now));
        let off = ProductCache::new(CacheSettings {
            enabled: false,
            ..CacheSettings::default()
        });
        assert!(off.fresh_until_if_fetched_now(true) <= now_unix_ms());
    }

    #[tokio::test]
    async fn get_many_answers_fresh_stale_and_miss_by_age_in_the_order_asked() {
        let cache = ProductCache::new(CacheSettings::default());
        let keys = gtins(4);
        cache.put_many_at(&[(keys[0], found(0))], NOW - 400 * SECOND);
        cache.put_many_at(&[(keys[1], found(1)), (keys[2], None)], NOW - 10 * SECOND);

        let answers = cache
            .get_many_at(&[keys[3], keys[1], keys[0], keys[2], keys[1]], NOW)
            .await;

        assert_eq!(
            answers,
            vec![
                Cached::Miss,
                Cached::Fresh(found(1)),
                Cached::Stale(found(0)),
                Cached::Fresh(None),
                Cached::Fresh(found(1)),
            ]
        );
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.stale_hits, stats.misses), (3, 1, 1));
    }

    #[tokio::test]
    async fn a_not_found_answer_expires_sooner_than_a_found_product() {
        let cache = ProductCache::new(CacheSettings::default());
        let keys = gtins(2);
        cache.put_many_at(&[(keys[0], found(0)), (keys[1], None)], NOW - 31 * SECOND);

        let answers = cache.get_many_at(&keys, NOW).await;

        assert_eq!(answers, vec![Cached::Fresh(found(0)), Cached::Miss]);
    }

    #[tokio::test]
    async fn a_product_older_than_ttl_plus_max_stale_is_a_miss() {
        let cache = ProductCache::new(CacheSettings {
            ttl: Duration::from_secs(60),
            max_stale: Duration::from_secs(60),
            ..CacheSettings::default()
        });
        let key = gtins(1)[0];
        cache.put_many_at(&[(key, found(0))], NOW - 119 * SECOND);
        assert_eq!(
            cache.get_many_at(&[key], NOW).await,
            vec![Cached::Stale(found(0))]
        );

        assert_eq!(
            cache.get_many_at(&[key], NOW + 2 * SECOND).await,
            vec![Cached::Miss]
        );
    }

    #[tokio::test]
    async fn a_newer_put_replaces_a_stale_entry() {
        let cache = ProductCache::new(CacheSettings::default());
        let key = gtins(1)[0];
        cache.put_many_at(&[(key, found(0))], NOW - 400 * SECOND);
        let newer = Some(Arc::new(Product {
            title: "renamed".to_owned().into(),
            ..product(0)
        }));

        cache.put_many_at(&[(key, newer.clone())], NOW);

        assert_eq!(
            cache.get_many_at(&[key], NOW).await,
            vec![Cached::Fresh(newer)]
        );
    }

    #[tokio::test]
    async fn a_disabled_cache_misses_everything_and_stores_nothing() {
        let cache = ProductCache::new(CacheSettings {
            enabled: false,
            ..CacheSettings::default()
        });
        let keys = gtins(2);

        cache
            .put_many(&[(keys[0], found(0)), (keys[1], None)])
            .await;
        let answers = cache.get_many(&keys).await;

        assert_eq!(answers, vec![Cached::Miss, Cached::Miss]);
        assert!(!cache.is_enabled());
        assert_eq!(cache.redis_status(), None);
        cache.record_stale_served();
        assert_eq!(cache.stats(), CacheStats::default());
    }

    #[tokio::test]
    async fn the_real_clock_path_answers_what_was_just_put() {
        let cache = ProductCache::new(CacheSettings::default());
        let keys = gtins(2);

        cache
            .put_many(&[(keys[0], found(0)), (keys[1], None)])
            .await;

        assert_eq!(
            cache.get_many(&keys).await,
            vec![Cached::Fresh(found(0)), Cached::Fresh(None)]
        );
        assert!(cache.is_enabled());
        assert_eq!(cache.redis_status(), None);
    }

    #[tokio::test]
    async fn the_capacity_bound_holds_after_a_flood_of_ten_times_capacity_keys() {
        let capacity = 50;
        let cache = ProductCache::new(CacheSettings {
            capacity,
            ..CacheSettings::default()
        });
        let keys = gtins(10 * capacity as usize);
        let entries: Vec<_> = keys.iter().map(|&k| (k, None)).collect();

        cache.put_many_at(&entries, NOW);

        let stats = cache.stats();
        assert!(stats.entries <= capacity, "{stats:?}");
        assert!(stats.evictions >= 9 * capacity, "{stats:?}");
    }

    #[tokio::test]
    async fn stale_served_counts_only_what_the_loader_reports() {
        let cache = ProductCache::new(CacheSettings::default());
        let key = gtins(1)[0];
        cache.put_many_at(&[(key, found(0))], NOW - 400 * SECOND);
        cache.get_many_at(&[key], NOW).await;
        assert_eq!(cache.stats().stale_served, 0);

        cache.record_stale_served();

        let stats = cache.stats();
        assert_eq!((stats.stale_hits, stats.stale_served), (1, 1));
    }
}

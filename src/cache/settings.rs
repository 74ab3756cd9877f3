//! How the product cache is sized and how long it trusts what it holds.
//!
//! Plain values with the defaults of the issue; `config` fills them from flags
//! (`--cache-max-mb`, `--cache-capacity`, `--cache-ttl`, `--cache-max-stale`, `--cache-redis-url` …)
//! and the cache reads them once in [`ProductCache::new`](super::ProductCache::new).
//! Nothing here validates or connects: a zero capacity or TTL simply caches nothing.

use std::time::Duration;

use crate::redis_topology::RedisTarget;

/// Settings of the product cache (both tiers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheSettings {
    /// Off switch: a disabled cache answers every lookup with a miss and stores nothing.
    pub enabled: bool,
    /// Most bytes the in-process tier's entries may weigh (each weighs its product's
    /// size, see `weight`): what bounds memory whatever the products' size.
    pub max_bytes: u64,
    /// Most entries the in-process tier holds, a second bound on top of `max_bytes`.
    pub capacity: u64,
    /// How long a found product is served without asking the upstream.
    pub ttl: Duration,
    /// How long "not in the catalog" is believed; shorter than `ttl` so a newly
    /// listed product shows up soon.
    pub negative_ttl: Duration,
    /// How long past its TTL a found product is kept to be served when the upstream
    /// fails (serve-stale-on-error). Not-found answers are never kept stale.
    pub max_stale: Duration,
    /// The shared second tier; `None` keeps the cache in-process only.
    pub redis: Option<RedisSettings>,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            enabled: true,
            max_bytes: 64 * 1024 * 1024,
            capacity: 100_000,
            ttl: Duration::from_secs(300),
            negative_ttl: Duration::from_secs(30),
            max_stale: Duration::from_secs(3600),
            redis: None,
        }
    }
}

impl CacheSettings {
    /// How long an entry may be kept at all: `ttl + max_stale` for a found product,
    /// `negative_ttl` for a not-found answer.
    pub(crate) fn retention(&self, found: bool) -> Duration {
        if found {
            self.ttl.saturating_add(self.max_stale)
        } else {
            self.negative_ttl
        }
    }

    /// How long an entry is fresh: `ttl` when found, `negative_ttl` when not.
    pub(crate) fn fresh_for(&self, found: bool) -> Duration {
        if found { self.ttl } else { self.negative_ttl }
    }
}

/// Settings of the shared Redis tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisSettings {
    /// The shared Redis: one node (`redis://`, `rediss://`), Sentinel or Cluster,
    /// with its credentials.
    pub target: RedisTarget,
    /// The most one lookup waits on Redis; past it the lookup counts as a Redis miss,
    /// so a slow or dead Redis costs a request at most this much.
    pub budget: Duration,
    /// Prepended to every key (`prefix + gtin14`), so several deployments or format
    /// generations can share one Redis without reading each other's entries.
    pub key_prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            target: RedisTarget::default(),
            budget: Duration::from_millis(20),
            key_prefix: "catalog-gateway:v1:".to_owned(),
        }
    }
}

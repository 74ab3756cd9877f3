//! The product cache across requests: a bounded in-process tier (quick_cache) and, for a
//! fleet of replicas, an optional shared Redis tier, keyed by canonical GTIN-14.
//!
//! It remembers found products for a TTL, "not found" for a shorter one, and keeps
//! found products a while past their TTL so the loader can serve them when the
//! upstream fails. Redis is strictly an accelerator: down or slow, it costs a
//! request at most its budget and the cache carries on locally.

mod codec;
mod entry;
mod invalidations;
mod local;
mod product_cache;
mod redis_tier;
mod settings;
mod stats;
#[cfg(test)]
pub(crate) mod test_support;
pub(crate) mod weight;
mod write_queue;

pub(crate) use entry::now_unix_ms;
pub use product_cache::{Cached, Forget, ProductCache, RedisInvalidation};
pub use settings::{CacheSettings, RedisSettings};
pub use stats::CacheStats;

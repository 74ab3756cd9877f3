//! The hasher of the gateway's own in-memory maps and caches, keyed by GTIN (14
//! ASCII digits) or by query text: foldhash rather than std's SipHash-1-3, which
//! showed at 6 % of the gateway's CPU in a profile of the basket workload.
//!
//! foldhash's `RandomState` is seeded per map from a per-process random seed, so
//! a client choosing keys cannot predict collisions from outside (these maps hold
//! client-chosen GTINs); it is not a cryptographic hash, which none of these need.

use std::collections::{HashMap, HashSet};

/// The hasher builder of [`FastMap`], [`FastSet`] and the quick_cache caches.
pub(crate) type FastHasher = foldhash::fast::RandomState;

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, FastHasher>;

/// A `HashSet` with [`FastHasher`].
pub(crate) type FastSet<K> = HashSet<K, FastHasher>;

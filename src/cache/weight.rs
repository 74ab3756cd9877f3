//! What cached things weigh, for the caches' weighers: every cache of the gateway
//! (products, responses, parsed documents, persisted queries) is bounded in bytes,
//! so memory stays flat whatever the size of what the upstream sends.
//!
//! The weights are estimates of the heap an entry holds (string and vector
//! capacities are taken as their lengths), plus a fixed overhead for the cache's own
//! node and the entry's `Arc`s. An entry-count bound, where a cache also has one
//! (`--cache-capacity` …), is folded into the same weigher: no entry weighs less
//! than `max_bytes / max_entries`, so neither bound can be exceeded.

use std::hash::Hash;
use std::mem::size_of;

use quick_cache::sync::{Cache, DefaultLifecycle};
use quick_cache::{Lifecycle, Weighter};

use crate::catalog::{Attribute, Image, Product, Text};
use crate::hashing::FastHasher;

/// Bytes counted per cache entry for the cache's node, hash-table slot and `Arc` headers.
pub(crate) const ENTRY_OVERHEAD_BYTES: usize = 160;

/// An entry's weight for a cache bounded by `max_bytes` and by `max_entries`:
/// its `bytes`, but at least `max_bytes / max_entries`; saturates at `u32::MAX`.
pub(crate) fn entry_weight(bytes: usize, max_bytes: u64, max_entries: u64) -> u32 {
    let floor = max_bytes.div_ceil(max_entries.max(1));
    let weight = u64::try_from(bytes).unwrap_or(u64::MAX).max(floor);
    u32::try_from(weight).unwrap_or(u32::MAX)
}

/// A small bounded quick_cache (parsed documents, persisted queries, rate-limit
/// buckets): at most `max_entries` entries weighing at most `max_bytes` by
/// `weighter`, the heaviest entry it should take weighing `heaviest`.
///
/// quick_cache splits both bounds evenly across its shards and refuses an entry
/// heavier than 97 % of a shard's share (its "hot" allocation), so there are never
/// more shards than leave room for the heaviest entry in each: a small budget gets
/// one shard (moka, used for these caches before, had no shards to split it).
pub(crate) fn small_cache<K, V, W>(
    max_entries: u64,
    max_bytes: u64,
    heaviest: u64,
    weighter: W,
) -> Cache<K, V, W, FastHasher>
where
    K: Eq + Hash,
    V: Clone,
    W: Weighter<K, V> + Clone,
{
    let parallel = std::thread::available_parallelism().map_or(1, usize::from) * 4;
    // A power of two (quick_cache rounds up to one), halved until each shard's
    // share (rounded down, as `bounded_cache` leaves it) holds the heaviest entry
    // within 96 % of it: below the 97 % allocation, whatever its float rounding.
    let mut shards: usize = 1 << parallel.max(1).ilog2();
    while shards > 1
        && u128::from(heaviest.max(1)) * 100 > u128::from(max_bytes / shards as u64) * 96
    {
        shards /= 2;
    }
    let entries = usize::try_from(max_entries.max(1)).unwrap_or(usize::MAX);
    bounded_cache(
        Some(shards),
        entries,
        max_bytes.max(1),
        weighter,
        DefaultLifecycle::default(),
    )
}

/// A quick_cache of `max_bytes` by `weighter`, sized for `entries`, over `shards`
/// (quick_cache's default when `None`: four per core, fewer for a small estimate).
/// Every bounded cache of the crate is built here.
pub(crate) fn bounded_cache<K, V, W, L>(
    shards: Option<usize>,
    entries: usize,
    max_bytes: u64,
    weighter: W,
    lifecycle: L,
) -> Cache<K, V, W, FastHasher, L>
where
    K: Eq + Hash,
    V: Clone,
    W: Weighter<K, V> + Clone,
    L: Lifecycle<K, V> + Clone,
{
    let mut options = quick_cache::OptionsBuilder::new();
    options
        .estimated_items_capacity(entries)
        .weight_capacity(max_bytes);
    if let Some(shards) = shards {
        options.shards(shards);
    }
    let build = |options: &quick_cache::OptionsBuilder, weighter: W, lifecycle: L| {
        match options.build() {
            Ok(options) => Cache::with_options(options, weighter, FastHasher::default(), lifecycle),
            // Both bounds are set above; the builder fails only when one is missing.
            Err(_) => Cache::with(
                entries,
                max_bytes,
                weighter,
                FastHasher::default(),
                lifecycle,
            ),
        }
    };
    let cache = build(&options, weighter.clone(), lifecycle.clone());
    // quick_cache gives each shard `max_bytes / shards` rounded up, so the shards
    // together could hold up to `shards - 1` bytes more than asked: ask for a
    // multiple of the shards it settled on instead (it settles on the same count
    // again, which depends on `entries` alone).
    // Fewer bytes than shards: one shard then, or each would get a byte.
    let shards = cache.num_shards() as u64;
    let rounded = max_bytes - max_bytes % shards;
    if rounded == max_bytes {
        return cache;
    }
    if rounded == 0 {
        options.shards(1);
    } else {
        options.weight_capacity(rounded);
    }
    build(&options, weighter, lifecycle)
}

/// The heap a product holds, plus the product itself. A text counts its length
/// whether it is held inline or on the heap (a short one is then counted twice,
/// within the product's own size too: an estimate erring on the full side).
pub(crate) fn product_bytes(product: &Product) -> usize {
    let text = |s: &Text| s.len();
    let optional = |s: &Option<Text>| s.as_ref().map_or(0, Text::len);
    size_of::<Product>()
        + text(&product.title)
        + optional(&product.brand)
        + optional(&product.description)
        + product
            .price
            .as_ref()
            .map_or(0, |price| price.amount.len() + price.currency.len())
        + product
            .images
            .iter()
            .map(|image| size_of::<Image>() + image.url.len() + optional(&image.alt))
            .sum::<usize>()
        + product
            .categories
            .iter()
            .map(|category| size_of::<Text>() + category.len())
            .sum::<usize>()
        + product
            .attributes
            .iter()
            .map(|attribute| {
                size_of::<Attribute>() + attribute.name.len() + optional(&attribute.value)
            })
            .sum::<usize>()
        + product.updated_at.as_ref().map_or(0, Text::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::test_support::product;

    /// A weigher reading the weight from the value itself.
    #[derive(Clone)]
    struct Own;

    impl Weighter<u64, u64> for Own {
        fn weight(&self, _key: &u64, weight: &u64) -> u64 {
            *weight
        }
    }

    proptest::proptest! {
        #[test]
        fn a_small_cache_keeps_its_heaviest_entry_and_stays_within_its_bounds(
            heaviest in 1u64..100_000,
            times in 2u64..64,
            max_entries in 1u64..2_000,
        ) {
            let max_bytes = heaviest * times;
            let cache = small_cache(max_entries, max_bytes, heaviest, Own);
            cache.insert(0, heaviest);
            proptest::prop_assert_eq!(cache.get(&0), Some(heaviest));
            for key in 1..=(2 * times) {
                cache.insert(key, heaviest);
            }
            proptest::prop_assert!(cache.weight() <= max_bytes);
            proptest::prop_assert!(cache.capacity() <= max_bytes);
        }

        /// Whatever the shards, a bounded cache can hold no more than it was given
        /// (quick_cache rounds each shard's share up).
        #[test]
        fn a_bounded_cache_holds_no_more_than_its_bytes(
            max_bytes in 1u64..100_000,
            entries in 1usize..5_000,
            shards in proptest::option::of(1usize..64),
        ) {
            let cache: Cache<u64, u64, Own, FastHasher> =
                bounded_cache(shards, entries, max_bytes, Own, DefaultLifecycle::default());
            proptest::prop_assert!(cache.capacity() <= max_bytes, "{} shards", cache.num_shards());
        }
    }

    #[test]
    fn shares_rounded_up_by_the_shards_do_not_add_up_past_the_bound() {
        // Found by the property test above: 17 bytes over two shards were 9 + 9.
        let cache = small_cache(63, 17, 1, Own);
        assert!(cache.capacity() <= 17, "{}", cache.capacity());
        let cache: Cache<u64, u64, Own, FastHasher> =
            bounded_cache(Some(64), 4_096, 3, Own, DefaultLifecycle::default());
        assert!(cache.capacity() <= 3, "{}", cache.capacity());
        assert!(cache.capacity() > 0);
    }

    #[test]
    fn an_entry_weighs_its_bytes_but_no_less_than_its_share_of_the_entry_bound() {
        assert_eq!(entry_weight(5_000, 1_000_000, 1_000), 5_000);
        assert_eq!(entry_weight(10, 1_000_000, 1_000), 1_000);
        assert_eq!(entry_weight(10, 1_000_000, 0), 1_000_000);
        assert_eq!(entry_weight(usize::MAX, u64::MAX, 1), u32::MAX);
    }

    #[test]
    fn a_product_weighs_more_with_more_text() {
        let small = product(1);
        let mut large = small.clone();
        large.description = Some("x".repeat(10_000).into());
        assert!(product_bytes(&small) >= size_of::<Product>() + small.title.len());
        assert!(product_bytes(&large) >= product_bytes(&small) + 9_900);
    }
}

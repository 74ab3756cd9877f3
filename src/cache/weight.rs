//! What cached things weigh, for the caches' weighers: every cache of the gateway
//! (products, responses, parsed documents, persisted queries) is bounded in bytes,
//! so memory stays flat whatever the size of what the upstream sends.
//!
//! The weights are estimates of the heap an entry holds (string and vector
//! capacities are taken as their lengths), plus a fixed overhead for the cache's own
//! node and the entry's `Arc`s. An entry-count bound, where a cache also has one
//! (`--cache-capacity` …), is folded into the same weigher: no entry weighs less
//! than `max_bytes / max_entries`, so neither bound can be exceeded.

use std::mem::size_of;

use crate::catalog::{Attribute, Image, Product};

/// Bytes counted per cache entry for the cache's node, hash-table slot and `Arc` headers.
pub(crate) const ENTRY_OVERHEAD_BYTES: usize = 160;

/// An entry's weight for a cache bounded by `max_bytes` and by `max_entries`:
/// its `bytes`, but at least `max_bytes / max_entries`; saturates at `u32::MAX`.
pub(crate) fn entry_weight(bytes: usize, max_bytes: u64, max_entries: u64) -> u32 {
    let floor = max_bytes.div_ceil(max_entries.max(1));
    let weight = u64::try_from(bytes).unwrap_or(u64::MAX).max(floor);
    u32::try_from(weight).unwrap_or(u32::MAX)
}

/// The heap a product holds, plus the product itself.
pub(crate) fn product_bytes(product: &Product) -> usize {
    let text = |s: &String| s.len();
    let optional = |s: &Option<String>| s.as_ref().map_or(0, String::len);
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
            .map(|category| size_of::<String>() + category.len())
            .sum::<usize>()
        + product
            .attributes
            .iter()
            .map(|attribute| {
                size_of::<Attribute>() + attribute.name.len() + optional(&attribute.value)
            })
            .sum::<usize>()
        + product.updated_at.as_ref().map_or(0, String::len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::test_support::product;

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
        large.description = Some("x".repeat(10_000));
        assert!(product_bytes(&small) >= size_of::<Product>() + small.title.len());
        assert!(product_bytes(&large) >= product_bytes(&small) + 9_900);
    }
}

//! Invalidation by product without an index of entries by product: a fixed table
//! of [`SLOTS`] generation counters, a product's slot chosen by a hash of its GTIN
//! (the module doc of `response_cache`, "Invalidated", says why this is enough).
//! [`ResponseCache::invalidate`](super::ResponseCache::invalidate) bumps the slots;
//! a hit checks its entry against them here.

use std::sync::atomic::Ordering;

use super::store::{Inner, Stored};
use crate::gtin::Gtin;

/// Generation slots for invalidation by product (a power of two).
pub(crate) const SLOTS: usize = 4096;

/// The invalidation slot of a product: a multiplicative hash of its GTIN-14 as a
/// number (the same on every replica, not that it matters).
pub(super) fn slot(gtin: &Gtin) -> u16 {
    let number = gtin
        .gtin14()
        .bytes()
        .fold(0u64, |n, digit| n * 10 + u64::from(digit - b'0'));
    // The top 12 bits of the product: SLOTS = 4096.
    u16::try_from(number.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52).unwrap_or(0)
}

impl Inner {
    /// Whether no product of `stored` was invalidated since its request was looked up.
    pub(super) fn still_valid(&self, stored: &Stored) -> bool {
        stored.slots.iter().all(|&slot| {
            self.generations
                .get(usize::from(slot))
                .is_none_or(|generation| generation.load(Ordering::Acquire) <= stored.epoch)
        })
    }
}

//! Test data shared by the cache's unit tests: valid GTINs and full products.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use crate::catalog::{Attribute, Availability, Image, Price, Product};
use crate::gtin::Gtin;

/// The first `n` valid GTIN-13s with the demo prefix 952.
pub(crate) fn gtins(n: usize) -> Vec<Gtin> {
    (0..n).map(gtin).collect()
}

/// The `i`-th valid GTIN-13 with the demo prefix 952.
pub(crate) fn gtin(i: usize) -> Gtin {
    Gtin::with_check_digit(&format!("952{i:09}")).unwrap()
}

/// A product for `gtin(i)` with every optional field filled, so a codec round trip
/// that drops a field shows up.
pub(crate) fn product(i: usize) -> Product {
    Product {
        gtin: gtin(i),
        title: format!("item {i}").into(),
        brand: Some("Acme".to_owned().into()),
        description: Some("A thing, described.".to_owned().into()),
        price: Some(Price {
            amount: "4.99".to_owned().into(),
            currency: "USD".to_owned().into(),
        }),
        images: vec![
            Image {
                url: "https://img.example/1.png".to_owned().into(),
                alt: Some("front".to_owned().into()),
            },
            Image {
                url: "https://img.example/2.png".to_owned().into(),
                alt: None,
            },
        ],
        categories: vec!["Home".to_owned().into(), "Paper".to_owned().into()],
        attributes: vec![
            Attribute {
                name: "colour".to_owned().into(),
                value: None,
            },
            Attribute {
                name: "size".to_owned().into(),
                value: Some("XL".to_owned().into()),
            },
        ],
        availability: Availability::LowStock,
        updated_at: Some("2026-11-01T10:00:00Z".to_owned().into()),
    }
}

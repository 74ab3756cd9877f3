//! The product as the gateway knows it, after the upstream's DTO was checked and
//! normalized. GraphQL types wrap this; the upstream's wire shape stays in `dto`.

use crate::gtin::Gtin;

/// A product's text: a string of up to 24 bytes is held inline, a longer one on
/// the heap as a `String` would be. Most of a product's texts are short (brand,
/// price amount and currency, category and attribute names and values, the
/// timestamp), and a cold stream of products allocates and frees every one of
/// them: reading a page, then evicting from the local tier (bench/JOURNAL.md,
/// "Session 23").
pub type Text = compact_str::CompactString;

/// One product of the catalog.
#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    /// The normalized identity the upstream answered with (equals the key asked for).
    pub gtin: Gtin,
    /// Display title; the only required field besides `gtin`.
    pub title: Text,
    /// Brand name, when the upstream knows it.
    pub brand: Option<Text>,
    /// Longer text for a product page.
    pub description: Option<Text>,
    /// Shelf price; absent when unknown or malformed upstream.
    pub price: Option<Price>,
    /// Product images, in upstream order.
    pub images: Vec<Image>,
    /// Category path, broadest first.
    pub categories: Vec<Text>,
    /// Free-form attributes (size, colour …), sorted by name: the JSON object they
    /// arrive in is read without its order (see `dto`).
    pub attributes: Vec<Attribute>,
    /// Stock state; `Unknown` for anything the contract does not list.
    pub availability: Availability,
    /// Last change upstream, as an RFC 3339 timestamp string.
    pub updated_at: Option<Text>,
}

/// A price: the amount stays a decimal string so no float ever rounds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    /// Decimal string such as `"4.99"`.
    pub amount: Text,
    /// ISO 4217 code such as `"USD"`.
    pub currency: Text,
}

/// One product image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Absolute URL of the image.
    pub url: Text,
    /// Alternative text, when given.
    pub alt: Option<Text>,
}

/// One name/value attribute; `value` is `None` where the upstream sent `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute name, such as `size`.
    pub name: Text,
    /// Attribute value as text.
    pub value: Option<Text>,
}

/// Stock state of a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Availability {
    /// In stock.
    InStock,
    /// Few left.
    LowStock,
    /// None left for now.
    OutOfStock,
    /// No longer sold.
    Discontinued,
    /// Missing, or a value the contract does not list.
    Unknown,
}

impl Availability {
    /// Reads the upstream's value; anything unlisted is `Unknown`, never an error.
    pub fn from_upstream(value: Option<&str>) -> Availability {
        match value {
            Some("IN_STOCK") => Availability::InStock,
            Some("LOW_STOCK") => Availability::LowStock,
            Some("OUT_OF_STOCK") => Availability::OutOfStock,
            Some("DISCONTINUED") => Availability::Discontinued,
            _ => Availability::Unknown,
        }
    }

    /// The contract's wire name (`IN_STOCK` …); `UNKNOWN` for `Unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::InStock => "IN_STOCK",
            Availability::LowStock => "LOW_STOCK",
            Availability::OutOfStock => "OUT_OF_STOCK",
            Availability::Discontinued => "DISCONTINUED",
            Availability::Unknown => "UNKNOWN",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::mem::size_of;

    use super::Text;

    /// Holding short texts inline costs no room: a text, present or not, is as
    /// large as a `String`, so a `Product` (and every cache entry) is no larger.
    #[test]
    fn a_text_takes_no_more_room_than_a_string_and_holds_24_bytes_inline() {
        assert_eq!(size_of::<Text>(), size_of::<String>());
        assert_eq!(size_of::<Option<Text>>(), size_of::<Option<String>>());

        let brand = Text::from("Cloudsoft");
        let timestamp = Text::from("2026-12-07T11:30:00.000Z");
        let title = Text::from("Cloudsoft Facial Tissue, 3-Ply, 120 Sheets");

        assert!(!brand.is_heap_allocated());
        assert!(!timestamp.is_heap_allocated(), "{} bytes", timestamp.len());
        assert!(title.is_heap_allocated());
    }
}

//! The product as the gateway knows it, after the upstream's DTO was checked and
//! normalized. GraphQL types wrap this; the upstream's wire shape stays in `dto`.

use crate::gtin::Gtin;

/// One product of the catalog.
#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    /// The normalized identity the upstream answered with (equals the key asked for).
    pub gtin: Gtin,
    /// Display title; the only required field besides `gtin`.
    pub title: String,
    /// Brand name, when the upstream knows it.
    pub brand: Option<String>,
    /// Longer text for a product page.
    pub description: Option<String>,
    /// Shelf price; absent when unknown or malformed upstream.
    pub price: Option<Price>,
    /// Product images, in upstream order.
    pub images: Vec<Image>,
    /// Category path, broadest first.
    pub categories: Vec<String>,
    /// Free-form attributes (size, colour …), sorted by name: the JSON object they
    /// arrive in is read without its order (see `dto`).
    pub attributes: Vec<Attribute>,
    /// Stock state; `Unknown` for anything the contract does not list.
    pub availability: Availability,
    /// Last change upstream, as an RFC 3339 timestamp string.
    pub updated_at: Option<String>,
}

/// A price: the amount stays a decimal string so no float ever rounds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    /// Decimal string such as `"4.99"`.
    pub amount: String,
    /// ISO 4217 code such as `"USD"`.
    pub currency: String,
}

/// One product image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Absolute URL of the image.
    pub url: String,
    /// Alternative text, when given.
    pub alt: Option<String>,
}

/// One name/value attribute; `value` is `None` where the upstream sent `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute name, such as `size`.
    pub name: String,
    /// Attribute value as text.
    pub value: Option<String>,
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

//! The reader this module had before it read in one pass: entries first read
//! into a `serde_json::Value` tree, then through serde's derive. Kept as the
//! reference the one-pass reader must agree with on any input.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use super::super::EntryError;
use crate::catalog::{Attribute, Availability, Image, Price, Product, Text};
use crate::gtin::Gtin;

/// One product object as the upstream sends it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductDto {
    gtin: String,
    title: String,
    #[serde(default)]
    brand: Lenient<String>,
    #[serde(default)]
    description: Lenient<String>,
    #[serde(default)]
    price: Lenient<PriceDto>,
    #[serde(default)]
    images: Lenient<Vec<Lenient<ImageDto>>>,
    #[serde(default)]
    categories: Lenient<Vec<Lenient<String>>>,
    #[serde(default)]
    attributes: Lenient<Map<String, Value>>,
    #[serde(default)]
    availability: Lenient<String>,
    #[serde(default)]
    updated_at: Lenient<String>,
}

/// `{"amount": "4.99", "currency": "USD"}`; the amount is checked in conversion.
#[derive(Debug, Deserialize)]
struct PriceDto {
    amount: String,
    currency: String,
}

/// `{"url": "...", "alt": "..."}`.
#[derive(Debug, Deserialize)]
struct ImageDto {
    url: String,
    #[serde(default)]
    alt: Lenient<String>,
}

/// An optional field that reads `null`, a missing key and a value of the wrong shape
/// all as `None`, so a malformed optional field never fails its product.
#[derive(Debug)]
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Buffer the value first: a shape error inside `T` must not poison the outer
        // deserializer, which it would if `T` read from the stream directly.
        let value = Value::deserialize(deserializer)?;
        if value.is_null() {
            return Ok(Lenient(None));
        }
        match T::deserialize(value) {
            Ok(inner) => Ok(Lenient(Some(inner))),
            Err(err) => {
                tracing::debug!(%err, "upstream product: dropping a malformed optional field");
                Ok(Lenient(None))
            }
        }
    }
}

/// Reads one product entry: the product with its `gtin` normalized, or why the entry
/// is unusable.
pub(super) fn parse_entry(entry: Value) -> Result<Product, EntryError> {
    if !entry.is_object() {
        return Err(EntryError::NotAnObject);
    }
    let dto = ProductDto::deserialize(entry).map_err(|err| EntryError::Shape(err.to_string()))?;
    dto.into_product()
}

impl ProductDto {
    fn into_product(self) -> Result<Product, EntryError> {
        let gtin = Gtin::from_digits(&self.gtin).map_err(|reason| EntryError::InvalidGtin {
            gtin: self.gtin.clone(),
            reason,
        })?;
        Ok(Product {
            gtin,
            title: self.title.into(),
            brand: self.brand.0.map(Text::from),
            description: self.description.0.map(Text::from),
            price: self.price.0.and_then(|p| p.into_price(&gtin)),
            images: flatten(self.images.0)
                .into_iter()
                .map(|image| Image {
                    url: image.url.into(),
                    alt: image.alt.0.map(Text::from),
                })
                .collect(),
            categories: flatten(self.categories.0)
                .into_iter()
                .map(Text::from)
                .collect(),
            attributes: self.attributes.0.map(attributes).unwrap_or_default(),
            availability: Availability::from_upstream(self.availability.0.as_deref()),
            updated_at: self.updated_at.0.map(Text::from),
        })
    }
}

impl PriceDto {
    /// The price, or `None` (logged) when the amount is not a decimal string: a bad
    /// price must not show as a real one, but it does not cost the product either.
    fn into_price(self, gtin: &Gtin) -> Option<Price> {
        if !is_decimal(&self.amount) || self.currency.is_empty() {
            tracing::debug!(%gtin, amount = %self.amount, currency = %self.currency,
                "upstream product: dropping a malformed price");
            return None;
        }
        Some(Price {
            amount: self.amount.into(),
            currency: self.currency.into(),
        })
    }
}

/// True for `^-?\d+(\.\d+)?$`: the contract's decimal string.
fn is_decimal(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

/// The usable elements of an optional list (malformed elements dropped).
fn flatten<T>(list: Option<Vec<Lenient<T>>>) -> Vec<T> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.0)
        .collect()
}

/// Attribute values may be strings, `null`, numbers or booleans; scalars become
/// text, and a nested array or object (not in the contract) is dropped.
fn attributes(map: Map<String, Value>) -> Vec<Attribute> {
    map.into_iter()
        .filter_map(|(name, value)| {
            let value = match value {
                Value::Null => None,
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Array(_) | Value::Object(_) => {
                    tracing::debug!(%name, "upstream product: dropping a non-scalar attribute");
                    return None;
                }
            };
            Some(Attribute {
                name: name.into(),
                value: value.map(Text::from),
            })
        })
        .collect()
}

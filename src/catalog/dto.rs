//! The upstream's wire shapes (catalog-api.md, "Product object") and their checked
//! conversion into [`Product`].
//!
//! A tolerant reader: unknown fields are ignored, and every field except `gtin` and
//! `title` may be missing, `null` or malformed without costing the product; a
//! malformed optional field is dropped (logged at debug) as if it were absent. What
//! makes an entry unusable is only what makes it unidentifiable: not an object, no
//! `gtin`/`title` strings, or a `gtin` that is not a valid GTIN.
//!
//! Attributes arrive as a JSON object. `serde_json` is built without
//! `preserve_order`, so its map sorts keys: attributes come out sorted by name, not in
//! upstream order. That is accepted: the contract gives the order no meaning, and
//! turning on `preserve_order` would change map behaviour for the whole crate.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use super::{Attribute, Availability, Image, Price, Product};
use crate::gtin::{DigitsError, Gtin};

/// A batch answer: `{"products": [...]}`.
///
/// Entries stay raw JSON here so that one broken entry fails only itself, and the
/// others are still read.
#[derive(Debug, Deserialize)]
pub(crate) struct BatchBody {
    /// The products the upstream found, in any order, possibly with extras.
    pub(crate) products: Vec<Value>,
}

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

/// Why one product entry of an answer cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EntryError {
    /// The entry is a string, number, array … instead of an object.
    #[error("product entry is not a JSON object")]
    NotAnObject,
    /// `gtin` or `title` is missing or not a string.
    #[error("product entry is malformed: {0}")]
    Shape(String),
    /// `gtin` is a string but not a valid GTIN.
    #[error("product entry has an invalid gtin {gtin:?}: {reason:?}")]
    InvalidGtin {
        /// The `gtin` as sent.
        gtin: String,
        /// Why it is not a GTIN.
        reason: DigitsError,
    },
}

/// Reads one product entry: the product with its `gtin` normalized, or why the entry
/// is unusable.
pub(crate) fn parse_entry(entry: Value) -> Result<Product, EntryError> {
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
            title: self.title,
            brand: self.brand.0,
            description: self.description.0,
            price: self.price.0.and_then(|p| p.into_price(&gtin)),
            images: flatten(self.images.0)
                .into_iter()
                .map(|image| Image {
                    url: image.url,
                    alt: image.alt.0,
                })
                .collect(),
            categories: flatten(self.categories.0),
            attributes: self.attributes.0.map(attributes).unwrap_or_default(),
            availability: Availability::from_upstream(self.availability.0.as_deref()),
            updated_at: self.updated_at.0,
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
            amount: self.amount,
            currency: self.currency,
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
            Some(Attribute { name, value })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(entry: Value) -> Product {
        parse_entry(entry).unwrap()
    }

    #[test]
    fn a_full_product_object_is_read_field_by_field() {
        let product = parse(json!({
            "gtin": "00012345678905",
            "title": "Organic Rolled Oats 18 oz",
            "brand": "Acme Mills",
            "description": "Whole grain rolled oats.",
            "price": { "amount": "4.99", "currency": "USD" },
            "images": [ { "url": "https://img.example/00012345678905/1.jpg", "alt": "front" } ],
            "categories": [ "Grocery", "Breakfast", "Cereal" ],
            "attributes": { "size": "18 oz", "color": null },
            "availability": "IN_STOCK",
            "updatedAt": "2026-11-20T08:15:00Z"
        }));
        assert_eq!(product.gtin, Gtin::from_digits("012345678905").unwrap());
        assert_eq!(product.title, "Organic Rolled Oats 18 oz");
        assert_eq!(product.brand.as_deref(), Some("Acme Mills"));
        assert_eq!(
            product.description.as_deref(),
            Some("Whole grain rolled oats.")
        );
        assert_eq!(
            product.price,
            Some(Price {
                amount: "4.99".into(),
                currency: "USD".into()
            })
        );
        assert_eq!(
            product.images,
            vec![Image {
                url: "https://img.example/00012345678905/1.jpg".into(),
                alt: Some("front".into())
            }]
        );
        assert_eq!(product.categories, ["Grocery", "Breakfast", "Cereal"]);
        assert_eq!(
            product.attributes,
            vec![
                Attribute {
                    name: "color".into(),
                    value: None
                },
                Attribute {
                    name: "size".into(),
                    value: Some("18 oz".into())
                },
            ]
        );
        assert_eq!(product.availability, Availability::InStock);
        assert_eq!(product.updated_at.as_deref(), Some("2026-11-20T08:15:00Z"));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints", "sku": 12, "nested": { "a": [1, 2] }
        }));
        assert_eq!(product.title, "Mints");
    }

    #[test]
    fn a_product_with_only_gtin_and_title_has_every_optional_field_empty() {
        let product = parse(json!({ "gtin": "96385074", "title": "Mints" }));
        assert_eq!(product.brand, None);
        assert_eq!(product.description, None);
        assert_eq!(product.price, None);
        assert!(product.images.is_empty());
        assert!(product.categories.is_empty());
        assert!(product.attributes.is_empty());
        assert_eq!(product.availability, Availability::Unknown);
        assert_eq!(product.updated_at, None);
    }

    #[test]
    fn null_optional_fields_read_as_absent() {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints", "brand": null, "description": null,
            "price": null, "images": null, "categories": null, "attributes": null,
            "availability": null, "updatedAt": null
        }));
        assert_eq!(product.brand, None);
        assert_eq!(product.price, None);
        assert!(product.images.is_empty());
        assert!(product.attributes.is_empty());
    }

    #[test]
    fn scalar_attribute_values_become_text_and_null_stays_none() {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints",
            "attributes": { "count": 50, "weight": 12.5, "vegan": true, "flavour": "mint",
                            "color": null, "tags": ["a"], "dims": { "w": 1 } }
        }));
        assert_eq!(
            product.attributes,
            vec![
                Attribute {
                    name: "color".into(),
                    value: None
                },
                Attribute {
                    name: "count".into(),
                    value: Some("50".into())
                },
                Attribute {
                    name: "flavour".into(),
                    value: Some("mint".into())
                },
                Attribute {
                    name: "vegan".into(),
                    value: Some("true".into())
                },
                Attribute {
                    name: "weight".into(),
                    value: Some("12.5".into())
                },
            ]
        );
    }

    #[test]
    fn an_unknown_availability_reads_as_unknown_and_keeps_the_product() {
        let product =
            parse(json!({ "gtin": "96385074", "title": "Mints", "availability": "BACKORDER" }));
        assert_eq!(product.availability, Availability::Unknown);
    }

    #[test]
    fn a_non_string_availability_reads_as_unknown() {
        let product = parse(json!({ "gtin": "96385074", "title": "Mints", "availability": 3 }));
        assert_eq!(product.availability, Availability::Unknown);
    }

    #[test]
    fn a_float_price_is_dropped_but_the_product_is_kept() {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints", "price": { "amount": 4.99, "currency": "USD" }
        }));
        assert_eq!(product.title, "Mints");
        assert_eq!(product.price, None);
    }

    #[test]
    fn a_price_amount_that_is_not_a_decimal_string_is_dropped() {
        for amount in [
            "4,99", "4.", ".99", "", "-", "1e3", " 4.99", "4.99 ", "+4.99", "NaN",
        ] {
            let product = parse(json!({
                "gtin": "96385074", "title": "Mints", "price": { "amount": amount, "currency": "EUR" }
            }));
            assert_eq!(product.price, None, "amount {amount:?} was accepted");
        }
    }

    #[test]
    fn decimal_string_amounts_are_kept() {
        for amount in ["4.99", "0", "12", "-0.50", "1000000.0001"] {
            let product = parse(json!({
                "gtin": "96385074", "title": "Mints", "price": { "amount": amount, "currency": "EUR" }
            }));
            assert_eq!(product.price.map(|p| p.amount).as_deref(), Some(amount));
        }
    }

    #[test]
    fn a_price_without_currency_is_dropped() {
        let product =
            parse(json!({ "gtin": "96385074", "title": "Mints", "price": { "amount": "1.00" } }));
        assert_eq!(product.price, None);
    }

    #[test]
    fn malformed_images_and_categories_drop_only_the_bad_elements() {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints",
            "images": [ { "url": "https://i.example/1.jpg" }, { "alt": "no url" }, 7 ],
            "categories": [ "Candy", 3, null, "Mints" ]
        }));
        assert_eq!(
            product.images,
            vec![Image {
                url: "https://i.example/1.jpg".into(),
                alt: None
            }]
        );
        assert_eq!(product.categories, ["Candy", "Mints"]);
    }

    #[test]
    fn a_wrongly_typed_optional_field_is_dropped_but_the_product_is_kept() {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints", "brand": 42, "images": "x", "attributes": [1]
        }));
        assert_eq!(product.brand, None);
        assert!(product.images.is_empty());
        assert!(product.attributes.is_empty());
    }

    #[test]
    fn a_gtin_in_any_form_is_normalized() {
        for form in ["036000291452", "0036000291452", "00036000291452"] {
            let product = parse(json!({ "gtin": form, "title": "Tissue" }));
            assert_eq!(product.gtin.gtin14(), "00036000291452");
        }
    }

    #[test]
    fn a_non_object_entry_is_rejected() {
        for entry in [
            json!("00036000291452"),
            json!(36000291452u64),
            json!([1]),
            json!(null),
        ] {
            assert_eq!(parse_entry(entry), Err(EntryError::NotAnObject));
        }
    }

    #[test]
    fn an_entry_without_title_is_rejected() {
        let err = parse_entry(json!({ "gtin": "96385074" })).unwrap_err();
        assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
    }

    #[test]
    fn an_entry_with_a_null_title_is_rejected() {
        let err = parse_entry(json!({ "gtin": "96385074", "title": null })).unwrap_err();
        assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
    }

    #[test]
    fn an_entry_without_gtin_is_rejected() {
        let err = parse_entry(json!({ "title": "Mints" })).unwrap_err();
        assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
    }

    #[test]
    fn an_entry_with_a_numeric_gtin_is_rejected() {
        let err = parse_entry(json!({ "gtin": 96385074, "title": "Mints" })).unwrap_err();
        assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
    }

    #[test]
    fn an_entry_with_a_bad_check_digit_is_rejected() {
        let err = parse_entry(json!({ "gtin": "96385075", "title": "Mints" })).unwrap_err();
        assert!(matches!(err, EntryError::InvalidGtin { .. }), "{err:?}");
    }

    #[test]
    fn an_entry_with_a_gtin_of_the_wrong_length_is_rejected() {
        let err = parse_entry(json!({ "gtin": "1234567", "title": "Mints" })).unwrap_err();
        assert!(matches!(err, EntryError::InvalidGtin { .. }), "{err:?}");
    }

    #[test]
    fn a_batch_body_keeps_entries_raw_so_one_bad_entry_does_not_fail_it() {
        let body: BatchBody = serde_json::from_value(
            json!({ "products": [ 1, { "gtin": "96385074", "title": "M" } ], "next": null }),
        )
        .unwrap();
        assert_eq!(body.products.len(), 2);
    }
}

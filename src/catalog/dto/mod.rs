//! The upstream's wire shapes (catalog-api.md, "Product object") read in one pass,
//! straight from the answer's bytes into [`Product`]s: no intermediate
//! `serde_json::Value` tree and no map of attributes.
//!
//! A tolerant reader: unknown fields are ignored, and every field except `gtin` and
//! `title` may be missing, `null` or malformed without costing the product; a
//! malformed optional field is dropped (logged at debug) as if it were absent. What
//! makes an entry unusable is only what makes it unidentifiable: not an object, no
//! `gtin`/`title` strings, a field given twice, or a `gtin` that is not a valid GTIN.
//!
//! Tolerance needs care when reading from a stream: serde_json cannot resume after a
//! shape error, so no reader here ever reports one. Each accepts any JSON value and
//! says what it found ([`Loose`]); only a syntax error (a body that is not JSON)
//! stops the read, and that fails the whole answer, as it always did.
//!
//! Attributes arrive as a JSON object and come out sorted by name, a name given
//! twice keeping its last value (what reading them into a sorted map did before):
//! the contract gives their order no meaning.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
#[cfg(test)]
use serde_json::Value;

use super::{Attribute, Availability, Image, Price, Product};
use crate::gtin::{DigitsError, Gtin};

/// A batch answer: `{"products": [...]}`. Each entry is read on its own terms, so
/// one broken entry fails only itself, and the others are still read.
#[derive(Deserialize)]
pub(crate) struct BatchBody {
    /// The products the upstream found, in any order, possibly with extras.
    pub(crate) products: Vec<Entry>,
}

/// One product entry of an answer: the product with its `gtin` normalized, or why
/// the entry is unusable. Reading it never fails on the entry's shape.
#[derive(Debug)]
pub(crate) struct Entry(pub(crate) Result<Product, EntryError>);

/// Why one product entry of an answer cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EntryError {
    /// The entry is a string, number, array … instead of an object.
    #[error("product entry is not a JSON object")]
    NotAnObject,
    /// `gtin` or `title` is missing or not a string, or a field is given twice.
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

/// Reads one product entry from a JSON value (what the tests hand in), through the
/// same byte reader an answer goes through.
#[cfg(test)]
pub(crate) fn parse_entry(entry: Value) -> Result<Product, EntryError> {
    let bytes = serde_json::to_vec(&entry).map_err(|err| EntryError::Shape(err.to_string()))?;
    serde_json::from_slice::<Entry>(&bytes)
        .map_err(|err| EntryError::Shape(err.to_string()))?
        .0
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Entry(match Loose::<Fields>::deserialize(deserializer)? {
            Loose::Value(fields) => fields.into_product(),
            Loose::Null | Loose::Wrong(_) => Err(EntryError::NotAnObject),
        }))
    }
}

/// What a tolerant reader found where it expected a `T`.
enum Loose<T> {
    /// A `T`.
    Value(T),
    /// `null`.
    Null,
    /// Something else, named for the logs ("a number", "an array" …).
    Wrong(&'static str),
}

impl<T> Loose<T> {
    /// The value; `null` and a malformed value (logged) read as absent.
    fn optional(self, field: &'static str) -> Option<T> {
        match self {
            Loose::Value(value) => Some(value),
            Loose::Null => None,
            Loose::Wrong(found) => {
                tracing::debug!(
                    field,
                    found,
                    "upstream product: dropping a malformed optional field"
                );
                None
            }
        }
    }
}

/// A shape a tolerant reader can read: each method takes one kind of JSON value
/// and answers `None` when that kind is not this shape. The defaults refuse every
/// kind (consuming arrays and objects whole), so a shape names only what it takes.
trait Shape<'de>: Sized {
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_string(value: String) -> Option<Self> {
        Self::from_str(&value)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    fn from_number(_: serde_json::Number) -> Option<Self> {
        None
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: Shape<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor(PhantomData))
    }
}

struct LooseVisitor<T>(PhantomData<T>);

fn found<T>(value: Option<T>, kind: &'static str) -> Loose<T> {
    value.map_or(Loose::Wrong(kind), Loose::Value)
}

impl<'de, T: Shape<'de>> Visitor<'de> for LooseVisitor<T> {
    type Value = Loose<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Loose<T>, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose<T>, E> {
        Ok(Loose::Null)
    }
    fn visit_bool<E>(self, value: bool) -> Result<Loose<T>, E> {
        Ok(found(T::from_bool(value), "a boolean"))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Loose<T>, E> {
        Ok(found(T::from_number(value.into()), "a number"))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Loose<T>, E> {
        Ok(found(T::from_number(value.into()), "a number"))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Loose<T>, E> {
        // What serde_json's own `Value` makes of a float (JSON has no NaN or ∞).
        let number = serde_json::Number::from_f64(value);
        Ok(found(number.and_then(T::from_number), "a number"))
    }
    fn visit_str<E>(self, value: &str) -> Result<Loose<T>, E> {
        Ok(found(T::from_str(value), "a string"))
    }
    fn visit_string<E>(self, value: String) -> Result<Loose<T>, E> {
        Ok(found(T::from_string(value), "a string"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Loose<T>, A::Error> {
        Ok(found(T::from_seq(seq)?, "an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Loose<T>, A::Error> {
        Ok(found(T::from_map(map)?, "an object"))
    }
}

impl Shape<'_> for String {
    fn from_str(value: &str) -> Option<String> {
        Some(value.to_owned())
    }
    fn from_string(value: String) -> Option<String> {
        Some(value)
    }
}

/// A list whose malformed elements are dropped, each on its own.
struct List<T>(Vec<T>);

impl<'de, T: Shape<'de>> Shape<'de> for List<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element::<Loose<T>>()? {
            if let Some(item) = item.optional("list element") {
                items.push(item);
            }
        }
        Ok(Some(List(items)))
    }
}

/// Keeps the first value of a field and remembers whether it was given twice (a
/// duplicate makes the object it is in malformed, as serde's derive has it).
struct Slot<T> {
    value: Option<T>,
    duplicate: Option<&'static str>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            value: None,
            duplicate: None,
        }
    }
}

impl<T> Slot<T> {
    fn fill(&mut self, name: &'static str, value: T) {
        if self.value.is_some() {
            self.duplicate = Some(name);
        } else {
            self.value = Some(value);
        }
    }
}

/// The fields of a product object, as read: each optional one already tolerant.
#[derive(Default)]
struct Fields {
    gtin: Slot<Loose<String>>,
    title: Slot<Loose<String>>,
    brand: Slot<Loose<String>>,
    description: Slot<Loose<String>>,
    price: Slot<Loose<PriceDto>>,
    images: Slot<Loose<List<ImageDto>>>,
    categories: Slot<Loose<List<String>>>,
    attributes: Slot<Loose<Attributes>>,
    availability: Slot<Loose<String>>,
    updated_at: Slot<Loose<String>>,
}

/// The field names of a product object; any other is ignored.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum FieldName {
    Gtin,
    Title,
    Brand,
    Description,
    Price,
    Images,
    Categories,
    Attributes,
    Availability,
    UpdatedAt,
    #[serde(other)]
    Other,
}

impl<'de> Shape<'de> for Fields {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut fields = Fields::default();
        while let Some(name) = map.next_key::<FieldName>()? {
            match name {
                FieldName::Gtin => fields.gtin.fill("gtin", map.next_value()?),
                FieldName::Title => fields.title.fill("title", map.next_value()?),
                FieldName::Brand => fields.brand.fill("brand", map.next_value()?),
                FieldName::Description => fields.description.fill("description", map.next_value()?),
                FieldName::Price => fields.price.fill("price", map.next_value()?),
                FieldName::Images => fields.images.fill("images", map.next_value()?),
                FieldName::Categories => fields.categories.fill("categories", map.next_value()?),
                FieldName::Attributes => fields.attributes.fill("attributes", map.next_value()?),
                FieldName::Availability => {
                    fields.availability.fill("availability", map.next_value()?)
                }
                FieldName::UpdatedAt => fields.updated_at.fill("updatedAt", map.next_value()?),
                FieldName::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(fields))
    }
}

/// A required string field: present and a string, or why not.
fn required(slot: Slot<Loose<String>>, name: &str) -> Result<String, EntryError> {
    match slot.value {
        Some(Loose::Value(value)) => Ok(value),
        Some(Loose::Null) => Err(EntryError::Shape(format!("`{name}` is null"))),
        Some(Loose::Wrong(found)) => Err(EntryError::Shape(format!(
            "`{name}` is {found}, not a string"
        ))),
        None => Err(EntryError::Shape(format!("missing field `{name}`"))),
    }
}

/// An optional field: absent, `null` and malformed all read as `None`.
fn optional<T>(slot: Slot<Loose<T>>, name: &'static str) -> Option<T> {
    slot.value.and_then(|value| value.optional(name))
}

impl Fields {
    fn into_product(self) -> Result<Product, EntryError> {
        let duplicate = [
            self.gtin.duplicate,
            self.title.duplicate,
            self.brand.duplicate,
            self.description.duplicate,
            self.price.duplicate,
            self.images.duplicate,
            self.categories.duplicate,
            self.attributes.duplicate,
            self.availability.duplicate,
            self.updated_at.duplicate,
        ]
        .into_iter()
        .flatten()
        .next();
        if let Some(name) = duplicate {
            return Err(EntryError::Shape(format!("duplicate field `{name}`")));
        }
        let text = required(self.gtin, "gtin")?;
        let title = required(self.title, "title")?;
        let gtin = Gtin::from_digits(&text)
            .map_err(|reason| EntryError::InvalidGtin { gtin: text, reason })?;
        Ok(Product {
            gtin,
            title,
            brand: optional(self.brand, "brand"),
            description: optional(self.description, "description"),
            price: optional(self.price, "price").and_then(|price| price.into_price(&gtin)),
            images: optional(self.images, "images").map_or_else(Vec::new, |list| {
                list.0
                    .into_iter()
                    .map(|image| Image {
                        url: image.url,
                        alt: image.alt,
                    })
                    .collect()
            }),
            categories: optional(self.categories, "categories").map_or_else(Vec::new, |l| l.0),
            attributes: optional(self.attributes, "attributes").map_or_else(Vec::new, |a| a.0),
            availability: Availability::from_upstream(
                optional(self.availability, "availability").as_deref(),
            ),
            updated_at: optional(self.updated_at, "updatedAt"),
        })
    }
}

/// `{"amount": "4.99", "currency": "USD"}`; the amount is checked in conversion.
struct PriceDto {
    amount: String,
    currency: String,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum PriceField {
    Amount,
    Currency,
    #[serde(other)]
    Other,
}

impl<'de> Shape<'de> for PriceDto {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let (mut amount, mut currency) = (Slot::default(), Slot::default());
        while let Some(name) = map.next_key::<PriceField>()? {
            match name {
                PriceField::Amount => amount.fill("amount", map.next_value::<Loose<String>>()?),
                PriceField::Currency => {
                    currency.fill("currency", map.next_value::<Loose<String>>()?)
                }
                PriceField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // Both must be strings, each given once; otherwise there is no price.
        Ok(match (amount, currency) {
            (
                Slot {
                    value: Some(Loose::Value(amount)),
                    duplicate: None,
                },
                Slot {
                    value: Some(Loose::Value(currency)),
                    duplicate: None,
                },
            ) => Some(PriceDto { amount, currency }),
            _ => None,
        })
    }

    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        Ok(string_tuple(seq, 2, 0)?.and_then(PriceDto::from_tuple))
    }
}

impl PriceDto {
    fn from_tuple(items: Vec<Option<String>>) -> Option<PriceDto> {
        let mut items = items.into_iter();
        Some(PriceDto {
            amount: items.next().flatten()?,
            currency: items.next().flatten()?,
        })
    }

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

/// `{"url": "...", "alt": "..."}`: a `url` string is required, `alt` is tolerant.
struct ImageDto {
    url: String,
    alt: Option<String>,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum ImageField {
    Url,
    Alt,
    #[serde(other)]
    Other,
}

impl<'de> Shape<'de> for ImageDto {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let (mut url, mut alt) = (Slot::default(), Slot::default());
        while let Some(name) = map.next_key::<ImageField>()? {
            match name {
                ImageField::Url => url.fill("url", map.next_value::<Loose<String>>()?),
                ImageField::Alt => alt.fill("alt", map.next_value::<Loose<String>>()?),
                ImageField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if url.duplicate.is_some() || alt.duplicate.is_some() {
            return Ok(None);
        }
        Ok(match url.value {
            Some(Loose::Value(url)) => Some(ImageDto {
                url,
                alt: optional(alt, "alt"),
            }),
            _ => None,
        })
    }

    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        Ok(string_tuple(seq, 2, 1)?.and_then(|items| {
            let mut items = items.into_iter();
            Some(ImageDto {
                url: items.next().flatten()?,
                alt: items.next().flatten(),
            })
        }))
    }
}

/// Reads the array form serde's derive also accepts for a struct: `count` strings
/// in field order, the last `optional` of them may be missing, and nothing after
/// them. `None` when the array is not that.
fn string_tuple<'de, A: SeqAccess<'de>>(
    mut seq: A,
    count: usize,
    optional: usize,
) -> Result<Option<Vec<Option<String>>>, A::Error> {
    let mut items = Vec::with_capacity(count);
    let mut fits = true;
    while let Some(item) = seq.next_element::<Loose<String>>()? {
        if items.len() == count {
            fits = false;
            continue;
        }
        let required = items.len() < count - optional;
        match item {
            Loose::Value(text) => items.push(Some(text)),
            Loose::Null | Loose::Wrong(_) if !required => items.push(None),
            Loose::Null | Loose::Wrong(_) => {
                fits = false;
                items.push(None);
            }
        }
    }
    Ok((fits && items.len() >= count - optional).then_some(items))
}

/// Attribute values may be strings, `null`, numbers or booleans; scalars become
/// text, and a nested array or object (not in the contract) is dropped.
struct Attributes(Vec<Attribute>);

/// One attribute value: `Some(text)`, `None` for `null`; a nested value is
/// [`Loose::Wrong`].
struct AttributeValue(Option<String>);

impl Shape<'_> for AttributeValue {
    fn from_str(value: &str) -> Option<Self> {
        Some(AttributeValue(Some(value.to_owned())))
    }
    fn from_string(value: String) -> Option<Self> {
        Some(AttributeValue(Some(value)))
    }
    fn from_bool(value: bool) -> Option<Self> {
        Some(AttributeValue(Some(value.to_string())))
    }
    fn from_number(value: serde_json::Number) -> Option<Self> {
        Some(AttributeValue(Some(value.to_string())))
    }
}

impl<'de> Shape<'de> for Attributes {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        // (name, value or None when not a scalar), in arrival order.
        let mut read: Vec<(String, Option<Option<String>>)> = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, Loose<AttributeValue>>()? {
            let value = match value {
                Loose::Value(AttributeValue(text)) => Some(text),
                Loose::Null => Some(None),
                Loose::Wrong(_) => None,
            };
            read.push((name, value));
        }
        // Sorted by name; of a name given twice the last value counts (then a
        // nested value drops the attribute, even after a scalar one).
        read.sort_by(|a, b| a.0.cmp(&b.0));
        read.reverse();
        read.dedup_by(|later, kept| later.0 == kept.0);
        read.reverse();
        let attributes = read
            .into_iter()
            .filter_map(|(name, value)| match value {
                Some(value) => Some(Attribute { name, value }),
                None => {
                    tracing::debug!(%name, "upstream product: dropping a non-scalar attribute");
                    None
                }
            })
            .collect();
        Ok(Some(Attributes(attributes)))
    }
}

/// True for `^-?\d+(\.\d+)?$`: the contract's decimal string.
pub(crate) fn is_decimal(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
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

    /// The reader this module had before it read in one pass: entries first read
    /// into a `serde_json::Value` tree, then through serde's derive. Kept as the
    /// reference the one-pass reader must agree with on any input.
    mod reference {
        use serde::Deserialize;
        use serde::de::{DeserializeOwned, Deserializer};
        use serde_json::{Map, Value};

        use super::super::EntryError;
        use crate::catalog::{Attribute, Availability, Image, Price, Product};
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
            let dto =
                ProductDto::deserialize(entry).map_err(|err| EntryError::Shape(err.to_string()))?;
            dto.into_product()
        }

        impl ProductDto {
            fn into_product(self) -> Result<Product, EntryError> {
                let gtin =
                    Gtin::from_digits(&self.gtin).map_err(|reason| EntryError::InvalidGtin {
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
    }

    mod properties {
        use proptest::prelude::*;
        use serde_json::Value;

        use super::super::parse_entry;
        use super::reference;

        /// Any JSON value, biased towards product-like objects: the keys of a
        /// product, a price and an image, GTIN-like digit strings, duplicates.
        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                prop_oneof![
                    Just("96385074"),
                    Just("036000291452"),
                    Just("4.99"),
                    Just("USD"),
                    Just("IN_STOCK"),
                ]
                .prop_map(Value::from),
                "[0-9]{0,15}".prop_map(Value::from),
                ".{0,12}".prop_map(Value::from),
            ];
            leaf.prop_recursive(3, 64, 10, |inner| {
                let key = prop_oneof![
                    Just("gtin".to_owned()),
                    Just("title".to_owned()),
                    Just("brand".to_owned()),
                    Just("description".to_owned()),
                    Just("price".to_owned()),
                    Just("amount".to_owned()),
                    Just("currency".to_owned()),
                    Just("images".to_owned()),
                    Just("url".to_owned()),
                    Just("alt".to_owned()),
                    Just("categories".to_owned()),
                    Just("attributes".to_owned()),
                    Just("availability".to_owned()),
                    Just("updatedAt".to_owned()),
                    "[a-z]{1,8}",
                ];
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::btree_map(key, inner, 0..10)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// A product object with a valid identity and any optional fields.
        fn product_like() -> impl Strategy<Value = Value> {
            (
                prop_oneof![
                    Just("96385074"),
                    Just("0036000291452"),
                    Just("4012345000122")
                ],
                prop::collection::btree_map(
                    prop_oneof![
                        Just("brand".to_owned()),
                        Just("price".to_owned()),
                        Just("images".to_owned()),
                        Just("categories".to_owned()),
                        Just("attributes".to_owned()),
                        Just("availability".to_owned()),
                        Just("updatedAt".to_owned()),
                        "[a-z]{1,8}",
                    ],
                    any_json(),
                    0..8,
                ),
            )
                .prop_map(|(gtin, mut fields)| {
                    fields.insert("gtin".to_owned(), Value::from(gtin));
                    fields.insert("title".to_owned(), Value::from("t"));
                    Value::Object(fields.into_iter().collect())
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn the_one_pass_reader_agrees_with_the_value_tree_reader(
                entry in prop_oneof![any_json(), product_like()],
            ) {
                // Both read the same bytes (serde_json's float reading does not
                // round-trip every `f64`, so a tree handed over directly could differ).
                let bytes = serde_json::to_vec(&entry).unwrap_or_default();
                let tree: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let expected = reference::parse_entry(tree);
                let actual = parse_entry(entry);
                match (&expected, &actual) {
                    (Ok(expected), Ok(actual)) => prop_assert_eq!(expected, actual),
                    (Err(EntryError::Shape(_)), Err(EntryError::Shape(_))) => {}
                    _ => prop_assert_eq!(expected, actual),
                }
            }
        }

        use super::super::EntryError;
    }
}

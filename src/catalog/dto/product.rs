//! The product mapping: a product object of the contract read field by field with
//! the tolerant kit in `loose`, then checked into a [`Product`]: `gtin` and `title`
//! required, every other field dropped (logged at debug) when malformed.

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess};

use super::EntryError;
use super::loose::{List, Loose, Shape, Slot};
use crate::catalog::{Attribute, Availability, Image, Price, Product, Text};
use crate::gtin::Gtin;

/// The fields of a product object, as read: each optional one already tolerant.
#[derive(Default)]
pub(super) struct Fields {
    gtin: Slot<Loose<Text>>,
    title: Slot<Loose<Text>>,
    brand: Slot<Loose<Text>>,
    description: Slot<Loose<Text>>,
    price: Slot<Loose<PriceDto>>,
    images: Slot<Loose<List<ImageDto>>>,
    categories: Slot<Loose<List<Text>>>,
    attributes: Slot<Loose<Attributes>>,
    availability: Slot<Loose<Text>>,
    updated_at: Slot<Loose<Text>>,
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

/// A product object read and checked into a [`Product`] in one frame
/// ([`Shape::from_map`] below): the fields as read (about 420 bytes) never leave
/// it. Handed back through serde's layers, they were copied at each (memcpy was 5 %
/// of a basket request's CPU under this reader; bench/JOURNAL.md, "Session 22").
pub(super) struct Checked(pub(super) Result<Product, EntryError>);

impl<'de> Shape<'de> for Checked {
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
        Ok(Some(Checked(fields.into_product())))
    }
}

/// A required string field: present and a string, or why not.
fn required(slot: Slot<Loose<Text>>, name: &str) -> Result<Text, EntryError> {
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
        let gtin = Gtin::from_digits(&text).map_err(|reason| EntryError::InvalidGtin {
            gtin: text.into(),
            reason,
        })?;
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
    amount: Text,
    currency: Text,
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
                PriceField::Amount => amount.fill("amount", map.next_value::<Loose<Text>>()?),
                PriceField::Currency => currency.fill("currency", map.next_value::<Loose<Text>>()?),
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
    fn from_tuple(items: Vec<Option<Text>>) -> Option<PriceDto> {
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
    url: Text,
    alt: Option<Text>,
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
                ImageField::Url => url.fill("url", map.next_value::<Loose<Text>>()?),
                ImageField::Alt => alt.fill("alt", map.next_value::<Loose<Text>>()?),
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
) -> Result<Option<Vec<Option<Text>>>, A::Error> {
    let mut items = Vec::with_capacity(count);
    let mut fits = true;
    while let Some(item) = seq.next_element::<Loose<Text>>()? {
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
struct AttributeValue(Option<Text>);

impl Shape<'_> for AttributeValue {
    fn from_str(value: &str) -> Option<Self> {
        Some(AttributeValue(Some(Text::from(value))))
    }
    fn from_string(value: String) -> Option<Self> {
        Some(AttributeValue(Some(Text::from(value))))
    }
    fn from_bool(value: bool) -> Option<Self> {
        Some(AttributeValue(Some(Text::from(if value {
            "true"
        } else {
            "false"
        }))))
    }
    fn from_number(value: serde_json::Number) -> Option<Self> {
        Some(AttributeValue(Some(Text::from(value.to_string()))))
    }
}

impl<'de> Shape<'de> for Attributes {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        // (name, value or None when not a scalar), in arrival order.
        let mut read: Vec<(Text, Option<Option<Text>>)> = Vec::new();
        while let Some((name, value)) = map.next_entry::<Text, Loose<AttributeValue>>()? {
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

//! An item's mapped fields into a [`Product`], with the contract reader's tolerance
//! (`dto`): the title is required, every other field may be missing or malformed
//! without costing the product (a malformed one is dropped and logged at debug).
//!
//! Money is exact: an amount is a decimal string or number as the source wrote it
//! (`"15.50"`, `15.50`), or integer minor units with their fraction digits
//! (`{minor_units: 1550, fraction_digits: 2}` → `"15.50"`); a float computed in jq
//! is refused, since it may already have lost a cent.

use std::borrow::Cow;

use super::jq::{Filter, RunError};
use super::load::ProductFilters;
use super::value::Value;
use crate::catalog::dto::is_decimal;
use crate::catalog::{Attribute, Availability, Image, Price, Product, Text};
use crate::gtin::Gtin;

/// Why an item could not become a product.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ItemError {
    /// A filter failed on the item.
    #[error("`product.{field}` failed: {error}")]
    Filter {
        /// Which field's filter.
        field: &'static str,
        /// jq's error.
        error: RunError,
    },
    /// The title is missing or not text.
    #[error("`product.title` gave {0}, not text")]
    Title(String),
    /// `product.variant` found no part of the item for this key.
    #[error("`product.variant` gave nothing for this key")]
    NoVariant,
}

impl ProductFilters {
    /// The product `gtin` (asked as `key`) read from `item`.
    pub(crate) fn product<'f, V: Value>(
        &'f self,
        item: &V,
        gtin: &Gtin,
        vars: &'f [V; 4],
        cx: V::Cx,
    ) -> Result<Product, ItemError> {
        let part = if self.variant.is_empty() {
            Cow::Borrowed(item)
        } else {
            match first_found(&self.variant, item, vars, cx) {
                Ok(Some(part)) => part,
                Ok(None) => return Err(ItemError::NoVariant),
                Err(error) => {
                    return Err(ItemError::Filter {
                        field: "variant",
                        error,
                    });
                }
            }
        };
        let title =
            match first_found(&self.title, &*part, vars, cx).map_err(|error| ItemError::Filter {
                field: "title",
                error,
            })? {
                Some(value) => value
                    .text()
                    .map(Text::from)
                    .ok_or_else(|| ItemError::Title(value.kind().to_owned()))?,
                None => return Err(ItemError::Title("nothing".to_owned())),
            };
        let part = &*part;
        let optional = |filters: &'f [Filter], name| optional(filters, part, vars, cx, gtin, name);
        Ok(Product {
            gtin: *gtin,
            title,
            brand: optional(&self.brand, "brand").and_then(|v| text_field(&*v, gtin, "brand")),
            description: optional(&self.description, "description")
                .and_then(|v| text_field(&*v, gtin, "description")),
            price: optional(&self.price, "price").and_then(|v| price(&*v, gtin)),
            images: optional(&self.images, "images").map_or_else(Vec::new, |v| images(&*v)),
            categories: optional(&self.categories, "categories")
                .map_or_else(Vec::new, |v| texts(&*v)),
            attributes: optional(&self.attributes, "attributes")
                .map_or_else(Vec::new, |v| attributes(&*v)),
            availability: Availability::from_upstream(
                optional(&self.availability, "availability")
                    .as_deref()
                    .and_then(V::text),
            ),
            updated_at: optional(&self.updated_at, "updated_at").and_then(|v| timestamp(&*v, gtin)),
        })
    }
}

/// An optional field: absent when its filters all fail, as a malformed optional
/// field of the contract is (it must not cost the product).
fn optional<'a, V: Value>(
    filters: &'a [Filter],
    part: &'a V,
    vars: &'a [V; 4],
    cx: V::Cx,
    gtin: &Gtin,
    name: &'static str,
) -> Option<Cow<'a, V>> {
    match first_found(filters, part, vars, cx) {
        Ok(value) => value,
        Err(error) => {
            tracing::debug!(%gtin, field = name, %error, "upstream mapping: dropping a field whose filter failed");
            None
        }
    }
}

/// The first value the filters give, in order, that says something (not `null`,
/// `""` or `[]`: those give way to the next filter; the last filter's value counts
/// as it is, but `null`); the last error when every filter failed.
fn first_found<'a, V: Value>(
    filters: &'a [Filter],
    input: &'a V,
    vars: &'a [V; 4],
    cx: V::Cx,
) -> Result<Option<Cow<'a, V>>, RunError> {
    let mut failed = None;
    let last = filters.len().saturating_sub(1);
    for (i, filter) in filters.iter().enumerate() {
        match V::run(filter, input, vars, cx) {
            Ok(None) => {}
            Ok(Some(value)) if value.is_null() => {}
            Ok(Some(value)) if i < last && value.says_nothing() => {}
            Ok(Some(value)) => return Ok(Some(value)),
            Err(error) => failed = Some(error),
        }
    }
    match failed {
        Some(error) if filters.len() == 1 => Err(error),
        Some(error) => {
            tracing::debug!(%error, "upstream mapping: a fallback filter failed");
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Text, `None` for an empty one or another value (logged).
fn text_field<V: Value>(value: &V, gtin: &Gtin, field: &str) -> Option<Text> {
    let text = value.text().map(Text::from);
    if text.is_none() {
        tracing::debug!(%gtin, field, found = value.kind(), "upstream mapping: dropping a field that is not text");
    }
    text
}

/// RFC 3339 text as it is, or Unix seconds (an integer) as RFC 3339 UTC.
fn timestamp<V: Value>(value: &V, gtin: &Gtin) -> Option<Text> {
    match value.int() {
        Some(seconds) => rfc3339(i64::try_from(seconds).ok()?),
        None => text_field(value, gtin, "updated_at"),
    }
}

/// `seconds` since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (years 1 to 9999).
pub(super) fn rfc3339(seconds: i64) -> Option<Text> {
    let date = crate::gtin::Date::from_unix_days(seconds.div_euclid(86_400))?;
    let time = u32::try_from(seconds.rem_euclid(86_400)).ok()?;
    // Written digit by digit: `format!` was a twentieth of reading a product.
    let mut out = Text::with_capacity(20);
    push_digits(&mut out, u32::from(date.year()), 4);
    for (separator, value) in [
        ('-', u32::from(date.month())),
        ('-', u32::from(date.day())),
        ('T', time / 3600),
        (':', time / 60 % 60),
        (':', time % 60),
    ] {
        out.push(separator);
        push_digits(&mut out, value, 2);
    }
    out.push('Z');
    Some(out)
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut Text, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10_u32.pow(place) % 10;
        out.push(char::from_digit(digit, 10).unwrap_or('0'));
    }
}

/// A list of texts; one text is a list of one.
fn texts<V: Value>(value: &V) -> Vec<Text> {
    match value.list() {
        Some(values) => values
            .iter()
            .filter_map(V::scalar_text)
            .filter(|text| !text.is_empty())
            .map(Text::from)
            .collect(),
        None => value
            .scalar_text()
            .into_iter()
            .filter(|text| !text.is_empty())
            .map(Text::from)
            .collect(),
    }
}

/// Images: URLs, or `{url, alt}` objects; one is a list of one.
fn images<V: Value>(value: &V) -> Vec<Image> {
    let image = |value: &V| {
        if value.is_object() {
            let url = Text::from(value.get_str("url").and_then(V::text)?);
            let alt = value.get_str("alt").and_then(V::text).map(Text::from);
            return Some(Image { url, alt });
        }
        value.text().map(|url| Image {
            url: Text::from(url),
            alt: None,
        })
    };
    match value.list() {
        Some(values) => values.iter().filter_map(image).collect(),
        None => image(value).into_iter().collect(),
    }
}

/// Attributes from an object (name → scalar) or a list of `{name, value}`; sorted
/// by name, a name given twice keeping its last value, nested values dropped.
fn attributes<V: Value>(value: &V) -> Vec<Attribute> {
    let mut read: Vec<(Text, Option<Text>)> = Vec::new();
    let mut add = |name: Option<&str>, value: Option<&V>| {
        let Some(name) = name else { return };
        match value {
            None => read.push((Text::from(name), None)),
            Some(value) if value.is_null() => read.push((Text::from(name), None)),
            Some(value) => {
                if let Some(text) = value.scalar_text() {
                    read.push((Text::from(name), Some(Text::from(text))));
                }
            }
        }
    };
    if let Some(entries) = value.entries() {
        entries
            .into_iter()
            .for_each(|(name, value)| add(name, Some(value)));
    } else if let Some(list) = value.list() {
        for entry in list {
            if let Some(name) = entry.get_str("name") {
                add(name.text(), entry.get_str("value"));
            }
        }
    }
    read.reverse();
    read.sort_by(|a, b| a.0.cmp(&b.0));
    read.dedup_by(|later, kept| later.0 == kept.0);
    read.into_iter()
        .map(|(name, value)| Attribute { name, value })
        .collect()
}

/// A price object, exact; `None` (logged) when it is malformed.
fn price<V: Value>(value: &V, gtin: &Gtin) -> Option<Price> {
    if !value.is_object() {
        tracing::debug!(%gtin, "upstream mapping: dropping a price that is not an object");
        return None;
    }
    let get = |name: &'static str| value.get_str(name);
    let currency = Text::from(
        get("currency")
            .and_then(V::text)
            .filter(|c| !c.is_empty())?,
    );
    let amount = match (get("amount"), get("minor_units")) {
        (Some(amount), None) => decimal(amount),
        (None, Some(units)) => {
            let digits = match get("fraction_digits") {
                None => Some(2),
                Some(digits) => digits
                    .int()
                    .and_then(|digits| usize::try_from(digits).ok())
                    .filter(|d| *d <= 18),
            };
            match (units.int(), digits) {
                (Some(units), Some(digits)) => Some(from_minor_units(units as i128, digits)),
                _ => None,
            }
        }
        _ => None,
    };
    match amount {
        Some(amount) => Some(Price {
            amount: Text::from(amount),
            currency,
        }),
        None => {
            tracing::debug!(%gtin, "upstream mapping: dropping a price without an exact amount");
            None
        }
    }
}

/// A decimal amount as written: a decimal string, an integer, or a JSON number as
/// the source spelled it; never a computed float.
fn decimal<V: Value>(value: &V) -> Option<String> {
    let text = if value.is_text() {
        value.text()?.trim().to_owned()
    } else {
        value.exact_number()?
    };
    is_decimal(&text).then_some(text)
}

/// `1550`, 2 → `"15.50"`; `-5`, 2 → `"-0.05"`; `7`, 0 → `"7"`.
///
/// Written into one string (digits by `itoa`): three `format!`s here were most of
/// what a commercetools price cost to read.
fn from_minor_units(units: i128, digits: usize) -> String {
    let mut buffer = itoa::Buffer::new();
    let magnitude = buffer.format(units.unsigned_abs());
    let mut amount = String::with_capacity(magnitude.len() + digits + 3);
    if units < 0 {
        amount.push('-');
    }
    if digits == 0 {
        amount.push_str(magnitude);
        return amount;
    }
    // Zero-padded to at least one digit before the point: 5 in hundredths is 0.05.
    let zeros = (digits + 1).saturating_sub(magnitude.len());
    amount.extend(std::iter::repeat_n('0', zeros));
    amount.push_str(magnitude);
    amount.insert(amount.len() - digits, '.');
    amount
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::super::jq::parse_json;
    use super::*;

    fn gtin() -> Gtin {
        Gtin::from_digits("4012345000122").unwrap()
    }

    fn price_of(json: &str) -> Option<Price> {
        price(&parse_json(json.as_bytes()).unwrap(), &gtin())
    }

    #[test]
    fn unix_seconds_become_rfc_3339_as_jq_todate_writes_them() {
        // jq's `todate` on these (and Python's datetime) gives the same text.
        for (seconds, expected) in [
            (0i64, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (1_763_474_520, "2025-11-18T14:02:00Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
            (253_402_207_200, "9999-12-30T22:00:00Z"),
        ] {
            assert_eq!(rfc3339(seconds).as_deref(), Some(expected), "{seconds}");
        }
        assert_eq!(rfc3339(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(rfc3339(253_402_300_800), None, "year 10000");
    }

    proptest::proptest! {
        /// Digit by digit, as `format!` wrote it before (kept here as the oracle),
        /// for every second of years 1 to 9999.
        #[test]
        fn rfc_3339_is_written_as_format_wrote_it(seconds in -62_135_596_800i64..253_402_300_800) {
            let date = crate::gtin::Date::from_unix_days(seconds.div_euclid(86_400)).unwrap();
            let time = seconds.rem_euclid(86_400);
            let formatted = format!("{date}T{:02}:{:02}:{:02}Z", time / 3600, time / 60 % 60, time % 60);
            proptest::prop_assert_eq!(rfc3339(seconds), Some(Text::from(formatted)));
        }
    }

    proptest::proptest! {
        /// The amount is the text the `format!`s it replaced wrote.
        #[test]
        fn minor_units_are_written_as_format_wrote_them(
            units in proptest::prop_oneof![proptest::num::i64::ANY, -100_000i64..100_000],
            digits in 0usize..=18,
        ) {
            let units = i128::from(units);
            let sign = if units < 0 { "-" } else { "" };
            let magnitude = units.unsigned_abs().to_string();
            let formatted = if digits == 0 {
                format!("{sign}{magnitude}")
            } else {
                let padded = format!("{magnitude:0>width$}", width = digits + 1);
                let (whole, fraction) = padded.split_at(padded.len() - digits);
                format!("{sign}{whole}.{fraction}")
            };
            proptest::prop_assert_eq!(from_minor_units(units, digits), formatted);
        }
    }

    #[test]
    fn minor_units_become_exact_decimals() {
        assert_eq!(from_minor_units(1550, 2), "15.50");
        assert_eq!(from_minor_units(-5, 2), "-0.05");
        assert_eq!(from_minor_units(7, 0), "7");
        assert_eq!(from_minor_units(1, 3), "0.001");
        let price =
            price_of(r#"{"minor_units": 1999, "fraction_digits": 2, "currency": "EUR"}"#).unwrap();
        assert_eq!(
            (price.amount.as_str(), price.currency.as_str()),
            ("19.99", "EUR")
        );
    }

    #[test]
    fn amounts_keep_the_sources_spelling_and_floats_are_refused() {
        assert_eq!(
            price_of(r#"{"amount": "15.50", "currency": "EUR"}"#)
                .unwrap()
                .amount,
            "15.50"
        );
        assert_eq!(
            price_of(r#"{"amount": 4.10, "currency": "USD"}"#)
                .unwrap()
                .amount,
            "4.10"
        );
        assert_eq!(price_of(r#"{"amount": "1e3", "currency": "USD"}"#), None);
        assert_eq!(price_of(r#"{"amount": "15.50"}"#), None, "no currency");
        assert_eq!(
            price_of(r#"{"minor_units": 15.5, "currency": "EUR"}"#),
            None
        );
    }

    #[test]
    fn attributes_are_sorted_the_last_of_a_name_wins_and_nested_values_drop() {
        let value = parse_json(br#"[{"name":"b","value":1},{"name":"a","value":"x"},{"name":"b","value":true},{"name":"c","value":{"n":1}},{"name":"d","value":null}]"#).unwrap();
        let read: Vec<_> = attributes(&value)
            .into_iter()
            .map(|a| (a.name, a.value))
            .collect();
        assert_eq!(
            read,
            [
                ("a".into(), Some("x".into())),
                ("b".into(), Some("true".into())),
                ("d".into(), None)
            ]
        );
    }
}

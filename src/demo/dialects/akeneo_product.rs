//! A demo product in Akeneo PIM's product format (REST API v1, products by
//! identifier).
//!
//! Followed: `akeneo/pim-api-docs`, `content/concepts/products.md` (values as
//! `{locale, scope, data}` lists; media values hold a file code and, read back, a
//! `_links.download.href`; price collections as `[{amount, currency}]` with the
//! amount a string), `content/swagger/resources/products/` (the product object:
//! `identifier`, `enabled`, `family`, `categories`, `groups`, `parent`, `values`,
//! `associations`, `created`, `updated`, `_links.self`) and the example product in
//! `content/swagger/akeneo-web-api.yaml`.
//!
//! The identifier is the GTIN's 13-digit form (UPC-A and EAN-8 zero-padded); a
//! case pack, whose indicator digit is not 0, keeps its 14 digits. Values: `sku`
//! (the identifier attribute), `ean`, `name` (localizable, in the item's locale
//! only, e.g. `en_US` or `fr_FR`), `description` (localizable and scopable,
//! channel `ecommerce`), `brand`, `price`, `picture` (front) and `picture_2`…
//! (the others), `stock_status` (simple select: `in_stock`, `low_stock`,
//! `out_of_stock`, `discontinued`) and each demo attribute under its name in
//! snake case. Categories are codes of every level of the item's path
//! (`grocery`, `grocery_pantry`, `grocery_pantry_pasta`); the family is the top
//! level's code.
//!
//! What Akeneo's format cannot carry: image alt texts (media values are file
//! codes), category names (they live in the category tree, not the product),
//! availability beyond the select option and `enabled: false` for discontinued
//! items, and attributes with no value (Akeneo omits empty values).

use serde_json::{Value, json};

use super::facts::{language, minor_units, seed_of};
use crate::demo::DemoProduct;
use crate::gtin::Gtin;

/// The identifier Akeneo stores an item under.
pub(super) fn identifier(gtin: &Gtin) -> &str {
    gtin.padded(13).unwrap_or(gtin.gtin14())
}

/// The item an identifier names (`None` unless it is exactly an identifier).
pub(super) fn gtin_of(identifier_text: &str) -> Option<Gtin> {
    let gtin = Gtin::from_digits(identifier_text).ok()?;
    (identifier(&gtin) == identifier_text).then_some(gtin)
}

/// The Akeneo locale code for an ISO 639-1 language.
fn locale(lang: &str) -> &'static str {
    match lang {
        "fr" => "fr_FR",
        "de" => "de_DE",
        "nl" => "nl_NL",
        "da" => "da_DK",
        "pl" => "pl_PL",
        "sv" => "sv_SE",
        "it" => "it_IT",
        "es" => "es_ES",
        _ => "en_US",
    }
}

/// An attribute or category code: ASCII letters, digits and `_`, lowercase, words
/// of camel case split (`glutenFree` → `gluten_free`).
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// A value that is neither localizable nor scopable.
fn plain(data: Value) -> Value {
    json!([{ "locale": null, "scope": null, "data": data }])
}

/// The product in Akeneo's format, its links absolute under `base`
/// (`http://host:port`).
pub(super) fn akeneo_product(base: &str, gtin: &Gtin, product: &DemoProduct) -> Value {
    let id = identifier(gtin);
    let locale = locale(language(gtin));
    let mut values = serde_json::Map::new();
    values.insert("sku".into(), plain(id.into()));
    if id.len() == 13 {
        values.insert("ean".into(), plain(id.into()));
    }
    values.insert(
        "name".into(),
        json!([{ "locale": locale, "scope": null, "data": product.title }]),
    );
    if let Some(description) = &product.description {
        values.insert(
            "description".into(),
            json!([{ "locale": locale, "scope": "ecommerce", "data": description }]),
        );
    }
    if let Some(brand) = &product.brand {
        values.insert("brand".into(), plain(brand.as_str().into()));
    }
    if let Some(price) = &product.price
        && let Some((minor, digits)) = minor_units(&price.amount, &price.currency)
    {
        let amount = if digits == 0 {
            minor.to_string()
        } else {
            let scale = 10i64.pow(digits);
            format!(
                "{}.{:0width$}",
                minor / scale,
                minor % scale,
                width = digits as usize
            )
        };
        values.insert(
            "price".into(),
            plain(json!([{ "amount": amount, "currency": price.currency }])),
        );
    }
    for (n, image) in product.images.iter().enumerate() {
        let file = media_code(gtin, n + 1, &image.url);
        let attribute = if n == 0 {
            "picture".to_owned()
        } else {
            format!("picture_{}", n + 1)
        };
        let href = format!("{base}/api/rest/v1/media-files/{file}/download");
        values.insert(
            attribute,
            json!([{ "locale": null, "scope": null, "data": file, "_links": { "download": { "href": href } } }]),
        );
    }
    values.insert(
        "stock_status".into(),
        plain(product.availability.to_ascii_lowercase().into()),
    );
    for (name, value) in &product.attributes {
        if let Some(value) = value {
            values
                .entry(code(name))
                .or_insert_with(|| plain(value.as_str().into()));
        }
    }
    let categories: Vec<String> = (1..=product.categories.len())
        .map(|depth| code(&product.categories[..depth].join(" ")))
        .collect();
    let mut item = json!({
        "_links": { "self": { "href": format!("{base}/api/rest/v1/products/{id}") } },
        "identifier": id,
        "enabled": product.availability != "DISCONTINUED",
        "family": product.categories.first().map_or_else(|| "general".to_owned(), |c| code(c)),
        "categories": categories,
        "groups": [],
        "parent": null,
        "created": "2025-01-06T09:30:00+00:00",
        "updated": product.updated_at.replace('Z', "+00:00"),
        "associations": {},
        "quantified_associations": {},
    });
    // Moved in, not through `json!`, which would copy it value by value.
    item["values"] = Value::Object(values);
    item
}

/// A media file code as Akeneo makes them: four one-character directories, then
/// a 40-hex-digit hash and the file name.
fn media_code(gtin: &Gtin, n: usize, url: &str) -> String {
    let hash = format!(
        "{:016x}{:016x}{:08x}",
        seed_of(url),
        seed_of(gtin.gtin14()),
        seed_of(&n.to_string()) as u32
    );
    let dirs: Vec<String> = hash.chars().take(4).map(String::from).collect();
    format!("{}/{hash}_{}_{n}.jpg", dirs.join("/"), gtin.gtin14())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_ascii() {
        assert_eq!(code("glutenFree"), "gluten_free");
        assert_eq!(code("sizeChart.01"), "size_chart_01");
        assert_eq!(code("Health & Beauty Hair Care"), "health_beauty_hair_care");
        assert_eq!(code("upcE"), "upc_e");
    }
}

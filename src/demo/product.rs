//! The demo catalog's product object, serialized exactly as catalog-api.md's
//! "Product object". The demo owns this type rather than reusing `catalog`'s DTOs:
//! it stands in for a foreign upstream and must not depend on the client it serves.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// One product as the demo upstream sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoProduct {
    /// The canonical GTIN-14 (the default contract's key form).
    pub gtin: String,
    /// Display title.
    pub title: String,
    /// Brand, when the item has one (omitted otherwise, as the contract allows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Longer text; omitted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Shelf price; omitted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<DemoPrice>,
    /// Images, front first.
    pub images: Vec<DemoImage>,
    /// Category path, broadest first.
    pub categories: Vec<String>,
    /// Attributes in display order, sent as one JSON object (a `null` value means
    /// "known not to apply"); a list here so the order on the wire is ours.
    #[serde(serialize_with = "attributes_as_object")]
    pub attributes: Vec<(String, Option<String>)>,
    /// `IN_STOCK`, `LOW_STOCK`, `OUT_OF_STOCK` or `DISCONTINUED`.
    pub availability: String,
    /// Last change, RFC 3339 UTC.
    pub updated_at: String,
}

/// A price with the amount as a decimal string, as the contract requires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoPrice {
    /// Decimal string such as `"4.99"`.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
}

/// One image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoImage {
    /// Absolute URL on `images.demo-catalog.example` (a reserved name: never fetched).
    pub url: String,
    /// Alternative text.
    pub alt: String,
}

/// Writes the attribute list as one JSON object, keeping the list's order.
fn attributes_as_object<S: Serializer>(
    attributes: &[(String, Option<String>)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(attributes.len()))?;
    for (name, value) in attributes {
        map.serialize_entry(name, value)?;
    }
    map.end()
}

/// The image URL of an item's `n`-th picture.
pub(crate) fn image_url(gtin14: &str, n: usize) -> String {
    format!("https://images.demo-catalog.example/{gtin14}/{n}.jpg")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_demo_product_serializes_as_the_contract_product_object() {
        let product = DemoProduct {
            gtin: "00012345678905".into(),
            title: "Organic Rolled Oats 18 oz".into(),
            brand: Some("Acme Mills".into()),
            description: None,
            price: Some(DemoPrice {
                amount: "4.99".into(),
                currency: "USD".into(),
            }),
            images: vec![DemoImage {
                url: image_url("00012345678905", 1),
                alt: "front".into(),
            }],
            categories: vec!["Grocery".into()],
            attributes: vec![
                ("size".into(), Some("18 oz".into())),
                ("color".into(), None),
            ],
            availability: "IN_STOCK".into(),
            updated_at: "2026-11-20T08:15:00Z".into(),
        };
        let text = serde_json::to_string(&product).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            json!({
                "gtin": "00012345678905",
                "title": "Organic Rolled Oats 18 oz",
                "brand": "Acme Mills",
                "price": { "amount": "4.99", "currency": "USD" },
                "images": [ { "url": "https://images.demo-catalog.example/00012345678905/1.jpg", "alt": "front" } ],
                "categories": [ "Grocery" ],
                "attributes": { "size": "18 oz", "color": null },
                "availability": "IN_STOCK",
                "updatedAt": "2026-11-20T08:15:00Z"
            })
        );
        // The attribute object keeps the list's order on the wire.
        assert!(text.find("\"size\"").unwrap() < text.find("\"color\"").unwrap());
    }
}

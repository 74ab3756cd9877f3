//! The demo catalog's product object, serialized exactly as docs/upstream-contract.md's
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

/// About how large [`DemoProduct::enlarged`] makes a product on the wire, in bytes.
pub const LARGE_PRODUCT_BYTES: usize = 16 * 1024;

/// Sentences the long description of a large product is made of.
const PROSE: [&str; 6] = [
    "Made to the same recipe since the brand began, checked batch by batch before it leaves the plant.",
    "Store in a cool, dry place away from direct sunlight; once opened, keep closed and use within six weeks.",
    "Packed in a recyclable carton printed with vegetable inks; the inner bag goes with soft plastics.",
    "Every lot is traceable from the field to the shelf through the code printed next to the best-before date.",
    "Suitable for everyday use; see the size chart for the measurements of each variant sold under this code.",
    "Customer service answers on working days; have the batch code and the barcode number at hand when calling.",
];

impl DemoProduct {
    /// This product made about [`LARGE_PRODUCT_BYTES`] large, the way real catalogs'
    /// are: a long description, a size chart in the attributes and a dozen images.
    /// The same product always grows the same way (nothing random).
    pub fn enlarged(mut self) -> DemoProduct {
        let gtin = self.gtin.clone();
        let mut description = self.description.take().unwrap_or_default();
        let mut sentence = 0;
        while description.len() < 9 * 1024 {
            description.push(' ');
            description.push_str(PROSE[sentence % PROSE.len()]);
            sentence += 1;
        }
        self.description = Some(description);
        let first_new = self.images.len() + 1;
        self.images
            .extend((first_new..first_new + 12).map(|n| DemoImage {
            url: image_url(&gtin, n),
            alt: format!(
                "view {n} of item {gtin}: detail of the packaging and the label, high resolution"
            ),
        }));
        for row in 1..=48 {
            self.attributes.push((
                format!("sizeChart.{row:02}"),
                Some(format!(
                    "variant {row}: width {w} mm, height {h} mm, depth {d} mm, net weight {g} g, pack of {p}",
                    w = 40 + row * 3,
                    h = 90 + row * 5,
                    d = 20 + row,
                    g = 100 + row * 25,
                    p = 1 + row % 6,
                )),
            ));
        }
        self.categories
            .extend(["Catalog extract", "Large item record"].map(str::to_owned));
        self
    }
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

    #[test]
    fn an_enlarged_product_is_about_16_kb_the_same_each_time_and_keeps_its_identity() {
        let product = crate::demo::DemoCatalog::new()
            .get(&crate::demo::DemoCatalog::generated_gtin(7).unwrap())
            .unwrap();
        let small = serde_json::to_vec(&product).unwrap().len();
        let large = product.clone().enlarged();
        let bytes = serde_json::to_vec(&large).unwrap().len();

        assert!(small < 1024, "{small}");
        assert!(
            (LARGE_PRODUCT_BYTES * 9 / 10..LARGE_PRODUCT_BYTES * 11 / 10).contains(&bytes),
            "{bytes} bytes"
        );
        assert_eq!(large, product.clone().enlarged());
        assert_eq!((large.gtin, large.title), (product.gtin, product.title));
    }
}

//! The demo catalog as commercetools products: which items form one product and
//! how a product is written as a ProductProjection.
//!
//! Followed: `commercetools/commercetools-api-reference`, `api-specs/api/types/
//! product/ProductProjection.raml`, `ProductVariant.raml`,
//! `ProductVariantAvailability.raml`, `types/common/Price.raml`,
//! `CentPrecisionMoney.raml`, `Image.raml` and `examples/product-projection.example.json`.
//!
//! Generated items are grouped three to a product (items 3k, 3k+1, 3k+2; the
//! first is the master variant), so a lookup by one GTIN often finds it in a
//! variant that is not the master; each curated item is a product of its own.
//! A product's key is `p-` and its master's GTIN-14; its id a stable UUID whose
//! last 12 hex digits are that GTIN, so `/{id}` finds it again. The SKU (and
//! variant key) is the GTIN as registered (8, 12, 13 or 14 digits) and the
//! variant attribute `gtin` holds the GTIN-14.
//!
//! What the projection cannot carry: the product `name` and `description` are the
//! master's (a variant's own title is its localized `title` attribute, its own
//! description is lost); names are localized in the item's language only
//! (guessed from the GS1 prefix, so some products have no `en`); categories are
//! references to the leaf category, expanded into a Category (its name and slug
//! in English, its ancestors as references, a made-up order hint) when the
//! request asks `expand=categories[*]` or `categories[0]` (Reference Expansion;
//! `types/category/Category.raml`, `CategoryReference.raml`,
//! `examples/category.example.json`); images have made-up dimensions; availability is
//! `isOnStock` and a made-up `availableQuantity` (100 in stock, 3 low, 0 out or
//! discontinued); attributes with no value are left out.
//!
//! A projection is a typed value serialized in its fields' declared order, which
//! is the documented one ([`super::commercetools::DOCUMENTED_ORDER`]): building a
//! `serde_json::Value` and re-ordering its keys cost the mock more CPU per basket
//! than the gateway spent reading the answer, and on a two-core machine that
//! starved the gateway it was benchmarking. `mod reference` keeps the `Value`
//! builder as the oracle: the bytes must be the same.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::DialectState;
use super::facts::{
    generated_number, language, listing_slice, minor_units, seed_of, slug, stable_uuid, uuid_tail,
};
use crate::demo::{DemoCatalog, DemoProduct};
use crate::gtin::Gtin;

/// Items per generated product.
const GROUP: u32 = 3;

/// The items of the product `gtin` belongs to, master first; `None` when the
/// catalog has no such item.
pub(super) fn members(state: &DialectState, gtin: &Gtin) -> Option<Vec<Gtin>> {
    if !state.catalog.contains(gtin) {
        return None;
    }
    let Some(number) = generated_number(gtin) else {
        return Some(vec![*gtin]);
    };
    let first = number - number % GROUP;
    Some(
        (first..first + GROUP)
            .filter_map(DemoCatalog::generated_gtin)
            .collect(),
    )
}

/// The product key of the product mastered by `master`.
pub(super) fn product_key(master: &Gtin) -> String {
    format!("p-{}", master.gtin14())
}

/// The master GTIN named by a product key (`None` when no product has that key).
pub(super) fn master_of_key(key: &str) -> Option<Gtin> {
    let digits = key.strip_prefix("p-").filter(|d| d.len() == 14)?;
    Gtin::from_digits(digits).ok()
}

/// The master GTIN named by a product id.
pub(super) fn master_of_id(id: &str) -> Option<Gtin> {
    Gtin::from_digits(&format!("{:014}", uuid_tail(id)?)).ok()
}

/// How many products the catalog holds (curated, then generated groups).
pub(super) fn product_count(catalog: &DemoCatalog) -> u64 {
    catalog.curated_gtins().len() as u64 + u64::from(DemoCatalog::GENERATED_ITEMS.div_ceil(GROUP))
}

/// The masters of products `from..from + count`, in catalog order.
pub(super) fn product_slice(catalog: &DemoCatalog, from: u64, count: usize) -> Vec<Gtin> {
    listing_slice(catalog, from, count, |group| {
        group
            .checked_mul(GROUP)
            .and_then(DemoCatalog::generated_gtin)
    })
}

/// A ProductProjection (`types/product/ProductProjection.raml`), its fields in
/// the documented order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Projection {
    pub(super) id: String,
    version: u64,
    pub(super) key: String,
    created_at: &'static str,
    last_modified_at: String,
    product_type: Reference,
    name: Localized,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Localized>,
    slug: Localized,
    categories: Vec<Reference>,
    category_order_hints: Empty,
    search_keywords: Empty,
    has_staged_changes: bool,
    published: bool,
    pub(super) master_variant: Variant,
    pub(super) variants: Vec<Variant>,
    price_mode: &'static str,
    attributes: [Empty; 0],
}

/// A ProductVariant, its fields in the documented order.
#[derive(Debug, Serialize)]
pub(super) struct Variant {
    id: u64,
    pub(super) sku: String,
    pub(super) key: String,
    prices: Vec<Price>,
    pub(super) attributes: Vec<Attribute>,
    images: Vec<Image>,
    assets: [Empty; 0],
    availability: Availability,
}

/// An Attribute: a text, or a text localized in one language.
#[derive(Debug, Serialize)]
pub(super) struct Attribute {
    pub(super) name: String,
    pub(super) value: AttributeValue,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(super) enum AttributeValue {
    Text(String),
    Localized(Localized),
}

/// A Reference (`typeId`, `id`), with the object referred to when expanded.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Reference {
    type_id: &'static str,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    obj: Option<Box<Category>>,
}

/// A Category, its fields in the documented order, as an expanded reference
/// carries it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Category {
    id: String,
    version: u64,
    created_at: &'static str,
    last_modified_at: &'static str,
    name: Localized,
    slug: Localized,
    ancestors: Vec<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<Reference>,
    order_hint: &'static str,
}

/// Which references a request's `expand` parameters expand: a projection's
/// category (`categories[*]`, or `categories[0]`: a demo projection has one).
/// Other expansion paths are not expanded, as commercetools leaves a reference it
/// cannot expand as it is.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Expand {
    category: bool,
}

impl Expand {
    /// The expansion the `expand` parameters' values ask for.
    pub(super) fn of<'a>(paths: impl IntoIterator<Item = &'a str>) -> Expand {
        Expand {
            category: paths
                .into_iter()
                .any(|path| matches!(path, "categories[*]" | "categories[0]")),
        }
    }
}

/// The category whose path is `path` (root first), as an expanded reference
/// carries it.
fn category(path: &[String]) -> Option<Category> {
    let (leaf, _) = path.split_last()?;
    let reference = |depth: usize| Reference {
        type_id: "category",
        id: opaque_id(&path[..=depth].join("/")),
        obj: None,
    };
    let english = |text: String| Localized { lang: "en", text };
    Some(Category {
        id: opaque_id(&path.join("/")),
        version: 1,
        created_at: "2025-01-06T09:30:00.000Z",
        last_modified_at: "2025-01-06T09:30:00.000Z",
        name: english(leaf.clone()),
        slug: english(slug(leaf)),
        ancestors: (0..path.len() - 1).map(reference).collect(),
        parent: path.len().checked_sub(2).map(reference),
        order_hint: "0.5",
    })
}

/// A Price with a CentPrecisionMoney value.
#[derive(Debug, Serialize)]
struct Price {
    id: String,
    value: Money,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Money {
    #[serde(rename = "type")]
    kind: &'static str,
    currency_code: String,
    cent_amount: i64,
    fraction_digits: u32,
}

/// An Image with its AssetDimensions.
#[derive(Debug, Serialize)]
struct Image {
    url: String,
    dimensions: Dimensions,
    label: String,
}

#[derive(Debug, Serialize)]
struct Dimensions {
    w: u32,
    h: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Availability {
    is_on_stock: bool,
    available_quantity: u32,
}

/// `{}`.
#[derive(Debug, Serialize)]
struct Empty {}

/// A LocalizedString holding one language: `{"<lang>": "<text>"}`.
#[derive(Debug)]
pub(super) struct Localized {
    pub(super) lang: &'static str,
    pub(super) text: String,
}

impl Serialize for Localized {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.lang, &self.text)?;
        map.end()
    }
}

/// The items of the product whose master is `master`, master first, each with
/// its demo product (`None` when `master` is no product's master): what both the
/// typed projection and its `Value` oracle write.
fn mastered_by(state: &DialectState, master: &Gtin) -> Option<Vec<(Gtin, DemoProduct)>> {
    let members = members(state, master)?;
    if members.first() != Some(master) {
        return None;
    }
    Some(
        members
            .iter()
            .filter_map(|gtin| Some((*gtin, state.product(gtin)?)))
            .collect(),
    )
}

/// The ProductProjection of the product whose master is `master` (`None` when
/// `master` is no product's master).
pub(super) fn projection(
    state: &DialectState,
    master: &Gtin,
    expand: Expand,
) -> Option<Projection> {
    let products = mastered_by(state, master)?;
    let (_, head) = products.first()?;
    let lang = language(master);
    let key = product_key(master);
    let gtin_number: u64 = master.gtin14().parse().ok()?;
    let last_modified = products.iter().map(|(_, p)| p.updated_at.as_str()).max()?;
    let localized = |text: String| Localized { lang, text };
    let mut variants = products
        .iter()
        .zip(1..)
        .map(|((gtin, product), id)| variant(gtin, product, id));
    let master_variant = variants.next()?;
    Some(Projection {
        id: stable_uuid(seed_of(&key), gtin_number),
        version: 1 + gtin_number % 17,
        product_type: Reference {
            type_id: "product-type",
            id: opaque_id(head.categories.first().map_or("", String::as_str)),
            obj: None,
        },
        name: localized(head.title.clone()),
        description: head.description.clone().map(localized),
        slug: localized(format!("{}-{}", slug(&head.title), master.gtin14())),
        categories: head
            .categories
            .last()
            .map(|_| Reference {
                type_id: "category",
                id: opaque_id(&head.categories.join("/")),
                obj: expand
                    .category
                    .then(|| category(&head.categories).map(Box::new))
                    .flatten(),
            })
            .into_iter()
            .collect(),
        category_order_hints: Empty {},
        search_keywords: Empty {},
        has_staged_changes: false,
        published: true,
        master_variant,
        variants: variants.collect(),
        price_mode: "Embedded",
        created_at: "2025-01-06T09:30:00.000Z",
        last_modified_at: last_modified.replace('Z', ".000Z"),
        attributes: [],
        key,
    })
}

/// A stable UUID for something the demo has no id of its own for (a category, a
/// product type, a price).
fn opaque_id(name: &str) -> String {
    let seed = seed_of(name);
    stable_uuid(seed, seed >> 16)
}

/// An attribute name as commercetools allows it: letters, digits, `_` and `-`.
fn attribute_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// One item as a ProductVariant with id `id` (1 for the master).
fn variant(gtin: &Gtin, product: &DemoProduct, id: u64) -> Variant {
    let sku = gtin.as_own_format().to_owned();
    let mut attributes = vec![
        Attribute {
            name: "gtin".into(),
            value: AttributeValue::Text(gtin.gtin14().to_owned()),
        },
        Attribute {
            name: "title".into(),
            value: AttributeValue::Localized(Localized {
                lang: language(gtin),
                text: product.title.clone(),
            }),
        },
    ];
    if let Some(brand) = &product.brand {
        attributes.push(Attribute {
            name: "brand".into(),
            value: AttributeValue::Text(brand.clone()),
        });
    }
    attributes.extend(product.attributes.iter().filter_map(|(name, value)| {
        Some(Attribute {
            name: attribute_name(name),
            value: AttributeValue::Text(value.clone()?),
        })
    }));
    let prices = product
        .price
        .iter()
        .filter_map(|price| {
            let (cents, digits) = minor_units(&price.amount, &price.currency)?;
            Some(Price {
                id: opaque_id(&format!("price/{sku}")),
                value: Money {
                    kind: "centPrecision",
                    currency_code: price.currency.clone(),
                    cent_amount: cents,
                    fraction_digits: digits,
                },
            })
        })
        .collect();
    let images = product
        .images
        .iter()
        .map(|image| Image {
            url: image.url.clone(),
            dimensions: Dimensions { w: 1200, h: 1200 },
            label: image.alt.clone(),
        })
        .collect();
    let (is_on_stock, available_quantity) = match product.availability.as_str() {
        "IN_STOCK" => (true, 100),
        "LOW_STOCK" => (true, 3),
        _ => (false, 0),
    };
    Variant {
        id,
        key: sku.clone(),
        sku,
        prices,
        attributes,
        images,
        assets: [],
        availability: Availability {
            is_on_stock,
            available_quantity,
        },
    }
}

/// The `Value` builder the typed projection replaced, kept as its oracle: the
/// typed projection's bytes must be the documented-order writing of this value.
#[cfg(test)]
mod reference {
    use serde_json::{Value, json};

    use super::super::DialectState;
    use super::super::facts::{language, minor_units, seed_of, slug, stable_uuid};
    use super::{mastered_by, opaque_id, product_key};
    use crate::demo::DemoProduct;
    use crate::gtin::Gtin;

    /// The ProductProjection of the product whose master is `master` (`None` when
    /// `master` is no product's master).
    pub(in super::super) fn projection(
        state: &DialectState,
        master: &Gtin,
        expand: bool,
    ) -> Option<Value> {
        let products = mastered_by(state, master)?;
        let (_, head) = products.first()?;
        let lang = language(master);
        let key = product_key(master);
        let gtin_number: u64 = master.gtin14().parse().ok()?;
        let last_modified = products.iter().map(|(_, p)| p.updated_at.as_str()).max()?;
        let mut variants = products
            .iter()
            .zip(1..)
            .map(|((gtin, product), id)| variant(gtin, product, id));
        let master_variant = variants.next()?;
        let mut projection = json!({
            "id": stable_uuid(seed_of(&key), gtin_number),
            "version": 1 + gtin_number % 17,
            "key": key,
            "productType": { "typeId": "product-type", "id": opaque_id(head.categories.first().map_or("", String::as_str)) },
            "name": { lang: head.title },
            "slug": { lang: format!("{}-{}", slug(&head.title), master.gtin14()) },
            "categories": head.categories.last().map(|leaf| {
                let path = |depth: usize| head.categories[..=depth].join("/");
                let mut reference = json!({ "typeId": "category", "id": opaque_id(&path(head.categories.len() - 1)) });
                if expand {
                    let ancestors: Vec<Value> = (0..head.categories.len() - 1)
                        .map(|depth| json!({ "typeId": "category", "id": opaque_id(&path(depth)) }))
                        .collect();
                    let mut category = json!({
                        "id": opaque_id(&path(head.categories.len() - 1)),
                        "version": 1,
                        "createdAt": "2025-01-06T09:30:00.000Z",
                        "lastModifiedAt": "2025-01-06T09:30:00.000Z",
                        "name": { "en": leaf },
                        "slug": { "en": slug(leaf) },
                        "orderHint": "0.5",
                    });
                    if let Some(parent) = ancestors.last() {
                        category["parent"] = parent.clone();
                    }
                    category["ancestors"] = Value::Array(ancestors);
                    reference["obj"] = category;
                }
                vec![reference]
            }).unwrap_or_default(),
            "categoryOrderHints": {},
            "masterVariant": null,
            "variants": null,
            "searchKeywords": {},
            "hasStagedChanges": false,
            "published": true,
            "priceMode": "Embedded",
            "createdAt": "2025-01-06T09:30:00.000Z",
            "lastModifiedAt": last_modified.replace('Z', ".000Z"),
            "attributes": [],
        });
        // Moved in, not through `json!`, which would copy them value by value.
        projection["masterVariant"] = master_variant;
        projection["variants"] = Value::Array(variants.collect());
        if let Some(description) = &head.description {
            projection["description"] = json!({ lang: description });
        }
        Some(projection)
    }

    /// One item as a ProductVariant with id `id` (1 for the master).
    fn variant(gtin: &Gtin, product: &DemoProduct, id: u64) -> Value {
        let sku = gtin.as_own_format();
        let mut attributes = vec![
            json!({ "name": "gtin", "value": gtin.gtin14() }),
            json!({ "name": "title", "value": { language(gtin): product.title } }),
        ];
        if let Some(brand) = &product.brand {
            attributes.push(json!({ "name": "brand", "value": brand }));
        }
        attributes.extend(product.attributes.iter().filter_map(|(name, value)| {
            // Attribute names allow letters, digits, `_` and `-` only.
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            Some(json!({ "name": name, "value": value.as_ref()? }))
        }));
        let prices: Vec<Value> = product
            .price
            .iter()
            .filter_map(|price| {
                let (cents, digits) = minor_units(&price.amount, &price.currency)?;
                Some(json!({
                    "id": opaque_id(&format!("price/{sku}")),
                    "value": { "type": "centPrecision", "currencyCode": price.currency, "centAmount": cents, "fractionDigits": digits },
                }))
            })
            .collect();
        let images: Vec<Value> = product
            .images
            .iter()
            .map(|image| json!({ "url": image.url, "label": image.alt, "dimensions": { "w": 1200, "h": 1200 } }))
            .collect();
        let (on_stock, quantity) = match product.availability.as_str() {
            "IN_STOCK" => (true, 100),
            "LOW_STOCK" => (true, 3),
            _ => (false, 0),
        };
        let mut variant = json!({
            "id": id,
            "sku": sku,
            "key": sku,
            "assets": [],
            "availability": { "isOnStock": on_stock, "availableQuantity": quantity },
        });
        // Moved in, not through `json!`, which would copy them value by value.
        variant["prices"] = Value::Array(prices);
        variant["images"] = Value::Array(images);
        variant["attributes"] = Value::Array(attributes);
        variant
    }

    /// Both writings of the product mastered by `gtin` (`None` where it is none).
    fn both(state: &DialectState, gtin: &Gtin, expand: bool) -> (Option<String>, Option<String>) {
        let order = super::super::documented_order::Order::new(
            super::super::commercetools::DOCUMENTED_ORDER,
        );
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap_or_default();
        (
            super::projection(
                state,
                gtin,
                super::Expand::of(expand.then_some("categories[*]")),
            )
            .map(|p| text(serde_json::to_vec(&p).unwrap_or_default())),
            projection(state, gtin, expand).map(|v| text(order.to_json(&v))),
        )
    }

    fn state(large: bool) -> DialectState {
        let demo = crate::demo::DemoSettings {
            large_products: large,
            ..Default::default()
        };
        DialectState::for_tests(super::super::Dialect::Commercetools, demo)
    }

    /// The typed projection writes, byte for byte, what the `Value` builder's
    /// documented-order writing did: every curated product, plain and large.
    #[test]
    fn the_typed_projection_writes_the_reference_bytes_for_curated_products() {
        for (large, expand) in [(false, false), (true, false), (false, true), (true, true)] {
            let state = state(large);
            for gtin in state.catalog.curated_gtins() {
                let (typed, reference) = both(&state, &gtin, expand);
                assert!(typed.is_some(), "{}", gtin.gtin14());
                assert_eq!(typed, reference, "{}", gtin.gtin14());
            }
        }
    }

    proptest::proptest! {
        /// Likewise for generated items anywhere in the range: masters (a
        /// product) and the other members (none).
        #[test]
        fn the_typed_projection_writes_the_reference_bytes_for_generated_items(
            number in 0u32..16_000_000,
            large in proptest::bool::ANY,
            expand in proptest::bool::ANY,
        ) {
            let state = state(large);
            let gtin = crate::demo::DemoCatalog::generated_gtin(number).unwrap();
            let (typed, reference) = both(&state, &gtin, expand);
            proptest::prop_assert_eq!(typed.is_some(), number % 3 == 0);
            proptest::prop_assert_eq!(typed, reference, "{}", gtin.gtin14());
        }
    }
}

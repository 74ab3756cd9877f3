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
//! references to the leaf category (names and path need the Category API, which
//! the demo does not serve); images have made-up dimensions; availability is
//! `isOnStock` and a made-up `availableQuantity` (100 in stock, 3 low, 0 out or
//! discontinued); attributes with no value are left out.

use serde_json::{Value, json};

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
    state.catalog.get(gtin)?;
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

/// The ProductProjection of the product whose master is `master` (`None` when
/// `master` is no product's master).
pub(super) fn projection(state: &DialectState, master: &Gtin) -> Option<Value> {
    let members = members(state, master)?;
    if members.first() != Some(master) {
        return None;
    }
    let products: Vec<(Gtin, DemoProduct)> = members
        .iter()
        .filter_map(|gtin| Some((*gtin, state.product(gtin)?)))
        .collect();
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
        "categories": head.categories.last().map(|_| {
            vec![json!({ "typeId": "category", "id": opaque_id(&head.categories.join("/")) })]
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

/// A stable UUID for something the demo has no id of its own for (a category, a
/// product type, a price).
fn opaque_id(name: &str) -> String {
    let seed = seed_of(name);
    stable_uuid(seed, seed >> 16)
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

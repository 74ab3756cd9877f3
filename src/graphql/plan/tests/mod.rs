//! The plan against the general path: random plannable documents (aliases, field
//! orders, literals and variables, found, missing and failing items, `lookups` lines
//! of every status, operation names) must get byte-identical answers from both;
//! documents the plan must give back (bad `product(s)` codes, over budget, unknown
//! names) must be given back; and every field of every type a plan renders must be
//! planned (with the general path's bytes) or listed as not planned.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::HashMap;
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::compile::{self, NOT_PLANNED};
use crate::cache::{CacheSettings, ProductCache};
use crate::catalog::{Attribute, Availability, Image, InMemoryCatalog, Price, Product};
use crate::graphql::lookup_key::lookup_key;
use crate::graphql::{GatewaySchema, GraphqlSettings, QueryLimits, build_schema};
use crate::gtin::{RcnRegion, parse};
use crate::loader::{LoaderSettings, ProductLoader};

mod coverage;
mod given_back;
mod random;

/// Most GTINs one operation may ask for in these tests: all of `LINE_CODES` in one
/// `lookups`, and random documents of up to four roots over it.
const BUDGET: usize = 18;

/// Found items (spelled several ways below), one missing, one failing, two bad.
const CODES: &[&str] = &[
    "036000291452",   // UPC-A of a found item
    "0036000291452",  // its EAN-13
    "00036000291452", // its GTIN-14
    "96385074",       // EAN-8, found, few fields
    "4006381333931",  // EAN-13, found, every field, text to escape
    "5901234123457",  // EAN-13, not in the catalog
    "4012345000122",  // EAN-13 the catalog fails for
];
/// Codes that make the plan give the request back (the general path words them).
const BAD_CODES: &[&str] = &["4006381333932", "12345"];
const FAILING: &str = "4012345000122";
/// `lookups` lines: every status (found, not found, unavailable, invalid, not a trade
/// item) and every kind of input (spellings, UPC-E, a GB variable-measure label, GS1
/// element strings and Digital Links with their data, expired or not).
const LINE_CODES: &[&str] = &[
    "036000291452",                                                         // UPC-A, found
    "00036000291452",                                                       // its GTIN-14
    "04252614",                              // UPC-E, not in the catalog
    "4006381333931",                         // EAN-13, found, every field
    "96385074",                              // EAN-8, found
    "5901234123457",                         // not in the catalog
    "4012345000122",                         // the catalog fails for it
    "4006381333932",                         // bad check digit
    "12345",                                 // wrong length
    "03600029145X",                          // a letter
    "9912345678909",                         // a coupon
    "2011122912346",                         // GB variable-measure, base found
    "]C101000360002914521720010110LOT\"7\"", // element string, expired, lot
    "https://id.gs1.org/01/04006381333931/10/AB%2FC?17=301231&3103=001250", // Digital Link
    "https://id.gs1.org/01/09506000134352/21/SN1", // Digital Link, not in the catalog
    "]C10100036000291452179912",             // a bad AI value
    "]C101095060001343521526123116261130112501011325010239221250", // every other date, a price
    "]C100106141411234567897",               // an SSCC: a GS1 key, not a GTIN
];
/// The region the test schema decodes variable-measure labels of.
const REGION: RcnRegion = RcnRegion::Gb;

/// Found items of every shape, and `FAILING` failing alone.
fn catalog() -> InMemoryCatalog {
    let bare = |code: &str, title: &str| Product::bare(parse(code).unwrap(), title);
    let tissue = Product {
        brand: Some("Kleenex".to_owned().into()),
        price: Some(Price {
            amount: "4.99".to_owned().into(),
            currency: "USD".to_owned().into(),
        }),
        categories: vec!["Home".to_owned().into(), "Paper".to_owned().into()],
        availability: Availability::LowStock,
        ..bare("036000291452", "Tissue")
    };
    let full = Product {
        brand: Some("Größe \"Quoted\" \\ Brand".to_owned().into()),
        description: Some(
            "Line one\nline two\ttab \u{1} ctrl, emoji 🦀, </script>"
                .to_owned()
                .into(),
        ),
        price: Some(Price {
            amount: "12.50".to_owned().into(),
            currency: "EUR".to_owned().into(),
        }),
        images: vec![
            Image {
                url: "https://img.example/a.jpg?x=1&y=\"2\"".to_owned().into(),
                alt: Some("front".to_owned().into()),
            },
            Image {
                url: "https://img.example/b.jpg".to_owned().into(),
                alt: None,
            },
        ],
        categories: vec!["Stationery".to_owned().into()],
        attributes: vec![
            Attribute {
                name: "colour".to_owned().into(),
                value: Some("blau/grün".to_owned().into()),
            },
            Attribute {
                name: "refill".to_owned().into(),
                value: None,
            },
        ],
        availability: Availability::Discontinued,
        updated_at: Some("2026-04-02T12:40:00Z".to_owned().into()),
        ..bare("4006381333931", "Pen \u{7f} with a \"nib\"")
    };
    let mints = bare("96385074", "Mints");
    let weighed = Product {
        gtin: lookup_key("2011122912346", Some(REGION)).unwrap(),
        ..bare("96385074", "Cheese by weight")
    };
    InMemoryCatalog::new([tissue, full, mints, weighed]).failing(parse(FAILING).unwrap(), "down")
}

fn schema() -> GatewaySchema {
    let loader = ProductLoader::new(
        Arc::new(catalog()),
        ProductCache::new(CacheSettings::default()),
        LoaderSettings {
            window: Duration::ZERO,
            max_batch: NonZeroUsize::new(100).unwrap(),
        },
    );
    build_schema(
        loader,
        GraphqlSettings {
            max_gtins_per_query: BUDGET,
            rcn_region: Some(REGION),
            limits: QueryLimits {
                max_depth: 10,
                max_complexity: 1000,
                max_aliases: 30,
                max_root_fields: 10,
                introspection: true,
            },
            apq_cache_size: NonZeroU64::MIN,
            apq_cache_max_bytes: 1 << 20,
            document_cache_size: 100,
            document_cache_max_bytes: 1 << 20,
            compiled_plans: true,
        },
    )
}

/// A request: the document, its variables, and the operation name it sends.
struct Case {
    query: String,
    variables: Value,
    operation_name: Option<&'static str>,
    /// The root fields' response keys, in the document's order.
    keys: Vec<String>,
}

fn request(case: &Case) -> async_graphql::Request {
    let mut request = async_graphql::Request::new(&case.query)
        .variables(async_graphql::Variables::from_json(case.variables.clone()));
    if let Some(name) = case.operation_name {
        request = request.operation_name(name);
    }
    request
}

/// Runs `case` on both paths; the plan's answer (if any) and the general one.
fn both(
    runtime: &tokio::runtime::Runtime,
    schema: &GatewaySchema,
    case: &Case,
    plan_first: bool,
) -> (Option<Vec<u8>>, Vec<u8>) {
    runtime.block_on(async {
        let planned = || async {
            schema
                .execute_planned(&request(case), None, None)
                .await
                .map(|planned| planned.body)
        };
        let general = || async {
            let response = in_document_order(schema.execute(request(case)).await, &case.keys);
            serde_json::to_vec(&response).unwrap()
        };
        if plan_first {
            let planned = planned().await;
            (planned, general().await)
        } else {
            let general = general().await;
            (planned().await, general)
        }
    })
}

/// async-graphql writes root fields (and their errors) in the order they complete,
/// which depends on which items were cached; the plan writes the document's order
/// (the spec's). The general answer put in that order, which is what it is whenever
/// its fields happen to complete in order.
fn in_document_order(
    mut response: async_graphql::Response,
    keys: &[String],
) -> async_graphql::Response {
    let rank = |key: &str| keys.iter().position(|k| k == key);
    if let async_graphql::Value::Object(fields) = &mut response.data {
        fields.sort_by(|a, _, b, _| rank(a.as_str()).cmp(&rank(b.as_str())));
    }
    response.errors.sort_by_key(|error| {
        let root = match error.path.first() {
            Some(async_graphql::PathSegment::Field(key)) => rank(key),
            _ => None,
        };
        let item = match error.path.get(1) {
            Some(async_graphql::PathSegment::Index(item)) => *item,
            _ => 0,
        };
        (root, item)
    });
    response
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

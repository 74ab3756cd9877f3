//! Executing a typical query end to end through the schema (parse, shape limits,
//! validation, resolvers, loader, product cache) against an in-memory `Catalog`,
//! with the parsed-document cache on and off, to show what the cache saves per
//! request. Also parse alone and validation-heavy work for scale. The product cache
//! is warm, so no iteration waits for a loader window or a catalog.
//!
//! Also the compiled plan against the general path, answer bytes to answer bytes: 20
//! aliases, a 40-product `products` basket, and a till's `lookups` of 27 codes. The host
//! moves a lone run by several microseconds: compare two commits by building each
//! one's bench binary (`--no-run`) and running them in turn.
//!
//! Run: `cargo bench --bench graphql_exec -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs)]

use std::hint::black_box;
use std::num::NonZeroU64;

use catalog_gateway::catalog::{Availability, InMemoryCatalog, Price, Product};
use catalog_gateway::graphql::{GatewaySchema, GraphqlSettings, QueryLimits, build_schema};
use catalog_gateway::gtin::{Gtin, parse};
use catalog_gateway::loader::ProductLoader;
use criterion::{Criterion, criterion_group, criterion_main};

/// The `n`th UPC-A of a test range, with its check digit.
fn upc_a(n: u32) -> String {
    Gtin::with_check_digit(&format!("07771{n:06}"))
        .expect("a test payload is 11 digits")
        .as_own_format()
        .to_owned()
}

fn product(code: &str) -> Product {
    Product {
        gtin: parse(code).expect("test codes are valid"),
        title: format!("item {code}").into(),
        brand: Some("Brand".to_owned().into()),
        description: None,
        price: Some(Price {
            amount: "4.99".to_owned().into(),
            currency: "USD".to_owned().into(),
        }),
        images: Vec::new(),
        categories: vec!["Food".to_owned().into(), "Snacks".to_owned().into()],
        attributes: Vec::new(),
        availability: Availability::InStock,
        updated_at: None,
    }
}

fn schema(document_cache_size: u64, codes: &[String]) -> GatewaySchema {
    // Products in a map: the catalog seam without any I/O.
    let catalog = InMemoryCatalog::new(codes.iter().map(|code| product(code)));
    let loader = ProductLoader::immediate(catalog);
    build_schema(
        loader,
        GraphqlSettings {
            max_gtins_per_query: 1000,
            rcn_region: None,
            limits: QueryLimits {
                max_depth: 12,
                max_complexity: 5000,
                max_aliases: 200,
                max_root_fields: 100,
                introspection: true,
            },
            apq_cache_size: NonZeroU64::MIN.saturating_add(999),
            apq_cache_max_bytes: 4 << 20,
            document_cache_size,
            document_cache_max_bytes: 8 << 20,
            compiled_plans: true,
        },
    )
}

/// Twenty aliased `product` lookups asking what a product page shows.
fn twenty_alias_query(codes: &[String]) -> String {
    let fields: Vec<String> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            format!(
                "p{i}: product(gtin: \"{code}\") {{ gtin upc title brand price {{ amount currency }} categories availability }}"
            )
        })
        .collect();
    format!("query Page {{ {} }}", fields.join(" "))
}

fn bench_execute(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let codes: Vec<String> = (0..20).map(upc_a).collect();
    let query = twenty_alias_query(&codes);

    let mut group = c.benchmark_group("execute_20_aliases");
    for (name, size) in [("document_cache_on", 1000), ("document_cache_off", 0)] {
        let schema = schema(size, &codes);
        // Warm the product cache (and the document cache) and check the answer.
        let response = runtime.block_on(schema.execute(query.as_str()));
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().expect("data is JSON");
        assert_eq!(data["p19"]["upc"], codes[19].as_str());
        group.bench_function(name, |b| {
            b.iter(|| black_box(runtime.block_on(schema.execute(black_box(query.as_str())))))
        });
    }
    group.finish();

    // The same answers as bytes: the general path (execute, then serialize) against
    // the compiled plan (which writes the bytes itself), for the 20 aliases and for a
    // 40-item `products` basket.
    let basket_codes: Vec<String> = (0..40).map(upc_a).collect();
    let basket = format!(
        "query Basket {{ products(gtins: {:?}) {{ gtin title brand price {{ amount currency }} availability }} }}",
        basket_codes
    );
    let schema = schema(1000, &basket_codes);
    // A till's basket as bench/lua/vs_pos.lua sends it: 24 items in four spellings
    // (EAN-13, GTIN-14, scanner payload, Digital Link URI) and three invalid codes, in
    // a variable.
    let pos_codes: Vec<String> = (0..24)
        .map(|n| {
            let upc = upc_a(n);
            match n % 4 {
                0 => format!("0{upc}"),
                1 => format!("00{upc}"),
                2 => format!("]E00{upc}"),
                _ => format!("https://id.gs1.org/01/00{upc}"),
            }
        })
        .chain(["036000291453", "03600029145X", "12345"].map(str::to_owned))
        .collect();
    let pos = "query Pos($codes: [String!]!) { lookups(codes: $codes) { input status product { gtin title brand price { amount currency } availability } gtin { gtin14 kind } error { code reason } } }".to_owned();
    let pos_variables =
        async_graphql::Variables::from_json(serde_json::json!({ "codes": pos_codes }));
    for (workload, query) in [
        ("20_aliases", &query),
        ("basket_40", &basket),
        ("pos_27", &pos),
    ] {
        let mut group = c.benchmark_group(format!("answer_bytes_{workload}"));
        let request = || {
            let request = async_graphql::Request::new(query.as_str());
            if workload == "pos_27" {
                request.variables(pos_variables.clone())
            } else {
                request
            }
        };
        let general = runtime.block_on(schema.execute(request()));
        let general = serde_json::to_vec(&general).expect("serializes");
        let planned = runtime
            .block_on(schema.execute_planned(&request(), None, None))
            .expect("the plan takes it");
        assert_eq!(
            planned.body, general,
            "the plan answers the general path's bytes"
        );
        group.bench_function("general_path", |b| {
            b.iter(|| {
                let response = runtime.block_on(schema.execute(black_box(request())));
                black_box(serde_json::to_vec(&response).expect("serializes"))
            })
        });
        group.bench_function("compiled_plan", |b| {
            b.iter(|| {
                black_box(runtime.block_on(schema.execute_planned(
                    &black_box(request()),
                    None,
                    None,
                )))
            })
        });
        group.finish();
    }

    // async-graphql's pest parser against the gateway's reader of the same grammar
    // (`graphql_syntax`), on a document new to every request of the aliases load.
    let mut group = c.benchmark_group("parse_20_aliases");
    group.bench_function("async-graphql", |b| {
        b.iter(|| {
            async_graphql::parser::parse_query(black_box(query.as_str())).expect("the query parses")
        })
    });
    group.bench_function("graphql_syntax", |b| {
        b.iter(|| {
            catalog_gateway::graphql_syntax::parse_query(black_box(query.as_str()))
                .expect("the query parses")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_execute);
criterion_main!(benches);

//! Reading one upstream answer of 40 products: the native contract's hand-made
//! reader against the mapping engine (jq filters compiled by jaq) with the
//! `catalog-api` preset on the same bytes, and the other presets on their own
//! sources' answers (the demo catalog's dialect servers, on loopback). What a mapped
//! source costs per product, apart from the rest of a request (`make bench-mapped`
//! measures that: gateway CPU per request under load).
//!
//! `cargo bench --profile dist --bench upstream_mapping`

// criterion_group! makes an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use catalog_gateway::catalog::{Mapping, Preset, read_contract_batch};
use catalog_gateway::demo::{
    CallLog, DemoCatalog, DemoSettings, Dialect, DialectSettings, dialect_router,
};
use catalog_gateway::gtin::Gtin;
use criterion::{Criterion, criterion_group, criterion_main};

/// The shipped binary's allocator (src/main.rs): allocation is much of the cost.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const ITEMS: u32 = 40;

/// What reading `body` costs a JSON reader that keeps nothing a mapping needs: serde's
/// `IgnoredAny` (checks it, builds nothing), and sonic-rs, a SIMD reader, building
/// its document whole; under both, no reader of the same bytes that builds the
/// values a preset reads can go (bench/JOURNAL.md, "Session 22").
fn json_floors(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    body: &[u8],
) {
    group.bench_function(format!("{name}, checked only by serde (the floor)"), |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(body)))
    });
    group.bench_function(format!("{name}, read whole by sonic-rs (SIMD)"), |b| {
        b.iter(|| sonic_rs::from_slice::<sonic_rs::Value>(black_box(body)))
    });
    group.bench_function(format!("{name}, checked only by sonic-rs (SIMD)"), |b| {
        b.iter(|| sonic_rs::from_slice::<serde::de::IgnoredAny>(black_box(body)))
    });
}

fn asked() -> Vec<Gtin> {
    (1000..1000 + ITEMS)
        .filter_map(DemoCatalog::generated_gtin)
        .collect()
}

fn mapping(name: &str) -> Mapping {
    let preset = Preset::find(name).expect("a shipped preset");
    let env = |_: &str| Some("bench".to_owned());
    Mapping::from_toml(preset.text, preset.file, &env).expect("the preset loads")
}

/// The answer a dialect server gives to the batch call for `asked`.
fn dialect_body(dialect: Dialect, path_and_query: String) -> Vec<u8> {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let router = dialect_router(
            Arc::new(DemoCatalog::new()),
            DemoSettings::default(),
            DialectSettings::new(dialect),
            CallLog::disabled(),
        );
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let body = reqwest::get(format!("http://{address}{path_and_query}"))
            .await
            .expect("the dialect server answers")
            .bytes()
            .await
            .expect("a body")
            .to_vec();
        server.abort();
        body
    })
}

fn reading(c: &mut Criterion) {
    let asked = asked();
    let native_body = serde_json::to_vec(&serde_json::json!({
        "products": asked.iter().filter_map(|g| DemoCatalog::new().get(g)).collect::<Vec<_>>()
    }))
    .expect("JSON");
    let catalog_api = mapping("catalog-api");
    assert_eq!(
        read_contract_batch(&asked, &native_body),
        catalog_api.read_batch_answer(&asked, &native_body),
        "both readers read the same products"
    );
    // What each source sends for the same 40 products bounds what reading it can
    // cost: printed next to the figures (the presets' sizes are in their names).
    eprintln!("native contract answer: {} bytes", native_body.len());
    let mut group = c.benchmark_group("read 40 products");
    group.bench_function("native contract, hand-made reader", |b| {
        b.iter(|| read_contract_batch(black_box(&asked), black_box(&native_body)))
    });
    group.bench_function("native contract, catalog-api preset", |b| {
        b.iter(|| catalog_api.read_batch_answer(black_box(&asked), black_box(&native_body)))
    });
    // The floor under any reader of an answer: checking it is JSON, keeping
    // nothing (serde_json's IgnoredAny), next to each reader.
    group.bench_function("native contract, checked only (the floor)", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&native_body)))
    });

    let codes = |form: fn(&Gtin) -> String| asked.iter().map(form).collect::<Vec<_>>();
    let off = codes(|g| g.padded(13).unwrap_or(g.gtin14()).to_owned()).join(",");
    let skus = codes(|g| format!("{:?}", g.as_own_format())).join(", ");
    let akeneo = serde_json::json!({"identifier": [{"operator": "IN", "value": codes(|g| g.padded(13).unwrap_or(g.gtin14()).to_owned())}]});
    let sources = [
        (
            "openfoodfacts",
            Dialect::OpenFoodFacts,
            format!("/api/v2/search?code={off}&page_size=100"),
        ),
        (
            "commercetools",
            Dialect::Commercetools,
            format!(
                "/demo/product-projections?limit=100&expand=categories%5B*%5D&where={}",
                urlencode(&format!(
                    "masterVariant(sku in ({skus})) or variants(sku in ({skus}))"
                ))
            ),
        ),
        (
            "akeneo",
            Dialect::Akeneo,
            format!(
                "/api/rest/v1/products?limit=100&search={}",
                urlencode(&akeneo.to_string())
            ),
        ),
    ];
    for (name, dialect, path) in sources {
        let body = dialect_body(dialect, path);
        let preset = mapping(name);
        let found = preset
            .read_batch_answer(&asked, &body)
            .iter()
            .filter(|r| matches!(r, Ok(Some(_))))
            .count();
        assert_eq!(found, asked.len(), "{name}: every product read");
        group.bench_function(format!("{name} preset ({} bytes)", body.len()), |b| {
            b.iter(|| preset.read_batch_answer(black_box(&asked), black_box(&body)))
        });
        group.bench_function(format!("{name}, checked only (the floor)"), |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&body)))
        });
    }
    group.finish();

    // A cold request's read: one product, in the body the preset's own first batch
    // call brings back from its dialect server (commercetools' with its categories
    // expanded, as the preset asks).
    let one = &asked[..1];
    let mut group = c.benchmark_group("read 1 product");
    let native_one = serde_json::to_vec(&serde_json::json!({
        "products": one.iter().filter_map(|g| DemoCatalog::new().get(g)).collect::<Vec<_>>()
    }))
    .expect("JSON");
    group.bench_function(
        format!(
            "native contract, hand-made reader ({} bytes)",
            native_one.len()
        ),
        |b| b.iter(|| read_contract_batch(black_box(one), black_box(&native_one))),
    );
    for (name, dialect, base) in [
        (
            "openfoodfacts",
            Dialect::OpenFoodFacts,
            "http://upstream.test",
        ),
        (
            "commercetools",
            Dialect::Commercetools,
            "http://upstream.test/demo",
        ),
    ] {
        let preset = mapping(name);
        let base: reqwest::Url = base.parse().expect("a URL");
        let (url, _) = preset
            .first_batch_request(&base, one)
            .expect("the batch call");
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let body = dialect_body(dialect, path);
        assert!(
            matches!(preset.read_batch_answer(one, &body)[..], [Ok(Some(_))]),
            "{name}: the product read"
        );
        group.bench_function(format!("{name} preset ({} bytes)", body.len()), |b| {
            b.iter(|| preset.read_batch_answer(black_box(one), black_box(&body)))
        });
        json_floors(&mut group, name, &body);
    }
    json_floors(&mut group, "native contract", &native_one);
    group.finish();

    // What building one batch call costs (its query through jaq, or not), 40 keys.
    let mut group = c.benchmark_group("build the batch call for 40 keys");
    let base: reqwest::Url = "http://upstream.test/project".parse().expect("a URL");
    for preset in catalog_gateway::catalog::mapping::PRESETS {
        let mapping = mapping(preset.name);
        assert!(
            mapping.first_batch_request(&base, &asked).is_ok(),
            "{}",
            preset.name
        );
        group.bench_function(preset.name, |b| {
            b.iter(|| mapping.first_batch_request(black_box(&base), black_box(&asked)))
        });
    }
    group.finish();
    // A cold request's call: one key.
    let mut group = c.benchmark_group("build the batch call for 1 key");
    for preset in catalog_gateway::catalog::mapping::PRESETS {
        let mapping = mapping(preset.name);
        group.bench_function(preset.name, |b| {
            b.iter(|| mapping.first_batch_request(black_box(&base), black_box(one)))
        });
    }
    group.finish();

    c.bench_function("compile every preset", |b| {
        b.iter(|| {
            for preset in catalog_gateway::catalog::mapping::PRESETS {
                let env = |_: &str| Some("bench".to_owned());
                black_box(Mapping::from_toml(preset.text, preset.file, &env).is_ok());
            }
        })
    });
}

/// Percent-encodes a query value (every byte but unreserved ones).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

criterion_group!(benches, reading);
criterion_main!(benches);

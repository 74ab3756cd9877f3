//! What HTTP caching costs a request, through the real gateway over loopback
//! (embedded demo catalog, warm caches): a response-cache hit, the same with a
//! matching `If-None-Match` (304, no body), a miss with the response cache off
//! (the product cache answers; the ETag is computed for every body), and an
//! answer with no product. Plus the ETag hash alone over typical body sizes (XXH3-128,
//! and SHA-256 for comparison).
//! Built only on the public API, so the same file measures a commit without the
//! feature (then the 304 case is a plain 200).
//!
//! Run: `cargo bench --bench http_cache -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs)]

use std::hint::black_box;
use std::net::SocketAddr;

use catalog_gateway::app::Application;
use catalog_gateway::config::Settings;
use criterion::{Criterion, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::xxh3_128;

/// A product of the demo catalog.
const PRODUCT: &str = r#"{"query":"{ product(gtin: \"036000291452\") { gtin title brand price { amount currency } } }"}"#;
const GTIN_ONLY: &str = r#"{"query":"{ gtin(code: \"036000291452\") { gtin14 kind } }"}"#;

/// Starts a gateway with `flags` on a loopback port; returns its `/graphql` URL.
fn start(runtime: &tokio::runtime::Runtime, flags: &[&str]) -> String {
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--metrics",
        "off",
        "--log-format",
        "json",
    ];
    args.extend_from_slice(flags);
    let settings = Settings::from_flags(args).expect("bench flags are valid");
    runtime.block_on(async {
        let mut settings = settings;
        settings.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let app = Application::build(settings).await.expect("gateway starts");
        let url = format!("http://127.0.0.1:{}/graphql", app.port());
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        url
    })
}

fn post(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    url: &str,
    body: &'static str,
    etag: Option<&str>,
) -> (u16, Option<String>) {
    runtime.block_on(async {
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        let response = request.send().await.expect("gateway answers");
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let _ = response.bytes().await.expect("body");
        (status, etag)
    })
}

fn http(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::new();
    let cached = start(&runtime, &[]);
    let uncached = start(&runtime, &["--response-cache", "off"]);
    // Warm both: the product cache, and the response cache of the first.
    let (status, etag) = post(&runtime, &client, &cached, PRODUCT, None);
    assert_eq!(status, 200);
    post(&runtime, &client, &uncached, PRODUCT, None);

    let mut group = c.benchmark_group("http_cache");
    group.bench_function("hit_200", |b| {
        b.iter(|| black_box(post(&runtime, &client, &cached, PRODUCT, None)));
    });
    group.bench_function("hit_if_none_match", |b| {
        b.iter(|| black_box(post(&runtime, &client, &cached, PRODUCT, etag.as_deref())));
    });
    group.bench_function("miss_product_cache", |b| {
        b.iter(|| black_box(post(&runtime, &client, &uncached, PRODUCT, None)));
    });
    group.bench_function("miss_no_product", |b| {
        b.iter(|| black_box(post(&runtime, &client, &uncached, GTIN_ONLY, None)));
    });
    group.finish();
}

fn etag(c: &mut Criterion) {
    let mut group = c.benchmark_group("etag");
    for size in [400, 4_000, 40_000] {
        let body = vec![b'x'; size];
        group.bench_function(format!("xxh3_128/{size}_bytes"), |b| {
            b.iter(|| black_box(xxh3_128(black_box(&body))));
        });
        group.bench_function(format!("sha256/{size}_bytes"), |b| {
            b.iter(|| black_box(Sha256::digest(black_box(&body))));
        });
    }
    group.finish();
}

criterion_group!(benches, http, etag);
criterion_main!(benches);

//! What the router costs a request without the network: the gateway's own routes
//! over its state (embedded demo catalog, warm caches) driven with
//! `tower::ServiceExt::oneshot`, one request at a time on one thread. Every layer
//! (observe, CORS, compression, the `/graphql` edge) and the handler run; no socket,
//! no kernel, no load generator, so a change to the request path is measured
//! without the ±20 % that loopback load shows on a shared host.
//!
//! - `hot_hit`: the hot workload's request (bench/lua/vs_hot.lua), a response-cache
//!   hit;
//! - `product_cache`: the same with the response cache off (planned, the product
//!   cache answers);
//! - `healthz`: a route outside `/graphql`: the edge and a trivial handler.
//!
//! Run: `cargo bench --bench router -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs)]

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use catalog_gateway::app::Application;
use catalog_gateway::config::Settings;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;

/// The hot workload's body (bench/lua/operations.lua's `Product`).
const HOT: &str = r#"{"query":"query Product($gtin: String!) { product(gtin: $gtin) { gtin title brand price { amount currency } availability } }","variables":{"gtin":"00036000291452"}}"#;

/// A gateway's router, built with `flags` over the embedded demo catalog.
fn router(runtime: &tokio::runtime::Runtime, flags: &[&str]) -> Router {
    let mut args = vec!["--listen", "127.0.0.1:0", "--log-format", "json"];
    args.extend_from_slice(flags);
    let settings = Settings::from_flags(args).expect("bench flags are valid");
    runtime.block_on(async {
        let app = Application::build(settings).await.expect("gateway starts");
        let router = app.router();
        // The embedded demo catalog serves while the application lives.
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        router
    })
}

fn post(body: &'static str) -> Request<Body> {
    Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("a valid request")
}

/// Sends `request` and reads the whole answer; its status and length.
async fn send(router: &Router, request: Request<Body>) -> (u16, usize) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    (status, body.len())
}

fn bench_router(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cached = router(&runtime, &[]);
    let uncached = router(&runtime, &["--response-cache", "off"]);
    for router in [&cached, &uncached] {
        let (status, length) = runtime.block_on(send(router, post(HOT)));
        assert_eq!((status, length > 100), (200, true), "the hot query answers");
    }
    let mut group = c.benchmark_group("router");
    group.bench_function("hot_hit", |b| {
        b.iter(|| black_box(runtime.block_on(send(&cached, post(HOT)))));
    });
    group.bench_function("product_cache", |b| {
        b.iter(|| black_box(runtime.block_on(send(&uncached, post(HOT)))));
    });
    group.bench_function("healthz", |b| {
        let healthz = || Request::get("/healthz").body(Body::empty()).expect("valid");
        b.iter(|| black_box(runtime.block_on(send(&cached, healthz()))));
    });
    group.finish();
}

criterion_group!(benches, bench_router);
criterion_main!(benches);

//! The benchmarks' reference point: a bare axum handler that answers `POST /graphql`
//! (and `GET /graphql`) with the same JSON body the gateway returns for the hot-item
//! query, without parsing, validating or executing anything. Its requests/s is the
//! HTTP limit of the machine (same runtime, same HTTP stack, same JSON serializer),
//! and each gateway scenario is reported as a percentage of it.
//!
//! ```sh
//! cargo run --release --example bare_handler -- 127.0.0.1:19099 bench/results/hot_body.json
//! ```
//!
//! The body file is what `bench/run.sh` captured from the gateway for the hot query;
//! without one, the handler builds the same shape from the demo catalog's curated
//! item `036000291452`. The request body is read in full (as a real handler must)
//! and the JSON is serialized again for every response, as the gateway does.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use catalog_gateway::demo::DemoCatalog;
use catalog_gateway::gtin::Gtin;
use serde_json::{Value, json};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let listen: SocketAddr = match args.next().as_deref().unwrap_or("127.0.0.1:19099").parse() {
        Ok(address) => address,
        Err(error) => {
            eprintln!("bare_handler: bad listen address: {error}");
            return ExitCode::from(2);
        }
    };
    let body = match args.next() {
        Some(path) => match std::fs::read(&path)
            .map_err(|error| error.to_string())
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string()))
        {
            Ok(body) => body,
            Err(error) => {
                eprintln!("bare_handler: cannot read {path}: {error}");
                return ExitCode::from(2);
            }
        },
        None => demo_body(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bare_handler: {error}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async move {
        let app = Router::new()
            .route("/graphql", get(graphql).post(graphql))
            .route("/readyz", get(|| async { "ok" }))
            .with_state(Arc::new(body));
        let listener = tokio::net::TcpListener::bind(listen).await?;
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bare_handler: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the request body in full, then serializes the product JSON.
async fn graphql(State(body): State<Arc<Value>>, request: Bytes) -> impl IntoResponse {
    drop(request);
    let bytes = serde_json::to_vec(&*body).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], bytes)
}

/// The hot query's answer built from the demo catalog (same fields as the query in
/// `bench/lua/hot.lua`), for running without a captured body.
fn demo_body() -> Value {
    let product = Gtin::from_digits("036000291452")
        .ok()
        .and_then(|gtin| DemoCatalog::new().get(&gtin));
    let product = product.map(|p| {
        json!({
            "gtin": p.gtin,
            "title": p.title,
            "brand": p.brand,
            "price": p.price.map(|price| json!({"amount": price.amount, "currency": price.currency})),
            "availability": p.availability,
        })
    });
    json!({ "data": { "product": product } })
}

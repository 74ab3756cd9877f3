//! Optional OpenTelemetry export: with `--otlp-endpoint`, the real binary sends its
//! request spans to an OTLP/HTTP collector (here a local one that counts posts).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::json;

use crate::support::{post_graphql, start_binary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_are_exported_to_the_otlp_endpoint() {
    // Arrange: a collector that counts protobuf trace posts.
    let posts = Arc::new(AtomicUsize::new(0));
    let collector = Router::new().route(
        "/v1/traces",
        post({
            let posts = posts.clone();
            move |headers: HeaderMap, body: axum::body::Bytes| async move {
                let protobuf = headers
                    .get("content-type")
                    .is_some_and(|value| value.as_bytes() == b"application/x-protobuf");
                if protobuf && !body.is_empty() {
                    posts.fetch_add(1, Ordering::SeqCst);
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, collector).await });
    let (mut child, address) =
        start_binary(&["--otlp-endpoint", &endpoint, "--drain-delay-ms", "0"]).unwrap();

    // Act: one request, then a clean stop (which flushes the span buffer).
    let query = json!({ "query": "{ product(gtin: \"036000291452\") { title } }" });
    let response = post_graphql(&address, &query, &[]).await;
    assert!(
        response["data"]["product"]["title"].is_string(),
        "{response}"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Assert
    assert!(exit.success());
    assert!(
        posts.load(Ordering::SeqCst) >= 1,
        "the collector received no trace export"
    );
}

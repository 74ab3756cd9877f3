//! Optional OpenTelemetry export: with `--otlp-endpoint`, the real binary sends its
//! request spans to an OTLP/HTTP collector (here a local one that counts posts).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--otlp-endpoint",
            &endpoint,
        ])
        .args(["--drain-delay-ms", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let entry: Value =
            serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap_or_default();
        if entry["message"] == "catalog-gateway listening" {
            break entry["address"].as_str().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    // Act: one request, then a clean stop (which flushes the span buffer).
    let response: Value = reqwest::Client::new()
        .post(format!("http://{address}/graphql"))
        .json(&json!({ "query": "{ product(gtin: \"036000291452\") { title } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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

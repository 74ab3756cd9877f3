//! What operators see: Prometheus metrics after real traffic, request ids echoed
//! and sent on to the upstream, CORS for browser apps and compressed responses.

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde_json::json;

use crate::support::{TestApp, TestUpstream, post_graphql, start_binary_with, upc_a};

#[tokio::test]
async fn metrics_report_requests_errors_upstream_calls_cache_and_build_info() {
    // Arrange
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "One");
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    // Act
    app.query(&format!(
        r#"query Basket {{ products(gtins: ["{}", "bad"]) {{ title }} }}"#,
        upc_a(1)
    ))
    .await;
    app.query(&format!(
        r#"{{ product(gtin: "{}") {{ title }} }}"#,
        upc_a(1)
    ))
    .await;
    let metrics = app.get("/metrics").await.text().await.unwrap();

    // Assert
    for expected in [
        r#"catalog_http_requests_total{route="/graphql",status="200",operation="Basket"}"#,
        r#"catalog_graphql_errors_total{code="INVALID_GTIN"}"#,
        r#"catalog_upstream_calls_total{outcome="ok"}"#,
        "catalog_upstream_keys_per_call_bucket",
        "catalog_http_request_duration_seconds_bucket",
        "catalog_cache_hits_total",
        "catalog_upstream_breaker_state 0",
        "catalog_http_in_flight_requests",
        "catalog_build_info{",
    ] {
        assert!(
            metrics.contains(expected),
            "missing {expected} in:\n{metrics}"
        );
    }
}

#[tokio::test]
async fn a_request_id_is_echoed_and_sent_on_to_the_upstream() {
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(2), "Two");
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let query = json!({ "query": format!(r#"{{ product(gtin: "{}") {{ title }} }}"#, upc_a(2)) });

    let given = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-request-id", "till-7-basket-42")
        .json(&query)
        .send()
        .await
        .unwrap();
    let generated = app.get("/healthz").await;

    assert_eq!(given.headers()["x-request-id"], "till-7-basket-42");
    let calls = upstream.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].request_id.as_deref(), Some("till-7-basket-42"));
    let made = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(made.len(), 36, "a generated UUID: {made}");
}

#[tokio::test]
async fn cors_preflight_is_answered_for_allowed_origins_only() {
    let app = TestApp::spawn(None, &["--cors-allow-origins", "http://localhost:5173"]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };

    let allowed = preflight("http://localhost:5173").await.unwrap();
    let refused = preflight("http://evil.example").await.unwrap();

    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn(None, &[]).await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();

    for encoding in ["gzip", "br"] {
        let response = client
            .get(format!("{}/assets/graphiql/graphiql.min.js", app.address))
            .header(ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[CONTENT_ENCODING], encoding);
        let size = response.bytes().await.unwrap().len();
        assert!(size < 400_000, "{encoding}: {size} bytes");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_writes_one_json_line_per_graphql_request_with_its_fields() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    use serde_json::Value;

    // Arrange: the real binary (its log writer is a thread of its own).
    let (mut child, address) = start_binary_with(&["--drain-delay-ms", "0"], |command| {
        command.stdout(Stdio::piped());
    })
    .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();

    // Act: one GraphQL request and a probe, then a clean stop.
    let shelf = json!({ "query": "query Shelf { product(gtin: \"036000291452\") { title } }" });
    let response = post_graphql(&address, &shelf, &[("x-request-id", "log-line-1")]).await;
    let client = reqwest::Client::new();
    client
        .get(format!("http://{address}/readyz"))
        .send()
        .await
        .unwrap();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let rest: Vec<Value> = tokio::task::spawn_blocking(move || {
        let rest = lines
            .map(|line| serde_json::from_str(&line.unwrap()).unwrap())
            .collect();
        child.wait().unwrap();
        rest
    })
    .await
    .unwrap();

    // Assert: exactly one request line (probes log at debug), with every field.
    assert!(
        response["data"]["product"]["title"].is_string(),
        "{response}"
    );
    let requests: Vec<&Value> = rest.iter().filter(|e| e["message"] == "request").collect();
    assert_eq!(requests.len(), 1, "{rest:?}");
    let line = requests[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["request_id"], "log-line-1");
    assert_eq!(line["method"], "POST");
    assert_eq!(line["route"], "/graphql");
    assert_eq!(line["status"], 200);
    assert_eq!(line["operation"], "Shelf");
    assert_eq!(line["errors"], 0);
    assert!(line["duration_ms"].as_f64().is_some(), "{line}");
    for count in [
        "cache_hits",
        "fetched_keys",
        "shared_keys",
        "upstream_batches",
    ] {
        assert!(line[count].as_u64().is_some(), "{count} in {line}");
    }
    assert!(line["timestamp"].is_string(), "{line}");
}

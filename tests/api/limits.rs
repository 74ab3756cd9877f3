//! Client limits: each abusive request gets a clear error code and the right HTTP
//! status, and costs no upstream call.

use std::time::Duration;

use serde_json::json;

use crate::support::{self, TestApp, TestUpstream, error_codes, upc_a};

/// The gateway with `flags` in front of an upstream holding item 1, "One".
async fn app_with(flags: &[&str]) -> (TestUpstream, TestApp) {
    support::app_with([(upc_a(1), "One".to_owned())], flags).await
}

fn first_code(response: &serde_json::Value) -> String {
    error_codes(response)
        .first()
        .map(|(code, _)| code.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let (upstream, app) = app_with(&["--max-body-bytes", "1024"]).await;
    let padding = "x".repeat(2048);

    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": format!("{{ gtin(code: \"1\") {{ valid }} }} # {padding}") }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 413);
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn a_batch_with_too_many_operations_is_400_too_many_operations() {
    let (upstream, app) = app_with(&["--max-operations", "2"]).await;
    let operation =
        json!({ "query": format!("{{ product(gtin: \"{}\") {{ title }} }}", upc_a(1)) });

    let (status, body) = app
        .post_json(json!([operation, operation, operation]))
        .await;

    assert_eq!(status, 400);
    assert_eq!(first_code(&body), "TOO_MANY_OPERATIONS", "{body}");
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn ten_thousand_aliases_are_refused_before_any_lookup() {
    // The body limit alone would refuse this 380 kB document; lift it to reach the alias check.
    let (upstream, app) = app_with(&["--max-body-bytes", "1000000"]).await;
    let item = upc_a(1);
    let fields: String = (0..10_000)
        .map(|i| format!("a{i}: product(gtin: \"{item}\") {{ title }} "))
        .collect();

    let response = app.query(&format!("{{ {fields} }}")).await;

    assert_eq!(first_code(&response), "TOO_MANY_ALIASES", "{response}");
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn too_many_root_fields_are_refused() {
    let (_upstream, app) = app_with(&["--max-root-fields", "3"]).await;

    let response = app
        .query(r#"{ gtin(code: "1") { valid } ... on Query { b: gtin(code: "2") { valid } c: gtin(code: "3") { valid } d: gtin(code: "4") { valid } } }"#)
        .await;

    assert_eq!(first_code(&response), "TOO_MANY_ROOT_FIELDS", "{response}");
}

#[tokio::test]
async fn a_query_too_deep_or_too_complex_is_refused_with_its_code() {
    let (_upstream, app) = app_with(&["--max-depth", "2", "--max-complexity", "3"]).await;

    let deep = app
        .query(r#"{ gtin(code: "1") { gs1Prefix { prefix } } }"#)
        .await;
    let complex = app
        .query(r#"{ gtin(code: "1") { valid input gtin14 gtin13 } }"#)
        .await;

    assert_eq!(first_code(&deep), "QUERY_TOO_DEEP", "{deep}");
    assert_eq!(first_code(&complex), "QUERY_TOO_COMPLEX", "{complex}");
}

#[tokio::test]
async fn over_the_in_flight_cap_requests_are_shed_with_503_and_retry_after() {
    // Arrange: a slow upstream keeps two requests in flight.
    let (upstream, app) = app_with(&["--max-in-flight", "2"]).await;
    upstream.set_delay(Duration::from_millis(300));
    let query = json!({ "query": format!("{{ product(gtin: \"{}\") {{ title }} }}", upc_a(1)) });

    // Act
    let requests = (0..8).map(|_| {
        let request = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&query);
        async move { request.send().await.unwrap() }
    });
    let responses = futures::future::join_all(requests).await;

    // Assert
    let mut served = 0;
    let mut shed = 0;
    for response in responses {
        match response.status().as_u16() {
            200 => {
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(body["data"]["product"]["title"], "One", "{body}");
                served += 1;
            }
            503 => {
                assert_eq!(response.headers()["retry-after"], "1");
                shed += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(served >= 2 && shed >= 1, "served {served}, shed {shed}");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "health is never shed"
    );
}

#[tokio::test]
async fn lookups_past_the_request_deadline_are_upstream_timeout_per_item() {
    let (upstream, app) = app_with(&["--request-timeout-ms", "100"]).await;
    upstream.set_delay(Duration::from_millis(400));

    let response = app
        .query(&format!(
            r#"{{ products(gtins: ["{}", "bad"]) {{ title }} gtin(code: "{}") {{ valid }} }}"#,
            upc_a(1),
            upc_a(1)
        ))
        .await;

    let codes = error_codes(&response);
    assert!(
        codes.contains(&("UPSTREAM_TIMEOUT".to_owned(), json!(["products", 0]))),
        "{response}"
    );
    assert!(
        codes.contains(&("INVALID_GTIN".to_owned(), json!(["products", 1]))),
        "{response}"
    );
    assert_eq!(response["data"]["gtin"]["valid"], true);
}

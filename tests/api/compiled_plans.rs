//! Compiled plans end to end: the same requests sent to a gateway with plans (the
//! defaults) and to one without (`--compiled-plans off`) over one real upstream get
//! byte-identical HTTP answers, failures included, and so they do with every
//! protection on (trusted documents, API keys, cost, rate limits): protection is
//! decided before execution and keeps the fast path.

use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{Failure, TestApp, TestUpstream, temp_file, upc_a, with_check_digit};

/// POSTs `body` and returns the status, content type and raw bytes.
async fn raw(app: &TestApp, body: &Value) -> (u16, String, Vec<u8>) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn plans_answer_byte_for_byte_what_the_general_path_answers() {
    // Arrange: a rich product (text to escape, every field), a bare one, a missing
    // one, and one whose calls fail.
    let upstream = TestUpstream::start().await;
    let rich = upc_a(1);
    let gtin14 = format!("00{rich}");
    upstream.insert(
        &rich,
        json!({
            "gtin": gtin14, "title": "Pen \"nib\" \u{7f} </script>", "brand": "Größe \\ Brand",
            "description": "line\nnext\ttab 🦀", "price": { "amount": "12.50", "currency": "EUR" },
            "images": [{ "url": "https://img.example/a.jpg?x=\"1\"", "alt": "front" },
                       { "url": "https://img.example/b.jpg" }],
            "categories": ["Office", "Pens"],
            "attributes": { "colour": "blau", "refill": null },
            "availability": "LOW_STOCK", "updatedAt": "2026-04-02T12:40:00Z"
        }),
    );
    let bare = upc_a(2);
    upstream.insert_product(&bare, "Mints");
    let missing = upc_a(3);
    let failing = with_check_digit("400638133393");
    upstream.fail_calls_with_key(&failing, Failure::Status(500));
    let planned = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let general = TestApp::spawn(Some(&upstream.url()), &["--compiled-plans", "off"]).await;
    let every_field = "gtin gtin13 upc title brand description price { amount currency __typename } \
        images { url alt } categories attributes { name value } availability servedStale updatedAt __typename";
    let requests = [
        json!({ "query": format!(r#"{{ product(gtin: "{rich}") {{ {every_field} }} }}"#) }),
        json!({
            "query": format!("query One($g: String!) {{ product(gtin: $g) {{ {every_field} }} }}"),
            "variables": { "g": format!("0{rich}") },
            "operationName": "One",
        }),
        json!({
            "query": "query Basket($gtins: [String!]!) { products(gtins: $gtins) { gtin title price { amount } } }",
            "variables": { "gtins": [gtin14, bare, missing, format!("0{bare}"), rich] },
        }),
        json!({
            "query": format!(
                r#"{{ a: product(gtin: "{bare}") {{ title }} __typename b: product(gtin: "{missing}") {{ gtin }} }}"#
            ),
        }),
        // Failures: a failed list item is null with its error; a failed root field.
        json!({
            "query": format!(r#"{{ products(gtins: ["{bare}", "{failing}", "{missing}"]) {{ title }} }}"#),
        }),
        json!({ "query": format!(r#"{{ product(gtin: "{failing}") {{ title }} }}"#) }),
        // Given back to the general path by the plan: a bad code, a fragment.
        json!({ "query": r#"{ product(gtin: "4006381333932") { title } }"# }),
        json!({
            "query": format!(r#"{{ product(gtin: "{rich}") {{ ...F }} }} fragment F on Product {{ title }}"#),
        }),
    ];

    for body in &requests {
        // Act: the same request to both, in the same order (so their caches agree).
        let from_general = raw(&general, body).await;
        let from_plans = raw(&planned, body).await;

        // Assert
        assert_eq!(
            (
                from_plans.0,
                &from_plans.1,
                String::from_utf8_lossy(&from_plans.2)
            ),
            (
                from_general.0,
                &from_general.1,
                String::from_utf8_lossy(&from_general.2)
            ),
            "{body}"
        );
    }
    // The plans were used (the counter exists only once one answered).
    let metrics = planned.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("catalog_graphql_planned_total"),
        "{metrics}"
    );
}

/// POSTs `body` with an API key; the status, the headers a client reads and the bytes.
async fn protected(app: &TestApp, body: &Value) -> (u16, Vec<(String, String)>, String) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("x-api-key", "till-key")
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            name.starts_with("ratelimit") || name == "content-type" || name == "cache-control"
        })
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    headers.sort();
    let body = String::from_utf8_lossy(&response.bytes().await.unwrap()).into_owned();
    (status, headers, body)
}

#[tokio::test]
async fn with_every_protection_on_plans_still_answer_and_byte_for_byte_with_the_same_headers() {
    // Arrange: two gateways with the same protection, one with plans and one without.
    let upstream = TestUpstream::start().await;
    let bare = upc_a(21);
    upstream.insert_product(&bare, "Mints");
    let missing = upc_a(22);
    let one = "query One($g: String!) { product(gtin: $g) { gtin title __typename } }";
    let basket =
        "query Basket($g: [String!]!) { products(gtins: $g) { gtin title price { amount } } }";
    let operations = json!({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [
            { "id": "one-id", "name": "One", "type": "query", "body": one },
            { "id": "basket-id", "name": "Basket", "type": "query", "body": basket },
        ],
    });
    let manifest = temp_file("manifest.json", &operations.to_string());
    let digest: String = sha2::Sha256::digest(b"till-key")
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let keys = json!({ "keys": [{ "sha256": digest, "client": "till" }] });
    let keys = temp_file("keys.json", &keys.to_string());
    let protection = [
        "--trusted-documents",
        manifest.as_str(),
        "--trusted-documents-mode",
        "enforce",
        "--api-keys",
        keys.as_str(),
        "--max-cost",
        "100",
        "--rate-limit",
        "100000",
        "--rate-limit-burst",
        "1000000",
    ];
    let planned = TestApp::spawn(Some(&upstream.url()), &protection).await;
    let off: Vec<&str> = protection
        .iter()
        .copied()
        .chain(["--compiled-plans", "off"])
        .collect();
    let general = TestApp::spawn(Some(&upstream.url()), &off).await;
    let requests = [
        // By id, asking for the cost, and not; by full text; with a missing product.
        json!({ "documentId": "basket-id", "variables": { "g": [bare, missing, format!("0{bare}")] },
                "extensions": { "cost": true } }),
        json!({ "extensions": { "documentId": "basket-id", "cost": true },
                "variables": { "g": [missing] } }),
        json!({ "query": one, "variables": { "g": bare }, "operationName": "One" }),
        json!({ "query": one, "variables": { "g": missing }, "extensions": { "cost": true } }),
        json!({ "query": basket, "variables": { "g": [bare] } }),
        // The same again: now answered from the response cache by both.
        json!({ "query": basket, "variables": { "g": [bare] } }),
        // Refused alike: not in the manifest; over the cost limit.
        json!({ "query": "{ product(gtin: \"036000291452\") { title } }" }),
        json!({ "documentId": "basket-id", "variables": { "g": (0..101).map(upc_a).collect::<Vec<_>>() } }),
    ];

    let planned_before = planned_total(&planned).await;

    for body in &requests {
        // Act
        let from_general = protected(&general, body).await;
        let from_plans = protected(&planned, body).await;

        // Assert: the same bytes and headers; `max-age` counts down from when each
        // gateway fetched the product, so the two may be a second apart.
        let (plans_age, general_age) = (max_age(&from_plans.1), max_age(&from_general.1));
        assert!(
            plans_age.abs_diff(general_age) <= 1,
            "{body}: max-age {plans_age} vs {general_age}"
        );
        assert_eq!(
            without_max_age(from_plans),
            without_max_age(from_general),
            "{body}"
        );
    }
    // Five executed requests, each answered by its plan (the repeat was a cache hit;
    // the counter is the process's, so other tests may add to it, never take away).
    let planned_after = planned_total(&planned).await;
    assert!(
        planned_after - planned_before >= 5.0,
        "{planned_before} -> {planned_after}"
    );
}

/// The `max-age` of an answer's `cache-control` (0 without one).
fn max_age(headers: &[(String, String)]) -> u64 {
    headers
        .iter()
        .filter(|(name, _)| name == "cache-control")
        .flat_map(|(_, value)| value.split(','))
        .find_map(|directive| directive.trim().strip_prefix("max-age=")?.parse().ok())
        .unwrap_or(0)
}

/// An answer with its `max-age` value blanked, everything else as it was.
fn without_max_age(
    (status, headers, body): (u16, Vec<(String, String)>, String),
) -> (u16, Vec<(String, String)>, String) {
    let headers = headers
        .into_iter()
        .map(|(name, value)| {
            let value = value
                .split(',')
                .map(
                    |directive| match directive.trim().strip_prefix("max-age=") {
                        Some(_) => "max-age=N".to_owned(),
                        None => directive.trim().to_owned(),
                    },
                )
                .collect::<Vec<_>>()
                .join(", ");
            (name, value)
        })
        .collect();
    (status, headers, body)
}

/// `catalog_graphql_planned_total` now.
async fn planned_total(app: &TestApp) -> f64 {
    let metrics = app.get("/metrics").await.text().await.unwrap();
    metrics
        .lines()
        .filter(|line| line.starts_with("catalog_graphql_planned_total"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

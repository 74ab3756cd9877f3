//! Compiled plans end to end: the same requests sent to a gateway with plans (the
//! defaults) and to one without (`--document-cache-size 0` turns them off) over one
//! real upstream get byte-identical HTTP answers, failures included.

use serde_json::{Value, json};

use crate::helpers::{TestApp, upc_a, with_check_digit};
use crate::upstream::{Failure, TestUpstream};

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
    let general = TestApp::spawn(Some(&upstream.url()), &["--document-cache-size", "0"]).await;
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

//! `product`, `products`, `lookups` and `gtin` over real HTTP against a real upstream:
//! every spelling is one product, bad input is a per-item error without an upstream
//! call, and key formats and fan-out mode reach the upstream as the contract says.

use std::num::NonZeroUsize;

use serde_json::{Value, json};

use crate::support::{TestApp, TestUpstream, error_codes, spellings, upc_a};

const TISSUE: &str = "036000291452";

async fn upstream_with(items: &[(&str, &str)]) -> TestUpstream {
    let upstream = TestUpstream::start().await;
    for (gtin, title) in items {
        upstream.insert_product(gtin, title);
    }
    upstream
}

#[tokio::test]
async fn every_spelling_of_an_item_returns_the_same_product() {
    // Arrange
    let upstream = upstream_with(&[(TISSUE, "Tissue")]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let mut all = spellings(TISSUE);
    all.push("\u{a0}036000291452\u{3000}".to_owned()); // Unicode white space is trimmed

    for spelling in all {
        // Act
        let response = app
            .query_with(
                "query($g: String!) { product(gtin: $g) { gtin gtin13 upc title } }",
                json!({ "g": spelling }),
            )
            .await;

        // Assert
        assert_eq!(
            response["data"]["product"],
            json!({ "gtin": "00036000291452", "gtin13": "0036000291452", "upc": TISSUE, "title": "Tissue" }),
            "spelling {spelling:?}: {response}"
        );
    }
}

#[tokio::test]
async fn upc_e_isbn_and_gtin8_spellings_find_their_items() {
    let upstream = upstream_with(&[
        ("042100005264", "Crackers"),
        ("9780471117094", "Signals"),
        ("96385074", "Mints"),
    ])
    .await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query(
            r#"{ upcE: product(gtin: "04252614") { gtin title }
                 isbn: product(gtin: "978-0-471-11709-4") { gtin title }
                 isbn10: product(gtin: "0-471-11709-9") { title }
                 ean8: product(gtin: "96385074") { gtin title } }"#,
        )
        .await;

    assert_eq!(
        response["data"]["upcE"]["gtin"], "00042100005264",
        "{response}"
    );
    assert_eq!(response["data"]["isbn"]["title"], "Signals");
    assert_eq!(response["data"]["isbn10"]["title"], "Signals");
    assert_eq!(response["data"]["ean8"]["gtin"], "00000096385074");
}

#[tokio::test]
async fn product_not_in_the_catalog_is_null_without_an_error() {
    let upstream = upstream_with(&[]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query(r#"{ product(gtin: "036000291452") { title } }"#)
        .await;

    assert_eq!(response["data"]["product"], Value::Null);
    assert!(response.get("errors").is_none(), "{response}");
}

#[tokio::test]
async fn invalid_gtin_is_an_error_with_reason_and_hint_and_no_upstream_call() {
    let upstream = upstream_with(&[(TISSUE, "Tissue")]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query(r#"{ product(gtin: "36000291452") { title } }"#)
        .await;

    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "INVALID_GTIN", "{response}");
    assert_eq!(error["extensions"]["reason"], "INVALID_LENGTH");
    assert!(
        error["extensions"]["hint"]
            .as_str()
            .unwrap_or_default()
            .contains(TISSUE),
        "{response}"
    );
    assert_eq!(error["path"], json!(["product"]));
    assert_eq!(response["data"]["product"], Value::Null);
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn coupons_and_refund_receipts_are_not_a_trade_item_without_an_upstream_call() {
    let upstream = upstream_with(&[]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query(r#"{ coupon: product(gtin: "9912345678909") { title } refund: product(gtin: "9801234567892") { title } }"#)
        .await;

    let codes: Vec<String> = error_codes(&response)
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    assert_eq!(
        codes,
        ["NOT_A_TRADE_ITEM", "NOT_A_TRADE_ITEM"],
        "{response}"
    );
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn products_keeps_length_and_order_with_per_item_errors_at_their_paths() {
    // Arrange
    let upstream = upstream_with(&[(TISSUE, "Tissue"), ("96385074", "Mints")]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    // Act
    let response = app
        .query(
            r#"{ products(gtins: ["96385074", "5901234123458", "0036000291452", "4006381333931", "12345"]) { gtin title } }"#,
        )
        .await;

    // Assert
    assert_eq!(
        response["data"]["products"],
        json!([
            { "gtin": "00000096385074", "title": "Mints" },
            null,
            { "gtin": "00036000291452", "title": "Tissue" },
            null,
            null
        ]),
        "{response}"
    );
    assert_eq!(
        error_codes(&response),
        vec![
            ("INVALID_GTIN".to_owned(), json!(["products", 1])),
            ("INVALID_GTIN".to_owned(), json!(["products", 4])),
        ]
    );
    assert_eq!(upstream.call_count(), 1);
}

#[tokio::test]
async fn an_upstream_failure_is_a_per_item_error_and_good_items_are_still_returned() {
    // Arrange: max batch 1, so each item is its own call, and one of them fails.
    let upstream = upstream_with(&[(TISSUE, "Tissue"), ("96385074", "Mints")]).await;
    upstream.fail_calls_with_key("00000096385074", crate::support::Failure::Status(500));
    let app = TestApp::spawn_with(Some(&upstream.url()), |s| {
        s.upstream.client.max_batch = NonZeroUsize::MIN;
    })
    .await;

    // Act
    let response = app
        .query(r#"{ products(gtins: ["96385074", "036000291452"]) { title } }"#)
        .await;

    // Assert
    assert_eq!(
        response["data"]["products"],
        json!([null, { "title": "Tissue" }]),
        "{response}"
    );
    assert_eq!(
        error_codes(&response),
        vec![("UPSTREAM_UNAVAILABLE".to_owned(), json!(["products", 0]))]
    );
    let message = response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        !message.contains("127.0.0.1"),
        "upstream detail leaked: {message}"
    );
}

#[tokio::test]
async fn a_list_over_the_limit_is_refused_with_too_many_gtins() {
    let upstream = upstream_with(&[]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &["--max-gtins-per-query", "3"]).await;

    let response = app
        .query_with(
            "query($g: [String!]!) { products(gtins: $g) { title } }",
            json!({ "g": (0..4).map(upc_a).collect::<Vec<_>>() }),
        )
        .await;

    assert_eq!(error_codes(&response)[0].0, "TOO_MANY_GTINS", "{response}");
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn every_key_format_sends_keys_the_upstream_understands() {
    for (format, width, expected_key) in [
        ("gtin14", 14, "00036000291452"),
        ("gtin13", 13, "0036000291452"),
        ("upc", 12, TISSUE),
    ] {
        // Arrange: an upstream that only knows keys of its own width.
        let upstream = upstream_with(&[(TISSUE, "Tissue")]).await;
        upstream.strict_key_width(Some(width));
        let app = TestApp::spawn(Some(&upstream.url()), &["--upstream-key-format", format]).await;

        // Act: a case pack (indicator 1) has no UPC or EAN-13 key.
        let response = app
            .query(r#"{ a: product(gtin: "0036000291452") { title } case: product(gtin: "10036000291459") { title } }"#)
            .await;

        // Assert
        assert_eq!(
            response["data"]["a"]["title"], "Tissue",
            "{format}: {response}"
        );
        assert_eq!(
            response["data"]["case"],
            Value::Null,
            "{format}: {response}"
        );
        let keys = upstream.keys_asked();
        assert!(
            keys.contains(&expected_key.to_owned()),
            "{format}: {keys:?}"
        );
        if format != "gtin14" {
            assert_eq!(
                keys,
                [expected_key],
                "{format}: the case pack must not be sent"
            );
        }
    }
}

#[tokio::test]
async fn fan_out_mode_asks_the_single_item_endpoint_once_per_distinct_item() {
    let upstream = upstream_with(&[(TISSUE, "Tissue"), ("96385074", "Mints")]).await;
    let app = TestApp::spawn_with(Some(&upstream.url()), |s| s.upstream.client.batch = false).await;

    let response = app
        .query(r#"{ products(gtins: ["036000291452", "96385074", "0036000291452", "5012345678900"]) { title } }"#)
        .await;

    assert_eq!(
        response["data"]["products"],
        json!([{ "title": "Tissue" }, { "title": "Mints" }, { "title": "Tissue" }, null]),
        "{response}"
    );
    let calls = upstream.calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(calls.iter().all(|call| !call.batch && call.keys.len() == 1));
}

#[tokio::test]
async fn lookups_basket_gives_typed_lines_and_decodes_variable_measure_labels() {
    // Arrange: the deli item is stored under its zeroed key (UK layout); one item
    // per call, so the failing item fails alone.
    let upstream =
        upstream_with(&[(TISSUE, "Tissue"), ("02011122000005", "Honey Roast Ham")]).await;
    upstream.fail_calls_with_key("00000096385074", crate::support::Failure::Status(503));
    let app = TestApp::spawn(
        Some(&upstream.url()),
        &["--rcn-region", "GB", "--upstream-max-batch", "1"],
    )
    .await;

    // Act
    let response = app
        .query(
            r#"{ lookups(codes: ["036000291452", "2011122912346", "5012345678900", "5901234123458", "9912345678909", "96385074"]) {
                 input status product { title }
                 gtin { kind lookupGtin14 variableMeasure { region price weightKg lookupGtin14 } }
                 error { code reason } } }"#,
        )
        .await;

    // Assert
    assert!(
        response.get("errors").is_none(),
        "a basket never fails as a whole: {response}"
    );
    let lines = response["data"]["lookups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let statuses: Vec<&str> = lines
        .iter()
        .map(|line| line["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        statuses,
        [
            "FOUND",
            "FOUND",
            "NOT_FOUND",
            "INVALID",
            "NOT_A_TRADE_ITEM",
            "UNAVAILABLE"
        ],
        "{response}"
    );
    assert_eq!(lines[0]["product"]["title"], "Tissue");
    assert_eq!(lines[1]["product"]["title"], "Honey Roast Ham");
    assert_eq!(
        lines[1]["gtin"]["variableMeasure"],
        json!({ "region": "GB", "price": "12.34", "weightKg": null, "lookupGtin14": "02011122000005" })
    );
    assert_eq!(
        lines[3]["error"],
        json!({ "code": "INVALID_GTIN", "reason": "INVALID_CHECK_DIGIT" })
    );
    assert_eq!(lines[4]["error"]["code"], "NOT_A_TRADE_ITEM");
    assert_eq!(lines[5]["error"]["code"], "UPSTREAM_UNAVAILABLE");
    for line in &lines {
        assert!(line["input"].is_string());
    }
}

#[tokio::test]
async fn gtin_describes_bad_input_instead_of_failing() {
    let upstream = upstream_with(&[]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query(
            r#"{ good: gtin(code: "04252614") { valid gtin14 upcA upcE format kind gs1Prefix { prefix } }
                 bad: gtin(code: "0360002914O2") { valid gtin14 error { reason message } } }"#,
        )
        .await;

    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(
        response["data"]["good"],
        json!({ "valid": true, "gtin14": "00042100005264", "upcA": "042100005264", "upcE": "04252614",
                "format": "GTIN_12", "kind": "UPC_E", "gs1Prefix": { "prefix": "004" } })
    );
    assert_eq!(response["data"]["bad"]["valid"], false);
    assert_eq!(
        response["data"]["bad"]["error"]["reason"],
        "INVALID_CHARACTERS"
    );
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn queries_work_over_get_and_the_demo_catalog_is_used_without_an_upstream() {
    let app = TestApp::spawn(None, &[]).await;

    let response = app
        .get("/graphql?query=%7Bproduct(gtin:%22036000291452%22)%7Btitle%7D%7D")
        .await;

    assert!(response.status().is_success());
    let body: Value = response.json().await.unwrap_or_default();
    assert!(
        body["data"]["product"]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn health_and_graphiql_are_served() {
    let app = TestApp::spawn(None, &[]).await;

    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    let page = app.get("/").await.text().await.unwrap_or_default();
    assert!(page.contains("/assets/graphiql/graphiql.min.js") && page.contains("lookups("));
    let script = app.get("/assets/graphiql/graphiql.min.js").await;
    assert_eq!(script.status(), 200);
    assert_eq!(app.get("/assets/graphiql/nope.js").await.status(), 404);
}

#[tokio::test]
async fn the_gtin_limit_counts_every_field_and_alias_of_an_operation() {
    let upstream = upstream_with(&[]).await;
    let app = TestApp::spawn(Some(&upstream.url()), &["--max-gtins-per-query", "3"]).await;
    let (a, b) = (upc_a(1), upc_a(2));

    let response = app
        .query(&format!(
            r#"{{ x: products(gtins: ["{a}", "{b}"]) {{ title }} y: product(gtin: "{a}") {{ title }} z: lookups(codes: ["{b}"]) {{ status }} }}"#
        ))
        .await;

    let codes: Vec<String> = error_codes(&response)
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    assert_eq!(
        codes,
        ["TOO_MANY_GTINS"],
        "the fourth GTIN is one too many: {response}"
    );
}

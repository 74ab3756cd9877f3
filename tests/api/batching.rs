//! Batching proved by counting what a real upstream receives: every lookup of one
//! HTTP request joins one batch, keys are de-duplicated by canonical GTIN, batches
//! are split to the upstream's maximum, and concurrent requests share fetches.

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{GtinForm, TestApp, spellings, upc_a, upstream_with_items};

#[tokio::test]
async fn twenty_aliases_with_mixed_spellings_of_twelve_items_make_one_call_with_twelve_keys() {
    // Arrange
    let (upstream, items) = upstream_with_items(12).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let asked: Vec<(String, &String)> = (0..20)
        .map(|i| {
            let item = &items[i % 12];
            (spellings(item)[i % 6].clone(), item)
        })
        .collect();
    let fields: Vec<String> = asked
        .iter()
        .enumerate()
        .map(|(i, (spelling, _))| format!("a{i}: product(gtin: {spelling:?}) {{ upc title }}"))
        .collect();

    // Act
    let response = app.query(&format!("{{ {} }}", fields.join(" "))).await;

    // Assert
    assert!(response.get("errors").is_none(), "{response}");
    for (i, (_, item)) in asked.iter().enumerate() {
        assert_eq!(
            response["data"][format!("a{i}")]["upc"],
            item.as_str(),
            "{response}"
        );
        assert_eq!(
            response["data"][format!("a{i}")]["title"],
            format!("item {item}")
        );
    }
    let calls = upstream.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let keys: HashSet<&String> = calls[0].keys.iter().collect();
    assert_eq!(
        calls[0].keys.len(),
        12,
        "each item asked once: {:?}",
        calls[0].keys
    );
    assert_eq!(keys.len(), 12);
}

#[tokio::test]
async fn two_hundred_fifty_distinct_items_with_max_batch_100_make_three_calls() {
    // Arrange
    let (upstream, items) = upstream_with_items(250).await;
    let app = TestApp::spawn_with(Some(&upstream.url()), |s| {
        s.upstream.client.max_batch = NonZeroUsize::new(100).unwrap();
    })
    .await;

    // Act
    let response = app
        .query_with(
            "query($g: [String!]!) { products(gtins: $g) { upc } }",
            json!({ "g": items }),
        )
        .await;

    // Assert
    let returned: Vec<&str> = response["data"]["products"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|p| p["upc"].as_str().unwrap_or("missing"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(returned, items, "{response}");
    let calls = upstream.calls();
    assert_eq!(calls.len(), 3, "ceil(250 / 100) calls");
    assert!(calls.iter().all(|call| call.keys.len() <= 100));
    assert_eq!(calls.iter().map(|call| call.keys.len()).sum::<usize>(), 250);
}

#[tokio::test]
async fn product_products_and_lookups_of_one_request_share_one_call() {
    let (upstream, items) = upstream_with_items(5).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query_with(
            "query($one: String!, $many: [String!]!, $codes: [String!]!) {
               product(gtin: $one) { upc }
               products(gtins: $many) { upc }
               lookups(codes: $codes) { status product { upc } } }",
            json!({
                "one": items[0],
                "many": [format!("0{}", items[1]), items[2]],
                "codes": [items[3], format!("00{}", items[4]), items[0]],
            }),
        )
        .await;

    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(
        response["data"]["lookups"][1]["product"]["upc"],
        items[4].as_str()
    );
    let calls = upstream.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].keys.len(), 5);
}

#[tokio::test]
async fn operations_of_a_batched_json_array_join_one_batch() {
    let (upstream, items) = upstream_with_items(5).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let query = "query($g: [String!]!) { products(gtins: $g) { upc } }";

    let (status, body) = app
        .post_json(json!([
            { "query": query, "variables": { "g": [items[0], items[1], items[2]] } },
            { "query": query, "variables": { "g": [items[2], items[3], items[4]] } },
        ]))
        .await;

    assert!(status.is_success());
    assert_eq!(
        body[0]["data"]["products"][0]["upc"],
        items[0].as_str(),
        "{body}"
    );
    assert_eq!(
        body[1]["data"]["products"][2]["upc"],
        items[4].as_str(),
        "{body}"
    );
    let calls = upstream.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].keys.len(), 5);
}

#[tokio::test]
async fn concurrent_requests_for_an_item_being_fetched_share_that_fetch() {
    // Arrange: a slow upstream, so later requests arrive while the fetch is under way.
    let (upstream, items) = upstream_with_items(1).await;
    upstream.set_delay(Duration::from_millis(150));
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    // Act
    let requests = (0..50).map(|i| {
        let spelling = spellings(&items[0])[i % 6].clone();
        let app = &app;
        async move {
            app.query_with(
                "query($g: String!) { product(gtin: $g) { upc } }",
                json!({ "g": spelling }),
            )
            .await
        }
    });
    let responses: Vec<Value> = futures::future::join_all(requests).await;

    // Assert
    for response in &responses {
        assert_eq!(
            response["data"]["product"]["upc"],
            items[0].as_str(),
            "{response}"
        );
    }
    assert_eq!(upstream.call_count(), 1);
}

#[tokio::test]
async fn shuffled_mixed_form_extra_and_duplicate_answers_map_to_the_right_items() {
    // Arrange
    let (upstream, items) = upstream_with_items(30).await;
    upstream.shuffle_answers(true);
    upstream.answer_gtin_form(GtinForm::Mixed);
    upstream.add_extra_items(true);
    upstream.add_duplicates(true);
    let app = TestApp::spawn_with(Some(&upstream.url()), |s| {
        s.upstream.client.max_batch = NonZeroUsize::new(7).unwrap();
    })
    .await;
    let mut asked = items.clone();
    asked.push(upc_a(999)); // not in the catalog

    // Act
    let response = app
        .query_with(
            "query($g: [String!]!) { products(gtins: $g) { upc title } }",
            json!({ "g": asked }),
        )
        .await;

    // Assert: each returned product is the one asked for, never a neighbour's.
    let products = response["data"]["products"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(products.len(), 31, "{response}");
    for (item, product) in items.iter().zip(&products) {
        assert_eq!(product["upc"], item.as_str(), "{response}");
        // A duplicate answer may carry another title; either copy is this item's.
        let title = product["title"].as_str().unwrap_or_default();
        assert!(title.starts_with(&format!("item {item}")), "{title}");
    }
    assert_eq!(products[30], Value::Null);
    assert_eq!(upstream.call_count(), 5, "ceil(31 / 7)");
}

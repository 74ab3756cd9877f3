//! The response cache end to end, against a real upstream: a repeated operation is
//! answered byte for byte without reaching the upstream, only answers that may be
//! reused are kept, for no longer than their products are fresh, and a client can
//! bypass it.

use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{Failure, TestApp, TestUpstream, upc_a};

const PRODUCT: &str = "query($g: String!) { product(gtin: $g) { upc title servedStale } }";

/// POSTs `body` with extra headers; returns status, content type and the raw bytes.
async fn post_raw(app: &TestApp, body: &Value, headers: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

fn product_body(gtin: &str) -> Value {
    json!({ "query": PRODUCT, "variables": { "g": gtin } })
}

async fn responses_detail(app: &TestApp) -> Value {
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    body["detail"]["responseCache"].clone()
}

async fn start(flags: &[&str]) -> (TestUpstream, TestApp) {
    let upstream = TestUpstream::start().await;
    for n in 1..=3 {
        upstream.insert_product(&upc_a(n), &format!("item {n}"));
    }
    let app = TestApp::spawn(Some(&upstream.url()), flags).await;
    (upstream, app)
}

#[tokio::test]
async fn a_repeated_operation_is_answered_byte_for_byte_without_reaching_the_upstream() {
    let (upstream, app) = start(&["--cache-ttl-s", "60"]).await;
    let body = product_body(&upc_a(1));

    let first = post_raw(&app, &body, &[]).await;
    let calls = upstream.call_count();
    let second = post_raw(&app, &body, &[]).await;

    assert_eq!(first.0, 200);
    let parsed: Value = serde_json::from_slice(&first.2).unwrap();
    assert_eq!(parsed["data"]["product"]["title"], "item 1", "{parsed}");
    assert_eq!(second, first, "same status, media type and bytes");
    assert_eq!(calls, 1);
    assert_eq!(upstream.call_count(), 1, "the repeat made no upstream call");
    let detail = responses_detail(&app).await;
    assert_eq!(
        (detail["hits"].as_u64(), detail["stored"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(detail["bytes"].as_u64().unwrap() > 0, "{detail}");
    // The product cache was not even asked the second time.
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["detail"]["cache"]["hits"], 0);
}

#[tokio::test]
async fn different_variables_are_different_entries() {
    let (upstream, app) = start(&[]).await;

    for _ in 0..2 {
        for n in 1..=2 {
            let (_, _, bytes) = post_raw(&app, &product_body(&upc_a(n)), &[]).await;
            let parsed: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(parsed["data"]["product"]["title"], format!("item {n}"));
        }
    }

    assert_eq!(upstream.call_count(), 2, "one call per item");
    let detail = responses_detail(&app).await;
    assert_eq!(
        (detail["stored"].as_u64(), detail["hits"].as_u64()),
        (Some(2), Some(2))
    );
}

#[tokio::test]
async fn an_answer_with_an_error_is_not_kept() {
    let (upstream, app) = start(&["--upstream-max-retries", "0"]).await;
    let body = product_body(&upc_a(1));
    upstream.fail_next(1, Failure::Status(503));

    let (_, _, failed) = post_raw(&app, &body, &[]).await;
    let (_, _, answered) = post_raw(&app, &body, &[]).await;

    let failed: Value = serde_json::from_slice(&failed).unwrap();
    let answered: Value = serde_json::from_slice(&answered).unwrap();
    assert_eq!(
        failed["errors"][0]["extensions"]["code"], "UPSTREAM_UNAVAILABLE",
        "{failed}"
    );
    assert_eq!(answered["data"]["product"]["title"], "item 1", "{answered}");
    assert_eq!(upstream.call_count(), 2, "the failed answer was not reused");
    assert_eq!(responses_detail(&app).await["hits"], 0);
}

#[tokio::test]
async fn an_answer_lives_no_longer_than_its_shortest_product_freshness() {
    // Found products fresh for 60 s, not-found for 1 s: an answer holding both
    // lives 1 s; one holding only a found product outlives it.
    let (upstream, app) = start(&["--cache-ttl-s", "60", "--cache-negative-ttl-s", "1"]).await;
    let mixed = json!({
        "query": "query($g: [String!]!) { products(gtins: $g) { upc title } }",
        "variables": { "g": [upc_a(1), upc_a(9)] },
    });
    let found_only = product_body(&upc_a(2));
    let first_mixed = post_raw(&app, &mixed, &[]).await;
    post_raw(&app, &found_only, &[]).await;
    assert_eq!(post_raw(&app, &mixed, &[]).await, first_mixed);
    assert_eq!(upstream.call_count(), 2);

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let again = post_raw(&app, &mixed, &[]).await;
    post_raw(&app, &found_only, &[]).await;

    assert_eq!(again, first_mixed, "the same answer, computed anew");
    assert_eq!(
        upstream.call_count(),
        3,
        "only the expired not-found item was asked again: {:?}",
        upstream.keys_asked()
    );
    assert_eq!(responses_detail(&app).await["hits"], 2);
}

#[tokio::test]
async fn a_stale_copy_is_served_but_never_kept() {
    let (upstream, app) = start(&["--cache-ttl-s", "1", "--upstream-max-retries", "0"]).await;
    let body = product_body(&upc_a(1));
    post_raw(&app, &body, &[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    upstream.fail_always(Some(Failure::Status(503)));

    for _ in 0..2 {
        let (_, _, bytes) = post_raw(&app, &body, &[]).await;
        let parsed: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(parsed["data"]["product"]["servedStale"], true, "{parsed}");
    }

    assert_eq!(
        upstream.call_count(),
        3,
        "each stale answer asked the upstream first"
    );
    assert_eq!(responses_detail(&app).await["hits"], 0);
}

#[tokio::test]
async fn cache_control_no_cache_bypasses_the_lookup_and_no_store_the_whole_cache() {
    // Product cache off, so every answer not taken from the response cache is fetched.
    let (upstream, app) = start(&["--cache", "off"]).await;
    let body = product_body(&upc_a(1));
    post_raw(&app, &body, &[]).await;

    let no_cache = post_raw(&app, &body, &[("cache-control", "no-cache")]).await;
    let no_store = post_raw(&app, &body, &[("cache-control", "no-store")]).await;

    assert_eq!(no_cache.0, 200);
    assert_eq!(no_store.2, no_cache.2);
    assert_eq!(
        upstream.call_count(),
        3,
        "both bypassing requests were fetched"
    );
    let detail = responses_detail(&app).await;
    assert_eq!(detail["bypassed"], 2, "{detail}");
    assert_eq!(detail["hits"], 0, "{detail}");
}

#[tokio::test]
async fn with_the_product_cache_off_nothing_is_kept() {
    let (upstream, app) = start(&["--cache", "off"]).await;
    let body = product_body(&upc_a(1));

    for _ in 0..3 {
        post_raw(&app, &body, &[]).await;
    }

    assert_eq!(upstream.call_count(), 3);
    assert_eq!(responses_detail(&app).await["stored"], 0);
}

#[tokio::test]
async fn each_response_media_type_is_its_own_entry() {
    let (upstream, app) = start(&[]).await;
    let body = product_body(&upc_a(1));
    let graphql_json = [("accept", "application/graphql-response+json")];

    let plain = post_raw(&app, &body, &[]).await;
    let typed = post_raw(&app, &body, &graphql_json).await;
    let typed_again = post_raw(&app, &body, &graphql_json).await;
    let plain_again = post_raw(&app, &body, &[]).await;

    assert!(plain.1.starts_with("application/json"), "{}", plain.1);
    assert!(
        typed.1.starts_with("application/graphql-response+json"),
        "{}",
        typed.1
    );
    assert_eq!(typed_again, typed);
    assert_eq!(plain_again, plain);
    assert_eq!(
        upstream.call_count(),
        1,
        "the product cache answered the second type"
    );
    assert_eq!(responses_detail(&app).await["hits"], 2);
}

#[tokio::test]
async fn a_persisted_query_sent_by_hash_alone_hits() {
    let (upstream, app) = start(&[]).await;
    let query = "{ product(gtin: \"036000291452\") { title } }".replace("036000291452", &upc_a(1));
    let hash: String = Sha256::digest(query.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let register = json!({ "query": query, "extensions": extensions });
    let by_hash = json!({ "extensions": extensions });

    let registered = post_raw(&app, &register, &[]).await;
    let first = post_raw(&app, &by_hash, &[]).await;
    let second = post_raw(&app, &by_hash, &[]).await;

    let parsed: Value = serde_json::from_slice(&first.2).unwrap();
    assert_eq!(parsed["data"]["product"]["title"], "item 1", "{parsed}");
    assert_eq!(second, first);
    assert_eq!(first.2, registered.2);
    assert_eq!(upstream.call_count(), 1);
    let detail = responses_detail(&app).await;
    assert_eq!(
        detail["stored"], 2,
        "the registering and the by-hash request: {detail}"
    );
    assert_eq!(detail["hits"], 1, "the second by-hash request: {detail}");
}

#[tokio::test]
async fn with_the_response_cache_off_every_repeat_is_executed() {
    let (upstream, app) = start(&["--cache", "off", "--response-cache", "off"]).await;
    let body = product_body(&upc_a(1));

    for _ in 0..2 {
        post_raw(&app, &body, &[]).await;
    }

    assert_eq!(upstream.call_count(), 2);
    assert_eq!(responses_detail(&app).await["enabled"], false);
}

//! HTTP caching over real sockets, headers included: `Cache-Control` merged over
//! what an answer holds, `ETag` and 304 (GET and POST), `Cache-Tag` /
//! `Surrogate-Key` per product, `POST /admin/invalidate` (auth, bad input, every
//! tier), invalidation across two replicas through one real Redis, and stale
//! answers while the breaker is open.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    Answer, Failure, RedisServer, TestApp, TestUpstream, app_with, sha256_hex, upc_a,
};

mod invalidation;

const PRODUCT: &str = "query($g: String!) { product(gtin: $g) { upc title servedStale } }";
const PRODUCTS: &str = "query($g: [String!]!) { products(gtins: $g) { upc title } }";
const TOKEN: &str = "test-admin-token-0123456789";

/// POSTs `body` to `/graphql` with extra headers.
async fn post(app: &TestApp, body: &Value, headers: &[(&str, &str)]) -> Answer {
    app.post_with(body, headers).await
}

/// GETs `/graphql` with these query parameters and extra headers.
async fn get(app: &TestApp, params: &[(&str, String)], headers: &[(&str, &str)]) -> Answer {
    let mut request = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(params);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.unwrap()).await
}

fn product(gtin: &str) -> Value {
    json!({ "query": PRODUCT, "variables": { "g": gtin } })
}

fn products(gtins: &[String]) -> Value {
    json!({ "query": PRODUCTS, "variables": { "g": gtins } })
}

/// The GTIN-14 of a test UPC-A.
fn gtin14(upc: &str) -> String {
    format!("00{upc}")
}

/// The gateway with `flags` in front of an upstream holding items 1 to 3.
async fn start(flags: &[&str]) -> (TestUpstream, TestApp) {
    app_with((1..=3).map(|n| (upc_a(n), format!("item {n}"))), flags).await
}

async fn readyz_detail(app: &TestApp) -> Value {
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    body["detail"].clone()
}

async fn invalidate(app: &TestApp, token: Option<&str>, body: &str) -> Answer {
    let mut request = app
        .client
        .post(format!("{}/admin/invalidate", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    Answer::read(request.send().await.unwrap()).await
}

// ---------------------------------------------------------------------------
// Cache-Control
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_fresh_answer_is_public_for_the_shortest_freshness_of_its_products() {
    let (_upstream, app) = start(&[
        "--cache-ttl-s",
        "300",
        "--cache-negative-ttl-s",
        "30",
        "--cache-max-stale-s",
        "600",
    ])
    .await;

    let found = post(&app, &product(&upc_a(1)), &[]).await;
    let with_missing = post(&app, &products(&[upc_a(1), upc_a(9)]), &[]).await;

    assert_eq!(found.body["data"]["product"]["title"], "item 1");
    assert!(
        found
            .header("cache-control")
            .starts_with("public, max-age="),
        "{}",
        found.header("cache-control")
    );
    assert!(
        found
            .header("cache-control")
            .ends_with(", stale-if-error=600")
    );
    assert!(
        (299..=300).contains(&found.max_age()),
        "{}",
        found.max_age()
    );
    assert_eq!(found.header("vary"), "accept");
    // A not-found counts with its negative TTL.
    assert!(
        (29..=30).contains(&with_missing.max_age()),
        "{}",
        with_missing.header("cache-control")
    );
    assert_eq!(
        with_missing.header("cache-tag"),
        format!("gtin-{},gtin-{}", gtin14(&upc_a(1)), gtin14(&upc_a(9)))
    );
    assert_eq!(
        with_missing.header("surrogate-key"),
        format!("gtin-{} gtin-{}", gtin14(&upc_a(1)), gtin14(&upc_a(9)))
    );
    assert_eq!(
        found.header("cache-tag"),
        format!("gtin-{}", gtin14(&upc_a(1)))
    );
}

#[tokio::test]
async fn a_hit_from_the_response_cache_has_the_same_headers_and_an_age_counted_down() {
    let (upstream, app) = start(&["--cache-ttl-s", "3"]).await;

    let first = post(&app, &product(&upc_a(1)), &[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = post(&app, &product(&upc_a(1)), &[]).await;

    assert_eq!(upstream.call_count(), 1, "the second came from the cache");
    assert_eq!(readyz_detail(&app).await["responseCache"]["hits"], 1);
    assert_eq!(second.bytes, first.bytes);
    assert_eq!(second.header("etag"), first.header("etag"));
    assert_eq!(second.header("cache-tag"), first.header("cache-tag"));
    assert_eq!(
        second.header("surrogate-key"),
        first.header("surrogate-key")
    );
    assert_eq!(second.header("vary"), "accept");
    assert!(first.max_age() >= 2, "{}", first.header("cache-control"));
    assert!(
        second.max_age() < first.max_age(),
        "{} then {}",
        first.header("cache-control"),
        second.header("cache-control")
    );
}

#[tokio::test]
async fn an_answer_without_products_gets_the_long_static_max_age_and_no_tags() {
    let (_upstream, app) = start(&["--cache-control-static-max-age-s", "7200"]).await;

    let answer = post(
        &app,
        &json!({ "query": "{ gtin(code: \"036000291452\") { gtin14 } }" }),
        &[],
    )
    .await;

    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["data"]["gtin"]["gtin14"], "00036000291452");
    assert_eq!(
        answer.header("cache-control"),
        "public, max-age=7200, stale-if-error=3600"
    );
    assert!(answer.headers.get("cache-tag").is_none());
    assert!(answer.headers.get("surrogate-key").is_none());
}

#[tokio::test]
async fn errors_refusals_batches_and_no_store_requests_are_no_store() {
    let (upstream, app) = start(&["--upstream-max-retries", "0"]).await;

    let invalid = post(&app, &product("123"), &[]).await;
    let batch = post(&app, &json!([product(&upc_a(1)), product(&upc_a(2))]), &[]).await;
    let asked_no_store = post(&app, &product(&upc_a(3)), &[("cache-control", "no-store")]).await;
    upstream.fail_next(1, Failure::Status(503));
    let failed = post(&app, &product(&upc_a(5)), &[]).await;
    let refused = Answer::read(
        app.client
            .post(format!("{}/graphql", app.address))
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mutation_over_get = get(&app, &[("query", "mutation { x }".to_owned())], &[]).await;

    assert_eq!(
        invalid.body["errors"][0]["extensions"]["code"],
        "INVALID_GTIN"
    );
    assert_eq!(invalid.header("cache-control"), "no-store");
    assert_eq!(batch.body.as_array().map(Vec::len), Some(2));
    assert_eq!(batch.header("cache-control"), "no-store");
    assert_eq!(asked_no_store.body["data"]["product"]["title"], "item 3");
    assert_eq!(asked_no_store.header("cache-control"), "no-store");
    assert_eq!(
        failed.body["errors"][0]["extensions"]["code"],
        "UPSTREAM_UNAVAILABLE"
    );
    assert_eq!(failed.header("cache-control"), "no-store");
    assert_eq!(refused.status, 415);
    assert_eq!(refused.header("cache-control"), "no-store");
    assert_eq!(mutation_over_get.status, 405);
    assert_eq!(mutation_over_get.header("cache-control"), "no-store");
}

#[tokio::test]
async fn a_request_with_the_clients_identity_gets_a_private_answer() {
    let (_upstream, app) = start(&[]).await;

    let plain = post(&app, &product(&upc_a(1)), &[]).await;
    let authorized = post(
        &app,
        &product(&upc_a(1)),
        &[("authorization", "Bearer someone")],
    )
    .await;
    let with_cookie = post(&app, &product(&upc_a(1)), &[("cookie", "session=1")]).await;

    assert!(plain.header("cache-control").starts_with("public"));
    for answer in [&authorized, &with_cookie] {
        let cache_control = answer.header("cache-control");
        assert!(
            cache_control.starts_with("private, max-age="),
            "{cache_control}"
        );
        assert!(!cache_control.contains("public"), "{cache_control}");
        assert_eq!(answer.bytes, plain.bytes);
    }
}

#[tokio::test]
async fn a_request_saying_no_cache_is_computed_anew_with_its_headers() {
    let (_upstream, app) = start(&[]).await;
    let first = post(&app, &product(&upc_a(1)), &[]).await;

    let again = post(&app, &product(&upc_a(1)), &[("cache-control", "no-cache")]).await;

    let detail = readyz_detail(&app).await["responseCache"].clone();
    assert_eq!(
        (detail["hits"].as_u64(), detail["bypassed"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(again.bytes, first.bytes);
    assert_eq!(again.header("etag"), first.header("etag"));
    assert!(
        again
            .header("cache-control")
            .starts_with("public, max-age=")
    );
}

#[tokio::test]
async fn an_answer_naming_more_products_than_the_tag_cap_is_private_and_untagged() {
    let (_upstream, app) = start(&["--max-gtins-per-query", "100"]).await;
    let many: Vec<String> = (1..=65).map(upc_a).collect();
    let capped: Vec<String> = (1..=64).map(upc_a).collect();

    let over = post(&app, &products(&many), &[]).await;
    let at_cap = post(&app, &products(&capped), &[]).await;

    assert!(over.body.get("errors").is_none(), "{}", over.body);
    assert!(
        over.header("cache-control")
            .starts_with("private, max-age="),
        "{}",
        over.header("cache-control")
    );
    assert!(over.headers.get("cache-tag").is_none());
    assert!(over.headers.get("surrogate-key").is_none());
    assert!(at_cap.header("cache-control").starts_with("public"));
    assert_eq!(at_cap.header("cache-tag").split(',').count(), 64);
    assert_eq!(at_cap.header("surrogate-key").split(' ').count(), 64);
}

// ---------------------------------------------------------------------------
// ETag and 304
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_matching_if_none_match_gets_304_without_a_body_over_post_and_get() {
    for flags in [&["--response-cache", "on"], &["--response-cache", "off"]] {
        let (_upstream, app) = start(flags).await;
        let params = [
            ("query", PRODUCT.to_owned()),
            ("variables", json!({ "g": upc_a(1) }).to_string()),
        ];

        let posted = post(&app, &product(&upc_a(1)), &[]).await;
        let etag = posted.header("etag").to_owned();
        let post_304 = post(&app, &product(&upc_a(1)), &[("if-none-match", &etag)]).await;
        let got = get(&app, &params, &[]).await;
        let get_etag = got.header("etag").to_owned();
        let get_304 = get(&app, &params, &[("if-none-match", &get_etag)]).await;
        let other = post(
            &app,
            &product(&upc_a(1)),
            &[("if-none-match", "\"something-else\"")],
        )
        .await;

        assert_eq!(posted.status, 200, "{flags:?}");
        assert_eq!(etag.len(), 34, "a quoted strong tag: {etag}");
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
        assert_eq!(get_etag, etag, "same body, same tag");
        for not_modified in [&post_304, &get_304] {
            assert_eq!(not_modified.status, 304, "{flags:?}");
            assert!(not_modified.bytes.is_empty());
            assert_eq!(not_modified.header("etag"), etag);
            assert!(not_modified.header("cache-control").starts_with("public"));
            assert_eq!(
                not_modified.header("cache-tag"),
                format!("gtin-{}", gtin14(&upc_a(1)))
            );
        }
        assert_eq!(other.status, 200);
        assert_eq!(other.bytes, posted.bytes);
    }
}

#[tokio::test]
async fn a_different_answer_has_a_different_etag() {
    let (upstream, app) = start(&["--response-cache", "off", "--cache", "off"]).await;
    let before = post(&app, &product(&upc_a(1)), &[]).await;
    upstream.insert_product(&upc_a(1), "item 1, renamed");

    let after = post(
        &app,
        &product(&upc_a(1)),
        &[("if-none-match", before.header("etag"))],
    )
    .await;

    assert_eq!(after.status, 200);
    assert_eq!(after.body["data"]["product"]["title"], "item 1, renamed");
    assert_ne!(after.header("etag"), before.header("etag"));
}

#[tokio::test]
async fn a_browser_app_on_another_origin_may_revalidate_and_read_the_etag() {
    let (_upstream, app) = start(&[]).await;

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", "http://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,if-none-match,cache-control",
        )
        .send()
        .await
        .unwrap();
    let answer = post(
        &app,
        &product(&upc_a(1)),
        &[("origin", "http://shop.example")],
    )
    .await;

    let allowed = preflight
        .headers()
        .get("access-control-allow-headers")
        .map(|value| value.to_str().unwrap().to_ascii_lowercase())
        .unwrap_or_default();
    assert!(allowed.contains("if-none-match"), "{allowed}");
    assert!(allowed.contains("cache-control"), "{allowed}");
    let exposed = answer
        .header("access-control-expose-headers")
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
}

// ---------------------------------------------------------------------------
// Stale while the upstream is down
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_stale_product_served_while_the_breaker_is_open_is_no_store() {
    let (upstream, app) = start(&[
        "--cache-ttl-s",
        "1",
        "--upstream-max-retries",
        "0",
        "--breaker-failure-threshold",
        "1",
        "--breaker-open-ms",
        "60000",
    ])
    .await;
    let fresh = post(&app, &product(&upc_a(1)), &[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    upstream.fail_always(Some(Failure::Status(503)));

    let opening = post(&app, &product(&upc_a(1)), &[]).await;
    let breaker = readyz_detail(&app).await["upstream"]["breaker"].clone();
    let calls = upstream.call_count();
    let while_open = post(&app, &product(&upc_a(1)), &[]).await;

    assert!(
        fresh
            .header("cache-control")
            .contains("stale-if-error=3600")
    );
    assert_eq!(breaker, "open");
    assert_eq!(
        upstream.call_count(),
        calls,
        "the open breaker made no call"
    );
    for stale in [&opening, &while_open] {
        assert_eq!(stale.status, 200);
        assert_eq!(
            stale.body["data"]["product"]["servedStale"], true,
            "{}",
            stale.body
        );
        assert_eq!(stale.body["data"]["product"]["title"], "item 1");
        assert_eq!(stale.header("cache-control"), "no-store");
    }
}

#[tokio::test]
async fn with_api_keys_required_answers_are_private_so_no_cdn_serves_them_without_a_key() {
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "item 1");
    let keys = json!({ "keys": [{ "sha256": sha256_hex("cdn-test-key"), "client": "cdn-test" }] });
    let path = std::env::temp_dir().join(format!(
        "catalog-http-cache-{}-keys.json",
        std::process::id()
    ));
    std::fs::write(&path, keys.to_string()).unwrap();
    let app = TestApp::spawn(
        Some(&upstream.url()),
        &["--api-keys", path.to_str().unwrap()],
    )
    .await;

    let first = post(&app, &product(&upc_a(1)), &[("x-api-key", "cdn-test-key")]).await;
    let again = post(&app, &product(&upc_a(1)), &[("x-api-key", "cdn-test-key")]).await;
    let without_key = post(&app, &product(&upc_a(1)), &[]).await;
    let _ = std::fs::remove_file(&path);

    assert_eq!(
        first.body["data"]["product"]["title"], "item 1",
        "{}",
        first.body
    );
    for answer in [&first, &again] {
        let cache_control = answer.header("cache-control");
        assert!(
            cache_control.starts_with("private, max-age="),
            "{cache_control}"
        );
    }
    assert_eq!(without_key.status, 401);
    assert_eq!(without_key.header("cache-control"), "no-store");
}

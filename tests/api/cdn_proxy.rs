//! A shared cache in front of the gateway: a real nginx with `proxy_cache` on a
//! free loopback port, configured from a generated file, running in the foreground
//! as the current user with its pid, logs, temp and cache directories in a
//! directory of its own. A persisted query sent as GET with only its hash (what
//! Apollo Client sends) is stored by nginx and the second identical GET never
//! reaches the gateway.
//!
//! nginx must be installed (`make test-deps` installs it): found at the path in
//! `NGINX`, on `PATH`, or at `/usr/sbin/nginx`. A missing binary fails the test
//! loudly; it is never skipped.

use serde_json::{Value, json};

use crate::support::{self, Nginx, TestApp, TestUpstream, sha256_hex, upc_a};

const QUERY: &str = "query Item($g: String!) { product(gtin: $g) { upc title } }";

#[tokio::test]
async fn a_second_identical_persisted_get_is_answered_by_the_proxy_without_reaching_the_gateway() {
    // Arrange: the gateway, the query registered once (as Apollo Client does after
    // PERSISTED_QUERY_NOT_FOUND), nginx in front.
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "item 1");
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let hash = sha256_hex(QUERY);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let (_, registered) = app
        .post_json(
            json!({ "query": QUERY, "variables": { "g": upc_a(1) }, "extensions": extensions }),
        )
        .await;
    assert_eq!(registered["data"]["product"]["title"], "item 1");
    let nginx = Nginx::start(&app.address).await;
    let url = format!(
        "{}/graphql?operationName=Item&variables={}&extensions={}",
        nginx.address,
        encode(&json!({ "g": upc_a(1) }).to_string()),
        encode(&extensions.to_string()),
    );

    // Act
    let first = fetch(&app, &url).await;
    let seen_after_first = gateway_requests(&app).await;
    let second = fetch(&app, &url).await;
    let seen_after_second = gateway_requests(&app).await;

    // Assert
    assert_eq!(first.status, 200);
    let body: Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(body["data"]["product"]["title"], "item 1", "{body}");
    assert!(
        first.cache_control.starts_with("public, max-age="),
        "{}",
        first.cache_control
    );
    assert_eq!(first.cache_status, "MISS");
    assert_eq!(second.cache_status, "HIT");
    assert_eq!(second.status, 200);
    assert_eq!(second.body, first.body);
    assert_eq!(second.etag, first.etag);
    assert_eq!(second.cache_tag, format!("gtin-00{}", upc_a(1)));
    assert_eq!(
        seen_after_second, seen_after_first,
        "the gateway saw no request for the second GET"
    );
    assert_eq!(upstream.call_count(), 1);
    // The gateway's request log agrees: nginx logged two requests, the gateway's
    // counters one (the first GET) besides the registration POST.
    assert_eq!(seen_after_first, 2, "the POST and the first GET");
}

/// What came back through nginx.
struct Fetched {
    status: u16,
    body: Vec<u8>,
    cache_control: String,
    cache_status: String,
    etag: String,
    cache_tag: String,
}

async fn fetch(app: &TestApp, url: &str) -> Fetched {
    let response = app.client.get(url).send().await.unwrap();
    let header = |name: &str| support::header(&response, name);
    let (cache_control, cache_status, etag, cache_tag) = (
        header("cache-control"),
        header("x-cache-status"),
        header("etag"),
        header("cache-tag"),
    );
    Fetched {
        status: response.status().as_u16(),
        cache_control,
        cache_status,
        etag,
        cache_tag,
        body: response.bytes().await.unwrap().to_vec(),
    }
}

/// `/graphql` requests the gateway looked up in its response cache (hits, misses
/// and bypasses): every cacheable request that reached it.
async fn gateway_requests(app: &TestApp) -> u64 {
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    let cache = &body["detail"]["responseCache"];
    ["hits", "misses", "bypassed"]
        .iter()
        .map(|name| cache[name].as_u64().unwrap())
        .sum()
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

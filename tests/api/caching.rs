//! The product cache end to end: repeat lookups and not-found answers are served
//! from cache, stale copies are served (and marked) when the upstream fails, the
//! cache stays within capacity under a flood, and replicas share items through Redis.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Failure, RedisServer, TestApp, TestUpstream, upc_a};

async fn product(app: &TestApp, gtin: &str) -> Value {
    app.query_with(
        "query($g: String!) { product(gtin: $g) { upc title servedStale } }",
        json!({ "g": gtin }),
    )
    .await
}

async fn readyz_detail(app: &TestApp) -> Value {
    let body: Value = app.get("/readyz").await.json().await.unwrap_or_default();
    body["detail"].clone()
}

#[tokio::test]
async fn repeat_lookups_and_not_found_answers_are_served_from_cache() {
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "One");
    // The response cache (on by default) would answer the repeats before the product
    // cache is asked; this test counts the product cache's own hits.
    let app = TestApp::spawn(Some(&upstream.url()), &["--response-cache", "off"]).await;

    for _ in 0..3 {
        let found = product(&app, &upc_a(1)).await;
        assert_eq!(found["data"]["product"]["title"], "One", "{found}");
        assert_eq!(found["data"]["product"]["servedStale"], false);
        let missing = product(&app, &upc_a(2)).await;
        assert_eq!(missing["data"]["product"], Value::Null, "{missing}");
    }

    assert_eq!(
        upstream.call_count(),
        2,
        "one call per item, then the cache answers"
    );
    assert_eq!(readyz_detail(&app).await["cache"]["hits"], 4);
}

#[tokio::test]
async fn with_the_cache_off_every_lookup_reaches_the_upstream() {
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "One");
    let app = TestApp::spawn(Some(&upstream.url()), &["--cache", "off"]).await;

    for _ in 0..3 {
        assert_eq!(
            product(&app, &upc_a(1)).await["data"]["product"]["title"],
            "One"
        );
    }

    assert_eq!(upstream.call_count(), 3);
}

#[tokio::test]
async fn a_not_found_answer_is_forgotten_after_the_negative_ttl() {
    let upstream = TestUpstream::start().await;
    let app = TestApp::spawn(Some(&upstream.url()), &["--cache-negative-ttl-s", "1"]).await;

    assert_eq!(
        product(&app, &upc_a(3)).await["data"]["product"],
        Value::Null
    );
    upstream.insert_product(&upc_a(3), "Three, new in the catalog");
    assert_eq!(
        product(&app, &upc_a(3)).await["data"]["product"],
        Value::Null,
        "still cached"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let later = product(&app, &upc_a(3)).await;

    assert_eq!(
        later["data"]["product"]["title"], "Three, new in the catalog",
        "{later}"
    );
    assert_eq!(upstream.call_count(), 2);
}

#[tokio::test]
async fn a_stale_copy_is_served_and_marked_when_the_upstream_fails() {
    // Arrange: cache an item, let it pass its TTL, then break the upstream.
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(4), "Four");
    upstream.insert_product(&upc_a(5), "Five");
    let app = TestApp::spawn(
        Some(&upstream.url()),
        &["--cache-ttl-s", "1", "--upstream-max-retries", "0"],
    )
    .await;
    assert_eq!(
        product(&app, &upc_a(4)).await["data"]["product"]["servedStale"],
        false
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    upstream.fail_always(Some(Failure::Status(503)));

    // Act
    let response = app
        .query_with(
            "query($g: [String!]!) { products(gtins: $g) { upc title servedStale } }",
            json!({ "g": [upc_a(4), upc_a(5)] }),
        )
        .await;

    // Assert: the stale copy is served and says so; the never-cached item fails.
    assert_eq!(
        response["data"]["products"],
        json!([{ "upc": upc_a(4), "title": "Four", "servedStale": true }, null]),
        "{response}"
    );
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "UPSTREAM_UNAVAILABLE"
    );
    assert_eq!(readyz_detail(&app).await["cache"]["staleServed"], 1);
}

#[tokio::test]
async fn a_flood_of_distinct_keys_keeps_the_cache_within_capacity() {
    let upstream = TestUpstream::start().await;
    let items: Vec<String> = (0..2000).map(upc_a).collect();
    for item in &items {
        upstream.insert_product(item, &format!("item {item}"));
    }
    let app = TestApp::spawn(Some(&upstream.url()), &["--cache-capacity", "100"]).await;

    for chunk in items.chunks(500) {
        let response = app
            .query_with(
                "query($g: [String!]!) { products(gtins: $g) { upc } }",
                json!({ "g": chunk }),
            )
            .await;
        let returned: Vec<&str> = response["data"]["products"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|p| p["upc"].as_str().unwrap_or("?"))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            returned, chunk,
            "each returned product is the one asked for"
        );
    }

    // moka applies evictions asynchronously; give it a moment to settle.
    let mut entries = u64::MAX;
    for _ in 0..50 {
        entries = readyz_detail(&app).await["cache"]["entries"]
            .as_u64()
            .unwrap_or(u64::MAX);
        if entries <= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        entries <= 100,
        "cache holds {entries} entries, capacity 100"
    );
}

#[tokio::test]
async fn replicas_sharing_redis_ask_the_upstream_about_once_per_item() {
    // Arrange: two gateways, one Redis, one upstream.
    let redis = RedisServer::start().await;
    let upstream = TestUpstream::start().await;
    let items: Vec<String> = (0..10).map(upc_a).collect();
    for item in &items {
        upstream.insert_product(item, &format!("item {item}"));
    }
    let flags = [
        "--cache-redis-url",
        &redis.url(),
        "--cache-redis-budget-ms",
        "200",
    ];
    let first = TestApp::spawn(Some(&upstream.url()), &flags).await;
    let second = TestApp::spawn(Some(&upstream.url()), &flags).await;
    let query = "query($g: [String!]!) { products(gtins: $g) { upc } }";

    for app in [&first, &second] {
        wait_for_redis(app).await;
    }

    // Act: the first replica fetches; the second finds the items in Redis.
    first.query_with(query, json!({ "g": items })).await;
    // Redis writes are fire-and-forget: give them a moment to land.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let from_second = second.query_with(query, json!({ "g": items })).await;

    // Assert
    let returned: Vec<&str> = from_second["data"]["products"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|p| p["upc"].as_str().unwrap_or("?"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(returned, items, "{from_second}");
    assert_eq!(
        upstream.call_count(),
        1,
        "the second replica was served from Redis"
    );
}

#[tokio::test]
async fn redis_is_asked_once_per_loader_batch_not_once_per_field() {
    // Arrange: two gateways, one Redis, one upstream; a request of 20 `product` fields.
    let redis = RedisServer::start().await;
    let upstream = TestUpstream::start().await;
    let items: Vec<String> = (0..20).map(|n| upc_a(100 + n)).collect();
    for item in &items {
        upstream.insert_product(item, &format!("item {item}"));
    }
    let flags = [
        "--cache-redis-url",
        &redis.url(),
        "--cache-redis-budget-ms",
        "200",
    ];
    let first = TestApp::spawn(Some(&upstream.url()), &flags).await;
    let second = TestApp::spawn(Some(&upstream.url()), &flags).await;
    for app in [&first, &second] {
        wait_for_redis(app).await;
    }
    let fields: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(n, item)| format!("p{n}: product(gtin: \"{item}\") {{ upc }}"))
        .collect();
    let query = format!("{{ {} }}", fields.join(" "));
    let mget_before = redis.calls("mget").await;

    // Act: the first replica misses everywhere; the second finds all 20 in Redis.
    let from_first = first.query(&query).await;
    let mget_first = redis.calls("mget").await - mget_before;
    let mut landed = false;
    for _ in 0..100 {
        let client = redis::Client::open(redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let size: u64 = redis::cmd("DBSIZE").query_async(&mut conn).await.unwrap();
        if size >= 20 {
            landed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mget_second_before = redis.calls("mget").await;
    let from_second = second.query(&query).await;
    let mget_second = redis.calls("mget").await - mget_second_before;

    // Assert: one MGET per request's batch (it was one per field), and Redis answered
    // the second replica without the upstream.
    assert!(landed, "the first replica's writes never reached Redis");
    for answer in [&from_first, &from_second] {
        assert_eq!(answer["data"]["p19"]["upc"], items[19].as_str(), "{answer}");
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    assert_eq!(mget_first, 1, "one MGET for the batch of 20 fields");
    assert_eq!(mget_second, 1, "one MGET for the batch of 20 fields");
    assert_eq!(
        upstream.call_count(),
        1,
        "the second replica was served from Redis"
    );
}

#[tokio::test]
async fn a_stale_copy_another_replica_left_in_redis_is_served_when_the_upstream_fails() {
    // Arrange: one replica caches an item in Redis; it passes its TTL; the upstream
    // breaks; a second replica, which never saw the item, is asked for it.
    let redis = RedisServer::start().await;
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(6), "Six");
    let flags = [
        "--cache-redis-url",
        &redis.url(),
        "--cache-redis-budget-ms",
        "200",
        "--cache-ttl-s",
        "1",
        "--upstream-max-retries",
        "0",
    ];
    let first = TestApp::spawn(Some(&upstream.url()), &flags).await;
    let second = TestApp::spawn(Some(&upstream.url()), &flags).await;
    for app in [&first, &second] {
        wait_for_redis(app).await;
    }
    assert_eq!(
        product(&first, &upc_a(6)).await["data"]["product"]["title"],
        "Six"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    upstream.fail_always(Some(Failure::Status(503)));

    // Act
    let response = product(&second, &upc_a(6)).await;

    // Assert: the batch found the stale copy in Redis and served it, marked.
    assert_eq!(
        response["data"]["product"],
        json!({ "upc": upc_a(6), "title": "Six", "servedStale": true }),
        "{response}"
    );
    let detail = readyz_detail(&second).await;
    assert_eq!(detail["cache"]["staleServed"], 1, "{detail}");
}

async fn wait_for_redis(app: &TestApp) {
    for _ in 0..100 {
        if readyz_detail(app).await["cache"]["redis"] == "connected" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the gateway never connected to Redis");
}

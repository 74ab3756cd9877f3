//! `POST /admin/invalidate` across two gateways on one real `redis-server`,
//! through the invalidation stream: the other replica serves the new product
//! within a second, also when its Redis connection was cut and came back meanwhile
//! (it catches up from where it left off), when Redis restarted empty meanwhile (it
//! cannot prove it missed nothing, so it forgets everything), when Redis was down
//! at the moment of the POST (the sender keeps the invalidation and sends it once
//! Redis answers), and the sender itself drops a copy a lookup brought back from
//! Redis between its own first forget and the Redis `DEL`.
//!
//! The upstream is a real local HTTP server whose answer the test changes, and
//! each "within a second" is a deadline polled, not a measured speed.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Proxy, RedisServer, TestApp, TestUpstream, free_port, upc_a};

const PRODUCT: &str = "query($g: String!) { product(gtin: $g) { title } }";
const TOKEN: &str = "test-admin-token-0123456789";
/// The promise under test: every replica serves the new product within this.
const WITHIN: Duration = Duration::from_secs(1);
/// How long to wait for a background change of state (a disconnect noticed, a
/// reconnect), which is not what is measured.
const EVENTUALLY: Duration = Duration::from_secs(10);

#[tokio::test]
async fn an_invalidation_on_one_replica_is_served_new_by_the_other_within_a_second() {
    let redis = RedisServer::start().await;
    let upstream = upstream().await;
    let a = gateway(&upstream, &redis.url(), "200").await;
    let b = gateway(&upstream, &redis.url(), "200").await;
    both_hold_item_1(&a, &b, &upstream).await;

    let answer = invalidate(&a).await;
    let sent = Instant::now();

    assert_eq!(answer["redis"], "done", "{answer}");
    let served = new_title_by(&b, sent + WITHIN).await;
    assert_eq!(served, "item 1, renamed");
    // A applies its own entry too (and only that one).
    wait_until(&a, |cache| cache["invalidationEntries"] == 1).await;
    let on_b = cache_detail(&b).await;
    assert_eq!(on_b["invalidationEntries"], 1, "{on_b}");
    assert_eq!(on_b["invalidationFullClears"], 0, "{on_b}");
}

#[tokio::test]
async fn a_replica_whose_connection_was_cut_catches_up_when_it_comes_back() {
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.port).await;
    let upstream = upstream().await;
    let a = gateway(&upstream, &redis.url(), "200").await;
    let b = gateway(&upstream, &format!("redis://{}", proxy.addr), "200").await;
    both_hold_item_1(&a, &b, &upstream).await;

    proxy.cut(true);
    wait_until(&b, |cache| cache["followsInvalidations"] == false).await;
    let answer = invalidate(&a).await;
    let held = title(&b).await;
    proxy.cut(false);
    wait_until(&b, |cache| cache["followsInvalidations"] == true).await;
    let back = Instant::now();

    assert_eq!(answer["redis"], "done", "{answer}");
    assert_eq!(held, "item 1", "B could not hear it while cut off");
    let served = new_title_by(&b, back + WITHIN).await;
    assert_eq!(served, "item 1, renamed");
    let on_b = cache_detail(&b).await;
    assert_eq!(on_b["invalidationEntries"], 1, "caught up: {on_b}");
    assert_eq!(
        on_b["invalidationFullClears"], 0,
        "not by clearing all: {on_b}"
    );
}

#[tokio::test]
async fn what_was_sent_before_a_replicas_first_connection_is_applied_on_it() {
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.port).await;
    proxy.cut(true);
    let upstream = upstream().await;
    let a = gateway(&upstream, &redis.url(), "200").await;
    let b = gateway(&upstream, &format!("redis://{}", proxy.addr), "200").await;
    wait_until(&a, |cache| cache["followsInvalidations"] == true).await;

    // B has served item 1 without ever reaching Redis; then the catalog changes.
    assert_eq!(title(&b).await, "item 1");
    upstream.insert_product(&upc_a(1), "item 1, renamed");
    let answer = invalidate(&a).await;
    proxy.cut(false);
    wait_until(&b, |cache| cache["followsInvalidations"] == true).await;
    let connected = Instant::now();

    assert_eq!(answer["redis"], "done", "{answer}");
    let served = new_title_by(&b, connected + WITHIN).await;
    assert_eq!(served, "item 1, renamed");
    let on_b = cache_detail(&b).await;
    assert_eq!(
        on_b["invalidationEntries"], 1,
        "read from its start: {on_b}"
    );
    assert_eq!(on_b["invalidationFullClears"], 0, "{on_b}");
}

#[tokio::test]
async fn a_replica_that_cannot_prove_it_missed_nothing_forgets_everything() {
    let mut redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.port).await;
    let upstream = upstream().await;
    let a = gateway(&upstream, &redis.url(), "200").await;
    let b = gateway(&upstream, &format!("redis://{}", proxy.addr), "200").await;
    both_hold_item_1(&a, &b, &upstream).await;
    assert_eq!(title_of(&b, 2).await, "item 2");
    upstream.insert_product(&upc_a(2), "item 2, renamed");

    // B is away while A invalidates item 1; then Redis restarts empty, losing the
    // entry (and every cached product) before B could read it.
    proxy.cut(true);
    wait_until(&b, |cache| cache["followsInvalidations"] == false).await;
    let answer = invalidate(&a).await;
    redis.stop();
    let _redis = RedisServer::start_on(redis.port).await;
    proxy.cut(false);
    wait_until(&b, |cache| cache["followsInvalidations"] == true).await;
    let back = Instant::now();

    assert_eq!(answer["redis"], "done", "{answer}");
    let served = new_title_by(&b, back + WITHIN).await;
    assert_eq!(served, "item 1, renamed");
    // Item 2 was never invalidated: only forgetting everything refetches it.
    assert_eq!(title_of(&b, 2).await, "item 2, renamed");
    let on_b = cache_detail(&b).await;
    assert_eq!(on_b["invalidationFullClears"], 1, "{on_b}");
}

#[tokio::test]
async fn a_replica_away_while_the_stream_was_trimmed_past_it_forgets_everything() {
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.port).await;
    let upstream = upstream().await;
    let a = gateway(&upstream, &redis.url(), "200").await;
    let b = gateway(&upstream, &format!("redis://{}", proxy.addr), "200").await;
    both_hold_item_1(&a, &b, &upstream).await;

    // B is away while A invalidates item 1 and then more entries than the
    // stream keeps are added (as many invalidations would), trimming it past
    // everything B read.
    proxy.cut(true);
    wait_until(&b, |cache| cache["followsInvalidations"] == false).await;
    let answer = invalidate(&a).await;
    let length = flood_stream(&redis, 10_500).await;
    proxy.cut(false);
    wait_until(&b, |cache| cache["followsInvalidations"] == true).await;
    let back = Instant::now();

    assert_eq!(answer["redis"], "done", "{answer}");
    assert!(
        (10_000..10_500).contains(&length),
        "trimmed to its bound: {length}"
    );
    let served = new_title_by(&b, back + WITHIN).await;
    assert_eq!(served, "item 1, renamed");
    let on_b = cache_detail(&b).await;
    assert_eq!(on_b["invalidationFullClears"], 1, "{on_b}");
}

#[tokio::test]
async fn an_invalidation_redis_did_not_confirm_reaches_the_others_once_it_is_back() {
    let dir = std::env::temp_dir().join(format!(
        "catalog-invalidation-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut redis = RedisServer::start_persistent(port, &dir).await;
    let upstream = upstream().await;
    let a = gateway(&upstream, &redis.url(), "200").await;
    let b = gateway(&upstream, &redis.url(), "200").await;
    both_hold_item_1(&a, &b, &upstream).await;

    redis.stop();
    wait_until(&b, |cache| cache["followsInvalidations"] == false).await;
    let answer = invalidate(&a).await;
    let waiting = cache_detail(&a).await["unsentInvalidations"].clone();
    let held = title(&b).await;
    // Back with what it had (the stream included), so B's continuity holds and
    // only A's outbox can tell it.
    let _redis = RedisServer::start_persistent(port, &dir).await;
    for app in [&a, &b] {
        wait_until(app, |cache| {
            cache["followsInvalidations"] == true && cache["unsentInvalidations"] == 0
        })
        .await;
    }
    let back = Instant::now();

    assert_eq!(answer["redis"], "failed", "{answer}");
    assert_eq!(waiting, 1);
    assert_eq!(held, "item 1");
    let served = new_title_by(&b, back + WITHIN).await;
    assert_eq!(served, "item 1, renamed");
    let on_b = cache_detail(&b).await;
    assert_eq!(on_b["invalidationEntries"], 1, "{on_b}");
    assert_eq!(on_b["invalidationFullClears"], 0, "{on_b}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_sender_drops_a_copy_brought_back_from_redis_before_its_delete() {
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.port).await;
    let upstream = upstream().await;
    // A's lookups may wait for Redis (a generous budget), and its own second
    // invalidation after the fetch deadline (10 s) is out of the picture.
    let a = gateway(&upstream, &format!("redis://{}", proxy.addr), "2000").await;
    let b = gateway(&upstream, &redis.url(), "200").await;
    for app in [&a, &b] {
        wait_until(app, |cache| {
            cache["redis"] == "connected" && cache["followsInvalidations"] == true
        })
        .await;
    }
    // Only B has asked: the old copy is in Redis, not in A.
    assert_eq!(title(&b).await, "item 1");
    wait_for_key(&redis, &upc_a(1)).await;
    upstream.insert_product(&upc_a(1), "item 1, renamed");

    // A's lookup asks Redis, and its answer (the old copy) lands after A's
    // invalidation forgot the product locally but before the `DEL` behind it.
    proxy.stall(true);
    let lookup = {
        let (client, address) = (a.client.clone(), a.address.clone());
        tokio::spawn(async move { post_title(&client, &address, 1).await })
    };
    proxy.wait_held("MGET").await;
    let post = {
        let (client, address) = (a.client.clone(), a.address.clone());
        tokio::spawn(async move { post_invalidate(&client, &address).await })
    };
    proxy.wait_held("DEL").await;
    proxy.stall(false);
    let looked_up = lookup.await.unwrap();
    let answer = post.await.unwrap();
    let sent = Instant::now();

    assert_eq!(looked_up, "item 1", "begun before the change");
    assert_eq!(answer["redis"], "done", "{answer}");
    let served = new_title_by(&a, sent + WITHIN).await;
    assert_eq!(served, "item 1, renamed");
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// An upstream holding items 1 and 2.
async fn upstream() -> TestUpstream {
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "item 1");
    upstream.insert_product(&upc_a(2), "item 2");
    upstream
}

/// A gateway on `redis_url` with the admin route, a Redis budget of `budget_ms`
/// and a fetch deadline of 10 s (its own second invalidation, after that, stays
/// out of every test's window).
async fn gateway(upstream: &TestUpstream, redis_url: &str, budget_ms: &str) -> TestApp {
    let flags = [
        "--cache-redis-url",
        redis_url,
        "--cache-redis-budget-ms",
        budget_ms,
        "--admin-token",
        TOKEN,
        "--upstream-fetch-deadline-ms",
        "10000",
    ];
    TestApp::spawn(Some(&upstream.url()), &flags).await
}

/// Both replicas follow the stream and hold item 1; then the upstream renames it.
async fn both_hold_item_1(a: &TestApp, b: &TestApp, upstream: &TestUpstream) {
    for app in [a, b] {
        wait_until(app, |cache| {
            cache["redis"] == "connected" && cache["followsInvalidations"] == true
        })
        .await;
        assert_eq!(title(app).await, "item 1");
    }
    upstream.insert_product(&upc_a(1), "item 1, renamed");
    assert_eq!(title(b).await, "item 1", "B holds it");
}

async fn title(app: &TestApp) -> String {
    title_of(app, 1).await
}

async fn title_of(app: &TestApp, item: u32) -> String {
    post_title(&app.client, &app.address, item).await
}

async fn post_title(client: &reqwest::Client, address: &str, item: u32) -> String {
    let body: Value = client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": PRODUCT, "variables": { "g": upc_a(item) } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["product"]["title"]
        .as_str()
        .unwrap_or_else(|| panic!("no title: {body}"))
        .to_owned()
}

/// `POST /admin/invalidate` of item 1; its JSON answer.
async fn invalidate(app: &TestApp) -> Value {
    post_invalidate(&app.client, &app.address).await
}

async fn post_invalidate(client: &reqwest::Client, address: &str) -> Value {
    let response = client
        .post(format!("{address}/admin/invalidate"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .json(&json!({ "gtins": [upc_a(1)] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Asks `app` for item 1 until it answers the renamed title or `deadline`
/// passes; the last title answered.
async fn new_title_by(app: &TestApp, deadline: Instant) -> String {
    loop {
        let served = title(app).await;
        if served == "item 1, renamed" || Instant::now() >= deadline {
            return served;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The `/readyz` detail of the product cache.
async fn cache_detail(app: &TestApp) -> Value {
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    body["detail"]["cache"].clone()
}

/// Waits (at most [`EVENTUALLY`]) until the product cache's detail satisfies `ready`.
async fn wait_until(app: &TestApp, ready: impl Fn(&Value) -> bool) {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let cache = cache_detail(app).await;
        if ready(&cache) {
            return;
        }
        assert!(Instant::now() < deadline, "never ready: {cache}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Adds `n` entries naming no product to the invalidation stream, with the
/// gateway's own length bound; the stream's length afterwards.
async fn flood_stream(redis: &RedisServer, n: usize) -> u64 {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let stream = "catalog-gateway:v1:invalidations";
    let mut pipe = redis::pipe();
    for i in 0..n {
        pipe.cmd("XADD")
            .arg(stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(10_000)
            .arg("*")
            .arg("filler")
            .arg(i)
            .ignore();
    }
    pipe.exec_async(&mut conn).await.unwrap();
    redis::cmd("XLEN")
        .arg(stream)
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// Waits until Redis holds the cached product of `upc` (written in the background).
async fn wait_for_key(redis: &RedisServer, upc: &str) {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("catalog-gateway:v1:00{upc}");
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let held: bool = redis::cmd("EXISTS")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        if held {
            return;
        }
        assert!(Instant::now() < deadline, "{key} never written");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

//! Redis as operators run it, with real servers on loopback ports: a master with a
//! replica watched by a Sentinel (the master killed under load, the tier used again
//! after the promotion, no request failed), a 3-master Cluster (a basket across
//! slots; a rate limit shared through it), an ACL user whose password comes from
//! the environment and reaches no log line, and `rediss://` with a throwaway CA.
//!
//! Each test starts its own `redis-server` processes (killed on drop) from `PATH` (or
//! `REDIS_SERVER`), `redis-cli` to join a Cluster, and `openssl` to make a certificate.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use catalog_gateway::cache::{CacheSettings, Cached, ProductCache, RedisSettings};
use catalog_gateway::catalog::{Availability, Product};
use catalog_gateway::config::Settings;
use catalog_gateway::demo::DemoCatalog;
use catalog_gateway::gtin::Gtin;
use catalog_gateway::redis_topology::{LinkTimeouts, RedisLink, RedisTarget};
use serde_json::{Value, json};

use crate::support::{
    Cluster, Node, TestApp, TestUpstream, eventually, free_port, temp_dir, throwaway_certificates,
    upc_a,
};

/// How long to wait for something that happens in the background.
const EVENTUALLY: Duration = Duration::from_secs(10);
const BASKET: &str = "query($g: [String!]!) { products(gtins: $g) { gtin } }";

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_on_sentinel_uses_the_new_master_after_a_failover_and_no_request_fails() {
    // Arrange: master, replica, one Sentinel (quorum 1) that fails over fast.
    let dir = temp_dir("sentinel");
    let master = Node::start(&[]).await;
    let replica = Node::start(&["--replicaof", "127.0.0.1", &master.port.to_string()]).await;
    let sentinel = Node::sentinel(&dir, master.port).await;
    let app = TestApp::spawn(
        None,
        &[
            "--cache-redis-sentinels",
            &format!("127.0.0.1:{}", sentinel.port),
            "--cache-redis-sentinel-master",
            "catalog",
            "--cache-redis-budget-ms",
            "200",
        ],
    )
    .await;
    wait_for_tier(&app).await;
    let ok = basket(&app, 0..10).await;
    assert!(ok, "a basket before the failover failed");
    eventually(
        || async { master.dbsize().await >= 10 },
        "writes reach the master",
    )
    .await;

    // Act: the master dies; requests keep coming while the Sentinel promotes.
    let mut master = master;
    master.kill();
    let killed = Instant::now();
    let mut failed = 0;
    let mut round = 0;
    loop {
        round += 1;
        if !basket(&app, 100 + round * 5..105 + round * 5).await {
            failed += 1;
        }
        if sentinel.master_port().await == Some(replica.port) {
            break;
        }
        assert!(killed.elapsed() < Duration::from_secs(30), "no promotion");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let promoted = Instant::now();

    // Assert: the tier is used again on the new master, without a restart.
    let before = replica.dbsize().await;
    let mut next = 1000;
    loop {
        next += 5;
        if !basket(&app, next..next + 5).await {
            failed += 1;
        }
        if replica.dbsize().await > before && tier(&app).await == "connected" {
            break;
        }
        assert!(
            promoted.elapsed() < EVENTUALLY,
            "tier {} and no write on the new master within {EVENTUALLY:?}",
            tier(&app).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(failed, 0, "requests failed during the failover");
    eprintln!(
        "sentinel failover: promoted {:?} after the kill, tier used again {:?} after the promotion",
        promoted - killed,
        promoted.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basket_across_cluster_slots_is_cached_by_one_replica_and_read_by_another() {
    // Arrange
    let cluster = Cluster::start().await;
    let a = cache_on(cluster.target());
    let b = cache_on(cluster.target());
    let keys: Vec<Gtin> = (0..30)
        .map(|i| DemoCatalog::generated_gtin(i).unwrap())
        .collect();
    let entries: Vec<(Gtin, Option<Arc<Product>>)> =
        keys.iter().map(|&gtin| (gtin, product(gtin))).collect();
    eventually(
        || async { a.redis_status() == Some("connected") && b.redis_status() == Some("connected") },
        "the cache connects to the cluster",
    )
    .await;

    // Act: one MGET on B for keys spread over every master.
    a.put_many(&entries).await;
    eventually(
        || async { cluster.dbsizes().await.iter().sum::<u64>() >= 30 },
        "the writes land",
    )
    .await;
    let answers = b.get_many(&keys).await;

    // Assert
    let expected: Vec<Cached> = entries
        .iter()
        .map(|(_, product)| Cached::Fresh(product.clone()))
        .collect();
    assert_eq!(answers, expected);
    let sizes = cluster.dbsizes().await;
    assert!(
        sizes.iter().all(|&n| n > 0),
        "keys on every master: {sizes:?}"
    );
    assert_eq!(b.stats().redis_errors, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_is_shared_through_a_cluster() {
    // Arrange: two gateways, 5 units of burst fleet-wide, slow refill.
    let cluster = Cluster::start().await;
    let nodes = cluster.urls().join(",");
    let flags = [
        "--rate-limit",
        "0.5",
        "--rate-limit-burst",
        "5",
        "--client-id-header",
        "x-client-id",
        "--rate-limit-redis-cluster",
        &nodes,
        "--rate-limit-redis-budget-ms",
        "2000",
    ];
    let apps = [
        TestApp::spawn(None, &flags).await,
        TestApp::spawn(None, &flags).await,
    ];

    // Act: one client, 20 requests alternating between the two.
    let mut allowed = 0;
    for n in 0..20 {
        let status = apps[n % 2]
            .client
            .post(format!("{}/graphql", apps[n % 2].address))
            .header("x-client-id", "shared-client")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap()
            .status();
        if status == 200 {
            allowed += 1;
        }
    }

    // Assert: the burst once, not once per replica (10), and Redis was used.
    assert!((5..=6).contains(&allowed), "allowed {allowed} of 20");
    for app in &apps {
        let body: Value = app.get("/readyz").await.json().await.unwrap();
        assert_eq!(body["detail"]["protection"]["redisFallbacks"], 0, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_reaches_the_other_replica_through_a_cluster() {
    // Arrange: two gateways following invalidations through the Cluster.
    let cluster = Cluster::start().await;
    let upstream = TestUpstream::start().await;
    let mut urls = cluster.urls();
    let on_first = ["--cache-redis-cluster", &urls.join(",")].map(str::to_owned);
    urls.rotate_left(1);
    let on_second = ["--cache-redis-cluster", &urls.join(",")].map(str::to_owned);
    let a = gateway(&upstream, &on_first).await;
    let b = gateway(&upstream, &on_second).await;

    // Act / Assert
    invalidation_reaches(&upstream, &a, &b, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sentinel_failover_invalidations_reach_the_other_replica_again() {
    // Arrange
    let dir = temp_dir("sentinel-inval");
    let mut master = Node::start(&[]).await;
    let replica = Node::start(&["--replicaof", "127.0.0.1", &master.port.to_string()]).await;
    let sentinel = Node::sentinel(&dir, master.port).await;
    let upstream = TestUpstream::start().await;
    let flags = [
        "--cache-redis-sentinels".to_owned(),
        format!("127.0.0.1:{}", sentinel.port),
        "--cache-redis-sentinel-master".to_owned(),
        "catalog".to_owned(),
    ];
    let a = gateway(&upstream, &flags).await;
    let b = gateway(&upstream, &flags).await;
    invalidation_reaches(&upstream, &a, &b, 1).await;

    // Act: the master dies and the Sentinel promotes the replica.
    master.kill();
    eventually(
        || async { sentinel.master_port().await == Some(replica.port) },
        "the replica is promoted",
    )
    .await;

    // Assert: both follow invalidations on the new master without a restart.
    invalidation_reaches(&upstream, &a, &b, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dedicated_connection_blocks_on_xread_while_the_shared_one_answers() {
    // On one node and on a Cluster alike (the stream key routes the XREAD).
    let node = Node::start(&[]).await;
    let cluster = Cluster::start().await;
    for target in [RedisTarget::single(node.url()), cluster.target()] {
        let timeouts = LinkTimeouts {
            connect: Duration::from_secs(1),
            response: Duration::from_millis(500),
        };
        let shared = RedisLink::new(target.clone(), timeouts).unwrap();
        let mut blocking = shared.dedicated(None).await.unwrap();
        let reader = tokio::spawn(async move {
            let mut xread = redis::cmd("XREAD");
            xread
                .arg("BLOCK")
                .arg(3000)
                .arg("STREAMS")
                .arg("invalidations")
                .arg("$");
            xread.query_async::<redis::Value>(&mut blocking).await
        });
        tokio::time::sleep(Duration::from_millis(200)).await;

        // The shared connection is not held up by the blocked read.
        let mut link = shared.clone();
        let started = Instant::now();
        let pong: String = redis::cmd("PING").query_async(&mut link).await.unwrap();
        assert_eq!(pong, "PONG");
        assert!(started.elapsed() < Duration::from_secs(1), "{target:?}");
        let mut xadd = redis::cmd("XADD");
        xadd.arg("invalidations")
            .arg("*")
            .arg("gtin")
            .arg("00000000000017");
        let _: String = xadd.query_async(&mut link).await.unwrap();

        let read = reader.await.unwrap().unwrap();
        assert!(
            format!("{read:?}").contains("00000000000017"),
            "{target:?}: {read:?}"
        );
    }
}

#[tokio::test]
async fn an_acl_user_from_the_environment_connects_and_its_password_is_never_logged() {
    // Arrange: a Redis whose default user is off; only `gateway` may log in.
    let password = "pw-7f3a9c-never-logged";
    let redis = Node::start(&[
        "--user",
        "default",
        "off",
        "--user",
        "gateway",
        "on",
        &format!(">{password}"),
        "~*",
        "&*",
        "+@all",
    ])
    .await;
    let logs = Logs::default();
    let _capture = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(logs.clone())
            .finish(),
    );
    let start = |password: &'static str| {
        let env = move |name: &str| match name {
            "CATALOG_CACHE_REDIS_USERNAME" => Some("gateway".to_owned()),
            "CATALOG_CACHE_REDIS_PASSWORD" => Some(password.to_owned()),
            _ => None,
        };
        let flags = [
            "--listen",
            "127.0.0.1:0",
            "--cache-redis-url",
            &redis.url(),
            "--rate-limit",
            "100",
        ]
        .map(str::to_owned);
        Settings::from_flags_with_env(flags, &env).unwrap()
    };

    // Act
    let wrong = TestApp::start(start("not-the-password")).await;
    let right = TestApp::start(start(password)).await;
    wait_for_tier(&right).await;
    assert!(basket(&right, 0..3).await);
    eventually(
        || async { redis.dbsize_as("gateway", password).await >= 3 },
        "writes land",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;

    // Assert: right logged in, wrong did not; the password is in no log line.
    assert_eq!(tier(&wrong).await, "down");
    let text = logs.text();
    assert!(text.contains("redis tier"), "logs captured: {text}");
    assert!(!text.contains(password), "the password was logged");
    assert!(!text.contains("not-the-password"), "a password was logged");
}

#[tokio::test]
async fn rediss_with_a_private_ca_is_used_end_to_end() {
    // Arrange: a TLS-only Redis with a certificate for localhost from a throwaway CA.
    let dir = temp_dir("tls");
    let ca = throwaway_certificates(&dir);
    let port = free_port();
    let _redis = Node::start_raw(
        port,
        &[
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--tls-cert-file",
            dir.join("server.crt").to_str().unwrap(),
            "--tls-key-file",
            dir.join("server.key").to_str().unwrap(),
            "--tls-ca-cert-file",
            dir.join("ca.crt").to_str().unwrap(),
            "--tls-auth-clients",
            "no",
        ],
    )
    .await;
    let target = RedisTarget {
        ca_certificate: Some(ca),
        ..RedisTarget::single(format!("rediss://localhost:{port}"))
    };
    let a = cache_on(target.clone());
    let b = cache_on(target);
    let keys: Vec<Gtin> = (0..3)
        .map(|i| DemoCatalog::generated_gtin(i).unwrap())
        .collect();

    // Act
    let entries: Vec<_> = keys.iter().map(|&gtin| (gtin, product(gtin))).collect();
    eventually(
        || async {
            a.put_many(&entries).await;
            b.get_many(&keys)
                .await
                .iter()
                .all(|c| matches!(c, Cached::Fresh(_)))
        },
        "a TLS write read back by another replica",
    )
    .await;

    // Assert
    assert_eq!(b.redis_status(), Some("connected"));
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const TOKEN: &str = "test-admin-token-0123456789";
const PRODUCT: &str = "query($g: String!) { product(gtin: $g) { title } }";

/// A gateway in front of `upstream` with `flags`, following invalidations.
async fn gateway(upstream: &TestUpstream, flags: &[String]) -> TestApp {
    let mut all: Vec<&str> = flags.iter().map(String::as_str).collect();
    all.extend(["--cache-redis-budget-ms", "200", "--admin-token", TOKEN]);
    let app = TestApp::spawn(Some(&upstream.url()), &all).await;
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let body: Value = app.get("/readyz").await.json().await.unwrap();
        let cache = &body["detail"]["cache"];
        if cache["redis"] == "connected" && cache["followsInvalidations"] == true {
            return app;
        }
        assert!(
            Instant::now() < deadline,
            "never followed invalidations: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The title `app` serves for `upc`.
async fn title(app: &TestApp, upc: &str) -> String {
    let body = app.query_with(PRODUCT, json!({ "g": upc })).await;
    body["data"]["product"]["title"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

/// Item `n` is cached by `a` and `b`, renamed upstream and invalidated on `a`:
/// `b` serves the new title within [`EVENTUALLY`] (not after its 300 s TTL).
async fn invalidation_reaches(upstream: &TestUpstream, a: &TestApp, b: &TestApp, n: u32) {
    let upc = upc_a(n);
    upstream.insert_product(&upc, &format!("item {n}"));
    for app in [a, b] {
        assert_eq!(title(app, &upc).await, format!("item {n}"));
    }
    upstream.insert_product(&upc, &format!("item {n}, renamed"));
    assert_eq!(title(b, &upc).await, format!("item {n}"), "B holds it");
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let answer = a
            .client
            .post(format!("{}/admin/invalidate", a.address))
            .header("authorization", format!("Bearer {TOKEN}"))
            .json(&json!({ "gtins": [upc] }))
            .send()
            .await
            .unwrap();
        let body: Value = answer.json().await.unwrap();
        // Right after a failover the first try may find Redis down: an operator retries.
        if body["redis"] == "done" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the invalidation never reached Redis: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eventually(
        || async { title(b, &upc).await == format!("item {n}, renamed") },
        "B forgets the product",
    )
    .await;
}

/// Asks `app` for the demo products `items`; whether it answered them all.
async fn basket(app: &TestApp, items: std::ops::Range<u32>) -> bool {
    let gtins: Vec<String> = items
        .map(|i| DemoCatalog::generated_gtin(i).unwrap().gtin14().to_owned())
        .collect();
    let body = app.query_with(BASKET, json!({ "g": gtins })).await;
    body.get("errors").is_none()
        && body["data"]["products"].as_array().map(Vec::len) == Some(gtins.len())
}

async fn tier(app: &TestApp) -> String {
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    body["detail"]["cache"]["redis"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

async fn wait_for_tier(app: &TestApp) {
    let deadline = Instant::now() + EVENTUALLY;
    while tier(app).await != "connected" {
        basket(app, 0..1).await;
        assert!(Instant::now() < deadline, "the tier never connected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn cache_on(target: RedisTarget) -> ProductCache {
    ProductCache::new(CacheSettings {
        redis: Some(RedisSettings {
            target,
            budget: Duration::from_millis(500),
            ..RedisSettings::default()
        }),
        ..CacheSettings::default()
    })
}

fn product(gtin: Gtin) -> Option<Arc<Product>> {
    Some(Arc::new(Product {
        availability: Availability::InStock,
        ..Product::bare(gtin, &format!("Product {gtin}"))
    }))
}

/// Log lines of the tracing subscriber set for one test.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

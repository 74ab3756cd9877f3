//! The product cache's shared Redis tier against a real `redis-server`: two
//! `ProductCache`s ("replicas") share one Redis, and Redis is stopped, stalled,
//! replaced by a listener that never answers, and brought back.
//!
//! Each test starts its own `redis-server` on a free port as a child process (killed
//! on drop), so tests never share state. `redis-server` must be installed
//! (`apt-get install -y redis-server`); it is found on `PATH`, or at the path in the
//! `REDIS_SERVER` environment variable. A missing binary fails the tests loudly.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use catalog_gateway::cache::{CacheSettings, CacheStats, Cached, ProductCache, RedisSettings};
use catalog_gateway::catalog::{Availability, Price, Product};
use catalog_gateway::gtin::Gtin;
use catalog_gateway::redis_topology::RedisTarget;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::support::{Proxy, RedisServer, keys};

/// The most a lookup may take with Redis dead or stalled: the 20 ms budget plus
/// room for a loaded CI machine.
const BOUND: Duration = Duration::from_millis(100);
/// How long to wait for something that happens in the background (a write landing,
/// a reconnect after the prober's next ping).
const EVENTUALLY: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_put_on_one_replica_is_a_fresh_hit_on_another() {
    // Arrange
    let redis = RedisServer::start().await;
    let a = replica(&redis.url(), |_| {});
    let b = replica(&redis.url(), |_| {});
    let keys = keys(0, 3);
    wait_connected(&[&a, &b]).await;

    // Act
    a.put_many(&[(keys[0], product(keys[0])), (keys[1], None)])
        .await;
    let answers = eventually_fresh(&b, &keys[..2]).await;

    // Assert
    assert_eq!(
        answers,
        vec![Cached::Fresh(product(keys[0])), Cached::Fresh(None)]
    );
    let before = b.stats();
    assert!(before.redis_hits >= 2, "{before:?}");
    // B copied the Redis hits into its own tier: asking again does not reach Redis.
    assert_eq!(b.get_many(&keys[..2]).await, answers);
    let after = b.stats();
    assert_eq!(
        after.redis_hits + after.redis_misses,
        before.redis_hits + before.redis_misses
    );
    assert_eq!(b.get_many(&[keys[2]]).await, vec![Cached::Miss]);
    assert_eq!(a.stats().redis_errors + b.stats().redis_errors, 0);
}

#[tokio::test]
async fn redis_expiry_and_every_replicas_freshness_follow_the_writers_fetch_time() {
    // Arrange: short lifetimes so the test can watch them pass.
    let redis = RedisServer::start().await;
    let short = |s: &mut CacheSettings| {
        s.ttl = Duration::from_millis(800);
        s.max_stale = Duration::from_millis(800);
        s.negative_ttl = Duration::from_millis(300);
    };
    let a = replica(&redis.url(), short);
    let b = replica(&redis.url(), short);
    let keys = keys(10, 2);
    wait_connected(&[&a, &b]).await;

    // Act
    let put_at = Instant::now();
    a.put_many(&[(keys[0], product(keys[0])), (keys[1], None)])
        .await;
    let fresh = eventually_fresh(&b, &keys).await;

    // Assert: Redis keeps a product ttl + max_stale and "not found" negative_ttl.
    let pttl = redis.pttl(&keys).await;
    assert!((1_400..=1_600).contains(&pttl[0]), "{pttl:?}");
    assert!((100..=300).contains(&pttl[1]), "{pttl:?}");
    assert_eq!(
        fresh,
        vec![Cached::Fresh(product(keys[0])), Cached::Fresh(None)]
    );

    // Past the TTL, a replica that never saw the entry finds it stale through Redis
    // (the age came with it), and "not found" is gone.
    sleep_until(put_at + Duration::from_millis(1_000)).await;
    let c = replica(&redis.url(), short);
    wait_connected(&[&c]).await;
    assert_eq!(
        c.get_many(&keys).await,
        vec![Cached::Stale(product(keys[0])), Cached::Miss]
    );
    assert_eq!(
        b.get_many(&keys).await,
        vec![Cached::Stale(product(keys[0])), Cached::Miss]
    );

    // Past ttl + max_stale, it is gone everywhere.
    sleep_until(put_at + Duration::from_millis(1_700)).await;
    let d = replica(&redis.url(), short);
    wait_connected(&[&d]).await;
    assert_eq!(d.get_many(&keys).await, vec![Cached::Miss, Cached::Miss]);
    assert_eq!(b.get_many(&keys).await, vec![Cached::Miss, Cached::Miss]);
}

#[tokio::test]
async fn a_stopped_redis_costs_a_lookup_at_most_its_budget_and_the_local_tier_keeps_serving() {
    // Arrange
    let mut redis = RedisServer::start().await;
    let a = replica(&redis.url(), |_| {});
    let keys = keys(20, 3);
    wait_connected(&[&a]).await;
    a.put_many(&[(keys[0], product(keys[0]))]).await;

    // Act
    redis.stop();
    let mut slowest = Duration::ZERO;
    let mut answers = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        answers = a.get_many(&keys[..2]).await;
        a.put_many(&[(keys[2], None)]).await;
        slowest = slowest.max(started.elapsed());
    }

    // Assert
    assert!(
        slowest < BOUND,
        "a lookup took {slowest:?} with Redis stopped"
    );
    assert_eq!(answers, vec![Cached::Fresh(product(keys[0])), Cached::Miss]);
    assert_eq!(a.get_many(&keys[2..]).await, vec![Cached::Fresh(None)]);
    assert_eq!(a.redis_status(), Some("down"));
    let stats = a.stats();
    assert!(stats.redis_errors + stats.redis_timeouts >= 1, "{stats:?}");
}

#[tokio::test]
async fn a_restarted_redis_is_used_again_by_every_replica() {
    // Arrange: both replicas used Redis, then it went away and they noticed.
    let mut redis = RedisServer::start().await;
    let a = replica(&redis.url(), |_| {});
    let b = replica(&redis.url(), |_| {});
    let keys = keys(30, 3);
    wait_connected(&[&a, &b]).await;
    a.put_many(&[(keys[0], product(keys[0]))]).await;
    eventually_fresh(&b, &keys[..1]).await;
    redis.stop();
    a.get_many(&keys[1..2]).await;
    b.get_many(&keys[1..2]).await;
    assert_eq!(a.redis_status(), Some("down"));

    // Act: a new, empty Redis on the same address.
    let _redis = RedisServer::start_on(redis.port).await;
    wait_connected(&[&a]).await;
    a.put_many(&[(keys[1], product(keys[1])), (keys[2], None)])
        .await;

    // Assert
    let answers = eventually_fresh(&b, &keys[1..]).await;
    assert_eq!(
        answers,
        vec![Cached::Fresh(product(keys[1])), Cached::Fresh(None)]
    );
    assert_eq!(b.redis_status(), Some("connected"));
}

#[tokio::test]
async fn a_redis_that_accepts_but_never_answers_costs_at_most_the_budget() {
    // Arrange: a listener that takes connections and reads, but never writes.
    let silent = SilentListener::start().await;
    let a = replica(&format!("redis://{}", silent.addr), |_| {});
    let keys = keys(40, 2);
    a.put_many(&[(keys[0], product(keys[0]))]).await;

    // Act
    let mut slowest = Duration::ZERO;
    let mut answers = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        answers = a.get_many(&keys).await;
        a.put_many(&[(keys[0], product(keys[0]))]).await;
        slowest = slowest.max(started.elapsed());
    }

    // Assert
    assert!(
        slowest < BOUND,
        "a lookup took {slowest:?} against a silent Redis"
    );
    assert_eq!(answers, vec![Cached::Fresh(product(keys[0])), Cached::Miss]);
    assert_ne!(a.redis_status(), Some("connected"));
    let stats = a.stats();
    assert!(stats.redis_timeouts >= 1, "{stats:?}");
}

#[tokio::test]
async fn a_redis_that_stalls_mid_connection_costs_at_most_the_budget_then_recovers() {
    // Arrange: A reaches Redis through a proxy that can stop forwarding; B directly.
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.port).await;
    let a = replica(&format!("redis://{}", proxy.addr), |_| {});
    let b = replica(&redis.url(), |_| {});
    let keys = keys(50, 3);
    wait_connected(&[&a, &b]).await;
    a.put_many(&[(keys[0], product(keys[0]))]).await;
    eventually_fresh(&b, &keys[..1]).await;

    // Act: the connection stays open but nothing comes back.
    proxy.stall(true);
    let started = Instant::now();
    let stalled = a.get_many(&keys[1..2]).await;
    let elapsed = started.elapsed();

    // Assert
    assert!(
        elapsed < BOUND,
        "a lookup took {elapsed:?} with Redis stalled"
    );
    assert_eq!(stalled, vec![Cached::Miss]);
    assert!(a.stats().redis_timeouts >= 1, "{:?}", a.stats());
    assert_eq!(a.redis_status(), Some("down"));
    // While down, lookups skip Redis instead of paying the budget again.
    let before = a.stats();
    a.get_many(&keys[1..2]).await;
    let after = a.stats();
    let redis_ops =
        |s: &CacheStats| s.redis_hits + s.redis_misses + s.redis_errors + s.redis_timeouts;
    assert_eq!(redis_ops(&after), redis_ops(&before), "{after:?}");

    // Act: the network comes back; what B wrote meanwhile reaches A.
    b.put_many(&[(keys[2], product(keys[2]))]).await;
    proxy.stall(false);
    wait_connected(&[&a]).await;

    // Assert
    let answers = eventually_fresh(&a, &keys[2..]).await;
    assert_eq!(answers, vec![Cached::Fresh(product(keys[2]))]);
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A cache with default settings (20 ms Redis budget) on `url`, adjusted by `change`.
fn replica(url: &str, change: impl FnOnce(&mut CacheSettings)) -> ProductCache {
    let mut settings = CacheSettings {
        redis: Some(RedisSettings {
            target: RedisTarget::single(url),
            ..RedisSettings::default()
        }),
        ..CacheSettings::default()
    };
    change(&mut settings);
    ProductCache::new(settings)
}

fn product(gtin: Gtin) -> Option<Arc<Product>> {
    Some(Arc::new(Product {
        gtin,
        title: format!("Product {gtin}").into(),
        brand: Some("Acme".to_owned().into()),
        description: None,
        price: Some(Price {
            amount: "1.25".to_owned().into(),
            currency: "EUR".to_owned().into(),
        }),
        images: vec![],
        categories: vec!["Test".to_owned().into()],
        attributes: vec![],
        availability: Availability::InStock,
        updated_at: None,
    }))
}

/// Waits until every cache reports Redis `connected`.
async fn wait_connected(caches: &[&ProductCache]) {
    let deadline = Instant::now() + EVENTUALLY;
    while caches.iter().any(|c| c.redis_status() != Some("connected")) {
        assert!(
            Instant::now() < deadline,
            "Redis not connected after {EVENTUALLY:?}: {:?}",
            caches.iter().map(|c| c.redis_status()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asks `cache` for `keys` until every answer is `Fresh` (writes land in the
/// background), and returns those answers.
async fn eventually_fresh(cache: &ProductCache, keys: &[Gtin]) -> Vec<Cached> {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let answers = cache.get_many(keys).await;
        if answers.iter().all(|a| matches!(a, Cached::Fresh(_))) {
            return answers;
        }
        assert!(
            Instant::now() < deadline,
            "not fresh after {EVENTUALLY:?}: {answers:?} (status {:?}, {:?})",
            cache.redis_status(),
            cache.stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sleep_until(at: Instant) {
    tokio::time::sleep_until(at.into()).await;
}

/// Accepts connections and reads whatever comes, but never answers.
struct SilentListener {
    addr: std::net::SocketAddr,
    task: JoinHandle<()>,
}

impl SilentListener {
    async fn start() -> SilentListener {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut sink = [0u8; 1024];
                    while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                });
            }
        });
        SilentListener { addr, task }
    }
}

impl Drop for SilentListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

//! The REST catalog client's resilience against a real local upstream: retries
//! (what is and is not retried, the retry budget, the fetch deadline), the circuit
//! breaker (opening, failing fast, half-open probe, closing), per-item error codes
//! with the good items still returned, and the health counters.
//!
//! Every test runs on tokio's paused clock, with the local upstream in the same
//! runtime: timeouts, backoffs, `open_for` and the upstream's delays are virtual
//! time, which moves only when every task waits on a timer (loopback I/O is ready
//! before that). So a loaded machine cannot stretch a 100 ms timeout or shrink a
//! 400 ms delay: the calls counted, the codes and the virtual durations asserted
//! are the same on every run, and the tests take no wall time waiting.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::num::NonZeroUsize;
use std::time::Duration;

use catalog_gateway::catalog::{
    BreakerSettings, BreakerState, Catalog, CatalogError, FetchResult, RestCatalog,
    RestCatalogSettings, RetryPolicy,
};
use catalog_gateway::gtin::Gtin;
use tokio::time::Instant;

use crate::support::{Failure, TestUpstream, keys, stock, title_for};

const MS: Duration = Duration::from_millis(1);

/// Fast test settings against `upstream`: 150 ms per call, 2 retries 5-20 ms
/// apart, a breaker that opens after 5 failures in a row and stays open 150 ms;
/// then adjusted by `change`.
fn client_with(
    upstream: &TestUpstream,
    change: impl FnOnce(&mut RestCatalogSettings),
) -> RestCatalog {
    let mut settings = RestCatalogSettings::new(upstream.base_url());
    settings.timeout = 150 * MS;
    settings.connect_timeout = 100 * MS;
    settings.retry = RetryPolicy {
        base_backoff: 5 * MS,
        max_backoff: 20 * MS,
        ..RetryPolicy::default()
    };
    settings.breaker = BreakerSettings {
        open_for: 150 * MS,
        ..BreakerSettings::default()
    };
    change(&mut settings);
    RestCatalog::new(settings).unwrap()
}

/// A breaker that never opens, for tests about retries alone.
fn no_breaker() -> BreakerSettings {
    BreakerSettings {
        failure_threshold: u32::MAX,
        min_calls: u32::MAX,
        ..BreakerSettings::default()
    }
}

/// A breaker that opens after `run` failures in a row and stays open `open_for`.
fn breaker(run: u32, open_for: Duration) -> BreakerSettings {
    BreakerSettings {
        failure_threshold: run,
        open_for,
        ..BreakerSettings::default()
    }
}

/// Asserts `result` is the product stored for `key`, under its own key.
fn assert_product(key: &Gtin, result: &FetchResult) {
    let product = result
        .as_ref()
        .unwrap_or_else(|e| panic!("{key:?}: {e}"))
        .as_ref()
        .unwrap_or_else(|| panic!("{key:?} not found"));
    assert_eq!(product.gtin, *key, "product for another key returned");
    assert_eq!(product.title, title_for(key));
}

fn code(result: &FetchResult) -> Option<&'static str> {
    result.as_ref().err().map(|error| error.code().as_str())
}

fn is_circuit_open(result: &FetchResult) -> bool {
    result == &Err(CatalogError::Unavailable("circuit open".into()))
}

// ---- retries ----

#[tokio::test(start_paused = true)]
async fn a_burst_of_503s_shorter_than_max_retries_is_absorbed_by_retries() {
    for batch in [true, false] {
        // Arrange
        let upstream = TestUpstream::start().await;
        let keys = keys(0, 1);
        stock(&upstream, &keys);
        upstream.fail_next(2, Failure::Status(503));
        let catalog = client_with(&upstream, |s| s.batch = batch);

        // Act
        let results = catalog.fetch(&keys).await;

        // Assert
        assert_product(&keys[0], &results[0]);
        assert_eq!(
            upstream.call_count(),
            3,
            "batch={batch}: 1 call + 2 retries"
        );
        let health = catalog.health();
        assert_eq!((health.calls, health.retries), (3, 2), "batch={batch}");
        assert_eq!(health.failures, 2);
        assert_eq!(health.consecutive_failures, 0, "the last call succeeded");
    }
}

#[tokio::test(start_paused = true)]
async fn bad_gateway_and_gateway_timeout_are_retried_like_503() {
    for status in [502, 504] {
        let upstream = TestUpstream::start().await;
        let keys = keys(0, 1);
        stock(&upstream, &keys);
        upstream.fail_next(1, Failure::Status(status));

        let results = client_with(&upstream, |_| {}).fetch(&keys).await;

        assert_product(&keys[0], &results[0]);
        assert_eq!(upstream.call_count(), 2, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_503_that_outlasts_max_retries_is_unavailable_after_exactly_max_retries() {
    let upstream = TestUpstream::start().await;
    upstream.fail_always(Some(Failure::Status(503)));
    let catalog = client_with(&upstream, |s| s.retry.max_retries = 3);

    let results = catalog.fetch(&keys(0, 2)).await;

    assert!(
        results
            .iter()
            .all(|r| code(r) == Some("UPSTREAM_UNAVAILABLE")),
        "{results:?}"
    );
    assert_eq!(upstream.call_count(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_500_is_not_retried() {
    for batch in [true, false] {
        let upstream = TestUpstream::start().await;
        upstream.fail_always(Some(Failure::Status(500)));
        let catalog = client_with(&upstream, |s| s.batch = batch);

        let results = catalog.fetch(&keys(0, 1)).await;

        assert_eq!(code(&results[0]), Some("UPSTREAM_UNAVAILABLE"));
        assert_eq!(upstream.call_count(), 1, "batch={batch}");
        assert_eq!(catalog.health().retries, 0);
    }
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_neither_retried_nor_counted_against_the_upstream() {
    for (status, batch) in [(400, true), (404, true), (429, true), (400, false)] {
        // Arrange: a breaker that would open on the first failure.
        let upstream = TestUpstream::start().await;
        upstream.fail_always(Some(Failure::Status(status)));
        let catalog = client_with(&upstream, |s| {
            s.batch = batch;
            s.breaker = breaker(1, Duration::from_secs(10));
        });

        // Act
        let first = catalog.fetch(&keys(0, 1)).await;
        let second = catalog.fetch(&keys(0, 1)).await;

        // Assert
        assert_eq!(code(&first[0]), Some("UPSTREAM_BAD_RESPONSE"), "{status}");
        assert_eq!(code(&second[0]), Some("UPSTREAM_BAD_RESPONSE"), "{status}");
        assert_eq!(upstream.call_count(), 2, "{status} batch={batch}");
        let health = catalog.health();
        assert_eq!(health.breaker, BreakerState::Closed, "{status}");
        assert_eq!(health.failures, 0, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_garbage_body_is_not_retried_and_does_not_trip_the_breaker() {
    // Arrange: a breaker that would open on the first failure.
    let upstream = TestUpstream::start().await;
    upstream.fail_always(Some(Failure::GarbageBody));
    let catalog = client_with(&upstream, |s| s.breaker = breaker(1, 150 * MS));

    // Act
    for _ in 0..3 {
        let results = catalog.fetch(&keys(0, 1)).await;
        assert_eq!(code(&results[0]), Some("UPSTREAM_BAD_RESPONSE"));
    }

    // Assert
    assert_eq!(upstream.call_count(), 3, "one call per fetch, no retry");
    let health = catalog.health();
    assert_eq!(health.breaker, BreakerState::Closed);
    assert_eq!(health.failures, 0);
}

#[tokio::test(start_paused = true)]
async fn a_slow_upstream_beyond_the_per_call_timeout_is_retried_then_a_timeout() {
    // Arrange: every answer takes 400 ms, each call may take 100.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 2);
    stock(&upstream, &keys);
    upstream.set_delay(400 * MS);
    let catalog = client_with(&upstream, |s| s.timeout = 100 * MS);

    // Act
    let started = Instant::now();
    let results = catalog.fetch(&keys).await;

    // Assert
    assert!(
        results.iter().all(|r| code(r) == Some("UPSTREAM_TIMEOUT")),
        "{results:?}"
    );
    assert_eq!(upstream.call_count(), 3, "1 call + 2 retries");
    assert_eq!(catalog.health().retries, 2);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= 300 * MS && elapsed < 900 * MS,
        "three 100 ms attempts and short backoffs took {elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_fetch_deadline_bounds_a_fetch_with_all_its_retries() {
    // Arrange: retries alone would take 6 x 150 ms; the fetch may take 250 ms.
    let upstream = TestUpstream::start().await;
    upstream.set_delay(Duration::from_secs(1));
    let catalog = client_with(&upstream, |s| {
        s.retry.max_retries = 5;
        s.fetch_deadline = 250 * MS;
    });

    // Act
    let started = Instant::now();
    let results = catalog.fetch(&keys(0, 3)).await;

    // Assert
    let elapsed = started.elapsed();
    assert!(
        results.iter().all(|r| code(r) == Some("UPSTREAM_TIMEOUT")),
        "{results:?}"
    );
    assert!(
        elapsed >= 240 * MS && elapsed < 500 * MS,
        "took {elapsed:?}"
    );
    assert_eq!(upstream.call_count(), 2, "the second attempt was cut short");
}

#[tokio::test(start_paused = true)]
async fn the_fetch_deadline_counts_the_time_spent_waiting_for_a_concurrency_slot() {
    // Arrange: one slot, two slow single-key calls, a deadline for one of them.
    let upstream = TestUpstream::start().await;
    upstream.set_delay(200 * MS);
    let keys = keys(0, 2);
    stock(&upstream, &keys);
    let catalog = client_with(&upstream, |s| {
        s.batch = false;
        s.max_concurrency = NonZeroUsize::MIN;
        s.timeout = Duration::from_secs(1);
        s.fetch_deadline = 350 * MS;
    });

    // Act
    let started = Instant::now();
    let results = catalog.fetch(&keys).await;

    // Assert: the first key is answered, the second ran out of time.
    let elapsed = started.elapsed();
    assert!(elapsed < 600 * MS, "took {elapsed:?}");
    let answered = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    let timed_out = results
        .iter()
        .filter(|r| code(r) == Some("UPSTREAM_TIMEOUT"))
        .count();
    assert_eq!((answered, timed_out), (1, 1), "{results:?}");
    assert_eq!(upstream.call_count(), 2);
    assert_eq!(
        catalog.health().failures,
        0,
        "the deadline is ours, not a failure"
    );
}

#[tokio::test(start_paused = true)]
async fn a_connection_cut_mid_body_is_retried_and_then_unavailable() {
    // Arrange
    let upstream = TestUpstream::start().await;
    upstream.fail_always(Some(Failure::CloseMidBody));
    let catalog = client_with(&upstream, |_| {});

    // Act
    let results = catalog.fetch(&keys(0, 2)).await;

    // Assert
    assert!(
        results
            .iter()
            .all(|r| code(r) == Some("UPSTREAM_UNAVAILABLE")),
        "{results:?}"
    );
    assert_eq!(upstream.call_count(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_single_connection_cut_mid_body_is_absorbed_by_a_retry() {
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 2);
    stock(&upstream, &keys);
    upstream.fail_next(1, Failure::CloseMidBody);

    let results = client_with(&upstream, |_| {}).fetch(&keys).await;

    assert_product(&keys[0], &results[0]);
    assert_product(&keys[1], &results[1]);
    assert_eq!(upstream.call_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_upstream_is_retried_then_unavailable_and_counted_as_failures() {
    // Arrange: a port that was free a moment ago: nothing listens there now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut settings = RestCatalogSettings::new(url.parse().unwrap());
    settings.retry.base_backoff = MS;
    let catalog = RestCatalog::new(settings).unwrap();

    // Act
    let results = catalog.fetch(&keys(0, 2)).await;

    // Assert
    assert!(
        results
            .iter()
            .all(|r| code(r) == Some("UPSTREAM_UNAVAILABLE")),
        "{results:?}"
    );
    let health = catalog.health();
    assert_eq!((health.calls, health.retries, health.failures), (3, 2, 3));
}

#[tokio::test(start_paused = true)]
async fn the_retry_budget_caps_retries_near_a_tenth_of_calls_under_a_sustained_failure() {
    // Arrange: every call fails with a retryable 503; each of 100 fetches would
    // retry twice without a budget. The floor is 2 retries per second.
    let upstream = TestUpstream::start().await;
    upstream.fail_always(Some(Failure::Status(503)));
    let catalog = client_with(&upstream, |s| {
        s.retry = RetryPolicy {
            max_retries: 2,
            base_backoff: MS,
            max_backoff: MS,
            budget_ratio: 0.1,
            min_retries_per_sec: 2,
        };
        s.breaker = no_breaker();
    });

    // Act
    let started = Instant::now();
    for i in 0..100 {
        catalog.fetch(&keys(i, 1)).await;
    }
    let seconds = started.elapsed().as_secs_f64();

    // Assert: at most 10 % of 100 first attempts, plus the floor (2 at the start
    // and 2 per second since); and not far below that either.
    let health = catalog.health();
    let cap = 10.0 + 2.0 * (seconds + 1.0);
    assert!(
        (health.retries as f64) <= cap,
        "{} retries in {seconds:.2} s, cap {cap:.1}",
        health.retries
    );
    assert!(health.retries >= 9, "{} retries", health.retries);
    assert!(
        health.retries_refused_by_budget >= 80,
        "{} refused",
        health.retries_refused_by_budget
    );
    assert_eq!(upstream.call_count() as u64, 100 + health.retries);
    assert_eq!(health.calls, 100 + health.retries);
}

// ---- circuit breaker ----

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_after_a_run_of_failures_and_then_fails_fast_without_calling_the_upstream()
 {
    for batch in [true, false] {
        // Arrange: three 503s open the breaker; from then on a real call would
        // take 300 ms.
        let upstream = TestUpstream::start().await;
        upstream.fail_always(Some(Failure::Status(503)));
        let catalog = client_with(&upstream, |s| {
            s.batch = batch;
            s.timeout = Duration::from_secs(1);
            s.retry.max_retries = 0;
            s.breaker = breaker(3, Duration::from_secs(10));
        });
        for i in 0..3 {
            catalog.fetch(&keys(i, 1)).await;
        }
        assert_eq!(
            catalog.health().breaker,
            BreakerState::Open,
            "batch={batch}"
        );
        assert_eq!(catalog.health().consecutive_failures, 3);
        upstream.set_delay(300 * MS);
        let calls_before = upstream.call_count();

        // Act
        let started = Instant::now();
        let results = catalog.fetch(&keys(10, 3)).await;
        let elapsed = started.elapsed();

        // Assert
        assert!(results.iter().all(is_circuit_open), "{results:?}");
        assert_eq!(code(&results[0]), Some("UPSTREAM_UNAVAILABLE"));
        assert_eq!(
            upstream.call_count(),
            calls_before,
            "the upstream was called"
        );
        assert!(elapsed < 200 * MS, "took {elapsed:?}: not fast");
        let short_circuited = if batch { 1 } else { 3 };
        assert_eq!(catalog.health().short_circuited, short_circuited);
    }
}

#[tokio::test(start_paused = true)]
async fn a_failure_rate_over_the_window_opens_the_breaker_without_a_run() {
    // Arrange: every other call fails, never two in a row.
    let upstream = TestUpstream::start().await;
    let good = keys(0, 1)[0];
    let bad = keys(1, 1)[0];
    stock(&upstream, &[good]);
    upstream.fail_calls_with_key(bad.gtin14(), Failure::Status(500));
    let catalog = client_with(&upstream, |s| {
        s.breaker = BreakerSettings {
            failure_threshold: 2,
            failure_rate: 0.5,
            min_calls: 6,
            window: Duration::from_secs(10),
            open_for: Duration::from_secs(10),
            ..BreakerSettings::default()
        };
    });

    // Act
    for _ in 0..3 {
        assert_product(&good, &catalog.fetch(&[good]).await[0]);
        assert_eq!(catalog.health().breaker, BreakerState::Closed);
        catalog.fetch(&[bad]).await;
    }

    // Assert: 3 of 6 calls failed.
    assert_eq!(catalog.health().breaker, BreakerState::Open);
    assert!(is_circuit_open(&catalog.fetch(&[good]).await[0]));
}

#[tokio::test(start_paused = true)]
async fn an_upstream_down_at_start_opens_the_breaker_which_closes_once_the_upstream_is_back() {
    // Arrange: the upstream is down from the start; default retries.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 2);
    stock(&upstream, &keys);
    upstream.fail_always(Some(Failure::Status(503)));
    let catalog = client_with(&upstream, |s| s.breaker = breaker(5, 150 * MS));

    // Act 1: two fetches of 1 call + 2 retries each; the fifth failure opens it.
    for _ in 0..2 {
        let results = catalog.fetch(&keys).await;
        assert!(
            results
                .iter()
                .all(|r| code(r) == Some("UPSTREAM_UNAVAILABLE"))
        );
    }

    // Assert 1: open, and the refused sixth call never reached the upstream.
    assert_eq!(upstream.call_count(), 5);
    assert_eq!(catalog.health().breaker, BreakerState::Open);
    assert!(catalog.fetch(&keys).await.iter().all(is_circuit_open));
    assert_eq!(upstream.call_count(), 5);

    // Act 2: the upstream comes back; open_for passes.
    upstream.fail_always(None);
    tokio::time::sleep(200 * MS).await;
    assert_eq!(catalog.health().breaker, BreakerState::HalfOpen);
    let results = catalog.fetch(&keys).await;

    // Assert 2: the probe got the items and closed the breaker.
    assert_product(&keys[0], &results[0]);
    assert_product(&keys[1], &results[1]);
    assert_eq!(upstream.call_count(), 6);
    let health = catalog.health();
    assert_eq!(health.breaker, BreakerState::Closed);
    assert_eq!(health.consecutive_failures, 0);
    assert_eq!(health.calls, 6);
    assert_eq!(health.failures, 5);
}

#[tokio::test(start_paused = true)]
async fn a_failed_probe_opens_the_breaker_again_for_another_open_for() {
    // Arrange: an open breaker over an upstream that stays down.
    let upstream = TestUpstream::start().await;
    upstream.fail_always(Some(Failure::Status(503)));
    let catalog = client_with(&upstream, |s| {
        s.retry.max_retries = 0;
        s.breaker = breaker(1, 150 * MS);
    });
    catalog.fetch(&keys(0, 1)).await;
    assert_eq!(catalog.health().breaker, BreakerState::Open);

    // Act: after open_for, one probe fails.
    tokio::time::sleep(200 * MS).await;
    let probe = catalog.fetch(&keys(0, 1)).await;

    // Assert: the probe reached the upstream, and the breaker is open again.
    assert_eq!(code(&probe[0]), Some("UPSTREAM_UNAVAILABLE"));
    assert!(!is_circuit_open(&probe[0]), "the probe was not made");
    assert_eq!(upstream.call_count(), 2);
    assert_eq!(catalog.health().breaker, BreakerState::Open);
    assert!(is_circuit_open(&catalog.fetch(&keys(0, 1)).await[0]));
    assert_eq!(upstream.call_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn while_half_open_exactly_one_probe_reaches_the_upstream_and_the_others_fail_fast() {
    // Arrange: an open breaker; the upstream is back but slow.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 3);
    stock(&upstream, &keys);
    upstream.fail_always(Some(Failure::Status(503)));
    let catalog = client_with(&upstream, |s| {
        s.retry.max_retries = 0;
        s.timeout = Duration::from_secs(1);
        s.breaker = breaker(1, 100 * MS);
    });
    catalog.fetch(&keys[..1]).await;
    upstream.fail_always(None);
    upstream.set_delay(200 * MS);
    tokio::time::sleep(150 * MS).await;
    upstream.reset_calls();

    // Act: three lookups at once.
    let (a, b, c) = tokio::join!(
        catalog.fetch(&keys[..1]),
        catalog.fetch(&keys[1..2]),
        catalog.fetch(&keys[2..])
    );

    // Assert
    assert_eq!(upstream.call_count(), 1, "{:?}", upstream.calls());
    let answered = [&a[0], &b[0], &c[0]]
        .into_iter()
        .filter(|r| matches!(r, Ok(Some(_))))
        .count();
    let failed_fast = [&a[0], &b[0], &c[0]]
        .into_iter()
        .filter(|r| is_circuit_open(r))
        .count();
    assert_eq!((answered, failed_fast), (1, 2), "{a:?} {b:?} {c:?}");
    assert_eq!(catalog.health().breaker, BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_probe_abandoned_by_its_caller_does_not_leave_the_breaker_stuck() {
    // Arrange: an open breaker; the upstream is back but slow.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 1);
    stock(&upstream, &keys);
    upstream.fail_always(Some(Failure::Status(503)));
    let catalog = client_with(&upstream, |s| {
        s.retry.max_retries = 0;
        s.breaker = breaker(1, 100 * MS);
    });
    catalog.fetch(&keys).await;
    upstream.fail_always(None);
    upstream.set_delay(300 * MS);
    tokio::time::sleep(150 * MS).await;

    // Act: the caller of the probe gives up (e.g. its request's deadline).
    let abandoned = tokio::time::timeout(50 * MS, catalog.fetch(&keys)).await;
    assert!(abandoned.is_err());
    upstream.set_delay(Duration::ZERO);
    let results = catalog.fetch(&keys).await;

    // Assert: the next lookup probed, and closed the breaker.
    assert_product(&keys[0], &results[0]);
    assert_eq!(catalog.health().breaker, BreakerState::Closed);
}

// ---- per-item errors ----

#[tokio::test(start_paused = true)]
async fn half_of_a_batch_failing_fails_only_its_chunk_and_returns_the_other_chunks_items() {
    // Arrange: two chunks of 2; every call holding keys[1] fails with 503.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 4);
    stock(&upstream, &keys);
    upstream.fail_calls_with_key(keys[1].gtin14(), Failure::Status(503));
    let catalog = client_with(&upstream, |s| s.max_batch = NonZeroUsize::new(2).unwrap());

    // Act
    let results = catalog.fetch(&keys).await;

    // Assert
    assert_eq!(code(&results[0]), Some("UPSTREAM_UNAVAILABLE"));
    assert_eq!(code(&results[1]), Some("UPSTREAM_UNAVAILABLE"));
    assert_product(&keys[2], &results[2]);
    assert_product(&keys[3], &results[3]);
    let failing_calls = upstream
        .calls()
        .iter()
        .filter(|c| c.keys.contains(&keys[1].gtin14().to_owned()))
        .count();
    assert_eq!(failing_calls, 3, "the failing chunk was retried twice");
    assert_eq!(upstream.call_count(), 4);
}

#[tokio::test(start_paused = true)]
async fn every_failed_item_carries_its_own_error_code_and_the_good_items_are_returned() {
    // Arrange (fan-out): one key per failure mode, one good key, one unknown key.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 5);
    let (slow, down, broken, good, unknown) = (keys[0], keys[1], keys[2], keys[3], keys[4]);
    stock(&upstream, &[slow, down, broken, good]);
    upstream.delay_calls_with_key(slow.gtin14(), Duration::from_secs(2));
    upstream.fail_calls_with_key(down.gtin14(), Failure::Status(503));
    upstream.fail_calls_with_key(broken.gtin14(), Failure::GarbageBody);
    let catalog = client_with(&upstream, |s| {
        s.batch = false;
        s.timeout = 100 * MS;
        s.breaker = no_breaker();
    });

    // Act
    let results = catalog.fetch(&[slow, down, broken, good, unknown]).await;

    // Assert
    assert_eq!(code(&results[0]), Some("UPSTREAM_TIMEOUT"));
    assert_eq!(code(&results[1]), Some("UPSTREAM_UNAVAILABLE"));
    assert_eq!(code(&results[2]), Some("UPSTREAM_BAD_RESPONSE"));
    assert_product(&good, &results[3]);
    assert_eq!(results[4], Ok(None), "not found is not an error");
}

#[tokio::test(start_paused = true)]
async fn a_slow_chunk_times_out_while_the_other_chunks_items_are_returned() {
    // Arrange: batches of 2; the chunk holding keys[0] is slow.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 4);
    stock(&upstream, &keys);
    upstream.delay_calls_with_key(keys[0].gtin14(), Duration::from_secs(2));
    let catalog = client_with(&upstream, |s| {
        s.max_batch = NonZeroUsize::new(2).unwrap();
        s.timeout = 100 * MS;
    });

    // Act
    let results = catalog.fetch(&keys).await;

    // Assert
    assert_eq!(code(&results[0]), Some("UPSTREAM_TIMEOUT"));
    assert_eq!(code(&results[1]), Some("UPSTREAM_TIMEOUT"));
    assert_product(&keys[2], &results[2]);
    assert_product(&keys[3], &results[3]);
}

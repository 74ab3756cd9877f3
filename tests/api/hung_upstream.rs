//! A hung upstream (issue 15): connections are accepted and nothing is answered.
//! Under concurrent load the gateway must notice within about a second and answer
//! in milliseconds from then on (`UPSTREAM_UNAVAILABLE`, or the cache), recover as
//! soon as the upstream answers again, and never mistake a slow but working
//! upstream for a hung one. Each test is bounded: its load stops by itself.
//!
//! The gateway, the upstream and the clients share one runtime on tokio's paused
//! clock: the hang, the breaker's thresholds, `open_for` and every answer's time are
//! virtual, moved on only when every task waits on a timer (loopback I/O is ready
//! before that). So "noticed within a second" and "answered fast" are what the
//! gateway's timers decide, the same on every run, however loaded the machine: a
//! debug build's CPU time costs no virtual time.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::support::{TestApp, TestUpstream, error_codes, readyz, upc_a};

/// A response to one lookup, seen from a client.
#[derive(Clone, Debug)]
struct Answer {
    /// When it was asked, since the load started.
    asked: Duration,
    /// How long it took.
    took: Duration,
    /// `found`, or the first error code.
    outcome: String,
}

/// What an answer under "fast" must beat: far from the 3 s a hung upstream
/// costs without the slow-call breaker (`make bench-hang` measures the release
/// figure in real time: p50 under 5 ms). On the paused clock an answer that waits
/// on no timer takes no time at all.
const FAST: Duration = Duration::from_millis(300);

/// Each client's pause between two lookups. On the paused clock time moves only
/// while every task waits on a timer, so a client that never paused would keep
/// virtual time still (and its loop, which runs for a virtual length, would not end).
const THINK: Duration = Duration::from_millis(50);

/// `clients` loops, each asking for its own fresh items, for `length`.
async fn load(app: &Arc<TestApp>, clients: u32, length: Duration, first_item: u32) -> Vec<Answer> {
    let start = Instant::now();
    let tasks = (0..clients).map(|client| {
        let app = Arc::clone(app);
        tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut n = 0;
            while start.elapsed() < length {
                let item = upc_a(first_item + client * 10_000 + n);
                n += 1;
                let asked = start.elapsed();
                let response = app
                    .query_with(
                        "query($g: String!) { product(gtin: $g) { title } }",
                        json!({ "g": item }),
                    )
                    .await;
                answers.push(Answer {
                    asked,
                    took: start.elapsed() - asked,
                    outcome: outcome(&response),
                });
                tokio::time::sleep(THINK).await;
            }
            answers
        })
    });
    let mut answers = Vec::new();
    for task in futures::future::join_all(tasks).await {
        answers.extend(task.unwrap());
    }
    answers.sort_by_key(|answer| answer.asked);
    answers
}

/// Outcomes per 100 ms of answering, for a failure message.
fn timeline(answers: &[Answer]) -> String {
    let mut buckets: std::collections::BTreeMap<u128, Vec<String>> = Default::default();
    for answer in answers {
        let at = (answer.asked + answer.took).as_millis() / 100;
        buckets.entry(at).or_default().push(format!(
            "{}{}",
            &answer.outcome[..1],
            answer.took.as_millis()
        ));
    }
    buckets
        .iter()
        .map(|(at, outcomes)| format!("{}ms: {}", at * 100, outcomes.join(" ")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn outcome(response: &Value) -> String {
    match error_codes(response).first() {
        Some((code, _)) => code.clone(),
        None if response["data"]["product"]["title"].is_string() => "found".into(),
        None => "null".into(),
    }
}

fn stock(upstream: &TestUpstream, first_item: u32, clients: u32, per_client: u32) {
    for client in 0..clients {
        for n in 0..per_client {
            upstream.insert_product(&upc_a(first_item + client * 10_000 + n), "Item");
        }
    }
}

/// One lookup answered before the measured load, so its first requests do not pay
/// for the first connection to the upstream.
async fn warm_up(app: &TestApp, upstream: &TestUpstream) {
    let item = upc_a(999_999);
    upstream.insert_product(&item, "Warm-up");
    let response = app
        .query_with(
            "query($g: String!) { product(gtin: $g) { title } }",
            json!({ "g": item }),
        )
        .await;
    assert_eq!(outcome(&response), "found", "{response}");
}

#[tokio::test(start_paused = true)]
async fn a_hung_upstream_is_noticed_within_a_second_and_then_answered_fast() {
    // Arrange: 8 clients look up new items; the breaker probes again after 1 s.
    let upstream = Arc::new(TestUpstream::start().await);
    stock(&upstream, 1, 8, 3_000);
    let app = Arc::new(TestApp::spawn(Some(&upstream.url()), &["--breaker-open-ms", "1000"]).await);
    warm_up(&app, &upstream).await;
    // A second of normal load first.
    let hang_after = Duration::from_millis(1_000);
    let hang_for = Duration::from_secs(3);
    let control = {
        let upstream = Arc::clone(&upstream);
        tokio::spawn(async move {
            tokio::time::sleep(hang_after).await;
            upstream.set_delay(Duration::from_secs(60)); // accepts, never answers in time
            tokio::time::sleep(hang_for).await;
            upstream.set_delay(Duration::ZERO);
        })
    };

    // Act: load through the hang and 4 s past its end (a probe sent just before
    // the thaw hangs for good here, so recovery may take two probes).
    let answers = load(&app, 8, hang_after + hang_for + Duration::from_secs(4), 1).await;
    control.await.unwrap();
    let (ready_status, ready) = readyz(&app).await;

    // Assert: before the hang, everything found.
    let before: Vec<_> = answers
        .iter()
        .filter(|a| a.asked + a.took < hang_after)
        .collect();
    assert!(
        before.len() >= 8,
        "load ran before the hang: {:?}",
        &answers[..answers.len().min(40)]
    );
    assert!(before.iter().all(|a| a.outcome == "found"), "{before:?}");

    // Within about a second of the hang (1.5 s when the clients hold one batch),
    // answers come fast again.
    let hang_end = hang_after + hang_for;
    let first_fast = answers
        .iter()
        .find(|a| a.asked > hang_after && a.took < FAST && a.outcome != "found")
        .map(|a| a.asked + a.took - hang_after);
    assert!(
        first_fast.is_some_and(|after| after < Duration::from_millis(2_000)),
        "first fast answer {first_fast:?} after the hang began; upstream max in flight {}; {ready}; {:?}",
        upstream.max_in_flight(),
        answers
            .iter()
            .filter(|a| a.asked + a.took > hang_after)
            .take(30)
            .collect::<Vec<_>>()
    );
    // From 2 s into the hang to its end, nearly every answer is fast.
    let during: Vec<_> = answers
        .iter()
        .filter(|a| {
            a.asked >= hang_after + Duration::from_millis(2_000) && a.asked + a.took < hang_end
        })
        .collect();
    let fast = during.iter().filter(|a| a.took < FAST).count();
    assert!(
        during.len() > 10,
        "answers during the hang: {}",
        during.len()
    );
    assert!(
        fast * 100 >= during.len() * 90,
        "{fast} of {} answers during the hang were fast",
        during.len()
    );
    assert!(
        during.iter().all(|a| a.outcome == "UPSTREAM_UNAVAILABLE"),
        "{:?}",
        during.iter().find(|a| a.outcome != "UPSTREAM_UNAVAILABLE")
    );

    // After the hang, a clean run: the last second is all found, and fast.
    let end = answers.last().map_or(Duration::ZERO, |a| a.asked);
    let after: Vec<_> = answers
        .iter()
        .filter(|a| a.asked > end.saturating_sub(Duration::from_secs(1)))
        .collect();
    // (Each of the 8 clients answered at least once: how many more is throughput,
    // which a busy runner decides, not the gateway.)
    assert!(after.len() >= 8, "answers after the hang: {}", after.len());
    assert!(
        after.iter().all(|a| a.outcome == "found"),
        "{ready}\n{}",
        timeline(&answers)
    );

    // Observable: ready all along, the breaker closed again, opened for slow calls.
    assert_eq!(ready_status, 200);
    let upstream_detail = &ready["detail"]["upstream"];
    assert_eq!(upstream_detail["breaker"], "closed", "{ready}");
    assert!(
        upstream_detail["slowCalls"].as_u64().unwrap_or(0) > 0,
        "{ready}"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.lines().any(|line| {
            line.starts_with("catalog_upstream_breaker_opened_total{reason=\"slow_calls\"}")
                && !line.ends_with(" 0")
        }),
        "{metrics}"
    );
}

#[tokio::test(start_paused = true)]
async fn while_hung_the_breaker_shows_why_it_opened_and_readyz_stays_ready() {
    // Arrange: the upstream hangs 300 ms into the load and stays hung.
    let upstream = Arc::new(TestUpstream::start().await);
    stock(&upstream, 1, 8, 2_000);
    let app = Arc::new(TestApp::spawn(Some(&upstream.url()), &[]).await);
    let hang = {
        let upstream = Arc::clone(&upstream);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            upstream.set_delay(Duration::from_secs(60));
        })
    };

    // Act
    let answers = load(&app, 8, Duration::from_millis(2_500), 1).await;
    hang.await.unwrap();
    let (status, ready) = readyz(&app).await;

    // Assert
    assert!(
        answers.iter().any(|a| a.outcome == "UPSTREAM_UNAVAILABLE"),
        "{answers:?}"
    );
    assert_eq!(status, 200, "an upstream outage never fails readiness");
    assert_eq!(ready["detail"]["upstream"]["breaker"], "open", "{ready}");
    assert_eq!(
        ready["detail"]["upstream"]["breakerOpenReason"], "slow_calls",
        "{ready}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_but_working_upstream_never_opens_the_breaker() {
    // Arrange: every call takes 200 ms.
    let upstream = TestUpstream::start().await;
    stock(&upstream, 1, 8, 200);
    upstream.set_delay(Duration::from_millis(200));
    let app = Arc::new(TestApp::spawn(Some(&upstream.url()), &[]).await);

    // Act
    let answers = load(&app, 8, Duration::from_secs(3), 1).await;
    let (_, ready) = readyz(&app).await;

    // Assert
    assert!(answers.len() > 40, "{}", answers.len());
    assert!(
        answers.iter().all(|a| a.outcome == "found"),
        "{:?}",
        answers.iter().find(|a| a.outcome != "found")
    );
    let upstream_detail = &ready["detail"]["upstream"];
    assert_eq!(upstream_detail["breaker"], "closed", "{ready}");
    assert_eq!(upstream_detail["slowCalls"], 0, "{ready}");
}

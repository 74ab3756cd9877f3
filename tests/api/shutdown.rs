//! Graceful shutdown for zero-downtime deploys: on the signal `/readyz` turns 503 at
//! once while requests are still served for the drain delay, then in-flight requests
//! finish and the server stops cleanly. No request is lost.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TestApp, TestUpstream, upc_a};

#[tokio::test]
async fn shutdown_drains_then_finishes_in_flight_requests_without_losing_one() {
    // Arrange: a slow upstream, so requests are in flight when the signal comes.
    let upstream = TestUpstream::start().await;
    let item = upc_a(7);
    upstream.insert_product(&item, "Seven");
    upstream.set_delay(Duration::from_millis(250));
    let mut app = TestApp::spawn_with(Some(&upstream.url()), |s| {
        s.server.drain_delay = Duration::from_millis(400);
        s.server.shutdown_timeout = Duration::from_millis(3000);
    })
    .await;
    let query = json!({ "query": format!("{{ product(gtin: \"{item}\") {{ title }} }}") });
    let send = |app: &TestApp| {
        let request = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&query);
        tokio::spawn(async move { request.send().await?.json::<Value>().await })
    };
    let before = send(&app);
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Act
    let started = Instant::now();
    app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let ready = app.get("/readyz").await.status();
    let live = app.get("/healthz").await.status();
    let during_drain = send(&app);
    let stopped = app.stopped().await;

    // Assert
    assert_eq!(ready, 503, "readiness turns 503 at once");
    assert_eq!(live, 200, "liveness stays 200 until exit");
    for request in [before, during_drain] {
        let body = request.await.unwrap().expect("request served");
        assert_eq!(body["data"]["product"]["title"], "Seven", "{body}");
    }
    assert!(stopped.is_ok(), "{stopped:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "the drain delay is honoured"
    );
    let refused = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await;
    assert!(refused.is_err(), "the listener is closed after shutdown");
}

#[tokio::test]
async fn a_request_that_outlives_the_shutdown_timeout_does_not_hold_the_exit() {
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(8), "Eight");
    upstream.set_delay(Duration::from_millis(3000));
    let mut app = TestApp::spawn(
        Some(&upstream.url()),
        &[
            "--drain-delay-ms",
            "0",
            "--shutdown-timeout-ms",
            "200",
            "--request-timeout-ms",
            "10000",
            "--upstream-timeout-ms",
            "10000",
        ],
    )
    .await;
    let query = json!({ "query": format!("{{ product(gtin: \"{}\") {{ title }} }}", upc_a(8)) });
    let request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&query);
    let _slow = tokio::spawn(async move { request.send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    app.begin_shutdown();
    let stopped = app.stopped().await;

    assert!(stopped.is_ok());
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

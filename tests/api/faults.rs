//! Faults at the edges of a deploy: a thundering herd for one item, and SIGTERM to
//! the real binary in the middle of load. Each returned product is checked to be
//! the one asked for.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::support::{TestApp, TestUpstream, start_binary_with, upc_a};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_item_asked_by_1000_concurrent_requests_is_fetched_once() {
    // Arrange: a slow upstream, so most requests arrive while the fetch is under
    // way (they share it); later ones find the item in the cache.
    let upstream = TestUpstream::start().await;
    let item = upc_a(42);
    upstream.insert_product(&item, "Forty-two");
    upstream.set_delay(Duration::from_millis(1000));
    let app = TestApp::spawn(
        Some(&upstream.url()),
        &[
            "--upstream-timeout-ms",
            "10000",
            "--upstream-fetch-deadline-ms",
            "10000",
            "--request-timeout-ms",
            "20000",
            // The upstream is slow on purpose; with 1000 requests on two test threads its
            // answer can pass the breaker's lone-call stall (1.5 s), which is not what
            // this test is about.
            "--breaker-slow-call-ms",
            "5000",
        ],
    )
    .await;
    let query = json!({ "query": format!("{{ product(gtin: \"0{item}\") {{ upc title }} }}") });

    // Act
    let requests = (0..1000).map(|_| {
        let request = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&query);
        tokio::spawn(async move { request.send().await?.json::<Value>().await })
    });
    let responses = futures::future::join_all(requests).await;

    // Assert
    for response in responses {
        let body = response.unwrap().expect("answered");
        assert_eq!(body["data"]["product"]["upc"], item.as_str(), "{body}");
    }
    assert_eq!(upstream.call_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_load_loses_no_request() {
    // Arrange
    let upstream = TestUpstream::start().await;
    let items: Vec<String> = (0..20).map(upc_a).collect();
    for item in &items {
        upstream.insert_product(item, &format!("item {item}"));
    }
    upstream.set_delay(Duration::from_millis(20));
    let (mut child, address) = start_binary_with(
        &[
            "--upstream-url",
            &upstream.url(),
            "--drain-delay-ms",
            "600",
            "--shutdown-timeout-ms",
            "5000",
        ],
        |command| {
            command.env("RUST_LOG", "info");
        },
    )
    .unwrap();
    let address = format!("http://{address}");
    let client = reqwest::Client::new();
    let draining = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));

    // Act: 16 clients loop until the load balancer would stop sending (readyz 503).
    let workers: Vec<_> = (0..16)
        .map(|worker| {
            let (client, address, draining, served) = (
                client.clone(),
                address.clone(),
                draining.clone(),
                served.clone(),
            );
            let items = items.clone();
            tokio::spawn(async move {
                let mut i = worker;
                while !draining.load(Ordering::SeqCst) {
                    let item = &items[i % items.len()];
                    let query =
                        json!({ "query": format!("{{ product(gtin: \"{item}\") {{ upc }} }}") });
                    let response = client
                        .post(format!("{address}/graphql"))
                        .json(&query)
                        .send()
                        .await;
                    let body: Value = response
                        .expect("no request is lost")
                        .json()
                        .await
                        .expect("JSON");
                    assert_eq!(body["data"]["product"]["upc"], item.as_str(), "{body}");
                    served.fetch_add(1, Ordering::SeqCst);
                    i += 16;
                }
            })
        })
        .collect();
    let probe = {
        let (client, address, draining) = (client.clone(), address.clone(), draining.clone());
        tokio::spawn(async move {
            loop {
                let status = client
                    .get(format!("{address}/readyz"))
                    .send()
                    .await
                    .map(|r| r.status());
                if matches!(status, Ok(s) if s == 503) {
                    draining.store(true, Ordering::SeqCst);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    // The binary is a separate process, so this waits in real time: for the load
    // to have served more than 20 answers (not for a fixed while, which a busy
    // machine may not fill), within a generous deadline.
    let running = Instant::now() + Duration::from_secs(30);
    while served.load(Ordering::SeqCst) <= 20 && Instant::now() < running {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before_signal = served.load(Ordering::SeqCst);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|status| status.success()));
    probe.await.unwrap();
    for worker in workers {
        worker.await.expect("every request served");
    }
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();

    // Assert
    assert!(before_signal > 20, "load was running: {before_signal}");
    assert!(exit.success(), "exit status {exit:?}");
}

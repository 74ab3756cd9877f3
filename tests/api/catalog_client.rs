//! The REST catalog client (`RestCatalog`) against a real local upstream: batching,
//! fan-out, key formats, matching answers to keys, and every upstream failure mode.
//!
//! On tokio's paused clock, with the upstream in the same runtime: its delays and
//! the client's timeouts are virtual time, so "the chunks went out together" and
//! "the timeout cut the call" are the same on every run, however loaded the machine.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::num::NonZeroUsize;
use std::time::Duration;

use catalog_gateway::catalog::{
    Catalog, CatalogError, FetchResult, KeyFormat, RestCatalog, RestCatalogSettings,
};
use catalog_gateway::demo::{self, DemoCatalog, DemoSettings};
use catalog_gateway::gtin::Gtin;
use catalog_gateway::test_support::g;
use tokio::time::Instant;

use crate::support::{
    BrokenEntry, Failure, GtinForm, TestUpstream, client_with, keys, stock, title_for,
};

fn client(upstream: &TestUpstream) -> RestCatalog {
    client_with(upstream, |_| {})
}

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap()
}

/// The title of a found product, after checking it came back under its own key.
fn found_title(key: &Gtin, result: &FetchResult) -> String {
    let product = result
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap_or_else(|| panic!("{key:?} not found"));
    assert_eq!(product.gtin, *key, "product for another key returned");
    product.title.to_string()
}

fn assert_found(keys: &[Gtin], results: &[FetchResult]) {
    assert_eq!(results.len(), keys.len());
    for (key, result) in keys.iter().zip(results) {
        assert_eq!(found_title(key, result), title_for(key));
    }
}

fn is_bad_response(result: &FetchResult) -> bool {
    matches!(result, Err(CatalogError::BadResponse(_)))
}

// ---- batching ----

#[tokio::test(start_paused = true)]
async fn a_batch_of_250_keys_with_max_batch_100_is_sent_as_exactly_3_calls_of_at_most_100_keys() {
    // Arrange
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 250);
    stock(&upstream, &keys);
    let catalog = client_with(&upstream, |s| s.max_batch = nz(100));

    // Act
    let results = catalog.fetch(&keys).await;

    // Assert
    assert_found(&keys, &results);
    let calls = upstream.calls();
    assert_eq!(calls.len(), 3);
    assert!(
        calls.iter().all(|c| c.batch && c.keys.len() <= 100),
        "{calls:?}"
    );
    let mut asked = upstream.keys_asked();
    asked.sort();
    let mut expected: Vec<String> = keys.iter().map(|k| k.gtin14().to_owned()).collect();
    expected.sort();
    assert_eq!(asked, expected, "each key asked exactly once");
}

#[tokio::test(start_paused = true)]
async fn a_batch_answers_found_and_not_found_keys_in_the_order_asked() {
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 6);
    stock(&upstream, &[keys[1], keys[4]]);

    let results = client(&upstream).fetch(&keys).await;

    assert_eq!(results.len(), 6);
    for (i, (key, result)) in keys.iter().zip(&results).enumerate() {
        if i == 1 || i == 4 {
            assert_eq!(found_title(key, result), title_for(key));
        } else {
            assert_eq!(result, &Ok(None), "key {i}");
        }
    }
    assert_eq!(upstream.call_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_batch_uses_the_documented_query_string() {
    let upstream = TestUpstream::start().await;

    client(&upstream)
        .fetch(&[g("036000291452"), g("96385074")])
        .await;

    let calls = upstream.calls();
    assert_eq!(calls[0].path, "/products");
    assert_eq!(
        calls[0].query.as_deref(),
        Some("gtins=00036000291452,00000096385074")
    );
}

#[tokio::test(start_paused = true)]
async fn a_repeated_key_is_asked_for_once_and_answered_at_every_position() {
    let upstream = TestUpstream::start().await;
    let a = g("036000291452");
    let b = g("96385074");
    stock(&upstream, &[a, b]);

    let results = client(&upstream).fetch(&[a, b, a]).await;

    assert_found(&[a, b, a], &results);
    assert_eq!(upstream.keys_asked(), ["00036000291452", "00000096385074"]);
}

#[tokio::test(start_paused = true)]
async fn an_empty_lookup_makes_no_call() {
    let upstream = TestUpstream::start().await;

    let results = client(&upstream).fetch(&[]).await;

    assert!(results.is_empty());
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn batch_chunks_are_sent_concurrently() {
    let upstream = TestUpstream::start().await;
    upstream.set_delay(Duration::from_millis(300));
    let keys = keys(0, 40);
    stock(&upstream, &keys);
    let catalog = client_with(&upstream, |s| s.max_batch = nz(10));

    let started = Instant::now();
    let results = catalog.fetch(&keys).await;

    assert_found(&keys, &results);
    assert_eq!(upstream.call_count(), 4);
    assert!(upstream.max_in_flight() >= 2, "chunks were sent one by one");
    assert!(
        started.elapsed() < Duration::from_millis(1100),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_never_exceed_max_concurrency() {
    let upstream = TestUpstream::start().await;
    upstream.set_delay(Duration::from_millis(100));
    let keys = keys(0, 12);
    stock(&upstream, &keys);
    let catalog = client_with(&upstream, |s| {
        s.max_batch = nz(1);
        s.max_concurrency = nz(3);
    });

    let results = catalog.fetch(&keys).await;

    assert_found(&keys, &results);
    assert_eq!(upstream.call_count(), 12);
    assert!(
        upstream.max_in_flight() <= 3,
        "{} in flight",
        upstream.max_in_flight()
    );
    assert!(upstream.max_in_flight() >= 2, "no concurrency at all");
}

#[tokio::test(start_paused = true)]
async fn the_concurrency_bound_is_shared_by_concurrent_lookups() {
    let upstream = TestUpstream::start().await;
    upstream.set_delay(Duration::from_millis(100));
    let all = keys(0, 8);
    stock(&upstream, &all);
    let catalog = client_with(&upstream, |s| {
        s.max_batch = nz(1);
        s.max_concurrency = nz(2);
    });

    let (first, second) = tokio::join!(catalog.fetch(&all[..4]), catalog.fetch(&all[4..]));

    assert_found(&all[..4], &first);
    assert_found(&all[4..], &second);
    assert!(
        upstream.max_in_flight() <= 2,
        "{} in flight",
        upstream.max_in_flight()
    );
}

// ---- fan-out ----

#[tokio::test(start_paused = true)]
async fn fan_out_makes_one_call_per_key_and_reads_404_as_not_found() {
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 5);
    stock(&upstream, &keys[..3]);
    let catalog = client_with(&upstream, |s| s.batch = false);

    let results = catalog.fetch(&keys).await;

    assert_found(&keys[..3], &results[..3]);
    assert_eq!(results[3..], [Ok(None), Ok(None)]);
    let calls = upstream.calls();
    assert_eq!(calls.len(), 5);
    assert!(
        calls
            .iter()
            .all(|c| !c.batch && c.keys.len() == 1 && c.query.is_none())
    );
    let mut paths: Vec<String> = calls.iter().map(|c| c.path.clone()).collect();
    paths.sort();
    let mut expected: Vec<String> = keys
        .iter()
        .map(|k| format!("/products/{}", k.gtin14()))
        .collect();
    expected.sort();
    assert_eq!(paths, expected);
}

#[tokio::test(start_paused = true)]
async fn fan_out_concurrency_is_bounded() {
    let upstream = TestUpstream::start().await;
    upstream.set_delay(Duration::from_millis(100));
    let keys = keys(0, 10);
    stock(&upstream, &keys);
    let catalog = client_with(&upstream, |s| {
        s.batch = false;
        s.max_concurrency = nz(4);
    });

    let results = catalog.fetch(&keys).await;

    assert_found(&keys, &results);
    assert!(
        upstream.max_in_flight() <= 4,
        "{} in flight",
        upstream.max_in_flight()
    );
    assert!(upstream.max_in_flight() >= 2, "no concurrency at all");
}

#[tokio::test(start_paused = true)]
async fn a_fan_out_answer_for_another_item_is_a_bad_response() {
    let upstream = TestUpstream::start().await;
    // Stored under one key, but claiming to be another item.
    upstream.insert(
        "036000291452",
        serde_json::json!({ "gtin": "96385074", "title": "Mints" }),
    );
    let catalog = client_with(&upstream, |s| s.batch = false);

    let results = catalog.fetch(&[g("036000291452")]).await;

    assert!(is_bad_response(&results[0]), "{results:?}");
}

#[tokio::test(start_paused = true)]
async fn a_broken_fan_out_answer_is_a_bad_response() {
    for broken in [
        BrokenEntry::InvalidGtin,
        BrokenEntry::NotAnObject,
        BrokenEntry::MissingTitle,
    ] {
        let upstream = TestUpstream::start().await;
        stock(&upstream, &[g("96385074")]);
        upstream.add_broken_entry(Some(broken));
        let catalog = client_with(&upstream, |s| s.batch = false);

        let results = catalog.fetch(&[g("96385074")]).await;

        assert!(is_bad_response(&results[0]), "{broken:?}: {results:?}");
    }
}

// ---- key formats ----

/// Looks up `items` through an upstream strictly keyed by `format`, and returns the
/// keys that went on the wire (batch and fan-out alike).
async fn keys_sent(
    format: KeyFormat,
    batch: bool,
    items: &[Gtin],
) -> (Vec<FetchResult>, Vec<String>) {
    let upstream = TestUpstream::start().await;
    upstream.strict_key_width(format.width());
    stock(&upstream, items);
    let catalog = client_with(&upstream, |s| {
        s.key_format = format;
        s.batch = batch;
    });
    let results = catalog.fetch(items).await;
    let mut sent = upstream.keys_asked();
    sent.sort();
    (results, sent)
}

#[tokio::test(start_paused = true)]
async fn a_gtin14_keyed_upstream_gets_14_digit_keys_for_every_form() {
    for batch in [true, false] {
        let items = [
            g("036000291452"),
            g("4012345000122"),
            g("96385074"),
            g("10036000291459"),
        ];

        let (results, sent) = keys_sent(KeyFormat::Gtin14, batch, &items).await;

        assert_found(&items, &results);
        assert_eq!(
            sent,
            [
                "00000096385074",
                "00036000291452",
                "04012345000122",
                "10036000291459"
            ]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_gtin13_keyed_upstream_gets_13_digit_keys_and_never_a_case_pack() {
    for batch in [true, false] {
        let items = [
            g("036000291452"),
            g("4012345000122"),
            g("96385074"),
            g("10036000291459"),
        ];

        let (results, sent) = keys_sent(KeyFormat::Gtin13, batch, &items).await;

        assert_found(&items[..3], &results[..3]);
        assert_eq!(results[3], Ok(None), "the case pack cannot exist there");
        assert_eq!(sent, ["0000096385074", "0036000291452", "4012345000122"]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_upc_keyed_upstream_gets_12_digit_keys_and_never_an_ean_13_or_case_pack() {
    for batch in [true, false] {
        let items = [
            g("036000291452"),
            g("96385074"),
            g("4012345000122"),
            g("10036000291459"),
        ];

        let (results, sent) = keys_sent(KeyFormat::Upc, batch, &items).await;

        assert_found(&items[..2], &results[..2]);
        assert_eq!(results[2..], [Ok(None), Ok(None)]);
        assert_eq!(sent, ["000096385074", "036000291452"]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_lookup_with_no_key_in_the_upstream_format_makes_no_call() {
    let upstream = TestUpstream::start().await;
    let catalog = client_with(&upstream, |s| s.key_format = KeyFormat::Upc);

    let results = catalog
        .fetch(&[g("10036000291459"), g("4012345000122")])
        .await;

    assert_eq!(results, [Ok(None), Ok(None)]);
    assert_eq!(upstream.call_count(), 0);
}

// ---- matching answers to keys ----

#[tokio::test(start_paused = true)]
async fn shuffled_mixed_form_extra_and_duplicate_answers_map_to_the_right_keys() {
    // Arrange: half the keys exist, plus a few stored items nobody asks for.
    let upstream = TestUpstream::start().await;
    let mut asked = keys(0, 30);
    asked.extend([g("036000291452"), g("96385074"), g("4012345000122")]);
    let stored: Vec<Gtin> = asked.iter().step_by(2).copied().collect();
    stock(&upstream, &stored);
    stock(&upstream, &keys(1000, 3));
    upstream.shuffle_answers(true);
    upstream.answer_gtin_form(GtinForm::Mixed);
    upstream.add_extra_items(true);
    upstream.add_duplicates(true);
    let catalog = client_with(&upstream, |s| s.max_batch = nz(7));

    // Act
    let results = catalog.fetch(&asked).await;

    // Assert: every found product is the one stored under its own key (either copy
    // of a duplicate: the shuffle decides which comes first), and nothing else is
    // found.
    for (i, (key, result)) in asked.iter().zip(&results).enumerate() {
        if i % 2 == 0 {
            let title = found_title(key, result);
            let own = title_for(key);
            assert!(
                title == own || title == format!("{own} (duplicate)"),
                "{key:?} got {title:?}"
            );
        } else {
            assert_eq!(result, &Ok(None), "{key:?}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_first_of_duplicate_answers_wins() {
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 3);
    stock(&upstream, &keys);
    upstream.add_duplicates(true);

    let results = client(&upstream).fetch(&keys).await;

    assert_found(&keys, &results);
}

#[tokio::test(start_paused = true)]
async fn answers_in_the_shortest_form_are_matched_to_14_digit_keys() {
    let upstream = TestUpstream::start().await;
    let items = [
        g("036000291452"),
        g("96385074"),
        g("4012345000122"),
        g("10036000291459"),
    ];
    stock(&upstream, &items);
    upstream.answer_gtin_form(GtinForm::Shortest);

    let results = client(&upstream).fetch(&items).await;

    assert_found(&items, &results);
}

// ---- upstream failures ----

#[tokio::test(start_paused = true)]
async fn a_garbage_body_fails_only_the_keys_of_the_chunk_it_answers() {
    // Arrange: three chunks; the middle one (keys 100..200) gets garbage.
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 250);
    stock(&upstream, &keys);
    upstream.fail_calls_with_key(keys[150].gtin14(), Failure::GarbageBody);
    let catalog = client_with(&upstream, |s| s.max_batch = nz(100));

    // Act
    let results = catalog.fetch(&keys).await;

    // Assert
    assert_found(&keys[..100], &results[..100]);
    assert!(
        results[100..200].iter().all(is_bad_response),
        "{:?}",
        &results[100..102]
    );
    assert_found(&keys[200..], &results[200..]);
}

#[tokio::test(start_paused = true)]
async fn a_broken_entry_in_a_batch_fails_the_unanswered_keys_and_keeps_the_answered_ones() {
    for broken in [
        BrokenEntry::InvalidGtin,
        BrokenEntry::NotAnObject,
        BrokenEntry::MissingTitle,
    ] {
        let upstream = TestUpstream::start().await;
        let keys = keys(0, 4);
        stock(&upstream, &keys[..2]);
        upstream.add_broken_entry(Some(broken));

        let results = client(&upstream).fetch(&keys).await;

        assert_found(&keys[..2], &results[..2]);
        assert!(
            results[2..].iter().all(is_bad_response),
            "{broken:?}: {:?}",
            &results[2..]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_unavailable_for_every_key_of_the_call() {
    for status in [500, 502, 503] {
        for batch in [true, false] {
            let upstream = TestUpstream::start().await;
            let keys = keys(0, 3);
            stock(&upstream, &keys);
            upstream.fail_always(Some(Failure::Status(status)));
            let catalog = client_with(&upstream, |s| s.batch = batch);

            let results = catalog.fetch(&keys).await;

            assert!(
                results
                    .iter()
                    .all(|r| matches!(r, Err(CatalogError::Unavailable(_)))),
                "{status} batch={batch}: {results:?}"
            );
            assert_eq!(
                results[0].as_ref().unwrap_err().code(),
                "UPSTREAM_UNAVAILABLE"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_call_fails_only_its_own_chunk() {
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 4);
    stock(&upstream, &keys);
    upstream.fail_next(1, Failure::Status(503));
    // Without retries, so the one 503 is not absorbed.
    let catalog = client_with(&upstream, |s| {
        s.max_batch = nz(2);
        s.retry.max_retries = 0;
    });

    let results = catalog.fetch(&keys).await;

    // Which chunk arrives first is up to the scheduler; exactly one of them failed.
    let failed: Vec<bool> = results
        .iter()
        .map(|r| matches!(r, Err(CatalogError::Unavailable(_))))
        .collect();
    assert!(
        failed == [true, true, false, false] || failed == [false, false, true, true],
        "{results:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn client_errors_on_the_batch_endpoint_are_bad_responses() {
    for status in [400, 404, 429] {
        let upstream = TestUpstream::start().await;
        upstream.fail_always(Some(Failure::Status(status)));

        let results = client(&upstream).fetch(&keys(0, 2)).await;

        assert!(results.iter().all(is_bad_response), "{status}: {results:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_client_error_other_than_404_on_the_single_endpoint_is_a_bad_response() {
    let upstream = TestUpstream::start().await;
    upstream.fail_always(Some(Failure::Status(400)));
    let catalog = client_with(&upstream, |s| s.batch = false);

    let results = catalog.fetch(&keys(0, 1)).await;

    assert!(is_bad_response(&results[0]), "{results:?}");
}

#[tokio::test(start_paused = true)]
async fn a_slow_upstream_beyond_the_timeout_is_a_timeout() {
    for batch in [true, false] {
        let upstream = TestUpstream::start().await;
        let keys = keys(0, 2);
        stock(&upstream, &keys);
        upstream.set_delay(Duration::from_secs(5));
        let catalog = client_with(&upstream, |s| {
            s.batch = batch;
            s.timeout = Duration::from_millis(200);
        });

        let started = Instant::now();
        let results = catalog.fetch(&keys).await;

        assert!(
            results
                .iter()
                .all(|r| matches!(r, Err(CatalogError::Timeout(_)))),
            "batch={batch}: {results:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_connection_cut_mid_body_is_unavailable() {
    let upstream = TestUpstream::start().await;
    upstream.fail_always(Some(Failure::CloseMidBody));

    let results = client(&upstream).fetch(&keys(0, 2)).await;

    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(CatalogError::Unavailable(_)))),
        "{results:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_upstream_is_unavailable() {
    // A port that was free a moment ago: nothing listens there now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let catalog = RestCatalog::new(RestCatalogSettings::new(url.parse().unwrap())).unwrap();

    let results = catalog.fetch(&keys(0, 2)).await;

    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(CatalogError::Unavailable(_)))),
        "{results:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_client_recovers_after_a_failed_call() {
    let upstream = TestUpstream::start().await;
    let keys = keys(0, 2);
    stock(&upstream, &keys);
    upstream.fail_next(1, Failure::Status(500));
    let catalog = client(&upstream);

    let first = catalog.fetch(&keys).await;
    let second = catalog.fetch(&keys).await;

    assert!(first.iter().all(|r| r.is_err()));
    assert_found(&keys, &second);
}

#[tokio::test(start_paused = true)]
async fn an_oversized_body_is_a_bad_response_not_a_memory_hog() {
    // Arrange: one product with a 17 MiB description (the client reads at most 16).
    let upstream = TestUpstream::start().await;
    let key = keys(0, 1)[0];
    let huge = "x".repeat(17 * 1024 * 1024);
    upstream.insert(
        key.gtin14(),
        serde_json::json!({ "gtin": key.gtin14(), "title": "Huge", "description": huge }),
    );
    drop(huge);

    for batch in [true, false] {
        // Generous deadlines: 17 MiB through a debug build on a busy machine is slow,
        // and the point here is the size limit, not the clock.
        let catalog = client_with(&upstream, |s| {
            s.batch = batch;
            s.timeout = std::time::Duration::from_secs(60);
            s.fetch_deadline = std::time::Duration::from_secs(60);
            // Nor the breaker's: a transfer this long counts as a stalled call.
            s.breaker.slow_call_threshold = std::time::Duration::from_secs(60);
        });

        // Act
        let results = catalog.fetch(&[key]).await;

        // Assert
        assert!(
            is_bad_response(&results[0]),
            "batch={batch}: {:?}",
            results[0].as_ref().map(|_| ())
        );
    }
}

// ---- base URL ----

#[tokio::test(start_paused = true)]
async fn a_path_prefix_in_the_base_url_is_kept() {
    for suffix in ["/api/v1", "/api/v1/"] {
        let upstream = TestUpstream::start().await;
        let keys = keys(0, 1);
        stock(&upstream, &keys);
        let base = format!("{}{suffix}", upstream.url()).parse().unwrap();

        let batch = RestCatalog::new(RestCatalogSettings::new(base))
            .unwrap()
            .fetch(&keys)
            .await;
        let mut settings =
            RestCatalogSettings::new(format!("{}{suffix}", upstream.url()).parse().unwrap());
        settings.batch = false;
        let single = RestCatalog::new(settings).unwrap().fetch(&keys).await;

        assert_found(&keys, &batch);
        assert_found(&keys, &single);
        let paths: Vec<String> = upstream.calls().into_iter().map(|c| c.path).collect();
        assert_eq!(
            paths,
            [
                "/api/v1/products".to_owned(),
                format!("/api/v1/products/{}", keys[0].gtin14())
            ]
        );
    }
}

// ---- the demo catalog as the upstream ----

#[tokio::test(start_paused = true)]
async fn the_demo_catalog_on_a_real_port_answers_through_the_rest_client() {
    // Arrange: the embedded demo upstream, served like `demo-catalog --listen`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(demo::serve(listener, DemoSettings::default(), async {
        let _ = stopped.await;
    }));
    let curated = g("036000291452");
    let generated = DemoCatalog::generated_gtin(1_234_567).unwrap();
    let missing = g("4006381333931");

    for batch in [true, false] {
        let mut settings = RestCatalogSettings::new(url.parse().unwrap());
        settings.batch = batch;
        let catalog = RestCatalog::new(settings).unwrap();

        // Act
        let results = catalog.fetch(&[curated, generated, missing]).await;

        // Assert
        let tissue = results[0].as_ref().unwrap().as_ref().unwrap();
        assert_eq!(tissue.gtin, curated);
        assert_eq!(tissue.title, "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets");
        assert_eq!(tissue.price.as_ref().unwrap().amount, "2.49");
        let item = results[1].as_ref().unwrap().as_ref().unwrap();
        assert_eq!(item.gtin, generated);
        assert!(item.price.is_some() && !item.title.is_empty());
        assert_eq!(results[2], Ok(None));
    }

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

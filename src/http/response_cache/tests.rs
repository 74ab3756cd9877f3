//! The response cache's unit tests: its whole cycle (probe, settle, respond, hit,
//! invalidate) through its crate-visible API.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::cache_headers::CACHE_TAG;
use super::*;
use crate::http::edge::GraphqlOutcome;
use crate::loader::AnswerFreshness;
use crate::test_support::json_headers;

const JSON: &str = "application/json; charset=utf-8";
const HEADERS: CacheHeaderSettings = CacheHeaderSettings {
    static_max_age: Duration::from_secs(3600),
    stale_if_error: Duration::from_secs(60),
};

fn cache(max_bytes: u64) -> ResponseCache {
    ResponseCache::new(
        ResponseCacheSettings {
            enabled: true,
            max_bytes,
        },
        Duration::from_secs(300),
        HEADERS,
    )
}

fn answer(body: &'static str, errors: usize) -> Answer {
    Answer {
        status: StatusCode::OK,
        body: Bytes::from_static(body.as_bytes()),
        content_type: HeaderValue::from_static(JSON),
        outcome: GraphqlOutcome {
            operation: "Op".to_owned(),
            errors,
        },
        verdict: None,
    }
}

/// Offers `answer` to the cache as the handler does.
fn store(
    cache: &ResponseCache,
    key: PendingKey,
    answer: Answer,
    freshness: &AnswerFreshness,
) -> Response {
    cache.respond(Some(key), &HeaderMap::new(), answer, Some(freshness))
}

fn lookup(cache: &ResponseCache, headers: &HeaderMap, body: &[u8]) -> Lookup {
    cache.lookup(&Method::POST, headers, None, body, JSON)
}

async fn body_of(response: Response) -> Bytes {
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stored_answer_is_served_byte_for_byte_to_the_same_payload_only() {
    let cache = cache(1 << 20);
    let headers = json_headers();
    let Lookup::Miss(key) = lookup(&cache, &headers, b"{\"query\":\"{a}\"}") else {
        panic!("an empty cache misses");
    };
    let freshness = AnswerFreshness::new();
    let sent = store(&cache, key, answer("{\"data\":{\"a\":1}}", 0), &freshness);
    assert_eq!(body_of(sent).await, "{\"data\":{\"a\":1}}");

    let Lookup::Hit(hit) = lookup(&cache, &headers, b"{\"query\":\"{a}\"}") else {
        panic!("the same payload hits");
    };
    assert_eq!(hit.headers()[header::CONTENT_TYPE], JSON);
    assert_eq!(
        hit.extensions().get::<GraphqlOutcome>().unwrap().operation,
        "Op"
    );
    assert_eq!(body_of(hit).await, "{\"data\":{\"a\":1}}");
    assert!(matches!(
        lookup(&cache, &headers, b"{\"query\":\"{b}\"}"),
        Lookup::Miss(_)
    ));
    assert!(matches!(
        cache.lookup(
            &Method::POST,
            &headers,
            None,
            b"{\"query\":\"{a}\"}",
            "other/type"
        ),
        Lookup::Miss(_)
    ));
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.stored), (1, 3, 1));
    assert_eq!(stats.entries, 1);
    assert!(stats.bytes > 16, "{stats:?}");
}

#[tokio::test]
async fn a_probe_counts_nothing_until_settled_and_a_hit_set_aside_is_executed_and_replaced() {
    let cache = cache(1 << 20);
    let headers = json_headers();
    let payload = b"{\"query\":\"{a}\"}";
    let probe = |cache: &ResponseCache| cache.probe(&Method::POST, &headers, None, payload, JSON);
    let freshness = AnswerFreshness::new();
    let Lookup::Miss(key) = cache.settle(probe(&cache), &headers) else {
        panic!("an empty cache misses");
    };
    store(&cache, key, answer("{\"data\":{\"a\":1}}", 0), &freshness);

    // Found, but refused before it is settled (the protection said no): not counted.
    let found = probe(&cache);
    assert!(matches!(found.0, Probed::Found { .. }));
    drop(found);
    let mut no_store = HeaderMap::new();
    no_store.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    no_store.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    drop(cache.probe(&Method::POST, &no_store, None, payload, JSON));
    let untouched = cache.stats();
    // Set aside (it shows another client's limit): a miss, executed and stored anew.
    let Lookup::Miss(key) = cache.settle(probe(&cache).without_hit(), &headers) else {
        panic!("a hit set aside is a miss");
    };
    store(&cache, key, answer("{\"data\":{\"a\":2}}", 0), &freshness);
    let Lookup::Hit(hit) = cache.settle(probe(&cache), &headers) else {
        panic!("the new answer is found");
    };

    assert_eq!(
        (untouched.hits, untouched.misses, untouched.bypassed),
        (0, 1, 0)
    );
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.stored), (1, 2, 2));
    assert_eq!(
        body_of(hit).await,
        "{\"data\":{\"a\":2}}",
        "the replacement is served"
    );
}

#[tokio::test]
async fn answers_with_errors_or_unusable_products_are_not_stored() {
    let cache = cache(1 << 20);
    let headers = json_headers();
    let spoiled = AnswerFreshness::new();
    spoiled.not_reusable();
    let expired = AnswerFreshness::new();
    expired.fresh_until(1);
    for (payload, response, freshness) in [
        (
            &b"1"[..],
            answer("{\"errors\":[]}", 1),
            AnswerFreshness::new(),
        ),
        (b"2", answer("{}", 0), spoiled),
        (b"3", answer("{}", 0), expired),
    ] {
        let Lookup::Miss(key) = lookup(&cache, &headers, payload) else {
            panic!("miss");
        };
        store(&cache, key, response, &freshness);
        assert!(matches!(lookup(&cache, &headers, payload), Lookup::Miss(_)));
    }
    assert_eq!(cache.stats().stored, 0);
}

#[tokio::test]
async fn no_cache_skips_the_lookup_and_no_store_skips_both() {
    let cache = cache(1 << 20);
    let mut headers = json_headers();
    let Lookup::Miss(key) = lookup(&cache, &headers, b"p") else {
        panic!("miss");
    };
    store(&cache, key, answer("{}", 0), &AnswerFreshness::new());

    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=0, no-cache"),
    );
    assert!(matches!(lookup(&cache, &headers, b"p"), Lookup::Miss(_)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    assert!(matches!(lookup(&cache, &headers, b"p"), Lookup::Skip));
    headers.remove(header::CACHE_CONTROL);
    assert!(matches!(lookup(&cache, &headers, b"p"), Lookup::Hit(_)));
    assert_eq!(cache.stats().bypassed, 2);
}

#[test]
fn a_body_that_is_not_json_is_never_looked_up() {
    let cache = cache(1 << 20);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    assert!(matches!(lookup(&cache, &headers, b"p"), Lookup::Skip));
    assert!(matches!(
        cache.lookup(&Method::PUT, &json_headers(), None, b"p", JSON),
        Lookup::Skip
    ));
}

#[tokio::test]
async fn the_cache_stays_within_its_byte_budget() {
    let budget = 64 * 1024;
    let cache = cache(budget);
    let headers = json_headers();
    let body: &'static str = Box::leak("x".repeat(1000).into_boxed_str());
    for i in 0..1000 {
        let payload = format!("{{\"query\":\"{i}\"}}");
        if let Lookup::Miss(key) = lookup(&cache, &headers, payload.as_bytes()) {
            store(&cache, key, answer(body, 0), &AnswerFreshness::new());
        }
    }
    let stats = cache.stats();
    assert!(stats.bytes <= budget, "{} bytes", stats.bytes);
    assert!(stats.entries > 10, "{} entries", stats.entries);
}

#[test]
fn an_invalidated_product_drops_the_entries_holding_it_and_only_those() {
    let cache = cache(1 << 20);
    let headers = json_headers();
    let gtin = |n: u32| Gtin::with_check_digit(&format!("0777100{n:06}")).unwrap();
    for (payload, held) in [(&b"a"[..], gtin(1)), (b"b", gtin(2))] {
        let Lookup::Miss(key) = lookup(&cache, &headers, payload) else {
            panic!("miss");
        };
        let freshness = AnswerFreshness::new();
        freshness.holds(&[held]);
        let sent = store(&cache, key, answer("{}", 0), &freshness);
        assert_eq!(
            sent.headers()[&CACHE_TAG],
            format!("gtin-{}", held.gtin14()).as_str()
        );
    }
    // A request looked up before the invalidation is not kept after it.
    let Lookup::Miss(late) = lookup(&cache, &headers, b"c") else {
        panic!("miss");
    };
    assert_ne!(slot(&gtin(1)), slot(&gtin(2)), "pick products in two slots");

    cache.invalidate(&[gtin(1)]);

    assert!(matches!(lookup(&cache, &headers, b"a"), Lookup::Miss(_)));
    assert!(matches!(lookup(&cache, &headers, b"b"), Lookup::Hit(_)));
    let freshness = AnswerFreshness::new();
    freshness.holds(&[gtin(1)]);
    store(&cache, late, answer("{}", 0), &freshness);
    assert!(matches!(lookup(&cache, &headers, b"c"), Lookup::Miss(_)));
    assert_eq!(cache.stats().invalidated, 2);
}

#[test]
fn invalidating_all_drops_every_entry_and_every_answer_under_way() {
    let cache = cache(1 << 20);
    let headers = json_headers();
    let gtin = |n: u32| Gtin::with_check_digit(&format!("0777100{n:06}")).unwrap();
    for (payload, held) in [(&b"a"[..], gtin(1)), (b"b", gtin(2))] {
        let Lookup::Miss(key) = lookup(&cache, &headers, payload) else {
            panic!("miss");
        };
        let freshness = AnswerFreshness::new();
        freshness.holds(&[held]);
        store(&cache, key, answer("{}", 0), &freshness);
    }
    assert!(matches!(lookup(&cache, &headers, b"b"), Lookup::Hit(_)));
    let Lookup::Miss(late) = lookup(&cache, &headers, b"c") else {
        panic!("miss");
    };

    cache.invalidate_all();

    assert!(matches!(lookup(&cache, &headers, b"a"), Lookup::Miss(_)));
    assert!(matches!(lookup(&cache, &headers, b"b"), Lookup::Miss(_)));
    let freshness = AnswerFreshness::new();
    freshness.holds(&[gtin(3)]);
    store(&cache, late, answer("{}", 0), &freshness);
    assert!(matches!(lookup(&cache, &headers, b"c"), Lookup::Miss(_)));
}

#[test]
fn a_matching_if_none_match_gets_a_304_on_a_miss_and_on_a_hit() {
    let cache = cache(1 << 20);
    let mut headers = json_headers();
    let Lookup::Miss(key) = lookup(&cache, &headers, b"p") else {
        panic!("miss");
    };
    let sent = store(&cache, key, answer("{}", 0), &AnswerFreshness::new());
    let etag = sent.headers()[header::ETAG].clone();
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(
        sent.headers()[header::CACHE_CONTROL],
        "public, max-age=3600, stale-if-error=60"
    );
    headers.insert(header::IF_NONE_MATCH, etag.clone());
    let Lookup::Hit(hit) = lookup(&cache, &headers, b"p") else {
        panic!("hit");
    };
    assert_eq!(hit.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(hit.headers()[header::ETAG], etag);
    let Lookup::Miss(key) = lookup(&cache, &headers, b"q") else {
        panic!("miss");
    };
    let fresh = cache.respond(Some(key), &headers, answer("{}", 0), None);
    assert_eq!(fresh.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        fresh.headers()[header::CACHE_CONTROL],
        "no-store",
        "a batch"
    );
}

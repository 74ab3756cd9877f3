//! The response cache: an identical `/graphql` request is answered with the bytes
//! of the earlier answer, without parsing, validating or executing anything.
//!
//! **Identical** means the same method, the same response media type (negotiated
//! from `Accept`: it changes the status and the body's shape) and the exact same
//! request payload: the POST body or the GET query string, which hold the document
//! text, the operation name, the variables and the extensions (an automatic
//! persisted query sent by hash alone is a payload like any other, so it hits too).
//! Nothing else a request carries changes its answer: `x-request-id`, CORS and
//! compression are added around the handler, on hits as on misses. A payload that
//! differs only in spacing or in the order of its variables is a different entry,
//! never a wrong answer.
//!
//! **Stored** only when the answer may be reused: status 200, no error in the body,
//! every product it holds fresh (no stale copy served, no failed lookup), and the
//! request did not say `Cache-Control: no-store`. An entry lives until the earliest
//! freshness of the products it holds (found TTL or negative TTL, counted from when
//! the upstream answered; the loader notes it in [`AnswerFreshness`]), and at most
//! `max_ttl` (answers without products). `Cache-Control: no-cache` skips the lookup
//! (the answer is computed anew, and stored).
//!
//! **Bounded in bytes**: moka weighs each entry by its payload key and body bytes
//! plus a fixed overhead; an answer over a sixteenth of the budget is not kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use moka::Expiry;
use moka::sync::Cache;

use super::observe::GraphqlOutcome;
use crate::cache::weight::ENTRY_OVERHEAD_BYTES;
use crate::hashing::FastHasher;
use crate::loader::AnswerFreshness;

/// How the response cache is sized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseCacheSettings {
    /// Off switch: nothing is looked up or stored.
    pub enabled: bool,
    /// Most bytes the entries may weigh together.
    pub max_bytes: u64,
}

/// A snapshot of the response cache's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseCacheStats {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests looked up and not found (then executed).
    pub misses: u64,
    /// Requests that skipped the lookup (`Cache-Control: no-cache` or `no-store`).
    pub bypassed: u64,
    /// Answers stored.
    pub stored: u64,
    /// Entries held now (approximate until moka's pending work runs).
    pub entries: u64,
    /// Bytes the entries weigh now (same caveat).
    pub bytes: u64,
}

/// The response cache. Cheap to clone: clones share one store.
#[derive(Clone)]
pub struct ResponseCache {
    /// `None` when turned off.
    inner: Option<Arc<Inner>>,
}

struct Inner {
    entries: Cache<Arc<[u8]>, Arc<Stored>, FastHasher>,
    max_ttl: Duration,
    max_entry_bytes: usize,
    counters: Arc<Counters>,
}

/// Counted here rather than read from moka, whose entry count and weighted size
/// lag behind its deferred bookkeeping.
#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    bypassed: AtomicU64,
    stored: AtomicU64,
    /// Entries held: +1 per insert, −1 per removal moka reports.
    entries: AtomicU64,
    /// Bytes held, likewise.
    bytes: AtomicU64,
}

/// What an entry weighs: its key and body bytes plus a fixed overhead.
fn weight(key: &[u8], stored: &Stored) -> u64 {
    u64::try_from(key.len() + stored.body.len() + ENTRY_OVERHEAD_BYTES).unwrap_or(u64::MAX)
}

/// One stored answer.
struct Stored {
    body: Bytes,
    content_type: HeaderValue,
    /// The operation label, for the request's log line and metrics on a hit.
    operation: String,
    /// Until when (unix ms) the answer may be served.
    until_ms: u64,
    /// How long moka keeps it, computed once at insert.
    keep_for: Duration,
}

/// Tells moka to drop each entry after its own lifetime.
struct KeepFor;

impl Expiry<Arc<[u8]>, Arc<Stored>> for KeepFor {
    fn expire_after_create(
        &self,
        _key: &Arc<[u8]>,
        stored: &Arc<Stored>,
        _at: Instant,
    ) -> Option<Duration> {
        Some(stored.keep_for)
    }

    fn expire_after_update(
        &self,
        _key: &Arc<[u8]>,
        stored: &Arc<Stored>,
        _at: Instant,
        _left: Option<Duration>,
    ) -> Option<Duration> {
        Some(stored.keep_for)
    }
}

/// What a lookup found.
pub(crate) enum Lookup {
    /// The stored answer: send it as it is.
    Hit(Response),
    /// Not found (or not looked up because of `no-cache`): execute, then offer the
    /// answer to [`ResponseCache::store`] with this key.
    Miss(PendingKey),
    /// Not cacheable at all (cache off, `no-store`, not a GraphQL request shape the
    /// cache handles): execute as if there were no cache.
    Skip,
}

/// The key of a request whose answer may be stored.
pub(crate) struct PendingKey(Vec<u8>);

impl ResponseCache {
    /// A cache with `settings` (empty, or nothing at all when turned off) keeping
    /// any answer at most `max_ttl`, even one holding no product.
    pub fn new(settings: ResponseCacheSettings, max_ttl: Duration) -> ResponseCache {
        if !settings.enabled || settings.max_bytes == 0 {
            return ResponseCache { inner: None };
        }
        let counters = Arc::new(Counters::default());
        let removals = Arc::clone(&counters);
        let entries = Cache::builder()
            .max_capacity(settings.max_bytes)
            .weigher(|key: &Arc<[u8]>, stored: &Arc<Stored>| {
                u32::try_from(weight(key, stored)).unwrap_or(u32::MAX)
            })
            .expire_after(KeepFor)
            // Every removal (expired, evicted, refused, replaced) comes through here.
            .eviction_listener(move |key: Arc<Arc<[u8]>>, stored: Arc<Stored>, _cause| {
                removals.entries.fetch_sub(1, Ordering::Relaxed);
                removals
                    .bytes
                    .fetch_sub(weight(&key, &stored), Ordering::Relaxed);
            })
            .build_with_hasher(FastHasher::default());
        ResponseCache {
            inner: Some(Arc::new(Inner {
                entries,
                max_ttl,
                max_entry_bytes: usize::try_from(settings.max_bytes / 16).unwrap_or(usize::MAX),
                counters,
            })),
        }
    }

    /// A cache that is turned off.
    pub fn off() -> ResponseCache {
        ResponseCache { inner: None }
    }

    /// Whether the cache is on.
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Looks the request up. `content_type` is the media type the answer will have
    /// (negotiated from `Accept` by the caller).
    pub(crate) fn lookup(
        &self,
        method: &Method,
        headers: &HeaderMap,
        query_string: Option<&str>,
        body: &[u8],
        content_type: &'static str,
    ) -> Lookup {
        let Some(inner) = &self.inner else {
            return Lookup::Skip;
        };
        let payload: &[u8] = match *method {
            Method::GET => query_string.unwrap_or_default().as_bytes(),
            // Anything but a JSON body is refused by the handler (415): never cached.
            Method::POST if is_json(headers) => body,
            _ => return Lookup::Skip,
        };
        let (no_cache, no_store) = cache_control(headers);
        if no_store || payload.len() > inner.max_entry_bytes {
            if no_store {
                inner.counters.bypassed.fetch_add(1, Ordering::Relaxed);
            }
            return Lookup::Skip;
        }
        let mut key = Vec::with_capacity(payload.len() + content_type.len() + 2);
        key.push(if *method == Method::GET { b'G' } else { b'P' });
        key.extend_from_slice(content_type.as_bytes());
        key.push(0);
        key.extend_from_slice(payload);
        if no_cache {
            inner.counters.bypassed.fetch_add(1, Ordering::Relaxed);
            return Lookup::Miss(PendingKey(key));
        }
        match inner.entries.get(key.as_slice()) {
            Some(stored) if crate::cache::now_unix_ms() < stored.until_ms => {
                inner.counters.hits.fetch_add(1, Ordering::Relaxed);
                Lookup::Hit(hit_response(&stored))
            }
            _ => {
                inner.counters.misses.fetch_add(1, Ordering::Relaxed);
                Lookup::Miss(PendingKey(key))
            }
        }
    }

    /// Offers the answer to a looked-up request; stores its bytes when it may be
    /// reused (status 200, no error, every product fresh per `freshness`) and
    /// gives the same answer back.
    pub(crate) async fn store(
        &self,
        key: PendingKey,
        response: Response,
        freshness: &AnswerFreshness,
    ) -> Response {
        let Some(inner) = &self.inner else {
            return response;
        };
        let Some(outcome) = response.extensions().get::<GraphqlOutcome>().cloned() else {
            return response;
        };
        let Some(until_ms) = freshness.reusable_until() else {
            return response;
        };
        let now = crate::cache::now_unix_ms();
        let max_ttl_ms = u64::try_from(inner.max_ttl.as_millis()).unwrap_or(u64::MAX);
        let until_ms = until_ms.min(now.saturating_add(max_ttl_ms));
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let (Some(content_type), StatusCode::OK, 0, true) = (
            content_type,
            response.status(),
            outcome.errors,
            until_ms > now,
        ) else {
            return response;
        };
        let (parts, body) = response.into_parts();
        // The handler's body is one buffer already, so this does not wait.
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        if bytes.len() <= inner.max_entry_bytes {
            let stored = Stored {
                body: bytes.clone(),
                content_type,
                operation: outcome.operation,
                until_ms,
                keep_for: Duration::from_millis(until_ms - now),
            };
            let key: Arc<[u8]> = Arc::from(key.0);
            let counters = &inner.counters;
            counters.stored.fetch_add(1, Ordering::Relaxed);
            counters.entries.fetch_add(1, Ordering::Relaxed);
            counters
                .bytes
                .fetch_add(weight(&key, &stored), Ordering::Relaxed);
            inner.entries.insert(key, Arc::new(stored));
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    /// A snapshot of the counters (all zero when turned off).
    pub fn stats(&self) -> ResponseCacheStats {
        let Some(inner) = &self.inner else {
            return ResponseCacheStats::default();
        };
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        // Lets moka report what it removed (expired, evicted) so the counts are
        // current; cheap, as stats are read at a scrape or a probe, not per request.
        inner.entries.run_pending_tasks();
        let counters = &inner.counters;
        ResponseCacheStats {
            hits: read(&counters.hits),
            misses: read(&counters.misses),
            bypassed: read(&counters.bypassed),
            stored: read(&counters.stored),
            entries: read(&counters.entries),
            bytes: read(&counters.bytes),
        }
    }
}

/// The answer a hit sends: the stored bytes, status and media type, and the
/// outcome the request's log line and metrics read.
fn hit_response(stored: &Stored) -> Response {
    let mut response = Response::new(Body::from(stored.body.clone()));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, stored.content_type.clone());
    response.extensions_mut().insert(GraphqlOutcome {
        operation: stored.operation.clone(),
        errors: 0,
    });
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// `(no-cache, no-store)` from the request's `Cache-Control` (and `Pragma: no-cache`).
fn cache_control(headers: &HeaderMap) -> (bool, bool) {
    let mut no_cache = false;
    let mut no_store = false;
    let directives = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .chain(headers.get_all(header::PRAGMA).iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for directive in directives {
        let name = directive.split('=').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("no-cache") {
            no_cache = true;
        } else if name.eq_ignore_ascii_case("no-store") {
            no_store = true;
        }
    }
    (no_cache, no_store)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    const JSON: &str = "application/json; charset=utf-8";

    fn cache(max_bytes: u64) -> ResponseCache {
        ResponseCache::new(
            ResponseCacheSettings {
                enabled: true,
                max_bytes,
            },
            Duration::from_secs(300),
        )
    }

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers
    }

    fn answer(body: &'static str, errors: usize) -> Response {
        let mut response = Response::new(Body::from(body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
        response.extensions_mut().insert(GraphqlOutcome {
            operation: "Op".to_owned(),
            errors,
        });
        response
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
        let sent = cache
            .store(key, answer("{\"data\":{\"a\":1}}", 0), &freshness)
            .await;
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
            cache.store(key, response, &freshness).await;
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
        cache
            .store(key, answer("{}", 0), &AnswerFreshness::new())
            .await;

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
                cache
                    .store(key, answer(body, 0), &AnswerFreshness::new())
                    .await;
            }
        }
        let inner = cache.inner.as_ref().unwrap();
        inner.entries.run_pending_tasks();
        let stats = cache.stats();
        assert!(stats.bytes <= budget, "{} bytes", stats.bytes);
        assert!(stats.entries > 10, "{} entries", stats.entries);
    }
}

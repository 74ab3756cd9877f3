//! The response cache: an identical `/graphql` request is answered with the bytes
//! of the earlier answer, without parsing, validating or executing anything. It also
//! gives every answer its HTTP caching headers (`cache_headers`), computed once per
//! produced body and kept with the entry, so a hit costs a `max-age` format only.
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
//! **Invalidated** by product ([`ResponseCache::invalidate`]) without an index of
//! entries by product: a fixed table of [`SLOTS`] generation counters, a product's
//! slot chosen by a hash of its GTIN. An invalidation bumps a global epoch and
//! writes it into the slots of its products; an entry remembers the epoch read when
//! its request was looked up and the slots of its products, and is dropped on a hit
//! when one of those slots moved past it. Memory is fixed (32 KiB); two products
//! sharing a slot only cost an extra miss. Reading the epoch at lookup, before any
//! product is loaded, means an answer built while an invalidation ran is never kept.
//!
//! **Bounded in bytes**: a quick_cache (S3-FIFO) weighs each entry by its payload
//! key and body bytes plus a fixed overhead; an answer over a sixteenth of the budget
//! is not kept. An entry past its time is dropped when a lookup finds it (or evicted
//! for room before that). Why not moka, used before: under cold traffic every request
//! is a miss and an insert, and moka's insert (its hash table growing and rehashing
//! the keys, its deferred bookkeeping) was 9 % of a cold request (BENCHMARKS.md,
//! session 4).

pub(crate) mod cache_headers;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use quick_cache::Weighter;
use quick_cache::sync::{Cache, DefaultLifecycle};

use self::cache_headers::{CACHE_TAG, CacheHeaderSettings, Policy, SURROGATE_KEY, Tags};
use super::edge::GraphqlOutcome;
use crate::cache::weight::ENTRY_OVERHEAD_BYTES;
use crate::gtin::Gtin;
use crate::hashing::FastHasher;
use crate::loader::AnswerFreshness;

/// Generation slots for invalidation by product (a power of two).
pub(crate) const SLOTS: usize = 4096;

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
    /// Entries held now (an entry past its time counts until a lookup or an
    /// eviction drops it).
    pub entries: u64,
    /// Bytes the entries weigh now.
    pub bytes: u64,
    /// Entries found on a lookup but dropped because a product they hold was
    /// invalidated since they were stored.
    pub invalidated: u64,
}

/// The response cache. Cheap to clone: clones share one store.
#[derive(Clone)]
pub struct ResponseCache {
    /// `None` when turned off.
    inner: Option<Arc<Inner>>,
    /// What answers' `Cache-Control` is made from (also with the cache off).
    headers: CacheHeaderSettings,
    /// Request headers that carry the client's identity: their presence makes an
    /// answer `private` (see `cache_headers::carries_identity`).
    identity: Arc<[HeaderName]>,
}

/// Request payload key to its stored answer.
type Store = Cache<Arc<[u8]>, Arc<Stored>, WeighStored, FastHasher>;

struct Inner {
    entries: Store,
    max_ttl: Duration,
    max_entry_bytes: usize,
    counters: Arc<Counters>,
    /// Bumped by every invalidation.
    epoch: AtomicU64,
    /// Per slot, the epoch of the last invalidation of a product in it.
    generations: Box<[AtomicU64]>,
}

/// What the cache has done so far (entries and bytes held are the store's own).
#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    bypassed: AtomicU64,
    stored: AtomicU64,
    invalidated: AtomicU64,
}

/// What an entry weighs: its key and body bytes plus a fixed overhead.
fn weight(key: &[u8], stored: &Stored) -> u64 {
    u64::try_from(key.len() + stored.body.len() + ENTRY_OVERHEAD_BYTES).unwrap_or(u64::MAX)
}

/// One stored answer, with its headers.
struct Stored {
    body: Bytes,
    content_type: HeaderValue,
    /// The operation label, for the request's log line and metrics on a hit.
    operation: String,
    /// Until when (unix ms) the answer may be served.
    until_ms: u64,
    /// Strong `ETag` of `body`.
    etag: HeaderValue,
    /// The products it holds, as headers.
    tags: Tags,
    /// Whether it holds no product (`Cache-Control` then says the static max-age).
    no_products: bool,
    /// The epoch read when its request was looked up.
    epoch: u64,
    /// The invalidation slots of its products.
    slots: Box<[u16]>,
}

/// Weighs an entry by [`weight`].
#[derive(Clone)]
struct WeighStored;

impl Weighter<Arc<[u8]>, Arc<Stored>> for WeighStored {
    fn weight(&self, key: &Arc<[u8]>, stored: &Arc<Stored>) -> u64 {
        weight(key, stored)
    }
}

/// What a lookup found.
pub(crate) enum Lookup {
    /// The stored answer (or a 304 for it): send it as it is.
    Hit(Response),
    /// Not found (or not looked up because of `no-cache`): execute, then offer the
    /// answer to [`ResponseCache::respond`] with this key.
    Miss(PendingKey),
    /// Not cacheable at all (cache off, `no-store`, not a GraphQL request shape the
    /// cache handles): execute as if there were no cache.
    Skip,
}

/// The key of a request whose answer may be stored, with the invalidation epoch
/// read at its lookup.
pub(crate) struct PendingKey {
    key: Vec<u8>,
    epoch: u64,
}

/// An executed answer, before headers.
pub(crate) struct Answer {
    /// HTTP status.
    pub(crate) status: StatusCode,
    /// The serialized body.
    pub(crate) body: Bytes,
    /// Its media type.
    pub(crate) content_type: HeaderValue,
    /// The operation label and the errors counted in the body.
    pub(crate) outcome: GraphqlOutcome,
}

/// The invalidation slot of a product: a multiplicative hash of its GTIN-14 as a
/// number (the same on every replica, not that it matters).
fn slot(gtin: &Gtin) -> u16 {
    let number = gtin
        .gtin14()
        .bytes()
        .fold(0u64, |n, digit| n * 10 + u64::from(digit - b'0'));
    // The top 12 bits of the product: SLOTS = 4096.
    u16::try_from(number.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52).unwrap_or(0)
}

impl ResponseCache {
    /// A cache with `settings` (empty, or nothing at all when turned off) keeping
    /// any answer at most `max_ttl`, even one holding no product; answers' headers
    /// follow `headers`.
    pub fn new(
        settings: ResponseCacheSettings,
        max_ttl: Duration,
        headers: CacheHeaderSettings,
    ) -> ResponseCache {
        if !settings.enabled || settings.max_bytes == 0 {
            return ResponseCache {
                inner: None,
                headers,
                identity: cache_headers::identity_headers(Vec::new()),
            };
        }
        // Sized for entries of about 2 KiB; the table grows if they are smaller.
        let estimated =
            usize::try_from((settings.max_bytes / 2048).clamp(64, 65_536)).unwrap_or(65_536);
        let options = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity(estimated)
            .weight_capacity(settings.max_bytes)
            .build();
        let entries = match options {
            Ok(options) => Cache::with_options(
                options,
                WeighStored,
                FastHasher::default(),
                DefaultLifecycle::default(),
            ),
            // Both values are set above; the builder fails only when one is missing.
            Err(_) => Cache::with(
                estimated,
                settings.max_bytes,
                WeighStored,
                FastHasher::default(),
                DefaultLifecycle::default(),
            ),
        };
        let counters = Arc::new(Counters::default());
        ResponseCache {
            inner: Some(Arc::new(Inner {
                entries,
                max_ttl,
                max_entry_bytes: usize::try_from(settings.max_bytes / 16).unwrap_or(usize::MAX),
                counters,
                epoch: AtomicU64::new(0),
                generations: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            })),
            headers,
            identity: cache_headers::identity_headers(Vec::new()),
        }
    }

    /// A cache that is turned off (answers still get their headers).
    pub fn off(headers: CacheHeaderSettings) -> ResponseCache {
        ResponseCache {
            inner: None,
            headers,
            identity: cache_headers::identity_headers(Vec::new()),
        }
    }

    /// The same cache, also taking `extra` request headers (the API key, the
    /// protection's client id) as the client's identity.
    #[must_use]
    pub fn with_identity_headers(mut self, extra: Vec<HeaderName>) -> ResponseCache {
        self.identity = cache_headers::identity_headers(extra);
        self
    }

    /// Whether the cache is on.
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Drops every entry holding one of `gtins` (lazily: at its next lookup).
    /// Call it after the product cache forgot them, so an answer built from the
    /// old copies cannot be kept.
    pub fn invalidate(&self, gtins: &[Gtin]) {
        let Some(inner) = &self.inner else {
            return;
        };
        let epoch = inner.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        for gtin in gtins {
            if let Some(generation) = inner.generations.get(usize::from(slot(gtin))) {
                generation.fetch_max(epoch, Ordering::AcqRel);
            }
        }
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
        // Read before anything is loaded: see "Invalidated" above.
        let epoch = inner.epoch.load(Ordering::Acquire);
        let mut key = Vec::with_capacity(payload.len() + content_type.len() + 2);
        key.push(if *method == Method::GET { b'G' } else { b'P' });
        key.extend_from_slice(content_type.as_bytes());
        key.push(0);
        key.extend_from_slice(payload);
        if no_cache {
            inner.counters.bypassed.fetch_add(1, Ordering::Relaxed);
            return Lookup::Miss(PendingKey { key, epoch });
        }
        let now = crate::cache::now_unix_ms();
        match inner.entries.get(key.as_slice()) {
            Some(stored) if now < stored.until_ms => {
                if inner.still_valid(&stored) {
                    inner.counters.hits.fetch_add(1, Ordering::Relaxed);
                    return Lookup::Hit(self.hit_response(&stored, headers, now));
                }
                inner.entries.remove(key.as_slice());
                inner.counters.invalidated.fetch_add(1, Ordering::Relaxed);
                inner.counters.misses.fetch_add(1, Ordering::Relaxed);
                Lookup::Miss(PendingKey { key, epoch })
            }
            Some(_expired) => {
                inner.entries.remove(key.as_slice());
                inner.counters.misses.fetch_add(1, Ordering::Relaxed);
                Lookup::Miss(PendingKey { key, epoch })
            }
            None => {
                inner.counters.misses.fetch_add(1, Ordering::Relaxed);
                Lookup::Miss(PendingKey { key, epoch })
            }
        }
    }

    /// Turns an executed answer into the response, with its caching headers (or a
    /// 304 when the request's `If-None-Match` matches), and stores it under `key`
    /// when it may be reused (status 200, no error, every product fresh per
    /// `freshness`; `None` for a batch, never reused).
    pub(crate) fn respond(
        &self,
        key: Option<PendingKey>,
        request: &HeaderMap,
        answer: Answer,
        freshness: Option<&AnswerFreshness>,
    ) -> Response {
        let now = crate::cache::now_unix_ms();
        let gtins = freshness
            .map(AnswerFreshness::take_gtins)
            .unwrap_or_default();
        let tags = Tags::of(&gtins);
        let reusable_until = freshness
            .and_then(AnswerFreshness::reusable_until)
            .filter(|&until| until > now);
        let ok = answer.status == StatusCode::OK && answer.outcome.errors == 0;
        let policy = match reusable_until {
            Some(until) if ok && !cache_control(request).1 => Policy::Fresh {
                until_ms: (!gtins.is_empty()).then_some(until),
                shared: tags != Tags::TooMany
                    && !cache_headers::carries_identity(request, &self.identity),
            },
            _ => Policy::NoStore,
        };
        let etag = (answer.status == StatusCode::OK).then(|| cache_headers::etag(&answer.body));
        if let (Some(key), Some(inner), Some(etag), Policy::Fresh { .. }, Some(until)) =
            (key, &self.inner, &etag, policy, reusable_until)
        {
            let max_ttl_ms = u64::try_from(inner.max_ttl.as_millis()).unwrap_or(u64::MAX);
            let until_ms = until.min(now.saturating_add(max_ttl_ms));
            if answer.body.len() <= inner.max_entry_bytes && until_ms > now {
                inner.insert(
                    key,
                    Stored {
                        body: answer.body.clone(),
                        content_type: answer.content_type.clone(),
                        operation: answer.outcome.operation.clone(),
                        until_ms,
                        etag: etag.clone(),
                        tags: tags.clone(),
                        no_products: gtins.is_empty(),
                        epoch: 0,
                        slots: gtins.iter().map(slot).collect(),
                    },
                );
            }
        }
        let cache_control = cache_headers::cache_control(policy, &self.headers, now);
        let not_modified = etag
            .as_ref()
            .is_some_and(|etag| cache_headers::not_modified(request, etag));
        let mut response = if not_modified {
            not_modified_response()
        } else {
            let mut response = answer_response(Body::from(answer.body));
            *response.status_mut() = answer.status;
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, answer.content_type);
            response
        };
        add_headers(response.headers_mut(), cache_control, etag, &tags);
        response.extensions_mut().insert(answer.outcome);
        response
    }

    /// A snapshot of the counters (all zero when turned off).
    pub fn stats(&self) -> ResponseCacheStats {
        let Some(inner) = &self.inner else {
            return ResponseCacheStats::default();
        };
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let counters = &inner.counters;
        ResponseCacheStats {
            hits: read(&counters.hits),
            misses: read(&counters.misses),
            bypassed: read(&counters.bypassed),
            stored: read(&counters.stored),
            entries: u64::try_from(inner.entries.len()).unwrap_or(u64::MAX),
            bytes: inner.entries.weight(),
            invalidated: read(&counters.invalidated),
        }
    }

    /// The answer a hit sends: the stored bytes, status, media type and headers
    /// (`max-age` counted down to now), or a 304 when `If-None-Match` matches; and
    /// the outcome the request's log line and metrics read.
    fn hit_response(&self, stored: &Stored, request: &HeaderMap, now: u64) -> Response {
        let shared = stored.tags != Tags::TooMany
            && !cache_headers::carries_identity(request, &self.identity);
        let policy = Policy::Fresh {
            until_ms: (!stored.no_products).then_some(stored.until_ms),
            shared,
        };
        let mut response = if cache_headers::not_modified(request, &stored.etag) {
            not_modified_response()
        } else {
            let mut response = answer_response(Body::from(stored.body.clone()));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, stored.content_type.clone());
            response
        };
        add_headers(
            response.headers_mut(),
            cache_headers::cache_control(policy, &self.headers, now),
            Some(stored.etag.clone()),
            &stored.tags,
        );
        response.extensions_mut().insert(GraphqlOutcome {
            operation: stored.operation.clone(),
            errors: 0,
        });
        response
    }
}

impl Inner {
    /// Stores an answer under `key`, with the epoch read at its lookup.
    fn insert(&self, key: PendingKey, mut stored: Stored) {
        stored.epoch = key.epoch;
        let key: Arc<[u8]> = Arc::from(key.key);
        self.counters.stored.fetch_add(1, Ordering::Relaxed);
        self.entries.insert(key, Arc::new(stored));
    }

    /// Whether no product of `stored` was invalidated since its request was looked up.
    fn still_valid(&self, stored: &Stored) -> bool {
        stored.slots.iter().all(|&slot| {
            self.generations
                .get(usize::from(slot))
                .is_none_or(|generation| generation.load(Ordering::Acquire) <= stored.epoch)
        })
    }
}

/// Room for the headers an answer leaves with: content type, the caching headers,
/// then the request id, CORS, `Vary` and `Content-Length` of the layers outside.
const ANSWER_HEADERS: usize = 16;

/// A response with room for [`ANSWER_HEADERS`]: a header map grown one header at a
/// time reallocates and rehashes four times (2,000 instructions a response).
fn answer_response(body: Body) -> Response {
    let mut response = Response::new(body);
    *response.headers_mut() = HeaderMap::with_capacity(ANSWER_HEADERS);
    response
}

/// `304 Not Modified`: no body, the same validators and caching headers.
fn not_modified_response() -> Response {
    let mut response = answer_response(Body::empty());
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    response
}

fn add_headers(
    headers: &mut HeaderMap,
    cache_control: HeaderValue,
    etag: Option<HeaderValue>,
    tags: &Tags,
) {
    headers.insert(header::CACHE_CONTROL, cache_control);
    headers.insert(header::VARY, cache_headers::vary());
    if let Some(etag) = etag {
        headers.insert(header::ETAG, etag);
    }
    if let Tags::Named(cache_tag, surrogate_key) = tags {
        headers.insert(CACHE_TAG.clone(), cache_tag.clone());
        headers.insert(SURROGATE_KEY.clone(), surrogate_key.clone());
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// `(no-cache, no-store)` from the request's `Cache-Control` (and `Pragma: no-cache`).
pub(crate) fn cache_control(headers: &HeaderMap) -> (bool, bool) {
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

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers
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
}

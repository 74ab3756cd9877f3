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
//! the keys, its deferred bookkeeping) was 9 % of a cold request (bench/JOURNAL.md,
//! session 4).
//!
//! The parts: this file (the cache, its lookup and invalidation entry points),
//! `store` (entries, weights, counters), `invalidation` (the slots), `response`
//! (answers and hits with their headers), `cache_headers` (the header rules),
//! `request_cache_control` (what the request asks), `tests`.

pub(crate) mod cache_headers;
mod invalidation;
mod request_cache_control;
mod response;
mod store;
#[cfg(test)]
mod tests;

pub(crate) use response::Answer;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, Method};
use axum::response::Response;
use quick_cache::sync::DefaultLifecycle;

use self::cache_headers::CacheHeaderSettings;
use self::invalidation::{SLOTS, slot};
use self::request_cache_control::{cache_control, is_json};
use self::store::{Counters, Inner, Stored, WeighStored};
use crate::cache::weight::bounded_cache;
use crate::gtin::Gtin;
use crate::protect::Verdict;

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

/// A lookup before the request is admitted: what the store holds for the payload,
/// nothing counted yet. The protection reads the found answer's verdict (how the
/// payload was admitted) to admit a repeat cheaply; [`ResponseCache::settle`] then
/// makes the [`Lookup`] and counts it, so a refused request counts as nothing.
pub(crate) struct Probe(Probed);

enum Probed {
    /// Not looked up (`no_store`: because the request said `Cache-Control: no-store`).
    Skip { no_store: bool },
    /// Not found (`bypassed`: not looked up, `Cache-Control: no-cache`).
    Miss { key: PendingKey, bypassed: bool },
    /// An answer that may be served now.
    Found {
        key: PendingKey,
        stored: Arc<Stored>,
    },
}

impl Probe {
    /// Nothing to look up (the body could not be read).
    pub(crate) fn skip() -> Probe {
        Probe(Probed::Skip { no_store: false })
    }

    /// The verdict kept with the found answer (made when its request was admitted).
    pub(crate) fn verdict(&self) -> Option<&Verdict> {
        match &self.0 {
            Probed::Found { stored, .. } => stored.verdict.as_ref(),
            Probed::Skip { .. } | Probed::Miss { .. } => None,
        }
    }

    /// The same lookup with the found answer set aside: the request is executed
    /// (and its answer stored in place of the found one).
    #[must_use]
    pub(crate) fn without_hit(self) -> Probe {
        match self.0 {
            Probed::Found { key, .. } => Probe(Probed::Miss {
                key,
                bypassed: false,
            }),
            probed => Probe(probed),
        }
    }
}

/// The key of a request whose answer may be stored, with the invalidation epoch
/// read at its lookup.
pub(crate) struct PendingKey {
    key: Vec<u8>,
    epoch: u64,
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
        let entries = bounded_cache(
            None,
            estimated,
            settings.max_bytes,
            WeighStored,
            DefaultLifecycle::default(),
        );
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

    /// Drops every entry, as [`ResponseCache::invalidate`] of every product: the
    /// product cache was cleared because an invalidation may have been missed.
    pub fn invalidate_all(&self) {
        let Some(inner) = &self.inner else {
            return;
        };
        let epoch = inner.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        for generation in &inner.generations {
            generation.fetch_max(epoch, Ordering::AcqRel);
        }
        inner.entries.clear();
    }

    /// Looks the request up and counts it: [`ResponseCache::probe`] then
    /// [`ResponseCache::settle`].
    #[cfg(test)]
    pub(crate) fn lookup(
        &self,
        method: &Method,
        headers: &HeaderMap,
        query_string: Option<&str>,
        body: &[u8],
        content_type: &'static str,
    ) -> Lookup {
        let probe = self.probe(method, headers, query_string, body, content_type);
        self.settle(probe, headers)
    }

    /// Looks the request up, counting nothing yet. `content_type` is the media type
    /// the answer will have (negotiated from `Accept` by the caller). An entry past
    /// its time or invalidated is dropped here (counted as invalidated). Whether an
    /// answer is fresh is decided here, once: found, it is served after admission
    /// even if its time ends or a product of it is invalidated meanwhile (as if the
    /// request had come that much earlier: at most the rate limiter's Redis budget),
    /// because a request admitted from its verdict has no batch to execute instead.
    pub(crate) fn probe(
        &self,
        method: &Method,
        headers: &HeaderMap,
        query_string: Option<&str>,
        body: &[u8],
        content_type: &'static str,
    ) -> Probe {
        let Some(inner) = &self.inner else {
            return Probe(Probed::Skip { no_store: false });
        };
        let payload: &[u8] = match *method {
            Method::GET => query_string.unwrap_or_default().as_bytes(),
            // Anything but a JSON body is refused by the handler (415): never cached.
            Method::POST if is_json(headers) => body,
            _ => return Probe(Probed::Skip { no_store: false }),
        };
        let (no_cache, no_store) = cache_control(headers);
        if no_store || payload.len() > inner.max_entry_bytes {
            return Probe(Probed::Skip { no_store });
        }
        // Read before anything is loaded: see "Invalidated" above.
        let epoch = inner.epoch.load(Ordering::Acquire);
        let mut key = Vec::with_capacity(payload.len() + content_type.len() + 2);
        key.push(if *method == Method::GET { b'G' } else { b'P' });
        key.extend_from_slice(content_type.as_bytes());
        key.push(0);
        key.extend_from_slice(payload);
        if no_cache {
            return Probe(Probed::Miss {
                key: PendingKey { key, epoch },
                bypassed: true,
            });
        }
        let now = crate::cache::now_unix_ms();
        let found = inner.entries.get(key.as_slice());
        let key = PendingKey { key, epoch };
        match found {
            Some(stored) if now < stored.until_ms && inner.still_valid(&stored) => {
                Probe(Probed::Found { key, stored })
            }
            Some(stored) => {
                inner.entries.remove(key.key.as_slice());
                if now < stored.until_ms {
                    inner.counters.invalidated.fetch_add(1, Ordering::Relaxed);
                }
                Probe(Probed::Miss {
                    key,
                    bypassed: false,
                })
            }
            None => Probe(Probed::Miss {
                key,
                bypassed: false,
            }),
        }
    }

    /// What an admitted request's probe comes to, counted: a hit's response (built
    /// for `headers`: `If-None-Match`, identity), or the key to execute under.
    pub(crate) fn settle(&self, probe: Probe, headers: &HeaderMap) -> Lookup {
        let Some(inner) = &self.inner else {
            return Lookup::Skip;
        };
        let counters = &inner.counters;
        match probe.0 {
            Probed::Skip { no_store } => {
                if no_store {
                    counters.bypassed.fetch_add(1, Ordering::Relaxed);
                }
                Lookup::Skip
            }
            Probed::Miss { key, bypassed } => {
                let counter = if bypassed {
                    &counters.bypassed
                } else {
                    &counters.misses
                };
                counter.fetch_add(1, Ordering::Relaxed);
                Lookup::Miss(key)
            }
            Probed::Found { stored, .. } => {
                counters.hits.fetch_add(1, Ordering::Relaxed);
                let now = crate::cache::now_unix_ms();
                Lookup::Hit(self.hit_response(&stored, headers, now))
            }
        }
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
}

//! Building the response: an executed answer (or a stored one, on a hit) with its
//! HTTP caching headers (`cache_headers`: `Cache-Control`, `ETag`, `Vary`, the tags)
//! or a 304 when the request's `If-None-Match` matches; and the decision, on a
//! miss, whether the answer is stored.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::cache_headers::{self, CACHE_TAG, Policy, SURROGATE_KEY, Tags};
use super::invalidation::slot;
use super::request_cache_control::cache_control;
use super::store::Stored;
use super::{PendingKey, ResponseCache};
use crate::http::edge::GraphqlOutcome;
use crate::loader::AnswerFreshness;
use crate::protect::Verdict;

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
    /// How the protection (when on) admitted the request, kept with the answer.
    pub(crate) verdict: Option<Verdict>,
}

impl ResponseCache {
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
                        verdict: answer.verdict,
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

    /// The answer a hit sends: the stored bytes, status, media type and headers
    /// (`max-age` counted down to now), or a 304 when `If-None-Match` matches; and
    /// the outcome the request's log line and metrics read.
    pub(super) fn hit_response(&self, stored: &Stored, request: &HeaderMap, now: u64) -> Response {
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

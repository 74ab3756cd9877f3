//! `/graphql` per the GraphQL-over-HTTP specification: GET for queries (never for
//! mutations: 405), POST with `application/json`, a JSON array of operations as a
//! batch, and the response media type the client asks for:
//!
//! - `application/graphql-response+json`: request errors (the document does not
//!   parse or validate, variables do not coerce, a limit refuses it) are HTTP 400
//!   and carry no `data` entry; anything that executed is 200.
//! - `application/json` (also for `*/*` or no `Accept`, for older clients): 200 for
//!   every well-formed request, errors in the body.
//!
//! Malformed HTTP requests (a body that is not JSON, a missing query) are 400, an
//! unsupported body type 415, an `Accept` the gateway cannot satisfy 406: each an
//! [`HttpError`]. The handler is the steps; [`request`] reads, [`response`] shapes,
//! and [`guard`] has the API's protection (when on) admit the request first (from
//! the verdict kept with a cached answer when the response cache has one). How an
//! admitted request is executed (plan, lean or full schema) is the GraphQL layer's
//! business: [`crate::graphql::GatewaySchema::answer`], whose module doc lists
//! every rule, the response cache consulted here included.

mod guard;
mod request;
mod response;

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::edge::GraphqlOutcome;
use super::error::{HttpError, Refusal};
use super::media_type::MediaType;
use super::response_cache::{Answer, Lookup, PendingKey, Probe};
use super::state::AppState;
use crate::graphql::{Answered, Execution};
use crate::loader::AnswerFreshness;

/// Handles GET and POST on `/graphql`: negotiate, (protect,) read, execute, shape.
pub(crate) async fn handle(
    State(state): State<Arc<AppState>>,
    HttpRequest {
        method,
        headers,
        query_string,
        peer,
        body,
    }: HttpRequest,
) -> Response {
    let Some(media_type) = MediaType::negotiate(&headers) else {
        return HttpError::new(Refusal::NotAcceptable).into_response();
    };
    // The body read into operations; at most once per request (by protection or below).
    let read = || {
        body.as_ref().map_err(body_refusal).and_then(|body| {
            request::read(
                &method,
                &headers,
                query_string.as_deref(),
                body,
                state.limits.max_operations,
            )
        })
    };
    // The response cache is probed first (nothing counted), protection (off by
    // default: one branch) admits the request, then the probe is settled: a cached
    // answer is rate limited like any other, and its verdict (how its payload was
    // admitted) spares protection reading the payload again.
    let probe = match &body {
        Ok(body) => state.response_cache.probe(
            &method,
            &headers,
            query_string.as_deref(),
            body,
            media_type.content_type(),
        ),
        Err(_) => Probe::skip(),
    };
    let guarded = match &state.protection {
        None => None,
        Some(protection) => {
            match Box::pin(guard::admit(protection, &probe, read, &headers, peer)).await {
                // Boxed, as executing is: half a kilobyte this future need not hold.
                Ok(guarded) => Some(Box::new(guarded)),
                Err(refused) => return refused.in_media_type(media_type),
            }
        }
    };
    // A cached answer showing another client's cost limit is not this client's.
    let probe = match (&guarded, probe.verdict()) {
        (Some(guarded), Some(verdict)) if !guarded.may_serve(verdict) => probe.without_hit(),
        _ => probe,
    };
    let cache_key = match state.response_cache.settle(probe, &headers) {
        Lookup::Hit(response) => return guard::finish(guarded.as_deref(), response),
        Lookup::Miss(key) => Some(key),
        Lookup::Skip => None,
    };
    // Boxed: executing holds far more state than a response-cache hit needs, and
    // this future is moved whole into axum's box on every request, a hit's too
    // (`-Zprint-type-sizes`: 1,792 bytes with it inline, 504 without;
    // bench/JOURNAL.md "Session 27").
    Box::pin(execute(
        &state, read, media_type, guarded, cache_key, &headers,
    ))
    .await
}

/// The request read (or taken from protection), executed, its answer shaped and
/// given to the response cache.
async fn execute(
    state: &AppState,
    read: impl FnOnce() -> Result<BatchRequest, HttpError>,
    media_type: MediaType,
    mut guarded: Option<Box<guard::Guarded>>,
    cache_key: Option<PendingKey>,
    headers: &HeaderMap,
) -> Response {
    let batch = match guarded.as_deref_mut().and_then(guard::Guarded::take_batch) {
        Some(batch) => Ok(batch),
        None => read(),
    };
    let batch = match batch {
        Ok(batch) => batch,
        Err(refusal) => return refusal.in_media_type(media_type).into_response(),
    };
    let operation = request::operation(&batch);
    let freshness = Arc::new(AnswerFreshness::new());
    let execution = Execution {
        deadline: tokio::time::Instant::now() + state.limits.request_timeout,
        freshness: &freshness,
        extensions: guarded
            .as_deref()
            .map(guard::Guarded::extensions)
            .unwrap_or_default(),
        parsed: guarded
            .as_deref_mut()
            .map(guard::Guarded::take_parsed)
            .unwrap_or_default(),
    };
    // Boxed: its state (1.7 KB) is needed only while it runs, and `execute`'s own
    // box is made from the whole of this future's size (`-Zprint-type-sizes`).
    let answered = Box::pin(state.schema.answer(batch, execution)).await;
    let (status, body, errors, single) = match answered {
        Answered::Planned(planned) => (
            StatusCode::OK,
            planned.body,
            response::count_error_list(&planned.errors),
            true,
        ),
        Answered::Executed(executed) => {
            let single = matches!(executed, BatchResponse::Single(_));
            let errors = response::count_errors(&executed);
            let (status, body) = response::shape(executed, media_type);
            (status, body, errors, single)
        }
    };
    let answer = Answer {
        status,
        body: Bytes::from(body),
        content_type: HeaderValue::from_static(media_type.content_type()),
        outcome: GraphqlOutcome { operation, errors },
        verdict: guarded.as_deref().and_then(guard::Guarded::verdict),
    };
    // A batch's operations note no freshness: its answer is never reused.
    let freshness = single.then_some(&*freshness);
    let response =
        state
            .response_cache
            .respond(cache_key.filter(|_| single), headers, answer, freshness);
    guard::finish(guarded.as_deref(), response)
}

/// What the handler reads of the HTTP request, taken out of it by one extractor
/// (axum's `Method`, `HeaderMap`, `RawQuery` and `ConnectInfo` extractors would copy
/// each, the headers with every value, for every request).
pub(crate) struct HttpRequest {
    method: Method,
    headers: HeaderMap,
    query_string: Option<String>,
    /// The peer's address, when the server was started with connect info (the
    /// gateway's is; a router driven without a socket has none).
    peer: Option<IpAddr>,
    /// Read with `--max-body-bytes` as its limit.
    body: Result<Bytes, BodyError>,
}

impl FromRequest<Arc<AppState>> for HttpRequest {
    type Rejection = Infallible;

    async fn from_request(
        request: Request,
        state: &Arc<AppState>,
    ) -> Result<HttpRequest, Infallible> {
        let (mut parts, body) = request.into_parts();
        let method = std::mem::take(&mut parts.method);
        let headers = std::mem::take(&mut parts.headers);
        let query_string = parts.uri.query().map(str::to_owned);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let body = read_body(body, state.limits.max_body_bytes).await;
        Ok(HttpRequest {
            method,
            headers,
            query_string,
            peer,
            body,
        })
    }
}

/// Why the body could not be read.
#[derive(Debug)]
enum BodyError {
    /// Longer than `--max-body-bytes`.
    TooLarge,
    /// The connection failed while it was read.
    Unreadable(String),
}

/// The whole body, refused past `max_bytes` as axum's `Bytes` extractor refuses
/// under `DefaultBodyLimit`. The limit is passed in rather than put in the request's
/// extensions by axum's layer: the first entry of a request's extensions allocates
/// their map, and that layer's insert grew it on every request (1 % of a hot
/// request's samples, bench/JOURNAL.md "Session 27").
async fn read_body(body: Body, max_bytes: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, max_bytes).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(BodyError::TooLarge),
        Err(error) => Err(BodyError::Unreadable(error.to_string())),
    }
}

/// A body that could not be read: over `--max-body-bytes` is 413, else 400.
fn body_refusal(error: &BodyError) -> HttpError {
    match error {
        BodyError::TooLarge => HttpError::new(Refusal::PayloadTooLarge),
        BodyError::Unreadable(why) => {
            HttpError::bad_request(format!("Failed to buffer the request body: {why}"))
        }
    }
}

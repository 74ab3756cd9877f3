//! Per-request observability: accepts or makes an `x-request-id` (echoed on the
//! response and sent on to the upstream), runs the request inside its
//! [`RequestContext`], then writes one log line and records the HTTP metrics.
//!
//! `/graphql` requests log at `info`; probes, metrics and assets at `debug`, so a
//! kubelet polling `/readyz` does not drown the log.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::telemetry::metrics::{HTTP_DURATION, HTTP_REQUESTS};
use crate::telemetry::request_context::{self, RequestContext};

/// The request-id header.
pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the GraphQL handler tells this middleware about the request it served.
#[derive(Clone, Debug, Default)]
pub(crate) struct GraphqlOutcome {
    /// The operation label (bounded; see `telemetry::metrics::operation_label`).
    pub(crate) operation: String,
    /// Errors in the response.
    pub(crate) errors: usize,
}

/// The middleware.
pub(crate) async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_acceptable_id(id))
        .map_or_else(new_request_id, str::to_owned);
    let method = request.method().clone();
    let route = route_label(request.uri().path());
    let context = RequestContext::new(id.clone());
    // The span is what OTLP exports as the request's trace (when configured).
    let span = tracing::info_span!(
        "request", otel.kind = "server", request_id = %id, http.request.method = %method,
        http.route = route, http.response.status_code = tracing::field::Empty,
        graphql.operation.name = tracing::field::Empty,
    );

    let mut response = request_context::scope(context.clone(), next.run(request))
        .instrument(span.clone())
        .await;

    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let outcome = response
        .extensions()
        .get::<GraphqlOutcome>()
        .cloned()
        .unwrap_or_default();
    let operation = if outcome.operation.is_empty() {
        "-"
    } else {
        outcome.operation.as_str()
    };
    metrics::counter!(
        HTTP_REQUESTS,
        "route" => route,
        "status" => status.to_string(),
        "operation" => operation.to_owned(),
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route, "operation" => operation.to_owned())
        .record(elapsed.as_secs_f64());
    span.record("http.response.status_code", status);
    span.record("graphql.operation.name", operation);
    let counts = context.counts();
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    let _entered = span.enter();
    if route == "/graphql" {
        tracing::info!(
            request_id = %id, %method, route, status, duration_ms, operation,
            errors = outcome.errors, cache_hits = counts.cache_hits,
            fetched_keys = counts.fetched_keys, shared_keys = counts.shared_keys,
            upstream_batches = counts.upstream_batches, "request"
        );
    } else {
        tracing::debug!(request_id = %id, %method, route, status, duration_ms, "request");
    }
    response
}

/// A client's id is kept when it is short and plain (it goes into logs and headers).
fn is_acceptable_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A bounded route label: the known routes, else `other`.
fn route_label(path: &str) -> &'static str {
    match path {
        "/graphql" => "/graphql",
        "/" => "/",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ if path.starts_with("/assets/") => "/assets",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_request_ids_are_kept_only_when_plain_and_short() {
        assert!(is_acceptable_id("3f1c-AB_9.x:1"));
        assert!(!is_acceptable_id(""));
        assert!(!is_acceptable_id("a b"));
        assert!(!is_acceptable_id("id\r\nX-Evil: 1"));
        assert!(!is_acceptable_id(&"a".repeat(129)));
    }

    #[test]
    fn route_labels_are_a_fixed_set() {
        assert_eq!(route_label("/assets/graphiql/x.js"), "/assets");
        assert_eq!(route_label("/wp-admin/../etc"), "other");
    }
}

//! Per-request observability: accepts or makes an `x-request-id` (echoed on the
//! response and sent on to the upstream), runs the request inside its
//! [`RequestContext`], then writes one log line (`request_log` for `/graphql`) and
//! records the HTTP metrics.
//!
//! `/graphql` requests log at `info`; probes, metrics and assets at `debug`, so a
//! kubelet polling `/readyz` does not drown the log.

use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::instrument::Instrumented;
use tracing::{Instrument, Span};

use super::request_log::RequestLine;
use crate::hashing::{FastHasher, FastMap};
use crate::telemetry::metrics::{HTTP_DURATION, HTTP_REQUESTS};
use crate::telemetry::request_context::{self, RequestContext};

/// The log target of this file's events: the path of its module before the move, kept so
/// `RUST_LOG` directives and log pipelines that name it still match.
const TARGET: &str = "catalog_gateway::http::observe";

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

/// The client a protected request came from (API-key client name or `anonymous`),
/// for the log line; never the key itself.
#[derive(Clone, Debug)]
pub(crate) struct ClientLabel(pub(crate) std::sync::Arc<str>);

/// The middleware, as a layer. A hand-made service rather than
/// `axum::middleware::from_fn`, which for every request clones the services inside
/// it and boxes them, boxes its own future (1.4 KB: the request is held twice) and
/// the inner service's (bench/JOURNAL.md "Session 27").
#[derive(Clone, Default)]
pub(crate) struct ObserveLayer {
    metrics: HttpMetrics,
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// A service whose requests are observed (see the module doc).
#[derive(Clone)]
pub(crate) struct Observe<S> {
    inner: S,
    metrics: HttpMetrics,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let id = request
            .headers()
            .get(&REQUEST_ID)
            .and_then(|value| value.to_str().ok())
            .filter(|id| is_acceptable_id(id))
            .map_or_else(new_request_id, str::to_owned);
        let method = request.method().clone();
        // Cloning a `MatchedPath` clones an `Arc`: the label lives past the request.
        let matched = request.extensions().get::<MatchedPath>().cloned();
        let context = RequestContext::new(id.clone());
        // The span is what OTLP exports as the request's trace (when configured).
        let span = tracing::info_span!(
            target: TARGET,
            "request", otel.kind = "server", request_id = %id, http.request.method = %method,
            http.route = route_label(matched.as_ref()), http.response.status_code = tracing::field::Empty,
            graphql.operation.name = tracing::field::Empty,
        );
        // The inner services are called, as their futures are polled, inside the
        // request's context and span.
        let inner = span
            .in_scope(|| request_context::sync_scope(context.clone(), || self.inner.call(request)));
        ObserveFuture {
            inner: request_context::scoped(context.clone(), inner).instrument(span.clone()),
            observed: Some(Observed {
                metrics: self.metrics.clone(),
                started,
                id,
                method,
                matched,
                context,
                span,
            }),
        }
    }
}

pin_project! {
    /// The inner service's answer, then its log line and metrics.
    pub(crate) struct ObserveFuture<F> {
        #[pin]
        inner: Instrumented<TaskLocalFuture<Arc<RequestContext>, F>>,
        // Taken when the answer comes.
        observed: Option<Observed>,
    }
}

impl<F, E> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answered = ready!(this.inner.poll(cx));
        Poll::Ready(match (answered, this.observed.take()) {
            (Ok(response), Some(observed)) => Ok(observed.finish(response)),
            (answered, _) => answered,
        })
    }
}

/// What is known of a request before it is served.
struct Observed {
    metrics: HttpMetrics,
    started: Instant,
    id: String,
    method: Method,
    matched: Option<MatchedPath>,
    context: Arc<RequestContext>,
    span: Span,
}

impl Observed {
    /// Echoes the request id on `response`, records the metrics and writes the log
    /// line.
    fn finish(self, mut response: Response) -> Response {
        let Observed {
            metrics,
            started,
            id,
            method,
            matched,
            context,
            span,
        } = self;
        let route = route_label(matched.as_ref());
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID.clone(), value);
        }
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        // Taken, not cloned: the log line keeps them (nothing after this reads them).
        let outcome = response
            .extensions_mut()
            .remove::<GraphqlOutcome>()
            .unwrap_or_default();
        let operation = if outcome.operation.is_empty() {
            "-"
        } else {
            outcome.operation.as_str()
        };
        metrics.record(route, status, operation, elapsed);
        span.record("http.response.status_code", status);
        span.record("graphql.operation.name", operation);
        let counts = context.counts();
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        let _entered = span.enter();
        if route == "/graphql" {
            let client = response
                .extensions_mut()
                .remove::<ClientLabel>()
                .map(|ClientLabel(name)| name);
            RequestLine {
                request_id: id,
                method,
                route: "/graphql",
                status,
                duration_ms,
                operation: outcome.operation,
                client,
                errors: outcome.errors,
                cache_hits: counts.cache_hits,
                fetched_keys: counts.fetched_keys,
                shared_keys: counts.shared_keys,
                upstream_batches: counts.upstream_batches,
            }
            .log();
        } else {
            tracing::debug!(target: TARGET, request_id = %id, %method, route, status, duration_ms, "request");
        }
        response
    }
}

/// The HTTP metrics' handles per label set (route, status, operation), shared by
/// the router's requests. The `metrics!` macros look a handle up in the recorder
/// by a key of freshly allocated label strings, on every request (1.5-2 % of a
/// cached request's CPU); here a request hashes its labels and finds the handles.
/// Label sets are bounded (the route table, the statuses, the capped operation
/// labels); past [`MAX_CACHED_LABEL_SETS`] a request records through the macros.
#[derive(Clone, Default)]
pub(crate) struct HttpMetrics {
    handles: Arc<RwLock<FastMap<u64, Vec<LabelHandles>>>>,
    hasher: FastHasher,
}

/// More label sets than the route table, statuses and operation labels make.
const MAX_CACHED_LABEL_SETS: usize = 4096;

/// One label set's handles.
struct LabelHandles {
    route: Box<str>,
    status: u16,
    operation: Box<str>,
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

impl LabelHandles {
    /// Registers the label set with the installed recorder (none: no-op handles).
    fn register(route: &str, status: u16, operation: &str) -> LabelHandles {
        LabelHandles {
            route: route.into(),
            status,
            operation: operation.into(),
            requests: metrics::counter!(
                HTTP_REQUESTS,
                "route" => route.to_owned(),
                "status" => status.to_string(),
                "operation" => operation.to_owned(),
            ),
            duration: metrics::histogram!(
                HTTP_DURATION, "route" => route.to_owned(), "operation" => operation.to_owned()
            ),
        }
    }

    fn is(&self, route: &str, status: u16, operation: &str) -> bool {
        self.status == status && *self.route == *route && *self.operation == *operation
    }

    fn record(&self, elapsed: Duration) {
        self.requests.increment(1);
        self.duration.record(elapsed.as_secs_f64());
    }
}

impl HttpMetrics {
    /// Counts a request and records its duration.
    fn record(&self, route: &str, status: u16, operation: &str, elapsed: Duration) {
        let hash = self.hasher.hash_one((route, status, operation));
        {
            let handles = self.handles.read().unwrap_or_else(PoisonError::into_inner);
            let found = handles
                .get(&hash)
                .and_then(|set| set.iter().find(|h| h.is(route, status, operation)));
            if let Some(found) = found {
                found.record(elapsed);
                return;
            }
        }
        let registered = LabelHandles::register(route, status, operation);
        registered.record(elapsed);
        let mut handles = self.handles.write().unwrap_or_else(PoisonError::into_inner);
        if handles.len() < MAX_CACHED_LABEL_SETS {
            let set = handles.entry(hash).or_default();
            if !set.iter().any(|h| h.is(route, status, operation)) {
                set.push(registered);
            }
        }
    }
}

/// A client's id is kept when it is short and plain (it goes into logs and headers).
fn is_acceptable_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_request_id() -> String {
    // Encoded into a buffer: `to_string` goes through `fmt`, three times the work.
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    uuid::Uuid::new_v4()
        .hyphenated()
        .encode_lower(&mut text)
        .to_owned()
}

/// The route label: the router's own pattern for the request (`/graphql`,
/// `/assets/graphiql/{name}`), so the label set is the route table and cannot drift
/// from it; `other` for a path no route matched (bounded against scanners).
fn route_label(matched: Option<&MatchedPath>) -> &str {
    matched.map_or("other", MatchedPath::as_str)
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

    /// The inner service runs inside the request's context, both when it is called
    /// (as from `axum::middleware::from_fn`, whose `Next::run` calls it when first
    /// polled) and when its future is polled; the request id is the client's when
    /// plain, else a fresh one, and echoed either way.
    #[tokio::test]
    async fn the_inner_service_is_called_and_polled_in_the_requests_context() {
        use axum::body::Body;
        use tower::ServiceExt;

        let inner = tower::service_fn(|_request: Request| {
            let at_call = request_context::current().map(|c| c.id().to_owned());
            async move {
                tokio::task::yield_now().await;
                let at_poll = request_context::current().map(|c| c.id().to_owned());
                let seen = format!(
                    "{} {}",
                    at_call.unwrap_or_default(),
                    at_poll.unwrap_or_default()
                );
                Ok::<_, std::convert::Infallible>(Response::new(Body::from(seen)))
            }
        });
        let service = ObserveLayer::default().layer(inner);
        for (sent, kept) in [
            (Some("till-7:basket-42"), true),
            (Some("a b"), false),
            (None, false),
        ] {
            let mut request = Request::new(Body::empty());
            if let Some(value) = sent.and_then(|id| HeaderValue::from_str(id).ok()) {
                request.headers_mut().insert(REQUEST_ID.clone(), value);
            }
            let response = service.clone().oneshot(request).await.unwrap_or_default();
            let echoed = response.headers()[&REQUEST_ID]
                .to_str()
                .unwrap_or_default()
                .to_owned();
            let body = axum::body::to_bytes(response.into_body(), 1024)
                .await
                .unwrap_or_default();
            assert_eq!(body, format!("{echoed} {echoed}"), "{sent:?}");
            if kept {
                assert_eq!(Some(echoed.as_str()), sent);
            } else {
                assert_eq!(echoed.len(), 36, "a fresh UUID for {sent:?}: {echoed}");
            }
        }
        assert!(
            request_context::current().is_none(),
            "no context outside the request"
        );
    }

    #[tokio::test]
    async fn route_labels_are_the_routers_patterns_and_other_for_no_match() {
        use axum::Router;
        use axum::body::Body;
        use axum::middleware::Next;
        use axum::routing::get;
        use tower::ServiceExt;

        // The label the middleware sees, echoed as the body.
        async fn label(request: Request, next: Next) -> Response {
            let label = route_label(request.extensions().get::<MatchedPath>()).to_owned();
            let _ = next.run(request).await;
            Response::new(Body::from(label))
        }
        let router = Router::new()
            .route("/assets/graphiql/{name}", get(|| async { "" }))
            .route("/graphql", get(|| async { "" }))
            .layer(axum::middleware::from_fn(label));
        for (path, expected) in [
            ("/assets/graphiql/x.js", "/assets/graphiql/{name}"),
            ("/graphql", "/graphql"),
            ("/wp-admin/../etc", "other"),
        ] {
            let request = axum::http::Request::get(path)
                .body(Body::empty())
                .unwrap_or_default();
            let response = router.clone().oneshot(request).await.unwrap_or_default();
            let body = axum::body::to_bytes(response.into_body(), 1024)
                .await
                .unwrap_or_default();
            assert_eq!(body, expected, "{path}");
        }
    }
}

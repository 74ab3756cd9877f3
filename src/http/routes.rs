//! The router, built by a function so tests can drive it without a socket.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Router, middleware};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;

use super::health::{self, Readiness};
use super::observe::{REQUEST_ID, observe};
use super::response_cache::ResponseCache;
use super::shed::{InFlightLimit, shed_over_limit};
use super::{graphiql, graphql_over_http};
use crate::graphql::GatewaySchema;
use crate::telemetry::metrics::HTTP_IN_FLIGHT;

/// A snapshot for `/readyz` detail (JSON: the upstream's breaker, the cache's state).
pub type HealthDetail = Arc<dyn Fn() -> serde_json::Value + Send + Sync>;

/// Limits applied at the HTTP layer.
#[derive(Clone, Copy, Debug)]
pub struct HttpLimits {
    /// Largest request body; more is 413.
    pub max_body_bytes: usize,
    /// Most operations in one batched JSON array.
    pub max_operations: usize,
    /// Most time an operation's lookups may take, from arrival.
    pub request_timeout: Duration,
}

/// What every handler may read.
#[derive(Clone)]
pub struct AppState {
    /// The executable GraphQL schema (holds the loader and settings).
    pub schema: GatewaySchema,
    /// Flipped to draining at shutdown.
    pub readiness: Readiness,
    /// The global in-flight cap.
    pub in_flight: InFlightLimit,
    /// HTTP-level limits.
    pub limits: HttpLimits,
    /// Detail for `/readyz`: upstream breaker and cache state.
    pub health_detail: Option<HealthDetail>,
    /// Renders `/metrics`; `None` serves no metrics.
    pub metrics: Option<PrometheusHandle>,
    /// Sets the gauges that are read at scrape time (breaker, cache, in-flight).
    pub refresh_gauges: Option<RefreshGauges>,
    /// Origins allowed to call `/graphql` from a browser (`*` for any).
    pub cors_origins: Vec<String>,
    /// Answers of repeated operations, served without executing them again.
    pub response_cache: ResponseCache,
}

/// Sets scrape-time gauges just before `/metrics` renders.
pub type RefreshGauges = Arc<dyn Fn() + Send + Sync>;

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    let graphql_routes = Router::new()
        .route("/graphql", any(graphql_over_http::handle))
        .layer(RequestBodyLimitLayer::new(state.limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.in_flight.clone(),
            shed_over_limit,
        ));
    let cors = cors_layer(&state.cors_origins);
    Router::new()
        .route("/", get(graphiql::page))
        .route("/assets/graphiql/{name}", get(graphiql::asset))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics))
        .merge(graphql_routes)
        .with_state(state)
        .layer(cors)
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(observe))
}

/// CORS for browser apps on other origins: GET and POST with a JSON body; `*`
/// allows any origin (the API is read-only and takes no credentials).
fn cors_layer(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, REQUEST_ID.clone()])
        .expose_headers([REQUEST_ID.clone()])
        .max_age(Duration::from_secs(600));
    if origins.iter().any(|origin| origin == "*") {
        return layer.allow_origin(AllowOrigin::any());
    }
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim()).ok())
        .collect();
    layer.allow_origin(AllowOrigin::list(allowed))
}

/// Prometheus text exposition.
async fn metrics(State(state): State<AppState>) -> Response {
    let Some(handle) = &state.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(refresh) = &state.refresh_gauges {
        refresh();
    }
    metrics::gauge!(HTTP_IN_FLIGHT).set(state.in_flight.in_flight() as f64);
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

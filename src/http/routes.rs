//! The router, built by a function so tests can drive it without a socket.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{any, get};
use axum::{Router, middleware};
use tower_http::limit::RequestBodyLimitLayer;

use super::health::{self, Readiness};
use super::shed::{InFlightLimit, shed_over_limit};
use super::{graphiql, graphql_over_http};
use crate::graphql::GatewaySchema;

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
}

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    let graphql_routes = Router::new()
        .route("/graphql", any(graphql_over_http::handle))
        .layer(RequestBodyLimitLayer::new(state.limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.in_flight.clone(),
            shed_over_limit,
        ));
    Router::new()
        .route("/", get(graphiql::page))
        .route("/assets/graphiql/{name}", get(graphiql::asset))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .merge(graphql_routes)
        .with_state(state)
}

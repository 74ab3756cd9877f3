//! The router, built by a function so tests can drive it without a socket.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::BatchRequest;
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use tower_http::limit::RequestBodyLimitLayer;

use super::graphiql;
use super::health::{self, Readiness};
use super::shed::{InFlightLimit, shed_over_limit};
use crate::graphql::{GatewaySchema, RequestScope};

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
        .route("/graphql", get(graphql).post(graphql))
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

/// Executes a request, or a batched JSON array of them. The operations of a batch
/// run concurrently, so all their lookups join one loader window.
async fn graphql(State(state): State<AppState>, request: GraphQLBatchRequest) -> Response {
    let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
    let batch = match request.into_inner() {
        BatchRequest::Single(request) => {
            BatchRequest::Single(RequestScope::attach(request, Some(deadline)))
        }
        BatchRequest::Batch(requests) if requests.len() > state.limits.max_operations => {
            return too_many_operations(requests.len(), state.limits.max_operations);
        }
        BatchRequest::Batch(requests) => BatchRequest::Batch(
            requests
                .into_iter()
                .map(|request| RequestScope::attach(request, Some(deadline)))
                .collect(),
        ),
    };
    GraphQLResponse::from(state.schema.execute_batch(batch).await).into_response()
}

fn too_many_operations(count: usize, max: usize) -> Response {
    let body = serde_json::json!({
        "errors": [{
            "message": format!("{count} operations in one batch, at most {max} are allowed"),
            "extensions": { "code": "TOO_MANY_OPERATIONS" }
        }]
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

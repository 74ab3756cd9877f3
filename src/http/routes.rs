//! The router, built by a function so tests can drive it without a socket.

use async_graphql::BatchRequest;
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::{graphiql, health};
use crate::graphql::{GatewaySchema, GtinBudget};

/// What every handler may read.
#[derive(Clone)]
pub struct AppState {
    /// The executable GraphQL schema (holds the loader and settings).
    pub schema: GatewaySchema,
}

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(graphiql::page))
        .route("/assets/graphiql/{name}", get(graphiql::asset))
        .route("/graphql", get(graphql).post(graphql))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .with_state(state)
}

/// Executes a request, or a batched JSON array of them. The operations of a batch
/// run concurrently, so all their lookups join one loader window.
async fn graphql(State(state): State<AppState>, request: GraphQLBatchRequest) -> GraphQLResponse {
    let batch = match request.into_inner() {
        BatchRequest::Single(request) => BatchRequest::Single(GtinBudget::attach(request)),
        BatchRequest::Batch(requests) => {
            BatchRequest::Batch(requests.into_iter().map(GtinBudget::attach).collect())
        }
    };
    state.schema.execute_batch(batch).await.into()
}

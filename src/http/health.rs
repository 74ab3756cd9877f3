//! Health endpoints for load balancers and orchestrators: `/healthz` says the
//! process serves HTTP (liveness), `/readyz` says it should get traffic.

use axum::Json;
use serde_json::{Value, json};

/// Liveness: 200 while the process serves requests.
pub(crate) async fn live() -> &'static str {
    "ok"
}

/// Readiness: 200 with a small JSON body while the gateway takes traffic.
pub(crate) async fn ready() -> Json<Value> {
    Json(json!({ "status": "ready" }))
}

//! Health endpoints for load balancers and orchestrators. `/healthz` says the process
//! serves HTTP (liveness) and stays 200 until exit. `/readyz` says it should get
//! traffic: 503 from the moment shutdown begins, so the load balancer stops sending
//! new requests while in-flight ones finish. An upstream outage is reported as
//! detail but never fails readiness: pulling every replica out of the load balancer
//! would turn a partial outage into a total one.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::state::AppState;

/// Liveness: 200 while the process serves requests.
pub(crate) async fn live() -> &'static str {
    "ok"
}

/// Readiness: 200 while taking traffic, 503 while draining; upstream state as detail.
pub(crate) async fn ready(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let detail = state.health_detail.as_ref().map(|detail| detail());
    let in_flight = state.in_flight.in_flight();
    let (status, word) = if state.readiness.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        (StatusCode::OK, "ready")
    };
    let body = json!({ "status": word, "inFlight": in_flight, "detail": detail });
    (status, Json(body))
}

//! stub
use super::DialectState;
use axum::Router;
pub(super) fn routes(state: DialectState) -> Router {
    Router::new().with_state(state)
}

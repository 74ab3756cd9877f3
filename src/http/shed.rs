//! Load shedding: a global cap on requests in flight. Past it a request is answered
//! at once with 503 and `Retry-After` instead of queueing without bound, so a
//! flooded replica stays fast for the requests it does take and the load balancer
//! can send the rest elsewhere.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::error::{HttpError, Refusal};

/// The in-flight cap, shared by every connection.
#[derive(Clone, Debug)]
pub struct InFlightLimit {
    permits: Arc<Semaphore>,
    max: usize,
}

impl InFlightLimit {
    /// A cap of `max` requests in flight.
    pub fn new(max: usize) -> Self {
        InFlightLimit {
            permits: Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))),
            max,
        }
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.max.saturating_sub(self.permits.available_permits())
    }
}

/// Middleware: runs the request under a permit, or sheds it.
pub(crate) async fn shed_over_limit(
    State(limit): State<InFlightLimit>,
    request: Request,
    next: Next,
) -> Response {
    match Arc::clone(&limit.permits).try_acquire_owned() {
        Ok(_permit) => next.run(request).await,
        Err(_) => HttpError::new(Refusal::Overloaded).into_response(),
    }
}

//! Load shedding: a global cap on requests in flight. Past it a request is answered
//! at once with 503 and `Retry-After` instead of queueing without bound, so a
//! flooded replica stays fast for the requests it does take and the load balancer
//! can send the rest elsewhere.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::{Layer, Service};

use crate::http::error::{HttpError, Refusal};

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

/// The middleware: runs each request under a permit, or sheds it. A hand-made
/// service rather than `axum::middleware::from_fn`, which boxes its future and
/// the next layer's for every request.
#[derive(Clone, Debug)]
pub(crate) struct ShedLayer {
    limit: InFlightLimit,
}

impl InFlightLimit {
    /// The middleware enforcing this cap.
    pub(crate) fn layer(&self) -> ShedLayer {
        ShedLayer {
            limit: self.clone(),
        }
    }
}

impl<S> Layer<S> for ShedLayer {
    type Service = Shed<S>;

    fn layer(&self, inner: S) -> Shed<S> {
        Shed {
            inner,
            limit: self.limit.clone(),
        }
    }
}

/// A service under the in-flight cap (see [`ShedLayer`]).
#[derive(Clone, Debug)]
pub(crate) struct Shed<S> {
    inner: S,
    limit: InFlightLimit,
}

impl<S, B> Service<Request<B>> for Shed<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ShedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match Arc::clone(&self.limit.permits).try_acquire_owned() {
            Ok(permit) => ShedFuture::Admitted {
                inner: self.inner.call(request),
                _permit: permit,
            },
            Err(_) => ShedFuture::Shed {
                refusal: Some(HttpError::new(Refusal::Overloaded).into_response()),
            },
        }
    }
}

pin_project! {
    /// The admitted request's answer, its permit held until then; or the refusal.
    #[project = ShedProjection]
    pub(crate) enum ShedFuture<F> {
        Admitted { #[pin] inner: F, _permit: OwnedSemaphorePermit },
        Shed { refusal: Option<Response> },
    }
}

impl<F, E> Future for ShedFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ShedProjection::Admitted { inner, .. } => inner.poll(cx),
            // Polled again after Ready: an empty 503 rather than a panic.
            ShedProjection::Shed { refusal } => Poll::Ready(Ok(refusal
                .take()
                .unwrap_or_else(|| HttpError::new(Refusal::Overloaded).into_response()))),
        }
    }
}

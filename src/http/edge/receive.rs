//! Request bodies received in full, within a time limit, before anything else sees
//! them. Two defences against slow clients in one step:
//!
//! - A body that has not wholly arrived `--body-read-timeout-ms` after its head is
//!   answered 408 and its connection closed. The limit is on the whole body, not
//!   between two of its pieces (as tower-http's `RequestBodyTimeoutLayer` has it):
//!   a client trickling one byte a second would never trip a gap limit.
//! - Layered outside the in-flight cap, it makes that cap count requests being
//!   executed, not bodies still arriving: thousands of clients that announce a body
//!   and send none of it no longer take the permits normal requests need.
//!
//! What the handler reads is unchanged: a complete body, or (past `max_bytes`) the
//! bytes received so far, more than its own limit, so it refuses with 413 exactly as
//! it did when it read the socket itself. A body with nothing in it passes through
//! untouched.

use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use futures::future::{BoxFuture, Either};
use tower::{Layer, Service};

use crate::http::error::{HttpError, Refusal};

/// The log target of this file's events: the path of its module before the move, kept so
/// `RUST_LOG` directives and log pipelines that name it still match.
const TARGET: &str = "catalog_gateway::http::receive";

/// The middleware: each request's body read in full before the inner service runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReceiveBodyLayer {
    /// How many bytes are worth receiving: past them the inner service refuses anyway.
    max_bytes: usize,
    /// How long the whole body may take, from when the service is called.
    timeout: Duration,
}

impl ReceiveBodyLayer {
    /// Bodies read up to just past `max_bytes`, within `timeout`.
    pub(crate) fn new(max_bytes: usize, timeout: Duration) -> ReceiveBodyLayer {
        ReceiveBodyLayer { max_bytes, timeout }
    }
}

impl<S> Layer<S> for ReceiveBodyLayer {
    type Service = ReceiveBody<S>;

    fn layer(&self, inner: S) -> ReceiveBody<S> {
        ReceiveBody {
            inner,
            limits: *self,
        }
    }
}

/// A service whose requests arrive with their bodies received (see the module doc).
#[derive(Clone, Debug)]
pub(crate) struct ReceiveBody<S> {
    inner: S,
    limits: ReceiveBodyLayer,
}

impl<S> Service<Request> for ReceiveBody<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    /// A request without a body goes straight in; one with a body waits for it.
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The service that was made ready is the one called; a fresh clone takes its
        // place for the next request (tower's rule for services moved into futures).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if request.body().is_end_stream() {
            return Either::Left(inner.call(request));
        }
        let limits = self.limits;
        Either::Right(Box::pin(async move {
            let (parts, body) = request.into_parts();
            let deadline = tokio::time::Instant::now() + limits.timeout;
            match tokio::time::timeout_at(deadline, receive(body, limits.max_bytes)).await {
                Ok(body) => inner.call(Request::from_parts(parts, body)).await,
                Err(_elapsed) => {
                    tracing::debug!(
                        target: TARGET,
                        timeout_ms = limits.timeout.as_millis(),
                        "request body not received in time: 408, connection closed"
                    );
                    Ok(HttpError::new(Refusal::BodyTimeout).into_response())
                }
            }
        }))
    }
}

/// The body's bytes up to just past `max_bytes`, as one body; a read error is kept
/// as the new body's error, for the handler to answer as it always has.
async fn receive(body: Body, max_bytes: usize) -> Body {
    // Data frames only: trailers carry nothing a request here needs.
    let mut data = body.into_data_stream();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut received = 0usize;
    while received <= max_bytes {
        match data.next().await {
            None => break,
            Some(Ok(chunk)) => {
                received = received.saturating_add(chunk.len());
                chunks.push(chunk);
            }
            Some(Err(error)) => {
                return Body::from_stream(futures::stream::iter([Err::<Bytes, _>(error)]));
            }
        }
    }
    match chunks.len() {
        // Most bodies arrive in one piece: kept as it is, not copied.
        0 | 1 => Body::from(chunks.pop().unwrap_or_default()),
        _ => Body::from(chunks.concat()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::convert::Infallible;

    use axum::http::StatusCode;
    use tower::ServiceExt;

    use super::*;

    /// An inner service that answers with the length of the body it could read
    /// within `limit` bytes, or 413.
    fn echo_length(
        limit: usize,
    ) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send
    {
        tower::service_fn(move |request: Request| async move {
            Ok::<_, Infallible>(
                match axum::body::to_bytes(request.into_body(), limit).await {
                    Ok(bytes) => bytes.len().to_string().into_response(),
                    Err(_) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
                },
            )
        })
    }

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn chunked(pieces: Vec<&'static [u8]>) -> Body {
        Body::from_stream(futures::stream::iter(
            pieces
                .into_iter()
                .map(|piece| Ok::<_, Infallible>(Bytes::from_static(piece))),
        ))
    }

    #[tokio::test]
    async fn a_body_in_pieces_reaches_the_handler_whole() {
        let service = ReceiveBodyLayer::new(100, Duration::from_secs(5)).layer(echo_length(100));
        let request = Request::new(chunked(vec![b"abc", b"defg", b"h"]));

        let response = service.oneshot(request).await.unwrap();

        assert_eq!(text(response).await, "8");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_still_refused_by_the_handler() {
        let service = ReceiveBodyLayer::new(4, Duration::from_secs(5)).layer(echo_length(4));
        let request = Request::new(chunked(vec![b"abc", b"def", b"ghi"]));

        let response = service.oneshot(request).await.unwrap();

        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_is_answered_408_with_the_connection_closed() {
        let service = ReceiveBodyLayer::new(100, Duration::from_secs(30)).layer(echo_length(100));
        let stalled = futures::stream::iter([Ok::<_, Infallible>(Bytes::from_static(b"{"))])
            .chain(futures::stream::pending());
        let request = Request::new(Body::from_stream(stalled));

        let response = service.oneshot(request).await.unwrap();

        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()["connection"], "close");
    }

    #[tokio::test(start_paused = true)]
    async fn the_limit_is_on_the_whole_body_not_between_its_pieces() {
        let service = ReceiveBodyLayer::new(100, Duration::from_secs(3)).layer(echo_length(100));
        // A byte a second: no gap is long, the whole is.
        let trickle = futures::stream::iter(0..10).then(|_| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok::<_, Infallible>(Bytes::from_static(b"x"))
        });
        let request = Request::new(Body::from_stream(trickle));

        let response = service.oneshot(request).await.unwrap();

        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    }

    #[tokio::test]
    async fn an_empty_body_passes_through() {
        let service = ReceiveBodyLayer::new(100, Duration::from_secs(5)).layer(echo_length(100));

        let response = service.oneshot(Request::new(Body::empty())).await.unwrap();

        assert_eq!(text(response).await, "0");
    }
}

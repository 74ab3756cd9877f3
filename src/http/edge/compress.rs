//! Compression of answers: tower-http's `CompressionLayer` (gzip, brotli), entered
//! only by requests that say which encodings they take. A request without
//! `Accept-Encoding` can only be answered as it is, so it passes by the library and
//! gets exactly what the library would have given it: the same answer with, when
//! the answer is of a compressible kind, `Vary: accept-encoding` (a test checks
//! every kind of answer against the library).
//!
//! Why not the library for every request: its body holds every encoder's state
//! inline (6 KB), so every answer, compressed or not, was moved and boxed at that
//! size: 9 % of a response-cache hit's time in process (bench/JOURNAL.md,
//! "Session 27"). Point-of-sale systems and servers calling the gateway send no
//! `Accept-Encoding`; browsers do, and go through the library as before.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, ResponseFuture};

/// What is compressed: tower-http's default rule (32 bytes or more, not gRPC,
/// images other than SVG, or server-sent events), with the content type read
/// once instead of once per exclusion (2,000 instructions an answer).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Compressible;

impl Predicate for Compressible {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: HttpBody,
    {
        SizeAbove::new(32).should_compress(response) && compressible_type(response.headers())
    }
}

fn compressible_type(headers: &HeaderMap) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    !(content_type.starts_with("application/grpc")
        || content_type.starts_with("image/") && !content_type.starts_with("image/svg+xml")
        || content_type.starts_with("text/event-stream"))
}

/// The middleware: compression for the requests that accept it.
#[derive(Clone, Debug)]
pub(crate) struct CompressLayer {
    compression: CompressionLayer<Compressible>,
}

impl CompressLayer {
    pub(crate) fn new() -> CompressLayer {
        CompressLayer {
            compression: CompressionLayer::new().compress_when(Compressible),
        }
    }
}

impl<S> Layer<S> for CompressLayer {
    type Service = Compress<S>;

    fn layer(&self, inner: S) -> Compress<S> {
        Compress {
            inner,
            compression: self.compression.clone(),
        }
    }
}

/// A service whose answers are compressed when the request accepts it.
#[derive(Clone, Debug)]
pub(crate) struct Compress<S> {
    inner: S,
    compression: CompressionLayer<Compressible>,
}

impl<S> Service<Request> for Compress<S>
where
    S: Service<Request, Response = Response> + Clone,
{
    type Response = Response;
    type Error = S::Error;
    type Future = CompressFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if !request.headers().contains_key(header::ACCEPT_ENCODING) {
            return CompressFuture::Plain {
                inner: self.inner.call(request),
            };
        }
        // The service made ready is the one called, inside the library's; a clone
        // takes its place (tower's rule for services moved away).
        let clone = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, clone);
        CompressFuture::Negotiated {
            inner: self.compression.layer(ready).call(request),
        }
    }
}

pin_project! {
    /// An answer passed by (its `Vary` as the library sets it) or negotiated by the
    /// library (its body boxed into a [`Body`] at once: the layers outside then move
    /// 16 bytes, not the encoders' state).
    #[project = CompressProjection]
    pub(crate) enum CompressFuture<F: Future> {
        Plain { #[pin] inner: F },
        Negotiated { #[pin] inner: ResponseFuture<F, Compressible> },
    }
}

impl<F, E> Future for CompressFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CompressProjection::Plain { inner } => {
                let mut response = ready!(inner.poll(cx))?;
                vary_as_the_library_does(&mut response);
                Poll::Ready(Ok(response))
            }
            CompressProjection::Negotiated { inner } => {
                let response = ready!(inner.poll(cx))?;
                Poll::Ready(Ok(response.map(Body::new)))
            }
        }
    }
}

/// What tower-http's compression does to an answer it leaves uncompressed: adds
/// `Vary: accept-encoding` when the answer is of a kind it would compress for a
/// client accepting it, unless a `Vary` already names it.
fn vary_as_the_library_does(response: &mut Response) {
    let headers = response.headers();
    let would_compress = !headers.contains_key(header::CONTENT_ENCODING)
        && !headers.contains_key(header::CONTENT_RANGE)
        && Compressible.should_compress(response);
    if would_compress
        && !response
            .headers()
            .get_all(header::VARY)
            .iter()
            .any(|value| names_accept_encoding(value.as_bytes()))
    {
        response
            .headers_mut()
            .append(header::VARY, header::ACCEPT_ENCODING.into());
    }
}

/// Whether a `Vary` value mentions `accept-encoding`, in any case (as the library
/// looks for it: anywhere in the value).
fn names_accept_encoding(value: &[u8]) -> bool {
    let name = header::ACCEPT_ENCODING.as_str().as_bytes();
    value
        .windows(name.len())
        .any(|window| window.eq_ignore_ascii_case(name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::convert::Infallible;

    use axum::body::Bytes;
    use axum::http::{HeaderValue, StatusCode};
    use tower::ServiceExt;
    use tower::util::MapResponseLayer;

    use super::*;

    /// An answer's name, headers and body.
    type Answer = (&'static str, Vec<(&'static str, &'static str)>, Body);

    /// An answer of each kind the rule tells apart.
    fn answers() -> Vec<Answer> {
        let json = || Body::from("{\"data\":{\"product\":null}}".repeat(8));
        let stream = || {
            Body::from_stream(futures::stream::iter([Ok::<_, Infallible>(Bytes::from(
                "data: x\n\n".repeat(8),
            ))]))
        };
        vec![
            ("json", vec![("content-type", "application/json")], json()),
            (
                "small",
                vec![("content-type", "application/json")],
                Body::from("{}"),
            ),
            ("png", vec![("content-type", "image/png")], json()),
            ("svg", vec![("content-type", "image/svg+xml")], json()),
            (
                "events",
                vec![("content-type", "text/event-stream")],
                json(),
            ),
            ("grpc", vec![("content-type", "application/grpc")], json()),
            ("no type", vec![], json()),
            ("encoded", vec![("content-encoding", "br")], json()),
            ("range", vec![("content-range", "bytes 0-9/200")], json()),
            (
                "vary names it",
                vec![("vary", "Accept-Encoding, origin")],
                json(),
            ),
            (
                "vary other",
                vec![("vary", "accept"), ("vary", "origin")],
                json(),
            ),
            (
                "unknown size",
                vec![("content-type", "text/plain")],
                stream(),
            ),
            ("known size", vec![("content-length", "5")], stream()),
        ]
    }

    async fn answered(
        service: impl Service<Request, Response = Response, Error = Infallible>,
        accept_encoding: Option<&str>,
    ) -> (StatusCode, Vec<(String, Vec<u8>)>, Bytes) {
        let mut request = Request::new(Body::empty());
        if let Some(value) = accept_encoding {
            request.headers_mut().insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let response = service.oneshot(request).await.unwrap();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
            .collect();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, body)
    }

    #[tokio::test]
    async fn every_answer_is_the_librarys_with_or_without_accept_encoding() {
        let accepts = [
            None,
            Some("gzip"),
            Some("br;q=1, gzip;q=0.5"),
            Some("identity"),
            Some(""),
        ];
        for accept in accepts {
            for index in 0..answers().len() {
                let inner = || {
                    tower::service_fn(move |_request: Request| async move {
                        let (_, headers, body) = answers().swap_remove(index);
                        let mut response = Response::new(body);
                        for (name, value) in headers {
                            response
                                .headers_mut()
                                .append(name, HeaderValue::from_static(value));
                        }
                        Ok::<_, Infallible>(response)
                    })
                };
                let ours = CompressLayer::new().layer(inner());
                let library =
                    MapResponseLayer::new(|response: Response<_>| response.map(Body::new)).layer(
                        CompressionLayer::new()
                            .compress_when(Compressible)
                            .layer(inner()),
                    );
                let name = answers()[index].0;
                assert_eq!(
                    answered(ours, accept).await,
                    answered(library, accept).await,
                    "{name}, Accept-Encoding {accept:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn an_answer_without_accept_encoding_is_not_compressed_and_says_it_varies() {
        let inner = tower::service_fn(|_request: Request| async {
            let mut response = Response::new(Body::from("{\"data\":null}".repeat(8)));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok::<_, Infallible>(response)
        });
        let service = CompressLayer::new().layer(inner);

        let (_, headers, body) = answered(service.clone(), None).await;
        let (_, gzipped, _) = answered(service, Some("gzip")).await;

        assert_eq!(body, "{\"data\":null}".repeat(8));
        assert!(headers.contains(&("vary".to_owned(), b"accept-encoding".to_vec())));
        assert!(gzipped.contains(&("content-encoding".to_owned(), b"gzip".to_vec())));
    }

    #[test]
    fn compression_compresses_what_tower_https_default_rule_does() {
        let content_types = [
            None,
            Some("application/json"),
            Some("application/graphql-response+json; charset=utf-8"),
            Some("text/html; charset=utf-8"),
            Some("application/wasm"),
            Some("application/grpc"),
            Some("application/grpc+proto"),
            Some("image/png"),
            Some("image/svg+xml"),
            Some("IMAGE/PNG"),
            Some("text/event-stream"),
            Some("text/javascript"),
        ];
        let mut compared = 0;
        for content_type in content_types {
            for size in [0, 31, 32, 33, 4096] {
                let mut response = Response::new(Body::from(vec![b'a'; size]));
                if let Some(content_type) = content_type {
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_str(content_type).unwrap(),
                    );
                }
                assert_eq!(
                    Compressible.should_compress(&response),
                    tower_http::compression::DefaultPredicate::new().should_compress(&response),
                    "{content_type:?}, {size} bytes"
                );
                compared += 1;
            }
        }
        assert_eq!(compared, 60);
    }
}

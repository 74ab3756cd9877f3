//! CORS for browser apps on other origins: the same headers, byte for byte, as
//! tower-http's `CorsLayer` configured with a list of methods, request headers and
//! exposed headers, a max age, and any origin or a list of them (a test checks every
//! kind of request against it).
//!
//! Why not tower-http's layer itself: it builds its headers again for every request
//! (a `HeaderMap` of them, the `Vary` value joined from its parts) and is cloned,
//! lists and all, for every request by axum; that was 8,000 instructions of a
//! 55,000-instruction response-cache hit (bench/JOURNAL.md, "Session 5"). Here every
//! header value is made once, and a request adds three of them.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, Request, Response, header};
use futures::future::Either;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// A browser origin allowed by CORS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedOrigin {
    /// `*`: any origin (the API is read-only and takes no credentials).
    Any,
    /// Exactly this `scheme://host[:port]`.
    Exact(HeaderValue),
}

/// What the CORS headers allow.
#[derive(Clone, Debug)]
pub(crate) struct CorsConfig {
    /// Origins whose pages may read answers (`Any`: every origin, `*`).
    pub(crate) origins: Vec<AllowedOrigin>,
    /// Methods a preflight allows.
    pub(crate) allow_methods: Vec<Method>,
    /// Request headers a preflight allows.
    pub(crate) allow_headers: Vec<HeaderName>,
    /// Response headers a page may read.
    pub(crate) expose_headers: Vec<HeaderName>,
    /// How long a browser may reuse a preflight's answer.
    pub(crate) max_age: Duration,
    /// Whether `OPTIONS` reaches the route, its answer then given the preflight's
    /// headers (the resolver's `OPTIONS` has its own `Allow` and `Link`); else CORS
    /// answers every `OPTIONS` itself.
    pub(crate) options_reach_route: bool,
}

impl CorsConfig {
    /// The layer, its header values made now.
    pub(crate) fn layer(&self) -> CorsLayer {
        let origins = if self.origins.contains(&AllowedOrigin::Any) {
            Origins::Any(HeaderValue::from_static("*"))
        } else {
            Origins::List(
                self.origins
                    .iter()
                    .filter_map(|origin| match origin {
                        AllowedOrigin::Exact(origin) => Some(origin.clone()),
                        AllowedOrigin::Any => None,
                    })
                    .collect(),
            )
        };
        let methods = self.allow_methods.iter().map(Method::as_str);
        let headers = |names: &[HeaderName]| comma_separated(names.iter().map(HeaderName::as_str));
        CorsLayer {
            policy: Arc::new(Policy {
                origins,
                // tower-http's default: every request header a preflight depends on.
                vary: HeaderValue::from_static(
                    "origin, access-control-request-method, access-control-request-headers",
                ),
                expose_headers: headers(&self.expose_headers),
                allow_methods: comma_separated(methods),
                allow_headers: headers(&self.allow_headers),
                max_age: HeaderValue::from(self.max_age.as_secs()),
                options_reach_route: self.options_reach_route,
            }),
        }
    }
}

/// `a,b,c` (method and header names are valid header values).
fn comma_separated<'a>(parts: impl Iterator<Item = &'a str>) -> HeaderValue {
    let joined = parts.collect::<Vec<_>>().join(",");
    HeaderValue::from_str(&joined).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The layer: a `Cors` around each service, sharing one [`Policy`].
#[derive(Clone, Debug)]
pub(crate) struct CorsLayer {
    policy: Arc<Policy>,
}

#[derive(Debug)]
struct Policy {
    origins: Origins,
    vary: HeaderValue,
    expose_headers: HeaderValue,
    allow_methods: HeaderValue,
    allow_headers: HeaderValue,
    max_age: HeaderValue,
    options_reach_route: bool,
}

#[derive(Debug)]
enum Origins {
    /// Every origin: `Access-Control-Allow-Origin` is this `*` on every answer.
    Any(HeaderValue),
    /// These origins: an answer names the request's `Origin` when it is one of them.
    List(Vec<HeaderValue>),
}

impl Policy {
    /// `Access-Control-Allow-Origin` for a request from `origin`, if allowed.
    fn allow_origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        match &self.origins {
            Origins::Any(any) => Some(any.clone()),
            Origins::List(list) => origin.filter(|origin| list.contains(origin)).cloned(),
        }
    }

    /// The answer to an `OPTIONS` request, which never reaches the routes.
    fn preflight<B: Default>(&self, allow_origin: Option<HeaderValue>) -> Response<B> {
        let mut response = Response::new(B::default());
        self.add_preflight_headers(response.headers_mut(), allow_origin);
        response
    }

    /// The preflight's headers, on an answer of CORS's own or of a route.
    fn add_preflight_headers(
        &self,
        headers: &mut axum::http::HeaderMap,
        allow_origin: Option<HeaderValue>,
    ) {
        headers.insert(header::VARY, self.vary.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            self.allow_methods.clone(),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            self.allow_headers.clone(),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, self.max_age.clone());
        if let Some(origin) = allow_origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            policy: Arc::clone(&self.policy),
        }
    }
}

/// The middleware (see the module doc).
#[derive(Clone, Debug)]
pub(crate) struct Cors<S> {
    inner: S,
    policy: Arc<Policy>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response<ResBody>, S::Error>>, CorsFuture<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let allow_origin = self
            .policy
            .allow_origin(request.headers().get(header::ORIGIN));
        // Every OPTIONS request is a preflight here (as in tower-http), answered
        // without the route unless the route has its own.
        let preflight = request.method() == Method::OPTIONS;
        if preflight && !self.policy.options_reach_route {
            return Either::Left(ready(Ok(self.policy.preflight(allow_origin))));
        }
        Either::Right(CorsFuture {
            inner: self.inner.call(request),
            allow_origin,
            preflight,
            policy: Arc::clone(&self.policy),
        })
    }
}

pin_project! {
    /// The inner service's answer, then its CORS headers.
    pub(crate) struct CorsFuture<F> {
        #[pin]
        inner: F,
        allow_origin: Option<HeaderValue>,
        preflight: bool,
        policy: Arc<Policy>,
    }
}

impl<F, B, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        let headers = response.headers_mut();
        if *this.preflight {
            this.policy
                .add_preflight_headers(headers, this.allow_origin.take());
            return Poll::Ready(Ok(response));
        }
        // The answer's own `Vary` values stay; the others are replaced.
        headers.append(header::VARY, this.policy.vary.clone());
        if let Some(origin) = this.allow_origin.take() {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            this.policy.expose_headers.clone(),
        );
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::convert::Infallible;

    use axum::body::Body;
    use tower::ServiceExt;
    use tower_http::cors::{AllowOrigin, CorsLayer as TowerCors};

    use super::*;

    fn config(origins: Vec<AllowedOrigin>) -> CorsConfig {
        CorsConfig {
            origins,
            allow_methods: vec![Method::GET, Method::POST],
            allow_headers: vec![
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static("x-request-id"),
                header::IF_NONE_MATCH,
            ],
            expose_headers: vec![HeaderName::from_static("x-request-id"), header::ETAG],
            max_age: Duration::from_secs(600),
            options_reach_route: false,
        }
    }

    /// tower-http's layer with the same settings: the reference.
    fn reference(config: &CorsConfig) -> TowerCors {
        let layer = TowerCors::new()
            .allow_methods(config.allow_methods.clone())
            .allow_headers(config.allow_headers.clone())
            .expose_headers(config.expose_headers.clone())
            .max_age(config.max_age);
        if config.origins.contains(&AllowedOrigin::Any) {
            return layer.allow_origin(AllowOrigin::any());
        }
        layer.allow_origin(AllowOrigin::list(config.origins.iter().filter_map(
            |origin| match origin {
                AllowedOrigin::Exact(origin) => Some(origin.clone()),
                AllowedOrigin::Any => None,
            },
        )))
    }

    /// A route answering with headers of its own, some of which CORS also sets.
    async fn route(request: Request<Body>) -> Result<Response<Body>, Infallible> {
        let mut response = Response::new(Body::from(format!("{} answered", request.method())));
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("accept"));
        headers.insert(header::ETAG, HeaderValue::from_static("\"e1\""));
        if request.headers().contains_key("x-route-sets-origin") {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("https://route.example"),
            );
        }
        Ok(response)
    }

    /// Status, every header in order, and the body.
    async fn answer<L>(layer: L, request: Request<Body>) -> (u16, Vec<(String, String)>, String)
    where
        L: Layer<tower::util::ServiceFn<fn(Request<Body>) -> RouteFuture>>,
        L::Service: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    {
        let service = layer.layer(tower::service_fn(
            (|request| Box::pin(route(request))) as fn(Request<Body>) -> RouteFuture,
        ));
        let response = service.oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    type RouteFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    #[tokio::test]
    async fn every_kind_of_request_gets_what_tower_https_cors_layer_gives() {
        let shop = HeaderValue::from_static("https://shop.example");
        let configs = [
            config(vec![AllowedOrigin::Any]),
            config(vec![
                AllowedOrigin::Exact(shop.clone()),
                AllowedOrigin::Exact(HeaderValue::from_static("http://localhost:5173")),
            ]),
            config(vec![]),
        ];
        let methods = [
            Method::GET,
            Method::POST,
            Method::OPTIONS,
            Method::PUT,
            Method::HEAD,
        ];
        let origins = [
            None,
            Some("https://shop.example"),
            Some("https://evil.example"),
            Some("null"),
        ];
        let mut compared = 0;
        for config in &configs {
            for method in &methods {
                for origin in origins {
                    for route_sets_origin in [false, true] {
                        let request = || {
                            let mut request = Request::builder()
                                .method(method.clone())
                                .uri("/graphql")
                                .header("access-control-request-method", "POST")
                                .header("access-control-request-headers", "content-type");
                            if let Some(origin) = origin {
                                request = request.header(header::ORIGIN, origin);
                            }
                            if route_sets_origin {
                                request = request.header("x-route-sets-origin", "1");
                            }
                            request.body(Body::empty()).unwrap()
                        };

                        let ours = answer(config.layer(), request()).await;
                        let theirs = answer(reference(config), request()).await;

                        assert_eq!(ours, theirs, "{method} from {origin:?}, {config:?}");
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 120);
    }
}

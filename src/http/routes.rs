//! The router, built by a function so tests can drive it without a socket.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use tower::ServiceBuilder;
use tower::util::MapResponseLayer;

use super::apps::{graphiql, scan};
use super::edge::{
    AllowedOrigin, CompressLayer, CorsConfig, CorsLayer, ObserveLayer, REQUEST_ID, ReceiveBodyLayer,
};
use super::health;
use super::state::AppState;
use super::{admin, graphql_over_http, resolver};
use crate::telemetry::metrics::HTTP_IN_FLIGHT;

/// The gateway's routes.
pub fn router(state: AppState) -> Router {
    let protection_headers = state
        .protection
        .as_ref()
        .map(|protection| protection.request_headers())
        .unwrap_or_default();
    let cors = cors_layer(
        &state.cors_origins,
        protection_headers.clone(),
        CorsRoutes::Api,
    );
    // What every route's answer passes through, outermost first.
    let edge_with = |cors: CorsLayer| {
        ServiceBuilder::new()
            .layer(ObserveLayer::default())
            // CORS outside compression: compression looks for `accept-encoding` among
            // the `Vary` values before adding its own, and scanning CORS's long one too
            // cost 1,600 instructions a response.
            .layer(cors)
            .layer(CompressLayer::new())
    };
    let edge = edge_with(cors);
    // `/graphql` takes the edge and its own layers in one `layer` call: axum boxes a
    // route's service once per call and clones every box for each request
    // (bench/JOURNAL.md, "Hot request path" and "Session 5").
    let graphql = any(graphql_over_http::handle).layer(
        ServiceBuilder::new()
            .layer(edge.clone())
            // Refusals (400, 405, 413, 415, 406, 429, 503) are never cached by anyone.
            .layer(MapResponseLayer::new(no_store_unless_said))
            // The body wholly received (or 408) before the in-flight cap: the cap
            // counts requests being executed, not clients slow to send.
            .layer(ReceiveBodyLayer::new(
                state.limits.max_body_bytes,
                state.limits.body_read_timeout,
            ))
            // The handler reads the body with `--max-body-bytes` as its limit and
            // answers 413 as an `HttpError`.
            .layer(state.in_flight.layer()),
    );
    // The Digital Link resolver: lookups under the same in-flight cap as /graphql,
    // behind an edge of its own: its CORS allows what GS1's resolver standard asks
    // for (GET, HEAD, OPTIONS), not the GraphQL API's GET and POST.
    let resolver_cors = cors_layer(
        &state.cors_origins,
        protection_headers,
        CorsRoutes::Resolver,
    );
    let resolver_routes = Router::new()
        .route(
            "/01/{gtin}",
            get(resolver::resolve).options(resolver::options),
        )
        // A trailing slash is tolerated (GS1 resolver standard: SHOULD NOT fail);
        // the wildcard below needs at least one character after it.
        .route(
            "/01/{gtin}/",
            get(resolver::resolve).options(resolver::options),
        )
        .route(
            "/01/{gtin}/{*qualifiers}",
            get(resolver::resolve).options(resolver::options),
        )
        // A fully compressed Digital Link: one base64url segment (static routes win).
        .route(
            "/{compressed}",
            get(resolver::resolve_compressed).options(resolver::options),
        )
        // OPTIONS reaches these routes (their CORS passes it on): answered here too.
        .route(
            "/products/{gtin}",
            get(resolver::product_page).options(resolver::options),
        )
        .layer(state.in_flight.layer())
        .layer(ReceiveBodyLayer::new(
            OTHER_ROUTES_BODY_LIMIT,
            state.limits.body_read_timeout,
        ))
        .layer(edge_with(resolver_cors));
    Router::new()
        .route("/", get(graphiql::page))
        .route("/assets/graphiql/{name}", get(graphiql::asset))
        .route("/scan", get(scan::page))
        .route("/assets/scan/{name}", get(scan::asset))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics))
        .route("/admin/invalidate", post(admin::invalidate))
        .route("/.well-known/gs1resolver", get(resolver::description))
        // A body sent to any other route (the admin's, or one nothing reads) under
        // the same time limit, up to axum's default body limit, which those routes
        // keep.
        .layer(ReceiveBodyLayer::new(
            OTHER_ROUTES_BODY_LIMIT,
            state.limits.body_read_timeout,
        ))
        // Every route above, and the fallback; not the resolver's or `/graphql`,
        // added after with their own.
        .layer(edge)
        .merge(resolver_routes)
        .route("/graphql", graphql)
        .with_state(Arc::new(state))
}

/// The body limit of routes other than `/graphql`: axum's default, which their
/// extractors apply.
const OTHER_ROUTES_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Which routes a CORS policy is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CorsRoutes {
    /// GraphQL and the rest: GET and POST.
    Api,
    /// The Digital Link resolver: GET, HEAD and OPTIONS (GS1-Conformant resolver
    /// standard), and a page may read the `Link` to the linkset.
    Resolver,
}

/// CORS for browser apps on other origins: GET and POST with a JSON body (the
/// resolver: GET, HEAD, OPTIONS); `*` allows any origin (the API is read-only and
/// takes no credentials). The protection's headers (API key, client id, bypass) are
/// allowed too when it is on.
fn cors_layer(
    origins: &[AllowedOrigin],
    protection_headers: Vec<HeaderName>,
    routes: CorsRoutes,
) -> CorsLayer {
    let mut allow_headers = vec![
        header::CONTENT_TYPE,
        header::ACCEPT,
        REQUEST_ID.clone(),
        // A browser app may revalidate or bypass caches itself.
        header::IF_NONE_MATCH,
        header::CACHE_CONTROL,
    ];
    allow_headers.extend(protection_headers);
    let mut expose_headers = vec![
        REQUEST_ID.clone(),
        header::RETRY_AFTER,
        HeaderName::from_static("ratelimit"),
        HeaderName::from_static("ratelimit-policy"),
        header::ETAG,
    ];
    let allow_methods = match routes {
        CorsRoutes::Api => vec![Method::GET, Method::POST],
        CorsRoutes::Resolver => {
            expose_headers.push(header::LINK);
            vec![Method::GET, Method::HEAD, Method::OPTIONS]
        }
    };
    CorsConfig {
        origins: origins.to_vec(),
        allow_methods,
        allow_headers,
        expose_headers,
        max_age: Duration::from_secs(600),
        // The resolver's OPTIONS answers `Allow` and the `Link` to the linkset.
        options_reach_route: routes == CorsRoutes::Resolver,
    }
    .layer()
}

/// `Cache-Control: no-store` on a `/graphql` response that says nothing else (a
/// refusal: the handler gives every answer its own).
fn no_store_unless_said(mut response: Response) -> Response {
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Prometheus text exposition.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let Some(handle) = &state.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(refresh) = &state.refresh_gauges {
        refresh();
    }
    metrics::gauge!(HTTP_IN_FLIGHT).set(state.in_flight.in_flight() as f64);
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

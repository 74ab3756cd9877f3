//! The HTTP face of the gateway: the axum router with `/graphql` (GET and POST),
//! GraphiQL on `/`, the scan app on `/scan`, the GS1 Digital Link resolver (`/01/…`,
//! `/products/…`, `/.well-known/gs1resolver`), health endpoints, the HTTP-level defences (body size,
//! operations per batch, in-flight cap, time limits on request heads and bodies), the
//! connection server (`serve`), and the response cache in front of
//! execution, with the HTTP caching headers of its answers (`cache_headers`) and
//! the admin route that invalidates products (`admin`). No GraphQL logic lives here.
//!
//! The parts, by what they serve:
//! - `edge/`: what every request passes through (`serve`, `observe` with its
//!   `/graphql` line in `request_log`, `cors`, `receive`, `shed`);
//! - `graphql_over_http/`: `/graphql` itself (read, admit, answer), in front of it
//!   `response_cache/` (store, invalidation slots, responses, `cache_headers`);
//! - `resolver/`: the GS1 Digital Link resolver, with `link_template`;
//! - `apps/`: GraphiQL and the scan app, from files compiled into the binary;
//! - `admin` (invalidation), `health`, and the shared `state`, `error`, `media_type`.
//!
//! Dependencies run one way: `routes` → handlers (`graphql_over_http`, `resolver`,
//! `health`, `apps`, `admin`) → `state` → `response_cache` → `edge` → `error` →
//! `media_type` (`state` holds the response cache and the in-flight cap of `edge`;
//! neither imports `state`). The architecture test checks that no cycle forms.
//! Every HTTP-level refusal is an [`error::HttpError`].

mod admin;
mod apps;
mod edge;
mod error;
mod graphql_over_http;
mod health;
mod link_template;
mod media_type;
mod resolver;
mod response_cache;
mod routes;
mod state;

pub use admin::MAX_INVALIDATION;
pub use apps::scan_url;
pub use edge::{AllowedOrigin, ConnectionSettings, InFlightLimit, serve};
pub use link_template::LinkTemplate;
pub use response_cache::cache_headers::{CacheHeaderSettings, MAX_TAGS};
pub use response_cache::{ResponseCache, ResponseCacheSettings, ResponseCacheStats};
pub use routes::router;
pub use state::{
    AdminState, AdminToken, AppState, HealthDetail, HttpLimits, HttpSettings, Readiness,
    RefreshGauges, ResolverSettings, ResolverState,
};

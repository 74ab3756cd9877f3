//! The HTTP face of the gateway: the axum router with `/graphql` (GET and POST),
//! GraphiQL on `/`, health endpoints, and the HTTP-level defences (body size,
//! operations per batch, in-flight cap), and the response cache in front of
//! execution. No GraphQL logic lives here.

mod graphiql;
mod graphql_over_http;
mod health;
mod observe;
mod response_cache;
mod routes;
mod shed;

pub use health::Readiness;
pub use response_cache::{ResponseCache, ResponseCacheSettings, ResponseCacheStats};
pub use routes::{AppState, HealthDetail, HttpLimits, RefreshGauges, router};
pub use shed::InFlightLimit;

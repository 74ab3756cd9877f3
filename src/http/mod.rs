//! The HTTP face of the gateway: the axum router with `/graphql` (GET and POST),
//! GraphiQL on `/`, health endpoints, and the HTTP-level defences (body size,
//! operations per batch, in-flight cap). No GraphQL logic lives here.

mod graphiql;
mod graphql_over_http;
mod health;
mod observe;
mod routes;
mod shed;

pub use health::Readiness;
pub use routes::{AppState, HealthDetail, HttpLimits, RefreshGauges, router};
pub use shed::InFlightLimit;

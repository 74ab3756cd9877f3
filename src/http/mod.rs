//! The HTTP face of the gateway: the axum router with `/graphql` (GET and POST),
//! GraphiQL on `/`, and the health endpoints. No GraphQL logic lives here.

mod graphiql;
mod health;
mod routes;

pub use routes::{AppState, router};

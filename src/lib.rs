//! catalog-gateway: a GraphQL product-lookup gateway in front of a product REST
//! catalog.
//!
//! # Layout
//! - [`gtin`]: GS1 identity (parse, check digits, forms, classification): the
//!   std-only workspace crate `crates/gtin`, re-exported so `crate::gtin::…` reads as before.
//! - [`catalog`]: the upstream: `Catalog` trait, REST client, DTOs, key formats.
//! - [`demo`]: the embedded demo catalog, a real HTTP server implementing the contract.
//! - [`cache`]: the product cache: bounded local tier plus an optional shared Redis tier.
//! - [`loader`]: batching, de-duplication and single-flight over a `Catalog`.
//! - [`graphql`]: schema types, resolvers, error codes, SDL.
//! - [`http`]: axum router, GraphiQL, health.
//! - [`error_code`]: every client-visible `extensions.code`, one enum.
//! - [`protect`]: trusted documents, cost limits, per-client rate limits, API keys.
//! - [`config`]: every setting, validated at start.
//! - [`app`]: startup: bind, wire, serve.
//! - [`gtin_cli`]: the `gtin` subcommand.
//! - [`healthcheck`]: the `healthcheck` subcommand (a container's liveness probe).
//! - [`upstream_cli`]: the `upstream check` subcommand (a mapping tried on real GTINs).
//! - [`telemetry`]: logging setup.

pub mod app;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod demo;
pub mod error_code;
pub mod graphql;
pub use gtin;
pub mod gtin_cli;
mod hashing;
pub mod healthcheck;
pub mod http;
pub mod loader;
pub mod protect;
pub mod ready_file;
pub mod telemetry;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod upstream_cli;

#[cfg(test)]
mod architecture_tests;

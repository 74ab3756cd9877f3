//! catalog-gateway: a GraphQL product-lookup gateway in front of a product REST
//! catalog.
//!
//! # Layout
//! - [`gtin`]: GS1 identity (parse, check digits, forms, classification). Pure.
//! - [`catalog`]: the upstream: `Catalog` trait, REST client, DTOs, key formats.
//! - [`demo`]: the embedded demo catalog, a real HTTP server implementing the contract.
//! - [`cache`]: the product cache: bounded local tier plus an optional shared Redis tier.
//! - [`loader`]: batching, de-duplication and single-flight over a `Catalog`.
//! - [`graphql`]: schema types, resolvers, error codes, SDL.
//! - [`http`]: axum router, GraphiQL, health.
//! - [`config`]: every setting, validated at start.
//! - [`app`]: startup: bind, wire, serve.
//! - [`gtin_cli`]: the `gtin` subcommand.
//! - [`healthcheck`]: the `healthcheck` subcommand (a container's liveness probe).
//! - [`telemetry`]: logging setup.

pub mod app;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod demo;
pub mod graphql;
pub mod gtin;
pub mod gtin_cli;
mod hashing;
pub mod healthcheck;
pub mod http;
pub mod loader;
pub mod telemetry;

//! catalog-gateway: a GraphQL product-lookup gateway in front of a product REST
//! catalog.
//!
//! `ARCHITECTURE.md` at the repository root has the map: the life of a request
//! through the layers, each module's invariants, the hand-made fast paths and the
//! oracle test of each, and the layer table `architecture_tests` holds the imports to.
//!
//! # Layout
//! Lowest layer first; a module imports only from the lines above its own.
//! - [`gtin`]: GS1 identity (parse, check digits, forms, classification): the
//!   std-only workspace crate `crates/gtin`, re-exported so `crate::gtin::…` reads as before.
//! - `hashing`, [`error_code`] (every client-visible `extensions.code`, one enum),
//!   [`telemetry`] (logging and its off-thread log writer, OTLP traces, metric names,
//!   the per-request context), [`redis_topology`] (one Redis link: single node,
//!   Sentinel, Cluster; TLS, ACL; for the cache and the rate limiter), [`ready_file`]
//!   (`--ready-file`: the bound address, written atomically once listening): leaves.
//! - [`catalog`]: the upstream: `Catalog` trait, REST client, DTOs, mappings of other
//!   product APIs, key formats, and its resilience (breaker, retries, retry budget).
//! - [`demo`]: the embedded demo catalog, a real HTTP server implementing the contract.
//! - `test_support` (tests only, or the `test-support` feature): helpers the unit
//!   tests share; the in-memory catalog is `catalog::InMemoryCatalog`.
//! - [`cache`]: the product cache: bounded local tier plus an optional shared Redis tier.
//! - [`loader`]: batching, de-duplication and single-flight over a `Catalog`, and how
//!   fresh each operation's answers are.
//! - [`protect`]: trusted documents, cost limits, per-client rate limits, API keys.
//! - [`graphql`]: the one execution boundary (`execution`) and its ways: compiled
//!   plans, the lean and the full schema; resolvers, errors, limits, SDL.
//! - [`http`]: the axum router: edge middleware (`edge`), GraphQL over HTTP with the
//!   response cache in front, the Digital Link resolver, the apps (GraphiQL, scan),
//!   admin and health.
//! - [`gtin_cli`]: the `gtin` subcommand.
//! - [`config`]: every setting, validated at start.
//! - [`app`]: startup: bind, wire, serve.
//! - [`healthcheck`]: the `healthcheck` subcommand (a container's liveness probe).
//! - [`upstream_cli`]: the `upstream check` subcommand (a mapping tried on real GTINs).

pub mod app;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod demo;
pub mod error_code;
pub mod graphql;
pub mod graphql_syntax;
pub use gtin;
pub mod gtin_cli;
mod hashing;
pub mod healthcheck;
pub mod http;
mod json_text;
pub mod loader;
pub mod protect;
pub mod ready_file;
pub mod redis_topology;
pub mod telemetry;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod upstream_cli;

#[cfg(test)]
mod architecture_tests;

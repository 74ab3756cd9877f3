//! catalog-gateway: a GraphQL product-lookup gateway in front of a product REST
//! catalog.
//!
//! # Layout
//! - [`gtin`]: GS1 identity (parse, check digits, forms, classification). Pure.
//! - [`catalog`]: the upstream: `Catalog` trait, REST client, DTOs, key formats.
//! - [`demo`]: the embedded demo catalog, a real HTTP server implementing the contract.
//! - [`loader`]: batching, de-duplication and single-flight over a `Catalog`.
//! - [`graphql`]: schema types, resolvers, error codes, SDL.
//! - [`http`]: axum router, GraphiQL, health.
//! - [`config`]: every setting, validated at start.

pub mod cache;
pub mod catalog;
pub mod demo;
pub mod graphql;
pub mod gtin;
pub mod http;
pub mod loader;

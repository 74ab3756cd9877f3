//! The upstream product catalog: the `Catalog` trait, its REST implementation per
//! `catalog-api.md`, the wire DTOs and key formats, and the client's resilience
//! (deadlines, retries with a budget, circuit breaker, health). Knows nothing of
//! GraphQL.

mod answer;
mod breaker;
mod dto;
mod error;
mod fault;
mod health;
mod key_format;
mod product;
mod resilience;
mod rest;
mod rest_settings;
mod retry;
mod retry_budget;
mod rolling_window;
mod source;

pub use breaker::{BreakerSettings, BreakerState, OpenReason};
pub use error::CatalogError;
pub use health::UpstreamHealth;
pub use key_format::{KeyFormat, UnknownKeyFormat};
pub use product::{Attribute, Availability, Image, Price, Product};
pub use rest::RestCatalog;
pub use rest_settings::{BuildError, RestCatalogSettings};
pub use retry::RetryPolicy;
pub use source::{Catalog, FetchResult};

//! The upstream product catalog: the `Catalog` trait, its REST implementation (the
//! native contract of `docs/upstream-contract.md`, or any source a [`Mapping`] describes), the
//! wire DTOs, key formats and credentials, and the client's resilience (deadlines,
//! retries with a budget, circuit breaker, health). Knows nothing of GraphQL.

mod answer;
mod breaker;
mod credentials;
mod dto;
mod error;
mod fault;
mod health;
#[cfg(any(test, feature = "test-support"))]
mod in_memory;
mod key_format;
pub mod mapping;
mod product;
mod resilience;
mod rest;
mod rest_settings;
mod retry;
mod retry_budget;
mod rolling_window;
mod source;

pub use breaker::{BreakerSettings, BreakerState, OpenReason};
pub use credentials::CredentialsError;
pub use error::CatalogError;
pub use health::UpstreamHealth;
#[cfg(any(test, feature = "test-support"))]
pub use in_memory::InMemoryCatalog;
pub use key_format::{KeyFormat, UnknownKeyFormat};
pub use mapping::{Mapping, MappingError, Preset};
pub use product::{Attribute, Availability, Image, Price, Product, Text};
pub use rest::RestCatalog;
pub use rest_settings::{BuildError, RestCatalogSettings};
pub use retry::RetryPolicy;
pub use source::{Catalog, FetchResult};

/// The native contract's batch reader, for benchmarks against a mapping's
/// ([`Mapping::read_batch_answer`]); not part of the gateway's API.
#[doc(hidden)]
pub fn read_contract_batch(asked: &[crate::gtin::Gtin], body: &[u8]) -> Vec<FetchResult> {
    answer::read_batch(asked, body)
}

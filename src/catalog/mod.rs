//! The upstream product catalog: the `Catalog` trait, its REST implementation per
//! `catalog-api.md`, the wire DTOs and key formats. Knows nothing of GraphQL.

mod answer;
mod dto;
mod error;
mod key_format;
mod product;
mod rest;
mod rest_settings;
mod source;

pub use error::CatalogError;
pub use key_format::{KeyFormat, UnknownKeyFormat};
pub use product::{Attribute, Availability, Image, Price, Product};
pub use rest::RestCatalog;
pub use rest_settings::{BuildError, RestCatalogSettings};
pub use source::{Catalog, FetchResult};

//! The upstream product catalog: the `Catalog` trait, its REST implementation per
//! `catalog-api.md`, the wire DTOs and key formats. Knows nothing of GraphQL.

mod error;
mod product;
mod source;

pub use error::CatalogError;
pub use product::{Attribute, Availability, Image, Price, Product};
pub use source::{Catalog, FetchResult};

//! The `Catalog` seam: what the loader needs from any product source.

use async_trait::async_trait;

use super::{CatalogError, Product};
use crate::gtin::Gtin;

/// One item's answer: `Ok(None)` is "not found", which is not an error.
pub type FetchResult = Result<Option<Product>, CatalogError>;

/// A product source that answers many keys at once.
///
/// `dyn`-compatible (through `async_trait`) so the app holds an `Arc<dyn Catalog>`
/// and tests can swap in an in-memory one without type parameters everywhere.
#[async_trait]
pub trait Catalog: Send + Sync + 'static {
    /// Looks up `keys` (distinct, valid GTINs) and answers one result per key, in the
    /// same order. A failure of one upstream call fails only the keys of that call.
    async fn fetch(&self, keys: &[Gtin]) -> Vec<FetchResult>;
}

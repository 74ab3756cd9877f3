//! Batching over a [`Catalog`](crate::catalog::Catalog): collects the product
//! lookups of every request in flight during a short window, de-duplicates them by
//! canonical GTIN, shares one fetch among every request that wants the same item,
//! and answers each key on its own (one failed call never fails another's keys).
//! It also tells each operation how fresh its answers are ([`AnswerFreshness`]).

mod batcher;
mod freshness;

pub use batcher::{Loaded, LoadedProduct, LoaderSettings, ProductLoader};
pub use freshness::AnswerFreshness;

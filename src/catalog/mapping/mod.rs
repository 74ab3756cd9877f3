//! Upstream mappings: a product REST API the gateway was not written for, described
//! in a file (docs/upstream-mapping.md) instead of an adapter service. A mapping
//! says how to ask for one item and for many (URL templates, keys per call,
//! paging), which key form the source stores, how an answer's items are matched
//! back to the keys asked (by normalized code, never by position), what "not found"
//! looks like, and how each `Product` field is built from an item — all as jq
//! filters compiled once at start (jaq; docs/decisions.md says why jq).
//!
//! The REST client (`rest`) stays the one place that calls: it asks a [`Mapping`]
//! for the URLs of a call and hands it the bodies to read. Batching, single flight,
//! caching, retries, the breaker and deadlines are the client's and the loader's, so
//! they hold for every source alike.
//!
//! - `spec`: the file's shape (TOML, serde).
//! - `load`: the file compiled and checked into a [`Mapping`]; errors name the line.
//! - `jq`: the one wrapper of jaq.
//! - `request`: the URLs of single and batch calls.
//! - `read`: answers read into per-key results.
//! - `product`: an item's mapped fields into a [`Product`](super::Product).
//! - `prune`: an answer parsed keeping only what the filters can read.
//! - `flat`: answers of flat items read into products without jaq values.
//! - `lean`: answers of other items read into values borrowed from the body.
//! - `value`: what the subset, the product builder and the page reader ask of a
//!   value, for jaq's values and lean ones alike.
//! - `presets`: the mapping files shipped in `presets/`, by name.

mod flat;
mod jq;
mod lean;
mod load;
mod natives;
mod presets;
mod product;
mod prune;
mod read;
mod request;
mod simple;
mod spec;
mod value;

pub use load::{EnvLookup, Mapping, MappingError};
pub use presets::{PRESETS, Preset, UnknownPreset};

#[cfg(test)]
pub(crate) use load::TokenUrl;
pub(crate) use load::{Auth, OAuth2};
pub(crate) use read::Asked;
pub use read::{Trace, TraceLine};
pub(crate) use request::{Outgoing, next_url};

#[cfg(test)]
mod tests;

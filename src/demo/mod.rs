//! The embedded demo catalog: a real HTTP server implementing docs/upstream-contract.md's
//! default contract over ~40 curated items and 100,000,000 generated ones. It plays
//! the upstream when no `--upstream-url` is given, and in tests and benchmarks.
//! [`dialects`] serves the same products as three real product APIs do.

mod catalog;
mod curated;
pub mod dialects;
mod generated;
mod product;
mod server;

pub use catalog::DemoCatalog;
pub use dialects::{
    CallLog, Dialect, DialectControl, DialectSettings, OAuthClient, RecordedCall, UnknownDialect,
    dialect_router, dialect_router_with_control, serve_dialect,
};
pub use product::{DemoImage, DemoPrice, DemoProduct, LARGE_PRODUCT_BYTES};
pub use server::{DemoSettings, MAX_BATCH_KEYS, router, serve};

//! The GraphQL layer: schema types, thin resolvers over the loader, error codes and
//! the SDL; the Apollo Federation v2 subgraph (`_entities`, `_service`), automatic
//! persisted queries and the parsed-document cache. No HTTP and no upstream details here.

mod budget;
mod document_cache;
mod errors;
mod execution;
mod federation;
mod gtin_info;
mod limits;
mod lookup;
mod lookup_key;
mod persisted_queries;
mod plan;
mod product;
mod query;
mod request_scope;
mod scan_data;
mod schema;
mod schema_privacy;
mod settings;
mod wire_names;

pub use document_cache::KnownParse;
pub use execution::{Answered, Execution, ResponseExtensions};
pub use gtin_info::GtinInfo;
pub use limits::QueryLimits;
pub use plan::Planned;
pub use query::QueryRoot;
pub use request_scope::RequestScope;
pub use schema::{GatewaySchema, build_schema, sdl};
pub use settings::GraphqlSettings;

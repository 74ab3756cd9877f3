//! Building the schema from its parts, and its SDL: the committed public contract
//! (`schema.graphql` at the repository root, checked by a test).
//!
//! The schema is an Apollo Federation v2 subgraph (`Product @key(fields: "gtin")`),
//! and its SDL is the federation SDL, the same text `_service { sdl }` answers: one
//! contract for clients and for the router's composition.

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, OutputType, SDLExportOptions, Schema};

use super::document_cache::DocumentCache;
use super::federation::{ServiceSdl, subgraph_sdl};
use super::limits::ShapeLimits;
use super::persisted_queries::PersistedQueries;
use super::query::QueryRoot;
use super::settings::GraphqlSettings;
use crate::loader::ProductLoader;

/// The gateway's executable schema.
pub type GatewaySchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Builds the schema over a loader.
pub fn build_schema(loader: ProductLoader, settings: GraphqlSettings) -> GatewaySchema {
    let builder = Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .enable_federation()
        .data(loader)
        .data(settings)
        // Depth and complexity are checked by `ShapeLimits`, which leaves introspection
        // to its own bounds (async-graphql's limits refused every tool's introspection).
        // Extensions run outermost first: the shape limits must see every document,
        // including one the document cache (registered last) answers without a parse.
        .extension(ShapeLimits(settings.limits))
        .extension(PersistedQueries::new(
            settings.apq_cache_size.get(),
            settings.apq_cache_max_bytes,
        ))
        .extension(ServiceSdl(Arc::from(sdl())));
    let builder = if settings.limits.introspection {
        builder
    } else {
        // `ShapeLimits` refuses it first with INTROSPECTION_DISABLED; this keeps it
        // off even for a document that reached execution some other way.
        builder.disable_introspection()
    };
    let builder = match settings.document_cache_size {
        0 => builder,
        capacity => builder.extension(DocumentCache::new(
            capacity,
            settings.document_cache_max_bytes,
        )),
    };
    builder.finish()
}

/// The schema's SDL, as committed in `schema.graphql`: the federation subgraph SDL
/// (`@link` to federation v2, `@key` on `Product`), equal to `_service { sdl }`.
pub fn sdl() -> String {
    let schema = Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish();
    // The options async-graphql itself exports `_service { sdl }` with.
    subgraph_sdl(
        &schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive()),
        &<QueryRoot as OutputType>::type_name(),
    )
}

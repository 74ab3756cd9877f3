//! Building the schema from its parts, and its SDL: the committed public contract
//! (`schema.graphql` at the repository root, checked by a test).

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

use super::query::QueryRoot;
use crate::gtin::RcnRegion;
use crate::loader::ProductLoader;

/// The gateway's executable schema.
pub type GatewaySchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Settings the resolvers read.
#[derive(Clone, Copy, Debug)]
pub struct GraphqlSettings {
    /// Longest list a `products` or `lookups` field accepts.
    pub max_gtins_per_query: usize,
    /// Region whose variable-measure labels are decoded, if any.
    pub rcn_region: Option<RcnRegion>,
}

/// Builds the schema over a loader.
pub fn build_schema(loader: ProductLoader, settings: GraphqlSettings) -> GatewaySchema {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .data(loader)
        .data(settings)
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

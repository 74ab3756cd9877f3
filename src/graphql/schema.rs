//! Building the schema from its parts, and its SDL: the committed public contract
//! (`schema.graphql` at the repository root, checked by a test).

use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

use super::query::QueryRoot;
use crate::gtin::RcnRegion;
use crate::loader::ProductLoader;

/// The gateway's executable schema.
pub type GatewaySchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Settings the resolvers read.
#[derive(Clone, Copy, Debug)]
pub struct GraphqlSettings {
    /// Most GTINs one operation may ask for, over all its fields and aliases.
    pub max_gtins_per_query: usize,
    /// Region whose variable-measure labels are decoded, if any.
    pub rcn_region: Option<RcnRegion>,
}

/// How many GTINs one operation has asked for so far, over all its fields and
/// aliases: attach a fresh one to each request with [`GtinBudget::attach`] so
/// `--max-gtins-per-query` bounds the operation, not just one list.
#[derive(Debug, Default)]
pub struct GtinBudget(AtomicUsize);

impl GtinBudget {
    /// Gives `request` its own budget.
    pub fn attach(request: async_graphql::Request) -> async_graphql::Request {
        request.data(GtinBudget::default())
    }

    /// Adds `count` GTINs and returns the total so far.
    pub(crate) fn spend(&self, count: usize) -> usize {
        self.0
            .fetch_add(count, Ordering::Relaxed)
            .saturating_add(count)
    }
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

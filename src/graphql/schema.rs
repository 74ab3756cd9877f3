//! Building the schema from its parts, and its SDL: the committed public contract
//! (`schema.graphql` at the repository root, checked by a test).

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::time::Instant;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

use super::limits::{QueryLimits, ShapeLimits};
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
    /// Limits on the shape of a query.
    pub limits: QueryLimits,
}

/// What one operation may still spend: its share of `--max-gtins-per-query` (every
/// field and alias draws on one count) and its deadline. Attach a fresh one to each
/// request with [`RequestScope::attach`].
#[derive(Debug, Default)]
pub struct RequestScope {
    gtins: AtomicUsize,
    deadline: Option<Instant>,
}

impl RequestScope {
    /// Gives `request` its own scope, ending at `deadline` if one is set.
    pub fn attach(
        request: async_graphql::Request,
        deadline: Option<Instant>,
    ) -> async_graphql::Request {
        request.data(RequestScope {
            gtins: AtomicUsize::new(0),
            deadline,
        })
    }

    /// Adds `count` GTINs and returns the total so far.
    pub(crate) fn spend(&self, count: usize) -> usize {
        self.gtins
            .fetch_add(count, Ordering::Relaxed)
            .saturating_add(count)
    }

    /// When the operation's lookups must be answered by.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

/// Builds the schema over a loader.
pub fn build_schema(loader: ProductLoader, settings: GraphqlSettings) -> GatewaySchema {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .data(loader)
        .data(settings)
        .limit_depth(settings.limits.max_depth)
        .limit_complexity(settings.limits.max_complexity)
        .extension(ShapeLimits::new(settings.limits))
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

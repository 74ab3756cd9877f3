//! The settings of the GraphQL layer: what the resolvers read and the limits the
//! schema enforces. Built from the command line by `config::GraphqlArgs`.

use std::num::NonZeroU64;

use super::limits::QueryLimits;
use crate::gtin::RcnRegion;

/// Settings the resolvers read.
#[derive(Clone, Copy, Debug)]
pub struct GraphqlSettings {
    /// Most GTINs one operation may ask for, over all its fields and aliases.
    pub max_gtins_per_query: usize,
    /// Region whose variable-measure labels are decoded, if any.
    pub rcn_region: Option<RcnRegion>,
    /// Limits on the shape of a query.
    pub limits: QueryLimits,
    /// Most queries the automatic-persisted-query store keeps.
    pub apq_cache_size: NonZeroU64,
    /// Most bytes the automatic-persisted-query store's hashes and texts may weigh.
    pub apq_cache_max_bytes: u64,
    /// Most parsed documents kept so a hot query is parsed once; 0: no cache.
    pub document_cache_size: u64,
    /// Most bytes (estimated) the parsed documents kept may weigh.
    pub document_cache_max_bytes: u64,
    /// Whether the common requests run from compiled plans (`--compiled-plans`);
    /// the plans are kept with the parsed documents, within the same bounds.
    pub compiled_plans: bool,
}

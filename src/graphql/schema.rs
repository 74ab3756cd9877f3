//! Building the schema from its parts, and its SDL: the committed public contract
//! (`schema.graphql` at the repository root, checked by a test).
//!
//! The schema is an Apollo Federation v2 subgraph (`Product @key(fields: "gtin")`),
//! and its SDL is the federation SDL, the same text `_service { sdl }` answers: one
//! contract for clients and for the router's composition.

use std::collections::HashSet;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use async_graphql::{EmptyMutation, EmptySubscription, SDLExportOptions, Schema};

use super::document_cache::DocumentCache;
use super::federation::{ServiceSdl, subgraph_sdl};
use super::limits::{QueryLimits, ShapeLimits};
use super::persisted_queries::PersistedQueries;
use super::query::QueryRoot;
use crate::gtin::RcnRegion;
use crate::loader::{AnswerFreshness, ProductLoader};

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
    /// Most queries the automatic-persisted-query store keeps.
    pub apq_cache_size: NonZeroU64,
    /// Most bytes the automatic-persisted-query store's hashes and texts may weigh.
    pub apq_cache_max_bytes: u64,
    /// Most parsed documents kept so a hot query is parsed once; 0: no cache.
    pub document_cache_size: u64,
    /// Most bytes (estimated) the parsed documents kept may weigh.
    pub document_cache_max_bytes: u64,
}

/// What one operation may still spend: its share of `--max-gtins-per-query` (every
/// field and alias draws on one count) and its deadline. Attach a fresh one to each
/// request with [`RequestScope::attach`].
#[derive(Debug, Default)]
pub struct RequestScope {
    gtins: AtomicUsize,
    deadline: Option<Instant>,
    /// `_entities` indexes already given an error (see [`RequestScope::claim_entity`]).
    entity_errors: Mutex<HashSet<usize>>,
    /// Where the loader notes how fresh this operation's answers are (for the
    /// response cache); `None` when nobody will read it.
    freshness: Option<Arc<AnswerFreshness>>,
}

impl RequestScope {
    /// Gives `request` its own scope, ending at `deadline` if one is set.
    pub fn attach(
        request: async_graphql::Request,
        deadline: Option<Instant>,
    ) -> async_graphql::Request {
        request.data(RequestScope {
            deadline,
            ..RequestScope::default()
        })
    }

    /// [`RequestScope::attach`], with the loader noting in `freshness` how fresh
    /// the operation's answers are (what the response cache keeps it for).
    pub fn attach_noting(
        request: async_graphql::Request,
        deadline: Option<Instant>,
        freshness: Arc<AnswerFreshness>,
    ) -> async_graphql::Request {
        request.data(RequestScope {
            deadline,
            freshness: Some(freshness),
            ..RequestScope::default()
        })
    }

    /// Where the loader notes how fresh this operation's answers are, if anywhere.
    pub(crate) fn freshness(&self) -> Option<&AnswerFreshness> {
        self.freshness.as_deref()
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

    /// Takes the first of `candidates` (indexes of equal `_entities` representations)
    /// not yet taken, so each equal representation gets its error at its own index.
    pub(crate) fn claim_entity(&self, candidates: &[usize]) -> Option<usize> {
        let Ok(mut taken) = self.entity_errors.lock() else {
            return candidates.first().copied();
        };
        let free = candidates
            .iter()
            .copied()
            .find(|index| !taken.contains(index));
        match free {
            Some(index) => {
                taken.insert(index);
                Some(index)
            }
            None => candidates.first().copied(),
        }
    }
}

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
    subgraph_sdl(&schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive()))
}

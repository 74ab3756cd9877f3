//! Compiled plans for the common requests: `product`, `products` and `lookups` with
//! selections of fields without arguments, answered without async-graphql's
//! validation and per-field execution.
//!
//! Why: for a basket of 40 products async-graphql resolves 40 × 6 fields through a
//! boxed future each and builds a `Value` tree that is then serialized: about a
//! quarter of the gateway's CPU on cold traffic (BENCHMARKS.md, session 4). A plan
//! is compiled once per query text ([`compile`]) and cached; a request is then its
//! keys parsed, one call to the loader and the bytes written ([`run`]).
//!
//! The plan answers exactly what the general path answers, byte for byte (a property
//! test runs random plannable documents through both); any request it cannot answer
//! exactly so (a bad code, a missing variable, a name it does not know) it gives
//! back untouched to the general path.
//!
//! Bounded like the parsed-document cache (`--document-cache-size`,
//! `--document-cache-max-mb`, its own store of the same bounds): with a size of 0
//! there are no plans either.

mod compile;
mod run;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::{Cache, DefaultLifecycle};

pub(crate) use compile::Plan;
pub use run::Planned;
pub(crate) use run::{RunWith, run};

use super::document_cache::{MAX_CACHED_QUERY_BYTES, PARSED_BYTES_PER_TEXT_BYTE};
use super::limits::{QueryLimits, within_limits};
use crate::cache::weight::{ENTRY_OVERHEAD_BYTES, entry_weight};
use crate::hashing::FastHasher;

/// Query text to its plan, or to `None` for a text that has none (so it is not
/// parsed again just to learn that).
type PlanStore = Cache<Arc<str>, Option<Arc<Plan>>, WeighPlan, FastHasher>;

/// The compiled plans of the query texts seen. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Plans {
    cache: Arc<PlanStore>,
    limits: QueryLimits,
}

/// A plan weighs about what the parsed document it came from weighs.
#[derive(Clone)]
struct WeighPlan {
    max_bytes: u64,
    capacity: u64,
}

impl Weighter<Arc<str>, Option<Arc<Plan>>> for WeighPlan {
    fn weight(&self, text: &Arc<str>, _plan: &Option<Arc<Plan>>) -> u64 {
        let bytes = text.len() * (1 + PARSED_BYTES_PER_TEXT_BYTE) + ENTRY_OVERHEAD_BYTES;
        u64::from(entry_weight(bytes, self.max_bytes, self.capacity))
    }
}

impl Plans {
    /// At most `capacity` texts weighing at most `max_bytes`; documents must pass
    /// `limits` to have a plan (the general path refuses the others).
    pub(crate) fn new(capacity: u64, max_bytes: u64, limits: QueryLimits) -> Plans {
        let weigher = WeighPlan {
            max_bytes,
            capacity,
        };
        let estimated = usize::try_from(capacity.min(1024)).unwrap_or(1024);
        Plans {
            cache: Arc::new(Cache::with(
                estimated,
                max_bytes,
                weigher,
                FastHasher::default(),
                DefaultLifecycle::default(),
            )),
            limits,
        }
    }

    /// The plan of `query`, compiled on its first sighting.
    pub(crate) fn plan(&self, query: &str) -> Option<Arc<Plan>> {
        if query.is_empty() || query.len() > MAX_CACHED_QUERY_BYTES {
            return None;
        }
        if let Some(known) = self.cache.get(query) {
            return known;
        }
        let plan = async_graphql::parser::parse_query(query)
            .ok()
            .filter(|document| within_limits(document, &self.limits))
            .and_then(|document| compile::compile(&document))
            .map(Arc::new);
        self.cache.insert(Arc::from(query), plan.clone());
        plan
    }
}

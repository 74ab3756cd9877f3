//! What one operation may still spend, attached to each request by the HTTP layer
//! and read by the resolvers: its share of `--max-gtins-per-query` and its deadline,
//! and where the loader notes how fresh its answers are (for the response cache).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use crate::loader::AnswerFreshness;

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

    /// The same, shared: to attach to a rerun of the request.
    pub(crate) fn freshness_handle(&self) -> Option<Arc<AnswerFreshness>> {
        self.freshness.clone()
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

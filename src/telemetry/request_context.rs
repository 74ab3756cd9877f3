//! The context of one HTTP request, reachable from anywhere in its task without
//! threading it through every signature: its `x-request-id` (sent on to the upstream)
//! and counts of what its lookups cost (cache hits, keys fetched, upstream batches),
//! which the request's log line reports.
//!
//! A task-local fits because async-graphql polls every resolver inside the request's
//! own task; the loader's flush task, which serves several requests, carries the id
//! of the request that opened the batch into its own scope.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::task::futures::TaskLocalFuture;

tokio::task_local! {
    static CURRENT: Arc<RequestContext>;
}

/// One request's id and lookup counts.
#[derive(Debug, Default)]
pub struct RequestContext {
    id: String,
    cache_hits: AtomicU64,
    fetched_keys: AtomicU64,
    shared_keys: AtomicU64,
    /// Ids of the upstream batches this request's keys went into (few per request).
    batches: Mutex<Vec<u64>>,
}

/// What a request's lookups cost, for its log line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupCounts {
    /// Keys answered by the cache.
    pub cache_hits: u64,
    /// Keys this request sent to the upstream.
    pub fetched_keys: u64,
    /// Keys this request found already being fetched and waited on.
    pub shared_keys: u64,
    /// Distinct upstream batches (calls, in batch mode) its keys went into.
    pub upstream_batches: u64,
}

impl RequestContext {
    /// A context for the request with this id.
    pub fn new(id: impl Into<String>) -> Arc<RequestContext> {
        Arc::new(RequestContext {
            id: id.into(),
            ..RequestContext::default()
        })
    }

    /// The request id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Counts keys answered from cache.
    pub fn add_cache_hits(&self, n: u64) {
        self.cache_hits.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a key this request caused to be fetched, in batch `batch`.
    pub fn add_fetched(&self, batch: u64) {
        self.fetched_keys.fetch_add(1, Ordering::Relaxed);
        self.note_batch(batch);
    }

    /// Counts a key this request joined while it was pending or being fetched.
    pub fn add_shared(&self, batch: u64) {
        self.shared_keys.fetch_add(1, Ordering::Relaxed);
        self.note_batch(batch);
    }

    fn note_batch(&self, batch: u64) {
        let mut batches = self.batches.lock().unwrap_or_else(PoisonError::into_inner);
        if !batches.contains(&batch) {
            batches.push(batch);
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> LookupCounts {
        let batches = self
            .batches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        LookupCounts {
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
            fetched_keys: self.fetched_keys.load(Ordering::Relaxed),
            shared_keys: self.shared_keys.load(Ordering::Relaxed),
            upstream_batches: u64::try_from(batches).unwrap_or(u64::MAX),
        }
    }
}

/// The context of the request this task serves, if any.
pub fn current() -> Option<Arc<RequestContext>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// `future` polled as part of the request `context` (a type a hand-made service's
/// future can hold; `.await` it to run it).
pub fn scoped<F: Future>(
    context: Arc<RequestContext>,
    future: F,
) -> TaskLocalFuture<Arc<RequestContext>, F> {
    CURRENT.scope(context, future)
}

/// Runs `f` as part of the request `context`, at once.
pub fn sync_scope<R>(context: Arc<RequestContext>, f: impl FnOnce() -> R) -> R {
    CURRENT.sync_scope(context, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_context_is_visible_inside_its_scope_only() {
        let context = RequestContext::new("abc");

        let inside = scoped(context.clone(), async {
            current().map(|c| c.id().to_owned())
        })
        .await;

        assert_eq!(inside.as_deref(), Some("abc"));
        assert!(current().is_none());
    }

    #[test]
    fn batches_are_counted_once_each() {
        let context = RequestContext::new("x");
        context.add_fetched(1);
        context.add_fetched(1);
        context.add_shared(2);
        context.add_cache_hits(3);

        assert_eq!(
            context.counts(),
            LookupCounts {
                cache_hits: 3,
                fetched_keys: 2,
                shared_keys: 1,
                upstream_batches: 2
            }
        );
    }
}

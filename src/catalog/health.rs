//! What the client tells `/readyz` and metrics about the upstream: the breaker's
//! state and monotonic counters of calls, failures, retries and fast failures.
//!
//! The counters are relaxed atomics: each is exact on its own, and a snapshot taken
//! while calls run may be a few events apart between counters, which metrics
//! tolerate.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{BreakerState, OpenReason};

/// A snapshot of the upstream's health as seen by one [`RestCatalog`](super::RestCatalog).
///
/// Counters only grow (since the client was built), so metrics export them as
/// counters and take rates themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpstreamHealth {
    /// The circuit breaker's state (`/readyz` shows it as detail; an open breaker
    /// must not fail readiness, or an upstream outage would pull every replica
    /// out of the load balancer).
    pub breaker: BreakerState,
    /// Failed upstream calls since the last successful one.
    pub consecutive_failures: u32,
    /// Upstream calls made: first attempts and retries, not calls refused by the
    /// breaker. (A call admitted by the breaker whose fetch deadline then passed
    /// while it waited for a concurrency slot is counted too.)
    pub calls: u64,
    /// Calls that failed in a way that counts against the upstream (timeout,
    /// transport error, 5xx).
    pub failures: u64,
    /// Retries made (included in `calls`).
    pub retries: u64,
    /// Retries wanted but refused because the retry budget was spent.
    pub retries_refused_by_budget: u64,
    /// Calls the breaker refused (open, or a half-open probe already in flight),
    /// so they never reached the upstream: first attempts, answered
    /// `UPSTREAM_UNAVAILABLE` at once, and retries, whose keys keep the failure
    /// that was retried.
    pub short_circuited: u64,
    /// Why the breaker opened, while it is open or half-open.
    pub open_reason: Option<OpenReason>,
    /// Calls found slow: running or answered past the slow-call threshold.
    pub slow_calls: u64,
    /// Times the breaker opened (or reopened) because of failed calls.
    pub opened_by_failures: u64,
    /// Times the breaker opened (or reopened) because of slow calls.
    pub opened_by_slow_calls: u64,
}

/// The live counters behind [`UpstreamHealth`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    calls: AtomicU64,
    failures: AtomicU64,
    retries: AtomicU64,
    retries_refused_by_budget: AtomicU64,
    short_circuited: AtomicU64,
}

/// One countable event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// An upstream call was made.
    Call,
    /// A call failed against the upstream's health.
    Failure,
    /// A retry was made.
    Retry,
    /// The budget refused a retry.
    RetryRefused,
    /// The breaker refused a call.
    ShortCircuit,
}

impl Counters {
    /// Counts one `event`.
    pub(crate) fn count(&self, event: Event) {
        let counter = match event {
            Event::Call => &self.calls,
            Event::Failure => &self.failures,
            Event::Retry => &self.retries,
            Event::RetryRefused => &self.retries_refused_by_budget,
            Event::ShortCircuit => &self.short_circuited,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot, with the breaker's part filled in by the caller.
    pub(crate) fn snapshot(
        &self,
        breaker: BreakerState,
        consecutive_failures: u32,
    ) -> UpstreamHealth {
        UpstreamHealth {
            breaker,
            consecutive_failures,
            calls: self.calls.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            retries_refused_by_budget: self.retries_refused_by_budget.load(Ordering::Relaxed),
            short_circuited: self.short_circuited.load(Ordering::Relaxed),
            open_reason: None,
            slow_calls: 0,
            opened_by_failures: 0,
            opened_by_slow_calls: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_counts_in_its_own_counter() {
        let counters = Counters::default();
        for (event, times) in [
            (Event::Call, 5),
            (Event::Failure, 4),
            (Event::Retry, 3),
            (Event::RetryRefused, 2),
            (Event::ShortCircuit, 1),
        ] {
            for _ in 0..times {
                counters.count(event);
            }
        }
        assert_eq!(
            counters.snapshot(BreakerState::Open, 7),
            UpstreamHealth {
                breaker: BreakerState::Open,
                consecutive_failures: 7,
                calls: 5,
                failures: 4,
                retries: 3,
                retries_refused_by_budget: 2,
                short_circuited: 1,
                open_reason: None,
                slow_calls: 0,
                opened_by_failures: 0,
                opened_by_slow_calls: 0,
            }
        );
    }
}

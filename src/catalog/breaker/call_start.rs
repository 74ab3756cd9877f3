//! The wake-ups of one call: what the code making an upstream call tells the breaker
//! while the call runs (when it was sent, so its slow-call clock starts then and not
//! while it queues), and how it hears that the breaker opened for slow calls, so it
//! gives up at once instead of waiting out its deadline behind a hung upstream.

use std::time::Duration;

use tokio::sync::futures::Notified;
use tokio::time::Instant;

use super::{Breaker, Phase, instant_after};

/// What the code making a call tells the breaker while it runs: when it was sent,
/// and waits to hear that the breaker opened.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallStart<'a> {
    pub(super) breaker: &'a Breaker,
    pub(super) call: u64,
}

impl<'a> CallStart<'a> {
    /// The call goes out now: its slow-call clock starts.
    pub(crate) fn sent(&self, now: Instant) {
        self.breaker.lock().slow.sent(self.call, now);
    }

    /// Completes when the breaker opens for slow calls after this was called
    /// (create it before waiting, then check [`CallStart::is_open`], so no opening
    /// is missed).
    pub(crate) fn opened(&self) -> Notified<'a> {
        self.breaker.opened.notified()
    }

    /// Whether the breaker is open now (calls should not start).
    pub(crate) fn is_open(&self) -> bool {
        matches!(self.breaker.lock().phase, Phase::Open { .. })
    }

    /// When a call sent at `sent` becomes slow: it should look then
    /// ([`CallStart::look`]), since no other call may come to look for it.
    pub(crate) fn slow_at(&self, sent: Instant) -> Instant {
        instant_after(sent, self.breaker.settings.slow_call_threshold)
    }

    /// When an overdue call that looked at `now` should look again: a quarter
    /// threshold later (at least 10 ms), so a stall is seen soon after the
    /// upstream's last quick answer is a threshold old.
    pub(crate) fn look_again_at(&self, now: Instant) -> Instant {
        let quarter = self.breaker.settings.slow_call_threshold / 4;
        instant_after(now, quarter.max(Duration::from_millis(10)))
    }

    /// Counts the calls that became slow by `now`, which may open the breaker.
    pub(crate) fn look(&self, now: Instant) {
        self.breaker.state(now);
    }
}

//! The slow-call detector behind the breaker's two slow rules (the module doc of
//! [`super`] says when they open it): the calls in flight with when each was sent,
//! and whether the recent calls were slow. Kept apart from the state machine because
//! it only counts; the breaker decides what the counts mean for its phase.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// Calls past the slow-call threshold, while the upstream answers nothing quickly,
/// that make a stall: two, so one slow call never does.
pub(crate) const STALLED_CALLS: usize = 2;

/// How many slow-call thresholds one call alone must run, with nothing answered
/// quickly for as long, to make a stall: 3 (1.5 s by default), so a single call
/// that takes a second, which a working upstream may answer, opens nothing.
pub(crate) const LONE_CALL_THRESHOLDS: u32 = 3;

/// Calls in flight and whether the recent ones were slow.
#[derive(Debug)]
pub(super) struct SlowCalls {
    threshold: Duration,
    /// Calls sent and not yet answered: (call, sent at, already counted slow).
    running: Vec<Running>,
    /// The last calls' speeds, oldest first: `true` for slow.
    recent: VecDeque<bool>,
    /// When a call was last answered within the threshold.
    last_quick_answer: Option<Instant>,
    /// `true`s in `recent`.
    slow_in_recent: usize,
    capacity: usize,
}

#[derive(Clone, Copy, Debug)]
struct Running {
    call: u64,
    sent: Instant,
    counted_slow: bool,
}

impl SlowCalls {
    /// No call in flight; the speeds of the last `capacity` calls are kept.
    pub(super) fn new(threshold: Duration, capacity: usize) -> Self {
        SlowCalls {
            threshold,
            running: Vec::new(),
            recent: VecDeque::with_capacity(capacity),
            last_quick_answer: None,
            slow_in_recent: 0,
            capacity,
        }
    }

    /// A call was sent at `now`.
    pub(super) fn sent(&mut self, call: u64, now: Instant) {
        self.running.push(Running {
            call,
            sent: now,
            counted_slow: false,
        });
    }

    /// Marks running calls past the threshold as slow; returns how many were new.
    pub(super) fn count_overdue(&mut self, now: Instant) -> usize {
        let mut overdue = 0;
        for running in &mut self.running {
            if !running.counted_slow
                && now.saturating_duration_since(running.sent) >= self.threshold
            {
                running.counted_slow = true;
                overdue += 1;
            }
        }
        for _ in 0..overdue {
            self.push(true);
        }
        overdue
    }

    /// Whether the running calls make a stall: the upstream has answered no call
    /// within the threshold for a whole threshold (else the upstream is answering
    /// others, so slow calls are slow items, not a hang), and either
    /// [`STALLED_CALLS`] calls are past the threshold, or one call is past
    /// [`LONE_CALL_THRESHOLDS`] thresholds while nothing was answered quickly for that long. The lone
    /// call is the closed-loop case: clients answered together by one batch ask
    /// again together and land in one batch, so a hang holds one call.
    pub(super) fn stalled(&self, now: Instant) -> bool {
        let silence = self.last_quick_answer.map_or(Duration::MAX, |answer| {
            now.saturating_duration_since(answer)
        });
        if silence < self.threshold {
            return false;
        }
        let running_for = |running: &&Running| now.saturating_duration_since(running.sent);
        let overdue = self
            .running
            .iter()
            .filter(|running| running_for(running) >= self.threshold)
            .count();
        let lone = self.threshold.saturating_mul(LONE_CALL_THRESHOLDS);
        overdue >= STALLED_CALLS
            || (silence >= lone
                && self
                    .running
                    .iter()
                    .any(|running| running_for(&running) >= lone))
    }

    /// A call ended; when `judged`, its speed joins the recent calls (unless it
    /// already counted as slow while it ran). Returns whether it was newly found
    /// slow, or `None` when it was never sent.
    pub(super) fn finish(&mut self, call: u64, judged: bool, now: Instant) -> Option<bool> {
        let index = self
            .running
            .iter()
            .position(|running| running.call == call)?;
        let running = self.running.swap_remove(index);
        if running.counted_slow || !judged {
            return Some(false);
        }
        let slow = now.saturating_duration_since(running.sent) >= self.threshold;
        if !slow {
            self.last_quick_answer = Some(now);
        }
        self.push(slow);
        Some(slow)
    }

    fn push(&mut self, slow: bool) {
        if self.recent.len() == self.capacity && self.recent.pop_front() == Some(true) {
            self.slow_in_recent -= 1;
        }
        self.recent.push_back(slow);
        self.slow_in_recent += usize::from(slow);
    }

    /// Whether `rate` of the recent calls were slow, once half the window is known.
    pub(super) fn rate_reached(&self, rate: f64) -> bool {
        self.recent.len() * 2 >= self.capacity
            && self.slow_in_recent as f64 >= rate * self.recent.len() as f64
    }

    pub(super) fn clear_recent(&mut self) {
        self.recent.clear();
        self.slow_in_recent = 0;
    }
}

//! The circuit breaker on the upstream: stops calling an upstream that is down or
//! hung, so lookups fail at once with `UPSTREAM_UNAVAILABLE` (or are served stale
//! from the cache) instead of each waiting out timeouts, and the upstream gets room
//! to recover.
//!
//! ```text
//! Closed --(run of failure_threshold failures, failure_rate over the window,
//!           or slow_call_rate of the recent calls slow)--> Open
//! Open --(open_for passed; the next call is the one probe)--> HalfOpen
//! HalfOpen --(probe answers)--> Closed
//! HalfOpen --(probe fails, or runs past the slow-call threshold)--> Open
//! ```
//!
//! Every upstream call (first attempts and retries alike) asks [`Breaker::admit`]
//! for a [`Permit`] and reports its outcome through it. While open, and while a
//! half-open probe is in flight, no permit is given. What counts as a failure is
//! `fault`'s table. A permit dropped without an outcome (the caller gave up) frees
//! the probe slot, so a cancelled probe cannot leave the breaker stuck.
//!
//! **Slow calls.** A hung upstream (connections accepted, nothing answered) fails
//! no call until the per-call timeout, and the batcher turns a burst of lookups
//! into a few calls, so counting failures alone takes many timeouts to open. So a
//! call that runs past `slow_call_threshold` counts as slow *while it runs*, from
//! the moment it crosses the threshold (the call itself wakes up then and looks,
//! as do `admit` and `state`), not when it ends. Two rules open the breaker:
//!
//! - **stall**: [`STALLED_CALLS`](slow_calls::STALLED_CALLS) calls are past the
//!   threshold (or one call past
//!   [`LONE_CALL_THRESHOLDS`](slow_calls::LONE_CALL_THRESHOLDS) thresholds) and
//!   the upstream has answered no call within the threshold for as long. That is a hang, seen one or two thresholds after it
//!   begins even when every client waits on the same few calls, or on one batch,
//!   and no new call is made (overdue calls keep looking); slow calls while
//!   others are answered never open it, nor does one call answered within
//!   three thresholds.
//! - **rate**: `slow_call_rate` of the last `slow_call_window` calls were slow
//!   (resilience4j's `slowCallRateThreshold`, over a count-based window, with
//!   in-flight calls counted): an upstream that answers, but very slowly.
//!
//! The clock of a call starts when it is sent
//! ([`CallStart::sent`]), not while it queues for a connection slot, so an upstream
//! that is merely busy is not mistaken for a hung one. When the breaker opens,
//! [`CallStart::opened`] wakes every call still queued or running, which gives
//! up at once: nothing waits out a deadline behind a hung upstream. (Opened by
//! failures, it wakes none: calls already sent may still be answered.)
//!
//! State sits behind a std `Mutex`, held for a few comparisons and never across
//! `.await`. Time is passed in, so the state machine is tested without a clock.
//!
//! Files: this one is the state machine (phases, permits, the failure rules);
//! `slow_calls` counts the calls in flight and the recent calls' speed for the two
//! slow rules; `call_start` is what a running call reports and waits on.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

mod call_start;
mod slow_calls;
#[cfg(test)]
mod tests;

use super::rolling_window::RollingWindow;
pub(crate) use call_start::CallStart;
use slow_calls::SlowCalls;

/// When the breaker opens and for how long.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerSettings {
    /// Consecutive failed calls that open the breaker (default 5); at least 1.
    pub failure_threshold: u32,
    /// Share of failed calls over `window` that opens the breaker (default 0.5),
    /// in `(0, 1]`; catches an upstream failing often but not in a row.
    pub failure_rate: f64,
    /// Calls in `window` before `failure_rate` counts (default 20), so two
    /// failures out of three calls on a quiet gateway do not open it.
    /// `u32::MAX` turns the rate off.
    pub min_calls: u32,
    /// The rolling window of `failure_rate` (default 10 s).
    pub window: Duration,
    /// How long the breaker stays open before it lets one probe through
    /// (default 5 s).
    pub open_for: Duration,
    /// A call still running, or answered, after this long is slow (default
    /// 500 ms: a person at a till notices half a second; a working upstream
    /// answers in tens of milliseconds, and one that takes 200 ms is still fine).
    pub slow_call_threshold: Duration,
    /// Share of slow calls among the last `slow_call_window` calls that opens the
    /// breaker (default 0.5), in `(0, 1]`.
    pub slow_call_rate: f64,
    /// How many of the most recent calls the slow-call rate is judged over
    /// (default 20); it counts once half of them are known, so one slow call on
    /// a quiet gateway never opens the breaker. At least 2.
    pub slow_call_window: u32,
}

impl BreakerSettings {
    /// Default [`failure_threshold`](Self::failure_threshold).
    pub const DEFAULT_FAILURE_THRESHOLD: u32 = 5;
    /// Default [`failure_rate`](Self::failure_rate).
    pub const DEFAULT_FAILURE_RATE: f64 = 0.5;
    /// Default [`min_calls`](Self::min_calls).
    pub const DEFAULT_MIN_CALLS: u32 = 20;
    /// Default [`window`](Self::window).
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(10);
    /// Default [`open_for`](Self::open_for).
    pub const DEFAULT_OPEN_FOR: Duration = Duration::from_secs(5);
    /// Default [`slow_call_threshold`](Self::slow_call_threshold).
    pub const DEFAULT_SLOW_CALL_THRESHOLD: Duration = Duration::from_millis(500);
    /// Default [`slow_call_rate`](Self::slow_call_rate).
    pub const DEFAULT_SLOW_CALL_RATE: f64 = 0.5;
    /// Default [`slow_call_window`](Self::slow_call_window).
    pub const DEFAULT_SLOW_CALL_WINDOW: u32 = 20;
}

impl Default for BreakerSettings {
    /// Open after 5 failures in a row, 50 % of at least 20 calls in 10 s failed,
    /// or 50 % of the last 20 calls slower than 500 ms; stay open 5 s.
    fn default() -> Self {
        BreakerSettings {
            failure_threshold: Self::DEFAULT_FAILURE_THRESHOLD,
            failure_rate: Self::DEFAULT_FAILURE_RATE,
            min_calls: Self::DEFAULT_MIN_CALLS,
            window: Self::DEFAULT_WINDOW,
            open_for: Self::DEFAULT_OPEN_FOR,
            slow_call_threshold: Self::DEFAULT_SLOW_CALL_THRESHOLD,
            slow_call_rate: Self::DEFAULT_SLOW_CALL_RATE,
            slow_call_window: Self::DEFAULT_SLOW_CALL_WINDOW,
        }
    }
}

/// The breaker's state, as reported by [`UpstreamHealth`](super::UpstreamHealth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls go through; outcomes are counted.
    Closed,
    /// Calls fail at once without reaching the upstream.
    Open,
    /// One probe call may go through (or is in flight); its outcome closes or
    /// reopens the breaker.
    HalfOpen,
}

impl BreakerState {
    /// `"closed"`, `"open"` or `"half_open"`: for `/readyz` and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

impl std::fmt::Display for BreakerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the breaker last opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpenReason {
    /// Failed calls: a run of them, or their rate.
    Failures,
    /// Calls running or answered past the slow-call threshold (a hung or very
    /// slow upstream).
    SlowCalls,
}

impl OpenReason {
    /// `"failures"` or `"slow_calls"`: for `/readyz`, logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            OpenReason::Failures => "failures",
            OpenReason::SlowCalls => "slow_calls",
        }
    }
}

/// How one call went, for the breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The upstream answered (even if the answer broke the contract).
    Success,
    /// The upstream failed (timeout, transport, 5xx).
    Failure,
    /// Says nothing about the upstream (the gateway's own deadline cut it short,
    /// or the breaker opened while it waited).
    Neutral,
}

/// What the breaker has counted since it was made, for `/readyz` and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BreakerCounts {
    /// Calls found slow (running or answered past the threshold).
    pub(crate) slow_calls: u64,
    /// Times it opened (or reopened) because of failures.
    pub(crate) opened_by_failures: u64,
    /// Times it opened (or reopened) because of slow calls.
    pub(crate) opened_by_slow_calls: u64,
}

/// A circuit breaker shared by every call of one client.
#[derive(Debug)]
pub(crate) struct Breaker {
    settings: BreakerSettings,
    inner: Mutex<Inner>,
    /// Woken when the breaker opens, so queued and running calls give up.
    opened: Notify,
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    /// Failures since the last success.
    consecutive_failures: u32,
    /// Outcomes of calls made while closed, for the failure rate.
    window: RollingWindow,
    /// Calls sent and not yet answered, and the recent calls' speed.
    slow: SlowCalls,
    /// Why the breaker last opened; kept until it closes.
    reason: Option<OpenReason>,
    /// Permits handed out, to name each call.
    next_call: u64,
    counts: BreakerCounts,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Closed,
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// A state change worth a log line, logged after the lock is released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transition {
    Opened(OpenReason),
    Reopened(OpenReason),
    Closed,
}

/// Leave to make one upstream call; report the outcome with [`Permit::record`].
#[derive(Debug)]
#[must_use = "a permit reports the outcome of the call it was given for"]
pub(crate) struct Permit<'a> {
    breaker: &'a Breaker,
    /// Names this call among the running ones.
    call: u64,
    /// This call is the half-open probe.
    probe: bool,
    /// The outcome was recorded (a drop without one frees the probe slot).
    recorded: bool,
}

impl Breaker {
    /// A closed breaker.
    pub(crate) fn new(settings: BreakerSettings, now: Instant) -> Self {
        let window = RollingWindow::new(settings.window, now);
        let capacity = settings.slow_call_window.max(2) as usize;
        Breaker {
            inner: Mutex::new(Inner {
                phase: Phase::Closed,
                consecutive_failures: 0,
                window,
                slow: SlowCalls::new(settings.slow_call_threshold, capacity),
                reason: None,
                next_call: 0,
                counts: BreakerCounts::default(),
            }),
            settings,
            opened: Notify::new(),
        }
    }

    /// Leave for one call, or `None` when the call must fail fast (open, or a
    /// half-open probe is already in flight).
    pub(crate) fn admit(&self, now: Instant) -> Option<Permit<'_>> {
        let (permit, transition) = {
            let mut inner = self.lock();
            let transition = inner.look_at_running(&self.settings, now);
            let probe = match inner.phase {
                Phase::Closed => Some(false),
                Phase::Open { until } if now < until => None,
                Phase::HalfOpen { probing: true } => None,
                // open_for has passed (or a probe was abandoned): this call probes.
                Phase::Open { .. } | Phase::HalfOpen { probing: false } => {
                    inner.phase = Phase::HalfOpen { probing: true };
                    Some(true)
                }
            };
            let permit = probe.map(|probe| {
                inner.next_call = inner.next_call.wrapping_add(1);
                Permit {
                    breaker: self,
                    call: inner.next_call,
                    probe,
                    recorded: false,
                }
            });
            (permit, transition)
        };
        self.announce(transition);
        permit
    }

    /// The state at `now`: an open breaker whose `open_for` has passed reports
    /// half-open, since its next call is a probe. Looking counts calls that have
    /// been running too long, which may open the breaker.
    pub(crate) fn state(&self, now: Instant) -> BreakerState {
        let (state, transition) = {
            let mut inner = self.lock();
            let transition = inner.look_at_running(&self.settings, now);
            let state = match inner.phase {
                Phase::Closed => BreakerState::Closed,
                Phase::Open { until } if now < until => BreakerState::Open,
                Phase::Open { .. } | Phase::HalfOpen { .. } => BreakerState::HalfOpen,
            };
            (state, transition)
        };
        self.announce(transition);
        state
    }

    /// Failed calls since the last successful one.
    pub(crate) fn consecutive_failures(&self) -> u32 {
        self.lock().consecutive_failures
    }

    /// Why the breaker opened, while it is not closed.
    pub(crate) fn open_reason(&self) -> Option<OpenReason> {
        self.lock().reason
    }

    /// What the breaker has counted.
    pub(crate) fn counts(&self) -> BreakerCounts {
        self.lock().counts
    }

    fn record(&self, permit: &Permit<'_>, verdict: Verdict, now: Instant) {
        let transition = {
            let mut inner = self.lock();
            let slow = inner
                .slow
                .finish(permit.call, verdict != Verdict::Neutral, now);
            if slow == Some(true) {
                inner.counts.slow_calls += 1;
            }
            inner
                .settle(&self.settings, permit.probe, verdict, now)
                .or_else(|| inner.open_if_slow(&self.settings, now))
        };
        self.announce(transition);
    }

    /// A permit dropped without an outcome: forget its call, and let the next
    /// call probe if it was the probe.
    fn abandon(&self, permit: &Permit<'_>) {
        let mut inner = self.lock();
        inner.slow.finish(permit.call, false, Instant::now());
        if permit.probe && inner.phase == (Phase::HalfOpen { probing: true }) {
            inner.phase = Phase::HalfOpen { probing: false };
        }
    }

    /// Logs a state change and wakes the calls waiting on an opening.
    fn announce(&self, transition: Option<Transition>) {
        let open_for_ms = millis(self.settings.open_for);
        match transition {
            Some(Transition::Opened(reason)) => {
                self.wake_waiting_calls(reason);
                tracing::warn!(
                    reason = reason.as_str(),
                    open_for_ms,
                    "upstream circuit breaker opened: failing fast"
                );
            }
            Some(Transition::Reopened(reason)) => {
                self.wake_waiting_calls(reason);
                tracing::warn!(
                    reason = reason.as_str(),
                    open_for_ms,
                    "upstream circuit breaker probe failed: open again"
                );
            }
            Some(Transition::Closed) => {
                tracing::info!("upstream circuit breaker probe succeeded: closed")
            }
            None => {}
        }
    }

    /// On a hang, the calls queued or sent give up at once rather than wait out
    /// their deadline. Opened by failures, calls already sent may still be
    /// answered: they run on (later ones are refused as usual).
    fn wake_waiting_calls(&self, reason: OpenReason) {
        if reason == OpenReason::SlowCalls {
            self.opened.notify_waiters();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while the lock is held, so a poisoned state is still
        // consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    /// Applies one outcome; returns the state change it caused, if any.
    fn settle(
        &mut self,
        settings: &BreakerSettings,
        probe: bool,
        verdict: Verdict,
        now: Instant,
    ) -> Option<Transition> {
        match verdict {
            Verdict::Success => self.consecutive_failures = 0,
            Verdict::Failure => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1)
            }
            Verdict::Neutral => {}
        }
        if probe {
            // A probe already counted slow has reopened the breaker: only its
            // answer still matters (the upstream answers again).
            let probing = self.phase == (Phase::HalfOpen { probing: true });
            return match verdict {
                Verdict::Success => {
                    self.phase = Phase::Closed;
                    self.reason = None;
                    // The upstream is back: judge it on calls from now on.
                    self.window.clear();
                    self.slow.clear_recent();
                    Some(Transition::Closed)
                }
                Verdict::Failure if probing => {
                    Some(self.open(settings, OpenReason::Failures, now, true))
                }
                Verdict::Neutral if probing => {
                    self.phase = Phase::HalfOpen { probing: false };
                    None
                }
                Verdict::Failure | Verdict::Neutral => None,
            };
        }
        // Outcomes of calls let through before the breaker opened say nothing the
        // open breaker (or its probe) does not already decide.
        if self.phase != Phase::Closed || verdict == Verdict::Neutral {
            return None;
        }
        self.window.record(verdict == Verdict::Failure, now);
        if verdict == Verdict::Failure && self.should_open(settings, now) {
            return Some(self.open(settings, OpenReason::Failures, now, false));
        }
        None
    }

    /// Counts calls that have run past the threshold since the last look, and
    /// opens the breaker if they make a stall or tip the slow-call rate (or the
    /// probe hangs).
    fn look_at_running(&mut self, settings: &BreakerSettings, now: Instant) -> Option<Transition> {
        let newly_slow = self.slow.count_overdue(now);
        self.counts.slow_calls += newly_slow as u64;
        if newly_slow > 0 && self.phase == (Phase::HalfOpen { probing: true }) {
            // Only the probe runs while half-open: it is hanging too.
            return Some(self.open(settings, OpenReason::SlowCalls, now, true));
        }
        if self.slow.stalled(now) && self.phase == Phase::Closed {
            return Some(self.open(settings, OpenReason::SlowCalls, now, false));
        }
        self.open_if_slow(settings, now)
    }

    fn open_if_slow(&mut self, settings: &BreakerSettings, now: Instant) -> Option<Transition> {
        (self.phase == Phase::Closed && self.slow.rate_reached(settings.slow_call_rate))
            .then(|| self.open(settings, OpenReason::SlowCalls, now, false))
    }

    fn open(
        &mut self,
        settings: &BreakerSettings,
        reason: OpenReason,
        now: Instant,
        again: bool,
    ) -> Transition {
        self.phase = Phase::Open {
            until: instant_after(now, settings.open_for),
        };
        self.reason = Some(reason);
        match reason {
            OpenReason::Failures => self.counts.opened_by_failures += 1,
            OpenReason::SlowCalls => self.counts.opened_by_slow_calls += 1,
        }
        if again {
            Transition::Reopened(reason)
        } else {
            Transition::Opened(reason)
        }
    }

    fn should_open(&mut self, settings: &BreakerSettings, now: Instant) -> bool {
        if self.consecutive_failures >= settings.failure_threshold {
            return true;
        }
        let (calls, failures) = self.window.totals(now);
        calls >= u64::from(settings.min_calls)
            && failures as f64 >= settings.failure_rate * calls as f64
    }
}

impl<'a> Permit<'a> {
    /// The handle the call reports its sending through.
    pub(crate) fn start(&self) -> CallStart<'a> {
        CallStart {
            breaker: self.breaker,
            call: self.call,
        }
    }

    /// Reports how the call went.
    pub(crate) fn record(mut self, verdict: Verdict, now: Instant) {
        self.recorded = true;
        self.breaker.record(&self, verdict, now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            self.breaker.abandon(self);
        }
    }
}

/// `now + duration`, saturating to a year (then to `now`) instead of panicking on
/// an absurd duration.
fn instant_after(now: Instant, duration: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    now.checked_add(duration.min(YEAR)).unwrap_or(now)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

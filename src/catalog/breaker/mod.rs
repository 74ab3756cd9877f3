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
//! - **stall**: [`STALLED_CALLS`] calls are past the threshold (or one call past
//!   [`LONE_CALL_THRESHOLDS`] thresholds) and the upstream has answered no call within the
//!   threshold for as long. That is a hang, seen one or two thresholds after it
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

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::futures::Notified;
use tokio::time::Instant;

use super::rolling_window::RollingWindow;

/// Calls past the slow-call threshold, while the upstream answers nothing quickly,
/// that make a stall: two, so one slow call never does.
pub(crate) const STALLED_CALLS: usize = 2;

/// How many slow-call thresholds one call alone must run, with nothing answered
/// quickly for as long, to make a stall: 3 (1.5 s by default), so a single call
/// that takes a second, which a working upstream may answer, opens nothing.
pub(crate) const LONE_CALL_THRESHOLDS: u32 = 3;

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

/// Calls in flight and whether the recent ones were slow.
#[derive(Debug)]
struct SlowCalls {
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

/// What the code making a call tells the breaker while it runs: when it was sent,
/// and waits to hear that the breaker opened.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallStart<'a> {
    breaker: &'a Breaker,
    call: u64,
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
                slow: SlowCalls {
                    threshold: settings.slow_call_threshold,
                    running: Vec::new(),
                    recent: VecDeque::with_capacity(capacity),
                    last_quick_answer: None,
                    slow_in_recent: 0,
                    capacity,
                },
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

impl SlowCalls {
    /// A call was sent at `now`.
    fn sent(&mut self, call: u64, now: Instant) {
        self.running.push(Running {
            call,
            sent: now,
            counted_slow: false,
        });
    }

    /// Marks running calls past the threshold as slow; returns how many were new.
    fn count_overdue(&mut self, now: Instant) -> usize {
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
    fn stalled(&self, now: Instant) -> bool {
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
    fn finish(&mut self, call: u64, judged: bool, now: Instant) -> Option<bool> {
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
    fn rate_reached(&self, rate: f64) -> bool {
        self.recent.len() * 2 >= self.capacity
            && self.slow_in_recent as f64 >= rate * self.recent.len() as f64
    }

    fn clear_recent(&mut self) {
        self.recent.clear();
        self.slow_in_recent = 0;
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

/// `now + duration`, saturating to a year (then to `now`) instead of panicking on
/// an absurd duration.
fn instant_after(now: Instant, duration: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    now.checked_add(duration.min(YEAR)).unwrap_or(now)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn settings() -> BreakerSettings {
        BreakerSettings {
            failure_threshold: 3,
            failure_rate: 0.5,
            min_calls: 10,
            window: Duration::from_secs(10),
            open_for: 100 * MS,
            slow_call_threshold: 500 * MS,
            slow_call_rate: 0.5,
            slow_call_window: 10,
        }
    }

    /// Makes one call with `verdict`; `false` when it was refused.
    fn call(breaker: &Breaker, verdict: Verdict, now: Instant) -> bool {
        match breaker.admit(now) {
            Some(permit) => {
                permit.record(verdict, now);
                true
            }
            None => false,
        }
    }

    /// A breaker opened by a run of failures at `start`.
    fn opened(start: Instant) -> Breaker {
        let breaker = Breaker::new(settings(), start);
        for _ in 0..3 {
            assert!(call(&breaker, Verdict::Failure, start));
        }
        assert_eq!(breaker.state(start), BreakerState::Open);
        breaker
    }

    #[test]
    fn the_defaults_are_5_in_a_row_or_half_of_20_calls_in_10_s_and_5_s_open() {
        let defaults = BreakerSettings::default();
        assert_eq!(defaults.failure_threshold, 5);
        assert!((defaults.failure_rate - 0.5).abs() < f64::EPSILON);
        assert_eq!(defaults.min_calls, 20);
        assert_eq!(defaults.window, Duration::from_secs(10));
        assert_eq!(defaults.open_for, Duration::from_secs(5));
    }

    #[test]
    fn states_read_as_closed_open_and_half_open() {
        assert_eq!(BreakerState::Closed.as_str(), "closed");
        assert_eq!(BreakerState::Open.as_str(), "open");
        assert_eq!(BreakerState::HalfOpen.to_string(), "half_open");
    }

    #[test]
    fn a_new_breaker_is_closed_and_lets_calls_through() {
        let now = Instant::now();
        let breaker = Breaker::new(settings(), now);
        assert_eq!(breaker.state(now), BreakerState::Closed);
        assert!(call(&breaker, Verdict::Success, now));
    }

    #[test]
    fn a_run_of_failures_opens_the_breaker_and_it_refuses_calls() {
        let now = Instant::now();
        let breaker = Breaker::new(settings(), now);
        assert!(call(&breaker, Verdict::Failure, now));
        assert!(call(&breaker, Verdict::Failure, now));
        assert_eq!(breaker.state(now), BreakerState::Closed);
        assert_eq!(breaker.consecutive_failures(), 2);
        assert!(call(&breaker, Verdict::Failure, now));
        assert_eq!(breaker.state(now), BreakerState::Open);
        assert!(!call(&breaker, Verdict::Success, now + 99 * MS));
    }

    #[test]
    fn a_success_breaks_the_run_of_failures() {
        let now = Instant::now();
        let breaker = Breaker::new(settings(), now);
        for verdict in [Verdict::Failure, Verdict::Failure, Verdict::Success] {
            assert!(call(&breaker, verdict, now));
        }
        assert_eq!(breaker.consecutive_failures(), 0);
        assert!(call(&breaker, Verdict::Failure, now));
        assert!(call(&breaker, Verdict::Failure, now));
        assert_eq!(breaker.state(now), BreakerState::Closed);
    }

    #[test]
    fn a_failure_rate_over_the_minimum_calls_opens_the_breaker_without_a_run() {
        let now = Instant::now();
        let breaker = Breaker::new(settings(), now);
        // Alternating: never two failures in a row, half of them failed.
        for n in 0..9 {
            let verdict = if n % 2 == 0 {
                Verdict::Success
            } else {
                Verdict::Failure
            };
            assert!(call(&breaker, verdict, now));
            assert_eq!(breaker.state(now), BreakerState::Closed, "after {n}");
        }
        assert!(call(&breaker, Verdict::Failure, now)); // 10 calls, 5 failed
        assert_eq!(breaker.state(now), BreakerState::Open);
    }

    #[test]
    fn the_failure_rate_does_not_count_below_the_minimum_calls() {
        let now = Instant::now();
        let breaker = Breaker::new(settings(), now);
        for verdict in [Verdict::Failure, Verdict::Success, Verdict::Failure] {
            assert!(call(&breaker, verdict, now));
        }
        assert_eq!(breaker.state(now), BreakerState::Closed, "2 of 3 failed");
    }

    #[test]
    fn failures_older_than_the_window_do_not_count_towards_the_rate() {
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        for _ in 0..4 {
            assert!(call(&breaker, Verdict::Failure, start));
            assert!(call(&breaker, Verdict::Success, start));
        }
        let later = start + Duration::from_secs(20);
        assert!(call(&breaker, Verdict::Success, later));
        assert!(call(&breaker, Verdict::Failure, later));
        assert_eq!(breaker.state(later), BreakerState::Closed);
    }

    #[test]
    fn neutral_outcomes_neither_open_nor_count() {
        let now = Instant::now();
        let breaker = Breaker::new(settings(), now);
        for _ in 0..50 {
            assert!(call(&breaker, Verdict::Neutral, now));
        }
        assert_eq!(breaker.state(now), BreakerState::Closed);
        assert_eq!(breaker.consecutive_failures(), 0);
    }

    #[test]
    fn after_open_for_the_breaker_is_half_open_and_lets_exactly_one_probe_through() {
        let start = Instant::now();
        let breaker = opened(start);
        let later = start + 100 * MS;
        assert_eq!(breaker.state(later), BreakerState::HalfOpen);

        let probe = breaker.admit(later);
        assert!(probe.is_some());
        assert!(breaker.admit(later).is_none(), "a second probe");
        assert!(breaker.admit(later + 50 * MS).is_none(), "a second probe");
        assert_eq!(breaker.state(later), BreakerState::HalfOpen);
        drop(probe);
    }

    #[test]
    fn a_successful_probe_closes_the_breaker() {
        let start = Instant::now();
        let breaker = opened(start);
        let later = start + 100 * MS;
        assert!(call(&breaker, Verdict::Success, later));
        assert_eq!(breaker.state(later), BreakerState::Closed);
        assert_eq!(breaker.consecutive_failures(), 0);
        assert!(call(&breaker, Verdict::Failure, later));
        assert!(call(&breaker, Verdict::Success, later), "closed again");
    }

    #[test]
    fn a_failed_probe_opens_the_breaker_for_another_open_for() {
        let start = Instant::now();
        let breaker = opened(start);
        let probe_at = start + 100 * MS;
        assert!(call(&breaker, Verdict::Failure, probe_at));
        assert_eq!(breaker.state(probe_at), BreakerState::Open);
        assert!(!call(&breaker, Verdict::Success, probe_at + 99 * MS));
        assert!(call(&breaker, Verdict::Success, probe_at + 100 * MS));
        assert_eq!(breaker.state(probe_at + 100 * MS), BreakerState::Closed);
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_call_probe() {
        let start = Instant::now();
        let breaker = opened(start);
        let later = start + 100 * MS;
        let probe = breaker.admit(later);
        assert!(probe.is_some());
        drop(probe); // the caller gave up before an outcome
        assert!(call(&breaker, Verdict::Success, later));
        assert_eq!(breaker.state(later), BreakerState::Closed);
    }

    #[test]
    fn a_neutral_probe_leaves_the_breaker_half_open_for_another_probe() {
        let start = Instant::now();
        let breaker = opened(start);
        let later = start + 100 * MS;
        assert!(call(&breaker, Verdict::Neutral, later));
        assert_eq!(breaker.state(later), BreakerState::HalfOpen);
        assert!(call(&breaker, Verdict::Success, later));
        assert_eq!(breaker.state(later), BreakerState::Closed);
    }

    #[test]
    fn late_outcomes_of_calls_admitted_before_opening_change_nothing() {
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        let late = breaker.admit(start);
        assert!(late.is_some());
        for _ in 0..3 {
            assert!(call(&breaker, Verdict::Failure, start));
        }
        if let Some(late) = late {
            late.record(Verdict::Success, start);
        }
        assert_eq!(breaker.state(start), BreakerState::Open);
    }

    /// Sends `count` calls at `at`; answers their permits (still running).
    fn send(breaker: &Breaker, count: usize, at: Instant) -> Vec<Permit<'_>> {
        (0..count)
            .map(|_| {
                let permit = breaker.admit(at).expect("closed");
                permit.start().sent(at);
                permit
            })
            .collect()
    }

    /// One call sent at `at` and answered `took` later with `verdict`.
    fn timed_call(breaker: &Breaker, verdict: Verdict, at: Instant, took: Duration) {
        let permit = breaker.admit(at).expect("admitted");
        permit.start().sent(at);
        permit.record(verdict, at + took);
    }

    #[test]
    fn the_slow_call_defaults_are_half_of_the_last_20_calls_over_500_ms() {
        let defaults = BreakerSettings::default();
        assert_eq!(defaults.slow_call_threshold, 500 * MS);
        assert!((defaults.slow_call_rate - 0.5).abs() < f64::EPSILON);
        assert_eq!(defaults.slow_call_window, 20);
    }

    #[test]
    fn calls_running_past_the_threshold_open_the_breaker_before_they_end() {
        // Arrange: the upstream hangs; five calls are in flight.
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        let running = send(&breaker, 5, start);

        // Act / Assert: just under the threshold nothing is known yet...
        assert_eq!(breaker.state(start + 499 * MS), BreakerState::Closed);
        // ...at the threshold all five count as slow, and the breaker opens.
        assert_eq!(breaker.state(start + 500 * MS), BreakerState::Open);
        assert_eq!(breaker.open_reason(), Some(OpenReason::SlowCalls));
        assert!(breaker.admit(start + 501 * MS).is_none());
        let counts = breaker.counts();
        assert_eq!((counts.slow_calls, counts.opened_by_slow_calls), (5, 1));
        drop(running);
    }

    #[test]
    fn one_slow_call_among_fast_ones_does_not_open_the_breaker() {
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        for n in 0..9 {
            timed_call(&breaker, Verdict::Success, start + n * MS, 20 * MS);
        }
        timed_call(&breaker, Verdict::Success, start, Duration::from_secs(2));

        assert_eq!(
            breaker.state(start + Duration::from_secs(3)),
            BreakerState::Closed
        );
        assert_eq!(breaker.counts().slow_calls, 1);
    }

    #[test]
    fn an_upstream_slow_but_under_the_threshold_never_opens_the_breaker() {
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        for n in 0..200 {
            let at = start + n * 10 * MS;
            let running = send(&breaker, 3, at);
            assert_eq!(breaker.state(at + 200 * MS), BreakerState::Closed);
            for permit in running {
                permit.record(Verdict::Success, at + 200 * MS);
            }
        }
        assert_eq!(breaker.counts().slow_calls, 0);
    }

    #[test]
    fn calls_queued_before_they_are_sent_are_not_slow() {
        // Admitted but waiting for a connection slot: no clock runs yet.
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        let queued: Vec<_> = (0..10).map(|_| breaker.admit(start)).collect();

        assert_eq!(
            breaker.state(start + Duration::from_secs(5)),
            BreakerState::Closed
        );
        drop(queued);
    }

    #[test]
    fn an_abandoned_call_is_forgotten_and_never_counts_slow() {
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        drop(send(&breaker, 10, start));

        assert_eq!(
            breaker.state(start + Duration::from_secs(5)),
            BreakerState::Closed
        );
        assert_eq!(breaker.counts().slow_calls, 0);
    }

    #[test]
    fn a_hanging_probe_reopens_the_breaker_and_an_answering_one_closes_it() {
        // Arrange: opened by slow calls.
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        let hung = send(&breaker, 5, start);
        assert_eq!(breaker.state(start + 500 * MS), BreakerState::Open);
        drop(hung);

        // Act: the first probe hangs past the threshold.
        let probe_at = start + 600 * MS;
        let probe = breaker.admit(probe_at).expect("probe");
        probe.start().sent(probe_at);
        let reopened = breaker.state(probe_at + 500 * MS);
        probe.record(Verdict::Failure, probe_at + Duration::from_secs(2));

        // Assert: open again at once, not when the probe timed out.
        assert_eq!(reopened, BreakerState::Open);
        assert_eq!(breaker.counts().opened_by_slow_calls, 2);
        assert_eq!(
            breaker.counts().opened_by_failures,
            0,
            "its late failure is not counted again"
        );
        // The next probe is answered: traffic is back.
        let next = probe_at + 500 * MS + 100 * MS;
        timed_call(&breaker, Verdict::Success, next, 10 * MS);
        assert_eq!(breaker.state(next + 10 * MS), BreakerState::Closed);
        assert_eq!(breaker.open_reason(), None);
    }

    #[tokio::test]
    async fn opening_for_slow_calls_wakes_the_calls_waiting_and_for_failures_does_not() {
        let start = Instant::now();
        let by_failures = Breaker::new(settings(), start);
        let waiting = by_failures.admit(start).expect("closed");
        let not_woken = waiting.start().opened();
        for _ in 0..3 {
            assert!(call(&by_failures, Verdict::Failure, start));
        }
        let by_slow_calls = Breaker::new(settings(), start);
        let hung = send(&by_slow_calls, 2, start);
        let woken = hung[0].start().opened();
        assert_eq!(by_slow_calls.state(start + 500 * MS), BreakerState::Open);

        tokio::time::timeout(Duration::from_secs(1), woken)
            .await
            .expect("woken when the breaker opened for slow calls");
        assert!(
            tokio::time::timeout(50 * MS, not_woken).await.is_err(),
            "opened by failures: sent calls may still be answered"
        );
        assert!(waiting.start().is_open());
    }

    #[test]
    fn two_calls_hanging_with_no_quick_answer_since_are_a_stall() {
        // Every client waits on the same two calls: no other call is made.
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        timed_call(&breaker, Verdict::Success, start, 5 * MS);
        let hung = send(&breaker, 2, start + 10 * MS);

        assert_eq!(breaker.state(start + 509 * MS), BreakerState::Closed);
        assert_eq!(breaker.state(start + 510 * MS), BreakerState::Open);
        assert_eq!(breaker.open_reason(), Some(OpenReason::SlowCalls));
        drop(hung);
    }

    #[test]
    fn slow_calls_while_others_are_answered_quickly_are_no_stall() {
        // Two items are slow upstream; the rest of the traffic flows.
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        let slow = send(&breaker, 2, start);
        for n in 1..=20 {
            let at = start + n * 100 * MS;
            timed_call(&breaker, Verdict::Success, at, 5 * MS);
            assert_eq!(
                breaker.state(at + 50 * MS),
                BreakerState::Closed,
                "at {n}00 ms"
            );
        }

        drop(slow);
    }

    #[test]
    fn one_call_hanging_alone_is_a_stall_only_past_three_thresholds() {
        // Closed-loop clients answered by one batch ask again together: one call.
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        timed_call(&breaker, Verdict::Success, start, 5 * MS);
        let hung = send(&breaker, 1, start + 10 * MS);

        assert_eq!(breaker.state(start + 1509 * MS), BreakerState::Closed);
        assert_eq!(breaker.state(start + 1510 * MS), BreakerState::Open);
        assert_eq!(breaker.open_reason(), Some(OpenReason::SlowCalls));
        drop(hung);
    }

    #[test]
    fn one_slow_call_answered_within_three_thresholds_opens_nothing() {
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        let slow = breaker.admit(start).expect("closed");
        slow.start().sent(start);
        assert_eq!(breaker.state(start + 1400 * MS), BreakerState::Closed);
        slow.record(Verdict::Success, start + 1450 * MS);

        assert_eq!(breaker.state(start + 2000 * MS), BreakerState::Closed);
    }

    #[test]
    fn a_stall_is_seen_when_the_second_call_passes_the_threshold() {
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        timed_call(&breaker, Verdict::Success, start, 5 * MS);
        let first = send(&breaker, 1, start + 10 * MS);
        let second = send(&breaker, 1, start + 60 * MS);

        assert_eq!(breaker.state(start + 510 * MS), BreakerState::Closed);
        assert_eq!(breaker.state(start + 560 * MS), BreakerState::Open);
        drop((first, second));
    }

    #[test]
    fn a_stall_is_seen_on_a_later_look_once_the_upstream_has_been_silent_long_enough() {
        // Both calls pass the threshold before the last quick answer is a
        // threshold old; only a later look (nothing new overdue) sees the stall.
        let start = Instant::now();
        let breaker = Breaker::new(settings(), start);
        let hung = send(&breaker, 2, start);
        timed_call(&breaker, Verdict::Success, start + 50 * MS, 10 * MS);

        assert_eq!(breaker.state(start + 500 * MS), BreakerState::Closed);
        assert_eq!(breaker.counts().slow_calls, 2);
        assert_eq!(breaker.state(start + 560 * MS), BreakerState::Open);
        drop(hung);
    }
}

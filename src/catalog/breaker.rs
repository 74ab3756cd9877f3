//! The circuit breaker on the upstream: stops calling an upstream that is down,
//! so lookups fail at once with `UPSTREAM_UNAVAILABLE` instead of each waiting out
//! timeouts, and the upstream gets room to recover.
//!
//! ```text
//! Closed --(run of failure_threshold failures, or failure_rate over the window)--> Open
//! Open --(open_for passed; the next call is the one probe)--> HalfOpen
//! HalfOpen --(probe succeeds)--> Closed      HalfOpen --(probe fails)--> Open
//! ```
//!
//! Every upstream call (first attempts and retries alike) asks [`Breaker::admit`]
//! for a [`Permit`] and reports its outcome through it. While open, and while a
//! half-open probe is in flight, no permit is given. What counts as a failure is
//! `fault`'s table. A permit dropped without an outcome (the caller gave up) frees
//! the probe slot, so a cancelled probe cannot leave the breaker stuck.
//!
//! State sits behind a std `Mutex`, held for a few comparisons and never across
//! `.await`. Time is passed in, so the state machine is tested without a clock.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::rolling_window::RollingWindow;

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
}

impl Default for BreakerSettings {
    /// Open after 5 failures in a row or 50 % of at least 20 calls in 10 s; stay
    /// open 5 s.
    fn default() -> Self {
        BreakerSettings {
            failure_threshold: Self::DEFAULT_FAILURE_THRESHOLD,
            failure_rate: Self::DEFAULT_FAILURE_RATE,
            min_calls: Self::DEFAULT_MIN_CALLS,
            window: Self::DEFAULT_WINDOW,
            open_for: Self::DEFAULT_OPEN_FOR,
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

/// How one call went, for the breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The upstream answered (even if the answer broke the contract).
    Success,
    /// The upstream failed (timeout, transport, 5xx).
    Failure,
    /// Says nothing about the upstream (the gateway's own deadline cut it short).
    Neutral,
}

/// A circuit breaker shared by every call of one client.
#[derive(Debug)]
pub(crate) struct Breaker {
    settings: BreakerSettings,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    /// Failures since the last success.
    consecutive_failures: u32,
    /// Outcomes of calls made while closed, for the failure rate.
    window: RollingWindow,
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
    Opened,
    Reopened,
    Closed,
}

/// Leave to make one upstream call; report the outcome with [`Permit::record`].
#[derive(Debug)]
#[must_use = "a permit reports the outcome of the call it was given for"]
pub(crate) struct Permit<'a> {
    breaker: &'a Breaker,
    /// This call is the half-open probe.
    probe: bool,
    /// The outcome was recorded (a drop without one frees the probe slot).
    recorded: bool,
}

impl Breaker {
    /// A closed breaker.
    pub(crate) fn new(settings: BreakerSettings, now: Instant) -> Self {
        let window = RollingWindow::new(settings.window, now);
        Breaker {
            settings,
            inner: Mutex::new(Inner {
                phase: Phase::Closed,
                consecutive_failures: 0,
                window,
            }),
        }
    }

    /// Leave for one call, or `None` when the call must fail fast (open, or a
    /// half-open probe is already in flight).
    pub(crate) fn admit(&self, now: Instant) -> Option<Permit<'_>> {
        let mut inner = self.lock();
        let probe = match inner.phase {
            Phase::Closed => false,
            Phase::Open { until } if now < until => return None,
            Phase::HalfOpen { probing: true } => return None,
            // open_for has passed (or a probe was abandoned): this call probes.
            Phase::Open { .. } | Phase::HalfOpen { probing: false } => {
                inner.phase = Phase::HalfOpen { probing: true };
                true
            }
        };
        Some(Permit {
            breaker: self,
            probe,
            recorded: false,
        })
    }

    /// The state at `now`: an open breaker whose `open_for` has passed reports
    /// half-open, since its next call is a probe.
    pub(crate) fn state(&self, now: Instant) -> BreakerState {
        match self.lock().phase {
            Phase::Closed => BreakerState::Closed,
            Phase::Open { until } if now < until => BreakerState::Open,
            Phase::Open { .. } | Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Failed calls since the last successful one.
    pub(crate) fn consecutive_failures(&self) -> u32 {
        self.lock().consecutive_failures
    }

    fn record(&self, probe: bool, verdict: Verdict, now: Instant) {
        let transition = self.lock().settle(&self.settings, probe, verdict, now);
        match transition {
            Some(Transition::Opened) => tracing::warn!(
                open_for_ms = millis(self.settings.open_for),
                "upstream circuit breaker opened: failing fast"
            ),
            Some(Transition::Reopened) => tracing::warn!(
                open_for_ms = millis(self.settings.open_for),
                "upstream circuit breaker probe failed: open again"
            ),
            Some(Transition::Closed) => {
                tracing::info!("upstream circuit breaker probe succeeded: closed")
            }
            None => {}
        }
    }

    /// A probe permit dropped without an outcome: let the next call probe.
    fn abandon_probe(&self) {
        let mut inner = self.lock();
        if inner.phase == (Phase::HalfOpen { probing: true }) {
            inner.phase = Phase::HalfOpen { probing: false };
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
        let open = Phase::Open {
            until: instant_after(now, settings.open_for),
        };
        if probe {
            return match verdict {
                Verdict::Success => {
                    self.phase = Phase::Closed;
                    // The upstream is back: judge it on calls from now on.
                    self.window.clear();
                    Some(Transition::Closed)
                }
                Verdict::Failure => {
                    self.phase = open;
                    Some(Transition::Reopened)
                }
                Verdict::Neutral => {
                    self.phase = Phase::HalfOpen { probing: false };
                    None
                }
            };
        }
        // Outcomes of calls let through before the breaker opened say nothing the
        // open breaker (or its probe) does not already decide.
        if self.phase != Phase::Closed || verdict == Verdict::Neutral {
            return None;
        }
        self.window.record(verdict == Verdict::Failure, now);
        if verdict == Verdict::Failure && self.should_open(settings, now) {
            self.phase = open;
            return Some(Transition::Opened);
        }
        None
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

impl Permit<'_> {
    /// Reports how the call went.
    pub(crate) fn record(mut self, verdict: Verdict, now: Instant) {
        self.recorded = true;
        self.breaker.record(self.probe, verdict, now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.recorded {
            self.breaker.abandon_probe();
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
}

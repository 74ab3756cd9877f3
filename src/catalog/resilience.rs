//! The loop around every upstream call: ask the breaker, make the call, report the
//! outcome, and retry what `fault` says is retryable, within `max_retries`, the
//! retry budget and the fetch deadline, after a jittered backoff.
//!
//! Knows nothing of HTTP: `rest` passes the call in as a closure and classifies
//! its failures as [`Fault`]s.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::breaker::{Breaker, BreakerCounts, CallStart, OpenReason, Verdict};
use super::fault::{Failed, Fault};
use super::health::{Counters, Event};
use super::retry::Jitter;
use super::retry_budget::RetryBudget;
use super::{BreakerSettings, CatalogError, RetryPolicy, UpstreamHealth};

/// Retries, retry budget, breaker and counters of one client, shared by all its
/// calls.
#[derive(Debug)]
pub(crate) struct Resilience {
    policy: RetryPolicy,
    budget: RetryBudget,
    breaker: Breaker,
    jitter: Jitter,
    counters: Counters,
}

impl Resilience {
    /// Fresh state: a closed breaker, a full retry floor, zero counters.
    pub(crate) fn new(policy: RetryPolicy, breaker: BreakerSettings) -> Self {
        let now = Instant::now();
        Resilience {
            budget: RetryBudget::new(policy.budget_ratio, policy.min_retries_per_sec, now),
            breaker: Breaker::new(breaker, now),
            jitter: Jitter::from_clock(),
            counters: Counters::default(),
            policy,
        }
    }

    /// Runs `call` (given the retry number, 0 for the first attempt, and the
    /// handle it reports its sending through) until it succeeds or may not be
    /// repeated, and answers its last word.
    ///
    /// # Errors
    /// `Unavailable("circuit open")` at once when the breaker refuses the first
    /// attempt; otherwise the error of the last attempt made.
    pub(crate) async fn run<'s, T, F, Fut>(
        &'s self,
        deadline: Instant,
        mut call: F,
    ) -> Result<T, CatalogError>
    where
        F: FnMut(u32, CallStart<'s>) -> Fut,
        Fut: Future<Output = Result<T, Failed>>,
    {
        self.budget.deposit(Instant::now());
        let mut retry = 0;
        let mut last: Option<CatalogError> = None;
        loop {
            let Some(permit) = self.breaker.admit(Instant::now()) else {
                self.counters.count(Event::ShortCircuit);
                // A retry refused by the breaker (which this call's own failures
                // may have opened) keeps the failure that was actually seen.
                return Err(
                    last.unwrap_or_else(|| CatalogError::Unavailable("circuit open".into()))
                );
            };
            self.counters.count(Event::Call);
            if retry > 0 {
                self.counters.count(Event::Retry);
            }
            let outcome = call(retry, permit.start()).await;
            let verdict = verdict(&outcome);
            permit.record(verdict, Instant::now());
            if verdict == Verdict::Failure {
                self.counters.count(Event::Failure);
            }
            let failed = match outcome {
                Ok(answer) => return Ok(answer),
                // Given up because the breaker opened: as for a refused retry, the
                // failure actually seen (if any) is the better word.
                Err(failed) if failed.fault == Fault::CircuitOpened => {
                    return Err(last.unwrap_or(failed.error));
                }
                Err(failed) => failed,
            };
            let Some(wait) = self.retry_wait(failed.fault, retry, deadline) else {
                return Err(failed.error);
            };
            last = Some(failed.error);
            retry += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// The breaker's state and the counters, now.
    pub(crate) fn health(&self) -> UpstreamHealth {
        let state = self.breaker.state(Instant::now());
        let reason: Option<OpenReason> = match state {
            super::BreakerState::Closed => None,
            _ => self.breaker.open_reason(),
        };
        let counts: BreakerCounts = self.breaker.counts();
        let mut health = self
            .counters
            .snapshot(state, self.breaker.consecutive_failures());
        health.open_reason = reason;
        health.slow_calls = counts.slow_calls;
        health.opened_by_failures = counts.opened_by_failures;
        health.opened_by_slow_calls = counts.opened_by_slow_calls;
        health
    }

    /// The wait before retrying a call that failed with `fault` after `retries`
    /// retries, or `None` when it must not be retried.
    fn retry_wait(&self, fault: Fault, retries: u32, deadline: Instant) -> Option<Duration> {
        if !fault.is_retryable() || retries >= self.policy.max_retries {
            return None;
        }
        let now = Instant::now();
        let wait = self.policy.backoff(retries + 1, self.jitter.fraction());
        // A retry that could not even start before the deadline would only spend
        // budget; the keys keep the failure seen (the deadline has not passed).
        if deadline.saturating_duration_since(now) <= wait {
            return None;
        }
        // The token is spent even if the breaker then refuses the retry: rare
        // (the breaker just opened), and erring towards fewer retries.
        if !self.budget.try_withdraw(now) {
            self.counters.count(Event::RetryRefused);
            tracing::debug!(?fault, "upstream retry refused: the retry budget is spent");
            return None;
        }
        tracing::debug!(
            ?fault,
            retry = retries + 1,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "upstream retry scheduled"
        );
        Some(wait)
    }
}

/// What an outcome says about the upstream's health.
fn verdict<T>(outcome: &Result<T, Failed>) -> Verdict {
    match outcome {
        Ok(_) => Verdict::Success,
        Err(failed) if failed.fault.is_upstream_failure() => Verdict::Failure,
        Err(Failed {
            fault: Fault::Deadline | Fault::CircuitOpened,
            ..
        }) => Verdict::Neutral,
        // The upstream answered, if outside the contract: it is up.
        Err(_) => Verdict::Success,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::catalog::BreakerState;

    const MS: Duration = Duration::from_millis(1);

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            base_backoff: MS,
            max_backoff: 4 * MS,
            budget_ratio: 0.1,
            min_retries_per_sec: 100,
        }
    }

    fn unavailable(fault: Fault) -> Failed {
        Failed::new(fault, CatalogError::Unavailable(format!("{fault:?}")))
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    /// Runs a call that fails with `faults` in turn, then succeeds; answers the
    /// result and the number of attempts made.
    async fn run_with(
        resilience: &Resilience,
        deadline: Instant,
        faults: &[Fault],
    ) -> (Result<u32, CatalogError>, u32) {
        let attempts = AtomicU32::new(0);
        let result = resilience
            .run(deadline, |retry, _start| {
                let n = attempts.fetch_add(1, Ordering::SeqCst) as usize;
                let fault = faults.get(n).copied();
                async move {
                    match fault {
                        Some(fault) => Err(unavailable(fault)),
                        None => Ok(retry),
                    }
                }
            })
            .await;
        (result, attempts.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn retryable_faults_are_retried_with_the_retry_number() {
        let resilience = Resilience::new(policy(), BreakerSettings::default());
        let faults = [Fault::Timeout, Fault::Connect];
        assert_eq!(run_with(&resilience, far(), &faults).await, (Ok(2), 3));
        let health = resilience.health();
        assert_eq!((health.calls, health.retries, health.failures), (3, 2, 2));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_max_retries_with_the_last_error() {
        let resilience = Resilience::new(policy(), BreakerSettings::default());
        let faults = [Fault::Broken, Fault::Broken, Fault::Timeout];
        let (result, attempts) = run_with(&resilience, far(), &faults).await;
        assert_eq!(attempts, 3);
        assert_eq!(result, Err(CatalogError::Unavailable("Timeout".into())));
    }

    #[tokio::test(start_paused = true)]
    async fn faults_that_are_not_retryable_end_the_call_at_once() {
        let resilience = Resilience::new(policy(), BreakerSettings::default());
        for fault in [Fault::Contract, Fault::Deadline] {
            assert_eq!(
                run_with(&resilience, far(), &[fault]).await.1,
                1,
                "{fault:?}"
            );
        }
        assert_eq!(resilience.health().retries, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_is_made_when_its_backoff_would_pass_the_deadline() {
        let slow = RetryPolicy {
            base_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(10),
            ..policy()
        };
        let resilience = Resilience::new(slow, BreakerSettings::default());
        // Backoffs are jittered below 10 s; with a 1 ns deadline none fits.
        let deadline = Instant::now() + Duration::from_nanos(1);
        assert_eq!(
            run_with(&resilience, deadline, &[Fault::Timeout]).await.1,
            1
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_budget_refuses_retries_and_counts_the_refusal() {
        let stingy = RetryPolicy {
            budget_ratio: 0.0,
            min_retries_per_sec: 1,
            ..policy()
        };
        let resilience = Resilience::new(stingy, BreakerSettings::default());
        let faults = [Fault::Timeout, Fault::Timeout, Fault::Timeout];
        assert_eq!(
            run_with(&resilience, far(), &faults).await.1,
            2,
            "one retry"
        );
        let health = resilience.health();
        assert_eq!((health.retries, health.retries_refused_by_budget), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_breaker_refuses_the_call_without_making_it() {
        let breaker = BreakerSettings {
            failure_threshold: 1,
            ..BreakerSettings::default()
        };
        let resilience = Resilience::new(policy(), breaker);
        // The first attempt's failure opens the breaker, which refuses the retry:
        // the failure seen is kept.
        let (result, attempts) = run_with(&resilience, far(), &[Fault::Timeout]).await;
        assert_eq!(
            (result, attempts),
            (Err(unavailable(Fault::Timeout).error), 1)
        );
        // The next call never starts.
        let (result, attempts) = run_with(&resilience, far(), &[]).await;
        assert_eq!(
            result,
            Err(CatalogError::Unavailable("circuit open".into()))
        );
        assert_eq!(attempts, 0);
        let health = resilience.health();
        assert_eq!(health.breaker, BreakerState::Open);
        assert_eq!((health.calls, health.short_circuited), (1, 2));
        assert_eq!(health.retries, 0, "the refused retry was never made");
    }

    #[tokio::test(start_paused = true)]
    async fn contract_breaches_and_deadline_cuts_do_not_count_as_failures() {
        let breaker = BreakerSettings {
            failure_threshold: 1,
            ..BreakerSettings::default()
        };
        let resilience = Resilience::new(policy(), breaker);
        for fault in [Fault::Contract, Fault::Deadline, Fault::Contract] {
            let _ = run_with(&resilience, far(), &[fault]).await;
        }
        let health = resilience.health();
        assert_eq!(health.breaker, BreakerState::Closed);
        assert_eq!((health.calls, health.failures), (3, 0));
    }
}

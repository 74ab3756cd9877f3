//! The retry budget: a token bucket shared by every lookup of one client, so that
//! retries add a bounded fraction of load instead of multiplying it when the
//! upstream is struggling (after Finagle's and Linkerd's `RetryBudget`).
//!
//! Every first attempt deposits `budget_ratio` of a token; every retry withdraws a
//! whole one. Deposits fade with a 10 s time constant (Finagle lets them expire
//! after a 10 s TTL), so a long healthy spell does not bank a retry storm. Beside
//! the earned tokens there is a reserve that refills at `min_retries_per_sec` and
//! holds at most one second's worth: the floor that lets a quiet gateway retry.
//! Over any span of `T` seconds the client thus retries at most
//! `budget_ratio * first attempts + min_retries_per_sec * (T + 1)` times.
//!
//! Time is passed in, so the arithmetic is tested without a clock.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// How fast earned tokens fade: after this long, a deposit is worth 1/e of itself.
const EARNED_LIFETIME: Duration = Duration::from_secs(10);

/// Withdrawals succeed this close below a whole token, so ten deposits of 0.1
/// (which add up to 0.999…9 in floating point) pay for a retry.
const ROUNDING: f64 = 1e-9;

/// A token bucket of retries, shared by all calls of one client.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    /// Tokens earned per first attempt.
    ratio: f64,
    /// Reserve tokens per second, and the reserve's capacity.
    floor_per_sec: f64,
    /// The balance; held only for a few arithmetic operations, never across
    /// `.await`.
    state: Mutex<Balance>,
}

#[derive(Debug)]
struct Balance {
    /// Tokens earned by first attempts, fading with [`EARNED_LIFETIME`].
    earned: f64,
    /// Tokens of the floor, at most `floor_per_sec`.
    reserve: f64,
    /// When the balance was last brought up to date.
    at: Instant,
}

impl RetryBudget {
    /// A budget earning `ratio` retries per first attempt, with a floor of
    /// `floor_per_sec` retries per second that starts full. A negative or NaN
    /// ratio earns nothing.
    pub(crate) fn new(ratio: f64, floor_per_sec: u32, now: Instant) -> Self {
        let floor_per_sec = f64::from(floor_per_sec);
        RetryBudget {
            ratio: if ratio.is_nan() { 0.0 } else { ratio.max(0.0) },
            floor_per_sec,
            state: Mutex::new(Balance {
                earned: 0.0,
                reserve: floor_per_sec,
                at: now,
            }),
        }
    }

    /// Credits one first attempt.
    pub(crate) fn deposit(&self, now: Instant) {
        let mut balance = self.balance(now);
        balance.earned += self.ratio;
    }

    /// Takes one retry's token; `false` (and nothing taken) when the budget is
    /// spent.
    pub(crate) fn try_withdraw(&self, now: Instant) -> bool {
        let mut balance = self.balance(now);
        if balance.earned + balance.reserve < 1.0 - ROUNDING {
            return false;
        }
        // Earned tokens first: they fade anyway, the reserve is for quiet times.
        let from_earned = balance.earned.min(1.0);
        balance.earned -= from_earned;
        balance.reserve = (balance.reserve - (1.0 - from_earned)).max(0.0);
        true
    }

    /// The balance, locked and brought up to `now`.
    fn balance(&self, now: Instant) -> std::sync::MutexGuard<'_, Balance> {
        // Nothing can panic while the lock is held, so a poisoned lock still
        // holds a consistent balance.
        let mut balance = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        // Concurrent callers may pass slightly older instants; time never runs back.
        let elapsed = now.saturating_duration_since(balance.at).as_secs_f64();
        if elapsed > 0.0 {
            balance.earned *= (-elapsed / EARNED_LIFETIME.as_secs_f64()).exp();
            balance.reserve =
                (balance.reserve + elapsed * self.floor_per_sec).min(self.floor_per_sec);
            balance.at = now;
        }
        balance
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn withdrawals(budget: &RetryBudget, now: Instant) -> usize {
        std::iter::from_fn(|| budget.try_withdraw(now).then_some(()))
            .take(10_000)
            .count()
    }

    #[test]
    fn ten_first_attempts_at_a_ratio_of_a_tenth_pay_for_exactly_one_retry() {
        let now = Instant::now();
        let budget = RetryBudget::new(0.1, 0, now);
        assert!(!budget.try_withdraw(now), "nothing earned yet");
        for _ in 0..10 {
            budget.deposit(now);
        }
        assert_eq!(withdrawals(&budget, now), 1);
    }

    #[test]
    fn under_sustained_failure_retries_stay_within_the_ratio_of_first_attempts() {
        // Every first attempt fails and wants a retry, 1000 calls in one instant.
        let now = Instant::now();
        let budget = RetryBudget::new(0.1, 0, now);
        let mut retries = 0;
        for _ in 0..1000 {
            budget.deposit(now);
            if budget.try_withdraw(now) {
                retries += 1;
            }
        }
        assert_eq!(retries, 100);
    }

    #[test]
    fn the_floor_starts_full_and_allows_its_rate_without_any_deposit() {
        let now = Instant::now();
        let budget = RetryBudget::new(0.1, 10, now);
        assert_eq!(withdrawals(&budget, now), 10);
    }

    #[test]
    fn the_floor_refills_at_its_rate_but_never_above_one_seconds_worth() {
        let start = Instant::now();
        let budget = RetryBudget::new(0.0, 10, start);
        assert_eq!(withdrawals(&budget, start), 10);
        assert_eq!(
            withdrawals(&budget, start + Duration::from_millis(300)),
            3,
            "10/s for 0.3 s"
        );
        assert_eq!(
            withdrawals(&budget, start + Duration::from_secs(60)),
            10,
            "a quiet minute banks one second's worth"
        );
    }

    #[test]
    fn earned_tokens_fade_so_a_healthy_spell_does_not_bank_a_retry_storm() {
        let start = Instant::now();
        let budget = RetryBudget::new(0.1, 0, start);
        for _ in 0..1000 {
            budget.deposit(start);
        }
        // 100 earned, then a minute passes: e^-6 of them is left.
        assert_eq!(withdrawals(&budget, start + Duration::from_secs(60)), 0);
    }

    #[test]
    fn earned_tokens_are_still_mostly_there_a_moment_later() {
        let start = Instant::now();
        let budget = RetryBudget::new(0.1, 0, start);
        for _ in 0..1000 {
            budget.deposit(start);
        }
        let left = withdrawals(&budget, start + Duration::from_secs(1));
        assert!((85..=95).contains(&left), "{left}");
    }

    #[test]
    fn an_older_instant_than_the_last_one_changes_nothing() {
        let start = Instant::now();
        let later = start + Duration::from_secs(1);
        let budget = RetryBudget::new(0.1, 0, later);
        for _ in 0..10 {
            budget.deposit(later);
        }
        assert_eq!(withdrawals(&budget, start), 1);
    }

    #[test]
    fn a_negative_or_nan_ratio_earns_nothing() {
        let now = Instant::now();
        for ratio in [-1.0, f64::NAN] {
            let budget = RetryBudget::new(ratio, 0, now);
            for _ in 0..100 {
                budget.deposit(now);
            }
            assert_eq!(withdrawals(&budget, now), 0, "{ratio}");
        }
    }
}

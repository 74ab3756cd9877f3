//! How often and how far apart a failed upstream call is repeated: the
//! [`RetryPolicy`], its exponential backoff with full jitter, and the cheap random
//! source behind the jitter.
//!
//! Which faults are retried at all is `fault`'s table; how many retries the client
//! can afford under load is `retry_budget`'s job; the loop that ties them together
//! with the breaker and the fetch deadline is `resilience`'s.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How failed idempotent upstream calls are retried.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Most retries after the first attempt of one call (default 2). `0` turns
    /// retries off.
    pub max_retries: u32,
    /// Upper bound of the first backoff (default 25 ms); each later retry doubles
    /// the bound, up to `max_backoff`. The actual wait is uniformly random below
    /// the bound ("full jitter"), so clients that failed together do not retry in
    /// lockstep.
    pub base_backoff: Duration,
    /// Largest backoff bound (default 500 ms).
    pub max_backoff: Duration,
    /// Retries the client may make per first attempt, over the last ~10 s
    /// (default 0.1): under a sustained failure, retries add at most ~10 % load
    /// instead of multiplying it by `1 + max_retries`.
    pub budget_ratio: f64,
    /// Retries per second allowed whatever the traffic (default 10), so a quiet
    /// gateway, whose few calls earn almost no budget, can still retry.
    pub min_retries_per_sec: u32,
}

impl RetryPolicy {
    /// Default [`max_retries`](Self::max_retries).
    pub const DEFAULT_MAX_RETRIES: u32 = 2;
    /// Default [`base_backoff`](Self::base_backoff).
    pub const DEFAULT_BASE_BACKOFF: Duration = Duration::from_millis(25);
    /// Default [`max_backoff`](Self::max_backoff).
    pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_millis(500);
    /// Default [`budget_ratio`](Self::budget_ratio).
    pub const DEFAULT_BUDGET_RATIO: f64 = 0.1;
    /// Default [`min_retries_per_sec`](Self::min_retries_per_sec).
    pub const DEFAULT_MIN_RETRIES_PER_SEC: u32 = 10;

    /// The upper bound of the wait before retry number `retry` (1 for the first
    /// retry): `base_backoff * 2^(retry - 1)`, at most `max_backoff`.
    pub(crate) fn backoff_bound(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        self.base_backoff
            .checked_mul(1u32 << doublings)
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`: `fraction` (in `[0, 1)`) of its bound.
    pub(crate) fn backoff(&self, retry: u32, fraction: f64) -> Duration {
        let bound = self.backoff_bound(retry);
        // Never `Duration::mul_f64`: it panics on NaN and on overflow.
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        Duration::try_from_secs_f64(bound.as_secs_f64() * fraction)
            .map_or(bound, |wait| wait.min(bound))
    }
}

impl Default for RetryPolicy {
    /// 2 retries, 25 ms first backoff bound doubling up to 500 ms, 10 % budget,
    /// 10 retries/s floor.
    fn default() -> Self {
        RetryPolicy {
            max_retries: Self::DEFAULT_MAX_RETRIES,
            base_backoff: Self::DEFAULT_BASE_BACKOFF,
            max_backoff: Self::DEFAULT_MAX_BACKOFF,
            budget_ratio: Self::DEFAULT_BUDGET_RATIO,
            min_retries_per_sec: Self::DEFAULT_MIN_RETRIES_PER_SEC,
        }
    }
}

/// A lock-free source of jitter: SplitMix64 over an atomic counter.
///
/// Not cryptographic and need not be: it only spreads retries in time. A crate
/// (`fastrand`, `rand`) would add a dependency for a dozen lines.
#[derive(Debug)]
pub(crate) struct Jitter {
    /// Advanced by a fixed odd step per draw; the output is its SplitMix64 hash.
    state: AtomicU64,
}

impl Jitter {
    /// The SplitMix64 increment (2^64 / golden ratio).
    const STEP: u64 = 0x9E37_79B9_7F4A_7C15;

    /// A source seeded from the clock, so replicas started together still
    /// jitter differently.
    pub(crate) fn from_clock() -> Self {
        // Truncating the nanoseconds keeps their fast-moving low bits, the ones
        // that differ between replicas; a clock before 1970 just seeds 0.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        Self::seeded(nanos)
    }

    /// A source with a fixed seed (tests).
    pub(crate) fn seeded(seed: u64) -> Self {
        Jitter {
            state: AtomicU64::new(seed),
        }
    }

    /// A uniformly distributed fraction in `[0, 1)`.
    pub(crate) fn fraction(&self) -> f64 {
        let mut z = self
            .state
            .fetch_add(Self::STEP, Ordering::Relaxed)
            .wrapping_add(Self::STEP);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The top 53 bits fill an f64 mantissa exactly: the result is below 1.
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_defaults_are_2_retries_25_ms_to_500_ms_and_a_10_percent_budget() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_retries, 2);
        assert_eq!(policy.base_backoff, 25 * MS);
        assert_eq!(policy.max_backoff, 500 * MS);
        assert!((policy.budget_ratio - 0.1).abs() < f64::EPSILON);
        assert_eq!(policy.min_retries_per_sec, 10);
    }

    #[test]
    fn the_backoff_bound_doubles_per_retry_up_to_the_maximum() {
        let policy = RetryPolicy::default();
        let bounds: Vec<Duration> = (1..=7).map(|n| policy.backoff_bound(n)).collect();
        assert_eq!(
            bounds,
            [
                25 * MS,
                50 * MS,
                100 * MS,
                200 * MS,
                400 * MS,
                500 * MS,
                500 * MS
            ]
        );
    }

    #[test]
    fn the_backoff_bound_does_not_overflow_for_absurd_retry_numbers() {
        let policy = RetryPolicy {
            max_backoff: Duration::MAX,
            ..RetryPolicy::default()
        };
        // Doublings stop at 2^31: 25 ms * 2^31, about 621 days.
        assert_eq!(policy.backoff_bound(u32::MAX), 25 * MS * (1 << 31));
        assert_eq!(RetryPolicy::default().backoff_bound(u32::MAX), 500 * MS);
    }

    #[test]
    fn the_backoff_is_the_jitter_fraction_of_the_bound_and_never_above_it() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(2, 0.0), Duration::ZERO);
        assert_eq!(policy.backoff(2, 0.5), 25 * MS);
        assert!(policy.backoff(2, 0.999_999) < 50 * MS);
        assert_eq!(policy.backoff(2, 7.0), 50 * MS, "fraction clamped");
        assert_eq!(policy.backoff(2, f64::NAN), Duration::ZERO, "NaN clamped");
        let unbounded = RetryPolicy {
            max_backoff: Duration::MAX,
            ..RetryPolicy::default()
        };
        assert!(unbounded.backoff(u32::MAX, 0.999_999) <= Duration::MAX);
    }

    #[test]
    fn jitter_fractions_lie_in_0_to_1_and_spread_over_the_whole_range() {
        let jitter = Jitter::seeded(42);
        let draws: Vec<f64> = (0..10_000).map(|_| jitter.fraction()).collect();
        assert!(draws.iter().all(|f| (0.0..1.0).contains(f)));
        // Each tenth of the range gets roughly its share (1000 ± 20 %).
        for decile in 0..10 {
            let low = f64::from(decile) / 10.0;
            let n = draws
                .iter()
                .filter(|f| (low..low + 0.1).contains(*f))
                .count();
            assert!((800..1200).contains(&n), "decile {decile}: {n}");
        }
    }

    #[test]
    fn jitter_sources_with_different_seeds_draw_differently() {
        let (a, b) = (Jitter::seeded(1), Jitter::seeded(2));
        let a: Vec<f64> = (0..8).map(|_| a.fraction()).collect();
        let b: Vec<f64> = (0..8).map(|_| b.fraction()).collect();
        assert_ne!(a, b);
    }
}

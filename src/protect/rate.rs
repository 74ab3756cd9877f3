//! Per-client rate limits with GCRA (the generic cell rate algorithm: a token
//! bucket kept as one timestamp per client, the "theoretical arrival time").
//!
//! A client has `rate` cost units per second and a burst of `burst` units: a
//! request of cost `c` is admitted when the client's arrival time, pushed on by
//! `c / rate` seconds, stays within `burst / rate` seconds of now. A request
//! costing more than the whole burst is admitted only from a full bucket (it then
//! leaves the client in debt), so no operation the cost limit allows can starve.
//!
//! - **Fleet-wide**: with a Redis URL, the timestamp lives in Redis and replicas
//!   lease units from it in small chunks (`rate_lease`: no Redis round trip per
//!   request). A Redis error or a call slower than the budget falls back to the
//!   local bucket for that request and skips Redis for a while: a Redis outage
//!   loosens the limit to one bucket per replica, it never refuses traffic.
//! - **Local**: a quick_cache of client hash to timestamp, bounded by entry count
//!   (`--rate-limit-max-clients`); its S3-FIFO eviction drops clients seen once
//!   before the ones seen again, so a flood of new ids does not push out (and so
//!   refill) a frequent client's bucket. A bucket idle for longer than its burst
//!   window is full, so evicting it changes nothing.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quick_cache::UnitWeighter;
use quick_cache::sync::Cache;

use crate::cache::weight::small_cache;
use crate::hashing::FastHasher;

/// A client's allowance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatePolicy {
    /// Cost units per second.
    pub rate: f64,
    /// Most units spent at once.
    pub burst: u64,
}

impl RatePolicy {
    /// Nanoseconds one unit takes to come back.
    pub(crate) fn interval_nanos(self) -> u64 {
        (1e9 / self.rate.max(1e-9)).ceil() as u64
    }

    /// The burst window in nanoseconds.
    fn tolerance_nanos(self) -> u64 {
        self.interval_nanos().saturating_mul(self.burst)
    }

    /// Seconds for an empty bucket to fill (the policy's window).
    pub(crate) fn window_secs(self) -> u64 {
        ((self.burst as f64) / self.rate.max(1e-9)).ceil().max(1.0) as u64
    }
}

/// A limiter's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Admitted: `remaining` units left now, full again in `reset`.
    Allowed { remaining: u64, reset: Duration },
    /// Refused: admitted again in `retry_after`; full again in `reset`.
    Limited {
        retry_after: Duration,
        reset: Duration,
    },
}

/// GCRA on one timestamp: the new timestamp to store (when admitted) and the
/// decision. Times in nanoseconds on any clock; `tat` 0 is a full bucket.
fn gcra(tat: u64, now: u64, cost: u64, policy: RatePolicy) -> (Option<u64>, Decision) {
    let interval = policy.interval_nanos();
    let tolerance = policy.tolerance_nanos();
    let start = tat.max(now);
    let new_tat = start.saturating_add(interval.saturating_mul(cost));
    let full_bucket = tat <= now;
    if new_tat - now <= tolerance || full_bucket {
        let used = new_tat - now;
        let remaining = tolerance.saturating_sub(used) / interval.max(1);
        let reset = Duration::from_nanos(used);
        (Some(new_tat), Decision::Allowed { remaining, reset })
    } else {
        let retry_after = Duration::from_nanos(new_tat - tolerance - now);
        let reset = Duration::from_nanos(start - now);
        (None, Decision::Limited { retry_after, reset })
    }
}

/// The local buckets: client hash to arrival time (nanoseconds since `epoch`).
pub(crate) struct LocalLimiter {
    epoch: Instant,
    buckets: Cache<u64, Arc<AtomicU64>, UnitWeighter, FastHasher>,
}

impl LocalLimiter {
    /// Buckets for at most `max_clients` clients.
    pub(crate) fn new(max_clients: u64) -> LocalLimiter {
        LocalLimiter {
            epoch: Instant::now(),
            buckets: small_cache(max_clients, max_clients, 1, UnitWeighter),
        }
    }

    pub(crate) fn check(&self, client: u64, cost: u64, policy: RatePolicy) -> Decision {
        // +1: a stored 0 means "never seen", i.e. a full bucket.
        let now = self.epoch.elapsed().as_nanos() as u64 + 1;
        let bucket = self
            .buckets
            .get_or_insert_with(&client, || Ok::<_, Infallible>(Arc::new(AtomicU64::new(0))));
        let Ok(bucket) = bucket;
        let mut tat = bucket.load(Ordering::Acquire);
        loop {
            let (stored, decision) = gcra(tat, now, cost, policy);
            let Some(new_tat) = stored else {
                return decision;
            };
            match bucket.compare_exchange_weak(tat, new_tat, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return decision,
                Err(current) => tat = current,
            }
        }
    }

    /// Clients held now.
    pub(crate) fn clients(&self) -> u64 {
        u64::try_from(self.buckets.len()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RatePolicy = RatePolicy {
        rate: 10.0,
        burst: 20,
    };

    #[test]
    fn a_burst_is_admitted_then_the_rate_refills_it() {
        let second = 1_000_000_000;
        let mut tat = 0;
        let now = 5 * second;
        for _ in 0..20 {
            let (stored, decision) = gcra(tat, now, 1, POLICY);
            assert!(matches!(decision, Decision::Allowed { .. }));
            tat = stored.unwrap_or(tat);
        }
        let (stored, decision) = gcra(tat, now, 1, POLICY);
        assert_eq!(stored, None);
        let Decision::Limited { retry_after, .. } = decision else {
            panic!("over the burst: {decision:?}");
        };
        assert_eq!(retry_after, Duration::from_millis(100));
        // A tenth of a second later one unit is back.
        assert!(matches!(
            gcra(tat, now + second / 10, 1, POLICY).1,
            Decision::Allowed { remaining: 0, .. }
        ));
    }

    #[test]
    fn a_cost_over_the_burst_passes_only_from_a_full_bucket() {
        let (stored, decision) = gcra(0, 1, 50, POLICY);
        assert!(matches!(decision, Decision::Allowed { remaining: 0, .. }));
        let tat = stored.unwrap_or_default();
        assert!(matches!(
            gcra(tat, 2, 1, POLICY).1,
            Decision::Limited { .. }
        ));
    }

    #[test]
    fn the_local_limiter_stays_within_its_client_bound() {
        let limiter = LocalLimiter::new(100);
        for client in 0..10_000 {
            limiter.check(client, 1, POLICY);
        }
        assert!(limiter.clients() <= 100, "{}", limiter.clients());
    }
}

//! The fleet-wide rate limit without a Redis round trip per request: each replica
//! leases a client's units from the shared GCRA bucket in Redis in small chunks and
//! spends them locally.
//!
//! Why: one Lua call per request put a Redis round trip (and its CPU: encoding,
//! parsing, a task wake-up) on every request's critical path. Now:
//!
//! - **Spend locally.** A replica holds, per client, the units it leased and not yet
//!   spent. A request that fits in them is decided with a map lookup and a mutex.
//! - **Lease in chunks.** When the held units run short, one Lua script takes up to
//!   a chunk from the shared bucket atomically, on Redis's clock: the GCRA timestamp
//!   moves on by exactly the units granted, so units are taken from one bucket
//!   whichever replica spends them. A chunk is at most a tenth of the burst and
//!   [`LEASE_SPAN`] of the rate, at least one unit (or the request's cost).
//! - **Lease ahead.** When what is held falls to half a chunk, the next lease runs in
//!   the background, so a request rarely waits for Redis; one that finds nothing held
//!   waits for the lease already under way (one call per client per replica at a time).
//! - **Refusals are remembered.** When Redis refuses (the bucket is empty), it says
//!   when a unit is back; until then the replica refuses locally, so a client over
//!   its limit costs Redis at most a call per replica per unit's time, however many
//!   requests it sends.
//! - **Unspent units lapse** after [`LEASE_LIFETIME`] and go back to the bucket with
//!   the next lease (a replica no longer asked for a client keeps them: the fleet
//!   then admits that much less, never more).
//!
//! The bound on error: every unit spent was granted by the shared GCRA, so over any
//! window the fleet admits at most `rate × window + burst` plus what replicas held at
//! the window's start: with `R` replicas at most `R` × (a chunk and a half), which is
//! at most `R × 0.15 × burst` and `R × 75 ms` of the rate (or a unit or two per
//! replica when those are smaller, or a costlier request's cost). It admits less than the
//! shared bucket would by what is held and unspent at the window's end (the same
//! bound) and by units of lapsed leases not yet given back. A cost over the burst is
//! still admitted from a full bucket (GCRA's debt rule, in the script).
//!
//! The Redis is any topology (`redis_topology`): the script touches one key, so
//! on a Cluster each client's bucket lives on the master of its key's slot.
//!
//! Redis can never refuse traffic: a Redis error or a call slower than the budget
//! answers `None` (the caller decides with its local bucket) and Redis is skipped
//! for [`REDIS_RETRY_AFTER`]; units held stay spendable.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use quick_cache::UnitWeighter;
use quick_cache::sync::Cache;

use super::rate::{Decision, RatePolicy};
use crate::cache::weight::small_cache;
use crate::hashing::FastHasher;
use crate::redis_topology::{LinkTimeouts, RedisLink, RedisTarget};

/// How long Redis is skipped after a failed or slow call.
pub(crate) const REDIS_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Most of the rate one lease takes: a chunk is at most this long's worth of units.
pub(crate) const LEASE_SPAN: Duration = Duration::from_millis(50);
/// A chunk is at most this share of the burst (1 / n), so one replica cannot take a
/// client's whole burst while the others get nothing.
const BURST_SHARE: u64 = 10;
/// How long leased units stay spendable; then they go back with the next lease.
pub(crate) const LEASE_LIFETIME: Duration = Duration::from_secs(1);

/// GCRA leasing in Redis, atomically, on Redis's clock (so replicas' clocks do not
/// matter). First gives back `refund` units of a lapsed lease, then takes up to
/// `want` units, and at least `need` (else nothing: refused). From a full bucket,
/// `need` passes even over the burst (debt). Numbers go to Redis through `%.0f`: Lua
/// would print a large one as `1e+14`. The key expires when its bucket is full again,
/// so Redis holds only active clients.
/// KEYS[1] the client's key; ARGV: interval and tolerance in microseconds, want,
/// need, refund. Returns {granted (0: refused), units left in the bucket, µs until
/// it is full, µs until `need` units are back (when refused)}.
const LEASE_LUA: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local need = tonumber(ARGV[4])
local refund = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local function store(value)
  if value > now then
    redis.call('SET', KEYS[1], string.format('%.0f', value), 'PX', string.format('%.0f', math.ceil((value - now) / 1000) + 1))
  else
    redis.call('DEL', KEYS[1])
  end
end
if refund > 0 and tat > now then
  tat = math.max(tat - refund * interval, now)
  store(tat)
end
local start = math.max(tat, now)
local free = math.max(math.floor((tolerance - (start - now)) / interval), 0)
local granted = math.min(want, free)
if granted < need then
  if tat > now then
    return {0, free, start - now, start + need * interval - tolerance - now}
  end
  granted = need
end
local new_tat = start + granted * interval
store(new_tat)
return {granted, math.max(math.floor((tolerance - (new_tat - now)) / interval), 0), new_tat - now, 0}
";

/// The shared buckets in Redis, leased per client.
pub(crate) struct RedisLimiter {
    link: Option<RedisLink>,
    script: redis::Script,
    budget: Duration,
    /// Instant (nanoseconds since `epoch`) before which Redis is skipped.
    skip_until: AtomicU64,
    epoch: Instant,
    /// Each client's lease on this replica.
    leases: Cache<u64, Arc<Lease>, UnitWeighter, FastHasher>,
    /// Requests decided locally because Redis failed or was skipped.
    pub(crate) fallbacks: AtomicU64,
}

/// One client's lease on this replica.
struct Lease {
    /// The client's Redis key (made once, not per request).
    key: String,
    held: Mutex<Held>,
    /// Taken while a lease call is under way: one call per client at a time.
    turn: tokio::sync::Mutex<()>,
    /// Whether a background lease is under way or about to be.
    ahead: AtomicBool,
}

/// What a replica knows of a client's allowance (times in nanoseconds since `epoch`).
#[derive(Default)]
struct Held {
    /// Leased and not yet spent.
    units: u64,
    /// When `units` lapse.
    lapses_at: u64,
    /// Units that lapsed unspent, given back with the next lease.
    lapsed: u64,
    /// Units left in the shared bucket at the last lease, and when that was.
    shared_left: u64,
    seen_at: u64,
    /// When the shared bucket is full again, as of the last answer.
    full_at: u64,
    /// Redis refused: nothing can be leased before this.
    refused_until: u64,
}

/// Redis's answer to a lease.
struct Reply {
    granted: u64,
    left: u64,
    reset: Duration,
    retry_after: Duration,
}

/// What the held units answer for a request.
enum Local {
    /// Decided without Redis; `true`: lease ahead now.
    Decided(Decision, bool),
    /// Not enough held: lease.
    Short,
}

impl Held {
    /// Spends `cost` from what is held, or refuses while Redis said the bucket is
    /// empty, or says a lease is needed.
    fn spend(&mut self, now: u64, cost: u64, policy: RatePolicy) -> Local {
        if self.units > 0 && now >= self.lapses_at {
            self.lapsed = self.lapsed.saturating_add(self.units);
            self.units = 0;
        }
        if self.units >= cost {
            self.units -= cost;
            let low = self.units <= chunk(policy) / 2 && now >= self.refused_until;
            return Local::Decided(self.allowed(now, policy), low);
        }
        if now < self.refused_until {
            return Local::Decided(
                Decision::Limited {
                    retry_after: Duration::from_nanos(self.refused_until - now),
                    reset: Duration::from_nanos(self.full_at.saturating_sub(now)),
                },
                false,
            );
        }
        Local::Short
    }

    /// Takes Redis's answer in; with `cost`, spends it for the waiting request.
    fn apply(
        &mut self,
        now: u64,
        reply: &Reply,
        cost: Option<u64>,
        policy: RatePolicy,
    ) -> Decision {
        let reset = duration_nanos(reply.reset);
        self.full_at = now.saturating_add(reset);
        if reply.granted == 0 {
            self.refused_until = now.saturating_add(duration_nanos(reply.retry_after));
            return Decision::Limited {
                retry_after: reply.retry_after,
                reset: reply.reset,
            };
        }
        self.refused_until = 0;
        self.units = self.units.saturating_add(reply.granted);
        self.lapses_at = now.saturating_add(duration_nanos(LEASE_LIFETIME));
        self.shared_left = reply.left;
        self.seen_at = now;
        if let Some(cost) = cost {
            // The script granted at least what was missing.
            self.units = self.units.saturating_sub(cost);
        }
        self.allowed(now, policy)
    }

    /// Admitted: what this replica holds plus what the bucket had left at the last
    /// lease and has gained since (others' spending is not seen until the next one).
    fn allowed(&self, now: u64, policy: RatePolicy) -> Decision {
        let gained = now.saturating_sub(self.seen_at) / policy.interval_nanos().max(1);
        let remaining = self
            .units
            .saturating_add(self.shared_left)
            .saturating_add(gained)
            .min(policy.burst);
        Decision::Allowed {
            remaining,
            reset: Duration::from_nanos(self.full_at.saturating_sub(now)),
        }
    }
}

impl RedisLimiter {
    /// A lazily connecting limiter (nothing waits for Redis at start) holding leases
    /// of at most `max_clients` clients.
    pub(crate) fn new(target: &RedisTarget, budget: Duration, max_clients: u64) -> RedisLimiter {
        let timeouts = LinkTimeouts {
            connect: Duration::from_millis(500),
            // An answer later than the budget is not waited for: the connection is
            // reopened (after a failover, to the new master) before Redis is tried again.
            response: budget.max(Duration::from_millis(1)),
        };
        let link = RedisLink::new(target.clone(), timeouts)
            .map_err(|error| {
                tracing::warn!(redis = %target.describe(), %error, "rate limiter: Redis unusable, local limits only");
            })
            .ok();
        RedisLimiter {
            link,
            script: redis::Script::new(LEASE_LUA),
            budget,
            skip_until: AtomicU64::new(0),
            epoch: Instant::now(),
            // Evicting an idle client's lease loses nothing: its units have lapsed
            // (kept, its lapsed units go back with its next lease).
            leases: small_cache(max_clients, max_clients, 1, UnitWeighter),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// The shared decision for `client` (its Redis key made by `key` when first
    /// seen), or `None` when Redis is down, slow or being skipped.
    pub(crate) async fn check(
        self: &Arc<Self>,
        client: u64,
        key: impl FnOnce() -> String,
        cost: u64,
        policy: RatePolicy,
    ) -> Option<Decision> {
        if !self.usable(self.now()) {
            return self.fell_back();
        }
        let lease = self
            .leases
            .get_or_insert_with(&client, || Ok::<_, Infallible>(Arc::new(Lease::new(key()))));
        let Ok(lease) = lease;
        if let Local::Decided(decision, ahead) = lease.spend(self.now(), cost, policy) {
            if ahead && !lease.ahead.swap(true, Ordering::AcqRel) {
                tokio::spawn(Arc::clone(self).lease_ahead(lease, policy));
            }
            return Some(decision);
        }
        // Nothing (enough) held: wait for the lease under way, or make one.
        let _turn = lease.turn.lock().await;
        let now = self.now();
        if let Local::Decided(decision, _) = lease.spend(now, cost, policy) {
            return Some(decision);
        }
        if !self.usable(now) {
            return self.fell_back();
        }
        let (need, refund) = lease.to_ask(cost);
        let Some(reply) = self.call(&lease.key, need, refund, policy).await else {
            return self.fell_back();
        };
        Some(lease.lock().apply(self.now(), &reply, Some(cost), policy))
    }

    /// Leases a chunk in the background, unless a request is leasing already.
    async fn lease_ahead(self: Arc<Self>, lease: Arc<Lease>, policy: RatePolicy) {
        if let Ok(_turn) = lease.turn.try_lock()
            && self.usable(self.now())
        {
            let (need, refund) = lease.to_ask(1);
            if let Some(reply) = self.call(&lease.key, need, refund, policy).await {
                lease.lock().apply(self.now(), &reply, None, policy);
            }
        }
        lease.ahead.store(false, Ordering::Release);
    }

    /// One run of the lease script within the budget; `None` (and Redis skipped for a
    /// while) on an error or a slow answer.
    async fn call(&self, key: &str, need: u64, refund: u64, policy: RatePolicy) -> Option<Reply> {
        let mut connection = self.link.clone()?;
        let interval = policy.interval_nanos().div_ceil(1000).max(1);
        let tolerance = interval.saturating_mul(policy.burst);
        let want = need.max(chunk(policy));
        let mut invocation = self.script.key(key);
        invocation
            .arg(interval)
            .arg(tolerance)
            .arg(want)
            .arg(need)
            .arg(refund);
        let call = invocation.invoke_async::<(u64, u64, u64, u64)>(&mut connection);
        match tokio::time::timeout(self.budget, call).await {
            Ok(Ok((granted, left, reset, retry_after))) => Some(Reply {
                granted,
                left,
                reset: Duration::from_micros(reset),
                retry_after: Duration::from_micros(retry_after),
            }),
            Ok(Err(error)) => {
                tracing::warn!(%error, "rate limiter: Redis failed; deciding locally");
                self.skip_redis();
                None
            }
            Err(_) => {
                tracing::warn!("rate limiter: Redis slower than its budget; deciding locally");
                self.skip_redis();
                None
            }
        }
    }

    fn now(&self) -> u64 {
        duration_nanos(self.epoch.elapsed())
    }

    fn usable(&self, now: u64) -> bool {
        self.link.is_some() && now >= self.skip_until.load(Ordering::Relaxed)
    }

    fn skip_redis(&self) {
        let until = self.now().saturating_add(duration_nanos(REDIS_RETRY_AFTER));
        self.skip_until.store(until, Ordering::Relaxed);
    }

    fn fell_back(&self) -> Option<Decision> {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        None
    }
}

impl Lease {
    fn new(key: String) -> Lease {
        Lease {
            key,
            held: Mutex::new(Held::default()),
            turn: tokio::sync::Mutex::new(()),
            ahead: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        // Every section leaves `Held` whole (plain field stores), so a poisoned guard
        // is still sound.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spend(&self, now: u64, cost: u64, policy: RatePolicy) -> Local {
        self.lock().spend(now, cost, policy)
    }

    /// The units a lease for `cost` must bring (what is held counts towards it) and
    /// the lapsed ones to give back (taken now: a failed call forgets them, which
    /// only ever admits less).
    fn to_ask(&self, cost: u64) -> (u64, u64) {
        let mut held = self.lock();
        let need = cost.saturating_sub(held.units).max(1);
        (need, std::mem::take(&mut held.lapsed))
    }
}

/// Units one lease asks for: [`LEASE_SPAN`] of the rate, at most a
/// [`BURST_SHARE`]th of the burst, at least one.
fn chunk(policy: RatePolicy) -> u64 {
    let by_rate = (policy.rate * LEASE_SPAN.as_secs_f64()).ceil() as u64;
    by_rate.min(policy.burst / BURST_SHARE).max(1)
}

fn duration_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RatePolicy = RatePolicy {
        rate: 100.0,
        burst: 50,
    };
    const MS: u64 = 1_000_000;

    fn granted(granted: u64) -> Reply {
        Reply {
            granted,
            left: 10,
            reset: Duration::from_millis(400),
            retry_after: Duration::from_millis(30),
        }
    }

    #[test]
    fn a_chunk_is_a_slice_of_the_rate_and_of_the_burst_and_never_nothing() {
        assert_eq!(chunk(POLICY), 5);
        let fast = RatePolicy {
            rate: 1e6,
            burst: 1_000_000,
        };
        assert_eq!(chunk(fast), 50_000);
        let narrow = RatePolicy {
            rate: 1e6,
            burst: 30,
        };
        assert_eq!(chunk(narrow), 3);
        let slow = RatePolicy {
            rate: 0.1,
            burst: 4,
        };
        assert_eq!(chunk(slow), 1);
    }

    #[test]
    fn held_units_are_spent_without_redis_until_they_run_short() {
        let mut held = Held::default();
        assert!(matches!(held.spend(MS, 1, POLICY), Local::Short));
        let first = held.apply(MS, &granted(5), Some(1), POLICY);
        assert!(matches!(first, Decision::Allowed { remaining, .. } if remaining == 14));
        let mut ahead = Vec::new();
        for _ in 0..4 {
            match held.spend(2 * MS, 1, POLICY) {
                Local::Decided(Decision::Allowed { .. }, lease_ahead) => ahead.push(lease_ahead),
                _ => panic!("held units must answer"),
            }
        }
        assert!(matches!(held.spend(2 * MS, 1, POLICY), Local::Short));
        // Half a chunk (2 units) left or less: lease ahead.
        assert_eq!(ahead, [false, true, true, true]);
    }

    #[test]
    fn a_refusal_is_kept_until_a_unit_is_back() {
        let mut held = Held::default();
        let refused = held.apply(MS, &granted(0), Some(1), POLICY);
        assert!(
            matches!(refused, Decision::Limited { retry_after, .. } if retry_after == Duration::from_millis(30))
        );
        match held.spend(11 * MS, 1, POLICY) {
            Local::Decided(Decision::Limited { retry_after, .. }, false) => {
                assert_eq!(retry_after, Duration::from_millis(20));
            }
            _ => panic!("refused locally while Redis said empty"),
        }
        assert!(matches!(held.spend(31 * MS, 1, POLICY), Local::Short));
    }

    #[test]
    fn unspent_units_lapse_and_go_back_with_the_next_lease() {
        let mut held = Held::default();
        held.apply(0, &granted(5), Some(1), POLICY);
        let lifetime = duration_nanos(LEASE_LIFETIME);
        assert!(matches!(
            held.spend(lifetime - 1, 1, POLICY),
            Local::Decided(..)
        ));
        assert!(matches!(held.spend(lifetime, 1, POLICY), Local::Short));
        assert_eq!((held.units, held.lapsed), (0, 3));
    }
}

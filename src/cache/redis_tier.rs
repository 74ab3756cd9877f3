//! The shared second tier: raw stored bytes by key in Redis, for a fleet of replicas.
//!
//! The one promise of this file is that Redis can never fail a request and never
//! cost one more than [`RedisSettings::budget`]:
//!
//! - Nothing waits for a connection at start. A [`RedisLink`] (single node,
//!   Sentinel or Cluster, see `redis_topology`) connects lazily, and a background prober task (one per tier, ending when the tier
//!   is dropped) pings until Redis answers and again whenever the tier is marked down.
//! - A lookup is one `MGET`, cut off at the budget. On a Cluster, redis-rs splits
//!   it per slot and asks each master for its keys at once, then puts the answers
//!   back in order: product keys are deliberately *not* hash-tagged into one slot,
//!   which would put the whole catalog (and all its traffic) on one master. Any error or timeout marks the
//!   tier `down`; while down, lookups and writes skip Redis entirely (no budget spent)
//!   until the prober sees Redis answer again. So a dead or stalled Redis costs one
//!   request's budget per outage, not every request's.
//! - Writes are `SET key value PX ms`, queued so the caller never waits and sent
//!   by one sender per tier, everything queued as one pipeline (`write_queue`: the
//!   keys and values are made there too); each pipeline is cut off at
//!   [`WRITE_TIMEOUT`], and at most [`MAX_QUEUED_WRITES`](super::write_queue::MAX_QUEUED_WRITES) writes wait, so a slow
//!   Redis cannot pile up work. A write that does not fit is dropped and counted:
//!   the entry is still in the local tier.
//!
//! - Invalidations (an operator's) are an awaited `DEL`, then an `XADD` to the
//!   stream `<prefix>invalidations`; every replica reads that stream from where it
//!   left off, on a connection of its own ([`dedicated_connection`]: on Sentinel to
//!   the master named now, on a Cluster to the stream's master), in a background
//!   task reconnecting after failures, so invalidation reading never blocks a
//!   lookup. What is sent and read, and why a stream and not pub/sub, is
//!   `invalidations`'s business; an invalidation Redis did not confirm waits in its
//!   outbox.
//!
//! This file knows keys and bytes only; what the bytes mean is `codec`'s business
//! and which keys to ask for is `product_cache`'s.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::invalidations::{self, Heard, Invalidation, Outbox};
use super::settings::RedisSettings;
use super::stats::{Counters, add};
pub(crate) use super::write_queue::Write;
use super::write_queue::{Queued, WriteQueue};
use crate::redis_topology::{Dedicated, LinkTimeouts, RedisLink};

/// Longest a write pipeline may take; writes are off the request path, so this is
/// looser than the lookup budget, but bounded so a stalled Redis frees its permits.
pub(crate) const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the prober tries a Redis that is not known to be up.
const PROBE_INTERVAL: Duration = Duration::from_millis(500);
/// Longest the prober waits for one `PING` (it is not on any request's path).
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest one connection attempt may take (TCP connect plus handshake).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Longest the connection waits for one answer before it is dropped and opened
/// again (on Sentinel, after asking for the master again): under [`PROBE_TIMEOUT`],
/// so the prober's `PING` of a black-holed master reaches it.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);

/// The tier's view of Redis, as reported by `ProductCache::redis_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Status {
    /// Not yet heard from since start: lookups try it (within the budget).
    Connecting = 0,
    /// Last operation or probe succeeded.
    Connected = 1,
    /// Last operation or probe failed: skipped until a probe succeeds.
    Down = 2,
}

impl Status {
    fn from_u8(value: u8) -> Status {
        match value {
            0 => Status::Connecting,
            1 => Status::Connected,
            _ => Status::Down,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "connecting",
            Status::Connected => "connected",
            Status::Down => "down",
        }
    }
}

/// Handle to the Redis tier; clones share the connection, status and write budget.
#[derive(Clone)]
pub(crate) struct RedisTier {
    shared: Arc<Shared>,
}

struct Shared {
    /// `None` when the target is unusable or there was no tokio runtime at start:
    /// the tier then stays `down` and the cache works from the local tier alone.
    link: Option<RedisLink>,
    settings: RedisSettings,
    status: AtomicU8,
    counters: Arc<Counters>,
    /// Writes waiting for the sender (`write_queue`).
    queue: WriteQueue,
    /// Whether the invalidation reader is connected and reading now.
    following: Arc<AtomicBool>,
    /// Invalidations Redis did not confirm, sent again by the reader.
    outbox: Arc<Outbox>,
}

impl RedisTier {
    /// Sets up the tier without waiting for Redis: never fails, never blocks.
    ///
    /// Needs a tokio runtime for its background prober; called outside one, the
    /// tier logs why and stays `down`.
    pub(crate) fn start(settings: RedisSettings, counters: Arc<Counters>) -> RedisTier {
        let runtime = tokio::runtime::Handle::try_current();
        let link = match &runtime {
            Ok(_) => link(&settings),
            Err(_) => {
                tracing::warn!("redis tier needs a tokio runtime; using the local cache only");
                None
            }
        };
        let status = if link.is_some() {
            Status::Connecting
        } else {
            Status::Down
        };
        let tier = RedisTier {
            shared: Arc::new(Shared {
                link,
                settings,
                status: AtomicU8::new(status as u8),
                counters,
                queue: WriteQueue::default(),
                following: Arc::new(AtomicBool::new(false)),
                outbox: Arc::default(),
            }),
        };
        if let (Ok(runtime), Some(_)) = (runtime, &tier.shared.link) {
            runtime.spawn(probe_while_alive(Arc::downgrade(&tier.shared)));
        }
        tier
    }

    /// `"connected"`, `"connecting"` or `"down"`.
    pub(crate) fn status(&self) -> &'static str {
        self.shared.status().as_str()
    }

    /// The Redis key of a canonical GTIN-14.
    pub(crate) fn key(&self, gtin14: &str) -> String {
        let prefix = &self.shared.settings.key_prefix;
        let mut key = String::with_capacity(prefix.len() + gtin14.len());
        key.push_str(prefix);
        key.push_str(gtin14);
        key
    }

    /// One `MGET` of `keys`, answered with one value per key, or `None` when Redis
    /// is down, fails, or does not answer within the budget.
    pub(crate) async fn get_many(&self, keys: &[String]) -> Option<Vec<Option<Vec<u8>>>> {
        let shared = &self.shared;
        let link = shared.usable_link()?;
        if keys.is_empty() {
            return Some(Vec::new());
        }
        let mut conn = link.clone();
        let mut mget = redis::cmd("MGET");
        mget.arg(keys);
        let asked = mget.query_async::<Vec<Option<Vec<u8>>>>(&mut conn);
        match tokio::time::timeout(shared.settings.budget, asked).await {
            Ok(Ok(values)) if values.len() == keys.len() => {
                shared.mark_connected();
                Some(values)
            }
            Ok(Ok(values)) => {
                add(&shared.counters.redis_errors, 1);
                let got = values.len();
                shared.mark_down(&format!("MGET of {} keys answered {got}", keys.len()));
                None
            }
            Ok(Err(error)) => {
                add(&shared.counters.redis_errors, 1);
                shared.mark_down(&error.to_string());
                None
            }
            Err(_) => {
                add(&shared.counters.redis_timeouts, 1);
                shared.mark_down("MGET took longer than the budget");
                None
            }
        }
    }

    /// The stream invalidations go out on (the key prefix's namespace).
    fn stream(&self) -> String {
        format!("{}invalidations", self.shared.settings.key_prefix)
    }

    /// Deletes `keys`, then adds an entry naming `gtins` (GTIN-14s, comma-separated)
    /// to the invalidation stream, waiting up to [`WRITE_TIMEOUT`]. Unlike lookups
    /// it is tried even while the tier is marked down: an operator asked for it and
    /// is told the outcome. Not confirmed, it waits in the outbox and is sent again
    /// once Redis answers (by the reader of [`RedisTier::follow_invalidations`]).
    ///
    /// # Errors
    /// Why Redis did not confirm it.
    pub(crate) async fn delete_and_announce(
        &self,
        keys: Vec<String>,
        from: &str,
        gtins: String,
    ) -> Result<(), String> {
        let shared = &self.shared;
        let Some(link) = &shared.link else {
            return Err("the redis settings are unusable".to_owned());
        };
        let invalidation = Invalidation {
            keys,
            from: from.to_owned(),
            gtins,
        };
        let (mut conn, stream) = (link.clone(), self.stream());
        let sent = invalidations::send(&mut conn, &stream, &invalidation);
        let failed = match tokio::time::timeout(WRITE_TIMEOUT, sent).await {
            Ok(Ok(())) => {
                shared.mark_connected();
                return Ok(());
            }
            Ok(Err(error)) => {
                add(&shared.counters.redis_errors, 1);
                shared.mark_down(&error.to_string());
                error.to_string()
            }
            Err(_) => {
                add(&shared.counters.redis_timeouts, 1);
                shared.mark_down("invalidation took longer than its timeout");
                "redis did not answer in time".to_owned()
            }
        };
        shared.outbox.push(invalidation);
        Err(failed)
    }

    /// Whether the invalidation reader is connected and reading now.
    pub(crate) fn following(&self) -> bool {
        self.shared.following.load(Ordering::Relaxed)
    }

    /// Invalidations Redis did not confirm yet, waiting to be sent again.
    pub(crate) fn unsent_invalidations(&self) -> usize {
        self.shared.outbox.len()
    }

    /// Reads the invalidation stream in a background task that calls `heard` with
    /// each entry (this replica's own included) and with "forget everything" when
    /// it cannot prove it missed none; it also sends what waits in the outbox. It
    /// reconnects after failures and ends once the tier is dropped. Needs a tokio
    /// runtime (called from `app`, in one).
    pub(crate) fn follow_invalidations(&self, heard: impl Fn(Heard<'_>) + Send + Sync + 'static) {
        if self.shared.link.is_none() {
            return;
        }
        let weak = Arc::downgrade(&self.shared);
        let Some(link) = self.shared.link.clone() else {
            return;
        };
        let stream = self.stream();
        let following = Arc::clone(&self.shared.following);
        let outbox = Arc::clone(&self.shared.outbox);
        tokio::spawn(async move {
            invalidations::follow(
                || dedicated_connection(&link),
                stream,
                &outbox,
                &following,
                || weak.strong_count() > 0,
                heard,
            )
            .await;
        });
    }

    /// Queues the `count` writes `make` makes and returns at once; the tier's
    /// sender calls `make` (encoding is off the caller's path too) and sends them
    /// with whatever else is queued, as one pipeline (`write_queue`).
    ///
    /// Must be called within a tokio runtime (it is: the caller is async). Dropped,
    /// and counted in `redis_writes_dropped`, while Redis is down or when
    /// [`MAX_QUEUED_WRITES`](super::write_queue::MAX_QUEUED_WRITES) writes are already waiting.
    pub(crate) fn put_many(
        &self,
        count: usize,
        make: impl FnOnce() -> Vec<Write> + Send + 'static,
    ) {
        if count == 0 {
            return;
        }
        let shared = &self.shared;
        let dropped = u64::try_from(count).unwrap_or(u64::MAX);
        if shared.usable_link().is_none() {
            add(&shared.counters.redis_writes_dropped, dropped);
            return;
        }
        match shared.queue.push(count, Box::new(make)) {
            Queued::StartSender => {
                tokio::spawn(send_queued(Arc::clone(shared)));
            }
            Queued::SenderRunning => {}
            Queued::Full => add(&shared.counters.redis_writes_dropped, dropped),
        }
    }
}

/// A `SET … PX ms` command's bytes beside its key and value: the words and
/// the expiry's digits.
const SET_PX_BYTES: usize = 3 + 2 + 20;

/// The tier's sender: sends what is queued as one pipeline, each cut off at
/// [`WRITE_TIMEOUT`], until the queue is empty. Writes taken while Redis is down are
/// dropped and counted.
async fn send_queued(shared: Arc<Shared>) {
    while let Some(batches) = shared.queue.take() {
        let writes: Vec<Write> = batches.into_iter().flat_map(|make| make()).collect();
        let Some(link) = shared.usable_link() else {
            let dropped = u64::try_from(writes.len()).unwrap_or(u64::MAX);
            add(&shared.counters.redis_writes_dropped, dropped);
            continue;
        };
        let mut conn = link.clone();
        let mut pipe = redis::Pipeline::with_capacity(writes.len());
        for write in &writes {
            // Sized at once: a command's buffer grows from empty by doubling, some
            // seven times for a product's `SET`.
            let size = SET_PX_BYTES + write.key.len() + write.value.len();
            let mut set = redis::Cmd::with_capacity(5, size);
            set.arg("SET")
                .arg(&write.key)
                .arg(&write.value)
                .arg("PX")
                .arg(write.expire_ms.max(1));
            pipe.add_command(set).ignore();
        }
        match tokio::time::timeout(WRITE_TIMEOUT, pipe.exec_async(&mut conn)).await {
            Ok(Ok(())) => shared.mark_connected(),
            Ok(Err(error)) => {
                add(&shared.counters.redis_errors, 1);
                shared.mark_down(&error.to_string());
            }
            Err(_) => {
                add(&shared.counters.redis_timeouts, 1);
                shared.mark_down("write pipeline took longer than its timeout");
            }
        }
    }
}

impl Shared {
    fn status(&self) -> Status {
        Status::from_u8(self.status.load(Ordering::Relaxed))
    }

    /// The connection to use now, or `None` while the tier is down.
    fn usable_link(&self) -> Option<&RedisLink> {
        match self.status() {
            Status::Down => None,
            Status::Connecting | Status::Connected => self.link.as_ref(),
        }
    }

    fn mark_connected(&self) {
        let before = self.status.swap(Status::Connected as u8, Ordering::Relaxed);
        if Status::from_u8(before) != Status::Connected {
            tracing::info!(redis = %self.settings.target.describe(), "redis tier connected");
        }
    }

    fn mark_down(&self, why: &str) {
        let before = self.status.swap(Status::Down as u8, Ordering::Relaxed);
        if Status::from_u8(before) != Status::Down {
            tracing::warn!(
                redis = %self.settings.target.describe(),
                error = why,
                "redis tier down; serving from the local cache only until it answers again"
            );
        } else {
            tracing::debug!(error = why, "redis tier still down");
        }
    }

    /// One `PING`, bounded by [`PROBE_TIMEOUT`]; updates the status.
    async fn probe(&self) {
        let Some(link) = &self.link else {
            return;
        };
        let mut conn = link.clone();
        let ping_cmd = redis::cmd("PING");
        let ping = ping_cmd.query_async::<String>(&mut conn);
        match tokio::time::timeout(PROBE_TIMEOUT, ping).await {
            Ok(Ok(_)) => self.mark_connected(),
            Ok(Err(error)) => self.mark_down(&error.to_string()),
            Err(_) => self.mark_down("PING took longer than the probe timeout"),
        }
    }
}

/// The prober: every [`PROBE_INTERVAL`], pings Redis unless it is known to be up.
/// Holds only a weak reference between probes, so it ends once the tier is dropped.
async fn probe_while_alive(shared: Weak<Shared>) {
    loop {
        {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            if shared.status() != Status::Connected {
                shared.probe().await;
            }
        }
        tokio::time::sleep(PROBE_INTERVAL).await;
    }
}

/// A connection of its own for the invalidation reader, whose blocking `XREAD`
/// must not sit on the connection lookups share; its response timeout allows for
/// the block. On Sentinel it goes to the master the Sentinels name now; on a
/// Cluster, redis-rs routes the reads to the stream's master.
///
/// # Errors
/// Why no connection could be made.
pub(crate) async fn dedicated_connection(link: &RedisLink) -> Result<Dedicated, String> {
    link.dedicated(Some(invalidations::BLOCK + CONNECT_TIMEOUT))
        .await
        .map_err(|error| error.to_string())
}

/// A lazily connecting link to the settings' Redis, or `None` (logged) when it is unusable.
fn link(settings: &RedisSettings) -> Option<RedisLink> {
    let timeouts = LinkTimeouts {
        connect: CONNECT_TIMEOUT,
        response: RESPONSE_TIMEOUT,
    };
    match RedisLink::new(settings.target.clone(), timeouts) {
        Ok(link) => Some(link),
        Err(error) => {
            tracing::warn!(
                redis = %settings.target.describe(),
                %error,
                "unusable redis settings; using the local cache only"
            );
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::redis_topology::RedisTarget;

    #[test]
    fn without_a_tokio_runtime_the_tier_starts_down_instead_of_panicking() {
        let tier = RedisTier::start(RedisSettings::default(), Arc::default());
        assert_eq!(tier.status(), "down");
    }

    #[tokio::test]
    async fn an_unusable_url_leaves_the_tier_down_and_lookups_skip_it() {
        let settings = RedisSettings {
            target: RedisTarget::single("not a url"),
            ..RedisSettings::default()
        };
        let tier = RedisTier::start(settings, Arc::default());

        assert_eq!(tier.status(), "down");
        assert_eq!(tier.get_many(&[tier.key("00000000000017")]).await, None);
    }

    #[tokio::test]
    async fn a_tls_url_is_usable_and_the_tier_starts_connecting() {
        // rustls is built in: `rediss://` is tried (lazily) like `redis://`, no
        // longer left down (an end-to-end TLS test is in tests/api/redis_topologies.rs).
        let settings = RedisSettings {
            target: RedisTarget::single("rediss://cache.internal:6380"),
            ..RedisSettings::default()
        };
        assert_eq!(
            RedisTier::start(settings, Arc::default()).status(),
            "connecting"
        );
    }

    #[test]
    fn keys_are_the_prefix_then_the_gtin14() {
        let tier = RedisTier::start(RedisSettings::default(), Arc::default());
        assert_eq!(
            tier.key("09520000000017"),
            "catalog-gateway:v1:09520000000017"
        );
    }
}

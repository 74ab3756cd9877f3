//! Invalidations every replica hears, even one that was away: a bounded Redis
//! stream, `<prefix>invalidations`, that each replica reads from where it left off.
//!
//! **Sending.** An operator's invalidation is a `DEL` of the products' keys, then
//! (once the `DEL` answered) an `XADD … MAXLEN ~ STREAM_MAXLEN` of one entry
//! `from <replica> gtins <gtin14>,<gtin14>…`. The `DEL` comes first, and is awaited,
//! so that no replica told to forget can refill from Redis the copy it was told to
//! forget; two round trips rather than one `MULTI`, because on a Redis Cluster the
//! product keys and the stream live on different masters and no transaction spans
//! them, while "`DEL` answered, then `XADD`" orders them on any topology. An
//! invalidation Redis did not confirm waits in a small bounded [`Outbox`] and is
//! sent again, by the reader, as soon as Redis answers it (the operator was told
//! `redis: failed` all the same).
//!
//! **Reading.** Every replica (the sender too) runs [`follow`]: a blocking
//! `XREAD BLOCK 1000 STREAMS key <last id>` on a connection of its own, so it never
//! sits on the shared connection lookups use, and it returns as soon as an entry is
//! added (milliseconds, not a poll interval). For each entry the caller forgets
//! the GTINs in its local tiers; the sender hears its own entry after its `DEL`, so
//! a lookup that put the old copy back between its first local forget and the
//! `DEL` is undone.
//!
//! **Continuity.** After a reconnect the reader goes on from its last id, so what
//! was sent while it was away is applied then. It goes on only if it can prove it
//! missed nothing: the entry at its last id is still in the stream. Entries leave a
//! stream only from the head (trimming; nobody `XDEL`s), so if that entry is there,
//! everything after it is too; if it is gone, the stream was trimmed past it, or
//! deleted, or Redis restarted or failed over without it, and the reader cannot
//! tell what it missed. Then it starts again from the stream's current end and
//! tells the caller to forget *everything* (safe: it only costs refills), counted
//! as a full clear. The same proof runs after every non-empty read, as a burst
//! larger than the stream's bound could be trimmed between two reads. At start
//! there is no last id: the reader begins at the current end and forgets what was
//! cached before it got there (little: the replica just started), not counted as
//! a loss. An empty stream gets a `marker` entry first, so there is always an
//! entry to continue from (a Redis restarted empty is then noticed: the marker is
//! gone).
//!
//! **While Redis is away** a replica cannot be told anything, and it does not need
//! to act on time: what was sent while it was disconnected is in the stream when it
//! reconnects, and it clears everything only if that history was lost. So the
//! guarantee is: within a second on every replica connected to Redis (in practice
//! milliseconds); on reconnect, before anything else; and never "old until the
//! TTL". What Redis itself lost (an acknowledged write that a restart without
//! persistence or an asynchronous failover dropped *after* a reader's last id) no
//! reader can see; that is the limit of Redis's own durability.
//!
//! Why a stream and not pub/sub (used before): pub/sub delivers at most once, to
//! whoever is subscribed at that instant, so a replica reconnecting missed the
//! message for good. Sharded pub/sub (Redis 7, `SPUBLISH`) has the same flaw per
//! shard. A stream is one key: on a Cluster it lives on one master and every
//! replica reads it from there; one mechanism for all topologies, with the same
//! latency as pub/sub (`XREAD BLOCK` wakes on `XADD`).
//!
//! This file speaks to any [`ConnectionLike`]; how the connection is made (single
//! node, Sentinel, Cluster) is the caller's business (`redis_tier::dedicated_connection`).

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::Value;
use redis::aio::ConnectionLike;

/// Most entries the stream keeps (about: `MAXLEN ~` trims whole nodes). A replica
/// away for longer than this many invalidations clears everything on return.
pub(crate) const STREAM_MAXLEN: usize = 10_000;
/// How long one `XREAD` waits for an entry before the reader looks around (tier
/// dropped? outbox to send?). An entry ends the wait at once.
pub(crate) const BLOCK: Duration = Duration::from_millis(1_000);
/// Most entries one read returns.
const READ_COUNT: usize = 100;
/// Most product keys the outbox holds; past it the oldest invalidations are
/// dropped (and logged): the operator was told each of them failed.
pub(crate) const OUTBOX_MAX_KEYS: usize = 10_000;
/// How long the reader waits before connecting again after a failure.
const RETRY_AFTER: Duration = Duration::from_millis(500);
/// Longest one connection attempt, or one command other than the blocking read, may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

/// One invalidation to send: the keys to delete and the stream entry announcing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalidation {
    /// Full Redis keys of the products (prefix included).
    pub(crate) keys: Vec<String>,
    /// The sending replica's id.
    pub(crate) from: String,
    /// The GTIN-14s, comma-separated.
    pub(crate) gtins: String,
}

/// What the reader tells the caller to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Heard<'a> {
    /// One entry: forget these GTIN-14s (comma-separated), sent by replica `from`.
    Entry {
        /// The sending replica's id (this replica's own included).
        from: &'a str,
        /// The GTIN-14s, comma-separated.
        gtins: &'a str,
    },
    /// Forget everything: the reader cannot prove it heard every entry.
    Everything(ClearReason),
}

/// Why the reader asks to forget everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClearReason {
    /// The reader's first connection: what was cached before it is not covered.
    Start,
    /// The entry at the reader's last id is gone: entries may have been missed.
    ContinuityLost,
}

/// Invalidations Redis did not confirm, sent again once it answers. Bounded by
/// [`OUTBOX_MAX_KEYS`] keys.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pending: Mutex<VecDeque<Invalidation>>,
}

impl Outbox {
    /// Keeps `invalidation` to send later, dropping the oldest past the bound.
    pub(crate) fn push(&self, invalidation: Invalidation) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.push_back(invalidation);
        let mut keys: usize = pending.iter().map(|i| i.keys.len()).sum();
        while keys > OUTBOX_MAX_KEYS && pending.len() > 1 {
            if let Some(dropped) = pending.pop_front() {
                keys -= dropped.keys.len();
                tracing::warn!(
                    gtins = %dropped.gtins,
                    "invalidation outbox full; the oldest unsent invalidation is dropped"
                );
            }
        }
    }

    /// How many invalidations wait.
    pub(crate) fn len(&self) -> usize {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn front(&self) -> Option<Invalidation> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .front()
            .cloned()
    }

    /// Removes `sent` if it is still the oldest (a newer push may have dropped it).
    fn sent(&self, sent: &Invalidation) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.front() == Some(sent) {
            pending.pop_front();
        }
    }
}

/// `DEL` of the keys, then `XADD` of the entry to `stream`: see the module doc.
///
/// # Errors
/// The first Redis error; the caller decides whether to keep it for later.
pub(crate) async fn send<C: ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
    invalidation: &Invalidation,
) -> redis::RedisResult<()> {
    if !invalidation.keys.is_empty() {
        redis::cmd("DEL")
            .arg(&invalidation.keys)
            .exec_async(conn)
            .await?;
    }
    redis::cmd("XADD")
        .arg(stream)
        .arg("MAXLEN")
        .arg("~")
        .arg(STREAM_MAXLEN)
        .arg("*")
        .arg("from")
        .arg(&invalidation.from)
        .arg("gtins")
        .arg(&invalidation.gtins)
        .exec_async(conn)
        .await
}

/// The reader: connects with `connect`, reads `stream` and calls `heard`, sends
/// what waits in `outbox`, and connects again after any failure, until `alive`
/// says the owner is gone. `following` is true while it is connected and reading.
pub(crate) async fn follow<C, Connect, Connecting>(
    connect: Connect,
    stream: String,
    outbox: &Outbox,
    following: &AtomicBool,
    alive: impl Fn() -> bool,
    heard: impl Fn(Heard<'_>),
) where
    C: ConnectionLike + Send,
    Connect: Fn() -> Connecting,
    Connecting: Future<Output = Result<C, String>>,
{
    let mut reader = Reader {
        stream,
        last_id: None,
    };
    while alive() {
        let connected = match tokio::time::timeout(COMMAND_TIMEOUT, connect()).await {
            Ok(connected) => connected,
            Err(_) => Err("connecting took longer than its timeout".to_owned()),
        };
        match connected {
            Ok(mut conn) => {
                let ended = reader
                    .read(&mut conn, outbox, following, &alive, &heard)
                    .await;
                if following.swap(false, Ordering::Relaxed) {
                    tracing::warn!(stream = %reader.stream, "invalidation reader disconnected; reconnecting");
                }
                if let Err(error) = ended {
                    tracing::debug!(%error, "invalidation reader failed");
                }
            }
            Err(error) => tracing::debug!(%error, "invalidation reader cannot connect"),
        }
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

/// The reader's place in the stream, kept across connections.
struct Reader {
    stream: String,
    /// The id of the last entry applied; `None` before the first connection.
    last_id: Option<String>,
}

impl Reader {
    /// Reads on `conn` until it fails or the owner is gone (`Ok`).
    async fn read<C: ConnectionLike + Send>(
        &mut self,
        conn: &mut C,
        outbox: &Outbox,
        following: &AtomicBool,
        alive: &impl Fn() -> bool,
        heard: &impl Fn(Heard<'_>),
    ) -> Result<(), String> {
        let continues = match &self.last_id {
            Some(id) => bounded(still_there(conn, &self.stream, id)).await?,
            None => false,
        };
        if !continues {
            self.start_over(conn, heard).await?;
        }
        following.store(true, Ordering::Relaxed);
        tracing::info!(stream = %self.stream, "following invalidations");
        while alive() {
            while let Some(invalidation) = outbox.front() {
                bounded(send(conn, &self.stream, &invalidation)).await?;
                outbox.sent(&invalidation);
                tracing::info!(gtins = %invalidation.gtins, "sent an invalidation Redis had not confirmed");
            }
            let Some(from) = self.last_id.clone() else {
                return Err("no position in the stream".to_owned());
            };
            let read = xread(&self.stream, &from);
            let reply =
                match tokio::time::timeout(BLOCK + COMMAND_TIMEOUT, read.query_async(conn)).await {
                    Ok(reply) => reply.map_err(|error| error.to_string())?,
                    Err(_) => return Err("XREAD took longer than its block time".to_owned()),
                };
            let entries = stream_entries(&reply);
            if entries.is_empty() {
                continue;
            }
            for entry in &entries {
                if let Some(gtins) = entry.field("gtins") {
                    let from = entry.field("from").unwrap_or_default();
                    heard(Heard::Entry { from, gtins });
                }
                self.last_id = Some(entry.id.clone());
            }
            // Was anything trimmed between `from` and what this read returned?
            if !bounded(still_there(conn, &self.stream, &from)).await? {
                tracing::warn!(stream = %self.stream, "invalidations trimmed before they were read");
                self.start_over(conn, heard).await?;
            }
        }
        Ok(())
    }

    /// Takes the stream's current end as the place to read from, then asks the
    /// caller to forget everything (in that order: entries added after the end
    /// was read are read; those before are covered by the forgetting).
    async fn start_over<C: ConnectionLike + Send>(
        &mut self,
        conn: &mut C,
        heard: &impl Fn(Heard<'_>),
    ) -> Result<(), String> {
        let end = bounded(current_end(conn, &self.stream)).await?;
        let reason = match self.last_id {
            Some(_) => ClearReason::ContinuityLost,
            None => ClearReason::Start,
        };
        if reason == ClearReason::ContinuityLost {
            tracing::warn!(
                stream = %self.stream,
                "cannot prove no invalidation was missed; forgetting every cached product"
            );
        }
        heard(Heard::Everything(reason));
        self.last_id = Some(end);
        Ok(())
    }
}

/// `XREAD COUNT … BLOCK … STREAMS stream from`.
fn xread(stream: &str, from: &str) -> redis::Cmd {
    let mut cmd = redis::cmd("XREAD");
    cmd.arg("COUNT")
        .arg(READ_COUNT)
        .arg("BLOCK")
        .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(u64::MAX))
        .arg("STREAMS")
        .arg(stream)
        .arg(from);
    cmd
}

/// `future` cut off at [`COMMAND_TIMEOUT`], its error as text.
async fn bounded<T>(future: impl Future<Output = redis::RedisResult<T>>) -> Result<T, String> {
    match tokio::time::timeout(COMMAND_TIMEOUT, future).await {
        Ok(result) => result.map_err(|error| error.to_string()),
        Err(_) => Err("redis did not answer in time".to_owned()),
    }
}

/// Whether the entry `id` is still in `stream`.
async fn still_there<C: ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
    id: &str,
) -> redis::RedisResult<bool> {
    let reply: Value = redis::cmd("XRANGE")
        .arg(stream)
        .arg(id)
        .arg(id)
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    Ok(!entries(&reply).is_empty())
}

/// The id of the newest entry of `stream`, adding a `marker` entry first when the
/// stream is empty or absent (so there is always an entry to continue from).
async fn current_end<C: ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
) -> redis::RedisResult<String> {
    let reply: Value = redis::cmd("XREVRANGE")
        .arg(stream)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    if let Some(newest) = entries(&reply).into_iter().next() {
        return Ok(newest.id);
    }
    redis::cmd("XADD")
        .arg(stream)
        .arg("MAXLEN")
        .arg("~")
        .arg(STREAM_MAXLEN)
        .arg("*")
        .arg("marker")
        .arg("start")
        .query_async(conn)
        .await
}

/// One stream entry: its id and its field/value pairs.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    id: String,
    fields: Vec<(String, String)>,
}

impl Entry {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The entries of an `XREAD` reply for one stream (`Nil` when the block timed
/// out): `[[stream, [entry…]]]` in RESP2, `{stream: [entry…]}` in RESP3.
fn stream_entries(reply: &Value) -> Vec<Entry> {
    match reply {
        Value::Array(streams) => streams
            .iter()
            .filter_map(|stream| match stream {
                Value::Array(pair) => pair.get(1),
                _ => None,
            })
            .flat_map(entries)
            .collect(),
        Value::Map(streams) => streams.iter().flat_map(|(_, list)| entries(list)).collect(),
        _ => Vec::new(),
    }
}

/// The entries of an `XRANGE`-shaped reply: `[[id, [field, value, …]], …]`.
fn entries(reply: &Value) -> Vec<Entry> {
    let Value::Array(list) = reply else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|entry| {
            let Value::Array(parts) = entry else {
                return None;
            };
            let id = text(parts.first()?)?;
            let fields = match parts.get(1) {
                Some(Value::Array(flat)) => flat
                    .chunks_exact(2)
                    .filter_map(|pair| Some((text(&pair[0])?, text(&pair[1])?)))
                    .collect(),
                Some(Value::Map(pairs)) => pairs
                    .iter()
                    .filter_map(|(field, value)| Some((text(field)?, text(value)?)))
                    .collect(),
                _ => Vec::new(),
            };
            Some(Entry { id, fields })
        })
        .collect()
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(text) => Some(text.clone()),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    fn entry(id: &str, fields: &[&str]) -> Value {
        Value::Array(vec![
            bulk(id),
            Value::Array(fields.iter().map(|f| bulk(f)).collect()),
        ])
    }

    #[test]
    fn an_xread_reply_gives_its_entries_in_order_and_a_timeout_gives_none() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("inv"),
            Value::Array(vec![
                entry("1-0", &["from", "a", "gtins", "00000000000017"]),
                entry("2-0", &["marker", "start"]),
            ]),
        ])]);

        let read = stream_entries(&reply);

        assert_eq!(read.len(), 2);
        assert_eq!(read[0].id, "1-0");
        assert_eq!(read[0].field("gtins"), Some("00000000000017"));
        assert_eq!(read[0].field("from"), Some("a"));
        assert_eq!(read[1].field("gtins"), None);
        assert!(stream_entries(&Value::Nil).is_empty());
    }

    #[test]
    fn a_resp3_xread_reply_reads_the_same() {
        let reply = Value::Map(vec![(
            bulk("inv"),
            Value::Array(vec![entry("5-1", &["gtins", "x"])]),
        )]);

        assert_eq!(stream_entries(&reply)[0].id, "5-1");
    }

    fn invalidation(keys: usize, gtins: &str) -> Invalidation {
        Invalidation {
            keys: (0..keys).map(|k| k.to_string()).collect(),
            from: "a".to_owned(),
            gtins: gtins.to_owned(),
        }
    }

    #[test]
    fn the_outbox_drops_the_oldest_past_its_bound_and_keeps_the_newest() {
        let outbox = Outbox::default();
        outbox.push(invalidation(OUTBOX_MAX_KEYS / 2, "first"));
        outbox.push(invalidation(OUTBOX_MAX_KEYS / 2, "second"));
        assert_eq!(outbox.len(), 2);

        outbox.push(invalidation(1, "third"));

        assert_eq!(outbox.len(), 2);
        assert_eq!(outbox.front().unwrap().gtins, "second");
        // One larger than the bound on its own is still kept: it is the newest.
        outbox.push(invalidation(OUTBOX_MAX_KEYS + 1, "huge"));
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox.front().unwrap().gtins, "huge");
    }

    #[test]
    fn sending_removes_only_what_was_sent() {
        let outbox = Outbox::default();
        outbox.push(invalidation(1, "first"));
        let first = outbox.front().unwrap();
        outbox.sent(&invalidation(1, "other"));
        assert_eq!(outbox.len(), 1);

        outbox.sent(&first);

        assert_eq!(outbox.len(), 0);
    }
}

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
//! missed nothing: an entry at or before its last id is still in the stream.
//! Entries leave a stream only from the head (trimming; nobody `XDEL`s), so if one
//! is there, everything after it is too; if none is, the stream was trimmed past
//! it, or deleted, or Redis restarted or failed over without it, and the reader
//! cannot tell what it missed. Then it starts again from the stream's current end
//! and tells the caller to forget *everything* (safe: it only costs refills),
//! counted as a full clear. The same proof runs after every non-empty read, as a
//! burst larger than the stream's bound could be trimmed between two reads.
//!
//! **At start** the reader begins at the moment its replica started, in Redis's
//! clock (`TIME` less the time since start, less a second of margin), not at the
//! stream's end: what was sent between the start and the reader's first connection
//! is applied too, and nothing needs forgetting (what is applied twice is only
//! forgotten twice). That place holds if an entry from before it is still in the
//! stream, or nothing was ever removed from the stream (`entries-added` equals
//! `length` in `XINFO STREAM`, Redis 7; trusted on the first connection only, as
//! after a reconnect the stream may be a new one); the first read past it makes
//! the place an entry like any other. An absent stream gets a `marker` entry, so
//! there is always an entry to continue from (a Redis restarted empty is then
//! noticed: the marker is gone). Otherwise (entries older than the start were trimmed: rare) it
//! starts at the end and forgets everything, not counted as a loss.
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
use std::time::{Duration, Instant};

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
/// How much earlier than its replica's start the reader begins (see "At start").
const START_MARGIN: Duration = Duration::from_secs(1);
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
    /// The reader's first connection found the stream trimmed past the replica's
    /// start: what was cached since may be old.
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
    append(stream)
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
        started: Instant::now(),
        entry_read: false,
        followed: false,
    };
    while alive() {
        // Twice a command's time: on Sentinel the master is looked up first.
        let connected = match tokio::time::timeout(COMMAND_TIMEOUT * 2, connect()).await {
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
    /// The id of the last entry applied (or the start place); `None` before the
    /// first connection.
    last_id: Option<String>,
    /// When the reader was set up (its replica's start, near enough).
    started: Instant,
    /// Whether `last_id` is an entry read (or a marker added), not the start place.
    entry_read: bool,
    /// Whether it has followed the stream yet (on any connection).
    followed: bool,
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
        let first = !self.followed;
        if self.last_id.is_none() {
            self.begin(conn).await?;
        }
        // A stream with nothing ever removed proves the start place only on the
        // first connection: after a reconnect it may be a new stream (a Redis
        // restarted empty), whose history says nothing of what was lost.
        let continues = match &self.last_id {
            Some(id) => {
                let fresh_ok = first && !self.entry_read;
                bounded(continues_from(conn, &self.stream, id, fresh_ok)).await?
            }
            None => false,
        };
        if !continues {
            let reason = if first {
                ClearReason::Start
            } else {
                ClearReason::ContinuityLost
            };
            self.start_over(conn, heard, reason).await?;
        }
        self.followed = true;
        following.store(true, Ordering::Relaxed);
        tracing::info!(stream = %self.stream, "following invalidations");
        while alive() {
            while let Some(invalidation) = outbox.front() {
                bounded(send(conn, &self.stream, &invalidation)).await?;
                outbox.sent(&invalidation);
                tracing::info!(gtins = %invalidation.gtins, "sent an invalidation Redis had not confirmed");
            }
            let Some(from) = self.last_id.clone() else {
                return Err("no place in the stream".to_owned());
            };
            let from_entry = self.entry_read;
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
            self.entry_read = true;
            // Was anything trimmed between `from` and what this read returned?
            // (On one connection a stream cannot have been replaced by a new one, so
            // "nothing ever removed" proves a start place here.)
            if !bounded(continues_from(conn, &self.stream, &from, !from_entry)).await? {
                tracing::warn!(stream = %self.stream, "invalidations trimmed before they were read");
                self.start_over(conn, heard, ClearReason::ContinuityLost)
                    .await?;
            }
        }
        Ok(())
    }

    /// The first place to read from: the replica's start in Redis's clock, or a
    /// new `marker` entry when the stream does not exist yet.
    async fn begin<C: ConnectionLike + Send>(&mut self, conn: &mut C) -> Result<(), String> {
        let (seconds, micros): (u64, u64) = bounded(redis::cmd("TIME").query_async(conn)).await?;
        let redis_now_ms = seconds.saturating_mul(1_000).saturating_add(micros / 1_000);
        let since = self.started.elapsed().saturating_add(START_MARGIN);
        let start_ms =
            redis_now_ms.saturating_sub(u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
        let exists: bool =
            bounded(redis::cmd("EXISTS").arg(&self.stream).query_async(conn)).await?;
        if exists {
            self.last_id = Some(format!("{start_ms}-0"));
            self.entry_read = false;
        } else {
            self.last_id = Some(bounded(current_end(conn, &self.stream)).await?);
            self.entry_read = true;
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
        reason: ClearReason,
    ) -> Result<(), String> {
        let end = bounded(current_end(conn, &self.stream)).await?;
        if reason == ClearReason::ContinuityLost {
            tracing::warn!(
                stream = %self.stream,
                "cannot prove no invalidation was missed; forgetting every cached product"
            );
        }
        heard(Heard::Everything(reason));
        self.last_id = Some(end);
        self.entry_read = true;
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

/// Whether reading `stream` on from `id` misses nothing: an entry at or before
/// `id` is still there (entries leave from the head only, so none after it left),
/// or, when `fresh_ok` (`id` is a start place, not an entry read, and the stream
/// is the one the replica started with), nothing was ever removed from the stream.
async fn continues_from<C: ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
    id: &str,
    fresh_ok: bool,
) -> redis::RedisResult<bool> {
    let reply: Value = redis::cmd("XREVRANGE")
        .arg(stream)
        .arg(id)
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    if !entries(&reply).is_empty() {
        return Ok(true);
    }
    if !fresh_ok {
        return Ok(false);
    }
    let info = match redis::cmd("XINFO")
        .arg("STREAM")
        .arg(stream)
        .query_async::<Value>(conn)
        .await
    {
        Ok(info) => info,
        // The server's answer ("no such key"): the stream is gone.
        Err(error) if error.code().is_some() => return Ok(false),
        Err(error) => return Err(error),
    };
    let added = info_field(&info, "entries-added");
    Ok(added.is_some() && added == info_field(&info, "length"))
}

/// The value of `name` in an `XINFO STREAM` reply (a flat list of names and
/// values in RESP2, a map in RESP3), as text; `None` when absent (`entries-added`
/// before Redis 7).
fn info_field(info: &Value, name: &str) -> Option<String> {
    let value = match info {
        Value::Array(flat) => flat
            .chunks_exact(2)
            .find(|pair| text(&pair[0]).as_deref() == Some(name))
            .map(|pair| &pair[1]),
        Value::Map(pairs) => pairs
            .iter()
            .find(|(field, _)| text(field).as_deref() == Some(name))
            .map(|(_, value)| value),
        _ => None,
    }?;
    match value {
        Value::Int(number) => Some(number.to_string()),
        other => text(other),
    }
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
    append(stream)
        .arg("marker")
        .arg("start")
        .query_async(conn)
        .await
}

/// `XADD stream MAXLEN ~ STREAM_MAXLEN *`, its fields to follow: the one way an
/// entry is added, so the stream stays bounded whoever adds to it.
fn append(stream: &str) -> redis::Cmd {
    let mut xadd = redis::cmd("XADD");
    xadd.arg(stream)
        .arg("MAXLEN")
        .arg("~")
        .arg(STREAM_MAXLEN)
        .arg("*");
    xadd
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

    #[test]
    fn xinfo_fields_are_read_as_text_in_either_protocol() {
        let flat = Value::Array(vec![
            bulk("length"),
            Value::Int(3),
            bulk("entries-added"),
            Value::Int(3),
        ]);
        let map = Value::Map(vec![(bulk("last-generated-id"), bulk("8-0"))]);

        assert_eq!(
            info_field(&flat, "length"),
            info_field(&flat, "entries-added")
        );
        assert_eq!(info_field(&flat, "length").as_deref(), Some("3"));
        assert_eq!(
            info_field(&map, "last-generated-id").as_deref(),
            Some("8-0")
        );
        assert_eq!(info_field(&map, "entries-added"), None);
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

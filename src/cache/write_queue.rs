//! Write-combining for the Redis tier: the products each loader batch found are
//! queued, and one sender per tier sends everything queued as one pipeline, then
//! whatever was queued while that pipeline was in flight as the next, and so on.
//!
//! Why: a pipeline per loader batch (what the tier did before) meant a task, a
//! write and a read of replies on both ends for every batch — a few `SET`s each at
//! cold-load rates. Most of what a small pipeline costs Redis is per round trip
//! (9 µs of Redis CPU per cold request, about one `SET` each, against 2.4 µs per `SET`
//! in a pipeline of 40: bench/JOURNAL.md, "Session 10"). Coalescing adds no wait: a
//! batch queued while nothing is in flight is sent at once.
//!
//! Bounded: at most [`MAX_QUEUED_WRITES`] writes wait; more are dropped (and
//! counted by the caller) rather than queued, as before. One pipeline at a time
//! also keeps the writes of one replica in the order they were made.

use std::sync::Mutex;

/// One `SET` of a write pipeline.
pub(crate) struct Write {
    /// Full Redis key (prefix included).
    pub(crate) key: String,
    /// Encoded entry.
    pub(crate) value: Vec<u8>,
    /// Expiry Redis applies (`PX`); must be at least 1 ms.
    pub(crate) expire_ms: u64,
}

/// Most writes waiting for the sender; beyond it a batch's writes are dropped.
pub(crate) const MAX_QUEUED_WRITES: usize = 10_000;
/// Most writes one pipeline carries; the rest wait for the next.
pub(crate) const MAX_PIPELINE_WRITES: usize = 1_000;

/// What makes a batch's writes (keys and encoded values), called by the sender so
/// the encoding is off the request's path.
pub(crate) type MakeWrites = Box<dyn FnOnce() -> Vec<Write> + Send>;

/// The queue of one tier.
#[derive(Default)]
pub(crate) struct WriteQueue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    batches: Vec<(usize, MakeWrites)>,
    /// Writes in `batches`.
    queued: usize,
    /// Whether a sender is running (it takes every batch queued until it stops).
    sending: bool,
}

/// What [`WriteQueue::push`] did with a batch.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Queued {
    /// Queued; a sender is to be started for it.
    StartSender,
    /// Queued; the running sender will take it.
    SenderRunning,
    /// Not queued: the queue is full.
    Full,
}

impl WriteQueue {
    /// Queues a batch of `count` writes.
    pub(crate) fn push(&self, count: usize, make: MakeWrites) -> Queued {
        let Ok(mut state) = self.state.lock() else {
            return Queued::Full;
        };
        if state.queued.saturating_add(count) > MAX_QUEUED_WRITES {
            return Queued::Full;
        }
        state.queued += count;
        state.batches.push((count, make));
        if state.sending {
            Queued::SenderRunning
        } else {
            state.sending = true;
            Queued::StartSender
        }
    }

    /// The batches to send next (at least one, up to about [`MAX_PIPELINE_WRITES`]
    /// writes), or `None` when the queue is empty: the sender then stops, and the
    /// next [`WriteQueue::push`] starts one again.
    pub(crate) fn take(&self) -> Option<Vec<MakeWrites>> {
        let Ok(mut state) = self.state.lock() else {
            return None;
        };
        if state.batches.is_empty() {
            state.sending = false;
            return None;
        }
        let mut writes = 0;
        let mut upto = 0;
        for (count, _) in &state.batches {
            if upto > 0 && writes + count > MAX_PIPELINE_WRITES {
                break;
            }
            writes += count;
            upto += 1;
        }
        state.queued -= writes;
        Some(state.batches.drain(..upto).map(|(_, make)| make).collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn batch(count: usize, tag: &'static str) -> MakeWrites {
        Box::new(move || {
            (0..count)
                .map(|i| Write {
                    key: format!("{tag}{i}"),
                    value: Vec::new(),
                    expire_ms: 1,
                })
                .collect()
        })
    }

    fn keys(taken: Vec<MakeWrites>) -> Vec<String> {
        taken
            .into_iter()
            .flat_map(|make| make())
            .map(|write| write.key)
            .collect()
    }

    #[test]
    fn the_first_batch_starts_a_sender_and_later_ones_ride_with_it_in_order() {
        let queue = WriteQueue::default();
        assert_eq!(queue.push(2, batch(2, "a")), Queued::StartSender);
        assert_eq!(queue.push(1, batch(1, "b")), Queued::SenderRunning);
        assert_eq!(keys(queue.take().unwrap()), ["a0", "a1", "b0"]);
        assert_eq!(queue.push(1, batch(1, "c")), Queued::SenderRunning);
        assert_eq!(keys(queue.take().unwrap()), ["c0"]);
        assert!(queue.take().is_none(), "empty: the sender stops");
        assert_eq!(queue.push(1, batch(1, "d")), Queued::StartSender);
    }

    #[test]
    fn a_pipeline_carries_at_most_its_share_and_the_rest_waits() {
        let queue = WriteQueue::default();
        queue.push(MAX_PIPELINE_WRITES - 1, batch(MAX_PIPELINE_WRITES - 1, "a"));
        queue.push(2, batch(2, "b"));
        assert_eq!(keys(queue.take().unwrap()).len(), MAX_PIPELINE_WRITES - 1);
        assert_eq!(keys(queue.take().unwrap()), ["b0", "b1"]);
        // One batch over the share still goes, alone.
        queue.push(MAX_PIPELINE_WRITES + 5, batch(MAX_PIPELINE_WRITES + 5, "c"));
        assert_eq!(keys(queue.take().unwrap()).len(), MAX_PIPELINE_WRITES + 5);
    }

    #[test]
    fn a_full_queue_refuses_a_batch_until_the_sender_takes_some() {
        let queue = WriteQueue::default();
        assert_eq!(
            queue.push(MAX_QUEUED_WRITES, batch(0, "a")),
            Queued::StartSender
        );
        assert_eq!(queue.push(1, batch(1, "b")), Queued::Full);
        queue.take().unwrap();
        assert_eq!(queue.push(1, batch(1, "b")), Queued::SenderRunning);
    }
}

//! Where log lines go: appended to one shared buffer where they are formatted, and
//! written to standard output by a thread of their own, a batch every few
//! milliseconds. A line can also be handed over unformatted ([`DeferredLine`]: the
//! `/graphql` request line) and formatted by that thread, in its place among the
//! others, so formatting too stays off the request path.
//!
//! Why not tracing-appender's non-blocking writer (used before): it sends every line
//! to its thread through a channel and wakes that thread for each one. Under load
//! (40,000 request lines a second) those wake-ups — a futex call per line on the
//! request thread, a context switch per line on the writer's — cost more CPU than
//! formatting the lines (perf, bench/JOURNAL.md "Log lines in batches"). Here a line
//! costs an uncontended lock and a copy; the writer thread wakes when the first line
//! of a batch arrives, waits [`BATCH_WINDOW`] for more, and writes them with one
//! `write`.
//!
//! Never lossy: when the writer falls [`MAX_PENDING_BYTES`] behind (standard output
//! blocked), logging waits for it, as before. Dropping the [`LogWriterGuard`] writes
//! what is pending and stops the thread.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the writer lets lines gather after the first of a batch: at most this
/// much delay between a line's event and its write.
pub(crate) const BATCH_WINDOW: Duration = Duration::from_millis(10);

/// A batch this large is written at once, without waiting out the window.
const WRITE_AT_BYTES: usize = 256 * 1024;

/// Pending bytes beyond which a logging thread waits for the writer.
pub(crate) const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

/// What a deferred line counts for against the limits above before it is
/// formatted (a request line is 300-400 bytes).
const DEFERRED_LINE_BYTES: usize = 384;

/// A line the writer thread formats: it owns what the line says, and writes the
/// whole line, newline included.
pub(crate) trait DeferredLine: Send {
    /// Appends the line to `out`.
    fn write_line(&self, out: &mut Vec<u8>);
}

/// The request side: a [`MakeWriter`] for tracing-subscriber's fmt layer.
#[derive(Clone)]
pub(crate) struct BatchedWriter {
    shared: Arc<Shared>,
}

/// Writes what is pending and stops the writer thread when dropped.
pub(crate) struct LogWriterGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// The writer waits here for lines (or for the end).
    lines_arrived: Condvar,
    /// Logging threads wait here when too much is pending.
    room_made: Condvar,
    write_at_bytes: usize,
    max_pending_bytes: usize,
}

#[derive(Default)]
struct State {
    pending: Vec<u8>,
    /// Lines to format, each with the length `pending` had when it came: its place.
    deferred: Vec<(usize, Box<dyn DeferredLine>)>,
    closed: bool,
}

impl State {
    fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.deferred.is_empty()
    }

    /// Pending bytes, deferred lines counted at [`DEFERRED_LINE_BYTES`].
    fn weight(&self) -> usize {
        self.pending.len() + self.deferred.len() * DEFERRED_LINE_BYTES
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves only bytes in a Vec: still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts the writer thread over `sink` (standard output in production).
pub(crate) fn spawn(
    sink: impl Write + Send + 'static,
) -> io::Result<(BatchedWriter, LogWriterGuard)> {
    spawn_with(sink, WRITE_AT_BYTES, MAX_PENDING_BYTES)
}

fn spawn_with(
    mut sink: impl Write + Send + 'static,
    write_at_bytes: usize,
    max_pending_bytes: usize,
) -> io::Result<(BatchedWriter, LogWriterGuard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        lines_arrived: Condvar::new(),
        room_made: Condvar::new(),
        write_at_bytes,
        max_pending_bytes,
    });
    let writer_side = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_batches(&writer_side, &mut sink))?;
    Ok((
        BatchedWriter {
            shared: shared.clone(),
        },
        LogWriterGuard {
            shared,
            thread: Some(thread),
        },
    ))
}

/// The writer thread: sleeps while nothing is pending, lets a batch gather for
/// [`BATCH_WINDOW`], writes it, until closed and empty.
fn write_batches(shared: &Shared, sink: &mut impl Write) {
    let mut batch = Vec::new();
    let mut deferred = Vec::new();
    let mut formatted = Vec::new();
    loop {
        let mut state = shared.lock();
        while state.is_empty() && !state.closed {
            state = shared
                .lines_arrived
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if !state.closed && state.weight() < shared.write_at_bytes {
            state = shared
                .lines_arrived
                .wait_timeout(state, BATCH_WINDOW)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        // Swap, so the buffers' capacity is reused and the lock is held for no write.
        std::mem::swap(&mut batch, &mut state.pending);
        std::mem::swap(&mut deferred, &mut state.deferred);
        let done = state.closed;
        drop(state);
        shared.room_made.notify_all();
        let out = if deferred.is_empty() {
            &batch
        } else {
            formatted.clear();
            let mut written = 0;
            for (place, line) in deferred.drain(..) {
                formatted.extend_from_slice(&batch[written..place]);
                line.write_line(&mut formatted);
                written = place;
            }
            formatted.extend_from_slice(&batch[written..]);
            &formatted
        };
        // Nowhere to report a failed write to standard output but standard output.
        let _ = sink.write_all(out).and_then(|()| sink.flush());
        batch.clear();
        if done && shared.lock().is_empty() {
            return;
        }
    }
}

impl BatchedWriter {
    /// Appends whole lines (each ending in `\n`), after what was logged before.
    pub(crate) fn append(&self, line: &[u8]) {
        self.add(|state| state.pending.extend_from_slice(line));
    }

    /// Hands over a line for the writer thread to format, after what was logged
    /// before.
    pub(crate) fn append_deferred(&self, line: Box<dyn DeferredLine>) {
        self.add(|state| {
            let place = state.pending.len();
            state.deferred.push((place, line));
        });
    }

    /// Adds to what is pending, once there is room, and wakes the writer if needed.
    fn add(&self, add: impl FnOnce(&mut State)) {
        let shared = &*self.shared;
        let mut state = shared.lock();
        while state.weight() >= shared.max_pending_bytes && !state.closed {
            state = shared
                .room_made
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let was_empty = state.is_empty();
        add(&mut state);
        let full = state.weight() >= shared.write_at_bytes;
        drop(state);
        // One wake-up per batch (its first line), one more if it fills early.
        if was_empty || full {
            shared.lines_arrived.notify_one();
        }
    }
}

/// What the fmt layer writes one event into (it writes a whole line at once).
pub(crate) struct LineWriter<'a> {
    writer: &'a BatchedWriter,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.writer.append(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { writer: self }
    }
}

impl std::fmt::Debug for LogWriterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogWriterGuard").finish_non_exhaustive()
    }
}

impl Drop for LogWriterGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.lines_arrived.notify_one();
        self.shared.room_made.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use std::time::Instant;

    use super::*;

    /// A sink the test can read, counting the writes it receives.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<Mutex<usize>>,
    }

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.bytes.lock().unwrap().extend_from_slice(bytes);
            *self.writes.lock().unwrap() += 1;
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Lines `"{t} {i}"` from threads 0-3, each with i = 0..1000: every thread's all
    /// there, in its order.
    fn assert_each_threads_lines_in_order(text: &str) {
        for t in 0..4 {
            let of_thread: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{t} ")))
                .map(|i| i.parse().unwrap())
                .collect();
            assert_eq!(of_thread, (0..1_000).collect::<Vec<_>>(), "thread {t}");
        }
    }

    fn line(writer: &BatchedWriter, text: &str) {
        writer.make_writer().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn every_line_is_written_in_order_once_the_guard_drops() {
        let sink = Sink::default();
        let (writer, guard) = spawn(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..1_000 {
                        line(&writer, &format!("{t} {i}\n"));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);

        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 4_000);
        assert_each_threads_lines_in_order(&text);
    }

    #[test]
    fn lines_logged_together_are_written_together() {
        let sink = Sink::default();
        let (writer, guard) = spawn(sink.clone()).unwrap();

        for i in 0..500 {
            line(&writer, &format!("line {i}\n"));
        }
        drop(guard);

        let writes = *sink.writes.lock().unwrap();
        assert!(writes <= 5, "500 lines took {writes} writes");
    }

    #[test]
    fn a_line_reaches_the_sink_within_the_batch_window_without_a_drop() {
        let sink = Sink::default();
        let (writer, _guard) = spawn(sink.clone()).unwrap();

        line(&writer, "alone\n");
        let started = Instant::now();
        while sink.bytes.lock().unwrap().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(5), "never written");
            std::thread::sleep(Duration::from_millis(1));
        }

        assert_eq!(sink.bytes.lock().unwrap().as_slice(), b"alone\n");
    }

    /// A deferred line: its text, formatted by the writer.
    struct Later(String);

    impl DeferredLine for Later {
        fn write_line(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(self.0.as_bytes());
        }
    }

    #[test]
    fn deferred_lines_are_written_in_their_place_among_the_others() {
        let sink = Sink::default();
        let (writer, guard) = spawn(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..1_000 {
                        if i % 3 == 0 {
                            line(&writer, &format!("{t} {i}\n"));
                        } else {
                            writer.append_deferred(Box::new(Later(format!("{t} {i}\n"))));
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        writer.append_deferred(Box::new(Later("first\n".into())));
        writer.append_deferred(Box::new(Later("second\n".into())));
        line(&writer, "third\n");
        writer.append_deferred(Box::new(Later("fourth\n".into())));
        drop(guard);

        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 4_004);
        assert!(text.ends_with("first\nsecond\nthird\nfourth\n"), "{text}");
        assert_each_threads_lines_in_order(&text);
    }

    #[test]
    fn a_deferred_line_alone_reaches_the_sink_within_the_batch_window() {
        let sink = Sink::default();
        let (writer, _guard) = spawn(sink.clone()).unwrap();

        writer.append_deferred(Box::new(Later("alone\n".into())));
        let started = Instant::now();
        while sink.bytes.lock().unwrap().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(5), "never written");
            std::thread::sleep(Duration::from_millis(1));
        }

        assert_eq!(sink.bytes.lock().unwrap().as_slice(), b"alone\n");
    }

    #[test]
    fn a_full_buffer_makes_logging_wait_rather_than_drop_lines() {
        /// A sink slower than the lines: each write sleeps.
        struct Slow(Sink);
        impl Write for Slow {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                std::thread::sleep(Duration::from_millis(2));
                self.0.write(bytes)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        // Room for about two lines: most appends find the buffer full and wait.
        let (writer, guard) = spawn_with(Slow(sink.clone()), 16, 16).unwrap();

        for i in 0..200 {
            if i % 2 == 0 {
                line(&writer, &format!("{i:>9}\n"));
            } else {
                writer.append_deferred(Box::new(Later(format!("{i:>9}\n"))));
            }
        }
        drop(guard);

        let text = String::from_utf8(sink.bytes.lock().unwrap().clone()).unwrap();
        let numbers: Vec<usize> = text.lines().map(|l| l.trim().parse().unwrap()).collect();
        assert_eq!(numbers, (0..200).collect::<Vec<_>>());
    }
}

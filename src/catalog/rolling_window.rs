//! Calls and failures over the last `window` of time, for the breaker's failure
//! rate. Ten slots of `window / 10` each: old outcomes leave a slot at a time, so
//! the count lags the exact window by at most a tenth of it, for O(1) memory.
//!
//! Pure: time is passed in.

use std::time::Duration;

use tokio::time::Instant;

/// Slots per window; more is smoother and costs a few more words.
const SLOTS: usize = 10;

/// Outcome counts of one slot.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    calls: u64,
    failures: u64,
}

/// Calls and failures over a rolling window.
#[derive(Debug)]
pub(crate) struct RollingWindow {
    slots: [Slot; SLOTS],
    /// Time one slot covers (never zero).
    slot_width: Duration,
    /// Slot numbers count slot widths from here.
    origin: Instant,
    /// The number of the slot being filled; `slots[current % SLOTS]` holds it.
    current: u64,
}

impl RollingWindow {
    /// An empty window of `window` (at least a nanosecond per slot) starting at
    /// `now`.
    pub(crate) fn new(window: Duration, now: Instant) -> Self {
        RollingWindow {
            slots: [Slot::default(); SLOTS],
            slot_width: (window / SLOTS as u32).max(Duration::from_nanos(1)),
            origin: now,
            current: 0,
        }
    }

    /// Counts one call, failed or not.
    pub(crate) fn record(&mut self, failed: bool, now: Instant) {
        self.advance(now);
        let slot = &mut self.slots[self.slot_index()];
        slot.calls += 1;
        slot.failures += u64::from(failed);
    }

    /// `(calls, failures)` over the window ending at `now`.
    pub(crate) fn totals(&mut self, now: Instant) -> (u64, u64) {
        self.advance(now);
        self.slots.iter().fold((0, 0), |(calls, failures), slot| {
            (calls + slot.calls, failures + slot.failures)
        })
    }

    /// Forgets every outcome.
    pub(crate) fn clear(&mut self) {
        self.slots = [Slot::default(); SLOTS];
    }

    /// Moves to the slot of `now`, emptying the slots skipped on the way.
    fn advance(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.origin).as_nanos();
        let target = u64::try_from(elapsed / self.slot_width.as_nanos()).unwrap_or(u64::MAX);
        if target <= self.current {
            return; // same slot, or an instant older than the last one
        }
        let skipped = (target - self.current).min(SLOTS as u64);
        for n in 1..=skipped {
            let index = (self.current + n) % SLOTS as u64;
            self.slots[index as usize] = Slot::default();
        }
        self.current = target;
    }

    fn slot_index(&self) -> usize {
        (self.current % SLOTS as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn outcomes_within_the_window_are_counted() {
        let start = Instant::now();
        let mut window = RollingWindow::new(10 * SECOND, start);
        window.record(true, start);
        window.record(false, start + 3 * SECOND);
        window.record(true, start + 9 * SECOND);
        assert_eq!(window.totals(start + 9 * SECOND), (3, 2));
    }

    #[test]
    fn outcomes_older_than_the_window_are_forgotten_slot_by_slot() {
        let start = Instant::now();
        let mut window = RollingWindow::new(10 * SECOND, start);
        window.record(true, start);
        window.record(true, start + 5 * SECOND);
        assert_eq!(window.totals(start + 10 * SECOND), (1, 1));
        assert_eq!(window.totals(start + 15 * SECOND), (0, 0));
    }

    #[test]
    fn a_long_silence_empties_the_window() {
        let start = Instant::now();
        let mut window = RollingWindow::new(10 * SECOND, start);
        for n in 0..10 {
            window.record(true, start + n * SECOND);
        }
        assert_eq!(window.totals(start + 3600 * SECOND), (0, 0));
    }

    #[test]
    fn clearing_forgets_everything() {
        let start = Instant::now();
        let mut window = RollingWindow::new(10 * SECOND, start);
        window.record(true, start);
        window.clear();
        assert_eq!(window.totals(start), (0, 0));
    }

    #[test]
    fn a_zero_window_does_not_divide_by_zero() {
        let start = Instant::now();
        let mut window = RollingWindow::new(Duration::ZERO, start);
        window.record(true, start + SECOND);
        assert_eq!(window.totals(start + SECOND), (1, 1));
    }
}

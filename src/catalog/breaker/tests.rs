//! The breaker's state machine, its slow-call rules and its wake-ups, driven by
//! instants passed in: no clock, no sleeping.

use super::*;

const MS: Duration = Duration::from_millis(1);

fn settings() -> BreakerSettings {
    BreakerSettings {
        failure_threshold: 3,
        failure_rate: 0.5,
        min_calls: 10,
        window: Duration::from_secs(10),
        open_for: 100 * MS,
        slow_call_threshold: 500 * MS,
        slow_call_rate: 0.5,
        slow_call_window: 10,
    }
}

/// Makes one call with `verdict`; `false` when it was refused.
fn call(breaker: &Breaker, verdict: Verdict, now: Instant) -> bool {
    match breaker.admit(now) {
        Some(permit) => {
            permit.record(verdict, now);
            true
        }
        None => false,
    }
}

/// A breaker opened by a run of failures at `start`.
fn opened(start: Instant) -> Breaker {
    let breaker = Breaker::new(settings(), start);
    for _ in 0..3 {
        assert!(call(&breaker, Verdict::Failure, start));
    }
    assert_eq!(breaker.state(start), BreakerState::Open);
    breaker
}

#[test]
fn the_defaults_are_5_in_a_row_or_half_of_20_calls_in_10_s_and_5_s_open() {
    let defaults = BreakerSettings::default();
    assert_eq!(defaults.failure_threshold, 5);
    assert!((defaults.failure_rate - 0.5).abs() < f64::EPSILON);
    assert_eq!(defaults.min_calls, 20);
    assert_eq!(defaults.window, Duration::from_secs(10));
    assert_eq!(defaults.open_for, Duration::from_secs(5));
}

#[test]
fn states_read_as_closed_open_and_half_open() {
    assert_eq!(BreakerState::Closed.as_str(), "closed");
    assert_eq!(BreakerState::Open.as_str(), "open");
    assert_eq!(BreakerState::HalfOpen.to_string(), "half_open");
}

#[test]
fn a_new_breaker_is_closed_and_lets_calls_through() {
    let now = Instant::now();
    let breaker = Breaker::new(settings(), now);
    assert_eq!(breaker.state(now), BreakerState::Closed);
    assert!(call(&breaker, Verdict::Success, now));
}

#[test]
fn a_run_of_failures_opens_the_breaker_and_it_refuses_calls() {
    let now = Instant::now();
    let breaker = Breaker::new(settings(), now);
    assert!(call(&breaker, Verdict::Failure, now));
    assert!(call(&breaker, Verdict::Failure, now));
    assert_eq!(breaker.state(now), BreakerState::Closed);
    assert_eq!(breaker.consecutive_failures(), 2);
    assert!(call(&breaker, Verdict::Failure, now));
    assert_eq!(breaker.state(now), BreakerState::Open);
    assert!(!call(&breaker, Verdict::Success, now + 99 * MS));
}

#[test]
fn a_success_breaks_the_run_of_failures() {
    let now = Instant::now();
    let breaker = Breaker::new(settings(), now);
    for verdict in [Verdict::Failure, Verdict::Failure, Verdict::Success] {
        assert!(call(&breaker, verdict, now));
    }
    assert_eq!(breaker.consecutive_failures(), 0);
    assert!(call(&breaker, Verdict::Failure, now));
    assert!(call(&breaker, Verdict::Failure, now));
    assert_eq!(breaker.state(now), BreakerState::Closed);
}

#[test]
fn a_failure_rate_over_the_minimum_calls_opens_the_breaker_without_a_run() {
    let now = Instant::now();
    let breaker = Breaker::new(settings(), now);
    // Alternating: never two failures in a row, half of them failed.
    for n in 0..9 {
        let verdict = if n % 2 == 0 {
            Verdict::Success
        } else {
            Verdict::Failure
        };
        assert!(call(&breaker, verdict, now));
        assert_eq!(breaker.state(now), BreakerState::Closed, "after {n}");
    }
    assert!(call(&breaker, Verdict::Failure, now)); // 10 calls, 5 failed
    assert_eq!(breaker.state(now), BreakerState::Open);
}

#[test]
fn the_failure_rate_does_not_count_below_the_minimum_calls() {
    let now = Instant::now();
    let breaker = Breaker::new(settings(), now);
    for verdict in [Verdict::Failure, Verdict::Success, Verdict::Failure] {
        assert!(call(&breaker, verdict, now));
    }
    assert_eq!(breaker.state(now), BreakerState::Closed, "2 of 3 failed");
}

#[test]
fn failures_older_than_the_window_do_not_count_towards_the_rate() {
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    for _ in 0..4 {
        assert!(call(&breaker, Verdict::Failure, start));
        assert!(call(&breaker, Verdict::Success, start));
    }
    let later = start + Duration::from_secs(20);
    assert!(call(&breaker, Verdict::Success, later));
    assert!(call(&breaker, Verdict::Failure, later));
    assert_eq!(breaker.state(later), BreakerState::Closed);
}

#[test]
fn neutral_outcomes_neither_open_nor_count() {
    let now = Instant::now();
    let breaker = Breaker::new(settings(), now);
    for _ in 0..50 {
        assert!(call(&breaker, Verdict::Neutral, now));
    }
    assert_eq!(breaker.state(now), BreakerState::Closed);
    assert_eq!(breaker.consecutive_failures(), 0);
}

#[test]
fn after_open_for_the_breaker_is_half_open_and_lets_exactly_one_probe_through() {
    let start = Instant::now();
    let breaker = opened(start);
    let later = start + 100 * MS;
    assert_eq!(breaker.state(later), BreakerState::HalfOpen);

    let probe = breaker.admit(later);
    assert!(probe.is_some());
    assert!(breaker.admit(later).is_none(), "a second probe");
    assert!(breaker.admit(later + 50 * MS).is_none(), "a second probe");
    assert_eq!(breaker.state(later), BreakerState::HalfOpen);
    drop(probe);
}

#[test]
fn a_successful_probe_closes_the_breaker() {
    let start = Instant::now();
    let breaker = opened(start);
    let later = start + 100 * MS;
    assert!(call(&breaker, Verdict::Success, later));
    assert_eq!(breaker.state(later), BreakerState::Closed);
    assert_eq!(breaker.consecutive_failures(), 0);
    assert!(call(&breaker, Verdict::Failure, later));
    assert!(call(&breaker, Verdict::Success, later), "closed again");
}

#[test]
fn a_failed_probe_opens_the_breaker_for_another_open_for() {
    let start = Instant::now();
    let breaker = opened(start);
    let probe_at = start + 100 * MS;
    assert!(call(&breaker, Verdict::Failure, probe_at));
    assert_eq!(breaker.state(probe_at), BreakerState::Open);
    assert!(!call(&breaker, Verdict::Success, probe_at + 99 * MS));
    assert!(call(&breaker, Verdict::Success, probe_at + 100 * MS));
    assert_eq!(breaker.state(probe_at + 100 * MS), BreakerState::Closed);
}

#[test]
fn an_abandoned_probe_lets_the_next_call_probe() {
    let start = Instant::now();
    let breaker = opened(start);
    let later = start + 100 * MS;
    let probe = breaker.admit(later);
    assert!(probe.is_some());
    drop(probe); // the caller gave up before an outcome
    assert!(call(&breaker, Verdict::Success, later));
    assert_eq!(breaker.state(later), BreakerState::Closed);
}

#[test]
fn a_neutral_probe_leaves_the_breaker_half_open_for_another_probe() {
    let start = Instant::now();
    let breaker = opened(start);
    let later = start + 100 * MS;
    assert!(call(&breaker, Verdict::Neutral, later));
    assert_eq!(breaker.state(later), BreakerState::HalfOpen);
    assert!(call(&breaker, Verdict::Success, later));
    assert_eq!(breaker.state(later), BreakerState::Closed);
}

#[test]
fn late_outcomes_of_calls_admitted_before_opening_change_nothing() {
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    let late = breaker.admit(start);
    assert!(late.is_some());
    for _ in 0..3 {
        assert!(call(&breaker, Verdict::Failure, start));
    }
    if let Some(late) = late {
        late.record(Verdict::Success, start);
    }
    assert_eq!(breaker.state(start), BreakerState::Open);
}

/// Sends `count` calls at `at`; answers their permits (still running).
fn send(breaker: &Breaker, count: usize, at: Instant) -> Vec<Permit<'_>> {
    (0..count)
        .map(|_| {
            let permit = breaker.admit(at).expect("closed");
            permit.start().sent(at);
            permit
        })
        .collect()
}

/// One call sent at `at` and answered `took` later with `verdict`.
fn timed_call(breaker: &Breaker, verdict: Verdict, at: Instant, took: Duration) {
    let permit = breaker.admit(at).expect("admitted");
    permit.start().sent(at);
    permit.record(verdict, at + took);
}

#[test]
fn the_slow_call_defaults_are_half_of_the_last_20_calls_over_500_ms() {
    let defaults = BreakerSettings::default();
    assert_eq!(defaults.slow_call_threshold, 500 * MS);
    assert!((defaults.slow_call_rate - 0.5).abs() < f64::EPSILON);
    assert_eq!(defaults.slow_call_window, 20);
}

#[test]
fn calls_running_past_the_threshold_open_the_breaker_before_they_end() {
    // Arrange: the upstream hangs; five calls are in flight.
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    let running = send(&breaker, 5, start);

    // Act / Assert: just under the threshold nothing is known yet...
    assert_eq!(breaker.state(start + 499 * MS), BreakerState::Closed);
    // ...at the threshold all five count as slow, and the breaker opens.
    assert_eq!(breaker.state(start + 500 * MS), BreakerState::Open);
    assert_eq!(breaker.open_reason(), Some(OpenReason::SlowCalls));
    assert!(breaker.admit(start + 501 * MS).is_none());
    let counts = breaker.counts();
    assert_eq!((counts.slow_calls, counts.opened_by_slow_calls), (5, 1));
    drop(running);
}

#[test]
fn one_slow_call_among_fast_ones_does_not_open_the_breaker() {
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    for n in 0..9 {
        timed_call(&breaker, Verdict::Success, start + n * MS, 20 * MS);
    }
    timed_call(&breaker, Verdict::Success, start, Duration::from_secs(2));

    assert_eq!(
        breaker.state(start + Duration::from_secs(3)),
        BreakerState::Closed
    );
    assert_eq!(breaker.counts().slow_calls, 1);
}

#[test]
fn an_upstream_slow_but_under_the_threshold_never_opens_the_breaker() {
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    for n in 0..200 {
        let at = start + n * 10 * MS;
        let running = send(&breaker, 3, at);
        assert_eq!(breaker.state(at + 200 * MS), BreakerState::Closed);
        for permit in running {
            permit.record(Verdict::Success, at + 200 * MS);
        }
    }
    assert_eq!(breaker.counts().slow_calls, 0);
}

#[test]
fn calls_queued_before_they_are_sent_are_not_slow() {
    // Admitted but waiting for a connection slot: no clock runs yet.
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    let queued: Vec<_> = (0..10).map(|_| breaker.admit(start)).collect();

    assert_eq!(
        breaker.state(start + Duration::from_secs(5)),
        BreakerState::Closed
    );
    drop(queued);
}

#[test]
fn an_abandoned_call_is_forgotten_and_never_counts_slow() {
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    drop(send(&breaker, 10, start));

    assert_eq!(
        breaker.state(start + Duration::from_secs(5)),
        BreakerState::Closed
    );
    assert_eq!(breaker.counts().slow_calls, 0);
}

#[test]
fn a_hanging_probe_reopens_the_breaker_and_an_answering_one_closes_it() {
    // Arrange: opened by slow calls.
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    let hung = send(&breaker, 5, start);
    assert_eq!(breaker.state(start + 500 * MS), BreakerState::Open);
    drop(hung);

    // Act: the first probe hangs past the threshold.
    let probe_at = start + 600 * MS;
    let probe = breaker.admit(probe_at).expect("probe");
    probe.start().sent(probe_at);
    let reopened = breaker.state(probe_at + 500 * MS);
    probe.record(Verdict::Failure, probe_at + Duration::from_secs(2));

    // Assert: open again at once, not when the probe timed out.
    assert_eq!(reopened, BreakerState::Open);
    assert_eq!(breaker.counts().opened_by_slow_calls, 2);
    assert_eq!(
        breaker.counts().opened_by_failures,
        0,
        "its late failure is not counted again"
    );
    // The next probe is answered: traffic is back.
    let next = probe_at + 500 * MS + 100 * MS;
    timed_call(&breaker, Verdict::Success, next, 10 * MS);
    assert_eq!(breaker.state(next + 10 * MS), BreakerState::Closed);
    assert_eq!(breaker.open_reason(), None);
}

// On the paused clock: the 50 ms that a failure-opened breaker must not wake
// within is virtual, so it is the same wait however loaded the machine.
#[tokio::test(start_paused = true)]
async fn opening_for_slow_calls_wakes_the_calls_waiting_and_for_failures_does_not() {
    let start = Instant::now();
    let by_failures = Breaker::new(settings(), start);
    let waiting = by_failures.admit(start).expect("closed");
    let not_woken = waiting.start().opened();
    for _ in 0..3 {
        assert!(call(&by_failures, Verdict::Failure, start));
    }
    let by_slow_calls = Breaker::new(settings(), start);
    let hung = send(&by_slow_calls, 2, start);
    let woken = hung[0].start().opened();
    assert_eq!(by_slow_calls.state(start + 500 * MS), BreakerState::Open);

    tokio::time::timeout(Duration::from_secs(1), woken)
        .await
        .expect("woken when the breaker opened for slow calls");
    assert!(
        tokio::time::timeout(50 * MS, not_woken).await.is_err(),
        "opened by failures: sent calls may still be answered"
    );
    assert!(waiting.start().is_open());
}

#[test]
fn two_calls_hanging_with_no_quick_answer_since_are_a_stall() {
    // Every client waits on the same two calls: no other call is made.
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    timed_call(&breaker, Verdict::Success, start, 5 * MS);
    let hung = send(&breaker, 2, start + 10 * MS);

    assert_eq!(breaker.state(start + 509 * MS), BreakerState::Closed);
    assert_eq!(breaker.state(start + 510 * MS), BreakerState::Open);
    assert_eq!(breaker.open_reason(), Some(OpenReason::SlowCalls));
    drop(hung);
}

#[test]
fn slow_calls_while_others_are_answered_quickly_are_no_stall() {
    // Two items are slow upstream; the rest of the traffic flows.
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    let slow = send(&breaker, 2, start);
    for n in 1..=20 {
        let at = start + n * 100 * MS;
        timed_call(&breaker, Verdict::Success, at, 5 * MS);
        assert_eq!(
            breaker.state(at + 50 * MS),
            BreakerState::Closed,
            "at {n}00 ms"
        );
    }

    drop(slow);
}

#[test]
fn one_call_hanging_alone_is_a_stall_only_past_three_thresholds() {
    // Closed-loop clients answered by one batch ask again together: one call.
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    timed_call(&breaker, Verdict::Success, start, 5 * MS);
    let hung = send(&breaker, 1, start + 10 * MS);

    assert_eq!(breaker.state(start + 1509 * MS), BreakerState::Closed);
    assert_eq!(breaker.state(start + 1510 * MS), BreakerState::Open);
    assert_eq!(breaker.open_reason(), Some(OpenReason::SlowCalls));
    drop(hung);
}

#[test]
fn one_slow_call_answered_within_three_thresholds_opens_nothing() {
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    let slow = breaker.admit(start).expect("closed");
    slow.start().sent(start);
    assert_eq!(breaker.state(start + 1400 * MS), BreakerState::Closed);
    slow.record(Verdict::Success, start + 1450 * MS);

    assert_eq!(breaker.state(start + 2000 * MS), BreakerState::Closed);
}

#[test]
fn a_stall_is_seen_when_the_second_call_passes_the_threshold() {
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    timed_call(&breaker, Verdict::Success, start, 5 * MS);
    let first = send(&breaker, 1, start + 10 * MS);
    let second = send(&breaker, 1, start + 60 * MS);

    assert_eq!(breaker.state(start + 510 * MS), BreakerState::Closed);
    assert_eq!(breaker.state(start + 560 * MS), BreakerState::Open);
    drop((first, second));
}

#[test]
fn a_stall_is_seen_on_a_later_look_once_the_upstream_has_been_silent_long_enough() {
    // Both calls pass the threshold before the last quick answer is a
    // threshold old; only a later look (nothing new overdue) sees the stall.
    let start = Instant::now();
    let breaker = Breaker::new(settings(), start);
    let hung = send(&breaker, 2, start);
    timed_call(&breaker, Verdict::Success, start + 50 * MS, 10 * MS);

    assert_eq!(breaker.state(start + 500 * MS), BreakerState::Closed);
    assert_eq!(breaker.counts().slow_calls, 2);
    assert_eq!(breaker.state(start + 560 * MS), BreakerState::Open);
    drop(hung);
}

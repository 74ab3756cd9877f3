//! Slow clients are shed, not served (issue 28, Must 8): thousands of connections
//! that send half a request head, and thousands that announce a body and send one
//! byte of it, are closed within `--header-read-timeout-ms` and
//! `--body-read-timeout-ms`; meanwhile normal requests are answered, quickly, even
//! with an in-flight cap far below the number of slow bodies (before the fix, those
//! took every place and each normal request was 503). Also: a keep-alive connection
//! idle past the head limit is closed, a head or body slow but within its limit is
//! served, and the zero-downtime drain (tests/api/shutdown.rs) still holds.
//!
//! Everything on 127.0.0.1 and bounded in time (about ten seconds). A test binary of
//! its own (`slow_clients`): thousands of sockets on two cores would starve the
//! timing-sensitive tests of the `api` binary running alongside.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::TestApp;

/// Slow connections of each kind, if the open-file limit allows (see [`slow_count`]).
const WANTED_PER_KIND: usize = 2000;
/// Below this many of each kind the test would not show what it is for.
const FEWEST_PER_KIND: usize = 500;

/// Long enough for thousands of connections to open on a busy 2-core machine (up
/// to 3 s seen) with time to spare for normal requests while all are open.
const HEAD_LIMIT: Duration = Duration::from_millis(6000);
const BODY_LIMIT: Duration = Duration::from_millis(6500);
/// How late after its limit a slow connection may be closed: a loaded 2-core machine
/// with thousands of sockets to close at once, on the two worker threads this test's
/// own 4,000 clients share (6.8 s late was seen with a fleet test and builds beside it;
/// on a quiet machine all are closed within 0.5 s of the limit). What is checked is that
/// the server closes every one, none before its limit, while normal requests pass; not
/// how quickly a starved machine gets round to it.
const CLOSE_SLACK: Duration = Duration::from_millis(10_000);

/// Half a request head: the request line and part of a header, never the blank line.
const HALF_HEAD: &[u8] = b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty";
/// A whole head announcing 100,000 bytes of body, and one byte of it.
const HEAD_AND_ONE_BYTE: &[u8] = b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n\
Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";

/// How many slow connections of each kind this process can hold: each takes two
/// descriptors (the client's and the gateway's, both in this process). The soft
/// limit is raised to the hard one first; 2,000 of each kind need about 8,600.
fn slow_count() -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    // Room for the other tests running alongside, Redis and nginx clients included.
    let spare = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(600);
    let count = WANTED_PER_KIND.min(spare / 4);
    assert!(
        count >= FEWEST_PER_KIND,
        "the open-file limit ({limit}) allows only {count} slow connections of each kind; \
         raise it (`ulimit -n 10000`)"
    );
    count
}

/// How a slow connection ended, seen from the client.
struct Ended {
    /// From the moment it began to connect: the gateway's clocks start later (at
    /// accept, at the whole head), so no correct close comes before its limit.
    after: Duration,
    /// From the moment its bytes were sent (connected and written): a connect can
    /// wait seconds in a full accept queue, so the upper bound is counted from here.
    after_sent: Duration,
    /// What the gateway sent before closing.
    answer: Vec<u8>,
    /// Whether it was closed at all within the test's patience.
    closed: bool,
}

/// Opens a connection, sends `bytes`, counts itself in `established`, then waits for
/// the gateway to close it (at most `patience`).
async fn slow_client(
    address: SocketAddr,
    bytes: &'static [u8],
    established: Arc<AtomicUsize>,
    patience: Duration,
) -> Ended {
    let began = Instant::now();
    let mut stream = TcpStream::connect(address)
        .await
        .expect("the gateway accepts");
    stream.write_all(bytes).await.expect("the bytes are sent");
    let sent = Instant::now();
    established.fetch_add(1, Ordering::SeqCst);
    let mut answer = Vec::new();
    let read = tokio::time::timeout(patience, stream.read_to_end(&mut answer)).await;
    Ended {
        after: began.elapsed(),
        after_sent: sent.elapsed(),
        answer,
        // End of stream or a reset: either way the gateway let go of it.
        closed: read.is_ok(),
    }
}

/// One normal request: `gtin(code:)`, answered without the upstream.
async fn normal_request(app: &TestApp) -> (reqwest::StatusCode, Duration) {
    let started = Instant::now();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ gtin(code: \"4006381333931\") { gtin14 } }" }))
        .send()
        .await
        .expect("the gateway answers a normal request");
    let status = response.status();
    let body = response.text().await.expect("a whole answer");
    assert!(body.contains("04006381333931"), "{body}");
    (status, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_slow_heads_and_bodies_are_closed_in_time_while_normal_requests_pass() {
    // Arrange: an in-flight cap far below the slow bodies, short limits.
    let per_kind = slow_count();
    let max_in_flight = "64";
    let head_ms = HEAD_LIMIT.as_millis().to_string();
    let body_ms = BODY_LIMIT.as_millis().to_string();
    let app = TestApp::spawn(
        None,
        &[
            "--max-in-flight",
            max_in_flight,
            "--header-read-timeout-ms",
            &head_ms,
            "--body-read-timeout-ms",
            &body_ms,
        ],
    )
    .await;
    let address: SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("a socket address");
    let (status, _) = normal_request(&app).await;
    assert_eq!(
        status, 200,
        "the gateway serves before the slow clients come"
    );
    let established = Arc::new(AtomicUsize::new(0));
    let patience = BODY_LIMIT.max(HEAD_LIMIT) + CLOSE_SLACK + Duration::from_secs(2);

    // Act: the slow clients, then normal requests while every one of them is open.
    let started = Instant::now();
    let spawn_kind = |bytes: &'static [u8]| {
        (0..per_kind)
            .map(|_| {
                tokio::spawn(slow_client(
                    address,
                    bytes,
                    Arc::clone(&established),
                    patience,
                ))
            })
            .collect::<Vec<_>>()
    };
    let heads = spawn_kind(HALF_HEAD);
    let bodies = spawn_kind(HEAD_AND_ONE_BYTE);
    // Normal requests from the start until just before the earliest slow
    // connection may be closed; those sent once every slow one is open count most.
    let mut all_open = None;
    let mut normal = Vec::new();
    while started.elapsed() + Duration::from_millis(300) < HEAD_LIMIT {
        if all_open.is_none() && established.load(Ordering::SeqCst) == 2 * per_kind {
            all_open = Some(started.elapsed());
        }
        let sent_at = started.elapsed();
        let (status, latency) = normal_request(&app).await;
        normal.push((sent_at, status, latency));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let heads = futures::future::join_all(heads).await;
    let bodies = futures::future::join_all(bodies).await;
    let (after, _) = normal_request(&app).await;

    // Assert (the figures shown with `--nocapture`)
    let all_open = all_open.unwrap_or_else(|| {
        panic!(
            "only {} of {} slow connections opened before the first limit",
            established.load(Ordering::SeqCst),
            2 * per_kind
        )
    });
    let with_all_open = normal
        .iter()
        .filter(|(sent_at, _, _)| *sent_at >= all_open)
        .count();
    let slowest = |all_open_only: bool| {
        normal
            .iter()
            .filter(|(sent_at, _, _)| !all_open_only || *sent_at >= all_open)
            .map(|(_, _, latency)| *latency)
            .max()
            .unwrap_or_default()
    };
    eprintln!(
        "{per_kind} slow connections of each kind, all open after {all_open:?}; \
         {} normal requests, the slowest in {:?}; {with_all_open} of them with all open, \
         the slowest in {:?}",
        normal.len(),
        slowest(false),
        slowest(true)
    );
    assert!(
        with_all_open >= 3,
        "only {with_all_open} normal requests fitted while all {} slow connections were open \
         (all open after {all_open:?})",
        2 * per_kind
    );
    for (sent_at, status, latency) in &normal {
        assert_eq!(*status, 200, "a normal request is not shed");
        // While the 4,000 sockets open, this test's own tasks share the gateway's
        // two worker threads: a looser bound then.
        let bound = if *sent_at >= all_open {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(2)
        };
        assert!(
            *latency < bound,
            "a normal request sent at {sent_at:?} took {latency:?}"
        );
    }
    for (kind, ended, limit) in [
        ("half head", heads, HEAD_LIMIT),
        ("one byte of body", bodies, BODY_LIMIT),
    ] {
        let ended: Vec<Ended> = ended
            .into_iter()
            .map(|ended| ended.expect("a slow client task"))
            .collect();
        let open = ended.iter().filter(|ended| !ended.closed).count();
        assert_eq!(open, 0, "{kind}: {open} of {per_kind} still open");
        let earliest = ended
            .iter()
            .map(|ended| ended.after)
            .min()
            .unwrap_or_default();
        let latest = ended
            .iter()
            .map(|ended| ended.after_sent)
            .max()
            .unwrap_or_default();
        assert!(
            earliest >= limit,
            "{kind}: one closed after {earliest:?}, before the limit of {limit:?}"
        );
        assert!(
            latest <= limit + CLOSE_SLACK,
            "{kind}: one closed only after {latest:?} (limit {limit:?})"
        );
        if limit == BODY_LIMIT {
            let timed_out = ended
                .iter()
                .filter(|ended| ended.answer.starts_with(b"HTTP/1.1 408"))
                .count();
            assert_eq!(timed_out, per_kind, "{kind}: each is answered 408");
        }
    }
    assert_eq!(after, 200, "the gateway serves after the slow clients");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_head_limit() {
    let app = TestApp::spawn(None, &["--header-read-timeout-ms", "500"]).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 512];
    let read = stream.read(&mut first).await.unwrap();
    assert!(first[..read].starts_with(b"HTTP/1.1 200"), "a first answer");
    let idle_from = Instant::now();

    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;

    assert!(closed.is_ok(), "the idle connection is closed");
    let idle = idle_from.elapsed();
    assert!(
        idle >= Duration::from_millis(400) && idle < Duration::from_millis(2500),
        "closed after {idle:?} idle, with a 500 ms limit"
    );
}

#[tokio::test]
async fn a_head_and_a_body_slow_but_within_their_limits_are_served() {
    let app = TestApp::spawn(
        None,
        &[
            "--header-read-timeout-ms",
            "1500",
            "--body-read-timeout-ms",
            "1500",
        ],
    )
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let body = br#"{"query":"{ gtin(code: \"4006381333931\") { gtin14 } }"}"#;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(&address).await.unwrap();
    // The head in three pieces over 600 ms, the body in two over 600 ms more.
    let (first, rest) = head.as_bytes().split_at(20);
    let (second, third) = rest.split_at(30);
    for piece in [first, second, third, &body[..10], &body[10..]] {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("answered")
        .unwrap();

    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("04006381333931"), "{answer}");
}

#[tokio::test]
async fn a_slow_body_does_not_hold_the_drain() {
    // A client that never finishes its body must not keep the gateway from stopping
    // once the listener closed: it is answered 408 at its limit, or cut at the
    // shutdown timeout, whichever is first.
    let mut app = TestApp::spawn(
        None,
        &[
            "--drain-delay-ms",
            "0",
            "--shutdown-timeout-ms",
            "5000",
            "--body-read-timeout-ms",
            "800",
        ],
    )
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream.write_all(HEAD_AND_ONE_BYTE).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    app.begin_shutdown();
    let stopped = app.stopped().await;

    assert!(stopped.is_ok(), "{stopped:?}");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "stopped after {:?}",
        started.elapsed()
    );
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

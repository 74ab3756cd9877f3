//! The `/graphql` request log line: one per request, at `info`.
//!
//! With JSON logs (the container default) the line goes straight to the log writer,
//! which formats it on its own thread: the same bytes tracing's event would have
//! produced (`telemetry::JsonLine`: timestamp, level, message, the fields in order,
//! target), without dispatching an event: the dispatch, its field visitor and `fmt`
//! adaptors were 15 % of the instructions of a response-cache hit (bench/JOURNAL.md,
//! "Session 5"). The request keeps only stamping the time and handing its fields
//! over. Tracing still decides whether the line is wanted (`RUST_LOG`), and writes it
//! whenever the telemetry has no direct sink (pretty logs, OTLP export, field-value
//! filters).

use std::sync::Arc;
use std::time::SystemTime as Clock;

use axum::http::Method;

use tracing::Level;
use tracing::metadata::Kind;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};

use crate::json_text::push_string;
use crate::telemetry::{DeferredLine, json_line_sink};

/// The log target of this file's events: the path of its module before the move, kept so
/// `RUST_LOG` directives and log pipelines that name it still match.
const TARGET: &str = "catalog_gateway::http::request_log";

/// What a `/graphql` request's line says. It owns its text, moved out of the
/// request, so the writer thread can format it later.
#[derive(Clone, Debug)]
pub(crate) struct RequestLine {
    pub(crate) request_id: String,
    pub(crate) method: Method,
    pub(crate) route: &'static str,
    pub(crate) status: u16,
    pub(crate) duration_ms: f64,
    /// The operation label; empty: none (`-` in the line).
    pub(crate) operation: String,
    /// The protected API's client; `None`: `-`.
    pub(crate) client: Option<Arc<str>>,
    pub(crate) errors: usize,
    pub(crate) cache_hits: u64,
    pub(crate) fetched_keys: u64,
    pub(crate) shared_keys: u64,
    pub(crate) upstream_batches: u64,
}

/// A request line stamped with the time it was logged, for the writer to format.
struct Stamped {
    at: Clock,
    line: RequestLine,
}

impl DeferredLine for Stamped {
    fn write_line(&self, out: &mut Vec<u8>) {
        let start = out.len();
        if self.line.write_json(self.at, out).is_err() {
            // Only writing to a `Vec` can fail here, and it does not: never half a line.
            out.truncate(start);
        }
    }
}

impl RequestLine {
    /// Logs the line: handed to the log writer when the telemetry allows it, else
    /// as a tracing event.
    pub(crate) fn log(self) {
        let enabled = tracing::enabled!(kind: Kind::EVENT, target: TARGET, Level::INFO);
        match json_line_sink() {
            Some(sink) if enabled => sink.append_deferred(Box::new(Stamped {
                at: Clock::now(),
                line: self,
            })),
            Some(_) => {}
            None => self.event(),
        }
    }

    fn operation(&self) -> &str {
        if self.operation.is_empty() {
            "-"
        } else {
            &self.operation
        }
    }

    fn client(&self) -> &str {
        self.client.as_deref().unwrap_or("-")
    }

    /// The tracing event (whose fields the direct line copies, in this order).
    fn event(&self) {
        tracing::info!(
            target: TARGET,
            request_id = %self.request_id, method = %self.method, route = self.route,
            status = self.status, duration_ms = self.duration_ms, operation = self.operation(),
            client = self.client(), errors = self.errors, cache_hits = self.cache_hits,
            fetched_keys = self.fetched_keys, shared_keys = self.shared_keys,
            upstream_batches = self.upstream_batches, "request"
        );
    }

    /// The line `telemetry::JsonLine` formats for [`Self::event`], stamped `now`, with
    /// its newline. The keys and the timestamp are written as they are (nothing in
    /// them needs escaping), the values as serde_json writes them.
    fn write_json(&self, now: Clock, line: &mut Vec<u8>) -> serde_json::Result<()> {
        line.extend_from_slice(b"{\"timestamp\":\"");
        push_timestamp(now, line);
        line.extend_from_slice(b"\",\"level\":\"INFO\",\"message\":\"request\",\"request_id\":");
        push_string(line, &self.request_id);
        line.extend_from_slice(b",\"method\":");
        push_string(line, self.method.as_str());
        line.extend_from_slice(b",\"route\":");
        push_string(line, self.route);
        line.extend_from_slice(b",\"status\":");
        serde_json::to_writer(&mut *line, &self.status)?;
        line.extend_from_slice(b",\"duration_ms\":");
        serde_json::to_writer(&mut *line, &self.duration_ms)?;
        line.extend_from_slice(b",\"operation\":");
        push_string(line, self.operation());
        line.extend_from_slice(b",\"client\":");
        push_string(line, self.client());
        for (key, count) in [
            (&b",\"errors\":"[..], self.errors as u64),
            (b",\"cache_hits\":", self.cache_hits),
            (b",\"fetched_keys\":", self.fetched_keys),
            (b",\"shared_keys\":", self.shared_keys),
            (b",\"upstream_batches\":", self.upstream_batches),
        ] {
            line.extend_from_slice(key);
            serde_json::to_writer(&mut *line, &count)?;
        }
        line.extend_from_slice(b",\"target\":");
        push_string(line, TARGET);
        line.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// `now` as tracing-subscriber's `SystemTime` timer writes it: RFC 3339 in UTC with
/// microseconds (`2026-11-29T19:40:07.031415Z`). Its `Display` goes through
/// `write!` with padding, 2,000 instructions a line; this is arithmetic.
fn push_timestamp(now: Clock, line: &mut Vec<u8>) {
    let since_epoch = now.duration_since(std::time::UNIX_EPOCH).ok();
    let seconds = since_epoch.map_or(0, |since| since.as_secs());
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let Some(since_epoch) = since_epoch.filter(|_| year <= 9999) else {
        // Before 1970 or after 9999: a clock this wrong gets tracing-subscriber's
        // own rendering (of its own reading).
        let mut text = String::new();
        let _ = SystemTime.format_time(&mut Writer::new(&mut text));
        line.extend_from_slice(text.as_bytes());
        return;
    };
    let second_of_day = seconds % 86_400;
    push_digits(line, year, 4);
    line.push(b'-');
    push_digits(line, month, 2);
    line.push(b'-');
    push_digits(line, day, 2);
    line.push(b'T');
    push_digits(line, second_of_day / 3600, 2);
    line.push(b':');
    push_digits(line, second_of_day / 60 % 60, 2);
    line.push(b':');
    push_digits(line, second_of_day % 60, 2);
    line.push(b'.');
    push_digits(line, u64::from(since_epoch.subsec_micros()), 6);
    line.push(b'Z');
}

/// `value` in exactly `width` decimal digits (zero-padded; higher digits dropped).
fn push_digits(line: &mut Vec<u8>, mut value: u64, width: usize) {
    let start = line.len();
    line.resize(start + width, b'0');
    for slot in line[start..].iter_mut().rev() {
        // `value % 10` is below 10: the cast cannot truncate.
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01
/// (Howard Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468; // days since 0000-03-01
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // March = 0
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use proptest::prelude::*;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;
    use crate::telemetry::JsonLine;
    use crate::telemetry::test_support::{Lines, Stopped};

    /// The line as the installed JSON logging writes the tracing event.
    fn through_tracing(line: &RequestLine) -> String {
        let written = Lines::default();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .event_format(JsonLine::with_timer(Stopped))
                .with_writer(written.clone()),
        );
        tracing::subscriber::with_default(subscriber, || line.event());
        written.text()
    }

    /// The line the log writer formats, its timestamp replaced by the stopped
    /// clock's.
    fn direct(line: &RequestLine) -> String {
        let mut bytes = Vec::new();
        Stamped {
            at: Clock::now(),
            line: line.clone(),
        }
        .write_line(&mut bytes);
        let text = String::from_utf8(bytes).unwrap();
        let stamp_at = r#"{"timestamp":""#.len();
        let mut stopped = String::new();
        Stopped.format_time(&mut Writer::new(&mut stopped)).unwrap();
        format!(
            "{}{stopped}{}",
            &text[..stamp_at],
            &text[stamp_at + stopped.len()..]
        )
    }

    fn timestamp(at: Clock) -> String {
        let mut bytes = Vec::new();
        push_timestamp(at, &mut bytes);
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn timestamps_are_what_the_tracing_timer_writes_now() {
        loop {
            let before = timestamp(Clock::now());
            let mut theirs = String::new();
            SystemTime
                .format_time(&mut Writer::new(&mut theirs))
                .unwrap();
            let after = timestamp(Clock::now());
            // Equal to the second on both sides: theirs was read in that second.
            if before[..19] == after[..19] {
                assert_eq!(theirs.len(), before.len(), "{theirs} vs {before}");
                assert_eq!(theirs[..19], before[..19]);
                assert!(theirs.ends_with('Z'));
                return;
            }
        }
    }

    proptest! {
        #[test]
        fn timestamps_name_the_utc_calendar_second(
            seconds in 0u64..253_402_300_800, // to 9999-12-31T23:59:59Z
            micros in 0u32..1_000_000,
        ) {
            let at = std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(seconds)
                + std::time::Duration::from_micros(u64::from(micros));
            // httpdate: "Sun, 29 Nov 2026 19:40:07 GMT", an independent calendar.
            let http = httpdate::fmt_http_date(at);
            let parts: Vec<&str> = http.split([' ', ':']).collect();
            let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                "Nov", "Dec"].iter().position(|m| *m == parts[2]).unwrap() + 1;
            let expected = format!("{}-{month:02}-{}T{}:{}:{}.{micros:06}Z",
                parts[3], parts[1], parts[4], parts[5], parts[6]);
            prop_assert_eq!(timestamp(at), expected);
        }
    }

    #[test]
    fn the_direct_line_is_the_tracing_events_line() {
        let line = RequestLine {
            request_id: "9dffe268-833f-4720-b6f9-80b60cef2bf4".to_owned(),
            method: Method::POST,
            route: "/graphql",
            status: 200,
            duration_ms: 1.058_946_000_000_000_2,
            operation: "Product".to_owned(),
            client: None,
            errors: 0,
            cache_hits: 1,
            fetched_keys: 0,
            shared_keys: 0,
            upstream_batches: 0,
        };

        let ours = direct(&line);

        assert_eq!(ours, through_tracing(&line));
        assert!(ours.starts_with(
            r#"{"timestamp":"2026-11-29T10:47:33.164086Z","level":"INFO","message":"request","request_id":"9dffe268-"#
        ));
        assert!(ours.ends_with("\"target\":\"catalog_gateway::http::request_log\"}\n"));
    }

    proptest! {
        #[test]
        fn every_line_is_the_tracing_events_line(
            request_id in "[A-Za-z0-9._:-]{1,40}",
            operation in any::<String>(),
            client in any::<Option<String>>(),
            status in any::<u16>(),
            duration_ms in any::<f64>(),
            errors in any::<usize>(),
            counts in any::<[u64; 4]>(),
        ) {
            let line = RequestLine {
                request_id,
                method: Method::GET,
                route: "/graphql",
                status,
                duration_ms,
                operation,
                client: client.map(Arc::from),
                errors,
                cache_hits: counts[0],
                fetched_keys: counts[1],
                shared_keys: counts[2],
                upstream_batches: counts[3],
            };
            prop_assert_eq!(direct(&line), through_tracing(&line));
        }
    }
}

//! A record of every request a dialect server received, so tests and benchmarks
//! can assert how a client talked to the upstream (how many calls, which pages,
//! which credentials) without a proxy in between.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

/// One request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCall {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path and the raw query string, exactly as sent (`/api/v2/search?code=…`).
    pub path_and_query: String,
    /// The `Authorization` header's value, if any (not valid UTF-8: lossily decoded).
    pub authorization: Option<String>,
}

/// The calls a dialect server received. Cloning is cheap and every clone sees the
/// same record.
#[derive(Clone, Debug)]
pub struct CallLog {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `false` for a long-running server nobody reads the log of: it would only grow.
    enabled: bool,
    calls: Mutex<Vec<RecordedCall>>,
}

impl CallLog {
    /// An empty log that records every call.
    pub fn new() -> CallLog {
        CallLog::with(true)
    }

    /// A log that records nothing (the `demo-catalog` command's: a benchmark's
    /// server would otherwise keep every request in memory).
    pub fn disabled() -> CallLog {
        CallLog::with(false)
    }

    fn with(enabled: bool) -> CallLog {
        CallLog {
            inner: Arc::new(Inner {
                enabled,
                calls: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.lock().clone()
    }

    /// How many calls were received.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// How many calls had a path starting with `prefix`.
    pub fn count_path_prefix(&self, prefix: &str) -> usize {
        self.lock()
            .iter()
            .filter(|call| call.path_and_query.starts_with(prefix))
            .count()
    }

    /// Forgets every call so far.
    pub fn reset(&self) {
        self.lock().clear();
    }

    fn record(&self, call: RecordedCall) {
        if self.inner.enabled {
            self.lock().push(call);
        }
    }

    /// A panicking test thread must not hide every later call from the others.
    fn lock(&self) -> MutexGuard<'_, Vec<RecordedCall>> {
        self.inner
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for CallLog {
    fn default() -> Self {
        CallLog::new()
    }
}

/// Middleware: records the request, then lets it through unchanged.
pub(super) async fn record(State(log): State<CallLog>, request: Request, next: Next) -> Response {
    let path_and_query = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |pq| pq.as_str().to_owned(),
    );
    log.record(RecordedCall {
        method: request.method().as_str().to_owned(),
        path_and_query,
        authorization: request
            .headers()
            .get(AUTHORIZATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
    });
    next.run(request).await
}

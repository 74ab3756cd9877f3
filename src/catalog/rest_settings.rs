//! What the REST catalog client is built from, with the contract's defaults, and why
//! building it can fail. Config turns flags into these typed values once, at start.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use super::{BreakerSettings, CredentialsError, KeyFormat, Mapping, RetryPolicy};

/// Settings of a [`RestCatalog`](super::RestCatalog).
#[derive(Clone, Debug)]
pub struct RestCatalogSettings {
    /// Base URL of the upstream (`--upstream-url`); a path prefix such as
    /// `http://host/api/v1` is kept and `/products` is appended to it.
    pub base_url: Url,
    /// How a source other than docs/upstream-contract.md is called and read
    /// (`--upstream-preset`, `--upstream-mapping`); `None`: the native contract.
    pub mapping: Option<Arc<Mapping>>,
    /// The GTIN form the upstream is keyed by (`--upstream-key-format`); a mapped
    /// source takes its mapping's form (which that flag overrides at start).
    pub key_format: KeyFormat,
    /// Use the batch endpoint (`--upstream-batch on`); `false` fans out to the
    /// single-item endpoint for upstreams that have no batch endpoint.
    pub batch: bool,
    /// Most keys per batch call (`--upstream-max-batch`); larger lookups are split.
    pub max_batch: NonZeroUsize,
    /// Most upstream calls in flight at once, over all lookups of this client, so a
    /// burst of requests cannot overload the upstream or exhaust sockets.
    pub max_concurrency: NonZeroUsize,
    /// Deadline of one call, from sending the request to the last byte of the body
    /// (waiting for a concurrency slot is not counted).
    pub timeout: Duration,
    /// Deadline for opening a connection, shorter than `timeout` so an unreachable
    /// upstream fails fast.
    pub connect_timeout: Duration,
    /// The most one `fetch` may take, including waiting for concurrency slots,
    /// retries and backoff; keys still unanswered when it passes are `Timeout`.
    /// Keeps retries from stretching a lookup past what its caller waits for.
    pub fetch_deadline: Duration,
    /// How failed calls are retried, and how many retries the client can afford.
    pub retry: RetryPolicy,
    /// When the circuit breaker opens, and for how long.
    pub breaker: BreakerSettings,
}

impl RestCatalogSettings {
    /// Default keys per batch call (docs/upstream-contract.md).
    pub const DEFAULT_MAX_BATCH: usize = 100;
    /// Default bound on concurrent upstream calls.
    pub const DEFAULT_MAX_CONCURRENCY: usize = 16;
    /// Default per-call deadline.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
    /// Default connect deadline.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
    /// Default deadline of one fetch, retries included: room for a slow first
    /// attempt plus a retry.
    pub const DEFAULT_FETCH_DEADLINE: Duration = Duration::from_secs(3);

    /// The defaults for everything but the upstream's address: `gtin14` keys, batch
    /// on, 100 keys per call, 16 calls in flight, 2 s per call, 1 s to connect, 3 s
    /// per fetch, and the [`RetryPolicy`] and [`BreakerSettings`] defaults.
    pub fn new(base_url: Url) -> Self {
        RestCatalogSettings {
            base_url,
            mapping: None,
            key_format: KeyFormat::Gtin14,
            batch: true,
            max_batch: NonZeroUsize::new(Self::DEFAULT_MAX_BATCH).unwrap_or(NonZeroUsize::MIN),
            max_concurrency: NonZeroUsize::new(Self::DEFAULT_MAX_CONCURRENCY)
                .unwrap_or(NonZeroUsize::MIN),
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            fetch_deadline: Self::DEFAULT_FETCH_DEADLINE,
            retry: RetryPolicy::default(),
            breaker: BreakerSettings::default(),
        }
    }

    /// Checks the resilience settings the client cannot work with.
    pub(crate) fn validate(&self) -> Result<(), BuildError> {
        let problem = |setting, problem| Err(BuildError::Resilience { setting, problem });
        if self.fetch_deadline.is_zero() {
            return problem("fetch_deadline", "must be more than zero");
        }
        let ratio = self.retry.budget_ratio;
        if !(ratio.is_finite() && ratio >= 0.0) {
            return problem("retry.budget_ratio", "must be a finite number >= 0");
        }
        if self.breaker.failure_threshold == 0 {
            return problem("breaker.failure_threshold", "must be at least 1");
        }
        let rate = self.breaker.failure_rate;
        if !(rate > 0.0 && rate <= 1.0) {
            return problem("breaker.failure_rate", "must be in (0, 1]");
        }
        if self.breaker.window.is_zero() {
            return problem("breaker.window", "must be more than zero");
        }
        if self.breaker.slow_call_threshold.is_zero() {
            return problem("breaker.slow_call_threshold", "must be more than zero");
        }
        let slow_rate = self.breaker.slow_call_rate;
        if !(slow_rate > 0.0 && slow_rate <= 1.0) {
            return problem("breaker.slow_call_rate", "must be in (0, 1]");
        }
        if self.breaker.slow_call_window < 2 {
            return problem("breaker.slow_call_window", "must be at least 2");
        }
        Ok(())
    }
}

/// Why a [`RestCatalog`](super::RestCatalog) could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The base URL is not an `http`/`https` URL that can take a path.
    #[error("upstream URL {0:?} is not an http(s) URL with a path")]
    BaseUrl(String),
    /// `max_concurrency` exceeds what a semaphore can count.
    #[error("upstream max concurrency {0} is too large (at most {max})", max = tokio::sync::Semaphore::MAX_PERMITS)]
    Concurrency(usize),
    /// A retry or breaker setting is out of range: which one, and why.
    #[error("upstream setting {setting} {problem}")]
    Resilience {
        /// The setting, e.g. `breaker.failure_rate`.
        setting: &'static str,
        /// What is wrong with it, e.g. `must be in (0, 1]`.
        problem: &'static str,
    },
    /// The mapping's credentials cannot be used.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The HTTP client could not be set up (TLS roots, resolver …).
    #[error("failed to build the upstream HTTP client")]
    Client(#[source] reqwest::Error),
}

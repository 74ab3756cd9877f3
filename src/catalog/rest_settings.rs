//! What the REST catalog client is built from, with the contract's defaults, and why
//! building it can fail. Config turns flags into these typed values once, at start.

use std::num::NonZeroUsize;
use std::time::Duration;

use reqwest::Url;

use super::KeyFormat;

/// Settings of a [`RestCatalog`](super::RestCatalog).
#[derive(Clone, Debug)]
pub struct RestCatalogSettings {
    /// Base URL of the upstream (`--upstream-url`); a path prefix such as
    /// `http://host/api/v1` is kept and `/products` is appended to it.
    pub base_url: Url,
    /// The GTIN form the upstream is keyed by (`--upstream-key-format`).
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
}

impl RestCatalogSettings {
    /// Default keys per batch call (catalog-api.md).
    pub const DEFAULT_MAX_BATCH: usize = 100;
    /// Default bound on concurrent upstream calls.
    pub const DEFAULT_MAX_CONCURRENCY: usize = 16;
    /// Default per-call deadline.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
    /// Default connect deadline.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

    /// The defaults for everything but the upstream's address: `gtin14` keys, batch
    /// on, 100 keys per call, 16 calls in flight, 2 s per call, 1 s to connect.
    pub fn new(base_url: Url) -> Self {
        RestCatalogSettings {
            base_url,
            key_format: KeyFormat::Gtin14,
            batch: true,
            max_batch: NonZeroUsize::new(Self::DEFAULT_MAX_BATCH).unwrap_or(NonZeroUsize::MIN),
            max_concurrency: NonZeroUsize::new(Self::DEFAULT_MAX_CONCURRENCY)
                .unwrap_or(NonZeroUsize::MIN),
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
        }
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
    /// The HTTP client could not be set up (TLS roots, resolver …).
    #[error("failed to build the upstream HTTP client")]
    Client(#[source] reqwest::Error),
}

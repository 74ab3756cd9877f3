//! The REST implementation of [`Catalog`] against catalog-api.md: batch or fan-out
//! lookups over one pooled keep-alive HTTP client, bounded concurrency, a per-call
//! deadline, and status codes mapped to [`CatalogError`].
//!
//! Every upstream request goes through [`RestCatalog::call`], so retries and a
//! circuit breaker (a later issue) wrap that one function. Reading bodies into
//! results is `answer`'s job; URL shapes are this file's.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use async_trait::async_trait;
use futures::future::join_all;
use reqwest::{StatusCode, Url};
use tokio::sync::Semaphore;

use super::answer::{read_batch, read_single};
use super::{BuildError, Catalog, CatalogError, FetchResult, KeyFormat, RestCatalogSettings};
use crate::gtin::Gtin;

/// A [`Catalog`] backed by an upstream REST catalog.
///
/// Cheap to share behind an `Arc`: the HTTP connection pool and the concurrency
/// bound belong to the client, not to a lookup.
#[derive(Debug)]
pub struct RestCatalog {
    /// Pooled keep-alive client; one for the process so connections are reused.
    client: reqwest::Client,
    /// `{base}/products`, prepared once.
    products_url: Url,
    /// The form keys are sent in.
    key_format: KeyFormat,
    /// Batch endpoint (`true`) or one call per key.
    batch: bool,
    /// Keys per batch call.
    max_batch: usize,
    /// Per-call deadline.
    timeout: std::time::Duration,
    /// Slots for calls in flight, shared by every lookup of this client.
    permits: Semaphore,
}

/// What one upstream call answered, before its body is read as products.
enum Reply {
    /// `200` with this body.
    Body(Vec<u8>),
    /// `404`: "no such item" on the single endpoint, a broken contract on batch.
    NotFound,
}

impl RestCatalog {
    /// Builds the client.
    ///
    /// # Errors
    /// [`BuildError`] when the base URL cannot take a path, the concurrency bound is
    /// out of range, or the HTTP client cannot be set up.
    pub fn new(settings: RestCatalogSettings) -> Result<Self, BuildError> {
        let products_url = products_url(&settings.base_url)
            .ok_or_else(|| BuildError::BaseUrl(settings.base_url.to_string()))?;
        let concurrency = settings.max_concurrency.get();
        if concurrency > Semaphore::MAX_PERMITS {
            return Err(BuildError::Concurrency(concurrency));
        }
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(settings.connect_timeout)
            // Keep as many idle connections as calls may be in flight, so a steady
            // load never reconnects.
            .pool_max_idle_per_host(concurrency)
            .tcp_nodelay(true)
            .user_agent(concat!("catalog-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(BuildError::Client)?;
        Ok(RestCatalog {
            client,
            products_url,
            key_format: settings.key_format,
            batch: settings.batch,
            max_batch: settings.max_batch.get(),
            timeout: settings.timeout,
            permits: Semaphore::new(concurrency),
        })
    }

    /// Looks up one chunk of at most `max_batch` keys with one batch call.
    async fn fetch_chunk(&self, chunk: &[(Gtin, &str)]) -> Vec<FetchResult> {
        let asked: Vec<Gtin> = chunk.iter().map(|(gtin, _)| *gtin).collect();
        let mut url = self.products_url.clone();
        // Keys are ASCII digits, so the list needs no escaping; `query_pairs_mut`
        // would percent-encode the commas, which naive upstreams do not decode.
        let keys: Vec<&str> = chunk.iter().map(|(_, key)| *key).collect();
        let param = format!("gtins={}", keys.join(","));
        let query = match url.query() {
            Some(base) if !base.is_empty() => format!("{base}&{param}"),
            _ => param,
        };
        url.set_query(Some(&query));
        match self.call(url, chunk.len()).await {
            Ok(Reply::Body(body)) => read_batch(&asked, &body),
            Ok(Reply::NotFound) => {
                let error =
                    CatalogError::BadResponse("batch endpoint answered 404 Not Found".into());
                vec![Err(error); chunk.len()]
            }
            Err(error) => vec![Err(error); chunk.len()],
        }
    }

    /// Looks up one key with the single-item endpoint.
    async fn fetch_one(&self, gtin: Gtin, key: &str) -> FetchResult {
        let mut url = self.products_url.clone();
        // `products_url` is known to take path segments (checked in `new`); should
        // that ever fail, the key would be missing and the upstream answers the
        // batch listing instead, which `read_single` rejects.
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(key);
        }
        match self.call(url, 1).await? {
            Reply::Body(body) => read_single(gtin, &body),
            Reply::NotFound => Ok(None),
        }
    }

    /// Makes one upstream call: waits for a concurrency slot, sends, reads the body
    /// within the deadline, maps the status, and logs one debug line.
    ///
    /// The single place every upstream request passes: retries and the circuit
    /// breaker go here.
    async fn call(&self, url: Url, keys: usize) -> Result<Reply, CatalogError> {
        let Ok(_permit) = self.permits.acquire().await else {
            // Only a closed semaphore fails, and this client never closes it.
            return Err(CatalogError::Unavailable("client is shutting down".into()));
        };
        let started = Instant::now();
        let result = match tokio::time::timeout(self.timeout, self.send(&url)).await {
            Ok(result) => result,
            Err(_) => Err(CatalogError::Timeout(format!(
                "no complete answer within {:?}",
                self.timeout
            ))),
        };
        tracing::debug!(
            path = url.path(),
            keys,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            outcome = match &result {
                Ok(Reply::Body(body)) => format!("200 OK, {} bytes", body.len()),
                Ok(Reply::NotFound) => "404 Not Found".to_owned(),
                Err(error) => error.to_string(),
            },
            "upstream call"
        );
        result
    }

    /// Sends a GET and maps the answer (status first, then the whole body).
    async fn send(&self, url: &Url) -> Result<Reply, CatalogError> {
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            // Drain the (ignored, bounded) body so the connection goes back to the
            // pool; a failure here changes nothing about the answer.
            let _ = read_body(response).await;
            return Ok(Reply::NotFound);
        }
        if status.is_server_error() {
            return Err(CatalogError::Unavailable(format!(
                "upstream answered {status}"
            )));
        }
        if status != StatusCode::OK {
            return Err(CatalogError::BadResponse(format!(
                "upstream answered {status}"
            )));
        }
        read_body(response).await.map(Reply::Body)
    }
}

#[async_trait]
impl Catalog for RestCatalog {
    async fn fetch(&self, keys: &[Gtin]) -> Vec<FetchResult> {
        // Each distinct item once, in its wire form; an item with no key in the
        // upstream's format cannot exist there and is never sent.
        let mut seen = HashSet::with_capacity(keys.len());
        let wire: Vec<(Gtin, &str)> = keys
            .iter()
            .filter(|gtin| seen.insert(**gtin))
            .filter_map(|gtin| Some((*gtin, self.key_format.key(gtin)?)))
            .collect();

        let answered: HashMap<Gtin, FetchResult> = if self.batch {
            let chunks = wire.chunks(self.max_batch);
            let results = join_all(chunks.clone().map(|chunk| self.fetch_chunk(chunk))).await;
            chunks
                .flatten()
                .map(|(gtin, _)| *gtin)
                .zip(results.into_iter().flatten())
                .collect()
        } else {
            let results = join_all(wire.iter().map(|(gtin, key)| self.fetch_one(*gtin, key))).await;
            wire.iter().map(|(gtin, _)| *gtin).zip(results).collect()
        };

        keys.iter()
            .map(|gtin| answered.get(gtin).cloned().unwrap_or(Ok(None)))
            .collect()
    }
}

/// The largest body read from the upstream. A full batch of 100 products is far
/// below 1 MiB; the bound only keeps a broken or hostile upstream from exhausting
/// the gateway's memory.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Reads the whole body, up to [`MAX_BODY_BYTES`] (more is a `BadResponse`).
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, CatalogError> {
    let too_big = || CatalogError::BadResponse(format!("body larger than {MAX_BODY_BYTES} bytes"));
    let announced = response.content_length().unwrap_or(0);
    if announced > MAX_BODY_BYTES as u64 {
        return Err(too_big());
    }
    // Trust the announced length only as a capacity hint, never for the bound.
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `{base}/products`, keeping any path prefix of `base` (with or without a trailing
/// slash); `None` when `base` is not an http(s) URL that can take a path.
fn products_url(base: &Url) -> Option<Url> {
    if !matches!(base.scheme(), "http" | "https") {
        return None;
    }
    let mut url = base.clone();
    url.set_fragment(None);
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .push("products");
    Some(url)
}

/// Maps a failure to get an answer at all: a deadline is a timeout, anything else
/// (refused, reset, TLS, cut mid-body) means the upstream is unavailable.
fn transport_error(error: reqwest::Error) -> CatalogError {
    let timeout = error.is_timeout();
    // The URL may carry credentials of the base URL; keep it out of the message.
    let detail = error_chain(&error.without_url());
    if timeout {
        CatalogError::Timeout(detail)
    } else {
        CatalogError::Unavailable(detail)
    }
}

/// `error: cause: cause …`, because reqwest's own message ("error sending request")
/// says little without its sources.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_products_url_is_appended_to_a_bare_host() {
        assert_eq!(
            products_url(&url("http://h:8080")).unwrap().as_str(),
            "http://h:8080/products"
        );
    }

    #[test]
    fn the_products_url_keeps_a_path_prefix_with_or_without_trailing_slash() {
        for base in ["http://h/api/v1", "http://h/api/v1/"] {
            assert_eq!(
                products_url(&url(base)).unwrap().as_str(),
                "http://h/api/v1/products"
            );
        }
    }

    #[test]
    fn the_products_url_keeps_a_query_of_the_base() {
        assert_eq!(
            products_url(&url("https://h/v1?tenant=7"))
                .unwrap()
                .as_str(),
            "https://h/v1/products?tenant=7"
        );
    }

    #[test]
    fn a_base_url_that_is_not_http_is_rejected() {
        for base in ["ftp://h/x", "mailto:someone@example.com", "file:///tmp"] {
            assert_eq!(products_url(&url(base)), None, "{base}");
        }
    }

    #[test]
    fn building_with_a_non_http_base_url_fails_with_a_typed_error() {
        let settings = RestCatalogSettings::new(url("mailto:x@example.com"));
        assert!(matches!(
            RestCatalog::new(settings),
            Err(BuildError::BaseUrl(_))
        ));
    }

    #[test]
    fn building_with_too_much_concurrency_fails_with_a_typed_error() {
        let mut settings = RestCatalogSettings::new(url("http://h"));
        settings.max_concurrency = std::num::NonZeroUsize::MAX;
        assert!(matches!(
            RestCatalog::new(settings),
            Err(BuildError::Concurrency(_))
        ));
    }

    #[test]
    fn the_default_settings_follow_the_contract() {
        let settings = RestCatalogSettings::new(url("http://h"));
        assert_eq!(settings.key_format, KeyFormat::Gtin14);
        assert!(settings.batch);
        assert_eq!(settings.max_batch.get(), 100);
        assert_eq!(settings.max_concurrency.get(), 16);
    }
}

//! The REST implementation of [`Catalog`]: batch or fan-out lookups over one pooled
//! keep-alive HTTP client, bounded concurrency, per-call and per-fetch deadlines,
//! and answers mapped to [`CatalogError`] and [`Fault`]. It speaks docs/upstream-contract.md
//! natively (URLs here, bodies read by `answer`), or any source a [`Mapping`]
//! describes (URLs, paging and bodies by `mapping`).
//!
//! Every upstream request goes through [`RestCatalog::call`], which runs it under
//! `resilience` (breaker, retries, budget) in batch and fan-out modes alike, for
//! every source: what the gateway does around a call never depends on the dialect.

mod mapped;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::join_all;
use reqwest::{StatusCode, Url};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::Instrument;

use super::answer::{read_batch, read_single};
use super::breaker::CallStart;
use super::credentials::Credentials;
use super::fault::{Failed, Fault};
use super::mapping::{Mapping, Outgoing};
use super::resilience::Resilience;
use super::{
    BuildError, Catalog, CatalogError, FetchResult, KeyFormat, RestCatalogSettings, UpstreamHealth,
};
use crate::gtin::Gtin;
use crate::hashing::{FastHasher, FastMap, FastSet};
use crate::telemetry::metrics::{UPSTREAM_CALLS, UPSTREAM_DURATION, UPSTREAM_KEYS_PER_CALL};
use crate::telemetry::request_context;

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
    /// The upstream's base URL, from which mapped calls build theirs.
    base_url: Url,
    /// How a source other than docs/upstream-contract.md is called and read; `None`: the
    /// native contract.
    mapping: Option<Arc<Mapping>>,
    /// The `Authorization` of every call.
    credentials: Credentials,
    /// Statuses of a single-item call that mean "no such item".
    not_found: Vec<StatusCode>,
    /// Statuses retried besides `502`/`503`/`504`.
    retry_statuses: Vec<StatusCode>,
    /// The form keys are sent in.
    key_format: KeyFormat,
    /// Batch endpoint (`true`) or one call per key.
    batch: bool,
    /// Keys per batch call.
    max_batch: usize,
    /// Per-call deadline.
    timeout: Duration,
    /// The most one `fetch` may take, retries included.
    fetch_deadline: Duration,
    /// Slots for calls in flight, shared by every lookup of this client.
    permits: Semaphore,
    /// Breaker, retries and counters, shared by every call of this client.
    resilience: Resilience,
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
    /// [`BuildError`] when the base URL cannot take a path, the concurrency bound or
    /// a retry or breaker setting is out of range, or the HTTP client cannot be set
    /// up.
    pub fn new(settings: RestCatalogSettings) -> Result<Self, BuildError> {
        settings.validate()?;
        let products_url = products_url(&settings.base_url)
            .ok_or_else(|| BuildError::BaseUrl(settings.base_url.to_string()))?;
        let credentials = match &settings.mapping {
            Some(mapping) => Credentials::new(&mapping.auth, &settings.base_url)?,
            None => Credentials::none(),
        };
        let (not_found, retry_statuses) = match &settings.mapping {
            Some(mapping) => (
                mapping.single.not_found_statuses.clone(),
                mapping.retry_statuses.clone(),
            ),
            None => (vec![StatusCode::NOT_FOUND], Vec::new()),
        };
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
            base_url: settings.base_url,
            mapping: settings.mapping,
            credentials,
            not_found,
            retry_statuses,
            key_format: settings.key_format,
            batch: settings.batch,
            max_batch: settings.max_batch.get(),
            timeout: settings.timeout,
            fetch_deadline: settings.fetch_deadline,
            permits: Semaphore::new(concurrency),
            resilience: Resilience::new(settings.retry, settings.breaker),
        })
    }

    /// Which API the upstream speaks: `catalog-api` (the native contract) or the
    /// mapping's name (`openfoodfacts`, a file's `name`).
    pub fn source(&self) -> &str {
        self.mapping
            .as_ref()
            .map_or("catalog-api", |mapping| mapping.name())
    }

    /// The upstream's health as this client sees it: breaker state and monotonic
    /// counters, for `/readyz` detail and metrics.
    pub fn health(&self) -> UpstreamHealth {
        self.resilience.health()
    }

    /// Looks up one chunk of at most `max_batch` keys with one batch call.
    async fn fetch_chunk(&self, chunk: &[(Gtin, &str)], deadline: Instant) -> Vec<FetchResult> {
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
        match self.call(url.into(), chunk.len(), deadline).await {
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
    async fn fetch_one(&self, gtin: Gtin, key: &str, deadline: Instant) -> FetchResult {
        let mut url = self.products_url.clone();
        // `products_url` is known to take path segments (checked in `new`); should
        // that ever fail, the key would be missing and the upstream answers the
        // batch listing instead, which `read_single` rejects.
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(key);
        }
        match self.call(url.into(), 1, deadline).await? {
            Reply::Body(body) => read_single(gtin, &body),
            Reply::NotFound => Ok(None),
        }
    }

    /// Makes one upstream call under the breaker, with retries, all before
    /// `deadline`.
    ///
    /// The single place every upstream request passes, in batch and fan-out mode.
    /// A call that failed after its retries logs one `warn` line with the cause: the
    /// client only sees `UPSTREAM_*`, so this line is where an operator finds why.
    async fn call(
        &self,
        request: Outgoing,
        keys: usize,
        deadline: Instant,
    ) -> Result<Reply, CatalogError> {
        let result = self
            .resilience
            .run(deadline, |retry, start| {
                self.attempt(&request, keys, retry, deadline, start)
            })
            .await;
        let url = &request.url;
        if let Err(error) = &result {
            tracing::warn!(
                path = url.path(),
                keys,
                code = error.code().as_str(),
                cause = %error,
                "upstream batch failed"
            );
        }
        result
    }

    /// One attempt of a call: waits for a concurrency slot, sends, reads the body
    /// within the per-call timeout (cut short by the fetch deadline), maps the
    /// status, and logs one debug line. Gives up at once, queued or sent, when the
    /// breaker opens meanwhile (a hung upstream): nothing waits out its deadline.
    async fn attempt(
        &self,
        request: &Outgoing,
        keys: usize,
        retry: u32,
        deadline: Instant,
        start: CallStart<'_>,
    ) -> Result<Reply, Failed> {
        let opened = start.opened();
        tokio::pin!(opened);
        if start.is_open() {
            return Err(circuit_opened());
        }
        let _permit = tokio::select! {
            biased;
            () = &mut opened => return Err(circuit_opened()),
            acquired = tokio::time::timeout_at(deadline, self.permits.acquire()) => match acquired {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) => {
                    // Only a closed semaphore fails, and this client never closes it.
                    let error = CatalogError::Unavailable("client is shutting down".into());
                    return Err(Failed::new(Fault::Contract, error));
                }
                Err(_) => return Err(deadline_passed()),
            },
        };
        let started = Instant::now();
        start.sent(started);
        let send = self.send_within(request, keys, retry, started, deadline);
        tokio::pin!(send);
        let look = tokio::time::sleep_until(start.slow_at(started));
        tokio::pin!(look);
        let result = loop {
            tokio::select! {
                biased;
                () = &mut opened => break Err(circuit_opened()),
                result = &mut send => break result,
                // Past the slow-call threshold this call counts as slow: it looks
                // (and keeps looking), since every client may be waiting on it and
                // no other call may come to look.
                () = &mut look => {
                    let now = Instant::now();
                    start.look(now);
                    look.as_mut().reset(start.look_again_at(now));
                }
            }
        };
        metrics::counter!(UPSTREAM_CALLS, "outcome" => outcome_label(&result)).increment(1);
        metrics::histogram!(UPSTREAM_DURATION).record(started.elapsed().as_secs_f64());
        metrics::histogram!(UPSTREAM_KEYS_PER_CALL).record(keys as f64);
        tracing::debug!(
            path = request.url.path(),
            keys,
            retry,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            outcome = match &result {
                Ok(Reply::Body(body)) => format!("200 OK, {} bytes", body.len()),
                Ok(Reply::NotFound) => "404 Not Found".to_owned(),
                Err(failed) => failed.error.to_string(),
            },
            "upstream call"
        );
        result
    }

    /// Sends within the per-call timeout, cut short by the fetch deadline.
    async fn send_within(
        &self,
        request: &Outgoing,
        keys: usize,
        retry: u32,
        started: Instant,
        deadline: Instant,
    ) -> Result<Reply, Failed> {
        let call_deadline = started + self.timeout;
        let span = tracing::info_span!("upstream call", otel.kind = "client", keys, retry);
        let send = || self.send(request, deadline).instrument(span.clone());
        if call_deadline <= deadline {
            match tokio::time::timeout_at(call_deadline, send()).await {
                Ok(result) => result,
                Err(_) => Err(Failed::new(
                    Fault::Timeout,
                    CatalogError::Timeout(format!("no complete answer within {:?}", self.timeout)),
                )),
            }
        } else {
            // The fetch deadline comes first: when it cuts the call short, that
            // is the gateway's limit, not the upstream exceeding its timeout.
            tokio::time::timeout_at(deadline, send())
                .await
                .unwrap_or_else(|_| Err(deadline_passed()))
        }
    }

    /// Sends a GET (with the request id of the request it serves, the mapping's
    /// headers and the credentials) and maps the answer (status first, then the
    /// whole body). A call refused with a fetched token is sent once more with a
    /// fresh one: tokens are revoked or rotated before their announced expiry.
    async fn send(&self, outgoing: &Outgoing, deadline: Instant) -> Result<Reply, Failed> {
        let mut refreshed = false;
        loop {
            let authorization = self
                .credentials
                .header(&self.client, deadline)
                .await
                .map_err(token_failure)?;
            let mut request = match &outgoing.json {
                None => self.client.get(outgoing.url.clone()),
                Some(json) => self
                    .client
                    .post(outgoing.url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(json.clone()),
            }
            .header(reqwest::header::ACCEPT, "application/json");
            if let Some(mapping) = &self.mapping {
                for (name, value) in &mapping.headers {
                    request = request.header(name, value);
                }
            }
            if let Some(authorization) = &authorization {
                request = request.header(reqwest::header::AUTHORIZATION, authorization);
            }
            if let Some(context) = request_context::current() {
                request = request.header("x-request-id", context.id());
            }
            let response = request.send().await.map_err(transport_error)?;
            let status = response.status();
            if status == StatusCode::OK {
                return read_body(response).await.map(Reply::Body);
            }
            // Drain the (ignored, bounded) body so the connection goes back to the
            // pool; a failure here changes nothing about the answer.
            let _ = read_body(response).await;
            if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                if let Some(refused) = &authorization
                    && !refreshed
                    && self.credentials.can_refresh()
                {
                    self.credentials.refused(refused).await;
                    refreshed = true;
                    continue;
                }
                return Err(Failed::new(
                    Fault::Contract,
                    CatalogError::Unauthorized(format!("upstream answered {status}")),
                ));
            }
            if self.not_found.contains(&status) {
                return Ok(Reply::NotFound);
            }
            if self.retry_statuses.contains(&status) {
                return Err(Failed::new(
                    Fault::RetryableStatus(status),
                    CatalogError::Unavailable(format!("upstream answered {status}")),
                ));
            }
            if status.is_server_error() {
                return Err(Failed::new(
                    Fault::ServerError(status),
                    CatalogError::Unavailable(format!("upstream answered {status}")),
                ));
            }
            return Err(Failed::new(
                Fault::Contract,
                CatalogError::BadResponse(format!("upstream answered {status}")),
            ));
        }
    }
}

#[async_trait]
impl Catalog for RestCatalog {
    async fn fetch(&self, keys: &[Gtin]) -> Vec<FetchResult> {
        if let Some(mapping) = &self.mapping {
            return self.fetch_mapped(mapping, keys, None).await;
        }
        // Each distinct item once, in its wire form; an item with no key in the
        // upstream's format cannot exist there and is never sent.
        let mut seen = FastSet::with_capacity_and_hasher(keys.len(), FastHasher::default());
        let wire: Vec<(Gtin, &str)> = keys
            .iter()
            .filter(|gtin| seen.insert(**gtin))
            .filter_map(|gtin| Some((*gtin, self.key_format.key(gtin)?)))
            .collect();

        // One deadline for the whole lookup: retries of one chunk cannot stretch
        // it (capped at a day, so an absurd setting cannot overflow the clock).
        let deadline = Instant::now() + self.fetch_deadline.min(MAX_FETCH_DEADLINE);
        let answered = gather(
            &wire,
            self.batch.then_some(self.max_batch),
            |chunk| self.fetch_chunk(chunk, deadline),
            |(gtin, key)| self.fetch_one(*gtin, key, deadline),
        )
        .await;
        in_order(keys, seen.len(), answered)
    }
}

/// Looks `wire` (distinct items, each with its key) up in chunks of `batch` keys
/// with `chunk_call`, all at once, or without `batch` with one `single_call` per
/// item; the answers by item.
async fn gather<'a, K, C, CF, S, SF>(
    wire: &'a [(Gtin, K)],
    batch: Option<usize>,
    chunk_call: C,
    single_call: S,
) -> FastMap<Gtin, FetchResult>
where
    C: Fn(&'a [(Gtin, K)]) -> CF,
    CF: Future<Output = Vec<FetchResult>>,
    S: Fn(&'a (Gtin, K)) -> SF,
    SF: Future<Output = FetchResult>,
{
    match batch {
        Some(size) => {
            let chunks = wire.chunks(size);
            let results = join_all(chunks.clone().map(chunk_call)).await;
            chunks
                .flatten()
                .map(|(gtin, _)| *gtin)
                .zip(results.into_iter().flatten())
                .collect()
        }
        None => {
            let results = join_all(wire.iter().map(single_call)).await;
            wire.iter().map(|(gtin, _)| *gtin).zip(results).collect()
        }
    }
}

/// The answers in the order of `keys` (`distinct` of them), an item never sent
/// (no key in the upstream's form) not found. Each answer moves out to its key; only
/// keys asked more than once (the loader never does) cost a copy each (a product is
/// a few dozen allocations).
fn in_order(
    keys: &[Gtin],
    distinct: usize,
    mut answered: FastMap<Gtin, FetchResult>,
) -> Vec<FetchResult> {
    let distinct = distinct == keys.len();
    keys.iter()
        .map(|gtin| {
            let answer = if distinct {
                answered.remove(gtin)
            } else {
                answered.get(gtin).cloned()
            };
            answer.unwrap_or(Ok(None))
        })
        .collect()
}

/// A token could not be had: the fault of the token endpoint's failure.
fn token_failure(error: CatalogError) -> Failed {
    let fault = match &error {
        CatalogError::Timeout(_) => Fault::Timeout,
        CatalogError::Unavailable(_) => Fault::Connect,
        CatalogError::BadResponse(_) | CatalogError::Unauthorized(_) => Fault::Contract,
    };
    Failed::new(fault, error)
}

/// The fetch deadline passed before or during the call.
fn deadline_passed() -> Failed {
    Failed::new(
        Fault::Deadline,
        CatalogError::Timeout("fetch deadline passed".into()),
    )
}

/// The breaker opened while the call waited: the upstream is not answering.
fn circuit_opened() -> Failed {
    Failed::new(
        Fault::CircuitOpened,
        CatalogError::Unavailable("circuit opened: the upstream is not answering".into()),
    )
}

/// The longest fetch deadline honoured; longer settings are cut to it.
const MAX_FETCH_DEADLINE: Duration = Duration::from_secs(24 * 3600);

/// The largest body read from the upstream. A full batch of 100 products is far
/// below 1 MiB; the bound only keeps a broken or hostile upstream from exhausting
/// the gateway's memory.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Reads the whole body, up to [`MAX_BODY_BYTES`] (more is a `BadResponse`).
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, Failed> {
    let too_big = || {
        let error = CatalogError::BadResponse(format!("body larger than {MAX_BODY_BYTES} bytes"));
        Failed::new(Fault::Contract, error)
    };
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
/// (refused, reset, TLS, cut mid-body) means the upstream is unavailable. The fault
/// tells a connection never made from one broken on the way.
fn transport_error(error: reqwest::Error) -> Failed {
    let fault = if error.is_connect() {
        Fault::Connect
    } else if error.is_timeout() {
        Fault::Timeout
    } else if error.is_builder() || error.is_redirect() {
        // Our request or the upstream's redirects are wrong: a repeat fails alike.
        Fault::Contract
    } else {
        Fault::Broken
    };
    let timeout = error.is_timeout();
    // The URL may carry credentials of the base URL; keep it out of the message.
    let detail = error_chain(&error.without_url());
    let error = if timeout {
        CatalogError::Timeout(detail)
    } else {
        CatalogError::Unavailable(detail)
    };
    Failed::new(fault, error)
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

/// The metrics label of a call's outcome (a fixed set).
fn outcome_label(result: &Result<Reply, Failed>) -> &'static str {
    match result {
        Ok(Reply::Body(_)) => "ok",
        Ok(Reply::NotFound) => "not_found",
        Err(failed) => failed.error.code().as_str(),
    }
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
        assert_eq!(settings.fetch_deadline, Duration::from_secs(3));
        assert_eq!(settings.retry, crate::catalog::RetryPolicy::default());
        assert_eq!(settings.breaker, crate::catalog::BreakerSettings::default());
    }

    #[test]
    fn building_with_an_out_of_range_resilience_setting_names_the_setting() {
        type Change = fn(&mut RestCatalogSettings);
        let cases: [(&str, Change); 11] = [
            ("fetch_deadline", |s| s.fetch_deadline = Duration::ZERO),
            ("retry.budget_ratio", |s| s.retry.budget_ratio = -0.1),
            ("retry.budget_ratio", |s| s.retry.budget_ratio = f64::NAN),
            ("breaker.failure_threshold", |s| {
                s.breaker.failure_threshold = 0
            }),
            ("breaker.failure_rate", |s| s.breaker.failure_rate = 0.0),
            ("breaker.failure_rate", |s| s.breaker.failure_rate = 1.5),
            ("breaker.window", |s| s.breaker.window = Duration::ZERO),
            ("breaker.slow_call_threshold", |s| {
                s.breaker.slow_call_threshold = Duration::ZERO
            }),
            ("breaker.slow_call_rate", |s| s.breaker.slow_call_rate = 0.0),
            ("breaker.slow_call_rate", |s| s.breaker.slow_call_rate = 1.5),
            ("breaker.slow_call_window", |s| {
                s.breaker.slow_call_window = 1
            }),
        ];
        for (name, change) in cases {
            let mut settings = RestCatalogSettings::new(url("http://h"));
            change(&mut settings);
            match RestCatalog::new(settings) {
                Err(BuildError::Resilience { setting, .. }) => assert_eq!(setting, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn a_new_client_reports_a_closed_breaker_and_zero_counters() {
        let catalog = RestCatalog::new(RestCatalogSettings::new(url("http://h"))).unwrap();
        let health = catalog.health();
        assert_eq!(health.breaker, crate::catalog::BreakerState::Closed);
        assert_eq!(
            (health.consecutive_failures, health.calls, health.failures),
            (0, 0, 0)
        );
        assert_eq!(
            (
                health.retries,
                health.retries_refused_by_budget,
                health.short_circuited
            ),
            (0, 0, 0)
        );
    }
}

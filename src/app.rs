//! Startup in one shape: `Application::build` binds and wires every part from the
//! settings, `port` reports what was bound (so tests can ask for port 0), and
//! `run_until_stopped` serves until the shutdown future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::cache::{Forget, ProductCache};
use crate::catalog::{
    BreakerState, Catalog, OpenReason, RestCatalog, RestCatalogSettings, UpstreamHealth,
};
use crate::config::{Settings, UpstreamSettings};
use crate::demo;
use crate::graphql::{GatewaySchema, build_schema};
use crate::http::{
    AdminState, AppState, CacheHeaderSettings, ConnectionSettings, HealthDetail, HttpSettings,
    InFlightLimit, Readiness, RefreshGauges, ResolverState, ResponseCache, router, serve,
};
use crate::loader::ProductLoader;
use crate::protect::Protection;
use crate::telemetry::metrics;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address could not be bound.
    #[error("failed to bind {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The upstream client could not be built.
    #[error("failed to build the upstream client: {0}")]
    Upstream(String),
}

/// A wired gateway, bound and ready to serve.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    upstream: reqwest::Url,
    /// Which API the upstream speaks (`catalog-api`, a mapping's name).
    upstream_source: String,
    /// The embedded demo catalog, when no upstream was configured; stops with the app.
    demo: Option<JoinHandle<std::io::Result<()>>>,
    /// How long `/readyz` says draining before the listener closes.
    drain_delay: Duration,
    /// How long in-flight requests may take once the listener closed.
    shutdown_timeout: Duration,
    /// How long a request head may take (and a keep-alive connection stay idle).
    header_read_timeout: Duration,
}

impl Application {
    /// Binds the listener (and the embedded demo catalog when no upstream URL is set)
    /// and wires catalog, cache, loader, schema and router state, in that order.
    ///
    /// # Errors
    /// [`StartError`] when an address cannot be bound or the upstream client cannot
    /// be built.
    pub async fn build(settings: Settings) -> Result<Application, StartError> {
        let listener = bind(settings.server.listen)?;
        let (upstream, demo) = start_upstream(&settings.upstream).await?;
        let catalog = Arc::new(connect_catalog(&settings.upstream, upstream.clone())?);
        let upstream_source = catalog.source().to_owned();
        let product_ttl = settings.cache.ttl;
        let headers = CacheHeaderSettings {
            static_max_age: settings.http.cache_control_static_max_age,
            stale_if_error: settings.cache.max_stale,
        };
        let rcn_region = settings.graphql.rcn_region;
        let fetch_deadline = settings.upstream.client.fetch_deadline;
        let cache = ProductCache::new(settings.cache);
        let loader = ProductLoader::new(
            Arc::clone(&catalog) as Arc<dyn Catalog>,
            cache.clone(),
            settings.upstream.loader(),
        );
        // The Digital Link resolver reads products through the same loader as GraphQL.
        let resolver = ResolverState {
            loader: loader.clone(),
            settings: Arc::new(settings.resolver),
            rcn_region: settings.graphql.rcn_region,
        };
        let schema = build_schema(loader, settings.graphql);
        // Answers without products (GTIN facts, `__typename`) live as long as a product.
        let responses = ResponseCache::new(settings.http.response_cache, product_ttl, headers);
        let admin = settings.http.admin_token.clone().map(|token| AdminState {
            token,
            products: cache.clone(),
            rcn_region,
            settle: settle_after(fetch_deadline),
        });
        let protection = Protection::new(settings.protection);
        if let Some(protection) = &protection {
            reload_on_sighup(protection);
        }
        // A client's API key or id makes its answers private: no CDN may hand them
        // to a client without a key.
        let responses = match &protection {
            Some(protection) => responses.with_identity_headers(protection.request_headers()),
            None => responses,
        };
        follow_invalidations(&cache, &responses);
        let mut state = router_state(
            schema,
            settings.http,
            settings.telemetry.metrics,
            &catalog,
            (&cache, responses),
            resolver,
        );
        state.admin = admin;
        if let Some(protection) = protection {
            with_protection(&mut state, protection);
        }
        Ok(Application {
            listener,
            state,
            upstream,
            upstream_source,
            demo,
            drain_delay: settings.server.drain_delay,
            shutdown_timeout: settings.server.shutdown_timeout,
            header_read_timeout: settings.server.header_read_timeout,
        })
    }

    /// The gateway's routes over its state, to drive without a socket (the
    /// `router` bench: what the layers and the handler cost, no kernel).
    pub fn router(&self) -> axum::Router {
        router(self.state.clone())
    }

    /// The port the gateway listens on.
    pub fn port(&self) -> u16 {
        self.local_addr()
            .map(|address| address.port())
            .unwrap_or_default()
    }

    /// The address the gateway listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The upstream catalog in use (the embedded demo catalog's address when none was set).
    pub fn upstream(&self) -> &reqwest::Url {
        &self.upstream
    }

    /// Which API the upstream speaks: `catalog-api` or the mapping's name.
    pub fn upstream_source(&self) -> &str {
        &self.upstream_source
    }

    /// Whether the upstream is the embedded demo catalog (no upstream was configured).
    pub fn serves_embedded_demo(&self) -> bool {
        self.demo.is_some()
    }

    /// Serves until `shutdown` completes, then drains for a zero-downtime deploy:
    /// `/readyz` turns 503 at once while requests are still served for the drain
    /// delay (so the load balancer notices), then the listener closes and in-flight
    /// requests get up to the shutdown timeout to finish.
    ///
    /// # Errors
    /// The server's I/O error, if serving fails.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let readiness = self.state.readiness.clone();
        let listener_closing = Arc::new(Notify::new());
        let drain_delay = self.drain_delay;
        let begin_close = {
            let listener_closing = Arc::clone(&listener_closing);
            async move {
                shutdown.await;
                readiness.start_draining();
                tracing::info!(
                    drain_delay_ms = drain_delay.as_millis(),
                    "draining: /readyz now 503"
                );
                tokio::time::sleep(drain_delay).await;
                tracing::info!("closing the listener; finishing in-flight requests");
                listener_closing.notify_one();
            }
        };
        // The peer's address identifies a client for the rate limits; without
        // protection nothing reads it, so the plain service spares its per-request
        // extension.
        let connections = ConnectionSettings {
            header_read_timeout: self.header_read_timeout,
            connect_info: self.state.protection.is_some(),
        };
        let server = serve(self.listener, router(self.state), connections, begin_close);
        let shutdown_timeout = self.shutdown_timeout;
        let served = tokio::select! {
            served = server => served,
            () = async {
                listener_closing.notified().await;
                tokio::time::sleep(shutdown_timeout).await;
            } => {
                tracing::warn!("shutdown timeout passed with requests still in flight; stopping");
                Ok(())
            }
        };
        if let Some(demo) = self.demo {
            demo.abort();
        }
        served
    }
}

/// Reads the trusted-documents manifest again on each SIGHUP, for as long as the
/// protection lives (the task ends with the last handle to it).
fn reload_on_sighup(protection: &Arc<Protection>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("no SIGHUP handler: the trusted documents reload only on restart");
            return;
        };
        let protection = Arc::downgrade(protection);
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match protection.upgrade() {
                    Some(protection) => protection.reload_trusted_documents(),
                    None => break,
                }
            }
        });
    }
}

/// Adds the protection to the router state: its stats in `/readyz` detail and the
/// scrape-time gauges, its headers to CORS.
fn with_protection(state: &mut AppState, protection: Arc<Protection>) {
    if let Some(detail) = state.health_detail.take() {
        let protection = Arc::clone(&protection);
        state.health_detail = Some(Arc::new(move || {
            let mut value = detail();
            let stats = protection.stats();
            if let Some(fields) = value.as_object_mut() {
                fields.insert(
                    "protection".to_owned(),
                    serde_json::json!({
                        "rateLimiterClients": stats.limiter_clients,
                        "rateLimiterMaxClients": stats.limiter_max_clients,
                        "redisFallbacks": stats.redis_fallbacks,
                        "trustedDocuments": stats.trusted_documents,
                    }),
                );
            }
            value
        }));
    }
    if let Some(refresh) = state.refresh_gauges.take() {
        let protection = Arc::clone(&protection);
        state.refresh_gauges = Some(Arc::new(move || {
            refresh();
            let stats = protection.stats();
            ::metrics::gauge!(metrics::RATE_LIMITER_CLIENTS).set(stats.limiter_clients as f64);
            ::metrics::counter!(metrics::RATE_LIMITER_REDIS_FALLBACKS)
                .absolute(stats.redis_fallbacks);
        }));
    }
    state.protection = Some(protection);
}

/// Sets the scrape-time metrics from the upstream's and the caches' counters.
fn record_gauges(health: &UpstreamHealth, cache: &ProductCache, responses: &ResponseCache) {
    let breaker = match health.breaker {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    };
    ::metrics::gauge!(metrics::UPSTREAM_BREAKER_STATE).set(breaker);
    ::metrics::counter!(metrics::UPSTREAM_RETRIES).absolute(health.retries);
    ::metrics::counter!(metrics::UPSTREAM_SHORT_CIRCUITED).absolute(health.short_circuited);
    ::metrics::counter!(metrics::UPSTREAM_SLOW_CALLS).absolute(health.slow_calls);
    ::metrics::counter!(metrics::UPSTREAM_BREAKER_OPENED, "reason" => OpenReason::Failures.as_str())
        .absolute(health.opened_by_failures);
    ::metrics::counter!(metrics::UPSTREAM_BREAKER_OPENED, "reason" => OpenReason::SlowCalls.as_str())
        .absolute(health.opened_by_slow_calls);
    let stats = cache.stats();
    ::metrics::counter!(metrics::CACHE_HITS).absolute(stats.hits);
    ::metrics::counter!(metrics::CACHE_MISSES).absolute(stats.misses);
    ::metrics::counter!(metrics::CACHE_STALE_SERVED).absolute(stats.stale_served);
    ::metrics::counter!(metrics::CACHE_EVICTIONS).absolute(stats.evictions);
    ::metrics::counter!(metrics::CACHE_REDIS_HITS).absolute(stats.redis_hits);
    ::metrics::counter!(metrics::CACHE_REDIS_ERRORS).absolute(stats.redis_errors);
    ::metrics::counter!(metrics::CACHE_REDIS_TIMEOUTS).absolute(stats.redis_timeouts);
    ::metrics::counter!(metrics::INVALIDATION_ENTRIES).absolute(stats.invalidation_entries);
    ::metrics::counter!(metrics::INVALIDATION_FULL_CLEARS).absolute(stats.invalidation_full_clears);
    ::metrics::gauge!(metrics::CACHE_ENTRIES).set(stats.entries as f64);
    ::metrics::gauge!(metrics::CACHE_BYTES).set(stats.bytes as f64);
    let responses = responses.stats();
    ::metrics::counter!(metrics::RESPONSE_CACHE_HITS).absolute(responses.hits);
    ::metrics::counter!(metrics::RESPONSE_CACHE_MISSES).absolute(responses.misses);
    ::metrics::counter!(metrics::RESPONSE_CACHE_BYPASSED).absolute(responses.bypassed);
    ::metrics::counter!(metrics::RESPONSE_CACHE_STORED).absolute(responses.stored);
    ::metrics::gauge!(metrics::RESPONSE_CACHE_ENTRIES).set(responses.entries as f64);
    ::metrics::gauge!(metrics::RESPONSE_CACHE_BYTES).set(responses.bytes as f64);
    ::metrics::counter!(metrics::RESPONSE_CACHE_INVALIDATED).absolute(responses.invalidated);
    if let Some(status) = cache.redis_status() {
        let up = if status == "connected" { 1.0 } else { 0.0 };
        ::metrics::gauge!(metrics::CACHE_REDIS_UP).set(up);
    }
    metrics::record_process_memory();
}

/// The upstream's and the caches' state as `/readyz` detail.
fn health_json(
    catalog: &RestCatalog,
    cache: &ProductCache,
    responses: &ResponseCache,
) -> serde_json::Value {
    let health = catalog.health();
    let stats = cache.stats();
    let response_stats = responses.stats();
    serde_json::json!({
        "upstream": {
            "source": catalog.source(),
            "breaker": health.breaker.as_str(),
            "breakerOpenReason": health.open_reason.map(OpenReason::as_str),
            "slowCalls": health.slow_calls,
            "consecutiveFailures": health.consecutive_failures,
            "calls": health.calls,
            "failures": health.failures,
            "retries": health.retries,
            "shortCircuited": health.short_circuited,
        },
        "cache": {
            "enabled": cache.is_enabled(),
            "entries": stats.entries,
            "bytes": stats.bytes,
            "hits": stats.hits,
            "misses": stats.misses,
            "staleServed": stats.stale_served,
            "evictions": stats.evictions,
            "redis": cache.redis_status(),
            "followsInvalidations": cache.follows_invalidations(),
            "invalidationEntries": stats.invalidation_entries,
            "invalidationFullClears": stats.invalidation_full_clears,
            "unsentInvalidations": cache.unsent_invalidations(),
        },
        "responseCache": {
            "enabled": responses.is_enabled(),
            "entries": response_stats.entries,
            "bytes": response_stats.bytes,
            "hits": response_stats.hits,
            "misses": response_stats.misses,
            "bypassed": response_stats.bypassed,
            "stored": response_stats.stored,
            "invalidated": response_stats.invalidated,
        },
    })
}

/// How many accepted-but-not-yet-taken connections the kernel may queue for the
/// listener. Tokio's `TcpListener::bind` asks for 1,024; a burst larger than that (a
/// load balancer failing over, thousands of clients reconnecting at once) overflows
/// the queue, and each overflowed connection waits for TCP's retransmission backoff
/// (seconds) before the gateway even sees it: 1,134 overflows in one run of
/// tests/api/slow_clients.rs with 1,024. Linux caps the figure at
/// `net.core.somaxconn` (4,096 by default since 5.4).
const ACCEPT_BACKLOG: u32 = 4096;

fn bind(address: SocketAddr) -> Result<TcpListener, StartError> {
    let listen = || -> std::io::Result<TcpListener> {
        let socket = if address.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As std's and tokio's `bind` do on Unix: a restarted gateway rebinds its
        // port while the old one's connections linger in TIME_WAIT.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        socket.bind(address)?;
        socket.listen(ACCEPT_BACKLOG)
    };
    listen().map_err(|source| StartError::Bind { address, source })
}

/// The upstream to use: the configured URL, or the embedded demo catalog started on
/// a loopback port (its task stops with the app).
pub(crate) async fn start_upstream(
    settings: &UpstreamSettings,
) -> Result<(reqwest::Url, Option<JoinHandle<std::io::Result<()>>>), StartError> {
    if let Some(url) = &settings.url {
        return Ok((url.clone(), None));
    }
    let address = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = bind(address)?;
    let bound = listener
        .local_addr()
        .map_err(|source| StartError::Bind { address, source })?;
    let url = reqwest::Url::parse(&format!("http://{bound}"))
        .map_err(|error| StartError::Upstream(format!("demo catalog URL: {error}")))?;
    let handle = tokio::spawn(demo::serve(
        listener,
        settings.demo.clone(),
        std::future::pending(),
    ));
    // At debug: `catalog-gateway listening` (with `demo=true`) is the first line a
    // person running `make run` sees, with the /scan and GraphiQL URLs.
    tracing::debug!(%url, "no upstream configured: serving the embedded demo catalog");
    Ok((url, Some(handle)))
}

/// The REST catalog client for the upstream at `base_url`.
fn connect_catalog(
    settings: &UpstreamSettings,
    base_url: reqwest::Url,
) -> Result<RestCatalog, StartError> {
    RestCatalog::new(RestCatalogSettings {
        base_url,
        ..settings.client.clone()
    })
    .map_err(|error| StartError::Upstream(error.to_string()))
}

/// What the router's handlers share, with `/readyz` detail and scrape-time gauges
/// read from the catalog's and the cache's counters.
fn router_state(
    schema: GatewaySchema,
    http: HttpSettings,
    metrics_on: bool,
    catalog: &Arc<RestCatalog>,
    (cache, responses): (&ProductCache, ResponseCache),
    resolver: ResolverState,
) -> AppState {
    let health_detail: HealthDetail = {
        let (catalog, cache, responses) = (Arc::clone(catalog), cache.clone(), responses.clone());
        Arc::new(move || health_json(&catalog, &cache, &responses))
    };
    let refresh_gauges: RefreshGauges = {
        let (catalog, cache, responses) = (Arc::clone(catalog), cache.clone(), responses.clone());
        Arc::new(move || record_gauges(&catalog.health(), &cache, &responses))
    };
    AppState {
        schema,
        readiness: Readiness::default(),
        in_flight: InFlightLimit::new(http.max_in_flight),
        limits: http.limits,
        health_detail: Some(health_detail),
        metrics: if metrics_on { metrics::install() } else { None },
        refresh_gauges: Some(refresh_gauges),
        cors_origins: http.cors_origins.into(),
        response_cache: responses,
        admin: None,
        resolver,
        protection: None,
    }
}

/// When to invalidate products a second time: once every upstream fetch begun
/// before the first could have answered (the fetch deadline, with a margin),
/// at most ten minutes later.
fn settle_after(fetch_deadline: Duration) -> Duration {
    fetch_deadline
        .saturating_add(Duration::from_millis(100))
        .min(Duration::from_secs(600))
}

/// Invalidations heard through Redis (when configured; other replicas' and this
/// one's own) drop the products here too: the product cache forgets them, then
/// the answers built from them go; when it forgot everything, so do the answers.
fn follow_invalidations(cache: &ProductCache, responses: &ResponseCache) {
    let responses = responses.clone();
    cache.follow_invalidations(move |forget| match forget {
        Forget::Products { gtins, from_peer } => {
            responses.invalidate(gtins);
            if from_peer {
                ::metrics::counter!(metrics::INVALIDATED_GTINS, "source" => "peer")
                    .increment(u64::try_from(gtins.len()).unwrap_or(u64::MAX));
            }
        }
        Forget::Everything => responses.invalidate_all(),
    });
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ACCEPT_BACKLOG, bind};

    /// A burst beyond tokio's default backlog (1,024) waits in the kernel's queue
    /// while the gateway is busy, instead of being dropped into TCP's retransmission
    /// backoff: every connect completes though nothing accepts.
    #[tokio::test]
    async fn a_burst_larger_than_tokios_default_backlog_is_queued_not_dropped() {
        let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(ACCEPT_BACKLOG);
        let burst: usize = 1500;
        assert!(
            somaxconn as usize > burst,
            "net.core.somaxconn ({somaxconn}) caps every backlog below this test's burst"
        );
        let _ = rlimit::increase_nofile_limit(u64::MAX);
        let listener = bind("127.0.0.1:0".parse().unwrap()).expect("a loopback port");
        let address = listener.local_addr().unwrap();

        let connects = (0..burst).map(|_| {
            tokio::time::timeout(
                Duration::from_millis(700),
                tokio::net::TcpStream::connect(address),
            )
        });
        let connected = futures::future::join_all(connects).await;

        let queued = connected
            .iter()
            .filter(|connect| matches!(connect, Ok(Ok(_))))
            .count();
        assert_eq!(queued, burst, "connections queued without an accept");
        drop(listener);
    }
}

//! Startup in one shape: `Application::build` binds and wires every part from the
//! settings, `port` reports what was bound (so tests can ask for port 0), and
//! `run_until_stopped` serves until the shutdown future completes.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::cache::{CacheSettings, ProductCache, RedisSettings};
use crate::catalog::{
    BreakerSettings, BreakerState, KeyFormat, OpenReason, RestCatalog, RestCatalogSettings,
    RetryPolicy, UpstreamHealth,
};
use crate::config::{BatchMode, ServeConfig, Switch};
use crate::demo::{self, DemoSettings};
use crate::graphql::{GraphqlSettings, QueryLimits, build_schema};
use crate::gtin::RcnRegion;
use crate::http::{
    AppState, HealthDetail, HttpLimits, InFlightLimit, Readiness, RefreshGauges, router,
};
use crate::loader::{LoaderSettings, ProductLoader};
use crate::telemetry::metrics::{self, UPSTREAM_BREAKER_OPENED, UPSTREAM_SLOW_CALLS};

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
    /// A setting is not usable.
    #[error("invalid setting: {0}")]
    Setting(String),
    /// The upstream client could not be built.
    #[error("failed to build the upstream client: {0}")]
    Upstream(String),
}

/// A wired gateway, bound and ready to serve.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    upstream: reqwest::Url,
    /// The embedded demo catalog, when no upstream was configured; stops with the app.
    demo: Option<JoinHandle<std::io::Result<()>>>,
    /// How long `/readyz` says draining before the listener closes.
    drain_delay: Duration,
    /// How long in-flight requests may take once the listener closed.
    shutdown_timeout: Duration,
}

impl Application {
    /// Binds the listener (and the embedded demo catalog when no upstream URL is set)
    /// and wires catalog, loader and schema.
    ///
    /// # Errors
    /// [`StartError`] when an address cannot be bound or a setting is unusable.
    pub async fn build(config: &ServeConfig) -> Result<Application, StartError> {
        let listener = bind(config.listen).await?;
        let (upstream, demo) = match &config.upstream_url {
            Some(url) => (url.clone(), None),
            None => start_demo_catalog(config).await?,
        };
        let catalog = RestCatalog::new(RestCatalogSettings {
            base_url: upstream.clone(),
            key_format: config
                .upstream_key_format
                .parse::<KeyFormat>()
                .map_err(|error| StartError::Setting(error.to_string()))?,
            batch: config.upstream_batch == BatchMode::On,
            max_batch: config.upstream_max_batch,
            max_concurrency: config.upstream_concurrency,
            timeout: config.upstream_timeout(),
            connect_timeout: config.upstream_connect_timeout(),
            fetch_deadline: Duration::from_millis(config.upstream_fetch_deadline_ms),
            retry: RetryPolicy {
                max_retries: config.upstream_max_retries,
                budget_ratio: config.upstream_retry_budget,
                ..RetryPolicy::default()
            },
            breaker: BreakerSettings {
                failure_threshold: config.breaker_failure_threshold,
                failure_rate: config.breaker_failure_rate,
                open_for: Duration::from_millis(config.breaker_open_ms),
                slow_call_threshold: Duration::from_millis(config.breaker_slow_call_ms),
                slow_call_rate: config.breaker_slow_call_rate,
                slow_call_window: config.breaker_slow_call_window,
                ..BreakerSettings::default()
            },
        })
        .map_err(|error| StartError::Upstream(error.to_string()))?;
        let catalog = Arc::new(catalog);
        let cache = ProductCache::new(CacheSettings {
            enabled: config.cache == Switch::On,
            capacity: config.cache_capacity.get(),
            ttl: Duration::from_secs(config.cache_ttl_s),
            negative_ttl: Duration::from_secs(config.cache_negative_ttl_s),
            max_stale: Duration::from_secs(config.cache_max_stale_s),
            redis: config.cache_redis_url.as_ref().map(|url| RedisSettings {
                url: url.clone(),
                budget: Duration::from_millis(config.cache_redis_budget_ms),
                ..RedisSettings::default()
            }),
        });
        let health_detail: HealthDetail = {
            let (catalog, cache) = (Arc::clone(&catalog), cache.clone());
            Arc::new(move || health_json(&catalog.health(), &cache))
        };
        let refresh_gauges: RefreshGauges = {
            let (catalog, cache) = (Arc::clone(&catalog), cache.clone());
            Arc::new(move || record_gauges(&catalog.health(), &cache))
        };
        let loader = ProductLoader::new(
            Arc::clone(&catalog) as Arc<dyn crate::catalog::Catalog>,
            cache,
            LoaderSettings {
                window: config.batch_window(),
                max_batch: config.upstream_max_batch,
            },
        );
        let rcn_region = config
            .rcn_region
            .as_deref()
            .map(str::parse::<RcnRegion>)
            .transpose()
            .map_err(|error| StartError::Setting(error.to_string()))?;
        let schema = build_schema(
            loader,
            GraphqlSettings {
                max_gtins_per_query: config.max_gtins_per_query.get(),
                rcn_region,
                limits: QueryLimits {
                    max_depth: config.max_depth.get(),
                    max_complexity: config.max_complexity.get(),
                    max_aliases: config.max_aliases.get(),
                    max_root_fields: config.max_root_fields.get(),
                    introspection: config.introspection == Switch::On,
                },
                apq_cache_size: config.apq_cache_size,
                document_cache_size: config.document_cache_size,
            },
        );
        let state = AppState {
            schema,
            readiness: Readiness::default(),
            in_flight: InFlightLimit::new(config.max_in_flight.get()),
            limits: HttpLimits {
                max_body_bytes: config.max_body_bytes.get(),
                max_operations: config.max_operations.get(),
                request_timeout: config.request_timeout(),
            },
            health_detail: Some(health_detail),
            metrics: match config.metrics {
                Switch::On => metrics::install(),
                Switch::Off => None,
            },
            refresh_gauges: Some(refresh_gauges),
            cors_origins: config.cors_allow_origins.clone(),
        };
        Ok(Application {
            listener,
            state,
            upstream,
            demo,
            drain_delay: config.drain_delay(),
            shutdown_timeout: config.shutdown_timeout(),
        })
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
        let server = axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(begin_close)
            .into_future();
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

/// Sets the scrape-time metrics from the upstream's and the cache's counters.
fn record_gauges(health: &UpstreamHealth, cache: &ProductCache) {
    let breaker = match health.breaker {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    };
    ::metrics::gauge!("catalog_upstream_breaker_state").set(breaker);
    ::metrics::counter!("catalog_upstream_retries_total").absolute(health.retries);
    ::metrics::counter!("catalog_upstream_short_circuited_total").absolute(health.short_circuited);
    ::metrics::counter!(UPSTREAM_SLOW_CALLS).absolute(health.slow_calls);
    ::metrics::counter!(UPSTREAM_BREAKER_OPENED, "reason" => OpenReason::Failures.as_str())
        .absolute(health.opened_by_failures);
    ::metrics::counter!(UPSTREAM_BREAKER_OPENED, "reason" => OpenReason::SlowCalls.as_str())
        .absolute(health.opened_by_slow_calls);
    let stats = cache.stats();
    ::metrics::counter!("catalog_cache_hits_total").absolute(stats.hits);
    ::metrics::counter!("catalog_cache_misses_total").absolute(stats.misses);
    ::metrics::counter!("catalog_cache_stale_served_total").absolute(stats.stale_served);
    ::metrics::counter!("catalog_cache_evictions_total").absolute(stats.evictions);
    ::metrics::counter!("catalog_cache_redis_hits_total").absolute(stats.redis_hits);
    ::metrics::counter!("catalog_cache_redis_errors_total").absolute(stats.redis_errors);
    ::metrics::counter!("catalog_cache_redis_timeouts_total").absolute(stats.redis_timeouts);
    ::metrics::gauge!("catalog_cache_entries").set(stats.entries as f64);
}

/// The upstream's and the cache's state as `/readyz` detail.
fn health_json(health: &UpstreamHealth, cache: &ProductCache) -> serde_json::Value {
    let stats = cache.stats();
    serde_json::json!({
        "upstream": {
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
            "hits": stats.hits,
            "misses": stats.misses,
            "staleServed": stats.stale_served,
            "evictions": stats.evictions,
            "redis": cache.redis_status(),
        },
    })
}

async fn bind(address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Bind { address, source })
}

/// Starts the embedded demo catalog on a loopback port and returns its URL.
async fn start_demo_catalog(
    config: &ServeConfig,
) -> Result<(reqwest::Url, Option<JoinHandle<std::io::Result<()>>>), StartError> {
    let address = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = bind(address).await?;
    let bound = listener
        .local_addr()
        .map_err(|source| StartError::Bind { address, source })?;
    let url = reqwest::Url::parse(&format!("http://{bound}"))
        .map_err(|error| StartError::Setting(format!("demo catalog URL: {error}")))?;
    let settings = DemoSettings {
        latency: Duration::from_millis(config.demo_latency_ms),
    };
    let handle = tokio::spawn(demo::serve(listener, settings, std::future::pending()));
    tracing::info!(%url, "no upstream configured: serving the embedded demo catalog");
    Ok((url, Some(handle)))
}

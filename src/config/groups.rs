//! The flags of `serve`, one group per module (`--help` shows each under its own
//! heading), each with one conversion into that module's typed settings. A flag's
//! value is parsed into its type by clap (see `parsers`), so a conversion only
//! assembles; what depends on two flags is checked in [`super::Settings::check`].
//!
//! A new flag goes into the group of the module it configures, with `env =
//! "CATALOG_…"` and a default, and into that group's conversion; then it is in
//! `--help`, in [`super::Settings`], and tests set it in code.

use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderName;
use clap::{Args, ValueEnum};

use super::parsers::{self, millis, secs};
use super::redis_flags::{self, RedisFlags};
use super::upstream_source::{SourceFlags, choose};
use super::{ServerSettings, SettingError, UpstreamSettings};
use crate::cache::{CacheSettings, RedisSettings};
use crate::catalog::mapping::EnvLookup;
use crate::catalog::{BreakerSettings, KeyFormat, RestCatalogSettings, RetryPolicy};
use crate::demo::DemoSettings;
use crate::graphql::{GraphqlSettings, QueryLimits};
use crate::gtin::RcnRegion;
use crate::http::{
    AdminToken, AllowedOrigin, HttpLimits, HttpSettings, LinkTemplate, ResolverSettings,
    ResponseCacheSettings,
};
use crate::protect::{
    ApiKeys, IpRange, ManifestFile, ProtectionSettings, RatePolicy, Secret, TrustedMode,
};
use crate::redis_topology::RedisTarget;
use crate::telemetry::{LogFormat, TelemetrySettings};

/// A feature switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// Turned on.
    On,
    /// Turned off.
    Off,
}

impl Switch {
    fn is_on(self) -> bool {
        self == Switch::On
    }
}

/// The server: where it listens and how it stops.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Server")]
pub struct ServerArgs {
    /// Address to listen on.
    #[arg(long, env = "CATALOG_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// After SIGTERM, how long `/readyz` reports 503 while requests are still served, in milliseconds.
    #[arg(long = "drain-delay-ms", value_name = "MS", env = "CATALOG_DRAIN_DELAY_MS", default_value = "5000", value_parser = millis(0..=600_000))]
    pub drain_delay: Duration,
    /// After the drain delay, how long in-flight requests may take to finish, in milliseconds.
    #[arg(long = "shutdown-timeout-ms", value_name = "MS", env = "CATALOG_SHUTDOWN_TIMEOUT_MS", default_value = "20000", value_parser = millis(0..=600_000))]
    pub shutdown_timeout: Duration,
    /// How long a connection may take to send a whole request head, in milliseconds, counted from its opening or from the previous answer (so also how long an idle keep-alive connection is kept); then it is closed.
    #[arg(long = "header-read-timeout-ms", value_name = "MS", env = "CATALOG_HEADER_READ_TIMEOUT_MS", default_value = "20000", value_parser = millis(1..=600_000))]
    pub header_read_timeout: Duration,
    /// Once listening, write the bound address (`host:port`) to this file, atomically (a temporary file renamed): how a script or test that starts the gateway on port 0 learns the port.
    #[arg(long, value_name = "PATH", env = "CATALOG_READY_FILE")]
    pub ready_file: Option<PathBuf>,
}

impl ServerArgs {
    /// The server's settings.
    pub fn settings(&self) -> ServerSettings {
        ServerSettings {
            listen: self.listen,
            drain_delay: self.drain_delay,
            shutdown_timeout: self.shutdown_timeout,
            header_read_timeout: self.header_read_timeout,
            ready_file: self.ready_file.clone(),
        }
    }
}

/// The upstream catalog: where, how it is called, retried and batched.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Upstream catalog")]
pub struct UpstreamArgs {
    /// Base URL of the upstream catalog; absent: the preset's own URL, or (for `catalog-api`) start the embedded demo catalog and use it.
    #[arg(long, env = "CATALOG_UPSTREAM_URL", value_parser = parsers::http_url)]
    pub upstream_url: Option<reqwest::Url>,
    /// The upstream's API, by a mapping shipped in `presets/` [default: catalog-api].
    #[arg(long, env = "CATALOG_UPSTREAM_PRESET", value_parser = parsers::preset(), conflicts_with = "upstream_mapping")]
    pub upstream_preset: Option<String>,
    /// The upstream's API, by a mapping file of one's own (docs/upstream-mapping.md).
    #[arg(long, value_name = "FILE", env = "CATALOG_UPSTREAM_MAPPING")]
    pub upstream_mapping: Option<std::path::PathBuf>,
    /// GTIN form the upstream is keyed by [default: the mapping's; gtin14 for catalog-api].
    #[arg(long, env = "CATALOG_UPSTREAM_KEY_FORMAT", value_parser = parsers::key_format())]
    pub upstream_key_format: Option<KeyFormat>,
    /// OAuth2 token endpoint for the upstream's client credentials (CATALOG_UPSTREAM_CLIENT_ID, CATALOG_UPSTREAM_CLIENT_SECRET) [default: the mapping's].
    #[arg(long, env = "CATALOG_UPSTREAM_TOKEN_URL", value_parser = parsers::http_url)]
    pub upstream_token_url: Option<reqwest::Url>,
    /// Whether to use the upstream's batch call (catalog-api: `GET /products?gtins=…`); off: one call per key.
    #[arg(long, env = "CATALOG_UPSTREAM_BATCH", value_enum, default_value_t = Switch::On)]
    pub upstream_batch: Switch,
    /// Most keys per upstream batch call [default: the mapping's `batch.max_keys`; 100 for catalog-api].
    #[arg(long, env = "CATALOG_UPSTREAM_MAX_BATCH")]
    pub upstream_max_batch: Option<NonZeroUsize>,
    /// Most upstream calls in flight at once (per replica).
    #[arg(long, env = "CATALOG_UPSTREAM_CONCURRENCY", default_value = "16")]
    pub upstream_concurrency: NonZeroUsize,
    /// Timeout of one upstream call, in milliseconds.
    #[arg(long = "upstream-timeout-ms", value_name = "MS", env = "CATALOG_UPSTREAM_TIMEOUT_MS", default_value = "2000", value_parser = millis(1..=600_000))]
    pub upstream_timeout: Duration,
    /// Timeout to open a connection to the upstream, in milliseconds.
    #[arg(long = "upstream-connect-timeout-ms", value_name = "MS", env = "CATALOG_UPSTREAM_CONNECT_TIMEOUT_MS", default_value = "500", value_parser = millis(1..=600_000))]
    pub upstream_connect_timeout: Duration,
    /// Most time one upstream fetch may take, retries and backoff included, in milliseconds.
    #[arg(long = "upstream-fetch-deadline-ms", value_name = "MS", env = "CATALOG_UPSTREAM_FETCH_DEADLINE_MS", default_value = "3000", value_parser = millis(1..=600_000))]
    pub upstream_fetch_deadline: Duration,
    /// Most retries of one upstream call (connect errors, timeouts, 502/503/504 only).
    #[arg(long, env = "CATALOG_UPSTREAM_MAX_RETRIES", default_value_t = 2)]
    pub upstream_max_retries: u32,
    /// Retries allowed as a share of calls (the retry budget), from 0 to 1.
    #[arg(long, env = "CATALOG_UPSTREAM_RETRY_BUDGET", default_value = "0.1", value_parser = parsers::ratio)]
    pub upstream_retry_budget: f64,
    /// Consecutive upstream failures that open the circuit breaker.
    #[arg(long, env = "CATALOG_BREAKER_FAILURE_THRESHOLD", default_value = "5", value_parser = clap::value_parser!(u32).range(1..))]
    pub breaker_failure_threshold: u32,
    /// Failure rate over the breaker window (at least 20 calls) that opens the breaker, more than 0 and at most 1.
    #[arg(long, env = "CATALOG_BREAKER_FAILURE_RATE", default_value = "0.5", value_parser = parsers::failure_rate)]
    pub breaker_failure_rate: f64,
    /// How long the breaker stays open before one probe call is let through, in milliseconds.
    #[arg(long = "breaker-open-ms", value_name = "MS", env = "CATALOG_BREAKER_OPEN_MS", default_value = "5000", value_parser = millis(0..=3_600_000))]
    pub breaker_open: Duration,
    /// An upstream call still running (or answered) after this many milliseconds is slow;
    /// slow calls open the breaker (a hung upstream), see `--breaker-slow-call-rate`.
    #[arg(long = "breaker-slow-call-ms", value_name = "MS", env = "CATALOG_BREAKER_SLOW_CALL_MS", default_value = "500", value_parser = millis(1..=600_000))]
    pub breaker_slow_call: Duration,
    /// Share of slow calls among the last `--breaker-slow-call-window` calls that opens the breaker, more than 0 and at most 1.
    #[arg(long, env = "CATALOG_BREAKER_SLOW_CALL_RATE", default_value = "0.5", value_parser = parsers::failure_rate)]
    pub breaker_slow_call_rate: f64,
    /// How many of the most recent upstream calls the slow-call rate is judged over (at least 2).
    #[arg(long, env = "CATALOG_BREAKER_SLOW_CALL_WINDOW", default_value = "20", value_parser = clap::value_parser!(u32).range(2..))]
    pub breaker_slow_call_window: u32,
    /// The longest the first lookup of a batch waits for others to join it, in microseconds (a batch is usually sent on the scheduler's next tick, once no request is mid-way through registering its lookups).
    #[arg(long = "batch-window-us", value_name = "US", env = "CATALOG_BATCH_WINDOW_US", default_value = "1000", value_parser = parsers::micros(0..=1_000_000))]
    pub batch_window: Duration,
    /// Fixed latency the embedded demo catalog adds to each answer, in milliseconds.
    #[arg(long = "demo-latency-ms", value_name = "MS", env = "CATALOG_DEMO_LATENCY_MS", default_value = "0", value_parser = millis(0..=600_000))]
    pub demo_latency: Duration,
    /// The embedded demo catalog serves every product at about 16 KB (as `demo-catalog --large-products`).
    #[arg(long, env = "CATALOG_DEMO_LARGE_PRODUCTS")]
    pub demo_large_products: bool,
}

impl UpstreamArgs {
    /// The upstream's settings: the REST client's, the loader's and the demo's;
    /// `env` reads the variables a mapping names (credentials, headers).
    ///
    /// # Errors
    /// [`SettingError`] naming the flag when the mapping cannot be read or compiled,
    /// or contradicts another flag (see `upstream_source`).
    pub fn settings(&self, env: EnvLookup<'_>) -> Result<UpstreamSettings, SettingError> {
        let flags = SourceFlags {
            url: self.upstream_url.as_ref(),
            preset: self.upstream_preset.as_deref(),
            mapping: self.upstream_mapping.as_deref(),
            key_format: self.upstream_key_format,
            token_url: self.upstream_token_url.as_ref(),
            batch: self.upstream_batch.is_on(),
            max_batch: self.upstream_max_batch,
        };
        let source = choose(&flags, env)?;
        Ok(UpstreamSettings {
            url: source.url,
            client: RestCatalogSettings {
                mapping: source.mapping,
                key_format: source.key_format,
                batch: source.batch,
                max_batch: source.max_batch,
                max_concurrency: self.upstream_concurrency,
                timeout: self.upstream_timeout,
                connect_timeout: self.upstream_connect_timeout,
                fetch_deadline: self.upstream_fetch_deadline,
                retry: RetryPolicy {
                    max_retries: self.upstream_max_retries,
                    budget_ratio: self.upstream_retry_budget,
                    ..RetryPolicy::default()
                },
                breaker: BreakerSettings {
                    failure_threshold: self.breaker_failure_threshold,
                    failure_rate: self.breaker_failure_rate,
                    open_for: self.breaker_open,
                    slow_call_threshold: self.breaker_slow_call,
                    slow_call_rate: self.breaker_slow_call_rate,
                    slow_call_window: self.breaker_slow_call_window,
                    ..BreakerSettings::default()
                },
                ..RestCatalogSettings::new(UpstreamSettings::unset_url())
            },
            batch_window: self.batch_window,
            demo: DemoSettings {
                latency: self.demo_latency,
                large_products: self.demo_large_products,
                fail_every: None,
            },
        })
    }
}

/// The product cache: local tier, optional shared Redis tier.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Product cache")]
pub struct CacheArgs {
    /// Product cache across requests: `on` or `off`.
    #[arg(long, env = "CATALOG_CACHE", value_enum, default_value_t = Switch::On)]
    pub cache: Switch,
    /// Most memory the local product cache may weigh, in MiB (products weighed by their size).
    #[arg(long, env = "CATALOG_CACHE_MAX_MB", default_value = "64", value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub cache_max_mb: u64,
    /// Most products (and not-found answers) the local cache holds, on top of `--cache-max-mb`.
    #[arg(long, env = "CATALOG_CACHE_CAPACITY", default_value = "100000")]
    pub cache_capacity: NonZeroU64,
    /// How long a found product is served from cache, in seconds.
    #[arg(long = "cache-ttl-s", value_name = "S", env = "CATALOG_CACHE_TTL_S", default_value = "300", value_parser = secs(0..=31_536_000))]
    pub cache_ttl: Duration,
    /// How long a not-found answer is remembered, in seconds (negative caching).
    #[arg(long = "cache-negative-ttl-s", value_name = "S", env = "CATALOG_CACHE_NEGATIVE_TTL_S", default_value = "30", value_parser = secs(0..=31_536_000))]
    pub cache_negative_ttl: Duration,
    /// How long past its TTL a product may still be served when the upstream fails, in seconds.
    #[arg(long = "cache-max-stale-s", value_name = "S", env = "CATALOG_CACHE_MAX_STALE_S", default_value = "3600", value_parser = secs(0..=31_536_000))]
    pub cache_max_stale: Duration,
    /// Redis URL of a cache shared by every replica (`redis://host:6379`, `rediss://` for
    /// TLS); absent: local only. ACL user and password: CATALOG_CACHE_REDIS_USERNAME and
    /// CATALOG_CACHE_REDIS_PASSWORD in the environment.
    #[arg(long, env = "CATALOG_CACHE_REDIS_URL", value_parser = parsers::redis_url)]
    pub cache_redis_url: Option<String>,
    /// Sentinels watching the cache's Redis master (`host:port,…`; `rediss://host:port` for
    /// TLS); with --cache-redis-sentinel-master, instead of --cache-redis-url.
    #[arg(long, value_name = "HOST:PORT,…", env = "CATALOG_CACHE_REDIS_SENTINELS", value_delimiter = ',', value_parser = parsers::sentinel_address)]
    pub cache_redis_sentinels: Vec<String>,
    /// The name the Sentinels know the cache's master by.
    #[arg(long, value_name = "NAME", env = "CATALOG_CACHE_REDIS_SENTINEL_MASTER")]
    pub cache_redis_sentinel_master: Option<String>,
    /// Redis Cluster nodes for the cache (`redis://a:6379,redis://b:6379,…`; some suffice),
    /// instead of --cache-redis-url.
    #[arg(long, value_name = "URL,…", env = "CATALOG_CACHE_REDIS_CLUSTER", value_delimiter = ',', value_parser = parsers::redis_url)]
    pub cache_redis_cluster: Vec<String>,
    /// PEM CA certificate to trust for the cache's Redis TLS (a private CA); default: web roots.
    #[arg(long, value_name = "FILE", env = "CATALOG_CACHE_REDIS_CA_FILE")]
    pub cache_redis_ca_file: Option<PathBuf>,
    /// Most time a request waits on Redis, in milliseconds; past it Redis counts as a miss.
    #[arg(long = "cache-redis-budget-ms", value_name = "MS", env = "CATALOG_CACHE_REDIS_BUDGET_MS", default_value = "20", value_parser = millis(0..=60_000))]
    pub cache_redis_budget: Duration,
}

impl CacheArgs {
    /// The cache's settings, its Redis credentials read by `env`.
    ///
    /// # Errors
    /// Redis flags that contradict each other (see `config::redis_flags`).
    pub fn settings(&self, env: EnvLookup<'_>) -> Result<CacheSettings, SettingError> {
        let flags = RedisFlags {
            url: self.cache_redis_url.as_deref(),
            sentinels: &self.cache_redis_sentinels,
            master: self.cache_redis_sentinel_master.as_deref(),
            cluster: &self.cache_redis_cluster,
            ca_file: self.cache_redis_ca_file.as_ref(),
        };
        let target = redis_flags::target(&flags, &redis_flags::CACHE, env)?;
        Ok(CacheSettings {
            enabled: self.cache.is_on(),
            max_bytes: mib(self.cache_max_mb),
            capacity: self.cache_capacity.get(),
            ttl: self.cache_ttl,
            negative_ttl: self.cache_negative_ttl,
            max_stale: self.cache_max_stale,
            redis: target.map(|target| RedisSettings {
                target,
                budget: self.cache_redis_budget,
                ..RedisSettings::default()
            }),
        })
    }
}

/// GraphQL: what one operation may ask for, variable-measure decoding, APQ, parsed documents.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "GraphQL")]
pub struct GraphqlArgs {
    /// Most GTINs one operation may ask for, over all its fields and aliases; more is `TOO_MANY_GTINS`.
    #[arg(long, env = "CATALOG_MAX_GTINS_PER_QUERY", default_value = "1000")]
    pub max_gtins_per_query: NonZeroUsize,
    /// Decode variable-measure (RCN) labels with this region's layout and look up the base item.
    #[arg(long, env = "CATALOG_RCN_REGION", value_parser = parsers::rcn_region())]
    pub rcn_region: Option<RcnRegion>,
    /// Deepest selection nesting; deeper is `QUERY_TOO_DEEP`.
    #[arg(long, env = "CATALOG_MAX_DEPTH", default_value = "12")]
    pub max_depth: NonZeroUsize,
    /// Highest query complexity (each field counts 1); more is `QUERY_TOO_COMPLEX`.
    #[arg(long, env = "CATALOG_MAX_COMPLEXITY", default_value = "5000")]
    pub max_complexity: NonZeroUsize,
    /// Most aliased fields in one document; more is `TOO_MANY_ALIASES`.
    #[arg(long, env = "CATALOG_MAX_ALIASES", default_value = "200")]
    pub max_aliases: NonZeroUsize,
    /// Most root fields in one operation; more is `TOO_MANY_ROOT_FIELDS`.
    #[arg(long, env = "CATALOG_MAX_ROOT_FIELDS", default_value = "100")]
    pub max_root_fields: NonZeroUsize,
    /// Schema introspection (`__schema`, `__type`) for GraphiQL and client tools: `on` or `off`
    /// (`off` answers `INTROSPECTION_DISABLED`; `__typename` and `_service` still work).
    #[arg(long, env = "CATALOG_INTROSPECTION", value_enum, default_value_t = Switch::On)]
    pub introspection: Switch,
    /// Most automatic persisted queries kept (per replica; when full, the ones asked least go first).
    #[arg(long, env = "CATALOG_APQ_CACHE_SIZE", default_value = "1000")]
    pub apq_cache_size: NonZeroU64,
    /// Most memory the persisted queries' texts may weigh, in MiB (on top of `--apq-cache-size`).
    #[arg(long, env = "CATALOG_APQ_CACHE_MAX_MB", default_value = "4", value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub apq_cache_max_mb: u64,
    /// Most parsed query documents kept, so a hot query is not parsed again, and as many compiled plans of the common queries (0: neither).
    #[arg(long, env = "CATALOG_DOCUMENT_CACHE_SIZE", default_value_t = 1000)]
    pub document_cache_size: u64,
    /// Most memory the parsed documents may weigh, in MiB (estimated; on top of `--document-cache-size`); the compiled plans the same, apart.
    #[arg(long, env = "CATALOG_DOCUMENT_CACHE_MAX_MB", default_value = "8", value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub document_cache_max_mb: u64,
    /// Answer the common queries (`product`, `products`, `lookups` with plain selections) from compiled plans, byte for byte what the general path answers: `on` or `off`.
    #[arg(long, env = "CATALOG_COMPILED_PLANS", value_enum, default_value_t = Switch::On)]
    pub compiled_plans: Switch,
}

impl GraphqlArgs {
    /// The GraphQL layer's settings.
    pub fn settings(&self) -> GraphqlSettings {
        GraphqlSettings {
            max_gtins_per_query: self.max_gtins_per_query.get(),
            rcn_region: self.rcn_region,
            limits: QueryLimits {
                max_depth: self.max_depth.get(),
                max_complexity: self.max_complexity.get(),
                max_aliases: self.max_aliases.get(),
                max_root_fields: self.max_root_fields.get(),
                introspection: self.introspection.is_on(),
            },
            apq_cache_size: self.apq_cache_size,
            apq_cache_max_bytes: mib(self.apq_cache_max_mb),
            document_cache_size: self.document_cache_size,
            document_cache_max_bytes: mib(self.document_cache_max_mb),
            compiled_plans: self.compiled_plans.is_on(),
        }
    }
}

/// HTTP: request size and batch limits, deadlines, load shedding, CORS.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "HTTP")]
pub struct HttpArgs {
    /// Largest request body in bytes; more is 413.
    #[arg(long, env = "CATALOG_MAX_BODY_BYTES", default_value = "262144")]
    pub max_body_bytes: NonZeroUsize,
    /// Most time a request body may take to arrive, from its head, in milliseconds; later is 408 and the connection is closed.
    #[arg(long = "body-read-timeout-ms", value_name = "MS", env = "CATALOG_BODY_READ_TIMEOUT_MS", default_value = "30000", value_parser = millis(1..=600_000))]
    pub body_read_timeout: Duration,
    /// Most operations in one batched JSON array; more is 400 `TOO_MANY_OPERATIONS`.
    #[arg(long, env = "CATALOG_MAX_OPERATIONS", default_value = "16")]
    pub max_operations: NonZeroUsize,
    /// Most `/graphql` and resolver requests being executed (a body still arriving is not counted); more are shed with 503 and `Retry-After`.
    #[arg(long, env = "CATALOG_MAX_IN_FLIGHT", default_value = "1024")]
    pub max_in_flight: NonZeroUsize,
    /// Overall deadline of one operation's lookups, in milliseconds; late items are `UPSTREAM_TIMEOUT`.
    #[arg(long = "request-timeout-ms", value_name = "MS", env = "CATALOG_REQUEST_TIMEOUT_MS", default_value = "5000", value_parser = millis(1..=600_000))]
    pub request_timeout: Duration,
    /// Browser origins allowed to call `/graphql` (comma-separated `scheme://host[:port]`, `*` for any).
    #[arg(
        long,
        env = "CATALOG_CORS_ALLOW_ORIGINS",
        value_delimiter = ',',
        default_value = "*",
        value_parser = parsers::allowed_origin
    )]
    pub cors_allow_origins: Vec<AllowedOrigin>,
    /// Response cache: answers of repeated operations served from memory, `on` or `off`.
    #[arg(long, env = "CATALOG_RESPONSE_CACHE", value_enum, default_value_t = Switch::On)]
    pub response_cache: Switch,
    /// Most memory the response cache may weigh, in MiB.
    #[arg(long, env = "CATALOG_RESPONSE_CACHE_MAX_MB", default_value = "16", value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub response_cache_max_mb: u64,
    /// `Cache-Control: max-age` in seconds of an answer holding no product (`gtin(code:)`: pure computation).
    #[arg(long = "cache-control-static-max-age-s", value_name = "S", env = "CATALOG_CACHE_CONTROL_STATIC_MAX_AGE_S", default_value = "3600", value_parser = secs(0..=31_536_000))]
    pub cache_control_static_max_age: Duration,
    /// Bearer token of `POST /admin/invalidate` (at least 16 characters); absent: that route answers 404.
    #[arg(long, env = "CATALOG_ADMIN_TOKEN", hide_env_values = true, value_parser = parsers::admin_token)]
    pub admin_token: Option<AdminToken>,
}

impl HttpArgs {
    /// The HTTP layer's settings.
    pub fn settings(&self) -> HttpSettings {
        HttpSettings {
            limits: HttpLimits {
                max_body_bytes: self.max_body_bytes.get(),
                body_read_timeout: self.body_read_timeout,
                max_operations: self.max_operations.get(),
                request_timeout: self.request_timeout,
            },
            max_in_flight: self.max_in_flight.get(),
            cors_origins: self.cors_allow_origins.clone(),
            response_cache: ResponseCacheSettings {
                enabled: self.response_cache.is_on(),
                max_bytes: mib(self.response_cache_max_mb),
            },
            cache_control_static_max_age: self.cache_control_static_max_age,
            admin_token: self.admin_token.clone(),
        }
    }
}

/// The GS1 Digital Link resolver (`/01/{gtin}…`, `/products/{gtin14}`).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Digital Link resolver")]
pub struct ResolverArgs {
    /// Where `/01/{gtin}` redirects by default: an http(s) URL or a path on the gateway,
    /// with `{gtin14}`, `{gtin13}`, `{lot}`, `{serial}`; none: the product page `/products/{gtin14}`.
    #[arg(long, env = "CATALOG_RESOLVER_DEFAULT_LINK", value_name = "TEMPLATE", value_parser = parsers::link_template)]
    pub resolver_default_link: Option<LinkTemplate>,
}

impl ResolverArgs {
    /// The resolver's settings.
    pub fn settings(&self) -> ResolverSettings {
        ResolverSettings {
            default_link: self.resolver_default_link.clone(),
        }
    }
}

/// Telemetry: metrics, traces, logs.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Telemetry")]
pub struct TelemetryArgs {
    /// Prometheus metrics on `/metrics`: `on` or `off`.
    #[arg(long, env = "CATALOG_METRICS", value_enum, default_value_t = Switch::On)]
    pub metrics: Switch,
    /// Export traces over OTLP/HTTP to this endpoint (e.g. `http://collector:4318/v1/traces`); absent: off.
    #[arg(long, env = "CATALOG_OTLP_ENDPOINT", value_parser = parsers::http_url)]
    pub otlp_endpoint: Option<reqwest::Url>,
    /// Log format; default: pretty on a terminal, JSON otherwise.
    #[arg(long, env = "CATALOG_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

impl TelemetryArgs {
    /// The telemetry settings.
    pub fn settings(&self) -> TelemetrySettings {
        TelemetrySettings {
            metrics: self.metrics.is_on(),
            otlp_endpoint: self.otlp_endpoint.clone(),
            log_format: self.log_format,
        }
    }
}

/// Mebibytes to bytes.
fn mib(megabytes: u64) -> u64 {
    megabytes.saturating_mul(1024 * 1024)
}

/// How strictly operations are checked against the trusted documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TrustedDocumentsMode {
    /// Nothing is checked.
    Off,
    /// Unknown operations are served, counted and logged with their hash.
    Log,
    /// Unknown operations are refused (400 `PERSISTED_QUERY_NOT_ALLOWED`).
    Enforce,
}

/// Protection: trusted documents, cost limits, per-client rate limits, API keys.
/// Everything is off by default.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Protection")]
pub struct ProtectionArgs {
    /// Manifest of the operations the apps ship: Apollo's persisted-query manifest or
    /// GraphQL Codegen's persisted-documents JSON (reloaded on SIGHUP).
    #[arg(long, value_name = "FILE", env = "CATALOG_TRUSTED_DOCUMENTS", value_parser = parsers::trusted_documents)]
    pub trusted_documents: Option<ManifestFile>,
    /// Operations not in the manifest: `off` (not checked), `log` (served and counted), `enforce` (refused).
    #[arg(long, env = "CATALOG_TRUSTED_DOCUMENTS_MODE", value_enum, default_value_t = TrustedDocumentsMode::Off)]
    pub trusted_documents_mode: TrustedDocumentsMode,
    /// Secret that, sent in the `x-trusted-documents-bypass` header, skips the trusted-documents
    /// check (GraphiQL, same-origin tools); absent: no bypass.
    #[arg(
        long,
        value_name = "SECRET",
        env = "CATALOG_TRUSTED_DOCUMENTS_BYPASS_SECRET",
        hide_env_values = true
    )]
    pub trusted_documents_bypass_secret: Option<String>,
    /// Most costly operation served (IBM cost directive rules: a product lookup costs 1, a
    /// basket of n costs n); more is 400 `QUERY_TOO_COSTLY`. Absent: no limit.
    #[arg(long, env = "CATALOG_MAX_COST", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_cost: Option<u64>,
    /// Cost units per second each client may spend; more is 429 `RATE_LIMITED`. Absent: no limit.
    #[arg(long, value_name = "UNITS", env = "CATALOG_RATE_LIMIT", value_parser = parsers::positive_rate)]
    pub rate_limit: Option<f64>,
    /// Most cost units a client may spend at once; default: one second's worth.
    #[arg(long, value_name = "UNITS", env = "CATALOG_RATE_LIMIT_BURST", value_parser = clap::value_parser!(u64).range(1..))]
    pub rate_limit_burst: Option<u64>,
    /// Redis shared by the replicas for the rate limits; default: the cache's Redis, if set.
    /// ACL user and password: CATALOG_RATE_LIMIT_REDIS_USERNAME and _PASSWORD.
    #[arg(long, env = "CATALOG_RATE_LIMIT_REDIS_URL", value_parser = parsers::redis_url)]
    pub rate_limit_redis_url: Option<String>,
    /// Sentinels watching the rate limiter's Redis master (`host:port,…`), instead of its URL.
    #[arg(long, value_name = "HOST:PORT,…", env = "CATALOG_RATE_LIMIT_REDIS_SENTINELS", value_delimiter = ',', value_parser = parsers::sentinel_address)]
    pub rate_limit_redis_sentinels: Vec<String>,
    /// The name the Sentinels know the rate limiter's master by.
    #[arg(
        long,
        value_name = "NAME",
        env = "CATALOG_RATE_LIMIT_REDIS_SENTINEL_MASTER"
    )]
    pub rate_limit_redis_sentinel_master: Option<String>,
    /// Redis Cluster nodes for the rate limits (`redis://a:6379,…`), instead of its URL.
    #[arg(long, value_name = "URL,…", env = "CATALOG_RATE_LIMIT_REDIS_CLUSTER", value_delimiter = ',', value_parser = parsers::redis_url)]
    pub rate_limit_redis_cluster: Vec<String>,
    /// PEM CA certificate to trust for the rate limiter's Redis TLS; default: web roots.
    #[arg(long, value_name = "FILE", env = "CATALOG_RATE_LIMIT_REDIS_CA_FILE")]
    pub rate_limit_redis_ca_file: Option<PathBuf>,
    /// Most a request waits on the rate limiter's Redis before deciding locally, in milliseconds.
    #[arg(long = "rate-limit-redis-budget-ms", value_name = "MS", env = "CATALOG_RATE_LIMIT_REDIS_BUDGET_MS", default_value = "20", value_parser = millis(1..=60_000))]
    pub rate_limit_redis_budget: Duration,
    /// Most clients the local rate limiter remembers (its memory bound).
    #[arg(long, env = "CATALOG_RATE_LIMIT_MAX_CLIENTS", default_value = "100000", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub rate_limit_max_clients: u64,
    /// Header naming the client (e.g. `x-client-id`); absent, or not sent: the client IP.
    #[arg(long, value_name = "HEADER", env = "CATALOG_CLIENT_ID_HEADER", value_parser = parsers::header_name)]
    pub client_id_header: Option<HeaderName>,
    /// Proxies (addresses or CIDR ranges, comma-separated) whose `X-Forwarded-For` is believed.
    #[arg(long, value_name = "RANGES", env = "CATALOG_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parsers::ip_range)]
    pub trusted_proxies: Vec<IpRange>,
    /// API keys file (key hashes, client names, their own limits); with it, a request without a
    /// valid key is 401.
    #[arg(long, value_name = "FILE", env = "CATALOG_API_KEYS", value_parser = parsers::api_keys)]
    pub api_keys: Option<ApiKeys>,
    /// Header carrying the API key.
    #[arg(long, value_name = "HEADER", env = "CATALOG_API_KEY_HEADER", default_value = "x-api-key", value_parser = parsers::header_name)]
    pub api_key_header: HeaderName,
}

impl ProtectionArgs {
    /// The protection settings; `assumed_list_size` prices a list of unknown size
    /// (`--max-gtins-per-query`), `cache_redis` is the cache's Redis, the default,
    /// and `env` holds the Redis credentials.
    ///
    /// # Errors
    /// Redis flags that contradict each other (see `config::redis_flags`).
    pub fn settings(
        &self,
        assumed_list_size: u64,
        cache_redis: Option<&RedisTarget>,
        env: EnvLookup<'_>,
    ) -> Result<ProtectionSettings, SettingError> {
        let flags = RedisFlags {
            url: self.rate_limit_redis_url.as_deref(),
            sentinels: &self.rate_limit_redis_sentinels,
            master: self.rate_limit_redis_sentinel_master.as_deref(),
            cluster: &self.rate_limit_redis_cluster,
            ca_file: self.rate_limit_redis_ca_file.as_ref(),
        };
        let rate_limit_redis = match redis_flags::target(&flags, &redis_flags::RATE_LIMIT, env)? {
            Some(own) => Some(own),
            None => cache_redis.cloned().map(|mut shared| {
                if let Some((auth, sentinel_auth)) = redis_flags::own_auth(env) {
                    shared.auth = auth;
                    shared.sentinel_auth = sentinel_auth;
                }
                shared
            }),
        };
        Ok(ProtectionSettings {
            trusted_documents: self.trusted_documents.clone(),
            trusted_documents_mode: match self.trusted_documents_mode {
                TrustedDocumentsMode::Off => TrustedMode::Off,
                TrustedDocumentsMode::Log => TrustedMode::Log,
                TrustedDocumentsMode::Enforce => TrustedMode::Enforce,
            },
            bypass_secret: self
                .trusted_documents_bypass_secret
                .clone()
                .filter(|secret| !secret.is_empty())
                .map(Secret),
            max_cost: self.max_cost,
            assumed_list_size,
            rate_limit: self.rate_limit.map(|rate| RatePolicy {
                rate,
                burst: self
                    .rate_limit_burst
                    .unwrap_or_else(|| rate.ceil().max(1.0) as u64),
            }),
            rate_limit_redis,
            rate_limit_redis_budget: self.rate_limit_redis_budget,
            rate_limit_max_clients: self.rate_limit_max_clients,
            client_id_header: self.client_id_header.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            api_keys: self.api_keys.clone(),
            api_key_header: self.api_key_header.clone(),
        })
    }
}

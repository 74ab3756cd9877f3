//! Every setting of the gateway: a command-line flag, an environment variable and a
//! default, parsed and range-checked once at start (`--help` lists them all).
//!
//! This module knows no other module: values are plain and validated here, and
//! `app` turns them into the objects they configure.

use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The `catalog-gateway` command line.
#[derive(Debug, Parser)]
#[command(
    name = "catalog-gateway",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to run; without a subcommand the gateway is served.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings of the gateway (when no subcommand is given).
    #[command(flatten)]
    pub serve: ServeConfig,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL gateway (the default).
    Serve(Box<ServeConfig>),
    /// Normalize barcode numbers: one JSON object per code (the fields of GraphQL `GtinInfo`).
    ///
    /// Exit status 0 when every code is valid, 1 when any is not, 2 on a usage error.
    Gtin(GtinConfig),
    /// Run only the demo catalog: an HTTP server implementing the upstream contract.
    DemoCatalog(DemoCatalogConfig),
    /// Print the GraphQL schema (SDL): the public contract committed as `schema.graphql`.
    Schema,
    /// Probe a running gateway's liveness endpoint (for a container `HEALTHCHECK`).
    ///
    /// Exit status 0 when it answers 2xx in time, 1 otherwise; one line says why.
    Healthcheck(HealthcheckConfig),
}

/// Settings of the `healthcheck` subcommand.
#[derive(Debug, Args)]
pub struct HealthcheckConfig {
    /// URL to GET; healthy when it answers 2xx.
    #[arg(
        long,
        env = "CATALOG_HEALTHCHECK_URL",
        default_value = "http://127.0.0.1:8080/healthz"
    )]
    pub url: reqwest::Url,
    /// Most time the whole probe may take (connect and answer), in milliseconds.
    #[arg(long, env = "CATALOG_HEALTHCHECK_TIMEOUT_MS", default_value = "2000", value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub timeout_ms: u64,
}

impl HealthcheckConfig {
    /// Most time the whole probe may take.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// Settings of the `gtin` subcommand.
#[derive(Debug, Args)]
pub struct GtinConfig {
    /// Decode variable-measure (RCN) labels with this region's layout.
    #[arg(long, env = "CATALOG_RCN_REGION", value_parser = RCN_REGIONS)]
    pub rcn_region: Option<String>,
    /// Codes to normalize; none: read one code per line from standard input.
    pub codes: Vec<String>,
}

/// Settings of the `demo-catalog` subcommand.
#[derive(Debug, Args)]
pub struct DemoCatalogConfig {
    /// Address to listen on.
    #[arg(long, env = "DEMO_CATALOG_LISTEN", default_value = "127.0.0.1:9090")]
    pub listen: SocketAddr,
    /// Fixed latency added to every answer, in milliseconds (to imitate a network).
    #[arg(long, env = "DEMO_CATALOG_LATENCY_MS", default_value_t = 0)]
    pub latency_ms: u64,
}

/// The region layouts the `gtin` module can decode.
pub const RCN_REGIONS: [&str; 18] = [
    "SE", "NO", "FI", "EE", "LV", "LT", "DK", "DE", "GB", "se", "no", "fi", "ee", "lv", "lt", "dk",
    "de", "gb",
];

/// Whether the upstream has a batch endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BatchMode {
    /// Use `GET /products?gtins=…` for many keys at once.
    On,
    /// Fan out to `GET /products/{key}`, one call per key.
    Off,
}

/// A feature switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// Turned on.
    On,
    /// Turned off.
    Off,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// JSON lines, for containers and log shippers.
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// Settings of the gateway server.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "CATALOG_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Base URL of the upstream catalog; absent: start the embedded demo catalog and use it.
    #[arg(long, env = "CATALOG_UPSTREAM_URL")]
    pub upstream_url: Option<reqwest::Url>,
    /// GTIN form the upstream is keyed by.
    #[arg(long, env = "CATALOG_UPSTREAM_KEY_FORMAT", default_value = "gtin14", value_parser = ["gtin14", "gtin13", "upc"])]
    pub upstream_key_format: String,
    /// Whether the upstream has a batch endpoint.
    #[arg(long, env = "CATALOG_UPSTREAM_BATCH", value_enum, default_value_t = BatchMode::On)]
    pub upstream_batch: BatchMode,
    /// Most keys per upstream batch call.
    #[arg(long, env = "CATALOG_UPSTREAM_MAX_BATCH", default_value = "100")]
    pub upstream_max_batch: NonZeroUsize,
    /// Most upstream calls in flight at once (per replica).
    #[arg(long, env = "CATALOG_UPSTREAM_CONCURRENCY", default_value = "16")]
    pub upstream_concurrency: NonZeroUsize,
    /// Timeout of one upstream call, in milliseconds.
    #[arg(long, env = "CATALOG_UPSTREAM_TIMEOUT_MS", default_value = "2000", value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub upstream_timeout_ms: u64,
    /// Timeout to open a connection to the upstream, in milliseconds.
    #[arg(long, env = "CATALOG_UPSTREAM_CONNECT_TIMEOUT_MS", default_value = "500", value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub upstream_connect_timeout_ms: u64,
    /// Most time one upstream fetch may take, retries and backoff included, in milliseconds.
    #[arg(long, env = "CATALOG_UPSTREAM_FETCH_DEADLINE_MS", default_value = "3000", value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub upstream_fetch_deadline_ms: u64,
    /// Most retries of one upstream call (connect errors, timeouts, 502/503/504 only).
    #[arg(long, env = "CATALOG_UPSTREAM_MAX_RETRIES", default_value_t = 2)]
    pub upstream_max_retries: u32,
    /// Retries allowed as a share of calls (the retry budget), from 0 to 1.
    #[arg(long, env = "CATALOG_UPSTREAM_RETRY_BUDGET", default_value_t = 0.1)]
    pub upstream_retry_budget: f64,
    /// Consecutive upstream failures that open the circuit breaker.
    #[arg(long, env = "CATALOG_BREAKER_FAILURE_THRESHOLD", default_value_t = 5)]
    pub breaker_failure_threshold: u32,
    /// Failure rate over the breaker window (at least 20 calls) that opens the breaker.
    #[arg(long, env = "CATALOG_BREAKER_FAILURE_RATE", default_value_t = 0.5)]
    pub breaker_failure_rate: f64,
    /// How long the breaker stays open before one probe call is let through, in milliseconds.
    #[arg(long, env = "CATALOG_BREAKER_OPEN_MS", default_value_t = 5000)]
    pub breaker_open_ms: u64,
    /// An upstream call still running (or answered) after this many milliseconds is slow;
    /// slow calls open the breaker (a hung upstream), see `--breaker-slow-call-rate`.
    #[arg(long, env = "CATALOG_BREAKER_SLOW_CALL_MS", default_value = "500", value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub breaker_slow_call_ms: u64,
    /// Share of slow calls among the last `--breaker-slow-call-window` calls that opens the breaker.
    #[arg(long, env = "CATALOG_BREAKER_SLOW_CALL_RATE", default_value_t = 0.5)]
    pub breaker_slow_call_rate: f64,
    /// How many of the most recent upstream calls the slow-call rate is judged over (at least 2).
    #[arg(long, env = "CATALOG_BREAKER_SLOW_CALL_WINDOW", default_value_t = 20)]
    pub breaker_slow_call_window: u32,
    /// How long the first lookup of a batch waits for others to join it, in microseconds.
    #[arg(long, env = "CATALOG_BATCH_WINDOW_US", default_value = "1000", value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub batch_window_us: u64,
    /// Most GTINs one operation may ask for, over all its fields and aliases; more is `TOO_MANY_GTINS`.
    #[arg(long, env = "CATALOG_MAX_GTINS_PER_QUERY", default_value = "1000")]
    pub max_gtins_per_query: NonZeroUsize,
    /// Decode variable-measure (RCN) labels with this region's layout and look up the base item.
    #[arg(long, env = "CATALOG_RCN_REGION", value_parser = RCN_REGIONS)]
    pub rcn_region: Option<String>,
    /// Product cache across requests: `on` or `off`.
    #[arg(long, env = "CATALOG_CACHE", value_enum, default_value_t = Switch::On)]
    pub cache: Switch,
    /// Most products (and not-found answers) the local cache holds.
    #[arg(long, env = "CATALOG_CACHE_CAPACITY", default_value = "100000")]
    pub cache_capacity: NonZeroU64,
    /// How long a found product is served from cache, in seconds.
    #[arg(long, env = "CATALOG_CACHE_TTL_S", default_value_t = 300)]
    pub cache_ttl_s: u64,
    /// How long a not-found answer is remembered, in seconds (negative caching).
    #[arg(long, env = "CATALOG_CACHE_NEGATIVE_TTL_S", default_value_t = 30)]
    pub cache_negative_ttl_s: u64,
    /// How long past its TTL a product may still be served when the upstream fails, in seconds.
    #[arg(long, env = "CATALOG_CACHE_MAX_STALE_S", default_value_t = 3600)]
    pub cache_max_stale_s: u64,
    /// Redis URL of a cache shared by every replica (`redis://host:6379`); absent: local only.
    #[arg(long, env = "CATALOG_CACHE_REDIS_URL")]
    pub cache_redis_url: Option<String>,
    /// Most time a request waits on Redis, in milliseconds; past it Redis counts as a miss.
    #[arg(long, env = "CATALOG_CACHE_REDIS_BUDGET_MS", default_value_t = 20)]
    pub cache_redis_budget_ms: u64,
    /// Browser origins allowed to call `/graphql` (comma-separated, `*` for any).
    #[arg(
        long,
        env = "CATALOG_CORS_ALLOW_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub cors_allow_origins: Vec<String>,
    /// Prometheus metrics on `/metrics`: `on` or `off`.
    #[arg(long, env = "CATALOG_METRICS", value_enum, default_value_t = Switch::On)]
    pub metrics: Switch,
    /// Largest request body in bytes; more is 413.
    #[arg(long, env = "CATALOG_MAX_BODY_BYTES", default_value = "262144")]
    pub max_body_bytes: NonZeroUsize,
    /// Most operations in one batched JSON array; more is 400 `TOO_MANY_OPERATIONS`.
    #[arg(long, env = "CATALOG_MAX_OPERATIONS", default_value = "16")]
    pub max_operations: NonZeroUsize,
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
    /// Most automatic persisted queries kept (per replica; least recently used go first).
    #[arg(long, env = "CATALOG_APQ_CACHE_SIZE", default_value = "1000")]
    pub apq_cache_size: NonZeroU64,
    /// Most parsed query documents kept, so a hot query is not parsed again; 0 turns it off.
    #[arg(long, env = "CATALOG_DOCUMENT_CACHE_SIZE", default_value_t = 1000)]
    pub document_cache_size: u64,
    /// Most `/graphql` requests in flight; more are shed with 503 and `Retry-After`.
    #[arg(long, env = "CATALOG_MAX_IN_FLIGHT", default_value = "1024")]
    pub max_in_flight: NonZeroUsize,
    /// Overall deadline of one operation's lookups, in milliseconds; late items are `UPSTREAM_TIMEOUT`.
    #[arg(long, env = "CATALOG_REQUEST_TIMEOUT_MS", default_value = "5000", value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub request_timeout_ms: u64,
    /// After SIGTERM, how long `/readyz` reports 503 while requests are still served, in milliseconds.
    #[arg(long, env = "CATALOG_DRAIN_DELAY_MS", default_value = "5000")]
    pub drain_delay_ms: u64,
    /// After the drain delay, how long in-flight requests may take to finish, in milliseconds.
    #[arg(long, env = "CATALOG_SHUTDOWN_TIMEOUT_MS", default_value = "20000")]
    pub shutdown_timeout_ms: u64,
    /// Fixed latency the embedded demo catalog adds to each answer, in milliseconds.
    #[arg(long, env = "CATALOG_DEMO_LATENCY_MS", default_value_t = 0)]
    pub demo_latency_ms: u64,
    /// Export traces over OTLP/HTTP to this endpoint (e.g. `http://collector:4318/v1/traces`); absent: off.
    #[arg(long, env = "CATALOG_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// Log format; default: pretty on a terminal, JSON otherwise.
    #[arg(long, env = "CATALOG_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

impl ServeConfig {
    /// Timeout of one upstream call.
    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_millis(self.upstream_timeout_ms)
    }

    /// Timeout to open a connection to the upstream.
    pub fn upstream_connect_timeout(&self) -> Duration {
        Duration::from_millis(self.upstream_connect_timeout_ms)
    }

    /// Overall deadline of one operation's lookups.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// How long `/readyz` reports draining before the listener closes.
    pub fn drain_delay(&self) -> Duration {
        Duration::from_millis(self.drain_delay_ms)
    }

    /// How long in-flight requests may take to finish once the listener closed.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_millis(self.shutdown_timeout_ms)
    }

    /// The batch window.
    pub fn batch_window(&self) -> Duration {
        Duration::from_micros(self.batch_window_us)
    }

    /// Parses these flags (without the program name) on top of the defaults and of
    /// any `CATALOG_*` environment variables: for tests and embedding.
    ///
    /// # Errors
    /// The flag parser's error when a flag or value is not accepted.
    pub fn from_args<I, S>(args: I) -> Result<ServeConfig, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeConfig,
        }
        let argv =
            std::iter::once("catalog-gateway".to_owned()).chain(args.into_iter().map(Into::into));
        Only::try_parse_from(argv).map(|only| only.serve)
    }
}

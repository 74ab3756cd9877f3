//! Every setting of the gateway: a command-line flag, an environment variable and a
//! default, parsed into its type at the flag and checked once at start (`--help`
//! lists them by section). A bad value or an inconsistent pair stops the start with
//! a message naming the flag and exit status 2.
//!
//! Two layers, as in ripgrep's low/high args: the flags ([`ServeArgs`], one group
//! per module in `groups`) and the typed [`Settings`] they convert into (one
//! conversion per group). `app` builds the gateway from `Settings` alone, so tests
//! build `Settings` in code and never read the environment.

mod groups;
mod parsers;
mod redis_flags;
mod upstream_source;

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::cache::CacheSettings;
use crate::catalog::RestCatalogSettings;
use crate::catalog::mapping::EnvLookup;
use crate::demo::{DemoSettings, Dialect, DialectSettings, OAuthClient};
use crate::graphql::GraphqlSettings;
use crate::gtin::RcnRegion;
use crate::http::{HttpSettings, ResolverSettings};
use crate::loader::LoaderSettings;
use crate::protect::{ProtectionSettings, TrustedMode};
use crate::redis_topology::RedisTopology;
use crate::telemetry::TelemetrySettings;

pub use crate::telemetry::LogFormat;
pub use groups::{
    CacheArgs, GraphqlArgs, HttpArgs, ProtectionArgs, ResolverArgs, ServerArgs, Switch,
    TelemetryArgs, TrustedDocumentsMode, UpstreamArgs,
};

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
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL gateway (the default).
    Serve(Box<ServeArgs>),
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
    /// Work with the upstream source (a preset or a mapping file).
    Upstream(Box<UpstreamCommand>),
}

/// The `upstream` subcommand.
#[derive(Debug, Args)]
pub struct UpstreamCommand {
    /// What to do.
    #[command(subcommand)]
    pub action: UpstreamAction,
}

/// What `upstream` does.
#[derive(Debug, Subcommand)]
pub enum UpstreamAction {
    /// Fetch GTINs through the source and print each request, raw item and mapped product.
    ///
    /// Exit status 0 when every GTIN was found, 1 when any was invalid, not found or
    /// failed, 2 on a usage error or a mapping that does not load.
    Check(UpstreamCheckConfig),
}

/// Settings of `upstream check`.
#[derive(Debug, Args)]
pub struct UpstreamCheckConfig {
    /// The source: the same flags as the gateway's.
    #[command(flatten)]
    pub upstream: UpstreamArgs,
    /// GTINs to fetch, in any spelling.
    #[arg(required = true)]
    pub codes: Vec<String>,
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
    #[arg(long = "timeout-ms", value_name = "MS", env = "CATALOG_HEALTHCHECK_TIMEOUT_MS", default_value = "2000", value_parser = parsers::millis(1..=600_000))]
    pub timeout: Duration,
}

/// Settings of the `gtin` subcommand.
#[derive(Debug, Args)]
pub struct GtinConfig {
    /// Decode variable-measure (RCN) labels with this region's layout.
    #[arg(long, env = "CATALOG_RCN_REGION", value_parser = parsers::rcn_region())]
    pub rcn_region: Option<RcnRegion>,
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
    #[arg(long = "latency-ms", value_name = "MS", env = "DEMO_CATALOG_LATENCY_MS", default_value = "0", value_parser = parsers::millis(0..=600_000))]
    pub latency: Duration,
    /// Serve every product at about 16 KB (long description, size chart, image list).
    #[arg(long, env = "DEMO_CATALOG_LARGE_PRODUCTS")]
    pub large_products: bool,
    /// Answer every Nth call with a 500 (a failing catalog on demand, for fault drills and the canary test).
    #[arg(long, value_name = "N", env = "DEMO_CATALOG_FAIL_EVERY")]
    pub fail_every: Option<std::num::NonZeroU64>,
    /// Answer as a real product API does instead of the default contract.
    #[arg(long, env = "DEMO_CATALOG_DIALECT", value_parser = parsers::dialect())]
    pub dialect: Option<Dialect>,
    /// A static bearer token the dialect accepts (commercetools, Akeneo; Open Food
    /// Facts never asks for one). Without it and without a client, no credentials are needed.
    #[arg(long, env = "DEMO_CATALOG_BEARER_TOKEN", requires = "dialect")]
    pub bearer_token: Option<String>,
    /// The OAuth client id the dialect's token endpoint accepts.
    #[arg(long, env = "DEMO_CATALOG_CLIENT_ID", requires_all = ["dialect", "client_secret"])]
    pub client_id: Option<String>,
    /// The OAuth client secret that goes with `--client-id`.
    #[arg(long, env = "DEMO_CATALOG_CLIENT_SECRET", requires = "client_id")]
    pub client_secret: Option<String>,
    /// Akeneo's password grant: the API user name (default: any).
    #[arg(long, env = "DEMO_CATALOG_USERNAME", requires = "client_id")]
    pub username: Option<String>,
    /// Akeneo's password grant: the API user's password (default: any).
    #[arg(long, env = "DEMO_CATALOG_PASSWORD", requires = "client_id")]
    pub password: Option<String>,
    /// How long a token the dialect issues stays valid, in seconds.
    #[arg(long = "token-ttl-s", value_name = "S", env = "DEMO_CATALOG_TOKEN_TTL_S", default_value = "3600", value_parser = parsers::secs(1..=31_536_000))]
    pub token_ttl: Duration,
    /// Serve at most this many items per page, whatever is asked (a dialect's client must then follow pages).
    #[arg(long, value_name = "N", env = "DEMO_CATALOG_PAGE_CAP", requires = "dialect", value_parser = parsers::page_cap())]
    pub page_cap: Option<usize>,
}

impl DemoCatalogConfig {
    /// The demo's own settings (latency, product size).
    pub fn demo_settings(&self) -> DemoSettings {
        DemoSettings {
            latency: self.latency,
            large_products: self.large_products,
            fail_every: self.fail_every,
        }
    }

    /// The dialect to serve, if `--dialect` was given.
    pub fn dialect_settings(&self) -> Option<DialectSettings> {
        let oauth = self.client_id.as_ref().map(|client_id| OAuthClient {
            client_id: client_id.clone(),
            client_secret: self.client_secret.clone().unwrap_or_default(),
            username: self.username.clone(),
            password: self.password.clone(),
            token_ttl: self.token_ttl,
        });
        Some(DialectSettings {
            dialect: self.dialect?,
            bearer_token: self.bearer_token.clone(),
            oauth,
            page_cap: self.page_cap,
        })
    }
}

/// The flags of `serve`, one group per module; [`ServeArgs::settings`] converts them.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Listening and stopping.
    #[command(flatten)]
    pub server: ServerArgs,
    /// The upstream catalog.
    #[command(flatten)]
    pub upstream: UpstreamArgs,
    /// The product cache.
    #[command(flatten)]
    pub cache: CacheArgs,
    /// The GraphQL layer.
    #[command(flatten)]
    pub graphql: GraphqlArgs,
    /// The HTTP layer.
    #[command(flatten)]
    pub http: HttpArgs,
    /// The GS1 Digital Link resolver.
    #[command(flatten)]
    pub resolver: ResolverArgs,
    /// Logs, metrics, traces.
    #[command(flatten)]
    pub telemetry: TelemetryArgs,
    /// Trusted documents, cost limits, rate limits, API keys.
    #[command(flatten)]
    pub protection: ProtectionArgs,
}

impl ServeArgs {
    /// The typed settings: one conversion per group, then the checks across groups.
    ///
    /// # Errors
    /// [`SettingError`] naming the flag, when two settings contradict each other.
    pub fn settings(&self) -> Result<Settings, SettingError> {
        self.settings_with_env(&|name| std::env::var(name).ok())
    }

    /// [`ServeArgs::settings`] with the variables a mapping names read by `env`.
    ///
    /// # Errors
    /// As [`ServeArgs::settings`].
    pub fn settings_with_env(&self, env: EnvLookup<'_>) -> Result<Settings, SettingError> {
        let cache = self.cache.settings(env)?;
        let graphql = self.graphql.settings();
        let protection = self.protection.settings(
            graphql.max_gtins_per_query as u64,
            cache.redis.as_ref().map(|redis| &redis.target),
            env,
        )?;
        let settings = Settings {
            server: self.server.settings(),
            upstream: self.upstream.settings(env)?,
            cache,
            graphql,
            http: self.http.settings(),
            resolver: self.resolver.settings(),
            telemetry: self.telemetry.settings(),
            protection,
        };
        settings.check()?;
        Ok(settings)
    }
}

/// Everything the gateway is built from, typed and checked: what
/// `app::Application::build` takes.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Listening and stopping.
    pub server: ServerSettings,
    /// The upstream catalog, its client, the loader in front of it.
    pub upstream: UpstreamSettings,
    /// The product cache.
    pub cache: CacheSettings,
    /// The GraphQL layer.
    pub graphql: GraphqlSettings,
    /// The HTTP layer.
    pub http: HttpSettings,
    /// The GS1 Digital Link resolver.
    pub resolver: ResolverSettings,
    /// Logs, metrics, traces.
    pub telemetry: TelemetrySettings,
    /// Trusted documents, cost limits, rate limits, API keys (all off by default).
    pub protection: ProtectionSettings,
}

/// Where the gateway listens and how it stops.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Address to listen on (port 0: any free port, see `Application::port`).
    pub listen: SocketAddr,
    /// After the shutdown signal, how long `/readyz` says draining while requests
    /// are still served, so the load balancer stops sending new ones.
    pub drain_delay: Duration,
    /// Then how long in-flight requests may take once the listener closed.
    pub shutdown_timeout: Duration,
    /// How long a connection may take to send a request head, from its opening or
    /// the previous answer: hyper runs one clock for both, so this is also how long
    /// an idle keep-alive connection is kept.
    pub header_read_timeout: Duration,
    /// Where the binary writes its bound address once it listens (`--ready-file`),
    /// for whoever started it on port 0; `None`: nowhere.
    pub ready_file: Option<std::path::PathBuf>,
}

/// The upstream catalog and what stands in front of it.
#[derive(Clone, Debug)]
pub struct UpstreamSettings {
    /// The upstream's base URL; `None` starts the embedded demo catalog and uses it.
    pub url: Option<reqwest::Url>,
    /// How the REST client calls it. Its `base_url` is set at start from `url` (or
    /// the demo catalog's address), so set `url`, not this.
    pub client: RestCatalogSettings,
    /// How long the first lookup of a batch waits for others to join it.
    pub batch_window: Duration,
    /// The embedded demo catalog, when `url` is `None`.
    pub demo: DemoSettings,
}

impl UpstreamSettings {
    /// The loader's settings: the batch window, and batches as large as one call takes.
    pub fn loader(&self) -> LoaderSettings {
        LoaderSettings {
            window: self.batch_window,
            max_batch: self.client.max_batch,
        }
    }

    /// The placeholder `client.base_url` before start fills it in.
    pub(crate) fn unset_url() -> reqwest::Url {
        // A constant, valid URL: parsing it cannot fail.
        reqwest::Url::parse("http://upstream.invalid/").unwrap_or_else(|_| unreachable!())
    }
}

/// A setting that contradicts another, found after every flag parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: {problem}")]
pub struct SettingError {
    /// The flag to change, e.g. `--upstream-timeout-ms`.
    pub flag: &'static str,
    /// What is wrong, naming the other flag involved.
    pub problem: String,
}

impl SettingError {
    /// The error as clap reports a bad flag: usage, message, exit status 2.
    pub fn into_clap_error(self) -> clap::Error {
        Cli::command().error(clap::error::ErrorKind::ArgumentConflict, self.to_string())
    }
}

impl Settings {
    /// The settings of these flags (without the program name) on top of the
    /// defaults, **without reading the environment**: for tests and embedding.
    ///
    /// # Errors
    /// clap's error for a flag or value it does not accept, or a [`SettingError`]
    /// as a clap error.
    pub fn from_flags<I, S>(flags: I) -> Result<Settings, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Settings::from_flags_with_env(flags, &|_| None)
    }

    /// [`Settings::from_flags`], with the variables a mapping names (credentials,
    /// headers) read by `env` instead of nowhere: for tests of sources that need them.
    ///
    /// # Errors
    /// As [`Settings::from_flags`].
    pub fn from_flags_with_env<I, S>(flags: I, env: EnvLookup<'_>) -> Result<Settings, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        // The same flags with every `env = …` removed, so nothing exported in the
        // shell (CATALOG_*) leaks into the result.
        let command = ServeArgs::augment_args(clap::Command::new("catalog-gateway"))
            .mut_args(|arg| arg.env(None));
        let argv =
            std::iter::once("catalog-gateway".to_owned()).chain(flags.into_iter().map(Into::into));
        let matches = command.try_get_matches_from(argv)?;
        let args = ServeArgs::from_arg_matches(&matches)?;
        args.settings_with_env(env)
            .map_err(SettingError::into_clap_error)
    }

    /// Checks what no single flag can: settings that contradict each other.
    ///
    /// # Errors
    /// The first contradiction found, naming the flag to change.
    pub fn check(&self) -> Result<(), SettingError> {
        // Timeouts are left free on purpose: a call timeout over the fetch deadline is
        // how tests keep a slow call in flight, and refusing it would break setups
        // that worked before.
        let client = &self.upstream.client;
        if let (false, Some(redis)) = (self.cache.enabled, &self.cache.redis) {
            return Err(SettingError {
                flag: match redis.target.topology {
                    RedisTopology::Single(_) => "--cache-redis-url",
                    RedisTopology::Sentinel { .. } => "--cache-redis-sentinels",
                    RedisTopology::Cluster(_) => "--cache-redis-cluster",
                },
                problem: "a shared Redis tier needs the cache: drop it or set --cache on"
                    .to_owned(),
            });
        }
        let protection = &self.protection;
        if protection.trusted_documents_mode != TrustedMode::Off
            && protection.trusted_documents.is_none()
        {
            return Err(SettingError {
                flag: "--trusted-documents-mode",
                problem: "checking operations needs their manifest: set --trusted-documents FILE"
                    .to_owned(),
            });
        }
        if client.max_concurrency.get() > tokio::sync::Semaphore::MAX_PERMITS {
            return Err(SettingError {
                flag: "--upstream-concurrency",
                problem: format!("at most {}", tokio::sync::Semaphore::MAX_PERMITS),
            });
        }
        Ok(())
    }
}

impl Default for Settings {
    /// The flags' defaults: the embedded demo catalog, listening on `0.0.0.0:8080`.
    fn default() -> Settings {
        // The defaults are the flags' own (one source of truth); they parse, as a
        // unit test checks, so the fallback is never taken.
        Settings::from_flags(std::iter::empty::<String>())
            .unwrap_or_else(|error| unreachable!("the default flags do not parse: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(flags: &[&str]) -> String {
        match Settings::from_flags(flags.iter().copied()) {
            Ok(_) => panic!("{flags:?} should be refused"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn the_defaults_parse_into_the_documented_values() {
        let settings =
            Settings::from_flags(std::iter::empty::<String>()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            settings.server.listen,
            "0.0.0.0:8080".parse().unwrap_or_else(|_| unreachable!())
        );
        assert_eq!(settings.upstream.url, None);
        assert_eq!(settings.upstream.client.timeout, Duration::from_secs(2));
        assert_eq!(settings.upstream.batch_window, Duration::from_millis(1));
        assert_eq!(settings.cache.ttl, Duration::from_secs(300));
        assert_eq!(settings.http.limits.max_body_bytes, 262_144);
        assert!(settings.telemetry.metrics);
    }

    #[test]
    fn values_are_typed_at_the_flag() {
        let settings = Settings::from_flags([
            "--upstream-key-format",
            "upc",
            "--rcn-region",
            "gb",
            "--batch-window-us",
            "250",
            "--cors-allow-origins",
            "http://localhost:5173,https://shop.example",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            settings.upstream.client.key_format,
            crate::catalog::KeyFormat::Upc
        );
        assert_eq!(settings.graphql.rcn_region, Some(RcnRegion::Gb));
        assert_eq!(
            settings.upstream.loader().window,
            Duration::from_micros(250)
        );
        assert_eq!(settings.http.cors_origins.len(), 2);
    }

    #[test]
    fn a_bad_value_is_refused_naming_its_flag() {
        for (flags, flag) in [
            (
                &["--upstream-retry-budget", "1.5"][..],
                "--upstream-retry-budget",
            ),
            (&["--breaker-failure-rate", "0"], "--breaker-failure-rate"),
            (
                &["--breaker-failure-threshold", "0"],
                "--breaker-failure-threshold",
            ),
            (&["--cache-redis-url", "http://x"], "--cache-redis-url"),
            (
                &["--cors-allow-origins", "localhost:5173"],
                "--cors-allow-origins",
            ),
            (&["--upstream-url", "ftp://x"], "--upstream-url"),
            (&["--rcn-region", "XX"], "--rcn-region"),
            (&["--upstream-timeout-ms", "0"], "--upstream-timeout-ms"),
        ] {
            let message = refused(flags);
            assert!(message.contains(flag), "{flags:?}: {message}");
        }
    }

    #[test]
    fn contradicting_settings_are_refused_naming_the_flag_to_change() {
        for (flags, flag) in [
            (
                &[
                    "--cache",
                    "off",
                    "--cache-redis-url",
                    "redis://127.0.0.1:6379",
                ][..],
                "--cache-redis-url",
            ),
            (
                &["--upstream-concurrency", "2305843009213693952"],
                "--upstream-concurrency",
            ),
        ] {
            let message = refused(flags);
            assert!(message.contains(flag), "{flags:?}: {message}");
        }
    }

    #[test]
    fn protection_is_off_by_default_and_its_flags_are_typed() {
        let defaults = Settings::default();
        assert!(!defaults.protection.is_active());
        let settings = Settings::from_flags([
            "--rate-limit",
            "2.5",
            "--max-cost",
            "50",
            "--trusted-proxies",
            "10.0.0.0/8,192.168.1.1",
            "--client-id-header",
            "X-Client-Id",
            "--cache-redis-url",
            "redis://127.0.0.1:1",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let protection = &settings.protection;
        assert!(protection.is_active());
        assert_eq!(
            protection.rate_limit,
            Some(crate::protect::RatePolicy {
                rate: 2.5,
                burst: 3
            })
        );
        assert_eq!(protection.max_cost, Some(50));
        assert_eq!(protection.trusted_proxies.len(), 2);
        assert_eq!(
            protection.client_id_header.as_ref().map(|h| h.as_str()),
            Some("x-client-id")
        );
        // The cache's Redis is the rate limiter's by default.
        assert_eq!(
            protection.rate_limit_redis.as_ref().map(|r| &r.topology),
            Some(&RedisTopology::Single("redis://127.0.0.1:1".to_owned()))
        );
        for (flags, flag) in [
            (&["--rate-limit", "0"][..], "--rate-limit"),
            (&["--max-cost", "0"], "--max-cost"),
            (&["--trusted-proxies", "10.0.0.0/40"], "--trusted-proxies"),
            (
                &["--trusted-documents", "/nonexistent.json"],
                "--trusted-documents",
            ),
            (&["--api-keys", "/nonexistent.json"], "--api-keys"),
            (
                &["--trusted-documents-mode", "enforce"],
                "--trusted-documents-mode",
            ),
        ] {
            let message = refused(flags);
            assert!(message.contains(flag), "{flags:?}: {message}");
        }
    }

    #[test]
    fn ready_file_is_off_by_default_and_takes_a_path() {
        let default =
            Settings::from_flags(std::iter::empty::<String>()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(default.server.ready_file, None);
        let settings = Settings::from_flags(["--ready-file", "/run/gateway/address"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            settings.server.ready_file.as_deref(),
            Some(std::path::Path::new("/run/gateway/address"))
        );
        assert!(
            Cli::command()
                .render_help()
                .to_string()
                .contains("--ready-file <PATH>")
        );
    }

    #[test]
    fn a_redis_topology_is_one_of_url_sentinels_or_cluster_named_by_its_flag() {
        for (flags, flag) in [
            (
                &[
                    "--cache-redis-url",
                    "redis://a:1",
                    "--cache-redis-cluster",
                    "redis://b:1",
                ][..],
                "--cache-redis-cluster",
            ),
            (
                &[
                    "--cache-redis-url",
                    "redis://a:1",
                    "--cache-redis-sentinels",
                    "s:26379",
                ],
                "--cache-redis-sentinels",
            ),
            (
                &[
                    "--cache-redis-sentinels",
                    "s:26379",
                    "--cache-redis-cluster",
                    "redis://b:1",
                ],
                "--cache-redis-cluster",
            ),
            (
                &["--cache-redis-sentinels", "s:26379"],
                "--cache-redis-sentinel-master",
            ),
            (
                &["--cache-redis-sentinel-master", "mymaster"],
                "--cache-redis-sentinels",
            ),
            (&["--cache-redis-sentinels", "s"], "--cache-redis-sentinels"),
            (
                &["--cache-redis-sentinels", "s:port"],
                "--cache-redis-sentinels",
            ),
            (
                &[
                    "--cache-redis-sentinels",
                    "s:1,rediss://t:2",
                    "--cache-redis-sentinel-master",
                    "m",
                ],
                "--cache-redis-sentinels",
            ),
            (&["--cache-redis-cluster", ""], "--cache-redis-cluster"),
            (
                &["--cache-redis-cluster", "redis://a:1,http://b"],
                "--cache-redis-cluster",
            ),
            (
                &[
                    "--cache-redis-url",
                    "redis://a:1",
                    "--cache-redis-ca-file",
                    "/nonexistent.pem",
                ],
                "--cache-redis-ca-file",
            ),
            (
                &[
                    "--rate-limit-redis-cluster",
                    "redis://a:1",
                    "--rate-limit-redis-url",
                    "redis://b:1",
                ],
                "--rate-limit-redis-cluster",
            ),
            (
                &["--rate-limit-redis-sentinels", "s:1"],
                "--rate-limit-redis-sentinel-master",
            ),
            (
                &["--cache", "off", "--cache-redis-cluster", "redis://a:1"],
                "--cache-redis-cluster",
            ),
        ] {
            let message = refused(flags);
            assert!(message.contains(flag), "{flags:?}: {message}");
        }
    }

    #[test]
    fn sentinel_and_cluster_flags_make_their_topology_and_the_rate_limiter_follows_the_cache() {
        let env = |name: &str| match name {
            "CATALOG_CACHE_REDIS_USERNAME" => Some("gateway".to_owned()),
            "CATALOG_CACHE_REDIS_PASSWORD" => Some("s3cret".to_owned()),
            "CATALOG_CACHE_REDIS_SENTINEL_PASSWORD" => Some("watch".to_owned()),
            _ => None,
        };
        let settings = Settings::from_flags_with_env(
            [
                "--cache-redis-sentinels",
                "s1:26379,s2:26380",
                "--cache-redis-sentinel-master",
                "catalog",
                "--rate-limit",
                "10",
            ],
            &env,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let cache = settings.cache.redis.as_ref().map(|r| r.target.clone());
        let Some(cache) = cache else {
            panic!("no cache redis")
        };
        assert_eq!(
            cache.topology,
            RedisTopology::Sentinel {
                sentinels: vec!["s1:26379".to_owned(), "s2:26380".to_owned()],
                master: "catalog".to_owned(),
                tls: false,
            }
        );
        assert_eq!(cache.auth.username.as_deref(), Some("gateway"));
        assert_eq!(
            cache.auth.password.as_ref().map(|p| p.0.as_str()),
            Some("s3cret")
        );
        assert_eq!(
            cache.sentinel_auth.password.as_ref().map(|p| p.0.as_str()),
            Some("watch")
        );
        assert!(!format!("{settings:?}").contains("s3cret"));
        assert_eq!(settings.protection.rate_limit_redis.as_ref(), Some(&cache));

        let settings = Settings::from_flags([
            "--cache-redis-cluster",
            "redis://a:7000,redis://b:7001",
            "--rate-limit-redis-url",
            "rediss://limits:6380",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            settings.cache.redis.map(|r| r.target.topology),
            Some(RedisTopology::Cluster(vec![
                "redis://a:7000".to_owned(),
                "redis://b:7001".to_owned()
            ]))
        );
        assert_eq!(
            settings.protection.rate_limit_redis.map(|r| r.topology),
            Some(RedisTopology::Single("rediss://limits:6380".to_owned()))
        );
    }

    #[test]
    fn settings_from_flags_read_no_environment() {
        let command =
            ServeArgs::augment_args(clap::Command::new("x")).mut_args(|arg| arg.env(None));
        assert!(command.get_arguments().all(|arg| arg.get_env().is_none()));
        // …while the real command line does read CATALOG_* variables.
        let cli = Cli::command();
        assert!(cli.get_arguments().any(|arg| arg.get_env().is_some()));
    }

    #[test]
    fn help_groups_the_flags_by_section() {
        let help = Cli::command().render_help().to_string();
        for heading in [
            "Server:",
            "Upstream catalog:",
            "Product cache:",
            "GraphQL:",
            "HTTP:",
            "Telemetry:",
            "Protection:",
        ] {
            assert!(help.contains(heading), "{heading} missing from --help");
        }
    }

    fn demo_catalog(flags: &[&str]) -> Result<DemoCatalogConfig, clap::Error> {
        let args = ["catalog-gateway", "demo-catalog"].iter().chain(flags);
        match Cli::try_parse_from(args)?.command {
            Some(Command::DemoCatalog(config)) => Ok(config),
            other => panic!("not demo-catalog: {other:?}"),
        }
    }

    #[test]
    fn demo_catalog_takes_a_dialect_with_credentials_and_a_page_cap() {
        let plain = demo_catalog(&["--listen", "127.0.0.1:9091"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plain.dialect_settings(), None);
        let config = demo_catalog(&[
            "--listen",
            "127.0.0.1:9091",
            "--dialect",
            "akeneo",
            "--client-id",
            "id",
            "--client-secret",
            "secret",
            "--username",
            "api",
            "--token-ttl-s",
            "120",
            "--page-cap",
            "7",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let dialect = config
            .dialect_settings()
            .unwrap_or_else(|| panic!("no dialect"));
        assert_eq!(dialect.dialect, Dialect::Akeneo);
        assert_eq!(dialect.page_cap, Some(7));
        let oauth = dialect.oauth.unwrap_or_else(|| panic!("no client"));
        assert_eq!(
            (oauth.client_id.as_str(), oauth.client_secret.as_str()),
            ("id", "secret")
        );
        assert_eq!(
            (oauth.username.as_deref(), oauth.password.as_deref()),
            (Some("api"), None)
        );
        assert_eq!(oauth.token_ttl, Duration::from_secs(120));
    }

    #[test]
    fn demo_catalog_refuses_unknown_dialects_and_credentials_without_a_dialect() {
        for flags in [
            &["--dialect", "shopify"][..],
            &["--bearer-token", "t"],
            &["--dialect", "commercetools", "--client-id", "id"],
            &["--dialect", "openfoodfacts", "--page-cap", "0"],
        ] {
            assert!(demo_catalog(flags).is_err(), "{flags:?} should be refused");
        }
    }
}

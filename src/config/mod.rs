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
mod tests;

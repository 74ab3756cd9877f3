//! The demo catalog in three real product APIs' dialects: Open Food Facts (API
//! v2), commercetools (HTTP API, Product Projections) and Akeneo PIM (REST API
//! v1). Each is a local server answering as the real API does per its public
//! documentation, over the demo catalog's products, so the gateway's upstream
//! presets can be tested, benchmarked and tried offline against something that
//! behaves like the real thing: its paths, key forms, paging, limits, errors and
//! authentication. Each dialect's module doc names the documents it follows and
//! what of the demo data the API cannot carry.
//!
//! Shared here: the settings, the state every handler sees, latency, the call log
//! and token revocation ([`DialectControl`]).

mod akeneo;
mod akeneo_product;
mod auth;
mod call_log;
mod commercetools;
mod commercetools_predicate;
mod commercetools_product;
mod documented_order;
mod facts;
mod openfoodfacts;

#[cfg(test)]
mod akeneo_tests;
#[cfg(test)]
mod commercetools_tests;
#[cfg(test)]
mod openfoodfacts_tests;
#[cfg(test)]
mod test_support;

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;

use crate::demo::{DemoCatalog, DemoProduct, DemoSettings};
use crate::gtin::Gtin;

pub use call_log::{CallLog, RecordedCall};

/// Which real API the demo catalog imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Open Food Facts, API v2 (`/api/v2/product/{code}`, `/api/v2/search`).
    OpenFoodFacts,
    /// commercetools HTTP API (`/{projectKey}/product-projections`).
    Commercetools,
    /// Akeneo PIM REST API v1 (`/api/rest/v1/products`).
    Akeneo,
}

impl Dialect {
    /// Every dialect's name, as `FromStr` reads and `Display` writes them.
    pub const NAMES: [&'static str; 3] = ["openfoodfacts", "commercetools", "akeneo"];

    /// The dialect's name (one of [`Dialect::NAMES`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::OpenFoodFacts => "openfoodfacts",
            Dialect::Commercetools => "commercetools",
            Dialect::Akeneo => "akeneo",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given is none of [`Dialect::NAMES`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown dialect {0:?} (expected openfoodfacts, commercetools or akeneo)")]
pub struct UnknownDialect(pub String);

impl FromStr for Dialect {
    type Err = UnknownDialect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "openfoodfacts" => Ok(Dialect::OpenFoodFacts),
            "commercetools" => Ok(Dialect::Commercetools),
            "akeneo" => Ok(Dialect::Akeneo),
            other => Err(UnknownDialect(other.to_owned())),
        }
    }
}

/// An OAuth2 client the token endpoint accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthClient {
    /// Sent as the Basic user name.
    pub client_id: String,
    /// Sent as the Basic password.
    pub client_secret: String,
    /// Akeneo's password grant: the API user's name (`None`: any user name).
    pub username: Option<String>,
    /// Akeneo's password grant: the API user's password (`None`: any password).
    pub password: Option<String>,
    /// How long an issued access token stays valid.
    pub token_ttl: Duration,
}

/// How a dialect server behaves beyond the demo's own settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialectSettings {
    /// Which API to imitate.
    pub dialect: Dialect,
    /// A static bearer token the API accepts (Akeneo connected-app token;
    /// commercetools: any). With neither this nor `oauth`, no credentials are
    /// needed; Open Food Facts never asks for any.
    pub bearer_token: Option<String>,
    /// The OAuth2 client the token endpoint accepts (commercetools: client
    /// credentials grant at `POST /oauth/token`; Akeneo: password grant, and its
    /// refresh tokens, at `POST /api/oauth/v1/token`).
    pub oauth: Option<OAuthClient>,
    /// Serve at most this many items per page even when more are asked (as a
    /// server configured with a lower maximum would), with totals and next links
    /// to match, so a client has to follow pages.
    pub page_cap: Option<usize>,
}

impl DialectSettings {
    /// `dialect` with no credentials and no page cap.
    pub fn new(dialect: Dialect) -> DialectSettings {
        DialectSettings {
            dialect,
            bearer_token: None,
            oauth: None,
            page_cap: None,
        }
    }
}

/// A handle on a running dialect server: revoke its tokens, make it rate-limit.
#[derive(Clone, Debug)]
pub struct DialectControl {
    shared: Arc<Shared>,
}

impl DialectControl {
    /// Revokes every token issued so far: the next call with one gets a `401`.
    pub fn revoke_all_tokens(&self) {
        self.shared.tokens.revoke_all();
    }

    /// How many issued tokens (access and refresh) are still live.
    pub fn live_tokens(&self) -> usize {
        self.shared.tokens.live()
    }

    /// Open Food Facts only: answer every API call `429 Too Many Requests`, as the
    /// real server does past its documented rate limits (off by default).
    pub fn set_rate_limited(&self, limited: bool) {
        self.shared.rate_limited.store(limited, Ordering::Relaxed);
    }
}

/// What a server's handlers share with its [`DialectControl`].
#[derive(Debug, Default)]
struct Shared {
    tokens: auth::TokenStore,
    rate_limited: AtomicBool,
}

/// What every dialect handler sees.
#[derive(Clone)]
struct DialectState {
    catalog: Arc<DemoCatalog>,
    demo: DemoSettings,
    settings: Arc<DialectSettings>,
    shared: Arc<Shared>,
}

impl DialectState {
    /// The product stored under `gtin`, shaped as the demo settings ask.
    fn product(&self, gtin: &Gtin) -> Option<DemoProduct> {
        let product = self.catalog.get(gtin)?;
        Some(if self.demo.large_products {
            product.enlarged()
        } else {
            product
        })
    }

    /// How many items a page may hold when `asked` for: no more than the cap.
    fn page_size(&self, asked: usize) -> usize {
        self.settings
            .page_cap
            .map_or(asked, |cap| asked.min(cap.max(1)))
    }

    /// Checks the request's bearer token against this server's credentials.
    /// A state over a new demo catalog with `demo`'s settings (no credentials).
    #[cfg(test)]
    fn for_tests(dialect: Dialect, demo: DemoSettings) -> DialectState {
        DialectState {
            catalog: Arc::new(DemoCatalog::new()),
            demo,
            settings: Arc::new(DialectSettings::new(dialect)),
            shared: Arc::default(),
        }
    }

    fn bearer(&self, headers: &HeaderMap) -> auth::Bearer {
        auth::check_bearer(
            headers,
            self.settings.bearer_token.as_deref(),
            self.settings.oauth.as_ref(),
            &self.shared.tokens,
        )
    }
}

/// Builds the router of the dialect `dialect.dialect` over `catalog`; every
/// request is recorded in `log`.
pub fn dialect_router(
    catalog: Arc<DemoCatalog>,
    settings: DemoSettings,
    dialect: DialectSettings,
    log: CallLog,
) -> Router {
    dialect_router_with_control(catalog, settings, dialect, log).0
}

/// [`dialect_router`], with the handle that revokes its tokens.
pub fn dialect_router_with_control(
    catalog: Arc<DemoCatalog>,
    settings: DemoSettings,
    dialect: DialectSettings,
    log: CallLog,
) -> (Router, DialectControl) {
    let shared = Arc::new(Shared::default());
    let latency = settings.latency;
    let which = dialect.dialect;
    let state = DialectState {
        catalog,
        demo: settings,
        settings: Arc::new(dialect),
        shared: Arc::clone(&shared),
    };
    let routes = match which {
        Dialect::OpenFoodFacts => openfoodfacts::routes(state),
        Dialect::Commercetools => commercetools::routes(state),
        Dialect::Akeneo => akeneo::routes(state),
    };
    let router = routes
        .layer(from_fn_with_state(latency, add_latency))
        // Outermost: a call is recorded even when it is answered with an error.
        .layer(from_fn_with_state(log, call_log::record));
    (router, DialectControl { shared })
}

/// Serves `dialect` over a new demo catalog on `listener` until `shutdown`
/// completes (the `demo-catalog --dialect` command).
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn serve_dialect(
    listener: tokio::net::TcpListener,
    settings: DemoSettings,
    dialect: DialectSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = dialect_router(
        Arc::new(DemoCatalog::new()),
        settings,
        dialect,
        CallLog::disabled(),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Middleware: the demo's fixed latency, before the answer is computed (as
/// `server.rs` does), so a dialect server can stand in for a remote upstream.
async fn add_latency(State(latency): State<Duration>, request: Request, next: Next) -> Response {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::test_support::get;
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_demo_settings_latency_and_large_products_are_honoured() {
        let log = CallLog::new();
        let router = dialect_router(
            Arc::new(DemoCatalog::new()),
            DemoSettings {
                latency: Duration::from_millis(250),
                large_products: true,
                fail_every: None,
            },
            DialectSettings::new(Dialect::OpenFoodFacts),
            log.clone(),
        );
        let started = tokio::time::Instant::now();
        let answer = get(&router, "/api/v2/product/96385074", None).await;
        assert!(started.elapsed() >= Duration::from_millis(250));
        let description = answer.json["product"]["generic_name"].as_str().unwrap();
        assert!(description.len() > 8 * 1024, "{} bytes", description.len());
        assert_eq!(log.count(), 1);
        log.reset();
        assert_eq!(log.count(), 0);
    }

    #[test]
    fn dialect_names_round_trip() {
        for name in Dialect::NAMES {
            assert_eq!(
                name.parse::<Dialect>().map(|d| d.to_string()),
                Ok(name.to_owned())
            );
        }
        assert!("shopify".parse::<Dialect>().is_err());
    }
}

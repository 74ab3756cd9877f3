//! What every handler may read: the shared state of the router and the HTTP-level
//! limits. Its own file so handlers and the router both depend on it, not on each other.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::edge::{AllowedOrigin, InFlightLimit};
use super::link_template::LinkTemplate;
use super::response_cache::{ResponseCache, ResponseCacheSettings};
use crate::cache::ProductCache;
use crate::graphql::GatewaySchema;
use crate::gtin::RcnRegion;
use crate::loader::ProductLoader;
use crate::protect::Protection;

/// A snapshot for `/readyz` detail (JSON: the upstream's breaker, the cache's state).
pub type HealthDetail = Arc<dyn Fn() -> serde_json::Value + Send + Sync>;

/// Limits applied at the HTTP layer.
#[derive(Clone, Copy, Debug)]
pub struct HttpLimits {
    /// Largest request body; more is 413.
    pub max_body_bytes: usize,
    /// Most time a request body may take to arrive once its head has; later is 408.
    pub body_read_timeout: Duration,
    /// Most operations in one batched JSON array.
    pub max_operations: usize,
    /// Most time an operation's lookups may take, from arrival.
    pub request_timeout: Duration,
}

/// The HTTP layer's settings (`config::HttpArgs`).
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Limits checked per request.
    pub limits: HttpLimits,
    /// Most `/graphql` and resolver requests being executed; more are shed with 503.
    pub max_in_flight: usize,
    /// Browser origins allowed to call `/graphql`.
    pub cors_origins: Vec<AllowedOrigin>,
    /// The response cache's switch and size.
    pub response_cache: ResponseCacheSettings,
    /// `Cache-Control: max-age` of an answer holding no product.
    pub cache_control_static_max_age: Duration,
    /// Bearer token of `POST /admin/invalidate`; `None`: the route answers 404.
    pub admin_token: Option<AdminToken>,
}

/// The admin token. Its `Debug` never shows it; only its SHA-256 is kept.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken {
    digest: [u8; 32],
}

impl AdminToken {
    /// The token `text` (checked by the flag's parser).
    pub fn new(text: &str) -> AdminToken {
        AdminToken {
            digest: Sha256::digest(text.as_bytes()).into(),
        }
    }

    /// Whether `offered` is the token, in constant time.
    pub(crate) fn matches(&self, offered: &[u8]) -> bool {
        let offered: [u8; 32] = Sha256::digest(offered).into();
        self.digest.ct_eq(&offered).into()
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

/// What the admin routes need.
#[derive(Clone)]
pub struct AdminState {
    /// The bearer token callers must present.
    pub token: AdminToken,
    /// The product cache, whose tiers an invalidation empties.
    pub products: ProductCache,
    /// How variable-measure codes are read (as the GraphQL layer reads them).
    pub rcn_region: Option<RcnRegion>,
    /// How long an upstream fetch may still be under way after an invalidation
    /// (the catalog's fetch deadline): then the products are invalidated once more,
    /// dropping what a fetch begun before the change brought back.
    pub settle: Duration,
}

/// What every handler may read. The router holds it behind one `Arc` (handlers
/// take `State<Arc<AppState>>`): axum clones the state for every request, and one
/// reference count costs less than the dozen of the fields (1.7 % of a cached
/// request's CPU, bench/JOURNAL.md "Hot request path").
#[derive(Clone)]
pub struct AppState {
    /// The executable GraphQL schema (holds the loader and settings).
    pub schema: GatewaySchema,
    /// Flipped to draining at shutdown.
    pub readiness: Readiness,
    /// The global in-flight cap.
    pub in_flight: InFlightLimit,
    /// HTTP-level limits.
    pub limits: HttpLimits,
    /// Detail for `/readyz`: upstream breaker and cache state.
    pub health_detail: Option<HealthDetail>,
    /// Renders `/metrics`; `None` serves no metrics.
    pub metrics: Option<PrometheusHandle>,
    /// Sets the gauges that are read at scrape time (breaker, cache, in-flight).
    pub refresh_gauges: Option<RefreshGauges>,
    /// Origins allowed to call `/graphql` from a browser.
    pub cors_origins: Arc<[AllowedOrigin]>,
    /// Answers of repeated operations, served without executing them again.
    pub response_cache: ResponseCache,
    /// The admin routes' needs; `None` (no token configured): they answer 404.
    pub admin: Option<AdminState>,
    /// The GS1 Digital Link resolver: its settings and the loader GraphQL uses too.
    pub resolver: ResolverState,
    /// Trusted documents, cost and rate limits, API keys; `None` when all are off
    /// (the handler then pays one branch).
    pub protection: Option<Arc<Protection>>,
}

/// The Digital Link resolver's settings (`config::ResolverArgs`).
#[derive(Clone, Debug, Default)]
pub struct ResolverSettings {
    /// Where `/01/{gtin}` redirects by default; `None`: the product's own page,
    /// `/products/{gtin14}`.
    pub default_link: Option<LinkTemplate>,
}

/// What the Digital Link resolver reads: the same loader (cache, batching, breaker)
/// as the GraphQL resolvers, its settings, and the RCN region GraphQL decodes with.
/// Cheap to clone (two reference counts), as axum clones the state per request.
#[derive(Clone)]
pub struct ResolverState {
    /// The product loader shared with GraphQL.
    pub loader: ProductLoader,
    /// `--resolver-default-link` (shared: axum clones the state for every request).
    pub settings: Arc<ResolverSettings>,
    /// Region whose variable-measure labels are decoded (`--rcn-region`).
    pub rcn_region: Option<RcnRegion>,
}

/// Sets scrape-time gauges just before `/metrics` renders.
pub type RefreshGauges = Arc<dyn Fn() + Send + Sync>;

/// Whether this replica takes new traffic; flipped once, at shutdown.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    draining: Arc<AtomicBool>,
}

impl Readiness {
    /// Marks the replica as draining: `/readyz` answers 503 from now on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

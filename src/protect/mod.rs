//! Protecting the API: who is calling (API keys, a client-id header, or the client
//! IP behind trusted proxies), which operations they may send (trusted documents),
//! how costly one may be (`--max-cost`, the IBM cost directive rules) and how much
//! each client may spend per second (GCRA, shared through Redis when configured).
//!
//! Everything is off by default, and then [`Protection::new`] gives `None`: the
//! `/graphql` handler pays one branch on an `Option` and nothing else. When on, the
//! handler calls [`Protection::admit`] on the read batch before the response cache
//! and execution; it answers an [`Admission`] (the client, each operation's cost,
//! the rate-limit state for the headers) or a [`Denial`] the HTTP layer turns into
//! 400, 401 or 429.

mod cost;
mod facts;
mod keys;
mod rate;
mod rate_lease;
mod trusted;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_graphql::{BatchRequest, Request, Value};
use axum::http::{HeaderMap, HeaderName};
use sha2::{Digest, Sha256};

pub use keys::{ApiClient, ApiKeys};
pub use rate::RatePolicy;
pub use trusted::{Manifest, ManifestError, ManifestFile, TrustedMode};

use crate::redis_topology::RedisTarget;
use crate::telemetry::metrics as names;

/// The header GraphiQL and other same-origin tools send to pass the trusted-documents
/// check; its value must be `--trusted-documents-bypass-secret`.
pub static BYPASS_HEADER: HeaderName = HeaderName::from_static("x-trusted-documents-bypass");

/// The request extension asking for the operation's cost in the response
/// (`"extensions": {"cost": true}`).
pub const COST_EXTENSION: &str = "cost";

/// The metric label of a client that has no API key.
pub const ANONYMOUS: &str = "anonymous";

/// A secret that `Debug` does not print.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// An address or a CIDR range (`10.0.0.0/8`) of trusted proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    /// The network address.
    pub network: IpAddr,
    /// Leading bits that must match.
    pub prefix: u8,
}

impl IpRange {
    /// Parses `a.b.c.d`, `a.b.c.d/n`, or the IPv6 forms.
    ///
    /// # Errors
    /// What is wrong with `text`.
    pub fn parse(text: &str) -> Result<IpRange, String> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|bits| *bits <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0 to {max}"))?,
        };
        Ok(IpRange { network, prefix })
    }

    /// Whether `address` is in the range.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// The protection settings (`config::ProtectionArgs`). The default is all off.
#[derive(Clone, Debug)]
pub struct ProtectionSettings {
    /// The manifest of trusted documents, read at start.
    pub trusted_documents: Option<ManifestFile>,
    /// What to do with an operation that is not in it.
    pub trusted_documents_mode: TrustedMode,
    /// The value of [`BYPASS_HEADER`] that skips the trusted-documents check.
    pub bypass_secret: Option<Secret>,
    /// Most costly operation served; more is `QUERY_TOO_COSTLY`.
    pub max_cost: Option<u64>,
    /// The size a list is priced at when its slicing argument is not known.
    pub assumed_list_size: u64,
    /// Each client's allowance; `None`: no rate limit (but for API keys with their own).
    pub rate_limit: Option<RatePolicy>,
    /// A Redis shared by the replicas for the rate limits (any topology).
    pub rate_limit_redis: Option<RedisTarget>,
    /// Most a request waits on Redis before deciding locally.
    pub rate_limit_redis_budget: Duration,
    /// Most clients the local limiter holds.
    pub rate_limit_max_clients: u64,
    /// The header that names the client (without API keys); else the client IP.
    pub client_id_header: Option<HeaderName>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpRange>,
    /// The API keys; with them, a request without a valid key is 401.
    pub api_keys: Option<ApiKeys>,
    /// The header carrying the API key.
    pub api_key_header: HeaderName,
}

impl Default for ProtectionSettings {
    fn default() -> ProtectionSettings {
        ProtectionSettings {
            trusted_documents: None,
            trusted_documents_mode: TrustedMode::Off,
            bypass_secret: None,
            max_cost: None,
            assumed_list_size: 1000,
            rate_limit: None,
            rate_limit_redis: None,
            rate_limit_redis_budget: Duration::from_millis(20),
            rate_limit_max_clients: 100_000,
            client_id_header: None,
            trusted_proxies: Vec::new(),
            api_keys: None,
            api_key_header: HeaderName::from_static("x-api-key"),
        }
    }
}

impl ProtectionSettings {
    /// Whether any protection is on.
    pub fn is_active(&self) -> bool {
        self.trusted_documents_mode != TrustedMode::Off
            || self.max_cost.is_some()
            || self.rate_limit.is_some()
            || self.api_keys.is_some()
    }

    /// Whether some client has a rate limit.
    fn any_rate_limit(&self) -> bool {
        self.rate_limit.is_some()
            || self
                .api_keys
                .as_ref()
                .is_some_and(|keys| keys.clients().any(|client| client.rate.is_some()))
    }
}

/// Why a request is refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Denial {
    /// API keys are configured and the request has no valid one (401).
    Unauthenticated,
    /// `enforce` and an operation not in the manifest (400); its hash or id.
    NotAllowed(String),
    /// An operation over the client's cost limit (400).
    TooCostly {
        /// Its cost.
        cost: u64,
        /// The limit.
        limit: u64,
    },
    /// Over the client's rate (429).
    RateLimited {
        /// When a request of this cost would be admitted.
        retry_after: Duration,
        /// The state for the `RateLimit` headers.
        state: RateState,
    },
}

/// A client's rate-limit state after a request, for the `RateLimit` headers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateState {
    /// The policy applied.
    pub policy: RatePolicy,
    /// Units left now.
    pub remaining: u64,
    /// Time until the bucket is full again.
    pub reset: Duration,
}

/// What the handler needs of an admitted request.
#[derive(Clone, Debug, Default)]
pub struct Admission {
    /// The client's label (API-key client name, or [`ANONYMOUS`]).
    pub client: Option<Arc<str>>,
    /// Each operation's cost, in batch order, when costs are computed.
    pub costs: Vec<u64>,
    /// Per operation, whether it asked for its cost in `extensions.cost`.
    pub report_cost: Vec<bool>,
    /// The most costly operation allowed (for `extensions.cost`).
    pub max_cost: Option<u64>,
    /// The rate-limit state, when rate limited.
    pub rate: Option<RateState>,
}

/// Counters for `/readyz` and the scrape-time gauges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProtectionStats {
    /// Clients the local limiter holds now.
    pub limiter_clients: u64,
    /// Most clients it may hold.
    pub limiter_max_clients: u64,
    /// Rate decisions taken locally because Redis failed or was skipped.
    pub redis_fallbacks: u64,
    /// Operations in the trusted-documents manifest.
    pub trusted_documents: usize,
}

/// The protection of one gateway.
pub struct Protection {
    settings: ProtectionSettings,
    /// Each document text's hash and parse, computed once per text.
    facts: facts::DocumentFacts,
    trusted: Option<trusted::TrustedDocuments>,
    local: Option<rate::LocalLimiter>,
    redis: Option<Arc<rate_lease::RedisLimiter>>,
}

/// Who is calling.
struct Identity {
    /// Metric and log label.
    label: Arc<str>,
    /// The bucket key (a hash of the client id, never the id or key itself).
    bucket: [u8; 32],
    /// The API-key client, with its own limits.
    client: Option<Arc<ApiClient>>,
}

impl Protection {
    /// The protection these settings ask for; `None` when everything is off.
    pub fn new(settings: ProtectionSettings) -> Option<Arc<Protection>> {
        if !settings.is_active() {
            return None;
        }
        let trusted = settings
            .trusted_documents
            .as_ref()
            .filter(|_| settings.trusted_documents_mode != TrustedMode::Off)
            .map(trusted::TrustedDocuments::new);
        let limited = settings.any_rate_limit();
        let local = limited.then(|| {
            // An idle bucket is full again after its burst window: dropping it then
            // changes nothing. The longest window of every policy, at least a second.
            let idle = settings
                .api_keys
                .iter()
                .flat_map(ApiKeys::clients)
                .filter_map(|client| settings.policy(Some(client)))
                .chain(settings.rate_limit)
                .map(|policy| policy.window_secs())
                .max()
                .unwrap_or(1)
                .max(1);
            rate::LocalLimiter::new(settings.rate_limit_max_clients, Duration::from_secs(idle))
        });
        let redis = settings
            .rate_limit_redis
            .as_ref()
            .filter(|_| limited)
            .map(|target| {
                Arc::new(rate_lease::RedisLimiter::new(
                    target,
                    settings.rate_limit_redis_budget,
                    settings.rate_limit_max_clients,
                ))
            });
        Some(Arc::new(Protection {
            settings,
            facts: facts::DocumentFacts::new(),
            trusted,
            local,
            redis,
        }))
    }

    /// The headers a browser app may send for protection (for CORS).
    pub fn request_headers(&self) -> Vec<HeaderName> {
        let mut headers = vec![BYPASS_HEADER.clone()];
        if self.settings.api_keys.is_some() {
            headers.push(self.settings.api_key_header.clone());
        }
        headers.extend(self.settings.client_id_header.clone());
        headers
    }

    /// Reads the trusted-documents manifest again (SIGHUP). A file that no longer
    /// parses is logged and the old list stays in use.
    pub fn reload_trusted_documents(&self) {
        let Some(trusted) = &self.trusted else {
            return;
        };
        match trusted.reload() {
            Ok(count) => tracing::info!(operations = count, "trusted documents reloaded"),
            Err(error) => {
                tracing::error!(%error, "trusted documents not reloaded; the previous list stays in use");
            }
        }
    }

    /// Counters for `/readyz` and metrics.
    pub fn stats(&self) -> ProtectionStats {
        ProtectionStats {
            limiter_clients: self.local.as_ref().map_or(0, rate::LocalLimiter::clients),
            limiter_max_clients: self.settings.rate_limit_max_clients,
            redis_fallbacks: self
                .redis
                .as_ref()
                .map_or(0, |redis| redis.fallbacks.load(Ordering::Relaxed)),
            trusted_documents: self
                .trusted
                .as_ref()
                .map_or(0, |trusted| trusted.current().len()),
        }
    }

    /// Checks a read batch: identity, trusted documents, cost, rate. Ids of trusted
    /// documents are replaced by their text in `batch`. A denial comes with the
    /// client's label when it is known (for the log line).
    pub async fn admit(
        &self,
        batch: &mut BatchRequest,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<Admission, (Denial, Option<Arc<str>>)> {
        let identity = self.identify(headers, peer).map_err(|denial| {
            record_client_refusal(ANONYMOUS, "unauthenticated");
            (denial, None)
        })?;
        let label = Arc::clone(&identity.label);
        let deny = |denial: Denial, outcome: &'static str| {
            record_client_refusal(&label, outcome);
            (denial, Some(Arc::clone(&label)))
        };
        let requests: &mut [Request] = match batch {
            BatchRequest::Single(request) => std::slice::from_mut(request),
            BatchRequest::Batch(requests) => requests,
        };
        // The facts the trusted-documents check looked up, per operation, so pricing
        // does not look the same text up again.
        let looked_up = self
            .check_documents(requests, headers, &label)
            .map_err(|denial| deny(denial, "not_allowed"))?;
        let max_cost = identity
            .client
            .as_ref()
            .and_then(|client| client.max_cost)
            .or(self.settings.max_cost);
        let policy = self.settings.policy(identity.client.as_deref());
        let report_cost: Vec<bool> = requests
            .iter_mut()
            .map(|request| {
                request
                    .extensions
                    .remove(COST_EXTENSION)
                    .is_some_and(|v| v != Value::Boolean(false) && v != Value::Null)
            })
            .collect();
        let mut admission = Admission {
            client: Some(Arc::clone(&label)),
            max_cost,
            ..Admission::default()
        };
        if max_cost.is_some() || policy.is_some() || report_cost.contains(&true) {
            admission.costs = requests
                .iter()
                .enumerate()
                .map(|(index, request)| {
                    let known = looked_up.get(index).cloned().flatten();
                    self.price(request, known)
                })
                .collect();
            for cost in &admission.costs {
                if let Some(limit) = max_cost.filter(|limit| cost > limit) {
                    return Err(deny(Denial::TooCostly { cost: *cost, limit }, "too_costly"));
                }
            }
        }
        admission.report_cost = report_cost;
        if let Some(policy) = policy {
            // Every request spends at least one unit (a `__typename` flood is still a
            // flood), and a priced-at-the-maximum document at most a large debt.
            let cost = admission
                .costs
                .iter()
                .fold(0_u64, |sum, cost| sum.saturating_add(*cost))
                .clamp(1, 1_000_000);
            match self.charge(&identity, cost, policy).await {
                rate::Decision::Allowed { remaining, reset } => {
                    admission.rate = Some(RateState {
                        policy,
                        remaining,
                        reset,
                    });
                }
                rate::Decision::Limited { retry_after, reset } => {
                    let state = RateState {
                        policy,
                        remaining: 0,
                        reset,
                    };
                    return Err(deny(
                        Denial::RateLimited { retry_after, state },
                        "rate_limited",
                    ));
                }
            }
        }
        record_client_request(&label);
        for cost in &admission.costs {
            record_cost(&label, *cost);
        }
        Ok(admission)
    }

    /// Who is calling: the API key's client, else the client-id header, else the IP.
    fn identify(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Result<Identity, Denial> {
        let settings = &self.settings;
        if let Some(keys) = &settings.api_keys {
            let client = headers
                .get(&settings.api_key_header)
                .and_then(|value| value.to_str().ok())
                .and_then(|key| keys.client(key))
                .ok_or(Denial::Unauthenticated)?;
            return Ok(Identity {
                label: Arc::clone(&client.name),
                bucket: bucket_key("key", client.name.as_bytes()),
                client: Some(Arc::clone(client)),
            });
        }
        let anonymous = || Arc::from(ANONYMOUS);
        if let Some(id) = settings
            .client_id_header
            .as_ref()
            .and_then(|header| headers.get(header))
            .filter(|value| !value.is_empty())
        {
            return Ok(Identity {
                label: anonymous(),
                bucket: bucket_key("id", id.as_bytes()),
                client: None,
            });
        }
        let ip = client_ip(headers, peer, &settings.trusted_proxies);
        let ip = ip.map(|ip| ip.to_string()).unwrap_or_default();
        Ok(Identity {
            label: anonymous(),
            bucket: bucket_key("ip", ip.as_bytes()),
            client: None,
        })
    }

    /// The trusted-documents check over every operation of a batch.
    /// Answers the facts it looked up, per operation (`None` where it looked up none:
    /// no check, or an operation sent by id).
    fn check_documents(
        &self,
        requests: &mut [Request],
        headers: &HeaderMap,
        client: &str,
    ) -> Result<Vec<Option<Arc<facts::Facts>>>, Denial> {
        let Some(trusted) = &self.trusted else {
            return Ok(Vec::new());
        };
        let manifest = trusted.current();
        let bypass = self.settings.bypass_secret.as_ref().is_some_and(|secret| {
            headers
                .get(&BYPASS_HEADER)
                .is_some_and(|value| constant_time_eq(value.as_bytes(), secret.0.as_bytes()))
        });
        let mut looked_up = Vec::with_capacity(requests.len());
        for request in requests {
            let hash = match resolve(request, &manifest, &self.facts) {
                Ok(known) => {
                    looked_up.push(known);
                    continue;
                }
                Err(hash) => hash,
            };
            looked_up.push(None);
            let mode = self.settings.trusted_documents_mode;
            // In `log`, an id alone that is not in the manifest is left to APQ (its
            // text, if it comes, is counted then: once, not twice).
            if bypass || (mode == TrustedMode::Log && request.query.is_empty()) {
                continue;
            }
            record_untrusted(mode.as_str());
            match mode {
                TrustedMode::Enforce => return Err(Denial::NotAllowed(hash)),
                TrustedMode::Log => tracing::warn!(
                    hash = %hash, client,
                    "an operation not in the trusted documents was served"
                ),
                TrustedMode::Off => {}
            }
        }
        Ok(looked_up)
    }

    /// The cost of one operation (0 when it does not parse: execution reports that),
    /// from its text's kept parse: a hot document is parsed once for pricing, and
    /// the request goes on untouched, to whichever way answers it.
    /// `known`: the text's facts when the caller has them already.
    fn price(&self, request: &Request, known: Option<Arc<facts::Facts>>) -> u64 {
        let facts = known.unwrap_or_else(|| self.facts.of(&request.query));
        let Some(document) = facts.document() else {
            return 0;
        };
        cost::operation_cost(
            document,
            request.operation_name.as_deref(),
            &request.variables,
            self.settings.assumed_list_size,
        )
    }

    /// Spends `cost` of the client's allowance: from the shared bucket in Redis
    /// (through this replica's lease) when configured and up, else locally.
    async fn charge(&self, identity: &Identity, cost: u64, policy: RatePolicy) -> rate::Decision {
        let mut id = [0_u8; 8];
        id.copy_from_slice(&identity.bucket[..8]);
        let client = u64::from_le_bytes(id);
        if let Some(redis) = &self.redis {
            let key = || format!("catalog:ratelimit:{}", trusted::hex(&identity.bucket[..16]));
            if let Some(decision) = redis.check(client, key, cost, policy).await {
                return decision;
            }
        }
        match &self.local {
            Some(local) => local.check(client, cost, policy),
            None => rate::Decision::Allowed {
                remaining: policy.burst,
                reset: Duration::ZERO,
            },
        }
    }
}

impl ProtectionSettings {
    /// The allowance of a client: its own rate and burst, else the flags'.
    fn policy(&self, client: Option<&ApiClient>) -> Option<RatePolicy> {
        let own_rate = client.and_then(|client| client.rate);
        let rate = own_rate.or(self.rate_limit.map(|policy| policy.rate))?;
        let burst = client
            .and_then(|client| client.burst)
            .or(self.rate_limit.map(|policy| policy.burst))
            .unwrap_or_else(|| rate.ceil().max(1.0) as u64);
        Some(RatePolicy { rate, burst })
    }
}

/// Replaces an id of a trusted document by its text; `Ok` with the text's facts when
/// it came in full, `Err` with the operation's id or hash when it is not in the manifest.
fn resolve(
    request: &mut Request,
    manifest: &Manifest,
    facts: &facts::DocumentFacts,
) -> Result<Option<Arc<facts::Facts>>, String> {
    let document_id = match request.extensions.remove("documentId") {
        Some(Value::String(id)) => Some(id),
        _ => None,
    };
    if request.query.is_empty() {
        let apq_hash = match request.extensions.get("persistedQuery") {
            Some(Value::Object(fields)) => match fields.get("sha256Hash") {
                Some(Value::String(hash)) => Some(hash.clone()),
                _ => None,
            },
            _ => None,
        };
        let id = document_id.or(apq_hash).unwrap_or_default();
        let Some(text) = manifest.by_id(&id) else {
            return Err(id);
        };
        request.query = text.to_string();
        // Known by the manifest: the APQ store has nothing to add.
        request.extensions.remove("persistedQuery");
        return Ok(None);
    }
    let facts = facts.of(&request.query);
    if manifest.has_text_hash(facts.sha256()) {
        Ok(Some(facts))
    } else {
        Err(facts.sha256().to_owned())
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy.
fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, proxies: &[IpRange]) -> Option<IpAddr> {
    let trusted = |ip: IpAddr| proxies.iter().any(|range| range.contains(ip));
    let peer = peer?;
    if !trusted(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for value in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(value) = value.to_str() else {
            return Some(client);
        };
        for hop in value.split(',').rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                return Some(client);
            };
            client = ip;
            if !trusted(ip) {
                return Some(client);
            }
        }
    }
    Some(client)
}

/// The bucket of a client id: a hash, so neither ids nor keys are held or sent to Redis.
fn bucket_key(kind: &str, id: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update(b":");
    hasher.update(id);
    hasher.finalize().into()
}

/// Counts a refused request of `client`.
fn record_client_refusal(client: &str, outcome: &'static str) {
    ::metrics::counter!(names::CLIENT_REQUESTS, "client" => client.to_owned(), "outcome" => outcome)
        .increment(1);
}

/// Counts an admitted request of `client`.
fn record_client_request(client: &str) {
    ::metrics::counter!(names::CLIENT_REQUESTS, "client" => client.to_owned(), "outcome" => "admitted")
        .increment(1);
}

/// Records the cost of an operation that is served.
fn record_cost(client: &str, cost: u64) {
    ::metrics::histogram!(names::OPERATION_COST, "client" => client.to_owned()).record(cost as f64);
}

/// Counts an operation not in the trusted documents.
fn record_untrusted(mode: &'static str) {
    ::metrics::counter!(names::TRUSTED_DOCUMENTS_UNKNOWN, "mode" => mode).increment(1);
}

/// Compares secrets in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxies = [IpRange::parse("10.0.0.0/8").unwrap_or_else(|e| panic!("{e}"))];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 203.0.113.9, 10.1.1.1"),
        );
        assert_eq!(
            client_ip(&headers, Some(ip("10.0.0.2")), &proxies),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(&headers, Some(ip("198.51.100.7")), &proxies),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(&HeaderMap::new(), Some(ip("10.0.0.2")), &proxies),
            Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn ranges_parse_and_match() {
        let range = IpRange::parse("192.168.0.0/16").unwrap_or_else(|e| panic!("{e}"));
        assert!(range.contains(ip("192.168.4.5")));
        assert!(range.contains(ip("::ffff:192.168.4.5")));
        assert!(!range.contains(ip("192.169.0.1")));
        assert!(IpRange::parse("::1").is_ok_and(|r| r.contains(ip("::1"))));
        assert!(IpRange::parse("10.0.0.0/33").is_err());
        assert!(IpRange::parse("x").is_err());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "Secret(…)");
    }

    #[test]
    fn everything_off_builds_nothing() {
        assert!(Protection::new(ProtectionSettings::default()).is_none());
    }
}

//! Admission: the protection's one question on a request, asked by the `/graphql`
//! handler before the response cache answers and before execution: on the read
//! batch ([`Protection::admit`]), or, for a payload whose answer the response cache
//! holds, on the [`Verdict`] kept with it ([`Protection::admit_cached`]). It answers
//! an [`Admission`] (the client, each operation's cost, the rate-limit state for the
//! headers) or a [`Denial`] the HTTP layer turns into 400, 401 or 429, checking in
//! order: who is calling (`identity`), the trusted documents, each operation's cost,
//! the client's rate. [`Protection`] owns what those checks keep between requests.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{BatchRequest, Request, Value};
use axum::http::{HeaderMap, HeaderName};

use super::identity::{self, Identity};
use super::rate::{self, RatePolicy};
use super::settings::{ANONYMOUS, BYPASS_HEADER, COST_EXTENSION, ProtectionSettings};
use super::trusted::{self, Manifest, TrustedMode};
use super::verdict::{Trust, Verdict};
use super::{client_metrics, cost, facts, rate_lease};
use crate::telemetry::metrics as names;

/// The log target of this file's events: the path of the module before its split, kept so
/// `RUST_LOG` directives and log pipelines that name it still match.
const TARGET: &str = "catalog_gateway::protect";

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
    /// Per operation, in batch order, its text and the parse protection made of it
    /// (`None` where it made none): execution takes it instead of parsing again.
    pub parsed: Vec<Option<(Arc<str>, Arc<ExecutableDocument>)>>,
    /// What the payload was found to be, for its answer's entry in the response
    /// cache (`None` for a batch, and when admitted from a verdict already kept).
    pub verdict: Option<Verdict>,
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
    /// Each client's admitted-request and cost series.
    client_metrics: client_metrics::ClientMetrics,
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
        let local = limited.then(|| rate::LocalLimiter::new(settings.rate_limit_max_clients));
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
            client_metrics: client_metrics::ClientMetrics::default(),
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
            Ok(count) => {
                tracing::info!(target: TARGET, operations = count, "trusted documents reloaded")
            }
            Err(error) => {
                tracing::error!(target: TARGET, %error, "trusted documents not reloaded; the previous list stays in use");
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
        let identity = self.identify(headers, peer)?;
        let requests: &mut [Request] = match batch {
            BatchRequest::Single(request) => std::slice::from_mut(request),
            BatchRequest::Batch(requests) => requests,
        };
        // The facts the trusted-documents check looked up, per operation, so pricing
        // does not look the same text up again.
        let (looked_up, trust) = self
            .check_documents(requests, headers, &identity.label)
            .map_err(|denial| deny_as(&identity, denial, "not_allowed"))?;
        let max_cost = self.max_cost(&identity);
        let policy = self.settings.policy(identity.client.as_deref());
        let report_cost: Vec<bool> = requests
            .iter_mut()
            .map(|request| {
                !request.extensions.is_empty()
                    && request
                        .extensions
                        .remove(COST_EXTENSION)
                        .is_some_and(|v| v != Value::Boolean(false) && v != Value::Null)
            })
            .collect();
        let reported = report_cost.contains(&true);
        let mut admission = Admission {
            client: Some(Arc::clone(&identity.label)),
            max_cost,
            ..Admission::default()
        };
        let priced = max_cost.is_some() || policy.is_some() || reported;
        if priced {
            let mut parsed = Vec::with_capacity(requests.len());
            admission.costs = requests
                .iter()
                .enumerate()
                .map(|(index, request)| {
                    let known = looked_up.get(index).cloned().flatten();
                    let facts = known.unwrap_or_else(|| self.facts.of(&request.query));
                    let cost = self.price(request, &facts);
                    parsed.push(facts.parse_made());
                    cost
                })
                .collect();
            admission.parsed = parsed;
        }
        admission.report_cost = report_cost;
        // One operation: a batch's answer is never stored, so never repeated from it.
        if let [_] = requests {
            admission.verdict = Some(Verdict {
                trust,
                cost: admission.costs.first().copied(),
                reported_limit: reported.then_some(max_cost),
            });
        }
        self.settle(&identity, policy, admission).await
    }

    /// Admits a repeat of a payload from the `verdict` an earlier admission made of
    /// it (kept with its answer in the response cache): who is calling, their cost
    /// limit and their rate are decided now, as [`Protection::admit`] decides them;
    /// the payload is not read, hashed, looked up or priced again. `None` when the
    /// verdict cannot settle it (its manifest was reloaded, an operation was not
    /// listed, the costs this client's limits need were not computed, or the answer
    /// shows another client's `maxCost`): admit it the long way.
    pub async fn admit_cached(
        &self,
        verdict: &Verdict,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Option<Result<Admission, (Denial, Option<Arc<str>>)>> {
        let identity = match self.identify(headers, peer) {
            Ok(identity) => identity,
            Err(denied) => return Some(Err(denied)),
        };
        if let Some(trusted) = &self.trusted
            && !verdict
                .listed_by()
                .is_some_and(|generation| trusted.is_current(generation))
        {
            return None;
        }
        let max_cost = self.max_cost(&identity);
        if !verdict.may_serve_to(max_cost) {
            return None;
        }
        let policy = self.settings.policy(identity.client.as_deref());
        let priced = max_cost.is_some() || policy.is_some() || verdict.reported_limit.is_some();
        let costs = if priced {
            vec![verdict.cost?]
        } else {
            Vec::new()
        };
        let admission = Admission {
            client: Some(Arc::clone(&identity.label)),
            costs,
            max_cost,
            ..Admission::default()
        };
        Some(self.settle(&identity, policy, admission).await)
    }

    /// Who is calling, or 401 (counted).
    fn identify(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<Identity, (Denial, Option<Arc<str>>)> {
        identity::identify(&self.settings, headers, peer).ok_or_else(|| {
            record_client_refusal(ANONYMOUS, "unauthenticated");
            (Denial::Unauthenticated, None)
        })
    }

    /// The most costly operation `identity` may send.
    fn max_cost(&self, identity: &Identity) -> Option<u64> {
        identity
            .client
            .as_ref()
            .and_then(|client| client.max_cost)
            .or(self.settings.max_cost)
    }

    /// The checks after the document's: each operation's cost against the limit,
    /// then the client's rate; the admission counted for the client.
    async fn settle(
        &self,
        identity: &Identity,
        policy: Option<RatePolicy>,
        mut admission: Admission,
    ) -> Result<Admission, (Denial, Option<Arc<str>>)> {
        if let Some(limit) = admission.max_cost
            && let Some(cost) = admission.costs.iter().find(|cost| **cost > limit)
        {
            let denial = Denial::TooCostly { cost: *cost, limit };
            return Err(deny_as(identity, denial, "too_costly"));
        }
        if let Some(policy) = policy {
            // Every request spends at least one unit (a `__typename` flood is still a
            // flood), and a priced-at-the-maximum document at most a large debt.
            let cost = admission
                .costs
                .iter()
                .fold(0_u64, |sum, cost| sum.saturating_add(*cost))
                .clamp(1, 1_000_000);
            match self.charge(identity, cost, policy).await {
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
                    let denial = Denial::RateLimited { retry_after, state };
                    return Err(deny_as(identity, denial, "rate_limited"));
                }
            }
        }
        self.client_metrics
            .admitted(&identity.label, &admission.costs);
        Ok(admission)
    }

    /// The trusted-documents check over every operation of a batch.
    /// Answers the facts it looked up, per operation (`None` where it looked up none:
    /// no check, or an operation sent by id).
    fn check_documents(
        &self,
        requests: &mut [Request],
        headers: &HeaderMap,
        client: &str,
    ) -> Result<(LookedUp, Trust), Denial> {
        let Some(trusted) = &self.trusted else {
            return Ok((Vec::new(), Trust::Unchecked));
        };
        let manifest = trusted.current();
        let bypass = self.settings.bypass_secret.as_ref().is_some_and(|secret| {
            headers
                .get(&BYPASS_HEADER)
                .is_some_and(|value| constant_time_eq(value.as_bytes(), secret.0.as_bytes()))
        });
        let mut looked_up = Vec::with_capacity(requests.len());
        let mut all_listed = true;
        for request in requests {
            let hash = match resolve(request, &manifest, &self.facts) {
                Ok(known) => {
                    looked_up.push(known);
                    continue;
                }
                Err(hash) => hash,
            };
            looked_up.push(None);
            all_listed = false;
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
                    target: TARGET,
                    hash = %hash, client,
                    "an operation not in the trusted documents was served"
                ),
                TrustedMode::Off => {}
            }
        }
        let trust = if all_listed {
            Trust::Listed(manifest.generation())
        } else {
            Trust::NotListed
        };
        Ok((looked_up, trust))
    }

    /// The cost of one operation (0 when it does not parse: execution reports that),
    /// from its text's kept parse: a hot document is parsed once for pricing, and
    /// the request goes on untouched, to whichever way answers it.
    /// `facts`: the facts of the request's text.
    fn price(&self, request: &Request, facts: &facts::Facts) -> u64 {
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

/// Per operation, the facts the trusted-documents check looked up (`None` where it
/// looked up none).
type LookedUp = Vec<Option<Arc<facts::Facts>>>;

/// A denial of `identity`'s request, counted under `outcome`, with its label.
fn deny_as(
    identity: &Identity,
    denial: Denial,
    outcome: &'static str,
) -> (Denial, Option<Arc<str>>) {
    record_client_refusal(&identity.label, outcome);
    (denial, Some(Arc::clone(&identity.label)))
}

/// Counts a refused request of `client`.
fn record_client_refusal(client: &str, outcome: &'static str) {
    ::metrics::counter!(names::CLIENT_REQUESTS, "client" => client.to_owned(), "outcome" => outcome)
        .increment(1);
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
    use super::*;
    use crate::protect::Secret;

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

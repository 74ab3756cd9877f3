//! Prometheus metrics through the `metrics` facade: one recorder per process,
//! installed once, rendered by `/metrics`. Metric names live here, so every place
//! that records one uses the same name and the list below is the whole catalogue.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `catalog_http_requests_total` | counter | `route`, `status`, `operation` |
//! | `catalog_http_request_duration_seconds` | histogram | `route`, `operation` |
//! | `catalog_http_in_flight_requests` | gauge | |
//! | `catalog_graphql_errors_total` | counter | `code` |
//! | `catalog_graphql_planned_total` | counter | |
//! | `catalog_upstream_calls_total` | counter | `outcome` |
//! | `catalog_upstream_call_duration_seconds` | histogram | |
//! | `catalog_upstream_keys_per_call` | histogram | |
//! | `catalog_upstream_retries_total`, `catalog_upstream_short_circuited_total` | counter | |
//! | `catalog_upstream_breaker_state` | gauge | 0 closed, 1 half-open, 2 open |
//! | `catalog_upstream_slow_calls_total` | counter | |
//! | `catalog_upstream_breaker_opened_total` | counter | `reason` (`failures`, `slow_calls`) |
//! | `catalog_cache_hits_total`, `…_misses_total`, `…_stale_served_total`, `…_evictions_total` | counter | |
//! | `catalog_cache_redis_hits_total`, `…_redis_errors_total`, `…_redis_timeouts_total` | counter | |
//! | `catalog_cache_entries`, `catalog_cache_bytes` | gauge | |
//! | `catalog_response_cache_hits_total`, `catalog_response_cache_misses_total` | counter | |
//! | `catalog_response_cache_bypassed_total`, `catalog_response_cache_stored_total` | counter | |
//! | `catalog_response_cache_entries`, `catalog_response_cache_bytes` | gauge | |
//! | `catalog_response_cache_invalidated_total` | counter | |
//! | `catalog_invalidated_gtins_total` | counter | `source` (`admin`, `peer`) |
//! | `catalog_invalidation_entries_total` | counter | |
//! | `catalog_invalidation_full_clears_total` | counter | |
//! | `catalog_build_info` | gauge (1) | `version`, `git_sha` |
//! | `catalog_client_requests_total` | counter | `client`, `outcome` |
//! | `catalog_operation_cost` | histogram | `client` |
//! | `catalog_trusted_documents_unknown_total` | counter | `mode` |
//! | `catalog_rate_limiter_clients` | gauge | |
//! | `catalog_rate_limiter_redis_fallbacks_total` | counter | |
//! | `catalog_cache_redis_up` | gauge | 1 the Redis tier answers, 0 it does not (absent without one) |
//! | `process_resident_memory_bytes` | gauge | |
//! | `catalog_memory_limit_bytes` | gauge | the cgroup's limit, else the machine's memory |
//!
//! Label values are bounded: routes are the router's own patterns (axum's
//! `MatchedPath`, `other` for no match), operation names are sanitized
//! and capped at [`MAX_OPERATION_LABELS`] distinct values (then `other`), client
//! names are those of the API-keys file (at most 1,000) or `anonymous`.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// HTTP requests served.
pub const HTTP_REQUESTS: &str = "catalog_http_requests_total";
/// HTTP request latency.
pub const HTTP_DURATION: &str = "catalog_http_request_duration_seconds";
/// Requests in flight on `/graphql`.
pub const HTTP_IN_FLIGHT: &str = "catalog_http_in_flight_requests";
/// GraphQL errors by `extensions.code`.
pub const GRAPHQL_ERRORS: &str = "catalog_graphql_errors_total";
/// Counter: operations answered from a compiled plan (the rest ran on async-graphql).
pub const GRAPHQL_PLANNED: &str = "catalog_graphql_planned_total";
/// Upstream calls by outcome.
pub const UPSTREAM_CALLS: &str = "catalog_upstream_calls_total";
/// Upstream call latency.
pub const UPSTREAM_DURATION: &str = "catalog_upstream_call_duration_seconds";
/// Keys per upstream call (the batch size).
pub const UPSTREAM_KEYS_PER_CALL: &str = "catalog_upstream_keys_per_call";
/// Counter: upstream calls found slow (running or answered past `--breaker-slow-call-ms`).
pub const UPSTREAM_SLOW_CALLS: &str = "catalog_upstream_slow_calls_total";
/// Counter: times the breaker opened, by `reason` (`failures`, `slow_calls`).
pub const UPSTREAM_BREAKER_OPENED: &str = "catalog_upstream_breaker_opened_total";
/// Upstream retries made (monotonic, set at scrape time).
pub const UPSTREAM_RETRIES: &str = "catalog_upstream_retries_total";
/// Upstream calls the open breaker refused (set at scrape time).
pub const UPSTREAM_SHORT_CIRCUITED: &str = "catalog_upstream_short_circuited_total";
/// The breaker's state: 0 closed, 1 half-open, 2 open (set at scrape time).
pub const UPSTREAM_BREAKER_STATE: &str = "catalog_upstream_breaker_state";
/// Product cache hits (set at scrape time, as the cache's other counters).
pub const CACHE_HITS: &str = "catalog_cache_hits_total";
/// Product cache misses.
pub const CACHE_MISSES: &str = "catalog_cache_misses_total";
/// Stale products served because the upstream failed.
pub const CACHE_STALE_SERVED: &str = "catalog_cache_stale_served_total";
/// Entries evicted from the local tier.
pub const CACHE_EVICTIONS: &str = "catalog_cache_evictions_total";
/// Hits in the Redis tier.
pub const CACHE_REDIS_HITS: &str = "catalog_cache_redis_hits_total";
/// Redis tier errors.
pub const CACHE_REDIS_ERRORS: &str = "catalog_cache_redis_errors_total";
/// Redis lookups that ran out of their budget.
pub const CACHE_REDIS_TIMEOUTS: &str = "catalog_cache_redis_timeouts_total";
/// Entries in the local tier.
pub const CACHE_ENTRIES: &str = "catalog_cache_entries";
/// Bytes the local tier's entries weigh.
pub const CACHE_BYTES: &str = "catalog_cache_bytes";
/// Requests answered by the response cache.
pub const RESPONSE_CACHE_HITS: &str = "catalog_response_cache_hits_total";
/// Requests looked up in the response cache and not found.
pub const RESPONSE_CACHE_MISSES: &str = "catalog_response_cache_misses_total";
/// Requests that skipped the response cache (`Cache-Control: no-cache`/`no-store`).
pub const RESPONSE_CACHE_BYPASSED: &str = "catalog_response_cache_bypassed_total";
/// Answers stored in the response cache.
pub const RESPONSE_CACHE_STORED: &str = "catalog_response_cache_stored_total";
/// Entries in the response cache.
pub const RESPONSE_CACHE_ENTRIES: &str = "catalog_response_cache_entries";
/// Bytes the response cache's entries weigh.
pub const RESPONSE_CACHE_BYTES: &str = "catalog_response_cache_bytes";
/// Response cache entries dropped at a lookup because a product they hold was invalidated.
pub const RESPONSE_CACHE_INVALIDATED: &str = "catalog_response_cache_invalidated_total";
/// GTINs invalidated: by `POST /admin/invalidate` here, or by another replica (through Redis).
pub const INVALIDATED_GTINS: &str = "catalog_invalidated_gtins_total";
/// Invalidation stream entries this replica applied (its own included).
pub const INVALIDATION_ENTRIES: &str = "catalog_invalidation_entries_total";
/// Times this replica forgot its whole product and response caches because its
/// invalidation reader could not prove it had missed no entry.
pub const INVALIDATION_FULL_CLEARS: &str = "catalog_invalidation_full_clears_total";
/// Always 1, labelled with the version and git revision.
pub const BUILD_INFO: &str = "catalog_build_info";
/// Counter: protected `/graphql` requests by `client` (API-key client name or
/// `anonymous`) and `outcome` (`admitted`, `unauthenticated`, `not_allowed`,
/// `too_costly`, `rate_limited`).
pub const CLIENT_REQUESTS: &str = "catalog_client_requests_total";
/// Histogram: the cost of each served operation (IBM cost directive rules), by `client`.
pub const OPERATION_COST: &str = "catalog_operation_cost";
/// Counter: operations not in the trusted documents, by `mode` (`log`, `enforce`).
pub const TRUSTED_DOCUMENTS_UNKNOWN: &str = "catalog_trusted_documents_unknown_total";
/// Gauge: clients the local rate limiter holds (bounded by `--rate-limit-max-clients`).
pub const RATE_LIMITER_CLIENTS: &str = "catalog_rate_limiter_clients";
/// Counter: rate decisions taken locally because Redis failed or was slow (set at scrape time).
pub const RATE_LIMITER_REDIS_FALLBACKS: &str = "catalog_rate_limiter_redis_fallbacks_total";

/// Gauge: 1 while the Redis tier answers, 0 while it is connecting or down; not
/// set without one (set at scrape time).
pub const CACHE_REDIS_UP: &str = "catalog_cache_redis_up";
/// Gauge: the process's resident set in bytes (set at scrape time).
pub const PROCESS_RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// Gauge: the memory limit of the process's cgroup in bytes, else the machine's memory.
pub const MEMORY_LIMIT: &str = "catalog_memory_limit_bytes";

/// Every metric name above, for the test that keeps the table in this file's doc
/// and docs/metrics.md in step with the constants.
pub const ALL: &[&str] = &[
    HTTP_REQUESTS,
    HTTP_DURATION,
    HTTP_IN_FLIGHT,
    GRAPHQL_ERRORS,
    GRAPHQL_PLANNED,
    UPSTREAM_CALLS,
    UPSTREAM_DURATION,
    UPSTREAM_KEYS_PER_CALL,
    UPSTREAM_RETRIES,
    UPSTREAM_SHORT_CIRCUITED,
    UPSTREAM_BREAKER_STATE,
    CACHE_HITS,
    CACHE_MISSES,
    CACHE_STALE_SERVED,
    CACHE_EVICTIONS,
    CACHE_REDIS_HITS,
    CACHE_REDIS_ERRORS,
    CACHE_REDIS_TIMEOUTS,
    CACHE_ENTRIES,
    CACHE_BYTES,
    RESPONSE_CACHE_HITS,
    RESPONSE_CACHE_MISSES,
    RESPONSE_CACHE_BYPASSED,
    RESPONSE_CACHE_STORED,
    RESPONSE_CACHE_ENTRIES,
    RESPONSE_CACHE_BYTES,
    RESPONSE_CACHE_INVALIDATED,
    INVALIDATED_GTINS,
    UPSTREAM_SLOW_CALLS,
    UPSTREAM_BREAKER_OPENED,
    BUILD_INFO,
    CLIENT_REQUESTS,
    OPERATION_COST,
    TRUSTED_DOCUMENTS_UNKNOWN,
    RATE_LIMITER_CLIENTS,
    RATE_LIMITER_REDIS_FALLBACKS,
    CACHE_REDIS_UP,
    PROCESS_RESIDENT_MEMORY,
    MEMORY_LIMIT,
];

/// Sets the process's memory gauges (at scrape time).
pub fn record_process_memory() {
    if let Some(bytes) = super::process::resident_bytes() {
        ::metrics::gauge!(PROCESS_RESIDENT_MEMORY).set(bytes as f64);
    }
    if let Some(bytes) = super::process::limit_bytes() {
        ::metrics::gauge!(MEMORY_LIMIT).set(bytes as f64);
    }
}

/// Most distinct operation-name label values; later names are `other`.
pub const MAX_OPERATION_LABELS: usize = 200;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static OPERATIONS: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// How often recorded histogram samples are folded into their buckets when nothing
/// scrapes `/metrics` (a scrape folds them too).
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds recorded histogram samples into their buckets every [`UPKEEP_EVERY`]. The
/// recorder keeps every sample of a histogram until an upkeep drains it, and only a
/// `/metrics` scrape ran one: a replica nobody scraped grew by ~20 bytes a request
/// (`make bench-memory` at 13 k requests/s: +0.35 MB/s, linearly, for 150 s).
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "no metrics upkeep thread: memory grows until /metrics is scraped");
    }
}

/// Installs the process-wide recorder (once; later calls return the same handle).
/// `None` when another recorder was installed first (then nothing is rendered).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let latency = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ];
            let sizes = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &latency)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full(UPSTREAM_KEYS_PER_CALL.to_owned()),
                        &sizes,
                    )
                })
                .and_then(|builder| {
                    builder.set_buckets_for_metric(Matcher::Full(OPERATION_COST.to_owned()), &sizes)
                });
            let handle = builder.ok()?.install_recorder().ok()?;
            spawn_upkeep(handle.clone());
            metrics::gauge!(
                BUILD_INFO,
                "version" => env!("CARGO_PKG_VERSION"),
                "git_sha" => env!("CATALOG_GIT_SHA"),
            )
            .set(1.0);
            Some(handle)
        })
        .clone()
}

/// The label for an operation name: sanitized, bounded in length and in count.
pub fn operation_label(name: Option<&str>) -> String {
    let Some(name) = name.filter(|name| !name.is_empty()) else {
        return "anonymous".to_owned();
    };
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    if clean.is_empty() {
        return "other".to_owned();
    }
    let seen = OPERATIONS.get_or_init(|| Mutex::new(HashSet::new()));
    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
    if seen.contains(&clean) || seen.len() < MAX_OPERATION_LABELS {
        seen.insert(clean.clone());
        clean
    } else {
        "other".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_documented_here_and_in_the_metrics_page() {
        let doc = include_str!("metrics.rs");
        let page = include_str!("../../docs/metrics.md");
        for name in ALL {
            // The tables abbreviate families (`…_misses_total`): match on the suffix
            // after the family prefix.
            let short = name
                .trim_start_matches("catalog_cache_")
                .trim_start_matches("catalog_upstream_");
            assert!(
                doc.contains(short),
                "{name} is not in the table of telemetry/metrics.rs"
            );
            assert!(page.contains(short), "{name} is not in docs/metrics.md");
        }
    }

    #[test]
    fn operation_labels_are_sanitized_and_default_to_anonymous() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("Basket\"}; drop")), "Basketdrop");
        assert_eq!(operation_label(Some("!!!")), "other");
        assert_eq!(operation_label(Some(&"x".repeat(100))).len(), 64);
    }
}

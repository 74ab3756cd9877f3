//! The demo catalog's HTTP face: docs/upstream-contract.md's default contract (GTIN-14 keys,
//! batch and single endpoints) over [`DemoCatalog`], served by axum.
//!
//! Deliberately a little more lenient than the contract requires so that it is easy
//! to try by hand: both endpoints accept keys in any GTIN form (8, 12, 13 or 14
//! digits), and the batch endpoint takes up to [`MAX_BATCH_KEYS`] keys (ten times the
//! gateway's default chunk), as `?gtins=A,B` (the contract) or as repeated
//! `?gtin=A&gtin=B` (what other gateways, Tailcall's `batchKey` among them, send). It never expands UPC-E or zeroes variable-measure
//! labels: that is the gateway's job, and the demo sees only what it is sent.

use std::future::Future;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::{DemoCatalog, DemoProduct};
use crate::gtin::Gtin;

/// Most keys one batch call may ask for; more is a `400`.
pub const MAX_BATCH_KEYS: usize = 1000;

/// How the demo server behaves.
#[derive(Clone, Debug, Default)]
pub struct DemoSettings {
    /// Fixed latency added to every answer (default none), so benchmarks can stand
    /// the demo in for a remote upstream.
    pub latency: Duration,
    /// Serve every product at about 16 KB (long description, size chart, image
    /// list), like a real catalog's, to measure memory under realistic payloads.
    pub large_products: bool,
    /// Answer every Nth call `500` (`--fail-every`): a failing catalog on demand, for
    /// the canary test's bad build and for fault drills.
    pub fail_every: Option<NonZeroU64>,
}

/// What the handlers share.
#[derive(Clone)]
struct AppState {
    catalog: Arc<DemoCatalog>,
    settings: DemoSettings,
    /// Calls answered so far (what `fail_every` counts).
    calls: Arc<AtomicU64>,
}

impl AppState {
    /// The `500` this call gets, when `fail_every` says it is its turn.
    fn injected_failure(&self) -> Option<Response> {
        let every = self.settings.fail_every?.get();
        let call = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        call.is_multiple_of(every).then(|| {
            ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                error: "injected_failure",
                message: format!("--fail-every {every}: call {call} fails"),
            }
            .into_response()
        })
    }
}

/// Builds the demo catalog's router: `GET /products?gtins=…` and
/// `GET /products/{key}`. No socket needed, so tests can drive it directly.
pub fn router(catalog: Arc<DemoCatalog>, settings: DemoSettings) -> Router {
    Router::new()
        .route("/products", get(batch))
        .route("/products/{key}", get(single))
        .with_state(AppState {
            catalog,
            settings,
            calls: Arc::default(),
        })
}

/// Serves the demo catalog on `listener` until `shutdown` completes, then finishes
/// the requests in flight and returns.
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn serve(
    listener: tokio::net::TcpListener,
    settings: DemoSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        // Debug: the `demo-catalog` command and the gateway each log their own line.
        tracing::debug!(%addr, latency = ?settings.latency, "demo catalog listening");
    }
    let app = router(Arc::new(DemoCatalog::new()), settings);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// `{"products": [...]}`.
#[derive(Serialize)]
struct BatchAnswer {
    products: Vec<DemoProduct>,
}

/// A `4xx` answer with a JSON body saying what was wrong.
#[derive(Debug, PartialEq, Eq, Serialize)]
struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// Stable machine-readable reason.
    error: &'static str,
    /// Human-readable detail.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}

/// `GET /products?gtins=k1,k2,…` (or `?gtin=k1&gtin=k2…`, or both): the products that
/// exist, in the order asked, each once.
async fn batch(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    latency(&state.settings).await;
    if let Some(failure) = state.injected_failure() {
        return failure;
    }
    let params: Vec<(String, String)> =
        match serde_urlencoded::from_str(query.as_deref().unwrap_or_default()) {
            Ok(params) => params,
            Err(error) => return bad_request("invalid_query", error.to_string()).into_response(),
        };
    let list = params
        .iter()
        .find(|(name, _)| name == "gtins")
        .map(|(_, value)| value.as_str());
    let singles: Vec<&str> = params
        .iter()
        .filter(|(name, _)| name == "gtin")
        .map(|(_, value)| value.as_str())
        .collect();
    let gtins = match parse_keys(list, &singles) {
        Ok(gtins) => gtins,
        Err(error) => return error.into_response(),
    };
    let products = gtins
        .iter()
        .filter_map(|gtin| state.catalog.get(gtin))
        .map(|product| state.settings.shape(product))
        .collect();
    Json(BatchAnswer { products }).into_response()
}

/// `GET /products/{key}`: `200` with the product, or `404` (also for a key that is
/// not a GTIN at all: no such item can exist).
async fn single(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    latency(&state.settings).await;
    if let Some(failure) = state.injected_failure() {
        return failure;
    }
    match Gtin::from_digits(&key)
        .ok()
        .and_then(|gtin| state.catalog.get(&gtin))
    {
        Some(product) => Json(state.settings.shape(product)).into_response(),
        None => ApiError {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            message: format!("no product {key:?}"),
        }
        .into_response(),
    }
}

/// Reads the `gtins` parameter alone (what the contract specifies).
#[cfg(test)]
fn parse_gtins(param: Option<&str>) -> Result<Vec<Gtin>, ApiError> {
    parse_keys(param, &[])
}

/// Reads the keys of a batch call: the comma-separated `gtins` list, if any, then
/// every repeated `gtin` parameter; 1 to `MAX_BATCH_KEYS` keys in any 8/12/13/14-digit
/// form, duplicates (in any spelling) answered once.
fn parse_keys(list: Option<&str>, singles: &[&str]) -> Result<Vec<Gtin>, ApiError> {
    let mut keys: Vec<&str> = match list {
        Some(list) if !list.is_empty() => list.split(',').collect(),
        _ => Vec::new(),
    };
    keys.extend_from_slice(singles);
    if keys.is_empty() {
        return Err(bad_request(
            "missing_gtins",
            "the gtins parameter is required".into(),
        ));
    }
    if keys.len() > MAX_BATCH_KEYS {
        return Err(bad_request(
            "too_many_gtins",
            format!(
                "{} keys asked, at most {MAX_BATCH_KEYS} per call",
                keys.len()
            ),
        ));
    }
    let mut gtins: Vec<Gtin> = Vec::with_capacity(keys.len());
    for key in keys {
        let gtin = Gtin::from_digits(key).map_err(|reason| {
            bad_request("invalid_gtin", format!("{key:?} is not a GTIN: {reason:?}"))
        })?;
        if !gtins.contains(&gtin) {
            gtins.push(gtin);
        }
    }
    Ok(gtins)
}

fn bad_request(error: &'static str, message: String) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        error,
        message,
    }
}

impl DemoSettings {
    /// The product as these settings serve it (enlarged with `large_products`).
    fn shape(&self, product: DemoProduct) -> DemoProduct {
        if self.large_products {
            product.enlarged()
        } else {
            product
        }
    }
}

async fn latency(settings: &DemoSettings) {
    if !settings.latency.is_zero() {
        tokio::time::sleep(settings.latency).await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn error_of(param: Option<&str>) -> &'static str {
        parse_gtins(param).unwrap_err().error
    }

    #[test]
    fn keys_in_every_gtin_form_are_read() {
        let gtins =
            parse_gtins(Some("96385074,036000291452,4012345000122,10036000291459")).unwrap();
        assert_eq!(gtins.len(), 4);
    }

    #[test]
    fn the_same_item_in_several_spellings_is_asked_once() {
        let gtins = parse_gtins(Some("036000291452,0036000291452,00036000291452")).unwrap();
        assert_eq!(gtins, [Gtin::from_digits("036000291452").unwrap()]);
    }

    #[test]
    fn repeated_gtin_parameters_are_read_with_or_without_a_gtins_list() {
        let single = parse_keys(None, &["036000291452", "96385074"]).unwrap();
        assert_eq!(
            single,
            [
                Gtin::from_digits("036000291452").unwrap(),
                Gtin::from_digits("96385074").unwrap()
            ]
        );
        let both = parse_keys(Some("4012345000122"), &["0036000291452", "036000291452"]).unwrap();
        assert_eq!(
            both.len(),
            2,
            "the two spellings of one item are asked once"
        );
        assert_eq!(
            parse_keys(None, &["036000291453"]).unwrap_err().error,
            "invalid_gtin"
        );
        assert_eq!(
            parse_keys(Some(""), &[]).unwrap_err().error,
            "missing_gtins"
        );
    }

    #[test]
    fn a_missing_or_empty_gtins_parameter_is_rejected() {
        assert_eq!(error_of(None), "missing_gtins");
        assert_eq!(error_of(Some("")), "missing_gtins");
    }

    #[test]
    fn a_key_that_is_not_a_gtin_is_rejected_with_the_key() {
        for param in [
            "036000291453",
            "abc",
            "036000291452,",
            ",036000291452",
            "036000291452, 96385074",
        ] {
            let error = parse_gtins(Some(param)).unwrap_err();
            assert_eq!(error.error, "invalid_gtin", "{param}");
            assert_eq!(error.status, StatusCode::BAD_REQUEST);
        }
        assert!(
            parse_gtins(Some("12x"))
                .unwrap_err()
                .message
                .contains("12x")
        );
    }

    #[test]
    fn up_to_the_maximum_keys_are_accepted_and_one_more_is_rejected() {
        let keys = |n: u32| {
            (0..n)
                .map(|i| DemoCatalog::generated_gtin(i).unwrap().gtin14().to_owned())
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(parse_gtins(Some(&keys(1000))).unwrap().len(), 1000);
        assert_eq!(error_of(Some(&keys(1001))), "too_many_gtins");
    }

    #[tokio::test]
    async fn fail_every_answers_every_nth_call_with_a_500_and_the_others_as_usual() {
        use tower::ServiceExt;
        let settings = DemoSettings {
            fail_every: NonZeroU64::new(3),
            ..DemoSettings::default()
        };
        let app = router(Arc::new(DemoCatalog::new()), settings);
        let mut statuses = Vec::new();
        for _ in 0..6 {
            let request = axum::http::Request::get("/products?gtins=036000291452")
                .body(axum::body::Body::empty())
                .unwrap();
            statuses.push(
                app.clone()
                    .oneshot(request)
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(statuses, [200, 200, 500, 200, 200, 500]);
    }
}

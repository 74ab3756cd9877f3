//! The demo catalog's HTTP face: catalog-api.md's default contract (GTIN-14 keys,
//! batch and single endpoints) over [`DemoCatalog`], served by axum.
//!
//! Deliberately a little more lenient than the contract requires so that it is easy
//! to try by hand: both endpoints accept keys in any GTIN form (8, 12, 13 or 14
//! digits), and the batch endpoint takes up to [`MAX_BATCH_KEYS`] keys (ten times the
//! gateway's default chunk). It never expands UPC-E or zeroes variable-measure
//! labels: that is the gateway's job, and the demo sees only what it is sent.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

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
}

/// What the handlers share.
#[derive(Clone)]
struct AppState {
    catalog: Arc<DemoCatalog>,
    settings: DemoSettings,
}

/// Builds the demo catalog's router: `GET /products?gtins=…` and
/// `GET /products/{key}`. No socket needed, so tests can drive it directly.
pub fn router(catalog: Arc<DemoCatalog>, settings: DemoSettings) -> Router {
    Router::new()
        .route("/products", get(batch))
        .route("/products/{key}", get(single))
        .with_state(AppState { catalog, settings })
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
        tracing::info!(%addr, latency = ?settings.latency, "demo catalog listening");
    }
    let app = router(Arc::new(DemoCatalog::new()), settings);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// The batch endpoint's query string.
#[derive(Deserialize)]
struct BatchParams {
    gtins: Option<String>,
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

/// `GET /products?gtins=k1,k2,…`: the products that exist, in the order asked,
/// each once.
async fn batch(
    State(state): State<AppState>,
    params: Result<Query<BatchParams>, QueryRejection>,
) -> Response {
    latency(&state.settings).await;
    let gtins = match params {
        Ok(Query(params)) => parse_gtins(params.gtins.as_deref()),
        Err(rejection) => Err(bad_request("invalid_query", rejection.body_text())),
    };
    let gtins = match gtins {
        Ok(gtins) => gtins,
        Err(error) => return error.into_response(),
    };
    let products = gtins
        .iter()
        .filter_map(|gtin| state.catalog.get(gtin))
        .collect();
    Json(BatchAnswer { products }).into_response()
}

/// `GET /products/{key}`: `200` with the product, or `404` (also for a key that is
/// not a GTIN at all: no such item can exist).
async fn single(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    latency(&state.settings).await;
    match Gtin::from_digits(&key)
        .ok()
        .and_then(|gtin| state.catalog.get(&gtin))
    {
        Some(product) => Json(product).into_response(),
        None => ApiError {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            message: format!("no product {key:?}"),
        }
        .into_response(),
    }
}

/// Reads the `gtins` parameter: comma-separated GTINs in any 8/12/13/14-digit form,
/// 1 to `MAX_BATCH_KEYS` of them, duplicates (in any spelling) answered once.
fn parse_gtins(param: Option<&str>) -> Result<Vec<Gtin>, ApiError> {
    let param = match param {
        Some(p) if !p.is_empty() => p,
        _ => {
            return Err(bad_request(
                "missing_gtins",
                "the gtins parameter is required".into(),
            ));
        }
    };
    let keys: Vec<&str> = param.split(',').collect();
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
}

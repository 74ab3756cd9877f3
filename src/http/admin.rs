//! `POST /admin/invalidate`: an operator (or the catalog's change feed) names
//! products that changed upstream; the gateway forgets them in every tier (local,
//! Redis, and the response cache, here and on the other replicas through the
//! Redis invalidation stream, see `cache::invalidations` and docs/invalidation.md)
//! and answers the tags to purge at the CDN. `"redis": "failed"` in the answer
//! means Redis did not confirm it: this replica forgot them, and the others will
//! once Redis answers again (the invalidation waits in a bounded outbox).
//!
//! Guarded by `--admin-token`: with none configured the route answers 404 as if it
//! did not exist; a missing or wrong `Authorization: Bearer` answers 401 and changes
//! nothing. The token is compared in constant time (SHA-256 of both sides, then
//! `subtle`), so neither its bytes nor its length leak through timing.
//!
//! An upstream fetch already under way when the invalidation arrives may bring
//! back (and cache) what the catalog held before the change; so the products are
//! invalidated once more when every such fetch is over ([`AdminState::settle`](super::state::AdminState::settle),
//! the fetch deadline).
//!
//! Input is checked whole before anything changes: a body that is not JSON, not
//! `{"gtins": [strings]}`, empty, over [`MAX_INVALIDATION`] codes or holding a code
//! that is not a GTIN is a 400 naming the problem.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{HttpError, Refusal};
use super::response_cache::cache_headers;
use super::state::AppState;
use crate::gtin::{self, Gtin};
use crate::telemetry::metrics::INVALIDATED_GTINS;

/// Most codes one invalidation may name.
pub const MAX_INVALIDATION: usize = 1000;

/// The handler.
pub(crate) async fn invalidate(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(admin) = &state.admin else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    if !admin.token.matches(offered) {
        return no_store(HttpError::new(Refusal::Unauthorized).into_response());
    }
    let gtins = match body
        .map_err(|rejection| HttpError::bad_request(rejection.body_text()))
        .and_then(|body| read(&body, admin.rcn_region))
    {
        Ok(gtins) => gtins,
        Err(error) => return no_store(error.into_response()),
    };
    // Products first, then answers: see `response_cache` ("Invalidated").
    let redis = admin.products.invalidate(&gtins).await;
    state.response_cache.invalidate(&gtins);
    // An upstream fetch begun before the change may still answer, and be cached,
    // after this: once every such fetch is over, forget them again (everywhere:
    // the other replicas hear it through Redis as well).
    let (products, responses, again) = (
        admin.products.clone(),
        state.response_cache.clone(),
        gtins.clone(),
    );
    let settle = admin.settle;
    tokio::spawn(async move {
        tokio::time::sleep(settle).await;
        products.invalidate(&again).await;
        responses.invalidate(&again);
    });
    metrics::counter!(INVALIDATED_GTINS, "source" => "admin")
        .increment(u64::try_from(gtins.len()).unwrap_or(u64::MAX));
    let tags: Vec<String> = gtins.iter().map(cache_headers::tag).collect();
    tracing::info!(gtins = gtins.len(), redis = redis.as_str(), "invalidated");
    no_store(
        Json(json!({
            "invalidated": gtins.iter().map(Gtin::gtin14).collect::<Vec<_>>(),
            "redis": redis.as_str(),
            "tags": tags,
            "cacheTag": tags.join(","),
            "surrogateKey": tags.join(" "),
        }))
        .into_response(),
    )
}

/// The distinct lookup keys of `{"gtins": [...]}`, or why the body is refused.
fn read(body: &[u8], region: Option<gtin::RcnRegion>) -> Result<Vec<Gtin>, HttpError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| HttpError::bad_request(format!("the body is not JSON: {error}")))?;
    let shape = || HttpError::bad_request("expected {\"gtins\": [\"<code>\", ...]}");
    let codes = value
        .get("gtins")
        .and_then(Value::as_array)
        .ok_or_else(shape)?;
    if codes.is_empty() {
        return Err(HttpError::bad_request("\"gtins\" is empty"));
    }
    if codes.len() > MAX_INVALIDATION {
        return Err(HttpError::new(Refusal::TooManyGtins {
            count: codes.len(),
            max: MAX_INVALIDATION,
        }));
    }
    let mut gtins = Vec::with_capacity(codes.len());
    let mut invalid = Vec::new();
    for (index, code) in codes.iter().enumerate() {
        let Some(code) = code.as_str() else {
            return Err(shape());
        };
        match gtin::analyze(code, region) {
            Ok(parsed) => match parsed.lookup_gtin() {
                Some(gtin) => gtins.push(gtin),
                None => invalid.push(format!("[{index}] {code:?}: not a trade item")),
            },
            Err(error) => invalid.push(format!("[{index}] {code:?}: {error}")),
        }
    }
    if !invalid.is_empty() {
        return Err(HttpError::new(Refusal::InvalidGtins(invalid.join("; "))));
    }
    gtins.sort_unstable();
    gtins.dedup();
    Ok(gtins)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;
    use crate::http::state::AdminToken;

    #[test]
    fn the_token_matches_itself_only_and_never_shows() {
        let token = AdminToken::new("0123456789abcdef");
        assert!(token.matches(b"0123456789abcdef"));
        assert!(!token.matches(b"0123456789abcdeF"));
        assert!(!token.matches(b""));
        assert_eq!(format!("{token:?}"), "AdminToken(***)");
    }

    #[test]
    fn bodies_are_checked_whole() {
        let refused = |body: &str| read(body.as_bytes(), None).err().map(|e| e.code());
        assert_eq!(refused("gtins"), Some(ErrorCode::BadRequest));
        assert_eq!(refused("{\"gtins\": \"x\"}"), Some(ErrorCode::BadRequest));
        assert_eq!(refused("{\"gtins\": []}"), Some(ErrorCode::BadRequest));
        assert_eq!(refused("{\"gtins\": [1]}"), Some(ErrorCode::BadRequest));
        assert_eq!(
            refused("{\"gtins\": [\"036000291452\", \"036000291453\"]}"),
            Some(ErrorCode::InvalidGtin)
        );
        let many = format!(
            "{{\"gtins\": [{}]}}",
            vec!["\"036000291452\""; 1001].join(",")
        );
        assert_eq!(refused(&many), Some(ErrorCode::TooManyGtins));
        let read = read(
            b"{\"gtins\": [\"036000291452\", \"0036000291452\", \" 0 36000 29145 2\"]}",
            None,
        );
        assert_eq!(read.map(|gtins| gtins.len()).ok(), Some(1));
    }
}

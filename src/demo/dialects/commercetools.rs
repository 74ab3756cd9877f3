//! The demo catalog as the commercetools HTTP API serves Product Projections,
//! with its OAuth2 client-credentials token endpoint.
//!
//! Followed: `commercetools/commercetools-api-reference`, `api-specs/api/
//! resources/product-projections.raml` (`GET /{projectKey}/product-projections`,
//! `/key={key}`, `/{ID}`, `staged`), `traits/paging.raml` (`limit` default 20,
//! maximum 500; `offset` maximum 10 000; `withTotal`), `traits/query.raml`
//! (`where`, repeatable), `types/product/ProductProjectionPagedQueryResponse.raml`
//! (`limit`, `offset`, `count`, `total`, `results`), `types/error/
//! ErrorResponse.raml`, `InvalidInputError.raml`, `ResourceNotFoundError.raml`,
//! `AuthErrorResponse.raml` with `examples/Error/AuthErrorResponse.json` (the
//! `401 invalid_token` body), and `oauth.raml` with `securitySchemes/oauth2.raml`
//! (`POST /oauth/token`, HTTP Basic client credentials, `grant_type` and `scope`
//! as form or query parameters; `access_token`, `token_type`, `expires_in`,
//! `scope`). The predicates are in `commercetools_predicate.rs`, the product
//! shape and what it cannot carry in `commercetools_product.rs`.
//!
//! Any project key is served. Results come in the order the predicate names
//! them, each product once. With a page cap, `limit` in the answer is the number
//! actually served per page, so a client pages by `offset += count` up to `total`.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::DialectState;
use super::auth::{Bearer, basic_credentials, client_matches};
use super::commercetools_predicate::{Predicate, parse};
use super::commercetools_product::{
    Expand, Projection, master_of_id, master_of_key, members, product_count, product_slice,
    projection,
};
use super::documented_order::Order;
use crate::gtin::Gtin;

/// Results per page when `limit` is absent.
pub(super) const DEFAULT_LIMIT: u64 = 20;
/// Most results one query may ask for.
pub(super) const MAX_LIMIT: u64 = 500;
/// Furthest `offset` a query may start at.
pub(super) const MAX_OFFSET: u64 = 10_000;
/// The scope a token gets when none is asked for.
const DEFAULT_SCOPE: &str = "view_published_products:demo-catalog";

pub(super) fn routes(state: DialectState) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/{project_key}/product-projections", get(query))
        .route(
            "/{project_key}/product-projections/{key_or_id}",
            get(single),
        )
        .with_state(state)
}

/// `GET /{projectKey}/product-projections?where=…&limit=N&offset=M&staged=…`.
async fn query(
    State(state): State<DialectState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(denied) = authorize(&state, &headers) {
        return denied;
    }
    let params = match query_params(query.as_deref()) {
        Ok(params) => params,
        Err(message) => return invalid_input(message),
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let paging = bounded(param("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT).and_then(|limit| {
        let offset = bounded(param("offset"), "offset", 0, MAX_OFFSET)?;
        flag(param("staged"), "staged")?;
        flag(param("withTotal"), "withTotal")?;
        Ok((limit, offset))
    });
    let (limit, offset) = match paging {
        Ok(paging) => paging,
        Err(message) => return invalid_input(message),
    };
    let expand = expansion(&params);
    let mut predicates = Vec::new();
    for (_, text) in params.iter().filter(|(k, _)| k == "where") {
        match parse(text) {
            Ok(predicate) => predicates.push(predicate),
            Err(message) => return invalid_input(message),
        }
    }
    // `limit` as served: the page cap may hold fewer than asked.
    let served = state.page_size(usize::try_from(limit).unwrap_or(usize::MAX)) as u64;
    let (total, page): (u64, Vec<Projection>) = if predicates.is_empty() {
        let masters = product_slice(&state.catalog, offset, served as usize);
        (
            product_count(&state.catalog),
            masters
                .iter()
                .filter_map(|m| projection(&state, m, expand))
                .collect(),
        )
    } else {
        let matched = matching(&state, &predicates, expand);
        let total = matched.len() as u64;
        (
            total,
            matched
                .into_iter()
                .skip(offset as usize)
                .take(served as usize)
                .collect(),
        )
    };
    let body = Page {
        limit: served,
        offset,
        count: page.len(),
        total: (param("withTotal") != Some("false")).then_some(total),
        results: page,
    };
    typed(&body, PRODUCT_BYTES * (body.count + 1))
}

/// A request's query parameters, in order; for a malformed query, the message of
/// its `InvalidInput`.
fn query_params(query: Option<&str>) -> Result<Vec<(String, String)>, String> {
    serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|error| format!("Malformed query string: {error}"))
}

/// The reference expansion the `expand` parameters ask for.
fn expansion(params: &[(String, String)]) -> Expand {
    Expand::of(
        params
            .iter()
            .filter(|(k, _)| k == "expand")
            .map(|(_, v)| v.as_str()),
    )
}

/// About how long a demo product's projection is (three variants), so an answer's
/// buffer starts near its size rather than growing to it.
const PRODUCT_BYTES: usize = 3 * 1024;

/// A ProductProjectionPagedQueryResponse, its fields in the documented order.
#[derive(serde::Serialize)]
struct Page {
    limit: u64,
    offset: u64,
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<u64>,
    results: Vec<Projection>,
}

/// A `200` JSON answer of a typed value (whose fields are declared in the
/// documented order), written into `capacity` bytes to start with.
fn typed<T: serde::Serialize>(value: &T, capacity: usize) -> Response {
    let mut body = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        // Our own types always serialize; were one not to, the API's own error.
        Err(err) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "General",
            format!("Could not write the answer: {err}"),
        ),
    }
}

/// The projections of every product the predicates (all of them) hold for, in
/// the order their literals name them, each once.
fn matching(state: &DialectState, predicates: &[Predicate], expand: Expand) -> Vec<Projection> {
    let mut masters: Vec<Gtin> = Vec::new();
    for literal in predicates.iter().flat_map(Predicate::literals) {
        let master = Gtin::from_digits(literal)
            .ok()
            .and_then(|gtin| members(state, &gtin)?.first().copied())
            .or_else(|| master_of_key(literal))
            .or_else(|| master_of_id(literal));
        if let Some(master) = master.filter(|m| !masters.contains(m)) {
            masters.push(master);
        }
    }
    masters
        .iter()
        .filter_map(|master| projection(state, master, expand))
        .filter(|product| predicates.iter().all(|p| p.matches(product)))
        .collect()
}

/// `GET /{projectKey}/product-projections/key={key}` or `/{ID}`.
async fn single(
    State(state): State<DialectState>,
    headers: HeaderMap,
    Path((_, key_or_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(denied) = authorize(&state, &headers) {
        return denied;
    }
    let params = match query_params(query.as_deref()) {
        Ok(params) => params,
        Err(message) => return invalid_input(message),
    };
    let expand = expansion(&params);
    let (found, message) = match key_or_id.strip_prefix("key=") {
        Some(key) => (
            master_of_key(key)
                .and_then(|m| projection(&state, &m, expand))
                .filter(|p| p.key == key),
            format!("The Resource with key '{key}' was not found."),
        ),
        None => (
            master_of_id(&key_or_id)
                .and_then(|m| projection(&state, &m, expand))
                .filter(|p| p.id == key_or_id),
            format!("The Resource with ID '{key_or_id}' was not found."),
        ),
    };
    match found {
        Some(product) => typed(&product, PRODUCT_BYTES),
        None => error(StatusCode::NOT_FOUND, "ResourceNotFound", message),
    }
}

/// `POST /oauth/token` with Basic client credentials and
/// `grant_type=client_credentials[&scope=…]` (form body or query).
async fn token(
    State(state): State<DialectState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let client = state.settings.oauth.as_ref();
    let known = basic_credentials(&headers)
        .zip(client)
        .is_some_and(|((id, secret), client)| client_matches(client, &id, &secret));
    let Some(client) = client.filter(|_| known) else {
        return auth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Please provide valid client credentials using HTTP Basic Authentication.",
        );
    };
    let mut params: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    params.extend(
        serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or_default())
            .unwrap_or_default(),
    );
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if param("grant_type").as_deref() != Some("client_credentials") {
        return auth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant type: only client_credentials is supported.",
        );
    }
    let ttl: Duration = client.token_ttl;
    Documented(json!({
        "access_token": state.shared.tokens.issue_access(ttl),
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": param("scope").unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
    }))
    .into_response()
}

/// `None` when the request may go on; the `401 invalid_token` answer otherwise.
fn authorize(state: &DialectState, headers: &HeaderMap) -> Option<Response> {
    (state.bearer(headers) != Bearer::Accepted).then(|| {
        let mut body = error_body(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "invalid_token".into(),
        );
        body["error"] = "invalid_token".into();
        (StatusCode::UNAUTHORIZED, Documented(body)).into_response()
    })
}

/// A paging number: `default` when absent; past `max` or not a number, the
/// message of the `400`.
fn bounded(value: Option<&str>, name: &str, default: u64, max: u64) -> Result<u64, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        Ok(n) => Err(format!(
            "The value '{n}' of parameter '{name}' must be at most {max}."
        )),
        Err(_) => Err(format!(
            "Malformed parameter: {name}: Invalid number '{value}'."
        )),
    }
}

/// A boolean parameter: absent, `true` or `false`; anything else is a `400`.
fn flag(value: Option<&str>, name: &str) -> Result<(), String> {
    match value {
        None | Some("true" | "false") => Ok(()),
        Some(other) => Err(format!(
            "Malformed parameter: {name}: Invalid boolean '{other}'."
        )),
    }
}

fn invalid_input(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, "InvalidInput", message)
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (status, Documented(error_body(status, code, message))).into_response()
}

/// An ErrorResponse: `statusCode`, `message` and the one error in `errors`.
fn error_body(status: StatusCode, code: &str, message: String) -> Value {
    json!({
        "statusCode": status.as_u16(),
        "message": message,
        "errors": [{ "code": code, "message": message }],
    })
}

/// An AuthErrorResponse (OAuth 2.0 `error` and `error_description` added).
fn auth_error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut body = error_body(status, code, description.to_owned());
    body["error"] = code.into();
    body["error_description"] = description.into();
    (status, Documented(body)).into_response()
}

/// The order commercetools' type definitions (`api-specs/api/types/…raml`) list
/// their properties in, merged into one list: ProductProjectionPagedQueryResponse,
/// ErrorResponse and its errors, AuthErrorResponse, the token response,
/// references, ProductProjection, ProductVariant, Price, CentPrecisionMoney,
/// Attribute, Image with its dimensions, and ProductVariantAvailability.
pub(super) const DOCUMENTED_ORDER: &[&str] = &[
    "limit",
    "offset",
    "count",
    "total",
    "results",
    "statusCode",
    "code",
    "message",
    "errors",
    "error",
    "error_description",
    "access_token",
    "token_type",
    "expires_in",
    "scope",
    "typeId",
    "id",
    "version",
    "sku",
    "key",
    "createdAt",
    "lastModifiedAt",
    "productType",
    "type",
    "currencyCode",
    "centAmount",
    "fractionDigits",
    "name",
    "value",
    "description",
    "slug",
    "ancestors",
    "parent",
    "orderHint",
    "obj",
    "categories",
    "categoryOrderHints",
    "searchKeywords",
    "hasStagedChanges",
    "published",
    "masterVariant",
    "variants",
    "priceMode",
    "prices",
    "attributes",
    "url",
    "dimensions",
    "w",
    "h",
    "label",
    "images",
    "assets",
    "availability",
    "isOnStock",
    "availableQuantity",
];

/// A JSON answer written with its keys in [`DOCUMENTED_ORDER`], as the API
/// writes them (a variant's `sku` second), not alphabetically.
struct Documented(Value);

impl IntoResponse for Documented {
    fn into_response(self) -> Response {
        static ORDER: std::sync::LazyLock<Order> =
            std::sync::LazyLock::new(|| Order::new(DOCUMENTED_ORDER));
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            ORDER.to_json(&self.0),
        )
            .into_response()
    }
}

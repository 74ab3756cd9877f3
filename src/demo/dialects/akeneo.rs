//! The demo catalog as Akeneo PIM's REST API v1 serves products by identifier,
//! with its OAuth token endpoint.
//!
//! Followed: `akeneo/pim-api-docs`, `content/swagger/resources/products/routes/
//! products.yaml` and `products_code.yaml` (`GET /api/rest/v1/products` with
//! `search`, `limit`, `page`, `with_count`; `GET /api/rest/v1/products/{code}`),
//! `content/rest-api/pagination.md` (limit default 10, more than 100 is a `422
//! "You cannot request more than 100 items."`; `_links` `self`, `first`,
//! `previous`, `next` as absolute URLs, `previous`/`next` only when such a page
//! exists; `current_page`; the `422` past the 10 000th item), `filter.md` (the
//! `search` JSON: `{"identifier":[{"operator":"IN","value":[…]}]}`, also on the
//! identifier attribute `sku`), `responses.md` and `swagger/responses.yaml`
//! (`{"code","message"}` bodies: `401 "Authentication is required"`, `404
//! "Resource `x` does not exist."`, `400` for a malformed request),
//! `authentication.md` (`POST /api/oauth/v1/token`, Basic client id and secret,
//! JSON or form body with `grant_type=password`, `username`, `password`, or
//! `grant_type=refresh_token`; answer `access_token`, `expires_in`, `token_type:
//! "bearer"`, `scope: null`, `refresh_token`) and `troubleshooting.md` (a bad
//! client is a `422`). The invalid/expired token messages are those of the
//! FOSOAuthServer bundle Akeneo uses (as in `content/graphql/error-codes.md`).
//!
//! Not served: `pagination_type=search_after` (a `422`), and the `scope`,
//! `locales` and `attributes` value filters (ignored). The product format and
//! what it cannot carry are in `akeneo_product.rs`.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::DialectState;
use super::akeneo_product::{akeneo_product, gtin_of};
use super::auth::{Bearer, basic_credentials, client_matches, same};
use super::facts::{catalog_len, catalog_slice};
use crate::gtin::Gtin;

/// Items per page when `limit` is absent.
pub(super) const DEFAULT_LIMIT: usize = 10;
/// Most items a page may be asked for.
pub(super) const MAX_LIMIT: usize = 100;
/// Items the `page` pagination reaches at most.
const MAX_OFFSET: usize = 10_000;

pub(super) fn routes(state: DialectState) -> Router {
    Router::new()
        .route("/api/oauth/v1/token", post(token))
        .route("/api/rest/v1/products", get(list))
        .route("/api/rest/v1/products/{code}", get(single))
        .with_state(state)
}

/// `GET /api/rest/v1/products/{identifier}`.
async fn single(
    State(state): State<DialectState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    if let Some(denied) = authorize(&state, &headers) {
        return denied;
    }
    match gtin_of(&code).and_then(|gtin| Some((gtin, state.product(&gtin)?))) {
        Some((gtin, product)) => {
            Json(akeneo_product(&base_url(&headers), &gtin, &product)).into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            format!("Resource `{code}` does not exist."),
        ),
    }
}

/// `GET /api/rest/v1/products?search=…&limit=N&page=P&with_count=…`.
async fn list(
    State(state): State<DialectState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(denied) = authorize(&state, &headers) {
        return denied;
    }
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let unprocessable = |message: String| error(StatusCode::UNPROCESSABLE_ENTITY, message);
    if param("pagination_type").is_some_and(|t| t != "page") {
        return unprocessable("The demo serves only the \"page\" pagination type.".into());
    }
    let number = |name: &str, default: usize| -> Result<usize, Refusal> {
        let Some(text) = param(name) else {
            return Ok(default);
        };
        text.parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                Refusal(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("\"{text}\" is not a valid {name} number."),
                )
            })
    };
    let (limit, page) = match (number("limit", DEFAULT_LIMIT), number("page", 1)) {
        (Ok(limit), Ok(page)) => (limit, page),
        (Err(refusal), _) | (_, Err(refusal)) => return refusal.into_response(),
    };
    if limit > MAX_LIMIT {
        return unprocessable(format!("You cannot request more than {MAX_LIMIT} items."));
    }
    let with_count = match param("with_count") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return unprocessable(format!(
                "Parameter \"with_count\" has to be a boolean. Only \"true\" or \"false\" allowed, \"{other}\" given."
            ));
        }
    };
    let limit = state.page_size(limit);
    let offset = (page - 1).saturating_mul(limit);
    if offset >= MAX_OFFSET {
        let mut body = error_body(StatusCode::UNPROCESSABLE_ENTITY, "You have reached the maximum number of pages you can retrieve with the \"page\" pagination type. Please use the search after pagination type instead".into());
        body["_links"] = json!({ "documentation": { "href": "http://api.akeneo.com/documentation/pagination.html#the-search-after-method" } });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    }
    let (total, gtins) = match param("search") {
        Some(search) => match searched(&state, search) {
            Ok(found) => (
                found.len() as u64,
                found.into_iter().skip(offset).take(limit).collect(),
            ),
            Err(refusal) => return refusal.into_response(),
        },
        None => (
            catalog_len(&state.catalog),
            catalog_slice(&state.catalog, offset as u64, limit),
        ),
    };
    let base = base_url(&headers);
    let items: Vec<Value> = gtins
        .iter()
        .filter_map(|gtin| Some(akeneo_product(&base, gtin, &state.product(gtin)?)))
        .collect();
    let link = |page: usize| {
        let mut pairs = vec![
            ("page", page.to_string()),
            ("with_count", with_count.to_string()),
            ("pagination_type", "page".to_owned()),
            ("limit", limit.to_string()),
        ];
        if let Some(search) = param("search") {
            pairs.push(("search", search.to_owned()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        json!({ "href": format!("{base}/api/rest/v1/products?{query}") })
    };
    let mut links = json!({ "self": link(page), "first": link(1) });
    if page > 1 {
        links["previous"] = link(page - 1);
    }
    if ((offset + limit) as u64) < total {
        links["next"] = link(page + 1);
    }
    let mut body = json!({ "_links": links, "current_page": page, "_embedded": {} });
    // Moved in, not through `json!`, which would copy the page value by value.
    body["_embedded"]["items"] = Value::Array(items);
    if with_count {
        body["items_count"] = total.into();
    }
    Json(body).into_response()
}

/// The items a `search` filter names, in the order given, each once.
fn searched(state: &DialectState, search: &str) -> Result<Vec<Gtin>, Refusal> {
    let Ok(filters) = serde_json::from_str::<Value>(search) else {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "Search query parameter should be valid JSON.".into(),
        ));
    };
    let unprocessable = |message: String| Err(Refusal(StatusCode::UNPROCESSABLE_ENTITY, message));
    let Some(filters) = filters.as_object() else {
        return unprocessable("Search query parameter has to be an array.".into());
    };
    let mut found: Vec<Gtin> = Vec::new();
    let mut first = true;
    for (property, conditions) in filters {
        let structure = || {
            format!(
                "Structure of filter \"{property}\" should respect this structure: {{\"{property}\":[{{\"operator\": \"my_operator\", \"value\": \"my_value\"}}]}}"
            )
        };
        let Some(conditions) = conditions.as_array().filter(|c| !c.is_empty()) else {
            return unprocessable(structure());
        };
        for condition in conditions {
            let operator = condition["operator"].as_str();
            let values: Vec<&str> = match (operator, &condition["value"]) {
                (Some("IN"), Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                (Some("="), Value::String(one)) => vec![one.as_str()],
                (None, _) | (Some("IN" | "="), _) => return unprocessable(structure()),
                (Some(other), _) => {
                    return unprocessable(format!(
                        "Filter on property \"{property}\" is not supported or does not support operator \"{other}\""
                    ));
                }
            };
            if property != "identifier" && property != "sku" {
                return unprocessable(format!(
                    "Filter on property \"{property}\" is not supported or does not support operator \"{}\"",
                    operator.unwrap_or_default()
                ));
            }
            let mut matched: Vec<Gtin> = Vec::with_capacity(values.len());
            for gtin in values.iter().filter_map(|v| gtin_of(v)) {
                if !matched.contains(&gtin) && state.catalog.get(&gtin).is_some() {
                    matched.push(gtin);
                }
            }
            // Several conditions narrow each other (AND), as Akeneo's filters do.
            found = if first {
                matched
            } else {
                found.into_iter().filter(|g| matched.contains(g)).collect()
            };
            first = false;
        }
    }
    Ok(found)
}

/// `POST /api/oauth/v1/token`: password grant (and refresh) for the client.
async fn token(State(state): State<DialectState>, headers: HeaderMap, body: Bytes) -> Response {
    let unprocessable = |message: &str| error(StatusCode::UNPROCESSABLE_ENTITY, message.to_owned());
    let client = state.settings.oauth.as_ref();
    let Some(client) = client.filter(|client| {
        basic_credentials(&headers).is_some_and(|(id, secret)| client_matches(client, &id, &secret))
    }) else {
        return unprocessable(
            "Parameter \"client_id\" is missing or does not match any client, or secret is invalid",
        );
    };
    let json_body = headers
        .get(CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    let params: Vec<(String, String)> = if json_body {
        serde_json::from_slice::<serde_json::Map<String, Value>>(&body)
            .map(|map| {
                map.into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        serde_urlencoded::from_bytes(&body).unwrap_or_default()
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("grant_type") {
        Some("password") => {
            let (Some(user), Some(password)) = (param("username"), param("password")) else {
                return unprocessable(
                    "Parameter \"username\", \"password\" or \"grant_type\" is missing, empty or invalid",
                );
            };
            let known = client.username.as_deref().is_none_or(|u| same(u, user))
                & client.password.as_deref().is_none_or(|p| same(p, password));
            if !known {
                return unprocessable("No user found for the given username and password");
            }
        }
        Some("refresh_token") => {
            if !param("refresh_token").is_some_and(|t| state.shared.tokens.redeem_refresh(t)) {
                return unprocessable("Refresh token is invalid or has expired");
            }
        }
        _ => return unprocessable("Parameter \"grant_type\" is missing, empty or invalid"),
    }
    Json(json!({
        "access_token": state.shared.tokens.issue_access(client.token_ttl),
        "expires_in": client.token_ttl.as_secs(),
        "token_type": "bearer",
        "scope": null,
        "refresh_token": state.shared.tokens.issue_refresh(),
    }))
    .into_response()
}

/// `None` when the request may go on; the `401` answer otherwise.
fn authorize(state: &DialectState, headers: &HeaderMap) -> Option<Response> {
    let message = match state.bearer(headers) {
        Bearer::Accepted => return None,
        Bearer::Missing => "Authentication is required",
        Bearer::Invalid => "The access token provided is invalid.",
        Bearer::Expired => "The access token provided has expired.",
    };
    Some(error(StatusCode::UNAUTHORIZED, message.to_owned()))
}

/// `http://` and the request's `Host` (links are absolute, as Akeneo's are).
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// An answer refused in Akeneo's `{"code","message"}` shape (boxed into a
/// response only at the end: a `Response` is too large to pass around in `Err`).
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

fn error_body(status: StatusCode, message: String) -> Value {
    json!({ "code": status.as_u16(), "message": message })
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(error_body(status, message))).into_response()
}

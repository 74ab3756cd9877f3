//! The demo catalog as Open Food Facts' API v2 serves products.
//!
//! Followed: the OpenAPI description in `openfoodfacts/openfoodfacts-server`,
//! `docs/api/ref/api.yml` (`GET /api/v2/product/{barcode}`, `GET /api/v2/search`,
//! parameters `fields`, `page`, `page_size`), `docs/api/ref/responses/
//! search_for_products.yaml` (`count`, `page`, `page_count` = products on this
//! page, `page_size`, `skip`, `products`), `.../get_product_by_barcode_base.yaml`
//! (`code`, `status`, `status_verbose`), `docs/api/ref-barcode-normalization.md`
//! (stored codes: leading zeros dropped, then 7 digits or fewer padded to 8 and
//! 9 to 12 padded to 13; the product endpoint normalizes the code it is given),
//! `docs/api/search-parameters.md` (default page size 24; `page_size=0` and
//! `page=0` mean the defaults) and the maintainers' word on issue #11261 (search
//! pages are capped at 100 products: a larger `page_size` is served 100, not
//! refused). No credentials are ever needed; `DialectControl::set_rate_limited`
//! makes every call `429`, as the server does past its documented rate limits.
//!
//! The search matches `code=` against stored codes exactly, so a 12-digit UPC-A
//! or a zero-padded 14-digit key finds nothing: a client must send 13 digits for a
//! UPC-A, 8 for an EAN-8, and 14 only for a case pack (indicator digit not 0).
//!
//! What Open Food Facts cannot carry: price, stock and availability (a
//! discontinued item is still found), image alt texts, and attributes other than
//! size (`quantity`), origin (`origins`) and organic (`labels`). Titles come as
//! `product_name` plus `product_name_{lang}` in the item's language (guessed from
//! its GS1 prefix), so items from non-English markets, and every fourth generated
//! item, have no `product_name_en`.

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::DialectState;
use super::facts::{catalog_len, catalog_slice, generated_number, language, slug, unix_seconds};
use crate::demo::DemoProduct;
use crate::gtin::{Gtin, GtinFormat};

/// Products per search page when `page_size` is absent or 0.
pub(super) const DEFAULT_PAGE_SIZE: usize = 24;

/// Most products a search page holds; more asked is served this many.
pub(super) const MAX_PAGE_SIZE: usize = 100;

pub(super) fn routes(state: DialectState) -> Router {
    Router::new()
        .route("/api/v2/product/{code}", get(product))
        .route("/api/v2/search", get(search))
        .with_state(state)
}

/// `GET /api/v2/product/{code}`: the product under the normalized code, or `404`.
async fn product(
    State(state): State<DialectState>,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(limited) = rate_limited(&state) {
        return limited;
    }
    let params = query_params(query.as_deref());
    let fields = requested_fields(&params);
    let asked = code.strip_suffix(".json").unwrap_or(&code);
    let Some(normalized) = normalize(asked) else {
        return not_found(asked, "no code or invalid code");
    };
    let found = Gtin::from_digits(&normalized)
        .ok()
        .and_then(|gtin| Some((state.product(&gtin)?, gtin)));
    match found {
        Some((product, gtin)) => Json(json!({
            "code": normalized,
            "product": select(off_product(&gtin, &product), fields.as_deref()),
            "status": 1,
            "status_verbose": "product found",
        }))
        .into_response(),
        None => not_found(&normalized, "product not found"),
    }
}

/// `GET /api/v2/search?code=a,b&fields=…&page_size=N&page=P`.
async fn search(State(state): State<DialectState>, RawQuery(query): RawQuery) -> Response {
    if let Some(limited) = rate_limited(&state) {
        return limited;
    }
    let params = query_params(query.as_deref());
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let number = |name: &str| param(name).and_then(|v| v.trim().parse::<usize>().ok());
    let asked_size = number("page_size")
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let page_size = state.page_size(asked_size.min(MAX_PAGE_SIZE));
    let page = number("page").filter(|&n| n > 0).unwrap_or(1);
    let skip = (page - 1).saturating_mul(page_size);
    let fields = requested_fields(&params);

    let (count, gtins) = match param("code").filter(|codes| !codes.is_empty()) {
        Some(codes) => {
            let matched = stored_codes(&state, codes);
            let gtins = matched.iter().skip(skip).take(page_size).copied().collect();
            (matched.len() as u64, gtins)
        }
        None => (
            catalog_len(&state.catalog),
            catalog_slice(&state.catalog, skip as u64, page_size),
        ),
    };
    let products: Vec<Value> = gtins
        .iter()
        .filter_map(|gtin| {
            Some(select(
                off_product(gtin, &state.product(gtin)?),
                fields.as_deref(),
            ))
        })
        .collect();
    let mut body = json!({
        "count": count,
        "page": page,
        "page_count": products.len(),
        "page_size": page_size,
        "skip": skip,
    });
    // Moved in, not through `json!`, which would copy the page value by value.
    body["products"] = Value::Array(products);
    Json(body).into_response()
}

/// The items whose stored code is exactly one of the comma-separated `codes`, in
/// the order asked, each once.
fn stored_codes(state: &DialectState, codes: &str) -> Vec<Gtin> {
    let mut found: Vec<Gtin> = Vec::new();
    for code in codes.split(',').map(str::trim) {
        let Ok(gtin) = Gtin::from_digits(code) else {
            continue;
        };
        if off_code(&gtin) == code && !found.contains(&gtin) && state.catalog.get(&gtin).is_some() {
            found.push(gtin);
        }
    }
    found
}

/// The code Open Food Facts stores an item under (see the module doc).
pub(super) fn off_code(gtin: &Gtin) -> &str {
    match gtin.format() {
        GtinFormat::Gtin8 => &gtin.gtin14()[6..],
        GtinFormat::Gtin12 | GtinFormat::Gtin13 => &gtin.gtin14()[1..],
        GtinFormat::Gtin14 => gtin.gtin14(),
    }
}

/// A code as the product endpoint normalizes it; `None` when it is not digits.
fn normalize(code: &str) -> Option<String> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = code.trim_start_matches('0');
    Some(match significant.len() {
        0..=7 => format!("{significant:0>8}"),
        8 => significant.to_owned(),
        9..=12 => format!("{significant:0>13}"),
        _ => significant.to_owned(),
    })
}

/// A demo product in Open Food Facts' product shape (every field; see `select`).
fn off_product(gtin: &Gtin, product: &DemoProduct) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |key: String, value: Value| {
        out.insert(key, value);
    };
    let lang = language(gtin);
    put("code".into(), off_code(gtin).into());
    put("lang".into(), lang.into());
    put("product_name".into(), product.title.clone().into());
    // Every fourth generated item has only the generic field, as many real ones do.
    let generic_only = generated_number(gtin).is_some_and(|n| n % 4 == 3);
    if !generic_only {
        put(format!("product_name_{lang}"), product.title.clone().into());
    }
    if let Some(description) = &product.description {
        put("generic_name".into(), description.clone().into());
        put(format!("generic_name_{lang}"), description.clone().into());
    }
    if let Some(brand) = &product.brand {
        put("brands".into(), brand.clone().into());
        put("brands_tags".into(), json!([slug(brand)]));
    }
    put("categories".into(), product.categories.join(", ").into());
    let tags: Vec<String> = product
        .categories
        .iter()
        .map(|c| format!("en:{}", slug(c)))
        .collect();
    put("categories_tags".into(), json!(tags));
    let attribute = |name: &str| {
        product
            .attributes
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.clone())
    };
    if let Some(size) = attribute("size") {
        put("quantity".into(), size.into());
    }
    if let Some(origin) = attribute("origin") {
        put("origins".into(), origin.into());
    }
    if attribute("organic").as_deref() == Some("true") {
        put("labels".into(), "Organic".into());
        put("labels_tags".into(), json!(["en:organic"]));
    }
    if let Some(front) = product.images.first() {
        put("image_front_url".into(), front.url.clone().into());
        put("image_url".into(), front.url.clone().into());
    }
    if let Some(seconds) = unix_seconds(&product.updated_at) {
        put("last_modified_t".into(), seconds.into());
    }
    out
}

/// The `fields` parameter as a list (`None`: every field).
fn requested_fields(params: &[(String, String)]) -> Option<Vec<String>> {
    let fields = params.iter().find(|(key, _)| key == "fields")?;
    Some(
        fields
            .1
            .split(',')
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect(),
    )
}

/// Only the fields asked for (and `code`, always).
fn select(mut product: Map<String, Value>, fields: Option<&[String]>) -> Value {
    if let Some(fields) = fields {
        product.retain(|key, _| key == "code" || fields.iter().any(|f| f == key));
    }
    Value::Object(product)
}

fn not_found(code: &str, verbose: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "code": code, "status": 0, "status_verbose": verbose })),
    )
        .into_response()
}

/// The answer past the rate limit, when the control asked for it.
fn rate_limited(state: &DialectState) -> Option<Response> {
    if !state
        .shared
        .rate_limited
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return None;
    }
    let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    Some(response)
}

/// The query's parameters; an undecodable query reads as none (OFF ignores it).
fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default()
}

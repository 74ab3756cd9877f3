//! A GS1-Conformant resolver for GTIN Digital Links, on the gateway's own port: the
//! URL a phone opens when it scans the QR code on a pack.
//!
//! - `GET`/`HEAD /01/{gtin}[/22/…][/10/{lot}][/21/{serial}][/235/…][?{AI}=…]`, or the
//!   same compressed (`/{bits}`, `/01/{gtin}/{bits}`): a path
//!   or query that is not a GS1 Digital Link is 400 (`INVALID_GTIN` with the parse
//!   `reason`); a product the catalog lacks is 404 (`PRODUCT_NOT_FOUND`); otherwise
//!   307 to the default link with the query string passed on (`linkType` removed).
//!   Every answer names the linkset in a `Link` header (one field: the linkset answer
//!   adds its JSON-LD context to it, comma-separated). A trailing slash reads as
//!   without it. CORS on these routes allows GET, HEAD and OPTIONS (`routes`).
//! - The default link is `--resolver-default-link` filled in (`{gtin14}`, `{gtin13}`,
//!   `{lot}`, `{serial}`), or the product's own page `/products/{gtin14}` (JSON-LD or
//!   an HTML card, see `product_page`).
//! - `?linkType=linkset` (or `all`), or `Accept: application/linkset+json` without a
//!   `linkType`, answers the product's links as an RFC 9264 linkset: `gs1:defaultLink`,
//!   `gs1:pip`, `gs1:masterData`; the default link with a title and no other attribute. `?linkType=gs1:pip` (or its full URI) redirects to
//!   that link; a link type the product lacks is 404 (`LINK_TYPE_NOT_FOUND`).
//! - `/.well-known/gs1resolver` describes the resolver (GS1 description file).
//!
//! Products are read through the same loader as GraphQL (cache, batching with
//! concurrent GraphQL lookups, single flight, breaker) under the same request deadline
//! (`--request-timeout-ms`), and the routes share the in-flight cap (`--max-in-flight`).
//! A compressed Digital Link (`/{bits}`, or `/01/{gtin}/{bits}` partly compressed) is
//! resolved as the uncompressed link it stands for.

mod problem;
mod product_page;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) use product_page::page as product_page;

use problem::Problem;

use crate::error_code::ErrorCode;
use crate::gtin::{self, Parsed, Scan};
use crate::http::link_template::{LinkValues, percent_encode};
use crate::http::state::AppState;
use crate::loader::LoadedProduct;

/// GS1 Web Vocabulary namespace: link types are `gs1:{name}` or this URI plus the name.
const GS1_VOC: &str = "https://gs1.org/voc/";

/// The link types every product has here, as `(gs1 name, media type, title)`.
const LINK_TYPES: [(&str, &str, &str); 3] = [
    ("defaultLink", "text/html", "Default link"),
    ("pip", "text/html", "Product information page"),
    (
        "masterData",
        "application/ld+json",
        "Product master data (JSON-LD)",
    ),
];

/// The JSON-LD context of a linkset answer, as a `Link` value.
const LINKSET_CONTEXT: &str = "<https://ref.gs1.org/standards/resolver/linkset-context>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"";

/// `GET`/`HEAD /01/{gtin}/…`: validate, look up, then redirect or answer the linkset.
pub(crate) async fn resolve(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let uri = uncompressed(uri);
    let scan = match scan_of(&uri, state.resolver.rcn_region) {
        Ok(scan) => scan,
        Err(error) => return Problem::bad_link(&error).into_response(),
    };
    let (link_type, passed_on) = split_query(uri.query().unwrap_or_default());
    let product = match load(&state, scan.parsed()).await {
        Ok(product) => product,
        Err(problem) => return problem.into_response(),
    };
    let root = request_root(&headers);
    let anchor = anchor(&root, &scan);
    let links = Links::of(&state, &root, &scan);
    let wants_linkset = match link_type.as_deref() {
        Some("linkset" | "all") => true,
        Some(_) => false,
        None => accepts_linkset(&headers),
    };
    let linkset_link =
        format!("<{anchor}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"");
    let (mut response, link) = if wants_linkset {
        // One `Link` field, its links comma-separated (RFC 8288): clients that keep
        // one line per field name lost the second of two.
        let link = format!("{linkset_link}, {LINKSET_CONTEXT}");
        (linkset_response(&anchor, &links, &product), link)
    } else {
        let name = link_type.as_deref().map_or(Some("defaultLink"), gs1_name);
        let Some(target) = name.and_then(|name| links.get(name)) else {
            return Problem::new(
                StatusCode::NOT_FOUND,
                ErrorCode::LinkTypeNotFound,
                format!(
                    "no link of type {:?} for this product; it has gs1:defaultLink, gs1:pip, gs1:masterData (or ?linkType=linkset for all)",
                    link_type.unwrap_or_default()
                ),
            )
            .into_response();
        };
        (redirect(target, &passed_on), linkset_link)
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&link) {
        headers.insert(header::LINK, value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

/// The request's path and query as the uncompressed Digital Link a compressed one
/// stands for, so both answer alike (the AIs compressed into the path are passed on
/// in the query as the uncompressed link's are); any other URI unchanged.
fn uncompressed(uri: Uri) -> Uri {
    const ROOT: &str = "https://resolver.invalid";
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    gtin::expand_digital_link(&format!("{ROOT}{path_and_query}"))
        .ok()
        .flatten()
        .and_then(|link| link.strip_prefix(ROOT)?.parse::<Uri>().ok())
        .unwrap_or(uri)
}

/// `GET`/`HEAD /{segment}`: a fully compressed Digital Link (`/AQnYUc1gmiCNV4JG`) is
/// resolved exactly as the uncompressed link it stands for (GS1's conformance
/// statements: a resolver SHALL decompress). A segment that does not decode is 404, as
/// any path the gateway does not serve; partly compressed links
/// (`/01/{gtin}/{bits}`) arrive through the `/01/…` routes.
pub(crate) async fn resolve_compressed(
    state: State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let link = format!("https://resolver.invalid{}", uri.path());
    if !matches!(gtin::expand_digital_link(&link), Ok(Some(_))) {
        return StatusCode::NOT_FOUND.into_response();
    }
    resolve(state, uri, headers).await
}

/// `OPTIONS` on a resolver path (the standard asks for GET, HEAD and OPTIONS): the
/// methods allowed and, for a Digital Link, the `Link` to its linkset (GS1's test
/// suite looks for it here); the CORS layer adds a preflight's headers.
pub(crate) async fn options(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut response = (
        StatusCode::NO_CONTENT,
        [(
            header::ALLOW,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        )],
    )
        .into_response();
    if let Ok(scan) = scan_of(&uri, state.resolver.rcn_region) {
        let anchor = anchor(&request_root(&headers), &scan);
        if let Ok(value) = HeaderValue::from_str(&linkset_link(&anchor)) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}

/// The request's Digital Link, read. A trailing slash is tolerated (the standard:
/// SHOULD NOT fail), the same on every path: `/01/{gtin}/` reads as `/01/{gtin}`.
fn scan_of(uri: &Uri, rcn_region: Option<gtin::RcnRegion>) -> Result<Scan, gtin::ParseError> {
    let path = uri.path();
    let path = path.strip_suffix('/').unwrap_or(path);
    let query = uri
        .query()
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    // Any host reads the same: the resolver's own root is taken from the request.
    gtin::scan(
        &format!("https://resolver.invalid{path}{query}"),
        rcn_region,
    )
}

/// The `Link` value naming the linkset of `anchor`.
fn linkset_link(anchor: &str) -> String {
    format!("<{anchor}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"")
}

/// `GET /.well-known/gs1resolver`: the resolver description file of the GS1-Conformant
/// Resolver standard (its JSON schema's fields).
pub(crate) async fn description(headers: HeaderMap) -> Response {
    let root = request_root(&headers);
    let body = json!({
        "name": "catalog-gateway GS1 Digital Link resolver",
        "resolverRoot": root,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [
            { "namespace": GS1_VOC, "prefix": "gs1:", "profile": "https://gs1.org/voc/?show=linktypes" }
        ],
        "linkTypeDefaultCanBeLinkset": false,
        "supportedContextValuesEnumerated": [],
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Loads the product of a parsed GTIN through the shared loader, within the request
/// deadline: 404 for a coupon, a refund receipt or a product the catalog lacks.
pub(crate) async fn load(state: &AppState, parsed: &Parsed) -> Result<LoadedProduct, Problem> {
    let Some(key) = parsed.lookup_gtin() else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotATradeItem,
            format!(
                "a {} number is not a trade item: there is no product",
                parsed.kind.as_str()
            ),
        ));
    };
    let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
    match state.resolver.loader.load_one(key, Some(deadline)).await {
        Ok(Some(product)) => Ok(product),
        Ok(None) => Err(Problem::new(
            StatusCode::NOT_FOUND,
            ErrorCode::ProductNotFound,
            format!("the catalog has no product {}", key.gtin14()),
        )),
        Err(error) => Err(Problem::upstream(&error)),
    }
}

/// `scheme://host[:port]` the client used (the `Host` header; `https` behind a proxy
/// that says so in `X-Forwarded-Proto`). A host with characters no host has is
/// replaced, so it cannot inject anything into headers or links.
pub(crate) fn request_root(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host.bytes().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// The canonical Digital Link of what was asked: GTIN-14 and its key qualifiers.
fn anchor(root: &str, scan: &Scan) -> String {
    let mut anchor = format!("{root}/01/{}", scan.parsed().gtin.gtin14());
    for qualifier in ["22", "10", "21", "235"] {
        if let Some(value) = scan.get(qualifier) {
            anchor.push_str(&format!("/{qualifier}/{}", percent_encode(value)));
        }
    }
    anchor
}

/// `linkType` (percent-decoded) and the rest of the query string, to pass on.
fn split_query(query: &str) -> (Option<String>, String) {
    let mut link_type = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=') {
            Some(("linkType", value)) => link_type = Some(percent_decode(value)),
            None if pair == "linkType" => link_type = Some(String::new()),
            _ => rest.push(pair),
        }
    }
    (link_type, rest.join("&"))
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let escaped = (c == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The GS1 name of a link type given as `gs1:pip` or `https://gs1.org/voc/pip`.
fn gs1_name(link_type: &str) -> Option<&str> {
    link_type
        .strip_prefix("gs1:")
        .or_else(|| link_type.strip_prefix(GS1_VOC))
        .or_else(|| link_type.strip_prefix("http://gs1.org/voc/"))
}

fn accepts_linkset(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            range.split(';').next().is_some_and(|media| {
                media
                    .trim()
                    .eq_ignore_ascii_case("application/linkset+json")
            })
        })
}

/// A product's links, absolute.
struct Links {
    default_link: String,
    page: String,
}

impl Links {
    fn of(state: &AppState, root: &str, scan: &Scan) -> Links {
        let gtin = scan.parsed().gtin;
        let page = format!("{root}/products/{}", gtin.gtin14());
        let default_link = match &state.resolver.settings.default_link {
            Some(template) => {
                let values = LinkValues {
                    gtin14: gtin.gtin14(),
                    gtin13: gtin.gtin13().unwrap_or(gtin.gtin14()),
                    lot: scan.lot(),
                    serial: scan.serial(),
                };
                let link = template.expand(&values);
                if template.is_relative() {
                    format!("{root}{link}")
                } else {
                    link
                }
            }
            None => page.clone(),
        };
        Links { default_link, page }
    }

    fn get(&self, gs1_name: &str) -> Option<&str> {
        match gs1_name {
            "defaultLink" => Some(&self.default_link),
            "pip" | "masterData" => Some(&self.page),
            _ => None,
        }
    }
}

/// 307 to `target`, with the request's query string (less `linkType`) appended.
fn redirect(target: &str, passed_on: &str) -> Response {
    let location = if passed_on.is_empty() {
        target.to_owned()
    } else if target.contains('?') {
        format!("{target}&{passed_on}")
    } else {
        format!("{target}?{passed_on}")
    };
    match HeaderValue::from_str(&location) {
        Ok(value) => (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, value)]).into_response(),
        Err(_) => Problem::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "the query string cannot be passed on",
        )
        .into_response(),
    }
}

/// 200 with the RFC 9264 linkset (`application/linkset+json`), relation types as
/// GS1 Web Vocabulary URIs, as GS1-Conformant resolvers answer.
fn linkset_response(anchor: &str, links: &Links, product: &LoadedProduct) -> Response {
    let mut entry = serde_json::Map::new();
    entry.insert("anchor".to_owned(), json!(anchor));
    entry.insert("itemDescription".to_owned(), json!(product.product.title));
    for (name, media_type, title) in LINK_TYPES {
        let href = links.get(name).unwrap_or_default();
        // The default link has a title and no other attribute (GS1-Conformant
        // resolver standard: "SHALL include a title, but SHALL NOT include other
        // attributes").
        let link = if name == "defaultLink" {
            json!({ "href": href, "title": title })
        } else {
            json!({ "href": href, "title": title, "type": media_type })
        };
        entry.insert(format!("{GS1_VOC}{name}"), json!([link]));
    }
    let body = json!({ "linkset": [Value::Object(entry)] });
    let mut response = body.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/linkset+json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_type_is_taken_out_of_the_query_and_the_rest_passed_on() {
        assert_eq!(
            split_query("17=270131&linkType=gs1%3Apip&x=1"),
            (Some("gs1:pip".to_owned()), "17=270131&x=1".to_owned())
        );
        assert_eq!(split_query(""), (None, String::new()));
    }

    #[test]
    fn link_types_are_named_by_curie_or_uri() {
        assert_eq!(gs1_name("gs1:pip"), Some("pip"));
        assert_eq!(
            gs1_name("https://gs1.org/voc/masterData"),
            Some("masterData")
        );
        assert_eq!(gs1_name("schema:url"), None);
    }

    #[test]
    fn the_root_comes_from_a_host_that_is_a_host() {
        let mut headers = HeaderMap::new();
        assert_eq!(request_root(&headers), "http://localhost");
        headers.insert(header::HOST, HeaderValue::from_static("id.example:8080"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(request_root(&headers), "https://id.example:8080");
        headers.insert(header::HOST, HeaderValue::from_static("a.example>; rel=x"));
        assert_eq!(request_root(&headers), "https://localhost");
    }
}

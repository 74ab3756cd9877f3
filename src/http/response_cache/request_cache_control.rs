//! What the request's own `Cache-Control` (and `Pragma: no-cache`) asks of the
//! cache, and whether its body is JSON (anything else is refused by the handler,
//! so never looked up).

use axum::http::{HeaderMap, header};

pub(super) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// `(no-cache, no-store)` from the request's `Cache-Control` (and `Pragma: no-cache`).
pub(crate) fn cache_control(headers: &HeaderMap) -> (bool, bool) {
    let mut no_cache = false;
    let mut no_store = false;
    let directives = headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .chain(headers.get_all(header::PRAGMA).iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for directive in directives {
        let name = directive.split('=').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("no-cache") {
            no_cache = true;
        } else if name.eq_ignore_ascii_case("no-store") {
            no_store = true;
        }
    }
    (no_cache, no_store)
}

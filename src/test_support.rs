//! Small helpers the unit tests of several modules share, written once (built
//! under `cfg(test)` or the `test-support` feature, never in the gateway). The
//! in-memory catalog is `catalog::InMemoryCatalog`.

use crate::gtin::Gtin;

/// The GTIN `digits` spell (8 to 14 digits with a valid check digit), which the
/// test knows to be valid: a panic names it otherwise.
pub fn g(digits: &str) -> Gtin {
    Gtin::from_digits(digits).unwrap_or_else(|error| panic!("{digits}: {error:?}"))
}

/// Request headers of a JSON POST (`content-type: application/json`).
pub fn json_headers() -> axum::http::HeaderMap {
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    headers
}

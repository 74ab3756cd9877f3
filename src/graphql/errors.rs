//! The one place where failures become GraphQL errors: each gets a stable
//! `extensions.code` from the documented list and a message safe for clients.
//! Upstream detail (bodies, addresses) stays in the logs, never in a response.
//!
//! | code | when |
//! |---|---|
//! | `INVALID_GTIN` | the code is not a valid GTIN (`reason`, `message`, `hint`, `input`) |
//! | `NOT_A_TRADE_ITEM` | a coupon or refund receipt: no product to look up |
//! | `TOO_MANY_GTINS` | a list longer than `--max-gtins-per-query` |
//! | `UPSTREAM_TIMEOUT` | the catalog did not answer in time |
//! | `UPSTREAM_UNAVAILABLE` | the catalog could not be reached or failed |
//! | `UPSTREAM_BAD_RESPONSE` | the catalog answered outside its contract |
//! | `PERSISTED_QUERY_NOT_FOUND` | an APQ hash this replica does not know: resend it with the query |
//! | `PERSISTED_QUERY_HASH_MISMATCH` | an APQ hash that is not the SHA-256 of the query sent with it |
//! | `PERSISTED_QUERY_INVALID` | an `extensions.persistedQuery` that is malformed or not version 1 |
//!
//! Request-level codes of the query's shape (`QUERY_TOO_DEEP`, `QUERY_TOO_COMPLEX`,
//! `TOO_MANY_ALIASES`, `TOO_MANY_ROOT_FIELDS`, `INTROSPECTION_DISABLED`,
//! `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`) are set in `limits`.

use async_graphql::{Error, ErrorExtensionValues, ErrorExtensions, ServerError};

use crate::catalog::CatalogError;
use crate::gtin::{Kind, ParseError};

/// `INVALID_GTIN` for a code that did not parse.
pub(crate) fn invalid_gtin(error: &ParseError) -> Error {
    Error::new(error.to_string()).extend_with(|_, extensions| {
        extensions.set("code", "INVALID_GTIN");
        extensions.set("reason", error.reason().as_str());
        extensions.set("input", error.input());
        if let Some(hint) = error.hint() {
            extensions.set("hint", hint);
        }
    })
}

/// `NOT_A_TRADE_ITEM` for a valid number that names no product.
pub(crate) fn not_a_trade_item(input: &str, kind: Kind) -> Error {
    Error::new(format!(
        "{input:?} is a {} number, not a trade item: there is no product to look up",
        kind_words(kind)
    ))
    .extend_with(|_, extensions| {
        extensions.set("code", "NOT_A_TRADE_ITEM");
        extensions.set("kind", kind.as_str());
    })
}

/// `TOO_MANY_GTINS` for a list over the limit.
pub(crate) fn too_many_gtins(count: usize, max: usize) -> Error {
    Error::new(format!(
        "{count} GTINs asked for, at most {max} are allowed in one request"
    ))
    .extend_with(|_, extensions| {
        extensions.set("code", "TOO_MANY_GTINS");
        extensions.set("max", max);
    })
}

/// The client-facing message for an upstream failure.
pub(crate) fn upstream_message(error: &CatalogError) -> &'static str {
    match error {
        CatalogError::Timeout(_) => "the product catalog did not answer in time",
        CatalogError::Unavailable(_) => "the product catalog is unavailable",
        CatalogError::BadResponse(_) => "the product catalog sent an invalid answer",
    }
}

/// `UPSTREAM_*` for an item the catalog could not answer.
pub(crate) fn upstream(error: &CatalogError) -> Error {
    Error::new(upstream_message(error)).extend_with(|_, extensions| {
        extensions.set("code", error.code());
    })
}

/// `PERSISTED_QUERY_NOT_FOUND`, with the message Apollo Client also matches on.
pub(crate) fn persisted_query_not_found() -> ServerError {
    request_error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
}

/// `PERSISTED_QUERY_HASH_MISMATCH` for a hash that is not the query's.
pub(crate) fn persisted_query_hash_mismatch() -> ServerError {
    request_error(
        "provided sha does not match query",
        "PERSISTED_QUERY_HASH_MISMATCH",
    )
}

/// `PERSISTED_QUERY_INVALID` for a malformed or unsupported `persistedQuery`.
pub(crate) fn persisted_query_invalid(message: &str) -> ServerError {
    request_error(message, "PERSISTED_QUERY_INVALID")
}

/// An error of the request as a whole (no path), with a code.
pub(crate) fn request_error(message: &str, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code);
    error
}

fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Coupon => "coupon",
        Kind::RefundReceipt => "refund receipt",
        _ => "restricted",
    }
}

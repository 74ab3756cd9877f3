//! The one place where failures become GraphQL errors: each gets a stable
//! `extensions.code` from [`ErrorCode`] and a message safe for clients. Upstream
//! detail (bodies, addresses) stays in the logs, never in a response. HTTP-level
//! refusals (before any GraphQL runs) are `http::HttpError`, with codes from the same enum.

use async_graphql::{Error, ErrorExtensionValues, ErrorExtensions, ServerError};

use crate::catalog::CatalogError;
use crate::error_code::ErrorCode;
use crate::gtin::{CompressionError, Kind, ParseError};

/// `INVALID_GTIN` for a code that did not parse.
pub(crate) fn invalid_gtin(error: &ParseError) -> Error {
    Error::new(error.to_string()).extend_with(|_, extensions| {
        extensions.set("code", ErrorCode::InvalidGtin.as_str());
        extensions.set("reason", error.reason().as_str());
        extensions.set("input", error.input());
        if let Some(hint) = error.hint() {
            extensions.set("hint", hint);
        }
        if let Some(ai) = error.ai() {
            extensions.set("ai", ai);
        }
    })
}

/// `INVALID_DATE` for a date argument that is not an ISO calendar date.
pub(crate) fn invalid_date(text: &str) -> Error {
    Error::new(format!(
        "{text:?} is not an ISO 8601 calendar date (YYYY-MM-DD)"
    ))
    .extend_with(|_, extensions| {
        extensions.set("code", ErrorCode::InvalidDate.as_str());
    })
}

/// `NOT_COMPRESSIBLE` for a Digital Link the compressed form cannot carry.
pub(crate) fn not_compressible(error: &CompressionError) -> Error {
    Error::new(error.to_string()).extend_with(|_, extensions| {
        extensions.set("code", ErrorCode::NotCompressible.as_str());
    })
}

/// `NOT_A_TRADE_ITEM` for a valid number that names no product.
pub(crate) fn not_a_trade_item(input: &str, kind: Kind) -> Error {
    Error::new(format!(
        "{input:?} is a {} number, not a trade item: there is no product to look up",
        kind_words(kind)
    ))
    .extend_with(|_, extensions| {
        extensions.set("code", ErrorCode::NotATradeItem.as_str());
        extensions.set("kind", kind.as_str());
    })
}

/// `NOT_A_TRADE_ITEM` for a valid GS1 key that is not a GTIN (an SSCC, a GLN …):
/// `extensions.ai` names the key, the message says what it identifies.
pub(crate) fn not_a_trade_item_key(error: &ParseError) -> Error {
    Error::new(format!("{:?}: {}", error.input(), error.message())).extend_with(|_, extensions| {
        extensions.set("code", ErrorCode::NotATradeItem.as_str());
        extensions.set("reason", error.reason().as_str());
        extensions.set("input", error.input());
        if let Some(ai) = error.ai() {
            extensions.set("ai", ai);
        }
    })
}

/// `TOO_MANY_GTINS` for a list over the limit.
pub(crate) fn too_many_gtins(count: usize, max: usize) -> Error {
    Error::new(format!(
        "{count} GTINs asked for, at most {max} are allowed in one request"
    ))
    .extend_with(|_, extensions| {
        extensions.set("code", ErrorCode::TooManyGtins.as_str());
        extensions.set("max", max);
    })
}

/// The client-facing message for an upstream failure.
pub(crate) fn upstream_message(error: &CatalogError) -> &'static str {
    error.client_message()
}

/// `UPSTREAM_*` for an item the catalog could not answer.
pub(crate) fn upstream(error: &CatalogError) -> Error {
    Error::new(upstream_message(error)).extend_with(|_, extensions| {
        extensions.set("code", error.code().as_str());
    })
}

/// The loader answers one result per key; this stands in for a missing one should
/// that ever break (a resolver never panics over it).
pub(crate) fn lost() -> CatalogError {
    CatalogError::Unavailable("no answer for this item".to_owned())
}

/// `PERSISTED_QUERY_NOT_FOUND`, with the message Apollo Client also matches on.
pub(crate) fn persisted_query_not_found() -> ServerError {
    request_error("PersistedQueryNotFound", ErrorCode::PersistedQueryNotFound)
}

/// `PERSISTED_QUERY_HASH_MISMATCH` for a hash that is not the query's.
pub(crate) fn persisted_query_hash_mismatch() -> ServerError {
    request_error(
        "provided sha does not match query",
        ErrorCode::PersistedQueryHashMismatch,
    )
}

/// `PERSISTED_QUERY_INVALID` for a malformed or unsupported `persistedQuery`.
pub(crate) fn persisted_query_invalid(message: &str) -> ServerError {
    request_error(message, ErrorCode::PersistedQueryInvalid)
}

/// An error of the request as a whole (no path), with a code.
pub(crate) fn request_error(message: &str, code: ErrorCode) -> ServerError {
    let mut error = ServerError::new(message, None);
    set_code(&mut error, code);
    error
}

/// Labels an error async-graphql made (a validation failure) with a code.
pub(crate) fn set_code(error: &mut ServerError, code: ErrorCode) {
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code.as_str());
}

fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Coupon => "coupon",
        Kind::RefundReceipt => "refund receipt",
        _ => "restricted",
    }
}

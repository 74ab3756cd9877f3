//! Why the upstream could not answer for an item. Not found is not an error: it is
//! `Ok(None)` in a fetch result.

use crate::error_code::ErrorCode;

/// An upstream failure for the items of one call. `Clone` because one failed call
/// answers every item (and every waiting request) of that call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The upstream did not answer within the deadline.
    #[error("upstream timed out: {0}")]
    Timeout(String),
    /// The upstream could not be reached, answered 5xx, or the breaker is open.
    #[error("upstream unavailable: {0}")]
    Unavailable(String),
    /// The upstream answered something that breaks the contract.
    #[error("upstream sent a bad response: {0}")]
    BadResponse(String),
    /// The upstream refused the gateway's credentials (`401`/`403`, after a fresh
    /// token where the gateway fetches them): a setting to fix, not a transient fault.
    #[error("upstream refused the gateway's credentials: {0}")]
    Unauthorized(String),
}

impl CatalogError {
    /// The client-facing error code (the detail string is for logs only).
    pub fn code(&self) -> ErrorCode {
        match self {
            CatalogError::Timeout(_) => ErrorCode::UpstreamTimeout,
            CatalogError::Unavailable(_) => ErrorCode::UpstreamUnavailable,
            CatalogError::BadResponse(_) => ErrorCode::UpstreamBadResponse,
            CatalogError::Unauthorized(_) => ErrorCode::UpstreamUnauthorized,
        }
    }

    /// What a client is told (the detail string stays in the logs).
    pub fn client_message(&self) -> &'static str {
        match self {
            CatalogError::Timeout(_) => "the product catalog did not answer in time",
            CatalogError::Unavailable(_) => "the product catalog is unavailable",
            CatalogError::BadResponse(_) => "the product catalog sent an invalid answer",
            CatalogError::Unauthorized(_) => {
                "the product catalog refused the gateway's credentials"
            }
        }
    }
}

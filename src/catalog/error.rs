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
}

impl CatalogError {
    /// The client-facing error code (the detail string is for logs only).
    pub fn code(&self) -> ErrorCode {
        match self {
            CatalogError::Timeout(_) => ErrorCode::UpstreamTimeout,
            CatalogError::Unavailable(_) => ErrorCode::UpstreamUnavailable,
            CatalogError::BadResponse(_) => ErrorCode::UpstreamBadResponse,
        }
    }
}

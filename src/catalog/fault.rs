//! What went wrong with one upstream call, in the terms the retry loop and the
//! circuit breaker decide on. The one table of "is this retried?" and "does this
//! count against the upstream's health?", so the two policies cannot drift apart.
//!
//! | fault                              | error          | retried | breaker failure |
//! |------------------------------------|----------------|---------|-----------------|
//! | connect error (refused, TLS, DNS)  | `Unavailable`  | yes     | yes             |
//! | connection broken before the whole answer (reset, cut mid-body) | `Unavailable` | yes | yes |
//! | per-call timeout                   | `Timeout`      | yes     | yes             |
//! | `502`, `503`, `504`                | `Unavailable`  | yes     | yes             |
//! | `500` and other `5xx`              | `Unavailable`  | no      | yes             |
//! | a status the mapping lists in `errors.retry_statuses` (`429`) | `Unavailable` | yes | yes |
//! | `401`/`403` (after one fresh token, where tokens are fetched) | `Unauthorized` | no | no |
//! | fetch deadline passed              | `Timeout`      | no      | no              |
//! | breaker opened while queued or sent | `Unavailable` | no      | no (already counted slow) |
//! | contract broken (4xx but 404, oversized body) | `BadResponse` | no | no     |
//!
//! A broken connection is retried like a connect error: the request is an
//! idempotent GET, nothing of the partial answer is used, and a cut keep-alive
//! connection is the usual transient symptom of an upstream restarting. `500` is
//! not retried because it usually means "this request breaks the upstream", which a
//! repeat only does again. A contract breach (and a garbage `200` body, which is
//! read after the call succeeded and never becomes a fault) does not trip the
//! breaker: the upstream is up and answering, so failing every other item fast
//! would only hide good answers. The fetch deadline is the gateway's own limit,
//! not evidence about the upstream.

use reqwest::StatusCode;

use super::CatalogError;

/// Why one upstream call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// No connection could be opened.
    Connect,
    /// The connection broke after the request went out and before the whole
    /// answer arrived.
    Broken,
    /// No complete answer within the per-call timeout.
    Timeout,
    /// The fetch's overall deadline passed (before or during the call).
    Deadline,
    /// The upstream answered this server-error status.
    ServerError(StatusCode),
    /// The upstream answered a status its mapping says is worth a retry (`429`).
    RetryableStatus(StatusCode),
    /// The upstream answered, but outside the contract.
    Contract,
    /// The breaker opened while the call waited for a slot or for its answer
    /// (the upstream hangs): it gave up rather than wait out its deadline.
    CircuitOpened,
}

impl Fault {
    /// Whether a repeat of the (idempotent) call may get a different answer.
    pub(crate) fn is_retryable(self) -> bool {
        match self {
            Fault::Connect | Fault::Broken | Fault::Timeout | Fault::RetryableStatus(_) => true,
            Fault::ServerError(status) => matches!(
                status,
                StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ),
            Fault::Deadline | Fault::Contract | Fault::CircuitOpened => false,
        }
    }

    /// Whether the call counts against the upstream's health in the breaker.
    pub(crate) fn is_upstream_failure(self) -> bool {
        match self {
            Fault::Connect
            | Fault::Broken
            | Fault::Timeout
            | Fault::ServerError(_)
            | Fault::RetryableStatus(_) => true,
            Fault::Deadline | Fault::Contract | Fault::CircuitOpened => false,
        }
    }
}

/// A failed call: the fault for the policies and the error for the keys.
#[derive(Clone, Debug)]
pub(crate) struct Failed {
    /// What went wrong, for retry and breaker decisions.
    pub(crate) fault: Fault,
    /// What the keys of the call are answered with if this is the last word.
    pub(crate) error: CatalogError,
}

impl Failed {
    /// A fault with the error it answers the keys with.
    pub(crate) fn new(fault: Fault, error: CatalogError) -> Self {
        Failed { fault, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Fault {
        Fault::ServerError(StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT))
    }

    #[test]
    fn connect_errors_broken_connections_timeouts_and_502_503_504_are_retried() {
        for fault in [
            Fault::Connect,
            Fault::Broken,
            Fault::Timeout,
            status(502),
            status(503),
            status(504),
        ] {
            assert!(fault.is_retryable(), "{fault:?}");
        }
    }

    #[test]
    fn a_500_other_5xx_contract_breaches_and_the_deadline_are_not_retried() {
        for fault in [
            status(500),
            status(501),
            status(505),
            Fault::Contract,
            Fault::Deadline,
        ] {
            assert!(!fault.is_retryable(), "{fault:?}");
        }
    }

    #[test]
    fn every_5xx_and_transport_fault_counts_against_the_upstream_but_no_contract_breach() {
        for fault in [
            Fault::Connect,
            Fault::Broken,
            Fault::Timeout,
            status(500),
            status(503),
        ] {
            assert!(fault.is_upstream_failure(), "{fault:?}");
        }
        assert!(!Fault::Contract.is_upstream_failure());
        assert!(!Fault::Deadline.is_upstream_failure());
    }
}

//! What the protection concluded about one request payload, whoever sent it: whether
//! every operation is in the trusted documents, each operation's cost, and the
//! `maxCost` its answer shows. The `/graphql` handler keeps it with the payload's
//! answer in the response cache, so a repeat of the payload is admitted from it
//! ([`super::Protection::admit_cached`]) without reading its operations into a batch,
//! hashing, looking up or pricing them again: on a response-cache hit that was most
//! of the protection's cost (bench/JOURNAL.md, session 24).
//!
//! Everything in it is a function of the payload bytes (the document texts or ids,
//! the operation names, the variables, the extensions) and of the manifest it was
//! checked against, never of the caller: who calls (their key, their limits, their
//! rate) is decided anew on every request. Why it is never stale:
//!
//! - the manifest: the verdict names the manifest that listed every operation (a
//!   `Weak` pointer, compared by address: the allocation outlives the pointer, so an
//!   address is never reused while a verdict holds it). After a SIGHUP reload it no
//!   longer matches, and the request is admitted the long way, against the new list.
//!   An operation let through by the bypass header or by `log` mode is not listed:
//!   such a payload is always admitted the long way (its secret checked, its warning
//!   logged).
//! - the cost: computed from the payload alone (`--assumed-list-size` is fixed at
//!   start). Kept only when the request that made it priced its operations; a client
//!   whose limits need the costs of a verdict that has none is admitted the long way.
//! - `extensions.cost`: the stored answer shows the storing client's `maxCost`; a
//!   client with another limit is answered anew ([`Verdict::may_serve_to`]).

use std::sync::{Arc, Weak};

use super::trusted::Manifest;

/// What the protection concluded about one payload.
#[derive(Debug)]
pub struct Verdict {
    /// The trusted-documents check's outcome.
    pub(super) trust: Trust,
    /// Each operation's cost, in batch order, when they were priced.
    pub(super) costs: Option<Arc<[u64]>>,
    /// When an operation asked for its cost (`"extensions": {"cost": true}`): the
    /// `maxCost` the answer shows (`None` inside: no limit, none shown).
    pub(super) reported_limit: Option<Option<u64>>,
}

/// The trusted-documents check's outcome for a payload.
#[derive(Debug)]
pub(super) enum Trust {
    /// No trusted documents are configured (nothing to check, now or later).
    Unchecked,
    /// Every operation was found in this manifest (by text hash or by id).
    Listed(Weak<Manifest>),
    /// Some operation was not found (let through by the bypass header, or in
    /// `log` mode): never admitted from the verdict.
    NotListed,
}

impl Verdict {
    /// Whether an answer made for this payload may be served to a client whose cost
    /// limit is `max_cost`: it may unless it shows another client's `maxCost`.
    pub fn may_serve_to(&self, max_cost: Option<u64>) -> bool {
        self.reported_limit.is_none_or(|shown| shown == max_cost)
    }

    /// The manifest that listed every operation, if one did.
    pub(super) fn listed_by(&self) -> Option<&Weak<Manifest>> {
        match &self.trust {
            Trust::Listed(manifest) => Some(manifest),
            Trust::Unchecked | Trust::NotListed => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(reported_limit: Option<Option<u64>>) -> Verdict {
        Verdict {
            trust: Trust::Unchecked,
            costs: None,
            reported_limit,
        }
    }

    #[test]
    fn an_answer_showing_a_limit_is_served_only_under_that_limit() {
        assert!(verdict(None).may_serve_to(Some(5)));
        assert!(verdict(None).may_serve_to(None));
        assert!(verdict(Some(Some(5))).may_serve_to(Some(5)));
        assert!(!verdict(Some(Some(5))).may_serve_to(Some(50)));
        assert!(!verdict(Some(Some(5))).may_serve_to(None));
        assert!(verdict(Some(None)).may_serve_to(None));
        assert!(!verdict(Some(None)).may_serve_to(Some(5)));
    }
}

//! What the protection concluded about one request payload, whoever sent it: whether
//! its operation is in the trusted documents, its cost, and the `maxCost` its answer
//! shows. The `/graphql` handler keeps it with the payload's answer in the response
//! cache, so a repeat of the payload is admitted from it
//! ([`super::Protection::admit_cached`]) without reading its operation into a batch,
//! hashing, looking it up or pricing it again: on a response-cache hit that was most
//! of the protection's cost (bench/JOURNAL.md, "Session 24").
//!
//! Everything in it is a function of the payload bytes (the document text or id,
//! the operation name, the variables, the extensions) and of the manifest it was
//! checked against, never of the caller: who calls (their key, their limits, their
//! rate) is decided anew on every request. Only a single operation's payload gets
//! one (a batch's answer is never stored). Why it is never stale:
//!
//! - the manifest: the verdict names the manifest that listed the operation by its
//!   generation (a number unique in the process). After a SIGHUP reload it no longer
//!   matches, and the request is admitted the long way, against the new list (until
//!   the answer's entry expires). An operation let through by the bypass header or by
//!   `log` mode is not listed: such a payload is always admitted the long way (its
//!   secret checked, its warning logged).
//! - the cost: computed from the payload alone (`--assumed-list-size` is fixed at
//!   start). Kept only when the request that made it priced its operation; a client
//!   whose limits need the cost of a verdict that has none is admitted the long way.
//! - `extensions.cost`: the stored answer shows the storing client's `maxCost`; a
//!   client with another limit is answered anew ([`Verdict::may_serve_to`]).
//!
//! Small and `Copy`, held inline in the cache entry: no allocation, no shared counter
//! touched per request (a `Weak` to the manifest was: its count is one cache line
//! every worker writes).

/// What the protection concluded about one operation's payload.
#[derive(Clone, Copy, Debug)]
pub struct Verdict {
    /// The trusted-documents check's outcome.
    pub(super) trust: Trust,
    /// The operation's cost, when it was priced.
    pub(super) cost: Option<u64>,
    /// When the operation asked for its cost (`"extensions": {"cost": true}`): the
    /// `maxCost` the answer shows (`None` inside: no limit, none shown).
    pub(super) reported_limit: Option<Option<u64>>,
}

/// The trusted-documents check's outcome for a payload.
#[derive(Clone, Copy, Debug)]
pub(super) enum Trust {
    /// No trusted documents are configured (nothing to check, now or later).
    Unchecked,
    /// The operation was found (by text hash or by id) in the manifest of this
    /// generation.
    Listed(u64),
    /// The operation was not found (let through by the bypass header, or in `log`
    /// mode): never admitted from the verdict.
    NotListed,
}

impl Verdict {
    /// Whether an answer made for this payload may be served to a client whose cost
    /// limit is `max_cost`: it may unless it shows another client's `maxCost`.
    pub fn may_serve_to(&self, max_cost: Option<u64>) -> bool {
        self.reported_limit.is_none_or(|shown| shown == max_cost)
    }

    /// The generation of the manifest that listed the operation, if one did.
    pub(super) fn listed_by(&self) -> Option<u64> {
        match self.trust {
            Trust::Listed(generation) => Some(generation),
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
            cost: None,
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

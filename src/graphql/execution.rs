//! The one execution boundary: every `/graphql` request is answered through
//! [`GatewaySchema::answer`], and this is the one place that says how.
//!
//! Four ways answer a request, cheapest first; a request takes the first it is
//! eligible for, and every way answers the same bytes the general path would (each
//! step's property or equality test: `plan/tests/`, `schema.rs`'s lean tests,
//! `tests/api/compiled_plans.rs`, `tests/api/protection.rs`):
//!
//! 1. **Response cache** (`http::response_cache`). It is consulted by the HTTP
//!    handler before this boundary, since it keys on the raw payload bytes (method,
//!    negotiated media type, body or query string) and a hit reads, parses and runs
//!    nothing. Eligible: the cache is on, the payload is JSON, no `Cache-Control:
//!    no-cache`/`no-store`; an entry exists only for a single operation's 200 answer
//!    without errors whose products were all fresh. Protection runs before it, so a
//!    hit is admitted, priced and rate limited like any other request.
//! 2. **Compiled plan** ([`super::plan`]). Eligible: a single operation (not a JSON
//!    array batch); `--compiled-plans on` with a document cache (`--document-cache-size`
//!    above 0, where the plans are kept); no request extension left once protection
//!    has taken its own (`cost`, `documentId`): no `persistedQuery`; no `_service`
//!    in the text; a document of a plannable shape (`plan/compile.rs` lists it:
//!    `product`, `products`, `lookups`, `__typename` over plain selections, no
//!    fragments or directives, variables declared as the arguments they feed);
//!    within the shape limits; and a request the plan can answer exactly (the
//!    operation name matches, the variables have the declared shapes, every code is
//!    within the GTIN budget and of the kind the plan words errors for — else
//!    `plan/run.rs` hands it back untouched, before any lookup). A text the plan
//!    store has not seen is compiled from the parse protection made of it, when it
//!    made one ([`Execution::parsed`], checked to be of the same text), not parsed
//!    again.
//! 3. **Lean schema** ([`GatewaySchema`], no async-graphql extension). Eligible: no
//!    request extension, no `_service`, a document that parses and passes the shape
//!    limits. A request it refuses before execution is run again on the full schema.
//! 4. **Full schema**: everything else (JSON batches, persisted queries, federation
//!    `_service`, documents that do not parse or validate).
//!
//! What every way shares, so none can drift: the deadline and the per-operation
//! GTIN budget (the [`RequestScope`] the resolvers read, the same limit the plan
//! checks), where the loader notes freshness (for the response cache), and the
//! response `extensions` the caller asks for ([`Execution::extensions`], e.g.
//! protection's `cost`), written into a planned body exactly where async-graphql's
//! serializer puts them (after `data`, before `errors`).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse, Value};
use tokio::time::Instant;

use super::document_cache::KnownParse;
use super::plan::Planned;
use super::request_scope::RequestScope;
use super::schema::GatewaySchema;
use crate::loader::AnswerFreshness;
use crate::telemetry::metrics::GRAPHQL_PLANNED;

/// The `extensions` one operation's response should carry, by name.
pub type ResponseExtensions = BTreeMap<String, Value>;

/// How one request is to be run.
pub struct Execution<'a> {
    /// When every operation of it must have answered.
    pub deadline: Instant,
    /// Where a single operation's lookups note how fresh they are.
    pub freshness: &'a Arc<AnswerFreshness>,
    /// Per operation, in batch order, the `extensions` its response gains (empty
    /// when nothing is to be added).
    pub extensions: Vec<ResponseExtensions>,
    /// Per operation, in batch order, a parse of its text made already (by
    /// protection, pricing it), or `None`; empty when there is none. A text the
    /// plan store has not seen is compiled from it instead of being parsed again.
    pub parsed: Vec<Option<KnownParse>>,
}

/// A request's answer, by the way it was answered.
pub enum Answered {
    /// By its compiled plan: the body, serialized already.
    Planned(Planned),
    /// By async-graphql (lean or full schema).
    Executed(BatchResponse),
}

impl GatewaySchema {
    /// Answers `batch` the cheapest way it is eligible for (see the module doc).
    pub async fn answer(&self, batch: BatchRequest, run: Execution<'_>) -> Answered {
        let Execution {
            deadline,
            freshness,
            extensions,
            parsed,
        } = run;
        let parsed = parsed.first().and_then(Option::as_ref);
        if let BatchRequest::Single(request) = &batch
            && let Some(mut planned) = self
                .execute_planned_with(request, Some(deadline), Some(freshness), parsed)
                .await
        {
            metrics::counter!(GRAPHQL_PLANNED).increment(1);
            if let Some(extensions) = extensions.first().filter(|added| !added.is_empty()) {
                planned.insert_extensions(extensions);
            }
            return Answered::Planned(planned);
        }
        // Boxed: async-graphql's execution is a 9 KB future, and held inline it made the
        // handler's future 11 KB, moved (memcpy) on every request, cache hits included.
        let mut executed =
            Box::pin(self.execute_batch(with_scope(batch, deadline, freshness))).await;
        add_extensions(&mut executed, extensions);
        Answered::Executed(executed)
    }
}

/// Gives every operation of the batch its own [`RequestScope`] ending at `deadline`;
/// a single operation's scope notes its answers' freshness in `freshness`.
fn with_scope(
    batch: BatchRequest,
    deadline: Instant,
    freshness: &Arc<AnswerFreshness>,
) -> BatchRequest {
    match batch {
        BatchRequest::Single(request) => BatchRequest::Single(RequestScope::attach_noting(
            request,
            Some(deadline),
            Arc::clone(freshness),
        )),
        BatchRequest::Batch(requests) => BatchRequest::Batch(
            requests
                .into_iter()
                .map(|request| RequestScope::attach(request, Some(deadline)))
                .collect(),
        ),
    }
}

/// Puts each operation's added `extensions` into its response.
fn add_extensions(executed: &mut BatchResponse, extensions: Vec<ResponseExtensions>) {
    if extensions.iter().all(BTreeMap::is_empty) {
        return;
    }
    let responses = match executed {
        BatchResponse::Single(response) => std::slice::from_mut(response),
        BatchResponse::Batch(responses) => responses.as_mut_slice(),
    };
    for (response, added) in responses.iter_mut().zip(extensions) {
        response.extensions.extend(added);
    }
}

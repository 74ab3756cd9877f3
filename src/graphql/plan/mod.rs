//! Compiled plans for the common requests: `product`, `products` and `lookups` with
//! selections of fields without arguments, answered without async-graphql's
//! validation and per-field execution.
//!
//! Why: for a basket of 40 products async-graphql resolves 40 × 6 fields through a
//! boxed future each and builds a `Value` tree that is then serialized: about a
//! quarter of the gateway's CPU on cold traffic (bench/JOURNAL.md, session 4). A plan
//! is compiled once per query text ([`compile`]) and cached; a request is then its
//! keys parsed, one call to the loader and the bytes written ([`run`]).
//!
//! The plan answers exactly what the general path answers, byte for byte (a property
//! test runs random plannable documents through both); any request it cannot answer
//! exactly so (a bad code, a missing variable, a name it does not know) it gives
//! back untouched to the general path.
//!
//! The plans are kept with the parsed documents ([`super::document_cache`], a store
//! of their own within the same bounds) and are on unless `--compiled-plans off`.
//! When a request is answered by its plan is decided in one place:
//! [`super::execution`].

mod compile;
mod run;
#[cfg(test)]
mod tests;

pub(crate) use compile::Plan;
pub use run::Planned;
pub(crate) use run::{RunWith, run};

use super::limits::{QueryLimits, within_limits};

/// The plan of `query`, or `None` when it does not parse, is over the shape
/// `limits` (the general path refuses it) or is not of a plannable shape.
pub(crate) fn compile_text(query: &str, limits: &QueryLimits) -> Option<Plan> {
    let document = crate::graphql_syntax::parse_query(query).ok()?;
    compile_parsed(&document, limits)
}

/// The plan of a parsed document, as [`compile_text`] gives it for its text.
pub(crate) fn compile_parsed(
    document: &async_graphql::parser::types::ExecutableDocument,
    limits: &QueryLimits,
) -> Option<Plan> {
    if !within_limits(document, limits) {
        return None;
    }
    compile::compile(document)
}

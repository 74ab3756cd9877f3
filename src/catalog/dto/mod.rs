//! The upstream's wire shapes (docs/upstream-contract.md, "Product object") read in one pass,
//! straight from the answer's bytes into [`Product`]s: no intermediate
//! `serde_json::Value` tree and no map of attributes.
//!
//! A tolerant reader: unknown fields are ignored, and every field except `gtin` and
//! `title` may be missing, `null` or malformed without costing the product; a
//! malformed optional field is dropped (logged at debug) as if it were absent. What
//! makes an entry unusable is only what makes it unidentifiable: not an object, no
//! `gtin`/`title` strings, a field given twice, or a `gtin` that is not a valid GTIN.
//!
//! Tolerance needs care when reading from a stream: serde_json cannot resume after a
//! shape error, so no reader here ever reports one. Each accepts any JSON value and
//! says what it found ([`Loose`]); only a syntax error (a body that is not JSON)
//! stops the read, and that fails the whole answer, as it always did.
//!
//! Attributes arrive as a JSON object and come out sorted by name, a name given
//! twice keeping its last value (what reading them into a sorted map did before):
//! the contract gives their order no meaning.
//!
//! Files: `loose` is the tolerant-serde kit (a reader that accepts any JSON value
//! and says what it found); `product` maps a product object onto [`Product`] with
//! it; the tests check the one-pass reader against `tests/reference.rs`, the reader
//! it replaced, kept as an oracle.

mod loose;
mod product;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;

use serde::Deserialize;
use serde::de::Deserializer;
#[cfg(test)]
use serde_json::Value;

use super::Product;
use crate::gtin::DigitsError;
use loose::Loose;
use product::Checked;
pub(crate) use product::is_decimal;

/// A batch answer: `{"products": [...]}`. Each entry is read on its own terms, so
/// one broken entry fails only itself, and the others are still read.
#[derive(Deserialize)]
pub(crate) struct BatchBody {
    /// The products the upstream found, in any order, possibly with extras.
    pub(crate) products: Vec<Entry>,
}

/// One product entry of an answer: the product with its `gtin` normalized, or why
/// the entry is unusable. Reading it never fails on the entry's shape.
#[derive(Debug)]
pub(crate) struct Entry(pub(crate) Result<Product, EntryError>);

/// Why one product entry of an answer cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EntryError {
    /// The entry is a string, number, array … instead of an object.
    #[error("product entry is not a JSON object")]
    NotAnObject,
    /// `gtin` or `title` is missing or not a string, or a field is given twice.
    #[error("product entry is malformed: {0}")]
    Shape(String),
    /// `gtin` is a string but not a valid GTIN.
    #[error("product entry has an invalid gtin {gtin:?}: {reason:?}")]
    InvalidGtin {
        /// The `gtin` as sent.
        gtin: String,
        /// Why it is not a GTIN.
        reason: DigitsError,
    },
}

/// Reads one product entry from a JSON value (what the tests hand in), through the
/// same byte reader an answer goes through.
#[cfg(test)]
pub(crate) fn parse_entry(entry: Value) -> Result<Product, EntryError> {
    let bytes = serde_json::to_vec(&entry).map_err(|err| EntryError::Shape(err.to_string()))?;
    serde_json::from_slice::<Entry>(&bytes)
        .map_err(|err| EntryError::Shape(err.to_string()))?
        .0
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Entry(match Loose::<Checked>::deserialize(deserializer)? {
            Loose::Value(Checked(product)) => product,
            Loose::Null | Loose::Wrong(_) => Err(EntryError::NotAnObject),
        }))
    }
}

//! GS1 identity: every spelling of a barcode number a client can send, turned into
//! one canonical GTIN (see `shared/gtin-spec.md`). Pure: no I/O, no async, std only.

mod check_digit;
mod identity;

pub use identity::{DigitsError, Gtin, GtinFormat};

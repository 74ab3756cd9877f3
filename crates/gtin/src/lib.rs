//! GS1 identity: every spelling of a barcode number a client can send, turned into
//! one canonical GTIN (see `docs/gtin-rules.md`). Pure: no I/O, no async, std only.
//!
//! [`parse`] gives the [`Gtin`]; [`analyze`] also gives the [`Kind`], warnings, the
//! symbology and, with an [`RcnRegion`], the decoded variable measure. Two spellings
//! are the same product exactly when their `Gtin`s are equal (spec §4):
//!
//! ```
//! use gtin::{analyze, parse, Kind};
//!
//! let upc_a = parse("036000291452")?;
//! let ean_13 = parse("0036000291452")?;
//! assert_eq!(upc_a, ean_13);
//! assert_eq!(upc_a.gtin14(), "00036000291452");
//! assert_eq!(upc_a.upc_a(), Some("036000291452"));
//!
//! let coupon = analyze("9900000000004", None)?;
//! assert_eq!(coupon.kind, Kind::Coupon);
//! assert_eq!(coupon.lookup_gtin(), None);
//! # Ok::<(), gtin::ParseError>(())
//! ```

// The README's examples run as doctests, so the crate's front page cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

mod ai;
mod ai_table;
mod bracketed;
mod byte_set;
mod check_digit;
mod classify;
mod date;
mod digital_link;
mod digits;
mod dl_compression;
mod element_string;
mod error;
mod identity;
mod isbn;
mod key;
mod parse;
mod parsed;
mod percent;
mod prefixes;
mod rcn;
mod scan;
mod symbology;
mod upc_e;

#[cfg(test)]
mod tests;

pub use date::{Date, current_year};
pub use dl_compression::{
    CompressionError, build_digital_link, compress_digital_link, expand_digital_link,
};
pub use error::{ParseError, Reason};
pub use identity::{DigitsError, Gtin, GtinFormat};
pub use parse::{analyze, parse};
pub use parsed::{Kind, Parsed, Symbology, Warning};
pub use prefixes::{Gs1Prefix, gs1_prefix};
pub use rcn::{RcnRegion, UnknownRcnRegion, VariableMeasure};
pub use scan::{Element, KeyScan, Reading, Role, Scan, read, read_in_year, scan, scan_in_year};
pub use upc_e::UpcE;

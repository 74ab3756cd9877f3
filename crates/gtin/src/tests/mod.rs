//! Whole-parser tests: tables of real numbers from the spec and from the public test
//! suites of biip and python-stdnum, and property tests. Unit tests of each step sit
//! at the bottom of that step's file.

mod compressed_links;
mod keys;
mod library_vectors;
mod properties;
mod scan_vectors;
mod spec_rows;

use super::{ParseError, Parsed, RcnRegion, analyze};

/// Parses a row that must succeed.
fn ok(input: &str, region: Option<RcnRegion>) -> Parsed {
    analyze(input, region).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"))
}

/// Parses a row that must fail.
fn err(input: &str, region: Option<RcnRegion>) -> ParseError {
    match analyze(input, region) {
        Ok(p) => panic!("{input:?} should fail, parsed as {p:?}"),
        Err(e) => e,
    }
}

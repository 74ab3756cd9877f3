#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

//! The crate as a dependent sees it: only the public API, no internals. Each test is
//! one promise the gateway builds on.

use gtin::{DigitsError, Gtin, GtinFormat, Kind, RcnRegion, Reason, analyze, parse};

#[test]
fn every_spelling_of_one_item_is_one_gtin() {
    let canonical = parse("036000291452").unwrap();
    for spelling in [
        "0036000291452",
        "00036000291452",
        " 0 36000-29145 2 ",
        "]E00036000291452",
    ] {
        assert_eq!(parse(spelling), Ok(canonical), "{spelling:?}");
    }
    assert_eq!(canonical.gtin14(), "00036000291452");
    assert_eq!(canonical.format(), GtinFormat::Gtin12);
}

#[test]
fn a_completed_payload_is_the_number_with_its_check_digit() {
    for (payload, full) in [
        ("9638507", "96385074"),
        ("03600029145", "036000291452"),
        ("590123412345", "5901234123457"),
        ("1003600029145", "10036000291459"),
    ] {
        let gtin = Gtin::with_check_digit(payload).unwrap();
        assert_eq!(gtin.as_own_format(), full);
        assert_eq!(Gtin::from_digits(full), Ok(gtin));
    }
}

#[test]
fn a_payload_that_cannot_be_completed_says_why() {
    assert_eq!(Gtin::with_check_digit("123"), Err(DigitsError::Length(4)));
    assert_eq!(
        Gtin::with_check_digit("0360002914x"),
        Err(DigitsError::NotADigit(10))
    );
    assert_eq!(
        Gtin::with_check_digit("00000000000"),
        Err(DigitsError::Zero)
    );
}

#[test]
fn a_wrong_check_digit_is_refused_with_the_expected_one() {
    let error = parse("036000291457").unwrap_err();
    assert_eq!(error.reason(), Reason::InvalidCheckDigit);
    assert!(error.message().contains('2'), "{}", error.message());
}

#[test]
fn a_variable_measure_label_is_looked_up_by_its_base_item() {
    // A German price label: item 11114, price 2.39.
    let parsed = analyze("2211114002394", Some(RcnRegion::De)).unwrap();
    assert_eq!(parsed.kind, Kind::RcnVariableMeasure);
    let lookup = parsed.lookup_gtin().unwrap();
    assert_ne!(lookup, parsed.gtin);
    assert!(parsed.variable_measure.is_some());
}

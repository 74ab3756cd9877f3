//! Whole-scan tables: GS1's own examples (the Digital Link standard's URI, the GS1
//! Syntax Engine's date vectors), rows written here for the GenSpecs rules, and the
//! test vectors of the python `biip` library (github.com/jodal/biip). Every row goes
//! through [`crate::scan_in_year`] with 2026 as the reading year, so the century rule
//! is fixed.

use crate::{Reason, Scan, scan_in_year};

fn scan(input: &str) -> Scan {
    scan_in_year(input, None, 2026).unwrap_or_else(|e| panic!("{input:?} should scan: {e}"))
}

fn refused(input: &str) -> (Reason, Option<String>) {
    match scan_in_year(input, None, 2026) {
        Ok(s) => panic!("{input:?} should fail, scanned as {s:?}"),
        Err(e) => (e.reason(), e.ai().map(str::to_owned)),
    }
}

/// `(ai, value)` pairs in the order of the code.
fn pairs(s: &Scan) -> Vec<(&str, &str)> {
    s.elements().iter().map(|e| (e.ai(), e.value())).collect()
}

/// GS1 Digital Link standard (1.1, §4 "GS1 Digital Link URI syntax" examples) and the
/// issue's examples of a QR code and a DataMatrix at the till.
#[test]
fn gs1_digital_link_examples() {
    let s = scan("https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426");
    assert_eq!(
        pairs(&s),
        [
            ("01", "09520123456788"),
            ("10", "ABC1"),
            ("21", "12345"),
            ("17", "180426")
        ]
    );
    assert_eq!(
        s.expiry().map(|d| d.to_string()).as_deref(),
        Some("2018-04-26")
    );
    let s = scan("https://brand.example/01/09506000134352/10/LOT42?17=270131");
    assert_eq!((s.lot(), s.serial()), (Some("LOT42"), None));
    assert_eq!(
        s.expiry().map(|d| d.to_string()).as_deref(),
        Some("2027-01-31")
    );
    let dm = scan("]d201095060001343521727013110LOT42");
    assert_eq!(dm.lot(), s.lot());
    assert_eq!(dm.expiry(), s.expiry());
    // Path prefix, GTIN-13 spelt short, percent-encoded lot, a non-AI query key.
    let s =
        scan("https://example.com/shop/01/9506000134352/10/A%2FB-12?linkType=gs1:pip&3103=001500");
    assert_eq!(s.get("01"), Some("09506000134352"));
    assert_eq!(s.lot(), Some("A/B-12"));
    assert_eq!(s.net_weight_kg().as_deref(), Some("1.500"));
}

/// Rows written for this table to pin the GS1 General Specifications rules: §7.12 (day
/// 00 is the last day of the month, the century rule), AI (310n) net weight and AI
/// (392n) price with the last AI digit as the number of implied decimals.
#[test]
fn gs1_general_specifications_examples() {
    let s = scan("]C101095060001343521528020011260115\u{1d}1623010013250101");
    let iso = |d: Option<crate::Date>| d.map(|d| d.to_string());
    assert_eq!(iso(s.best_before()).as_deref(), Some("2028-02-29"));
    assert_eq!(iso(s.production()).as_deref(), Some("2026-01-15"));
    assert_eq!(iso(s.sell_by()).as_deref(), Some("2023-01-31"));
    assert_eq!(iso(s.packaging()).as_deref(), Some("2025-01-01"));
    // Read in 2026, "77" is 1977 (difference 51) and "76" is 2076.
    assert_eq!(
        iso(scan("]C1010950600013435217770101").expiry()).as_deref(),
        Some("1977-01-01")
    );
    assert_eq!(
        iso(scan("]C1010950600013435217760101").expiry()).as_deref(),
        Some("2076-01-01")
    );
    let s = scan("]C1010950600013435231020012503922499\u{1d}10L1");
    assert_eq!(s.net_weight_kg().as_deref(), Some("12.50"));
    assert_eq!(s.price().as_deref(), Some("4.99"));
    assert_eq!(s.lot(), Some("L1"));
    let titles: Vec<&str> = s.elements().iter().map(|e| e.title()).collect();
    assert_eq!(titles, ["GTIN", "NET WEIGHT (kg)", "PRICE", "BATCH/LOT"]);
}

/// biip `tests/gs1_messages/test_messages.py` (`test_parse`,
/// `test_parse_with_separator_char`, `test_parse_ignores_redundant_separator_chars`,
/// `test_get_element_string_by_ai`), each behind `]C1`.
#[test]
fn biip_messages() {
    let rows: &[(&str, &[(&str, &str)])] = &[
        (
            "]C1010703206980498815210526100329",
            &[("01", "07032069804988"), ("15", "210526"), ("10", "0329")],
        ),
        // A variable-length lot in the middle without a GS swallows the date.
        (
            "]C1010703206980498810032915210526",
            &[("01", "07032069804988"), ("10", "032915210526")],
        ),
        (
            "]C10107032069804988100329\u{1d}15210526",
            &[("01", "07032069804988"), ("10", "0329"), ("15", "210526")],
        ),
        // Redundant separators: after a fixed-length field, doubled, at the end.
        (
            "]C10107032069804988\u{1d}100329\u{1d}\u{1d}15210526\u{1d}",
            &[("01", "07032069804988"), ("10", "0329"), ("15", "210526")],
        ),
        // biip's GRAI "07071324001022085952" has a wrong check digit (1, not 2), which
        // biip does not verify and the GS1 syntax dictionary does (`csum`): corrected.
        (
            "]C10107032069804988800307071324001021085952",
            &[("01", "07032069804988"), ("8003", "07071324001021085952")],
        ),
        (
            "]C101070320698049887230EM123\u{1d}7231EM456\u{1d}7232EM789",
            &[
                ("01", "07032069804988"),
                ("7230", "EM123"),
                ("7231", "EM456"),
                ("7232", "EM789"),
            ],
        ),
    ];
    for (input, expected) in rows {
        assert_eq!(pairs(&scan(input)), *expected, "{input:?}");
    }
    assert_eq!(
        scan("]C1010703206980498815210526100329")
            .best_before()
            .map(|d| d.to_string())
            .as_deref(),
        Some("2021-05-26")
    );
    assert_eq!(
        refused("]C10107032069804988800307071324001022085952"),
        (Reason::InvalidAiValue, Some("8003".to_owned()))
    );
    // biip `test_parse_fails_if_unparsed_data_left`: a full lot, then data.
    assert_eq!(
        refused("]C101070320698049881022222222222222222222aaa").0,
        Reason::InvalidAiValue
    );
}

/// biip `tests/test_gs1_digital_link_uris.py`: the invalid date "000000" biip refuses
/// unless told not to verify dates; `analyze` reads the GTIN, `scan` refuses.
#[test]
fn biip_digital_link_invalid_date() {
    let uri = "https://id.gs1.org/01/614141123452?15=000000";
    assert!(crate::analyze(uri, None).is_ok());
    assert_eq!(refused(uri), (Reason::InvalidAiDate, Some("15".to_owned())));
}

/// Malformed AIs and values: each a typed error naming the AI, never a wrong field.
#[test]
fn malformed_ai_data_is_a_typed_error() {
    let some = |ai: &str| Some(ai.to_owned());
    let rows: &[(&str, Reason, Option<String>)] = &[
        (
            "]C1010703206980498817271301",
            Reason::InvalidAiDate,
            some("17"),
        ),
        (
            "]C1010703206980498817270230",
            Reason::InvalidAiDate,
            some("17"),
        ),
        (
            "]C101070320698049881727013",
            Reason::InvalidAiValue,
            some("17"),
        ),
        (
            "]C10107032069804988310300150A",
            Reason::InvalidAiValue,
            some("3103"),
        ),
        (
            "]C1010703206980498810AB CD",
            Reason::InvalidAiValue,
            some("10"),
        ),
        ("]C1010703206980498821", Reason::InvalidAiValue, some("21")),
        ("]C10107032069804988\u{1d}2312", Reason::UnknownAi, None),
        (
            "]C1010703206980498817270131\u{1d}17270201",
            Reason::InvalidGs1ElementString,
            some("17"),
        ),
        (
            "]C10107032069804988003123456789012345678",
            Reason::InvalidAiValue,
            some("00"),
        ),
        (
            "https://id.gs1.org/01/09506000134352?17=271399",
            Reason::InvalidAiDate,
            some("17"),
        ),
        (
            "https://id.gs1.org/01/09506000134352?99999=1",
            Reason::UnknownAi,
            None,
        ),
        (
            "https://id.gs1.org/01/09506000134352?21=1",
            Reason::InvalidGs1ElementString,
            some("21"),
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/A%ZZ",
            Reason::InvalidAiValue,
            some("10"),
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/A%20B",
            Reason::InvalidAiValue,
            some("10"),
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/L1?10=L2",
            Reason::InvalidGs1ElementString,
            some("10"),
        ),
        (
            "https://id.gs1.org/01/09506000134352?3103=15",
            Reason::InvalidAiValue,
            some("3103"),
        ),
    ];
    for (input, reason, ai) in rows {
        assert_eq!(refused(input), (*reason, ai.clone()), "{input:?}");
    }
}

#[test]
fn plain_codes_carry_no_elements_and_links_round_trip() {
    let s = scan("9506000134352");
    assert!(s.elements().is_empty() && !s.carries_data());
    assert_eq!(s.digital_link("https://id.gs1.org"), None);
    let s = scan(
        "]d201095060001343521727013110A/B\u{1d}21S 1"
            .replace(' ', "")
            .as_str(),
    );
    let link = s.digital_link("https://id.gs1.org/").unwrap_or_default();
    assert_eq!(
        link,
        "https://id.gs1.org/01/09506000134352/10/A%2FB/21/S1?17=270131"
    );
    assert_eq!(
        pairs(&scan(&link)),
        [
            ("01", "09506000134352"),
            ("10", "A/B"),
            ("21", "S1"),
            ("17", "270131")
        ]
    );
}

/// GS1 Syntax Engine (github.com/gs1/gs1-syntax-engine) `src/c-lib/syntax/lint_yymmd0.c`,
/// `test_lint_yymmd0` at commit 274ba83: the dates its `yymmd0` linter accepts and
/// refuses (read here in 2026: "96" is 1996, "00" is 2000, both leap years).
#[test]
fn gs1_syntax_engine_yymmd0_vectors() {
    let pass = [
        "000606", "250606", "500606", "750606", "990606", "200131", "200229", "200331", "200430",
        "200531", "200630", "200731", "200831", "200930", "201031", "201130", "201231", "210228",
        "220228", "230228", "240229", "000229", "040229", "960229", "200600",
    ];
    let fail = [
        "x00131", "2x0131", "20x131", "200x31", "2001x1", "20013x", "", "1", "11", "111", "1111",
        "11111", "1111111", "200010", "201310", "209910", "200132", "200230", "200332", "200431",
        "200532", "200631", "200732", "200832", "200931", "201032", "201131", "201232", "210229",
        "220229", "230229", "240230", "000230", "040230", "960230",
    ];
    for date in pass {
        assert!(
            crate::date::Date::from_yymmdd(date, 2026, true).is_ok(),
            "{date}"
        );
        // Through the whole scan as AI (17).
        let input = format!("]C1010950600013435217{date}");
        assert!(scan_in_year(&input, None, 2026).is_ok(), "{input}");
    }
    for date in fail {
        assert!(
            crate::date::Date::from_yymmdd(date, 2026, true).is_err(),
            "{date:?}"
        );
    }
}

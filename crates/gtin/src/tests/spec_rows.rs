//! Every row of docs/gtin-rules.md §5 ("Tricky cases"), and the §4 "same product" rules.

use super::{err, ok};
use crate::{Kind, RcnRegion, Reason, Symbology, Warning, parse};

/// One accepted §5 row: input, kind, canonical GTIN-14, GTIN-13 form, UPC-A form.
type Accepted = (
    &'static str,
    Kind,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

#[rustfmt::skip]
const ACCEPTED: &[Accepted] = &[
    ("036000291452", Kind::ValidGtin, "00036000291452", Some("0036000291452"), Some("036000291452")),
    ("0036000291452", Kind::ValidGtin, "00036000291452", Some("0036000291452"), Some("036000291452")),
    (" 0 36000 29145 2 ", Kind::ValidGtin, "00036000291452", Some("0036000291452"), Some("036000291452")),
    ("036000-291452", Kind::ValidGtin, "00036000291452", Some("0036000291452"), Some("036000291452")),
    ("04252614", Kind::UpcE, "00042100005264", Some("0042100005264"), Some("042100005264")),
    ("14252611", Kind::UpcE, "00142100005261", Some("0142100005261"), Some("142100005261")),
    ("03491065", Kind::UpcE, "00034910000065", Some("0034910000065"), Some("034910000065")),
    ("96385074", Kind::ValidGtin, "00000096385074", None, None),
    ("10036000291459", Kind::ValidGtin, "10036000291459", None, None),
    ("98765432109213", Kind::ValidGtin, "98765432109213", None, None),
    ("978-0-471-11709-4", Kind::Isbn, "09780471117094", Some("9780471117094"), None),
    ("1-85798-218-5", Kind::Isbn10, "09781857982183", Some("9781857982183"), None),
    ("9771144875007", Kind::Issn, "09771144875007", Some("9771144875007"), None),
    ("]E3977114487500703", Kind::Issn, "09771144875007", Some("9771144875007"), None),
    ("]E00036000291452", Kind::ValidGtin, "00036000291452", Some("0036000291452"), Some("036000291452")),
    ("]C10100036000291452", Kind::ValidGtin, "00036000291452", Some("0036000291452"), Some("036000291452")),
    ("00000000000017", Kind::RcnCompany, "00000000000017", None, None),
    ("2011122912346", Kind::RcnVariableMeasure, "02011122912346", Some("2011122912346"), None),
    ("212345678992", Kind::RcnVariableMeasure, "00212345678992", Some("0212345678992"), Some("212345678992")),
    ("412345678903", Kind::RcnCompany, "00412345678903", Some("0412345678903"), Some("412345678903")),
    ("0412345678903", Kind::RcnCompany, "00412345678903", Some("0412345678903"), Some("412345678903")),
    ("9900000000004", Kind::Coupon, "09900000000004", Some("9900000000004"), None),
    ("9810000000006", Kind::Coupon, "09810000000006", Some("9810000000006"), None),
    ("9800000000007", Kind::RefundReceipt, "09800000000007", Some("9800000000007"), None),
];

#[test]
fn every_accepted_row_of_section_5_parses_as_the_spec_says() {
    for &(input, kind, gtin14, gtin13, upc_a) in ACCEPTED {
        let p = ok(input, None);
        assert_eq!(p.kind, kind, "{input:?} kind");
        assert_eq!(p.gtin.gtin14(), gtin14, "{input:?} gtin14");
        assert_eq!(p.gtin.gtin13(), gtin13, "{input:?} gtin13");
        assert_eq!(p.gtin.upc_a(), upc_a, "{input:?} upc_a");
    }
}

#[test]
fn every_rejected_row_of_section_5_gives_the_spec_reason() {
    let rows: &[(&str, Reason)] = &[
        ("36000291452", Reason::InvalidLength),
        ("425261", Reason::InvalidLength),
        ("0425261", Reason::InvalidLength),
        ("]E0036000291452", Reason::InvalidLength),
        ("２３６０００２９１４５２", Reason::InvalidCharacters),
        ("０３６０００２９１４５２", Reason::InvalidCharacters),
        ("٠٣٦٠٠٠٢٩١٤٥٢", Reason::InvalidCharacters),
        ("۰۳۶۰۰۰۲۹۱۴۵۲", Reason::InvalidCharacters),
        ("\u{1d}036000291452", Reason::InvalidCharacters),
        ("0000000000000", Reason::InvalidZero),
        ("00000000", Reason::InvalidZero),
        ("5901234123458", Reason::InvalidCheckDigit),
    ];
    for &(input, reason) in rows {
        assert_eq!(err(input, None).reason(), reason, "{input:?}");
    }
    // The RCN row that fails only with its region.
    let e = err("2511118000120", Some(RcnRegion::De));
    assert_eq!(e.reason(), Reason::InvalidVariableMeasureCheckDigit);
    assert_eq!(
        e.message(),
        "count check digit should be 9, found 8 (for the count digits 00012)"
    );
}

#[test]
fn the_lost_leading_zero_row_hints_the_padded_upc_a() {
    let e = err("36000291452", None);
    assert_eq!(
        e.hint().and_then(|h| h.split('?').next()),
        Some("did you mean 036000291452")
    );
}

#[test]
fn upc_e_number_system_1_parses_with_a_warning() {
    let p = ok("14252611", None);
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].code, Warning::UPC_E_NUMBER_SYSTEM_1);
}

#[test]
fn a_leading_zero_eight_digit_code_valid_both_ways_is_read_as_upc_e() {
    // Spec §5: biip.parse reads 03491065 as GTIN-8 00000003491065; the spec decides UPC-E.
    assert!(crate::Gtin::from_digits("03491065").is_ok());
    assert_eq!(ok("03491065", None).kind, Kind::UpcE);
    // ]E4 forces the GTIN-8 reading.
    let p = ok("]E403491065", None);
    assert_eq!(p.gtin.gtin14(), "00000003491065");
    assert_eq!(p.kind, Kind::RcnCompany);
    assert_eq!(p.symbology, Some(Symbology::Ean8));
}

#[test]
fn the_add_on_row_drops_the_add_on_with_a_warning() {
    let p = ok("]E3977114487500703", None);
    assert_eq!(p.symbology, Some(Symbology::EanWithAddOn));
    assert_eq!(p.warnings[0].code, Warning::ADD_ON_DROPPED);
    assert!(p.warnings[0].message.contains("03"));
}

#[test]
fn the_rcn_rows_decode_with_their_region() {
    // (label, region, price, weight, lookup key)
    type RcnRow = (
        &'static str,
        RcnRegion,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
    );
    let rows: &[RcnRow] = &[
        (
            "2011122912346",
            RcnRegion::Gb,
            Some("12.34"),
            None,
            "02011122000005",
        ),
        (
            "2388060112344",
            RcnRegion::Se,
            None,
            Some("1.234"),
            "02388060100006",
        ),
        (
            "2811111068708",
            RcnRegion::De,
            None,
            Some("6.870"),
            "02811110000006",
        ),
    ];
    for &(input, region, price, weight, lookup) in rows {
        let p = ok(input, Some(region));
        let vm = p.variable_measure.clone().expect("decoded");
        assert_eq!(vm.region, region);
        assert_eq!(vm.price.as_deref(), price, "{input}");
        assert_eq!(vm.weight_kg.as_deref(), weight, "{input}");
        assert_eq!(vm.lookup.gtin14(), lookup, "{input}");
        assert_eq!(
            p.lookup_gtin().map(|g| g.to_string()).as_deref(),
            Some(lookup)
        );
        // The canonical key stays the full label number.
        assert_eq!(p.gtin.gtin13(), Some(input));
    }
}

#[test]
fn without_a_region_an_rcn_is_its_own_lookup_key() {
    let p = ok("2011122912346", None);
    assert_eq!(p.kind, Kind::RcnVariableMeasure);
    assert_eq!(p.variable_measure, None);
    assert_eq!(p.lookup_gtin(), Some(p.gtin));
    assert!(p.warnings.is_empty());
    // The US store code is never decoded, even with a region.
    let p = ok("212345678992", Some(RcnRegion::Se));
    assert_eq!(p.variable_measure, None);
    assert_eq!(p.warnings[0].code, Warning::RCN_NOT_DECODED);
}

#[test]
fn coupons_and_refund_receipts_are_not_trade_items() {
    for input in ["9900000000004", "9810000000006", "9800000000007"] {
        let p = ok(input, None);
        assert!(!p.is_trade_item(), "{input}");
        assert_eq!(p.lookup_gtin(), None, "{input}");
    }
}

/// Spec §4: the same product iff the canonical GTIN-14s are equal.
#[test]
fn same_product_spellings_are_equal_and_others_are_not() {
    let same: &[&[&str]] = &[
        &[
            "04252614",
            "042100005264",
            "0042100005264",
            "00042100005264",
            "]E00042100005264",
        ],
        &["96385074", "00000096385074"],
        &["1-85798-218-5", "978-1-85798-218-3", "09781857982183"],
    ];
    for group in same {
        let first = parse(group[0]).expect("valid");
        for s in &group[1..] {
            assert_eq!(parse(s).expect("valid"), first, "{s} vs {}", group[0]);
        }
    }
    let different: &[&[&str]] = &[
        // Indicator variants.
        &["00036000291452", "10036000291459", "90036000291455"],
        // ISSN variant (issue) digits.
        &["9771144875007", "9771144875014"],
    ];
    for group in different {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                assert_ne!(
                    parse(a).expect("valid"),
                    parse(b).expect("valid"),
                    "{a} vs {b}"
                );
            }
        }
    }
    // A GTIN-8 is unrelated to a 13-digit number that merely contains its digits.
    assert_ne!(
        parse("96385074").expect("valid"),
        parse("9638507400002").expect("valid")
    );
}

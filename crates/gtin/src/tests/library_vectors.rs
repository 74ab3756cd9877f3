//! Vectors from the public test suites of biip (github.com/jodal/biip, `tests/`) and
//! python-stdnum (github.com/arthurdejong/python-stdnum, `tests/*.doctest`). Each
//! table names the file it comes from. Where the spec's decisions override a library,
//! the row says so and expects the spec's answer.

use super::{err, ok};
use crate::{Kind, RcnRegion, Reason, Symbology, Warning, parse};

/// biip `tests/gtin/test_parse.py`: every zero-padded spelling is the same GTIN.
#[test]
fn biip_gtin_parse_padded_spellings_are_one_gtin() {
    let groups: &[(&[&str], &str)] = &[
        (
            &[
                "96385074",
                "000096385074",
                "0000096385074",
                "00000096385074",
            ],
            "00000096385074",
        ),
        (
            &["123601057072", "0123601057072", "00123601057072"],
            "00123601057072",
        ),
        (
            &["036000291452", "0036000291452", "00036000291452"],
            "00036000291452",
        ),
        (&["006000291455", "00006000291455"], "00006000291455"),
        (
            &["000902914511", "0000902914511", "00000902914511"],
            "00000902914511",
        ),
        (&["5901234123457", "05901234123457"], "05901234123457"),
        (&["98765432109213"], "98765432109213"),
    ];
    for &(spellings, gtin14) in groups {
        for s in spellings {
            assert_eq!(
                parse(s).map(|g| g.to_string()).as_deref(),
                Ok(gtin14),
                "{s}"
            );
        }
    }
    assert_eq!(parse("98765432109213").expect("valid").indicator(), 9);
}

/// biip `tests/gtin/test_parse.py` error cases.
#[test]
fn biip_gtin_parse_errors() {
    let e = err("5901234123458", None);
    assert_eq!(e.message(), "check digit should be 7, found 8");
    assert_eq!(err("123", None).reason(), Reason::InvalidLength);
    assert_eq!(
        err("0123456789abc", None).reason(),
        Reason::InvalidCharacters
    );
}

/// biip `tests/upc/test_parse.py`.
#[test]
fn biip_upc_parse() {
    assert_eq!(ok("042100005264", None).gtin.gtin14(), "00042100005264");
    // 6 and 7 digits: biip expands them; spec R5 refuses (no check digit), with a hint.
    assert_eq!(err("425261", None).reason(), Reason::InvalidLength);
    let e = err("1425261", None);
    assert_eq!(e.reason(), Reason::InvalidLength);
    assert!(
        e.hint()
            .is_some_and(|h| h.starts_with("did you mean 14252611?"))
    );
    // 8 digits, number system 1.
    let p = ok("14252611", None);
    assert_eq!((p.kind, p.gtin.upc_a()), (Kind::UpcE, Some("142100005261")));
    // Check digits ("Expected 4, got 3").
    assert_eq!(
        err("042100005263", None).message(),
        "check digit should be 4, found 3"
    );
    let e = err("04252613", None);
    assert_eq!(e.reason(), Reason::InvalidCheckDigit);
    assert!(
        e.message()
            .starts_with("check digit should be 4 (as a UPC-E)"),
        "{e}"
    );
    // Non-numeric.
    for s in ["012345678abc", "012345678⁰⁰⁰"] {
        assert_eq!(err(s, None).reason(), Reason::InvalidCharacters, "{s}");
    }
    // Number systems 2-9 are never UPC-E (7 digits here: a length error for us).
    for ns in 2..10 {
        assert_eq!(
            err(&format!("{ns}425261"), None).reason(),
            Reason::InvalidLength
        );
    }
    // biip tests/test_upc.py: surrounding white space is stripped.
    assert_eq!(
        ok("  \t 042100005264 \n  ", None).gtin.gtin14(),
        "00042100005264"
    );
}

/// biip `tests/upc/test_encode.py`: UPC-E ↔ UPC-A, suppression conditions A-D.
#[test]
fn biip_upc_encode_pairs_parse_to_the_same_gtin_and_suppress_back() {
    let pairs = [
        ("04252614", "042100005264"),
        ("02345673", "023456000073"),
        ("02345147", "023450000017"),
        ("06397126", "063200009716"),
        ("08679339", "086700000939"),
    ];
    for (upc_e, upc_a) in pairs {
        let from_e = ok(upc_e, None);
        assert_eq!(from_e.kind, Kind::UpcE, "{upc_e}");
        assert!(from_e.warnings.is_empty(), "{upc_e}: {:?}", from_e.warnings);
        let from_a = parse(upc_a).expect("valid");
        assert_eq!(from_e.gtin, from_a, "{upc_e}");
        assert_eq!(
            from_a.upc_e().map(|u| u.to_string()).as_deref(),
            Some(upc_e)
        );
    }
    assert_eq!(parse("123456789012").expect("valid").upc_e(), None);
}

/// biip `tests/test_parse.py` (top-level `biip.parse`), rows with a GTIN.
#[test]
fn biip_parse_rows() {
    let rows: &[(&str, &str, Option<Symbology>)] = &[
        ("96385074", "00000096385074", None),
        ("]E496385074", "00000096385074", Some(Symbology::Ean8)),
        // Valid as GTIN-8 and as UPC-E: leading 1 → GTIN-8, as biip does.
        ("12345670", "00000012345670", None),
        ("123601057072", "00123601057072", None),
        ("]E00123601057072", "00123601057072", Some(Symbology::Ean13)),
        ("5901234123457", "05901234123457", None),
        ("]E05901234123457", "05901234123457", Some(Symbology::Ean13)),
        ("05901234123457", "05901234123457", None),
        (
            "]I105901234123457",
            "05901234123457",
            Some(Symbology::Itf14),
        ),
        (
            "]C1010590123412345715210526",
            "05901234123457",
            Some(Symbology::Gs1_128),
        ),
        (
            "]e00100123456789012",
            "00123456789012",
            Some(Symbology::Gs1DataBar),
        ),
        ("  \t 5901234123457 \n  ", "05901234123457", None),
    ];
    for &(input, gtin14, symbology) in rows {
        let p = ok(input, None);
        assert_eq!(p.gtin.gtin14(), gtin14, "{input:?}");
        assert_eq!(p.symbology, symbology, "{input:?}");
    }
    // biip reads a bare element string ("0105901234123457"); the spec does not (R5).
    assert_eq!(
        err("0105901234123457", None).reason(),
        Reason::InvalidLength
    );
    assert_eq!(
        err("]C10105901234123458", None).reason(),
        Reason::InvalidCheckDigit
    );
    assert_eq!(err("abc", None).reason(), Reason::InvalidCharacters);
}

/// biip `tests/test_parse.py` `test_parse_rcn_with_ignored_invalid_check_digit`: biip
/// needs `rcn_verify_variable_measure=False` for this label; we always verify.
#[test]
fn biip_rcn_in_gs1_128_with_a_bad_verifier() {
    let e = err("]C10102824040005133", Some(RcnRegion::De));
    assert_eq!(e.reason(), Reason::InvalidVariableMeasureCheckDigit);
    let p = ok("]C10102824040005133", None);
    assert_eq!(
        (p.kind, p.gtin.gtin14()),
        (Kind::RcnVariableMeasure, "02824040005133")
    );
}

/// biip `tests/rcn/test_rules.py`: (region, label, price, weight, count).
#[test]
fn biip_rcn_rules_decode_every_region() {
    type Row = (
        RcnRegion,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<u32>,
    );
    let rows: &[Row] = &[
        (RcnRegion::Ee, "2311111112345", None, Some("1.234"), None),
        (RcnRegion::Ee, "2411111112342", None, Some("12.34"), None),
        (RcnRegion::Ee, "2511111112349", None, Some("123.4"), None),
        (RcnRegion::Lv, "2311111112345", None, Some("1.234"), None),
        (RcnRegion::Lv, "2411111112342", None, Some("12.34"), None),
        (RcnRegion::Lv, "2511111112349", None, Some("123.4"), None),
        (RcnRegion::Lt, "2311111112345", None, Some("1.234"), None),
        (RcnRegion::Lt, "2411111112342", None, Some("12.34"), None),
        (RcnRegion::Lt, "2511111112349", None, Some("123.4"), None),
        (RcnRegion::Dk, "2135040039753", Some("39.75"), None, None),
        (RcnRegion::Dk, "2235040039750", Some("39.75"), None, None),
        (RcnRegion::Dk, "2335040039757", Some("39.75"), None, None),
        (RcnRegion::Dk, "2435040039754", Some("39.75"), None, None),
        (RcnRegion::Dk, "2623570001505", None, Some("0.150"), None),
        (RcnRegion::Dk, "2712341002251", None, Some("0.225"), None),
        (RcnRegion::Dk, "2823570001509", None, Some("0.150"), None),
        (RcnRegion::Fi, "2388060112344", None, Some("1.234"), None),
        (RcnRegion::Fi, "2488060112341", None, Some("12.34"), None),
        (RcnRegion::Fi, "2588060112348", None, Some("123.4"), None),
        (RcnRegion::De, "2211114002394", Some("2.39"), None, None),
        (RcnRegion::De, "2330714002396", Some("2.39"), None, None),
        (RcnRegion::De, "2511119000129", None, None, Some(12)),
        (RcnRegion::De, "2630719000121", None, None, Some(12)),
        (RcnRegion::De, "2811111068708", None, Some("6.870"), None),
        (RcnRegion::De, "2930711068700", None, Some("6.870"), None),
        (RcnRegion::De, "02211114002394", Some("2.39"), None, None),
        (RcnRegion::De, "02511119000129", None, None, Some(12)),
        (RcnRegion::De, "02811111068708", None, Some("6.870"), None),
        (RcnRegion::Gb, "2011122912346", Some("12.34"), None, None),
        (RcnRegion::No, "2302148210869", None, Some("1.086"), None),
        (RcnRegion::No, "2368091402263", None, Some("0.226"), None),
        (RcnRegion::Se, "2088060112343", Some("12.34"), None, None),
        (RcnRegion::Se, "2188060112340", Some("123.4"), None, None),
        (RcnRegion::Se, "2288060112347", Some("1234"), None, None),
        (RcnRegion::Se, "2388060112344", None, Some("1.234"), None),
        (RcnRegion::Se, "2488060112341", None, Some("12.34"), None),
        (RcnRegion::Se, "2588060112348", None, Some("123.4"), None),
    ];
    for &(region, input, price, weight, count) in rows {
        let p = ok(input, Some(region));
        assert_eq!(p.kind, Kind::RcnVariableMeasure, "{region} {input}");
        let vm = p.variable_measure.expect("decoded");
        assert_eq!(vm.price.as_deref(), price, "{region} {input}");
        assert_eq!(vm.weight_kg.as_deref(), weight, "{region} {input}");
        assert_eq!(vm.count, count, "{region} {input}");
    }
    // "2911111111111" has no layout in these regions (biip: weight/price None).
    for region in [
        RcnRegion::Ee,
        RcnRegion::Lv,
        RcnRegion::Lt,
        RcnRegion::Dk,
        RcnRegion::Fi,
        RcnRegion::Gb,
        RcnRegion::No,
        RcnRegion::Se,
    ] {
        let p = ok("2911111111111", Some(region));
        assert_eq!(p.variable_measure, None, "{region}");
        assert_eq!(p.warnings[0].code, Warning::RCN_NOT_DECODED);
    }
}

/// biip `tests/rcn/test_rules.py`: wrong verifier digits ("Expected 9, got 8").
#[test]
fn biip_rcn_rules_reject_wrong_verifier_digits() {
    for (region, input) in [
        (RcnRegion::De, "2511118000120"),
        (RcnRegion::Gb, "2011122812349"),
    ] {
        let e = err(input, Some(region));
        assert_eq!(
            e.reason(),
            Reason::InvalidVariableMeasureCheckDigit,
            "{input}"
        );
        assert!(e.message().contains("should be 9, found 8"), "{e}");
    }
}

/// biip `tests/rcn/test_without_variable_measure.py`: lookup keys.
#[test]
fn biip_without_variable_measure_lookup_keys() {
    let rows = [
        (RcnRegion::Dk, "2712341002251", "2712341000004"),
        (RcnRegion::Dk, "02712341002251", "2712341000004"),
        (RcnRegion::Ee, "2311111112345", "2311111100007"),
        (RcnRegion::Fi, "2311111112345", "2311111100007"),
        (RcnRegion::De, "2811111068708", "2811110000006"),
        (RcnRegion::De, "02811111068708", "2811110000006"),
        (RcnRegion::Gb, "2011122912346", "2011122000005"),
        (RcnRegion::Lv, "2311111112345", "2311111100007"),
        (RcnRegion::Lt, "2311111112345", "2311111100007"),
        (RcnRegion::No, "2302148210869", "2302148200006"),
        (RcnRegion::Se, "2088060112343", "2088060100005"),
    ];
    for (region, input, lookup) in rows {
        let p = ok(input, Some(region));
        assert_eq!(
            p.lookup_gtin()
                .and_then(|g| g.gtin13().map(str::to_owned))
                .as_deref(),
            Some(lookup),
            "{region} {input}"
        );
    }
}

/// biip `tests/rcn/test_without_variable_measure.py`: prefixes without a layout keep
/// the full number as the key; company RCNs and plain GTINs are never changed.
#[test]
fn biip_without_variable_measure_keeps_other_numbers() {
    let nonvariable: &[(RcnRegion, &[&str])] = &[
        (RcnRegion::Dk, &["02", "20", "25", "29"]),
        (
            RcnRegion::Ee,
            &["02", "20", "21", "22", "26", "27", "28", "29"],
        ),
        (
            RcnRegion::Fi,
            &["02", "20", "21", "22", "26", "27", "28", "29"],
        ),
        (RcnRegion::De, &["02", "20", "21", "24", "27"]),
        (
            RcnRegion::Gb,
            &["21", "22", "23", "24", "25", "26", "27", "28", "29"],
        ),
        (
            RcnRegion::Lv,
            &["02", "20", "21", "22", "26", "27", "28", "29"],
        ),
        (
            RcnRegion::Lt,
            &["02", "20", "21", "22", "26", "27", "28", "29"],
        ),
        (RcnRegion::No, &["02", "26", "27", "28", "29"]),
        (RcnRegion::Se, &["02", "26", "27", "28", "29"]),
    ];
    for &(region, prefixes) in nonvariable {
        for prefix in prefixes {
            let payload = format!("{prefix}1111111111");
            let input = crate::Gtin::with_check_digit(&payload)
                .map(|g| g.as_own_format().to_owned())
                .unwrap_or_default();
            let p = ok(&input, Some(region));
            assert_eq!(p.kind, Kind::RcnVariableMeasure, "{region} {input}");
            assert_eq!(p.lookup_gtin(), Some(p.gtin), "{region} {input}");
        }
    }
    for input in [
        "00012348",
        "412345678903",
        "0412345678903",
        "00412345678903",
    ] {
        let p = ok(input, Some(RcnRegion::No));
        assert_eq!(p.kind, Kind::RcnCompany, "{input}");
        assert_eq!(p.lookup_gtin(), Some(p.gtin), "{input}");
    }
    for input in [
        "96385074",
        "614141000036",
        "5901234123457",
        "98765432109213",
    ] {
        let p = ok(input, Some(RcnRegion::No));
        assert_eq!(p.kind, Kind::ValidGtin, "{input}");
        assert_eq!(p.lookup_gtin(), Some(p.gtin), "{input}");
    }
}

/// biip `tests/test_gs1_digital_link_uris.py`, through the whole parser.
#[test]
fn biip_digital_link_uris() {
    let rows = [
        ("https://id.gs1.org/01/00614141123452", "00614141123452"),
        ("https://example.com/foo/01/614141123452", "00614141123452"),
        (
            "https://id.gs1.org/01/00614141123452/10/ABC123",
            "00614141123452",
        ),
        (
            "https://id.gs1.org/01/00614141123452?foo=bar",
            "00614141123452",
        ),
        (
            "https://id.gs1.org/01/614141123452?15=000000",
            "00614141123452",
        ),
        (
            "https://example.com/01/614141123452/22/2A/10/ABC123",
            "00614141123452",
        ),
        // The brief's example.
        (
            "https://id.gs1.org/01/09506000134352/10/ABC?17=201225",
            "09506000134352",
        ),
        // In a QR Code with its symbology identifier.
        ("]Q1https://id.gs1.org/01/09506000134352", "09506000134352"),
    ];
    for (uri, gtin14) in rows {
        let p = ok(uri, None);
        assert_eq!(p.gtin.gtin14(), gtin14, "{uri}");
        assert_eq!(p.symbology, Some(Symbology::DigitalLink), "{uri}");
    }
    for uri in [
        "http://example.com/foo/123",
        "https://example.com/foo/01/614141123452/123",
        "https://id.gs1.org/01/614141123452/15/20250324",
        "https://id.gs1.org/01/614141123452/10/ABC123/22/123456789",
        "https://id.gs1.org/01/01234567890128/21/12345XYZ/10/ABC123",
        "https://id.gs1.org/00/106141412345678908/10/ABC123",
    ] {
        assert_eq!(
            err(uri, None).reason(),
            Reason::InvalidGs1ElementString,
            "{uri}"
        );
    }
    assert_eq!(
        err("mailto:alice@example.com", None).reason(),
        Reason::InvalidCharacters
    );
    assert_eq!(
        err("https://id.gs1.org/01/00614141123453", None).reason(),
        Reason::InvalidCheckDigit
    );
}

/// biip `tests/test_symbology.py`: known and unknown identifiers.
#[test]
fn biip_symbology_identifiers() {
    assert_eq!(err("]C0abc", None).reason(), Reason::UnsupportedSymbology);
    assert_eq!(
        err("]Y1abcdefghijkl", None).reason(),
        Reason::UnsupportedSymbology
    );
    assert_eq!(err("]J0", None).reason(), Reason::UnsupportedSymbology);
    assert_eq!(err("]E", None).reason(), Reason::UnsupportedSymbology);
    assert_eq!(err("]E0abc", None).reason(), Reason::InvalidCharacters);
    assert_eq!(
        err("]C1abc", None).reason(),
        Reason::InvalidGs1ElementString
    );
    assert_eq!(err("]I1abc", None).reason(), Reason::InvalidCharacters);
}

/// python-stdnum `tests/test_ean.doctest`.
#[test]
fn stdnum_ean() {
    assert_eq!(ok("7501031311309", None).kind, Kind::ValidGtin);
    assert_eq!(err("75010313113", None).reason(), Reason::InvalidLength);
    assert_eq!(
        err("750103AAAA309", None).reason(),
        Reason::InvalidCharacters
    );
    assert_eq!(
        err("7501031311308", None).reason(),
        Reason::InvalidCheckDigit
    );
}

/// python-stdnum `tests/test_isbn.doctest`.
#[test]
fn stdnum_isbn() {
    assert_eq!(ok("978-9024538270", None).kind, Kind::Isbn);
    assert_eq!(ok("1857982185", None).kind, Kind::Isbn10);
    // A 9-digit SBN: stdnum pads it silently; we refuse with the padded ISBN as hint.
    let e = err("85152-629-2", None);
    assert_eq!(e.reason(), Reason::InvalidLength);
    assert!(
        e.hint()
            .is_some_and(|h| h.starts_with("did you mean 0851526292?")),
        "{e:?}"
    );
    assert_eq!(err("", None).reason(), Reason::Empty);
    assert_eq!(
        err("08515x-629-2", None).reason(),
        Reason::InvalidCharacters
    );
    assert_eq!(err("85152-629-1", None).reason(), Reason::InvalidLength);
    assert_eq!(
        err("0-85152-629-1", None).reason(),
        Reason::InvalidCheckDigit
    );
    assert_eq!(
        err("978-902453827X", None).reason(),
        Reason::InvalidCharacters
    );
    // to_isbn13.
    for s in ["1 85798218 5", "1857982185", "1-85798-218-5"] {
        assert_eq!(ok(s, None).gtin.gtin13(), Some("9781857982183"), "{s}");
    }
    assert_eq!(
        ok("978-9024538270", None).gtin.gtin13(),
        Some("9789024538270")
    );
    // stdnum's regrouping row '979-20-1234567-8' is a split test; its check digit is wrong.
    assert_eq!(
        err("979-20-1234567-8", None).reason(),
        Reason::InvalidCheckDigit
    );
}

/// python-stdnum `tests/test_ismn.doctest`.
#[test]
fn stdnum_ismn() {
    for (s, gtin13) in [
        ("979-0-3217-6543-6", "9790321765436"),
        ("979-0-3217-6544-3", "9790321765443"),
        ("9790321765450", "9790321765450"),
        ("979-0-260000438", "9790260000438"),
    ] {
        let p = ok(s, None);
        assert_eq!((p.kind, p.gtin.gtin13()), (Kind::Ismn, Some(gtin13)), "{s}");
    }
    // The old 10-character "M-" form is not a GTIN; stdnum's ismn module reads it.
    for s in [
        "M-3217-6546-7",
        "979-0-3217-6543-x",
        "979M321765450",
        "Z-3217-6546-8",
    ] {
        assert_eq!(err(s, None).reason(), Reason::InvalidCharacters, "{s}");
    }
}

/// python-stdnum `tests/test_issn.doctest` and the `stdnum/issn.py` docstring.
#[test]
fn stdnum_issn() {
    assert_eq!(err("", None).reason(), Reason::Empty);
    let p = ok("9770264359008", None);
    assert_eq!(p.kind, Kind::Issn);
    // A bare ISSN with an X check character is a title, not a GTIN.
    let e = err("0032-147X", None);
    assert_eq!(e.reason(), Reason::InvalidCharacters);
    assert_eq!(e.hint(), None, "0032147X has a broken ISSN checksum");
}

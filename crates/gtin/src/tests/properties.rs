//! Property tests (proptest): (a) every form of a valid GTIN parses back to the same
//! `Gtin`, (b) changing any one digit makes a code invalid, (c) no input panics: any
//! Unicode, any bytes, and structured near-valid inputs (our stand-in for a fuzz target,
//! as cargo-fuzz needs a nightly toolchain with sanitizers; see the report).

use proptest::prelude::*;

use crate::{Gtin, GtinFormat, Kind, RcnRegion, analyze, parse};

/// A valid GTIN of 8, 12, 13 or 14 digits, as its own-length digit string.
fn valid_gtin() -> impl Strategy<Value = String> {
    prop_oneof![Just(7usize), Just(11), Just(12), Just(13)]
        .prop_flat_map(|n| proptest::collection::vec(0u8..10, n))
        .prop_filter("not all zero", |p| p.iter().any(|&d| d != 0))
        .prop_map(|payload| {
            let payload: String = payload.iter().map(|d| char::from(b'0' + d)).collect();
            Gtin::with_check_digit(&payload)
                .map(|g| g.as_own_format().to_owned())
                .unwrap_or_default()
        })
}

/// Every spelling the spec says identifies this GTIN.
fn forms(g: &Gtin) -> Vec<String> {
    let mut out = vec![
        g.gtin14().to_owned(),
        format!("]I1{}", g.gtin14()),
        format!("]C101{}", g.gtin14()),
        format!("https://id.gs1.org/01/{}/10/LOT?17=201225", g.gtin14()),
        format!("  {}\t", g.gtin14()),
    ];
    if let Some(s) = g.gtin13() {
        out.push(s.to_owned());
        out.push(format!("]E0{s}"));
        out.push(format!("{}-{} {}", &s[..1], &s[1..7], &s[7..]));
    }
    out.extend(g.upc_a().map(str::to_owned));
    out.extend(g.upc_e().map(|u| u.to_string()));
    if let Some(s) = g.gtin8() {
        out.push(format!("]E4{s}"));
        // R6: a 0-leading 8-digit string is read as UPC-E first, so the bare GTIN-8
        // spelling of a company RCN-8 may mean another number; only test it otherwise.
        if !s.starts_with('0') {
            out.push(s.to_owned());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_form_of_a_valid_gtin_parses_back_to_the_same_gtin(s in valid_gtin()) {
        let g = parse(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for form in forms(&g) {
            let back = parse(&form).map_err(|e| TestCaseError::fail(format!("{form:?}: {e}")))?;
            prop_assert_eq!(back, g, "form {:?} of {}", form, s);
        }
        prop_assert_eq!(Gtin::from_digits(g.gtin14()), Ok(g));
    }

    #[test]
    fn changing_any_one_digit_makes_a_code_invalid(s in valid_gtin(), pos in 0usize..14, delta in 1u8..10) {
        // Use the 12-14 digit spellings: R6 gives 8 digits two readings (UPC-E or
        // GTIN-8), so an 8-digit change may be valid under the other reading by design.
        let g = parse(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for spelling in [Some(g.gtin14()), g.gtin13(), g.upc_a()].into_iter().flatten() {
            let mut b = spelling.as_bytes().to_vec();
            let i = pos % b.len();
            b[i] = b'0' + (b[i] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).unwrap_or_default();
            prop_assert!(parse(&changed).is_err(), "{} → {} parsed", spelling, changed);
        }
    }

    #[test]
    fn no_unicode_input_panics(s in any::<String>()) {
        for region in [None, Some(RcnRegion::De), Some(RcnRegion::Gb)] {
            let _ = analyze(&s, region);
        }
    }

    #[test]
    fn no_byte_string_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = analyze(&s, Some(RcnRegion::Se));
    }

    #[test]
    fn near_valid_inputs_never_panic_and_accepted_ones_are_valid(
        s in valid_gtin(),
        prefix in prop::sample::select(vec![
            "", " ", "]E0", "]E3", "]E4", "]I1", "]C1", "]C101", "]e0", "]d2", "]Q3", "]J1",
            "]Q1", "]d1", "]", "]E", "https://id.gs1.org/01/", "http://x/01/", "HTTPS://a/b/01/",
            "\u{1d}", "\u{feff}", "0", "978", "-", "]C1\u{1d}01",
        ]),
        suffix in prop::sample::select(vec![
            "", " ", "X", "x", "-", "0", "00", "03", "12345", "\u{1d}", "\u{1d}10ABC",
            "/10/ABC", "/21/1", "/", "?17=201225", "#", "٣", "５", "\u{2013}", "é",
        ]),
        insert_at in 0usize..16,
        insert in prop::sample::select(vec!["", " ", "-", "--", "X", "\u{a0}", "٠", "]", "/", "\u{1d}"]),
    ) {
        let cut = insert_at.min(s.len());
        let input = format!("{prefix}{}{insert}{}{suffix}", &s[..cut], &s[cut..]);
        for region in [None, Some(RcnRegion::De), Some(RcnRegion::Dk), Some(RcnRegion::Gb)] {
            if let Ok(p) = analyze(&input, region) {
                let g = p.gtin;
                prop_assert!(g.gtin14().bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(Gtin::from_digits(g.gtin14()), Ok(g));
                if let Some(vm) = p.variable_measure {
                    prop_assert_eq!(p.kind, Kind::RcnVariableMeasure);
                    prop_assert!(Gtin::from_digits(vm.lookup.gtin14()).is_ok());
                }
            }
        }
    }

    #[test]
    fn the_common_path_allocates_no_warnings(s in valid_gtin()) {
        let p = analyze(&s, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if p.warnings.is_empty() {
            prop_assert_eq!(p.warnings.capacity(), 0);
        }
        prop_assert!(p.variable_measure.is_none());
        prop_assert!(matches!(
            p.gtin.format(),
            GtinFormat::Gtin8 | GtinFormat::Gtin12 | GtinFormat::Gtin13 | GtinFormat::Gtin14
        ));
    }
}

/// GS1 character set 82 (GenSpecs Figure 7.11-1), the alphabet of lots and serials.
const CSET82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// A lot or serial: 1-20 characters of set 82.
fn cset82_value() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(CSET82.to_vec()), 1..=20)
        .prop_map(|b| String::from_utf8(b).unwrap_or_default())
}

/// Percent-encodes as the GS1 Digital Link standard requires (everything but RFC 3986
/// unreserved characters), written here independently of the crate's encoder.
fn dl_encode(s: &str) -> String {
    s.bytes()
        .map(|c| match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(c).to_string()
            }
            _ => format!("%{c:02X}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Every valid Digital Link URI built from a GTIN, a lot and a serial (each
    /// optional) reads back to exactly those values, on any host and path prefix,
    /// and the crate's own Digital Link of the scan reads back to the same elements.
    #[test]
    fn every_valid_digital_link_round_trips(
        s in valid_gtin(),
        lot in proptest::option::of(cset82_value()),
        serial in proptest::option::of(cset82_value()),
        host in prop::sample::select(vec!["https://id.gs1.org", "http://Brand.example:8080", "https://shop.example/dl/x"]),
        expiry in proptest::option::of((0u8..100, 1u8..=12, 0u8..=28)),
    ) {
        let g = parse(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut uri = format!("{host}/01/{}", g.gtin14());
        if let Some(lot) = &lot {
            uri.push_str(&format!("/10/{}", dl_encode(lot)));
        }
        if let Some(serial) = &serial {
            uri.push_str(&format!("/21/{}", dl_encode(serial)));
        }
        let expiry = expiry.map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"));
        if let Some(e) = &expiry {
            uri.push_str(&format!("?17={e}"));
        }
        let scan = crate::scan(&uri, None).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
        prop_assert_eq!(scan.parsed().gtin, g);
        prop_assert_eq!(scan.lot(), lot.as_deref());
        prop_assert_eq!(scan.serial(), serial.as_deref());
        prop_assert_eq!(scan.get("17"), expiry.as_deref());
        prop_assert_eq!(scan.expiry().is_some(), expiry.is_some());
        let again = scan
            .digital_link("https://id.gs1.org")
            .ok_or_else(|| TestCaseError::fail("no link"))?;
        let back = crate::scan(&again, None).map_err(|e| TestCaseError::fail(format!("{again}: {e}")))?;
        prop_assert_eq!(back.elements(), scan.elements());
    }

    /// Reading a Digital Link once (the link `analyze` read is handed to the AI
    /// reader) answers exactly what parsing it twice did, for valid and broken links,
    /// bare or behind a symbology identifier, compressed or not.
    #[test]
    fn a_link_read_once_scans_as_one_read_twice(
        head in prop::sample::select(vec![
            "https://id.gs1.org", "HTTP://a.example:8080/x", "]Q1https://id.gs1.org",
            "]d2https://id.gs1.org", "]C1https://id.gs1.org", " https://id.gs1.org",
        ]),
        segments in proptest::collection::vec(prop::sample::select(vec![
            "01", "09506000134352", "9506000134352", "10", "21", "LOT%2F1", "S1", "22",
            "235", "00", "414", "254", "8003", "", "AQnYUc1gmiCNV4JG", "17", "x y", "%zz",
        ]), 0..7),
        query in prop::sample::select(vec![
            "", "?17=270131", "?linkType=all", "?10=ABC", "?3103=000500&15=991231",
            "?17=271331", "#frag", "?99=1&99=2",
        ]),
    ) {
        let uri = format!("{head}/{}{query}", segments.join("/"));
        prop_assert_eq!(
            crate::scan::scan_with(&uri, None, || 2026),
            crate::scan::scan_parsing_twice(&uri, 2026),
            "{}", uri
        );
    }

    /// The one-pass reading of a URI's delimiters finds what a search per delimiter
    /// found (`digital_link::reference`), on any string of URI-ish characters.
    #[test]
    fn a_link_is_read_in_one_pass_as_with_a_search_per_delimiter(
        scheme in prop::sample::select(vec![
            "https://", "HTTP://", "http:/", "ftp://", "", "https://id.gs1.org/01/09506000134352",
        ]),
        body in proptest::collection::vec(prop::sample::select(vec![
            "/", "?", "#", "&", "=", "%", "%2F", "01", "09506000134352", "10", "17",
            "270131", "21", "ABC", "id.gs1.org", "a.example:8080", ":", "@", "[", "]",
            ".", " ", "+", "é", "\u{1d}", "linkType", "22", "235",
        ]), 0..16),
    ) {
        let uri = format!("{scheme}{}", body.concat());
        prop_assert_eq!(
            crate::digital_link::parse(&uri),
            crate::digital_link::reference::parse(&uri),
            "{}", uri
        );
    }

    /// No input makes the whole-scan reader panic.
    #[test]
    fn no_scan_input_panics(
        prefix in prop::sample::select(vec!["]C1", "]d2", "]Q3", "https://a.example/01/09506000134352", "]C10109506000134352"]),
        rest in any::<String>(),
    ) {
        let _ = crate::scan(&format!("{prefix}{rest}"), None);
    }
}

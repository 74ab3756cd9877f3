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

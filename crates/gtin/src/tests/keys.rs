//! Every GS1 key read and described (issue 28): SSCCs, GLNs, GRAIs … as Digital Links,
//! element strings and GS1's bracketed syntax; the Digital Link grammar's refusals; and
//! property tests of the rules that hold for any valid key or AI set. Numbers are GS1
//! US's example company prefix 0614141 with computed check digits.

use proptest::prelude::*;

use crate::{Reading, Reason, Role, Symbology, analyze, read_in_year, scan_in_year};

/// A GS1 SSCC of GS1 US's example company prefix (extension 1, serial 234567890).
const SSCC: &str = "106141412345678908";
/// A GLN of the same prefix.
const GLN: &str = "0614141000012";

fn read(input: &str) -> Reading {
    read_in_year(input, None, 2026).unwrap_or_else(|e| panic!("{input:?} should read: {e}"))
}

fn other_key(input: &str) -> crate::KeyScan {
    match read(input) {
        Reading::OtherKey(k) => k,
        Reading::Gtin(s) => panic!("{input:?} read as a GTIN: {s:?}"),
    }
}

fn refused(input: &str) -> (Reason, Option<String>) {
    match read_in_year(input, None, 2026) {
        Ok(r) => panic!("{input:?} should fail, read as {r:?}"),
        Err(e) => (e.reason(), e.ai().map(str::to_owned)),
    }
}

fn described(k: &crate::KeyScan) -> Vec<(&str, &str, Role)> {
    k.elements()
        .iter()
        .map(|e| (e.ai(), e.value(), e.role()))
        .collect()
}

#[test]
fn an_sscc_is_read_in_every_spelling_and_is_not_a_trade_item() {
    for input in [
        format!("https://id.gs1.org/00/{SSCC}"),
        format!("https://logistics.example/dl/00/{SSCC}?linkType=all"),
        format!("]C100{SSCC}"),
        format!("]d200{SSCC}"),
        format!("(00){SSCC}"),
        format!("]Q1https://id.gs1.org/00/{SSCC}"),
    ] {
        let k = other_key(&input);
        assert_eq!((k.key().ai(), k.key().value()), ("00", SSCC), "{input}");
        assert_eq!(k.key_name(), "Serial Shipping Container Code (SSCC)");
        assert_eq!(k.identifies(), "a logistic unit");
        assert_eq!(k.error().reason(), Reason::NotATradeItem);
        // The lookup path (analyze, scan) says the same, with the key's AI.
        let e = analyze(&input, None).expect_err("not a GTIN");
        assert_eq!((e.reason(), e.ai()), (Reason::NotATradeItem, Some("00")));
        assert!(e.message().contains("logistic unit"), "{}", e.message());
        let e = scan_in_year(&input, None, 2026).expect_err("not a GTIN");
        assert_eq!(e.reason(), Reason::NotATradeItem);
    }
    assert_eq!(
        other_key(&format!("(00){SSCC}")).symbology(),
        Some(Symbology::BracketedAi)
    );
}

#[test]
fn keys_qualifiers_and_attributes_are_told_apart() {
    let gln = other_key(&format!(
        "https://id.gs1.org/414/{GLN}/254/Dock%2F7?99=GATE"
    ));
    assert_eq!(
        described(&gln),
        [
            ("414", GLN, Role::PrimaryKey),
            ("254", "Dock/7", Role::KeyQualifier),
            ("99", "GATE", Role::DataAttribute),
        ]
    );
    assert_eq!(
        gln.key_name(),
        "Global Location Number (GLN) of a physical location"
    );
    // A pallet label: SSCC, the GTIN it contains (02) and the count (37).
    let pallet = other_key(&format!("]C100{SSCC}0200614141123452378\u{1d}10LOT7"));
    assert_eq!(
        described(&pallet),
        [
            ("00", SSCC, Role::PrimaryKey),
            ("02", "00614141123452", Role::DataAttribute),
            ("37", "8", Role::DataAttribute),
            ("10", "LOT7", Role::DataAttribute),
        ]
    );
    // A returnable asset with its serial, and an individual asset.
    let grai = other_key("https://id.gs1.org/8003/00614141000418ABC");
    assert_eq!(grai.key().value(), "00614141000418ABC");
    assert_eq!(grai.identifies(), "a returnable asset");
    assert_eq!(other_key("(8004)0614141ABC123").key().ai(), "8004");
    // A GTIN's own qualifiers get their role too.
    let Reading::Gtin(s) = read("(01)09506000134352(17)250630(10)ABC") else {
        panic!("a GTIN");
    };
    let roles: Vec<Role> = s.elements().iter().map(|e| e.role()).collect();
    assert_eq!(
        roles,
        [Role::PrimaryKey, Role::DataAttribute, Role::KeyQualifier]
    );
}

#[test]
fn a_wrong_key_is_invalid_not_another_kind_of_item() {
    assert_eq!(
        refused("https://id.gs1.org/00/106141412345678909"),
        (Reason::InvalidAiValue, Some("00".to_owned()))
    );
    assert_eq!(
        refused("]C14140614141000013"),
        (Reason::InvalidAiValue, Some("414".to_owned()))
    );
    // A key with data that is not GS1's is refused as a whole.
    assert_eq!(
        refused(&format!("https://id.gs1.org/00/{SSCC}?17=251301")),
        (Reason::InvalidAiDate, Some("17".to_owned()))
    );
    // An element string with no key at all.
    assert_eq!(refused("]C110LOT7").0, Reason::InvalidGs1ElementString);
}

#[test]
fn the_four_grammar_defects_are_fixed() {
    let gtin = "https://id.gs1.org/01/09506000134352";
    // (a) a literal '+' in a query value; %2B is the plus sign.
    assert_eq!(
        refused(&format!("{gtin}?98=XYZ+987")),
        (Reason::InvalidAiValue, Some("98".to_owned()))
    );
    let Reading::Gtin(s) = read(&format!("{gtin}?98=XYZ%2B987")) else {
        panic!("a GTIN");
    };
    assert_eq!(s.get("98"), Some("XYZ+987"));
    // (b) (10) is an attribute after /235/, which excludes it from the path.
    let Reading::Gtin(s) = read(&format!("{gtin}/235/TPX1?10=ABC")) else {
        panic!("a GTIN");
    };
    assert_eq!(s.lot(), Some("ABC"));
    assert_eq!(
        refused(&format!("{gtin}?10=ABC")).0,
        Reason::InvalidGs1ElementString
    );
    // (c) the same AI twice, even with the same value.
    assert_eq!(
        refused(&format!("{gtin}/10/ABC?10=ABC")),
        (Reason::InvalidGs1ElementString, Some("10".to_owned()))
    );
    assert_eq!(
        refused(&format!("{gtin}?3103=000500&3103=000500")).0,
        Reason::InvalidGs1ElementString
    );
    // (d) an IPv6 zone id in the host.
    assert_eq!(
        refused("https://[fe80::1%25eth0]/01/09506000134352").0,
        Reason::InvalidGs1ElementString
    );
    assert!(analyze("https://[2001:db8::5]/01/09506000134352", None).is_ok());
}

#[test]
fn a_scans_own_digital_link_keeps_one_qualifier_sequence_and_reads_back() {
    let Reading::Gtin(s) = read("]C1010950600013435223512345\u{1d}10LOT7") else {
        panic!("a GTIN");
    };
    let link = s.digital_link("https://id.gs1.org");
    assert_eq!(
        link.as_deref(),
        Some("https://id.gs1.org/01/09506000134352/235/12345?10=LOT7")
    );
    let Reading::Gtin(back) = read(link.as_deref().unwrap_or_default()) else {
        panic!("a GTIN");
    };
    assert_eq!((back.get("235"), back.lot()), (Some("12345"), Some("LOT7")));
}

#[test]
fn a_uri_in_a_gs1_mode_qr_code_is_refused_and_pointed_to_q1() {
    let e = analyze("]Q3https://id.gs1.org/01/09506000134352", None).expect_err("]Q3 URI");
    assert_eq!(e.reason(), Reason::InvalidGs1ElementString);
    assert_eq!(
        e.hint(),
        Some("did you mean ]Q1https://id.gs1.org/01/09506000134352?")
    );
    assert!(analyze("]Q1https://id.gs1.org/01/09506000134352", None).is_ok());
    assert!(analyze("]Q30109506000134352", None).is_ok());
}

#[test]
fn bracketed_text_is_read_wherever_a_code_is_read_with_its_own_errors() {
    let p = analyze("(01)09506000134352(17)250630(10)ABC", None).expect("bracketed");
    assert_eq!(p.gtin.gtin14(), "09506000134352");
    assert_eq!(p.symbology, Some(Symbology::BracketedAi));
    assert_eq!(
        p.lookup_gtin().map(|g| g.gtin14().to_owned()),
        Some("09506000134352".to_owned())
    );
    // Surrounding white space is trimmed as for every code.
    assert!(analyze("  (01)09506000134352\n", None).is_ok());
    for (input, reason) in [
        ("(01)09506000134352(17", Reason::InvalidBracketedAi),
        ("(01)", Reason::InvalidBracketedAi),
        ("(01)09506000134352()", Reason::InvalidBracketedAi),
        ("(999)1", Reason::UnknownAi),
        ("(01)09506000134353", Reason::InvalidAiValue),
        ("(01)09506000134352(17)250631", Reason::InvalidAiDate),
    ] {
        assert_eq!(
            analyze(input, None).map_err(|e| e.reason()),
            Err(reason),
            "{input}"
        );
    }
}

/// A GS1 mod-10 check digit appended, computed here independently of the crate.
fn with_check(payload: &str) -> String {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| u32::from(c - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{payload}{}", (10 - sum % 10) % 10)
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n)
        .prop_map(|d| d.iter().map(|x| char::from(b'0' + x)).collect())
}

/// A lot: 1-20 characters of GS1 character set 82, brackets included.
fn lot() -> impl Strategy<Value = String> {
    let cset82 =
        b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    proptest::collection::vec(prop::sample::select(cset82.to_vec()), 1..=20)
        .prop_map(|b| String::from_utf8(b).unwrap_or_default())
}

/// A valid primary key: (AI, value, whether its length is predefined).
fn primary_key() -> impl Strategy<Value = (&'static str, String, bool)> {
    prop_oneof![
        digits(13).prop_map(|p| ("01", with_check(&p), true)),
        digits(17).prop_map(|p| ("00", with_check(&p), true)),
        digits(12).prop_map(|p| ("414", with_check(&p), true)),
        digits(17).prop_map(|p| ("8018", with_check(&p), false)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Bracketed text and the element string a scanner sends for the same AIs read
    /// to the same elements, in any order of the AIs, for any key.
    #[test]
    fn bracketed_syntax_round_trips_with_the_element_string(
        key in primary_key(),
        lot in proptest::option::of(lot()),
        expiry in proptest::option::of((0u8..100, 1u8..=12, 0u8..=28)),
        weight in proptest::option::of(digits(6)),
        order in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
    ) {
        let (key_ai, key_value, key_fixed) = key;
        let expiry = expiry.map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"));
        let all: Vec<Option<(&str, String, bool)>> = vec![
            Some((key_ai, key_value.clone(), key_fixed)),
            lot.map(|l| ("10", l, false)),
            expiry.map(|e| ("17", e, true)),
            weight.map(|w| ("3103", w, true)),
        ];
        let chosen: Vec<(&str, String, bool)> =
            order.iter().filter_map(|&i| all.get(i).cloned().flatten()).collect();
        let bracketed: String = chosen
            .iter()
            .map(|(ai, v, _)| format!("({ai}){}", v.replace('(', "\\(")))
            .collect();
        let mut element_string = String::from("]C1");
        for (n, (ai, v, fixed)) in chosen.iter().enumerate() {
            element_string.push_str(ai);
            element_string.push_str(v);
            if !fixed && n + 1 < chosen.len() {
                element_string.push('\u{1d}');
            }
        }
        let pairs = |r: Reading| -> Vec<(String, String)> {
            let elements = match &r {
                Reading::Gtin(s) => s.elements().to_vec(),
                Reading::OtherKey(k) => k.elements().to_vec(),
            };
            elements.iter().map(|e| (e.ai().to_owned(), e.value().to_owned())).collect()
        };
        let from_text = read_in_year(&bracketed, None, 2026)
            .map_err(|e| TestCaseError::fail(format!("{bracketed}: {e}")))?;
        let from_scan = read_in_year(&element_string, None, 2026)
            .map_err(|e| TestCaseError::fail(format!("{element_string:?}: {e}")))?;
        let want: Vec<(String, String)> =
            chosen.iter().map(|(ai, v, _)| ((*ai).to_owned(), v.clone())).collect();
        prop_assert_eq!(pairs(from_text.clone()), want.clone());
        prop_assert_eq!(pairs(from_scan), want);
        prop_assert_eq!(matches!(from_text, Reading::Gtin(_)), key_ai == "01");
    }

    /// Any valid non-GTIN key is described, never invalid, and a lookup of it is
    /// `NOT_A_TRADE_ITEM` naming its AI, in all three spellings.
    #[test]
    fn every_valid_non_gtin_key_is_not_a_trade_item(
        key in primary_key().prop_filter("not a GTIN", |k| k.0 != "01"),
    ) {
        let (ai, value, _) = key;
        for input in [
            format!("https://id.gs1.org/{ai}/{value}"),
            format!("]d2{ai}{value}"),
            format!("({ai}){value}"),
        ] {
            let error = analyze(&input, None).expect_err("not a GTIN");
            prop_assert_eq!(error.reason(), Reason::NotATradeItem);
            prop_assert_eq!(error.ai(), Some(ai));
            match read_in_year(&input, None, 2026) {
                Ok(Reading::OtherKey(k)) => {
                    prop_assert_eq!((k.key().ai(), k.key().value()), (ai, value.as_str()));
                }
                other => return Err(TestCaseError::fail(format!("{input}: {other:?}"))),
            }
        }
    }
}

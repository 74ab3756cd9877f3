//! Pages read into lean values against the same pages read through jaq's values
//! (the reference): generated answers of every shape a preset reads — variants,
//! localized maps, attributes, prices, escapes, numbers of every kind jaq reads, a
//! key given twice, text that is not UTF-8 — for the presets that read lean.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use proptest::prelude::*;

use super::super::tests::seen;
use super::super::{Mapping, Preset};
use crate::gtin::Gtin;
use crate::test_support::g;

/// The GTINs the generated answers are about, as the commercetools and Akeneo
/// presets store them (as registered), and one never asked.
const CODES: [&str; 5] = [
    "036000291452",
    "4012345000122",
    "96385074",
    "10036000291459",
    "5000159001144",
];

fn preset(name: &str) -> Mapping {
    let preset = Preset::find(name).unwrap();
    Mapping::from_toml(preset.text, preset.file, &|_| Some("x".to_owned())).unwrap()
}

/// Keys the presets read, and some they do not.
const KEYS: [&str; 30] = [
    "sku",
    "sku",
    "name",
    "en",
    "de",
    "masterVariant",
    "variants",
    "attributes",
    "value",
    "label",
    "prices",
    "price",
    "centAmount",
    "fractionDigits",
    "currencyCode",
    "images",
    "url",
    "availability",
    "isOnStock",
    "availableQuantity",
    "categories",
    "obj",
    "id",
    "lastModifiedAt",
    "description",
    "identifier",
    "values",
    "data",
    "amount",
    "currency",
];

/// A scalar as JSON text.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ a-cé,]{0,6}".prop_map(|t| serde_json::to_string(&t).unwrap()),
        3 => proptest::sample::select(CODES.to_vec()).prop_map(|c| format!("\"{c}\"")),
        1 => Just(r#""\u0041b\"c""#.to_owned()),
        1 => Just("\"brand\"".to_owned()),
        1 => Just("\"EUR\"".to_owned()),
        1 => Just("\"en\"".to_owned()),
        1 => Just("\"2025-11-18T14:02:00Z\"".to_owned()),
        2 => any::<i16>().prop_map(|n| n.to_string()),
        1 => Just("123456789012345678901234567890".to_owned()),
        1 => Just("1.50".to_owned()),
        1 => Just("-2e3".to_owned()),
        1 => Just("2".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("false".to_owned()),
        2 => Just("null".to_owned()),
    ]
}

/// Any value as JSON text, objects keyed by what the presets read (a key may come
/// twice).
fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec((proptest::sample::select(KEYS.to_vec()), inner), 0..7)
                .prop_map(|entries| {
                    let entries: Vec<String> = entries
                        .iter()
                        .map(|(k, v)| format!("\"{k}\":{v}"))
                        .collect();
                    format!("{{{}}}", entries.join(","))
                }),
        ]
    })
}

/// An attribute as commercetools writes one: a name and a value of any kind
/// (text, a number, an enum's `{key, label}`, a localized map, a list).
fn attribute() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("brand"), Just("gtin"), Just("size"), Just("color")],
        prop_oneof![
            3 => scalar(),
            1 => scalar().prop_map(|label| format!("{{\"key\":\"k\",\"label\":{label}}}")),
            1 => scalar().prop_map(|text| format!("{{\"en\":{text},\"de\":\"x\"}}")),
            1 => value(),
        ],
    )
        .prop_map(|(name, value)| format!("{{\"name\":\"{name}\",\"value\":{value}}}"))
}

/// A variant as commercetools writes one, each part now and then missing or of
/// another kind.
fn variant() -> BoxedStrategy<String> {
    let price = (scalar(), scalar(), scalar()).prop_map(|(cents, digits, currency)| {
        format!("{{\"value\":{{\"centAmount\":{cents},\"fractionDigits\":{digits},\"currencyCode\":{currency}}}}}")
    });
    let cents = prop_oneof![
        Just("1550".to_owned()),
        Just("-5".to_owned()),
        Just("7".to_owned())
    ];
    let good_price = cents.prop_map(|cents| {
        format!(
            "{{\"value\":{{\"centAmount\":{cents},\"fractionDigits\":2,\"currencyCode\":\"EUR\"}}}}"
        )
    });
    let image = (scalar(), scalar())
        .prop_map(|(url, label)| format!("{{\"url\":{url},\"label\":{label}}}"));
    let availability = (scalar(), scalar()).prop_map(|(on, quantity)| {
        format!("{{\"isOnStock\":{on},\"availableQuantity\":{quantity}}}")
    });
    let part = prop_oneof![
        3 => proptest::collection::vec(attribute(), 0..4)
            .prop_map(|list| format!("\"attributes\":[{}]", list.join(","))),
        1 => proptest::collection::vec(prop_oneof![good_price, price], 0..3)
            .prop_map(|list| format!("\"prices\":[{}]", list.join(","))),
        1 => proptest::collection::vec(image, 0..3)
            .prop_map(|list| format!("\"images\":[{}]", list.join(","))),
        1 => availability.prop_map(|a| format!("\"availability\":{a}")),
        1 => (proptest::sample::select(KEYS.to_vec()), value())
            .prop_map(|(k, v)| format!("\"{k}\":{v}")),
    ];
    (
        proptest::sample::select(CODES.to_vec()),
        proptest::collection::vec(part, 0..5),
        any::<bool>(),
    )
        .prop_map(|(sku, mut parts, sku_last)| {
            let sku = format!("\"sku\":\"{sku}\"");
            if sku_last {
                parts.push(sku);
            } else {
                parts.insert(0, sku);
            }
            format!("{{{}}}", parts.join(","))
        })
        .boxed()
}

/// A commercetools-shaped product: a master variant and variants with SKUs, as the
/// preset reads them, its other parts anything.
fn product() -> impl Strategy<Value = String> {
    (
        variant(),
        proptest::collection::vec(variant(), 0..3),
        proptest::collection::vec((proptest::sample::select(KEYS.to_vec()), value()), 0..4),
    )
        .prop_map(|(master, variants, entries)| {
            let mut parts = vec![
                format!("\"masterVariant\":{master}"),
                format!("\"variants\":[{}]", variants.join(",")),
                "\"name\":{\"en\":\"Tee\",\"de\":\"Hemd\"}".to_owned(),
            ];
            parts.extend(entries.iter().map(|(k, v)| format!("\"{k}\":{v}")));
            format!("{{{}}}", parts.join(","))
        })
}

/// A page of products (now and then an item of any shape), its total.
fn page() -> impl Strategy<Value = String> {
    let item = prop_oneof![6 => product(), 1 => value()];
    (proptest::collection::vec(item, 0..5), 0..9u8).prop_map(|(items, total)| {
        format!(
            "{{\"results\":[{}],\"total\":{total},\"_embedded\":{{\"items\":[{}]}}}}",
            items.join(","),
            items.join(",")
        )
    })
}

fn read(
    mapping: &Mapping,
    asked: &[Gtin],
    body: &[u8],
) -> Vec<Result<Option<crate::catalog::Product>, &'static str>> {
    seen(&mapping.read_batch_answer(asked, body))
}

/// Each preset read lean and through values, compiled once for every case:
/// compiling them per case was nearly all of this test's time in a debug build
/// (48 s against 1 s, measured beside a running CI).
static COMPILED: std::sync::LazyLock<[(&str, Mapping, Mapping); 3]> =
    std::sync::LazyLock::new(|| {
        ["commercetools", "commercetools-gtin", "akeneo"].map(|name| {
            (
                name,
                preset(name).reading_lean(),
                preset(name).parsing_whole(),
            )
        })
    });

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the page holds, reading it lean gives every key what reading it
    /// through jaq's values (the whole body parsed) gives.
    #[test]
    fn a_page_reads_lean_as_through_values(
        body in page(),
        asked in proptest::sample::subsequence(CODES.to_vec(), 1..=CODES.len()),
        which in 0..3usize,
    ) {
        let (name, lean, values) = &COMPILED[which];
        prop_assert!(lean.reads_lean(), "{name}");
        let asked: Vec<Gtin> = asked.iter().map(|code| g(code)).collect();
        prop_assert_eq!(
            read(lean, &asked, body.as_bytes()),
            read(values, &asked, body.as_bytes()),
            "{}: {}", name, body
        );
    }
}

/// What a lean value cannot hold as jaq does is read through jaq's values, with
/// the same results: text that is not UTF-8, an integer beyond 64 bits, jaq's
/// byte strings, `NaN`.
#[test]
fn what_a_lean_value_cannot_hold_reads_as_through_values() {
    let asked = [g("4012345000122"), g("036000291452")];
    let lean = preset("commercetools").reading_lean();
    let values = preset("commercetools").parsing_whole();
    let item = |extra: &[u8]| -> Vec<u8> {
        let mut body = br#"{"results":[{"name":{"en":"Tee"},"masterVariant":{"sku":"4012345000122","attributes":[{"name":"brand","value":"#.to_vec();
        body.extend_from_slice(extra);
        body.extend_from_slice(br#"}],"prices":[{"value":{"centAmount":1550,"fractionDigits":2,"currencyCode":"EUR"}}]},"variants":[]}],"total":1}"#);
        body
    };
    for extra in [
        &b"\"Acme\""[..],
        b"\"Ac\xffme\"",
        b"123456789012345678901234567890",
        b"NaN",
        b"b\"Acme\"",
        b"{\"label\":\"Acme\",\"label\":\"Zenith\"}",
        b"\"\\u00e9\"",
    ] {
        let body = item(extra);
        let got = read(&lean, &asked, &body);
        assert_eq!(
            got,
            read(&values, &asked, &body),
            "{}",
            String::from_utf8_lossy(&body)
        );
        if extra == b"\"Acme\"" {
            let product = got[0].clone().unwrap().unwrap();
            assert_eq!(
                (
                    product.brand.as_deref(),
                    product.price.unwrap().amount.as_str()
                ),
                (Some("Acme"), "15.50")
            );
        }
    }
}

/// An object read whole with more entries than a look-up among them serves (an
/// index takes over): a name given twice, before and after the index starts,
/// keeps its first place and its last value, as through jaq's values.
#[test]
fn a_large_object_read_whole_keeps_each_names_last_value() {
    let asked = [g("4012345000122")];
    let lean = preset("commercetools").reading_lean();
    let values = preset("commercetools").parsing_whole();
    for (early, late) in [(3, 10), (3, 400), (30, 400), (399, 400)] {
        let mut value = String::from("{");
        for n in 0..500 {
            match n {
                n if n == early => value.push_str(r#""label":"Acme","#),
                n if n == late => value.push_str(r#""label":"Zenith","#),
                n => value.push_str(&format!("\"k{n}\":{n},\"k{}\":\"again\",", n / 2)),
            }
        }
        value.push_str(r#""end":true}"#);
        let body = format!(
            r#"{{"results":[{{"name":{{"en":"Tee"}},"masterVariant":{{"sku":"4012345000122","attributes":[{{"name":"brand","value":{value}}},{{"name":"size","value":{value}}}]}},"variants":[]}}],"total":1}}"#
        );
        let got = read(&lean, &asked, body.as_bytes());
        assert_eq!(
            got,
            read(&values, &asked, body.as_bytes()),
            "{early} {late}"
        );
        let product = got[0].clone().unwrap().unwrap();
        assert_eq!(product.brand.as_deref(), Some("Zenith"), "{early} {late}");
    }
}

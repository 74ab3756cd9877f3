//! The flat reader against the values path (the reference) on generated pages.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use proptest::prelude::*;

use super::super::read::{Asked, Page};
use super::super::{Mapping, Preset};
use crate::gtin::Gtin;
use crate::test_support::g;

/// Every form, with fallbacks, a literal, trims, splits and objects.
const EVERY_FORM: &str = r#"
locale = "fr"
[keys]
form = "gtin13"
codes = [".code", '.ean / "," | map(trim)']
[single]
path = "/p/{key}"
[batch]
path = "/s"
query = '{code: ($keys | join(","))}'
items = ".products"
total = ".count"
max_keys = 100
[product]
title = ['.["name_\($locale)"]', ".name", '.generic // "untitled"']
brand = '.brands / "," | .[0] | trim'
description = [".generic | trim", ".name"]
images = ".img // .img2"
categories = '.cats / "," | map(trim)'
attributes = "{size: .qty, origin: .origin, labels: .labels} | compact"
availability = ".status"
updated_at = ".t"
"#;

/// The other arms of each form.
const OTHER_ARMS: &str = r#"
[keys]
form = "gtin14"
codes = ".code"
[single]
path = "/p/{key}"
[batch]
path = "/s"
query = '{code: $keys}'
items = ".products"
max_keys = 100
[product]
title = ".name | trim"
brand = '.brands / ","  | .[-1]'
description = ".generic // false"
images = '.img / " "'
categories = '.cats / ";"'
attributes = "{size: .qty, origin: .origin // 0}"
availability = '.status // "IN_STOCK"'
updated_at = ".t // .name"
"#;

const GTINS: [&str; 4] = [
    "036000291452",
    "4012345000122",
    "96385074",
    "10036000291459",
];

fn mapping(text: &str) -> Mapping {
    Mapping::from_toml(text, "t.toml", &|_| None).unwrap()
}

/// A value as JSON text: texts with the separators and spaces the forms cut at,
/// escapes, numbers of every kind jaq reads, and now and then a nested value.
fn value(plain: bool) -> BoxedStrategy<String> {
    let text = prop_oneof![
        4 => "[ a-cé,;]{0,10}".prop_map(|t| serde_json::to_string(&t).unwrap()),
        1 => Just(r#""\u0041b, \"c\" ""#.to_owned()),
        1 => Just(r#""""#.to_owned()),
        1 => Just(r#"" IN_STOCK""#.to_owned()),
        1 => Just(r#""IN_STOCK""#.to_owned()),
    ];
    let scalar = prop_oneof![
        6 => text,
        1 => any::<i32>().prop_map(|n| n.to_string()),
        1 => Just("1700000000".to_owned()),
        1 => Just("123456789012345678901234567890".to_owned()),
        1 => Just("1.50".to_owned()),
        1 => Just("-2e3".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("false".to_owned()),
        1 => Just("null".to_owned()),
    ];
    if plain {
        scalar.boxed()
    } else {
        prop_oneof![8 => scalar, 1 => Just(r#"[1, "a"]"#.to_owned()), 1 => Just(r#"{"a": {}}"#.to_owned())].boxed()
    }
}

const KEYS: [&str; 15] = [
    "name_fr",
    "name",
    "generic",
    "brands",
    "img",
    "img2",
    "cats",
    "qty",
    "origin",
    "labels",
    "status",
    "t",
    "ean",
    "junk",
    "name\\u005ffr",
];

/// An item: its code (an asked GTIN in some spelling, or, unless `plain`, one not
/// asked or none), then keys in any order, some twice.
fn item(plain: bool) -> impl Strategy<Value = String> {
    let code = if plain {
        // The GTIN-14 has no GTIN-13 form: under `EVERY_FORM` it is never asked.
        (0..GTINS.len() - 1, 0..3usize)
            .prop_map(|(i, form)| {
                let gtin = g(GTINS[i]);
                let code = match form {
                    0 => gtin.gtin14().to_owned(),
                    1 => gtin.as_own_format().to_owned(),
                    _ => gtin.padded(13).unwrap_or(gtin.gtin14()).to_owned(),
                };
                format!(r#""code": "{code}""#)
            })
            .boxed()
    } else {
        prop_oneof![
            4 => Just(r#""code": "0036000291452""#.to_owned()),
            1 => Just(r#""code": "4006381333931""#.to_owned()),
            1 => Just(r#""ean": "x, 96385074""#.to_owned()),
            1 => Just(r#""code": 96385074"#.to_owned()),
            1 => Just(r#""code": [1]"#.to_owned()),
        ]
        .boxed()
    };
    let entries = proptest::collection::vec((0..KEYS.len(), value(plain)), 0..12);
    (code, entries, 0..13usize).prop_map(|(code, entries, at)| {
        let mut parts: Vec<String> = entries
            .into_iter()
            .map(|(key, value)| format!(r#""{}": {value}"#, KEYS[key]))
            .collect();
        parts.insert(at.min(parts.len()), code);
        format!("{{{}}}", parts.join(", "))
    })
}

/// A page: its items under `products` and maybe a `count`, in either order.
fn page(plain: bool) -> impl Strategy<Value = String> {
    let count = prop_oneof![
        Just(None),
        Just(Some(r#""count": 7"#)),
        Just(Some(r#""count": "12""#)),
        Just(Some(r#""count": null"#)),
    ];
    (
        proptest::collection::vec(item(plain), 0..5),
        count,
        any::<bool>(),
    )
        .prop_map(|(items, count, count_last)| {
            let mut parts = vec![
                format!(r#""products": [{}]"#, items.join(", ")),
                r#""skip": {"a": [1, 2]}"#.to_owned(),
            ];
            match count {
                Some(count) if count_last => parts.push(count.to_owned()),
                Some(count) => parts.insert(0, count.to_owned()),
                None => {}
            }
            format!("{{{}}}", parts.join(", "))
        })
}

/// What a page says, compared in full (errors by their text).
fn said(page: &Page) -> String {
    format!(
        "{:?} items {} broken {} next {:?} total {:?}",
        page.results, page.items, page.broken, page.next, page.total
    )
}

fn keys(mapping: &Mapping) -> Vec<(Gtin, String)> {
    GTINS
        .iter()
        .filter_map(|code| {
            let gtin = g(code);
            Some((gtin, mapping.key(&gtin)?))
        })
        .collect()
}

thread_local! {
    /// Each test mapping, read flat and through values (compiled once per thread).
    static MAPPINGS: [(Mapping, Mapping); 2] = [EVERY_FORM, OTHER_ARMS]
        .map(|text| (mapping(text), mapping(text).reading_by_values()));
}

/// The flat reading of `body` under the `which`th test mapping, and what the
/// values path reads of it.
fn read(which: usize, body: &str) -> (Option<String>, String) {
    MAPPINGS.with(|mappings| {
        let (flat, values) = &mappings[which];
        both(flat, values, body)
    })
}

/// The flat reading of `body`, and what the values path reads of it.
fn both(mapping: &Mapping, values: &Mapping, body: &str) -> (Option<String>, String) {
    let keys = keys(mapping);
    let asked = Asked::new(&keys);
    let body = bytes::Bytes::copy_from_slice(body.as_bytes());
    let flat = mapping.flat.as_ref().unwrap().read_page(&asked, &body);
    let vars = values.batch_vars(&[], 1, 0);
    let reference = match values.read_page(&asked, &body, &vars, None) {
        Ok(page) => said(&page),
        Err(error) => format!("error {error}"),
    };
    (flat.as_ref().map(said), reference)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Pages whose items are all asked for and hold no nested value are read
    /// flat, as the values path reads them.
    #[test]
    fn a_plain_page_reads_flat_as_through_values(body in page(true), which in 0..2usize) {
        let (flat, reference) = read(which, &body);
        prop_assert_eq!(flat, Some(reference), "{}", body);
    }

    /// Any page: read flat as through values, or given up.
    #[test]
    fn any_page_reads_flat_as_through_values_or_is_given_up(body in page(false), which in 0..2usize) {
        let (flat, reference) = read(which, &body);
        if let Some(flat) = flat {
            prop_assert_eq!(flat, reference, "{}", body);
        }
    }
}

#[test]
fn what_is_not_json_or_not_flat_is_given_up() {
    let mapping = mapping(EVERY_FORM);
    let keys = keys(&mapping);
    let asked = Asked::new(&keys);
    let flat = mapping.flat.as_ref().unwrap();
    for body in [
        "",
        "[]",
        r#"{"products": {}}"#,
        r#"{"products": [], "products": []}"#,
        r#"{"products": [{"code": "036000291452", "name": ["a"]}]}"#,
        r#"{"products": [{"code": "4006381333931", "name": "a"}]}"#,
        r#"{"products": [{"code": "036000291452", "name": NaN}]}"#,
        r#"{"products": [1]} x"#,
    ] {
        assert!(flat.read_page(&asked, body.as_bytes()).is_none(), "{body}");
    }
    let page = flat
        .read_page(&asked, br#"{"products": null, "count": 3}"#)
        .unwrap();
    assert_eq!((page.items, page.total), (0, Some(3)));
}

#[test]
fn only_mappings_reading_an_items_own_keys_read_flat() {
    assert!(mapping(EVERY_FORM).reads_flat());
    for (from, to) in [
        (r#"updated_at = ".t""#, r#"updated_at = ".t.seconds""#),
        (r#"updated_at = ".t""#, r#"updated_at = "$item.t""#),
        (
            r#"updated_at = ".t""#,
            r#"updated_at = ".t | ascii_downcase""#,
        ),
        (
            r#"updated_at = ".t""#,
            r#"price = "{amount: .p, currency: .c}""#,
        ),
        (r#"items = ".products""#, r#"items = ".data.products""#),
        (r#"total = ".count""#, r#"next = ".next""#),
        (
            r#"attributes = "{size: .qty, origin: .origin, labels: .labels} | compact""#,
            r#"attributes = "{size: .qty, size: .origin} | compact""#,
        ),
    ] {
        assert!(EVERY_FORM.contains(from), "{from}");
        let changed = mapping(&EVERY_FORM.replace(from, to));
        assert!(!changed.reads_flat(), "{to}");
    }
    let flat: Vec<&str> = super::super::PRESETS
        .iter()
        .filter(|preset| {
            Mapping::from_toml(preset.text, preset.file, &|_| Some("x".to_owned()))
                .unwrap()
                .reads_flat()
        })
        .map(|preset: &Preset| preset.name)
        .collect();
    assert_eq!(flat, ["openfoodfacts"]);
}

//! The subset against jaq itself: every filter it recognizes, and property tests
//! that what it gives (and what it says it reads) is what jaq gives.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use proptest::prelude::*;

use super::super::jq::{Filter, parse_json, string};
use super::super::prune::Builder;
use super::*;

const VARS: [&str; 3] = ["$key", "$locale", "$item"];

#[test]
fn the_subset_is_recognized_and_the_rest_is_not() {
    for code in [
        ".",
        ".a",
        ".a.b",
        ".[\"a b\"]",
        ".a[0]",
        ".a[-1].b",
        "$item.a",
        ".[$locale]",
        ".a // .b // \"x\"",
        ".[\"name_\\($locale)\"]",
        "null",
        "12",
        "$key",
        ".a | .b",
        ".a / \",\" | .[0] | trim",
        ".a / \",\" | map(trim)",
        "{a: .x, b: .y // .z} | compact",
        ".a | ascii_upcase",
        "find(.a; \"x\")",
        ".a | find(.b | .c; $key) | .d",
        "map({a: .x, b: .y // .z})",
        "$item.c | map(.obj.name[$locale] // .id)",
        "if .a then \"x\" else .b end",
        ".a | if .b == null or .c > 5 then (if .d then 1 else 2 end) elif .b != false and .c <= 1 then .e else null end",
        "[.a[]][0]",
        "[$item.name[]][-1].b",
        "[.a, .b // .c][1]",
        ".a | omit([\"x\", \"y\"]) | each_value(.[0].data)",
        "omit(\"x\")",
        "(.a | .b)",
        ".and.label",
        ".value.label // .value",
        "tojson",
        "map(tojson) | join(\", \")",
        ".a | join(\"-\")",
        "($key | tojson) as $sku | {w: \"sku = \\($sku)\", n: false, l: $locale}",
        ".a as $x | .b as $y | \"\\($x)-\\($y)\"",
        "(.a | map(tojson) | join(\", \")) as $skus | {where: \"sku in (\\($skus))\", limit: 1}",
        "\"n_\\($locale)\"",
        "{a: (.a | join(\",\")), b: .b // .c}",
        "{a: .x, b: (.a | tojson), c: ($key | ascii_upcase), d: $locale}",
        "{code: (.a | map(tojson) | join(\",\")), fields: \"a,n_\\($locale)\", p: $key}",
    ] {
        assert!(Simple::parse(code, &VARS).is_some(), "{code}");
    }
    for code in [
        ".a[]",
        "map(.a[])",
        "find(.a; .b)",
        ".a / .b",
        ".a // .b / \",\"",
        "trimmed",
        "{a: .x | trim}",
        ".a + .b",
        "$nope",
        ".a?",
        "first(.a)",
        "{a}",
        ".a // ",
        "\"\\($nope)\"",
        "if .a then 1 end",
        "if .a // .b then 1 else 2 end",
        "if .a then 1 else 2",
        "[]",
        "[.a[] | .b]",
        "[.a][]",
        "omit(.a)",
        "each_value(.a[])",
        ".a == 1",
        "(.a",
        ".a as $x",
        ".a as x | .b",
        "$x",
        ".a as $x | .b | $y",
        "join(.a)",
        "find(.a; \"\\($key)\")",
        "{a: (.a[])}",
        "{a: (.a}",
        "{a: (.a) | .b}",
        "{a: ($v)}",
    ] {
        assert!(Simple::parse(code, &VARS).is_none(), "{code}");
    }
}

fn filters() -> impl Strategy<Value = String> {
    let step = prop_oneof![
        "[a-c]".prop_map(|k| format!(".{k}")),
        Just(".end".to_owned()),
        "[a-c]".prop_map(|k| format!("[\"{k}\"]")),
        (-2..3i32).prop_map(|i| format!("[{i}]")),
        Just("[$locale]".to_owned()),
        Just("[\"n_\\($locale)\"]".to_owned()),
    ];
    let path = (
        prop_oneof![Just(".".to_owned()), Just("$item".to_owned())],
        proptest::collection::vec(step, 0..4),
    )
        .prop_map(|(start, steps)| {
            let mut path = start;
            for step in steps {
                if path == "." && step.starts_with('.') {
                    path = step;
                } else {
                    path.push_str(&step);
                }
            }
            path
        });
    let alt = prop_oneof![4 => path.clone(), 1 => Just("\"lit\"".to_owned()), 1 => Just("null".to_owned()), 1 => Just("false".to_owned())];
    let alts = proptest::collection::vec(alt, 1..4).prop_map(|alts| alts.join(" // "));
    let stage = prop_oneof![
        6 => alts.clone(),
        2 => path.clone().prop_map(|path| format!("{path} / \",\"")),
        1 => (alts.clone(), alts.clone()).prop_map(|(a, b)| format!("{{a: {a}, b: {b}}}")),
        1 => Just("trim".to_owned()),
        1 => Just("map(trim)".to_owned()),
        1 => Just("compact".to_owned()),
        1 => Just("ascii_upcase".to_owned()),
        1 => Just("map(.a // .b)".to_owned()),
        1 => Just("map({k: .a})".to_owned()),
        1 => Just("map(trim)".to_owned()),
        1 => Just("find(.a; \"a\")".to_owned()),
        1 => Just("find(.b | .a; $key)".to_owned()),
        1 => Just("find(.a; $key)".to_owned()),
        1 => Just(".a | find(.c; $key) | .b".to_owned()),
        1 => Just("find(.c; 1)".to_owned()),
        2 => (conds(), alts.clone(), alts.clone()).prop_map(|(c, a, b)| format!("if {c} then {a} else {b} end")),
        1 => (conds(), alts.clone(), conds(), alts.clone(), alts.clone()).prop_map(|(c, a, d, b, e)| format!("if {c} then ({a} | trim) elif {d} then {b} else {e} end")),
        1 => (alts.clone(), -2..3i32).prop_map(|(a, i)| format!("[{a}, .c][{i}]")),
        1 => (path.clone(), -2..3i32).prop_map(|(p, i)| format!("[{p}[]][{i}]")),
        1 => Just("[$item[]] | .[0]".to_owned()),
        1 => Just("omit([\"a\", \"n_en\"])".to_owned()),
        1 => Just("omit(\"b\")".to_owned()),
        1 => Just("each_value(.[0] // .a)".to_owned()),
        1 => (alts.clone()).prop_map(|a| format!("({a} | compact)")),
        1 => Just("tojson".to_owned()),
        1 => Just("map(tojson) | join(\", \")".to_owned()),
        1 => Just("join(\"-\")".to_owned()),
        1 => Just("[.a, $key] | join(\"/\")".to_owned()),
        1 => Just("\"\\($locale)-\\($key)\" // .a".to_owned()),
        2 => (alts.clone(), alts.clone()).prop_map(|(a, b)| format!("({a}) as $v | {{a: $v, b: \"x\\($v)y\", c: {b}}}")),
        1 => (alts.clone(), alts.clone()).prop_map(|(a, b)| format!("({a}) as $v | ({b}) as $w | [$v, $w, \"\\($w)\\($v)\"]")),
        1 => Just("(\"\\($locale)\" // .a) as $v | .[$v]".to_owned()),
        1 => Just("(.a | tojson) as $locale | $locale".to_owned()),
        2 => (alts.clone(), alts.clone(), alts.clone()).prop_map(|(a, b, c)| format!("{{a: ({a} | tojson), b: {b}, c: ({c})}}")),
        1 => (alts.clone(), alts.clone()).prop_map(|(a, b)| format!("({a}) as $v | {{a: ($v | join(\",\")), b: \"\\($v)\", c: ({b} | trim)}}")),
    ];
    proptest::collection::vec(stage, 1..4).prop_map(|stages| stages.join(" | "))
}

fn conds() -> impl Strategy<Value = String> {
    let operand = prop_oneof![
        "[a-c]".prop_map(|k| format!(".{k}")),
        Just("$item.a".to_owned()),
        Just(".a[0]".to_owned()),
        Just("null".to_owned()),
        Just("false".to_owned()),
        Just("true".to_owned()),
        (0..5i32).prop_map(|n| n.to_string()),
        Just("\"a,\"".to_owned()),
    ];
    let op = prop_oneof![
        Just(""),
        Just("=="),
        Just("!="),
        Just("<"),
        Just("<="),
        Just(">"),
        Just(">=")
    ];
    let test = (operand.clone(), op, operand).prop_map(|(a, op, b)| {
        if op.is_empty() {
            a
        } else {
            format!("{a} {op} {b}")
        }
    });
    (
        test.clone(),
        proptest::collection::vec((prop_oneof![Just("and"), Just("or")], test), 0..3),
    )
        .prop_map(|(first, rest)| {
            let mut cond = first;
            for (logic, test) in rest {
                cond = format!("{cond} {logic} {test}");
            }
            cond
        })
}

#[test]
fn the_locale_filled_in_makes_keys_known() {
    for code in [
        ".[\"n_\\($locale)\"]",
        ".a[$locale]",
        "map(.[\"\\($locale)\"])",
    ] {
        let simple = Simple::parse(code, &VARS).unwrap_or_else(|| panic!("{code}"));
        let mut bound = simple.clone();
        bound.bind_text(1, "en");
        assert_ne!(bound, simple, "{code}");
        let mut again = bound.clone();
        again.bind_text(1, "en");
        assert_eq!(again, bound, "{code}: nothing left to fill in");
    }
    // `$key` is not known at start: left as it is.
    let simple = Simple::parse(".[\"n_\\($key)\"]", &VARS).unwrap();
    let mut bound = simple.clone();
    bound.bind_text(1, "en");
    assert_eq!(bound, simple);
}

fn values() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        (0..5i64).prop_map(serde_json::Value::from),
        "[a-c ,]{0,4}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("a".to_owned()),
                    Just("b".to_owned()),
                    Just("c".to_owned()),
                    Just("en".to_owned()),
                    Just("n_en".to_owned()),
                    Just("end".to_owned())
                ],
                inner,
                0..4
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// What the subset gives is what jaq gives: the same first output, or both fail.
    #[test]
    fn the_subset_evaluates_as_jaq_does(code in filters(), input in values(), item in values(), locale in prop_oneof![Just("en"), Just("a")]) {
        let simple = Simple::parse(&code, &VARS).unwrap_or_else(|| panic!("{code} is in the subset"));
        let jaq = Filter::compile(&code, &VARS).unwrap();
        let val = |v: &serde_json::Value| parse_json(v.to_string().as_bytes()).unwrap();
        let vars = [string("k"), string(locale), val(&item)];
        let ours = simple.first(&val(&input), &vars).map_err(|_| ());
        let theirs = jaq.first_by_jaq(val(&input), &vars).map_err(|_| ());
        prop_assert_eq!(ours.map(|v| v.map(|v| v.to_string())), theirs.map(|v| v.map(|v| v.to_string())), "{} on {} (item {})", code, input, item);
    }

    /// A filter with `$locale` filled in gives what it gives with `$locale` set.
    #[test]
    fn a_filter_with_the_locale_filled_in_gives_the_same(code in filters(), input in values(), item in values(), locale in prop_oneof![Just("en"), Just("a")]) {
        let simple = Simple::parse(&code, &VARS).unwrap_or_else(|| panic!("{code} is in the subset"));
        let mut bound = simple.clone();
        bound.bind_text(1, locale);
        let val = |v: &serde_json::Value| parse_json(v.to_string().as_bytes()).unwrap();
        let vars = [string("k"), string(locale), val(&item)];
        let run = |filter: &Simple| filter.first(&val(&input), &vars).map(|v| v.map(|v| v.to_string()));
        prop_assert_eq!(run(&bound), run(&simple), "{}", code);
    }

    /// What a filter says it reads is all it needs: on a value parsed keeping
    /// only that (`prune`), it gives what it gives on the whole value; with `$key`
    /// one of the keys asked (`a`, `c`), elements `find(.x; $key)` cannot find
    /// left unread.
    #[test]
    fn a_filter_gives_the_same_on_the_parts_it_reads(code in filters(), input in values(), locale in prop_oneof![Just("en"), Just("a")], key in prop_oneof![Just("a"), Just("c")]) {
        let simple = Simple::parse(&code, &VARS).unwrap_or_else(|| panic!("{code} is in the subset"));
        let mut tree = Builder::new();
        let bound = [Bound::Key, Bound::Text(locale.to_owned()), Bound::At(vec![Builder::ROOT])];
        for loc in simple.reads(&[Builder::ROOT], &bound, &mut tree) {
            tree.whole(loc);
        }
        let tree = tree.finish();
        let text = input.to_string();
        let full = parse_json(text.as_bytes()).unwrap();
        let body = bytes::Bytes::from(text.into_bytes());
        let asked = |text: &str| text == "a" || text == "c";
        let selected = super::super::prune::parse(&body, &tree, Some(&asked)).unwrap();
        let pruned = super::super::prune::parse(&body, &tree, None).unwrap();
        let run = |value: &Val| {
            simple
                .first(value, &[string(key), string(locale), value.clone()])
                .map(|out| out.map(|out| out.to_string()))
        };
        prop_assert_eq!(run(&pruned), run(&full), "{} on {} read as {}", code, input, pruned);
        prop_assert_eq!(run(&selected), run(&full), "{} on {} read as {}", code, input, selected);
    }
}

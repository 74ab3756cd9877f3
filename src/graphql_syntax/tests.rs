//! The reader against its oracle, async-graphql's own parser: what the reader
//! accepts must be what `parse_query` gives, node for node and position for
//! position; what it leaves alone, `parse_query` still answers.

use std::fmt::Write as _;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use proptest::prelude::*;

use super::{parse_query, read, read_counting};

/// A document's every node and position, its maps in name order (`Positioned`'s
/// `==` ignores positions, and `HashMap`s have no order of their own).
fn render(document: &ExecutableDocument) -> String {
    let mut out = String::new();
    match &document.operations {
        DocumentOperations::Single(operation) => {
            let _ = write!(out, "single {operation:?}");
        }
        DocumentOperations::Multiple(named) => {
            let mut named: Vec<_> = named.iter().collect();
            named.sort_by(|a, b| a.0.cmp(b.0));
            for (name, operation) in named {
                let _ = write!(out, "\noperation {name}: {operation:?}");
            }
        }
    }
    let mut fragments: Vec<_> = document.fragments.iter().collect();
    fragments.sort_by(|a, b| a.0.cmp(b.0));
    for (name, fragment) in fragments {
        let _ = write!(out, "\nfragment {name}: {fragment:?}");
    }
    out
}

/// What async-graphql's parser makes of `text`: the rendered document, or its
/// error as it is shown. pest's descent, unoptimised, needs more stack than a test
/// thread has: every test runs its checks through [`on_a_big_stack`].
fn oracle(text: &str) -> Result<String, String> {
    async_graphql::parser::parse_query(text)
        .map(|document| render(&document))
        .map_err(|error| format!("{error} {error:?}"))
}

/// Runs `check` on a thread with a 256 MB stack, its panic passed on.
fn on_a_big_stack<T: Send + 'static>(check: impl FnOnce() -> T + Send + 'static) -> T {
    let run = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(check)
        .expect("a test thread starts");
    match run.join() {
        Ok(answer) => answer,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Fails unless the reader reads `text` and gives exactly the oracle's document.
fn assert_read_as_oracle(text: &str) {
    let expected = oracle(text).unwrap_or_else(|error| panic!("{text:?}: oracle: {error}"));
    let (Some(document), recounted) = read_counting(text) else {
        panic!("{text:?}: the reader left it to parse_query")
    };
    assert_eq!(render(&document), expected, "{text:?}");
    assert_eq!(recounted, 0, "{text:?}: positions counted again");
}

/// Fails when the reader accepts what the oracle does not, or reads it otherwise;
/// and when [`parse_query`] differs from the oracle in any way.
fn assert_never_differs(text: &str) {
    let expected = oracle(text);
    if let Some(document) = read(text) {
        assert_eq!(Ok(render(&document)), expected, "{text:?}");
    }
    let answered = parse_query(text)
        .map(|document| render(&document))
        .map_err(|error| format!("{error} {error:?}"));
    assert_eq!(answered, expected, "{text:?}");
}

#[test]
fn the_gateways_own_documents_are_read_as_async_graphql_reads_them() {
    on_a_big_stack(|| {
        for text in [
            "{ product(gtin: \"4006381333931\") { gtin title price { amount currency } } }",
            "query Basket($gtins: [String!]!) { products(gtins: $gtins) { gtin title } }",
            "query Pos { lookups(codes: [\"036000291452\", \"0 36000 29145 2\", \"bad\"]) \
             { input status product { gtin title } gtin { gtin14 kind } error { code message } } }",
            "{ a: product(gtin: \"1\") { title } b: product(gtin: \"2\") { title } }",
            "query Q($code: String!) { gtin(code: $code) { gtin14 gtin13 upcA kind } }",
            "{ __schema { types { name kind fields(includeDeprecated: true) { name } } } }",
        ] {
            assert_read_as_oracle(text);
        }
    });
}

#[test]
fn every_part_of_the_grammar_is_read_with_its_line_and_column() {
    on_a_big_stack(|| {
        for text in [
            // Separators: commas, tabs, comments, byte order marks, every line end.
            "\u{feff}# a comment\r\n{\ta,b\r c\n\r\n d # end\n}",
            // Columns count characters, not bytes.
            "{ a(x: \"é😀\") b(y: \"\\u00e9\\u2A1A\\n\\t\\\"\\\\\\/\\b\\f\\r\") }",
            // Block strings: the indent, blank lines first and last, `\"""` kept.
            "{ a(x: \"\"\"\n    first\n      second\r\n\r    third \\\"\"\" \n\n  \"\"\") }",
            "{ a(x: \"\"\"\"\"\") b(y: \"\") }",
            // Numbers serde reads: exponents, signs, a zero, big ones.
            "{ a(x: [0, -0, 1.5, -2.25e-3, 6E+2, 7e8, 123456789012345678901234567890]) }",
            // Values of every kind, nested, an object's repeated key.
            "{ a(x: {k: [true, false, null, ENUM, {n: 1, n: 2}], s: \"t\"}) }",
            // Operations with everything they can carry.
            "query Q($a: Int = 1, $b: [[String!]]! @d(x: 1), $c: In = {k: [1]}) @o(x: $a) \
             { f @skip(if: $a) @include(if: true) { g } }",
            "mutation M { m } subscription S { s } query Q { q }",
            "query{a}",
            // Fragments, inline fragments, spreads, directives on each.
            "fragment F on T @d { a ...G } fragment G on T { b } \
             { ...F @d ... on T { c } ... @include(if: true) { d } ... { e } }",
            "{ ...on1 ...onX }",
            // async-graphql's own grammar where it departs from the spec.
            "{ a(x: [trueX, nullY, falsez]) }",
            "{ a(x: [0123]) }",
            // An unclosed block string is two empty strings: `""""` is `"" ""`.
            "{ a(x: [\"\"\"\"]) }",
            "{ a(x: [\"\"\"\"]) }",
            "query($a: Int @d = 1) { a }",
            "queryQ { a }",
            "fragmentF on T { a } { ...F }",
            "{ ... on\r\nT { a } ... on,T { b } }",
            "{ a ( x : $ v ) @ d }",
            // Spreads with directives, a spread named `on`, inline fragments with and
            // without a condition: each told apart without reading it twice.
            "{ ...F @a(x: 1) @b ...G @c ... @d { e } ... on T @f { g } ...on @h }",
        ] {
            assert_read_as_oracle(text);
        }
    });
}

#[test]
fn what_async_graphql_refuses_it_refuses_with_its_own_error() {
    on_a_big_stack(|| {
        for text in [
            "",
            "   # only a comment",
            "{",
            "{ }",
            "{ a(x: 1e) }",
            "{ a(x: 1.) }",
            "{ a(x: 12abc) }",
            "{ a(x: \"\\uD800\") }",
            "{ a(x: \"\\x\") }",
            "{ a(x: \"line\nbreak\") }",
            "{ a(x: \"\"\"open) }",
            "{ a(x: $v) } extra",
            "{ a } { b }",
            "query A { a } { b }",
            "query{a} query B{b}",
            "query A { a } query A { b }",
            "fragment F on T { a } fragment F on T { b } { ...F }",
            "fragment F on T { a }",
            "{ ... on T }",
            "{ ... on#c\nT { a } }",
            "query($a: [ Int ]) { a }",
            "query($a: Int = $b) { a }",
            "{ a(x: 1e400) }",
            "{ a() }",
            "{ a(x: 1 }",
            "{ a @ }",
            "{ a: }",
        ] {
            assert_never_differs(text);
        }
    });
}

#[test]
fn selections_as_deep_as_async_graphql_allows_are_read_and_deeper_ones_refused_alike() {
    on_a_big_stack(|| {
        for depth in [1, 62, 63, 64, 65, 66, 200] {
            let text = format!("{}{}", "{ a ".repeat(depth), "}".repeat(depth));
            assert_never_differs(&text);
            let fragments = format!("{{ b {}{} }}", "... { a ".repeat(depth), "}".repeat(depth));
            assert_never_differs(&fragments);
        }
        assert!(read(&format!("{}{}", "{ a ".repeat(64), "}".repeat(64))).is_some());
        let deep_values = format!("{{ a(x: {}1{}) }}", "[".repeat(5000), "]".repeat(5000));
        assert!(read(&deep_values).is_none());
        let deep_type = format!(
            "query($a: {}Int{}) {{ a }}",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert!(read(&deep_type).is_none());
    });
}

// Documents generated from the grammar, with every kind of separator.

fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        4 => Just(" "),
        1 => Just(""),
        1 => Just(","),
        1 => Just(" , "),
        1 => Just("\n"),
        1 => Just("\r\n"),
        1 => Just("\r"),
        1 => Just("\t"),
        1 => Just(" # note\n"),
        1 => Just("\u{feff}"),
    ]
}

/// A separator that may not be empty (between two names).
fn gap() -> impl Strategy<Value = &'static str> {
    separator().prop_map(|sep| if sep.is_empty() { " " } else { sep })
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z_][a-zA-Z0-9_]{0,5}",
        1 => Just("on".to_owned()),
        1 => Just("query".to_owned()),
        1 => Just("fragment".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("nullable".to_owned()),
        1 => Just("trueX".to_owned()),
    ]
}

fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z é😀\\\\\"/]{0,8}".prop_map(|s| {
            let escaped: String = s
                .chars()
                .map(|c| match c {
                    '"' => "\\\"".to_owned(),
                    '\\' => "\\\\".to_owned(),
                    '/' => "\\/".to_owned(),
                    c => c.to_string(),
                })
                .collect();
            format!("\"{escaped}\"")
        }),
        Just("\"\\u00e9\\u2a1A\\b\\f\\n\\r\\t\"".to_owned()),
        proptest::collection::vec("[ \t]{0,4}([a-z\" ]{0,4}[a-z])?", 0..5).prop_flat_map(|lines| {
            prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]
                .prop_map(move |end| format!("\"\"\"{}\"\"\"", lines.join(end)))
        }),
        Just("\"\"\"a \\\"\"\" b\"\"\"".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i32>().prop_map(|n| n.to_string()),
        Just("0".to_owned()),
        Just("-0".to_owned()),
        (any::<i16>(), 0u32..1000, prop::option::of(-20i32..20)).prop_map(|(i, f, e)| {
            let mut n = format!("{i}.{f}");
            if let Some(e) = e {
                n.push_str(&format!("e{e:+}"));
            }
            n
        }),
        (1u32..100, -5i32..5).prop_map(|(m, e)| format!("{m}E{e}")),
    ]
}

fn value(constant: bool) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => number(),
        3 => string_literal(),
        1 => Just("true".to_owned()),
        1 => Just("false".to_owned()),
        1 => Just("null".to_owned()),
        // Names beginning as `true`, `false` or `null` are read as those, then the
        // rest as another value: rarely a document the oracle accepts.
        3 => "[a-zA-Z_][a-zA-Z0-9_]{0,5}".prop_filter("an enum value", |n| {
            !(n.starts_with("true") || n.starts_with("false") || n.starts_with("null"))
        }),
        2 => name().prop_map(move |n| if constant {
            "1".to_owned()
        } else {
            format!("${n}")
        }),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec((inner.clone(), separator()), 0..4).prop_map(|items| {
                let items: String = items
                    .into_iter()
                    .map(|(item, sep)| format!("{item} {sep}"))
                    .collect();
                format!("[{items}]")
            }),
            proptest::collection::vec((name(), inner, separator()), 0..4).prop_map(|fields| {
                let fields: String = fields
                    .into_iter()
                    .map(|(name, value, sep)| format!("{name}:{sep}{value} "))
                    .collect();
                format!("{{{fields}}}")
            }),
        ]
    })
}

fn arguments(constant: bool) -> impl Strategy<Value = String> {
    proptest::collection::vec((name(), value(constant), separator()), 0..3).prop_map(|args| {
        if args.is_empty() {
            return String::new();
        }
        let args: String = args
            .into_iter()
            .map(|(name, value, sep)| format!("{name}{sep}:{sep}{value} "))
            .collect();
        format!("({args})")
    })
}

fn directives() -> impl Strategy<Value = String> {
    proptest::collection::vec((name(), arguments(false), separator()), 0..3).prop_map(|ds| {
        ds.into_iter()
            .map(|(name, args, sep)| format!(" @{name}{sep}{args} "))
            .collect()
    })
}

fn selection_set() -> impl Strategy<Value = String> {
    let leaf = (
        prop::option::of(name()),
        name(),
        arguments(false),
        directives(),
    )
        .prop_map(|(alias, name, args, directives)| match alias {
            Some(alias) => format!("{alias}: {name}{args}{directives}"),
            None => format!("{name}{args}{directives}"),
        });
    let set = proptest::collection::vec((leaf, separator()), 1..4).prop_map(|items| {
        let items: String = items
            .into_iter()
            .map(|(item, sep)| format!("{item}{sep} "))
            .collect();
        format!("{{{items}}}")
    });
    set.prop_recursive(4, 24, 3, |inner| {
        let selection = prop_oneof![
            (name(), arguments(false), directives(), inner.clone())
                .prop_map(|(name, args, ds, set)| format!("{name}{args}{ds}{set}")),
            (name(), gap(), directives(), inner.clone())
                .prop_map(|(ty, sep, ds, set)| format!("... on{sep}{ty}{ds}{set}")),
            (directives(), inner).prop_map(|(ds, set)| format!("...{ds}{set}")),
            (name(), directives()).prop_map(|(name, ds)| format!("... {name}{ds}")),
            name(),
        ];
        proptest::collection::vec((selection, separator()), 1..4).prop_map(|items| {
            let items: String = items
                .into_iter()
                .map(|(item, sep)| format!("{item}{sep} "))
                .collect();
            format!("{{{items}}}")
        })
    })
}

fn type_reference() -> impl Strategy<Value = String> {
    let named = (name(), any::<bool>()).prop_map(
        |(name, required)| {
            if required { format!("{name}!") } else { name }
        },
    );
    named.prop_recursive(3, 4, 1, |inner| {
        (inner, any::<bool>()).prop_map(|(t, required)| {
            if required {
                format!("[{t}]!")
            } else {
                format!("[{t}]")
            }
        })
    })
}

fn operation() -> impl Strategy<Value = String> {
    let variable = (
        name(),
        type_reference(),
        directives(),
        prop::option::of(value(true)),
    )
        .prop_map(|(name, ty, ds, default)| match default {
            Some(default) => format!("${name}: {ty}{ds} = {default}"),
            None => format!("${name}: {ty}{ds}"),
        });
    let variables = proptest::collection::vec(variable, 0..3);
    (
        prop_oneof![Just("query"), Just("mutation"), Just("subscription")],
        variables,
        directives(),
        selection_set(),
    )
        .prop_map(|(ty, variables, ds, set)| {
            let variables = if variables.is_empty() {
                String::new()
            } else {
                format!("({})", variables.join(", "))
            };
            (ty, variables, ds, set)
        })
        .prop_map(|(ty, variables, ds, set)| format!("{ty} NAME{variables}{ds}{set}"))
}

/// A whole document: one anonymous operation, or named operations and fragments.
fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        selection_set(),
        (
            proptest::collection::vec(operation(), 1..3),
            proptest::collection::vec((type_reference(), directives(), selection_set()), 0..3),
            separator(),
        )
            .prop_map(|(operations, fragments, sep)| {
                let mut text = String::new();
                for (i, operation) in operations.into_iter().enumerate() {
                    text.push_str(&operation.replace("NAME", &format!("Op{i}")));
                    text.push_str(sep);
                    text.push('\n');
                }
                for (i, (ty, ds, set)) in fragments.into_iter().enumerate() {
                    let ty = ty.trim_matches(['[', ']', '!']);
                    text.push_str(&format!("fragment F{i} on {ty}{ds}{set}{sep}"));
                }
                text
            }),
    ]
}

/// A document broken or bent at one place: a part cut out, or a piece of
/// grammar put in.
fn mangled() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{"),
        Just("}"),
        Just("("),
        Just(")"),
        Just("["),
        Just("]"),
        Just(":"),
        Just("$"),
        Just("@"),
        Just("..."),
        Just("\""),
        Just("\"\"\""),
        Just("\\"),
        Just("#"),
        Just("\n"),
        Just("\r"),
        Just("on "),
        Just("true"),
        Just("0"),
        Just("."),
        Just("e"),
        Just("!"),
        Just("="),
        Just("é"),
    ];
    (
        document(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        piece,
        0..3u8,
    )
        .prop_map(|(text, at, to, piece, how)| {
            let bounds: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let at = bounds[at.index(bounds.len())];
            let to = bounds[to.index(bounds.len())];
            let (from, until) = (at.min(to), at.max(to));
            match how {
                0 => format!("{}{}", &text[..from], &text[until..]),
                1 => format!("{}{piece}{}", &text[..at], &text[at..]),
                _ => format!("{}{piece}{}", &text[..from], &text[until..]),
            }
        })
}

/// Runs `check` over `cases` texts of `texts` on a thread with room for the
/// strategies' and pest's unoptimised recursion.
fn for_any<S: Strategy<Value = String> + 'static>(
    texts: fn() -> S,
    cases: u32,
    check: impl Fn(&str) -> Result<(), TestCaseError> + Send + 'static,
) {
    let failure = on_a_big_stack(move || {
        let config = ProptestConfig::with_cases(cases);
        proptest::test_runner::TestRunner::new(config)
            .run(&texts(), |text| check(&text))
            .map_err(|failure| failure.to_string())
    });
    if let Err(failure) = failure {
        panic!("{failure}");
    }
}

#[test]
fn any_document_of_the_grammar_is_read_exactly_as_async_graphql_reads_it() {
    for_any(document, 320, |text| {
        let expected = oracle(text);
        let (document, recounted) = read_counting(text);
        match (&expected, document) {
            (Ok(expected), Some(document)) => {
                prop_assert_eq!(&render(&document), expected);
                prop_assert_eq!(recounted, 0, "positions counted again");
            }
            (Ok(_), None) => prop_assert!(false, "{text:?}: left to parse_query"),
            (Err(_), Some(document)) => {
                prop_assert!(
                    false,
                    "{text:?}: read as {} where the oracle fails",
                    render(&document)
                )
            }
            (Err(_), None) => {}
        }
        Ok(())
    });
}

#[test]
fn a_broken_document_is_never_read_otherwise_than_async_graphql_reads_it() {
    for_any(mangled, 320, |text| {
        assert_never_differs(text);
        Ok(())
    });
}

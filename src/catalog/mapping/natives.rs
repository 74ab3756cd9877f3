//! Four jq functions every mapping may call, written in Rust: what product APIs'
//! shapes need most and jaq's standard library does slowest (`with_entries`,
//! `map(select(.k == $v))`, `del(...)` cost it 5 to 60 µs an item,
//! benches/upstream_mapping.rs). Each is documented in docs/upstream-mapping.md:
//!
//! - `compact`: an object or list without its `null`, `""`, `[]` and `{}` values;
//! - `find(f; $v)`: the first element of a list whose `f` is `$v` (else `null`);
//! - `omit($keys)`: an object without the keys listed;
//! - `each_value(f)`: an object with every value replaced by `f`'s first output
//!   (a value `f` fails on or gives nothing for is left out).

use jaq_core::box_iter::box_once;
use jaq_core::native::{Fun, run, v};
use jaq_core::{Bind, RunPtr};
use jaq_json::Val;

type Data = jaq_core::data::JustLut<Val>;

/// jaq's definitions these functions replace (same meaning, in Rust).
pub(super) const REPLACED: [&str; 1] = ["join"];

/// The functions, for the compiler.
pub(super) fn funs() -> impl Iterator<Item = Fun<Data>> {
    let fun = || -> Box<[Bind]> { Box::new([Bind::Fun(())]) };
    let fun_var = || -> Box<[Bind]> { Box::new([Bind::Fun(()), Bind::Var(())]) };
    let list: [jaq_core::native::Filter<RunPtr<Data>>; 5] = [
        ("join", v(1), |mut cv| {
            let separator = cv.0.pop_var();
            box_once(join(&cv.1, &separator).ok_or_else(|| {
                jaq_core::Exn::from(jaq_core::Error::str(
                    "join: a list of scalars and a text separator",
                ))
            }))
        }),
        ("compact", v(0), |cv| box_once(Ok(compact(cv.1)))),
        ("omit", v(1), |mut cv| {
            let keys = cv.0.pop_var();
            box_once(Ok(omit(cv.1, &keys)))
        }),
        ("find", fun_var(), |mut cv| {
            let wanted = cv.0.pop_var();
            let (f, fc) = cv.0.pop_fun();
            let found = match &cv.1 {
                Val::Arr(items) => items
                    .iter()
                    .find(|item| {
                        f.run((fc.clone(), (*item).clone()))
                            .next()
                            .is_some_and(|got| got.is_ok_and(|got| got == wanted))
                    })
                    .cloned()
                    .unwrap_or(Val::Null),
                _ => Val::Null,
            };
            box_once(Ok(found))
        }),
        ("each_value", fun(), |mut cv| {
            let (f, fc) = cv.0.pop_fun();
            let out = match &cv.1 {
                Val::Obj(fields) => Val::obj(
                    fields
                        .iter()
                        .filter_map(|(name, value)| {
                            let first = f.run((fc.clone(), value.clone())).next()?;
                            Some((name.clone(), first.ok()?))
                        })
                        .collect(),
                ),
                other => other.clone(),
            };
            box_once(Ok(out))
        }),
    ];
    list.into_iter().map(run::<Data>)
}

/// jaq's `join($s)` (`.[] |= tostring | .[:-1][] += $s | reduce …`): every element
/// as `tostring` gives it (text as it is, anything else as JSON), `$s` between;
/// `None` where jaq fails (not a list, a separator that is not text).
fn join(list: &Val, separator: &Val) -> Option<Val> {
    let Val::Arr(items) = list else { return None };
    let separator = super::jq::as_text(separator)?;
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        match super::jq::as_text(item) {
            Some(text) => out.push_str(text),
            None => out.push_str(&item.to_string()),
        }
    }
    Some(Val::utf8_str(out))
}

/// Whether a value says nothing.
fn is_empty(value: &Val) -> bool {
    match value {
        Val::Null => true,
        Val::TStr(text) | Val::BStr(text) => text.is_empty(),
        Val::Arr(items) => items.is_empty(),
        Val::Obj(fields) => fields.is_empty(),
        _ => false,
    }
}

pub(super) fn compact(value: Val) -> Val {
    match value {
        Val::Obj(fields) => Val::obj(
            fields
                .iter()
                .filter(|(_, value)| !is_empty(value))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        ),
        Val::Arr(items) => items
            .iter()
            .filter(|item| !is_empty(item))
            .cloned()
            .collect(),
        other => other,
    }
}

pub(super) fn omit(value: Val, keys: &Val) -> Val {
    let Val::Obj(fields) = &value else {
        return value;
    };
    let dropped = |name: &Val| match keys {
        Val::Arr(keys) => keys.contains(name),
        key => key == name,
    };
    Val::obj(
        fields
            .iter()
            .filter(|(name, _)| !dropped(name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::super::jq::{Filter, parse_json};

    fn run(code: &str, input: &str) -> String {
        let filter = Filter::compile(code, &["$key"]).unwrap();
        let input = parse_json(input.as_bytes()).unwrap();
        filter
            .first(input, &[super::super::jq::string("b")])
            .unwrap()
            .unwrap()
            .to_string()
    }

    #[test]
    fn join_gives_what_jaqs_own_definition_gives() {
        let jaqs = r#"def jaqs_join($s): .[] |= tostring | .[:-1][] += $s | reduce .[] as $x (""; . + $x); jaqs_join($key)"#;
        for list in [
            r#"["a","b",1,null,true]"#,
            "[]",
            r#"["x"]"#,
            r#"[{"a":1},[2],"é"]"#,
            r#"["",""]"#,
        ] {
            assert_eq!(run("join($key)", list), run(jaqs, list), "{list}");
        }
    }

    #[test]
    fn compact_drops_values_that_say_nothing() {
        assert_eq!(
            run(
                "compact",
                r#"{"a":null,"b":"","c":[],"d":{},"e":0,"f":"x","g":false}"#
            ),
            r#"{"e":0,"f":"x","g":false}"#
        );
        assert_eq!(run("compact", r#"[null,"x","",1]"#), r#"["x",1]"#);
    }

    #[test]
    fn find_gives_the_first_element_whose_filter_matches() {
        let list = r#"[{"sku":"a","n":1},{"sku":"b","n":2},{"sku":"b","n":3}]"#;
        assert_eq!(run("find(.sku; $key) | .n", list), "2");
        assert_eq!(run(r#"find(.sku; "z")"#, list), "null");
        assert_eq!(
            run(r#"find(.sku.x; "z")"#, list),
            "null",
            "an error is no match"
        );
    }

    #[test]
    fn omit_and_each_value_reshape_objects() {
        assert_eq!(
            run(r#"omit(["a", "c"])"#, r#"{"a":1,"b":2,"c":3}"#),
            r#"{"b":2}"#
        );
        assert_eq!(run(r#"omit("a")"#, r#"{"a":1,"b":2}"#), r#"{"b":2}"#);
        assert_eq!(
            run(
                "each_value(.[0].data)",
                r#"{"a":[{"data":"x"}],"b":"oops","c":[]}"#
            ),
            r#"{"a":"x","c":null}"#
        );
    }
}

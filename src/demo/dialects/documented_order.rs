//! JSON written with each object's keys in the order an API's documentation
//! gives them, not alphabetically.
//!
//! Why: `serde_json`'s `Value` keeps an object's keys sorted (the crate is built
//! without `preserve_order`, which would change every map in the gateway), so a
//! mock writing its answers through it puts a commercetools variant's `sku` after
//! its `prices`, `images` and `attributes`. The real API writes it second, as its
//! type definitions list it, and a client reading a body in one pass (the
//! gateway's pruned parse) pays for a key that comes late: a mock measured with
//! its keys sorted measures a body no real upstream sends.
//!
//! One rank list serves all of a dialect's types: the order each type lists its
//! own keys in is kept as long as no two types order the same two keys the other
//! way round (the dialect's tests check its types' documented orders). Keys the
//! list does not name come after the named ones, alphabetically.

use std::cmp::Ordering;

use serde_json::Value;

/// `value` as JSON text, each object's keys in `order` (keys it does not name
/// last, alphabetically).
pub(super) fn to_json(value: &Value, order: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    write(value, order, &mut out);
    out
}

fn write(value: &Value, order: &[&str], out: &mut Vec<u8>) {
    match value {
        Value::Array(items) => {
            out.push(b'[');
            for (at, item) in items.iter().enumerate() {
                if at > 0 {
                    out.push(b',');
                }
                write(item, order, out);
            }
            out.push(b']');
        }
        Value::Object(entries) => {
            let mut sorted: Vec<(&String, &Value)> = entries.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| compare(a, b, order));
            out.push(b'{');
            for (at, (name, item)) in sorted.into_iter().enumerate() {
                if at > 0 {
                    out.push(b',');
                }
                scalar(&Value::String(name.clone()), out);
                out.push(b':');
                write(item, order, out);
            }
            out.push(b'}');
        }
        other => scalar(other, out),
    }
}

fn scalar(value: &Value, out: &mut Vec<u8>) {
    // Writing a scalar into a Vec cannot fail; were it to, the text would be
    // short and the tests comparing it with serde_json's would say so.
    let _ = serde_json::to_writer(&mut *out, value);
}

fn compare(a: &str, b: &str, order: &[&str]) -> Ordering {
    let rank = |name: &str| order.iter().position(|known| *known == name);
    match (rank(a), rank(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn keys_of(text: &[u8]) -> Vec<String> {
        // The top object's keys in the order written.
        let text = std::str::from_utf8(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        let mut keys: Vec<(usize, String)> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|key| (text.find(&format!("\"{key}\":")).unwrap(), key.clone()))
            .collect();
        keys.sort();
        keys.into_iter().map(|(_, key)| key).collect()
    }

    #[test]
    fn keys_come_in_the_order_given_then_the_rest_alphabetically() {
        let value =
            json!({ "zeta": 1, "prices": [], "sku": "x", "id": 1, "alpha": { "b": 1, "a": 2 } });
        let text = to_json(&value, &["id", "sku", "prices"]);
        assert_eq!(keys_of(&text), ["id", "sku", "prices", "alpha", "zeta"]);
        assert_eq!(
            std::str::from_utf8(&text).unwrap(),
            r#"{"id":1,"sku":"x","prices":[],"alpha":{"a":2,"b":1},"zeta":1}"#
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-z\"\\\\é\u{1}\n]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                proptest::collection::btree_map("[a-e\"]{1,3}", inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the order, the text reads back as the same value; with no
        /// order given it is serde_json's own text.
        #[test]
        fn the_text_reads_back_as_the_value(value in json_value()) {
            let text = to_json(&value, &["c", "a", "\""]);
            prop_assert_eq!(serde_json::from_slice::<Value>(&text).unwrap(), value.clone());
            prop_assert_eq!(to_json(&value, &[]), serde_json::to_vec(&value).unwrap());
        }
    }
}

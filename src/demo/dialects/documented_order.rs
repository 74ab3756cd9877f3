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
//! commercetools' products no longer pass through here (`commercetools_product.rs`
//! declares their fields in this order and serializes them directly, this writer
//! kept as that code's test oracle); its errors and tokens still do.
//!
//! One rank list serves all of a dialect's types: the order each type lists its
//! own keys in is kept as long as no two types order the same two keys the other
//! way round (the dialect's tests check its types' documented orders). Keys the
//! list does not name come after the named ones, alphabetically.

use std::collections::HashMap;

use serde_json::Value;

/// A rank list made ready for writing: each named key's place.
pub(super) struct Order {
    rank: HashMap<&'static str, usize>,
}

impl Order {
    /// The keys in `names` come first, in that order.
    pub(super) fn new(names: &[&'static str]) -> Order {
        Order {
            rank: names
                .iter()
                .enumerate()
                .map(|(at, name)| (*name, at))
                .collect(),
        }
    }

    /// `value` as JSON text, each object's keys in this order (keys it does not
    /// name last, alphabetically).
    pub(super) fn to_json(&self, value: &Value) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        self.write(value, &mut out);
        out
    }

    fn write(&self, value: &Value, out: &mut Vec<u8>) {
        match value {
            Value::Array(items) => {
                out.push(b'[');
                for (at, item) in items.iter().enumerate() {
                    if at > 0 {
                        out.push(b',');
                    }
                    self.write(item, out);
                }
                out.push(b']');
            }
            Value::Object(entries) => {
                // serde_json's map iterates alphabetically, so a stable sort by
                // rank leaves the unnamed keys (all ranked last) alphabetical.
                let mut ordered: Vec<(usize, &String, &Value)> = entries
                    .iter()
                    .map(|(name, item)| {
                        let rank = self.rank.get(name.as_str()).copied();
                        (rank.unwrap_or(usize::MAX), name, item)
                    })
                    .collect();
                ordered.sort_by_key(|(rank, _, _)| *rank);
                out.push(b'{');
                for (at, (_, name, item)) in ordered.into_iter().enumerate() {
                    if at > 0 {
                        out.push(b',');
                    }
                    scalar(name, out);
                    out.push(b':');
                    self.write(item, out);
                }
                out.push(b'}');
            }
            other => scalar(other, out),
        }
    }
}

fn scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing a scalar or a name into a Vec cannot fail; were it to, the text
    // would be short and the tests comparing it with serde_json's would say so.
    let _ = serde_json::to_writer(&mut *out, value);
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
        let text = Order::new(&["id", "sku", "prices"]).to_json(&value);
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
            let text = Order::new(&["c", "a", "\""]).to_json(&value);
            prop_assert_eq!(serde_json::from_slice::<Value>(&text).unwrap(), value.clone());
            prop_assert_eq!(Order::new(&[]).to_json(&value), serde_json::to_vec(&value).unwrap());
        }
    }
}

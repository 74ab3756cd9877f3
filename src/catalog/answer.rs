//! Reading one upstream answer into per-key results, matched by normalized GTIN and
//! never by position (docs/upstream-contract.md, "What a well-behaved client does").
//!
//! Pure: bytes in, results out, read in one pass (see `dto`). The HTTP side lives
//! in `rest`.

use super::dto::{BatchBody, Entry};
use super::{CatalogError, FetchResult, Product};
use crate::gtin::Gtin;
use crate::hashing::FastMap;

/// Reads a batch answer (`{"products": [...]}`) for the distinct keys `asked`, one
/// result per key in the same order.
///
/// Returned items are matched to keys by their normalized `gtin`; items not asked for
/// and later duplicates are ignored, so one item's data never answers another key.
/// A broken entry cannot be attributed to a key, so when an answer holds one, every
/// asked key that got no valid product is `BadResponse` rather than "not found"
/// (a claim we cannot make); keys answered validly keep their product. A body that is
/// not `{"products": [...]}` fails every key.
pub(crate) fn read_batch(asked: &[Gtin], body: &[u8]) -> Vec<FetchResult> {
    let batch: BatchBody = match from_json(body) {
        Ok(batch) => batch,
        Err(err) => {
            let error = CatalogError::BadResponse(format!(
                "batch body is not {{\"products\": [...]}}: {err}"
            ));
            return vec![Err(error); asked.len()];
        }
    };
    let index: FastMap<Gtin, usize> = asked.iter().enumerate().map(|(i, g)| (*g, i)).collect();
    let mut found: Vec<Option<Product>> = vec![None; asked.len()];
    let mut broken = 0usize;
    for Entry(entry) in batch.products {
        match entry {
            Ok(product) => match index.get(&product.gtin) {
                Some(&i) if found[i].is_none() => found[i] = Some(product),
                Some(_) => {
                    tracing::debug!(gtin = %product.gtin, "upstream batch: ignoring a duplicate item")
                }
                None => {
                    tracing::debug!(gtin = %product.gtin, "upstream batch: ignoring an item not asked for")
                }
            },
            Err(err) => {
                tracing::debug!(%err, "upstream batch: unusable product entry");
                broken += 1;
            }
        }
    }
    found
        .into_iter()
        .map(|product| match product {
            Some(product) => Ok(Some(product)),
            None if broken > 0 => Err(CatalogError::BadResponse(format!(
                "item missing from a batch answer holding {broken} unusable product entries"
            ))),
            None => Ok(None),
        })
        .collect()
}

/// Reads `body` as JSON. A body that is UTF-8 throughout (every well-behaved one) is
/// checked once and read as text, so serde_json does not check each string again
/// (3 % of a basket's CPU went there: bench/JOURNAL.md "Session 13"); any other is
/// read as bytes, as before, where only the strings a reader keeps must be UTF-8.
fn from_json<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// Reads a single-item answer (one product object) for the key `asked`.
///
/// A product for another item is a broken answer, not a product for this key.
pub(crate) fn read_single(asked: Gtin, body: &[u8]) -> FetchResult {
    let Entry(entry) = from_json(body)
        .map_err(|err| CatalogError::BadResponse(format!("body is not JSON: {err}")))?;
    let product = entry.map_err(|err| CatalogError::BadResponse(err.to_string()))?;
    if product.gtin != asked {
        return Err(CatalogError::BadResponse(format!(
            "asked for {asked}, upstream answered {}",
            product.gtin
        )));
    }
    Ok(Some(product))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use serde_json::json;

    use super::*;
    use crate::test_support::g;

    fn body(value: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&value).unwrap()
    }

    fn title(result: &FetchResult) -> Option<&str> {
        result.as_ref().unwrap().as_ref().map(|p| p.title.as_str())
    }

    #[test]
    fn batch_items_are_matched_by_gtin_whatever_their_order_and_form() {
        let asked = [g("036000291452"), g("96385074"), g("4012345000122")];
        let results = read_batch(
            &asked,
            &body(json!({ "products": [
                { "gtin": "4012345000122", "title": "C" },
                { "gtin": "00000096385074", "title": "B" },
                { "gtin": "0036000291452", "title": "A" },
            ]})),
        );
        assert_eq!(
            results.iter().map(title).collect::<Vec<_>>(),
            [Some("A"), Some("B"), Some("C")]
        );
        for (key, result) in asked.iter().zip(&results) {
            assert_eq!(result.as_ref().unwrap().as_ref().unwrap().gtin, *key);
        }
    }

    #[test]
    fn batch_keys_absent_from_a_clean_answer_are_not_found() {
        let results = read_batch(
            &[g("036000291452"), g("96385074")],
            &body(json!({ "products": [ { "gtin": "96385074", "title": "B" } ] })),
        );
        assert_eq!(results, vec![Ok(None), results[1].clone()]);
        assert_eq!(title(&results[1]), Some("B"));
    }

    #[test]
    fn batch_items_not_asked_for_are_ignored() {
        let results = read_batch(
            &[g("96385074")],
            &body(json!({ "products": [ { "gtin": "036000291452", "title": "A" } ] })),
        );
        assert_eq!(results, vec![Ok(None)]);
    }

    #[test]
    fn the_first_of_duplicate_batch_items_wins() {
        let results = read_batch(
            &[g("96385074")],
            &body(json!({ "products": [
                { "gtin": "96385074", "title": "first" },
                { "gtin": "00000096385074", "title": "second" },
            ]})),
        );
        assert_eq!(title(&results[0]), Some("first"));
    }

    #[test]
    fn a_broken_entry_makes_unanswered_keys_bad_response_and_keeps_answered_ones() {
        let results = read_batch(
            &[g("036000291452"), g("96385074")],
            &body(json!({ "products": [
                { "gtin": "96385074", "title": "B" },
                { "gtin": "036000291453", "title": "bad check digit" },
            ]})),
        );
        assert!(
            matches!(results[0], Err(CatalogError::BadResponse(_))),
            "{:?}",
            results[0]
        );
        assert_eq!(title(&results[1]), Some("B"));
    }

    #[test]
    fn a_non_object_entry_counts_as_broken() {
        let results = read_batch(
            &[g("96385074")],
            &body(json!({ "products": [ "96385074" ] })),
        );
        assert!(matches!(results[0], Err(CatalogError::BadResponse(_))));
    }

    #[test]
    fn a_body_that_is_not_a_products_object_fails_every_key() {
        for bad in [
            &b"<html>oops</html>"[..],
            b"",
            b"[]",
            b"{}",
            b"{\"products\": null}",
            b"{\"products\": {}}",
        ] {
            let results = read_batch(&[g("036000291452"), g("96385074")], bad);
            assert_eq!(results.len(), 2);
            assert!(
                results
                    .iter()
                    .all(|r| matches!(r, Err(CatalogError::BadResponse(_)))),
                "{:?} gave {results:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn a_body_not_utf8_throughout_reads_as_its_bytes_did() {
        // Invalid UTF-8 in a field no reader keeps: the product still reads.
        let mut ignored =
            br#"{"products": [{"gtin": "96385074", "title": "B", "x": "?"}]}"#.to_vec();
        let at = ignored.iter().rposition(|&b| b == b'?').unwrap();
        ignored[at] = 0xff;
        let results = read_batch(&[g("96385074")], &ignored);
        assert_eq!(title(&results[0]), Some("B"));
        // In a field kept: that entry is unreadable, so the body fails.
        let mut kept = br#"{"products": [{"gtin": "96385074", "title": "?"}]}"#.to_vec();
        let at = kept.iter().rposition(|&b| b == b'?').unwrap();
        kept[at] = 0xff;
        assert!(matches!(
            read_batch(&[g("96385074")], &kept)[0],
            Err(CatalogError::BadResponse(_))
        ));
    }

    #[test]
    fn a_single_answer_for_the_asked_key_is_the_product() {
        let result = read_single(
            g("96385074"),
            &body(json!({ "gtin": "96385074", "title": "B" })),
        );
        assert_eq!(title(&result), Some("B"));
    }

    #[test]
    fn a_single_answer_for_another_item_is_a_bad_response() {
        let result = read_single(
            g("96385074"),
            &body(json!({ "gtin": "036000291452", "title": "A" })),
        );
        assert!(matches!(result, Err(CatalogError::BadResponse(_))));
    }

    #[test]
    fn a_single_answer_that_is_not_json_is_a_bad_response() {
        let result = read_single(g("96385074"), b"not json");
        assert!(matches!(result, Err(CatalogError::BadResponse(_))));
    }

    #[test]
    fn a_single_answer_without_title_is_a_bad_response() {
        let result = read_single(g("96385074"), &body(json!({ "gtin": "96385074" })));
        assert!(matches!(result, Err(CatalogError::BadResponse(_))));
    }

    mod properties {
        use proptest::prelude::*;
        use serde_json::{Value, json};

        use super::super::*;
        use crate::catalog::dto::parse_entry;

        /// Items the generated answers talk about, of every form.
        const POOL: [&str; 6] = [
            "036000291452",
            "96385074",
            "4012345000122",
            "10036000291459",
            "9780471117094",
            "02011122000005",
        ];

        fn pool(i: usize) -> Gtin {
            Gtin::from_digits(POOL[i]).unwrap()
        }

        /// An answer entry: `Some(i)` for a valid product of `POOL[i]` (in a random
        /// GTIN form), `None` for a broken entry.
        fn entry() -> impl Strategy<Value = (Option<usize>, Value)> {
            prop_oneof![
                4 => (0..POOL.len(), 0..4usize).prop_map(|(i, w)| {
                    let gtin = pool(i);
                    let text = gtin.padded([14, 13, 12, 8][w]).unwrap_or(gtin.gtin14()).to_owned();
                    (Some(i), json!({ "gtin": text, "title": format!("title {i}") }))
                }),
                1 => Just((None, json!("00036000291452"))),
                1 => Just((None, json!({ "gtin": "036000291453", "title": "bad check digit" }))),
                1 => Just((None, json!({ "gtin": "96385074" }))),
            ]
        }

        /// Any JSON value, biased towards product-like objects.
        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                "[0-9]{0,15}".prop_map(Value::from),
                ".{0,12}".prop_map(Value::from),
            ];
            leaf.prop_recursive(3, 48, 6, |inner| {
                let key = prop_oneof![
                    Just("gtin".to_owned()),
                    Just("title".to_owned()),
                    Just("price".to_owned()),
                    Just("amount".to_owned()),
                    Just("currency".to_owned()),
                    Just("images".to_owned()),
                    Just("attributes".to_owned()),
                    Just("availability".to_owned()),
                    "[a-z]{1,8}",
                ];
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::btree_map(key, inner, 0..6)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn a_batch_answer_never_gives_a_key_another_items_product(
                asked in prop::sample::subsequence((0..POOL.len()).collect::<Vec<_>>(), 0..=POOL.len()),
                entries in prop::collection::vec(entry(), 0..12),
            ) {
                let keys: Vec<Gtin> = asked.iter().map(|&i| pool(i)).collect();
                let body = json!({ "products": entries.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>() });
                let broken = entries.iter().any(|(i, _)| i.is_none());

                let results = read_batch(&keys, &serde_json::to_vec(&body).unwrap());

                prop_assert_eq!(results.len(), keys.len());
                for (&i, result) in asked.iter().zip(&results) {
                    let answered = entries.iter().any(|(e, _)| *e == Some(i));
                    match result {
                        Ok(Some(product)) => {
                            prop_assert_eq!(product.gtin, pool(i));
                            prop_assert_eq!(&product.title, &format!("title {i}"));
                        }
                        Ok(None) => prop_assert!(!answered && !broken),
                        Err(CatalogError::BadResponse(_)) => prop_assert!(!answered && broken),
                        Err(other) => prop_assert!(false, "unexpected {:?}", other),
                    }
                }
            }

            #[test]
            fn reading_any_json_entry_never_panics(value in any_json()) {
                let _ = parse_entry(value);
            }

            #[test]
            fn reading_any_bytes_as_an_answer_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
                let results = read_batch(&[pool(0), pool(1)], &bytes);
                prop_assert_eq!(results.len(), 2);
                let _ = read_single(pool(0), &bytes);
            }
        }
    }
}

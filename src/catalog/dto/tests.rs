//! The tolerant reader on every shape the contract allows and many it does not;
//! and, as properties, the one-pass reader agreeing with the reference reader it
//! replaced on any JSON value.

use serde_json::json;

use super::*;
use crate::catalog::{Attribute, Availability, Image, Price};
use crate::gtin::Gtin;

fn parse(entry: Value) -> Product {
    parse_entry(entry).unwrap()
}

#[test]
fn a_full_product_object_is_read_field_by_field() {
    let product = parse(json!({
        "gtin": "00012345678905",
        "title": "Organic Rolled Oats 18 oz",
        "brand": "Acme Mills",
        "description": "Whole grain rolled oats.",
        "price": { "amount": "4.99", "currency": "USD" },
        "images": [ { "url": "https://img.example/00012345678905/1.jpg", "alt": "front" } ],
        "categories": [ "Grocery", "Breakfast", "Cereal" ],
        "attributes": { "size": "18 oz", "color": null },
        "availability": "IN_STOCK",
        "updatedAt": "2026-11-20T08:15:00Z"
    }));
    assert_eq!(product.gtin, Gtin::from_digits("012345678905").unwrap());
    assert_eq!(product.title, "Organic Rolled Oats 18 oz");
    assert_eq!(product.brand.as_deref(), Some("Acme Mills"));
    assert_eq!(
        product.description.as_deref(),
        Some("Whole grain rolled oats.")
    );
    assert_eq!(
        product.price,
        Some(Price {
            amount: "4.99".into(),
            currency: "USD".into()
        })
    );
    assert_eq!(
        product.images,
        vec![Image {
            url: "https://img.example/00012345678905/1.jpg".into(),
            alt: Some("front".into())
        }]
    );
    assert_eq!(product.categories, ["Grocery", "Breakfast", "Cereal"]);
    assert_eq!(
        product.attributes,
        vec![
            Attribute {
                name: "color".into(),
                value: None
            },
            Attribute {
                name: "size".into(),
                value: Some("18 oz".into())
            },
        ]
    );
    assert_eq!(product.availability, Availability::InStock);
    assert_eq!(product.updated_at.as_deref(), Some("2026-11-20T08:15:00Z"));
}

#[test]
fn unknown_fields_are_ignored() {
    let product = parse(json!({
        "gtin": "96385074", "title": "Mints", "sku": 12, "nested": { "a": [1, 2] }
    }));
    assert_eq!(product.title, "Mints");
}

#[test]
fn a_product_with_only_gtin_and_title_has_every_optional_field_empty() {
    let product = parse(json!({ "gtin": "96385074", "title": "Mints" }));
    assert_eq!(product.brand, None);
    assert_eq!(product.description, None);
    assert_eq!(product.price, None);
    assert!(product.images.is_empty());
    assert!(product.categories.is_empty());
    assert!(product.attributes.is_empty());
    assert_eq!(product.availability, Availability::Unknown);
    assert_eq!(product.updated_at, None);
}

#[test]
fn null_optional_fields_read_as_absent() {
    let product = parse(json!({
        "gtin": "96385074", "title": "Mints", "brand": null, "description": null,
        "price": null, "images": null, "categories": null, "attributes": null,
        "availability": null, "updatedAt": null
    }));
    assert_eq!(product.brand, None);
    assert_eq!(product.price, None);
    assert!(product.images.is_empty());
    assert!(product.attributes.is_empty());
}

#[test]
fn scalar_attribute_values_become_text_and_null_stays_none() {
    let product = parse(json!({
        "gtin": "96385074", "title": "Mints",
        "attributes": { "count": 50, "weight": 12.5, "vegan": true, "flavour": "mint",
                        "color": null, "tags": ["a"], "dims": { "w": 1 } }
    }));
    assert_eq!(
        product.attributes,
        vec![
            Attribute {
                name: "color".into(),
                value: None
            },
            Attribute {
                name: "count".into(),
                value: Some("50".into())
            },
            Attribute {
                name: "flavour".into(),
                value: Some("mint".into())
            },
            Attribute {
                name: "vegan".into(),
                value: Some("true".into())
            },
            Attribute {
                name: "weight".into(),
                value: Some("12.5".into())
            },
        ]
    );
}

#[test]
fn an_unknown_availability_reads_as_unknown_and_keeps_the_product() {
    let product =
        parse(json!({ "gtin": "96385074", "title": "Mints", "availability": "BACKORDER" }));
    assert_eq!(product.availability, Availability::Unknown);
}

#[test]
fn a_non_string_availability_reads_as_unknown() {
    let product = parse(json!({ "gtin": "96385074", "title": "Mints", "availability": 3 }));
    assert_eq!(product.availability, Availability::Unknown);
}

#[test]
fn a_float_price_is_dropped_but_the_product_is_kept() {
    let product = parse(json!({
        "gtin": "96385074", "title": "Mints", "price": { "amount": 4.99, "currency": "USD" }
    }));
    assert_eq!(product.title, "Mints");
    assert_eq!(product.price, None);
}

#[test]
fn a_price_amount_that_is_not_a_decimal_string_is_dropped() {
    for amount in [
        "4,99", "4.", ".99", "", "-", "1e3", " 4.99", "4.99 ", "+4.99", "NaN",
    ] {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints", "price": { "amount": amount, "currency": "EUR" }
        }));
        assert_eq!(product.price, None, "amount {amount:?} was accepted");
    }
}

#[test]
fn decimal_string_amounts_are_kept() {
    for amount in ["4.99", "0", "12", "-0.50", "1000000.0001"] {
        let product = parse(json!({
            "gtin": "96385074", "title": "Mints", "price": { "amount": amount, "currency": "EUR" }
        }));
        assert_eq!(product.price.map(|p| p.amount).as_deref(), Some(amount));
    }
}

#[test]
fn a_price_without_currency_is_dropped() {
    let product =
        parse(json!({ "gtin": "96385074", "title": "Mints", "price": { "amount": "1.00" } }));
    assert_eq!(product.price, None);
}

#[test]
fn malformed_images_and_categories_drop_only_the_bad_elements() {
    let product = parse(json!({
        "gtin": "96385074", "title": "Mints",
        "images": [ { "url": "https://i.example/1.jpg" }, { "alt": "no url" }, 7 ],
        "categories": [ "Candy", 3, null, "Mints" ]
    }));
    assert_eq!(
        product.images,
        vec![Image {
            url: "https://i.example/1.jpg".into(),
            alt: None
        }]
    );
    assert_eq!(product.categories, ["Candy", "Mints"]);
}

#[test]
fn a_wrongly_typed_optional_field_is_dropped_but_the_product_is_kept() {
    let product = parse(json!({
        "gtin": "96385074", "title": "Mints", "brand": 42, "images": "x", "attributes": [1]
    }));
    assert_eq!(product.brand, None);
    assert!(product.images.is_empty());
    assert!(product.attributes.is_empty());
}

#[test]
fn a_gtin_in_any_form_is_normalized() {
    for form in ["036000291452", "0036000291452", "00036000291452"] {
        let product = parse(json!({ "gtin": form, "title": "Tissue" }));
        assert_eq!(product.gtin.gtin14(), "00036000291452");
    }
}

#[test]
fn a_non_object_entry_is_rejected() {
    for entry in [
        json!("00036000291452"),
        json!(36000291452u64),
        json!([1]),
        json!(null),
    ] {
        assert_eq!(parse_entry(entry), Err(EntryError::NotAnObject));
    }
}

#[test]
fn an_entry_without_title_is_rejected() {
    let err = parse_entry(json!({ "gtin": "96385074" })).unwrap_err();
    assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
}

#[test]
fn an_entry_with_a_null_title_is_rejected() {
    let err = parse_entry(json!({ "gtin": "96385074", "title": null })).unwrap_err();
    assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
}

#[test]
fn an_entry_without_gtin_is_rejected() {
    let err = parse_entry(json!({ "title": "Mints" })).unwrap_err();
    assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
}

#[test]
fn an_entry_with_a_numeric_gtin_is_rejected() {
    let err = parse_entry(json!({ "gtin": 96385074, "title": "Mints" })).unwrap_err();
    assert!(matches!(err, EntryError::Shape(_)), "{err:?}");
}

#[test]
fn an_entry_with_a_bad_check_digit_is_rejected() {
    let err = parse_entry(json!({ "gtin": "96385075", "title": "Mints" })).unwrap_err();
    assert!(matches!(err, EntryError::InvalidGtin { .. }), "{err:?}");
}

#[test]
fn an_entry_with_a_gtin_of_the_wrong_length_is_rejected() {
    let err = parse_entry(json!({ "gtin": "1234567", "title": "Mints" })).unwrap_err();
    assert!(matches!(err, EntryError::InvalidGtin { .. }), "{err:?}");
}

#[test]
fn a_batch_body_keeps_entries_raw_so_one_bad_entry_does_not_fail_it() {
    let body: BatchBody = serde_json::from_value(
        json!({ "products": [ 1, { "gtin": "96385074", "title": "M" } ], "next": null }),
    )
    .unwrap();
    assert_eq!(body.products.len(), 2);
}

/// The reader this module had before it read in one pass: entries first read
/// into a `serde_json::Value` tree, then through serde's derive. Kept as the
/// reference the one-pass reader must agree with on any input.
mod reference;

mod properties {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::super::parse_entry;
    use super::reference;

    /// Any JSON value, biased towards product-like objects: the keys of a
    /// product, a price and an image, GTIN-like digit strings, duplicates.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof![
                Just("96385074"),
                Just("036000291452"),
                Just("4.99"),
                Just("USD"),
                Just("IN_STOCK"),
            ]
            .prop_map(Value::from),
            "[0-9]{0,15}".prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 64, 10, |inner| {
            let key = prop_oneof![
                Just("gtin".to_owned()),
                Just("title".to_owned()),
                Just("brand".to_owned()),
                Just("description".to_owned()),
                Just("price".to_owned()),
                Just("amount".to_owned()),
                Just("currency".to_owned()),
                Just("images".to_owned()),
                Just("url".to_owned()),
                Just("alt".to_owned()),
                Just("categories".to_owned()),
                Just("attributes".to_owned()),
                Just("availability".to_owned()),
                Just("updatedAt".to_owned()),
                "[a-z]{1,8}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..10)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A product object with a valid identity and any optional fields.
    fn product_like() -> impl Strategy<Value = Value> {
        (
            prop_oneof![
                Just("96385074"),
                Just("0036000291452"),
                Just("4012345000122")
            ],
            prop::collection::btree_map(
                prop_oneof![
                    Just("brand".to_owned()),
                    Just("price".to_owned()),
                    Just("images".to_owned()),
                    Just("categories".to_owned()),
                    Just("attributes".to_owned()),
                    Just("availability".to_owned()),
                    Just("updatedAt".to_owned()),
                    "[a-z]{1,8}",
                ],
                any_json(),
                0..8,
            ),
        )
            .prop_map(|(gtin, mut fields)| {
                fields.insert("gtin".to_owned(), Value::from(gtin));
                fields.insert("title".to_owned(), Value::from("t"));
                Value::Object(fields.into_iter().collect())
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn the_one_pass_reader_agrees_with_the_value_tree_reader(
            entry in prop_oneof![any_json(), product_like()],
        ) {
            // Both read the same bytes (serde_json's float reading does not
            // round-trip every `f64`, so a tree handed over directly could differ).
            let bytes = serde_json::to_vec(&entry).unwrap_or_default();
            let tree: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let expected = reference::parse_entry(tree);
            let actual = parse_entry(entry);
            match (&expected, &actual) {
                (Ok(expected), Ok(actual)) => prop_assert_eq!(expected, actual),
                (Err(EntryError::Shape(_)), Err(EntryError::Shape(_))) => {}
                _ => prop_assert_eq!(expected, actual),
            }
        }
    }

    use super::super::EntryError;
}

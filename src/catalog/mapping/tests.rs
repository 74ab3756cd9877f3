//! The mapping engine through whole mapping files: the catalog-api preset checked
//! against the hand-made contract reader (`answer`, the oracle) on generated
//! answers, then URLs, key forms, matching and the errors a mapping file can make.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{Mapping, Preset};
use crate::catalog::answer::read_batch;
use crate::catalog::{FetchResult, KeyFormat};
use crate::gtin::Gtin;
use crate::test_support::g;

fn preset(name: &str) -> Mapping {
    let preset = Preset::find(name).unwrap();
    Mapping::from_toml(preset.text, preset.file, &|_| None).unwrap()
}

/// The mapped reader's results for a batch body, as `read_batch` gives them.
fn mapped_batch(mapping: &Mapping, asked: &[Gtin], body: &[u8]) -> Vec<FetchResult> {
    mapping.read_batch_answer(asked, body)
}

/// Results compared by what a client sees: the product, not found, or the code.
pub(super) fn seen(
    results: &[FetchResult],
) -> Vec<Result<Option<crate::catalog::Product>, &'static str>> {
    results
        .iter()
        .map(|result| match result {
            Ok(product) => Ok(product.clone()),
            Err(error) => Err(error.code().as_str()),
        })
        .collect()
}

/// The GTINs the generated answers are about, in several spellings each.
const GTINS: [&str; 4] = [
    "036000291452",
    "4012345000122",
    "96385074",
    "10036000291459",
];

fn spelling() -> impl Strategy<Value = String> {
    (0..GTINS.len(), 0..3usize).prop_map(|(i, width)| {
        let gtin = g(GTINS[i]);
        match width {
            0 => gtin.gtin14().to_owned(),
            1 => gtin.as_own_format().to_owned(),
            _ => gtin.padded(13).unwrap_or(gtin.gtin14()).to_owned(),
        }
    })
}

fn maybe<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![1 => Just(None), 3 => value.prop_map(Some)]
}

/// A product object as an upstream of the contract may send it, now and then
/// malformed in the ways the contract reader tolerates or refuses.
fn entry() -> impl Strategy<Value = Value> {
    let gtin = prop_oneof![8 => spelling().prop_map(Value::from), 1 => Just(json!("036000291453")), 1 => Just(json!(42))];
    let title = prop_oneof![8 => "[A-Za-z ]{1,12}".prop_map(Value::from), 1 => Just(Value::Null), 1 => Just(json!(7))];
    let text = prop_oneof![4 => "[a-z]{0,8}".prop_map(Value::from), 1 => Just(Value::Null), 1 => Just(json!(3))];
    let price = prop_oneof![
        4 => ("[0-9]{1,3}\\.[0-9]{2}", "(USD|EUR)").prop_map(|(amount, currency)| json!({"amount": amount, "currency": currency})),
        1 => Just(json!({"amount": "4,99", "currency": "EUR"})),
        1 => Just(json!({"amount": "4.99", "currency": ""})),
        1 => Just(Value::Null),
    ];
    let images =
        proptest::collection::vec(("[a-z]{1,5}", maybe("[a-z]{0,5}")), 0..3).prop_map(|images| {
            images
            .into_iter()
            .map(|(url, alt)| json!({"url": format!("https://img.example/{url}.jpg"), "alt": alt}))
            .collect::<Vec<_>>()
        });
    let attributes = proptest::collection::btree_map(
        "[a-d]",
        maybe(prop_oneof![
            "[a-z]{0,4}".prop_map(Value::from),
            (0..99i64).prop_map(Value::from),
            any::<bool>().prop_map(Value::from)
        ]),
        0..4,
    )
    .prop_map(|map| {
        map.into_iter()
            .map(|(k, v)| (k, v.unwrap_or(Value::Null)))
            .collect::<serde_json::Map<_, _>>()
    });
    let availability = prop_oneof![
        Just("IN_STOCK"),
        Just("LOW_STOCK"),
        Just("OUT_OF_STOCK"),
        Just("DISCONTINUED"),
        Just("SOLD_OUT")
    ];
    (
        gtin,
        title,
        maybe(text.clone()),
        maybe(text),
        maybe(price),
        images,
        proptest::collection::vec("[a-z]{1,6}", 0..3),
        attributes,
        availability,
        maybe("2026-0[1-9]-1[0-9]T00:00:00Z"),
    )
        .prop_map(
            |(
                gtin,
                title,
                brand,
                description,
                price,
                images,
                categories,
                attributes,
                availability,
                updated_at,
            )| {
                let mut object = json!({
                    "gtin": gtin, "title": title, "images": images, "categories": categories,
                    "attributes": attributes, "availability": availability,
                });
                let fields = object.as_object_mut().unwrap();
                for (name, value) in [
                    ("brand", brand),
                    ("description", description),
                    ("price", price),
                    ("updatedAt", updated_at.map(Value::from)),
                ] {
                    if let Some(value) = value {
                        fields.insert(name.to_owned(), value);
                    }
                }
                object
            },
        )
}

/// The catalog-api preset, compiled once for every case.
static CATALOG_API: std::sync::LazyLock<Mapping> =
    std::sync::LazyLock::new(|| preset("catalog-api"));

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The catalog-api preset reads every answer as the hand-made reader does.
    #[test]
    fn the_catalog_api_preset_reads_answers_as_the_native_reader(
        entries in proptest::collection::vec(entry(), 0..6),
        asked in proptest::sample::subsequence(GTINS.to_vec(), 1..=GTINS.len()),
    ) {
        let asked: Vec<Gtin> = asked.iter().map(|s| g(s)).collect();
        let body = serde_json::to_vec(&json!({ "products": entries })).unwrap();
        let native = read_batch(&asked, &body);
        let mapped = mapped_batch(&CATALOG_API, &asked, &body);
        prop_assert_eq!(seen(&mapped), seen(&native), "{}", String::from_utf8_lossy(&body));
    }
}

#[test]
fn a_body_that_is_not_an_answer_fails_every_key_alike() {
    let mapping = preset("catalog-api");
    let asked = [g("036000291452"), g("96385074")];
    for body in [
        &b"<html>"[..],
        b"",
        b"[]",
        b"{\"products\": {}}",
        b"{\"products\": 3}",
    ] {
        let native = read_batch(&asked, body);
        let mapped = mapped_batch(&mapping, &asked, body);
        assert_eq!(
            seen(&mapped),
            seen(&native),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn batch_and_single_urls_keep_the_base_path_and_encode_what_must_be() {
    let mapping = preset("catalog-api");
    let base = reqwest::Url::parse("http://upstream.test/api/v1/?tenant=a b").unwrap();
    let url = mapping
        .batch_url(&base, &["00036000291452", "04012345000122"], 1, 0)
        .unwrap();
    assert_eq!(
        url.as_str(),
        "http://upstream.test/api/v1/products?tenant=a%20b&gtins=00036000291452,04012345000122"
    );
    let url = mapping
        .single_url(&base, &g("96385074"), "00000096385074")
        .unwrap();
    assert_eq!(url.path(), "/api/v1/products/00000096385074");
}

#[test]
fn query_lists_repeat_nulls_drop_and_json_values_are_escaped() {
    let text = r#"
        [keys]
        codes = ".id"
        [single]
        path = "/items/{key}"
        [batch]
        path = "/items"
        query = '{id: $keys, skip: null, search: ({id: [{operator: "IN", value: $keys}]} | tojson), page: $page, limit: $page_size}'
        items = ".items"
        max_keys = 10
        [product]
        title = ".name"
    "#;
    let mapping = Mapping::from_toml(text, "test.toml", &|_| None).unwrap();
    let base = reqwest::Url::parse("http://h/").unwrap();
    let url = mapping.batch_url(&base, &["a&b", "c"], 2, 10).unwrap();
    assert_eq!(
        url.query().unwrap(),
        "id=a%26b&id=c&search=%7B%22id%22:%5B%7B%22operator%22:%22IN%22,%22value%22:%5B%22a%26b%22,%22c%22%5D%7D%5D%7D&page=2&limit=2"
    );
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        pairs[2].1,
        r#"{"id":[{"operator":"IN","value":["a&b","c"]}]}"#
    );
    let url = mapping.single_url(&base, &g("96385074"), "a/b c").unwrap();
    assert_eq!(url.path(), "/items/a%2Fb%20c");
}

#[test]
fn a_key_transform_gives_each_item_its_form_and_null_skips_it() {
    let text = r#"
        [keys]
        transform = ".gtin8 // .gtin13 // .gtin14"
        codes = ".code"
        [single]
        path = "/p/{key}"
        [product]
        title = ".name"
    "#;
    let mapping = Mapping::from_toml(text, "t.toml", &|_| None).unwrap();
    assert_eq!(
        mapping.key(&g("036000291452")).as_deref(),
        Some("0036000291452")
    );
    assert_eq!(mapping.key(&g("96385074")).as_deref(), Some("96385074"));
    assert_eq!(
        mapping.key(&g("10036000291459")).as_deref(),
        Some("10036000291459")
    );
    let skip = Mapping::from_toml(
        &text.replace(".gtin8 // .gtin13 // .gtin14", ".upc"),
        "t.toml",
        &|_| None,
    )
    .unwrap();
    assert_eq!(
        skip.key(&g("4012345000122")),
        None,
        "an EAN-13 has no UPC-A form"
    );
    let overridden = preset("catalog-api").with_key_format(KeyFormat::Registered);
    assert_eq!(
        overridden.key(&g("00036000291452")).as_deref(),
        Some("036000291452")
    );
}

/// A mapping of items whose variants carry SKUs, asked for in one call by
/// `$keys`: its `[keys]` codes and its `[product]` table given.
fn by_sku(codes: &str, product: &str) -> Mapping {
    let text = format!(
        r#"
        [keys]
        form = "registered"
        codes = "{codes}"
        [single]
        path = "/p/{{key}}"
        [batch]
        path = "/p"
        query = '{{sku: $keys}}'
        items = ".results"
        max_keys = 20
        [product]
        {product}
        "#
    );
    Mapping::from_toml(&text, "t.toml", &|_| None).unwrap()
}

#[test]
fn one_item_answers_every_key_it_carries_through_its_variant() {
    let mapping = by_sku(
        "[.master, .variants[]] | .[].sku",
        r#"variant = '[.master, .variants[]] | map(select(.sku == $key)) | first'
        title = '$item.name + " " + .size'
        price = '.price | {minor_units: .cents, fraction_digits: .digits, currency: .currency}'"#,
    );
    let body = json!({"results": [{
        "name": "Tee",
        "master": {"sku": "4012345000122", "size": "S", "price": {"cents": 1550, "digits": 2, "currency": "EUR"}},
        "variants": [{"sku": "4023588000503", "size": "M", "price": {"cents": 1600, "digits": 2, "currency": "EUR"}}]
    }]});
    let asked = [g("4023588000503"), g("4012345000122"), g("5000159001144")];
    let results = mapped_batch(&mapping, &asked, &serde_json::to_vec(&body).unwrap());
    let product = |i: usize| results[i].as_ref().unwrap().as_ref().unwrap().clone();
    assert_eq!(
        (
            product(0).title.as_str(),
            product(0).price.unwrap().amount.as_str()
        ),
        ("Tee M", "16.00")
    );
    assert_eq!(product(0).gtin, asked[0]);
    assert_eq!(
        (
            product(1).title.as_str(),
            product(1).price.unwrap().amount.as_str()
        ),
        ("Tee S", "15.50")
    );
    assert_eq!(results[2], Ok(None));
}

/// An item matching no key asked is judged on its own variant (`has_title`), which a
/// parse leaving unasked variants unread has not read: such a page is read again
/// without leaving them out, so it reads as the whole parse does.
#[test]
fn an_item_asked_for_by_no_key_is_judged_on_all_it_holds() {
    let load = || {
        by_sku(
            ".variants | map(.sku)",
            "variant = \".variants | find(.sku; $key)\"\ntitle = \".name\"",
        )
    };
    let selecting = load();
    assert!(selecting.selects());
    let body = json!({"results": [
        {"variants": [{"name": "Tee", "sku": "4012345000122"}]},
        {"variants": [{"name": "Cap", "sku": "4023588000503"}]},
    ]});
    let body = serde_json::to_vec(&body).unwrap();
    let asked = [g("4012345000122"), g("5000159001144")];
    let results = mapped_batch(&selecting, &asked, &body);
    assert_eq!(
        seen(&results),
        seen(&mapped_batch(&load().parsing_whole(), &asked, &body))
    );
    assert_eq!(results[0].as_ref().unwrap().as_ref().unwrap().title, "Tee");
    assert_eq!(
        results[1],
        Ok(None),
        "the cap is someone else's, not broken"
    );
}

/// A transform that only tries forms in order is read without running it, and
/// gives the key its filter gives.
#[test]
fn a_transform_of_forms_gives_the_key_its_filter_gives() {
    let gtins = [
        g("96385074"),
        g("036000291452"),
        g("4006381333931"),
        g("10036000291459"),
    ];
    for transform in [
        ".gtin8 // .gtin13 // .gtin14",
        ".gtin13 // .gtin14",
        ".upc",
        ".upc // .registered",
        ".registered",
        ".gtin8",
        ".nope // .gtin14",
        ".gtin14 | .[1:]",
    ] {
        let (read, run) = (
            with_transform(transform),
            with_transform(transform).transforming_by_filter(),
        );
        for gtin in &gtins {
            assert_eq!(read.key(gtin), run.key(gtin), "{transform} of {gtin}");
        }
    }
    assert_eq!(
        with_transform(".gtin8 // .gtin13")
            .key(&g("036000291452"))
            .as_deref(),
        Some("0036000291452")
    );
}

fn with_transform(transform: &str) -> Mapping {
    let text = MINIMAL.replace("[keys]", &format!("[keys]\ntransform = '{transform}'"));
    Mapping::from_toml(&text, "t.toml", &|_| None).unwrap()
}

/// What loading `text` says, as the settings would print it.
fn refused(text: &str) -> String {
    Mapping::from_toml(text, "mine.toml", &|_| None)
        .unwrap_err()
        .to_string()
}

const MINIMAL: &str =
    "[keys]\ncodes = \".code\"\n[single]\npath = \"/p/{key}\"\n[product]\ntitle = \".name\"\n";

#[test]
fn a_bad_mapping_file_is_refused_naming_the_line_and_the_field() {
    assert!(Mapping::from_toml(MINIMAL, "mine.toml", &|_| None).is_ok());
    let error = refused(&MINIMAL.replace(".name", ".name | ("));
    assert!(
        error.starts_with("mine.toml:6: `product.title`: jq: expected"),
        "{error}"
    );
    let error = refused(&MINIMAL.replace(".name", "$nope"));
    assert!(
        error.starts_with("mine.toml:6: `product.title`: jq: undefined"),
        "{error}"
    );
    assert!(error.contains("$nope"), "{error}");
    let error = refused(&MINIMAL.replace("/p/{key}", "/p/{key}/{id}"));
    assert!(error.starts_with("mine.toml:4: `single.path`"), "{error}");
    let error = refused(&MINIMAL.replace("/p/{key}", "p/{key}"));
    assert!(
        error.starts_with("mine.toml:4: `single.path`: must start with"),
        "{error}"
    );
    let error = refused(&format!("{MINIMAL}colour = 1\n"));
    assert!(error.starts_with("mine.toml:"), "{error}");
    assert!(error.contains("colour"), "{error}");
    let error = refused(&MINIMAL.replace("[keys]", "[keys]\nform = \"ean\""));
    assert!(
        error.starts_with("mine.toml:2: `keys.form`: unknown upstream key format"),
        "{error}"
    );
    let error = refused(&MINIMAL.replace("title = \".name\"\n", ""));
    assert!(error.contains("title"), "{error}");
}

#[test]
fn credentials_come_from_the_environment_and_missing_required_ones_are_named() {
    let text = format!("{MINIMAL}[auth]\nbearer_env = \"MY_TOKEN\"\nrequired = true\n");
    let error = refused(&text);
    assert!(error.contains("MY_TOKEN"), "{error}");
    let env = |name: &str| (name == "MY_TOKEN").then(|| "t0k3n".to_owned());
    let mapping = Mapping::from_toml(&text, "mine.toml", &env).unwrap();
    assert!(
        !format!("{mapping:?}").contains("t0k3n"),
        "a secret in Debug"
    );
    let text = format!("{MINIMAL}[headers]\nx-api-key = {{ env = \"KEY\" }}\n");
    assert!(refused(&text).contains("KEY is not set"));
}

#[test]
fn every_preset_loads() {
    for preset in super::PRESETS {
        let env = |_: &str| Some("x".to_owned());
        let mapping = Mapping::from_toml(preset.text, preset.file, &env)
            .unwrap_or_else(|error| panic!("{error}"));
        // Every query (`as` bindings, `tojson`, `join`, interpolation, values in
        // parentheses) is built without starting jaq: it runs on every call.
        let queries = [
            mapping
                .batch
                .as_ref()
                .and_then(|batch| batch.query.as_ref()),
            mapping.single.query.as_ref(),
        ];
        for query in queries.into_iter().flatten() {
            assert!(query.is_simple(), "{}: {query:?}", preset.name);
        }
        // … giving what jaq gives, keys with quotes and commas among them.
        if let Some(query) = mapping
            .batch
            .as_ref()
            .and_then(|batch| batch.query.as_ref())
        {
            for keys in [&["00012345678905"][..], &["4006381333931", "a\"b,c", "ü"]] {
                let vars = mapping.batch_vars(keys, 2, 100);
                assert_eq!(
                    query.first(super::jq::Val::Null, &vars).unwrap(),
                    query.first_by_jaq(super::jq::Val::Null, &vars).unwrap(),
                    "{}",
                    preset.name
                );
            }
        }
    }
}

/// Every preset's batch answers, as the demo catalog's dialect servers give them,
/// read alike whether the body is parsed pruned (only what the filters read) or
/// whole: products found, not found and broken, for a 40-code basket, one with
/// codes the catalog lacks, and a page of one.
#[tokio::test]
async fn the_pruned_parse_reads_each_presets_answers_as_the_whole_parse() {
    use std::sync::Arc;
    use tower::ServiceExt;

    use crate::demo::{CallLog, DemoCatalog, DemoSettings, Dialect, DialectSettings};

    let generated = |from: u32, count: u32| -> Vec<Gtin> {
        (from..from + count)
            .filter_map(DemoCatalog::generated_gtin)
            .collect()
    };
    let mut unknown = generated(1000, 5);
    unknown.extend([g("4006381333931"), g("96385074"), g("10036000291459")]);
    let baskets = [generated(1000, 40), unknown, generated(2000, 1)];
    for (name, dialect, base) in [
        ("catalog-api", None, "http://upstream.test"),
        (
            "openfoodfacts",
            Some(Dialect::OpenFoodFacts),
            "http://upstream.test",
        ),
        (
            "commercetools",
            Some(Dialect::Commercetools),
            "http://upstream.test/demo",
        ),
        (
            "commercetools-gtin",
            Some(Dialect::Commercetools),
            "http://upstream.test/demo",
        ),
        ("akeneo", Some(Dialect::Akeneo), "http://upstream.test"),
    ] {
        let load = || {
            let preset = Preset::find(name).unwrap();
            Mapping::from_toml(preset.text, preset.file, &|_| Some("x".to_owned())).unwrap()
        };
        let pruned = load();
        assert!(pruned.parses_pruned(), "{name}: every filter in the subset");
        assert!(
            pruned.reads_lean(),
            "{name}: pages readable into lean values"
        );
        assert_eq!(
            pruned.selects(),
            name == "commercetools",
            "{name}: variants found by `$key` read only when asked"
        );
        let whole = load().parsing_whole();
        let catalog = Arc::new(DemoCatalog::new());
        let router = match dialect {
            Some(dialect) => crate::demo::dialect_router(
                catalog,
                DemoSettings::default(),
                DialectSettings::new(dialect),
                CallLog::disabled(),
            ),
            None => crate::demo::router(catalog, DemoSettings::default()),
        };
        let mut found = 0;
        for asked in &baskets {
            let keys: Vec<String> = asked.iter().filter_map(|g| pruned.key(g)).collect();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let url = pruned
                .batch_request(&base.parse().unwrap(), &keys, 1, 0)
                .unwrap()
                .url;
            let uri = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            let request = axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .unwrap();
            let answer = router.clone().oneshot(request).await.unwrap();
            assert_eq!(answer.status(), 200, "{name}: {url}");
            let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
                .await
                .unwrap();
            let read = pruned.read_batch_answer(asked, &body);
            found += read.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
            assert_eq!(
                seen(&read),
                seen(&whole.read_batch_answer(asked, &body)),
                "{name}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        assert!(found >= 41, "{name}: found {found}");
    }
}

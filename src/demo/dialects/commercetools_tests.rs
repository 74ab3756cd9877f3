//! The commercetools dialect driven over HTTP: predicates by SKU and by GTIN
//! attribute, grouping into variants, key and id lookups, paging and its limits,
//! errors, and the OAuth token lifecycle.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::Value;

use super::commercetools::{DEFAULT_LIMIT, MAX_LIMIT};
use super::test_support::{basic, client, encode, get, send, server};
use super::{Dialect, DialectSettings};
use crate::demo::DemoCatalog;
use crate::gtin::Gtin;

const BASE: &str = "/demo-project/product-projections";

fn ct() -> DialectSettings {
    DialectSettings::new(Dialect::Commercetools)
}

fn generated(n: u32) -> Gtin {
    DemoCatalog::generated_gtin(n).unwrap()
}

/// `?where=` looking `skus` up in every variant.
fn by_sku(skus: &[&str]) -> String {
    let list = skus
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let predicate = format!("masterVariant(sku in ({list})) or variants(sku in ({list}))");
    format!("{BASE}?where={}", encode(&predicate))
}

fn skus_of(product: &Value) -> Vec<String> {
    std::iter::once(&product["masterVariant"])
        .chain(product["variants"].as_array().unwrap())
        .map(|v| v["sku"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_sku_is_found_in_its_product_often_not_as_the_master() {
    let (router, _, _) = server(ct());
    let sku = generated(4).as_own_format().to_owned();
    let answer = get(&router, &by_sku(&[&sku]), None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let json = answer.json;
    assert_eq!(
        (json["limit"].clone(), json["offset"].clone()),
        (DEFAULT_LIMIT.into(), 0.into())
    );
    assert_eq!(
        (json["count"].clone(), json["total"].clone()),
        (1.into(), 1.into())
    );
    let product = &json["results"][0];
    assert_eq!(
        skus_of(product),
        [3, 4, 5].map(|n| generated(n).as_own_format().to_owned())
    );
    assert_eq!(product["key"], format!("p-{}", generated(3).gtin14()));
    let variant = &product["variants"][0];
    assert_eq!(variant["id"], 2);
    let gtin = variant["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "gtin")
        .unwrap();
    assert_eq!(gtin["value"], generated(4).gtin14());
    let price = &variant["prices"][0]["value"];
    assert_eq!(
        (price["type"].clone(), price["fractionDigits"].clone()),
        ("centPrecision".into(), 2.into())
    );
    assert!(variant["availability"]["isOnStock"].is_boolean());
    assert!(product["name"]["en"].is_string());
}

#[tokio::test]
async fn skus_match_as_registered_only_and_a_product_asked_twice_comes_once() {
    let (router, _, _) = server(ct());
    let (three, four) = (generated(3), generated(4));
    let skus = [
        "036000291452",
        "0036000291452",
        "96385074",
        three.as_own_format(),
        four.as_own_format(),
    ];
    let json = get(&router, &by_sku(&skus), None).await.json;
    assert_eq!(json["total"], 3);
    let keys: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "p-00036000291452",
            "p-00000096385074",
            &format!("p-{}", three.gtin14())
        ]
    );
    let cloudsoft = &json["results"][0];
    assert_eq!(
        cloudsoft["masterVariant"]["prices"][0]["value"]["centAmount"],
        249
    );
    assert_eq!(
        cloudsoft["masterVariant"]["prices"][0]["value"]["currencyCode"],
        "USD"
    );
    assert_eq!(
        cloudsoft["masterVariant"]["availability"]["availableQuantity"],
        100
    );
}

#[tokio::test]
async fn the_gtin_attribute_predicate_finds_products_by_gtin_14() {
    let (router, _, _) = server(ct());
    let predicate = r#"masterVariant(attributes(name = "gtin" and value in ("04012345000122", "4012345000122"))) or variants(attributes(name = "gtin" and value in ("04012345000122", "4012345000122")))"#;
    let json = get(
        &router,
        &format!("{BASE}?where={}", encode(predicate)),
        None,
    )
    .await
    .json;
    assert_eq!(json["total"], 1);
    let product = &json["results"][0];
    assert_eq!(product["masterVariant"]["sku"], "4012345000122");
    assert!(
        product["name"].get("en").is_none(),
        "a German item is named in German only"
    );
    assert!(product["name"]["de"].is_string());
}

#[tokio::test]
async fn key_and_id_lookups_find_a_product_and_miss_with_resource_not_found() {
    let (router, _, _) = server(ct());
    let found = get(&router, &format!("{BASE}/key=p-00036000291452"), None).await;
    assert_eq!(found.status, StatusCode::OK);
    let id = found.json["id"].as_str().unwrap().to_owned();
    let by_id = get(&router, &format!("{BASE}/{id}"), None).await;
    assert_eq!(by_id.json["key"], "p-00036000291452");
    let missing = get(
        &router,
        &format!("{BASE}/key=p-{}", generated(4).gtin14()),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json,
        serde_json::json!({
            "statusCode": 404,
            "message": format!("The Resource with key 'p-{}' was not found.", generated(4).gtin14()),
            "errors": [{ "code": "ResourceNotFound", "message": format!("The Resource with key 'p-{}' was not found.", generated(4).gtin14()) }],
        })
    );
}

#[tokio::test]
async fn categories_are_expanded_only_when_asked() {
    let (router, _, _) = server(ct());
    // 036000291452: Household / Paper Goods / Facial Tissue.
    let plain = get(&router, &by_sku(&["036000291452"]), None).await;
    let reference = &plain.json["results"][0]["categories"][0];
    assert_eq!(reference["typeId"], "category", "{reference}");
    assert!(reference.get("obj").is_none(), "{reference}");
    for (path, expanded) in [
        ("categories[*]", true),
        ("categories[0]", true),
        ("categories[1]", false),
        ("productType", false),
    ] {
        let url = format!("{}&expand={}", by_sku(&["036000291452"]), encode(path));
        let answer = get(&router, &url, None).await;
        let category = &answer.json["results"][0]["categories"][0];
        assert_eq!(category["id"], reference["id"], "{path}");
        if !expanded {
            assert!(category.get("obj").is_none(), "{path}: {category}");
            continue;
        }
        let obj = &category["obj"];
        assert_eq!(obj["id"], reference["id"], "{path}");
        assert_eq!(obj["name"], serde_json::json!({ "en": "Facial Tissue" }));
        assert_eq!(obj["slug"], serde_json::json!({ "en": "facial-tissue" }));
        assert_eq!(obj["ancestors"].as_array().unwrap().len(), 2, "{obj}");
        assert_eq!(obj["parent"], obj["ancestors"][1], "{obj}");
        assert!(obj["ancestors"][1].get("obj").is_none(), "{obj}");
    }
    // The key lookup expands alike.
    let by_key = get(
        &router,
        &format!("{BASE}/key=p-00036000291452?expand=categories%5B*%5D"),
        None,
    )
    .await;
    assert_eq!(
        by_key.json["categories"][0]["obj"]["name"]["en"],
        "Facial Tissue"
    );
}

#[tokio::test]
async fn limits_past_the_maximum_and_unreadable_predicates_are_invalid_input() {
    let (router, _, _) = server(ct());
    for uri in [
        format!("{BASE}?limit={}", MAX_LIMIT + 1),
        format!("{BASE}?offset=10001"),
        format!("{BASE}?limit=ten"),
        format!("{BASE}?where={}", encode("masterVariant(sku in (\"a\")")),
        format!("{BASE}?where={}", encode("name(en = \"x\")")),
    ] {
        let answer = get(&router, &uri, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(answer.json["statusCode"], 400);
        assert_eq!(answer.json["errors"][0]["code"], "InvalidInput", "{uri}");
        assert_eq!(answer.json["message"], answer.json["errors"][0]["message"]);
    }
    let max = get(
        &router,
        &format!("{BASE}?limit={MAX_LIMIT}&withTotal=false"),
        None,
    )
    .await
    .json;
    assert_eq!(max["count"], MAX_LIMIT);
    assert!(max.get("total").is_none());
}

#[tokio::test]
async fn a_page_cap_serves_fewer_than_asked_with_the_true_total() {
    let (router, _, log) = server(DialectSettings {
        page_cap: Some(2),
        ..ct()
    });
    let skus: Vec<String> = [0, 3, 6, 9, 12]
        .map(|n| generated(n).as_own_format().to_owned())
        .into();
    let skus: Vec<&str> = skus.iter().map(String::as_str).collect();
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let json = get(
            &router,
            &format!("{}&limit=50&offset={offset}", by_sku(&skus)),
            None,
        )
        .await
        .json;
        assert_eq!(
            (json["total"].clone(), json["limit"].clone()),
            (5.into(), 2.into())
        );
        let count = json["count"].as_u64().unwrap();
        seen.extend(
            json["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["masterVariant"]["sku"].clone()),
        );
        offset += count;
        if offset >= 5 {
            break;
        }
    }
    assert_eq!(seen, skus);
    assert_eq!(log.count_path_prefix(BASE), 3);
}

#[tokio::test(start_paused = true)]
async fn tokens_are_issued_to_the_client_only_and_expire_or_get_revoked() {
    let (router, control, log) = server(DialectSettings {
        oauth: Some(client("ct-client", "ct-secret")),
        bearer_token: Some("static-ct".into()),
        ..ct()
    });
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let ask = |auth: String, body: &'static str| {
        let router = router.clone();
        async move {
            send(
                &router,
                Method::POST,
                "/oauth/token",
                &[form[0], ("authorization", &auth)],
                body,
            )
            .await
        }
    };
    let refused = ask(basic("ct-client", "wrong"), "grant_type=client_credentials").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json["error"], "invalid_client");
    let unsupported = ask(basic("ct-client", "ct-secret"), "grant_type=password").await;
    assert_eq!(unsupported.status, StatusCode::BAD_REQUEST);
    assert_eq!(unsupported.json["error"], "unsupported_grant_type");

    let issued = ask(
        basic("ct-client", "ct-secret"),
        "grant_type=client_credentials&scope=view_products%3Ademo",
    )
    .await;
    assert_eq!(issued.status, StatusCode::OK);
    assert_eq!(
        (
            issued.json["token_type"].clone(),
            issued.json["expires_in"].clone()
        ),
        ("Bearer".into(), 60.into())
    );
    assert_eq!(issued.json["scope"], "view_products:demo");
    let bearer = format!("Bearer {}", issued.json["access_token"].as_str().unwrap());
    let uri = format!("{BASE}/key=p-00036000291452");

    let missing = get(&router, &uri, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.json,
        serde_json::json!({"statusCode": 401, "message": "invalid_token", "errors": [{"code": "invalid_token", "message": "invalid_token"}], "error": "invalid_token"})
    );
    assert_eq!(
        get(&router, &uri, Some("Bearer nonsense")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&router, &uri, Some(&bearer)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&router, &uri, Some("Bearer static-ct")).await.status,
        StatusCode::OK
    );
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(
        get(&router, &uri, Some(&bearer)).await.status,
        StatusCode::UNAUTHORIZED
    );

    let fresh = ask(
        basic("ct-client", "ct-secret"),
        "grant_type=client_credentials",
    )
    .await;
    let fresh = format!("Bearer {}", fresh.json["access_token"].as_str().unwrap());
    assert_eq!(
        get(&router, &uri, Some(&fresh)).await.status,
        StatusCode::OK
    );
    control.revoke_all_tokens();
    assert_eq!(
        get(&router, &uri, Some(&fresh)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        log.calls().last().unwrap().authorization.as_deref(),
        Some(fresh.as_str())
    );
    assert_eq!(log.count_path_prefix("/oauth/token"), 4);
}

/// Each type's properties in the order its definition lists them (the `.raml`
/// files named in the module docs), as far as the demo writes them.
const TYPES: &[(&str, &[&str])] = &[
    (
        "ProductProjectionPagedQueryResponse",
        &["limit", "offset", "count", "total", "results"],
    ),
    ("ErrorResponse", &["statusCode", "message", "errors"]),
    ("ErrorObject", &["code", "message"]),
    (
        "AuthErrorResponse",
        &[
            "statusCode",
            "message",
            "errors",
            "error",
            "error_description",
        ],
    ),
    (
        "token",
        &["access_token", "token_type", "expires_in", "scope"],
    ),
    ("Reference", &["typeId", "id"]),
    (
        "ProductProjection",
        &[
            "id",
            "version",
            "key",
            "createdAt",
            "lastModifiedAt",
            "productType",
            "name",
            "description",
            "slug",
            "categories",
            "categoryOrderHints",
            "searchKeywords",
            "hasStagedChanges",
            "published",
            "masterVariant",
            "variants",
            "priceMode",
            "attributes",
        ],
    ),
    (
        "ProductVariant",
        &[
            "id",
            "sku",
            "key",
            "prices",
            "attributes",
            "images",
            "assets",
            "availability",
        ],
    ),
    ("Price", &["id", "key", "value"]),
    (
        "CentPrecisionMoney",
        &["type", "currencyCode", "centAmount", "fractionDigits"],
    ),
    ("Attribute", &["name", "value"]),
    ("AttributePlainEnumValue", &["key", "label"]),
    ("Image", &["url", "dimensions", "label"]),
    ("AssetDimensions", &["w", "h"]),
    (
        "ProductVariantAvailability",
        &["isOnStock", "availableQuantity"],
    ),
];

#[test]
fn one_order_keeps_every_types_documented_order() {
    let rank = |name: &str| {
        super::commercetools::DOCUMENTED_ORDER
            .iter()
            .position(|known| *known == name)
    };
    for (name, keys) in TYPES {
        let ranks: Vec<Option<usize>> = keys.iter().map(|key| rank(key)).collect();
        assert!(
            ranks.iter().all(Option::is_some) && ranks.is_sorted(),
            "{name}: {keys:?} ranked {ranks:?}"
        );
    }
}

/// The answer's bytes, not only its value: each variant written as the API writes
/// one, `sku` right after `id`, and the page and each product in their types'
/// order (a client reading in one pass meets `sku` before the variant's prices).
#[tokio::test]
async fn answers_write_their_keys_in_the_documented_order_not_alphabetically() {
    let (router, _, _) = server(ct());
    let skus: Vec<String> = (0..9)
        .map(|n| generated(n).as_own_format().to_owned())
        .collect();
    let skus: Vec<&str> = skus.iter().map(String::as_str).collect();
    let answer = get(&router, &by_sku(&skus), None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let text = String::from_utf8(answer.body).unwrap();
    assert!(
        text.starts_with(r#"{"limit":20,"offset":0,"count":3,"total":3,"results":[{"id":""#),
        "{text}"
    );
    let variants = skus.len();
    assert_eq!(text.matches(r#""sku":"#).count(), variants, "{text}");
    for id in 1..=3 {
        let written = format!(r#"{{"id":{id},"sku":""#);
        assert_eq!(text.matches(&written).count(), 3, "{written} in {text}");
    }
    let product = &text[text.find(r#""results":[{"#).unwrap() + 11..];
    let product = &product[..product.find(r#"},{"id":""#).unwrap()];
    // A product's own keys: those it shares with its variants come after them.
    let at = |key: &str| match key {
        "attributes" | "priceMode" => product.rfind(&format!("\"{key}\":")).unwrap(),
        _ => product.find(&format!("\"{key}\":")).unwrap(),
    };
    let keys = [
        "id",
        "version",
        "key",
        "createdAt",
        "productType",
        "name",
        "slug",
        "masterVariant",
        "variants",
        "priceMode",
        "attributes",
    ];
    let places: Vec<usize> = keys.iter().map(|key| at(key)).collect();
    assert!(places.is_sorted(), "{keys:?} at {places:?} in {product}");
    let missing = get(&router, &format!("{BASE}/key=p-nothing"), None).await;
    assert!(
        String::from_utf8(missing.body)
            .unwrap()
            .starts_with(r#"{"statusCode":404,"message":"#),
    );
}

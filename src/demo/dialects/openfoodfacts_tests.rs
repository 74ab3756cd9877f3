//! The Open Food Facts dialect driven over HTTP: lookups, the search's exact
//! code matching, fields, paging and its limits, rate limiting, the call log.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use axum::http::StatusCode;
use serde_json::Value;

use super::openfoodfacts::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use super::test_support::{get, server};
use super::{Dialect, DialectSettings};
use crate::demo::DemoCatalog;

fn off() -> DialectSettings {
    DialectSettings::new(Dialect::OpenFoodFacts)
}

fn codes(answer: &Value) -> Vec<&str> {
    answer["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_product_is_found_under_any_spelling_and_answered_under_its_stored_code() {
    let (router, _, _) = server(off());
    for asked in ["036000291452", "0036000291452", "00036000291452"] {
        let answer = get(&router, &format!("/api/v2/product/{asked}"), None).await;
        assert_eq!(answer.status, StatusCode::OK, "{asked}");
        let json = answer.json;
        assert_eq!(json["code"], "0036000291452");
        assert_eq!(json["status"], 1);
        assert_eq!(json["status_verbose"], "product found");
        let product = &json["product"];
        assert_eq!(
            product["product_name"],
            "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets"
        );
        assert_eq!(product["product_name_en"], product["product_name"]);
        assert_eq!(product["brands"], "Cloudsoft");
        assert_eq!(
            product["categories"],
            "Household, Paper Goods, Facial Tissue"
        );
        assert_eq!(product["categories_tags"][2], "en:facial-tissue");
        assert_eq!(product["last_modified_t"], 1_795_010_520);
        assert!(
            product["image_front_url"]
                .as_str()
                .unwrap()
                .ends_with("/1.jpg")
        );
        assert!(product.get("price").is_none() && product.get("availability").is_none());
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_code_is_a_404_with_status_0() {
    let (router, _, _) = server(off());
    let answer = get(&router, "/api/v2/product/4006381333931", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        answer.json,
        serde_json::json!({"code": "4006381333931", "status": 0, "status_verbose": "product not found"})
    );
    let answer = get(&router, "/api/v2/product/abc", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json["status_verbose"], "no code or invalid code");
}

#[tokio::test]
async fn some_items_have_no_english_name_field_only_the_generic_one() {
    let (router, _, _) = server(off());
    let german = get(&router, "/api/v2/product/4012345000122", None)
        .await
        .json;
    assert_eq!(
        german["product"]["product_name_de"],
        german["product"]["product_name"]
    );
    assert!(german["product"].get("product_name_en").is_none());
    let third = DemoCatalog::generated_gtin(3).unwrap();
    let generated = get(
        &router,
        &format!("/api/v2/product/{}", &third.gtin14()[1..]),
        None,
    )
    .await;
    assert!(generated.json["product"]["product_name"].is_string());
    assert!(generated.json["product"].get("product_name_en").is_none());
}

#[tokio::test]
async fn the_search_matches_stored_codes_exactly_each_once() {
    let (router, _, _) = server(off());
    let uri = "/api/v2/search?code=0036000291452,96385074,10036000291459,036000291452,\
               00036000291452,0036000291452,4006381333931";
    let answer = get(&router, uri, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        codes(&answer.json),
        ["0036000291452", "96385074", "10036000291459"]
    );
    assert_eq!(answer.json["count"], 3);
    assert_eq!(answer.json["page"], 1);
    assert_eq!(answer.json["page_count"], 3);
    assert_eq!(answer.json["page_size"], DEFAULT_PAGE_SIZE);
    assert_eq!(answer.json["skip"], 0);
}

#[tokio::test]
async fn fields_limit_the_product_to_those_asked_and_the_code() {
    let (router, _, _) = server(off());
    let answer = get(
        &router,
        "/api/v2/search?code=96385074&fields=product_name,brands",
        None,
    )
    .await;
    let product = answer.json["products"][0].as_object().unwrap();
    let mut keys: Vec<&str> = product.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["brands", "code", "product_name"]);
    let single = get(&router, "/api/v2/product/96385074?fields=quantity", None)
        .await
        .json;
    assert_eq!(
        single["product"].as_object().unwrap().len(),
        1 + usize::from(single["product"].get("quantity").is_some())
    );
}

#[tokio::test]
async fn a_page_cap_splits_a_batch_into_pages_with_true_counts() {
    let (router, _, log) = server(DialectSettings {
        page_cap: Some(2),
        ..off()
    });
    let batch = "0036000291452,96385074,10036000291459,4012345000122,5000159001144";
    let mut seen = Vec::new();
    for page in 1..=3 {
        let uri = format!("/api/v2/search?code={batch}&page_size=50&page={page}");
        let json = get(&router, &uri, None).await.json;
        assert_eq!(json["count"], 5);
        assert_eq!(json["page_size"], 2);
        assert_eq!(json["skip"], (page - 1) * 2);
        assert_eq!(json["page_count"], if page < 3 { 2 } else { 1 });
        seen.extend(codes(&json).into_iter().map(str::to_owned));
    }
    assert_eq!(seen.join(","), batch);
    assert_eq!(log.count_path_prefix("/api/v2/search"), 3);
    assert!(
        log.calls()[0]
            .path_and_query
            .ends_with("&page_size=50&page=1")
    );
}

#[tokio::test]
async fn page_sizes_past_the_maximum_are_served_the_maximum_and_zero_the_default() {
    let (router, _, _) = server(off());
    let big = get(&router, "/api/v2/search?page_size=500&fields=code", None)
        .await
        .json;
    assert_eq!(big["page_size"], MAX_PAGE_SIZE);
    assert_eq!(big["page_count"], MAX_PAGE_SIZE);
    assert!(big["count"].as_u64().unwrap() > 100_000_000);
    let zero = get(
        &router,
        "/api/v2/search?page_size=0&page=0&fields=code",
        None,
    )
    .await
    .json;
    assert_eq!(zero["page_size"], DEFAULT_PAGE_SIZE);
    assert_eq!(zero["page"], 1);
}

#[tokio::test]
async fn credentials_are_never_asked_and_the_rate_limit_knob_answers_429() {
    let (router, control, _) = server(DialectSettings {
        bearer_token: Some("unused".into()),
        ..off()
    });
    assert_eq!(
        get(&router, "/api/v2/product/96385074", None).await.status,
        StatusCode::OK
    );
    control.set_rate_limited(true);
    let limited = get(&router, "/api/v2/search?code=96385074", None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["retry-after"], "60");
    control.set_rate_limited(false);
    assert_eq!(
        get(&router, "/api/v2/product/96385074", None).await.status,
        StatusCode::OK
    );
}

//! The Akeneo dialect driven over HTTP: products by identifier, the `search`
//! filter, page links and limits, errors, and the password-grant token lifecycle.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::akeneo::{DEFAULT_LIMIT, MAX_LIMIT};
use super::test_support::{HOST, basic, client, encode, get, send, server};
use super::{Dialect, DialectSettings};

const PRODUCTS: &str = "/api/rest/v1/products";

fn akeneo() -> DialectSettings {
    DialectSettings::new(Dialect::Akeneo)
}

fn search(identifiers: &[&str]) -> String {
    let filter = json!({ "identifier": [{ "operator": "IN", "value": identifiers }] });
    format!("{PRODUCTS}?search={}", encode(&filter.to_string()))
}

fn identifiers(json: &Value) -> Vec<String> {
    json["_embedded"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identifier"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_product_is_served_under_its_13_digit_identifier_with_absolute_links() {
    let (router, _, _) = server(akeneo());
    let answer = get(&router, &format!("{PRODUCTS}/0036000291452"), None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let product = answer.json;
    assert_eq!(product["identifier"], "0036000291452");
    assert_eq!(
        product["_links"]["self"]["href"],
        format!("http://{HOST}{PRODUCTS}/0036000291452")
    );
    assert_eq!(product["enabled"], true);
    assert_eq!(product["family"], "household");
    assert_eq!(
        product["categories"],
        json!([
            "household",
            "household_paper_goods",
            "household_paper_goods_facial_tissue"
        ])
    );
    let values = &product["values"];
    assert_eq!(
        values["name"],
        json!([{ "locale": "en_US", "scope": null, "data": "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets" }])
    );
    assert_eq!(values["description"][0]["scope"], "ecommerce");
    assert_eq!(
        values["price"][0]["data"],
        json!([{ "amount": "2.49", "currency": "USD" }])
    );
    assert_eq!(values["brand"][0]["data"], "Cloudsoft");
    assert_eq!(values["ean"][0]["data"], "0036000291452");
    assert_eq!(values["stock_status"][0]["data"], "in_stock");
    assert_eq!(values["ply"][0]["data"], "3");
    assert!(values.get("scent").is_none(), "no value, no entry");
    let href = values["picture"][0]["_links"]["download"]["href"]
        .as_str()
        .unwrap();
    assert!(
        href.starts_with(&format!("http://{HOST}/api/rest/v1/media-files/"))
            && href.ends_with("/download")
    );
    assert_eq!(product["updated"], "2026-11-18T14:02:00+00:00");
}

#[tokio::test]
async fn other_spellings_are_404_and_case_packs_and_ean_8_have_their_own_forms() {
    let (router, _, _) = server(akeneo());
    let missing = get(&router, &format!("{PRODUCTS}/036000291452"), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json,
        json!({ "code": 404, "message": "Resource `036000291452` does not exist." })
    );
    let pack = get(&router, &format!("{PRODUCTS}/10036000291459"), None).await;
    assert_eq!(pack.json["identifier"], "10036000291459");
    assert!(pack.json["values"].get("ean").is_none());
    let ean8 = get(&router, &format!("{PRODUCTS}/0000096385074"), None).await;
    assert_eq!(ean8.status, StatusCode::OK);
    let french = get(&router, &format!("{PRODUCTS}/3760123000451"), None)
        .await
        .json;
    assert_eq!(french["values"]["name"][0]["locale"], "fr_FR");
    let discontinued = get(&router, &format!("{PRODUCTS}/0060444102050"), None)
        .await
        .json;
    assert_eq!(discontinued["enabled"], false);
    assert_eq!(
        discontinued["values"]["stock_status"][0]["data"],
        "discontinued"
    );
}

#[tokio::test]
async fn the_search_finds_stored_identifiers_only_each_once_with_a_count() {
    let (router, _, _) = server(akeneo());
    let uri = search(&[
        "0036000291452",
        "036000291452",
        "4012345000122",
        "0036000291452",
        "4006381333931",
    ]);
    let answer = get(&router, &format!("{uri}&with_count=true"), None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        identifiers(&answer.json),
        ["0036000291452", "4012345000122"]
    );
    assert_eq!(answer.json["items_count"], 2);
    assert_eq!(answer.json["current_page"], 1);
    assert!(answer.json["_links"].get("next").is_none());
    let first = answer.json["_links"]["first"]["href"].as_str().unwrap();
    assert!(first.starts_with(&format!("http://{HOST}{PRODUCTS}?page=1&with_count=true&pagination_type=page&limit={DEFAULT_LIMIT}&search=")));
    let without = get(&router, &uri, None).await.json;
    assert!(without.get("items_count").is_none());
}

#[tokio::test]
async fn a_page_cap_is_followed_through_next_links() {
    let (router, _, log) = server(DialectSettings {
        page_cap: Some(2),
        ..akeneo()
    });
    let ids = [
        "0036000291452",
        "0012345678905",
        "0042100005264",
        "4012345000122",
        "0000096385074",
    ];
    let mut uri = format!("{}&limit=50&with_count=true", search(&ids));
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let json = get(&router, &uri, None).await.json;
        pages += 1;
        assert_eq!(json["items_count"], 5);
        assert_eq!(json["current_page"], pages);
        seen.extend(identifiers(&json));
        match json["_links"]["next"]["href"].as_str() {
            Some(next) => {
                uri = next
                    .strip_prefix(&format!("http://{HOST}"))
                    .unwrap()
                    .to_owned()
            }
            None => break,
        }
    }
    assert_eq!((pages, seen.clone()), (3, ids.map(str::to_owned).to_vec()));
    assert_eq!(log.count_path_prefix(PRODUCTS), 3);
    assert!(
        log.calls()[1]
            .path_and_query
            .contains("page=2&with_count=true&pagination_type=page&limit=2")
    );
}

#[tokio::test]
async fn limits_and_malformed_searches_are_refused_as_akeneo_does() {
    let (router, _, _) = server(akeneo());
    let over = get(
        &router,
        &format!("{PRODUCTS}?limit={}", MAX_LIMIT + 1),
        None,
    )
    .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        over.json,
        json!({ "code": 422, "message": "You cannot request more than 100 items." })
    );
    let max = get(&router, &format!("{PRODUCTS}?limit={MAX_LIMIT}"), None)
        .await
        .json;
    assert_eq!(
        max["_embedded"]["items"].as_array().unwrap().len(),
        MAX_LIMIT
    );
    assert!(max["_links"]["next"]["href"].is_string());
    let far = get(&router, &format!("{PRODUCTS}?limit=100&page=101"), None).await;
    assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_json = get(
        &router,
        &format!("{PRODUCTS}?search={}", encode("{identifier:")),
        None,
    )
    .await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_json.json["code"], 400);
    let bad_operator =
        json!({ "identifier": [{ "operator": "CONTAINS", "value": "003" }] }).to_string();
    let answer = get(
        &router,
        &format!("{PRODUCTS}?search={}", encode(&bad_operator)),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(start_paused = true)]
async fn tokens_need_the_client_and_the_user_then_expire_refresh_and_revoke() {
    let (router, control, _) = server(DialectSettings {
        oauth: Some(client("pim-client", "pim-secret")),
        bearer_token: Some("connected-app-token".into()),
        ..akeneo()
    });
    let ask = |auth: String, body: String| {
        let router = router.clone();
        async move {
            let headers = [
                ("content-type", "application/json"),
                ("authorization", auth.as_str()),
            ];
            send(
                &router,
                Method::POST,
                "/api/oauth/v1/token",
                &headers,
                &body,
            )
            .await
        }
    };
    let password = |user: &str, pass: &str| {
        json!({ "grant_type": "password", "username": user, "password": pass }).to_string()
    };
    let bad_client = ask(
        basic("pim-client", "nope"),
        password("api-user", "api-pass"),
    )
    .await;
    assert_eq!(bad_client.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_client.json["message"]
            .as_str()
            .unwrap()
            .contains("client_id")
    );
    let bad_user = ask(
        basic("pim-client", "pim-secret"),
        password("api-user", "wrong"),
    )
    .await;
    assert_eq!(bad_user.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_grant = ask(
        basic("pim-client", "pim-secret"),
        json!({"grant_type": "client_credentials"}).to_string(),
    )
    .await;
    assert_eq!(wrong_grant.status, StatusCode::UNPROCESSABLE_ENTITY);

    let issued = ask(
        basic("pim-client", "pim-secret"),
        password("api-user", "api-pass"),
    )
    .await;
    assert_eq!(issued.status, StatusCode::OK);
    assert_eq!(
        (
            issued.json["token_type"].clone(),
            issued.json["expires_in"].clone()
        ),
        ("bearer".into(), 60.into())
    );
    assert!(issued.json["scope"].is_null());
    let bearer = format!("Bearer {}", issued.json["access_token"].as_str().unwrap());
    let uri = format!("{PRODUCTS}/0036000291452");
    let message = |json: &Value| json["message"].as_str().unwrap().to_owned();

    assert_eq!(
        message(&get(&router, &uri, None).await.json),
        "Authentication is required"
    );
    let invalid = get(&router, &uri, Some("Bearer forged")).await;
    assert_eq!(
        (invalid.status, message(&invalid.json)),
        (
            StatusCode::UNAUTHORIZED,
            "The access token provided is invalid.".into()
        )
    );
    assert_eq!(
        get(&router, &uri, Some(&bearer)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&router, &uri, Some("Bearer connected-app-token"))
            .await
            .status,
        StatusCode::OK
    );
    tokio::time::advance(Duration::from_secs(61)).await;
    let expired = get(&router, &uri, Some(&bearer)).await;
    assert_eq!(
        (expired.status, message(&expired.json)),
        (
            StatusCode::UNAUTHORIZED,
            "The access token provided has expired.".into()
        )
    );

    // The form body works too, and the refresh token gets a new access token.
    let refresh = issued.json["refresh_token"].as_str().unwrap();
    let form = format!("grant_type=refresh_token&refresh_token={refresh}");
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("authorization", &basic("pim-client", "pim-secret")),
    ];
    let renewed = send(
        &router,
        Method::POST,
        "/api/oauth/v1/token",
        &headers,
        &form,
    )
    .await;
    assert_eq!(renewed.status, StatusCode::OK);
    let renewed = format!("Bearer {}", renewed.json["access_token"].as_str().unwrap());
    assert_eq!(
        get(&router, &uri, Some(&renewed)).await.status,
        StatusCode::OK
    );
    control.revoke_all_tokens();
    assert_eq!(control.live_tokens(), 0);
    assert_eq!(
        message(&get(&router, &uri, Some(&renewed)).await.json),
        "The access token provided is invalid."
    );
}

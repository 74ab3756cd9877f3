//! Compressed GS1 Digital Links over real HTTP: the resolver answers `/{bits}` and
//! `/01/{gtin}/{bits}` exactly as the uncompressed link they stand for, a segment that
//! does not decode is 404 as before; `gtin(code:)` and `lookups` read them, and
//! `digitalLink(compressed: true)` writes one that reads back.

use reqwest::StatusCode;
use reqwest::header::{LINK, LOCATION};
use serde_json::{Value, json};

use catalog_gateway::gtin;

use crate::support::{self, TestApp, TestUpstream};

const RICE: &str = "09506000134352";

/// The gateway in front of an upstream holding the rice.
async fn app_with_rice() -> (TestUpstream, TestApp) {
    support::app_with([(RICE.to_owned(), "Risotto Rice".to_owned())], &[]).await
}

/// Status, `Location` and `Link` of a resolver answer, redirects not followed.
async fn answer(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    let header = |name| support::header(&response, name);
    (response.status(), header(LOCATION), header(LINK))
}

/// The path of `uri` (any root).
fn path_of(uri: &str) -> &str {
    let after_scheme = uri.split_once("://").unwrap().1;
    &after_scheme[after_scheme.find('/').unwrap()..]
}

#[tokio::test]
async fn the_resolver_answers_a_compressed_link_as_the_uncompressed_one() {
    let (_upstream, app) = app_with_rice().await;
    let ais = [("01", RICE), ("10", "LOT42"), ("17", "270131")];
    let full = gtin::compress_digital_link("https://x", &ais).unwrap();
    let plain = answer(&app, &format!("/01/{RICE}/10/LOT42?17=270131")).await;
    assert_eq!(plain.0, StatusCode::TEMPORARY_REDIRECT);

    assert_eq!(answer(&app, path_of(&full)).await, plain, "{full}");
    // With a query of its own, passed on after the decompressed AIs.
    let with_query = answer(&app, &format!("{}?utm=qr", path_of(&full))).await;
    assert_eq!(
        with_query.1,
        format!("{}/products/{RICE}?17=270131&utm=qr", app.address)
    );
}

#[tokio::test]
async fn a_partly_compressed_link_resolves_and_what_does_not_decode_is_404() {
    let (upstream, app) = app_with_rice().await;
    let plain = answer(&app, &format!("/01/{RICE}/10/LOT42")).await;
    assert_eq!(
        answer(&app, &format!("/01/{RICE}/{}", lot_bits())).await,
        plain
    );

    let calls = upstream.call_count();
    for path in ["/favicon.ico", "/Zm9v", "/AQnYUc1g"] {
        assert_eq!(answer(&app, path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(upstream.call_count(), calls);
    // A route of its own still wins over a segment that could be base64url.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

/// (10) LOT42 alone in GS1's compressed form, written bit by bit (the crate's encoder
/// puts a GTIN and a lot under one optimisation code, so it cannot give the lot's
/// bits alone): AI digits 1 and 0 as nibbles, encoding 3 (base64url) in 3 bits, the
/// length in 5 bits (AI 10 takes up to 20), six bits a character, zero-padded.
fn lot_bits() -> String {
    let mut bits = String::from("0001" /* 1 */);
    bits.push_str("0000" /* 0 */);
    bits.push_str("011" /* base64url */);
    bits.push_str("00101" /* 5 characters */);
    for c in "LOT42".bytes() {
        let v = BASE64URL.iter().position(|&b| b == c).unwrap();
        bits.push_str(&format!("{v:06b}"));
    }
    while bits.len() % 6 != 0 {
        bits.push('0');
    }
    bits.as_bytes()
        .chunks(6)
        .map(|c| {
            let v = usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap();
            char::from(BASE64URL[v])
        })
        .collect()
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const INFO: &str = "query($c: String!) { gtin(code: $c) {
  valid gtin14 lot expiryDate applicationIdentifiers { ai value }
  digitalLink compressed: digitalLink(compressed: true) error { reason message }
} }";

async fn gtin_info(app: &TestApp, code: &str) -> Value {
    let response = app.query_with(INFO, json!({ "c": code })).await;
    response["data"]["gtin"].clone()
}

#[tokio::test]
async fn gtin_and_lookups_read_compressed_links_and_digital_link_writes_them() {
    let (_upstream, app) = app_with_rice().await;
    let plain = gtin_info(
        &app,
        &format!("https://id.gs1.org/01/{RICE}/10/LOT42?17=270131"),
    )
    .await;
    assert_eq!(plain["valid"], true, "{plain}");
    assert_eq!(
        plain["digitalLink"],
        format!("https://id.gs1.org/01/{RICE}/10/LOT42?17=270131")
    );
    let compressed = plain["compressed"].as_str().unwrap().to_owned();
    assert!(
        compressed.starts_with("https://id.gs1.org/") && !compressed.contains("/01/"),
        "{compressed}"
    );

    // Read back: the same answer, field for field.
    let read_back = gtin_info(&app, &compressed).await;
    for field in [
        "valid",
        "gtin14",
        "lot",
        "expiryDate",
        "applicationIdentifiers",
        "digitalLink",
        "compressed",
    ] {
        assert_eq!(read_back[field], plain[field], "{field}: {read_back}");
    }
    // A plain GTIN has a link too; an invalid code has none.
    let bare = gtin_info(&app, "9506000134352").await;
    assert_eq!(bare["digitalLink"], format!("https://id.gs1.org/01/{RICE}"));
    assert_eq!(
        gtin_info(&app, bare["compressed"].as_str().unwrap()).await["gtin14"],
        RICE
    );
    assert_eq!(
        gtin_info(&app, "9506000134353").await["digitalLink"],
        Value::Null
    );

    let lookups = app
        .query_with(
            "query($c: [String!]!) { lookups(codes: $c) { status product { title } scan { lot } } }",
            json!({ "c": [compressed] }),
        )
        .await;
    assert_eq!(
        lookups["data"]["lookups"][0],
        json!({ "status": "FOUND", "product": { "title": "Risotto Rice" }, "scan": { "lot": "LOT42" } }),
        "{lookups}"
    );
}

#[tokio::test]
async fn a_broken_compressed_link_is_invalid_and_an_uncompressible_one_not_compressible() {
    let (_upstream, app) = app_with_rice().await;
    let broken = gtin_info(&app, "https://id.gs1.org/AQnYUc1g").await;
    assert_eq!(broken["valid"], false);
    assert_eq!(broken["error"]["reason"], "INVALID_GS1_ELEMENT_STRING");
    assert!(
        broken["error"]["message"]
            .as_str()
            .unwrap()
            .contains("compressed"),
        "{broken}"
    );

    // (30) count 0012: a variable-length number with a leading zero.
    let response = app
        .query_with(
            "query($c: String!) { gtin(code: $c) { valid compressed: digitalLink(compressed: true) } }",
            json!({ "c": format!("]C101{RICE}300012") }),
        )
        .await;
    assert_eq!(response["data"]["gtin"]["valid"], true, "{response}");
    assert_eq!(response["data"]["gtin"]["compressed"], Value::Null);
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "NOT_COMPRESSIBLE",
        "{response}"
    );
}

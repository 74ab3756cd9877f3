//! Every GS1 key over real HTTP (issue 28): an SSCC or a GLN is described by
//! `gtin(code:)` and is `NOT_A_TRADE_ITEM` (never `INVALID_*`) for `product`,
//! `products` and `lookups`, without an upstream call; GS1's bracketed AI syntax finds
//! the product like the element string it prints.

use serde_json::{Value, json};

use crate::support::{TestApp, TestUpstream, error_codes};

const TISSUE: &str = "036000291452";
/// A GS1 SSCC of GS1 US's example company prefix 0614141.
const SSCC_LINK: &str = "https://id.gs1.org/00/106141412345678908";
/// A GLN of the same prefix with its extension (254), as a GS1-128 element string.
const GLN_SCAN: &str = "]C14140614141000012254DOCK7";

async fn app_with_tissue() -> (TestUpstream, TestApp) {
    let upstream = TestUpstream::start().await;
    upstream.insert_product(TISSUE, "Tissue");
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    (upstream, app)
}

#[tokio::test]
async fn an_sscc_or_a_gln_is_not_a_trade_item_for_product_without_an_upstream_call() {
    let (upstream, app) = app_with_tissue().await;

    let response = app
        .query_with(
            "query($s: String!, $g: String!) { sscc: product(gtin: $s) { title } gln: product(gtin: $g) { title } }",
            json!({ "s": SSCC_LINK, "g": GLN_SCAN }),
        )
        .await;

    let codes: Vec<String> = error_codes(&response).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        codes,
        ["NOT_A_TRADE_ITEM", "NOT_A_TRADE_ITEM"],
        "{response}"
    );
    let ais: Vec<&Value> = response["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["extensions"]["ai"])
        .collect();
    assert_eq!(ais, [&json!("00"), &json!("414")], "{response}");
    let message = response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("logistic unit"), "{message}");
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn products_and_lookups_answer_not_a_trade_item_per_line_beside_a_found_item() {
    let (upstream, app) = app_with_tissue().await;

    let response = app
        .query_with(
            "query($c: [String!]!) {
               products(gtins: $c) { title }
               lookups(codes: $c) { status error { code reason } gtin { valid primaryKey { ai } } product { title } }
             }",
            json!({ "c": [SSCC_LINK, GLN_SCAN, TISSUE] }),
        )
        .await;

    assert_eq!(
        error_codes(&response),
        [
            ("NOT_A_TRADE_ITEM".to_owned(), json!(["products", 0])),
            ("NOT_A_TRADE_ITEM".to_owned(), json!(["products", 1])),
        ],
        "{response}"
    );
    assert_eq!(response["data"]["products"][2]["title"], "Tissue");
    let lines = &response["data"]["lookups"];
    let not_a_trade_item = |ai: &str| {
        json!({
            "status": "NOT_A_TRADE_ITEM",
            "error": { "code": "NOT_A_TRADE_ITEM", "reason": "NOT_A_TRADE_ITEM" },
            "gtin": { "valid": true, "primaryKey": { "ai": ai } },
            "product": null
        })
    };
    assert_eq!(lines[0], not_a_trade_item("00"), "{response}");
    assert_eq!(lines[1], not_a_trade_item("414"), "{response}");
    assert_eq!(lines[2]["status"], "FOUND", "{response}");
    // Only the GTIN went upstream.
    let keys = upstream.keys_asked();
    assert!(!keys.is_empty(), "the tissue is looked up");
    assert!(
        keys.iter()
            .all(|k| k.trim_start_matches('0') == "36000291452"),
        "{keys:?}"
    );
}

#[tokio::test]
async fn gtin_describes_an_sscc_and_a_gln_with_every_ai_and_its_role() {
    let (_upstream, app) = app_with_tissue().await;

    let response = app
        .query_with(
            "query($s: String!, $g: String!) {
               sscc: gtin(code: $s) { ...d } gln: gtin(code: $g) { ...d } tissue: gtin(code: \"036000291452\") { ...d }
             }
             fragment d on GtinInfo {
               valid gtin14 tradeItem error { reason }
               primaryKey { ai title name identifies value }
               applicationIdentifiers { ai value role }
             }",
            json!({ "s": format!("{SSCC_LINK}?02=00614141123452&37=40"), "g": GLN_SCAN }),
        )
        .await;

    let data = &response["data"];
    assert_eq!(
        data["sscc"],
        json!({
            "valid": true, "gtin14": null, "tradeItem": false, "error": null,
            "primaryKey": {
                "ai": "00", "title": "SSCC", "name": "Serial Shipping Container Code (SSCC)",
                "identifies": "a logistic unit", "value": "106141412345678908"
            },
            "applicationIdentifiers": [
                { "ai": "00", "value": "106141412345678908", "role": "PRIMARY_KEY" },
                { "ai": "02", "value": "00614141123452", "role": "DATA_ATTRIBUTE" },
                { "ai": "37", "value": "40", "role": "DATA_ATTRIBUTE" }
            ]
        }),
        "{response}"
    );
    assert_eq!(data["gln"]["primaryKey"]["value"], "0614141000012");
    assert_eq!(
        data["gln"]["applicationIdentifiers"],
        json!([
            { "ai": "414", "value": "0614141000012", "role": "PRIMARY_KEY" },
            { "ai": "254", "value": "DOCK7", "role": "KEY_QUALIFIER" }
        ]),
        "{response}"
    );
    assert_eq!(data["tissue"]["tradeItem"], true);
    assert_eq!(
        data["tissue"]["primaryKey"],
        json!({
            "ai": "01", "title": "GTIN", "name": "Global Trade Item Number (GTIN)",
            "identifies": "a trade item", "value": "00036000291452"
        })
    );
}

#[tokio::test]
async fn bracketed_text_finds_the_product_and_malformed_brackets_say_so() {
    let (_upstream, app) = app_with_tissue().await;

    let response = app
        .query(
            r#"{ product(gtin: "(01)00036000291452(17)270100(10)LOT1") { title }
                 lookups(codes: ["(01)00036000291452(10)LOT1"]) { status scan { lot expiryDate } }
                 bad: gtin(code: "(01)00036000291452(10") { valid error { reason } } }"#,
        )
        .await;

    assert_eq!(response["data"]["product"]["title"], "Tissue", "{response}");
    assert_eq!(
        response["data"]["lookups"][0],
        json!({ "status": "FOUND", "scan": { "lot": "LOT1", "expiryDate": null } }),
        "{response}"
    );
    assert_eq!(
        response["data"]["bad"],
        json!({ "valid": false, "error": { "reason": "INVALID_BRACKETED_AI" } })
    );
}

//! 2D codes at the till over real HTTP: `gtin(code:)` lists the application
//! identifiers and typed fields of a GS1 element string or Digital Link, and each
//! `lookups` line carries `scan` (lot, serial, dates, weight, price, `expired`); an
//! expired item is still FOUND, and malformed AI data is a typed INVALID line.

use serde_json::{Value, json};

use crate::support::{self, TestApp, TestUpstream};

const RICE: &str = "09506000134352";

/// The gateway in front of an upstream holding the rice.
async fn app_with_rice() -> (TestUpstream, TestApp) {
    support::app_with([(RICE.to_owned(), "Risotto Rice".to_owned())], &[]).await
}

const TILL: &str = "query($codes: [String!]!, $today: String) {
  lookups(codes: $codes) {
    input status product { title }
    scan { lot serial expiryDate bestBeforeDate netWeightKg price expired(today: $today) }
    error { code reason }
  }
}";

async fn till(app: &TestApp, codes: &[&str], today: Option<&str>) -> Value {
    app.query_with(TILL, json!({ "codes": codes, "today": today }))
        .await
}

#[tokio::test]
async fn gtin_lists_every_application_identifier_with_typed_fields() {
    let (_upstream, app) = app_with_rice().await;

    let response = app
        .query_with(
            "query($c: String!) { gtin(code: $c) { valid gtin14 applicationIdentifiers { ai title value }
               lot serial expiryDate bestBeforeDate sellByDate productionDate packagingDate netWeightKg price } }",
            json!({ "c": "]C10109506000134352112601151528020017270100\u{1d}3103001500392212345\u{1d}10L1\u{1d}21S9" }),
        )
        .await;

    assert_eq!(
        response["data"]["gtin"],
        json!({
            "valid": true, "gtin14": RICE,
            "applicationIdentifiers": [
                { "ai": "01", "title": "GTIN", "value": RICE },
                { "ai": "11", "title": "PROD DATE", "value": "260115" },
                { "ai": "15", "title": "BEST BEFORE or BEST BY", "value": "280200" },
                { "ai": "17", "title": "USE BY or EXPIRY", "value": "270100" },
                { "ai": "3103", "title": "NET WEIGHT (kg)", "value": "001500" },
                { "ai": "3922", "title": "PRICE", "value": "12345" },
                { "ai": "10", "title": "BATCH/LOT", "value": "L1" },
                { "ai": "21", "title": "SERIAL", "value": "S9" },
            ],
            "lot": "L1", "serial": "S9", "expiryDate": "2027-01-31", "bestBeforeDate": "2028-02-29",
            "sellByDate": null, "productionDate": "2026-01-15", "packagingDate": null,
            "netWeightKg": "1.500", "price": "123.45",
        }),
        "{response}"
    );
}

#[tokio::test]
async fn a_digital_link_and_a_datamatrix_of_one_pack_give_the_same_line() {
    let (upstream, app) = app_with_rice().await;

    let response = till(
        &app,
        &[
            "https://brand.example/01/09506000134352/10/LOT42?17=270131",
            "]d201095060001343521727013110LOT42",
        ],
        Some("2026-12-01"),
    )
    .await;

    let lines = response["data"]["lookups"].as_array().unwrap();
    for line in lines {
        assert_eq!(line["status"], "FOUND", "{response}");
        assert_eq!(
            line["scan"],
            json!({ "lot": "LOT42", "serial": null, "expiryDate": "2027-01-31", "bestBeforeDate": null,
                    "netWeightKg": null, "price": null, "expired": false }),
            "{response}"
        );
    }
    // One product, one upstream key.
    assert_eq!(upstream.keys_asked(), [RICE]);
}

#[tokio::test]
async fn an_expired_item_is_found_and_marked_expired() {
    let (_upstream, app) = app_with_rice().await;
    let code = "]d201095060001343521726113010LOT17"; // expires 2026-11-30

    let on_the_day = till(&app, &[code], Some("2026-11-30")).await;
    let the_day_after = till(&app, &[code], Some("2026-12-01")).await;

    assert_eq!(on_the_day["data"]["lookups"][0]["scan"]["expired"], false);
    let line = &the_day_after["data"]["lookups"][0];
    assert_eq!(line["status"], "FOUND", "{the_day_after}");
    assert_eq!(line["product"]["title"], "Risotto Rice");
    assert_eq!(line["scan"]["expired"], true, "{the_day_after}");
}

#[tokio::test]
async fn without_today_the_gateways_clock_decides() {
    let (_upstream, app) = app_with_rice().await;

    // 1990 is long past and 2070 far ahead, whatever today is.
    let response = till(
        &app,
        &[
            "]d2010950600013435217900101100A",
            "]d2010950600013435217700101100B",
            "09506000134352",
        ],
        None,
    )
    .await;

    let lines = &response["data"]["lookups"];
    assert_eq!(lines[0]["scan"]["expired"], true, "{response}");
    assert_eq!(lines[1]["scan"]["expired"], false, "{response}");
    assert_eq!(
        lines[2]["scan"],
        Value::Null,
        "a plain number has no scan data"
    );
    assert_eq!(lines[2]["status"], "FOUND");
}

#[tokio::test]
async fn malformed_ai_data_is_a_typed_invalid_line_without_an_upstream_call() {
    let (upstream, app) = app_with_rice().await;

    let response = till(
        &app,
        &[
            "]d2010950600013435217271301",
            "https://id.gs1.org/01/09506000134352?99999=1",
            "]d20109506000134352310300150A",
        ],
        None,
    )
    .await;

    let reasons: Vec<&Value> = response["data"]["lookups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| &line["error"]["reason"])
        .collect();
    assert_eq!(
        reasons,
        [
            &json!("INVALID_AI_DATE"),
            &json!("UNKNOWN_AI"),
            &json!("INVALID_AI_VALUE")
        ],
        "{response}"
    );
    assert_eq!(upstream.call_count(), 0);
    let info = app
        .query(r#"{ gtin(code: "]d2010950600013435217271301") { valid error { reason ai } } }"#)
        .await;
    assert_eq!(
        info["data"]["gtin"],
        json!({ "valid": false, "error": { "reason": "INVALID_AI_DATE", "ai": "17" } })
    );
}

#[tokio::test]
async fn a_today_that_is_not_an_iso_date_is_invalid_date() {
    let (_upstream, app) = app_with_rice().await;

    let response = till(&app, &["]d2010950600013435217270131"], Some("31/01/2027")).await;

    assert_eq!(
        response["errors"][0]["extensions"]["code"], "INVALID_DATE",
        "{response}"
    );
    assert_eq!(
        response["errors"][0]["path"],
        json!(["lookups", 0, "scan", "expired"])
    );
    assert_eq!(response["data"]["lookups"][0]["status"], "FOUND");
}

#[tokio::test]
async fn the_demo_catalogs_2d_items_answer_their_example_scans() {
    let app = TestApp::spawn(None, &[]).await;

    let response = till(
        &app,
        &[
            "]C1019401234500020031030008521726120510L2611\u{1d}39220749",
            "]d201040123450003061728040010B4711\u{1d}21SN8842X",
        ],
        Some("2026-12-01"),
    )
    .await;

    let lines = &response["data"]["lookups"];
    assert_eq!(lines[0]["status"], "FOUND", "{response}");
    assert_eq!(
        lines[0]["scan"],
        json!({ "lot": "L2611", "serial": null, "expiryDate": "2026-12-05", "bestBeforeDate": null,
                "netWeightKg": "0.852", "price": "7.49", "expired": false })
    );
    assert_eq!(lines[1]["status"], "FOUND", "{response}");
    assert_eq!(lines[1]["scan"]["serial"], "SN8842X");
    assert_eq!(lines[1]["scan"]["expiryDate"], "2028-04-30");
}

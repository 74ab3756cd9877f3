//! The gateway in front of the product APIs its presets describe, each played by the
//! demo catalog's dialect server (src/demo/dialects: Open Food Facts, commercetools,
//! Akeneo as their public docs say they answer), over real sockets: `product`,
//! `products` (a 40-code basket) and `lookups` through every preset, with the
//! upstream calls counted; paging, key limits, credentials (token refresh, a revoked
//! token, refused credentials), retryable statuses, mapping errors at start, and
//! `upstream check` from the real binary.

use std::sync::Arc;
use std::time::Duration;

use catalog_gateway::config::Settings;
use catalog_gateway::demo::{
    CallLog, DemoCatalog, DemoSettings, Dialect, DialectControl, DialectSettings, OAuthClient,
    dialect_router_with_control,
};
use catalog_gateway::gtin::Gtin;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::support::{TestApp, error_codes};

/// A dialect server on a free loopback port; stops when dropped.
struct Source {
    url: String,
    log: CallLog,
    control: DialectControl,
    server: JoinHandle<()>,
}

impl Drop for Source {
    fn drop(&mut self) {
        self.server.abort();
    }
}

const CLIENT_ID: &str = "gateway-client";
const CLIENT_SECRET: &str = "s3cret-of-the-client";
const BEARER: &str = "connected-app-token";

async fn start_source(settings: DialectSettings) -> Source {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let log = CallLog::new();
    let (router, control) = dialect_router_with_control(
        Arc::new(DemoCatalog::new()),
        DemoSettings::default(),
        settings,
        log.clone(),
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Source {
        url: format!("http://{address}"),
        log,
        control,
        server,
    }
}

/// How each preset's source is set up, and the gateway flags and environment for it.
struct Setup {
    preset: &'static str,
    dialect: Dialect,
    /// Path under the source's URL (commercetools' project key).
    project: &'static str,
    /// Where the batch call goes.
    batch_path: &'static str,
}

const SETUPS: [Setup; 4] = [
    Setup {
        preset: "openfoodfacts",
        dialect: Dialect::OpenFoodFacts,
        project: "",
        batch_path: "/api/v2/search",
    },
    Setup {
        preset: "commercetools",
        dialect: Dialect::Commercetools,
        project: "/demo-shop",
        batch_path: "/demo-shop/product-projections",
    },
    Setup {
        preset: "commercetools-gtin",
        dialect: Dialect::Commercetools,
        project: "/demo-shop",
        batch_path: "/demo-shop/product-projections",
    },
    Setup {
        preset: "akeneo",
        dialect: Dialect::Akeneo,
        project: "",
        batch_path: "/api/rest/v1/products",
    },
];

fn dialect_settings(setup: &Setup) -> DialectSettings {
    let mut settings = DialectSettings::new(setup.dialect);
    match setup.dialect {
        Dialect::Commercetools => {
            settings.oauth = Some(oauth(Duration::from_secs(3600)));
        }
        Dialect::Akeneo => settings.bearer_token = Some(BEARER.to_owned()),
        Dialect::OpenFoodFacts => {}
    }
    settings
}

fn oauth(ttl: Duration) -> OAuthClient {
    OAuthClient {
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        username: None,
        password: None,
        token_ttl: ttl,
    }
}

/// The environment the gateway reads credentials from.
fn env(name: &str) -> Option<String> {
    match name {
        "CATALOG_UPSTREAM_CLIENT_ID" => Some(CLIENT_ID.to_owned()),
        "CATALOG_UPSTREAM_CLIENT_SECRET" => Some(CLIENT_SECRET.to_owned()),
        _ => None,
    }
}

/// Akeneo's connected-app token, for the Akeneo preset.
fn akeneo_env(name: &str) -> Option<String> {
    (name == "CATALOG_UPSTREAM_TOKEN").then(|| BEARER.to_owned())
}

async fn gateway(setup: &Setup, source: &Source, extra: &[&str]) -> TestApp {
    let url = format!("{}{}", source.url, setup.project);
    let mut flags = vec![
        "--listen",
        "127.0.0.1:0",
        "--upstream-preset",
        setup.preset,
        "--upstream-url",
        &url,
    ];
    flags.extend_from_slice(extra);
    let lookup: &dyn Fn(&str) -> Option<String> = if setup.dialect == Dialect::Akeneo {
        &akeneo_env
    } else {
        &env
    };
    let settings = Settings::from_flags_with_env(flags, lookup).expect("test flags are valid");
    TestApp::start(settings).await
}

/// The `n`th generated demo item's GTIN (as registered).
fn generated(n: u32) -> String {
    DemoCatalog::generated_gtin(n)
        .unwrap()
        .as_own_format()
        .to_owned()
}

fn demo_title(code: &str) -> String {
    DemoCatalog::new()
        .get(&Gtin::from_digits(code).unwrap())
        .unwrap()
        .title
}

/// Calls the gateway made to the batch endpoint.
fn batch_calls(source: &Source, setup: &Setup) -> Vec<String> {
    source
        .log
        .calls()
        .into_iter()
        .map(|call| call.path_and_query)
        .filter(|path| path.split('?').next() == Some(setup.batch_path) && path.contains('?'))
        .collect()
}

#[tokio::test]
async fn every_preset_answers_product_products_and_lookups_with_one_batch_call() {
    for setup in &SETUPS {
        let source = start_source(dialect_settings(setup)).await;
        let app = gateway(setup, &source, &[]).await;

        let ready: Value = app.get("/readyz").await.json().await.unwrap();
        assert_eq!(
            ready["detail"]["upstream"]["source"],
            json!(setup.preset),
            "{ready}"
        );

        // One product, asked as a UPC-A: the source's own key form is sent.
        let response = app
            .query(r#"{ product(gtin: "036000291452") { gtin title } }"#)
            .await;
        assert_eq!(
            response["data"]["product"],
            json!({ "gtin": "00036000291452", "title": demo_title("036000291452") }),
            "{}: {response}",
            setup.preset
        );

        // A basket of 40 items (38 known, 2 unknown): one batch call.
        source.log.reset();
        let mut codes: Vec<String> = (100..138).map(generated).collect();
        codes.push("4006381333931".to_owned()); // a valid GTIN the demo does not have
        codes.push("0012345678905".to_owned()); // a curated one, in EAN-13 spelling
        let response = app
            .query_with(
                "query($g: [String!]!) { products(gtins: $g) { title } }",
                json!({ "g": codes }),
            )
            .await;
        let products = response["data"]["products"].as_array().unwrap_or_else(|| {
            panic!("{}: {response}", setup.preset);
        });
        assert_eq!(products.len(), 40, "{}", setup.preset);
        assert!(
            error_codes(&response).is_empty(),
            "{}: {response}",
            setup.preset
        );
        assert_eq!(
            products[38],
            Value::Null,
            "{}: unknown is null",
            setup.preset
        );
        for (i, product) in products.iter().enumerate().filter(|(i, _)| *i != 38) {
            assert!(
                product["title"].is_string(),
                "{}: item {i} {}: {product}",
                setup.preset,
                codes[i]
            );
        }
        assert_eq!(
            batch_calls(&source, setup).len(),
            1,
            "{}: {:?}",
            setup.preset,
            source.log.calls()
        );

        // A basket at the till: found, not found, not a GTIN; no new call for cached items.
        source.log.reset();
        let response = app
            .query(&format!(
                r#"{{ lookups(codes: ["{}", "4006381333931", "12345"]) {{ status product {{ title }} error {{ code }} }} }}"#,
                generated(100)
            ))
            .await;
        let statuses: Vec<&str> = response["data"]["lookups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            ["FOUND", "NOT_FOUND", "INVALID"],
            "{}",
            setup.preset
        );
        assert_eq!(
            source.log.count(),
            0,
            "{}: cached answers (found and not found) need no call",
            setup.preset
        );
    }
}

#[tokio::test]
async fn fields_are_mapped_as_each_source_carries_them() {
    let curated = "4012345000122";
    let demo = DemoCatalog::new()
        .get(&Gtin::from_digits(curated).unwrap())
        .unwrap();
    let query = format!(
        r#"{{ product(gtin: "{curated}") {{ title brand price {{ amount currency }} availability images {{ url }} categories attributes {{ name value }} updatedAt }} }}"#
    );
    for setup in &SETUPS {
        let source = start_source(dialect_settings(setup)).await;
        let app = gateway(setup, &source, &[]).await;
        let product = app.query(&query).await["data"]["product"].clone();
        assert_eq!(product["title"], json!(demo.title), "{}", setup.preset);
        assert_eq!(product["brand"], json!(demo.brand), "{}", setup.preset);
        assert!(
            product["updatedAt"].is_string(),
            "{}: {product}",
            setup.preset
        );
        assert!(
            !product["images"].as_array().unwrap().is_empty(),
            "{}: {product}",
            setup.preset
        );
        let price = demo.price.as_ref().unwrap();
        match setup.dialect {
            // No prices, no stock at Open Food Facts.
            Dialect::OpenFoodFacts => {
                assert_eq!(product["price"], Value::Null);
                assert_eq!(product["availability"], json!("UNKNOWN"));
            }
            _ => {
                assert_eq!(
                    product["price"],
                    json!({ "amount": price.amount, "currency": price.currency }),
                    "{}: exact, from cents or a decimal string",
                    setup.preset
                );
                assert_eq!(
                    product["availability"],
                    json!(demo.availability),
                    "{}",
                    setup.preset
                );
            }
        }
        if setup.dialect == Dialect::Commercetools {
            // The preset expands categories: their names, not their ids.
            assert_eq!(
                product["categories"],
                json!([demo.categories.last().unwrap()]),
                "{}",
                setup.preset
            );
        }
    }
}

#[tokio::test]
async fn a_product_reads_the_same_through_the_single_call_as_through_the_batch_call() {
    // A curated product with categories and attributes, a generated master, and a
    // generated variant that is not its product's master (commercetools).
    let codes = ["4012345000122".to_owned(), generated(300), generated(301)];
    let query = "query($g: [String!]!) { products(gtins: $g) { gtin gtin13 upc title brand description price { amount currency } images { url alt } categories attributes { name value } availability updatedAt } }";
    for setup in &SETUPS {
        let source = start_source(dialect_settings(setup)).await;
        let batched = gateway(setup, &source, &[]).await;
        let single = gateway(setup, &source, &["--upstream-batch", "off"]).await;
        let variables = json!({ "g": codes });
        let by_batch = batched.query_with(query, variables.clone()).await;
        source.log.reset();
        let by_single = single.query_with(query, variables).await;
        let calls = source.log.calls();
        assert_eq!(
            calls
                .iter()
                .filter(|call| !call.path_and_query.contains("/oauth/"))
                .count(),
            codes.len(),
            "{}: one single call a product: {calls:?}",
            setup.preset,
        );
        let products = by_batch["data"]["products"].as_array().unwrap();
        assert!(
            products.iter().all(|product| product["title"].is_string()),
            "{}: {by_batch}",
            setup.preset
        );
        assert!(
            products[0]["categories"]
                .as_array()
                .is_some_and(|categories| !categories.is_empty()),
            "{}: {by_batch}",
            setup.preset
        );
        assert_eq!(by_single, by_batch, "{}", setup.preset);
    }
}

#[tokio::test]
async fn product_products_and_lookups_give_one_product_for_every_spelling() {
    const FIELDS: &str = "gtin gtin13 upc title brand description price { amount currency } images { url alt } categories attributes { name value } availability servedStale updatedAt";
    // One curated product in its UPC-A, EAN-13 and GTIN-14 spellings, another as
    // UPC-E and UPC-A, and a generated variant that is not its product's master.
    let variant = generated(301);
    let spellings: [&[&str]; 3] = [
        &["036000291452", "0036000291452", "00036000291452"],
        &["04252614", "042100005264"],
        &[&variant],
    ];
    for setup in &SETUPS {
        let source = start_source(dialect_settings(setup)).await;
        // A gateway per entry point, so each reads its products from the source.
        let by_product = gateway(setup, &source, &[]).await;
        let by_products = gateway(setup, &source, &[]).await;
        let by_lookups = gateway(setup, &source, &[]).await;
        for codes in spellings {
            let mut seen = Vec::new();
            for code in codes.iter().filter(|code| code.len() != 8) {
                let answer = by_product
                    .query_with(
                        &format!("query($g: String!) {{ product(gtin: $g) {{ {FIELDS} }} }}"),
                        json!({ "g": code }),
                    )
                    .await;
                seen.push((
                    format!("product({code})"),
                    answer["data"]["product"].clone(),
                ));
            }
            let answer = by_products
                .query_with(
                    &format!("query($g: [String!]!) {{ products(gtins: $g) {{ {FIELDS} }} }}"),
                    json!({ "g": codes.iter().filter(|code| code.len() != 8).collect::<Vec<_>>() }),
                )
                .await;
            for (product, code) in answer["data"]["products"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: {answer}", setup.preset))
                .iter()
                .zip(codes.iter().filter(|code| code.len() != 8))
            {
                seen.push((format!("products({code})"), product.clone()));
            }
            let answer = by_lookups
                .query_with(
                    &format!("query($c: [String!]!) {{ lookups(codes: $c) {{ input status product {{ {FIELDS} }} }} }}"),
                    json!({ "c": codes }),
                )
                .await;
            for line in answer["data"]["lookups"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: {answer}", setup.preset))
            {
                assert_eq!(line["status"], "FOUND", "{}: {line}", setup.preset);
                seen.push((
                    format!("lookups({})", line["input"]),
                    line["product"].clone(),
                ));
            }
            let (first_name, first) = &seen[0];
            assert!(first["title"].is_string(), "{}: {first}", setup.preset);
            for (name, product) in &seen[1..] {
                assert_eq!(
                    product, first,
                    "{}: {name} against {first_name}",
                    setup.preset
                );
            }
        }
    }
}

#[tokio::test]
async fn a_variant_is_read_for_its_own_sku_not_the_masters() {
    // Generated items 3k..3k+2 are one commercetools product; 3k+1 is not the master.
    let setup = &SETUPS[1];
    let source = start_source(dialect_settings(setup)).await;
    let app = gateway(setup, &source, &[]).await;
    let (master, variant) = (generated(300), generated(301));
    let demo = DemoCatalog::new();
    let price = |code: &str| {
        let price = demo
            .get(&Gtin::from_digits(code).unwrap())
            .unwrap()
            .price
            .unwrap();
        json!({ "amount": price.amount, "currency": price.currency })
    };
    let response = app
        .query(&format!(
            r#"{{ a: product(gtin: "{master}") {{ gtin price {{ amount currency }} }} b: product(gtin: "{variant}") {{ gtin price {{ amount currency }} }} }}"#
        ))
        .await;
    assert_eq!(response["data"]["a"]["price"], price(&master), "{response}");
    assert_eq!(
        response["data"]["b"]["price"],
        price(&variant),
        "{response}"
    );
    assert_eq!(
        response["data"]["b"]["gtin"],
        json!(Gtin::from_digits(&variant).unwrap().gtin14())
    );
}

#[tokio::test]
async fn full_pages_are_followed_by_each_sources_own_paging() {
    for setup in &SETUPS {
        let mut settings = dialect_settings(setup);
        settings.page_cap = Some(10);
        let source = start_source(settings).await;
        let app = gateway(setup, &source, &[]).await;
        let codes: Vec<String> = (600..640).map(generated).collect();
        let response = app
            .query_with(
                "query($g: [String!]!) { products(gtins: $g) { title } }",
                json!({ "g": codes }),
            )
            .await;
        let found = response["data"]["products"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["title"].is_string())
            .count();
        assert_eq!(
            found, 40,
            "{}: every item of every page: {response}",
            setup.preset
        );
        let pages = batch_calls(&source, setup).len();
        // 40 items at 10 a page (commercetools answers products of 3 variants: fewer).
        assert!((2..=4).contains(&pages), "{}: {pages} pages", setup.preset);
    }
}

#[tokio::test]
async fn no_call_carries_more_keys_than_the_source_or_the_flag_allows() {
    let setup = &SETUPS[3]; // Akeneo: at most 100 (more is a 422)
    let source = start_source(dialect_settings(setup)).await;
    let app = gateway(setup, &source, &["--upstream-max-batch", "30"]).await;
    let codes: Vec<String> = (700..790).map(generated).collect();
    let response = app
        .query_with(
            "query($g: [String!]!) { products(gtins: $g) { title } }",
            json!({ "g": codes }),
        )
        .await;
    assert!(error_codes(&response).is_empty(), "{response}");
    let calls = batch_calls(&source, setup);
    assert_eq!(calls.len(), 3, "{calls:?}");
    for call in &calls {
        assert!(call.contains("limit=30"), "{call}");
    }
    let refused = Settings::from_flags_with_env(
        [
            "--upstream-preset",
            "akeneo",
            "--upstream-url",
            "http://pim.test",
            "--upstream-max-batch",
            "101",
        ],
        &akeneo_env,
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("--upstream-max-batch") && refused.contains("at most 100"),
        "{refused}"
    );
}

#[tokio::test]
async fn an_expired_token_is_replaced_before_use_and_a_revoked_one_after_one_refusal() {
    let setup = &SETUPS[1];
    let mut settings = dialect_settings(setup);
    settings.oauth = Some(oauth(Duration::from_secs(2)));
    let source = start_source(settings).await;
    let app = gateway(setup, &source, &["--cache", "off"]).await;
    let token_calls = |source: &Source| source.log.count_path_prefix("/oauth/token");
    let ask = |n: u32| format!(r#"{{ product(gtin: "{}") {{ title }} }}"#, generated(n));

    assert!(app.query(&ask(1)).await["data"]["product"]["title"].is_string());
    assert!(app.query(&ask(2)).await["data"]["product"]["title"].is_string());
    assert_eq!(token_calls(&source), 1, "one token for both calls");

    // Past 90 % of its lifetime the token is fetched anew before the call.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = app.query(&ask(3)).await;
    assert!(
        response["data"]["product"]["title"].is_string(),
        "{response}"
    );
    assert_eq!(token_calls(&source), 2);

    // Revoked: the call is refused once, a new token fetched, the call repeated.
    source.control.revoke_all_tokens();
    let before = source.log.count();
    let response = app.query(&ask(4)).await;
    assert!(
        response["data"]["product"]["title"].is_string(),
        "{response}"
    );
    assert_eq!(token_calls(&source), 3);
    assert_eq!(
        source.log.count() - before,
        3,
        "refused call, token, repeated call"
    );
    for call in source.log.calls() {
        if let Some(authorization) = &call.authorization {
            assert!(
                !authorization.contains(CLIENT_SECRET) || call.path_and_query.starts_with("/oauth")
            );
        }
    }
}

#[tokio::test]
async fn refused_credentials_are_upstream_unauthorized() {
    // commercetools: the token endpoint refuses the client.
    let setup = &SETUPS[1];
    let mut settings = dialect_settings(setup);
    settings.oauth = Some(OAuthClient {
        client_secret: "another-secret".to_owned(),
        ..oauth(Duration::from_secs(60))
    });
    let source = start_source(settings).await;
    let app = gateway(setup, &source, &[]).await;
    let response = app
        .query(r#"{ product(gtin: "036000291452") { title } }"#)
        .await;
    assert_eq!(
        error_codes(&response),
        [("UPSTREAM_UNAUTHORIZED".to_owned(), json!(["product"]))],
        "{response}"
    );
    assert!(!response.to_string().contains(CLIENT_SECRET));

    // Akeneo: the API refuses the bearer token.
    let setup = &SETUPS[3];
    let mut settings = dialect_settings(setup);
    settings.bearer_token = Some("a-different-token".to_owned());
    let source = start_source(settings).await;
    let app = gateway(setup, &source, &[]).await;
    let response = app
        .query(r#"{ lookups(codes: ["036000291452"]) { status error { code } } }"#)
        .await;
    assert_eq!(
        response["data"]["lookups"][0],
        json!({ "status": "UNAVAILABLE", "error": { "code": "UPSTREAM_UNAUTHORIZED" } }),
        "{response}"
    );
    assert_eq!(
        source.log.count(),
        1,
        "a static token is not worth a second try"
    );
}

#[tokio::test]
async fn a_rate_limited_source_is_retried_and_then_unavailable() {
    let setup = &SETUPS[0];
    let source = start_source(dialect_settings(setup)).await;
    let app = gateway(setup, &source, &["--upstream-retry-budget", "1"]).await;
    source.control.set_rate_limited(true);
    let response = app
        .query(r#"{ product(gtin: "036000291452") { title } }"#)
        .await;
    assert_eq!(
        error_codes(&response),
        [("UPSTREAM_UNAVAILABLE".to_owned(), json!(["product"]))],
        "{response}"
    );
    assert_eq!(source.log.count(), 3, "429 is retried (twice by default)");
    source.control.set_rate_limited(false);
}

#[tokio::test]
async fn the_resolver_and_http_caching_work_through_a_preset() {
    let setup = &SETUPS[0];
    let source = start_source(dialect_settings(setup)).await;
    let app = gateway(setup, &source, &[]).await;
    let response = app.get("/01/00036000291452?linkType=all").await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let response = app
        .client
        .get(format!(
            "{}/graphql?query={{product(gtin:%22036000291452%22){{title}}}}",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("etag"));
}

#[tokio::test]
async fn a_mapping_file_that_does_not_load_names_its_line_and_field() {
    let dir = std::env::temp_dir().join(format!("mapping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mine.toml");
    std::fs::write(
        &file,
        "[keys]\ncodes = \".code\"\n[single]\npath = \"/p/{key}\"\n[product]\ntitle = \".name | (\"\n",
    )
    .unwrap();
    let path = file.to_string_lossy().into_owned();
    let error = Settings::from_flags(["--upstream-mapping", path.as_str()])
        .unwrap_err()
        .to_string();
    assert!(error.contains("--upstream-mapping"), "{error}");
    assert!(
        error.contains("mine.toml:6: `product.title`: jq:"),
        "{error}"
    );
    // Presets that need credentials say which variables to set.
    let error = Settings::from_flags([
        "--upstream-preset",
        "commercetools",
        "--upstream-url",
        "http://ct.test/p",
    ])
    .unwrap_err()
    .to_string();
    assert!(error.contains("CATALOG_UPSTREAM_CLIENT_ID"), "{error}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn upstream_check_prints_requests_items_and_products() {
    let setup = &SETUPS[0];
    let source = start_source(dialect_settings(setup)).await;
    let binary = env!("CARGO_BIN_EXE_catalog-gateway");
    let url = source.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(binary)
            .args([
                "upstream",
                "check",
                "--upstream-preset",
                "openfoodfacts",
                "--upstream-url",
                &url,
                "036000291452",
                "4006381333931",
            ])
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "one not found: {stdout}");
    assert!(
        stdout.contains(&format!(
            "GET {}/api/v2/search?code=0036000291452,4006381333931",
            source.url
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"code\": \"0036000291452\""),
        "the raw item: {stdout}"
    );
    assert!(
        stdout.contains(&format!("\"title\": \"{}\"", demo_title("036000291452"))),
        "{stdout}"
    );
    assert!(
        stdout.contains("== 4006381333931") && stdout.contains("not found"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_source_read_by_post_gets_its_keys_in_a_json_body() {
    use axum::routing::post;
    let seen: Arc<std::sync::Mutex<Vec<Value>>> = Arc::default();
    let bodies = Arc::clone(&seen);
    let router = axum::Router::new().route(
        "/lookup",
        post(move |axum::Json(body): axum::Json<Value>| {
            let bodies = Arc::clone(&bodies);
            async move {
                bodies.lock().unwrap().push(body.clone());
                let items: Vec<Value> = body["ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|id| id.as_str() != Some("4006381333931"))
                    .map(|id| json!({ "id": id, "label": format!("item {}", id.as_str().unwrap_or("")) }))
                    .collect();
                axum::Json(json!({ "data": items }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let dir = std::env::temp_dir().join(format!("post-mapping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("post.toml");
    std::fs::write(
        &file,
        r#"
[keys]
form = "gtin13"
codes = ".id"
[single]
method = "POST"
path = "/lookup"
body = '{ids: [$key]}'
item = ".data[0]"
[batch]
method = "POST"
path = "/lookup"
body = '{ids: $keys, limit: $page_size}'
items = ".data"
max_keys = 50
[product]
title = ".label"
"#,
    )
    .unwrap();
    let path = file.to_string_lossy().into_owned();
    let url = format!("http://{address}");
    let app = TestApp::start(
        Settings::from_flags([
            "--listen",
            "127.0.0.1:0",
            "--upstream-mapping",
            path.as_str(),
            "--upstream-url",
            url.as_str(),
        ])
        .unwrap(),
    )
    .await;
    let response = app
        .query(r#"{ products(gtins: ["036000291452", "4006381333931"]) { title } }"#)
        .await;
    assert_eq!(
        response["data"]["products"],
        json!([{ "title": "item 0036000291452" }, null]),
        "{response}"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [json!({ "ids": ["0036000291452", "4006381333931"], "limit": 2 })]
    );
    server.abort();
    std::fs::remove_dir_all(&dir).ok();
}

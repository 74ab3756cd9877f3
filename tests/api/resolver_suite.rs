//! GS1's resolver conformance suite (gs1/GS1DL-resolver-testsuite, listed with its
//! statements in `resolver_suite.jsonl`), re-expressed as tests of the gateway's
//! routes: one test per suite id that applies to a resolver with one default-link
//! template, each run on the two Digital Links the issue checked (`/01/{gtin}` and
//! `/01/{gtin}/10/LOT1/21/SER9`). The description file and the linksets are
//! validated against the suite's JSON schemas.
//!
//! The suite's files are other people's work and stay out of the repository: these
//! tests read them from `$GS1_CONFORMANCE_DIR` (default `../shared/gs1-conformance`
//! next to the clone) and are ignored by `make test`. Run them with
//! `GS1_CONFORMANCE_DIR=../shared/gs1-conformance cargo test --test api resolver_suite -- --ignored`
//! (the `make test-gs1-conformance` target).

use std::collections::BTreeSet;
use std::path::PathBuf;

use reqwest::header::{CONTENT_TYPE, LINK, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, TestUpstream, header, header_values};

const GTIN: &str = "09506000134352";
/// The Digital Links under test, as paths on the gateway.
const DLS: [&str; 2] = ["/01/09506000134352", "/01/09506000134352/10/LOT1/21/SER9"];
const GS1_VOC: &str = "https://gs1.org/voc/";
const IGNORED: &str = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance";

/// The ids this file has a test for (a test below checks the list against the suite).
const COVERED: [&str; 25] = [
    "isURL",
    "validDL",
    "plausibleDL",
    "rdFile",
    "httpVersion",
    "corsCheck",
    "linkOnRedirect",
    "legacyLinkHeaders",
    "methodsCheck",
    "reportWith400",
    "noErrorWith200",
    "trailingSlash",
    "basicWalkUp",
    "ltLinksetNoRedirect",
    "ltAcceptHeader",
    "validLinkset",
    "linksetJsonldCheck",
    "declaredContentType",
    "qsPassedOn",
    "defaultLinkExists",
    "singleDefaulLink",
    "linkTypesDefined",
    "defaultTarget",
    "loFor{linkType}",
    "specificLinkTypeNotFound",
];

/// The folder of GS1's conformance material.
fn conformance_dir() -> PathBuf {
    match std::env::var_os("GS1_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/gs1-conformance"),
    }
}

fn read_json(name: &str) -> Value {
    let path = conformance_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error} (set GS1_CONFORMANCE_DIR)", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Validates `instance` against the draft-07 schema in `schemas/{name}` (the
/// description file's schema names a `$schema` of GS1's own: read as draft 7).
fn assert_valid(name: &str, instance: &Value) {
    let errors = schema_errors(name, instance);
    assert!(errors.is_empty(), "{name}: {errors:?}\n{instance}");
}

/// The schema errors of `instance` against `schemas/{name}`.
fn schema_errors(name: &str, instance: &Value) -> Vec<String> {
    let schema = read_json(&format!("schemas/{name}"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .unwrap_or_else(|error| panic!("schemas/{name} does not compile: {error}"));
    validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// A gateway in front of a catalog holding the product.
async fn resolver() -> (TestUpstream, TestApp) {
    let upstream = TestUpstream::start().await;
    upstream.insert(
        GTIN,
        json!({ "gtin": GTIN, "title": "Risotto Rice", "brand": "Dal Giardino",
                "price": { "amount": "5.49", "currency": "EUR" }, "availability": "IN_STOCK" }),
    );
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    (upstream, app)
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    accept: Option<&str>,
) -> reqwest::Response {
    app.send(method, path, accept, &[("origin", "https://suite.example")])
        .await
}

/// The linkset of `dl`, asked as the suite asks (the Accept header): its headers
/// and body.
async fn linkset(app: &TestApp, dl: &str) -> (reqwest::header::HeaderMap, Value) {
    let response = send(app, Method::GET, dl, Some("application/linkset+json")).await;
    assert_eq!(response.status(), StatusCode::OK, "{dl}");
    let headers = response.headers().clone();
    (headers, response.json().await.unwrap())
}

/// `(link type URI, its links)` of the linkset's first entry.
fn link_types(linkset: &Value) -> Vec<(String, Vec<Value>)> {
    linkset["linkset"][0]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, _)| key.starts_with("http"))
        .map(|(key, links)| (key.clone(), links.as_array().cloned().unwrap_or_default()))
        .collect()
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn every_applicable_suite_id_has_a_test_here() {
    let path = conformance_dir().join("resolver_suite.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let cases: Vec<Value> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let applicable: BTreeSet<&str> = cases
        .iter()
        .filter(|case| case["plan"] == "applicable")
        .filter_map(|case| case["id"].as_str())
        .collect();

    let covered: BTreeSet<&str> = COVERED.into_iter().collect();

    assert_eq!(cases.len(), 31, "{IGNORED}");
    assert_eq!(applicable, covered);
}

#[test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
fn the_schemas_refuse_what_is_not_valid() {
    // The validation below can fail: the suite's own model linkset passes, broken
    // documents do not.
    assert!(
        schema_errors(
            "gs1-linkset-schema.json",
            &read_json("schemas/modelLinkset.json")
        )
        .is_empty()
    );
    assert!(!schema_errors("gs1-linkset-schema.json", &json!({ "linkset": "none" })).is_empty());
    assert!(
        !schema_errors(
            "resolverDescriptionFile.schema.json",
            &json!({ "name": 7, "supportedLinkType": [{ "prefix": "no colon" }] })
        )
        .is_empty()
    );
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn is_url() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let url = reqwest::Url::parse(&format!("{}{dl}", app.address)).unwrap();
        assert!(matches!(url.scheme(), "http" | "https"));
        assert!(
            url.host_str().is_some_and(|host| host.contains('.')),
            "{url}"
        );
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn valid_dl() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let scan = catalog_gateway::gtin::scan(&format!("{}{dl}", app.address), None)
            .unwrap_or_else(|error| panic!("{dl}: {error:?}"));
        assert_eq!(scan.parsed().gtin.gtin14(), GTIN);
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn plausible_dl() {
    // The DL URI syntax's path: /01/{14 digits}, then AI/value pairs, numeric AIs,
    // no convenience alphas.
    for dl in DLS {
        let segments: Vec<&str> = dl.trim_start_matches('/').split('/').collect();
        assert_eq!(segments.len() % 2, 0, "{dl}");
        assert_eq!(segments[0], "01");
        assert!(segments[1].len() == 14 && segments[1].bytes().all(|c| c.is_ascii_digit()));
        for pair in segments.chunks(2).skip(1) {
            assert!(pair[0].bytes().all(|c| c.is_ascii_digit()), "{dl}");
            assert!(!pair[1].is_empty(), "{dl}");
        }
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn rd_file() {
    let (_upstream, app) = resolver().await;
    let response = send(
        &app,
        Method::GET,
        "/.well-known/gs1resolver",
        Some("application/json"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let description: Value = response.json().await.unwrap();
    assert_valid("resolverDescriptionFile.schema.json", &description);
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn http_version() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let response = send(&app, Method::GET, dl, None).await;
        assert!(response.version() >= reqwest::Version::HTTP_11, "{dl}");
    }
}

/// The OPTIONS answer the suite reads several checks from.
async fn options(app: &TestApp, dl: &str) -> reqwest::Response {
    let client = reqwest::Client::new();
    client
        .request(Method::OPTIONS, format!("{}{dl}", app.address))
        .header("origin", "https://suite.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn cors_check() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let response = options(&app, dl).await;
        assert!(response.status().is_success(), "{dl}");
        assert!(
            !header(&response, "access-control-allow-origin").is_empty(),
            "{dl}"
        );
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn link_on_redirect() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let link = header(&options(&app, dl).await, "link");
        assert!(link.contains("rel=\"linkset\""), "{dl}: {link}");
        // And on the redirect itself.
        let link = header(&send(&app, Method::GET, dl, None).await, "link");
        assert!(link.contains("rel=\"linkset\""), "{dl}: {link}");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn legacy_link_headers() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        for response in [
            options(&app, dl).await,
            send(&app, Method::GET, dl, None).await,
        ] {
            let link = header(&response, "link");
            assert!(!link.contains("rel=\"gs1:"), "{dl}: {link}");
            assert!(!link.contains(&format!("rel=\"{GS1_VOC}")), "{dl}: {link}");
        }
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn methods_check() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let methods = header(&options(&app, dl).await, "access-control-allow-methods");
        let methods: BTreeSet<&str> = methods.split(',').map(str::trim).collect();
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert!(methods.contains(method), "{dl}: {methods:?}");
        }
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn report_with_400() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let response = send(&app, Method::GET, &format!("{dl}/foo"), None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{dl}/foo");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn no_error_with_200() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let response = send(&app, Method::GET, &format!("{dl}/foo"), None).await;
        assert_ne!(response.status(), StatusCode::OK, "{dl}/foo");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn trailing_slash() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let without = send(&app, Method::GET, dl, None).await;
        let with = send(&app, Method::GET, &format!("{dl}/"), None).await;
        assert_eq!(with.status(), without.status(), "{dl}/");
        assert_eq!(
            header(&with, "location"),
            header(&without, "location"),
            "{dl}/"
        );
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn basic_walk_up() {
    // An unknown lot of a known product: the resolver walks up to the GTIN.
    let (_upstream, app) = resolver().await;
    let response = send(&app, Method::GET, &format!("{}/10/KL8G", DLS[0]), None).await;
    assert_ne!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn lt_linkset_no_redirect() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let response = send(&app, Method::GET, &format!("{dl}?linkType=linkset"), None).await;
        assert_eq!(response.status(), StatusCode::OK, "{dl}");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn lt_accept_header() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let path = format!("{dl}?linkType=all");
        let response = send(&app, Method::GET, &path, Some("application/linkset+json")).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn valid_linkset() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (_, linkset) = linkset(&app, dl).await;
        assert_valid("gs1-linkset-schema.json", &linkset);
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn linkset_jsonld_check() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (headers, _) = linkset(&app, dl).await;
        // One field line, as a client keeping one line per name sees it.
        let link = headers
            .get(LINK)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(
            link.contains("rel=\"http://www.w3.org/ns/json-ld#context\""),
            "{dl}: {link}"
        );
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn declared_content_type() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (headers, _) = linkset(&app, dl).await;
        let content_type = header_values(&headers, CONTENT_TYPE.as_str());
        assert!(
            content_type.starts_with("application/linkset+json"),
            "{dl}: {content_type}"
        );
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn qs_passed_on() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let response = send(&app, Method::GET, &format!("{dl}?foo=bar"), None).await;
        let location = header(&response, LOCATION.as_str());
        assert!(location.contains("foo=bar"), "{dl}: {location}");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn default_link_exists() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (_, linkset) = linkset(&app, dl).await;
        assert_eq!(
            linkset["linkset"][0]["anchor"],
            format!("{}{dl}", app.address)
        );
        let default_links = &linkset["linkset"][0][format!("{GS1_VOC}defaultLink")];
        assert!(default_links.is_array(), "{dl}: {linkset}");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn single_defaul_link() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (_, linkset) = linkset(&app, dl).await;
        let default_links = linkset["linkset"][0][format!("{GS1_VOC}defaultLink")]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(default_links.len(), 1, "{dl}: {linkset}");
        // A title and no other attribute than the target.
        let attributes: BTreeSet<&str> = default_links[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(attributes, BTreeSet::from(["href", "title"]), "{dl}");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn link_types_defined() {
    let ratified: BTreeSet<String> = read_json("schemas/gs1-linktypes.json")["linkTypes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|name| name.as_str().map(|name| format!("{GS1_VOC}{name}")))
        .collect();
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (_, linkset) = linkset(&app, dl).await;
        for (link_type, _) in link_types(&linkset) {
            assert!(
                ratified.contains(&link_type),
                "{dl}: {link_type} is not a ratified link type"
            );
        }
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn default_target() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (_, linkset) = linkset(&app, dl).await;
        let href = &linkset["linkset"][0][format!("{GS1_VOC}defaultLink")][0]["href"];
        let response = send(&app, Method::GET, dl, None).await;
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT, "{dl}");
        assert_eq!(json!(header(&response, LOCATION.as_str())), *href, "{dl}");
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn lo_for_link_type() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let (_, linkset) = linkset(&app, dl).await;
        let types = link_types(&linkset);
        assert!(types.len() >= 2, "{dl}: {linkset}");
        for (link_type, links) in types.into_iter().filter(|(_, links)| links.len() == 1) {
            let name = link_type.trim_start_matches(GS1_VOC);
            let response = send(
                &app,
                Method::GET,
                &format!("{dl}?linkType=gs1:{name}"),
                None,
            )
            .await;
            assert_eq!(
                response.status(),
                StatusCode::TEMPORARY_REDIRECT,
                "{dl} {name}"
            );
            assert_eq!(
                json!(header(&response, LOCATION.as_str())),
                links[0]["href"],
                "{dl} {name}"
            );
        }
    }
}

#[tokio::test]
#[ignore = "reads GS1's suite from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
async fn specific_link_type_not_found() {
    let (_upstream, app) = resolver().await;
    for dl in DLS {
        let response = send(
            &app,
            Method::GET,
            &format!("{dl}?linkType=gs1:nosuchlt"),
            None,
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{dl}");
    }
}

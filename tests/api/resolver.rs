//! The GS1 Digital Link resolver over real HTTP, rule by rule: 307 to the default
//! link with the query passed on, 400 for what is not a Digital Link, 404 for a
//! product the catalog lacks or a link type it lacks, the RFC 9264 linkset, the
//! product page (JSON-LD or HTML), `/.well-known/gs1resolver`, the link template, and
//! the loader, cache, deadline and in-flight cap shared with GraphQL.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, LINK, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use catalog_gateway::config::Settings;
use catalog_gateway::http::LinkTemplate;

use crate::support::{TestApp, TestUpstream, header};

const RICE: &str = "09506000134352";

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn upstream_with_rice() -> TestUpstream {
    let upstream = TestUpstream::start().await;
    upstream.insert(
        RICE,
        json!({
            "gtin": RICE, "title": "Risotto <Rice>", "brand": "Dal Giardino",
            "description": "Arborio rice", "price": { "amount": "5.49", "currency": "EUR" },
            "images": [{ "url": "https://img.example/rice.jpg", "alt": "front" }],
            "categories": ["Grocery", "Rice"], "availability": "IN_STOCK",
        }),
    );
    upstream
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    accept: Option<&str>,
) -> reqwest::Response {
    app.send(method, path, accept, &[]).await
}

#[tokio::test]
async fn a_digital_link_redirects_307_to_the_product_page_with_the_query_passed_on() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    for method in [Method::GET, Method::HEAD] {
        let response = send(
            &app,
            method.clone(),
            "/01/09506000134352/10/LOT42?17=270131",
            None,
        )
        .await;

        assert_eq!(
            response.status(),
            StatusCode::TEMPORARY_REDIRECT,
            "{method}"
        );
        assert_eq!(
            header(&response, LOCATION),
            format!("{}/products/{RICE}?17=270131", app.address)
        );
        assert_eq!(
            header(&response, LINK),
            format!(
                "<{}/01/{RICE}/10/LOT42?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"",
                app.address
            )
        );
    }
    // Short GTIN spellings resolve to the same product.
    let response = send(&app, Method::GET, "/01/9506000134352", None).await;
    assert_eq!(
        header(&response, LOCATION),
        format!("{}/products/{RICE}", app.address)
    );
}

#[tokio::test]
async fn what_is_not_a_gs1_digital_link_is_400_without_an_upstream_call() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let rows = [
        ("/01/09506000134353", "INVALID_CHECK_DIGIT", None),
        ("/01/abc", "INVALID_GS1_ELEMENT_STRING", None),
        ("/01/09506000134", "INVALID_LENGTH", None),
        (
            "/01/09506000134352/99/x",
            "INVALID_GS1_ELEMENT_STRING",
            None,
        ),
        (
            "/01/09506000134352/21/S1/10/L1",
            "INVALID_GS1_ELEMENT_STRING",
            None,
        ),
        (
            "/01/09506000134352/10/L%20OT",
            "INVALID_AI_VALUE",
            Some("10"),
        ),
        (
            "/01/09506000134352?17=271399",
            "INVALID_AI_DATE",
            Some("17"),
        ),
        ("/01/09506000134352?99999=1", "UNKNOWN_AI", None),
    ];

    for (path, reason, ai) in rows {
        let response = send(&app, Method::GET, path, None).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(header(&response, CONTENT_TYPE), "application/problem+json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "INVALID_GTIN", "{path}: {body}");
        assert_eq!(body["reason"], reason, "{path}: {body}");
        assert_eq!(body["ai"].as_str(), ai, "{path}: {body}");
        assert_eq!(body["status"], 400);
    }
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn a_product_the_catalog_lacks_is_404() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let missing = send(&app, Method::GET, "/01/00036000291452", None).await;
    let coupon = send(&app, Method::GET, "/01/9912345678909", None).await;

    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "PRODUCT_NOT_FOUND", "{body}");
    assert_eq!(coupon.status(), StatusCode::NOT_FOUND);
    let body: Value = coupon.json().await.unwrap();
    assert_eq!(body["code"], "NOT_A_TRADE_ITEM", "{body}");
    assert_eq!(
        upstream.keys_asked(),
        ["00036000291452"],
        "a coupon is never asked for"
    );
}

#[tokio::test]
async fn the_linkset_is_answered_for_link_type_linkset_or_the_accept_header() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let page = format!("{}/products/{RICE}", app.address);

    let by_query = send(
        &app,
        Method::GET,
        "/01/09506000134352/10/LOT42?linkType=linkset",
        None,
    )
    .await;
    let by_all = send(
        &app,
        Method::GET,
        "/01/09506000134352/10/LOT42?linkType=all",
        None,
    )
    .await;
    let by_accept = send(
        &app,
        Method::GET,
        "/01/09506000134352/10/LOT42",
        Some("application/linkset+json"),
    )
    .await;

    let expected = json!({ "linkset": [{
        "anchor": format!("{}/01/{RICE}/10/LOT42", app.address),
        "itemDescription": "Risotto <Rice>",
        // A title and no other attribute (issue 28: the standard's statement).
        "https://gs1.org/voc/defaultLink": [{ "href": page, "title": "Default link" }],
        "https://gs1.org/voc/pip": [{ "href": page, "title": "Product information page", "type": "text/html" }],
        "https://gs1.org/voc/masterData": [{ "href": page, "title": "Product master data (JSON-LD)", "type": "application/ld+json" }],
    }]});
    for response in [by_query, by_all, by_accept] {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, CONTENT_TYPE), "application/linkset+json");
        assert!(header(&response, LINK).contains("rel=\"linkset\""));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, expected);
    }
}

#[tokio::test]
async fn a_link_type_redirects_to_that_link_and_one_the_product_lacks_is_404() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let page = format!("{}/products/{RICE}", app.address);

    for link_type in [
        "gs1:pip",
        "gs1%3Apip",
        "https://gs1.org/voc/masterData",
        "gs1:defaultLink",
    ] {
        let response = send(
            &app,
            Method::GET,
            &format!("/01/{RICE}?linkType={link_type}&x=1"),
            None,
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::TEMPORARY_REDIRECT,
            "{link_type}"
        );
        assert_eq!(
            header(&response, LOCATION),
            format!("{page}?x=1"),
            "{link_type}"
        );
    }
    for link_type in ["gs1:recallStatus", "schema:url", ""] {
        let response = send(
            &app,
            Method::GET,
            &format!("/01/{RICE}?linkType={link_type}"),
            None,
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{link_type:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "LINK_TYPE_NOT_FOUND", "{body}");
    }
}

#[tokio::test]
async fn the_default_link_template_is_filled_from_the_scan() {
    let upstream = upstream_with_rice().await;
    let template = LinkTemplate::parse(
        "https://brand.example/p/{gtin13}?lot={lot}&serial={serial}&g={gtin14}",
    )
    .unwrap();
    let app = TestApp::spawn_with(Some(&upstream.url()), |s| {
        s.resolver.default_link = Some(template)
    })
    .await;

    let response = send(
        &app,
        Method::GET,
        "/01/09506000134352/10/A%2FB/21/S1?17=270131",
        None,
    )
    .await;

    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&response, LOCATION),
        format!("https://brand.example/p/9506000134352?lot=A%2FB&serial=S1&g={RICE}&17=270131")
    );
    // The product page stays reachable as gs1:pip.
    let pip = send(
        &app,
        Method::GET,
        "/01/09506000134352?linkType=gs1:pip",
        None,
    )
    .await;
    assert_eq!(
        header(&pip, LOCATION),
        format!("{}/products/{RICE}", app.address)
    );
}

#[tokio::test]
async fn a_relative_template_is_a_path_on_the_gateway_and_a_bad_one_stops_the_start() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(
        Some(&upstream.url()),
        &["--resolver-default-link", "/shop/{gtin14}"],
    )
    .await;

    let response = send(&app, Method::GET, "/01/09506000134352", None).await;

    assert_eq!(
        header(&response, LOCATION),
        format!("{}/shop/{RICE}", app.address)
    );
    let refused = Settings::from_flags(["--resolver-default-link", "https://x/{sku}"]).unwrap_err();
    assert!(
        refused.to_string().contains("--resolver-default-link"),
        "{refused}"
    );
    assert!(refused.to_string().contains("{sku}"), "{refused}");
}

#[tokio::test]
async fn the_product_page_is_json_ld_for_machines() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    for accept in [None, Some("application/ld+json"), Some("*/*")] {
        let response = send(&app, Method::GET, &format!("/products/{RICE}"), accept).await;

        assert_eq!(response.status(), StatusCode::OK, "{accept:?}");
        assert_eq!(header(&response, CONTENT_TYPE), "application/ld+json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["@type"], json!(["Product", "gs1:Product"]));
        assert_eq!(body["@id"], format!("{}/01/{RICE}", app.address));
        assert_eq!(body["@context"]["@vocab"], "https://schema.org/");
        assert_eq!(body["@context"]["gs1"], "https://gs1.org/voc/");
        assert_eq!(body["gtin"], RICE);
        assert_eq!(body["gs1:gtin"], RICE);
        assert_eq!(body["name"], "Risotto <Rice>");
        assert_eq!(
            body["brand"],
            json!({ "@type": "Brand", "name": "Dal Giardino" })
        );
        assert_eq!(body["gs1:brand"]["gs1:brandName"], "Dal Giardino");
        assert_eq!(
            body["offers"],
            json!({ "@type": "Offer", "price": "5.49", "priceCurrency": "EUR", "availability": "https://schema.org/InStock" })
        );
        assert_eq!(body["image"], json!(["https://img.example/rice.jpg"]));
    }
}

#[tokio::test]
async fn the_product_page_is_an_html_card_for_a_browser() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    let response = send(&app, Method::GET, "/products/9506000134352", Some(firefox)).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, CONTENT_TYPE).starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Risotto &lt;Rice&gt;</h1>"), "{html}");
    assert!(html.contains("5.49 EUR"), "{html}");
    assert!(html.contains("<script type=\"application/ld+json\">"));
    assert!(
        !html.contains("Risotto <Rice>"),
        "unescaped product text: {html}"
    );
}

#[tokio::test]
async fn the_product_page_refuses_what_it_cannot_answer() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let png = send(
        &app,
        Method::GET,
        &format!("/products/{RICE}"),
        Some("image/png"),
    )
    .await;
    let bad = send(&app, Method::GET, "/products/09506000134353", None).await;
    let missing = send(&app, Method::GET, "/products/00036000291452", None).await;

    assert_eq!(png.status(), StatusCode::NOT_ACCEPTABLE);
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["reason"],
        "INVALID_CHECK_DIGIT"
    );
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["code"],
        "PRODUCT_NOT_FOUND"
    );
}

#[tokio::test]
async fn the_well_known_description_names_root_keys_and_link_types() {
    let app = TestApp::spawn(None, &[]).await;

    let response = send(&app, Method::GET, "/.well-known/gs1resolver", None).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, CONTENT_TYPE).starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["resolverRoot"], app.address);
    assert_eq!(body["supportedPrimaryKeys"], json!(["01"]));
    assert_eq!(body["supportedLinkType"][0]["prefix"], "gs1:");
    assert_eq!(
        body["supportedLinkType"][0]["namespace"],
        "https://gs1.org/voc/"
    );
    assert_eq!(body["linkTypeDefaultCanBeLinkset"], false);
    assert!(body["name"].as_str().is_some_and(|name| !name.is_empty()));
}

#[tokio::test]
async fn the_resolver_and_graphql_share_the_loader_and_its_cache() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let first = send(&app, Method::GET, "/01/09506000134352/10/LOT1", None).await;
    let second = send(
        &app,
        Method::GET,
        "/01/09506000134352/10/LOT2?linkType=linkset",
        None,
    )
    .await;
    let page = send(&app, Method::GET, &format!("/products/{RICE}"), None).await;
    let graphql = app
        .query(r#"{ product(gtin: "9506000134352") { title } }"#)
        .await;

    assert_eq!(first.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(graphql["data"]["product"]["title"], "Risotto <Rice>");
    assert_eq!(
        upstream.call_count(),
        1,
        "one upstream call, then the shared cache"
    );
}

#[tokio::test]
async fn a_slow_catalog_hits_the_request_deadline() {
    let upstream = upstream_with_rice().await;
    upstream.set_delay(Duration::from_secs(3));
    let app = TestApp::spawn(
        Some(&upstream.url()),
        &["--request-timeout-ms", "200", "--upstream-max-retries", "0"],
    )
    .await;

    let response = send(&app, Method::GET, "/01/09506000134352", None).await;

    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "UPSTREAM_TIMEOUT", "{body}");
}

#[tokio::test]
async fn resolver_requests_count_against_the_in_flight_cap() {
    let upstream = upstream_with_rice().await;
    upstream.set_delay(Duration::from_secs(1));
    // A slow call must not open the breaker here: the subject is the in-flight cap.
    let app = TestApp::spawn(
        Some(&upstream.url()),
        &["--max-in-flight", "1", "--breaker-slow-call-ms", "60000"],
    )
    .await;
    let first = tokio::spawn({
        let url = format!("{}/01/09506000134352", app.address);
        async move { client().get(url).send().await.map(|r| r.status()) }
    });
    // Wait for the first request to reach the upstream: it holds the one permit.
    tokio::time::timeout(Duration::from_secs(10), async {
        while upstream.call_count() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();

    let shed = send(&app, Method::GET, "/01/09506000134352", None).await;

    assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(shed.headers().get("retry-after").unwrap(), "1");
    assert_eq!(
        first.await.unwrap().unwrap(),
        StatusCode::TEMPORARY_REDIRECT
    );
}

#[tokio::test]
async fn the_existing_routes_are_untouched() {
    let app = TestApp::spawn(None, &[]).await;

    for (path, status) in [
        ("/", StatusCode::OK),
        ("/healthz", StatusCode::OK),
        ("/readyz", StatusCode::OK),
        ("/graphql?query=%7B__typename%7D", StatusCode::OK),
        ("/01", StatusCode::NOT_FOUND),
        ("/products", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            send(&app, Method::GET, path, None).await.status(),
            status,
            "{path}"
        );
    }
    // The demo catalog's 2D item resolves end to end.
    let response = send(
        &app,
        Method::GET,
        "/01/09506000134352/10/LOT42?17=270131",
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
}

#[tokio::test]
async fn a_cors_preflight_on_a_resolver_path_allows_get_head_and_options() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let preflight = |path: &str, method: &str| {
        client()
            .request(Method::OPTIONS, format!("{}{path}", app.address))
            .header("origin", "https://shop.example")
            .header("access-control-request-method", method)
            .send()
    };

    for path in [
        "/01/09506000134352",
        "/01/09506000134352/",
        "/01/09506000134352/10/LOT42/21/SER9",
        "/products/09506000134352",
    ] {
        let response = preflight(path, "GET").await.unwrap();

        assert!(response.status().is_success(), "{path}");
        assert_eq!(
            header(&response, "access-control-allow-methods"),
            "GET,HEAD,OPTIONS",
            "{path}"
        );
        assert_eq!(header(&response, "access-control-allow-origin"), "*");
        // The route's own answer: its methods and the link to the linkset.
        assert_eq!(header(&response, "allow"), "GET, HEAD, OPTIONS");
        if path.starts_with("/01/") {
            assert!(
                header(&response, LINK).contains("?linkType=linkset>; rel=\"linkset\""),
                "{path}"
            );
        }
    }
    // A page on another origin may read the link to the linkset.
    let response = client()
        .get(format!("{}/01/09506000134352", app.address))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    let exposed = header(&response, "access-control-expose-headers");
    assert!(exposed.split(',').any(|name| name == "link"), "{exposed}");
    // The GraphQL API keeps its own policy.
    let response = preflight("/graphql", "POST").await.unwrap();
    assert_eq!(
        header(&response, "access-control-allow-methods"),
        "GET,POST"
    );
}

#[tokio::test]
async fn a_trailing_slash_is_tolerated_on_every_resolver_path() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    for path in [
        "/01/09506000134352",
        "/01/09506000134352/10/LOT42",
        "/01/09506000134352/10/LOT42/21/SER9",
    ] {
        for query in ["", "?17=270131", "?linkType=gs1:pip", "?linkType=linkset"] {
            let without = send(&app, Method::GET, &format!("{path}{query}"), None).await;
            let with = send(&app, Method::GET, &format!("{path}/{query}"), None).await;

            assert_ne!(with.status(), StatusCode::NOT_FOUND, "{path}/{query}");
            assert_eq!(with.status(), without.status(), "{path}/{query}");
            assert_eq!(
                header(&with, LOCATION),
                header(&without, LOCATION),
                "{path}/{query}"
            );
            assert_eq!(
                header(&with, LINK),
                header(&without, LINK),
                "{path}/{query}"
            );
        }
    }
}

#[tokio::test]
async fn the_linkset_answer_has_one_link_field_with_both_links() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    for accept in [None, Some("application/linkset+json")] {
        let path = if accept.is_some() {
            "/01/09506000134352"
        } else {
            "/01/09506000134352?linkType=linkset"
        };
        let response = send(&app, Method::GET, path, accept).await;

        assert_eq!(response.status(), StatusCode::OK);
        let lines: Vec<_> = response.headers().get_all(LINK).iter().collect();
        assert_eq!(lines.len(), 1, "one Link field line: {lines:?}");
        assert_eq!(
            lines[0].to_str().unwrap(),
            format!(
                "<{}/01/{RICE}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\", \
                 <https://ref.gs1.org/standards/resolver/linkset-context>; \
                 rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"",
                app.address
            )
        );
    }
}

#[tokio::test]
async fn the_default_link_has_a_title_and_no_other_attribute() {
    let upstream = upstream_with_rice().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    for path in [
        "/01/09506000134352?linkType=linkset",
        "/01/09506000134352/10/LOT42/21/SER9?linkType=linkset",
    ] {
        let body: Value = send(&app, Method::GET, path, None)
            .await
            .json()
            .await
            .unwrap();

        let default_links = body["linkset"][0]["https://gs1.org/voc/defaultLink"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(default_links.len(), 1, "{body}");
        let mut attributes: Vec<&str> = default_links[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        attributes.sort_unstable();
        assert_eq!(attributes, ["href", "title"], "{body}");
    }
}

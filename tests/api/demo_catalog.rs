//! The embedded demo catalog over a real socket, as any upstream client sees it:
//! docs/upstream-contract.md's default contract, plus its documented leniencies and limits.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use catalog_gateway::demo::{self, DemoCatalog, DemoSettings, MAX_BATCH_KEYS};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;

/// A demo catalog serving on a free local port until dropped.
struct DemoServer {
    url: String,
    _stop: oneshot::Sender<()>,
}

async fn start(settings: DemoSettings) -> DemoServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(demo::serve(listener, settings, async {
        let _ = stopped.await;
    }));
    DemoServer { url, _stop: stop }
}

async fn get(url: String) -> (StatusCode, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap();
    (status, body)
}

fn gtins_of(body: &Value) -> Vec<&str> {
    body["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["gtin"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_batch_endpoint_answers_found_items_asked_in_any_form_with_gtin14_keys() {
    let demo = start(DemoSettings::default()).await;
    let generated = DemoCatalog::generated_gtin(42).unwrap();
    let query = format!(
        "96385074,036000291452,4012345000122,10036000291459,4006381333931,{}",
        generated.gtin14()
    );

    let (status, body) = get(format!("{}/products?gtins={query}", demo.url)).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        gtins_of(&body),
        [
            "00000096385074",
            "00036000291452",
            "04012345000122",
            "10036000291459",
            generated.gtin14()
        ]
    );
}

#[tokio::test]
async fn the_batch_endpoint_answers_each_item_once_however_it_is_spelled() {
    let demo = start(DemoSettings::default()).await;

    let (_, body) = get(format!(
        "{}/products?gtins=036000291452,0036000291452,00036000291452",
        demo.url
    ))
    .await;

    assert_eq!(gtins_of(&body), ["00036000291452"]);
}

#[tokio::test]
async fn the_batch_endpoint_answers_an_empty_list_when_nothing_is_found() {
    let demo = start(DemoSettings::default()).await;

    let (status, body) = get(format!("{}/products?gtins=4006381333931", demo.url)).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({ "products": [] }));
}

#[tokio::test]
async fn a_malformed_gtins_parameter_is_a_400_with_a_json_error() {
    let demo = start(DemoSettings::default()).await;
    for query in [
        "",
        "?gtins=",
        "?gtins=036000291453",
        "?gtins=abc",
        "?gtins=036000291452,,96385074",
    ] {
        let (status, body) = get(format!("{}/products{query}", demo.url)).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn the_batch_endpoint_takes_up_to_1000_keys_and_rejects_more() {
    let demo = start(DemoSettings::default()).await;
    let list = |n: u32| {
        (0..n)
            .map(|i| DemoCatalog::generated_gtin(i).unwrap().gtin14().to_owned())
            .collect::<Vec<_>>()
            .join(",")
    };
    let max = u32::try_from(MAX_BATCH_KEYS).unwrap();

    let (ok, body) = get(format!("{}/products?gtins={}", demo.url, list(max))).await;
    let (too_many, error) = get(format!("{}/products?gtins={}", demo.url, list(max + 1))).await;

    assert_eq!(ok, StatusCode::OK);
    assert_eq!(gtins_of(&body).len(), MAX_BATCH_KEYS);
    assert_eq!(too_many, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "too_many_gtins");
}

#[tokio::test]
async fn the_single_endpoint_answers_200_with_the_product_or_404() {
    let demo = start(DemoSettings::default()).await;

    let (found, product) = get(format!("{}/products/00036000291452", demo.url)).await;
    let (missing, _) = get(format!("{}/products/04006381333931", demo.url)).await;
    let (not_a_gtin, _) = get(format!("{}/products/hello", demo.url)).await;

    assert_eq!(found, StatusCode::OK);
    assert_eq!(product["gtin"], "00036000291452");
    assert_eq!(
        product["price"],
        serde_json::json!({ "amount": "2.49", "currency": "USD" })
    );
    assert_eq!(product["attributes"]["scent"], Value::Null);
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert_eq!(not_a_gtin, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_configured_latency_delays_every_answer() {
    let demo = start(DemoSettings {
        latency: Duration::from_millis(150),
        ..DemoSettings::default()
    })
    .await;

    let started = Instant::now();
    let (status, _) = get(format!("{}/products/00036000291452", demo.url)).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_batch_endpoint_also_reads_repeated_gtin_parameters() {
    let demo = start(DemoSettings::default()).await;
    let generated = DemoCatalog::generated_gtin(42).unwrap();

    let (repeated, repeated_body) = get(format!(
        "{}/products?gtin=036000291452&gtin={}&gtin=4006381333931&gtin=0036000291452",
        demo.url,
        generated.gtin14()
    ))
    .await;
    let (mixed, mixed_body) = get(format!(
        "{}/products?gtins=96385074&gtin=036000291452",
        demo.url
    ))
    .await;
    let (bad, bad_body) = get(format!("{}/products?gtin=036000291453", demo.url)).await;

    assert_eq!(repeated, StatusCode::OK);
    assert_eq!(
        gtins_of(&repeated_body),
        ["00036000291452", generated.gtin14()],
        "found items in the order asked, the second spelling of one item answered once"
    );
    assert_eq!(mixed, StatusCode::OK);
    assert_eq!(gtins_of(&mixed_body), ["00000096385074", "00036000291452"]);
    assert_eq!(bad, StatusCode::BAD_REQUEST);
    assert_eq!(bad_body["error"], "invalid_gtin");
}

#[tokio::test]
async fn large_products_are_about_16_kb_on_both_endpoints() {
    let demo = start(DemoSettings {
        large_products: true,
        ..DemoSettings::default()
    })
    .await;
    let generated = DemoCatalog::generated_gtin(9).unwrap();

    let single = reqwest::get(format!("{}/products/{}", demo.url, generated.gtin14()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let (status, batch) = get(format!(
        "{}/products?gtins={},036000291452",
        demo.url,
        generated.gtin14()
    ))
    .await;

    let wanted = demo::LARGE_PRODUCT_BYTES * 9 / 10..demo::LARGE_PRODUCT_BYTES * 11 / 10;
    assert!(wanted.contains(&single.len()), "{} bytes", single.len());
    assert_eq!(status, StatusCode::OK);
    for product in batch["products"].as_array().unwrap() {
        let bytes = serde_json::to_vec(product).unwrap().len();
        assert!(wanted.contains(&bytes), "{} bytes", bytes);
    }
}

//! GraphQL over HTTP: media types, status codes and request shapes per the spec
//! (the npm `graphql-http` audit checks the same in CI; these pin our choices).

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::support::TestApp;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn app() -> TestApp {
    TestApp::spawn(None, &[]).await
}

async fn post(app: &TestApp, accept: &str, body: Value) -> (u16, String, Value) {
    let answer = app.post_with(&body, &[(ACCEPT.as_str(), accept)]).await;
    let content_type = answer.header(CONTENT_TYPE.as_str()).to_owned();
    (answer.status.as_u16(), content_type, answer.body)
}

#[tokio::test]
async fn a_validation_error_is_400_without_data_for_graphql_response_json() {
    let app = app().await;

    let (status, content_type, body) =
        post(&app, GRAPHQL_RESPONSE, json!({ "query": "{ nope }" })).await;

    assert_eq!(status, 400);
    assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{content_type}");
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn a_validation_error_is_200_for_application_json_clients() {
    let app = app().await;

    let (status, content_type, body) =
        post(&app, "application/json", json!({ "query": "{ nope }" })).await;

    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert!(body["errors"].is_array(), "{body}");
}

#[tokio::test]
async fn a_field_error_still_executes_and_is_200_with_data() {
    let app = app().await;

    let (status, _, body) = post(
        &app,
        GRAPHQL_RESPONSE,
        json!({ "query": "{ a: product(gtin: \"bad\") { title } b: gtin(code: \"036000291452\") { valid } }" }),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(body["data"]["b"]["valid"], true, "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["a"]));
}

#[tokio::test]
async fn a_mutation_over_get_is_405_with_allow_post() {
    let app = app().await;

    let response = app.get("/graphql?query=mutation%20%7B%20x%20%7D").await;

    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn malformed_requests_are_4xx() {
    let app = app().await;
    let url = format!("{}/graphql", app.address);

    let not_json = app
        .client
        .post(&url)
        .header(CONTENT_TYPE, "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    let form = app
        .client
        .post(&url)
        .header(CONTENT_TYPE, "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let no_query = app.client.get(&url).send().await.unwrap();
    let html_only = app
        .client
        .post(&url)
        .header(ACCEPT, "text/html")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let put = app
        .client
        .put(&url)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();

    assert_eq!(not_json.status(), 400);
    assert_eq!(form.status(), 415);
    assert_eq!(no_query.status(), 400);
    assert_eq!(html_only.status(), 406);
    assert_eq!(put.status(), 405);
}

#[tokio::test]
async fn get_queries_take_variables_and_operation_name() {
    let app = app().await;

    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            (
                "query",
                "query A($c: String!) { gtin(code: $c) { gtin14 } } query B { __typename }",
            ),
            ("operationName", "A"),
            ("variables", r#"{"c":"04252614"}"#),
        ])
        .send()
        .await
        .unwrap();

    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["gtin"]["gtin14"], "00042100005264", "{body}");
}

#[tokio::test]
async fn response_fields_come_in_the_order_the_query_asks_for_them() {
    let app = app().await;
    let query = r#"{ product(gtin: "036000291452") { title gtin availability brand } }"#;

    let text = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let at = |key: &str| {
        text.find(&format!("\"{key}\""))
            .unwrap_or_else(|| panic!("{key} in {text}"))
    };
    assert!(
        at("title") < at("gtin")
            && at("gtin") < at("availability")
            && at("availability") < at("brand"),
        "{text}"
    );
}

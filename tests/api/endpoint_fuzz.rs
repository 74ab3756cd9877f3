//! Property test of the whole endpoint: random GraphQL documents, variables and raw
//! bodies never panic the gateway and never get a 5xx (deliberate load shedding
//! aside). The gateway runs on a real socket; every case is a real HTTP request.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::support::{TestApp, TestUpstream};

/// Pieces of GraphQL, valid and not, to build documents from.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    "...",
    "@skip(if: true)",
    "@include(if: $b)",
    "query",
    "query Q($v: String!, $l: [String!]!, $b: Boolean!)",
    "mutation",
    "subscription",
    "fragment F on Query",
    "on Query",
    "F",
    "product",
    "products",
    "lookups",
    "gtin",
    "gtin:",
    "gtins:",
    "code:",
    "codes:",
    "$v",
    "$l",
    "a:",
    "b:",
    "title",
    "brand",
    "price",
    "amount",
    "images",
    "url",
    "attributes",
    "availability",
    "status",
    "error",
    "reason",
    "variableMeasure",
    "__typename",
    "__schema",
    "types",
    "name",
    "\"036000291452\"",
    "\"04252614\"",
    "\"]E00036000291452\"",
    "\"978-0-471-11709-4\"",
    "\"\"",
    "\"\\u0000\"",
    "\"٠٣٦٠٠٠٢٩١٤٥٢\"",
    "\"2011122912346\"",
    "\"9912345678909\"",
    "null",
    "true",
    "1e309",
    "-0",
    "\"https://id.gs1.org/01/09506000134352\"",
    "\"]C10100036000291452\"",
    "#",
];

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(TOKENS).prop_map(str::to_owned),
            1 => any::<String>(),
        ],
        0..40,
    )
    .prop_map(|tokens| tokens.join(" "))
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::from),
        prop::sample::select(TOKENS).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z$]{0,3}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Case {
    Query {
        query: String,
        variables: Value,
        operation: Option<String>,
    },
    Batch(Vec<(String, Value)>),
    AnyJson(Value),
    RawBody(Vec<u8>),
    Get(String),
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![
        6 => (document(), json_value(), prop::option::of("[A-Za-z]{0,4}"))
            .prop_map(|(query, variables, operation)| Case::Query { query, variables, operation }),
        1 => prop::collection::vec((document(), json_value()), 0..4).prop_map(Case::Batch),
        1 => json_value().prop_map(Case::AnyJson),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(Case::RawBody),
        1 => "[ -~]{0,60}".prop_map(Case::Get),
    ]
}

async fn send(app: &TestApp, case: &Case) -> Result<reqwest::Response, reqwest::Error> {
    let url = format!("{}/graphql", app.address);
    match case {
        Case::Query {
            query,
            variables,
            operation,
        } => {
            let body =
                json!({ "query": query, "variables": variables, "operationName": operation });
            app.client.post(url).json(&body).send().await
        }
        Case::Batch(operations) => {
            let body: Vec<Value> = operations
                .iter()
                .map(|(query, variables)| json!({ "query": query, "variables": variables }))
                .collect();
            app.client.post(url).json(&body).send().await
        }
        Case::AnyJson(body) => app.client.post(url).json(body).send().await,
        Case::RawBody(bytes) => {
            app.client
                .post(url)
                .header("content-type", "application/json")
                .body(bytes.clone())
                .send()
                .await
        }
        Case::Get(query) => app.client.get(url).query(&[("query", query)]).send().await,
    }
}

#[test]
fn random_documents_variables_and_bodies_never_panic_or_5xx() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_upstream, app) = runtime.block_on(async {
        let upstream = TestUpstream::start().await;
        upstream.insert_product("036000291452", "Tissue");
        let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
        (upstream, app)
    });
    let cases = std::env::var("ENDPOINT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });

    let outcome = runner.run(&case(), |case| {
        let status = runtime
            .block_on(send(&app, &case))
            .map_err(|error| TestCaseError::fail(format!("no answer (a panic?): {error}")))?
            .status();
        prop_assert!(!status.is_server_error(), "status {status} for {case:?}");
        Ok(())
    });

    outcome.unwrap();
    let health = runtime.block_on(app.get("/healthz")).status();
    assert_eq!(health, 200);
}

//! Introspection (issue 9): the queries client tools send pass the default limits,
//! crafted introspection bombs do not, and `--introspection off` hides the schema.
//! The tools' own queries are sent by `make test-introspection` (graphql-js, Codegen)
//! and `make test-browser` (GraphiQL); these tests pin the gateway's side.

use crate::support::{TestApp, error_codes};

fn first_code(response: &serde_json::Value) -> String {
    error_codes(response)
        .first()
        .map(|(code, _)| code.clone())
        .unwrap_or_default()
}

/// A `TypeRef`-style chain: `ofType { … { kind name } }`, `levels` deep.
fn of_type_chain(levels: usize) -> String {
    (0..levels).fold("kind name".to_owned(), |inner, _| {
        format!("kind name ofType {{ {inner} }}")
    })
}

#[tokio::test]
async fn a_deep_type_reference_query_is_answered_even_under_tight_product_limits() {
    // Arrange: limits far below what introspection needs, as an operator may set them.
    let app = TestApp::spawn(None, &["--max-depth", "3", "--max-complexity", "10"]).await;
    let query = format!(
        "{{ __schema {{ queryType {{ name }} types {{ name fields {{ name args {{ name type {{ {} }} }} type {{ {} }} }} }} }} }}",
        of_type_chain(9),
        of_type_chain(9)
    );

    // Act
    let response = app.query(&query).await;

    // Assert
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(response["data"]["__schema"]["queryType"]["name"], "Query");
    let types = response["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Product"), "{response}");
}

#[tokio::test]
async fn product_fields_keep_their_depth_limit_next_to_introspection() {
    let app = TestApp::spawn(None, &["--max-depth", "2"]).await;

    let response = app
        .query(r#"{ __schema { types { name } } gtin(code: "1") { gs1Prefix { prefix } } }"#)
        .await;

    assert_eq!(first_code(&response), "QUERY_TOO_DEEP", "{response}");
}

#[tokio::test]
async fn an_introspection_bomb_is_refused_with_the_defaults() {
    let app = TestApp::spawn(None, &[]).await;
    let nested_lists =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    // Past 20 levels, yet below the parser's own recursion limit (32)...
    let endless_of_type = format!(
        "{{ __type(name: \"Product\") {{ {} }} }}",
        of_type_chain(20)
    );
    // ... and past that limit too.
    let past_the_parser = format!(
        "{{ __type(name: \"Product\") {{ {} }} }}",
        of_type_chain(40)
    );

    let lists = app.query(nested_lists).await;
    let chain = app.query(&endless_of_type).await;
    let unparsable = app.query(&past_the_parser).await;

    assert_eq!(first_code(&lists), "QUERY_TOO_DEEP", "{lists}");
    assert_eq!(first_code(&chain), "QUERY_TOO_DEEP", "{chain}");
    assert_eq!(
        first_code(&unparsable),
        "GRAPHQL_PARSE_FAILED",
        "{unparsable}"
    );
}

#[tokio::test]
async fn introspection_off_refuses_schema_and_type_but_serves_typename_and_service() {
    // Arrange
    let app = TestApp::spawn(None, &["--introspection", "off"]).await;

    // Act
    let schema = app.query("{ __schema { queryType { name } } }").await;
    let by_fragment = app
        .query(r#"query { ...T } fragment T on Query { __type(name: "Product") { name } }"#)
        .await;
    let strict = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&serde_json::json!({ "query": "{ __schema { types { name } } }" }))
        .send()
        .await
        .unwrap();
    let status = strict.status();
    let strict: serde_json::Value = strict.json().await.unwrap();
    let typename = app.query("{ __typename }").await;
    let service = app.query("{ _service { sdl } }").await;

    // Assert
    assert_eq!(first_code(&schema), "INTROSPECTION_DISABLED", "{schema}");
    assert_eq!(
        first_code(&by_fragment),
        "INTROSPECTION_DISABLED",
        "{by_fragment}"
    );
    assert_eq!(
        status, 400,
        "a request error under the GraphQL-over-HTTP media type"
    );
    assert_eq!(first_code(&strict), "INTROSPECTION_DISABLED", "{strict}");
    assert_eq!(typename["data"]["__typename"], "Query", "{typename}");
    assert!(
        service["data"]["_service"]["sdl"]
            .as_str()
            .is_some_and(|sdl| sdl.contains("type Product")),
        "{service}"
    );
}

/// The names `schema.graphql` declares: types, fields, arguments, enum values.
fn schema_names() -> std::collections::BTreeSet<String> {
    let sdl = include_str!("../../schema.graphql");
    sdl.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| {
            word.len() > 2 && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        })
        .filter(|word| {
            ![
                "type",
                "enum",
                "input",
                "scalar",
                "schema",
                "query",
                "extend",
                "directive",
                "String",
                "Boolean",
                "Int",
                "Float",
                "true",
                "false",
                "null",
                "link",
                "import",
                "key",
                "fields",
                "url",
            ]
            .contains(word)
        })
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn with_introspection_off_errors_name_nothing_the_request_did_not() {
    let misspelt = [
        r#"{ prodct(gtin: "036000291452") { title } }"#,
        r#"{ product(gtn: "036000291452") { title } }"#,
        r#"{ product(gtin: "036000291452") { titl } }"#,
        r#"{ product(gtin: "036000291452") { title { x } } }"#,
        r#"{ product(gtin: "036000291452") }"#,
        r#"{ ...F } fragment F on Prodct { title }"#,
        r#"{ lookups(codes: ["1"]) { stats } }"#,
        r#"{ product(gtin: "036000291452") @skp(if: true) { title } }"#,
        r#"query($g: Strng!) { product(gtin: $g) { title } }"#,
        r#"{ gtin(code: "1") { valid kindd } }"#,
    ];
    let names = schema_names();
    let hidden = TestApp::spawn(None, &["--introspection", "off"]).await;
    let open = TestApp::spawn(None, &[]).await;
    let mut suggested_when_open = 0;
    for query in misspelt {
        let response = hidden.query(query).await;
        let messages: Vec<&str> = response["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{query}: {response}"))
            .iter()
            .filter_map(|error| error["message"].as_str())
            .collect();
        assert!(!messages.is_empty(), "{query}: {response}");
        for message in &messages {
            assert!(!message.contains("Did you mean"), "{query}: {message}");
            for name in &names {
                let quoted = format!("\"{name}");
                assert!(
                    !message.contains(&quoted) || query.contains(name.as_str()),
                    "{query}: {message} names {name}"
                );
            }
        }
        let open_response = open.query(query).await.to_string();
        suggested_when_open += usize::from(open_response.contains("Did you mean"));
    }
    assert!(
        suggested_when_open >= 3,
        "with introspection on, the helpful messages stay"
    );
}

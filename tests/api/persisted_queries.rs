//! Automatic persisted queries as Apollo Client speaks them, over POST and GET, and
//! the parsed-document cache as seen from outside: a cached or persisted document is
//! still held to the shape limits, and answers exactly what the full text would.

use serde_json::{Value, json};

use crate::support::{self, TestApp, TestUpstream, error_codes, sha256_hex, upc_a};

const QUERY: &str = "query Item($g: String!) { product(gtin: $g) { upc title } }";

/// The gateway with `flags` in front of an upstream holding items 0 to 2.
async fn app_with(flags: &[&str]) -> (TestUpstream, TestApp) {
    support::app_with((0..3).map(|n| (upc_a(n), format!("item {n}"))), flags).await
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

fn codes(response: &Value) -> Vec<String> {
    error_codes(response)
        .into_iter()
        .map(|(code, _)| code)
        .collect()
}

/// GETs `/graphql` with these parameters, JSON values sent as JSON text (as Apollo
/// Client does); returns the JSON response.
async fn get_graphql(app: &TestApp, query: Option<&str>, variables: Value, hash: &str) -> Value {
    let mut params = vec![
        ("operationName", "Item".to_owned()),
        ("variables", variables.to_string()),
        ("extensions", persisted(hash).to_string()),
    ];
    if let Some(query) = query {
        params.push(("query", query.to_owned()));
    }
    app.client
        .get(format!("{}/graphql", app.address))
        .query(&params)
        .send()
        .await
        .expect("gateway answers")
        .json()
        .await
        .expect("gateway answers JSON")
}

/// POSTs an APQ request: the hash, and the query text when given.
async fn post_persisted(app: &TestApp, query: Option<&str>, variables: Value, hash: &str) -> Value {
    let mut body = json!({ "variables": variables, "extensions": persisted(hash) });
    if let Some(query) = query {
        body["query"] = json!(query);
    }
    app.post_json(body).await.1
}

#[tokio::test]
async fn post_unknown_hash_is_not_found_then_registering_lets_the_hash_alone_run() {
    // Arrange
    let (upstream, app) = app_with(&[]).await;
    let hash = sha256_hex(QUERY);

    // Act
    let unknown = post_persisted(&app, None, json!({ "g": upc_a(0) }), &hash).await;
    let registered = post_persisted(&app, Some(QUERY), json!({ "g": upc_a(0) }), &hash).await;
    let by_hash = post_persisted(&app, None, json!({ "g": upc_a(1) }), &hash).await;

    // Assert
    assert_eq!(codes(&unknown), ["PERSISTED_QUERY_NOT_FOUND"], "{unknown}");
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        registered["data"]["product"]["upc"],
        upc_a(0),
        "{registered}"
    );
    assert_eq!(registered["data"]["product"]["title"], "item 0");
    assert!(by_hash.get("errors").is_none(), "{by_hash}");
    assert_eq!(by_hash["data"]["product"]["upc"], upc_a(1), "{by_hash}");
    assert_eq!(by_hash["data"]["product"]["title"], "item 1");
    assert_eq!(
        upstream.call_count(),
        2,
        "the not-found answer cost no lookup"
    );
}

#[tokio::test]
async fn get_unknown_hash_is_not_found_then_registering_lets_the_hash_alone_run() {
    // Arrange
    let (_upstream, app) = app_with(&[]).await;
    let hash = sha256_hex(QUERY);

    // Act
    let unknown = get_graphql(&app, None, json!({ "g": upc_a(0) }), &hash).await;
    let registered = get_graphql(&app, Some(QUERY), json!({ "g": upc_a(0) }), &hash).await;
    let by_hash = get_graphql(&app, None, json!({ "g": upc_a(2) }), &hash).await;

    // Assert
    assert_eq!(codes(&unknown), ["PERSISTED_QUERY_NOT_FOUND"], "{unknown}");
    assert_eq!(
        registered["data"]["product"]["upc"],
        upc_a(0),
        "{registered}"
    );
    assert!(by_hash.get("errors").is_none(), "{by_hash}");
    assert_eq!(by_hash["data"]["product"]["upc"], upc_a(2), "{by_hash}");
    assert_eq!(by_hash["data"]["product"]["title"], "item 2");
}

#[tokio::test]
async fn a_query_registered_by_post_runs_by_hash_over_get() {
    let (_upstream, app) = app_with(&[]).await;
    let hash = sha256_hex(QUERY);

    post_persisted(&app, Some(QUERY), json!({ "g": upc_a(0) }), &hash).await;
    let by_hash = get_graphql(&app, None, json!({ "g": upc_a(1) }), &hash).await;

    assert_eq!(by_hash["data"]["product"]["upc"], upc_a(1), "{by_hash}");
}

#[tokio::test]
async fn a_hash_that_is_not_the_querys_is_refused_and_not_registered_over_post_and_get() {
    // Arrange
    let (upstream, app) = app_with(&[]).await;
    let wrong = sha256_hex("{ something else }");

    // Act
    let posted = post_persisted(&app, Some(QUERY), json!({ "g": upc_a(0) }), &wrong).await;
    let got = get_graphql(&app, Some(QUERY), json!({ "g": upc_a(0) }), &wrong).await;
    let by_hash = post_persisted(&app, None, json!({ "g": upc_a(0) }), &wrong).await;

    // Assert
    assert_eq!(
        codes(&posted),
        ["PERSISTED_QUERY_HASH_MISMATCH"],
        "{posted}"
    );
    assert_eq!(codes(&got), ["PERSISTED_QUERY_HASH_MISMATCH"], "{got}");
    assert_eq!(codes(&by_hash), ["PERSISTED_QUERY_NOT_FOUND"], "{by_hash}");
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn an_uppercase_hex_hash_of_the_query_is_accepted() {
    let (_upstream, app) = app_with(&[]).await;
    let hash = sha256_hex(QUERY).to_ascii_uppercase();

    let registered = post_persisted(&app, Some(QUERY), json!({ "g": upc_a(0) }), &hash).await;
    let by_hash = post_persisted(&app, None, json!({ "g": upc_a(1) }), &hash).await;

    assert_eq!(
        registered["data"]["product"]["upc"],
        upc_a(0),
        "{registered}"
    );
    assert_eq!(by_hash["data"]["product"]["upc"], upc_a(1), "{by_hash}");
}

#[tokio::test]
async fn a_persisted_query_of_another_version_is_refused() {
    let (_upstream, app) = app_with(&[]).await;

    let (_, response) = app
        .post_json(json!({
            "query": QUERY,
            "variables": { "g": upc_a(0) },
            "extensions": { "persistedQuery": { "version": 2, "sha256Hash": sha256_hex(QUERY) } },
        }))
        .await;

    assert_eq!(codes(&response), ["PERSISTED_QUERY_INVALID"], "{response}");
}

#[tokio::test]
async fn a_query_that_fails_validation_is_not_registered() {
    // Arrange
    let (_upstream, app) = app_with(&[]).await;
    let invalid = "{ product(gtin: \"1\") { noSuchField } }";
    let hash = sha256_hex(invalid);

    // Act
    let registered = post_persisted(&app, Some(invalid), json!({}), &hash).await;
    let by_hash = post_persisted(&app, None, json!({}), &hash).await;

    // Assert
    assert_eq!(
        codes(&registered),
        ["GRAPHQL_VALIDATION_FAILED"],
        "{registered}"
    );
    assert_eq!(codes(&by_hash), ["PERSISTED_QUERY_NOT_FOUND"], "{by_hash}");
}

#[tokio::test]
async fn a_query_over_the_alias_limit_is_neither_run_nor_registered() {
    // Arrange
    let (upstream, app) = app_with(&["--max-aliases", "2"]).await;
    let query = format!(
        "{{ a: product(gtin: \"{0}\") {{ upc }} b: product(gtin: \"{0}\") {{ upc }} c: product(gtin: \"{0}\") {{ upc }} }}",
        upc_a(0)
    );
    let hash = sha256_hex(&query);

    // Act
    let registered = post_persisted(&app, Some(&query), json!({}), &hash).await;
    let by_hash = post_persisted(&app, None, json!({}), &hash).await;

    // Assert
    assert_eq!(codes(&registered), ["TOO_MANY_ALIASES"], "{registered}");
    assert_eq!(codes(&by_hash), ["PERSISTED_QUERY_NOT_FOUND"], "{by_hash}");
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn a_cached_query_over_the_alias_limit_is_refused_every_time() {
    // Arrange: small enough to be cached by the document cache.
    let (upstream, app) = app_with(&["--max-aliases", "2"]).await;
    let query = format!(
        "{{ a: product(gtin: \"{0}\") {{ upc }} b: product(gtin: \"{0}\") {{ upc }} c: product(gtin: \"{0}\") {{ upc }} }}",
        upc_a(0)
    );

    for attempt in 0..3 {
        // Act
        let response = app.query(&query).await;

        // Assert
        assert_eq!(
            codes(&response),
            ["TOO_MANY_ALIASES"],
            "attempt {attempt}: {response}"
        );
    }
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn ten_thousand_aliases_are_refused_the_second_time_too() {
    // The body limit alone would refuse this 380 kB document; lift it to reach the alias check.
    let (upstream, app) = app_with(&["--max-body-bytes", "1000000"]).await;
    let item = upc_a(1);
    let fields: String = (0..10_000)
        .map(|i| format!("a{i}: product(gtin: \"{item}\") {{ title }} "))
        .collect();
    let query = format!("{{ {fields} }}");

    let first = app.query(&query).await;
    let second = app.query(&query).await;

    assert_eq!(codes(&first), ["TOO_MANY_ALIASES"], "{first}");
    assert_eq!(codes(&second), ["TOO_MANY_ALIASES"], "{second}");
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn a_hot_query_answers_each_request_with_its_own_variables() {
    // Arrange
    let (_upstream, app) = app_with(&[]).await;

    for n in [0, 1, 2, 0] {
        // Act: the same text each time, so every request after the first is a cache hit.
        let response = app.query_with(QUERY, json!({ "g": upc_a(n) })).await;

        // Assert
        assert_eq!(response["data"]["product"]["upc"], upc_a(n), "{response}");
        assert_eq!(response["data"]["product"]["title"], format!("item {n}"));
    }
}

#[tokio::test]
async fn skip_and_include_still_apply_to_a_cached_document() {
    let (_upstream, app) = app_with(&[]).await;
    let query =
        "query($g: String!, $t: Boolean!) { product(gtin: $g) { upc title @include(if: $t) } }";

    let with_title = app
        .query_with(query, json!({ "g": upc_a(0), "t": true }))
        .await;
    let without_title = app
        .query_with(query, json!({ "g": upc_a(0), "t": false }))
        .await;
    let with_title_again = app
        .query_with(query, json!({ "g": upc_a(0), "t": true }))
        .await;

    assert_eq!(
        with_title["data"]["product"]["title"], "item 0",
        "{with_title}"
    );
    assert!(
        without_title["data"]["product"].get("title").is_none(),
        "{without_title}"
    );
    assert_eq!(
        with_title_again["data"]["product"]["title"], "item 0",
        "{with_title_again}"
    );
}

//! The gateway as an Apollo Federation v2 subgraph, end to end: `_service { sdl }`
//! is the committed contract with `@key` and `@link`, and `_entities` resolves
//! `Product` representations in any GTIN spelling through the same batched loader,
//! counted at a real upstream. One bad representation never fails its neighbours.

use serde_json::{Value, json};
use std::num::NonZeroUsize;

use crate::support::{
    Failure, TestApp, TestUpstream, error_codes, spellings, upc_a, upstream_with_items,
};

const ENTITIES: &str = "query($r: [_Any!]!) {
    _entities(representations: $r) { __typename ... on Product { gtin upc title } } }";

fn representation(gtin: &str) -> Value {
    json!({ "__typename": "Product", "gtin": gtin })
}

/// Asserts `_entities[index]` is the product of the UPC-A `item`.
fn assert_entity_is(response: &Value, index: usize, item: &str) {
    let entity = &response["data"]["_entities"][index];
    assert_eq!(entity["__typename"], "Product", "{index}: {response}");
    assert_eq!(entity["upc"], item, "{index}: {response}");
    assert_eq!(entity["gtin"], format!("00{item}"), "{index}: {response}");
    assert_eq!(
        entity["title"],
        format!("item {item}"),
        "{index}: {response}"
    );
}

#[tokio::test]
async fn service_sdl_is_the_committed_schema_with_key_link_and_query_root() {
    // Arrange
    let upstream = TestUpstream::start().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed");

    // Act
    let response = app.query("{ _service { sdl } }").await;

    // Assert
    let sdl = response["data"]["_service"]["sdl"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(sdl, committed, "{response}");
    assert!(
        sdl.contains("type Product @key(fields: \"gtin\") {"),
        "{sdl}"
    );
    assert!(
        sdl.contains("extend schema @link(\n\turl: \"https://specs.apollo.dev/federation/v2."),
        "{sdl}"
    );
    assert!(sdl.contains("schema {\n\tquery: Query\n}"), "{sdl}");
    assert!(
        !sdl.contains("_entities"),
        "federation fields stay out: {sdl}"
    );
    assert_eq!(upstream.call_count(), 0);
}

#[tokio::test]
async fn an_aliased_service_sdl_is_the_committed_schema_too() {
    let upstream = TestUpstream::start().await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app.query("{ s: _service { text: sdl } }").await;

    let sdl = response["data"]["s"]["text"].as_str().unwrap_or_default();
    assert_eq!(sdl, catalog_gateway::graphql::sdl(), "{response}");
}

#[tokio::test]
async fn thirty_representations_in_mixed_spellings_make_one_upstream_call() {
    // Arrange
    let (upstream, items) = upstream_with_items(30).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let representations: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, item)| representation(&spellings(item)[i % 6]))
        .collect();

    // Act
    let response = app
        .query_with(ENTITIES, json!({ "r": representations }))
        .await;

    // Assert
    assert!(response.get("errors").is_none(), "{response}");
    for (i, item) in items.iter().enumerate() {
        assert_entity_is(&response, i, item);
    }
    let calls = upstream.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].keys.len(), 30);
}

#[tokio::test]
async fn representations_split_into_ceil_n_over_max_batch_calls() {
    let (upstream, items) = upstream_with_items(30).await;
    let app = TestApp::spawn_with(Some(&upstream.url()), |s| {
        s.upstream.client.max_batch = NonZeroUsize::new(7).unwrap();
    })
    .await;
    let representations: Vec<Value> = items.iter().map(|item| representation(item)).collect();

    let response = app
        .query_with(ENTITIES, json!({ "r": representations }))
        .await;

    assert!(response.get("errors").is_none(), "{response}");
    for (i, item) in items.iter().enumerate() {
        assert_entity_is(&response, i, item);
    }
    assert_eq!(upstream.call_count(), 5, "ceil(30 / 7) calls");
}

#[tokio::test]
async fn upc_e_ean_13_and_gtin_14_spellings_of_one_item_resolve_to_it() {
    // Arrange: 04252614 is the zero-suppressed UPC-E of the UPC-A 042100005264.
    let upstream = TestUpstream::start().await;
    upstream.insert_product("042100005264", "item 042100005264");
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let spelled = [
        "04252614",
        "042100005264",
        "0042100005264",
        "00042100005264",
    ];

    // Act
    let response = app
        .query_with(
            ENTITIES,
            json!({ "r": spelled.iter().map(|gtin| representation(gtin)).collect::<Vec<_>>() }),
        )
        .await;

    // Assert
    assert!(response.get("errors").is_none(), "{response}");
    for i in 0..spelled.len() {
        assert_entity_is(&response, i, "042100005264");
    }
    let calls = upstream.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].keys.len(), 1, "one item, asked once");
}

#[tokio::test]
async fn an_invalid_gtin_is_a_null_entity_with_invalid_gtin_at_its_index_and_the_others_resolve() {
    // Arrange
    let (upstream, items) = upstream_with_items(2).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let representations = json!([
        representation(&items[0]),
        representation("036000291453"), // wrong check digit
        representation(&items[1]),
        representation("not a code"),
    ]);

    // Act
    let response = app
        .query_with(ENTITIES, json!({ "r": representations }))
        .await;

    // Assert
    assert_entity_is(&response, 0, &items[0]);
    assert_entity_is(&response, 2, &items[1]);
    assert_eq!(response["data"]["_entities"][1], Value::Null, "{response}");
    assert_eq!(response["data"]["_entities"][3], Value::Null, "{response}");
    let mut codes = error_codes(&response);
    codes.sort_by_key(|(_, path)| path.to_string());
    assert_eq!(
        codes,
        vec![
            ("INVALID_GTIN".to_owned(), json!(["_entities", 1])),
            ("INVALID_GTIN".to_owned(), json!(["_entities", 3])),
        ],
        "{response}"
    );
    let errors = response["errors"].as_array().cloned().unwrap_or_default();
    let by_path = |index: usize| {
        errors
            .iter()
            .find(|error| error["path"] == json!(["_entities", index]))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(by_path(1)["extensions"]["reason"], "INVALID_CHECK_DIGIT");
    assert_eq!(by_path(1)["extensions"]["input"], "036000291453");
    assert_eq!(by_path(3)["extensions"]["input"], "not a code");
    assert_eq!(upstream.call_count(), 1);
}

#[tokio::test]
async fn equal_invalid_representations_each_get_one_error_at_their_own_index() {
    let (upstream, items) = upstream_with_items(1).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query_with(
            ENTITIES,
            json!({ "r": [representation("12345"), representation(&items[0]), representation("12345")] }),
        )
        .await;

    assert_entity_is(&response, 1, &items[0]);
    let mut paths: Vec<String> = error_codes(&response)
        .into_iter()
        .map(|(code, path)| format!("{code} {path}"))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "INVALID_GTIN [\"_entities\",0]",
            "INVALID_GTIN [\"_entities\",2]"
        ],
        "{response}"
    );
}

#[tokio::test]
async fn a_product_the_catalog_lacks_is_a_null_entity_without_an_error() {
    let (upstream, items) = upstream_with_items(1).await;
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;

    let response = app
        .query_with(
            ENTITIES,
            json!({ "r": [representation(&upc_a(999)), representation(&items[0])] }),
        )
        .await;

    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(response["data"]["_entities"][0], Value::Null, "{response}");
    assert_entity_is(&response, 1, &items[0]);
}

#[tokio::test]
async fn a_failing_upstream_gives_each_representation_its_own_upstream_error() {
    let (upstream, items) = upstream_with_items(2).await;
    upstream.fail_always(Some(Failure::Status(500)));
    let app = TestApp::spawn_with(Some(&upstream.url()), |s| {
        s.upstream.client.retry.max_retries = 0;
        s.cache.enabled = false;
    })
    .await;

    let response = app
        .query_with(
            ENTITIES,
            json!({ "r": [representation(&items[0]), representation(&items[1])] }),
        )
        .await;

    assert_eq!(
        response["data"]["_entities"],
        json!([null, null]),
        "{response}"
    );
    let mut codes = error_codes(&response);
    codes.sort_by_key(|(_, path)| path.to_string());
    assert_eq!(codes.len(), 2, "{response}");
    assert_eq!(codes[0].1, json!(["_entities", 0]));
    assert_eq!(codes[1].1, json!(["_entities", 1]));
    assert!(
        codes.iter().all(|(code, _)| code.starts_with("UPSTREAM_")),
        "{response}"
    );
}

#[tokio::test]
async fn representations_over_the_gtin_budget_are_too_many_gtins() {
    let (_upstream, items) = upstream_with_items(3).await;
    let app = TestApp::spawn_with(Some(&_upstream.url()), |s| {
        s.graphql.max_gtins_per_query = 2
    })
    .await;
    let representations: Vec<Value> = items.iter().map(|item| representation(item)).collect();

    let response = app
        .query_with(ENTITIES, json!({ "r": representations }))
        .await;

    let codes = error_codes(&response);
    assert!(
        codes.iter().any(|(code, _)| code == "TOO_MANY_GTINS"),
        "{response}"
    );
}

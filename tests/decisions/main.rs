//! Evidence for `docs/decisions.md`: why the gateway has its own loader instead of
//! async-graphql's `DataLoader`, and its own GraphQL-over-HTTP handler instead of
//! `async-graphql-axum`. Each test runs the usual dependency (or the reader it is
//! built on) next to the gateway's part on the same input and asserts the
//! difference, so the day the dependency behaves like ours these tests fail and
//! the decision is due for review (switch, and delete the own part).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use catalog_gateway::cache::{CacheSettings, ProductCache};
use catalog_gateway::catalog::{Catalog, InMemoryCatalog};
use catalog_gateway::gtin::Gtin;
use catalog_gateway::loader::{LoaderSettings, ProductLoader};

/// A source that takes `latency` per call, finds no key and fails `bad`: one
/// in-memory catalog (which records the batches it is asked for) behind both sides.
#[derive(Clone)]
struct Source(Arc<InMemoryCatalog>);

impl Source {
    fn new(latency: Duration, bad: Option<Gtin>) -> Source {
        let catalog = InMemoryCatalog::new([]).latency(latency);
        Source(Arc::new(match bad {
            Some(bad) => catalog.failing(bad, "one key failed"),
            None => catalog,
        }))
    }

    /// The batch sizes the source was asked for, smallest first.
    fn sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.0.batches().iter().map(Vec::len).collect();
        sizes.sort_unstable();
        sizes
    }
}

/// async-graphql's `DataLoader` side: one `Result` for the whole batch.
impl Loader<Gtin> for Source {
    type Value = String;
    type Error = Arc<str>;

    async fn load(&self, keys: &[Gtin]) -> Result<HashMap<Gtin, String>, Arc<str>> {
        if self.0.fetch(keys).await.iter().any(Result::is_err) {
            return Err(Arc::from("one key failed"));
        }
        Ok(keys.iter().map(|key| (*key, key.to_string())).collect())
    }
}

fn gtins(n: usize) -> Vec<Gtin> {
    (0..n)
        .map(|i| Gtin::with_check_digit(&format!("952{i:09}")).unwrap())
        .collect()
}

fn product_loader(source: &Source, max_batch: usize) -> ProductLoader {
    ProductLoader::new(
        source.0.clone(),
        ProductCache::new(CacheSettings {
            enabled: false,
            ..CacheSettings::default()
        }),
        LoaderSettings {
            window: Duration::from_millis(1),
            max_batch: NonZeroUsize::new(max_batch).unwrap(),
        },
    )
}

fn data_loader(source: &Source, max_batch: usize) -> DataLoader<Source> {
    DataLoader::new(source.clone(), tokio::spawn)
        .max_batch_size(max_batch)
        .delay(Duration::from_millis(1))
}

/// The upstream takes at most 100 keys per call (docs/upstream-contract.md). `DataLoader`'s
/// `max_batch_size` only flushes early: a request for 250 keys goes out as one
/// call of 250, which such an upstream refuses.
#[tokio::test]
async fn dataloader_does_not_split_a_large_request_to_the_upstreams_batch_limit() {
    let keys = gtins(250);

    let theirs = Source::new(Duration::ZERO, None);
    data_loader(&theirs, 100)
        .load_many(keys.clone())
        .await
        .unwrap();
    let ours = Source::new(Duration::ZERO, None);
    product_loader(&ours, 100).load_many(&keys, None).await;

    assert_eq!(theirs.sizes(), vec![250]);
    assert_eq!(ours.sizes(), vec![50, 100, 100]);
}

/// A key asked for while a call for it is in flight: `DataLoader` (its cache holds
/// only finished answers) calls the upstream again; ours joins the call in flight
/// (single-flight), which is what keeps a thundering herd at one call.
#[tokio::test]
async fn dataloader_calls_again_for_a_key_already_in_flight() {
    let key = gtins(1)[0];
    let latency = Duration::from_millis(100);

    let theirs = Source::new(latency, None);
    let loader = Arc::new(data_loader(&theirs, 100));
    let first = tokio::spawn({
        let loader = Arc::clone(&loader);
        async move { loader.load_one(key).await }
    });
    tokio::time::sleep(latency / 4).await;
    loader.load_one(key).await.unwrap();
    first.await.unwrap().unwrap();

    let ours = Source::new(latency, None);
    let loader = product_loader(&ours, 100);
    let first = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load_one(key, None).await }
    });
    tokio::time::sleep(latency / 4).await;
    let _ = loader.load_one(key, None).await;
    let _ = first.await.unwrap();

    assert_eq!(theirs.sizes(), vec![1, 1]);
    assert_eq!(ours.sizes(), vec![1]);
}

/// One bad key in a shared batch: `DataLoader`'s loader answers one `Result` for
/// the batch, so every request in that window fails; ours answers per key, so the
/// neighbour's product still loads ("one bad item never fails its neighbours").
#[tokio::test]
async fn dataloader_fails_every_key_of_a_batch_for_one_failed_key() {
    let [good, bad] = gtins(2)[..] else {
        unreachable!()
    };

    let theirs = Source::new(Duration::ZERO, Some(bad));
    let loader = data_loader(&theirs, 100);
    let (good_theirs, _) = tokio::join!(loader.load_one(good), loader.load_one(bad));
    let ours = Source::new(Duration::ZERO, Some(bad));
    let loader = product_loader(&ours, 100);
    let (good_ours, bad_ours) =
        tokio::join!(loader.load_one(good, None), loader.load_one(bad, None));

    assert_eq!(theirs.sizes(), vec![2], "one shared batch");
    assert!(good_theirs.is_err(), "the good key fails with the bad one");
    assert_eq!(ours.sizes(), vec![2], "one shared batch");
    assert!(good_ours.is_ok() && bad_ours.is_err());
}

/// `async-graphql-axum` reads GET requests with `async_graphql::http::
/// parse_query_string`, which reads `operation_name`; the GraphQL-over-HTTP spec
/// (and every client) sends `operationName`, so a GET for one operation of a
/// multi-operation document cannot say which one.
#[test]
fn async_graphqls_get_reader_loses_the_spec_operation_name() {
    let query_string =
        "query=query%20A%20%7B%20a%20%7D%20query%20B%20%7B%20b%20%7D&operationName=B";

    let request = async_graphql::http::parse_query_string(query_string).unwrap();

    assert_eq!(request.operation_name, None);
}

/// `async-graphql-axum` reads POST bodies with `receive_batch_body`, which parses
/// any non-multipart content type as JSON: a `text/plain` body (a CORS "simple
/// request", which a browser sends cross-origin without a preflight) is executed.
/// The spec says 415; the gateway answers 415 (`tests/api/graphql_over_http.rs`).
#[tokio::test]
async fn async_graphqls_body_reader_runs_a_text_plain_body() {
    let body: &[u8] = br#"{"query":"{ __typename }"}"#;

    let read = async_graphql::http::receive_batch_body(
        Some("text/plain"),
        body,
        async_graphql::http::MultipartOptions::default(),
    )
    .await;

    assert!(
        read.is_ok(),
        "a text/plain body is read as a GraphQL request"
    );
}

/// async-graphql parses with a pest grammar (`graphql.pest`), whose failures read
/// as pest's (`expected …` under a caret) and which departs from the spec where
/// the gateway's reader (`graphql_syntax`) follows it: `[trueX]` is `true` then the
/// enum `X`. When a release replaces pest, this fails: measure the new parser
/// (`cargo bench --bench graphql_exec -- parse_20`) and, if it is as fast, delete
/// `graphql_syntax`.
#[test]
fn async_graphqls_parser_is_still_the_pest_grammar() {
    let error = async_graphql::parser::parse_query("{ a(x: ) }")
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("^---") && error.contains("= expected"),
        "a pest error: {error}"
    );

    let document = async_graphql::parser::parse_query("{ a(x: [trueX]) }").expect("it parses");
    let field = document
        .operations
        .iter()
        .next()
        .and_then(|(_, operation)| operation.node.selection_set.node.items.first().cloned())
        .map(|selection| format!("{:?}", selection.node))
        .unwrap_or_default();
    assert!(
        field.contains("List([Boolean(true), Enum(Name(\"X\"))])"),
        "[trueX] read as [true, X]: {field}"
    );
}

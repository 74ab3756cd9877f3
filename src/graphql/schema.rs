//! Building the schema from its parts, and its SDL: the committed public contract
//! (`schema.graphql` at the repository root, checked by a test).
//!
//! The schema is an Apollo Federation v2 subgraph (`Product @key(fields: "gtin")`),
//! and its SDL is the federation SDL, the same text `_service { sdl }` answers: one
//! contract for clients and for the router's composition.

use std::any::TypeId;
use std::sync::Arc;
#[cfg(test)]
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    BatchRequest, BatchResponse, EmptyMutation, EmptySubscription, OutputType, Response,
    SDLExportOptions, Schema, SchemaBuilder, Variables,
};
use tokio::time::Instant;

use super::document_cache::{DocumentCache, KnownParse};
use super::federation::{ServiceSdl, subgraph_sdl};
use super::limits::{ShapeLimits, within_limits};
use super::persisted_queries::PersistedQueries;
use super::plan::{Planned, RunWith, run};
use super::query::QueryRoot;
use super::request_scope::RequestScope;
use super::settings::GraphqlSettings;
use crate::loader::{AnswerFreshness, ProductLoader};

/// async-graphql's schema type over the gateway's query root.
type Executable = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// The gateway's executable schema: one schema built twice, with and without
/// async-graphql extensions, and the document cache they share. Cheap to clone.
///
/// Why twice: as soon as a schema has any extension, async-graphql runs every field
/// of every response (and every element of every list) through the extension chain,
/// a boxed future per extension per field, even when no extension hooks field
/// resolution. Ours hook only the request's parse and validation, and `_service`.
/// So a request takes the lean schema when nothing it needs is an extension's:
/// no `extensions.persistedQuery`, no `_service` in its text, a document that
/// parses (or is cached) and passes the shape limits. The lean schema validates and
/// executes exactly as the full one does; a request it refuses before execution
/// (a validation error, say) is run again on the full schema, which answers it
/// with the same codes as always. No resolver runs on a refused request, so the
/// second run is the only one that has any effect. See [`GatewaySchema::execute`].
#[derive(Clone)]
pub struct GatewaySchema {
    /// Every extension: the general path.
    full: Executable,
    /// No extension: async-graphql's per-field fast path.
    lean: Executable,
    /// The parsed-document cache (`None` when `--document-cache-size` is 0), also
    /// the full schema's extension, with the compiled plans of the common requests.
    documents: Option<DocumentCache>,
    /// What a plan runs with: the schema's own loader and settings.
    loader: ProductLoader,
    settings: GraphqlSettings,
    /// Requests answered by the lean schema (what the tests check routing by).
    #[cfg(test)]
    lean_runs: Arc<AtomicUsize>,
}

impl GatewaySchema {
    /// Executes one request.
    pub async fn execute(&self, request: impl Into<async_graphql::Request>) -> Response {
        let mut request = request.into();
        if !may_take_lean_path(&request) {
            return self.full.execute(request).await;
        }
        let Some((document, to_store)) = self.lean_document(&request.query) else {
            return self.full.execute(request).await;
        };
        // What a second run on the full schema needs, should the lean one refuse.
        let retry = Retry::of(&request);
        request.set_parsed_query(document);
        let response = self.lean.execute(request).await;
        if is_refused(&response) {
            return self.full.execute(retry.into_request()).await;
        }
        if let (Some(documents), Some(document)) = (&self.documents, to_store) {
            documents.store(&retry.query, document);
        }
        #[cfg(test)]
        self.lean_runs.fetch_add(1, Ordering::Relaxed);
        response
    }

    /// Answers `request` from its document's compiled plan, byte for byte what
    /// [`GatewaySchema::execute`] would answer; `None` (nothing done) when the
    /// document has no plan or the plan cannot answer this request exactly so.
    pub async fn execute_planned(
        &self,
        request: &async_graphql::Request,
        deadline: Option<Instant>,
        freshness: Option<&AnswerFreshness>,
    ) -> Option<Planned> {
        self.execute_planned_with(request, deadline, freshness, None)
            .await
    }

    /// [`GatewaySchema::execute_planned`], given a parse of the request's text made
    /// already (used only when it is of that very text).
    pub(crate) async fn execute_planned_with(
        &self,
        request: &async_graphql::Request,
        deadline: Option<Instant>,
        freshness: Option<&AnswerFreshness>,
        parsed: Option<&KnownParse>,
    ) -> Option<Planned> {
        if !may_take_lean_path(request) {
            return None;
        }
        let plan = self.documents.as_ref()?.plan_with(&request.query, parsed)?;
        let with = RunWith {
            loader: &self.loader,
            settings: &self.settings,
            deadline,
            freshness,
        };
        run(
            &plan,
            request.operation_name.as_deref(),
            &request.variables,
            with,
        )
        .await
    }

    /// Executes a request or a batch of them (each on its own, concurrently), under
    /// the loader's [`ProductLoader::gathering`]: the keys its fields register in one
    /// poll are never split over two upstream batches.
    pub async fn execute_batch(&self, batch: BatchRequest) -> BatchResponse {
        let execution = async {
            match batch {
                BatchRequest::Single(request) => BatchResponse::Single(self.execute(request).await),
                BatchRequest::Batch(requests) => BatchResponse::Batch(
                    futures::future::join_all(requests.into_iter().map(|r| self.execute(r))).await,
                ),
            }
        };
        self.loader.gathering(execution).await
    }

    /// The parsed document of `query` when it parses and passes the shape limits,
    /// from the document cache when there is one, with a copy to cache once the
    /// request has run when it was parsed here; `None` sends the request to the
    /// full schema, which reports why.
    fn lean_document(
        &self,
        query: &str,
    ) -> Option<(ExecutableDocument, Option<ExecutableDocument>)> {
        let (document, to_store) = match &self.documents {
            Some(documents) => match documents.cached(query) {
                Some(document) => (document, None),
                None => {
                    let document = documents.parse(query)?;
                    let copy = document.clone();
                    (document, Some(copy))
                }
            },
            None => (crate::graphql_syntax::parse_query(query).ok()?, None),
        };
        within_limits(&document, &self.settings.limits).then_some((document, to_store))
    }
}

/// Whether no extension has anything to do for `request` beyond parsing and the
/// shape limits: no persisted-query protocol, no federation `_service`.
fn may_take_lean_path(request: &async_graphql::Request) -> bool {
    request.extensions.is_empty()
        && !request.query.is_empty()
        && !request.query.contains("_service")
}

/// The parts of a request needed to run it again (its text, operation name,
/// variables and deadline; it has no extensions, or it would not be on the lean
/// path).
struct Retry {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    deadline: Option<Instant>,
    /// Where the loader notes the answers' freshness (the response cache reads it).
    freshness: Option<Arc<AnswerFreshness>>,
}

impl Retry {
    fn of(request: &async_graphql::Request) -> Retry {
        let scope = request
            .data
            .get(&TypeId::of::<RequestScope>())
            .and_then(|scope| scope.downcast_ref::<RequestScope>());
        Retry {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
            deadline: scope.and_then(RequestScope::deadline),
            freshness: scope.and_then(RequestScope::freshness_handle),
        }
    }

    fn into_request(self) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query).variables(self.variables);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        match self.freshness {
            Some(freshness) => RequestScope::attach_noting(request, self.deadline, freshness),
            None => RequestScope::attach(request, self.deadline),
        }
    }
}

/// A request refused before execution: no data, and no error has a path (a field
/// error always has one).
fn is_refused(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// Builds the schema over a loader.
pub fn build_schema(loader: ProductLoader, settings: GraphqlSettings) -> GatewaySchema {
    let documents = match settings.document_cache_size {
        0 => None,
        capacity => Some(DocumentCache::with_plans(
            capacity,
            settings.document_cache_max_bytes,
            settings.compiled_plans.then_some(settings.limits),
        )),
    };
    let full = builder(&loader, settings)
        // Extensions run outermost first: the shape limits must see every document,
        // including one the document cache (registered last) answers without a parse.
        .extension(ShapeLimits(settings.limits))
        .extension(PersistedQueries::new(
            settings.apq_cache_size.get(),
            settings.apq_cache_max_bytes,
        ))
        .extension(ServiceSdl(Arc::from(sdl())));
    let full = match &documents {
        Some(documents) => full.extension(documents.clone()),
        None => full,
    };
    GatewaySchema {
        full: full.finish(),
        lean: builder(&loader, settings).finish(),
        documents,
        loader,
        settings,
        #[cfg(test)]
        lean_runs: Arc::default(),
    }
}

/// The schema with its data and limits, before any extension: what the full and
/// the lean schema have in common.
fn builder(
    loader: &ProductLoader,
    settings: GraphqlSettings,
) -> SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    let builder = Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .enable_federation()
        .data(loader.clone())
        .data(settings);
    // Depth and complexity are checked by `ShapeLimits` (and `within_limits` on the
    // lean path), which leave introspection to its own bounds (async-graphql's
    // limits refused every tool's introspection).
    if settings.limits.introspection {
        builder
    } else {
        // `ShapeLimits` refuses it first with INTROSPECTION_DISABLED; this keeps it
        // off even for a document that reached execution some other way.
        builder.disable_introspection()
    }
}

/// The schema's SDL, as committed in `schema.graphql`: the federation subgraph SDL
/// (`@link` to federation v2, `@key` on `Product`), equal to `_service { sdl }`.
pub fn sdl() -> String {
    let schema = Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish();
    // The options async-graphql itself exports `_service { sdl }` with.
    subgraph_sdl(
        &schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive()),
        &<QueryRoot as OutputType>::type_name(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::num::NonZeroU64;

    use serde_json::{Value, json};

    use super::*;
    use crate::catalog::{Availability, InMemoryCatalog, Product};
    use crate::graphql::QueryLimits;
    use crate::gtin::parse;

    /// A key the catalog fails, like a broken upstream.
    const FAILING: &str = "4012345000122";

    fn schema(document_cache_size: u64) -> GatewaySchema {
        let product = |code: &str, title: &str| Product {
            categories: vec!["Food".to_owned().into()],
            availability: Availability::InStock,
            ..Product::bare(parse(code).unwrap(), title)
        };
        // Two products in memory; a third key fails.
        let catalog = InMemoryCatalog::new([
            product("036000291452", "Tissue"),
            product("96385074", "Mints"),
        ])
        .failing(parse(FAILING).unwrap(), "down");
        let loader = ProductLoader::immediate(catalog);
        build_schema(
            loader,
            GraphqlSettings {
                max_gtins_per_query: 10,
                rcn_region: None,
                limits: QueryLimits {
                    max_depth: 4,
                    max_complexity: 50,
                    max_aliases: 3,
                    max_root_fields: 5,
                    introspection: true,
                },
                apq_cache_size: NonZeroU64::MIN,
                apq_cache_max_bytes: 1 << 20,
                document_cache_size,
                document_cache_max_bytes: 1 << 20,
                compiled_plans: true,
            },
        )
    }

    /// (query, variables, operation name) of requests of every kind: answered,
    /// partly failed, refused by validation, by a shape limit, by the parser, and
    /// federation.
    fn requests() -> Vec<(&'static str, Value, Option<&'static str>)> {
        vec![
            (
                r#"{ product(gtin: "036000291452") { gtin title availability } }"#,
                json!({}),
                None,
            ),
            (
                r#"{ products(gtins: ["96385074", "x", "036000291452", "4012345000122"]) { gtin title } }"#,
                json!({}),
                None,
            ),
            (
                "query P($g: String!) { product(gtin: $g) { title categories } }",
                json!({ "g": "96385074" }),
                None,
            ),
            (
                "query P($g: String!) { product(gtin: $g) { title } }",
                json!({ "g": 5 }),
                None,
            ),
            (
                "query P($g: String!) { product(gtin: $g) { title } }",
                json!({}),
                None,
            ),
            (
                "query A { product(gtin: \"96385074\") { title } } query B { gtin(code: \"96385074\") { valid } }",
                json!({}),
                Some("B"),
            ),
            (
                "query A { product(gtin: \"96385074\") { title } } query B { gtin(code: \"1\") { valid } }",
                json!({}),
                None,
            ),
            (
                "query A { product(gtin: \"96385074\") { title } }",
                json!({}),
                Some("C"),
            ),
            (r#"{ product(gtin: "96385074") { nope } }"#, json!({}), None),
            (
                r#"{ a: product(gtin: "1") { title } b: product(gtin: "2") { title } c: product(gtin: "3") { title } d: product(gtin: "4") { title } }"#,
                json!({}),
                None,
            ),
            (r#"{ product(gtin: "96385074") { title "#, json!({}), None),
            (
                r#"{ lookups(codes: ["96385074", "]E0036000291452", "nope"]) { status product { title } } }"#,
                json!({}),
                None,
            ),
            (
                r#"{ products(gtins: ["1","2","3","4","5","6","7","8","9","10","11"]) { title } }"#,
                json!({}),
                None,
            ),
            (
                r#"{ _entities(representations: [{ __typename: "Product", gtin: "96385074" }, { __typename: "Product", gtin: "bad" }]) { ... on Product { title } } }"#,
                json!({}),
                None,
            ),
            ("{ _service { sdl } }", json!({}), None),
            (
                "{ product(gtin: \"96385074\") { title @include(if: false) gtin } }",
                json!({}),
                None,
            ),
            ("{ __typename }", json!({}), None),
            (
                r#"{ __type(name: "Product") { name fields { name type { name ofType { name } } } } }"#,
                json!({}),
                None,
            ),
            (
                "{ __schema { queryType { name } types { name } } }",
                json!({}),
                None,
            ),
            (
                r#"{ lookups(codes: ["96385074"]) { product { price { amount currency } } } }"#,
                json!({}),
                None,
            ),
        ]
    }

    fn request(query: &str, variables: &Value, name: Option<&str>) -> async_graphql::Request {
        let mut request =
            async_graphql::Request::new(query).variables(Variables::from_json(variables.clone()));
        if let Some(name) = name {
            request = request.operation_name(name);
        }
        RequestScope::attach(request, None)
    }

    #[tokio::test]
    async fn the_lean_path_answers_byte_for_byte_what_the_full_schema_answers() {
        for cache in [100, 0] {
            let schema = schema(cache);
            // Twice: the second run of a text meets a cached document.
            for _ in 0..2 {
                for (query, variables, name) in requests() {
                    let full = schema.full.execute(request(query, &variables, name)).await;
                    let routed = schema.execute(request(query, &variables, name)).await;
                    assert_eq!(
                        serde_json::to_string(&routed).unwrap(),
                        serde_json::to_string(&full).unwrap(),
                        "{query} (document cache {cache})"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn only_requests_no_extension_needs_take_the_lean_path() {
        let schema = schema(100);
        let lean = |schema: &GatewaySchema| schema.lean_runs.load(Ordering::Relaxed);

        schema
            .execute(request(
                r#"{ product(gtin: "96385074") { title } }"#,
                &json!({}),
                None,
            ))
            .await;
        assert_eq!(lean(&schema), 1, "a plain query");

        // Refused by validation: answered by the full schema (labelled errors).
        let refused = schema
            .execute(request(
                r#"{ product(gtin: "96385074") { nope } }"#,
                &json!({}),
                None,
            ))
            .await;
        assert_eq!(lean(&schema), 1);
        let code = refused.errors[0]
            .extensions
            .as_ref()
            .unwrap()
            .get("code")
            .cloned();
        assert_eq!(
            code,
            Some(async_graphql::Value::from("GRAPHQL_VALIDATION_FAILED"))
        );

        schema
            .execute(request("{ _service { sdl } }", &json!({}), None))
            .await;
        let mut persisted = request(
            r#"{ product(gtin: "96385074") { title } }"#,
            &json!({}),
            None,
        );
        persisted.extensions.insert(
            "persistedQuery".to_owned(),
            async_graphql::Value::from_json(json!({ "version": 1, "sha256Hash": "00" })).unwrap(),
        );
        schema.execute(persisted).await;
        assert_eq!(lean(&schema), 1, "federation SDL and persisted queries");
    }
}

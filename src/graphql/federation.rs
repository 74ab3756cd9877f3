//! Apollo Federation v2 glue around async-graphql's own support (which adds
//! `_service`, `_entities`, `_Any`, `_Entity` and `@key` from the
//! `#[graphql(entity)]` resolver of the query root). Two things are fixed here.
//!
//! **The subgraph SDL names its query root.** async-graphql's federation SDL drops
//! the `schema { query: Query }` block; a composer finds the root by that name anyway,
//! but the block keeps `_service { sdl }` equal to `schema.graphql`. [`subgraph_sdl`] puts the block back, and [`ServiceSdl`]
//! makes `_service { sdl }` answer that same text (= `schema.graphql`).
//!
//! **One bad representation never fails its neighbours.** async-graphql resolves `_entities` by calling the `#[graphql(entity)]` resolver
//! of the query root once per representation, all concurrently (so their lookups join
//! one loader window), but it joins them with `try_join_all`: one resolver error
//! would fail the whole list, and `_entities` being non-null, the whole response.
//! Our design says one bad item never fails its neighbours, so the entity resolver
//! never fails for an item: it answers null and reports the error here, at the path
//! `["_entities", index]` of the representation it was given.
//!
//! The resolver is handed only the key (`gtin`), not its index, so the index is
//! found by matching the representations against that key. Equal representations
//! each get their own index through [`RequestScope::claim_entity`].

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::parser::types::{Selection, SelectionSet};
use async_graphql::{
    Context, Error, Name, PathSegment, QueryPathSegment, ServerError, ServerResult, Value,
};

use super::request_scope::RequestScope;

/// The `__typename` of the one entity type.
const PRODUCT: &str = "Product";

/// async-graphql's federation SDL with the schema definition it leaves out, naming
/// `query_root` as the query type.
pub(crate) fn subgraph_sdl(exported: &str, query_root: &str) -> String {
    format!("{exported}schema {{\n\tquery: {query_root}\n}}\n")
}

/// The extension that makes `_service { sdl }` answer [`subgraph_sdl`].
pub(crate) struct ServiceSdl(pub(crate) Arc<str>);

impl ExtensionFactory for ServiceSdl {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ServiceSdlExtension(Arc::clone(&self.0)))
    }
}

struct ServiceSdlExtension(Arc<str>);

#[async_trait::async_trait]
impl Extension for ServiceSdlExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.name != "_service" || info.path_node.parent.is_some() {
            return next.run(ctx, info).await;
        }
        let mut keys = Vec::new();
        sdl_response_keys(&info.field.selection_set.node, &mut keys);
        let mut value = next.run(ctx, info).await?;
        if let Some(Value::Object(fields)) = &mut value {
            for key in keys {
                if let Some(sdl) = fields.get_mut(&key) {
                    *sdl = Value::String(self.0.to_string());
                }
            }
        }
        Ok(value)
    }
}

/// The response keys (aliases included) the `sdl` field of `_Service` is asked under.
fn sdl_response_keys(set: &SelectionSet, keys: &mut Vec<Name>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) if field.node.name.node == "sdl" => {
                keys.push(field.node.response_key().node.clone());
            }
            Selection::InlineFragment(fragment) => {
                sdl_response_keys(&fragment.node.selection_set.node, keys);
            }
            _ => {}
        }
    }
}

/// Reports `error` for the `Product` representation whose key is `gtin`, as an
/// error of the response at that representation's index.
pub(crate) fn report(ctx: &Context<'_>, gtin: &str, error: Error) {
    let candidates = representation_indexes(ctx, gtin);
    let index = match ctx.data_opt::<RequestScope>() {
        Some(scope) => scope.claim_entity(&candidates),
        None => candidates.first().copied(),
    };
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error.path = field_path(ctx);
    if let Some(index) = index {
        server_error.path.push(PathSegment::Index(index));
    }
    ctx.add_error(server_error);
}

/// Indexes of the `Product` representations of this `_entities` field keyed `gtin`.
fn representation_indexes(ctx: &Context<'_>, gtin: &str) -> Vec<usize> {
    let Ok(arguments) = ctx.field().arguments() else {
        return Vec::new();
    };
    let Some(Value::List(representations)) = arguments
        .into_iter()
        .find(|(name, _)| name.as_str() == "representations")
        .map(|(_, value)| value)
    else {
        return Vec::new();
    };
    representations
        .iter()
        .enumerate()
        .filter(|(_, representation)| is_product_keyed(representation, gtin))
        .map(|(index, _)| index)
        .collect()
}

fn is_product_keyed(representation: &Value, gtin: &str) -> bool {
    let Value::Object(fields) = representation else {
        return false;
    };
    matches!(fields.get("__typename"), Some(Value::String(name)) if name == PRODUCT)
        && matches!(fields.get("gtin"), Some(Value::String(key)) if key == gtin)
}

/// The response path of the field being resolved (`["_entities"]`, or its alias).
fn field_path(ctx: &Context<'_>) -> Vec<PathSegment> {
    let Some(node) = ctx.path_node else {
        return Vec::new();
    };
    let mut path: Vec<PathSegment> = std::iter::once(&node)
        .chain(node.parents())
        .map(|node| match node.segment {
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            QueryPathSegment::Index(index) => PathSegment::Index(index),
        })
        .collect();
    path.reverse();
    path
}

//! The query root: thin resolvers that parse codes at the edge and hand proven
//! `Gtin`s to the loader. Bad input is answered here, without any upstream call.

use async_graphql::{Context, Object, Result};

use super::budget::GtinBudget;
use super::errors;
use super::federation;
use super::gtin_info::GtinInfo;
use super::lookup::{Basket, Lookup};
use super::lookup_key;
use super::product::ProductView;
use super::request_scope::RequestScope;
use super::settings::GraphqlSettings;
use crate::gtin::Gtin;
use crate::loader::{AnswerFreshness, Loaded, ProductLoader};

/// The root of every query, named `Query` in the schema as the GraphQL spec's
/// examples, Apollo's tooling and generated clients expect (async-graphql would
/// take the struct's name).
pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// One product by any spelling of its barcode number (UPC-A, EAN-13, EAN-8,
    /// GTIN-14, UPC-E, ISBN, scanner payloads). Null when the catalog has no such
    /// item; an INVALID_GTIN error (with `reason` and `hint`) for a bad code.
    async fn product(&self, ctx: &Context<'_>, gtin: String) -> Result<Option<ProductView>> {
        check_list_length(ctx, 1)?;
        let key = lookup_key(ctx, &gtin)?;
        let loaded = loader(ctx)?
            .load_one_noting(key, deadline(ctx), freshness(ctx))
            .await;
        into_product(loaded)
    }

    /// Many products at once, in the order asked: null where not found or failed,
    /// each failure an error whose path is `["products", index]`. One bad entry
    /// never fails its neighbours.
    async fn products(
        &self,
        ctx: &Context<'_>,
        gtins: Vec<String>,
    ) -> Result<Vec<Option<Result<ProductView>>>> {
        check_list_length(ctx, gtins.len())?;
        let keys: Vec<Result<Gtin>> = gtins.iter().map(|code| lookup_key(ctx, code)).collect();
        let valid: Vec<Gtin> = keys
            .iter()
            .filter_map(|key| key.as_ref().ok().copied())
            .collect();
        let mut loaded = loader(ctx)?
            .load_many_noting(&valid, deadline(ctx), freshness(ctx))
            .await
            .into_iter();
        Ok(keys
            .into_iter()
            .map(|key| match key {
                Err(error) => Some(Err(error)),
                Ok(_) => match loaded.next() {
                    Some(answer) => into_product(answer).transpose(),
                    None => Some(Err(errors::upstream(&errors::lost()))),
                },
            })
            .collect())
    }

    /// A point-of-sale basket: one line per code, in order, each with its own status,
    /// GTIN facts (decoded variable measure included), product and error. Never
    /// fails as a whole, except for a basket over the size limit.
    async fn lookups(&self, ctx: &Context<'_>, codes: Vec<String>) -> Result<Vec<Lookup>> {
        check_list_length(ctx, codes.len())?;
        let basket = Basket::read(codes.iter().map(String::as_str), settings(ctx)?.rcn_region);
        let keys: Vec<Gtin> = basket.keys().collect();
        let loaded = loader(ctx)?
            .load_many_noting(&keys, deadline(ctx), freshness(ctx))
            .await;
        Ok(basket.answer(&mut loaded.into_iter()))
    }

    /// Everything about one code: its forms, kind, GS1 prefix, decoded variable
    /// measure, the application identifiers of a 2D code (lot, serial, dates, weight,
    /// price), or precisely why it is invalid. Never an error: it describes.
    async fn gtin(&self, ctx: &Context<'_>, code: String) -> Result<GtinInfo> {
        let region = settings(ctx)?.rcn_region;
        Ok(GtinInfo::analyze(&code, region))
    }

    /// Federation: resolves a `Product` representation `{ __typename: "Product",
    /// gtin }` for `_entities`. Any spelling of the GTIN resolves; the representations
    /// of one `_entities` are resolved concurrently, so they join one loader batch.
    /// A bad code or an upstream failure is a null entity with its error at
    /// `["_entities", index]`; the others still resolve. Not found is null.
    #[graphql(entity)]
    async fn find_product_by_gtin(
        &self,
        ctx: &Context<'_>,
        gtin: String,
    ) -> Result<Option<ProductView>> {
        // Every representation draws on the operation's GTIN budget: over it, the
        // whole `_entities` is TOO_MANY_GTINS, as a too-long `products` list is.
        check_list_length(ctx, 1)?;
        let key = match lookup_key(ctx, &gtin) {
            Ok(key) => key,
            Err(error) => {
                federation::report(ctx, &gtin, error);
                return Ok(None);
            }
        };
        match loader(ctx)?
            .load_one_noting(key, deadline(ctx), freshness(ctx))
            .await
        {
            Ok(found) => Ok(found.map(ProductView)),
            Err(error) => {
                federation::report(ctx, &gtin, errors::upstream(&error));
                Ok(None)
            }
        }
    }
}

/// Parses a client's code into the key its product is looked up by.
fn lookup_key(ctx: &Context<'_>, code: &str) -> Result<Gtin> {
    let region = settings(ctx)?.rcn_region;
    lookup_key::lookup_key(code, region).map_err(|error| error.into_error(code))
}

fn into_product(loaded: Loaded) -> Result<Option<ProductView>> {
    match loaded {
        Ok(found) => Ok(found.map(ProductView)),
        Err(error) => Err(errors::upstream(&error)),
    }
}

/// Counts `len` more GTINs against the request's budget (every list field and alias
/// of one operation draws on one count, see [`RequestScope`]).
fn check_list_length(ctx: &Context<'_>, len: usize) -> Result<()> {
    GtinBudget::of(settings(ctx)?).spend(ctx.data_opt::<RequestScope>(), len)
}

fn settings<'a>(ctx: &Context<'a>) -> Result<&'a GraphqlSettings> {
    ctx.data::<GraphqlSettings>()
}

fn deadline(ctx: &Context<'_>) -> Option<tokio::time::Instant> {
    ctx.data_opt::<RequestScope>()
        .and_then(RequestScope::deadline)
}

/// Where the loader notes how fresh the answers are (for the response cache).
fn freshness<'a>(ctx: &Context<'a>) -> Option<&'a AnswerFreshness> {
    ctx.data_opt::<RequestScope>()
        .and_then(RequestScope::freshness)
}

fn loader<'a>(ctx: &Context<'a>) -> Result<&'a ProductLoader> {
    ctx.data::<ProductLoader>()
}

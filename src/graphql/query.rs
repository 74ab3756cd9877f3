//! The query root: thin resolvers that parse codes at the edge and hand proven
//! `Gtin`s to the loader. Bad input is answered here, without any upstream call.

use async_graphql::{Context, Object, Result};

use super::errors;
use super::federation;
use super::gtin_info::GtinInfo;
use super::lookup::Lookup;
use super::product::ProductView;
use super::request_scope::RequestScope;
use super::settings::GraphqlSettings;
use crate::gtin::{self, Gtin, ParseError, Reason, Scan};
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
                    None => Some(Err(errors::upstream(&lost()))),
                },
            })
            .collect())
    }

    /// A point-of-sale basket: one line per code, in order, each with its own status,
    /// GTIN facts (decoded variable measure included), product and error. Never
    /// fails as a whole, except for a basket over the size limit.
    async fn lookups(&self, ctx: &Context<'_>, codes: Vec<String>) -> Result<Vec<Lookup>> {
        check_list_length(ctx, codes.len())?;
        let region = settings(ctx)?.rcn_region;
        let analyzed: Vec<(GtinInfo, std::result::Result<Scan, ParseError>)> = codes
            .iter()
            .map(|code| GtinInfo::analyze(code, region))
            .collect();
        let keys: Vec<Gtin> = analyzed
            .iter()
            .filter_map(|(_, scan)| scan.as_ref().ok().and_then(|s| s.parsed().lookup_gtin()))
            .collect();
        let mut loaded = loader(ctx)?
            .load_many_noting(&keys, deadline(ctx), freshness(ctx))
            .await
            .into_iter();
        Ok(analyzed
            .into_iter()
            .map(|(info, scan)| match scan {
                Err(error) if error.reason() == Reason::NotATradeItem => {
                    Lookup::other_key(info, &error)
                }
                Err(error) => Lookup::invalid(info, &error),
                Ok(scan) if scan.parsed().lookup_gtin().is_none() => {
                    Lookup::not_a_trade_item(info, &scan)
                }
                Ok(scan) => {
                    Lookup::loaded(info, &scan, loaded.next().unwrap_or_else(|| Err(lost())))
                }
            })
            .collect())
    }

    /// Everything about one code: its forms, kind, GS1 prefix, decoded variable
    /// measure, the application identifiers of a 2D code (lot, serial, dates, weight,
    /// price), or precisely why it is invalid. Never an error: it describes.
    async fn gtin(&self, ctx: &Context<'_>, code: String) -> Result<GtinInfo> {
        let region = settings(ctx)?.rcn_region;
        Ok(GtinInfo::analyze(&code, region).0)
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
    let parsed = gtin::analyze(code, region).map_err(|error| match error.reason() {
        // A valid GS1 key other than a GTIN (an SSCC, a GLN …): not a bad code.
        Reason::NotATradeItem => errors::not_a_trade_item_key(&error),
        _ => errors::invalid_gtin(&error),
    })?;
    parsed
        .lookup_gtin()
        .ok_or_else(|| errors::not_a_trade_item(code, parsed.kind))
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
    let max = settings(ctx)?.max_gtins_per_query;
    let total = match ctx.data_opt::<RequestScope>() {
        Some(scope) => scope.spend(len),
        None => len,
    };
    if total > max {
        return Err(errors::too_many_gtins(total, max));
    }
    Ok(())
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

/// The loader answers one result per key; this stands in should that ever break.
fn lost() -> crate::catalog::CatalogError {
    crate::catalog::CatalogError::Unavailable("no answer for this item".to_owned())
}

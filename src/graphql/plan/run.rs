//! Running a [`Plan`] for one request: its codes parsed, every key of every field
//! loaded in one call to the loader, and the answer written straight to the bytes
//! async-graphql's response serializer would write (same key order, same string
//! escaping by serde_json, the same errors with the same paths and locations).
//!
//! A request the plan cannot answer exactly as the general path would is given
//! back before anything is loaded: an operation name the document does not have, a
//! variable missing or not of its declared shape, a code that is not a trade item's
//! GTIN (the general path words that error), more GTINs than the budget.

use async_graphql::{EnumType, OutputType, PathSegment, Pos, ServerError, Value, Variables};
use serde::Serialize;
use tokio::time::Instant;

use super::compile::{
    Arg, AttributeField, ImageField, Plan, PriceField, ProductField, RootKind, Selected,
};
use crate::catalog::CatalogError;
use crate::graphql::budget::GtinBudget;
use crate::graphql::errors;
use crate::graphql::lookup_key::lookup_key;
use crate::graphql::product::{Attribute, AvailabilityName, Image, Price, ProductView};
use crate::graphql::query::QueryRoot;
use crate::graphql::settings::GraphqlSettings;
use crate::graphql::wire_names::wire_name;
use crate::gtin::Gtin;
use crate::loader::{AnswerFreshness, Loaded, LoadedProduct, ProductLoader};

/// A request answered by its plan.
#[derive(Debug)]
pub struct Planned {
    /// The response body, exactly as the general path serializes it.
    pub body: Vec<u8>,
    /// The field errors in it (for the error metrics and the log line).
    pub errors: Vec<ServerError>,
}

/// What one run needs besides the plan and the request.
pub(crate) struct RunWith<'a> {
    pub(crate) loader: &'a ProductLoader,
    pub(crate) settings: &'a GraphqlSettings,
    pub(crate) deadline: Option<Instant>,
    pub(crate) freshness: Option<&'a AnswerFreshness>,
}

/// Runs `plan` for a request with `operation_name` and `variables`; `None` when the
/// general path must answer it (nothing has been loaded then).
pub(crate) async fn run(
    plan: &Plan,
    operation_name: Option<&str>,
    variables: &Variables,
    with: RunWith<'_>,
) -> Option<Planned> {
    let named_as_asked = match operation_name {
        None => true,
        Some(asked) => plan.operation_name.as_deref() == Some(asked),
    };
    if !named_as_asked {
        return None;
    }
    let region = with.settings.rcn_region;
    let key_of = |code: &str| lookup_key(code, region).ok();
    let mut keys: Vec<Gtin> = Vec::new();
    // How many keys each root field asked for.
    let mut asked: Vec<usize> = Vec::with_capacity(plan.roots.len());
    for root in &plan.roots {
        let before = keys.len();
        match &root.kind {
            RootKind::Typename => {}
            RootKind::Product { code, .. } => {
                let code = match code {
                    Arg::Literal(code) => code.as_str(),
                    Arg::Variable(name) => match variables.get(name)? {
                        Value::String(code) => code.as_str(),
                        _ => return None,
                    },
                };
                keys.push(key_of(code)?);
            }
            RootKind::Products { codes, .. } => match codes {
                Arg::Literal(codes) => {
                    for code in codes {
                        keys.push(key_of(code)?);
                    }
                }
                Arg::Variable(name) => match variables.get(name)? {
                    Value::List(codes) => {
                        for code in codes {
                            let Value::String(code) = code else {
                                return None;
                            };
                            keys.push(key_of(code)?);
                        }
                    }
                    _ => return None,
                },
            },
        }
        asked.push(keys.len() - before);
    }
    if !GtinBudget::of(with.settings).admits(keys.len()) {
        return None;
    }
    let loaded = with
        .loader
        .load_many_noting(&keys, with.deadline, with.freshness)
        .await;
    write(plan, loaded, &asked)
}

/// The response of `plan` over `loaded` (one answer per key, in field order;
/// `asked[i]` of them for root field `i`).
///
/// Root fields are written in the document's order, as the spec asks. async-graphql
/// 7.2 writes them in the order they complete, which is the same whenever they
/// complete in order (one batch, or all cached), and it leaves out a root field
/// whose resolver failed instead of writing `null` (no field left: `"data":null`):
/// the plan does the same, so clients see one behaviour.
fn write(plan: &Plan, loaded: Vec<Loaded>, asked: &[usize]) -> Option<Planned> {
    let mut out = Vec::with_capacity(64 + 384 * loaded.len());
    let mut errors = Vec::new();
    let mut loaded = loaded.into_iter();
    out.extend_from_slice(b"{\"data\":");
    let data_starts = out.len();
    out.push(b'{');
    let mut written = 0;
    for (root, &count) in plan.roots.iter().zip(asked) {
        let field_starts = out.len();
        if written > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&root.key);
        match &root.kind {
            RootKind::Typename => string(&mut out, &QueryRoot::type_name())?,
            RootKind::Product { selection, .. } => match loaded.next()? {
                Ok(Some(found)) => product(&mut out, &found, selection)?,
                Ok(None) => out.extend_from_slice(b"null"),
                Err(error) => {
                    out.truncate(field_starts);
                    let path = vec![PathSegment::Field(root.response_key.to_string())];
                    errors.push(field_error(&error, root.pos, path));
                    continue;
                }
            },
            RootKind::Products { selection, .. } => {
                out.push(b'[');
                for item in 0..count {
                    if item > 0 {
                        out.push(b',');
                    }
                    match loaded.next()? {
                        Ok(Some(found)) => product(&mut out, &found, selection)?,
                        Ok(None) => out.extend_from_slice(b"null"),
                        // A list item is nullable: null in its place, its error noted.
                        Err(error) => {
                            out.extend_from_slice(b"null");
                            let path = vec![
                                PathSegment::Field(root.response_key.to_string()),
                                PathSegment::Index(item),
                            ];
                            errors.push(field_error(&error, root.pos, path));
                        }
                    }
                }
                out.push(b']');
            }
        }
        written += 1;
    }
    if written == 0 {
        out.truncate(data_starts);
        out.extend_from_slice(b"null");
    } else {
        out.push(b'}');
    }
    if !errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut out, &errors).ok()?;
    }
    out.push(b'}');
    Some(Planned { body: out, errors })
}

/// The error async-graphql makes of a resolver's `Err` at `pos` and `path`.
fn field_error(error: &CatalogError, pos: Pos, path: Vec<PathSegment>) -> ServerError {
    let mut error = errors::upstream(error).into_server_error(pos);
    error.path = path;
    error
}

fn product(
    out: &mut Vec<u8>,
    found: &LoadedProduct,
    selection: &[Selected<ProductField>],
) -> Option<()> {
    let product = &*found.product;
    object(out, selection, |out, field| match field {
        ProductField::Typename => string(out, &ProductView::type_name()),
        ProductField::Gtin => string(out, product.gtin.gtin14()),
        ProductField::Gtin13 => optional(out, product.gtin.gtin13()),
        ProductField::Upc => optional(out, product.gtin.upc_a()),
        ProductField::Title => string(out, &product.title),
        ProductField::Brand => optional(out, product.brand.as_deref()),
        ProductField::Description => optional(out, product.description.as_deref()),
        ProductField::Price(fields) => match &product.price {
            None => optional(out, None),
            Some(price) => object(out, fields, |out, field| match field {
                PriceField::Typename => string(out, &Price::type_name()),
                PriceField::Amount => string(out, &price.amount),
                PriceField::Currency => string(out, &price.currency),
            }),
        },
        ProductField::Images(fields) => list(out, &product.images, |out, image| {
            object(out, fields, |out, field| match field {
                ImageField::Typename => string(out, &Image::type_name()),
                ImageField::Url => string(out, &image.url),
                ImageField::Alt => optional(out, image.alt.as_deref()),
            })
        }),
        ProductField::Categories => list(out, &product.categories, |out, category| {
            string(out, category)
        }),
        ProductField::Attributes(fields) => list(out, &product.attributes, |out, attribute| {
            object(out, fields, |out, field| match field {
                AttributeField::Typename => string(out, &Attribute::type_name()),
                AttributeField::Name => string(out, &attribute.name),
                AttributeField::Value => optional(out, attribute.value.as_deref()),
            })
        }),
        ProductField::Availability => enum_value(out, AvailabilityName::from(product.availability)),
        ProductField::ServedStale => {
            out.extend_from_slice(if found.served_stale {
                b"true"
            } else {
                b"false"
            });
            Some(())
        }
        ProductField::UpdatedAt => optional(out, product.updated_at.as_deref()),
    })
}

/// An enum value, named from the schema's table.
fn enum_value<E: EnumType>(out: &mut Vec<u8>, value: E) -> Option<()> {
    string(out, wire_name(value)?)
}

fn object<F>(
    out: &mut Vec<u8>,
    selection: &[Selected<F>],
    mut value: impl FnMut(&mut Vec<u8>, &F) -> Option<()>,
) -> Option<()> {
    out.push(b'{');
    for (index, selected) in selection.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&selected.key);
        value(out, &selected.field)?;
    }
    out.push(b'}');
    Some(())
}

fn list<T>(
    out: &mut Vec<u8>,
    items: &[T],
    mut item: impl FnMut(&mut Vec<u8>, &T) -> Option<()>,
) -> Option<()> {
    out.push(b'[');
    for (index, value) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        item(out, value)?;
    }
    out.push(b']');
    Some(())
}

/// A JSON string, escaped by serde_json (what the response serializer uses).
fn string(out: &mut Vec<u8>, text: &str) -> Option<()> {
    text.serialize(&mut serde_json::Serializer::new(out)).ok()
}

fn optional(out: &mut Vec<u8>, text: Option<&str>) -> Option<()> {
    match text {
        Some(text) => string(out, text),
        None => {
            out.extend_from_slice(b"null");
            Some(())
        }
    }
}

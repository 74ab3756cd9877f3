//! Running a [`Plan`] for one request: its codes parsed, every key of every field
//! loaded in one call to the loader, and the answer written straight to the bytes
//! async-graphql's response serializer would write (same key order, same string
//! escaping by serde_json, the same errors with the same paths and locations).
//!
//! A request the plan cannot answer exactly as the general path would is given
//! back before anything is loaded: an operation name the document does not have, a
//! variable missing or not of its declared shape, a `product`/`products` code that
//! is not a trade item's GTIN (the general path words that error), more GTINs than
//! the budget. A `lookups` line is never given back: its bad code is a typed status
//! inside `data`, decided by the same [`Basket`] the resolver answers with.

use std::collections::BTreeMap;

use async_graphql::{EnumType, OutputType, PathSegment, Pos, ServerError, Value, Variables};
use serde::Serialize;
use tokio::time::Instant;

use super::compile::{
    Arg, AttributeField, GtinInfoField, ImageField, Leaf, LookupField, Plan, PriceField,
    ProductField, RootKind, Selected,
};
use crate::catalog::CatalogError;
use crate::graphql::budget::GtinBudget;
use crate::graphql::errors;
use crate::graphql::gtin_info::{GtinInfo, read};
use crate::graphql::lookup::{Basket, Lookup};
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
    /// Where the `data` entry ends in `body` (where `extensions` go).
    data_end: usize,
}

impl Planned {
    /// Adds an `extensions` entry where async-graphql's serializer writes it: after
    /// `data`, before `errors` (an empty map is left out, as it leaves it out).
    pub(crate) fn insert_extensions(&mut self, extensions: &BTreeMap<String, Value>) {
        if extensions.is_empty() {
            return;
        }
        let mut entry = b",\"extensions\":".to_vec();
        if serde_json::to_writer(&mut entry, extensions).is_err() {
            return;
        }
        let added = entry.len();
        self.body.splice(self.data_end..self.data_end, entry);
        self.data_end += added;
    }
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
    let codes = plan
        .roots
        .iter()
        .map(|root| codes(&root.kind, variables))
        .collect::<Option<Vec<Codes<'_>>>>()?;
    // The budget before any code is read, as the resolvers spend it.
    let total = codes.iter().map(Codes::len).sum();
    if !GtinBudget::of(with.settings).admits(total) {
        return None;
    }
    let region = with.settings.rcn_region;
    let mut keys: Vec<Gtin> = Vec::with_capacity(total);
    let mut asked: Vec<Asked> = Vec::with_capacity(codes.len());
    for (root, codes) in plan.roots.iter().zip(codes) {
        asked.push(match (&root.kind, codes) {
            (RootKind::Lookups { .. }, Codes::Many(codes)) => {
                let basket = Basket::read(codes, region);
                keys.extend(basket.keys());
                Asked::Basket(basket)
            }
            (_, codes) => {
                let before = keys.len();
                for code in codes.iter() {
                    // A bad code's error is worded by the general path.
                    keys.push(lookup_key(code, region).ok()?);
                }
                Asked::Keys(keys.len() - before)
            }
        });
    }
    let loaded = with
        .loader
        .load_many_noting(&keys, with.deadline, with.freshness)
        .await;
    write(plan, loaded, asked)
}

/// The codes a root field asks for, from the document or the variables.
enum Codes<'a> {
    None,
    One(&'a str),
    Many(Vec<&'a str>),
}

impl Codes<'_> {
    /// What they spend of the operation's GTIN budget.
    fn len(&self) -> usize {
        match self {
            Codes::None => 0,
            Codes::One(_) => 1,
            Codes::Many(codes) => codes.len(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Codes::None => (None, &[][..]),
            Codes::One(code) => (Some(*code), &[][..]),
            Codes::Many(codes) => (None, codes.as_slice()),
        };
        one.into_iter().chain(many.iter().copied())
    }
}

/// The codes of `root`; `None` when a variable is missing or not of its declared
/// shape (the general path reports it).
fn codes<'a>(root: &'a RootKind, variables: &'a Variables) -> Option<Codes<'a>> {
    Some(match root {
        RootKind::Typename => Codes::None,
        RootKind::Product { code, .. } => Codes::One(match code {
            Arg::Literal(code) => code.as_str(),
            Arg::Variable(name) => match variables.get(name)? {
                Value::String(code) => code.as_str(),
                _ => return None,
            },
        }),
        RootKind::Products { codes, .. } | RootKind::Lookups { codes, .. } => match codes {
            Arg::Literal(codes) => Codes::Many(codes.iter().map(String::as_str).collect()),
            Arg::Variable(name) => match variables.get(name)? {
                Value::List(codes) => Codes::Many(
                    codes
                        .iter()
                        .map(|code| match code {
                            Value::String(code) => Some(code.as_str()),
                            _ => None,
                        })
                        .collect::<Option<_>>()?,
                ),
                _ => return None,
            },
        },
    })
}

/// What a root field asked the loader for: a number of keys, or a basket's.
enum Asked {
    Keys(usize),
    Basket(Basket),
}

/// The response of `plan` over `loaded` (one answer per key, in field order, as
/// `asked` says per root field).
///
/// Root fields are written in the document's order, as the spec asks. async-graphql
/// 7.2 writes them in the order they complete, which is the same whenever they
/// complete in order (one batch, or all cached), and it leaves out a root field
/// whose resolver failed instead of writing `null` (no field left: `"data":null`):
/// the plan does the same, so clients see one behaviour.
fn write(plan: &Plan, loaded: Vec<Loaded>, asked: Vec<Asked>) -> Option<Planned> {
    let mut out = Vec::with_capacity(64 + 384 * loaded.len());
    let mut errors = Vec::new();
    let mut loaded = loaded.into_iter();
    out.extend_from_slice(b"{\"data\":");
    let data_starts = out.len();
    out.push(b'{');
    let mut written = 0;
    for (root, asked) in plan.roots.iter().zip(asked) {
        let field_starts = out.len();
        if written > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&root.key);
        match (&root.kind, asked) {
            (RootKind::Typename, _) => string(&mut out, &QueryRoot::type_name())?,
            (RootKind::Product { selection, .. }, _) => match loaded.next()? {
                Ok(Some(found)) => product(&mut out, &found, selection)?,
                Ok(None) => out.extend_from_slice(b"null"),
                Err(error) => {
                    out.truncate(field_starts);
                    let path = vec![PathSegment::Field(root.response_key.to_string())];
                    errors.push(field_error(&error, root.pos, path));
                    continue;
                }
            },
            (RootKind::Products { selection, .. }, Asked::Keys(count)) => {
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
            (RootKind::Lookups { selection, .. }, Asked::Basket(basket)) => {
                let lines = basket.answer(&mut loaded);
                list(&mut out, &lines, |out, line| lookup(out, line, selection))?;
            }
            // Each root field is asked for by its own kind (see `run`).
            (RootKind::Products { .. } | RootKind::Lookups { .. }, _) => return None,
        }
        written += 1;
    }
    if written == 0 {
        out.truncate(data_starts);
        out.extend_from_slice(b"null");
    } else {
        out.push(b'}');
    }
    let data_end = out.len();
    if !errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut out, &errors).ok()?;
    }
    out.push(b'}');
    Some(Planned {
        body: out,
        errors,
        data_end,
    })
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

fn lookup(out: &mut Vec<u8>, line: &Lookup, selection: &[Selected<LookupField>]) -> Option<()> {
    object(out, selection, |out, field| match field {
        LookupField::Leaf(read) => leaf(out, line, read),
        LookupField::Gtin(fields) => gtin_info(out, &line.gtin, fields),
        LookupField::Scan(fields) => nullable(out, line.scan.as_deref(), |out, scan| {
            leaves(out, scan, fields)
        }),
        LookupField::Product(fields) => nullable(out, line.product.as_ref(), |out, view| {
            product(out, &view.0, fields)
        }),
        LookupField::Error(fields) => nullable(out, line.error.as_deref(), |out, error| {
            leaves(out, error, fields)
        }),
    })
}

fn gtin_info(
    out: &mut Vec<u8>,
    info: &GtinInfo,
    selection: &[Selected<GtinInfoField>],
) -> Option<()> {
    object(out, selection, |out, field| match field {
        GtinInfoField::Leaf(read) => leaf(out, info, read),
        GtinInfoField::DigitalLink => optional(out, info.plain_digital_link().as_deref()),
        GtinInfoField::Gs1Prefix(fields) => {
            nullable(out, read::gs1_prefix(info).as_ref(), |out, prefix| {
                leaves(out, prefix, fields)
            })
        }
        GtinInfoField::PrimaryKey(fields) => {
            nullable(out, read::primary_key(info).as_ref(), |out, key| {
                leaves(out, key, fields)
            })
        }
        GtinInfoField::VariableMeasure(fields) => nullable(
            out,
            read::variable_measure(info).as_ref(),
            |out, measure| leaves(out, measure, fields),
        ),
        GtinInfoField::Warnings(fields) => list(out, &read::warnings(info), |out, warning| {
            leaves(out, warning, fields)
        }),
        GtinInfoField::ApplicationIdentifiers(fields) => {
            list(out, &read::application_identifiers(info), |out, element| {
                leaves(out, element, fields)
            })
        }
        GtinInfoField::Error(fields) => nullable(out, read::error(info).as_ref(), |out, error| {
            leaves(out, error, fields)
        }),
    })
}

/// An object of leaves.
fn leaves<T: OutputType>(
    out: &mut Vec<u8>,
    value: &T,
    selection: &[Selected<Leaf<T>>],
) -> Option<()> {
    object(out, selection, |out, read| leaf(out, value, read))
}

fn leaf<T: OutputType>(out: &mut Vec<u8>, value: &T, read: &Leaf<T>) -> Option<()> {
    match read {
        Leaf::Typename => string(out, &T::type_name()),
        Leaf::Text(text) => optional(out, text(value)),
        Leaf::Built(text) => optional(out, text(value).as_deref()),
        Leaf::Int(number) => match number(value) {
            Some(number) => serde_json::to_writer(&mut *out, &number).ok(),
            None => optional(out, None),
        },
        Leaf::Bool(flag) => {
            out.extend_from_slice(match flag(value) {
                Some(true) => b"true",
                Some(false) => b"false",
                None => b"null",
            });
            Some(())
        }
    }
}

/// `null`, or the value written by `write`.
fn nullable<T>(
    out: &mut Vec<u8>,
    value: Option<&T>,
    write: impl FnOnce(&mut Vec<u8>, &T) -> Option<()>,
) -> Option<()> {
    match value {
        Some(value) => write(out, value),
        None => optional(out, None),
    }
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

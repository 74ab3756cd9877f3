//! Compiling a parsed document into a [`Plan`], or saying it has no plan.
//!
//! A document has a plan only when its one operation is a query of `product`,
//! `products`, `lookups` and `__typename` root fields over selections of fields
//! without arguments (a product's scalars, price, images and attributes; a lookup
//! line's input, status, product, GTIN facts, scan data and error), with no
//! fragments, no directives, no repeated response key, and variables declared exactly
//! as the arguments they feed (`String!` for `gtin`, `[String!]!` for `gtins` and
//! `codes`), each used, none with a default. Every such document
//! passes async-graphql's validation (the fields exist, the arguments are the ones
//! required and of their type, leaves are scalars, no variable is undefined or
//! unused, fields merge trivially), so the plan can skip it. Anything else, however
//! valid, is left to the general path.

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationType, Selection,
    SelectionSet, Type, VariableDefinition,
};
use async_graphql::{Name, Pos, Positioned};
use async_graphql_value::Value;

use crate::graphql::gtin_info::{
    ApplicationIdentifier, Gs1PrefixInfo, GtinError, GtinInfo, GtinWarning, PrimaryKey,
    VariableMeasureInfo, read,
};
use crate::graphql::lookup::{Lookup, LookupError};
use crate::graphql::scan_data::ScanData;
use crate::graphql::wire_names::wire_name;

/// Fields of the types a plan renders that no plan takes, each (type, field): a
/// document selecting one is left to the general path. A field of those types
/// missing from the plan's tables and from this list fails a test
/// (`plan::tests::every_field_a_plan_renders_is_planned_or_listed`), so a new field
/// cannot silently lose the fast path.
/// (Federation's `_entities` and `_service` are not in the SDL this is checked
/// against, and are not planned either.)
///
/// Only tests read it: the compiler leaves these out by not knowing their names.
#[cfg(test)]
pub(crate) const NOT_PLANNED: &[(&str, &str)] = &[
    // One code described: no loader call, little to save.
    ("Query", "gtin"),
];

/// The compiled form of one document's operation.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The operation's name when the document names it; `None` for an anonymous
    /// operation. A request naming another operation (or naming any, for an
    /// anonymous one: the general path refuses it) is not planned.
    pub(super) operation_name: Option<Name>,
    /// The root fields, in the order they are asked.
    pub(super) roots: Vec<RootField>,
}

/// An argument's source.
#[derive(Debug)]
pub(super) enum Arg<T> {
    /// Written in the document.
    Literal(T),
    /// Taken from the request's variables (declared with the argument's exact type).
    Variable(Name),
}

/// One root field with its response key rendered as `"key":`.
#[derive(Debug)]
pub(super) struct RootField {
    pub(super) key: Box<[u8]>,
    /// The response key, for an error's path.
    pub(super) response_key: Name,
    /// Where the field is written, for an error's location.
    pub(super) pos: Pos,
    pub(super) kind: RootKind,
}

#[derive(Debug)]
pub(super) enum RootKind {
    Typename,
    Product {
        code: Arg<String>,
        selection: Vec<Selected<ProductField>>,
    },
    Products {
        codes: Arg<Vec<String>>,
        selection: Vec<Selected<ProductField>>,
    },
    Lookups {
        codes: Arg<Vec<String>>,
        selection: Vec<Selected<LookupField>>,
    },
}

/// A selected field of an object with its response key rendered as `"key":`.
#[derive(Debug)]
pub(super) struct Selected<F> {
    pub(super) key: Box<[u8]>,
    pub(super) field: F,
}

#[derive(Debug)]
pub(super) enum ProductField {
    Typename,
    Gtin,
    Gtin13,
    Upc,
    Title,
    Brand,
    Description,
    Price(Vec<Selected<PriceField>>),
    Images(Vec<Selected<ImageField>>),
    Categories,
    Attributes(Vec<Selected<AttributeField>>),
    Availability,
    ServedStale,
    UpdatedAt,
}

#[derive(Debug)]
pub(super) enum PriceField {
    Typename,
    Amount,
    Currency,
}

#[derive(Debug)]
pub(super) enum ImageField {
    Typename,
    Url,
    Alt,
}

#[derive(Debug)]
pub(super) enum AttributeField {
    Typename,
    Name,
    Value,
}

/// A field without a selection of its own, read from a `T` as the schema type
/// writes it (the resolvers' own values: a plan renders what they hold).
pub(super) enum Leaf<T> {
    /// `__typename`: `T`'s name in the schema.
    Typename,
    /// A `String` or enum field, nullable or not.
    Text(fn(&T) -> Option<&str>),
    /// A `String` field whose value is built when read (a date, a decimal).
    Built(fn(&T) -> Option<String>),
    /// An `Int` field, nullable or not.
    Int(fn(&T) -> Option<i32>),
    /// A `Boolean` field, nullable or not.
    Bool(fn(&T) -> Option<bool>),
}

// By hand: the derive would ask `T: Debug` of types that need none.
impl<T> std::fmt::Debug for Leaf<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Leaf::Typename => "Typename",
            Leaf::Text(_) => "Text",
            Leaf::Built(_) => "Built",
            Leaf::Int(_) => "Int",
            Leaf::Bool(_) => "Bool",
        })
    }
}

/// A field of a `lookups` line.
#[derive(Debug)]
pub(super) enum LookupField {
    Leaf(Leaf<Lookup>),
    Gtin(Vec<Selected<GtinInfoField>>),
    Scan(Vec<Selected<Leaf<ScanData>>>),
    Product(Vec<Selected<ProductField>>),
    Error(Vec<Selected<Leaf<LookupError>>>),
}

/// A field of `GtinInfo`.
#[derive(Debug)]
pub(super) enum GtinInfoField {
    Leaf(Leaf<GtinInfo>),
    Gs1Prefix(Vec<Selected<Leaf<Gs1PrefixInfo>>>),
    PrimaryKey(Vec<Selected<Leaf<PrimaryKey>>>),
    VariableMeasure(Vec<Selected<Leaf<VariableMeasureInfo>>>),
    Warnings(Vec<Selected<Leaf<GtinWarning>>>),
    ApplicationIdentifiers(Vec<Selected<Leaf<ApplicationIdentifier>>>),
    Error(Vec<Selected<Leaf<GtinError>>>),
    /// `digitalLink` uncompressed (no argument: `compressed: true` can fail with
    /// its own error, and is left to the general path).
    DigitalLink,
}

/// What a variable is declared as, among the two declarations a plan takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Declared {
    /// `String!`
    String,
    /// `[String!]!`
    StringList,
}

/// The plan of `document`, or `None` when the general path must run it.
pub(crate) fn compile(document: &ExecutableDocument) -> Option<Plan> {
    if !document.fragments.is_empty() {
        return None;
    }
    let (operation_name, operation) = match &document.operations {
        DocumentOperations::Single(operation) => (None, operation),
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            let (name, operation) = operations.iter().next()?;
            (Some(name.clone()), operation)
        }
        DocumentOperations::Multiple(_) => return None,
    };
    let operation = &operation.node;
    if operation.ty != OperationType::Query || !operation.directives.is_empty() {
        return None;
    }
    let mut variables = Variables::declared(&operation.variable_definitions)?;
    let roots = root_fields(&operation.selection_set.node, &mut variables)?;
    if !variables.all_used() {
        return None;
    }
    Some(Plan {
        operation_name,
        roots,
    })
}

/// The operation's variables, each with whether the document uses it.
struct Variables(Vec<(Name, Declared, bool)>);

impl Variables {
    fn declared(definitions: &[Positioned<VariableDefinition>]) -> Option<Variables> {
        let mut declared: Vec<(Name, Declared, bool)> = Vec::with_capacity(definitions.len());
        for definition in definitions {
            let definition = &definition.node;
            if definition.default_value.is_some() || !definition.directives.is_empty() {
                return None;
            }
            let kind = declared_kind(&definition.var_type.node)?;
            let name = &definition.name.node;
            if declared.iter().any(|(other, _, _)| other == name) {
                return None;
            }
            declared.push((name.clone(), kind, false));
        }
        Some(Variables(declared))
    }

    /// Marks `name` used where `expected` is taken; `None` when it is not declared
    /// so.
    fn use_as(&mut self, name: &Name, expected: Declared) -> Option<()> {
        let (_, declared, used) = self.0.iter_mut().find(|(other, _, _)| other == name)?;
        if *declared != expected {
            return None;
        }
        *used = true;
        Some(())
    }

    fn all_used(&self) -> bool {
        self.0.iter().all(|(_, _, used)| *used)
    }
}

fn declared_kind(declared: &Type) -> Option<Declared> {
    if declared.nullable {
        return None;
    }
    match &declared.base {
        BaseType::Named(name) if name.as_str() == "String" => Some(Declared::String),
        BaseType::List(item) => match (&item.base, item.nullable) {
            (BaseType::Named(name), false) if name.as_str() == "String" => {
                Some(Declared::StringList)
            }
            _ => None,
        },
        BaseType::Named(_) => None,
    }
}

fn root_fields(selection: &SelectionSet, variables: &mut Variables) -> Option<Vec<RootField>> {
    let mut keys: Vec<&str> = Vec::new();
    let mut roots = Vec::with_capacity(selection.items.len());
    for item in &selection.items {
        let Selection::Field(positioned) = &item.node else {
            return None;
        };
        let field = &positioned.node;
        let response_key = field.response_key().node.clone();
        if keys.contains(&response_key.as_str()) || !field.directives.is_empty() {
            return None;
        }
        let kind = match field.name.node.as_str() {
            "__typename" => {
                leaf(field)?;
                RootKind::Typename
            }
            "product" => RootKind::Product {
                code: string_argument(field, "gtin", variables)?,
                selection: product_selection(&field.selection_set.node)?,
            },
            "products" => RootKind::Products {
                codes: list_argument(field, "gtins", variables)?,
                selection: product_selection(&field.selection_set.node)?,
            },
            "lookups" => RootKind::Lookups {
                codes: list_argument(field, "codes", variables)?,
                selection: lookup_selection(&field.selection_set.node)?,
            },
            _ => return None,
        };
        roots.push(RootField {
            key: rendered_key(&response_key)?,
            // Where async-graphql locates a field's errors: the field's start (its alias).
            pos: positioned.pos,
            response_key,
            kind,
        });
        keys.push(field.response_key().node.as_str());
    }
    Some(roots)
}

/// The one argument `name` of `field` as a string or a `String!` variable.
fn string_argument(field: &Field, name: &str, variables: &mut Variables) -> Option<Arg<String>> {
    match &only_argument(field, name)?.node {
        Value::String(code) => Some(Arg::Literal(code.clone())),
        Value::Variable(variable) => {
            variables.use_as(variable, Declared::String)?;
            Some(Arg::Variable(variable.clone()))
        }
        _ => None,
    }
}

/// The one argument `name` of `field` as a list of strings or a `[String!]!`
/// variable (a lone string, which GraphQL would coerce into a list, is left to the
/// general path).
fn list_argument(field: &Field, name: &str, variables: &mut Variables) -> Option<Arg<Vec<String>>> {
    match &only_argument(field, name)?.node {
        Value::List(items) => items
            .iter()
            .map(|item| match item {
                Value::String(code) => Some(code.clone()),
                _ => None,
            })
            .collect::<Option<Vec<String>>>()
            .map(Arg::Literal),
        Value::Variable(variable) => {
            variables.use_as(variable, Declared::StringList)?;
            Some(Arg::Variable(variable.clone()))
        }
        _ => None,
    }
}

fn only_argument<'a>(field: &'a Field, name: &str) -> Option<&'a Positioned<Value>> {
    match field.arguments.as_slice() {
        [(argument, value)] if argument.node.as_str() == name => Some(value),
        _ => None,
    }
}

/// A leaf: no arguments, no directives, no selection.
fn leaf(field: &Field) -> Option<()> {
    (field.arguments.is_empty()
        && field.directives.is_empty()
        && field.selection_set.node.items.is_empty())
    .then_some(())
}

/// The fields of an object selection, each a plain field without arguments or
/// directives, response keys unique, at least one field.
fn object_fields<F>(
    selection: &SelectionSet,
    mut field_of: impl FnMut(&Field) -> Option<F>,
) -> Option<Vec<Selected<F>>> {
    if selection.items.is_empty() {
        return None;
    }
    let mut keys: Vec<&str> = Vec::new();
    let mut fields = Vec::with_capacity(selection.items.len());
    for item in &selection.items {
        let Selection::Field(field) = &item.node else {
            return None;
        };
        let field = &field.node;
        let key = field.response_key().node.as_str();
        if keys.contains(&key) || !field.arguments.is_empty() || !field.directives.is_empty() {
            return None;
        }
        keys.push(key);
        fields.push(Selected {
            key: rendered_key(&field.response_key().node)?,
            field: field_of(field)?,
        });
    }
    Some(fields)
}

fn product_selection(selection: &SelectionSet) -> Option<Vec<Selected<ProductField>>> {
    object_fields(selection, |field| {
        let nested = &field.selection_set.node;
        Some(match field.name.node.as_str() {
            "price" => ProductField::Price(object_fields(nested, |field| {
                leaf(field)?;
                Some(match field.name.node.as_str() {
                    "__typename" => PriceField::Typename,
                    "amount" => PriceField::Amount,
                    "currency" => PriceField::Currency,
                    _ => return None,
                })
            })?),
            "images" => ProductField::Images(object_fields(nested, |field| {
                leaf(field)?;
                Some(match field.name.node.as_str() {
                    "__typename" => ImageField::Typename,
                    "url" => ImageField::Url,
                    "alt" => ImageField::Alt,
                    _ => return None,
                })
            })?),
            "attributes" => ProductField::Attributes(object_fields(nested, |field| {
                leaf(field)?;
                Some(match field.name.node.as_str() {
                    "__typename" => AttributeField::Typename,
                    "name" => AttributeField::Name,
                    "value" => AttributeField::Value,
                    _ => return None,
                })
            })?),
            name => {
                leaf(field)?;
                match name {
                    "__typename" => ProductField::Typename,
                    "gtin" => ProductField::Gtin,
                    "gtin13" => ProductField::Gtin13,
                    "upc" => ProductField::Upc,
                    "title" => ProductField::Title,
                    "brand" => ProductField::Brand,
                    "description" => ProductField::Description,
                    "categories" => ProductField::Categories,
                    "availability" => ProductField::Availability,
                    "servedStale" => ProductField::ServedStale,
                    "updatedAt" => ProductField::UpdatedAt,
                    _ => return None,
                }
            }
        })
    })
}

fn lookup_selection(selection: &SelectionSet) -> Option<Vec<Selected<LookupField>>> {
    object_fields(selection, |field| {
        let nested = &field.selection_set.node;
        Some(match field.name.node.as_str() {
            "gtin" => LookupField::Gtin(gtin_info_selection(nested)?),
            "scan" => LookupField::Scan(leaves(nested, scan_data_leaf)?),
            "product" => LookupField::Product(product_selection(nested)?),
            "error" => LookupField::Error(leaves(nested, lookup_error_leaf)?),
            name => {
                leaf(field)?;
                LookupField::Leaf(match name {
                    "__typename" => Leaf::Typename,
                    "input" => Leaf::Text(|line| Some(read::input(&line.gtin))),
                    "status" => Leaf::Text(|line| wire_name(line.status)),
                    _ => return None,
                })
            }
        })
    })
}

fn lookup_error_leaf(name: &str) -> Option<Leaf<LookupError>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "code" => Leaf::Text(|error| Some(&error.code)),
        "reason" => Leaf::Text(|error| error.reason.as_deref()),
        "message" => Leaf::Text(|error| Some(&error.message)),
        _ => return None,
    })
}

fn scan_data_leaf(name: &str) -> Option<Leaf<ScanData>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "lot" => Leaf::Text(|scan| scan.lot.as_deref()),
        "serial" => Leaf::Text(|scan| scan.serial.as_deref()),
        "expiryDate" => Leaf::Text(|scan| scan.expiry_date.as_deref()),
        "bestBeforeDate" => Leaf::Text(|scan| scan.best_before_date.as_deref()),
        "netWeightKg" => Leaf::Text(|scan| scan.net_weight_kg.as_deref()),
        "price" => Leaf::Text(|scan| scan.price.as_deref()),
        // Only without `today` (a field with an argument is not planned).
        "expired" => Leaf::Bool(ScanData::expired_today),
        _ => return None,
    })
}

/// The fields of a `GtinInfo` selection.
fn gtin_info_selection(selection: &SelectionSet) -> Option<Vec<Selected<GtinInfoField>>> {
    object_fields(selection, |field| {
        let nested = &field.selection_set.node;
        Some(match field.name.node.as_str() {
            "gs1Prefix" => GtinInfoField::Gs1Prefix(leaves(nested, gs1_prefix_leaf)?),
            "primaryKey" => GtinInfoField::PrimaryKey(leaves(nested, primary_key_leaf)?),
            "variableMeasure" => {
                GtinInfoField::VariableMeasure(leaves(nested, variable_measure_leaf)?)
            }
            "warnings" => GtinInfoField::Warnings(leaves(nested, warning_leaf)?),
            "applicationIdentifiers" => {
                GtinInfoField::ApplicationIdentifiers(leaves(nested, application_identifier_leaf)?)
            }
            "error" => GtinInfoField::Error(leaves(nested, gtin_error_leaf)?),
            "digitalLink" => {
                leaf(field)?;
                GtinInfoField::DigitalLink
            }
            name => {
                leaf(field)?;
                GtinInfoField::Leaf(gtin_info_leaf(name)?)
            }
        })
    })
}

fn gtin_info_leaf(name: &str) -> Option<Leaf<GtinInfo>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "input" => Leaf::Text(|info| Some(read::input(info))),
        "valid" => Leaf::Bool(|info| Some(read::valid(info))),
        "gtin14" => Leaf::Text(read::gtin14),
        "gtin13" => Leaf::Text(read::gtin13),
        "upcA" => Leaf::Text(read::upc_a),
        "upcE" => Leaf::Built(read::upc_e),
        "gtin8" => Leaf::Text(read::gtin8),
        "format" => Leaf::Text(|info| read::format(info).and_then(wire_name)),
        "kind" => Leaf::Text(|info| read::kind(info).and_then(wire_name)),
        "indicator" => Leaf::Int(read::indicator),
        "lookupGtin14" => Leaf::Text(read::lookup_gtin14),
        "lot" => Leaf::Text(read::lot),
        "serial" => Leaf::Text(read::serial),
        "expiryDate" => Leaf::Built(read::expiry_date),
        "bestBeforeDate" => Leaf::Built(read::best_before_date),
        "sellByDate" => Leaf::Built(read::sell_by_date),
        "productionDate" => Leaf::Built(read::production_date),
        "packagingDate" => Leaf::Built(read::packaging_date),
        "netWeightKg" => Leaf::Built(read::net_weight_kg),
        "price" => Leaf::Built(read::price),
        "tradeItem" => Leaf::Bool(read::trade_item),
        _ => return None,
    })
}

fn primary_key_leaf(name: &str) -> Option<Leaf<PrimaryKey>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "ai" => Leaf::Text(|key| Some(&key.ai)),
        "title" => Leaf::Text(|key| Some(&key.title)),
        "name" => Leaf::Text(|key| Some(&key.name)),
        "identifies" => Leaf::Text(|key| Some(&key.identifies)),
        "value" => Leaf::Text(|key| Some(&key.value)),
        _ => return None,
    })
}

fn gs1_prefix_leaf(name: &str) -> Option<Leaf<Gs1PrefixInfo>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "prefix" => Leaf::Text(|prefix| Some(&prefix.prefix)),
        "organisation" => Leaf::Text(|prefix| Some(&prefix.organisation)),
        _ => return None,
    })
}

fn variable_measure_leaf(name: &str) -> Option<Leaf<VariableMeasureInfo>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "region" => Leaf::Text(|measure| Some(&measure.region)),
        "price" => Leaf::Text(|measure| measure.price.as_deref()),
        "weightKg" => Leaf::Text(|measure| measure.weight_kg.as_deref()),
        "count" => Leaf::Int(|measure| measure.count),
        "lookupGtin14" => Leaf::Text(|measure| Some(&measure.lookup_gtin14)),
        _ => return None,
    })
}

fn warning_leaf(name: &str) -> Option<Leaf<GtinWarning>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "code" => Leaf::Text(|warning| Some(&warning.code)),
        "message" => Leaf::Text(|warning| Some(&warning.message)),
        _ => return None,
    })
}

fn application_identifier_leaf(name: &str) -> Option<Leaf<ApplicationIdentifier>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "ai" => Leaf::Text(|element| Some(&element.ai)),
        "title" => Leaf::Text(|element| Some(&element.title)),
        "value" => Leaf::Text(|element| Some(&element.value)),
        "role" => Leaf::Text(|element| wire_name(element.role)),
        _ => return None,
    })
}

fn gtin_error_leaf(name: &str) -> Option<Leaf<GtinError>> {
    Some(match name {
        "__typename" => Leaf::Typename,
        "reason" => Leaf::Text(|error| Some(&error.reason)),
        "message" => Leaf::Text(|error| Some(&error.message)),
        "hint" => Leaf::Text(|error| error.hint.as_deref()),
        "ai" => Leaf::Text(|error| error.ai.as_deref()),
        _ => return None,
    })
}

/// An object selection of leaves only, each named by `leaf_of`.
fn leaves<T>(
    selection: &SelectionSet,
    leaf_of: fn(&str) -> Option<Leaf<T>>,
) -> Option<Vec<Selected<Leaf<T>>>> {
    object_fields(selection, |field| {
        leaf(field)?;
        leaf_of(field.name.node.as_str())
    })
}

/// `"key":` as the response serializer writes it.
fn rendered_key(key: &Name) -> Option<Box<[u8]>> {
    let mut rendered = serde_json::to_vec(key.as_str()).ok()?;
    rendered.push(b':');
    Some(rendered.into_boxed_slice())
}

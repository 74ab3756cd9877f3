//! The plan against the general path: random plannable documents (aliases, field
//! orders, literals and variables, found, missing and failing items, `lookups` lines
//! of every status, operation names) must get byte-identical answers from both;
//! documents the plan must give back (bad `product(s)` codes, over budget, unknown
//! names) must be given back; and every field of every type a plan renders must be
//! planned (with the general path's bytes) or listed as not planned.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::HashMap;
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::compile::{self, NOT_PLANNED};
use crate::cache::{CacheSettings, ProductCache};
use crate::catalog::{
    Attribute, Availability, Catalog, CatalogError, FetchResult, Image, Price, Product,
};
use crate::graphql::lookup_key::lookup_key;
use crate::graphql::{GatewaySchema, GraphqlSettings, QueryLimits, build_schema};
use crate::gtin::{Gtin, RcnRegion, parse};
use crate::loader::{LoaderSettings, ProductLoader};

/// Most GTINs one operation may ask for in these tests.
const BUDGET: usize = 16;

/// Found items (spelled several ways below), one missing, one failing, two bad.
const CODES: &[&str] = &[
    "036000291452",   // UPC-A of a found item
    "0036000291452",  // its EAN-13
    "00036000291452", // its GTIN-14
    "96385074",       // EAN-8, found, few fields
    "4006381333931",  // EAN-13, found, every field, text to escape
    "5901234123457",  // EAN-13, not in the catalog
    "4012345000122",  // EAN-13 the catalog fails for
];
/// Codes that make the plan give the request back (the general path words them).
const BAD_CODES: &[&str] = &["4006381333932", "12345"];
const FAILING: &str = "4012345000122";
/// `lookups` lines: every status (found, not found, unavailable, invalid, not a trade
/// item) and every kind of input (spellings, UPC-E, a GB variable-measure label, GS1
/// element strings and Digital Links with their data, expired or not).
const LINE_CODES: &[&str] = &[
    "036000291452",                                                         // UPC-A, found
    "00036000291452",                                                       // its GTIN-14
    "04252614",                              // UPC-E, not in the catalog
    "4006381333931",                         // EAN-13, found, every field
    "96385074",                              // EAN-8, found
    "5901234123457",                         // not in the catalog
    "4012345000122",                         // the catalog fails for it
    "4006381333932",                         // bad check digit
    "12345",                                 // wrong length
    "03600029145X",                          // a letter
    "9912345678909",                         // a coupon
    "2011122912346",                         // GB variable-measure, base found
    "]C101000360002914521720010110LOT\"7\"", // element string, expired, lot
    "https://id.gs1.org/01/04006381333931/10/AB%2FC?17=301231&3103=001250", // Digital Link
    "https://id.gs1.org/01/09506000134352/21/SN1", // Digital Link, not in the catalog
    "]C10100036000291452179912",             // a bad AI value
];
/// The region the test schema decodes variable-measure labels of.
const REGION: RcnRegion = RcnRegion::Gb;

struct Fixed(HashMap<Gtin, Product>);

#[async_trait]
impl Catalog for Fixed {
    async fn fetch(&self, keys: &[Gtin]) -> Vec<FetchResult> {
        keys.iter()
            .map(|key| {
                if *key == parse(FAILING).unwrap() {
                    return Err(CatalogError::Unavailable("down".into()));
                }
                Ok(self.0.get(key).cloned())
            })
            .collect()
    }
}

fn catalog() -> Fixed {
    let bare = |code: &str, title: &str| Product {
        gtin: parse(code).unwrap(),
        title: title.to_owned(),
        brand: None,
        description: None,
        price: None,
        images: Vec::new(),
        categories: Vec::new(),
        attributes: Vec::new(),
        availability: Availability::Unknown,
        updated_at: None,
    };
    let tissue = Product {
        brand: Some("Kleenex".to_owned()),
        price: Some(Price {
            amount: "4.99".to_owned(),
            currency: "USD".to_owned(),
        }),
        categories: vec!["Home".to_owned(), "Paper".to_owned()],
        availability: Availability::LowStock,
        ..bare("036000291452", "Tissue")
    };
    let full = Product {
        brand: Some("Größe \"Quoted\" \\ Brand".to_owned()),
        description: Some("Line one\nline two\ttab \u{1} ctrl, emoji 🦀, </script>".to_owned()),
        price: Some(Price {
            amount: "12.50".to_owned(),
            currency: "EUR".to_owned(),
        }),
        images: vec![
            Image {
                url: "https://img.example/a.jpg?x=1&y=\"2\"".to_owned(),
                alt: Some("front".to_owned()),
            },
            Image {
                url: "https://img.example/b.jpg".to_owned(),
                alt: None,
            },
        ],
        categories: vec!["Stationery".to_owned()],
        attributes: vec![
            Attribute {
                name: "colour".to_owned(),
                value: Some("blau/grün".to_owned()),
            },
            Attribute {
                name: "refill".to_owned(),
                value: None,
            },
        ],
        availability: Availability::Discontinued,
        updated_at: Some("2026-04-02T12:40:00Z".to_owned()),
        ..bare("4006381333931", "Pen \u{7f} with a \"nib\"")
    };
    let mints = bare("96385074", "Mints");
    let weighed = Product {
        gtin: lookup_key("2011122912346", Some(REGION)).unwrap(),
        ..bare("96385074", "Cheese by weight")
    };
    Fixed(
        [tissue, full, mints, weighed]
            .into_iter()
            .map(|p| (p.gtin, p))
            .collect(),
    )
}

fn schema() -> GatewaySchema {
    let loader = ProductLoader::new(
        Arc::new(catalog()),
        ProductCache::new(CacheSettings::default()),
        LoaderSettings {
            window: Duration::ZERO,
            max_batch: NonZeroUsize::new(100).unwrap(),
        },
    );
    build_schema(
        loader,
        GraphqlSettings {
            max_gtins_per_query: BUDGET,
            rcn_region: Some(REGION),
            limits: QueryLimits {
                max_depth: 10,
                max_complexity: 1000,
                max_aliases: 30,
                max_root_fields: 10,
                introspection: true,
            },
            apq_cache_size: NonZeroU64::MIN,
            apq_cache_max_bytes: 1 << 20,
            document_cache_size: 100,
            document_cache_max_bytes: 1 << 20,
            compiled_plans: true,
        },
    )
}

/// One root field to generate.
#[derive(Clone, Debug)]
enum Root {
    Typename,
    Product {
        code: usize,
        by_variable: bool,
        selection: Vec<&'static str>,
    },
    Products {
        codes: Vec<usize>,
        by_variable: bool,
        selection: Vec<&'static str>,
    },
    /// Codes are indexes into [`LINE_CODES`].
    Lookups {
        codes: Vec<usize>,
        by_variable: bool,
        selection: Vec<&'static str>,
    },
}

impl Root {
    /// What the root field spends of the GTIN budget.
    fn asked(&self) -> usize {
        match self {
            Root::Typename => 0,
            Root::Product { .. } => 1,
            Root::Products { codes, .. } | Root::Lookups { codes, .. } => codes.len(),
        }
    }
}

const PRODUCT_FIELDS: &[&str] = &[
    "gtin",
    "gtin13",
    "upc",
    "title",
    "brand",
    "description",
    "price { amount currency }",
    "price { __typename currency }",
    "images { url alt }",
    "images { alt __typename url }",
    "categories",
    "attributes { name value }",
    "attributes { value __typename }",
    "availability",
    "servedStale",
    "updatedAt",
    "__typename",
];

const LOOKUP_FIELDS: &[&str] = &[
    "input",
    "status",
    "__typename",
    "product { gtin title price { amount currency } availability }",
    "product { __typename servedStale brand images { url } }",
    "gtin { gtin14 kind format valid }",
    "gtin { input upcA upcE gtin8 gtin13 indicator lookupGtin14 __typename }",
    "gtin { gs1Prefix { prefix organisation } variableMeasure { region price weightKg count lookupGtin14 __typename } }",
    "gtin { warnings { code message } applicationIdentifiers { ai title value } error { reason message hint ai __typename } }",
    "gtin { lot serial expiryDate bestBeforeDate sellByDate productionDate packagingDate netWeightKg price }",
    "scan { lot serial expiryDate bestBeforeDate netWeightKg price expired __typename }",
    "scan { expired }",
    "error { code reason message __typename }",
    "error { message }",
];

fn selection() -> impl Strategy<Value = Vec<&'static str>> {
    fields_of(PRODUCT_FIELDS)
}

/// 1 to 8 of `fields`, in any order, at most one selection of each object field
/// (two would have to merge).
fn fields_of(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::subsequence(fields.to_vec(), 1..=8)
        .prop_shuffle()
        .prop_map(|mut fields| {
            let mut seen: Vec<&str> = Vec::new();
            fields.retain(|field| {
                let name = field.split(' ').next().unwrap_or(field);
                let fresh = !seen.contains(&name);
                seen.push(name);
                fresh
            });
            fields
        })
}

fn root(codes: usize) -> impl Strategy<Value = Root> {
    prop_oneof![
        1 => Just(Root::Typename),
        4 => (0..codes, any::<bool>(), selection()).prop_map(|(code, by_variable, selection)| {
            Root::Product { code, by_variable, selection }
        }),
        4 => (prop::collection::vec(0..codes, 0..5), any::<bool>(), selection()).prop_map(
            |(codes, by_variable, selection)| Root::Products { codes, by_variable, selection }
        ),
        4 => (
            prop::collection::vec(0..LINE_CODES.len(), 0..8),
            any::<bool>(),
            fields_of(LOOKUP_FIELDS),
        ).prop_map(|(codes, by_variable, selection)| Root::Lookups { codes, by_variable, selection }),
    ]
}

/// A request: the document, its variables, and the operation name it sends.
struct Case {
    query: String,
    variables: Value,
    operation_name: Option<&'static str>,
    /// The root fields' response keys, in the document's order.
    keys: Vec<String>,
}

fn case(roots: &[Root], aliases: &[bool], named: u8, codes: &[&str]) -> Case {
    let mut declarations = Vec::new();
    let mut variables = serde_json::Map::new();
    let mut fields = Vec::new();
    let mut used_keys: Vec<String> = Vec::new();
    for (index, root) in roots.iter().enumerate() {
        let name = match root {
            Root::Typename => "__typename",
            Root::Product { .. } => "product",
            Root::Products { .. } => "products",
            Root::Lookups { .. } => "lookups",
        };
        let alias =
            aliases.get(index).copied().unwrap_or(false) || used_keys.iter().any(|k| k == name);
        let key = if alias {
            format!("f{index}")
        } else {
            name.to_owned()
        };
        let prefix = if alias {
            format!("{key}: ")
        } else {
            String::new()
        };
        used_keys.push(key);
        let field = match root {
            Root::Typename => format!("{prefix}__typename"),
            Root::Product {
                code,
                by_variable,
                selection,
            } => {
                let argument = if *by_variable {
                    declarations.push(format!("$v{index}: String!"));
                    variables.insert(format!("v{index}"), json!(codes[*code]));
                    format!("$v{index}")
                } else {
                    serde_json::to_string(codes[*code]).unwrap()
                };
                format!(
                    "{prefix}product(gtin: {argument}) {{ {} }}",
                    selection.join(" ")
                )
            }
            Root::Products {
                codes: picked,
                by_variable,
                selection,
            } => {
                let list: Vec<&str> = picked.iter().map(|&code| codes[code]).collect();
                let argument =
                    list_argument(list, *by_variable, index, &mut declarations, &mut variables);
                format!(
                    "{prefix}products(gtins: {argument}) {{ {} }}",
                    selection.join(" ")
                )
            }
            Root::Lookups {
                codes: picked,
                by_variable,
                selection,
            } => {
                let list: Vec<&str> = picked.iter().map(|&code| LINE_CODES[code]).collect();
                let argument =
                    list_argument(list, *by_variable, index, &mut declarations, &mut variables);
                format!(
                    "{prefix}lookups(codes: {argument}) {{ {} }}",
                    selection.join(" ")
                )
            }
        };
        fields.push(field);
    }
    let body = fields.join(" ");
    let (query, operation_name) = match (named, declarations.is_empty()) {
        // Anonymous shorthand, only possible without variables.
        (0, true) => (format!("{{ {body} }}"), None),
        (0 | 1, _) => (
            format!("query {}{{ {body} }}", signature(&declarations)),
            None,
        ),
        (2, _) => (
            format!("query Basket{} {{ {body} }}", signature(&declarations)),
            None,
        ),
        _ => (
            format!("query Basket{} {{ {body} }}", signature(&declarations)),
            Some("Basket"),
        ),
    };
    Case {
        query,
        variables: Value::Object(variables),
        operation_name,
        keys: used_keys,
    }
}

/// A `[String!]!` argument: a variable (declared, its value set) or a literal list.
fn list_argument(
    list: Vec<&str>,
    by_variable: bool,
    index: usize,
    declarations: &mut Vec<String>,
    variables: &mut serde_json::Map<String, serde_json::Value>,
) -> String {
    if by_variable {
        declarations.push(format!("$v{index}: [String!]!"));
        variables.insert(format!("v{index}"), json!(list));
        format!("$v{index}")
    } else {
        serde_json::to_string(&list).unwrap()
    }
}

fn signature(declarations: &[String]) -> String {
    if declarations.is_empty() {
        String::new()
    } else {
        format!("({})", declarations.join(", "))
    }
}

fn request(case: &Case) -> async_graphql::Request {
    let mut request = async_graphql::Request::new(&case.query)
        .variables(async_graphql::Variables::from_json(case.variables.clone()));
    if let Some(name) = case.operation_name {
        request = request.operation_name(name);
    }
    request
}

/// Runs `case` on both paths; the plan's answer (if any) and the general one.
fn both(
    runtime: &tokio::runtime::Runtime,
    schema: &GatewaySchema,
    case: &Case,
    plan_first: bool,
) -> (Option<Vec<u8>>, Vec<u8>) {
    runtime.block_on(async {
        let planned = || async {
            schema
                .execute_planned(&request(case), None, None)
                .await
                .map(|planned| planned.body)
        };
        let general = || async {
            let response = in_document_order(schema.execute(request(case)).await, &case.keys);
            serde_json::to_vec(&response).unwrap()
        };
        if plan_first {
            let planned = planned().await;
            (planned, general().await)
        } else {
            let general = general().await;
            (planned().await, general)
        }
    })
}

/// async-graphql writes root fields (and their errors) in the order they complete,
/// which depends on which items were cached; the plan writes the document's order
/// (the spec's). The general answer put in that order, which is what it is whenever
/// its fields happen to complete in order.
fn in_document_order(
    mut response: async_graphql::Response,
    keys: &[String],
) -> async_graphql::Response {
    let rank = |key: &str| keys.iter().position(|k| k == key);
    if let async_graphql::Value::Object(fields) = &mut response.data {
        fields.sort_by(|a, _, b, _| rank(a.as_str()).cmp(&rank(b.as_str())));
    }
    response.errors.sort_by_key(|error| {
        let root = match error.path.first() {
            Some(async_graphql::PathSegment::Field(key)) => rank(key),
            _ => None,
        };
        let item = match error.path.get(1) {
            Some(async_graphql::PathSegment::Index(item)) => *item,
            _ => 0,
        };
        (root, item)
    });
    response
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_plannable_request_gets_the_general_paths_bytes(
        roots in prop::collection::vec(root(CODES.len()), 1..=4),
        aliases in prop::collection::vec(any::<bool>(), 4),
        named in 0u8..4,
        plan_first in any::<bool>(),
    ) {
        let case = case(&roots, &aliases, named, CODES);
        let asked: usize = roots.iter().map(Root::asked).sum();
        let (planned, general) = both(&runtime(), &schema(), &case, plan_first);
        if asked > BUDGET {
            prop_assert!(planned.is_none(), "over the budget: {}", case.query);
        } else {
            let planned = planned.unwrap_or_else(|| panic!("no plan for {}", case.query));
            prop_assert_eq!(
                String::from_utf8_lossy(&planned),
                String::from_utf8_lossy(&general),
                "{} {}", case.query, case.variables
            );
        }
    }

    #[test]
    fn a_request_with_a_bad_code_is_given_back(
        roots in prop::collection::vec(root(CODES.len() + BAD_CODES.len()), 1..=4),
        aliases in prop::collection::vec(any::<bool>(), 4),
        named in 0u8..4,
    ) {
        let codes: Vec<&str> = CODES.iter().chain(BAD_CODES).copied().collect();
        let case = case(&roots, &aliases, named, &codes);
        // A bad `lookups` line is a status inside `data`: it is planned.
        let bad = roots.iter().any(|root| match root {
            Root::Typename | Root::Lookups { .. } => false,
            Root::Product { code, .. } => *code >= CODES.len(),
            Root::Products { codes, .. } => codes.iter().any(|code| *code >= CODES.len()),
        });
        let over = roots.iter().map(Root::asked).sum::<usize>() > BUDGET;
        let (planned, general) = both(&runtime(), &schema(), &case, true);
        match planned {
            Some(planned) => {
                prop_assert!(!bad && !over, "planned with a bad code: {}", case.query);
                prop_assert_eq!(planned, general);
            }
            None => prop_assert!(bad || over, "not planned: {}", case.query),
        }
    }
}

/// Requests the plan leaves to the general path, each for its own reason.
#[test]
fn requests_outside_the_plans_shape_are_given_back() {
    let runtime = runtime();
    let schema = schema();
    let given_back = |query: &str, variables: Value, operation_name: Option<&str>| {
        let mut request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        if let Some(name) = operation_name {
            request = request.operation_name(name);
        }
        runtime
            .block_on(schema.execute_planned(&request, None, None))
            .is_none()
    };
    let found = "036000291452";
    let many_aliases = format!(
        "{{ {} }}",
        (0..31)
            .map(|i| format!("a{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // The plan takes this one (the others differ from it in one thing each).
    assert!(!given_back(
        &format!(r#"{{ product(gtin: "{found}") {{ title }} }}"#),
        json!({}),
        None
    ));
    for (query, variables, operation_name) in [
        // A name the document does not have, or a name for an anonymous operation.
        (
            "query A { product(gtin: \"036000291452\") { title } }",
            json!({}),
            Some("B"),
        ),
        (
            "{ product(gtin: \"036000291452\") { title } }",
            json!({}),
            Some("A"),
        ),
        // Variables: missing, of another shape, declared nullable, unused, defaulted.
        (
            "query($g: String!) { product(gtin: $g) { title } }",
            json!({}),
            None,
        ),
        (
            "query($g: String!) { product(gtin: $g) { title } }",
            json!({ "g": 36 }),
            None,
        ),
        (
            "query($g: [String!]!) { products(gtins: $g) { title } }",
            json!({ "g": found }),
            None,
        ),
        (
            "query($g: String) { product(gtin: $g) { title } }",
            json!({ "g": found }),
            None,
        ),
        (
            "query($g: String!, $h: String!) { product(gtin: $g) { title } }",
            json!({ "g": found, "h": found }),
            None,
        ),
        (
            "query($g: String! = \"036000291452\") { product(gtin: $g) { title } }",
            json!({}),
            None,
        ),
        // Fragments, directives, other root fields, unknown fields, repeated keys.
        (
            "{ product(gtin: \"036000291452\") { ...F } } fragment F on Product { title }",
            json!({}),
            None,
        ),
        (
            "{ product(gtin: \"036000291452\") { title @skip(if: false) } }",
            json!({}),
            None,
        ),
        ("{ gtin(code: \"036000291452\") { kind } }", json!({}), None),
        (
            "{ product(gtin: \"036000291452\") { title nope } }",
            json!({}),
            None,
        ),
        (
            "{ product(gtin: \"036000291452\") { title title } }",
            json!({}),
            None,
        ),
        (
            "{ product(gtin: \"036000291452\") { price } }",
            json!({}),
            None,
        ),
        // A lone string where a list is expected (coerced by the general path).
        (
            "{ products(gtins: \"036000291452\") { title } }",
            json!({}),
            None,
        ),
        // Too many aliases for the limits (max 30).
        (many_aliases.as_str(), json!({}), None),
        // Not even a document.
        ("{ product(gtin: ", json!({}), None),
    ] {
        assert!(given_back(query, variables, operation_name), "{query}");
    }
}

/// The object types of the schema's SDL, each with its fields' names and (innermost)
/// type names.
fn schema_types() -> HashMap<String, Vec<(String, String)>> {
    use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};

    let document = async_graphql::parser::parse_schema(crate::graphql::sdl()).unwrap();
    let mut types = HashMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let TypeKind::Object(object) = definition.node.kind else {
            continue;
        };
        let fields = object
            .fields
            .iter()
            .map(|field| {
                let mut ty = &field.node.ty.node;
                while let BaseType::List(item) = &ty.base {
                    ty = item;
                }
                let BaseType::Named(name) = &ty.base else {
                    unreachable!("a list's innermost type is named")
                };
                (field.node.name.node.to_string(), name.to_string())
            })
            .collect();
        types.insert(definition.node.name.node.to_string(), fields);
    }
    types
}

/// Every field of every type a plan renders (the object types reachable from the
/// planned root fields in the SDL), each as a document selecting just that field,
/// through the root that reaches its type, for a list of codes of every kind;
/// fields in `NOT_PLANNED` left out. Fails when a root field is neither planned here
/// nor listed.
fn every_planned_field() -> Vec<(String, String)> {
    let types = schema_types();
    let quoted = |codes: &[&str]| serde_json::to_string(codes).unwrap();
    let roots: HashMap<&str, String> = [
        ("product", format!("product(gtin: \"{}\")", CODES[0])),
        ("products", format!("products(gtins: {})", quoted(CODES))),
        ("lookups", format!("lookups(codes: {})", quoted(LINE_CODES))),
    ]
    .into_iter()
    .collect();
    let listed = |ty: &str, field: &str| NOT_PLANNED.contains(&(ty, field));
    let mut documents = Vec::new();
    let mut seen: Vec<String> = vec!["Query".to_owned()];
    // (type, the document's text before and after a selection of it)
    let mut open: Vec<(String, String, String)> = Vec::new();
    for (field, ty) in &types["Query"] {
        if listed("Query", field) {
            continue;
        }
        let root = roots
            .get(field.as_str())
            .unwrap_or_else(|| panic!("Query.{field}: plan it or list it in NOT_PLANNED"));
        open.push((ty.clone(), format!("{{ {root} {{ "), " } }".to_owned()));
    }
    while let Some((ty, before, after)) = open.pop() {
        if seen.contains(&ty) {
            continue;
        }
        seen.push(ty.clone());
        for (field, field_type) in &types[&ty] {
            if listed(&ty, field) {
                continue;
            }
            let selection = match types.contains_key(field_type) {
                true => {
                    open.push((
                        field_type.clone(),
                        format!("{before}{field} {{ "),
                        format!(" }}{after}"),
                    ));
                    format!("{field} {{ __typename }}")
                }
                false => field.clone(),
            };
            documents.push((
                format!("{ty}.{field}"),
                format!("{before}{selection}{after}"),
            ));
        }
    }
    documents
}

#[test]
fn every_field_a_plan_renders_is_planned_or_listed() {
    let fields = every_planned_field();
    // The walk reached the types of all three planned roots.
    for field in [
        "Product.title",
        "Lookup.status",
        "GtinInfo.kind",
        "ScanData.expired",
    ] {
        assert!(fields.iter().any(|(name, _)| name == field), "{field}");
    }
    for (field, query) in fields {
        let document = async_graphql::parser::parse_query(&query).unwrap();
        assert!(
            compile::compile(&document).is_some(),
            "{field} has no plan: add it to plan/compile.rs and plan/run.rs, or to NOT_PLANNED ({query})"
        );
    }
}

#[test]
fn every_planned_field_gets_the_general_paths_bytes() {
    let runtime = runtime();
    let schema = schema();
    for (field, query) in every_planned_field() {
        // One root field: nothing to put in order.
        let case = Case {
            keys: Vec::new(),
            query,
            variables: json!({}),
            operation_name: None,
        };
        let (planned, general) = both(&runtime, &schema, &case, true);
        let planned = planned.unwrap_or_else(|| panic!("{field}: no plan for {}", case.query));
        assert_eq!(
            String::from_utf8_lossy(&planned),
            String::from_utf8_lossy(&general),
            "{field}"
        );
    }
}

#[test]
fn not_planned_fields_are_in_the_schema() {
    let types = schema_types();
    for (ty, field) in NOT_PLANNED {
        let known = types
            .get(*ty)
            .is_some_and(|fields| fields.iter().any(|(name, _)| name == field));
        assert!(
            known,
            "{ty}.{field} is listed as not planned but is not in the schema"
        );
    }
}

//! Every field of every type a plan renders is planned (with the general path's
//! bytes) or listed in `NOT_PLANNED`, and every listed field is in the schema.

use super::*;

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

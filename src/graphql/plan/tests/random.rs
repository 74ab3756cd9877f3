//! Random plannable documents (aliases, field orders, literals and variables,
//! operation names) on both paths: byte-identical answers, and documents with a
//! bad code or over the budget given back.

use proptest::prelude::*;

use super::*;

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

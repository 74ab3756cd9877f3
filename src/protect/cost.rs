//! The cost of an operation, computed before it runs with the static rules of the
//! IBM GraphQL Cost Directive specification (`@cost`, `@listSize`): a field costs
//! its weight, and a list field multiplies the cost of its items by its size, taken
//! from its slicing argument.
//!
//! The weights are those the schema would carry as directives (they are kept here,
//! not in `schema.graphql`, so the committed SDL and the introspection every client
//! tool reads are unchanged; docs/protection.md shows them as SDL):
//!
//! ```graphql
//! type Product @cost(weight: 1)          # one catalog lookup
//! type Lookup  @cost(weight: 1)          # one basket line, looked up whatever it selects
//! type Query {
//!   products(gtins: [String!]!): [Product]! @listSize(slicingArguments: ["gtins"])
//!   lookups(codes: [String!]!): [Lookup!]! @listSize(slicingArguments: ["codes"])
//!   _entities(representations: [_Any!]!): [_Entity]! @listSize(slicingArguments: ["representations"])
//!   gtin(code: String!): GtinInfo! @cost(weight: 0)  # computed, no lookup
//! }
//! # every other object type, scalar and enum: weight 0 (they come with their lookup)
//! ```
//!
//! So `product` costs 1, a basket of 40 (`products` or `lookups`) costs 40, and
//! `gtin`, `__typename` and introspection cost 0. Nothing under a `Product` or a
//! `Lookup` costs anything, so the walk reads only the root selection (fragments
//! expanded), and it stops after [`MAX_VISITS`] root selections: a document that
//! spreads fragments into each other exponentially is priced at [`u64::MAX`]
//! rather than walked.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value, Variables};

/// Most root selections (fields, fragments) one cost walk visits.
pub(crate) const MAX_VISITS: usize = 10_000;

/// The cost of the operation of `document` that `operation_name` selects (the most
/// costly one when the name matches none: validation will refuse it anyway).
/// `assumed_size` is the size of a list whose slicing argument is not known (a
/// missing variable).
pub(crate) fn operation_cost(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    assumed_size: u64,
) -> u64 {
    let price = |operation: &Positioned<OperationDefinition>| {
        let mut walk = Walk {
            document,
            variables,
            assumed_size,
            expanding: Vec::new(),
            visits: 0,
        };
        walk.root(&operation.node.selection_set.node)
            .unwrap_or(u64::MAX)
    };
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => price(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            match operations.get(&Name::new(name)) {
                Some(operation) => price(operation),
                None => operations.values().map(price).max().unwrap_or_default(),
            }
        }
        (DocumentOperations::Multiple(operations), None) => {
            operations.values().map(price).max().unwrap_or_default()
        }
    }
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    assumed_size: u64,
    /// Fragments being expanded, innermost last (a cycle is skipped: validation
    /// refuses it).
    expanding: Vec<&'a Name>,
    visits: usize,
}

impl<'a> Walk<'a> {
    /// The cost of a root selection set; `None` past [`MAX_VISITS`].
    fn root(&mut self, set: &'a SelectionSet) -> Option<u64> {
        let mut cost: u64 = 0;
        for item in &set.items {
            self.visits += 1;
            if self.visits > MAX_VISITS {
                return None;
            }
            let item_cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let size = |argument: &str| self.list_size(field, argument);
                    match field.name.node.as_str() {
                        // @cost(weight: 1) through the type Product.
                        "product" => 1,
                        // A list of weight-1 items, sized by its slicing argument.
                        "products" => size("gtins"),
                        "lookups" => size("codes"),
                        "_entities" => size("representations"),
                        // gtin, __typename, _service, introspection: weight 0.
                        _ => 0,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.root(&fragment.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    match self.document.fragments.get(name) {
                        Some(fragment) if !self.expanding.contains(&name) => {
                            self.expanding.push(name);
                            let cost = self.root(&fragment.node.selection_set.node);
                            self.expanding.pop();
                            cost?
                        }
                        _ => 0,
                    }
                }
            };
            cost = cost.saturating_add(item_cost);
        }
        Some(cost)
    }

    /// The size of the list `argument` of `field`: a literal list's length, a
    /// variable's, 1 for a single value (input coercion makes it a list of one),
    /// and the assumed size when it is not known.
    fn list_size(&self, field: &async_graphql::parser::types::Field, argument: &str) -> u64 {
        let value = field
            .arguments
            .iter()
            .find(|(name, _)| name.node == argument)
            .map(|(_, value)| &value.node);
        let Some(value) = value else {
            return self.assumed_size;
        };
        // Variables substituted; a variable that was not sent leaves the size unknown.
        let resolved = value
            .clone()
            .into_const_with(|name| self.variables.get(&name).cloned().ok_or(()));
        match resolved {
            Ok(Value::List(items)) => items.len() as u64,
            Ok(Value::Null) => 0,
            Ok(_) => 1,
            Err(()) => self.assumed_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn cost(query: &str, variables: serde_json::Value) -> u64 {
        let document = parse_query(query).unwrap_or_else(|e| panic!("{e}"));
        operation_cost(&document, None, &Variables::from_json(variables), 1000)
    }

    #[test]
    fn a_basket_of_forty_costs_forty_lookups() {
        let codes: Vec<String> = (0..40).map(|n| format!("{n:012}")).collect();
        let literal = format!("{{ products(gtins: {codes:?}) {{ title price {{ amount }} }} }}");
        assert_eq!(cost(&literal, serde_json::json!({})), 40);
        assert_eq!(
            cost(
                "query B($c: [String!]!) { lookups(codes: $c) { status product { title } } }",
                serde_json::json!({ "c": codes }),
            ),
            40
        );
    }

    #[test]
    fn fields_aliases_and_fragments_add_up() {
        assert_eq!(
            cost("{ product(gtin: \"1\") { title } }", serde_json::json!({})),
            1
        );
        assert_eq!(
            cost(
                "{ a: product(gtin: \"1\") { title } b: product(gtin: \"2\") { title } ...F }
                 fragment F on Query { products(gtins: [\"1\", \"2\", \"3\"]) { title } }",
                serde_json::json!({}),
            ),
            5
        );
        assert_eq!(
            cost(
                "{ gtin(code: \"1\") { valid } __typename }",
                serde_json::json!({})
            ),
            0
        );
        // A variable that is not sent is priced at the assumed size.
        assert_eq!(
            cost(
                "query Q($g: [String!]!) { products(gtins: $g) { title } }",
                serde_json::json!({})
            ),
            1000
        );
    }

    #[test]
    fn an_exponential_fragment_spread_is_priced_at_the_maximum_not_walked() {
        let mut query = String::from("{ ...F0 }\n");
        for n in 0..40 {
            query.push_str(&format!(
                "fragment F{n} on Query {{ ...F{m} ...F{m} }}\n",
                m = n + 1
            ));
        }
        query.push_str("fragment F40 on Query { product(gtin: \"1\") { title } }\n");
        assert_eq!(cost(&query, serde_json::json!({})), u64::MAX);
    }
}

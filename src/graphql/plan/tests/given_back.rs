//! Documents outside the plans' shape, each given back to the general path for
//! its own reason.

use super::*;

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

//! With `--introspection off` the schema is not only unlisted but unguessable: a
//! validation error names nothing the request did not name. async-graphql's own
//! messages suggest fields, arguments and types ("Did you mean \"product\"?") and
//! name the types a field sits on; tools such as clairvoyance rebuild a hidden schema
//! from exactly those. Here the suggestions go, and every quoted name the request's
//! text does not hold becomes `…`. With introspection on, the messages stay as they
//! are: they help a person at GraphiQL.

/// `message` without suggestions, and with the names `query` does not hold hidden.
pub(crate) fn hide_schema(message: &str, query: &str) -> String {
    let message = match message.find(" Did you mean") {
        Some(at) => format!("{}.", message[..at].trim_end_matches('.')),
        None => message.to_owned(),
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else {
            out.push_str(after);
            return out;
        };
        let name = &after[..close];
        if name.is_empty() || query.contains(name) {
            out.push_str(name);
        } else {
            out.push('…');
        }
        out.push('"');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_and_names_the_request_did_not_give_are_hidden() {
        let query = "{ prodct(gtin: \"1\") { title } }";
        assert_eq!(
            hide_schema(
                "Unknown field \"prodct\" on type \"Query\". Did you mean \"product\", \"products\"?",
                query
            ),
            "Unknown field \"prodct\" on type \"…\"."
        );
        let query = "{ product(gtn: \"1\") { title } }";
        assert_eq!(
            hide_schema(
                "Unknown argument \"gtn\" on field \"Query.product\". Did you mean \"gtin\"?",
                query
            ),
            "Unknown argument \"gtn\" on field \"…\"."
        );
        assert_eq!(
            hide_schema(
                "Field \"product\" of type \"Product\" must have a selection of subfields",
                "{ product(gtin: \"1\") }"
            ),
            "Field \"product\" of type \"…\" must have a selection of subfields"
        );
        assert_eq!(hide_schema("no quotes at all", "{ x }"), "no quotes at all");
        assert_eq!(
            hide_schema("an \"unclosed quote", "{ x }"),
            "an \"unclosed quote"
        );
    }
}

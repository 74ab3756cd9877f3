//! Reading a GraphQL request out of an HTTP request, per GraphQL over HTTP: GET with
//! the query string (queries only), POST with an `application/json` body holding one
//! request or a batch (a JSON array). Everything that makes the HTTP request not a
//! GraphQL request, or one the HTTP limits refuse, is an [`HttpError`] here, before
//! any GraphQL runs.
//!
//! A GET document is parsed once, here, to refuse a mutation; the parsed document is
//! handed on with the request so execution does not parse it again.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, Request, Variables};
use axum::http::{HeaderMap, Method, header};
use serde_json::Value;

use crate::http::error::{HttpError, Refusal};
use crate::telemetry::metrics::operation_label;

/// Reads the GraphQL request(s) of an HTTP request and checks them against the
/// HTTP-level limits (`max_operations` per batch, no mutation over GET).
pub(crate) fn read(
    method: &Method,
    headers: &HeaderMap,
    query_string: Option<&str>,
    body: &[u8],
    max_operations: usize,
) -> Result<BatchRequest, HttpError> {
    match *method {
        Method::GET => read_get(query_string.unwrap_or_default()).map(BatchRequest::Single),
        Method::POST => {
            check_json_content_type(headers)?;
            let batch = parse_body(body)?;
            check_batch_size(&batch, max_operations)?;
            Ok(batch)
        }
        _ => Err(HttpError::new(Refusal::MethodNotAllowed)),
    }
}

/// The metrics label of the operation(s): the declared or given name, `anonymous`,
/// or `batch` for a batch.
pub(crate) fn operation(batch: &BatchRequest) -> String {
    match batch {
        BatchRequest::Single(request) => operation_label(
            request
                .operation_name
                .as_deref()
                .or_else(|| declared_operation_name(&request.query)),
        ),
        BatchRequest::Batch(_) => "batch".to_owned(),
    }
}

/// A GET request: its parameters, then its document, parsed once to refuse a
/// mutation and kept for execution.
fn read_get(query_string: &str) -> Result<Request, HttpError> {
    let mut request = parse_get(query_string)?;
    // A document that does not parse is left to execution to report, as a GraphQL
    // error with the position of the mistake.
    if let Ok(document) = async_graphql::parser::parse_query(&request.query) {
        if selects_mutation(&document, request.operation_name.as_deref()) {
            return Err(HttpError::new(Refusal::MutationOverGet));
        }
        request.set_parsed_query(document);
    }
    Ok(request)
}

fn check_json_content_type(headers: &HeaderMap) -> Result<(), HttpError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(HttpError::new(Refusal::UnsupportedMediaType))
    }
}

fn check_batch_size(batch: &BatchRequest, max_operations: usize) -> Result<(), HttpError> {
    match batch {
        BatchRequest::Batch(requests) if requests.len() > max_operations => {
            Err(HttpError::new(Refusal::TooManyOperations {
                count: requests.len(),
                max: max_operations,
            }))
        }
        _ => Ok(()),
    }
}

/// Reads `query`, `operationName`, `variables` and `extensions` (JSON-encoded) from
/// a GET query string. (async-graphql's own reader expects `operation_name`, which
/// the spec does not use; see `docs/decisions.md`.)
fn parse_get(query_string: &str) -> Result<Request, HttpError> {
    let bad = |message: String| HttpError::bad_request(message);
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
        .map_err(|error| bad(format!("invalid query string: {error}")))?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let json_object = |name: &str| -> Result<Option<Value>, HttpError> {
        match param(name) {
            None | Some("") => Ok(None),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(value @ Value::Object(_)) => Ok(Some(value)),
                Ok(Value::Null) => Ok(None),
                _ => Err(bad(format!("`{name}` must be a JSON object"))),
            },
        }
    };
    let mut request = Request::new(param("query").unwrap_or_default());
    if let Some(name) = param("operationName").filter(|name| !name.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = json_object("variables")? {
        request = request.variables(Variables::from_json(variables));
    }
    if let Some(extensions) = json_object("extensions")? {
        request.extensions = serde_json::from_value(extensions)
            .map_err(|error| bad(format!("invalid `extensions`: {error}")))?;
    }
    if let Some(id) = param("documentId").filter(|id| !id.is_empty()) {
        with_document_id(&mut request, id.to_owned());
    }
    if request.query.is_empty()
        && !request.extensions.contains_key("persistedQuery")
        && !request.extensions.contains_key("documentId")
    {
        return Err(bad("the `query` parameter is missing".to_owned()));
    }
    Ok(request)
}

/// A POST body: one request object, or a non-empty array of them.
///
/// The common body, one object of `query` and maybe `operationName` and
/// `variables`, is read straight into its request; any other is read through
/// [`parse_body_checked`], which says what is wrong with it. Both read a body
/// alike (a property test), the first without building the JSON twice: as a
/// `Value`, then as the request (0.9 µs of a protected request's 19, profiled).
fn parse_body(body: &[u8]) -> Result<BatchRequest, HttpError> {
    match serde_json::from_slice::<PlainRequest>(body) {
        Ok(plain) => Ok(BatchRequest::Single(plain.into_request())),
        Err(_) => parse_body_checked(body),
    }
}

/// The common request body: these fields and no others, each of its JSON type.
/// A `null` `operationName` or `variables` is as absent, as for the spec.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainRequest {
    query: String,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Variables,
}

impl PlainRequest {
    fn into_request(self) -> Request {
        let mut request = Request::new(self.query);
        request.operation_name = self.operation_name;
        request.variables = self.variables;
        request
    }
}

/// A POST body read as JSON first, then checked field by field.
fn parse_body_checked(body: &[u8]) -> Result<BatchRequest, HttpError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| HttpError::bad_request(format!("the body is not JSON: {error}")))?;
    match value {
        Value::Array(items) if items.is_empty() => {
            Err(HttpError::bad_request("an empty batch has nothing to run"))
        }
        Value::Array(items) => Ok(BatchRequest::Batch(
            items.into_iter().map(parse_one).collect::<Result<_, _>>()?,
        )),
        other => Ok(BatchRequest::Single(parse_one(other)?)),
    }
}

/// One request object, its fields checked for the types the spec requires.
fn parse_one(value: Value) -> Result<Request, HttpError> {
    let bad = |message: String| HttpError::bad_request(message);
    let Value::Object(fields) = &value else {
        return Err(bad("a GraphQL request must be a JSON object".to_owned()));
    };
    match fields.get("query") {
        Some(Value::String(_)) => {}
        None if fields.contains_key("extensions") || fields.contains_key("documentId") => {}
        Some(_) => return Err(bad("`query` must be a string".to_owned())),
        None => return Err(bad("the `query` field is missing".to_owned())),
    }
    for name in ["variables", "extensions"] {
        if !matches!(
            fields.get(name),
            None | Some(Value::Null) | Some(Value::Object(_))
        ) {
            return Err(bad(format!("`{name}` must be an object")));
        }
    }
    if !matches!(
        fields.get("operationName"),
        None | Some(Value::Null) | Some(Value::String(_))
    ) {
        return Err(bad("`operationName` must be a string".to_owned()));
    }
    let document_id = match fields.get("documentId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(bad("`documentId` must be a string".to_owned())),
    };
    let mut request: Request = serde_json::from_value(value)
        .map_err(|error| bad(format!("invalid GraphQL request: {error}")))?;
    if let Some(id) = document_id {
        with_document_id(&mut request, id);
    }
    Ok(request)
}

/// Keeps a trusted document's `documentId` (GraphQL over HTTP's persisted-document
/// parameter) with the request, for the trusted-documents check to resolve.
fn with_document_id(request: &mut Request, id: String) {
    request
        .extensions
        .insert("documentId".to_owned(), async_graphql::Value::String(id));
}

/// Whether the operation a document's request selects is a mutation or subscription.
fn selects_mutation(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let operation_type = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .values()
            .next()
            .map(|operation| operation.node.ty),
        _ => None,
    };
    matches!(
        operation_type,
        Some(OperationType::Mutation | OperationType::Subscription)
    )
}

/// The name a document declares for its first operation (`query Basket(…)`), found
/// with a cheap scan instead of a parse; `None` for anonymous documents.
fn declared_operation_name(query: &str) -> Option<&str> {
    let rest = query.trim_start();
    let rest = ["query", "mutation", "subscription"]
        .iter()
        .find_map(|keyword| rest.strip_prefix(keyword))?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::test_support::json_headers;

    fn refusal(result: Result<BatchRequest, HttpError>) -> Refusal {
        match result {
            Ok(_) => panic!("expected a refusal"),
            Err(error) => error.refusal().clone(),
        }
    }

    #[test]
    fn the_declared_operation_name_is_found_without_parsing() {
        assert_eq!(
            declared_operation_name("  query Basket($g: [String!]!) { x }"),
            Some("Basket")
        );
        assert_eq!(declared_operation_name("query{ x }"), None);
        assert_eq!(
            declared_operation_name("{ product(gtin: \"1\") { title } }"),
            None
        );
        assert_eq!(declared_operation_name("queryX { x }"), None);
    }

    #[test]
    fn a_get_reads_the_spec_parameter_names() {
        let query = "query=query%20Q%20%7B%20a%20%7D&operationName=Q&variables=%7B%22x%22%3A1%7D";
        let Ok(BatchRequest::Single(request)) =
            read(&Method::GET, &HeaderMap::new(), Some(query), b"", 1)
        else {
            panic!("a valid GET");
        };
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert_eq!(
            request
                .variables
                .get("x")
                .map(ToString::to_string)
                .as_deref(),
            Some("1")
        );
    }

    #[test]
    fn a_get_document_is_parsed_once_and_handed_on() {
        let mut request = read_get("query=%7B%20a%20%7D").unwrap();
        // Handed on: the request holds its document, so execution does not parse it.
        // (A document that did not parse would be left unset, and an invalid text
        // here makes `parsed_query` fail if it had to parse.)
        request.query = "{ this does not parse".to_owned();
        assert!(request.parsed_query().is_ok());
    }

    #[test]
    fn a_mutation_over_get_is_refused_with_allow_post() {
        for query in [
            "query=mutation%20%7B%20a%20%7D",
            "query=query%20A%20%7B%20a%20%7D%20mutation%20B%20%7B%20b%20%7D&operationName=B",
        ] {
            assert_eq!(
                refusal(read(&Method::GET, &HeaderMap::new(), Some(query), b"", 1)),
                Refusal::MutationOverGet,
                "{query}"
            );
        }
    }

    #[test]
    fn a_get_without_a_query_is_a_bad_request() {
        assert!(matches!(
            refusal(read(&Method::GET, &HeaderMap::new(), Some(""), b"", 1)),
            Refusal::BadRequest(message) if message.contains("query")
        ));
    }

    #[test]
    fn a_post_needs_a_json_content_type() {
        assert_eq!(
            refusal(read(&Method::POST, &HeaderMap::new(), None, b"{}", 1)),
            Refusal::UnsupportedMediaType
        );
    }

    /// A body as the read gives it: what each request holds, or the refusal.
    fn as_read(batch: Result<BatchRequest, HttpError>) -> Result<Vec<String>, String> {
        let requests = match batch.map_err(|error| format!("{:?}", error.refusal()))? {
            BatchRequest::Single(request) => vec![request],
            BatchRequest::Batch(requests) => requests,
        };
        Ok(requests
            .iter()
            .map(|request| {
                format!(
                    "{:?} {:?} {} {:?}",
                    request.query,
                    request.operation_name,
                    serde_json::to_string(&request.variables).unwrap_or_default(),
                    // A hash map: in order, to compare.
                    request
                        .extensions
                        .iter()
                        .collect::<std::collections::BTreeMap<_, _>>()
                )
            })
            .collect())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The common body read straight into its request reads as the checked
        /// read reads it; every other body is the checked read's.
        #[test]
        fn every_body_reads_as_the_checked_read_reads_it(
            fields in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["query", "operationName", "variables", "extensions", "documentId", "other"]),
                    proptest::sample::select(vec![
                        "\"{ a }\"", "\"q\\n\\u00e9\"", "null", "1", "-0.5e3", "18446744073709551616",
                        "[]", "{}", "{\"a\": 1}", "{\"g\": [\"1\", null, true, 2.5, {\"x\": {}}]}",
                        "{\"a\": 1, \"a\": 2}", "\"Basket\"", "true",
                        "{\"n\": 18446744073709551616, \"f\": -0.5e3, \"i\": -7, \"s\": \"\\ud83d\\ude00\"}",
                    ]),
                ),
                0..5,
            ),
            batch in proptest::bool::ANY,
            common in proptest::option::of((
                proptest::option::of(proptest::sample::select(vec!["\"P\"", "null", "\"\""])),
                proptest::option::of(proptest::sample::select(vec![
                    "null", "{}", "{\"g\": \"00036000291452\"}",
                    "{\"n\": 18446744073709551616, \"f\": -0.5e3, \"l\": [1, {\"x\": null}]}",
                ])),
            )),
        ) {
            // Half the bodies of the common shape, the rest anything.
            let fields = match common {
                Some((name, variables)) => {
                    let mut fields = vec![("query", "\"query P { a }\"")];
                    fields.extend(name.map(|name| ("operationName", name)));
                    fields.extend(variables.map(|variables| ("variables", variables)));
                    fields
                }
                None => fields,
            };
            let object: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            let object = format!("{{{}}}", object.join(", "));
            let body = if batch { format!("[{object}]") } else { object };
            proptest::prop_assert_eq!(
                as_read(parse_body(body.as_bytes())),
                as_read(parse_body_checked(body.as_bytes())),
                "{}", body
            );
        }
    }

    #[test]
    fn the_common_body_is_read_straight_into_its_request() {
        let body = br#"{"query": "query P($g: String!) { product(gtin: $g) { title } }", "operationName": "P", "variables": {"g": "00036000291452"}}"#;
        assert!(serde_json::from_slice::<PlainRequest>(body).is_ok());
        assert_eq!(as_read(parse_body(body)), as_read(parse_body_checked(body)));
        let with_extensions = br#"{"query": "{ a }", "extensions": {}}"#;
        assert!(serde_json::from_slice::<PlainRequest>(with_extensions).is_err());
    }

    #[test]
    fn post_bodies_are_checked_field_by_field() {
        for (body, words) in [
            (&b"not json"[..], "not JSON"),
            (b"[]", "empty batch"),
            (b"1", "JSON object"),
            (b"{\"query\": 1}", "`query` must be a string"),
            (b"{}", "`query` field is missing"),
            (
                b"{\"query\": \"{a}\", \"variables\": []}",
                "`variables` must be an object",
            ),
            (
                b"{\"query\": \"{a}\", \"operationName\": 1}",
                "`operationName` must be a string",
            ),
        ] {
            let refused = refusal(read(&Method::POST, &json_headers(), None, body, 1));
            assert!(
                matches!(&refused, Refusal::BadRequest(message) if message.contains(words)),
                "{refused:?} for {}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_batch_over_the_limit_is_refused_and_one_at_it_is_read() {
        let body = br#"[{"query":"{a}"},{"query":"{b}"}]"#;
        assert_eq!(
            refusal(read(&Method::POST, &json_headers(), None, body, 1)),
            Refusal::TooManyOperations { count: 2, max: 1 }
        );
        assert!(matches!(
            read(&Method::POST, &json_headers(), None, body, 2),
            Ok(BatchRequest::Batch(requests)) if requests.len() == 2
        ));
    }

    #[test]
    fn other_methods_are_not_allowed() {
        assert_eq!(
            refusal(read(&Method::PUT, &HeaderMap::new(), None, b"", 1)),
            Refusal::MethodNotAllowed
        );
    }

    #[test]
    fn a_batch_is_labelled_batch_and_a_single_operation_by_its_name() {
        let single = BatchRequest::Single(Request::new("query Till { a }"));
        assert_eq!(operation(&single), "Till");
        let batch = BatchRequest::Batch(vec![Request::new("{ a }")]);
        assert_eq!(operation(&batch), "batch");
    }
}

//! `/graphql` per the GraphQL-over-HTTP specification: GET for queries (never for
//! mutations: 405), POST with `application/json`, a JSON array of operations as a
//! batch, and the response media type the client asks for:
//!
//! - `application/graphql-response+json`: request errors (the document does not
//!   parse or validate, variables do not coerce, a limit refuses it) are HTTP 400
//!   and carry no `data` entry; anything that executed is 200.
//! - `application/json` (also for `*/*` or no `Accept`, for older clients): 200 for
//!   every well-formed request, errors in the body.
//!
//! Malformed HTTP requests (a body that is not JSON, a missing query) are 400, an
//! unsupported body type 415, an `Accept` the gateway cannot satisfy 406.

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::observe::GraphqlOutcome;
use super::routes::AppState;
use crate::graphql::RequestScope;
use crate::telemetry::metrics::{GRAPHQL_ERRORS, operation_label};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const APPLICATION_JSON: &str = "application/json; charset=utf-8";

/// The media type of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            MediaType::Json => APPLICATION_JSON,
        }
    }
}

/// Handles GET and POST on `/graphql`.
pub(crate) async fn handle(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query_string): RawQuery,
    body: Bytes,
) -> Response {
    let Some(media_type) = negotiate(&headers) else {
        return http_error(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "accept application/graphql-response+json or application/json",
        );
    };
    let batch = match read_request(&method, &headers, query_string.as_deref(), &body) {
        Ok(batch) => batch,
        Err(refusal) => return refusal.into_response(media_type),
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > state.limits.max_operations
    {
        let message = format!(
            "{} operations in one batch, at most {} are allowed",
            requests.len(),
            state.limits.max_operations
        );
        return coded_error(
            StatusCode::BAD_REQUEST,
            media_type,
            &message,
            "TOO_MANY_OPERATIONS",
        );
    }
    if method == Method::GET && batch.iter().any(is_mutation) {
        let mut response = http_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media_type,
            "mutations are not allowed over GET; use POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let operation = match &batch {
        BatchRequest::Single(request) => operation_label(
            request
                .operation_name
                .as_deref()
                .or_else(|| declared_operation_name(&request.query)),
        ),
        BatchRequest::Batch(_) => "batch".to_owned(),
    };
    let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
    let batch = match batch {
        BatchRequest::Single(request) => {
            BatchRequest::Single(RequestScope::attach(request, Some(deadline)))
        }
        BatchRequest::Batch(requests) => BatchRequest::Batch(
            requests
                .into_iter()
                .map(|request| RequestScope::attach(request, Some(deadline)))
                .collect(),
        ),
    };
    let executed = state.schema.execute_batch(batch).await;
    let errors = count_errors(&executed);
    let mut response = respond(executed, media_type);
    response
        .extensions_mut()
        .insert(GraphqlOutcome { operation, errors });
    response
}

/// The name a document declares for its first operation (`query Basket(…)`), found
/// with a cheap scan instead of a second parse; `None` for anonymous documents.
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

/// Counts the response's errors, by code, into the metrics.
fn count_errors(executed: &BatchResponse) -> usize {
    let responses: Vec<&async_graphql::Response> = match executed {
        BatchResponse::Single(response) => vec![response],
        BatchResponse::Batch(responses) => responses.iter().collect(),
    };
    let mut total = 0;
    for error in responses.iter().flat_map(|response| &response.errors) {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .and_then(|code| match code {
                async_graphql::Value::String(code) => Some(code.as_str()),
                async_graphql::Value::Enum(code) => Some(code.as_str()),
                _ => None,
            })
            .unwrap_or("UNCODED");
        metrics::counter!(GRAPHQL_ERRORS, "code" => code.to_owned()).increment(1);
        total += 1;
    }
    total
}

/// Picks the response media type from `Accept`; `None` when nothing acceptable.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    // The first acceptable type in the client's order wins (q-values are rare here).
    accept.split(',').find_map(|range| {
        let media = range
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/graphql-response+json" => Some(MediaType::GraphqlResponseJson),
            "application/json" | "application/*" | "*/*" => Some(MediaType::Json),
            _ => None,
        }
    })
}

/// Why an HTTP request is not a GraphQL request.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn into_response(self, media_type: MediaType) -> Response {
        let mut response = http_error(self.status, media_type, &self.message);
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        }
        response
    }
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

fn read_request(
    method: &Method,
    headers: &HeaderMap,
    query_string: Option<&str>,
    body: &[u8],
) -> Result<BatchRequest, Refusal> {
    match *method {
        Method::GET => parse_get(query_string.unwrap_or_default()).map(BatchRequest::Single),
        Method::POST => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            let media = content_type.split(';').next().unwrap_or_default().trim();
            if !media.eq_ignore_ascii_case("application/json") {
                return Err(refuse(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "POST bodies must be application/json",
                ));
            }
            parse_body(body)
        }
        _ => Err(refuse(StatusCode::METHOD_NOT_ALLOWED, "use GET or POST")),
    }
}

/// Reads `query`, `operationName`, `variables` and `extensions` (JSON-encoded) from
/// a GET query string. (async-graphql's own reader expects `operation_name`, which
/// the spec does not use.)
fn parse_get(query_string: &str) -> Result<Request, Refusal> {
    let bad = |message: String| refuse(StatusCode::BAD_REQUEST, message);
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
        .map_err(|error| bad(format!("invalid query string: {error}")))?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let json_object = |name: &str| -> Result<Option<Value>, Refusal> {
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
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if let Some(extensions) = json_object("extensions")? {
        request.extensions = serde_json::from_value(extensions)
            .map_err(|error| bad(format!("invalid `extensions`: {error}")))?;
    }
    if request.query.is_empty() && !has_persisted_query(&request) {
        return Err(bad("the `query` parameter is missing".to_owned()));
    }
    Ok(request)
}

fn parse_body(body: &[u8]) -> Result<BatchRequest, Refusal> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        refuse(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {error}"),
        )
    })?;
    let one = |value: Value| -> Result<Request, Refusal> {
        let Value::Object(fields) = &value else {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "a GraphQL request must be a JSON object",
            ));
        };
        match fields.get("query") {
            Some(Value::String(_)) => {}
            None if fields.contains_key("extensions") => {}
            Some(_) => return Err(refuse(StatusCode::BAD_REQUEST, "`query` must be a string")),
            None => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "the `query` field is missing",
                ));
            }
        }
        for (name, expected) in [("variables", "an object"), ("extensions", "an object")] {
            if !matches!(
                fields.get(name),
                None | Some(Value::Null) | Some(Value::Object(_))
            ) {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("`{name}` must be {expected}"),
                ));
            }
        }
        if !matches!(
            fields.get("operationName"),
            None | Some(Value::Null) | Some(Value::String(_))
        ) {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "`operationName` must be a string",
            ));
        }
        serde_json::from_value(value).map_err(|error| {
            refuse(
                StatusCode::BAD_REQUEST,
                format!("invalid GraphQL request: {error}"),
            )
        })
    };
    match value {
        Value::Array(items) if items.is_empty() => Err(refuse(
            StatusCode::BAD_REQUEST,
            "an empty batch has nothing to run",
        )),
        Value::Array(items) => Ok(BatchRequest::Batch(
            items.into_iter().map(one).collect::<Result<_, _>>()?,
        )),
        other => Ok(BatchRequest::Single(one(other)?)),
    }
}

fn has_persisted_query(request: &Request) -> bool {
    request.extensions.contains_key("persistedQuery")
}

/// Whether the operation a request selects is a mutation or subscription (GET allows
/// queries only). A document that does not parse is left to execution to report.
fn is_mutation(request: &Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let operation_type = match (&document.operations, request.operation_name.as_deref()) {
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

/// Serializes the executed batch with the status and body shape of `media_type`.
/// Straight to bytes (no `serde_json::Value` in between, which also keeps the
/// fields of `data` in the order the query asked for them, as the spec says),
/// except for a request error in `application/graphql-response+json`, whose `data`
/// member is taken out.
fn respond(executed: BatchResponse, media_type: MediaType) -> Response {
    let bytes = match executed {
        BatchResponse::Single(response) => {
            if media_type == MediaType::GraphqlResponseJson && is_request_error(&response) {
                let mut body =
                    serde_json::to_value(&response).unwrap_or_else(|_| serialization_failed());
                if let Some(fields) = body.as_object_mut() {
                    fields.remove("data");
                }
                return json_response(StatusCode::BAD_REQUEST, media_type, &body);
            }
            serde_json::to_vec(&response)
        }
        BatchResponse::Batch(responses) => serde_json::to_vec(&responses),
    };
    match bytes {
        Ok(bytes) => bytes_response(StatusCode::OK, media_type, bytes),
        Err(_) => json_response(StatusCode::OK, media_type, &serialization_failed()),
    }
}

/// A request error stopped the operation before execution: no data, and no error
/// has a path (field errors always have one).
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

fn serialization_failed() -> Value {
    json!({ "errors": [{ "message": "the response could not be serialized" }] })
}

fn http_error(status: StatusCode, media_type: MediaType, message: &str) -> Response {
    coded_error(status, media_type, message, "BAD_REQUEST")
}

fn coded_error(status: StatusCode, media_type: MediaType, message: &str, code: &str) -> Response {
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        StatusCode::NOT_ACCEPTABLE => "NOT_ACCEPTABLE",
        _ => code,
    };
    metrics::counter!(GRAPHQL_ERRORS, "code" => code.to_owned()).increment(1);
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    json_response(status, media_type, &body)
}

fn json_response(status: StatusCode, media_type: MediaType, body: &Value) -> Response {
    bytes_response(
        status,
        media_type,
        serde_json::to_vec(body).unwrap_or_default(),
    )
}

fn bytes_response(status: StatusCode, media_type: MediaType, bytes: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media_type.content_type()),
        )],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

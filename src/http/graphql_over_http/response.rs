//! Shaping an executed GraphQL response for HTTP, per GraphQL over HTTP: with
//! `application/graphql-response+json` a request error (nothing executed) is HTTP
//! 400 without `data`; with `application/json` every well-formed request is 200.
//! Also counts the response's errors by code for `catalog_graphql_errors_total`.

use async_graphql::BatchResponse;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::http::media_type::MediaType;
use crate::telemetry::metrics::GRAPHQL_ERRORS;

/// The metrics label of an error without `extensions.code`.
const UNCODED: &str = "UNCODED";

/// The status and JSON body of an executed batch in `media_type`, serialized
/// straight to bytes: no `serde_json::Value` in between (twice the work, and its
/// sorted maps put the fields of `data` in alphabetical order instead of the order
/// the query asked for, which the spec requires). Only a request error in
/// `application/graphql-response+json` goes through a `Value`, to drop its `data`.
pub(crate) fn shape(executed: BatchResponse, media_type: MediaType) -> (StatusCode, Vec<u8>) {
    let bytes = match executed {
        BatchResponse::Single(response) => {
            if media_type == MediaType::GraphqlResponseJson && is_request_error(&response) {
                let mut body =
                    serde_json::to_value(&response).unwrap_or_else(|_| serialization_failed());
                if let Some(fields) = body.as_object_mut() {
                    fields.remove("data");
                }
                return (
                    StatusCode::BAD_REQUEST,
                    serde_json::to_vec(&body).unwrap_or_default(),
                );
            }
            serde_json::to_vec(&response)
        }
        BatchResponse::Batch(responses) => serde_json::to_vec(&responses),
    };
    let bytes =
        bytes.unwrap_or_else(|_| serde_json::to_vec(&serialization_failed()).unwrap_or_default());
    (StatusCode::OK, bytes)
}

/// Counts the response's errors, by code, into the metrics; returns how many.
pub(crate) fn count_errors(executed: &BatchResponse) -> usize {
    let responses: &[async_graphql::Response] = match executed {
        BatchResponse::Single(response) => std::slice::from_ref(response),
        BatchResponse::Batch(responses) => responses,
    };
    responses
        .iter()
        .map(|response| count_error_list(&response.errors))
        .sum()
}

/// [`count_errors`] for the errors of one response.
pub(crate) fn count_error_list(errors: &[async_graphql::ServerError]) -> usize {
    for error in errors {
        metrics::counter!(GRAPHQL_ERRORS, "code" => error_code(error).to_owned()).increment(1);
    }
    errors.len()
}

/// An error's `extensions.code`, or [`UNCODED`].
fn error_code(error: &async_graphql::ServerError) -> &str {
    error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
        .and_then(|code| match code {
            async_graphql::Value::String(code) => Some(code.as_str()),
            async_graphql::Value::Enum(code) => Some(code.as_str()),
            _ => None,
        })
        .unwrap_or(UNCODED)
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

#[cfg(test)]
mod tests {
    use async_graphql::{PathSegment, ServerError, Value as GqlValue};

    use super::*;

    /// `shape`, with the body read back as JSON.
    fn shape(executed: BatchResponse, media_type: MediaType) -> (StatusCode, Value) {
        let (status, bytes) = super::shape(executed, media_type);
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    fn request_error() -> async_graphql::Response {
        async_graphql::Response::from_errors(vec![ServerError::new("does not validate", None)])
    }

    fn field_error() -> async_graphql::Response {
        let mut error = ServerError::new("upstream down", None);
        error.path = vec![PathSegment::Field("product".to_owned())];
        let mut response = async_graphql::Response::new(
            GqlValue::from_json(json!({ "product": null })).unwrap_or_default(),
        );
        response.errors = vec![error];
        response
    }

    #[test]
    fn a_request_error_is_400_without_data_in_graphql_response_json() {
        let (status, body) = shape(
            BatchResponse::Single(request_error()),
            MediaType::GraphqlResponseJson,
        );
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.get("data").is_none());
        assert_eq!(body["errors"][0]["message"], "does not validate");
    }

    #[test]
    fn a_request_error_is_200_in_plain_json() {
        let (status, body) = shape(BatchResponse::Single(request_error()), MediaType::Json);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["errors"][0]["message"], "does not validate");
    }

    #[test]
    fn a_field_error_executed_so_it_is_200_with_data() {
        let (status, body) = shape(
            BatchResponse::Single(field_error()),
            MediaType::GraphqlResponseJson,
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["data"], json!({ "product": null }));
    }

    #[test]
    fn a_batch_is_200_with_one_entry_per_operation() {
        let (status, body) = shape(
            BatchResponse::Batch(vec![request_error(), field_error()]),
            MediaType::GraphqlResponseJson,
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn errors_are_counted_over_a_batch_and_uncoded_ones_are_labelled() {
        let executed = BatchResponse::Batch(vec![request_error(), field_error()]);
        assert_eq!(count_errors(&executed), 2);
        let BatchResponse::Batch(responses) = &executed else {
            unreachable!()
        };
        assert_eq!(error_code(&responses[0].errors[0]), UNCODED);
    }
}

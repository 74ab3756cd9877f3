//! Every HTTP-level refusal, in one type: the request never reached GraphQL (it is
//! not a GraphQL request, too big, over a limit, or the gateway is at capacity).
//! [`HttpError`] knows each refusal's status, code, message and headers, counts it in
//! `catalog_graphql_errors_total{code}`, and answers in the negotiated media type
//! with the GraphQL error shape (`{"errors":[{"message","extensions":{"code"}}]}`).
//!
//! GraphQL errors (a field that failed, a document over a shape limit) are not
//! here: they are `graphql::errors`. Both take their codes from [`ErrorCode`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::media_type::MediaType;
use crate::error_code::ErrorCode;
use crate::protect::{Denial, RateState};
use crate::telemetry::metrics::GRAPHQL_ERRORS;

/// A refused HTTP request, answered in [`HttpError::media_type`] (JSON by default).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HttpError {
    /// What was refused and why.
    refusal: Refusal,
    /// The media type the client negotiated (a refusal before negotiation is JSON).
    media_type: MediaType,
}

/// The kinds of refusal.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Refusal {
    /// Not a GraphQL request (400), with what is wrong with it.
    BadRequest(String),
    /// A batched array over `--max-operations` (400).
    TooManyOperations {
        /// Operations sent.
        count: usize,
        /// Operations allowed.
        max: usize,
    },
    /// A body over `--max-body-bytes` (413).
    PayloadTooLarge,
    /// A body not received within `--body-read-timeout-ms` (408, `Connection: close`).
    BodyTimeout,
    /// A method other than GET or POST (405, `Allow: GET, POST`).
    MethodNotAllowed,
    /// A mutation over GET (405, `Allow: POST`).
    MutationOverGet,
    /// A POST body that is not `application/json` (415).
    UnsupportedMediaType,
    /// No acceptable response media type (406).
    NotAcceptable,
    /// Over `--max-in-flight` (503, `Retry-After: 1`).
    Overloaded,
    /// Refused by the API's protection (401, 400 or 429).
    Protection(Denial),
    /// An admin route without the right bearer token (401, `WWW-Authenticate: Bearer`).
    Unauthorized,
    /// An admin invalidation naming codes that are not GTINs (400), with which.
    InvalidGtins(String),
    /// An admin invalidation naming too many codes (400).
    TooManyGtins {
        /// Codes sent.
        count: usize,
        /// Codes allowed.
        max: usize,
    },
}

impl HttpError {
    /// A refusal answered as `application/json`.
    pub(crate) fn new(refusal: Refusal) -> HttpError {
        HttpError {
            refusal,
            media_type: MediaType::Json,
        }
    }

    /// `400 BAD_REQUEST` saying what is wrong with the request.
    pub(crate) fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(Refusal::BadRequest(message.into()))
    }

    /// The same refusal, answered in `media_type`.
    pub(crate) fn in_media_type(mut self, media_type: MediaType) -> HttpError {
        self.media_type = media_type;
        self
    }

    /// What was refused.
    #[cfg(test)]
    pub(crate) fn refusal(&self) -> &Refusal {
        &self.refusal
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self.refusal {
            Refusal::BadRequest(_)
            | Refusal::TooManyOperations { .. }
            | Refusal::InvalidGtins(_)
            | Refusal::TooManyGtins { .. } => StatusCode::BAD_REQUEST,
            Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
            Refusal::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Refusal::MethodNotAllowed | Refusal::MutationOverGet => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Refusal::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Protection(Denial::Unauthenticated) => StatusCode::UNAUTHORIZED,
            Refusal::Protection(Denial::NotAllowed(_) | Denial::TooCostly { .. }) => {
                StatusCode::BAD_REQUEST
            }
            Refusal::Protection(Denial::RateLimited { .. }) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The `extensions.code`.
    pub(crate) fn code(&self) -> ErrorCode {
        match self.refusal {
            Refusal::BadRequest(_) => ErrorCode::BadRequest,
            Refusal::TooManyOperations { .. } => ErrorCode::TooManyOperations,
            Refusal::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Refusal::BodyTimeout => ErrorCode::RequestTimeout,
            Refusal::MethodNotAllowed | Refusal::MutationOverGet => ErrorCode::MethodNotAllowed,
            Refusal::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Refusal::NotAcceptable => ErrorCode::NotAcceptable,
            Refusal::Overloaded => ErrorCode::Overloaded,
            Refusal::Protection(Denial::Unauthenticated) => ErrorCode::Unauthenticated,
            Refusal::Protection(Denial::NotAllowed(_)) => ErrorCode::PersistedQueryNotAllowed,
            Refusal::Protection(Denial::TooCostly { .. }) => ErrorCode::QueryTooCostly,
            Refusal::Protection(Denial::RateLimited { .. }) => ErrorCode::RateLimited,
            Refusal::Unauthorized => ErrorCode::Unauthorized,
            Refusal::InvalidGtins(_) => ErrorCode::InvalidGtin,
            Refusal::TooManyGtins { .. } => ErrorCode::TooManyGtins,
        }
    }

    /// The client-facing message.
    pub(crate) fn message(&self) -> String {
        match &self.refusal {
            Refusal::BadRequest(message) => message.clone(),
            Refusal::TooManyOperations { count, max } => {
                format!("{count} operations in one batch, at most {max} are allowed")
            }
            Refusal::PayloadTooLarge => "the request body is too large".to_owned(),
            Refusal::BodyTimeout => "the request body did not arrive in time".to_owned(),
            Refusal::MethodNotAllowed => "use GET or POST".to_owned(),
            Refusal::MutationOverGet => "mutations are not allowed over GET; use POST".to_owned(),
            Refusal::UnsupportedMediaType => "POST bodies must be application/json".to_owned(),
            Refusal::NotAcceptable => {
                "accept application/graphql-response+json or application/json".to_owned()
            }
            Refusal::Overloaded => "the gateway is at capacity; retry shortly".to_owned(),
            Refusal::Protection(Denial::Unauthenticated) => {
                "a valid API key is required".to_owned()
            }
            Refusal::Protection(Denial::NotAllowed(_)) => {
                "this operation is not in the gateway's trusted documents".to_owned()
            }
            Refusal::Protection(Denial::TooCostly { cost, limit }) => {
                format!("the operation costs {cost}, at most {limit} is allowed")
            }
            Refusal::Protection(Denial::RateLimited { retry_after, .. }) => format!(
                "rate limit exceeded; retry in {} s",
                retry_after_secs(*retry_after)
            ),
            Refusal::Unauthorized => {
                "send the admin token as `Authorization: Bearer <token>`".to_owned()
            }
            Refusal::InvalidGtins(which) => format!("not GTINs, nothing invalidated: {which}"),
            Refusal::TooManyGtins { count, max } => {
                format!("{count} codes in one invalidation, at most {max} are allowed")
            }
        }
    }

    /// What `extensions` carries besides `code`.
    fn extensions(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut extensions = serde_json::Map::new();
        match &self.refusal {
            Refusal::Protection(Denial::TooCostly { cost, limit }) => {
                extensions.insert("cost".to_owned(), json!(cost));
                extensions.insert("maxCost".to_owned(), json!(limit));
            }
            Refusal::Protection(Denial::NotAllowed(id)) if !id.is_empty() => {
                extensions.insert("documentId".to_owned(), json!(id));
            }
            Refusal::Protection(Denial::RateLimited { retry_after, .. }) => {
                extensions.insert(
                    "retryAfter".to_owned(),
                    json!(retry_after_secs(*retry_after)),
                );
            }
            _ => {}
        }
        extensions
    }

    /// The header this refusal must carry, if any.
    fn header(&self) -> Option<(header::HeaderName, HeaderValue)> {
        match self.refusal {
            Refusal::MethodNotAllowed => {
                Some((header::ALLOW, HeaderValue::from_static("GET, POST")))
            }
            Refusal::MutationOverGet => Some((header::ALLOW, HeaderValue::from_static("POST"))),
            Refusal::Overloaded => Some((header::RETRY_AFTER, HeaderValue::from_static("1"))),
            // The rest of the body may still come: the connection cannot be reused.
            Refusal::BodyTimeout => Some((header::CONNECTION, HeaderValue::from_static("close"))),
            Refusal::Protection(Denial::RateLimited { retry_after, .. }) => Some((
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(retry_after)),
            )),
            Refusal::Protection(Denial::Unauthenticated) => {
                Some((header::WWW_AUTHENTICATE, HeaderValue::from_static("ApiKey")))
            }
            Refusal::Unauthorized => Some((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"catalog-gateway admin\""),
            )),
            _ => None,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let code = self.code().as_str();
        metrics::counter!(GRAPHQL_ERRORS, "code" => code).increment(1);
        let mut extensions = self.extensions();
        extensions.insert("code".to_owned(), json!(code));
        let body = json!({
            "errors": [{ "message": self.message(), "extensions": extensions }]
        });
        let mut response = (
            self.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.media_type.content_type()),
            )],
            serde_json::to_vec(&body).unwrap_or_default(),
        )
            .into_response();
        if let Some((name, value)) = self.header() {
            response.headers_mut().insert(name, value);
        }
        if let Refusal::Protection(Denial::RateLimited { state, .. }) = &self.refusal {
            insert_rate_limit_headers(response.headers_mut(), state);
        }
        response
    }
}

/// Whole seconds to wait, rounded up, at least 1.
fn retry_after_secs(retry_after: std::time::Duration) -> u64 {
    retry_after.as_secs_f64().ceil().max(1.0) as u64
}

/// The `RateLimit-Policy` and `RateLimit` headers of the IETF draft
/// (draft-ietf-httpapi-ratelimit-headers, structured fields): the policy's quota
/// `q` over its window `w` seconds, and the units remaining `r` with the seconds
/// `t` until the quota is whole again.
pub(crate) fn insert_rate_limit_headers(headers: &mut axum::http::HeaderMap, state: &RateState) {
    let policy = rate_limit_item(("q", state.policy.burst), ("w", state.policy.window_secs()));
    let now = rate_limit_item(
        ("r", state.remaining),
        ("t", state.reset.as_secs_f64().ceil() as u64),
    );
    for (name, value) in [("ratelimit-policy", policy), ("ratelimit", now)] {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(header::HeaderName::from_static(name), value);
        }
    }
}

/// `"default";a=1;b=2`: written with `itoa` into one `String` the header value then
/// owns (two `format!`s and a copy into the value a header were 0.4 µs of a
/// production hot request; bench/JOURNAL.md, "Session 19").
fn rate_limit_item((a, a_value): (&str, u64), (b, b_value): (&str, u64)) -> String {
    let mut digits = itoa::Buffer::new();
    let mut text = String::with_capacity(48);
    text.push_str("\"default\";");
    text.push_str(a);
    text.push('=');
    text.push_str(digits.format(a_value));
    text.push(';');
    text.push_str(b);
    text.push('=');
    text.push_str(digits.format(b_value));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The items are the draft's structured fields, as `format!` wrote them.
        #[test]
        fn rate_limit_items_are_written_as_format_writes_them(a: u64, b: u64) {
            proptest::prop_assert_eq!(
                rate_limit_item(("q", a), ("w", b)),
                format!("\"default\";q={a};w={b}")
            );
            proptest::prop_assert!(HeaderValue::try_from(rate_limit_item(("r", a), ("t", b))).is_ok());
        }
    }

    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    #[tokio::test]
    async fn a_refusal_has_its_status_code_header_and_the_graphql_error_shape() {
        let response = HttpError::new(Refusal::MutationOverGet)
            .in_media_type(MediaType::GraphqlResponseJson)
            .into_response();

        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()[header::ALLOW], "POST");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            MediaType::GraphqlResponseJson.content_type()
        );
        let body = body_json(response).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
        assert!(body.get("data").is_none());
    }

    #[tokio::test]
    async fn overload_says_when_to_retry() {
        let response = HttpError::new(Refusal::Overloaded).into_response();

        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(
            body_json(response).await["errors"][0]["extensions"]["code"],
            "OVERLOADED"
        );
    }

    #[test]
    fn each_refusal_has_the_code_of_its_status() {
        for (refusal, status, code) in [
            (Refusal::BadRequest("x".into()), 400, ErrorCode::BadRequest),
            (
                Refusal::TooManyOperations { count: 3, max: 2 },
                400,
                ErrorCode::TooManyOperations,
            ),
            (Refusal::PayloadTooLarge, 413, ErrorCode::PayloadTooLarge),
            (Refusal::BodyTimeout, 408, ErrorCode::RequestTimeout),
            (Refusal::MethodNotAllowed, 405, ErrorCode::MethodNotAllowed),
            (
                Refusal::UnsupportedMediaType,
                415,
                ErrorCode::UnsupportedMediaType,
            ),
            (Refusal::NotAcceptable, 406, ErrorCode::NotAcceptable),
        ] {
            let error = HttpError::new(refusal);
            assert_eq!(error.status().as_u16(), status);
            assert_eq!(error.code(), code);
        }
    }
}

//! The resolver's refusals as RFC 9457 problem details (`application/problem+json`),
//! with the gateway's `code` (and, for a bad Digital Link, the parse `reason` and the
//! AI at fault), so a client branches on the same codes as in GraphQL.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::catalog::CatalogError;
use crate::error_code::ErrorCode;
use crate::gtin::ParseError;

/// A refused resolver request.
#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    code: ErrorCode,
    detail: String,
    reason: Option<&'static str>,
    ai: Option<String>,
}

impl Problem {
    /// A refusal with a status, a code and what is wrong.
    pub(crate) fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
            reason: None,
            ai: None,
        }
    }

    /// 400: the path or query is not a GS1 Digital Link the resolver reads.
    pub(crate) fn bad_link(error: &ParseError) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            code: ErrorCode::InvalidGtin,
            detail: error.message().to_owned(),
            reason: Some(error.reason().as_str()),
            ai: error.ai().map(str::to_owned),
        }
    }

    /// 504 when the catalog did not answer in time, else 503.
    pub(crate) fn upstream(error: &CatalogError) -> Problem {
        let status = match error {
            CatalogError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        Problem::new(status, error.code(), error.client_message())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code.as_str(),
        });
        if let Some(reason) = self.reason {
            body["reason"] = json!(reason);
        }
        if let Some(ai) = self.ai {
            body["ai"] = json!(ai);
        }
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

//! What the dialect tests share: a router built in one line, requests in one
//! line each, and answers read as JSON.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use tower::ServiceExt;

use super::{CallLog, DialectControl, DialectSettings, OAuthClient, dialect_router_with_control};
use crate::demo::{DemoCatalog, DemoSettings};

/// The host tests send, so absolute links can be checked.
pub(super) const HOST: &str = "upstream.test:9091";

/// A dialect server over the demo catalog, its control handle and its call log.
pub(super) fn server(settings: DialectSettings) -> (Router, DialectControl, CallLog) {
    let log = CallLog::new();
    let (router, control) = dialect_router_with_control(
        Arc::new(DemoCatalog::new()),
        DemoSettings::default(),
        settings,
        log.clone(),
    );
    (router, control, log)
}

/// An OAuth client with these credentials and a one-minute token lifetime.
pub(super) fn client(id: &str, secret: &str) -> OAuthClient {
    OAuthClient {
        client_id: id.to_owned(),
        client_secret: secret.to_owned(),
        username: Some("api-user".to_owned()),
        password: Some("api-pass".to_owned()),
        token_ttl: Duration::from_secs(60),
    }
}

/// An answer: status, headers and the body as JSON (`Null` when it is not JSON).
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) json: serde_json::Value,
    /// The body as sent.
    pub(super) body: Vec<u8>,
}

/// `GET uri`, with `authorization` as the header's value if given.
pub(super) async fn get(router: &Router, uri: &str, authorization: Option<&str>) -> Answer {
    let mut headers = vec![];
    if let Some(value) = authorization {
        headers.push(("authorization", value));
    }
    send(router, Method::GET, uri, &headers, "").await
}

/// Any request.
pub(super) async fn send(
    router: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", HOST);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        json: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        body: bytes.to_vec(),
    }
}

/// `Basic base64(id:secret)`.
pub(super) fn basic(id: &str, secret: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{id}:{secret}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let mut bits = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            bits |= u32::from(b) << (16 - 8 * i);
        }
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(bits >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

/// `value` percent-encoded for a query string.
pub(super) fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).unwrap()[2..].to_owned()
}

//! What a gateway's answer says, read the same way by every test: the error codes of
//! a GraphQL response, status and headers with the body, a header's values, and
//! `/readyz`; and a GraphQL POST to a gateway known only by its address.

use reqwest::StatusCode;
use reqwest::header::{AsHeaderName, HeaderMap};
use serde_json::Value;

use super::TestApp;

/// What a response said: status, headers and JSON body (`Null` when empty or not
/// JSON), and the bytes as sent.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Answer {
    /// Reads the whole response.
    pub async fn read(response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap().to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            bytes,
        }
    }

    /// A header's value as text (empty when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap())
            .unwrap_or_default()
    }

    /// The `max-age` of `Cache-Control`.
    pub fn max_age(&self) -> u64 {
        let cache_control = self.header("cache-control");
        cache_control
            .split(',')
            .find_map(|part| part.trim().strip_prefix("max-age="))
            .unwrap_or_else(|| panic!("no max-age in {cache_control:?}"))
            .parse()
            .unwrap()
    }
}

impl TestApp {
    /// POSTs `body` to `/graphql` with extra headers.
    pub async fn post_with(&self, body: &Value, headers: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::read(request.send().await.unwrap()).await
    }
}

/// A header's values joined by `, ` (empty when absent).
pub fn header_values(headers: &HeaderMap, name: impl AsHeaderName) -> String {
    headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A response's header values joined by `, ` (empty when absent).
pub fn header(response: &reqwest::Response, name: impl AsHeaderName) -> String {
    header_values(response.headers(), name)
}

/// POSTs `body` with extra headers to `/graphql` of the gateway at `address`
/// (`host:port`, e.g. the real binary's) and returns the JSON answer.
pub async fn post_graphql(address: &str, body: &Value, headers: &[(&str, &str)]) -> Value {
    post_to(address, body, headers).await.body
}

/// [`post_graphql`], the whole answer: status, headers and body.
pub async fn post_to(address: &str, body: &Value, headers: &[(&str, &str)]) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("http://{address}/graphql"))
        .json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.unwrap()).await
}

/// `/readyz`: its status and JSON body (`Null` when not JSON).
pub async fn readyz(app: &TestApp) -> (u16, Value) {
    let response = app.get("/readyz").await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// The error codes of a response's `errors`, with their paths.
pub fn error_codes(response: &Value) -> Vec<(String, Value)> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    (
                        error["extensions"]["code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        error["path"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

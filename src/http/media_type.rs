//! The two response media types of GraphQL over HTTP and the choice between them from
//! the client's `Accept`. Shared by the GraphQL handler and `HttpError`,
//! which must answer a refusal in the type the client asked for.

use axum::http::{HeaderMap, header};

/// The media type of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MediaType {
    /// `application/graphql-response+json`: request errors are HTTP 400.
    GraphqlResponseJson,
    /// `application/json`: every well-formed request is HTTP 200 (older clients).
    Json,
}

impl MediaType {
    /// The `Content-Type` header value.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }

    /// Picks the response media type from `Accept`; `None` when nothing acceptable.
    /// No `Accept` at all is `application/json`, as the spec allows for old clients.
    pub(crate) fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
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
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> Option<MediaType> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        MediaType::negotiate(&headers)
    }

    #[test]
    fn the_first_acceptable_type_in_the_clients_order_wins() {
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(
            accept("text/html, application/json, application/graphql-response+json"),
            Some(MediaType::Json)
        );
        assert_eq!(accept("*/*"), Some(MediaType::Json));
        assert_eq!(
            accept("APPLICATION/JSON; charset=utf-8"),
            Some(MediaType::Json)
        );
    }

    #[test]
    fn no_accept_is_json_and_an_unsatisfiable_one_is_none() {
        assert_eq!(
            MediaType::negotiate(&HeaderMap::new()),
            Some(MediaType::Json)
        );
        assert_eq!(accept("text/html"), None);
    }
}

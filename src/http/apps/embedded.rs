//! Static files compiled into the binary, served from memory. Large ones are
//! embedded gzip-compressed (committed `.gz`, made by `scripts/vendor-scan.sh`):
//! the release image has a 20 MB budget, and a 1 MB wasm costs 0.46 MB this way.
//! A client that accepts gzip (every browser) gets the stored bytes with
//! `Content-Encoding: gzip`; any other gets them decompressed, so the response
//! is the same file either way.

use std::io::Read;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The log target of this file's events: the path of its module before the move, kept so
/// `RUST_LOG` directives and log pipelines that name it still match.
const TARGET: &str = "catalog_gateway::http::embedded";

/// How a file's bytes are stored in the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// As served.
    Raw,
    /// gzip-compressed; served as is with `Content-Encoding: gzip` when accepted.
    Gzip,
}

/// One embedded file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Embedded {
    pub(crate) body: &'static [u8],
    pub(crate) content_type: &'static str,
    pub(crate) stored: Stored,
}

impl Embedded {
    /// Bytes the file adds to the binary.
    #[cfg(test)]
    pub(crate) fn embedded_len(&self) -> usize {
        self.body.len()
    }

    /// The response for a request with these headers; `cache_control` as given.
    pub(crate) fn respond(&self, request: &HeaderMap, cache_control: &'static str) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        match self.stored {
            Stored::Raw => (headers, self.body).into_response(),
            Stored::Gzip => {
                // A cache between client and gateway must key on what the client accepts.
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                if accepts_gzip(request) {
                    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                    return (headers, self.body).into_response();
                }
                match gunzip(self.body) {
                    Ok(body) => (headers, body).into_response(),
                    Err(error) => {
                        tracing::error!(target: TARGET, %error, "an embedded gzip asset does not decompress");
                        StatusCode::INTERNAL_SERVER_ERROR.into_response()
                    }
                }
            }
        }
    }
}

/// Whether `Accept-Encoding` admits gzip: listed (or `*`) without `q=0`.
pub(crate) fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let zero_quality = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero_quality
        })
}

fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() * 3);
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn gzip_is_accepted_when_listed_without_zero_quality() {
        assert!(accepts_gzip(&with_accept("gzip, deflate, br")));
        assert!(accepts_gzip(&with_accept("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&with_accept("*")));
        assert!(!accepts_gzip(&with_accept("br")));
        assert!(!accepts_gzip(&with_accept("gzip;q=0, br")));
        assert!(!accepts_gzip(&with_accept("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn gunzip_rejects_bytes_that_are_not_gzip() {
        assert!(gunzip(b"not gzip").is_err());
    }
}

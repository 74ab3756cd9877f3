//! The scan app on `/scan`: a store associate's or a developer's view of what the
//! gateway is for (scan or type a barcode, see the product, build a basket). Plain
//! HTML, CSS and JavaScript from `assets/scan/`, compiled into the binary like
//! GraphiQL. The page talks to nothing but this gateway: its Content-Security-Policy
//! allows only same-origin scripts, styles, images and fetches, so a product image
//! hosted elsewhere shows a placeholder rather than leaving the machine.
//!
//! Where the browser has no native `BarcodeDetector`, the page loads the vendored
//! ponyfill (`barcode-detector` + `zxing-wasm`, see `scripts/vendor-scan.sh`), whose
//! wasm it points at `/assets/scan/zxing_reader.wasm` instead of the library's CDN.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::embedded::{Embedded, Stored};

/// The page's policy. `'wasm-unsafe-eval'` lets the ZXing reader compile its
/// WebAssembly (no JavaScript `eval`); `connect-src 'self'` covers `/graphql` and
/// the wasm fetch; `img-src` adds `data:` for the inline placeholder.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; media-src 'self' blob:; manifest-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Camera for this page only (the fallback decoder reads the same stream).
const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(), geolocation=()";

const PAGE: &str = include_str!("../../../assets/scan/index.html");

/// The files under `/assets/scan/`, by name.
fn asset_named(name: &str) -> Option<Embedded> {
    let (body, content_type, stored): (&'static [u8], _, _) = match name {
        "app.js" => (
            include_bytes!("../../../assets/scan/app.js"),
            "text/javascript; charset=utf-8",
            Stored::Raw,
        ),
        "app.css" => (
            include_bytes!("../../../assets/scan/app.css"),
            "text/css; charset=utf-8",
            Stored::Raw,
        ),
        "barcode-detector.js" => (
            include_bytes!("../../../assets/scan/vendor/barcode-detector.js.gz"),
            "text/javascript; charset=utf-8",
            Stored::Gzip,
        ),
        // `application/wasm` lets the browser compile while it downloads.
        "zxing_reader.wasm" => (
            include_bytes!("../../../assets/scan/vendor/zxing_reader.wasm.gz"),
            "application/wasm",
            Stored::Gzip,
        ),
        "LICENSES.txt" => (
            include_bytes!("../../../assets/scan/vendor/LICENSES.txt"),
            "text/plain; charset=utf-8",
            Stored::Raw,
        ),
        _ => return None,
    };
    Some(Embedded {
        body,
        content_type,
        stored,
    })
}

/// The scan page.
pub(crate) async fn page() -> Response {
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                header::HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static(PERMISSIONS_POLICY),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            // The page names its assets without a version: revalidate it each time.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
        ],
        PAGE,
    )
        .into_response()
}

/// The app's static files and the vendored barcode reader.
pub(crate) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match asset_named(&name) {
        // An hour, not a day: the names carry no version, and a new binary may ship new files.
        Some(asset) => asset.respond(&headers, "public, max-age=3600"),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Where the scan app is for a gateway listening on `address` (the log's first line).
pub fn url_for(address: std::net::SocketAddr) -> String {
    let host = match address.ip() {
        // A wildcard bind is reachable on loopback; print an address a browser can open.
        ip if ip.is_unspecified() => "localhost".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        std::net::IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{}/scan", address.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 5] = [
        "app.js",
        "app.css",
        "barcode-detector.js",
        "zxing_reader.wasm",
        "LICENSES.txt",
    ];

    #[test]
    fn page_references_only_this_gateway() {
        for attribute in ["src=\"", "href=\""] {
            for (at, _) in PAGE.match_indices(attribute) {
                let value = PAGE[at + attribute.len()..]
                    .split('"')
                    .next()
                    .unwrap_or_default();
                let local = (value.starts_with('/') && !value.starts_with("//"))
                    || value.starts_with('#')
                    || value == "data:,";
                assert!(local, "{attribute}{value}: not served by the gateway");
            }
        }
        assert!(
            !PAGE.contains("<script>"),
            "inline script: the CSP forbids it"
        );
        assert!(
            !PAGE.contains("style=\""),
            "inline style: the CSP forbids it"
        );
    }

    #[test]
    fn every_named_asset_is_embedded() {
        for name in NAMES {
            let asset = asset_named(name).unwrap_or_else(|| panic!("{name} missing"));
            assert!(asset.embedded_len() > 0, "{name} is empty");
        }
        assert!(asset_named("../Cargo.toml").is_none());
    }

    #[test]
    fn app_code_names_no_other_host() {
        for name in ["app.js", "app.css"] {
            let text = String::from_utf8_lossy(asset_named(name).map_or(&[][..], |a| a.body));
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{name} names another host"
            );
        }
    }

    #[test]
    fn policy_allows_only_this_origin() {
        for directive in CONTENT_SECURITY_POLICY.split(';').map(str::trim) {
            let sources = directive.split_whitespace().skip(1);
            for source in sources {
                assert!(
                    ["'self'", "'none'", "'wasm-unsafe-eval'", "data:", "blob:"].contains(&source),
                    "{directive}: {source}"
                );
            }
        }
    }

    #[test]
    fn url_for_names_a_host_a_browser_can_open() {
        let url = |s: &str| url_for(s.parse().unwrap_or_else(|_| panic!("{s}")));
        assert_eq!(url("0.0.0.0:8080"), "http://localhost:8080/scan");
        assert_eq!(url("127.0.0.1:9"), "http://127.0.0.1:9/scan");
        assert_eq!(url("[::1]:80"), "http://[::1]:80/scan");
        assert_eq!(url("[::]:80"), "http://localhost:80/scan");
    }
}

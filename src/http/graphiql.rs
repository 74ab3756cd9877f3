//! GraphiQL on `/`, served entirely by the binary: a store's network may have no
//! internet, so no asset comes from a CDN. It opens on a query that shows off the
//! gateway's fields on items of the demo catalog.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// The query GraphiQL opens with.
pub(crate) const DEFAULT_QUERY: &str = r#"# Every spelling of a barcode is the same product.
query Demo {
  upcA: product(gtin: "036000291452") { gtin title brand price { amount currency } }
  ean13: product(gtin: "0036000291452") { gtin title }
  upcE: product(gtin: "04252614") { gtin upc title }
  basket: products(gtins: ["96385074", "978-0-471-11709-4", "10036000291459"]) {
    gtin title availability
  }
  till: lookups(codes: ["036000291452", "2011122912346", "5901234123458", "9912345678909"]) {
    input status
    gtin { kind lookupGtin14 variableMeasure { price weightKg } }
    product { title }
    error { code reason message }
  }
  explain: gtin(code: "36000291452") { valid error { reason message hint } }
}
"#;

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// The GraphiQL page.
pub(crate) async fn page() -> Html<String> {
    // The query sits in a non-executed <script> block; it holds no "</" so it
    // cannot close that block early.
    Html(PAGE.replace("__DEFAULT_QUERY__", DEFAULT_QUERY))
}

/// GraphiQL's static files, compiled into the binary.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    let (body, content_type): (&'static [u8], &str) = match name.as_str() {
        "graphiql.min.js" => (
            include_bytes!("../../assets/graphiql/graphiql.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "graphiql.min.css" => (
            include_bytes!("../../assets/graphiql/graphiql.min.css"),
            "text/css; charset=utf-8",
        ),
        "react.production.min.js" => (
            include_bytes!("../../assets/graphiql/react.production.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_query_cannot_close_its_script_block() {
        assert!(!DEFAULT_QUERY.contains("</"));
    }

    #[test]
    fn page_references_only_assets_served_by_the_binary() {
        for line in PAGE
            .lines()
            .filter(|line| line.contains("src=") || line.contains("href="))
        {
            // The one link that is not an asset: to the scan app, on this gateway too.
            assert!(
                line.contains("\"/assets/graphiql/") || line.contains("href=\"/scan\""),
                "external asset: {line}"
            );
        }
    }
}

//! GraphiQL on `/`, served entirely by the binary: a store's network may have no
//! internet, so no asset comes from a CDN. It opens on a query that shows off the
//! gateway's fields on items of the demo catalog.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::embedded::{Embedded, Stored};

/// The query GraphiQL opens with.
pub(crate) const DEFAULT_QUERY: &str = r#"# Every spelling of a barcode is the same product.
query Demo {
  upcA: product(gtin: "036000291452") {
    gtin title brand price { amount currency }
  }
  ean13: product(gtin: "0036000291452") { gtin title }
  upcE: product(gtin: "04252614") { gtin upc title }
  basket: products(gtins: [
    "96385074", "978-0-471-11709-4", "10036000291459"
  ]) {
    gtin title availability
  }
  till: lookups(codes: [
    "036000291452", "2011122912346",
    "5901234123458", "9912345678909"
  ]) {
    input status
    gtin {
      kind lookupGtin14
      variableMeasure { price weightKg }
    }
    product { title }
    error { code reason message }
  }
  explain: gtin(code: "36000291452") {
    valid error { reason message hint }
  }
}
"#;

const PAGE: &str = include_str!("../../../assets/graphiql/index.html");

/// The GraphiQL page.
pub(crate) async fn page() -> Html<String> {
    // The query sits in a non-executed <script> block; it holds no "</" so it
    // cannot close that block early.
    Html(PAGE.replace("__DEFAULT_QUERY__", DEFAULT_QUERY))
}

/// GraphiQL's bundles, stored gzip-compressed (1.53 MB raw, 0.63 MB stored;
/// `scripts/gzip-assets.sh` writes the `.gz` from the raw files beside them).
fn asset_named(name: &str) -> Option<Embedded> {
    let (body, content_type): (&'static [u8], _) = match name {
        "graphiql.min.js" => (
            include_bytes!("../../../assets/graphiql/graphiql.min.js.gz"),
            "text/javascript; charset=utf-8",
        ),
        "graphiql.min.css" => (
            include_bytes!("../../../assets/graphiql/graphiql.min.css.gz"),
            "text/css; charset=utf-8",
        ),
        "react.production.min.js" => (
            include_bytes!("../../../assets/graphiql/react.production.min.js.gz"),
            "text/javascript; charset=utf-8",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../../assets/graphiql/react-dom.production.min.js.gz"),
            "text/javascript; charset=utf-8",
        ),
        _ => return None,
    };
    Some(Embedded {
        body,
        content_type,
        stored: Stored::Gzip,
    })
}

/// GraphiQL's static files, compiled into the binary.
pub(crate) async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match asset_named(&name) {
        Some(asset) => asset.respond(&headers, "public, max-age=86400"),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_gz_is_its_raw_file_compressed() {
        for name in [
            "graphiql.min.js",
            "graphiql.min.css",
            "react.production.min.js",
            "react-dom.production.min.js",
        ] {
            let raw = std::fs::read(format!(
                "{}/assets/graphiql/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap_or_default();
            let stored = asset_named(name)
                .map(|asset| asset.body)
                .unwrap_or_default();
            let mut unpacked = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(stored), &mut unpacked)
                .unwrap_or_default();
            assert!(
                !raw.is_empty() && unpacked == raw,
                "assets/graphiql/{name}.gz is stale: run scripts/gzip-assets.sh"
            );
        }
    }

    #[test]
    fn default_query_fits_the_editor_of_a_1400_px_screen() {
        // GraphiQL's editor pane there shows about 60 columns before it scrolls.
        for line in DEFAULT_QUERY.lines() {
            assert!(line.chars().count() <= 56, "{} columns: {line}", line.len());
        }
    }

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
            assert!(
                line.contains("\"/assets/graphiql/"),
                "external asset: {line}"
            );
        }
    }
}

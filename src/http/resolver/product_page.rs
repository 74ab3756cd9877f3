//! `/products/{gtin}`: the product's own page, the resolver's default link. Machines
//! get JSON-LD (schema.org `Product`, with the matching GS1 Web Vocabulary terms, so
//! either vocabulary reads it); a browser gets a small HTML product card with the
//! same JSON-LD embedded. The choice follows `Accept` (q-values honoured).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::problem::Problem;
use super::{load, request_root};
use crate::catalog::{Availability, Product};
use crate::error_code::ErrorCode;
use crate::gtin;
use crate::http::state::AppState;

/// The representations of a product page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Representation {
    /// `application/ld+json`.
    JsonLd,
    /// `text/html`.
    Html,
}

/// Picks a representation from `Accept`: the one with the higher q-value, JSON-LD on
/// a tie or without `Accept`; `None` when the client accepts neither.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<Representation> {
    let (mut json_q, mut html_q, mut any) = (0.0_f32, 0.0_f32, false);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(text) = value.to_str() else { continue };
        for range in text.split(',') {
            let mut params = range.split(';');
            let media = params
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if media.is_empty() {
                continue;
            }
            any = true;
            let q = params
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "application/ld+json" | "application/json" => json_q = json_q.max(q),
                "text/html" | "application/xhtml+xml" => html_q = html_q.max(q),
                "application/*" => json_q = json_q.max(q * 0.99),
                "text/*" => html_q = html_q.max(q * 0.99),
                "*/*" => {
                    json_q = json_q.max(q * 0.98);
                    html_q = html_q.max(q * 0.97);
                }
                _ => {}
            }
        }
    }
    if !any {
        return Some(Representation::JsonLd);
    }
    match (json_q > 0.0, html_q > 0.0) {
        (false, false) => None,
        _ if html_q > json_q => Some(Representation::Html),
        _ => Some(Representation::JsonLd),
    }
}

/// `GET /products/{gtin}`: any spelling of the GTIN; 400 when it is not one, 404 when
/// the catalog lacks it, 406 when the client accepts neither JSON-LD nor HTML.
pub(crate) async fn page(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(representation) = negotiate(&headers) else {
        return Problem::new(
            StatusCode::NOT_ACCEPTABLE,
            ErrorCode::NotAcceptable,
            "a product page is application/ld+json or text/html",
        )
        .into_response();
    };
    let parsed = match gtin::analyze(&code, state.resolver.rcn_region) {
        Ok(parsed) => parsed,
        Err(error) => return Problem::bad_link(&error).into_response(),
    };
    let product = match load(&state, &parsed).await {
        Ok(product) => product,
        Err(problem) => return problem.into_response(),
    };
    let root = request_root(&headers);
    let data = json_ld(&root, &product.product);
    let mut response = match representation {
        Representation::JsonLd => {
            let mut response = data.to_string().into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/ld+json"),
            );
            response
        }
        Representation::Html => Html(card(&product.product, &data)).into_response(),
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

/// The product as JSON-LD: schema.org `Product` terms, and beside them the GS1 Web
/// Vocabulary's (`gs1:gtin`, `gs1:productName`, `gs1:brand` …), under one `@id`: the
/// product's GS1 Digital Link on this resolver.
pub(crate) fn json_ld(root: &str, product: &Product) -> Value {
    let gtin14 = product.gtin.gtin14();
    let mut data = json!({
        "@context": { "@vocab": "https://schema.org/", "gs1": "https://gs1.org/voc/" },
        "@id": format!("{root}/01/{gtin14}"),
        "@type": ["Product", "gs1:Product"],
        "gtin": gtin14,
        "gs1:gtin": gtin14,
        "name": product.title,
        "gs1:productName": product.title,
        "image": product.images.iter().map(|image| image.url.as_str()).collect::<Vec<_>>(),
    });
    if let Some(gtin13) = product.gtin.gtin13() {
        data["gtin13"] = json!(gtin13);
    }
    if let Some(brand) = &product.brand {
        data["brand"] = json!({ "@type": "Brand", "name": brand });
        data["gs1:brand"] = json!({ "@type": "gs1:Brand", "gs1:brandName": brand });
    }
    if let Some(description) = &product.description {
        data["description"] = json!(description);
        data["gs1:productDescription"] = json!(description);
    }
    if !product.categories.is_empty() {
        data["category"] = json!(product.categories.join(" > "));
    }
    let mut offer = json!({ "@type": "Offer" });
    if let Some(price) = &product.price {
        offer["price"] = json!(price.amount);
        offer["priceCurrency"] = json!(price.currency);
    }
    if let Some(availability) = availability_url(product.availability) {
        offer["availability"] = json!(availability);
    }
    data["offers"] = offer;
    if !product.attributes.is_empty() {
        data["additionalProperty"] = product
            .attributes
            .iter()
            .map(|a| json!({ "@type": "PropertyValue", "name": a.name, "value": a.value }))
            .collect();
    }
    data
}

fn availability_url(availability: Availability) -> Option<&'static str> {
    Some(match availability {
        Availability::InStock => "https://schema.org/InStock",
        Availability::LowStock => "https://schema.org/LimitedAvailability",
        Availability::OutOfStock => "https://schema.org/OutOfStock",
        Availability::Discontinued => "https://schema.org/Discontinued",
        Availability::Unknown => return None,
    })
}

/// A small HTML product card with the JSON-LD embedded (`<` escaped so the data
/// cannot close its script block).
fn card(product: &Product, data: &Value) -> String {
    let title = escape(&product.title);
    let brand = product
        .brand
        .as_deref()
        .map(|b| format!("<p class=\"brand\">{}</p>", escape(b)))
        .unwrap_or_default();
    let description = product
        .description
        .as_deref()
        .map(|d| format!("<p>{}</p>", escape(d)))
        .unwrap_or_default();
    let price = product
        .price
        .as_ref()
        .map(|p| {
            format!(
                "<p class=\"price\">{} {}</p>",
                escape(&p.amount),
                escape(&p.currency)
            )
        })
        .unwrap_or_default();
    let image = product
        .images
        .first()
        .map(|i| {
            format!(
                "<img src=\"{}\" alt=\"{}\">",
                escape(&i.url),
                escape(i.alt.as_deref().unwrap_or(&product.title))
            )
        })
        .unwrap_or_default();
    let json = data.to_string().replace('<', "\\u003c");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <script type=\"application/ld+json\">{json}</script>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}\
         img{{max-width:100%}}.brand{{color:#555}}.price{{font-size:1.5rem}}</style></head>\
         <body><article>{image}<h1>{title}</h1>{brand}{price}{description}\
         <p><small>GTIN {gtin}</small></p></article></body></html>\n",
        gtin = product.gtin.gtin14(),
    )
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Representation> {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(header::ACCEPT, value);
        }
        negotiate(&headers)
    }

    #[test]
    fn browsers_get_html_and_everything_else_json_ld() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(accept(firefox), Some(Representation::Html));
        assert_eq!(accept("*/*"), Some(Representation::JsonLd));
        assert_eq!(accept(""), Some(Representation::JsonLd));
        assert_eq!(accept("application/ld+json"), Some(Representation::JsonLd));
        assert_eq!(
            accept("text/html;q=0.5, application/json"),
            Some(Representation::JsonLd)
        );
        assert_eq!(accept("text/html"), Some(Representation::Html));
        assert_eq!(accept("image/png"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}

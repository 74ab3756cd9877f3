//! The `catalog-gateway upstream check` subcommand: fetches GTINs through the
//! configured source (a preset or a mapping file) exactly as the gateway would, and
//! prints each request sent, each raw item read and the `Product` it mapped to (or
//! why not): what a person writing a mapping needs to see.
//!
//! The native contract is shown through its own mapping file
//! (`presets/catalog-api.toml`), so its requests and items show too; without
//! `--upstream-url` it runs against the embedded demo catalog, like the gateway.

use std::io::{self, Write};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::start_upstream;
use crate::catalog::mapping::TraceLine;
use crate::catalog::{Mapping, Preset, Product, RestCatalog, RestCatalogSettings};
use crate::config::UpstreamSettings;
use crate::gtin;

/// Why the check could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The source could not be set up.
    #[error("{0}")]
    Setup(String),
    /// Writing the report failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Fetches `codes` through `settings` and writes the report to `out`; the exit
/// status: 0 when every code was found, 1 when any was invalid, not found or failed.
///
/// # Errors
/// [`CheckError`] when the source cannot be set up or `out` cannot be written.
pub async fn check(
    mut settings: UpstreamSettings,
    codes: &[String],
    out: &mut impl Write,
) -> Result<u8, CheckError> {
    if settings.client.mapping.is_none() {
        let preset = Preset::find(Preset::DEFAULT).map_err(|e| CheckError::Setup(e.to_string()))?;
        let mapping = Mapping::from_toml(preset.text, preset.file, &|_| None)
            .map_err(|error| CheckError::Setup(error.to_string()))?
            .with_key_format(settings.client.key_format);
        settings.client.mapping = Some(Arc::new(mapping));
    }
    let (base_url, _demo) = start_upstream(&settings)
        .await
        .map_err(|error| CheckError::Setup(error.to_string()))?;
    let mapping = settings.client.mapping.clone();
    let catalog = RestCatalog::new(RestCatalogSettings {
        base_url: base_url.clone(),
        ..settings.client
    })
    .map_err(|error| CheckError::Setup(error.to_string()))?;
    if let Some(mapping) = &mapping {
        writeln!(
            out,
            "upstream: {} ({}) at {base_url}{}",
            mapping.name(),
            mapping.origin(),
            mapping
                .description()
                .map(|d| format!("\n  {d}"))
                .unwrap_or_default()
        )?;
    }

    let mut failed = false;
    let mut valid = Vec::new();
    for code in codes {
        match gtin::parse(code) {
            Ok(gtin) => valid.push((code, gtin)),
            Err(error) => {
                failed = true;
                writeln!(out, "\n== {code}: not a GTIN: {}", error.message())?;
            }
        }
    }
    let gtins: Vec<gtin::Gtin> = valid.iter().map(|(_, gtin)| *gtin).collect();
    let (results, trace) = catalog.check(&gtins).await;
    writeln!(out)?;
    for line in &trace {
        match line {
            TraceLine::Request(request) => writeln!(out, "{request}")?,
            TraceLine::Answer(answer) => writeln!(out, "  -> {answer}")?,
            TraceLine::Item { .. } => {}
        }
    }
    for ((code, gtin), result) in valid.iter().zip(results) {
        let key = mapping.as_ref().and_then(|mapping| mapping.key(gtin));
        let asked = key
            .as_deref()
            .unwrap_or("(no key in the source's form: never asked)");
        writeln!(out, "\n== {code} (GTIN {gtin}, asked as {asked})")?;
        let items = trace.iter().filter_map(|line| match line {
            TraceLine::Item { key: item_key, raw } if key.as_deref() == Some(item_key.as_str()) => {
                Some(raw)
            }
            _ => None,
        });
        for raw in items {
            writeln!(out, "item:\n{}", pretty_json(raw))?;
        }
        match result {
            Ok(Some(product)) => {
                let shown =
                    serde_json::to_string_pretty(&product_json(&product)).unwrap_or_default();
                writeln!(out, "product:\n{shown}")?;
            }
            Ok(None) => {
                failed = true;
                writeln!(out, "not found")?;
            }
            Err(error) => {
                failed = true;
                writeln!(out, "failed: {} ({error})", error.code())?;
            }
        }
    }
    Ok(u8::from(failed))
}

/// `raw` indented, or as it is when it is not JSON.
fn pretty_json(raw: &str) -> String {
    serde_json::from_str::<Value>(raw)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| raw.to_owned())
}

/// A product with GraphQL's field names.
fn product_json(product: &Product) -> Value {
    json!({
        "gtin": product.gtin.gtin14(),
        "title": product.title,
        "brand": product.brand,
        "description": product.description,
        "price": product.price.as_ref().map(|price| json!({ "amount": price.amount, "currency": price.currency })),
        "images": product.images.iter().map(|image| json!({ "url": image.url, "alt": image.alt })).collect::<Vec<_>>(),
        "categories": product.categories,
        "attributes": product.attributes.iter().map(|a| json!({ "name": a.name, "value": a.value })).collect::<Vec<_>>(),
        "availability": product.availability.as_str(),
        "updatedAt": product.updated_at,
    })
}

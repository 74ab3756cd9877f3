//! The REST catalog client against a `TestUpstream`, and the GTINs its tests stock
//! the upstream with (the demo's generated range, titled after their GTIN-14).

use catalog_gateway::catalog::{RestCatalog, RestCatalogSettings};
use catalog_gateway::demo::DemoCatalog;
use catalog_gateway::gtin::Gtin;

use super::TestUpstream;

/// A client of `upstream` with the default settings, adjusted by `change`.
pub fn client_with(
    upstream: &TestUpstream,
    change: impl FnOnce(&mut RestCatalogSettings),
) -> RestCatalog {
    let mut settings = RestCatalogSettings::new(upstream.base_url());
    change(&mut settings);
    RestCatalog::new(settings).unwrap()
}

/// `n` distinct valid GTINs (the demo's generated range), starting at item `from`.
pub fn keys(from: u32, n: u32) -> Vec<Gtin> {
    (from..from + n)
        .map(|i| DemoCatalog::generated_gtin(i).unwrap())
        .collect()
}

/// The title `stock` gives the product of `gtin`.
pub fn title_for(gtin: &Gtin) -> String {
    format!("Product {}", gtin.gtin14())
}

/// Stores a product titled after its GTIN for each key.
pub fn stock(upstream: &TestUpstream, gtins: &[Gtin]) {
    for gtin in gtins {
        upstream.insert_product(gtin.gtin14(), &title_for(gtin));
    }
}

//! The demo catalog's data: the curated items plus the generated range, looked up by
//! canonical GTIN. No HTTP here; `server` puts this behind the REST contract.

use std::collections::HashMap;

use super::curated::{CURATED, Curated};
use super::generated;
use super::product::{DemoImage, DemoPrice, DemoProduct, image_url};
use crate::gtin::Gtin;

/// Every product the demo upstream knows: about forty hand-written items (see
/// `curated.rs`) and 100,000,000 generated ones computed on demand.
#[derive(Debug)]
pub struct DemoCatalog {
    /// Curated items by canonical GTIN (an index into `CURATED`).
    curated: HashMap<Gtin, usize>,
}

impl DemoCatalog {
    /// How many generated items exist (`9520` + item number 00000000–15999999).
    pub const GENERATED_ITEMS: u32 = generated::GENERATED_ITEMS;

    /// Builds the catalog (indexes the curated items; the generated ones need nothing).
    pub fn new() -> Self {
        let curated = CURATED
            .iter()
            .enumerate()
            // Every curated GTIN is valid (a test checks them all); an invalid one
            // would be skipped rather than stop the server.
            .filter_map(|(i, item)| Some((Gtin::from_digits(item.gtin).ok()?, i)))
            .collect();
        DemoCatalog { curated }
    }

    /// The product stored under `gtin`, or `None` when the catalog has no such item.
    pub fn get(&self, gtin: &Gtin) -> Option<DemoProduct> {
        if let Some(&i) = self.curated.get(gtin) {
            return CURATED.get(i).map(|item| curated_product(gtin, item));
        }
        let number = generated::item_number(gtin)?;
        Some(generated::product(gtin, number))
    }

    /// Whether the catalog has an item under `gtin`: [`DemoCatalog::get`] without
    /// building the product.
    pub fn contains(&self, gtin: &Gtin) -> bool {
        self.curated.contains_key(gtin) || generated::item_number(gtin).is_some()
    }

    /// The GTIN of generated item `number` (`None` from `GENERATED_ITEMS` on): a
    /// ready supply of keys that exist, for load tests and benchmarks.
    pub fn generated_gtin(number: u32) -> Option<Gtin> {
        generated::gtin_of(number)
    }

    /// The GTINs of the curated items, in table order.
    pub fn curated_gtins(&self) -> Vec<Gtin> {
        CURATED
            .iter()
            .filter_map(|item| Gtin::from_digits(item.gtin).ok())
            .collect()
    }
}

impl Default for DemoCatalog {
    fn default() -> Self {
        DemoCatalog::new()
    }
}

/// A curated table row as a wire product.
fn curated_product(gtin: &Gtin, item: &Curated) -> DemoProduct {
    let gtin14 = gtin.gtin14();
    DemoProduct {
        gtin: gtin14.to_owned(),
        title: item.title.to_owned(),
        brand: item.brand.map(str::to_owned),
        description: item.description.map(str::to_owned),
        price: item.price.map(|(amount, currency)| DemoPrice {
            amount: amount.to_owned(),
            currency: currency.to_owned(),
        }),
        images: item
            .images
            .iter()
            .enumerate()
            .map(|(i, alt)| DemoImage {
                url: image_url(gtin14, i + 1),
                alt: (*alt).to_owned(),
            })
            .collect(),
        categories: item.categories.iter().map(|c| (*c).to_owned()).collect(),
        attributes: item
            .attributes
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.map(str::to_owned)))
            .collect(),
        availability: item.availability.to_owned(),
        updated_at: item.updated_at.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::test_support::g;

    #[test]
    fn every_curated_item_is_found_under_its_gtin() {
        let catalog = DemoCatalog::new();
        let gtins = catalog.curated_gtins();
        assert_eq!(gtins.len(), CURATED.len());
        for gtin in gtins {
            assert_eq!(catalog.get(&gtin).unwrap().gtin, gtin.gtin14());
        }
    }

    #[test]
    fn a_curated_item_is_found_whatever_form_it_is_spelled_in() {
        let catalog = DemoCatalog::new();
        for form in ["036000291452", "0036000291452", "00036000291452"] {
            let product = catalog.get(&g(form)).unwrap();
            assert_eq!(product.title, "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets");
            assert_eq!(product.gtin, "00036000291452");
        }
    }

    #[test]
    fn a_generated_item_is_found() {
        let catalog = DemoCatalog::new();
        let gtin = DemoCatalog::generated_gtin(7).unwrap();
        assert_eq!(catalog.get(&gtin).unwrap().gtin, gtin.gtin14());
    }

    #[test]
    fn an_item_outside_both_sets_is_not_found() {
        let catalog = DemoCatalog::new();
        assert_eq!(catalog.get(&g("4006381333931")), None);
        assert_eq!(catalog.get(&g("20036000291456")), None);
    }

    #[test]
    fn the_variable_measure_lookup_keys_are_found_but_not_a_priced_label() {
        let catalog = DemoCatalog::new();
        assert!(catalog.get(&g("02011122000005")).is_some());
        assert!(catalog.get(&g("02388060100006")).is_some());
        // The priced label itself is the gateway's to zero; the demo stores only keys.
        assert_eq!(catalog.get(&g("2011122912346")), None);
    }

    proptest::proptest! {
        /// `contains` says what `get` finds, for any GTIN-13 near the generated
        /// range and every curated item.
        #[test]
        fn contains_agrees_with_get(payload in 951_900_000_000u64..952_100_000_000) {
            let catalog = DemoCatalog::new();
            let gtin = Gtin::with_check_digit(&payload.to_string()).unwrap();
            proptest::prop_assert_eq!(catalog.contains(&gtin), catalog.get(&gtin).is_some());
            for curated in catalog.curated_gtins() {
                proptest::prop_assert!(catalog.contains(&curated));
            }
        }
    }
}

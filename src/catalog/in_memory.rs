//! One in-memory [`Catalog`] for the unit tests, the benches and the decision tests
//! (and only for them: built under `cfg(test)` or the `test-support` feature, never
//! in the gateway). Products in a map or computed per key, keys that fail alone,
//! keys that fail the whole call they are in (as an upstream's 5xx does), a latency
//! per call, and a record of every batch asked for; and `Product::bare`, a product
//! with its identity and title only, for tests to fill in.
//!
//! The end-to-end tests do not use it: they run the REST client against a real
//! local HTTP upstream (`tests/api/support`).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use super::{Availability, Catalog, CatalogError, FetchResult, Product};
use crate::gtin::Gtin;

/// Where the products come from.
enum Products {
    /// Those in the map; any other key is not found.
    Held(HashMap<Gtin, Product>),
    /// Whatever the function says for a key.
    Computed(fn(Gtin) -> Option<Product>),
}

/// A catalog in memory; see the module doc.
pub struct InMemoryCatalog {
    products: Products,
    /// Keys answered `Unavailable(message)`, each alone.
    failing: HashMap<Gtin, String>,
    /// Keys that fail the whole call they are asked in, `Unavailable(message)`.
    failing_calls: HashSet<Gtin>,
    failing_calls_message: String,
    /// How long each call waits before it answers (tokio's clock, so a paused clock
    /// skips it); `None`: it does not wait at all, not even a timer's turn.
    latency: Option<Duration>,
    /// Every batch asked for, in order.
    batches: Mutex<Vec<Vec<Gtin>>>,
}

impl InMemoryCatalog {
    /// A catalog holding `products`, by their GTIN.
    pub fn new(products: impl IntoIterator<Item = Product>) -> InMemoryCatalog {
        let products = products.into_iter().map(|p| (p.gtin, p)).collect();
        InMemoryCatalog::over(Products::Held(products))
    }

    /// A catalog answering each key with what `product` gives for it.
    pub fn computed(product: fn(Gtin) -> Option<Product>) -> InMemoryCatalog {
        InMemoryCatalog::over(Products::Computed(product))
    }

    fn over(products: Products) -> InMemoryCatalog {
        InMemoryCatalog {
            products,
            failing: HashMap::new(),
            failing_calls: HashSet::new(),
            failing_calls_message: String::new(),
            latency: None,
            batches: Mutex::new(Vec::new()),
        }
    }

    /// `key` is answered `Unavailable(message)`; the other keys of its call are not
    /// touched.
    #[must_use]
    pub fn failing(mut self, key: Gtin, message: &str) -> InMemoryCatalog {
        self.failing.insert(key, message.to_owned());
        self
    }

    /// A call that asks for `key` fails whole: every key of it is answered
    /// `Unavailable(message)`.
    #[must_use]
    pub fn failing_calls_with(mut self, key: Gtin, message: &str) -> InMemoryCatalog {
        self.failing_calls.insert(key);
        message.clone_into(&mut self.failing_calls_message);
        self
    }

    /// Each call waits `latency` (a tokio sleep, also when zero) before it answers.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> InMemoryCatalog {
        self.latency = Some(latency);
        self
    }

    /// Every batch asked for so far, in order.
    pub fn batches(&self) -> Vec<Vec<Gtin>> {
        self.batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many calls were made so far.
    pub fn calls(&self) -> usize {
        self.batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    fn product(&self, key: Gtin) -> Option<Product> {
        match &self.products {
            Products::Held(products) => products.get(&key).cloned(),
            Products::Computed(product) => product(key),
        }
    }
}

impl Product {
    /// A product with its identity and title only (no brand, price, images …,
    /// availability unknown), for a test to fill in with `..Product::bare(…)`.
    pub fn bare(gtin: Gtin, title: &str) -> Product {
        Product {
            gtin,
            title: title.into(),
            brand: None,
            description: None,
            price: None,
            images: Vec::new(),
            categories: Vec::new(),
            attributes: Vec::new(),
            availability: Availability::Unknown,
            updated_at: None,
        }
    }
}

#[async_trait]
impl Catalog for InMemoryCatalog {
    async fn fetch(&self, keys: &[Gtin]) -> Vec<FetchResult> {
        self.batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(keys.to_vec());
        if let Some(latency) = self.latency {
            tokio::time::sleep(latency).await;
        }
        if keys.iter().any(|key| self.failing_calls.contains(key)) {
            let error = CatalogError::Unavailable(self.failing_calls_message.clone());
            return keys.iter().map(|_| Err(error.clone())).collect();
        }
        keys.iter()
            .map(|&key| match self.failing.get(&key) {
                Some(message) => Err(CatalogError::Unavailable(message.clone())),
                None => Ok(self.product(key)),
            })
            .collect()
    }
}

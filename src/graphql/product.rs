//! The GraphQL `Product` type: a thin view over a loaded [`catalog::Product`].

use async_graphql::{Enum, Object, SimpleObject};

use crate::catalog::Availability;
use crate::loader::LoadedProduct;

/// A product of the catalog, as this caller got it (fresh or a stale copy).
pub(crate) struct ProductView(pub(crate) LoadedProduct);

/// A shelf price.
#[derive(SimpleObject)]
pub(crate) struct Price {
    /// Decimal string, such as "4.99" (never a float, so nothing is rounded).
    amount: String,
    /// ISO 4217 currency code.
    currency: String,
}

/// A product image.
#[derive(SimpleObject)]
pub(crate) struct Image {
    /// Absolute URL.
    url: String,
    /// Alternative text.
    alt: Option<String>,
}

/// A name/value attribute of a product.
#[derive(SimpleObject)]
pub(crate) struct Attribute {
    /// Attribute name, such as "size".
    name: String,
    /// Attribute value; null when the catalog has none.
    value: Option<String>,
}

/// Stock state.
#[derive(Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Availability")]
pub(crate) enum AvailabilityName {
    /// In stock.
    InStock,
    /// Few left.
    LowStock,
    /// None left for now.
    OutOfStock,
    /// No longer sold.
    Discontinued,
    /// Unknown, or a state this gateway does not know.
    Unknown,
}

impl From<Availability> for AvailabilityName {
    fn from(availability: Availability) -> AvailabilityName {
        match availability {
            Availability::InStock => AvailabilityName::InStock,
            Availability::LowStock => AvailabilityName::LowStock,
            Availability::OutOfStock => AvailabilityName::OutOfStock,
            Availability::Discontinued => AvailabilityName::Discontinued,
            Availability::Unknown => AvailabilityName::Unknown,
        }
    }
}

#[Object(name = "Product")]
impl ProductView {
    /// Canonical GTIN-14 of the product.
    async fn gtin(&self) -> &str {
        self.0.product.gtin.gtin14()
    }

    /// EAN-13 form, for GTIN-12 and GTIN-13 products.
    async fn gtin13(&self) -> Option<&str> {
        self.0.product.gtin.gtin13()
    }

    /// UPC-A form, for GTIN-12 products.
    async fn upc(&self) -> Option<&str> {
        self.0.product.gtin.upc_a()
    }

    /// Display title.
    async fn title(&self) -> &str {
        &self.0.product.title
    }

    /// Brand name.
    async fn brand(&self) -> Option<&str> {
        self.0.product.brand.as_deref()
    }

    /// Longer description.
    async fn description(&self) -> Option<&str> {
        self.0.product.description.as_deref()
    }

    /// Shelf price.
    async fn price(&self) -> Option<Price> {
        self.0.product.price.as_ref().map(|price| Price {
            amount: price.amount.to_string(),
            currency: price.currency.to_string(),
        })
    }

    /// Images, main image first.
    async fn images(&self) -> Vec<Image> {
        self.0
            .product
            .images
            .iter()
            .map(|image| Image {
                url: image.url.to_string(),
                alt: image.alt.as_ref().map(ToString::to_string),
            })
            .collect()
    }

    /// Category path, broadest first.
    async fn categories(&self) -> Vec<&str> {
        self.0
            .product
            .categories
            .iter()
            .map(|category| category.as_str())
            .collect()
    }

    /// Attributes such as size or colour.
    async fn attributes(&self) -> Vec<Attribute> {
        self.0
            .product
            .attributes
            .iter()
            .map(|attribute| Attribute {
                name: attribute.name.to_string(),
                value: attribute.value.as_ref().map(ToString::to_string),
            })
            .collect()
    }

    /// Stock state.
    async fn availability(&self) -> AvailabilityName {
        AvailabilityName::from(self.0.product.availability)
    }

    /// True when the catalog could not answer just now and this is a cached copy past
    /// its freshness time (at most `--cache-max-stale-s` old); false when current.
    async fn served_stale(&self) -> bool {
        self.0.served_stale
    }

    /// Last change in the catalog, RFC 3339.
    async fn updated_at(&self) -> Option<&str> {
        self.0.product.updated_at.as_deref()
    }
}

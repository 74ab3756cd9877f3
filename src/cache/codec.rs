//! The bytes a cache entry is stored as in Redis: JSON of a private serde mirror of
//! [`Product`], wrapped with a format version and the fetched-at unix milliseconds.
//!
//! Why a mirror: `Product` is the domain type and stays free of serde (a wire
//! format must not leak into it), and this format must stay readable by other
//! replicas of other builds. Entries are read with serde and written by hand
//! ([`encode`]), byte for byte what serde_json writes for the mirror (tested against
//! the serde encoder, kept as `reference`). Why a version tag: during a rolling
//! deploy, old and new replicas share one Redis; a replica that meets a version it
//! does not know treats the entry as a miss (and refetches), never as an error. Bump
//! [`FORMAT_VERSION`] on any change to the mirror types (and [`encode`] with them: a
//! test fails until they agree). Why JSON: `serde_json` is already a
//! dependency, entries are small, and `redis-cli GET` stays readable when debugging.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::entry::Entry;
use super::weight::product_bytes;
use crate::catalog::{Attribute, Availability, Image, Price, Product, Text};
use crate::gtin::Gtin;
use crate::json_text::push_string;

/// The format written by this build; entries with any other version are misses.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Why stored bytes were not turned into an entry (all of them mean "miss").
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Written by a build with another format.
    #[error("cache entry format version {0}, this build reads {FORMAT_VERSION}")]
    Version(u32),
    /// Not the JSON this format describes.
    #[error("malformed cache entry: {0}")]
    Malformed(String),
    /// A product whose GTIN is not the key it was stored under.
    #[error("cache entry holds {found} under the key of {key}")]
    WrongKey {
        /// The key the entry was read for.
        key: Gtin,
        /// The GTIN the stored product claims.
        found: String,
    },
}

/// Only the version, read first so an unknown format is told apart from garbage.
#[derive(Deserialize)]
struct VersionTag {
    v: u32,
}

#[derive(Serialize, Deserialize)]
struct StoredEntry {
    /// Format version ([`FORMAT_VERSION`]).
    v: u32,
    /// When the upstream answered, unix milliseconds.
    at: u64,
    /// The product; `null` for "not in the catalog".
    product: Option<StoredProduct>,
}

#[derive(Serialize, Deserialize)]
struct StoredProduct {
    /// Canonical GTIN-14.
    gtin: Text,
    title: Text,
    brand: Option<Text>,
    description: Option<Text>,
    price: Option<StoredPrice>,
    images: Vec<StoredImage>,
    categories: Vec<Text>,
    attributes: Vec<StoredAttribute>,
    /// The contract's wire name (`IN_STOCK` …).
    availability: Text,
    updated_at: Option<Text>,
}

#[derive(Serialize, Deserialize)]
struct StoredPrice {
    amount: Text,
    currency: Text,
}

#[derive(Serialize, Deserialize)]
struct StoredImage {
    url: Text,
    alt: Option<Text>,
}

#[derive(Serialize, Deserialize)]
struct StoredAttribute {
    name: Text,
    value: Option<Text>,
}

/// The bytes an entry's JSON holds beyond its product's text: the version, the
/// time, the field names, quotes and punctuation.
const ENTRY_JSON_OVERHEAD: usize = 192;

/// What `entry`'s JSON is written into.
fn json_capacity(entry: &Entry) -> usize {
    entry.product.as_deref().map_or(0, product_bytes) + ENTRY_JSON_OVERHEAD
}

/// The stored form of `entry`: the JSON of [`StoredEntry`], written field by field.
///
/// Byte for byte what serde_json writes for that struct (the serde version is kept in
/// the tests as the oracle, `reference`): every replica, of any build, reads it with
/// serde. Why by hand: a product's strings almost never need escaping, and serde_json
/// checks and writes each through its escaping machinery; the write-back encodes every
/// new product a loader batch fetched (bench/JOURNAL.md, "POS with production
/// settings": 1.5 µs an entry, a tenth of a production POS request).
pub(crate) fn encode(entry: &Entry) -> Vec<u8> {
    // Sized for the whole entry at once (a typical product is about 600 bytes; a
    // `Vec` grown from empty would reallocate several times).
    let mut out = Vec::with_capacity(json_capacity(entry));
    out.extend_from_slice(b"{\"v\":");
    number(&mut out, u64::from(FORMAT_VERSION));
    out.extend_from_slice(b",\"at\":");
    number(&mut out, entry.fetched_at_ms);
    out.extend_from_slice(b",\"product\":");
    match entry.product.as_deref() {
        Some(product) => write_product(&mut out, product),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
    out
}

fn write_product(out: &mut Vec<u8>, p: &Product) {
    out.extend_from_slice(b"{\"gtin\":");
    push_string(out, p.gtin.gtin14());
    out.extend_from_slice(b",\"title\":");
    push_string(out, &p.title);
    out.extend_from_slice(b",\"brand\":");
    optional(out, p.brand.as_deref());
    out.extend_from_slice(b",\"description\":");
    optional(out, p.description.as_deref());
    out.extend_from_slice(b",\"price\":");
    match &p.price {
        Some(price) => pair(
            out,
            (b"{\"amount\":", &price.amount),
            (b",\"currency\":", Some(&price.currency)),
        ),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"images\":");
    list(out, &p.images, |out, image| {
        pair(
            out,
            (b"{\"url\":", &image.url),
            (b",\"alt\":", image.alt.as_deref()),
        );
    });
    out.extend_from_slice(b",\"categories\":");
    list(out, &p.categories, |out, category| {
        push_string(out, category)
    });
    out.extend_from_slice(b",\"attributes\":");
    list(out, &p.attributes, |out, attribute| {
        pair(
            out,
            (b"{\"name\":", &attribute.name),
            (b",\"value\":", attribute.value.as_deref()),
        );
    });
    out.extend_from_slice(b",\"availability\":");
    push_string(out, p.availability.as_str());
    out.extend_from_slice(b",\"updated_at\":");
    optional(out, p.updated_at.as_deref());
    out.push(b'}');
}

/// An object of two string fields, the second optional (a price, an image, an
/// attribute): each name comes with its punctuation (`{"url":`, `,"alt":`).
fn pair(out: &mut Vec<u8>, (first, text): (&[u8], &str), (second, other): (&[u8], Option<&str>)) {
    out.extend_from_slice(first);
    push_string(out, text);
    out.extend_from_slice(second);
    optional(out, other);
    out.push(b'}');
}

fn list<T>(out: &mut Vec<u8>, items: &[T], mut item: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (index, value) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        item(out, value);
    }
    out.push(b']');
}

fn number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => push_string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// The entry stored as `bytes` under `key`.
///
/// # Errors
/// [`DecodeError`] for another format version, bytes that are not this format, or
/// a product whose GTIN is not `key`. Callers treat every error as a miss.
pub(crate) fn decode(bytes: &[u8], key: Gtin) -> Result<Entry, DecodeError> {
    let malformed = |e: serde_json::Error| DecodeError::Malformed(e.to_string());
    let tag: VersionTag = serde_json::from_slice(bytes).map_err(malformed)?;
    if tag.v != FORMAT_VERSION {
        return Err(DecodeError::Version(tag.v));
    }
    let stored: StoredEntry = serde_json::from_slice(bytes).map_err(malformed)?;
    let product = match stored.product {
        None => None,
        Some(p) => Some(Arc::new(p.into_product(key)?)),
    };
    Ok(Entry {
        product,
        fetched_at_ms: stored.at,
    })
}

impl StoredProduct {
    fn into_product(self, key: Gtin) -> Result<Product, DecodeError> {
        let gtin = match Gtin::from_digits(&self.gtin) {
            Ok(gtin) if gtin == key => gtin,
            _ => {
                return Err(DecodeError::WrongKey {
                    key,
                    found: self.gtin.into(),
                });
            }
        };
        Ok(Product {
            gtin,
            title: self.title,
            brand: self.brand,
            description: self.description,
            price: self.price.map(|p| Price {
                amount: p.amount,
                currency: p.currency,
            }),
            images: self
                .images
                .into_iter()
                .map(|i| Image {
                    url: i.url,
                    alt: i.alt,
                })
                .collect(),
            categories: self.categories,
            attributes: self
                .attributes
                .into_iter()
                .map(|a| Attribute {
                    name: a.name,
                    value: a.value,
                })
                .collect(),
            availability: Availability::from_upstream(Some(&self.availability)),
            updated_at: self.updated_at,
        })
    }
}

/// The encoder before [`encode`] was written by hand: serde_json over borrowed mirrors
/// of [`StoredEntry`]. Kept as the oracle `encode` must equal byte for byte.
#[cfg(test)]
pub(super) mod reference {
    use super::{Attribute, Entry, FORMAT_VERSION, Image, Product, Text};

    /// What serde_json writes for `entry`.
    pub(crate) fn encode(entry: &Entry) -> Vec<u8> {
        let stored = StoredEntryRef {
            v: FORMAT_VERSION,
            at: entry.fetched_at_ms,
            product: entry.product.as_deref().map(StoredProductRef::from),
        };
        serde_json::to_vec(&stored).unwrap_or_default()
    }

    /// The write side of [`StoredEntry`]: the same fields in the same order, borrowed
    /// from the entry, so encoding copies no string before writing it out (a batch of
    /// products is encoded for every write-back to Redis).
    #[derive(serde::Serialize)]
    struct StoredEntryRef<'a> {
        v: u32,
        at: u64,
        product: Option<StoredProductRef<'a>>,
    }

    /// [`StoredProduct`], borrowed.
    #[derive(serde::Serialize)]
    struct StoredProductRef<'a> {
        gtin: &'a str,
        title: &'a str,
        brand: Option<&'a str>,
        description: Option<&'a str>,
        price: Option<StoredPriceRef<'a>>,
        #[serde(serialize_with = "images")]
        images: &'a [Image],
        categories: &'a [Text],
        #[serde(serialize_with = "attributes")]
        attributes: &'a [Attribute],
        availability: &'a str,
        updated_at: Option<&'a str>,
    }

    /// [`StoredPrice`], borrowed.
    #[derive(serde::Serialize)]
    struct StoredPriceRef<'a> {
        amount: &'a str,
        currency: &'a str,
    }

    /// [`StoredImage`], borrowed.
    #[derive(serde::Serialize)]
    struct StoredImageRef<'a> {
        url: &'a str,
        alt: Option<&'a str>,
    }

    /// [`StoredAttribute`], borrowed.
    #[derive(serde::Serialize)]
    struct StoredAttributeRef<'a> {
        name: &'a str,
        value: Option<&'a str>,
    }

    fn images<S: serde::Serializer>(images: &&[Image], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(images.iter().map(|image| StoredImageRef {
            url: &image.url,
            alt: image.alt.as_deref(),
        }))
    }

    fn attributes<S: serde::Serializer>(
        attributes: &&[Attribute],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(attributes.iter().map(|attribute| StoredAttributeRef {
            name: &attribute.name,
            value: attribute.value.as_deref(),
        }))
    }

    impl<'a> From<&'a Product> for StoredProductRef<'a> {
        fn from(p: &'a Product) -> Self {
            StoredProductRef {
                gtin: p.gtin.gtin14(),
                title: &p.title,
                brand: p.brand.as_deref(),
                description: p.description.as_deref(),
                price: p.price.as_ref().map(|price| StoredPriceRef {
                    amount: &price.amount,
                    currency: &price.currency,
                }),
                images: &p.images,
                categories: &p.categories,
                attributes: &p.attributes,
                availability: p.availability.as_str(),
                updated_at: p.updated_at.as_deref(),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::cache::test_support::{gtin, product};

    const AT: u64 = 1_800_000_000_123;

    #[test]
    fn a_found_product_round_trips_with_every_field_and_its_fetch_time() {
        let entry = Entry {
            product: Some(Arc::new(product(7))),
            fetched_at_ms: AT,
        };

        let decoded = decode(&encode(&entry), gtin(7));

        assert_eq!(decoded, Ok(entry));
    }

    #[test]
    fn every_availability_round_trips() {
        for availability in [
            Availability::InStock,
            Availability::LowStock,
            Availability::OutOfStock,
            Availability::Discontinued,
            Availability::Unknown,
        ] {
            let entry = Entry {
                product: Some(Arc::new(Product {
                    availability,
                    ..product(1)
                })),
                fetched_at_ms: AT,
            };
            assert_eq!(decode(&encode(&entry), gtin(1)), Ok(entry));
        }
    }

    #[test]
    fn a_not_found_entry_round_trips() {
        let entry = Entry {
            product: None,
            fetched_at_ms: AT,
        };
        assert_eq!(decode(&encode(&entry), gtin(1)), Ok(entry));
    }

    #[test]
    fn another_format_version_is_a_version_error_not_a_parse_failure() {
        let future = br#"{"v":2,"whatever":"a new shape"}"#;
        assert_eq!(decode(future, gtin(1)), Err(DecodeError::Version(2)));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(
            decode(b"\x00not json", gtin(1)),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            decode(br#"{"v":1,"at":"yesterday"}"#, gtin(1)),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn a_product_stored_under_another_key_is_rejected() {
        let entry = Entry {
            product: Some(Arc::new(product(1))),
            fetched_at_ms: AT,
        };
        assert!(matches!(
            decode(&encode(&entry), gtin(2)),
            Err(DecodeError::WrongKey { .. })
        ));
    }

    #[test]
    fn the_borrowed_write_side_writes_the_read_sides_format_byte_for_byte() {
        for product in [Some(Arc::new(product(1))), None] {
            let bytes = encode(&Entry {
                product,
                fetched_at_ms: AT,
            });
            let read: StoredEntry = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(serde_json::to_vec(&read).unwrap(), bytes);
        }
    }

    #[test]
    fn an_entry_is_written_without_growing_its_buffer() {
        let mut bare = product(2);
        bare.brand = None;
        bare.description = None;
        bare.price = None;
        bare.images.clear();
        bare.categories.clear();
        bare.attributes.clear();
        bare.updated_at = None;
        let mut many = product(3);
        many.attributes = (0..40)
            .map(|i| Attribute {
                name: format!("a{i}").into(),
                value: (i % 2 == 0).then(|| "v".into()),
            })
            .collect();
        many.images = (0..12)
            .map(|i| Image {
                url: format!("https://img.example/{i}.png").into(),
                alt: None,
            })
            .collect();
        many.categories = (0..12).map(|i| format!("c{i}").into()).collect();
        for product in [Some(product(1)), Some(bare), Some(many), None] {
            let entry = Entry {
                product: product.map(Arc::new),
                fetched_at_ms: u64::MAX,
            };
            let bytes = encode(&entry);
            assert!(
                bytes.len() <= json_capacity(&entry),
                "{} bytes in a buffer of {}",
                bytes.len(),
                json_capacity(&entry)
            );
        }
    }

    fn any_product() -> impl proptest::strategy::Strategy<Value = Product> {
        use proptest::collection::vec;
        use proptest::option::of;
        use proptest::prelude::*;
        let text = || any::<String>().prop_map(Text::from);
        let availability = prop_oneof![
            Just(Availability::InStock),
            Just(Availability::LowStock),
            Just(Availability::OutOfStock),
            Just(Availability::Discontinued),
            Just(Availability::Unknown),
        ];
        (
            (0usize..1_000_000, text(), of(text()), of(text())),
            of((text(), text()).prop_map(|(amount, currency)| Price { amount, currency })),
            vec(
                (text(), of(text())).prop_map(|(url, alt)| Image { url, alt }),
                0..4,
            ),
            vec(text(), 0..4),
            vec(
                (text(), of(text())).prop_map(|(name, value)| Attribute { name, value }),
                0..4,
            ),
            (availability, of(text())),
        )
            .prop_map(
                |(
                    (i, title, brand, description),
                    price,
                    images,
                    categories,
                    attributes,
                    (availability, updated_at),
                )| Product {
                    gtin: gtin(i),
                    title,
                    brand,
                    description,
                    price,
                    images,
                    categories,
                    attributes,
                    availability,
                    updated_at,
                },
            )
    }

    proptest::proptest! {
        /// Whatever a source sent (any text: quotes, control characters, any
        /// script; any field missing or empty), a replica reads back what another
        /// stored, with its fetch time.
        #[test]
        fn any_product_round_trips(product in any_product(), at in proptest::prelude::any::<u64>()) {
            let key = product.gtin;
            let entry = Entry { product: Some(Arc::new(product)), fetched_at_ms: at };
            proptest::prop_assert_eq!(decode(&encode(&entry), key), Ok(entry));
        }

        /// The hand-written JSON is serde_json's, byte for byte, for any product (and
        /// for "not in the catalog"): other builds read it with serde.
        #[test]
        fn encode_writes_what_serde_json_writes(
            product in proptest::option::of(any_product()),
            at in proptest::prelude::any::<u64>(),
        ) {
            let entry = Entry { product: product.map(Arc::new), fetched_at_ms: at };
            let (ours, serdes) = (encode(&entry), reference::encode(&entry));
            proptest::prop_assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&serdes)
            );
        }
    }

    #[test]
    fn the_stored_form_carries_the_version_and_the_fetch_time() {
        let entry = Entry {
            product: None,
            fetched_at_ms: AT,
        };
        let json: serde_json::Value = serde_json::from_slice(&encode(&entry)).unwrap();
        assert_eq!(json["v"], FORMAT_VERSION);
        assert_eq!(json["at"], AT);
    }
}

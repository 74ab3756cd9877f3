//! The demo catalog's generated items: 100,000,000 GTIN-13s under GS1's demo prefix
//! `952`, each product computed from its item number on demand (nothing is stored).
//!
//! Item `n` (0 ≤ n < 100,000,000) is `9520` + `n` as 8 digits + check digit, so
//! `9520000000004` is item 0 and `9520999999990` is the last: every GTIN-13 that
//! starts `9520` is an item, so load runs never run out of keys never asked. Everything about an
//! item (brand, product, size, price, stock, date) is drawn from a splitmix64 hash of
//! `n`, so every run, machine and replica answers the same product for the same key,
//! and load tests can ask for any key without a data file.

use super::product::{DemoImage, DemoPrice, DemoProduct, image_url};
use crate::gtin::Gtin;

/// How many generated items exist.
pub(crate) const GENERATED_ITEMS: u32 = 100_000_000;

/// The first five digits of a generated item's GTIN-14 (`0` padding + `9520`).
const FIELD_PREFIX: &[u8; 5] = b"09520";

/// The item number of a generated GTIN, or `None` for any other GTIN.
pub(crate) fn item_number(gtin: &Gtin) -> Option<u32> {
    let digits = gtin.as_bytes();
    if &digits[..5] != FIELD_PREFIX {
        return None;
    }
    // Eight ASCII digits always fit a u32; the fold cannot overflow.
    let number = digits[5..13]
        .iter()
        .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    (number < GENERATED_ITEMS).then_some(number)
}

/// The GTIN of generated item `number`, or `None` past the last item.
pub(crate) fn gtin_of(number: u32) -> Option<Gtin> {
    if number >= GENERATED_ITEMS {
        return None;
    }
    Gtin::with_check_digit(&format!("9520{number:08}")).ok()
}

/// A product line: its category path, the things it sells and their sizes.
struct Family {
    categories: &'static [&'static str],
    nouns: &'static [&'static str],
    sizes: &'static [&'static str],
    /// Price range in cents, inclusive.
    cents: (u64, u64),
    /// Whether "Organic" makes sense for it (food and drink, not foil or shampoo).
    food: bool,
}

const FAMILIES: &[Family] = &[
    Family {
        categories: &["Grocery", "Pantry", "Pasta"],
        nouns: &[
            "Penne Rigate",
            "Spaghetti",
            "Fusilli",
            "Farfalle",
            "Linguine",
            "Orecchiette",
        ],
        sizes: &["500 g", "1 kg"],
        cents: (99, 399),
        food: true,
    },
    Family {
        categories: &["Grocery", "Breakfast", "Cereal"],
        nouns: &[
            "Crunchy Granola",
            "Fruit Muesli",
            "Corn Flakes",
            "Oat Clusters",
            "Bran Flakes",
        ],
        sizes: &["375 g", "500 g", "750 g"],
        cents: (199, 599),
        food: true,
    },
    Family {
        categories: &["Grocery", "Snacks", "Crisps"],
        nouns: &[
            "Sea Salt Crisps",
            "Paprika Crisps",
            "Lentil Chips",
            "Tortilla Chips",
            "Pretzel Sticks",
        ],
        sizes: &["100 g", "150 g", "200 g"],
        cents: (99, 349),
        food: true,
    },
    Family {
        categories: &["Beverages", "Coffee"],
        nouns: &[
            "Espresso Beans",
            "Ground Coffee",
            "Decaf Ground Coffee",
            "Crema Beans",
        ],
        sizes: &["250 g", "500 g", "1 kg"],
        cents: (349, 1899),
        food: true,
    },
    Family {
        categories: &["Beverages", "Tea"],
        nouns: &[
            "Green Tea",
            "Earl Grey",
            "Chamomile Infusion",
            "Rooibos",
            "Peppermint Tea",
        ],
        sizes: &["20 Bags", "40 Bags", "80 Bags"],
        cents: (149, 599),
        food: true,
    },
    Family {
        categories: &["Beverages", "Juice"],
        nouns: &[
            "Orange Juice",
            "Apple Juice",
            "Multivitamin Juice",
            "Cranberry Drink",
        ],
        sizes: &["1 l", "1.5 l"],
        cents: (129, 399),
        food: true,
    },
    Family {
        categories: &["Dairy", "Cheese"],
        nouns: &["Gouda", "Emmental", "Mature Cheddar", "Mozzarella", "Feta"],
        sizes: &["200 g", "400 g"],
        cents: (179, 699),
        food: true,
    },
    Family {
        categories: &["Household", "Cleaning"],
        nouns: &[
            "Dish Soap",
            "All-Purpose Cleaner",
            "Laundry Liquid",
            "Glass Cleaner",
        ],
        sizes: &["500 ml", "750 ml", "1 l"],
        cents: (149, 1299),
        food: false,
    },
    Family {
        categories: &["Health & Beauty", "Hair Care"],
        nouns: &["Shampoo", "Conditioner", "Hair Mask"],
        sizes: &["250 ml", "400 ml"],
        cents: (249, 999),
        food: false,
    },
    Family {
        categories: &["Health & Beauty", "Oral Care"],
        nouns: &[
            "Whitening Toothpaste",
            "Herbal Toothpaste",
            "Sensitive Toothpaste",
        ],
        sizes: &["75 ml", "100 ml"],
        cents: (149, 599),
        food: false,
    },
    Family {
        categories: &["Pet", "Dog Food"],
        nouns: &[
            "Adult Dry Dog Food",
            "Puppy Dry Food",
            "Grain-Free Dog Food",
        ],
        sizes: &["2 kg", "5 kg", "12 kg"],
        cents: (699, 4999),
        food: false,
    },
    Family {
        categories: &["Home", "Kitchen"],
        nouns: &["Baking Paper", "Aluminium Foil", "Cling Film"],
        sizes: &["20 m", "30 m"],
        cents: (129, 449),
        food: false,
    },
];

const BRANDS: &[&str] = &[
    "Nordhaven",
    "Bellavista",
    "Green Meadow",
    "Alpenglück",
    "Harbor Lane",
    "Sunfield",
    "Oak & Barley",
    "Blue Fjord",
    "Casa Rustica",
    "Maple Row",
    "Silverbirch",
    "Golden Acre",
    "Riverbend",
    "Coastline",
    "Wildroot",
    "Kestrel",
    "Old Mill",
    "Lindenhof",
    "Verde Vita",
    "Saltmarsh",
    "Bramblewood",
    "Polar Bay",
    "Terra Nova",
    "Hillcrest",
];

const STYLES: &[&str] = &["", "", "Organic ", "Classic ", "Premium ", "Everyday "];

/// `STYLES` without "Organic", for families that are not food.
const NON_FOOD_STYLES: &[&str] = &["", "", "Classic ", "Premium ", "Everyday "];

const ORIGINS: &[&str] = &[
    "Germany",
    "France",
    "Italy",
    "Spain",
    "Netherlands",
    "Belgium",
    "Austria",
    "Poland",
    "Denmark",
];

/// splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed hash of a counter.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Independent draws from one item's hash stream.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 = splitmix64(self.0);
        self.0
    }

    /// A value in `0..n` (`n` > 0; the modulo bias over 2^64 is negligible here).
    fn below(&mut self, n: usize) -> usize {
        // `n` is a small table length, so both conversions are lossless.
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The product of generated item `number` (keyed by `gtin`).
pub(crate) fn product(gtin: &Gtin, number: u32) -> DemoProduct {
    let mut draw = Draws(u64::from(number) ^ 0x5EED_0000_0952_0000);
    let family = &FAMILIES[draw.below(FAMILIES.len())];
    let brand = draw.pick(BRANDS);
    let style = draw.pick(if family.food { STYLES } else { NON_FOOD_STYLES });
    let noun = draw.pick(family.nouns);
    let size = draw.pick(family.sizes);
    let (lo, hi) = family.cents;
    // Shelf prices end in 9 cents.
    let cents = (lo + draw.next() % (hi - lo + 1)) / 10 * 10 + 9;
    let availability = match draw.next() % 100 {
        0..80 => "IN_STOCK",
        80..90 => "LOW_STOCK",
        90..97 => "OUT_OF_STOCK",
        _ => "DISCONTINUED",
    };
    let (month, day) = (1 + draw.next() % 11, 1 + draw.next() % 28);
    let (hour, minute) = (draw.next() % 24, draw.next() % 60);
    let gtin14 = gtin.gtin14();
    let image_count = 1 + draw.below(2);
    DemoProduct {
        gtin: gtin14.to_owned(),
        title: format!("{brand} {style}{noun} {size}"),
        brand: Some(brand.to_owned()),
        description: Some(format!("{style}{noun} from {brand}, {size}.")),
        price: Some(DemoPrice {
            amount: format!("{}.{:02}", cents / 100, cents % 100),
            currency: "EUR".to_owned(),
        }),
        images: ["front", "back"][..image_count]
            .iter()
            .enumerate()
            .map(|(i, alt)| DemoImage {
                url: image_url(gtin14, i + 1),
                alt: (*alt).to_owned(),
            })
            .collect(),
        categories: family.categories.iter().map(|c| (*c).to_owned()).collect(),
        attributes: vec![
            ("size".to_owned(), Some(size.to_owned())),
            (
                "organic".to_owned(),
                Some((style == "Organic ").to_string()),
            ),
            ("origin".to_owned(), Some(draw.pick(ORIGINS).to_owned())),
        ],
        availability: availability.to_owned(),
        updated_at: format!("2026-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::test_support::g;

    #[test]
    fn the_first_and_last_generated_items_have_the_documented_gtins() {
        assert_eq!(gtin_of(0).unwrap(), g("9520000000004"));
        assert_eq!(gtin_of(GENERATED_ITEMS - 1).unwrap(), g("9520999999990"));
        assert_eq!(gtin_of(GENERATED_ITEMS), None);
    }

    #[test]
    fn item_numbers_round_trip_through_their_gtin() {
        for number in [0, 1, 9, 10, 12_345_678, 15_999_999, 99_999_999] {
            assert_eq!(item_number(&gtin_of(number).unwrap()), Some(number));
        }
    }

    #[test]
    fn gtins_outside_the_prefix_are_not_generated_items() {
        assert_eq!(item_number(&g("9521000000001")), None);
        assert_eq!(item_number(&g("036000291452")), None);
        // Same 13 digits behind an indicator digit: a case pack, not the item.
        let case = (0..10)
            .find_map(|c| Gtin::from_digits(&format!("1952000000000{c}")).ok())
            .unwrap();
        assert_eq!(item_number(&case), None);
    }

    #[test]
    fn a_generated_product_is_the_same_every_time() {
        let gtin = gtin_of(4_242_424).unwrap();
        assert_eq!(product(&gtin, 4_242_424), product(&gtin, 4_242_424));
    }

    #[test]
    fn neighbouring_generated_items_differ() {
        let titles: std::collections::HashSet<String> = (0..50)
            .map(|n| product(&gtin_of(n).unwrap(), n).title)
            .collect();
        assert!(titles.len() > 40, "only {} distinct titles", titles.len());
    }

    #[test]
    fn generated_products_follow_the_contract() {
        for number in (0..GENERATED_ITEMS).step_by(999_983) {
            let gtin = gtin_of(number).unwrap();
            let p = product(&gtin, number);
            assert_eq!(p.gtin, gtin.gtin14());
            let amount = p.price.unwrap().amount;
            let (whole, cents) = amount.split_once('.').unwrap();
            assert!(
                !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()),
                "{amount}"
            );
            assert!(
                cents.len() == 2 && cents.bytes().all(|b| b.is_ascii_digit()),
                "{amount}"
            );
            assert!(
                ["IN_STOCK", "LOW_STOCK", "OUT_OF_STOCK", "DISCONTINUED"]
                    .contains(&p.availability.as_str())
            );
            assert_eq!(p.updated_at.len(), "2026-01-01T00:00:00Z".len());
        }
    }

    #[test]
    fn only_food_and_drink_is_ever_organic() {
        for number in 0..5_000 {
            let p = product(&gtin_of(number).unwrap(), number);
            if ["Household", "Health & Beauty", "Pet", "Home"].contains(&p.categories[0].as_str()) {
                assert!(!p.title.contains("Organic"), "{}", p.title);
            }
        }
    }
}

//! Which GTIN spelling the upstream is keyed by (`--upstream-key-format`), and the
//! key an item is asked for under it.
//!
//! Real catalogs store one form: GS1's GTIN-14 field form, the 13-digit EAN form, or
//! the 12-digit UPC-A form. Every form is the same number left-padded with zeros
//! (GS1 General Specifications §4.3), so the key is the canonical GTIN-14 with
//! leading padding dropped; an item whose significant digits do not fit the width
//! (a case-pack GTIN-14 for a `gtin13` upstream, an EAN-13 for a `upc` one) has no
//! key there and is never sent upstream.

use std::fmt;
use std::str::FromStr;

use crate::gtin::Gtin;

/// The key form an upstream catalog is indexed by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyFormat {
    /// 14 digits (`00012345678905`): GS1's recommended storage form; the default.
    #[default]
    Gtin14,
    /// 13 digits (`0012345678905`): EAN-13-keyed catalogs.
    Gtin13,
    /// 12 digits (`012345678905`): UPC-A-keyed catalogs.
    Upc,
    /// The number as registered: its own format's length (8, 12, 13 or 14 digits,
    /// the shortest GS1 form), as catalogs keyed by the printed barcode store it.
    Registered,
}

/// A `--upstream-key-format` value that is not one of the known names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown upstream key format {0:?} (expected gtin14, gtin13, upc or registered)")]
pub struct UnknownKeyFormat(pub String);

impl KeyFormat {
    /// The setting's name: `gtin14`, `gtin13` or `upc`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFormat::Gtin14 => "gtin14",
            KeyFormat::Gtin13 => "gtin13",
            KeyFormat::Upc => "upc",
            KeyFormat::Registered => "registered",
        }
    }

    /// Number of digits of a key in this format; `None` for `registered`, whose
    /// width is each item's own.
    pub fn width(self) -> Option<usize> {
        match self {
            KeyFormat::Gtin14 => Some(14),
            KeyFormat::Gtin13 => Some(13),
            KeyFormat::Upc => Some(12),
            KeyFormat::Registered => None,
        }
    }

    /// The key `gtin` is stored under in an upstream of this format, or `None` when
    /// the item cannot exist there (only padding zeros may be dropped, so a GTIN-14
    /// with indicator digit 1–9 has no `gtin13` or `upc` key, and an EAN-13 not
    /// starting with `0` has no `upc` key). Such an item is simply not found.
    ///
    /// A GTIN-8 gets its zero-padded 13 or 12 digit field form, as GS1 prescribes
    /// for storing it in a wider field.
    pub fn key(self, gtin: &Gtin) -> Option<&str> {
        match self.width() {
            Some(width) => gtin.padded(width),
            None => Some(gtin.as_own_format()),
        }
    }
}

impl FromStr for KeyFormat {
    type Err = UnknownKeyFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "gtin14" => Ok(KeyFormat::Gtin14),
            "gtin13" => Ok(KeyFormat::Gtin13),
            "upc" => Ok(KeyFormat::Upc),
            "registered" => Ok(KeyFormat::Registered),
            other => Err(UnknownKeyFormat(other.to_owned())),
        }
    }
}

impl fmt::Display for KeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn gtin(s: &str) -> Gtin {
        Gtin::from_digits(s).unwrap()
    }

    macro_rules! key {
        ($name:ident, $gtin:expr, $format:expr, $expected:expr) => {
            #[test]
            fn $name() {
                assert_eq!($format.key(&gtin($gtin)), $expected);
            }
        };
    }

    key!(
        a_upc_a_item_has_a_14_digit_gtin14_key,
        "036000291452",
        KeyFormat::Gtin14,
        Some("00036000291452")
    );
    key!(
        a_upc_a_item_has_a_13_digit_gtin13_key,
        "036000291452",
        KeyFormat::Gtin13,
        Some("0036000291452")
    );
    key!(
        a_upc_a_item_has_a_12_digit_upc_key,
        "036000291452",
        KeyFormat::Upc,
        Some("036000291452")
    );
    key!(
        an_ean_13_item_has_its_own_digits_as_gtin13_key,
        "4012345000122",
        KeyFormat::Gtin13,
        Some("4012345000122")
    );
    key!(
        an_ean_13_item_not_starting_with_zero_has_no_upc_key,
        "4012345000122",
        KeyFormat::Upc,
        None
    );
    key!(
        an_ean_8_item_has_a_zero_padded_upc_key,
        "96385074",
        KeyFormat::Upc,
        Some("000096385074")
    );
    key!(
        an_ean_8_item_has_a_zero_padded_gtin13_key,
        "96385074",
        KeyFormat::Gtin13,
        Some("0000096385074")
    );
    key!(
        a_case_pack_gtin_14_has_no_gtin13_key,
        "10036000291459",
        KeyFormat::Gtin13,
        None
    );
    key!(
        a_case_pack_gtin_14_has_no_upc_key,
        "10036000291459",
        KeyFormat::Upc,
        None
    );
    key!(
        a_case_pack_gtin_14_is_its_own_gtin14_key,
        "10036000291459",
        KeyFormat::Gtin14,
        Some("10036000291459")
    );

    #[test]
    fn a_registered_key_is_the_number_in_its_own_format() {
        for (number, key) in [
            ("00036000291452", "036000291452"),
            ("96385074", "96385074"),
            ("4012345000122", "4012345000122"),
            ("10036000291459", "10036000291459"),
        ] {
            assert_eq!(KeyFormat::Registered.key(&gtin(number)), Some(key));
        }
    }

    #[test]
    fn every_format_name_parses_back_to_itself() {
        for format in [
            KeyFormat::Gtin14,
            KeyFormat::Gtin13,
            KeyFormat::Upc,
            KeyFormat::Registered,
        ] {
            assert_eq!(format.as_str().parse::<KeyFormat>(), Ok(format));
        }
    }

    #[test]
    fn an_unknown_format_name_is_rejected_with_the_name() {
        let err = "ean13".parse::<KeyFormat>().unwrap_err();
        assert_eq!(err, UnknownKeyFormat("ean13".to_owned()));
        assert!(err.to_string().contains("ean13"));
    }

    #[test]
    fn the_default_format_is_gtin14() {
        assert_eq!(KeyFormat::default(), KeyFormat::Gtin14);
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// Any valid GTIN: 13 random digits plus their check digit.
        fn any_gtin() -> impl Strategy<Value = Gtin> {
            "[0-9]{13}"
                .prop_filter_map("all zeros", |payload| Gtin::with_check_digit(&payload).ok())
        }

        proptest! {
            #[test]
            fn a_key_has_the_format_width_and_names_the_same_item(gtin in any_gtin()) {
                for format in [KeyFormat::Gtin14, KeyFormat::Gtin13, KeyFormat::Upc] {
                    let width = format.width().unwrap();
                    let dropped = &gtin.gtin14()[..14 - width];
                    match format.key(&gtin) {
                        Some(key) => {
                            prop_assert_eq!(key.len(), width);
                            prop_assert_eq!(Gtin::from_digits(key).unwrap(), gtin);
                        }
                        // Only an item with significant digits beyond the width has no key.
                        None => prop_assert!(dropped.bytes().any(|b| b != b'0')),
                    }
                }
            }
        }
    }
}

//! UPC-E, the zero-suppressed 8-digit spelling of some UPC-As (GenSpecs §5.2.2.4,
//! spec R6): expansion to UPC-A for parsing, suppression back for display.
//!
//! Expansion follows the spec's table (biip `_upc_e_to_upc_a_expansion`), suppression
//! follows GenSpecs §5.2.2.4.1 conditions A-D (biip `_upc_a_to_upc_e_suppression`), so
//! suppression picks the one standard UPC-E of a UPC-A, and expanding it gives the
//! UPC-A back. Deciding *whether* an 8-digit input is a UPC-E is `parse`'s job.

use std::fmt;

/// A UPC-E: 8 ASCII digits (number system, 6 digits, UPC-A check digit).
///
/// Only [`crate::Gtin::upc_e`] makes one, so it is always the standard
/// suppression of a valid UPC-A with number system 0.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UpcE {
    /// The 8 ASCII digits.
    digits: [u8; 8],
}

impl UpcE {
    /// The 8 digits, e.g. `04252614`.
    pub fn as_str(&self) -> &str {
        // ASCII digits by construction; the fallback is unreachable.
        std::str::from_utf8(&self.digits).unwrap_or_default()
    }
}

impl fmt::Display for UpcE {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for UpcE {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UpcE({})", self.as_str())
    }
}

/// Expands a UPC-E `N d1 d2 d3 d4 d5 d6 C` to the 12 UPC-A digits (spec R6 table).
/// The check digit is copied, not verified: the caller verifies it on the result.
pub(crate) fn expand(e: &[u8; 8]) -> [u8; 12] {
    let [n, d1, d2, d3, d4, d5, d6, c] = *e;
    let z = b'0';
    match d6 {
        b'0'..=b'2' => [n, d1, d2, d6, z, z, z, z, d3, d4, d5, c],
        b'3' => [n, d1, d2, d3, z, z, z, z, z, d4, d5, c],
        b'4' => [n, d1, d2, d3, d4, z, z, z, z, z, d5, c],
        _ => [n, d1, d2, d3, d4, d5, z, z, z, z, d6, c],
    }
}

/// The standard UPC-E of a UPC-A, if it can be zero-suppressed (GenSpecs §5.2.2.4.1,
/// conditions A-D in biip's order). Only number system 0: GenSpecs §2.1.3 defines
/// UPC-E for U.P.C. Prefix 0 only, and R6 reads a `1`-leading 8-digit code as GTIN-8
/// first, so a number-system-1 UPC-E would not parse back to the same number.
pub(crate) fn suppress(a: &[u8; 12]) -> Option<UpcE> {
    let [n, m1, m2, m3, m4, m5, i1, i2, i3, i4, i5, c] = *a;
    if n != b'0' {
        return None;
    }
    let zero = |s: &[u8]| s.iter().all(|&b| b == b'0');
    let digits = if matches!(i5, b'5'..=b'9') && zero(&[i1, i2, i3, i4]) && m5 != b'0' {
        // A: manufacturer code has no trailing zero, item 0000[5-9].
        [n, m1, m2, m3, m4, m5, i5, c]
    } else if zero(&[m5, i1, i2, i3, i4]) && m4 != b'0' {
        // B: manufacturer ends in one zero, item 0000x.
        [n, m1, m2, m3, m4, i5, b'4', c]
    } else if zero(&[m4, m5, i1, i2]) && matches!(m3, b'0'..=b'2') {
        // C: manufacturer ends in 000, 100 or 200, item 00xxx.
        [n, m1, m2, i3, i4, i5, m3, c]
    } else if zero(&[m4, m5, i1, i2, i3]) && matches!(m3, b'3'..=b'9') {
        // D: manufacturer ends in [3-9]00, item 000xx.
        [n, m1, m2, m3, i4, i5, b'3', c]
    } else {
        return None;
    };
    Some(UpcE { digits })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> [u8; 12] {
        s.as_bytes().try_into().expect("12 digits")
    }

    fn e(s: &str) -> [u8; 8] {
        s.as_bytes().try_into().expect("8 digits")
    }

    /// biip `tests/upc/test_encode.py` (`test_as_upc_a`, `test_as_upc_e`) and the biip
    /// README example: UPC-E ↔ UPC-A for suppression conditions A-D.
    const BIIP_UPC_E_PAIRS: &[(&str, &str)] = &[
        ("04252614", "042100005264"),
        ("02345673", "023456000073"),
        ("02345147", "023450000017"),
        ("06397126", "063200009716"),
        ("08679339", "086700000939"),
    ];

    #[test]
    fn expansion_and_suppression_match_biip() {
        for &(upc_e, upc_a) in BIIP_UPC_E_PAIRS {
            assert_eq!(&expand(&e(upc_e)), upc_a.as_bytes(), "expand {upc_e}");
            assert_eq!(
                suppress(&a(upc_a)).map(|u| u.to_string()).as_deref(),
                Some(upc_e),
                "suppress {upc_a}"
            );
        }
    }

    #[test]
    fn a_upc_a_without_enough_zeros_cannot_be_suppressed() {
        // biip tests/upc/test_encode.py `test_as_upc_e_when_suppression_is_not_possible`.
        assert_eq!(suppress(&a("123456789012")), None);
        assert_eq!(suppress(&a("036000291452")), None);
    }

    #[test]
    fn number_system_1_is_not_suppressed() {
        assert_eq!(suppress(&a("142100005261")), None);
        assert_eq!(&expand(&e("14252611")), b"142100005261");
    }
}

//! ISBN-10 and ISSN (spec R8, R10): the two pre-EAN book and serial numbers a client
//! may type instead of the 13-digit barcode.
//!
//! An ISBN-10 becomes its 978 GTIN-13 (stdnum `isbn.to_isbn13`). A bare ISSN names a
//! serial *title*, not a trade item, so it is never accepted; it only yields a hint
//! pointing at the 977 barcode (stdnum `issn.to_ean`).

use super::check_digit::{gs1_check_digit, isbn10_check_char, issn_check_char};

/// The 978 GTIN-13 of a 10-character ISBN whose mod-11 check passed, or the check
/// character it should have had: `Err((expected, found))`.
pub(crate) fn isbn10_to_gtin13(isbn: &[u8]) -> Result<[u8; 13], (u8, u8)> {
    let (Some(first9), Some(&found)) = (isbn.get(..9), isbn.get(9)) else {
        return Err((b'?', b'?'));
    };
    let expected = isbn10_check_char(first9);
    if expected != found {
        return Err((expected, found));
    }
    let mut gtin = [b'0'; 13];
    gtin[..3].copy_from_slice(b"978");
    if let Some(dst) = gtin.get_mut(3..12) {
        dst.copy_from_slice(first9);
    }
    gtin[12] = b'0' + gs1_check_digit(&gtin[..12]);
    Ok(gtin)
}

/// When 8 characters are a valid ISSN, the EAN-13 of its issue variant 00, as text.
pub(crate) fn issn_ean(digits: &[u8]) -> Option<String> {
    let (first7, check) = (digits.get(..7)?, *digits.get(7)?);
    if digits.len() != 8
        || !first7.iter().all(u8::is_ascii_digit)
        || issn_check_char(first7) != check
    {
        return None;
    }
    let mut ean = Vec::with_capacity(13);
    ean.extend_from_slice(b"977");
    ean.extend_from_slice(first7);
    ean.extend_from_slice(b"00");
    ean.push(b'0' + gs1_check_digit(&ean));
    String::from_utf8(ean).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbn10_converts_like_stdnum() {
        // stdnum tests/test_isbn.doctest: to_isbn13('1857982185') == '9781857982183'.
        assert_eq!(isbn10_to_gtin13(b"1857982185"), Ok(*b"9781857982183"));
        // stdnum: '85152-629-1' has an incorrect check digit (should be 2).
        assert_eq!(isbn10_to_gtin13(b"0851526291"), Err((b'2', b'1')));
        // stdnum: ISBN-10 with X check character (0-8044-2957-X, Wikipedia example).
        assert!(isbn10_to_gtin13(b"080442957X").is_ok());
    }

    #[test]
    fn issn_converts_to_its_977_ean_like_stdnum() {
        // stdnum issn.py docstring: to_ean('0264-3596') == '9770264359008'.
        assert_eq!(issn_ean(b"02643596").as_deref(), Some("9770264359008"));
        // Spec R10: ISSN 1144-875X → 9771144875007.
        assert_eq!(issn_ean(b"1144875X").as_deref(), Some("9771144875007"));
        // stdnum: '0032147X' has a broken checksum.
        assert_eq!(issn_ean(b"0032147X"), None);
    }
}

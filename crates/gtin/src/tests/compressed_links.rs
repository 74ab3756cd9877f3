//! Compressed Digital Links through the whole parser: `analyze` and `scan` read one
//! exactly as the uncompressed link it stands for, bare or in a QR Code, and a broken
//! one is the usual typed error.

use proptest::prelude::*;

use super::{err, ok};
use crate::{Gtin, Reason, Symbology, compress_digital_link, scan_in_year};

#[test]
fn a_compressed_link_is_the_product_of_its_gtin() {
    for input in [
        "https://id.gs1.org/AQnYUc1gmiCNV4JG",
        "]Q1https://id.gs1.org/AQnYUc1gmiCNV4JG",
        "  https://brand.example/qr/AQnYUc1gmiCNV4JG?utm=x ",
    ] {
        let p = ok(input, None);
        assert_eq!(p.gtin.gtin14(), "05412345000013", "{input}");
        assert_eq!(p.symbology, Some(Symbology::DigitalLink), "{input}");
    }
    let scan = scan_in_year("https://id.gs1.org/AQnYUc1gmiCNV4JG", None, 2026).unwrap();
    assert_eq!(scan.lot(), Some("ABC123"));
    assert_eq!(scan.elements().len(), 2);
}

#[test]
fn a_broken_compressed_link_says_why() {
    let e = err("https://id.gs1.org/AQnYUc1g", None);
    assert_eq!(e.reason(), Reason::InvalidGs1ElementString);
    assert!(e.message().contains("AI (01)"), "{}", e.message());
    // Decoded, but what it holds is checked like any link: a bad check digit.
    let uri = compress_digital_link("https://x", &[("01", "05412345000014")]).unwrap();
    assert_eq!(err(&uri, None).reason(), Reason::InvalidCheckDigit);
}

proptest! {
    /// Compressed or not, one link scans to the same identity and AIs.
    #[test]
    fn compressed_and_uncompressed_links_scan_alike(
        payload in "[0-9]{13}",
        lot in "[!%-?A-Z_a-z]{1,20}",
        serial in proptest::option::of("[0-9A-Za-z]{1,20}"),
        expiry in proptest::option::of((0u8..100, 1u8..13, 1u8..29)),
    ) {
        let Ok(gtin) = Gtin::with_check_digit(&payload).map(|g| g.gtin14().to_owned()) else {
            return Ok(());
        };
        if gtin.bytes().all(|b| b == b'0') {
            return Ok(());
        }
        let expiry = expiry.map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"));
        let mut ais = vec![("01", gtin.as_str()), ("10", lot.as_str())];
        ais.extend(serial.as_deref().map(|s| ("21", s)));
        ais.extend(expiry.as_deref().map(|e| ("17", e)));
        let compressed = compress_digital_link("https://id.example", &ais).unwrap();
        let plain = crate::expand_digital_link(&compressed).unwrap().unwrap();
        let a = scan_in_year(&compressed, None, 2026);
        let b = scan_in_year(&plain, None, 2026);
        prop_assert_eq!(a.is_ok(), b.is_ok());
        if let (Ok(a), Ok(b)) = (a, b) {
            prop_assert_eq!(a.parsed().gtin, b.parsed().gtin);
            prop_assert_eq!(a.elements(), b.elements());
            prop_assert_eq!(a.lot(), Some(lot.as_str()));
        }
    }
}

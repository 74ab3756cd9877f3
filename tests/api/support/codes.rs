//! The codes tests send: valid test GTINs, every spelling of one, and the SHA-256 of
//! a document (persisted queries, trusted documents, API keys).

use sha2::{Digest, Sha256};

/// The `n`th valid UPC-A (GTIN-12) of a test range: `0 7771 nnnnnn C`.
pub fn upc_a(n: u32) -> String {
    with_check_digit(&format!("07771{n:06}"))
}

/// `payload` followed by its GS1 mod-10 check digit.
pub fn with_check_digit(payload: &str) -> String {
    match catalog_gateway::gtin::Gtin::with_check_digit(payload) {
        Ok(gtin) => gtin.as_own_format().to_owned(),
        Err(error) => panic!("{payload} is not a GTIN payload: {error:?}"),
    }
}

/// Every way a client may spell the UPC-A `upc`: UPC-A, EAN-13, GTIN-14, with
/// separators, and as a scanner's `]E0` payload.
pub fn spellings(upc: &str) -> Vec<String> {
    vec![
        upc.to_owned(),
        format!("0{upc}"),
        format!("00{upc}"),
        format!(" {}-{} ", &upc[..6], &upc[6..]),
        format!("{} {} {}", &upc[..1], &upc[1..6], &upc[6..]),
        format!("]E00{upc}"),
    ]
}

/// The lower-case hex SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

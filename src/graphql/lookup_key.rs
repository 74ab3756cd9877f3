//! From a client's code to the key its product is looked up by: the code parsed in
//! any spelling (UPC-A, EAN-13, GTIN-14, UPC-E, ISBN, scanner payloads, Digital Link),
//! a variable-measure label to its base item, and refused when it names no trade
//! item. `product`, `products`, `_entities` and their compiled plans all take this
//! one step; `lookups` lines take theirs in [`super::lookup::Basket`].

use async_graphql::Error;

use super::errors;
use crate::gtin::{self, Gtin, Kind, ParseError, RcnRegion, Reason};

/// Why a code has no key.
#[derive(Debug)]
pub(crate) enum KeyError {
    /// Not a valid GTIN.
    Invalid(ParseError),
    /// A valid GS1 key other than a GTIN (an SSCC, a GLN …): not a bad code, but
    /// no product either.
    OtherKey(ParseError),
    /// Valid, but a coupon, a refund receipt…: no product to look up.
    NotATradeItem(Kind),
}

impl KeyError {
    /// The field error for `code` (INVALID_GTIN or NOT_A_TRADE_ITEM).
    pub(crate) fn into_error(self, code: &str) -> Error {
        match self {
            KeyError::Invalid(error) => errors::invalid_gtin(&error),
            KeyError::OtherKey(error) => errors::not_a_trade_item_key(&error),
            KeyError::NotATradeItem(kind) => errors::not_a_trade_item(code, kind),
        }
    }
}

/// The key `code` is looked up by, decoding variable-measure labels of `region`.
pub(crate) fn lookup_key(code: &str, region: Option<RcnRegion>) -> Result<Gtin, KeyError> {
    let parsed = gtin::analyze(code, region).map_err(|error| match error.reason() {
        Reason::NotATradeItem => KeyError::OtherKey(error),
        _ => KeyError::Invalid(error),
    })?;
    parsed
        .lookup_gtin()
        .ok_or(KeyError::NotATradeItem(parsed.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_item_has_one_key() {
        let keys: Vec<Option<Gtin>> = ["036000291452", "0036000291452", "00036000291452"]
            .iter()
            .map(|code| lookup_key(code, None).ok())
            .collect();
        assert!(keys[0].is_some());
        assert!(keys.iter().all(|key| *key == keys[0]));
    }

    #[test]
    fn a_bad_code_and_a_coupon_have_no_key() {
        assert!(matches!(
            lookup_key("036000291453", None),
            Err(KeyError::Invalid(_))
        ));
        assert!(matches!(
            lookup_key("9912345678909", None),
            Err(KeyError::NotATradeItem(_))
        ));
    }
}

//! What a successful parse returns: the identity plus the facts the gateway acts on
//! (kind, warnings, decoded variable measure, symbology). Spec R9, R10, §3.
//!
//! Kept apart from the parser so callers (resolvers, the loader) can read the types
//! without the parsing machinery. On the common path (plain digits) a `Parsed` holds no
//! heap memory: `warnings` is an empty `Vec` and `variable_measure` is `None`.

use super::identity::Gtin;
use super::rcn::VariableMeasure;

/// The result of [`crate::analyze`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Canonical identity of the number as scanned (for an RCN: the full label number).
    pub gtin: Gtin,
    /// What kind of number it is, which decides what the gateway does with it (R10).
    pub kind: Kind,
    /// Things the client should know although the parse succeeded; empty on the common path.
    pub warnings: Vec<Warning>,
    /// The decoded price/weight/count; `Some` only when a region decoded an RCN (§3).
    pub variable_measure: Option<VariableMeasure>,
    /// The scanner payload format the number came through, if not plain digits (R2).
    pub symbology: Option<Symbology>,
}

impl Parsed {
    /// The key for a product lookup: the RCN with its variable part zeroed when it was
    /// decoded, else the number itself; `None` for coupons and refund receipts, which
    /// are not products (spec decisions: `NOT_A_TRADE_ITEM` without an upstream call).
    pub fn lookup_gtin(&self) -> Option<Gtin> {
        self.lookup_key().copied()
    }

    /// [`Parsed::lookup_gtin`], borrowed: for a reader that only shows it.
    pub fn lookup_key(&self) -> Option<&Gtin> {
        if !self.is_trade_item() {
            return None;
        }
        Some(
            self.variable_measure
                .as_ref()
                .map_or(&self.gtin, |vm| &vm.lookup),
        )
    }

    /// False for coupons and refund receipts (the gateway answers `NOT_A_TRADE_ITEM`).
    pub fn is_trade_item(&self) -> bool {
        !matches!(self.kind, Kind::Coupon | Kind::RefundReceipt)
    }
}

/// Classification of a parsed number (spec R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A GTIN with no special meaning (also every GTIN-14 with indicator 1-9).
    ValidGtin,
    /// An 8-digit UPC-E, expanded to its UPC-A (R6).
    UpcE,
    /// A GTIN-13 under Bookland 978/979 (not 979-0).
    Isbn,
    /// An ISBN-10, converted to its 978 GTIN-13 (R8).
    Isbn10,
    /// A GTIN-13 under 979-0: printed music.
    Ismn,
    /// A GTIN-13 under 977: a serial; the two variant digits make different products.
    Issn,
    /// A geographic restricted circulation number: UPC `2`, GTIN-13 `02`, `20`-`29` (§3).
    RcnVariableMeasure,
    /// A company-internal restricted circulation number: GTIN-8 `0`/`2`, UPC `4`, GTIN-13 `04`.
    RcnCompany,
    /// A coupon: GTIN-13 `99` or `981`-`984`. Not a trade item.
    Coupon,
    /// A refund receipt: GTIN-13 `980`. Not a trade item.
    RefundReceipt,
}

impl Kind {
    /// The stable upper-snake name (`"VALID_GTIN"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ValidGtin => "VALID_GTIN",
            Kind::UpcE => "UPC_E",
            Kind::Isbn => "ISBN",
            Kind::Isbn10 => "ISBN10",
            Kind::Ismn => "ISMN",
            Kind::Issn => "ISSN",
            Kind::RcnVariableMeasure => "RCN_VARIABLE_MEASURE",
            Kind::RcnCompany => "RCN_COMPANY",
            Kind::Coupon => "COUPON",
            Kind::RefundReceipt => "REFUND_RECEIPT",
        }
    }
}

/// Which scanner payload format the number came through (spec R2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Symbology {
    /// `]E0`: EAN-13, or UPC-A / UPC-E sent as 13 digits.
    Ean13,
    /// `]E3`: EAN/UPC with a 2- or 5-digit add-on (dropped).
    EanWithAddOn,
    /// `]E4`: EAN-8.
    Ean8,
    /// `]I0` / `]I1`: ITF-14.
    Itf14,
    /// `]C1`: GS1-128 element string.
    Gs1_128,
    /// `]e0`: GS1 DataBar element string.
    Gs1DataBar,
    /// `]d2`: GS1 DataMatrix element string.
    Gs1DataMatrix,
    /// `]Q3`: GS1 QR Code element string.
    Gs1QrCode,
    /// `]J1`: GS1 DotCode element string.
    Gs1DotCode,
    /// A GS1 Digital Link URI (`https://…/01/{gtin}`), bare or in a QR / DataMatrix.
    DigitalLink,
    /// GS1's bracketed AI syntax, as printed under a barcode: `(01)…(10)…`.
    BracketedAi,
}

impl Symbology {
    /// The stable upper-snake name (`"EAN_13"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Symbology::Ean13 => "EAN_13",
            Symbology::EanWithAddOn => "EAN_WITH_ADD_ON",
            Symbology::Ean8 => "EAN_8",
            Symbology::Itf14 => "ITF_14",
            Symbology::Gs1_128 => "GS1_128",
            Symbology::Gs1DataBar => "GS1_DATABAR",
            Symbology::Gs1DataMatrix => "GS1_DATAMATRIX",
            Symbology::Gs1QrCode => "GS1_QR_CODE",
            Symbology::Gs1DotCode => "GS1_DOTCODE",
            Symbology::DigitalLink => "GS1_DIGITAL_LINK",
            Symbology::BracketedAi => "GS1_BRACKETED_AI",
        }
    }
}

/// Something the client should know about an accepted number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Stable upper-snake code, e.g. `UPC_E_NUMBER_SYSTEM_1` (see the `codes` below).
    pub code: &'static str,
    /// What happened, for a human.
    pub message: String,
}

impl Warning {
    /// A UPC-E with number system 1 was accepted; GS1 defines UPC-E for prefix 0 only.
    pub const UPC_E_NUMBER_SYSTEM_1: &'static str = "UPC_E_NUMBER_SYSTEM_1";
    /// A UPC-E that is not the standard zero-suppression of its UPC-A was accepted.
    pub const NON_STANDARD_UPC_E: &'static str = "NON_STANDARD_UPC_E";
    /// A `]E3` add-on (price or issue number) was dropped.
    pub const ADD_ON_DROPPED: &'static str = "ADD_ON_DROPPED";
    /// The GS1 prefix is not assigned to anyone: a lookup will miss.
    pub const UNASSIGNED_PREFIX: &'static str = "UNASSIGNED_PREFIX";
    /// Prefix 952 is GS1's demonstration range: a lookup will miss.
    pub const DEMO_PREFIX: &'static str = "DEMO_PREFIX";
    /// Prefixes 050-059 (old UPC coupons) are reserved by GS1 US.
    pub const RESERVED_PREFIX: &'static str = "RESERVED_PREFIX";
    /// A region was configured but has no variable-measure layout for this RCN prefix.
    pub const RCN_NOT_DECODED: &'static str = "RCN_NOT_DECODED";

    /// Builds a warning.
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Warning {
        Warning {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(kind: Kind) -> Parsed {
        Parsed {
            gtin: Gtin::from_digits("9900000000004").expect("valid"),
            kind,
            warnings: Vec::new(),
            variable_measure: None,
            symbology: None,
        }
    }

    #[test]
    fn coupons_and_refund_receipts_have_no_lookup_key() {
        assert_eq!(parsed(Kind::Coupon).lookup_gtin(), None);
        assert_eq!(parsed(Kind::RefundReceipt).lookup_gtin(), None);
        assert!(!parsed(Kind::Coupon).is_trade_item());
        assert!(parsed(Kind::RcnCompany).is_trade_item());
        assert!(parsed(Kind::ValidGtin).lookup_gtin().is_some());
    }

    #[test]
    fn kind_names_are_the_contract_names() {
        let names: Vec<&str> = [
            Kind::ValidGtin,
            Kind::UpcE,
            Kind::Isbn,
            Kind::Isbn10,
            Kind::Ismn,
            Kind::Issn,
            Kind::RcnVariableMeasure,
            Kind::RcnCompany,
            Kind::Coupon,
            Kind::RefundReceipt,
        ]
        .into_iter()
        .map(Kind::as_str)
        .collect();
        assert_eq!(
            names,
            [
                "VALID_GTIN",
                "UPC_E",
                "ISBN",
                "ISBN10",
                "ISMN",
                "ISSN",
                "RCN_VARIABLE_MEASURE",
                "RCN_COMPANY",
                "COUPON",
                "REFUND_RECEIPT"
            ]
        );
    }
}

//! Symbology identifiers (ISO/IEC 15424, spec R2): the `]xx` prefix a scanner puts in
//! front of its payload, and what payload each one promises.
//!
//! Only the identifiers that can carry a GTIN are read. The payload rules (13 digits
//! after `]E0`, …) are applied by `parse`; this file only names the identifier.

use super::parsed::Symbology;

/// What follows an identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Payload {
    /// Exactly this many digits (`]E0` 13, `]E4` 8, `]I0`/`]I1` 14).
    Digits(usize),
    /// 15 or 18 digits: EAN-13 plus a 2- or 5-digit add-on (`]E3`).
    WithAddOn,
    /// A GS1 element string, or a Digital Link URI.
    ElementString,
    /// Only a GS1 Digital Link URI (`]Q1` QR Code, `]d1` DataMatrix, non-GS1 mode).
    DigitalLinkOnly,
}

/// The identifiers this gateway reads, as printed in error messages.
pub(crate) const SUPPORTED: &str =
    "]E0 ]E3 ]E4 ]I0 ]I1 ]C1 ]e0 ]d2 ]Q3 ]J1, or ]Q1 ]d1 with a GS1 Digital Link";

/// The symbology and payload rule of a 3-character identifier, if supported.
pub(crate) fn identify(id: &str) -> Option<(Symbology, Payload)> {
    Some(match id {
        "]E0" => (Symbology::Ean13, Payload::Digits(13)),
        "]E3" => (Symbology::EanWithAddOn, Payload::WithAddOn),
        "]E4" => (Symbology::Ean8, Payload::Digits(8)),
        "]I0" | "]I1" => (Symbology::Itf14, Payload::Digits(14)),
        "]C1" => (Symbology::Gs1_128, Payload::ElementString),
        "]e0" => (Symbology::Gs1DataBar, Payload::ElementString),
        "]d2" => (Symbology::Gs1DataMatrix, Payload::ElementString),
        "]Q3" => (Symbology::Gs1QrCode, Payload::ElementString),
        "]J1" => (Symbology::Gs1DotCode, Payload::ElementString),
        "]Q1" | "]d1" => (Symbology::DigitalLink, Payload::DigitalLinkOnly),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_carrying_identifiers_are_known_and_others_are_not() {
        assert_eq!(
            identify("]E0"),
            Some((Symbology::Ean13, Payload::Digits(13)))
        );
        assert_eq!(
            identify("]I1"),
            Some((Symbology::Itf14, Payload::Digits(14)))
        );
        assert_eq!(identify("]C1").map(|s| s.1), Some(Payload::ElementString));
        // Identifiers are case-sensitive: ]e0 is DataBar, ]E0 is EAN.
        assert_eq!(identify("]e0").map(|s| s.0), Some(Symbology::Gs1DataBar));
        for other in ["]C0", "]A0", "]X1", "]E1", "]Q0", "]d0", "]e1"] {
            assert_eq!(identify(other), None, "{other}");
        }
    }
}

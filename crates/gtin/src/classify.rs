//! Classification of a valid GTIN by its prefix (spec R10, §1 RCN ranges): books,
//! music, serials, restricted circulation numbers, coupons and refund receipts, plus the
//! prefix notes (reserved, demo, unassigned) that become warnings.
//!
//! Pure digit tests on the canonical form, no table walk, because this runs for every
//! parsed number. How the number was *spelled* (UPC-E, ISBN-10) is `parse`'s business.

use super::identity::{Gtin, GtinFormat};
use super::parsed::{Kind, Warning};
use super::prefixes::{self, Note};

/// The kind of a valid GTIN by its prefix.
#[inline]
pub(crate) fn classify(gtin: &Gtin) -> Kind {
    let d = gtin.as_bytes();
    match gtin.format() {
        // GS1 forbids RCNs and coupons inside a GTIN-14 grouping (GenSpecs §2.1.8;
        // spec §3): indicator + anything is a plain GTIN-14.
        GtinFormat::Gtin14 => Kind::ValidGtin,
        // GS1-8 prefixes 0xx and 2xx are company RCNs (GenSpecs §1.4.3).
        GtinFormat::Gtin8 => match d.get(6) {
            Some(b'0' | b'2') => Kind::RcnCompany,
            _ => Kind::ValidGtin,
        },
        // GTIN-12 and GTIN-13: look at the GTIN-13 view d[1..].
        GtinFormat::Gtin12 | GtinFormat::Gtin13 => match d.get(1..5) {
            Some([b'0', b'2', ..] | [b'2', ..]) => Kind::RcnVariableMeasure,
            Some([b'0', b'4', ..]) => Kind::RcnCompany,
            Some([b'9', b'7', b'7', _]) => Kind::Issn,
            Some([b'9', b'7', b'8', _]) => Kind::Isbn,
            Some([b'9', b'7', b'9', b'0']) => Kind::Ismn,
            Some([b'9', b'7', b'9', _]) => Kind::Isbn,
            Some([b'9', b'8', b'0', _]) => Kind::RefundReceipt,
            Some([b'9', b'8', b'1'..=b'4', _] | [b'9', b'9', ..]) => Kind::Coupon,
            _ => Kind::ValidGtin,
        },
    }
}

/// A warning for prefixes that parse but will not be found upstream (spec R10 notes):
/// 050-059 (GS1 US reserved, once UPC coupons), 952 (demo) and unassigned ranges.
/// `None` for every assigned prefix, so the common path allocates nothing.
#[inline]
pub(crate) fn prefix_note(gtin: &Gtin) -> Option<Warning> {
    prefixes::note(gtin).map(|note| note_warning(gtin, note))
}

/// The warning text for a noted prefix (off the common path).
#[cold]
fn note_warning(gtin: &Gtin, note: Note) -> Warning {
    let (code, why) = match note {
        Note::Reserved => (
            Warning::RESERVED_PREFIX,
            "is reserved by GS1 US (it held the old number-system-5 UPC coupons)",
        ),
        Note::Demo => (
            Warning::DEMO_PREFIX,
            "is GS1's range for demonstrations and examples",
        ),
        Note::Unassigned => (
            Warning::UNASSIGNED_PREFIX,
            "is not assigned to any GS1 Member Organisation",
        ),
    };
    let prefix = prefixes::gs1_prefix(gtin).map_or("", |p| p.prefix);
    Warning::new(
        code,
        format!(
            "GS1 prefix {prefix} {why}; the number is looked up as it is but will likely not be found"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Kind {
        classify(&Gtin::from_digits(s).expect("valid test GTIN"))
    }

    #[test]
    fn prefixes_classify_as_the_spec_says() {
        assert_eq!(kind("036000291452"), Kind::ValidGtin);
        assert_eq!(kind("9780471117094"), Kind::Isbn);
        assert_eq!(kind("9790321765436"), Kind::Ismn);
        assert_eq!(kind("9771144875007"), Kind::Issn);
        assert_eq!(kind("2011122912346"), Kind::RcnVariableMeasure);
        assert_eq!(kind("212345678992"), Kind::RcnVariableMeasure);
        assert_eq!(kind("412345678903"), Kind::RcnCompany);
        assert_eq!(kind("0412345678903"), Kind::RcnCompany);
        assert_eq!(kind("00012348"), Kind::RcnCompany);
        assert_eq!(kind("00000000000017"), Kind::RcnCompany);
        assert_eq!(kind("96385074"), Kind::ValidGtin);
        assert_eq!(kind("10036000291459"), Kind::ValidGtin);
        assert_eq!(kind("9900000000004"), Kind::Coupon);
    }

    #[test]
    fn only_unusual_prefixes_get_a_note() {
        let note = |s: &str| prefix_note(&Gtin::from_digits(s).expect("valid")).map(|w| w.code);
        assert_eq!(note("036000291452"), None);
        assert_eq!(note("6712670000276"), Some(Warning::UNASSIGNED_PREFIX));
        assert_eq!(note("9520000000004"), Some(Warning::DEMO_PREFIX));
        assert_eq!(note("500000000005"), Some(Warning::RESERVED_PREFIX));
    }
}

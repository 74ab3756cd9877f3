//! How each AI's value is laid out in bits, and the compression's two tables: the
//! optimisation codes (one byte naming a common sequence of AIs) and the key
//! qualifiers that go back into the path when a link is decompressed.
//!
//! The layout is derived from the crate's AI table (the GS1 Barcode Syntax
//! Dictionary), the way the reference toolkit's `tableF` was derived from the General
//! Specifications: adjacent mandatory fixed-length components of one kind are one
//! field (`N1 N13` of GRAI is `N14`, `N1 X1 X1 X1` of 7040 is `N1 X3`), and adjacent
//! optional components of one kind are one variable-length field (`[N3] [N3] [N3]
//! [N3]` of AI 423 is `N..12`).

use crate::ai::{AiEntry, Cset};

/// One field of a value's bit layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// Exactly this many digits, as one binary number.
    Digits(usize),
    /// Up to this many digits: a length, then the number.
    DigitsUpTo(usize),
    /// Exactly this many characters: an encoding, then the characters.
    Chars(usize),
    /// Up to this many characters: an encoding, a length, then the characters.
    CharsUpTo(usize),
}

/// The bit layout of `entry`'s value.
pub(crate) fn fields(entry: &AiEntry) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::with_capacity(entry.components.len());
    for c in entry.components {
        let numeric = c.cset == Cset::Numeric;
        let n = usize::from(c.max);
        let field = match (numeric, c.min == c.max && !c.optional) {
            (true, true) => Field::Digits(n),
            (true, false) => Field::DigitsUpTo(n),
            (false, true) => Field::Chars(n),
            (false, false) => Field::CharsUpTo(n),
        };
        let merged = match (out.last().copied(), field, c.optional) {
            (Some(Field::Digits(a)), Field::Digits(b), false) => Some(Field::Digits(a + b)),
            (Some(Field::Chars(a)), Field::Chars(b), false) => Some(Field::Chars(a + b)),
            (Some(Field::DigitsUpTo(a)), Field::DigitsUpTo(b), true) => {
                Some(Field::DigitsUpTo(a + b))
            }
            (Some(Field::CharsUpTo(a)), Field::CharsUpTo(b), true) => Some(Field::CharsUpTo(a + b)),
            _ => None,
        };
        match (merged, out.last_mut()) {
            (Some(m), Some(last)) => *last = m,
            _ => out.push(field),
        }
    }
    out
}

/// The optimisation codes: a code in place of the first AI, then the values of its
/// AIs in this order (GS1 Digital Link compression, the reference toolkit's
/// `tableOpt`). Codes use a hex digit A-F, so they never read as an AI.
pub(crate) const OPTIMISATIONS: &[(u8, &[&str])] = &[
    (0x0A, &["01", "22"]),
    (0x0B, &["01", "10"]),
    (0x0C, &["01", "21"]),
    (0x0D, &["01", "17"]),
    (0x0E, &["01", "7003"]),
    (0x0F, &["01", "30"]),
    (0x1A, &["01", "10", "21", "17"]),
    (0x1B, &["01", "15"]),
    (0x1C, &["01", "11"]),
    (0x1D, &["01", "16"]),
    (0x1E, &["01", "91"]),
    (0x1F, &["01", "10", "15"]),
    (0x2A, &["01", "3100"]),
    (0x2B, &["01", "3101"]),
    (0x2C, &["01", "3102"]),
    (0x2D, &["01", "3103"]),
    (0x2E, &["01", "3104"]),
    (0x2F, &["01", "3105"]),
    (0x3A, &["01", "3200"]),
    (0x3B, &["01", "3201"]),
    (0x3C, &["01", "3202"]),
    (0x3D, &["01", "3203"]),
    (0x3E, &["01", "3204"]),
    (0x3F, &["01", "3205"]),
    (0x9A, &["8010", "8011"]),
    (0x9B, &["8017", "8019"]),
    (0x9C, &["8018", "8019"]),
    (0x9D, &["414", "254"]),
    (0xA0, &["01", "3920"]),
    (0xA1, &["01", "3921"]),
    (0xA2, &["01", "3922"]),
    (0xA3, &["01", "3923"]),
    (0xA4, &["01", "3924"]),
    (0xA5, &["01", "3925"]),
    (0xA6, &["01", "3926"]),
    (0xA7, &["01", "3927"]),
    (0xA8, &["01", "3928"]),
    (0xA9, &["01", "3929"]),
    (0xC0, &["255", "3900"]),
    (0xC1, &["255", "3901"]),
    (0xC2, &["255", "3902"]),
    (0xC3, &["255", "3903"]),
    (0xC4, &["255", "3904"]),
    (0xC5, &["255", "3905"]),
    (0xC6, &["255", "3906"]),
    (0xC7, &["255", "3907"]),
    (0xC8, &["255", "3908"]),
    (0xC9, &["255", "3909"]),
    (0xCA, &["255", "3940"]),
    (0xCB, &["255", "3941"]),
    (0xCC, &["255", "3942"]),
    (0xCD, &["255", "3943"]),
];

/// The AIs of optimisation code `code`.
pub(crate) fn optimisation(code: u8) -> Option<&'static [&'static str]> {
    OPTIMISATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, ais)| *ais)
}

/// The key qualifiers of a primary key, in the order the path carries them (GS1
/// Barcode Syntax Dictionary `dlpkey=`; alternatives such as `22,10,21|235` flattened,
/// as no code carries both).
pub(crate) fn qualifiers(primary_key: &str) -> &'static [&'static str] {
    match primary_key {
        "01" => &["22", "10", "21", "235"],
        "8006" => &["22", "10", "21"],
        "414" => &["254", "7040"],
        "415" => &["8020"],
        "417" | "8004" => &["7040"],
        "8010" => &["8011"],
        "8017" | "8018" => &["8019"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::lookup;

    fn of(ai: &str) -> Vec<Field> {
        fields(lookup(ai).unwrap())
    }

    /// The layouts the reference toolkit's `tableF` writes for the same AIs.
    #[test]
    fn layouts_match_the_reference_table() {
        use Field::*;
        assert_eq!(of("01"), [Digits(14)]);
        assert_eq!(of("10"), [CharsUpTo(20)]);
        assert_eq!(of("8003"), [Digits(14), CharsUpTo(16)]);
        assert_eq!(of("8006"), [Digits(18)]);
        assert_eq!(of("7040"), [Digits(1), Chars(3)]);
        assert_eq!(of("253"), [Digits(13), CharsUpTo(17)]);
        assert_eq!(of("255"), [Digits(13), DigitsUpTo(12)]);
        assert_eq!(of("423"), [Digits(3), DigitsUpTo(12)]);
        assert_eq!(of("7007"), [Digits(6), DigitsUpTo(6)]);
        assert_eq!(of("8008"), [Digits(8), DigitsUpTo(4)]);
        assert_eq!(of("3910"), [Digits(3), DigitsUpTo(15)]);
        assert_eq!(of("4309"), [Digits(20)]);
        assert_eq!(of("30"), [DigitsUpTo(8)]);
    }

    #[test]
    fn every_optimised_ai_exists_and_codes_are_not_ais() {
        for (code, ais) in OPTIMISATIONS {
            assert!(code >> 4 > 9 || code & 0xF > 9, "{code:02X}");
            for ai in *ais {
                assert!(lookup(ai).is_some(), "{ai}");
            }
        }
    }
}

//! The `Gtin` identity type: a valid GS1 trade item number held in its canonical
//! GTIN-14 field form (docs/gtin-rules.md R9), with every other form derived from it.
//!
//! Only a check-digit-valid, non-zero number can become a `Gtin`, so code that holds
//! one never re-validates. Equality and hashing are by the canonical 14 digits, so
//! `036000291452` and `0036000291452` are the same key everywhere (spec §4).
//! Parsing what a client sends lives in `parse`; this file only knows digits.

use std::fmt;

use super::check_digit::{field_check, field_words, field_words_check, gs1_check_digit, value};
use super::upc_e::{self, UpcE};

/// A valid GTIN in canonical GTIN-14 form.
///
/// `Copy` and 14 bytes, so it is a cheap map key and never allocates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin {
    /// ASCII digits of the GTIN-14 field form (left-padded with `0`).
    digits: [u8; 14],
}

/// The GTIN format, by significant digits (spec R7, R9 `format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GtinFormat {
    /// GTIN-8 (EAN-8): 14-digit form starts with six zeros.
    Gtin8,
    /// GTIN-12 (UPC-A): 14-digit form starts with two zeros (and is not a GTIN-8).
    Gtin12,
    /// GTIN-13 (EAN-13): 14-digit form starts with one zero.
    Gtin13,
    /// GTIN-14: a non-zero indicator digit.
    Gtin14,
}

impl GtinFormat {
    /// The GraphQL / JSON name of the format (`GTIN_8` …).
    pub fn as_str(self) -> &'static str {
        match self {
            GtinFormat::Gtin8 => "GTIN_8",
            GtinFormat::Gtin12 => "GTIN_12",
            GtinFormat::Gtin13 => "GTIN_13",
            GtinFormat::Gtin14 => "GTIN_14",
        }
    }

    /// Number of digits of the format.
    // A format's digit count is never zero, so an `is_empty` would only mislead.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        match self {
            GtinFormat::Gtin8 => 8,
            GtinFormat::Gtin12 => 12,
            GtinFormat::Gtin13 => 13,
            GtinFormat::Gtin14 => 14,
        }
    }
}

/// Why a run of digits is not a GTIN (the digit-level part of the spec's reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigitsError {
    /// Not 8, 12, 13 or 14 characters.
    Length(usize),
    /// A character that is not an ASCII digit, at this 0-based byte position.
    NotADigit(usize),
    /// All digits are zero (spec R7 policy).
    Zero,
    /// The final digit is not the mod-10 check digit.
    CheckDigit {
        /// The check digit the payload calls for.
        expected: u8,
        /// The check digit that was given.
        found: u8,
    },
}

impl Gtin {
    /// Builds a `Gtin` from 8, 12, 13 or 14 ASCII digits, read as a plain GTIN.
    ///
    /// An 8-digit string is a GTIN-8 here, never a UPC-E: this is the reading for
    /// numbers that are already GTINs (upstream answers, cache keys). Client input
    /// goes through [`crate::parse`], which applies the UPC-E-first rule.
    ///
    /// # Errors
    /// [`DigitsError`] when the length, a character, the check digit or an all-zero
    /// number rules it out.
    pub fn from_digits(s: &str) -> Result<Gtin, DigitsError> {
        let bytes = s.as_bytes();
        if !matches!(bytes.len(), 8 | 12 | 13 | 14) {
            return Err(DigitsError::Length(bytes.len()));
        }
        if let Some(pos) = bytes.iter().position(|b| !b.is_ascii_digit()) {
            return Err(DigitsError::NotADigit(pos));
        }
        let mut digits = [b'0'; 14];
        digits[14 - bytes.len()..].copy_from_slice(bytes);
        Gtin::from_field(digits)
    }

    /// Builds a `Gtin` from a 14-byte field (left-padded with `'0'`), checking that it is
    /// all ASCII digits, not all zero, and has the right check digit.
    #[inline]
    pub(crate) fn from_field(digits: [u8; 14]) -> Result<Gtin, DigitsError> {
        let c = field_check(&digits);
        if !c.digits {
            let pos = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(0);
            return Err(DigitsError::NotADigit(pos));
        }
        if c.zero {
            return Err(DigitsError::Zero);
        }
        if c.expected != c.found {
            return Err(DigitsError::CheckDigit {
                expected: c.expected,
                found: c.found,
            });
        }
        Ok(Gtin { digits })
    }

    /// The parser's fast path: 12, 13 or 14 bytes of input read as a GTIN in one SWAR
    /// pass, without copying them into a buffer first. `None` when the input is not
    /// 12-14 ASCII digits (the caller then finds out, slowly, what is wrong with it).
    #[inline]
    pub(crate) fn from_short_ascii(input: &[u8]) -> Option<Result<Gtin, DigitsError>> {
        let (lo, hi) = field_words(input)?;
        let c = field_words_check(lo, hi);
        if !c.digits {
            return None;
        }
        if c.zero {
            return Some(Err(DigitsError::Zero));
        }
        if c.expected != c.found {
            return Some(Err(DigitsError::CheckDigit {
                expected: c.expected,
                found: c.found,
            }));
        }
        let [l0, l1, l2, l3, l4, l5, _, _] = lo.to_le_bytes();
        let [h0, h1, h2, h3, h4, h5, h6, h7] = hi.to_le_bytes();
        let digits = [l0, l1, l2, l3, l4, l5, h0, h1, h2, h3, h4, h5, h6, h7];
        Some(Ok(Gtin { digits }))
    }

    /// Builds a `Gtin` from its payload, every digit but the check digit (7, 11, 12 or
    /// 13 ASCII digits for a GTIN-8, -12, -13 or -14), computing the check digit: for
    /// numbers made rather than read (test ranges, generated catalogs, derived keys).
    ///
    /// ```
    /// use gtin::Gtin;
    ///
    /// let upc_a = Gtin::with_check_digit("03600029145")?;
    /// assert_eq!(upc_a.as_own_format(), "036000291452");
    /// # Ok::<(), gtin::DigitsError>(())
    /// ```
    ///
    /// # Errors
    /// [`DigitsError::Length`] with the completed length (payload plus one) when the
    /// payload is not 7, 11, 12 or 13 characters, [`DigitsError::NotADigit`] and
    /// [`DigitsError::Zero`] as for [`Gtin::from_digits`].
    pub fn with_check_digit(payload: &str) -> Result<Gtin, DigitsError> {
        let bytes = payload.as_bytes();
        if !matches!(bytes.len(), 7 | 11 | 12 | 13) {
            return Err(DigitsError::Length(bytes.len() + 1));
        }
        if let Some(pos) = bytes.iter().position(|b| !b.is_ascii_digit()) {
            return Err(DigitsError::NotADigit(pos));
        }
        let mut field = [b'0'; 13];
        field[13 - bytes.len()..].copy_from_slice(bytes);
        Gtin::from_payload(field).ok_or(DigitsError::Zero)
    }

    /// Builds a `Gtin` from the 13 payload digits of a GTIN-14 field, computing the
    /// check digit (for numbers the gateway derives itself, e.g. an RCN lookup key).
    /// `None` only for an all-zero payload.
    pub(crate) fn from_payload(payload: [u8; 13]) -> Option<Gtin> {
        let mut digits = [b'0'; 14];
        digits[..13].copy_from_slice(&payload);
        digits[13] = b'0' + gs1_check_digit(&payload);
        Gtin::from_field(digits).ok()
    }

    /// The canonical GTIN-14 (always present): the key for lookup, cache and equality.
    pub fn gtin14(&self) -> &str {
        // The digits are ASCII by construction, so this never fails.
        std::str::from_utf8(&self.digits).unwrap_or_default()
    }

    /// The 14 ASCII digits.
    pub fn as_bytes(&self) -> &[u8; 14] {
        &self.digits
    }

    /// The format by significant digits.
    #[inline]
    pub fn format(&self) -> GtinFormat {
        let d = &self.digits;
        if d[0] != b'0' {
            GtinFormat::Gtin14
        } else if d[1] != b'0' {
            GtinFormat::Gtin13
        } else if d[..6].iter().all(|&b| b == b'0') {
            GtinFormat::Gtin8
        } else {
            GtinFormat::Gtin12
        }
    }

    /// The number in its own format's length (8, 12, 13 or 14 digits).
    pub fn as_own_format(&self) -> &str {
        &self.gtin14()[14 - self.format().len()..]
    }

    /// The 13-digit form, for GTIN-12 and GTIN-13 only (spec R9).
    pub fn gtin13(&self) -> Option<&str> {
        matches!(self.format(), GtinFormat::Gtin12 | GtinFormat::Gtin13)
            .then(|| &self.gtin14()[1..])
    }

    /// The 12-digit UPC-A form, for GTIN-12 only (spec R9).
    pub fn upc_a(&self) -> Option<&str> {
        (self.format() == GtinFormat::Gtin12).then(|| &self.gtin14()[2..])
    }

    /// The zero-suppressed UPC-E form, for a GTIN-12 with number system 0 whose digits
    /// allow it (GenSpecs §5.2.2.4.1, spec R9 `upcE`); `None` otherwise.
    pub fn upc_e(&self) -> Option<UpcE> {
        if self.format() != GtinFormat::Gtin12 {
            return None;
        }
        let upc_a: &[u8; 12] = self.digits[2..].try_into().ok()?;
        upc_e::suppress(upc_a)
    }

    /// The 8-digit form, for GTIN-8 only.
    pub fn gtin8(&self) -> Option<&str> {
        (self.format() == GtinFormat::Gtin8).then(|| &self.gtin14()[6..])
    }

    /// The number written with exactly `len` digits (`len` ≤ 14), when only padding
    /// zeros are dropped: the key for an upstream keyed by that width.
    pub fn padded(&self, len: usize) -> Option<&str> {
        let s = self.gtin14();
        let cut = 14usize.checked_sub(len)?;
        s.as_bytes()[..cut]
            .iter()
            .all(|&b| b == b'0')
            .then(|| &s[cut..])
    }

    /// The indicator digit (first digit of the GTIN-14 form; `0` is only padding).
    pub fn indicator(&self) -> u8 {
        value(self.digits[0])
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.gtin14())
    }
}

impl fmt::Debug for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gtin({})", self.gtin14())
    }
}

//! The bit string under a compressed Digital Link: its base64url spelling (6 bits a
//! character, zero-padded at the end), reading and writing fields of any width, and
//! numbers of any size in both directions (a 90-digit value is 300 bits, more than any
//! machine integer holds, so decimal digits are converted by schoolbook arithmetic).

use super::CompressionError;

/// The URI-safe base64 alphabet of the compression (RFC 4648 §5, no padding).
pub(crate) const BASE64URL: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The index of `c` in [`BASE64URL`].
pub(crate) fn base64url_index(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    })
}

/// True for a non-empty string of base64url characters only.
pub(crate) fn is_base64url(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| base64url_index(c).is_some())
}

/// Bits of a numeric value of `digits` digits: `ceil(digits * log2(10) + 0.01)`, the
/// reference toolkit's formula (so 0 digits take 1 bit), kept as it is because the
/// width is part of the format.
pub(crate) fn value_bits(digits: usize) -> usize {
    let digits = u32::try_from(digits).unwrap_or(u32::MAX);
    let bits = (f64::from(digits) * std::f64::consts::LOG2_10 + 0.01).ceil();
    // At most a few hundred: the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bits = bits as usize;
    bits
}

/// Bits of the length field of a value of at most `max` characters:
/// `ceil(log2(max) + 0.01)`, that is the bit length of `max`.
pub(crate) fn length_bits(max: usize) -> usize {
    (usize::BITS - max.leading_zeros()) as usize
}

/// Reads fields off the bits of a base64url string, front to back.
pub(crate) struct BitReader {
    bits: Vec<bool>,
    at: usize,
}

impl BitReader {
    /// The bits of `text`, or where a character is not base64url.
    pub(crate) fn from_base64url(text: &str) -> Result<BitReader, CompressionError> {
        let mut bits = Vec::with_capacity(text.len() * 6);
        for (i, c) in text.bytes().enumerate() {
            let Some(v) = base64url_index(c) else {
                return Err(CompressionError::NotBase64Url {
                    position: i + 1,
                    character: text.get(i..).and_then(|s| s.chars().next()).unwrap_or('?'),
                });
            };
            bits.extend((0..6).rev().map(|shift| v >> shift & 1 == 1));
        }
        Ok(BitReader { bits, at: 0 })
    }

    /// Bits not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bits.len() - self.at
    }

    /// The next `n` bits as slice, or `None` when fewer are left.
    fn take_bits(&mut self, n: usize) -> Option<&[bool]> {
        let bits = self.bits.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(bits)
    }

    /// The next `n` (at most 32) bits as a number.
    pub(crate) fn take(&mut self, n: usize) -> Option<u32> {
        debug_assert!(n <= 32);
        let bits = self.take_bits(n)?;
        Some(bits.iter().fold(0, |acc, &b| acc << 1 | u32::from(b)))
    }

    /// The next `value_bits(digits)` bits as a decimal number of exactly `digits`
    /// digits (zero-padded); `None` when fewer bits are left, `Some(Err(n))` when the
    /// number needs `n` > `digits` digits.
    pub(crate) fn take_decimal(&mut self, digits: usize) -> Option<Result<String, usize>> {
        let bits = self.take_bits(value_bits(digits))?;
        let decimal = bits_to_decimal(bits);
        Some(if digits == 0 {
            Ok(String::new())
        } else if decimal.len() > digits {
            Err(decimal.len())
        } else {
            Ok(format!("{decimal:0>digits$}"))
        })
    }
}

/// The decimal digits of an unsigned binary number (no leading zeros; `"0"` for 0).
fn bits_to_decimal(bits: &[bool]) -> String {
    // Little-endian decimal digits: doubled and incremented bit by bit.
    let mut digits: Vec<u8> = vec![0];
    for &bit in bits {
        let mut carry = u8::from(bit);
        for d in &mut digits {
            let v = *d * 2 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    }
    digits.iter().rev().map(|&d| char::from(b'0' + d)).collect()
}

/// Builds the bits of a compressed link, front to back.
#[derive(Default)]
pub(crate) struct BitWriter {
    bits: Vec<bool>,
}

impl BitWriter {
    /// Appends the low `n` (at most 32) bits of `value`, most significant first.
    pub(crate) fn put(&mut self, value: u32, n: usize) {
        debug_assert!(n <= 32);
        self.bits
            .extend((0..n).rev().map(|shift| value >> shift & 1 == 1));
    }

    /// Appends the decimal number `digits` (ASCII digits) in `value_bits(len)` bits.
    pub(crate) fn put_decimal(&mut self, digits: &str) {
        let width = value_bits(digits.len());
        let binary = decimal_to_bits(digits);
        let pad = width.saturating_sub(binary.len());
        self.bits.extend(std::iter::repeat_n(false, pad));
        self.bits.extend(binary);
    }

    /// The bits as base64url, the last character padded with zero bits.
    pub(crate) fn to_base64url(&self) -> String {
        self.bits
            .chunks(6)
            .map(|chunk| {
                let v = (0..6).fold(0usize, |acc, i| {
                    acc << 1 | usize::from(chunk.get(i).copied().unwrap_or(false))
                });
                BASE64URL.get(v).map_or('A', |&c| char::from(c))
            })
            .collect()
    }
}

/// The binary digits of a decimal number (no leading zeros; empty for 0).
fn decimal_to_bits(digits: &str) -> Vec<bool> {
    let mut number: Vec<u8> = digits
        .bytes()
        .map(|c| c.wrapping_sub(b'0'))
        .skip_while(|&d| d == 0)
        .collect();
    let mut reversed = Vec::with_capacity(number.len() * 4);
    // Repeated halving of the big-endian decimal digits; each remainder is a bit.
    while !number.is_empty() {
        let mut remainder = 0;
        for d in &mut number {
            let v = remainder * 10 + *d;
            *d = v / 2;
            remainder = v % 2;
        }
        reversed.push(remainder == 1);
        let lead = number.iter().take_while(|&&d| d == 0).count();
        number.drain(..lead);
    }
    reversed.reverse();
    reversed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_the_reference_formulas() {
        assert_eq!(value_bits(0), 1);
        assert_eq!(value_bits(1), 4);
        assert_eq!(value_bits(6), 20);
        assert_eq!(value_bits(13), 44);
        assert_eq!(value_bits(14), 47);
        assert_eq!(value_bits(18), 60);
        assert_eq!(length_bits(1), 1);
        assert_eq!(length_bits(8), 4);
        assert_eq!(length_bits(20), 5);
        assert_eq!(length_bits(90), 7);
    }

    #[test]
    fn numbers_of_any_size_round_trip() {
        for n in [
            "0",
            "7",
            "05412345000013",
            &"9".repeat(90),
            "1000000000000000000000",
        ] {
            let mut w = BitWriter::default();
            w.put_decimal(n);
            let mut r = BitReader::from_base64url(&w.to_base64url()).unwrap();
            assert_eq!(r.take_decimal(n.len()), Some(Ok(n.to_owned())), "{n}");
        }
    }

    #[test]
    fn fields_are_read_most_significant_bit_first() {
        // "AQ" = 000000 010000: the GTIN key 0,1 as two nibbles.
        let mut r = BitReader::from_base64url("AQ").unwrap();
        assert_eq!(r.take(4), Some(0));
        assert_eq!(r.take(4), Some(1));
        assert_eq!(r.remaining(), 4);
        assert_eq!(r.take(5), None);
        assert!(matches!(
            BitReader::from_base64url("AQ=").err(),
            Some(CompressionError::NotBase64Url { position: 3, .. })
        ));
    }
}

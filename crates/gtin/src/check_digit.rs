//! Check-digit arithmetic, and nothing else: the GS1 mod-10 digit (GenSpecs §7.9.1,
//! spec R7), the ISBN-10 and ISSN mod-11 digits (R8, ISO 2108 / ISO 3297), and the
//! price/weight verifier digits inside variable-measure RCNs (GenSpecs §7.9.2-7.9.4,
//! spec §3).
//!
//! Every function takes ASCII digits that the caller has already checked; none of them
//! panics on other bytes (they use wrapping arithmetic), they only give a wrong answer.

/// The numeric value of an ASCII digit (`b'7'` → 7). Wrapping, so a stray byte cannot
/// panic; callers only pass digits.
pub(crate) fn value(d: u8) -> u8 {
    d.wrapping_sub(b'0')
}

/// The mod-10 check digit for an ASCII-digit payload (weights 3,1,3,… from the right).
pub(crate) fn gs1_check_digit(payload: &[u8]) -> u8 {
    let mut sum: u32 = 0;
    for (i, &d) in payload.iter().rev().enumerate() {
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum = sum.wrapping_add(u32::from(value(d)).wrapping_mul(weight));
    }
    ((10 - sum % 10) % 10) as u8
}

/// What one pass over a GTIN-14 field found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldCheck {
    /// The check digit the 13 payload digits call for.
    pub(crate) expected: u8,
    /// The check digit in the field (meaningful only when `digits`).
    pub(crate) found: u8,
    /// Every byte is zero (`'0'`).
    pub(crate) zero: bool,
    /// Every byte is an ASCII digit.
    pub(crate) digits: bool,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const EVEN_BYTES: u64 = 0x00FF_00FF_00FF_00FF;
const LANES: u64 = 0x0001_0001_0001_0001;

/// Checks a GTIN-14 field eight bytes at a time (SWAR): digit validity, all-zero and the
/// mod-10 check digit. This is the hot path of every parse, so it avoids a per-byte loop.
#[inline]
pub(crate) fn field_check(field: &[u8; 14]) -> FieldCheck {
    // Two overlapping 8-byte loads: `lo` is field[0..8], `hi` is field[6..14].
    // (`first_chunk`/`last_chunk` of a 14-byte array always exist: single loads.)
    let lo = field
        .first_chunk::<8>()
        .map_or(0, |c| u64::from_le_bytes(*c));
    let hi = field
        .last_chunk::<8>()
        .map_or(0, |c| u64::from_le_bytes(*c));
    field_words_check(lo, hi)
}

/// The two little-endian words of a 12-14 digit input as a left-padded GTIN-14 field:
/// `lo` = field\[0..8\], `hi` = field\[6..14\], loaded straight from the input (no copy
/// into a buffer first). `None` for other lengths.
#[inline]
pub(crate) fn field_words(input: &[u8]) -> Option<(u64, u64)> {
    let pad = 14usize.checked_sub(input.len()).filter(|&p| p <= 2)?;
    let first = u64::from_le_bytes(*input.first_chunk::<8>()?);
    let hi = u64::from_le_bytes(*input.last_chunk::<8>()?);
    // Shift the input up by the padding and fill the freed low bytes with '0'.
    let shift = 8 * pad as u32;
    let zeros = (0x30 * ONES) & !(u64::MAX.checked_shl(shift).unwrap_or(0));
    let lo = first.checked_shl(shift).unwrap_or(0) | zeros;
    Some((lo, hi))
}

/// [`field_check`] on the two overlapping words of a field.
#[inline]
pub(crate) fn field_words_check(lo: u64, hi: u64) -> FieldCheck {
    // In `hi`, bytes 0-1 repeat field[6..8] and are masked out of the sums.
    // A byte is a digit iff its high nibble is 3 and its low nibble plus 6 stays < 16.
    let is_digits = |x: u64| {
        x & (0xF0 * ONES) == 0x30 * ONES && ((x & (0x0F * ONES)) + 0x06 * ONES) & (0xF0 * ONES) == 0
    };
    let digits = is_digits(lo) && is_digits(hi);
    let vlo = lo & (0x0F * ONES);
    let vhi = hi & (0x0F * ONES);
    let vhi_new = vhi & !0xFFFF;
    // Even field positions 0-12 weigh 3 (the even bytes of both words, byte parity
    // equals field parity since 6 is even); odd positions 1-11 weigh 1, which excludes
    // the check digit, field[13], the top byte of `hi`.
    let lane_sum = |x: u64| (x.wrapping_mul(LANES) >> 48) as u32;
    let threes = lane_sum((vlo & EVEN_BYTES) + (vhi_new & EVEN_BYTES));
    let ones = lane_sum(((vlo >> 8) & EVEN_BYTES) + ((vhi_new >> 8) & 0x0000_00FF_00FF_0000));
    let sum = threes * 3 + ones;
    FieldCheck {
        expected: ((10 - sum % 10) % 10) as u8,
        found: (vhi >> 56) as u8,
        zero: (vlo | vhi) == 0,
        digits,
    }
}

/// True when the last ASCII digit is the check digit of the ones before it.
pub(crate) fn is_valid_gs1(digits: &[u8]) -> bool {
    match digits.split_last() {
        Some((&check, payload)) => gs1_check_digit(payload) == value(check),
        None => false,
    }
}

/// The ISBN-10 check character for 9 ASCII digits: weights 10..2, mod 11, `X` for 10.
pub(crate) fn isbn10_check_char(first9: &[u8]) -> u8 {
    mod11_check_char(first9, 10)
}

/// The ISSN check character for 7 ASCII digits: weights 8..2, mod 11, `X` for 10.
pub(crate) fn issn_check_char(first7: &[u8]) -> u8 {
    mod11_check_char(first7, 8)
}

/// Shared mod-11 rule of ISBN-10 and ISSN: weights `top`, `top-1`, … from the left.
fn mod11_check_char(payload: &[u8], top: u32) -> u8 {
    let mut sum: u32 = 0;
    for (i, &d) in payload.iter().enumerate() {
        let weight = top.saturating_sub(i as u32);
        sum = sum.wrapping_add(u32::from(value(d)).wrapping_mul(weight));
    }
    match (11 - sum % 11) % 11 {
        10 => b'X',
        c => b'0' + c as u8,
    }
}

// GenSpecs §7.9.2: the weighting factors, as "product digit" tables indexed by digit.
const TWO_MINUS: [u8; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
const THREE: [u8; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
const FIVE_PLUS: [u8; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
const FIVE_MINUS: [u8; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
/// Inverse of `FIVE_MINUS`: which digit has this 5- product.
const FIVE_MINUS_INVERSE: [u8; 10] = [0, 9, 7, 5, 3, 1, 8, 6, 4, 2];

/// Looks a digit up in a weighting table; a non-digit weighs 0 instead of panicking.
fn weigh(table: &[u8; 10], d: u8) -> u32 {
    u32::from(table.get(usize::from(value(d))).copied().unwrap_or(0))
}

/// The price/weight verifier digit (GenSpecs §7.9.3 for 4 digits, §7.9.4 for 5 digits),
/// or `None` for any other length.
pub(crate) fn measure_check_digit(value_digits: &[u8]) -> Option<u8> {
    match value_digits {
        [a, b, c, d] => {
            let sum = weigh(&TWO_MINUS, *a)
                + weigh(&TWO_MINUS, *b)
                + weigh(&THREE, *c)
                + weigh(&FIVE_MINUS, *d);
            Some(((sum * 3) % 10) as u8)
        }
        [a, b, c, d, e] => {
            let sum = weigh(&FIVE_PLUS, *a)
                + weigh(&TWO_MINUS, *b)
                + weigh(&FIVE_MINUS, *c)
                + weigh(&FIVE_PLUS, *d)
                + weigh(&TWO_MINUS, *e);
            let product = ((10 - sum % 10) % 10) as usize;
            FIVE_MINUS_INVERSE.get(product).copied()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows from biip `tests/test_checksums.py` (`test_gs1_standard_check_digit`).
    const BIIP_GS1_CHECK_DIGITS: &[(&str, u8)] = &[
        ("37610425002123456", 9),
        ("629104150021", 3),
        ("703801005447", 1),
        ("950110153100", 0),
        ("978820551237", 5),
        ("708000382434", 9),
        // biip `checksums.py` docstring.
        ("9501234", 6),
    ];

    #[test]
    fn gs1_check_digits_match_biip() {
        for &(payload, want) in BIIP_GS1_CHECK_DIGITS {
            assert_eq!(gs1_check_digit(payload.as_bytes()), want, "{payload}");
        }
    }

    #[test]
    fn price_weight_check_digits_match_biip_and_genspecs() {
        // biip tests/test_checksums.py `test_gs1_price_weight_check_digit`.
        assert_eq!(measure_check_digit(b"2875"), Some(9));
        assert_eq!(measure_check_digit(b"14685"), Some(6));
        // biip tests/rcn/test_rules.py: GB 2011122912346 has verifier 9 for 1234,
        // DE 2511119000129 has verifier 9 for 00012.
        assert_eq!(measure_check_digit(b"1234"), Some(9));
        assert_eq!(measure_check_digit(b"00012"), Some(9));
        assert_eq!(measure_check_digit(b"123"), None);
    }

    #[test]
    fn five_minus_inverse_inverts_five_minus() {
        for d in 0..10u8 {
            let product = FIVE_MINUS[usize::from(d)];
            assert_eq!(FIVE_MINUS_INVERSE[usize::from(product)], d);
        }
    }

    #[test]
    fn isbn10_and_issn_check_characters_match_stdnum() {
        // stdnum tests/test_isbn.doctest: 1857982185 and 85152-629-2 (as 0851526292).
        assert_eq!(isbn10_check_char(b"185798218"), b'5');
        assert_eq!(isbn10_check_char(b"085152629"), b'2');
        // stdnum issn.py docstring: 0024-9319, 0264-3596; spec R10: 1144-875X.
        assert_eq!(issn_check_char(b"0024931"), b'9');
        assert_eq!(issn_check_char(b"0264359"), b'6');
        assert_eq!(issn_check_char(b"1144875"), b'X');
    }

    #[test]
    fn the_swar_field_check_agrees_with_the_plain_loop() {
        let mut fields: Vec<[u8; 14]> = vec![
            *b"00036000291452",
            *b"09780471117094",
            *b"98765432109213",
            *b"00000000000000",
            *b"99999999999999",
            *b"0003600029145:",
            *b"/0036000291452",
        ];
        // A fixed pseudo-random walk over digit and non-digit bytes.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..50_000 {
            let mut f = [0u8; 14];
            for b in &mut f {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = if x.is_multiple_of(8) {
                    (x >> 8) as u8
                } else {
                    b'0' + (x >> 8) as u8 % 10
                };
            }
            fields.push(f);
        }
        for f in fields {
            let c = field_check(&f);
            let digits = f.iter().all(u8::is_ascii_digit);
            assert_eq!(c.digits, digits, "{f:?}");
            if digits {
                assert_eq!(c.expected, gs1_check_digit(&f[..13]), "{f:?}");
                assert_eq!(c.found, f[13] - b'0');
                assert_eq!(c.zero, f.iter().all(|&b| b == b'0'));
            }
        }
    }

    #[test]
    fn field_words_are_the_left_padded_field() {
        for input in [&b"036000291452"[..], b"5901234123457", b"10036000291459"] {
            let mut field = [b'0'; 14];
            field[14 - input.len()..].copy_from_slice(input);
            let lo = u64::from_le_bytes(field[..8].try_into().expect("8 bytes"));
            let hi = u64::from_le_bytes(field[6..].try_into().expect("8 bytes"));
            assert_eq!(field_words(input), Some((lo, hi)));
            assert_eq!(field_words_check(lo, hi), field_check(&field));
        }
        assert_eq!(field_words(b"12345678901"), None);
        assert_eq!(field_words(b"123456789012345"), None);
    }

    #[test]
    fn stray_bytes_do_not_panic() {
        assert!(gs1_check_digit(b"\x00\xff/") < 10);
        assert!(!is_valid_gs1(b""));
        let _ = measure_check_digit(b"\xff\xff\xff\xff");
        let _ = isbn10_check_char(b"\xff");
    }
}

//! Bits → AIs: the decoder of a compressed Digital Link's path segment.
//!
//! Each element starts with a byte of two hex digits: two decimal digits begin an AI
//! (read on, a digit at a time, until the AI table knows it), a code with a hex
//! letter is an optimisation (a fixed sequence of AIs), and `F` begins a key=value
//! pair that is not GS1's. Values follow the layout of `format`. Reading stops when
//! 8 bits or fewer are left (the base64url padding), as in the reference toolkit.

use super::bits::{BASE64URL, BitReader, length_bits};
use super::format::{Field, fields, optimisation};
use super::{CompressionError, Decoded};
use crate::ai::{self, AiEntry};

/// Decodes the base64url segment `text`.
pub(crate) fn decode(text: &str) -> Result<Decoded, CompressionError> {
    let mut r = BitReader::from_base64url(text)?;
    let mut out = Decoded::default();
    while r.remaining() > 8 {
        let h1 = r.take(4).ok_or(CompressionError::Truncated { ai: None })?;
        let h2 = r.take(4).ok_or(CompressionError::Truncated { ai: None })?;
        if h1 <= 9 && h2 <= 9 {
            let entry = read_ai(&mut r, h1, h2)?;
            let value = read_value(&mut r, entry)?;
            out.ais.push((entry.ai, value));
        } else if h1 == 0xF {
            out.other.push(read_other(&mut r, h2)?);
        } else {
            // h1 and h2 are nibbles: the code fits a byte.
            let code = u8::try_from(h1 << 4 | h2).unwrap_or(u8::MAX);
            let ais = optimisation(code).ok_or(CompressionError::UnknownOptimisation(code))?;
            for ai in ais {
                let entry = ai::lookup(ai).ok_or(CompressionError::UnknownAi((*ai).to_owned()))?;
                let value = read_value(&mut r, entry)?;
                out.ais.push((entry.ai, value));
            }
        }
    }
    Ok(out)
}

/// The AI whose first two digits are `h1 h2`: further digits are read until the AI
/// table knows the AI (GS1 AIs are prefix-free, so the first match is the AI).
fn read_ai(r: &mut BitReader, h1: u32, h2: u32) -> Result<&'static AiEntry, CompressionError> {
    let digit = |d: u32| char::from_digit(d, 10).unwrap_or('?');
    let mut ai = String::from_iter([digit(h1), digit(h2)]);
    loop {
        if let Some(entry) = ai::lookup(&ai) {
            return Ok(entry);
        }
        if ai.len() == 4 {
            return Err(CompressionError::UnknownAi(ai));
        }
        let d = r.take(4).ok_or(CompressionError::Truncated { ai: None })?;
        if d > 9 {
            ai.push_str(&format!("<{d:X}>"));
            return Err(CompressionError::UnknownAi(ai));
        }
        ai.push(digit(d));
    }
}

/// The value of `entry`, field by field.
fn read_value(r: &mut BitReader, entry: &'static AiEntry) -> Result<String, CompressionError> {
    let truncated = || CompressionError::Truncated {
        ai: Some(entry.ai.to_owned()),
    };
    let too_long = |found: usize, max: usize| CompressionError::ValueTooLong {
        ai: entry.ai.to_owned(),
        found,
        max,
    };
    let mut value = String::new();
    for field in fields(entry) {
        match field {
            Field::Digits(n) => {
                let digits = r.take_decimal(n).ok_or_else(truncated)?;
                value.push_str(&digits.map_err(|found| too_long(found, n))?);
            }
            Field::DigitsUpTo(max) => {
                let n = read_length(r, max).ok_or_else(truncated)?;
                if n > max {
                    return Err(too_long(n, max));
                }
                let digits = r.take_decimal(n).ok_or_else(truncated)?;
                value.push_str(&digits.map_err(|found| too_long(found, n))?);
            }
            Field::Chars(n) => {
                let encoding = r.take(3).ok_or_else(truncated)?;
                value.push_str(&read_chars(r, encoding, n, entry.ai)?);
            }
            Field::CharsUpTo(max) => {
                let encoding = r.take(3).ok_or_else(truncated)?;
                let n = read_length(r, max).ok_or_else(truncated)?;
                if n > max {
                    return Err(too_long(n, max));
                }
                value.push_str(&read_chars(r, encoding, n, entry.ai)?);
            }
        }
    }
    Ok(value)
}

/// A length field for a value of at most `max` characters.
fn read_length(r: &mut BitReader, max: usize) -> Option<usize> {
    r.take(length_bits(max)).map(|n| n as usize)
}

/// `n` characters in `encoding` (3 bits): 0 digits as one number, 1 lower-case hex,
/// 2 upper-case hex, 3 base64url, 4 seven-bit ASCII.
fn read_chars(
    r: &mut BitReader,
    encoding: u32,
    n: usize,
    ai: &str,
) -> Result<String, CompressionError> {
    let truncated = || CompressionError::Truncated {
        ai: Some(ai.to_owned()),
    };
    let mut chars = |bits: usize, map: &dyn Fn(u32) -> char| -> Result<String, CompressionError> {
        (0..n)
            .map(|_| r.take(bits).map(map).ok_or_else(truncated))
            .collect()
    };
    let hex = |upper: bool| {
        move |v: u32| {
            let c = char::from_digit(v, 16).unwrap_or('?');
            if upper { c.to_ascii_uppercase() } else { c }
        }
    };
    match encoding {
        0 => r.take_decimal(n).ok_or_else(truncated)?.map_err(|found| {
            CompressionError::ValueTooLong {
                ai: ai.to_owned(),
                found,
                max: n,
            }
        }),
        1 => chars(4, &hex(false)),
        2 => chars(4, &hex(true)),
        3 => chars(6, &|v| {
            BASE64URL.get(v as usize).map_or('?', |&c| char::from(c))
        }),
        4 => chars(7, &|v| char::from(u8::try_from(v).unwrap_or(b'?'))),
        other => Err(CompressionError::UnknownEncoding {
            ai: ai.to_owned(),
            encoding: u8::try_from(other).unwrap_or(u8::MAX),
        }),
    }
}

/// A key=value pair that is not GS1's: after the `F`, a 7-bit key length (its first
/// 4 bits are `h2`), the key in base64url, then an encoding, a 7-bit value length and
/// the value.
fn read_other(r: &mut BitReader, h2: u32) -> Result<(String, String), CompressionError> {
    let truncated = || CompressionError::Truncated { ai: None };
    let low = r.take(3).ok_or_else(truncated)?;
    let key_len = (h2 << 3 | low) as usize;
    let key: String = (0..key_len)
        .map(|_| {
            r.take(6)
                .and_then(|v| BASE64URL.get(v as usize))
                .map(|&c| char::from(c))
                .ok_or_else(truncated)
        })
        .collect::<Result<_, _>>()?;
    let encoding = r.take(3).ok_or_else(truncated)?;
    let n = r.take(7).ok_or_else(truncated)? as usize;
    let value = read_chars(r, encoding, n, &key)?;
    Ok((key, value))
}

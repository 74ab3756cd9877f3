//! AIs → bits: the encoder, as the reference toolkit encodes (so that every decoder
//! reads what it writes): optimisation codes first, the largest sequence first, then
//! the other AIs in the order of their digits; each value in the smallest of the five
//! character encodings that holds it.
//!
//! Two things the reference decoders cannot read back are refused rather than
//! written wrong: a variable-length numeric value with a leading zero (they read the
//! number, not its digits) and characters beyond seven-bit ASCII.

use super::CompressionError;
use super::bits::{BitWriter, is_base64url, length_bits};
use super::format::{Field, OPTIMISATIONS, fields};
use crate::ai::{self, AiEntry};

/// The bits of `ais` (AI, value), as base64url.
pub(crate) fn encode(ais: &[(&str, &str)]) -> Result<String, CompressionError> {
    let mut entries: Vec<(&'static AiEntry, &str)> = ais
        .iter()
        .map(|&(ai, value)| {
            ai::lookup(ai)
                .map(|entry| (entry, value))
                .ok_or_else(|| CompressionError::UnknownAi(ai.to_owned()))
        })
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|(entry, _)| entry.ai);
    entries.dedup_by_key(|(entry, _)| entry.ai);

    let mut w = BitWriter::default();
    // Optimisations: while some code's AIs are all still unwritten, the code that
    // saves the most AI digits (the first in the table on a tie).
    loop {
        let best = OPTIMISATIONS
            .iter()
            .filter(|(_, seq)| {
                seq.iter()
                    .all(|ai| entries.iter().any(|(e, _)| e.ai == *ai))
            })
            .fold(None::<(u8, &[&str])>, |best, &(code, seq)| {
                let saves = |s: &[&str]| s.iter().map(|ai| ai.len()).sum::<usize>();
                match best {
                    Some((_, b)) if saves(b) >= saves(seq) => best,
                    _ => Some((code, seq)),
                }
            });
        let Some((code, seq)) = best else { break };
        w.put(u32::from(code), 8);
        for ai in seq {
            if let Some(i) = entries.iter().position(|(e, _)| e.ai == *ai) {
                let (entry, value) = entries.remove(i);
                write_value(&mut w, entry, value)?;
            }
        }
    }
    for (entry, value) in entries {
        for d in entry.ai.bytes() {
            w.put(u32::from(d - b'0'), 4);
        }
        write_value(&mut w, entry, value)?;
    }
    Ok(w.to_base64url())
}

/// `value` laid out in `entry`'s fields.
fn write_value(w: &mut BitWriter, entry: &AiEntry, value: &str) -> Result<(), CompressionError> {
    let bad = |why: &str| CompressionError::NotEncodable {
        ai: entry.ai.to_owned(),
        why: why.to_owned(),
    };
    if !value.is_ascii() {
        return Err(bad("only ASCII characters can be compressed"));
    }
    let mut rest = value;
    for field in fields(entry) {
        let take = match field {
            Field::Digits(n) | Field::Chars(n) => n,
            Field::DigitsUpTo(max) | Field::CharsUpTo(max) => rest.len().min(max),
        };
        let (part, after) = rest
            .split_at_checked(take)
            .ok_or_else(|| bad("the value is shorter than the AI's format"))?;
        rest = after;
        match field {
            Field::Digits(_) | Field::DigitsUpTo(_) => {
                if !part.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(bad("a numeric field holds a character that is not a digit"));
                }
                if let Field::DigitsUpTo(max) = field {
                    if part.len() > 1 && part.starts_with('0') {
                        return Err(bad(
                            "a variable-length number with a leading zero loses it when decompressed",
                        ));
                    }
                    put_len(w, part.len(), max);
                }
                w.put_decimal(part);
            }
            Field::Chars(_) => write_chars(w, part, None),
            Field::CharsUpTo(max) => write_chars(w, part, Some(max)),
        }
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(bad("the value is longer than the AI's format"))
    }
}

fn put_len(w: &mut BitWriter, len: usize, max: usize) {
    w.put(u32::try_from(len).unwrap_or(0), length_bits(max));
}

/// Characters: the 3-bit encoding, the length when the field is variable, then the
/// characters. Digits with a leading zero go as upper-case hex, which keeps the zero
/// (the numeric encoding would not, in the reference decoders).
fn write_chars(w: &mut BitWriter, s: &str, max: Option<usize>) {
    let b = s.as_bytes();
    let all = |f: fn(&u8) -> bool| !b.is_empty() && b.iter().all(f);
    let digits = all(u8::is_ascii_digit);
    let encoding = if digits && !(b.len() > 1 && b.first() == Some(&b'0')) {
        0
    } else if all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)) {
        2
    } else if all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)) {
        1
    } else if is_base64url(s) {
        3
    } else {
        4
    };
    w.put(encoding, 3);
    if let Some(max) = max {
        put_len(w, s.len(), max);
    }
    match encoding {
        0 => w.put_decimal(s),
        1 | 2 => b.iter().for_each(|&c| {
            w.put(char::from(c).to_digit(16).unwrap_or(0), 4);
        }),
        3 => b.iter().for_each(|&c| {
            w.put(u32::from(super::bits::base64url_index(c).unwrap_or(0)), 6);
        }),
        _ => b.iter().for_each(|&c| w.put(u32::from(c), 7)),
    }
}

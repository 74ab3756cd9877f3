//! Characters and separators (spec R3, R4): turns `" 0 36000-29145 2"` into the bare
//! digits `036000291452` in a stack buffer, or says exactly which character is wrong.
//!
//! Strict on purpose (spec decisions): only ASCII `0-9`, an `X`/`x` (kept for the
//! ISBN-10 check character; `parse` decides whether it is allowed), and runs of ASCII
//! space or hyphen *between* digits. Every other character, including non-ASCII
//! digits, EN DASH, NBSP and zero-width space, is rejected with its position.

/// Longest digit string any rule accepts (`]E3` + EAN-13 + 5-digit add-on).
pub(crate) const MAX_DIGITS: usize = 18;

/// The digits of an input, separators removed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Digits {
    /// The first `MAX_DIGITS` digits (ASCII; `X` upper-cased).
    buf: [u8; MAX_DIGITS],
    /// How many digits the input had (may exceed `MAX_DIGITS`; only counted then).
    len: usize,
    /// Where the first `X`/`x` was: (index among the digits, 1-based character position).
    first_x: Option<(usize, usize)>,
    /// How many `X`/`x` there were.
    x_count: usize,
}

impl Digits {
    /// The digits kept (all of them when `len() <= MAX_DIGITS`).
    pub(crate) fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len.min(MAX_DIGITS)).unwrap_or_default()
    }

    /// How many digits the input had.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The first `X` as (index among the digits, 1-based character position), if any.
    pub(crate) fn first_x(&self) -> Option<(usize, usize)> {
        self.first_x
    }

    /// True when the only letter is one final `X` of exactly 10 characters (R4, R8).
    pub(crate) fn is_isbn10_shape(&self) -> bool {
        self.len == 10 && (self.x_count == 0 || (self.x_count == 1 && self.last_is_x()))
    }

    /// True when there is an `X` anywhere.
    pub(crate) fn has_x(&self) -> bool {
        self.x_count > 0
    }

    fn last_is_x(&self) -> bool {
        matches!(self.first_x, Some((i, _)) if i + 1 == self.len)
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
        }
        self.len += 1;
    }
}

/// Why an input does not match `^[0-9Xx]+([ -]+[0-9Xx]+)*$` (R3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CharError {
    /// A character that is neither a digit, `X` nor an allowed separator.
    NotAllowed {
        /// The character.
        ch: char,
        /// 1-based character position in the cleaned slice.
        pos: usize,
    },
    /// A space or hyphen that is not between two digits.
    LoneSeparator {
        /// The separator.
        ch: char,
        /// 1-based character position in the cleaned slice.
        pos: usize,
    },
}

/// Removes separators and checks characters (R3).
pub(crate) fn clean(s: &str) -> Result<Digits, CharError> {
    let mut d = Digits {
        buf: [b'0'; MAX_DIGITS],
        len: 0,
        first_x: None,
        x_count: 0,
    };
    // Fast path: plain ASCII digits, the common case, without char decoding.
    let bytes = s.as_bytes();
    if bytes.len() <= MAX_DIGITS
        && bytes.iter().all(u8::is_ascii_digit)
        && let Some(dst) = d.buf.get_mut(..bytes.len())
    {
        dst.copy_from_slice(bytes);
        d.len = bytes.len();
        return Ok(d);
    }

    // A separator seen since the last digit: (character, position), or the start.
    let mut pending_separator: Option<(char, usize)> = None;
    let mut seen_digit = false;
    for (i, ch) in s.chars().enumerate() {
        let pos = i + 1;
        match ch {
            '0'..='9' | 'X' | 'x' => {
                if matches!(ch, 'X' | 'x') {
                    if d.first_x.is_none() {
                        d.first_x = Some((d.len, pos));
                    }
                    d.x_count += 1;
                }
                d.push(ch.to_ascii_uppercase() as u8);
                seen_digit = true;
                pending_separator = None;
            }
            ' ' | '-' => {
                if !seen_digit {
                    return Err(CharError::LoneSeparator { ch, pos });
                }
                if pending_separator.is_none() {
                    pending_separator = Some((ch, pos));
                }
            }
            _ => return Err(CharError::NotAllowed { ch, pos }),
        }
    }
    match pending_separator {
        Some((ch, pos)) => Err(CharError::LoneSeparator { ch, pos }),
        None => Ok(d),
    }
}

/// A human description of a rejected character at a position (1-based, in the input).
pub(crate) fn describe(err: CharError, offset: usize) -> String {
    match err {
        CharError::LoneSeparator { ch, pos } => format!(
            "separator {ch:?} at position {} is not between two digits",
            pos + offset
        ),
        CharError::NotAllowed { ch, pos } => {
            let pos = pos + offset;
            if ch.is_ascii() {
                format!("character {ch:?} at position {pos} is not a digit")
            } else if ch.is_numeric() {
                format!(
                    "character {ch:?} (U+{:04X}) at position {pos} is not an ASCII digit; only 0-9 are accepted",
                    u32::from(ch)
                )
            } else if ch.is_whitespace() || is_dash(ch) || is_invisible(ch) {
                format!(
                    "character {ch:?} (U+{:04X}) at position {pos} is not a digit; only ASCII space and hyphen may separate digits",
                    u32::from(ch)
                )
            } else {
                format!(
                    "character {ch:?} (U+{:04X}) at position {pos} is not a digit",
                    u32::from(ch)
                )
            }
        }
    }
}

/// Dash-like characters people paste instead of a hyphen (EN DASH, minus sign, …).
fn is_dash(ch: char) -> bool {
    matches!(
        ch,
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// Zero-width characters that hide inside copied numbers.
fn is_invisible(ch: char) -> bool {
    matches!(ch, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> String {
        let d = clean(s).expect("clean");
        String::from_utf8_lossy(d.as_slice()).into_owned()
    }

    #[test]
    fn separators_between_digits_are_removed() {
        assert_eq!(digits("036000291452"), "036000291452");
        assert_eq!(digits("0 36000 29145 2"), "036000291452");
        assert_eq!(digits("036000-291452"), "036000291452");
        assert_eq!(digits("978 - 0 -- 471"), "9780471");
        assert_eq!(digits("1-85798-218-x"), "185798218X");
    }

    #[test]
    fn separators_at_the_ends_are_rejected_with_their_position() {
        assert_eq!(
            clean("-036000291452").map(|_| ()),
            Err(CharError::LoneSeparator { ch: '-', pos: 1 })
        );
        assert_eq!(
            clean("036000291452 -").map(|_| ()),
            Err(CharError::LoneSeparator { ch: ' ', pos: 13 })
        );
    }

    #[test]
    fn non_ascii_digits_and_look_alikes_are_rejected() {
        for (s, ch, pos) in [
            ("０36000291452", '０', 1),
            ("٠٣٦", '٠', 1),
            ("036\u{2013}000", '\u{2013}', 4),
            ("036\u{a0}000", '\u{a0}', 4),
            ("036\u{200b}000", '\u{200b}', 4),
            ("03600O291452", 'O', 6),
            ("(01)0036", '(', 1),
        ] {
            assert_eq!(
                clean(s).map(|_| ()),
                Err(CharError::NotAllowed { ch, pos }),
                "{s}"
            );
        }
    }

    #[test]
    fn descriptions_name_the_character_and_position() {
        let e = CharError::NotAllowed { ch: 'O', pos: 5 };
        assert_eq!(describe(e, 0), "character 'O' at position 5 is not a digit");
        let e = CharError::NotAllowed { ch: '３', pos: 1 };
        assert!(describe(e, 0).contains("U+FF13"));
        let e = CharError::NotAllowed {
            ch: '\u{2013}',
            pos: 4,
        };
        assert!(describe(e, 2).contains("position 6"));
    }

    #[test]
    fn long_inputs_are_counted_past_the_buffer() {
        let d = clean(&"1".repeat(40)).expect("digits");
        assert_eq!(d.len(), 40);
        assert_eq!(d.as_slice().len(), MAX_DIGITS);
    }
}

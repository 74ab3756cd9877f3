//! GS1 element strings (spec R2: `]C1 ]e0 ]d2 ]Q3 ]J1`): finds the primary key in
//! what a GS1-128, DataBar, DataMatrix, QR or DotCode scanner sends, e.g.
//! `0109506000134352` `10ABC` `<GS>` `17201225`: the GTIN of AI (01) wherever it
//! stands, else the first other GS1 key (an SSCC, a GLN …).
//!
//! To find the key this walks the string with the one table GS1 guarantees: the AIs
//! whose length is predefined by their first two digits (GenSpecs §7.8.5, Figure
//! 7.8.5-2). Every other element string is variable length and ends at a group
//! separator (FNC1, sent as ASCII 0x1D) or at the end.

use super::ai::{self, AiEntry};
use super::key;

/// FNC1 as scanners transmit it between variable-length elements.
const GS: u8 = 0x1D;

/// Total length (AI + data) of the element strings whose length is predefined by the
/// first two AI digits (GenSpecs Figure 7.8.5-2).
fn predefined_length(ai: &[u8]) -> Option<usize> {
    Some(match ai {
        b"00" => 20,
        b"01" | b"02" | b"03" => 16,
        b"04" => 18,
        b"11" | b"12" | b"13" | b"14" | b"15" | b"16" | b"17" | b"18" | b"19" => 8,
        b"20" => 4,
        b"31" | b"32" | b"33" | b"34" | b"35" | b"36" => 10,
        b"41" => 16,
        _ => return None,
    })
}

/// The primary key an element string carries.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Key<'a> {
    /// The 14 characters after AI (01) (digits, not yet checked further).
    Gtin(&'a str),
    /// Another GS1 primary key and its value (not yet checked).
    Other(&'static AiEntry, &'a str),
}

/// The 14 digits of AI (01), or what is wrong with the element string.
#[cfg(test)]
pub(crate) fn gtin_of(data: &str) -> Result<&str, String> {
    match key_of(data)? {
        Key::Gtin(g) => Ok(g),
        Key::Other(..) => Err("the element string has no AI (01) GTIN".to_owned()),
    }
}

/// The primary key of an element string: AI (01) wherever it stands (a GTIN makes
/// the code a trade item), else the first other primary key; or what is wrong.
pub(crate) fn key_of(data: &str) -> Result<Key<'_>, String> {
    let b = data.as_bytes();
    let mut other: Option<Key<'_>> = None;
    let mut i = 0;
    loop {
        while b.get(i) == Some(&GS) {
            i += 1;
        }
        let Some(ai) = b.get(i..i + 2) else {
            return if i >= b.len() {
                other.ok_or_else(|| {
                    "the element string has no GS1 primary key: no AI (01) GTIN, (00) SSCC, \
                     (414) GLN or other key"
                        .to_owned()
                })
            } else {
                Err(format!(
                    "the element string ends inside an AI at byte {}",
                    i + 1
                ))
            };
        };
        if !ai.iter().all(u8::is_ascii_digit) {
            let hint = if ai.first() == Some(&b'(') {
                " (scanners send element strings without parentheses)"
            } else {
                ""
            };
            return Err(format!(
                "expected an application identifier at byte {}, found {:?}{hint}",
                i + 1,
                String::from_utf8_lossy(ai)
            ));
        }
        if ai == b"01" {
            return match data.get(i + 2..i + 16) {
                Some(gtin) if gtin.bytes().all(|c| c.is_ascii_digit()) => Ok(Key::Gtin(gtin)),
                _ => Err("AI (01) must be followed by 14 digits".to_owned()),
            };
        }
        let end = match predefined_length(ai) {
            Some(len) if i + len <= b.len() => i + len,
            Some(_) => {
                return Err(format!(
                    "the element string ends inside AI ({})",
                    String::from_utf8_lossy(ai)
                ));
            }
            // Variable length: runs to the next group separator or the end.
            None => b
                .get(i..)
                .and_then(|rest| rest.iter().position(|&c| c == GS))
                .map_or(b.len(), |p| i + p),
        };
        if other.is_none()
            && let Some(entry) = data.get(i..).and_then(ai::lookup_prefix)
            && key::is_primary_key(entry.ai)
            && let Some(value) = data.get(i + entry.ai.len()..end)
        {
            other = Some(Key::Other(entry, value));
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ai_01_is_found_first_or_after_other_elements() {
        // Spec §5 row `]C10100036000291452`.
        assert_eq!(gtin_of("0100036000291452"), Ok("00036000291452"));
        // AI 01 + lot + GS + expiry (the brief's Digital Link example as an element string).
        assert_eq!(
            gtin_of("010950600013435210ABC\u{1d}17201225"),
            Ok("09506000134352")
        );
        // Fixed-length expiry and weight first, variable lot, then 01.
        assert_eq!(
            gtin_of("17201225310300150010LOT7\u{1d}0109506000134352"),
            Ok("09506000134352")
        );
        // AI 02 (contained GTIN) is not the item's GTIN; SSCC 00 is skipped.
        assert_eq!(
            gtin_of("00106141412345678908\u{1d}0200614141123452"),
            Err("the element string has no AI (01) GTIN".to_owned())
        );
        assert!(matches!(
            key_of("00106141412345678908\u{1d}0200614141123452"),
            Ok(Key::Other(entry, "106141412345678908")) if entry.ai == "00"
        ));
        // A GTIN anywhere makes the code a trade item, even after another key.
        assert_eq!(
            key_of("4145901234123457\u{1d}0109506000134352"),
            Ok(Key::Gtin("09506000134352"))
        );
        assert!(matches!(
            key_of("8003038705850005529872110\u{1d}"),
            Ok(Key::Other(entry, "038705850005529872110")) if entry.ai == "8003"
        ));
        assert!(key_of("10LOT42").is_err());
    }

    #[test]
    fn malformed_element_strings_say_why() {
        assert!(gtin_of("(01)00036000291452").is_err());
        assert!(gtin_of("01000360002914").is_err());
        assert!(gtin_of("").is_err());
        assert!(gtin_of("1720").is_err());
        assert!(gtin_of("0").is_err());
        assert!(gtin_of("10é\u{1d}").is_err());
    }
}

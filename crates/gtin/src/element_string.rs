//! GS1 element strings (spec R2: `]C1 ]e0 ]d2 ]Q3 ]J1`): finds the GTIN of AI (01) in
//! what a GS1-128, DataBar, DataMatrix, QR or DotCode scanner sends, e.g.
//! `0109506000134352` `10ABC` `<GS>` `17201225`.
//!
//! We need only AI (01), so instead of the full AI table this walks the string with the
//! one table GS1 guarantees: the AIs whose length is predefined by their first two
//! digits (GenSpecs §7.8.5, Figure 7.8.5-2). Every other element string is variable
//! length and ends at a group separator (FNC1, sent as ASCII 0x1D) or at the end.

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

/// The 14 digits of AI (01), or what is wrong with the element string.
pub(crate) fn gtin_of(data: &str) -> Result<&str, String> {
    let b = data.as_bytes();
    let mut i = 0;
    loop {
        while b.get(i) == Some(&GS) {
            i += 1;
        }
        let Some(ai) = b.get(i..i + 2) else {
            return Err(if i >= b.len() {
                "the element string has no AI (01) GTIN".to_owned()
            } else {
                format!("the element string ends inside an AI at byte {}", i + 1)
            });
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
                Some(gtin) if gtin.bytes().all(|c| c.is_ascii_digit()) => Ok(gtin),
                _ => Err("AI (01) must be followed by 14 digits".to_owned()),
            };
        }
        match predefined_length(ai) {
            Some(len) if i + len <= b.len() => i += len,
            Some(_) => {
                return Err(format!(
                    "the element string ends inside AI ({})",
                    String::from_utf8_lossy(ai)
                ));
            }
            // Variable length: runs to the next group separator or the end.
            None => {
                i = b
                    .get(i..)
                    .and_then(|rest| rest.iter().position(|&c| c == GS))
                    .map_or(b.len(), |p| i + p);
            }
        }
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

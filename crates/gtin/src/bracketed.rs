//! GS1's bracketed AI syntax, `(01)09506000134352(17)250630(10)ABC`: the text printed
//! under a GS1-128 or DataMatrix (its human readable interpretation, GenSpecs §4.15)
//! and what people type from it. Turned into the element string a scanner would send
//! (FNC1 as GS after each variable-length value but the last), so every later step
//! reads one format.
//!
//! A `(` inside a value is written `\(` (the GS1 Barcode Syntax Engine's escape);
//! every value is checked against the AI table here, because a fixed-length value of
//! the wrong length would otherwise run into the next AI once the brackets are gone.

use super::ai::{self, ValueFault};
use super::error::Reason;

/// FNC1 as scanners transmit it (ASCII 29, GS).
const GS: char = '\u{1d}';

/// Why a bracketed string is not GS1's.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub(crate) reason: Reason,
    pub(crate) message: String,
    pub(crate) ai: Option<&'static str>,
}

fn syntax(message: impl Into<String>) -> Fault {
    Fault {
        reason: Reason::InvalidBracketedAi,
        message: message.into(),
        ai: None,
    }
}

/// True when the input is written in the bracketed syntax (it opens with `(`).
pub(crate) fn is_bracketed(s: &str) -> bool {
    s.starts_with('(')
}

/// The element string of a bracketed AI string, or what is wrong with it.
pub(crate) fn to_element_string(s: &str) -> Result<String, Fault> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut needs_gs = false;
    while !rest.is_empty() {
        let Some(after_open) = rest.strip_prefix('(') else {
            return Err(syntax(format!(
                "expected '(' and an AI at {:?}",
                rest.chars().take(8).collect::<String>()
            )));
        };
        let Some(close) = after_open.find(')') else {
            return Err(syntax("a '(' is never closed by ')'"));
        };
        let ai_text = after_open.get(..close).unwrap_or_default();
        if !(2..=4).contains(&ai_text.len()) || !ai_text.bytes().all(|c| c.is_ascii_digit()) {
            return Err(syntax(format!(
                "({ai_text}) is not an application identifier: an AI is 2 to 4 digits"
            )));
        }
        let Some(entry) = ai::lookup(ai_text) else {
            return Err(Fault {
                reason: Reason::UnknownAi,
                message: format!("({ai_text}) is not a GS1 application identifier"),
                ai: None,
            });
        };
        let data = after_open.get(close + 1..).unwrap_or_default();
        let (value, next) = value_of(data);
        if value.is_empty() {
            return Err(Fault {
                reason: Reason::InvalidBracketedAi,
                message: format!("AI ({}) has no value", entry.ai),
                ai: Some(entry.ai),
            });
        }
        entry.validate(&value).map_err(|fault| {
            let (reason, message) = match fault {
                ValueFault::Value(m) => (Reason::InvalidAiValue, m),
                ValueFault::Date(m) => (Reason::InvalidAiDate, m),
            };
            Fault {
                reason,
                message,
                ai: Some(entry.ai),
            }
        })?;
        if needs_gs {
            out.push(GS);
        }
        out.push_str(entry.ai);
        out.push_str(&value);
        needs_gs = entry.fixed_len().is_none();
        rest = next;
    }
    if out.is_empty() {
        return Err(syntax("no AI in brackets"));
    }
    Ok(out)
}

/// The value up to the next unescaped `(`, unescaped, and what follows it.
fn value_of(data: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = data.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '(' => return (value, data.get(i..).unwrap_or_default()),
            '\\' if data.get(i + 1..).is_some_and(|r| r.starts_with('(')) => {
                value.push('(');
                chars.next();
            }
            _ => value.push(c),
        }
    }
    (value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_text_becomes_the_scanned_element_string() {
        assert_eq!(
            to_element_string("(01)09506000134352(17)250630(10)ABC"),
            Ok("01095060001343521725063010ABC".to_owned())
        );
        // A GS ends a variable-length value that is not last; fixed-length ones need none.
        assert_eq!(
            to_element_string("(10)ABC(01)09506000134352(21)A\\(1)"),
            Ok("10ABC\u{1d}010950600013435221A(1)".to_owned())
        );
        assert_eq!(
            to_element_string("(00)106141412345678908"),
            Ok("00106141412345678908".to_owned())
        );
    }

    #[test]
    fn malformed_brackets_have_their_own_reason() {
        for (input, reason) in [
            ("(01", Reason::InvalidBracketedAi),
            ("(1)5", Reason::InvalidBracketedAi),
            ("(0A)5", Reason::InvalidBracketedAi),
            ("(10)(17)250630", Reason::InvalidBracketedAi),
            ("(10)", Reason::InvalidBracketedAi),
            ("(23)5", Reason::UnknownAi),
            ("(01)0950600013435", Reason::InvalidAiValue),
            ("(01)09506000134353", Reason::InvalidAiValue),
            ("(17)251301", Reason::InvalidAiDate),
        ] {
            assert_eq!(
                to_element_string(input).map_err(|f| f.reason),
                Err(reason),
                "{input}"
            );
        }
    }
}

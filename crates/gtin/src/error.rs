//! The typed error a client gets when its input is not a GTIN (docs/gtin-rules.md R1-R8, §3).
//!
//! The `reason` is the stable, machine-readable part (the GraphQL layer puts it in
//! `extensions.reason`); the message is written for the developer at the till who has
//! to fix the integration ("check digit should be 2, found 7"), and the optional hint
//! proposes a fix when one is likely ("did you mean 036000291452?"). Built only by the
//! parsers in this module; callers branch on [`Reason`], never on message text.

use std::fmt;

/// Longest input (in characters) an error keeps, so a megabyte of garbage posted by a
/// client does not end up a megabyte long in every log line.
const MAX_INPUT_CHARS: usize = 128;

/// Why an input is not a GTIN: the spec's list of reasons (docs/gtin-rules.md §2, §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Nothing left after trimming white space (R1).
    Empty,
    /// A character that is not an ASCII digit or a separator between digits (R3, R4).
    InvalidCharacters,
    /// A digit count no rule accepts, or the wrong count after a symbology identifier (R2, R5).
    InvalidLength,
    /// The mod-10 (or, for ISBN-10, mod-11) check digit does not match (R6-R8).
    InvalidCheckDigit,
    /// Every digit is zero (R7 policy).
    InvalidZero,
    /// A `]xx` symbology identifier this gateway does not read (R2).
    UnsupportedSymbology,
    /// A GS1 element string or GS1 Digital Link URI that is not GS1's: no readable
    /// primary key, a path or query the Digital Link grammar refuses (R2).
    InvalidGs1ElementString,
    /// The price/weight verifier digit inside a variable-measure RCN does not match (§3).
    InvalidVariableMeasureCheckDigit,
    /// An element string or Digital Link names an application identifier GS1 does not
    /// define (only [`crate::scan`] reads every AI).
    UnknownAi,
    /// An AI's value has the wrong characters or length, or a wrong check digit.
    InvalidAiValue,
    /// A date AI (11, 13, 15, 16, 17 …) whose value is not a calendar date.
    InvalidAiDate,
    /// GS1's bracketed AI syntax, `(01)09506000134352(10)ABC`, that is malformed: no
    /// opening AI, an unclosed or empty bracket, an AI that is not digits, no value.
    InvalidBracketedAi,
    /// A valid GS1 code whose primary key is not a GTIN (an SSCC, a GLN, a GRAI …):
    /// it names no trade item, so there is no product (the error's `ai` is the key's).
    NotATradeItem,
}

impl Reason {
    /// The stable upper-snake name clients see (`"INVALID_CHECK_DIGIT"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Empty => "EMPTY",
            Reason::InvalidCharacters => "INVALID_CHARACTERS",
            Reason::InvalidLength => "INVALID_LENGTH",
            Reason::InvalidCheckDigit => "INVALID_CHECK_DIGIT",
            Reason::InvalidZero => "INVALID_ZERO",
            Reason::UnsupportedSymbology => "UNSUPPORTED_SYMBOLOGY",
            Reason::InvalidGs1ElementString => "INVALID_GS1_ELEMENT_STRING",
            Reason::InvalidVariableMeasureCheckDigit => "INVALID_VARIABLE_MEASURE_CHECK_DIGIT",
            Reason::UnknownAi => "UNKNOWN_AI",
            Reason::InvalidAiValue => "INVALID_AI_VALUE",
            Reason::InvalidAiDate => "INVALID_AI_DATE",
            Reason::InvalidBracketedAi => "INVALID_BRACKETED_AI",
            Reason::NotATradeItem => "NOT_A_TRADE_ITEM",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An input that is not a GTIN, with the reason, a message and perhaps a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The input as the client sent it (cut to 128 characters), so logs show what failed.
    input: String,
    /// The machine-readable cause.
    reason: Reason,
    /// What is wrong, for a human.
    message: String,
    /// A likely fix, when there is one.
    hint: Option<String>,
    /// The application identifier whose value failed, for AI errors.
    ai: Option<String>,
}

impl ParseError {
    /// Builds an error; `input` is the caller's original string.
    pub(crate) fn new(input: &str, reason: Reason, message: impl Into<String>) -> ParseError {
        let input = match input.char_indices().nth(MAX_INPUT_CHARS) {
            Some((cut, _)) => format!("{}…", &input[..cut]),
            None => input.to_owned(),
        };
        ParseError {
            input,
            reason,
            message: message.into(),
            hint: None,
            ai: None,
        }
    }

    /// Names the application identifier at fault.
    pub(crate) fn with_ai(mut self, ai: &str) -> ParseError {
        self.ai = Some(ai.to_owned());
        self
    }

    /// The application identifier whose value failed (`"17"` …), for AI errors.
    pub fn ai(&self) -> Option<&str> {
        self.ai.as_deref()
    }

    /// Adds a hint.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> ParseError {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint when there is one.
    pub(crate) fn with_hint_opt(self, hint: Option<String>) -> ParseError {
        match hint {
            Some(h) => self.with_hint(h),
            None => self,
        }
    }

    /// The input that failed, as sent (inputs over 128 characters are cut and end in `…`).
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The machine-readable reason.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// What is wrong, e.g. `check digit should be 2, found 7`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A likely fix, e.g. `did you mean 036000291452?`.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid GTIN {:?}: {}", self.input, self.message)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_the_input_and_gives_the_message() {
        let e = ParseError::new("0361", Reason::InvalidLength, "found 4 digits");
        assert_eq!(e.to_string(), r#"invalid GTIN "0361": found 4 digits"#);
        assert_eq!(e.reason().as_str(), "INVALID_LENGTH");
        assert_eq!(e.hint(), None);
    }

    #[test]
    fn a_huge_input_is_cut_in_the_error() {
        let long = "é".repeat(1000);
        let e = ParseError::new(&long, Reason::InvalidCharacters, "x");
        assert_eq!(e.input().chars().count(), MAX_INPUT_CHARS + 1);
        assert!(e.input().ends_with('…'));
    }

    #[test]
    fn every_reason_has_an_upper_snake_name() {
        let all = [
            Reason::Empty,
            Reason::InvalidCharacters,
            Reason::InvalidLength,
            Reason::InvalidCheckDigit,
            Reason::InvalidZero,
            Reason::UnsupportedSymbology,
            Reason::InvalidGs1ElementString,
            Reason::InvalidVariableMeasureCheckDigit,
            Reason::UnknownAi,
            Reason::InvalidAiValue,
            Reason::InvalidAiDate,
            Reason::InvalidBracketedAi,
            Reason::NotATradeItem,
        ];
        for r in all {
            assert!(
                r.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            );
        }
    }
}

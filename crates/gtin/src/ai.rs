//! GS1 application identifiers (GenSpecs §3, §7.8): the shape of one AI's value and
//! the checks a value must pass. The table itself is data, in `ai_table.rs`; this file
//! looks an AI up and validates a value against its row.
//!
//! Checks applied: the character set and length of every component, the GS1 mod-10
//! check digit (`csum`) and calendar dates (`yymmd0`, `yymmdd`). The dictionary's other
//! linters (ISO country and currency codes, GCP positions, …) are not: a till needs
//! the GTIN, dates, lot, serial, weight and price, and those are all checked.

use super::ai_table::AI_TABLE;
use super::byte_set::ByteSet;
use super::check_digit::is_valid_gs1;
use super::date::Date;

/// One row of the AI table.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AiEntry {
    /// The AI's digits, e.g. `"3103"`.
    pub(crate) ai: &'static str,
    /// GS1's short title, e.g. `"NET WEIGHT (kg)"`.
    pub(crate) title: &'static str,
    /// Predefined length (GenSpecs Figure 7.8.5-2): no FNC1 needed after the value.
    pub(crate) fixed: bool,
    /// A GS1 Digital Link may carry it as a query data attribute.
    pub(crate) dl_attribute: bool,
    /// A Digital Link primary key (`01`, `00`, `414` …).
    pub(crate) dl_primary_key: bool,
    /// The value's components, in order.
    pub(crate) components: &'static [Component],
}

/// One component of a value: `N6`, `X..20`, an optional `[N..2]` …
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Component {
    /// Allowed characters.
    pub(crate) cset: Cset,
    /// Fewest characters (equal to `max` for a fixed-length component).
    pub(crate) min: u8,
    /// Most characters.
    pub(crate) max: u8,
    /// May be left out (only at the end of a value).
    pub(crate) optional: bool,
    /// The check applied to the component's characters.
    pub(crate) check: Check,
}

/// GS1 character sets (GenSpecs §7.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cset {
    /// Digits.
    Numeric,
    /// GS1 AI encodable character set 82.
    Cset82,
    /// GS1 AI encodable character set 39.
    Cset39,
    /// The URI-safe base64 alphabet (GS1 character set 64).
    Cset64,
}

/// GS1 character set 82 (GS1 General Specifications, figure 7.11-1).
static CSET82: ByteSet = ByteSet::alphanumeric_and(b"!\"%&'()*+,-./:;<=>?_");

impl Cset {
    fn allows(self, c: u8) -> bool {
        match self {
            Cset::Numeric => c.is_ascii_digit(),
            Cset::Cset82 => CSET82.contains(c),
            Cset::Cset39 => {
                c.is_ascii_digit() || c.is_ascii_uppercase() || matches!(c, b'#' | b'-' | b'/')
            }
            Cset::Cset64 => c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'='),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Cset::Numeric => "digits",
            Cset::Cset82 => "GS1 character set 82",
            Cset::Cset39 => "GS1 character set 39",
            Cset::Cset64 => "GS1 character set 64",
        }
    }
}

/// The linter a component must pass besides its character set and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// None beyond characters and length.
    None,
    /// The GS1 mod-10 check digit.
    Csum,
    /// `YYMMDD` where day `00` means the last day of the month.
    YyMmD0,
    /// `YYMMDD`, a real calendar day.
    YyMmDd,
}

/// What is wrong with a value; `parse` turns it into a [`crate::ParseError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ValueFault {
    /// Wrong characters or length, or a check digit that does not match.
    Value(String),
    /// A date that is not a calendar date.
    Date(String),
}

/// The row of `ai`, if GS1 defines it.
pub(crate) fn lookup(ai: &str) -> Option<&'static AiEntry> {
    // Searched on packed keys in one contiguous array: a string comparison is a
    // `memcmp` call per probe, and a Digital Link costs several lookups (bench/JOURNAL.md).
    if ai.is_empty() || ai.len() > 4 {
        return None;
    }
    PACKED
        .binary_search(&packed(ai.as_bytes()))
        .ok()
        .and_then(|i| AI_TABLE.get(i))
}

/// Up to four bytes packed big-endian into a `u32`, zero-padded: for AI digits this
/// orders exactly as the strings do ("23" < "235" < "24").
const fn packed(b: &[u8]) -> u32 {
    let mut v = 0u32;
    let mut i = 0;
    while i < 4 {
        v <<= 8;
        if i < b.len() {
            v |= b[i] as u32;
        }
        i += 1;
    }
    v
}

/// The AIs of [`AI_TABLE`], packed, in the table's order (built at compile time).
static PACKED: [u32; AI_TABLE.len()] = {
    let mut out = [0u32; AI_TABLE.len()];
    let mut i = 0;
    while i < AI_TABLE.len() {
        out[i] = packed(AI_TABLE[i].ai.as_bytes());
        i += 1;
    }
    out
};

/// The AI at the start of `s` (GS1 AIs are prefix-free: at most one length matches).
pub(crate) fn lookup_prefix(s: &str) -> Option<&'static AiEntry> {
    (2..=4).find_map(|n| s.get(..n).and_then(lookup))
}

impl AiEntry {
    /// Length of the whole value when the AI has a predefined length.
    pub(crate) fn fixed_len(&self) -> Option<usize> {
        self.fixed
            .then(|| self.components.iter().map(|c| usize::from(c.max)).sum())
    }

    /// Longest value the AI allows.
    pub(crate) fn max_len(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.max)).sum()
    }

    /// Checks `value` against every component, in order.
    pub(crate) fn validate(&self, value: &str) -> Result<(), ValueFault> {
        let bytes = value.as_bytes();
        let mut at = 0;
        for (n, comp) in self.components.iter().enumerate() {
            let left = bytes.len() - at;
            if left == 0 && comp.optional {
                break;
            }
            let take = if comp.min == comp.max {
                usize::from(comp.min)
            } else {
                left.min(usize::from(comp.max))
            };
            let part = match bytes.get(at..at + take) {
                Some(part) if take >= usize::from(comp.min) && !part.is_empty() => part,
                _ => {
                    return Err(ValueFault::Value(format!(
                        "AI ({}) {} needs {} characters{}, found {}",
                        self.ai,
                        self.title,
                        self.length_text(),
                        if n > 0 { " in all" } else { "" },
                        bytes.len()
                    )));
                }
            };
            if let Some(pos) = part.iter().position(|&c| !comp.cset.allows(c)) {
                let shown = value
                    .get(at + pos..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('?');
                return Err(ValueFault::Value(format!(
                    "AI ({}) {}: {shown:?} at position {} is not allowed ({} only)",
                    self.ai,
                    self.title,
                    at + pos + 1,
                    comp.cset.name()
                )));
            }
            comp.check_part(self, part)?;
            at += take;
        }
        if at != bytes.len() {
            return Err(ValueFault::Value(format!(
                "AI ({}) {} takes at most {} characters, found {}",
                self.ai,
                self.title,
                self.max_len(),
                bytes.len()
            )));
        }
        Ok(())
    }

    fn length_text(&self) -> String {
        let min: usize = self
            .components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| usize::from(c.min))
            .sum();
        let max = self.max_len();
        if min == max {
            format!("exactly {max}")
        } else {
            format!("{min} to {max}")
        }
    }
}

impl Component {
    fn check_part(&self, entry: &AiEntry, part: &[u8]) -> Result<(), ValueFault> {
        match self.check {
            Check::None => Ok(()),
            Check::Csum if is_valid_gs1(part) => Ok(()),
            Check::Csum => Err(ValueFault::Value(format!(
                "AI ({}) {}: the check digit does not match",
                entry.ai, entry.title
            ))),
            Check::YyMmD0 | Check::YyMmDd => {
                let digits = std::str::from_utf8(part).unwrap_or_default();
                Date::from_yymmdd(digits, 2000, self.check == Check::YyMmD0)
                    .map(|_| ())
                    .map_err(|why| {
                        ValueFault::Date(format!("AI ({}) {}: {why}", entry.ai, entry.title))
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_prefix_free() {
        for pair in AI_TABLE.windows(2) {
            if let [a, b] = pair {
                assert!(a.ai < b.ai, "{} before {}", a.ai, b.ai);
                assert!(
                    packed(a.ai.as_bytes()) < packed(b.ai.as_bytes()),
                    "packed {} before {}",
                    a.ai,
                    b.ai
                );
                assert!(!b.ai.starts_with(a.ai), "{} is a prefix of {}", a.ai, b.ai);
            }
        }
    }

    #[test]
    fn rows_say_length_and_title() {
        let lot = lookup("10").expect("10");
        assert_eq!(
            (lot.title, lot.fixed, lot.max_len()),
            ("BATCH/LOT", false, 20)
        );
        let expiry = lookup("17").expect("17");
        assert_eq!(expiry.fixed_len(), Some(6));
        assert_eq!(lookup("3103").map(|e| e.title), Some("NET WEIGHT (kg)"));
        assert_eq!(lookup("3922").map(|e| e.title), Some("PRICE"));
        assert!(lookup("3106").is_none());
        assert!(lookup("").is_none() && lookup("31030").is_none() && lookup("1").is_none());
        for entry in AI_TABLE {
            assert_eq!(lookup(entry.ai), Some(entry), "{}", entry.ai);
        }
        assert_eq!(lookup_prefix("3103001500").map(|e| e.ai), Some("3103"));
        assert_eq!(lookup_prefix("2112345").map(|e| e.ai), Some("21"));
        assert!(lookup_prefix("2312").is_none());
    }

    #[test]
    fn values_are_checked_against_their_components() {
        let lot = lookup("10").expect("10");
        assert_eq!(lot.validate("LOT-42/a"), Ok(()));
        assert!(lot.validate("").is_err());
        assert!(lot.validate("LOT 42").is_err()); // a space is not in set 82
        assert!(lot.validate(&"A".repeat(21)).is_err());
        let sscc = lookup("00").expect("00");
        assert_eq!(sscc.validate("106141412345678908"), Ok(()));
        assert!(sscc.validate("106141412345678909").is_err());
        let expiry = lookup("17").expect("17");
        assert_eq!(expiry.validate("270100"), Ok(()));
        assert!(matches!(
            expiry.validate("271301"),
            Err(ValueFault::Date(_))
        ));
        // 8003 GRAI: N1 N13 with a check digit, then an optional serial.
        let grai = lookup("8003").expect("8003");
        assert_eq!(grai.validate("00614141000418"), Ok(()));
        assert_eq!(grai.validate("00614141000418ABC"), Ok(()));
        assert!(grai.validate("0061414100041").is_err());
    }
}

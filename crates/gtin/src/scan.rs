//! The whole scan: besides the GTIN, every application identifier a 2D code carries
//! (lot, serial, dates, net weight, price …), read from a GS1 element string (`]C1 ]e0
//! ]d2 ]Q3 ]J1`) or a GS1 Digital Link URI (path key qualifiers and query data
//! attributes; a compressed link as the uncompressed one it stands for), and checked
//! against the AI table.
//!
//! [`crate::analyze`] answers "which product?" and stays lenient about data it does
//! not need; [`scan`] answers "which product, and what does this pack say?" and is
//! strict: a malformed or unknown AI, a value of the wrong characters or length, a
//! date that does not exist, is a [`ParseError`] (reasons `UNKNOWN_AI`,
//! `INVALID_AI_VALUE`, `INVALID_AI_DATE`, `INVALID_GS1_ELEMENT_STRING`), never a field
//! left empty or read wrong.
//!
//! ```
//! let scan = gtin::scan("]d201095060001343521727013110LOT42", None)?;
//! assert_eq!(scan.parsed().gtin.gtin14(), "09506000134352");
//! assert_eq!(scan.lot(), Some("LOT42"));
//! assert_eq!(scan.expiry().map(|d| d.to_string()), Some("2027-01-31".to_owned()));
//!
//! let link = gtin::scan("https://brand.example/01/09506000134352/10/LOT42?17=270100", None)?;
//! assert_eq!(link.expiry(), scan.expiry()); // day 00: the last day of the month
//! # Ok::<(), gtin::ParseError>(())
//! ```

use super::ai::{self, AiEntry, Check, ValueFault};
use super::date::{Date, current_year};
use super::dl_compression::expand_digital_link;
use super::error::{ParseError, Reason};
use super::parse::analyze;
use super::parsed::{Parsed, Symbology};
use super::rcn::RcnRegion;

/// FNC1 as scanners transmit it between variable-length elements (ASCII 29, GS).
const GS: u8 = 0x1D;

/// The key qualifiers a Digital Link may put after `/01/{gtin}`, in their order.
const GTIN_QUALIFIERS: [&str; 4] = ["22", "10", "21", "235"];

/// One application identifier and its value, as carried by the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    entry: &'static AiEntry,
    value: String,
    date: Option<Date>,
}

impl Element {
    /// The AI's digits, e.g. `"17"`.
    pub fn ai(&self) -> &'static str {
        self.entry.ai
    }

    /// GS1's short title of the AI, e.g. `"USE BY or EXPIRY"`.
    pub fn title(&self) -> &'static str {
        self.entry.title
    }

    /// The value as carried (percent-decoded for a Digital Link).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The date, for a date AI (11, 13, 15, 16, 17 …).
    pub fn date(&self) -> Option<Date> {
        self.date
    }
}

/// What a whole scan says: the identity ([`Parsed`]) and the AIs it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    parsed: Parsed,
    elements: Vec<Element>,
}

impl Scan {
    /// The identity: GTIN, kind, warnings, symbology.
    pub fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// Gives the identity back.
    pub fn into_parsed(self) -> Parsed {
        self.parsed
    }

    /// Every AI carried, in the order of the code (AI 01 included); empty for a code
    /// that is not an element string or a Digital Link.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// True when the code carried more than the GTIN.
    pub fn carries_data(&self) -> bool {
        self.elements.iter().any(|e| e.ai() != "01")
    }

    /// The value of `ai`, if carried.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.element(ai).map(Element::value)
    }

    fn element(&self, ai: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.ai() == ai)
    }

    fn date_of(&self, ai: &str) -> Option<Date> {
        self.element(ai).and_then(Element::date)
    }

    /// AI (10): batch or lot number.
    pub fn lot(&self) -> Option<&str> {
        self.get("10")
    }

    /// AI (21): serial number.
    pub fn serial(&self) -> Option<&str> {
        self.get("21")
    }

    /// AI (17): expiration ("use by") date.
    pub fn expiry(&self) -> Option<Date> {
        self.date_of("17")
    }

    /// AI (15): best before date.
    pub fn best_before(&self) -> Option<Date> {
        self.date_of("15")
    }

    /// AI (16): sell by date.
    pub fn sell_by(&self) -> Option<Date> {
        self.date_of("16")
    }

    /// AI (11): production date.
    pub fn production(&self) -> Option<Date> {
        self.date_of("11")
    }

    /// AI (13): packaging date.
    pub fn packaging(&self) -> Option<Date> {
        self.date_of("13")
    }

    /// AI (3100)-(3105): net weight in kilograms, a decimal string (`"1.500"`); the
    /// last AI digit is the number of decimals.
    pub fn net_weight_kg(&self) -> Option<String> {
        self.decimal_with_prefix("310")
    }

    /// AI (3920)-(3929): the price to pay, in the local currency, a decimal string.
    pub fn price(&self) -> Option<String> {
        self.decimal_with_prefix("392")
    }

    fn decimal_with_prefix(&self, prefix: &str) -> Option<String> {
        self.elements.iter().find_map(|e| {
            let decimals = e.ai().strip_prefix(prefix)?.parse::<usize>().ok()?;
            Some(decimal(&e.value, decimals))
        })
    }

    /// The Digital Link URI of this scan under `root` (e.g. `https://id.gs1.org`): the
    /// GTIN, its key qualifiers in GS1's order in the path, every other AI as a query
    /// data attribute, values percent-encoded. `None` without a GTIN element.
    pub fn digital_link(&self, root: &str) -> Option<String> {
        let gtin = self.get("01")?;
        let mut uri = format!("{}/01/{gtin}", root.trim_end_matches('/'));
        for q in GTIN_QUALIFIERS {
            if let Some(v) = self.get(q) {
                uri.push('/');
                uri.push_str(q);
                uri.push('/');
                uri.push_str(&percent_encode(v));
            }
        }
        let mut sep = '?';
        for e in &self.elements {
            if e.ai() == "01" || GTIN_QUALIFIERS.contains(&e.ai()) {
                continue;
            }
            uri.push(sep);
            uri.push_str(e.ai());
            uri.push('=');
            uri.push_str(&percent_encode(&e.value));
            sep = '&';
        }
        Some(uri)
    }
}

/// `digits` with `decimals` implied decimals as a decimal string: `("001500", 3)` →
/// `"1.500"`, `("5", 2)` → `"0.05"`.
fn decimal(digits: &str, decimals: usize) -> String {
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let split = padded.len() - decimals;
    let (int, frac) = padded.split_at(split);
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if decimals == 0 {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

/// Parses a whole scan: the identity as [`crate::analyze`] reads it, and every AI the
/// code carries, each checked against the AI table. Dates are read with the century
/// rule of the current year (UTC).
///
/// # Errors
/// Every error of [`crate::analyze`], and `UNKNOWN_AI`, `INVALID_AI_VALUE`,
/// `INVALID_AI_DATE` or `INVALID_GS1_ELEMENT_STRING` for AI data that is not GS1's.
pub fn scan(input: &str, region: Option<RcnRegion>) -> Result<Scan, ParseError> {
    scan_with(input, region, current_year)
}

/// [`scan`], reading two-digit years as in `this_year` (GS1 century rule).
///
/// # Errors
/// As [`scan`].
pub fn scan_in_year(
    input: &str,
    region: Option<RcnRegion>,
    this_year: u16,
) -> Result<Scan, ParseError> {
    scan_with(input, region, || this_year)
}

/// The clock is read only for a code that carries AI data: a plain number (the
/// common path) costs one `analyze` and nothing more.
fn scan_with(
    input: &str,
    region: Option<RcnRegion>,
    this_year: impl FnOnce() -> u16,
) -> Result<Scan, ParseError> {
    let parsed = analyze(input, region)?;
    let carries_ais = matches!(
        parsed.symbology,
        Some(
            Symbology::DigitalLink
                | Symbology::Gs1_128
                | Symbology::Gs1DataBar
                | Symbology::Gs1DataMatrix
                | Symbology::Gs1QrCode
                | Symbology::Gs1DotCode
        )
    );
    if !carries_ais {
        return Ok(Scan {
            parsed,
            elements: Vec::new(),
        });
    }
    let this_year = this_year();
    let trimmed = input.trim();
    let payload = match trimmed.get(..1) {
        Some("]") => trimmed.get(3..).unwrap_or_default(),
        _ => trimmed,
    };
    // A compressed Digital Link is read as the uncompressed link it stands for
    // (`analyze` has already expanded it once, so this cannot fail here).
    let expanded = match parsed.symbology {
        Some(Symbology::DigitalLink) => expand_digital_link(payload).ok().flatten(),
        _ => None,
    };
    let payload = expanded.as_deref().unwrap_or(payload);
    let reader = Reader { input, this_year };
    let elements = match parsed.symbology {
        Some(Symbology::DigitalLink) => reader.digital_link(payload, &parsed)?,
        Some(
            Symbology::Gs1_128
            | Symbology::Gs1DataBar
            | Symbology::Gs1DataMatrix
            | Symbology::Gs1QrCode
            | Symbology::Gs1DotCode,
        ) => reader.element_string(payload)?,
        _ => Vec::new(),
    };
    Ok(Scan { parsed, elements })
}

/// Reads AI data out of one input (kept for error messages and the century rule).
struct Reader<'a> {
    input: &'a str,
    this_year: u16,
}

impl Reader<'_> {
    fn error(&self, reason: Reason, ai: Option<&str>, message: impl Into<String>) -> ParseError {
        let error = ParseError::new(self.input, reason, message);
        match ai {
            Some(ai) => error.with_ai(ai),
            None => error,
        }
    }

    /// A checked element, or the typed error of its value.
    fn element(&self, entry: &'static AiEntry, value: &str) -> Result<Element, ParseError> {
        entry.validate(value).map_err(|fault| match fault {
            ValueFault::Value(m) => self.error(Reason::InvalidAiValue, Some(entry.ai), m),
            ValueFault::Date(m) => self.error(Reason::InvalidAiDate, Some(entry.ai), m),
        })?;
        let date = match entry.components {
            [only] if matches!(only.check, Check::YyMmD0 | Check::YyMmDd) => {
                let zero = only.check == Check::YyMmD0;
                let date = Date::from_yymmdd(value, self.this_year, zero).map_err(|m| {
                    self.error(
                        Reason::InvalidAiDate,
                        Some(entry.ai),
                        format!("AI ({}) {}: {m}", entry.ai, entry.title),
                    )
                })?;
                Some(date)
            }
            _ => None,
        };
        Ok(Element {
            entry,
            value: value.to_owned(),
            date,
        })
    }

    /// Adds `element`, refusing the same AI twice with different values (GenSpecs
    /// §4.14: identical duplicates are allowed, and kept once).
    fn push(&self, elements: &mut Vec<Element>, element: Element) -> Result<(), ParseError> {
        match elements.iter().find(|e| e.ai() == element.ai()) {
            Some(e) if e.value == element.value => Ok(()),
            Some(e) => Err(self.error(
                Reason::InvalidGs1ElementString,
                Some(element.ai()),
                format!(
                    "AI ({}) appears twice with different values ({:?} and {:?})",
                    e.ai(),
                    e.value,
                    element.value
                ),
            )),
            None => {
                elements.push(element);
                Ok(())
            }
        }
    }

    /// A GS1 element string: AIs with predefined length end by their length, the
    /// others at a GS (FNC1) or the end.
    fn element_string(&self, s: &str) -> Result<Vec<Element>, ParseError> {
        let b = s.as_bytes();
        let mut elements = Vec::new();
        let mut i = 0;
        loop {
            while b.get(i) == Some(&GS) {
                i += 1;
            }
            let Some(rest) = s.get(i..).filter(|r| !r.is_empty()) else {
                return Ok(elements);
            };
            let Some(entry) = ai::lookup_prefix(rest) else {
                let shown: String = rest.chars().take(4).collect();
                let (reason, message) = if rest.bytes().take(2).all(|c| c.is_ascii_digit()) {
                    (
                        Reason::UnknownAi,
                        format!(
                            "no GS1 application identifier starts {shown:?} at byte {}",
                            i + 1
                        ),
                    )
                } else {
                    (
                        Reason::InvalidGs1ElementString,
                        format!(
                            "expected an application identifier at byte {}, found {shown:?}",
                            i + 1
                        ),
                    )
                };
                return Err(self.error(reason, None, message));
            };
            let start = i + entry.ai.len();
            let end = match entry.fixed_len() {
                Some(n) => (start + n).min(b.len()),
                None => b
                    .get(start..)
                    .and_then(|r| r.iter().position(|&c| c == GS))
                    .map_or(b.len(), |p| start + p),
            };
            let value = s.get(start..end).ok_or_else(|| {
                self.error(
                    Reason::InvalidGs1ElementString,
                    Some(entry.ai),
                    "the element string is not ASCII",
                )
            })?;
            if entry.fixed_len().is_none() && value.len() > entry.max_len() {
                return Err(self.error(
                    Reason::InvalidAiValue,
                    Some(entry.ai),
                    format!(
                        "AI ({}) {} takes at most {} characters, found {} (a missing GS after it?)",
                        entry.ai,
                        entry.title,
                        entry.max_len(),
                        value.len()
                    ),
                ));
            }
            let element = self.element(entry, value)?;
            self.push(&mut elements, element)?;
            i = end;
        }
    }

    /// A Digital Link URI: `/01/{gtin}` and its key qualifiers in the path, data
    /// attributes (numeric keys) in the query; other query keys (`linkType` …) are the
    /// resolver's and are skipped. The structure was already checked by `analyze`.
    fn digital_link(&self, uri: &str, parsed: &Parsed) -> Result<Vec<Element>, ParseError> {
        let after_scheme = uri.split_once("://").map_or(uri, |(_, r)| r);
        let no_fragment = after_scheme.split('#').next().unwrap_or_default();
        let (hier, query) = no_fragment.split_once('?').unwrap_or((no_fragment, ""));
        let path = hier
            .find('/')
            .and_then(|i| hier.get(i..))
            .unwrap_or_default();
        let mut segments = path.split('/').skip(1).skip_while(|s| *s != "01").skip(2);
        let mut elements = Vec::new();
        let gtin = ai::lookup("01").ok_or_else(|| self.internal())?;
        self.push(&mut elements, self.element(gtin, parsed.gtin.gtin14())?)?;
        while let Some(key) = segments.next() {
            let Some(value) = segments.next() else { break };
            let entry = ai::lookup(key).ok_or_else(|| self.internal())?;
            let value = self.decode(key, value)?;
            self.push(&mut elements, self.element(entry, &value)?)?;
        }
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if key.is_empty() || !key.bytes().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let Some(entry) = ai::lookup(key) else {
                return Err(self.error(
                    Reason::UnknownAi,
                    None,
                    format!("query key {key:?} is not a GS1 application identifier"),
                ));
            };
            if !entry.dl_attribute || GTIN_QUALIFIERS.contains(&key) || entry.dl_primary_key {
                return Err(self.error(
                    Reason::InvalidGs1ElementString,
                    Some(entry.ai),
                    format!(
                        "AI ({key}) {} cannot be a Digital Link data attribute",
                        entry.title
                    ),
                ));
            }
            let value = self.decode(key, value)?;
            self.push(&mut elements, self.element(entry, &value)?)?;
        }
        Ok(elements)
    }

    fn decode(&self, ai: &str, value: &str) -> Result<String, ParseError> {
        percent_decode(value).ok_or_else(|| {
            self.error(
                Reason::InvalidAiValue,
                Some(ai),
                format!("AI ({ai}): {value:?} is not a valid percent-encoded value"),
            )
        })
    }

    #[cold]
    fn internal(&self) -> ParseError {
        self.error(
            Reason::InvalidGs1ElementString,
            None,
            "the Digital Link path is not GS1's",
        )
    }
}

/// Decodes `%XX` escapes; `None` for a broken escape or bytes that are not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(c));
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_placed_by_the_last_ai_digit() {
        assert_eq!(decimal("001500", 3), "1.500");
        assert_eq!(decimal("001500", 0), "1500");
        assert_eq!(decimal("5", 2), "0.05");
        assert_eq!(decimal("000000", 5), "0.00000");
        assert_eq!(decimal("1234", 2), "12.34");
    }

    #[test]
    fn percent_coding_round_trips() {
        assert_eq!(percent_decode("A%2FB"), Some("A/B".to_owned()));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_encode("A/B C"), "A%2FB%20C");
        let s = "!\"%&'()*+,-./:;<=>?_";
        assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
    }
}

//! The whole scan: besides the GTIN, every application identifier a 2D code carries
//! (lot, serial, dates, net weight, price …), read from a GS1 element string (`]C1 ]e0
//! ]d2 ]Q3 ]J1`), GS1's bracketed AI syntax or a GS1 Digital Link URI (path key
//! qualifiers and query data attributes; a compressed link as the uncompressed one it
//! stands for), and checked against the AI table. [`read`] also reads codes whose
//! primary key is not a GTIN (an SSCC, a GLN …) as a [`KeyScan`]: described in full,
//! and not a trade item.
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

use std::borrow::Cow;

use super::ai::{self, AiEntry, Check, ValueFault};
use super::bracketed;
use super::date::{Date, current_year};
use super::digital_link::{self, Link};
use super::dl_compression::expand_digital_link;
use super::error::{ParseError, Reason};
use super::key;
use super::parse::analyze_keeping_link;
use super::parsed::{Parsed, Symbology};
use super::percent::percent_encode;
use super::rcn::RcnRegion;

/// FNC1 as scanners transmit it between variable-length elements (ASCII 29, GS).
const GS: u8 = 0x1D;

/// The key qualifier sequences a Digital Link may put after `/01/{gtin}` (one of
/// them per path, `dlpkey=22,10,21|235`), each in its order.
const GTIN_QUALIFIERS: [&[&str]; 2] = [&["22", "10", "21"], &["235"]];

/// The part an AI plays in a code (GS1 Digital Link standard §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// What the code identifies: the GTIN (01), an SSCC (00), a GLN (414) ….
    PrimaryKey,
    /// Narrows the key down: a GTIN's variant, lot, serial (22, 10, 21) or TPX (235),
    /// a GLN's extension (254) ….
    KeyQualifier,
    /// Anything else the code says about it: dates, weights, prices ….
    DataAttribute,
}

impl Role {
    /// The stable upper-snake name (`"PRIMARY_KEY"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PrimaryKey => "PRIMARY_KEY",
            Role::KeyQualifier => "KEY_QUALIFIER",
            Role::DataAttribute => "DATA_ATTRIBUTE",
        }
    }
}

/// One application identifier and its value, as carried by the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    entry: &'static AiEntry,
    value: String,
    date: Option<Date>,
    role: Role,
}

impl Element {
    /// The part the AI plays in the code.
    pub fn role(&self) -> Role {
        self.role
    }

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
    /// GTIN, its key qualifiers in GS1's order in the path (one sequence: `22, 10,
    /// 21`, or `235` when the scan carries a TPX), every other AI as a query data
    /// attribute, values percent-encoded. `None` without a GTIN element.
    pub fn digital_link(&self, root: &str) -> Option<String> {
        let gtin = self.get("01")?;
        let mut uri = format!("{}/01/{gtin}", root.trim_end_matches('/'));
        // TPX (235) is never a data attribute, so a scan that carries it takes the
        // `235` sequence; its lot, if any, then goes in the query.
        let [gtin_sequence, tpx_sequence] = GTIN_QUALIFIERS;
        let path: &[&str] = if self.get("235").is_some() {
            tpx_sequence
        } else {
            gtin_sequence
        };
        for &q in path {
            if let Some(v) = self.get(q) {
                uri.push('/');
                uri.push_str(q);
                uri.push('/');
                uri.push_str(&percent_encode(v));
            }
        }
        let mut sep = '?';
        for e in &self.elements {
            if e.ai() == "01" || path.contains(&e.ai()) {
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

/// A code whose primary key is not a GTIN (an SSCC, a GLN, a GRAI …), read in full.
/// It names no trade item: a product lookup answers [`KeyScan::error`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyScan {
    symbology: Option<Symbology>,
    key: Element,
    elements: Vec<Element>,
    error: ParseError,
}

impl KeyScan {
    /// The primary key (always present).
    pub fn key(&self) -> &Element {
        &self.key
    }

    /// GS1's full name of the key (`"Serial Shipping Container Code (SSCC)"`).
    pub fn key_name(&self) -> &'static str {
        key::name(self.key().ai()).unwrap_or(self.key().title())
    }

    /// What the key identifies, in words (`"a logistic unit"`).
    pub fn identifies(&self) -> &'static str {
        key::identifies(self.key().ai()).unwrap_or("something other than a trade item")
    }

    /// Every AI carried, in the order of the code, the key included.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The payload format the code came through.
    pub fn symbology(&self) -> Option<Symbology> {
        self.symbology
    }

    /// The `NOT_A_TRADE_ITEM` error a product lookup of this code answers.
    pub fn error(&self) -> &ParseError {
        &self.error
    }
}

/// What a code names: a GTIN (a trade item, or a coupon …) or another GS1 key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// A GTIN and what the code carried with it.
    Gtin(Scan),
    /// Another primary key: described, but not a trade item.
    OtherKey(KeyScan),
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

/// Reads a whole code whatever its primary key: a GTIN as a [`Scan`] (as [`scan`]
/// reads it), any other GS1 key (SSCC, GLN, GRAI …) as a [`KeyScan`] with every AI it
/// carries, each checked against the AI table.
///
/// # Errors
/// As [`scan`], except that a valid non-GTIN key is a [`Reading::OtherKey`], not a
/// `NOT_A_TRADE_ITEM` error.
pub fn read(input: &str, region: Option<RcnRegion>) -> Result<Reading, ParseError> {
    read_with(input, region, current_year)
}

/// [`read`], reading two-digit years as in `this_year` (GS1 century rule).
///
/// # Errors
/// As [`read`].
pub fn read_in_year(
    input: &str,
    region: Option<RcnRegion>,
    this_year: u16,
) -> Result<Reading, ParseError> {
    read_with(input, region, || this_year)
}

fn read_with(
    input: &str,
    region: Option<RcnRegion>,
    this_year: impl Fn() -> u16 + Copy,
) -> Result<Reading, ParseError> {
    match scan_with(input, region, this_year) {
        Ok(scan) => Ok(Reading::Gtin(scan)),
        Err(error) if error.reason() == Reason::NotATradeItem => {
            other_key(input, error, this_year()).map(Reading::OtherKey)
        }
        Err(error) => Err(error),
    }
}

/// The AI data of a code that `analyze` found to hold another key than a GTIN.
#[cold]
fn other_key(input: &str, error: ParseError, this_year: u16) -> Result<KeyScan, ParseError> {
    let reader = Reader { input, this_year };
    let (symbology, elements) = match payload(input.trim()) {
        Some((symbology, Data::Link(uri))) => (symbology, reader.digital_link(&uri, None)?),
        Some((symbology, Data::Elements(data))) => (symbology, reader.element_string(&data)?),
        None => return Err(error),
    };
    let Some(key) = elements
        .iter()
        .find(|e| e.role == Role::PrimaryKey)
        .cloned()
    else {
        return Err(error);
    };
    Ok(KeyScan {
        symbology: Some(symbology),
        key,
        elements,
        error,
    })
}

/// Where a code's AI data is, by how it is written.
enum Data<'a> {
    /// A Digital Link URI (a compressed one expanded to the link it stands for).
    Link(Cow<'a, str>),
    /// An element string (borrowed, or built from the bracketed syntax).
    Elements(Cow<'a, str>),
}

/// A Digital Link URI as read: a compressed link is read as the uncompressed link it
/// stands for (`analyze` has already expanded it once, so a failure here is a link
/// that was not compressed, read as it is).
fn link(uri: &str) -> Data<'_> {
    match expand_digital_link(uri) {
        Ok(Some(full)) => Data::Link(Cow::Owned(full)),
        _ => Data::Link(Cow::Borrowed(uri)),
    }
}

/// The AI data of a trimmed input and the format it came through; `None` for a code
/// that carries no AI data (plain digits, `]E0` …).
fn payload(trimmed: &str) -> Option<(Symbology, Data<'_>)> {
    if let Some(id) = trimmed.get(..3).filter(|id| id.starts_with(']')) {
        let rest = trimmed.get(3..).unwrap_or_default();
        let (symbology, _) = crate::symbology::identify(id)?;
        if digital_link::is_uri(rest) {
            return Some((Symbology::DigitalLink, link(rest)));
        }
        return matches!(
            symbology,
            Symbology::Gs1_128
                | Symbology::Gs1DataBar
                | Symbology::Gs1DataMatrix
                | Symbology::Gs1QrCode
                | Symbology::Gs1DotCode
        )
        .then_some((symbology, Data::Elements(Cow::Borrowed(rest))));
    }
    if digital_link::is_uri(trimmed) {
        return Some((Symbology::DigitalLink, link(trimmed)));
    }
    if bracketed::is_bracketed(trimmed) {
        let data = bracketed::to_element_string(trimmed).ok()?;
        return Some((Symbology::BracketedAi, Data::Elements(Cow::Owned(data))));
    }
    None
}

/// Whether a code that came through `symbology` carries AI data beside its key.
fn carries_ais(symbology: Option<Symbology>) -> bool {
    matches!(
        symbology,
        Some(
            Symbology::DigitalLink
                | Symbology::Gs1_128
                | Symbology::Gs1DataBar
                | Symbology::Gs1DataMatrix
                | Symbology::Gs1QrCode
                | Symbology::Gs1DotCode
                | Symbology::BracketedAi
        )
    )
}

/// The clock is read only for a code that carries AI data: a plain number (the
/// common path) costs one `analyze` and nothing more.
pub(crate) fn scan_with(
    input: &str,
    region: Option<RcnRegion>,
    this_year: impl Fn() -> u16 + Copy,
) -> Result<Scan, ParseError> {
    let mut link = None;
    let parsed = analyze_keeping_link(input, region, Some(&mut link))?;
    if !carries_ais(parsed.symbology) {
        return Ok(Scan {
            parsed,
            elements: Vec::new(),
        });
    }
    let reader = Reader {
        input,
        this_year: this_year(),
    };
    // The link `analyze` read is the one `payload` would find: a path that reads
    // uncompressed to a GTIN ends in AI/value pairs after its key, which
    // `expand_digital_link` declines (the property `a_link_read_once_scans_as_one_read_twice`
    // holds the two ways to each other).
    if let Some(link) = link {
        let elements = reader.link_elements(&link, Some(&parsed))?;
        return Ok(Scan { parsed, elements });
    }
    let elements = match payload(input.trim()) {
        Some((_, Data::Link(uri))) => reader.digital_link(&uri, Some(&parsed))?,
        Some((_, Data::Elements(data))) => reader.element_string(&data)?,
        None => Vec::new(),
    };
    Ok(Scan { parsed, elements })
}

/// `scan_with` as it was before `analyze` handed over the link it read: the URI
/// parsed a second time. Kept as the oracle of the property that both agree on every
/// input (`tests/properties.rs`).
#[cfg(test)]
pub(crate) fn scan_parsing_twice(input: &str, this_year: u16) -> Result<Scan, ParseError> {
    let parsed = crate::analyze(input, None)?;
    if !carries_ais(parsed.symbology) {
        return Ok(Scan {
            parsed,
            elements: Vec::new(),
        });
    }
    let reader = Reader { input, this_year };
    let elements = match payload(input.trim()) {
        Some((_, Data::Link(uri))) => reader.digital_link(&uri, Some(&parsed))?,
        Some((_, Data::Elements(data))) => reader.element_string(&data)?,
        None => Vec::new(),
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
    fn element(
        &self,
        entry: &'static AiEntry,
        value: &str,
        role: Role,
    ) -> Result<Element, ParseError> {
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
            role,
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
                Self::assign_roles(&mut elements);
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
            let element = self.element(entry, value, Role::DataAttribute)?;
            self.push(&mut elements, element)?;
            i = end;
        }
    }

    /// Marks the key of an element string (AI (01) wherever it stands, else the first
    /// other primary key) and the AIs that qualify it.
    fn assign_roles(elements: &mut [Element]) {
        let key = elements
            .iter()
            .position(|e| e.ai() == "01")
            .or_else(|| elements.iter().position(|e| key::is_primary_key(e.ai())));
        let Some(key_ai) = key.and_then(|at| elements.get(at)).map(Element::ai) else {
            return;
        };
        for (at, element) in elements.iter_mut().enumerate() {
            if Some(at) == key {
                element.role = Role::PrimaryKey;
            } else if key::is_qualifier_of(key_ai, element.ai()) {
                element.role = Role::KeyQualifier;
            }
        }
    }

    /// A Digital Link URI: the key and its qualifiers in the path, data attributes
    /// (numeric keys) in the query; other query keys (`linkType` …) are the
    /// resolver's and are skipped. The grammar is `digital_link`'s; here each value is
    /// checked. A GTIN key is written as `parsed` has it (14 digits).
    fn digital_link(&self, uri: &str, parsed: Option<&Parsed>) -> Result<Vec<Element>, ParseError> {
        let link = digital_link::parse(uri).map_err(|fault| {
            let error = ParseError::new(self.input, fault.reason, fault.message);
            match fault.ai {
                Some(ai) => error.with_ai(ai),
                None => error,
            }
        })?;
        self.link_elements(&link, parsed)
    }

    /// The checked elements of a link read already.
    fn link_elements(
        &self,
        link: &Link<'_>,
        parsed: Option<&Parsed>,
    ) -> Result<Vec<Element>, ParseError> {
        let key_value = match parsed {
            Some(parsed) if link.key.entry.ai == "01" => parsed.gtin.gtin14(),
            _ => link.key.value.as_ref(),
        };
        let mut elements = vec![self.element(link.key.entry, key_value, Role::PrimaryKey)?];
        for pair in &link.qualifiers {
            let element = self.element(pair.entry, &pair.value, Role::KeyQualifier)?;
            self.push(&mut elements, element)?;
        }
        for pair in &link.attributes {
            let element = self.element(pair.entry, &pair.value, Role::DataAttribute)?;
            self.push(&mut elements, element)?;
        }
        Ok(elements)
    }
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
}

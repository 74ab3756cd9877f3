//! The parser: what a client sends → one [`Gtin`] plus facts (docs/gtin-rules.md R1-R10, §3).
//!
//! Each rule of the spec is one step here, applied in the spec's order: trim (R1),
//! symbology identifier or Digital Link URI (R2), separators and characters (R3, R4),
//! length dispatch (R5) to eight digits (R6), GTIN (R7) or ISBN-10 (R8), then
//! classification (R10) and, with a region, RCN decoding (§3). The helpers it calls
//! each own one format; this file owns the order and the error messages.
//!
//! Plain digits (the common path) allocate nothing: they are checked in place (see
//! `Gtin::from_short_ascii`) or in a stack buffer, and `Parsed::warnings` stays an
//! empty `Vec`.

use super::ai::{AiEntry, ValueFault};
use super::bracketed;
use super::check_digit::{gs1_check_digit, is_valid_gs1};
use super::classify::{classify, prefix_note};
use super::digital_link::{self, Link};
use super::digits::{self, Digits};
use super::dl_compression::expand_digital_link;
use super::element_string::{self, Key};
use super::error::{ParseError, Reason};
use super::identity::{DigitsError, Gtin};
use super::isbn;
use super::key;
use super::parsed::{Kind, Parsed, Symbology, Warning};
use super::rcn::{self, RcnRegion, VariableMeasure};
use super::symbology::{self, Payload};
use super::upc_e;

/// Parses what a client sent into its canonical GTIN (no RCN region).
///
/// # Errors
/// A [`ParseError`] whose [`Reason`] says why the input is not a GTIN.
///
/// ```
/// use gtin::parse;
/// assert_eq!(parse("04252614")?.gtin14(), "00042100005264"); // UPC-E
/// # Ok::<(), gtin::ParseError>(())
/// ```
pub fn parse(input: &str) -> Result<Gtin, ParseError> {
    analyze(input, None).map(|p| p.gtin)
}

/// Parses and classifies what a client sent; with a `region`, also decodes the price,
/// weight or count of a variable-measure RCN (spec §3).
///
/// # Errors
/// A [`ParseError`] whose [`Reason`] says why the input is not a GTIN.
pub fn analyze(input: &str, region: Option<RcnRegion>) -> Result<Parsed, ParseError> {
    analyze_keeping_link(input, region, None)
}

/// [`analyze`], leaving in `link` the Digital Link it read when the input is an
/// uncompressed one, so that `scan` reads its AIs without parsing the URI again
/// (a compressed link is expanded into a local string and is not kept).
pub(crate) fn analyze_keeping_link<'a>(
    input: &'a str,
    region: Option<RcnRegion>,
    link: Option<&mut Option<Link<'a>>>,
) -> Result<Parsed, ParseError> {
    let cx = Cx {
        input,
        region,
        symbology: None,
        warnings: Vec::new(),
        keep_link: link,
    };
    // The common path: 12-14 bare ASCII digits need no trimming, cleaning or dispatch.
    // `from_short_ascii` checks digits, zero and check digit in one pass; anything that
    // is not all digits takes the general path, which explains what is wrong.
    match Gtin::from_short_ascii(input.as_bytes()) {
        Some(Ok(g)) => cx.finish(g, classify(&g)),
        Some(Err(e)) => Err(cx.digits_error(e)),
        None => cx.general(),
    }
}

/// The state of one parse: the input (for errors) and what the result will carry.
struct Cx<'a, 'k> {
    /// The caller's input, untrimmed: errors quote it and count positions in it.
    input: &'a str,
    /// The configured RCN region, if any.
    region: Option<RcnRegion>,
    /// The symbology the payload came through.
    symbology: Option<Symbology>,
    /// Warnings so far (no allocation until the first one).
    warnings: Vec<Warning>,
    /// Where to leave an uncompressed Digital Link once read (see `analyze_keeping_link`).
    keep_link: Option<&'k mut Option<Link<'a>>>,
}

impl<'a> Cx<'a, '_> {
    /// Everything but the common path (kept out of line so `analyze` stays small).
    #[inline(never)]
    fn general(self) -> Result<Parsed, ParseError> {
        let input = self.input;
        let cx = self;
        let bytes = input.as_bytes();
        if bytes.len() == 8 && bytes.iter().all(u8::is_ascii_digit) {
            return cx.eight(bytes, false);
        }
        // R1: Rust's trim (Unicode White_Space), so a leading GS (0x1D) stays and is rejected.
        let trimmed = input.trim();
        let lead = input.len() - input.trim_start().len();
        if trimmed.is_empty() {
            let message = if input.is_empty() {
                "the input is empty"
            } else {
                "the input is only white space"
            };
            return Err(cx.error(Reason::Empty, message));
        }
        if trimmed.starts_with(']') {
            return cx.symbology(trimmed, lead);
        }
        if digital_link::is_uri(trimmed) {
            return cx.digital_link(trimmed);
        }
        if bracketed::is_bracketed(trimmed) {
            return cx.bracketed(trimmed);
        }
        cx.plain(trimmed, lead)
    }
}

impl<'a> Cx<'a, '_> {
    fn error(&self, reason: Reason, message: impl Into<String>) -> ParseError {
        ParseError::new(self.input, reason, message)
    }

    /// The error of a Digital Link the grammar refuses, naming its AI when it has one.
    fn link_fault(&self, fault: digital_link::Fault) -> ParseError {
        let error = self.error(fault.reason, fault.message);
        match fault.ai {
            Some(ai) => error.with_ai(ai),
            None => error,
        }
    }

    /// Characters before a byte offset of the input, to turn slice positions into
    /// positions the client can count in what it sent.
    fn chars_before(&self, byte_offset: usize) -> usize {
        self.input
            .get(..byte_offset)
            .map_or(0, |s| s.chars().count())
    }

    /// R3: separators and characters of the slice starting at `offset` bytes.
    fn clean(&self, s: &str, offset: usize) -> Result<Digits, ParseError> {
        digits::clean(s).map_err(|e| {
            let message = digits::describe(e, self.chars_before(offset));
            self.error(Reason::InvalidCharacters, message)
        })
    }

    /// R4: an `X` is only allowed as the check character of a 10-character ISBN, and
    /// only without a symbology identifier (`isbn_allowed`).
    fn reject_x(&self, d: &Digits, offset: usize, isbn_allowed: bool) -> Result<(), ParseError> {
        if !d.has_x() || (isbn_allowed && d.is_isbn10_shape()) {
            return Ok(());
        }
        let pos = d.first_x().map_or(0, |(_, p)| p) + self.chars_before(offset);
        let hint = isbn::issn_ean(d.as_slice()).map(|ean| {
            format!(
                "this looks like an ISSN, which names a serial title, not a product; \
                 the barcode of an issue is {ean} (issue variant 00)"
            )
        });
        Err(self
            .error(
                Reason::InvalidCharacters,
                format!(
                    "character 'X' at position {pos} is not a digit; X is only valid as the \
                     check character of a 10-digit ISBN"
                ),
            )
            .with_hint_opt(hint))
    }

    /// Plain input (no identifier): R3-R5.
    fn plain(self, s: &str, offset: usize) -> Result<Parsed, ParseError> {
        let d = self.clean(s, offset)?;
        self.reject_x(&d, offset, true)?;
        let digits = d.as_slice();
        match d.len() {
            8 => self.eight(digits, false),
            10 => self.isbn10(digits),
            12..=14 => self.gtin(digits),
            n => Err(self.length_error(digits, n)),
        }
    }

    /// R5: a digit count no rule accepts, with a hint when a likely fix exists.
    fn length_error(&self, digits: &[u8], n: usize) -> ParseError {
        let plural = if n == 1 { "" } else { "s" };
        let hint = match n {
            11 => hint_lost_leading_zero(digits),
            6 | 7 => hint_short_upc_e(digits),
            9 => hint_sbn(digits),
            15 | 18 => hint_add_on(digits),
            _ => None,
        };
        self.error(
            Reason::InvalidLength,
            format!(
                "expected 8, 12, 13 or 14 digits, or a 10-character ISBN; found {n} digit{plural}"
            ),
        )
        .with_hint_opt(hint)
    }

    /// R6: eight digits. UPC-E first for a leading 0, GTIN-8 first for a leading 1
    /// (number-system-1 UPC-E with a warning), GTIN-8 only otherwise or with `]E4`.
    fn eight(mut self, d: &[u8], gtin8_only: bool) -> Result<Parsed, ParseError> {
        let Ok(d8) = <&[u8; 8]>::try_from(d) else {
            return Err(self.error(Reason::InvalidLength, "expected 8 digits"));
        };
        if d8.iter().all(|&b| b == b'0') {
            return Err(self.zero_error());
        }
        let as_gtin8 = Gtin::from_field(pad14(d8));
        let as_upc_e = if gtin8_only { None } else { upc_e_reading(d8) };
        match (d8[0], as_upc_e, as_gtin8) {
            (b'0', Some(Ok(g)), _) => {
                if upc_e::suppress(&upc_e::expand(d8)).is_none_or(|u| u.as_str().as_bytes() != d8) {
                    let standard = g.upc_e().map(|u| u.to_string()).unwrap_or_default();
                    self.warnings.push(Warning::new(
                        Warning::NON_STANDARD_UPC_E,
                        format!(
                            "this UPC-E is not GS1's zero-suppressed form of UPC-A {}; \
                             the standard UPC-E is {standard}",
                            g.upc_a().unwrap_or_default()
                        ),
                    ));
                }
                self.finish(g, Kind::UpcE)
            }
            (b'1', Some(Ok(g)), Err(_)) => {
                self.warnings.push(Warning::new(
                    Warning::UPC_E_NUMBER_SYSTEM_1,
                    format!(
                        "read as a number-system-1 UPC-E, expanded to UPC-A {}; GS1 defines \
                         UPC-E for U.P.C. prefix 0 only",
                        g.upc_a().unwrap_or_default()
                    ),
                ));
                self.finish(g, Kind::UpcE)
            }
            (_, _, Ok(g)) => self.finish(g, classify(&g)),
            (_, upc, Err(e)) => {
                let hint = isbn::issn_ean(d8).map(|ean| {
                    format!(
                        "if this is an ISSN, it names a serial title, not a product; the \
                         barcode of an issue is {ean} (issue variant 00)"
                    )
                });
                let err = match (e, upc) {
                    (DigitsError::CheckDigit { expected, found }, Some(Err(upc_expected))) => self
                        .error(
                            Reason::InvalidCheckDigit,
                            format!(
                                "check digit should be {upc_expected} (as a UPC-E) or {expected} \
                             (as an EAN-8), found {found}"
                            ),
                        ),
                    (e, _) => self.digits_error(e),
                };
                Err(err.with_hint_opt(hint))
            }
        }
    }

    /// R8: a 10-character ISBN, converted to its 978 GTIN-13.
    fn isbn10(self, d: &[u8]) -> Result<Parsed, ParseError> {
        if d.iter().all(|&b| b == b'0') {
            return Err(self.zero_error());
        }
        match isbn::isbn10_to_gtin13(d) {
            Ok(g13) => match Gtin::from_field(pad14(&g13)) {
                Ok(g) => self.finish(g, Kind::Isbn10),
                Err(e) => Err(self.digits_error(e)),
            },
            Err((expected, found)) => Err(self.error(
                Reason::InvalidCheckDigit,
                format!(
                    "ISBN-10 check character should be {}, found {}",
                    char::from(expected),
                    char::from(found)
                ),
            )),
        }
    }

    /// R7: 12, 13 or 14 digits (or 13/14 after an identifier).
    #[inline]
    fn gtin(self, d: &[u8]) -> Result<Parsed, ParseError> {
        match Gtin::from_field(pad14(d)) {
            Ok(g) => self.finish(g, classify(&g)),
            Err(e) => Err(self.digits_error(e)),
        }
    }

    fn zero_error(&self) -> ParseError {
        self.error(
            Reason::InvalidZero,
            "all digits are zero; a number of zeros is not a GTIN",
        )
    }

    #[cold]
    fn digits_error(&self, e: DigitsError) -> ParseError {
        match e {
            DigitsError::Zero => self.zero_error(),
            DigitsError::CheckDigit { expected, found } => self.error(
                Reason::InvalidCheckDigit,
                format!("check digit should be {expected}, found {found}"),
            ),
            DigitsError::Length(n) => self.error(
                Reason::InvalidLength,
                format!("expected 8, 12, 13 or 14 digits, found {n}"),
            ),
            DigitsError::NotADigit(pos) => self.error(
                Reason::InvalidCharacters,
                format!("character at position {} is not a digit", pos + 1),
            ),
        }
    }

    /// R10 and §3: classification, RCN decoding with a region, prefix notes.
    // Always inlined: this lets the compiler build `Parsed` in the caller's return slot
    // instead of copying it (measurable on the plain-digits path).
    #[inline(always)]
    fn finish(mut self, gtin: Gtin, kind: Kind) -> Result<Parsed, ParseError> {
        let mut variable_measure = None;
        if let (Kind::RcnVariableMeasure, Some(region)) = (kind, self.region) {
            variable_measure = self.decode_rcn(&gtin, region)?;
        }
        if let Some(w) = prefix_note(&gtin) {
            self.warnings.push(w);
        }
        Ok(Parsed {
            gtin,
            kind,
            warnings: self.warnings,
            variable_measure,
            symbology: self.symbology,
        })
    }

    /// §3: decodes a geographic RCN with the configured region (off the common path).
    #[cold]
    #[inline(never)]
    fn decode_rcn(
        &mut self,
        gtin: &Gtin,
        region: RcnRegion,
    ) -> Result<Option<VariableMeasure>, ParseError> {
        match rcn::decode(gtin, region) {
            Ok(Some(vm)) => Ok(Some(vm)),
            Ok(None) => {
                self.warnings.push(Warning::new(
                    Warning::RCN_NOT_DECODED,
                    format!(
                        "region {region} defines no variable-measure layout for this number's \
                         prefix; the full number is the lookup key"
                    ),
                ));
                Ok(None)
            }
            Err(e) => Err(self.error(
                Reason::InvalidVariableMeasureCheckDigit,
                format!(
                    "{} check digit should be {}, found {} (for the {} digits {})",
                    e.measure, e.expected, e.found, e.measure, e.value
                ),
            )),
        }
    }

    /// R2: a `]xx` symbology identifier and its payload.
    fn symbology(mut self, trimmed: &'a str, lead: usize) -> Result<Parsed, ParseError> {
        let Some((id, rest)) = trimmed.get(..3).zip(trimmed.get(3..)) else {
            let shown: String = trimmed.chars().take(3).collect();
            return Err(self.error(
                Reason::UnsupportedSymbology,
                format!("a symbology identifier is ']' and two characters, found {shown:?}"),
            ));
        };
        let Some((sym, payload)) = symbology::identify(id) else {
            return Err(self.error(
                Reason::UnsupportedSymbology,
                format!(
                    "symbology identifier {id} is not supported; supported: {}",
                    symbology::SUPPORTED
                ),
            ));
        };
        self.symbology = Some(sym);
        let offset = lead + id.len();
        match payload {
            Payload::Digits(n) => {
                let d = self.clean(rest, offset)?;
                self.reject_x(&d, offset, false)?;
                if d.len() != n {
                    let hint = (id == "]E0" && d.len() == 12).then(|| {
                        format!(
                            "did you mean ]E00{}? ]E0 sends a UPC-A as 0 followed by its 12 digits",
                            String::from_utf8_lossy(d.as_slice())
                        )
                    });
                    return Err(self
                        .error(
                            Reason::InvalidLength,
                            format!("{id} carries exactly {n} digits, found {}", d.len()),
                        )
                        .with_hint_opt(hint));
                }
                if n == 8 {
                    self.eight(d.as_slice(), true)
                } else {
                    self.gtin(d.as_slice())
                }
            }
            Payload::WithAddOn => {
                let d = self.clean(rest, offset)?;
                self.reject_x(&d, offset, false)?;
                let (Some(ean), Some(add_on), 15 | 18) =
                    (d.as_slice().get(..13), d.as_slice().get(13..), d.len())
                else {
                    return Err(self.error(
                        Reason::InvalidLength,
                        format!(
                            "{id} carries 13 digits and a 2- or 5-digit add-on (15 or 18 digits), found {}",
                            d.len()
                        ),
                    ));
                };
                self.warnings.push(Warning::new(
                    Warning::ADD_ON_DROPPED,
                    format!(
                        "the {}-digit add-on {} was dropped; it is not part of the GTIN",
                        add_on.len(),
                        String::from_utf8_lossy(add_on)
                    ),
                ));
                self.gtin(ean)
            }
            // GS1 carries a URI in a plain QR Code (`]Q1`); `]Q3` is GS1 mode, which
            // holds an element string (GS1 Digital Link standard §5, GenSpecs §5.7).
            Payload::ElementString if id == "]Q3" && digital_link::is_uri(rest) => Err(self
                .error(
                    Reason::InvalidGs1ElementString,
                    "]Q3 is a GS1 QR Code in GS1 mode, which carries an element string; \
                     GS1 carries a Digital Link URI in a plain QR Code, ]Q1",
                )
                .with_hint(format!("did you mean ]Q1{rest}?"))),
            Payload::ElementString if digital_link::is_uri(rest) => self.digital_link(rest),
            Payload::ElementString => self.element_string(rest),
            Payload::DigitalLinkOnly if digital_link::is_uri(rest) => self.digital_link(rest),
            Payload::DigitalLinkOnly => Err(self.error(
                Reason::UnsupportedSymbology,
                format!("{id} is read only when it carries a GS1 Digital Link URI"),
            )),
        }
    }

    /// R2: a GS1 Digital Link URI, bare or inside a 2D symbology, whatever its key.
    fn digital_link(mut self, uri: &'a str) -> Result<Parsed, ParseError> {
        self.symbology = Some(Symbology::DigitalLink);
        match digital_link::parse(uri) {
            Ok(link) => {
                let keep = self.keep_link.take();
                let parsed = self.linked_gtin(&link)?;
                if let Some(keep) = keep {
                    *keep = Some(link);
                }
                Ok(parsed)
            }
            // Not an uncompressed link: perhaps a compressed one, read as the
            // uncompressed link it stands for (tried second, so that an uncompressed
            // link costs nothing more).
            Err(fault) => match expand_digital_link(uri) {
                Ok(Some(expanded)) => {
                    let link =
                        digital_link::parse(&expanded).map_err(|fault| self.link_fault(fault))?;
                    self.linked_gtin(&link)
                }
                Ok(None) => Err(self.link_fault(fault)),
                Err(e) => Err(self.error(
                    Reason::InvalidGs1ElementString,
                    format!(
                        "the URI path is not an uncompressed GS1 Digital Link, and its \
                         last segment is not a compressed one: {e}"
                    ),
                )),
            },
        }
    }

    /// The GTIN a Digital Link's key names (any other key is not a trade item).
    fn linked_gtin(self, link: &Link<'_>) -> Result<Parsed, ParseError> {
        if link.key.entry.ai != "01" {
            return Err(self.other_key(link.key.entry, &link.key.value));
        }
        let g = link.key.value.as_ref();
        if !g.bytes().all(|b| b.is_ascii_digit()) {
            let shown: String = g.chars().take(20).collect();
            return Err(self.error(
                Reason::InvalidGs1ElementString,
                format!("the GTIN after /01/ must be digits, found {shown:?}"),
            ));
        }
        match g.len() {
            // GS1 Digital Link pads every GTIN to 14 digits: 8 digits are a GTIN-8.
            8 => self.eight(g.as_bytes(), true),
            12..=14 => self.gtin(g.as_bytes()),
            n => Err(self.error(
                Reason::InvalidLength,
                format!("the GTIN after /01/ has 8, 12, 13 or 14 digits, found {n}"),
            )),
        }
    }

    /// R2: a GS1 element string (after a symbology identifier, or from brackets).
    fn element_string(self, data: &str) -> Result<Parsed, ParseError> {
        match element_string::key_of(data) {
            Ok(Key::Gtin(g)) => self.gtin(g.as_bytes()),
            Ok(Key::Other(entry, value)) => Err(self.other_key(entry, value)),
            Err(message) => Err(self.error(Reason::InvalidGs1ElementString, message)),
        }
    }

    /// GS1's bracketed AI syntax, read as the element string it prints.
    fn bracketed(mut self, text: &str) -> Result<Parsed, ParseError> {
        self.symbology = Some(Symbology::BracketedAi);
        match bracketed::to_element_string(text) {
            Ok(data) => self.element_string(&data),
            Err(fault) => {
                let error = self.error(fault.reason, fault.message);
                Err(match fault.ai {
                    Some(ai) => error.with_ai(ai),
                    None => error,
                })
            }
        }
    }

    /// A code whose primary key is not a GTIN: its key is checked (a wrong SSCC is
    /// an invalid code, not a logistic unit) and, when valid, it is not a trade item.
    #[cold]
    fn other_key(&self, entry: &'static AiEntry, value: &str) -> ParseError {
        if let Err(fault) = entry.validate(value) {
            let (reason, message) = match fault {
                ValueFault::Value(m) => (Reason::InvalidAiValue, m),
                ValueFault::Date(m) => (Reason::InvalidAiDate, m),
            };
            return self.error(reason, message).with_ai(entry.ai);
        }
        not_a_trade_item(self.input, entry, value)
    }
}

/// The `NOT_A_TRADE_ITEM` error of a valid non-GTIN key.
pub(crate) fn not_a_trade_item(input: &str, entry: &'static AiEntry, value: &str) -> ParseError {
    ParseError::new(
        input,
        Reason::NotATradeItem,
        format!(
            "({}) {value} is a {}: it identifies {}, not a trade item, so there is no product \
             to look up",
            entry.ai,
            key::name(entry.ai).unwrap_or(entry.title),
            key::identifies(entry.ai).unwrap_or("something other than a trade item"),
        ),
    )
    .with_ai(entry.ai)
}

/// Left-pads up to 14 ASCII digits with `0` (R9 field form).
fn pad14(d: &[u8]) -> [u8; 14] {
    let mut field = [b'0'; 14];
    if let Some(dst) = field.get_mut(14usize.saturating_sub(d.len())..)
        && let Some(src) = d.get(d.len().saturating_sub(14)..)
    {
        dst.copy_from_slice(src);
    }
    field
}

/// The UPC-E reading of 8 digits (R6): `None` when it is not one (number system not
/// 0/1, or an expansion with 8 or fewer significant digits, which GS1 leaves unused
/// "to avoid collision with GTIN-8" or reserves for company RCNs), else the expanded
/// GTIN or the check digit the expansion calls for.
fn upc_e_reading(d8: &[u8; 8]) -> Option<Result<Gtin, u8>> {
    if !matches!(d8[0], b'0' | b'1') {
        return None;
    }
    let a = upc_e::expand(d8);
    if a[..4].iter().all(|&b| b == b'0') {
        return None;
    }
    match Gtin::from_field(pad14(&a)) {
        Ok(g) => Some(Ok(g)),
        Err(DigitsError::CheckDigit { expected, .. }) => Some(Err(expected)),
        Err(_) => None,
    }
}

/// 11 digits: the UPC-A with its leading zero back, when that is valid (spec decision).
fn hint_lost_leading_zero(d: &[u8]) -> Option<String> {
    let mut c = [b'0'; 12];
    c.get_mut(1..)?.copy_from_slice(d.get(..11)?);
    (is_valid_gs1(&c) && c.iter().any(|&b| b != b'0')).then(|| {
        format!(
            "did you mean {}? An 11-digit number is often a UPC-A whose leading zero was lost, \
             e.g. in a spreadsheet",
            String::from_utf8_lossy(&c)
        )
    })
}

/// 6 or 7 digits: the 8-digit UPC-E they abbreviate (biip's reading, which R5 refuses
/// because nothing checks a UPC-E without its check digit).
fn hint_short_upc_e(d: &[u8]) -> Option<String> {
    let mut e = [b'0'; 8];
    let start = 7usize.checked_sub(d.len())?;
    e.get_mut(start..7)?.copy_from_slice(d);
    if !matches!(e[0], b'0' | b'1') {
        return None;
    }
    let a = upc_e::expand(&e);
    if a[..4].iter().all(|&b| b == b'0') {
        return None;
    }
    e[7] = b'0' + gs1_check_digit(&a[..11]);
    Some(format!(
        "did you mean {}? A UPC-E written with {} digits has no check digit; send all 8 digits",
        String::from_utf8_lossy(&e),
        d.len()
    ))
}

/// 9 digits: an old SBN, which is an ISBN-10 without its leading 0 (stdnum accepts it).
fn hint_sbn(d: &[u8]) -> Option<String> {
    let mut c = [b'0'; 10];
    c.get_mut(1..)?.copy_from_slice(d.get(..9)?);
    isbn::isbn10_to_gtin13(&c).ok().map(|_| {
        format!(
            "did you mean {}? A 9-digit SBN is an ISBN-10 without its leading 0",
            String::from_utf8_lossy(&c)
        )
    })
}

/// 15 or 18 digits: an EAN-13 with an add-on, when the first 13 digits are valid.
fn hint_add_on(d: &[u8]) -> Option<String> {
    let ean = d.get(..13)?;
    is_valid_gs1(ean).then(|| {
        format!(
            "did you mean {}? This looks like an EAN-13 with a {}-digit add-on, which a scanner \
             sends after the ]E3 identifier",
            String::from_utf8_lossy(ean),
            d.len() - 13
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: &str) -> Reason {
        parse(s).expect_err("should fail").reason()
    }

    #[test]
    fn plain_gtins_of_every_length_parse_to_one_canonical_form() {
        for s in [
            "036000291452",
            "0036000291452",
            "00036000291452",
            " 0 36000 29145 2 ",
        ] {
            assert_eq!(
                parse(s).map(|g| g.to_string()),
                Ok("00036000291452".into()),
                "{s}"
            );
        }
    }

    #[test]
    fn an_eleven_digit_upc_a_is_refused_with_the_padded_candidate() {
        let e = parse("36000291452").expect_err("11 digits");
        assert_eq!(e.reason(), Reason::InvalidLength);
        assert!(
            e.hint()
                .is_some_and(|h| h.starts_with("did you mean 036000291452?"))
        );
    }

    #[test]
    fn the_message_names_the_check_digit() {
        let e = parse("036000291457").expect_err("bad check digit");
        assert_eq!(e.message(), "check digit should be 2, found 7");
        assert_eq!(
            e.to_string(),
            r#"invalid GTIN "036000291457": check digit should be 2, found 7"#
        );
    }

    #[test]
    fn a_letter_o_is_named_with_its_position() {
        let e = parse("03600O291452").expect_err("letter O");
        assert_eq!(e.reason(), Reason::InvalidCharacters);
        assert_eq!(e.message(), "character 'O' at position 6 is not a digit");
        // Positions count in what the client sent, leading white space included.
        let e = parse("  03600O291452").expect_err("letter O");
        assert_eq!(e.message(), "character 'O' at position 8 is not a digit");
    }

    #[test]
    fn empty_and_blank_inputs_are_empty() {
        assert_eq!(reason(""), Reason::Empty);
        assert_eq!(reason(" \t\u{a0}\u{3000}\n"), Reason::Empty);
    }

    #[test]
    fn short_upc_e_gets_the_full_code_as_hint() {
        let e = parse("425261").expect_err("6 digits");
        assert!(
            e.hint()
                .is_some_and(|h| h.starts_with("did you mean 04252614?")),
            "{e:?}"
        );
    }

    #[test]
    fn a_bare_issn_is_refused_with_its_barcode_as_hint() {
        let e = parse("1144-875X").expect_err("ISSN");
        assert_eq!(e.reason(), Reason::InvalidCharacters);
        assert!(
            e.hint().is_some_and(|h| h.contains("9771144875007")),
            "{e:?}"
        );
    }

    #[test]
    fn a_non_standard_upc_e_parses_with_a_warning_naming_the_standard_one() {
        let p = analyze("01200538", None).expect("valid UPC-E");
        assert_eq!(p.gtin.upc_a(), Some("012000000058"));
        assert_eq!(p.warnings[0].code, Warning::NON_STANDARD_UPC_E);
        assert!(
            p.warnings[0].message.contains("01200508"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn symbology_payload_errors_are_specific() {
        let e = parse("]E0036000291452").expect_err("12 digits after ]E0");
        assert_eq!(e.message(), "]E0 carries exactly 13 digits, found 12");
        assert!(
            e.hint()
                .is_some_and(|h| h.starts_with("did you mean ]E00036000291452?"))
        );
        assert_eq!(reason("]E0"), Reason::InvalidLength);
        assert_eq!(reason("]E01857982185X00"), Reason::InvalidCharacters);
        assert_eq!(reason("]Q1036000291452"), Reason::UnsupportedSymbology);
        assert_eq!(reason("]X0036000291452"), Reason::UnsupportedSymbology);
        assert_eq!(reason("]E31234"), Reason::InvalidLength);
        assert_eq!(reason("]C101000360002914"), Reason::InvalidGs1ElementString);
        assert_eq!(reason("]C10100036000291453"), Reason::InvalidCheckDigit);
        assert_eq!(reason("]C10100000000000000"), Reason::InvalidZero);
    }

    #[test]
    fn a_2d_symbology_may_carry_a_digital_link() {
        let p = analyze("]d2https://example.com/01/09506000134352", None).expect("DL");
        assert_eq!(p.symbology, Some(Symbology::DigitalLink));
        assert_eq!(p.gtin.gtin14(), "09506000134352");
    }

    #[test]
    fn an_unassigned_prefix_parses_with_a_warning() {
        let p = analyze("6712670000276", None).expect("valid");
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].code, Warning::UNASSIGNED_PREFIX);
        assert!(p.warnings[0].message.contains("671"));
    }

    #[test]
    fn a_gtin_14_grouping_of_an_rcn_is_a_plain_gtin_14() {
        // Spec §3: biip treats 1-9 + RCN as a plain GTIN-14, and so do we.
        let p = analyze("12011122912343", Some(RcnRegion::Gb)).expect("valid");
        assert_eq!((p.kind, p.variable_measure), (Kind::ValidGtin, None));
    }

    #[test]
    fn all_zero_inputs_are_invalid_zero_in_every_spelling() {
        for s in [
            "00000000",
            "000000000000",
            "0000000000000",
            "00000000000000",
            "0000000000",
        ] {
            assert_eq!(reason(s), Reason::InvalidZero, "{s}");
        }
    }

    #[test]
    fn pad14_right_aligns() {
        assert_eq!(&pad14(b"12345678"), b"00000012345678");
        assert_eq!(&pad14(b""), b"00000000000000");
    }
}

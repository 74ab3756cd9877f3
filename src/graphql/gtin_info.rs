//! `GtinInfo`: everything the `gtin` module knows about one code, as the GraphQL
//! type of `gtin(code:)` and `Lookup.gtin`, and as the JSON line of the `gtin` CLI.
//! One struct serves both so the CLI's keys are always the GraphQL field names.
//!
//! A code whose GS1 primary key is not a GTIN (an SSCC, a GLN …) is described too:
//! valid, its `primaryKey` and every AI with its role, `tradeItem: false`, and no
//! GTIN forms.

use std::borrow::Cow;

use async_graphql::{ComplexObject, Enum, SimpleObject};
use serde::Serialize;

use super::gtin_facts::GtinFacts;
use super::wire_names;
use crate::gtin::{self, GtinFormat, KeyScan, Kind, ParseError, RcnRegion, Reading, Role, Scan};

/// What a code is, or precisely why it is not a GTIN. Never an error itself.
#[derive(Clone, Debug, Serialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
#[graphql(name = "GtinInfo", complex)]
pub struct GtinInfo {
    /// The code exactly as sent.
    pub input: String,
    /// Whether the code is a valid GS1 number.
    pub valid: bool,
    /// Canonical GTIN-14 (the identity: equal for every spelling of one item).
    pub gtin14: Option<String>,
    /// EAN-13 form, for GTIN-12 and GTIN-13 only.
    pub gtin13: Option<String>,
    /// UPC-A form, for GTIN-12 only.
    pub upc_a: Option<String>,
    /// Zero-suppressed UPC-E form, when the UPC-A can be suppressed.
    pub upc_e: Option<String>,
    /// EAN-8 form, for GTIN-8 only.
    pub gtin8: Option<String>,
    /// Format by significant digits.
    pub format: Option<GtinFormatName>,
    /// Classification of the number.
    pub kind: Option<GtinKind>,
    /// Indicator digit of the GTIN-14 (1-8 packaging level, 9 variable measure, 0 none).
    pub indicator: Option<i32>,
    /// The GS1 prefix and the organisation that issued it (not a country of origin).
    pub gs1_prefix: Option<Gs1PrefixInfo>,
    /// Decoded price / weight / count of a variable-measure label, when a region is configured.
    pub variable_measure: Option<VariableMeasureInfo>,
    /// The key a product lookup uses; null when invalid or not a trade item.
    pub lookup_gtin14: Option<String>,
    /// Things worth knowing about a valid code.
    pub warnings: Vec<GtinWarning>,
    /// Every GS1 application identifier a 2D code carried (GS1 element string or
    /// Digital Link), AI (01) included, in the code's order; empty for a plain number.
    pub application_identifiers: Vec<ApplicationIdentifier>,
    /// AI (10): batch or lot number.
    pub lot: Option<String>,
    /// AI (21): serial number.
    pub serial: Option<String>,
    /// AI (17): expiration date, ISO 8601 (`YYYY-MM-DD`; day 00 read as the month's last day).
    pub expiry_date: Option<String>,
    /// AI (15): best before date, ISO 8601.
    pub best_before_date: Option<String>,
    /// AI (16): sell by date, ISO 8601.
    pub sell_by_date: Option<String>,
    /// AI (11): production date, ISO 8601.
    pub production_date: Option<String>,
    /// AI (13): packaging date, ISO 8601.
    pub packaging_date: Option<String>,
    /// AI (3100)-(3105): net weight in kilograms, a decimal string.
    pub net_weight_kg: Option<String>,
    /// AI (3920)-(3929): price to pay in the local currency, a decimal string.
    pub price: Option<String>,
    /// Why the code is invalid; null when valid.
    pub error: Option<GtinError>,
    /// The GS1 primary key the code carries: AI (01) and the GTIN-14 for a GTIN, or
    /// another key (SSCC (00), GLN (414), GRAI (8003) …); null when invalid.
    pub primary_key: Option<PrimaryKey>,
    /// Whether the code names a trade item a product lookup can find: false for an
    /// SSCC, a GLN or any other non-GTIN key, and for coupons and refund receipts;
    /// null when invalid.
    pub trade_item: Option<bool>,
}

/// The GS1 primary key of a code: what it identifies.
#[derive(Clone, Debug, Serialize, SimpleObject)]
#[graphql(name = "Gs1PrimaryKey")]
pub struct PrimaryKey {
    /// The key's AI, e.g. "00".
    pub ai: Cow<'static, str>,
    /// GS1's short title of the AI, e.g. "SSCC".
    pub title: Cow<'static, str>,
    /// GS1's full name of the key, e.g. "Serial Shipping Container Code (SSCC)".
    pub name: Cow<'static, str>,
    /// What the key identifies, e.g. "a logistic unit".
    pub identifies: Cow<'static, str>,
    /// The key's value as carried (for a GTIN, the GTIN-14).
    pub value: String,
}

/// One GS1 application identifier carried by a 2D code.
#[derive(Clone, Debug, Serialize, SimpleObject)]
pub struct ApplicationIdentifier {
    /// The AI's digits, e.g. "17".
    pub ai: String,
    /// GS1's short title, e.g. "USE BY or EXPIRY".
    pub title: String,
    /// The value as carried (percent-decoded for a Digital Link).
    pub value: String,
    /// The part the AI plays: the primary key, a key qualifier or a data attribute.
    pub role: AiRole,
}

/// The part an application identifier plays in a code (GS1 Digital Link standard).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AiRole {
    /// What the code identifies: GTIN (01), SSCC (00), GLN (414) ….
    PrimaryKey,
    /// Narrows the key down: a GTIN's variant, lot, serial (22, 10, 21) or TPX (235) ….
    KeyQualifier,
    /// Anything else the code says: dates, weights, prices ….
    DataAttribute,
}

impl From<Role> for AiRole {
    fn from(role: Role) -> AiRole {
        match role {
            Role::PrimaryKey => AiRole::PrimaryKey,
            Role::KeyQualifier => AiRole::KeyQualifier,
            Role::DataAttribute => AiRole::DataAttribute,
        }
    }
}

/// GTIN format by significant digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(name = "GtinFormat")]
pub enum GtinFormatName {
    /// EAN-8.
    #[graphql(name = "GTIN_8")]
    Gtin8,
    /// UPC-A.
    #[graphql(name = "GTIN_12")]
    Gtin12,
    /// EAN-13.
    #[graphql(name = "GTIN_13")]
    Gtin13,
    /// GTIN-14 with an indicator digit.
    #[graphql(name = "GTIN_14")]
    Gtin14,
}

/// Classification of a valid number (docs/gtin-rules.md R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum GtinKind {
    /// An ordinary trade item.
    ValidGtin,
    /// A zero-suppressed UPC-E, expanded.
    UpcE,
    /// A book (ISBN-13, Bookland 978/979).
    Isbn,
    /// A book sent as ISBN-10, converted to 978.
    Isbn10,
    /// Printed music (979-0).
    Ismn,
    /// A serial publication (977).
    Issn,
    /// A geographic restricted-circulation number: variable-measure label.
    RcnVariableMeasure,
    /// A company-internal restricted-circulation number.
    RcnCompany,
    /// A coupon: not a trade item.
    Coupon,
    /// A refund receipt: not a trade item.
    RefundReceipt,
}

// The CLI's JSON spells the enums as the schema does, from the schema's one table.
impl Serialize for GtinFormatName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        wire_names::serialize(*self, serializer)
    }
}

impl Serialize for GtinKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        wire_names::serialize(*self, serializer)
    }
}

/// A GS1 prefix and who issued it.
#[derive(Clone, Debug, Serialize, SimpleObject)]
#[graphql(name = "Gs1Prefix")]
pub struct Gs1PrefixInfo {
    /// The prefix digits.
    pub prefix: Cow<'static, str>,
    /// The GS1 member organisation or use the prefix is assigned to.
    pub organisation: Cow<'static, str>,
}

/// The measure decoded from a variable-measure label.
#[derive(Clone, Debug, Serialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
#[graphql(name = "VariableMeasure")]
pub struct VariableMeasureInfo {
    /// The region whose layout decoded it.
    pub region: String,
    /// Embedded price, a decimal string in the region's currency.
    pub price: Option<String>,
    /// Embedded weight in kilograms, a decimal string.
    pub weight_kg: Option<String>,
    /// Embedded count of units.
    pub count: Option<i32>,
    /// The item's key with the variable part zeroed: what the product lookup uses.
    pub lookup_gtin14: String,
}

/// Something worth knowing about a valid code.
#[derive(Clone, Debug, Serialize, SimpleObject)]
pub struct GtinWarning {
    /// Stable code, UPPER_SNAKE.
    pub code: Cow<'static, str>,
    /// What it means, for a developer.
    pub message: String,
}

/// Why a code is not a valid GTIN.
#[derive(Clone, Debug, Serialize, SimpleObject)]
pub struct GtinError {
    /// Stable reason: EMPTY, INVALID_CHARACTERS, INVALID_LENGTH, INVALID_CHECK_DIGIT, ….
    pub reason: String,
    /// What is wrong, for a developer.
    pub message: String,
    /// A likely correction, when there is one.
    pub hint: Option<String>,
    /// The application identifier at fault, for UNKNOWN_AI, INVALID_AI_VALUE, INVALID_AI_DATE.
    pub ai: Option<String>,
}

/// GS1's canonical Digital Link root, the host of `digitalLink`.
const DIGITAL_LINK_ROOT: &str = "https://id.gs1.org";

#[ComplexObject]
impl GtinInfo {
    /// The code as a GS1 Digital Link URI at https://id.gs1.org: the GTIN and its key
    /// qualifiers in the path, the other AIs the code carried in the query. With
    /// `compressed: true`, in GS1's compressed form (one base64url segment, what a
    /// small QR code carries; error `NOT_COMPRESSIBLE` when the values cannot take
    /// it). Null for an invalid code.
    async fn digital_link(
        &self,
        #[graphql(default = false)] compressed: bool,
    ) -> async_graphql::Result<Option<String>> {
        if !compressed {
            return Ok(self.plain_digital_link());
        }
        let Some(ais) = self.link_ais() else {
            return Ok(None);
        };
        gtin::compress_digital_link(DIGITAL_LINK_ROOT, &ais)
            .map(Some)
            .map_err(|e| super::errors::not_compressible(&e))
    }
}

impl GtinInfo {
    /// `digitalLink` uncompressed: what the resolver and the compiled plans answer.
    pub(crate) fn plain_digital_link(&self) -> Option<String> {
        gtin::build_digital_link(DIGITAL_LINK_ROOT, &self.link_ais()?)
    }

    /// The AIs a Digital Link of the code holds: the GTIN first, unless the code
    /// carried (01) itself; `None` for an invalid code.
    fn link_ais(&self) -> Option<Vec<(&str, &str)>> {
        let gtin14 = self.gtin14.as_deref()?;
        let mut ais: Vec<(&str, &str)> = self
            .application_identifiers
            .iter()
            .map(|ai| (ai.ai.as_str(), ai.value.as_str()))
            .collect();
        if !ais.iter().any(|(ai, _)| *ai == "01") {
            ais.insert(0, ("01", gtin14));
        }
        Some(ais)
    }
}

impl GtinInfo {
    /// Reads the whole scan of `input` (identity and, for a 2D code, every AI it
    /// carries) and describes it; also returns the scan for callers that go on to
    /// look the product up: for a non-GTIN key, its `NOT_A_TRADE_ITEM` error.
    pub fn analyze(input: &str, region: Option<RcnRegion>) -> (GtinInfo, Result<Scan, ParseError>) {
        GtinInfo::analyze_for(input, region, GtinFacts::ALL)
    }

    /// [`GtinInfo::analyze`] filling only the costly fields in `facts`: the others
    /// read as null or `[]` (what a compiled plan that never writes them asks for).
    pub(crate) fn analyze_for(
        input: &str,
        region: Option<RcnRegion>,
        facts: GtinFacts,
    ) -> (GtinInfo, Result<Scan, ParseError>) {
        match gtin::read(input, region) {
            Ok(Reading::Gtin(scan)) => (GtinInfo::of_valid(input, &scan, facts), Ok(scan)),
            Ok(Reading::OtherKey(key)) => (
                GtinInfo::of_other_key(input, &key, facts),
                Err(key.error().clone()),
            ),
            Err(error) => (GtinInfo::of_invalid(input, &error, facts), Err(error)),
        }
    }

    /// A valid code whose key is not a GTIN: its key and AIs, no GTIN forms.
    fn of_other_key(input: &str, key: &KeyScan, facts: GtinFacts) -> GtinInfo {
        let mut info = GtinInfo::empty(input);
        info.valid = true;
        info.trade_item = Some(false);
        info.primary_key = facts.fill(GtinFacts::PRIMARY_KEY, || {
            Some(PrimaryKey {
                ai: Cow::Owned(key.key().ai().to_owned()),
                title: Cow::Owned(key.key().title().to_owned()),
                name: Cow::Owned(key.key_name().to_owned()),
                identifies: Cow::Owned(key.identifies().to_owned()),
                value: key.key().value().to_owned(),
            })
        });
        info.application_identifiers = facts.fill_list(GtinFacts::APPLICATION_IDENTIFIERS, || {
            key.elements().iter().map(application_identifier).collect()
        });
        info
    }

    fn of_valid(input: &str, scan: &Scan, facts: GtinFacts) -> GtinInfo {
        let parsed = scan.parsed();
        let gtin = parsed.gtin;
        let date = |fact: GtinFacts, date: fn(&Scan) -> Option<gtin::Date>| {
            facts.fill(fact, || date(scan).map(|date| date.to_string()))
        };
        GtinInfo {
            input: input.to_owned(),
            valid: true,
            gtin14: facts.fill(GtinFacts::GTIN14, || Some(gtin.gtin14().to_owned())),
            gtin13: facts.fill(GtinFacts::GTIN13, || gtin.gtin13().map(str::to_owned)),
            upc_a: facts.fill(GtinFacts::UPC_A, || gtin.upc_a().map(str::to_owned)),
            upc_e: facts.fill(GtinFacts::UPC_E, || {
                gtin.upc_e().map(|upc_e| upc_e.as_str().to_owned())
            }),
            gtin8: facts.fill(GtinFacts::GTIN8, || gtin.gtin8().map(str::to_owned)),
            format: Some(format_name(gtin.format())),
            kind: Some(kind_name(parsed.kind)),
            indicator: Some(i32::from(gtin.indicator())),
            gs1_prefix: facts.fill(GtinFacts::GS1_PREFIX, || {
                gtin::gs1_prefix(&gtin).map(|prefix| Gs1PrefixInfo {
                    prefix: Cow::Borrowed(prefix.prefix),
                    organisation: Cow::Borrowed(prefix.organisation),
                })
            }),
            variable_measure: facts.fill(GtinFacts::VARIABLE_MEASURE, || {
                parsed
                    .variable_measure
                    .as_ref()
                    .map(|measure| VariableMeasureInfo {
                        region: measure.region.as_str().to_owned(),
                        price: measure.price.clone(),
                        weight_kg: measure.weight_kg.clone(),
                        count: measure.count.and_then(|count| i32::try_from(count).ok()),
                        lookup_gtin14: measure.lookup.gtin14().to_owned(),
                    })
            }),
            lookup_gtin14: facts.fill(GtinFacts::LOOKUP_GTIN14, || {
                parsed.lookup_gtin().map(|key| key.gtin14().to_owned())
            }),
            warnings: facts.fill_list(GtinFacts::WARNINGS, || {
                parsed
                    .warnings
                    .iter()
                    .map(|warning| GtinWarning {
                        code: Cow::Borrowed(warning.code),
                        message: warning.message.clone(),
                    })
                    .collect()
            }),
            application_identifiers: facts.fill_list(GtinFacts::APPLICATION_IDENTIFIERS, || {
                scan.elements().iter().map(application_identifier).collect()
            }),
            lot: facts.fill(GtinFacts::LOT, || scan.lot().map(str::to_owned)),
            serial: facts.fill(GtinFacts::SERIAL, || scan.serial().map(str::to_owned)),
            expiry_date: date(GtinFacts::EXPIRY_DATE, Scan::expiry),
            best_before_date: date(GtinFacts::BEST_BEFORE_DATE, Scan::best_before),
            sell_by_date: date(GtinFacts::SELL_BY_DATE, Scan::sell_by),
            production_date: date(GtinFacts::PRODUCTION_DATE, Scan::production),
            packaging_date: date(GtinFacts::PACKAGING_DATE, Scan::packaging),
            net_weight_kg: facts.fill(GtinFacts::NET_WEIGHT_KG, || scan.net_weight_kg()),
            price: facts.fill(GtinFacts::PRICE, || scan.price()),
            error: None,
            primary_key: facts.fill(GtinFacts::PRIMARY_KEY, || {
                Some(PrimaryKey {
                    // Every GTIN's key is the same: borrowed, not copied per code.
                    ai: Cow::Borrowed("01"),
                    title: Cow::Borrowed("GTIN"),
                    name: Cow::Borrowed("Global Trade Item Number (GTIN)"),
                    identifies: Cow::Borrowed("a trade item"),
                    value: gtin.gtin14().to_owned(),
                })
            }),
            trade_item: Some(parsed.is_trade_item()),
        }
    }

    fn of_invalid(input: &str, error: &ParseError, facts: GtinFacts) -> GtinInfo {
        GtinInfo {
            error: facts.fill(GtinFacts::ERROR, || {
                Some(GtinError {
                    reason: error.reason().as_str().to_owned(),
                    message: error.message().to_owned(),
                    hint: error.hint().map(str::to_owned),
                    ai: error.ai().map(str::to_owned),
                })
            }),
            ..GtinInfo::empty(input)
        }
    }

    /// Nothing known yet: not valid, every field null or empty.
    fn empty(input: &str) -> GtinInfo {
        GtinInfo {
            input: input.to_owned(),
            valid: false,
            gtin14: None,
            gtin13: None,
            upc_a: None,
            upc_e: None,
            gtin8: None,
            format: None,
            kind: None,
            indicator: None,
            gs1_prefix: None,
            variable_measure: None,
            lookup_gtin14: None,
            warnings: Vec::new(),
            application_identifiers: Vec::new(),
            lot: None,
            serial: None,
            expiry_date: None,
            best_before_date: None,
            sell_by_date: None,
            production_date: None,
            packaging_date: None,
            net_weight_kg: None,
            price: None,
            error: None,
            primary_key: None,
            trade_item: None,
        }
    }
}

fn application_identifier(element: &gtin::Element) -> ApplicationIdentifier {
    ApplicationIdentifier {
        ai: element.ai().to_owned(),
        title: element.title().to_owned(),
        value: element.value().to_owned(),
        role: element.role().into(),
    }
}

fn format_name(format: GtinFormat) -> GtinFormatName {
    match format {
        GtinFormat::Gtin8 => GtinFormatName::Gtin8,
        GtinFormat::Gtin12 => GtinFormatName::Gtin12,
        GtinFormat::Gtin13 => GtinFormatName::Gtin13,
        GtinFormat::Gtin14 => GtinFormatName::Gtin14,
    }
}

fn kind_name(kind: Kind) -> GtinKind {
    match kind {
        Kind::ValidGtin => GtinKind::ValidGtin,
        Kind::UpcE => GtinKind::UpcE,
        Kind::Isbn => GtinKind::Isbn,
        Kind::Isbn10 => GtinKind::Isbn10,
        Kind::Ismn => GtinKind::Ismn,
        Kind::Issn => GtinKind::Issn,
        Kind::RcnVariableMeasure => GtinKind::RcnVariableMeasure,
        Kind::RcnCompany => GtinKind::RcnCompany,
        Kind::Coupon => GtinKind::Coupon,
        Kind::RefundReceipt => GtinKind::RefundReceipt,
    }
}

//! `GtinInfo`: everything the `gtin` module knows about one code, as the GraphQL
//! type of `gtin(code:)` and `Lookup.gtin`, and as the JSON line of the `gtin` CLI.
//! One type serves both so the CLI's keys are always the GraphQL field names.
//!
//! A `GtinInfo` is a view over the code's reading: it holds the code and what
//! `gtin::read` made of it, and works each field out when it is read. A selection
//! pays for what it asks and nothing else (a till's `gtin { gtin14 kind }` builds
//! no string at all), and the resolver, the compiled plans and the CLI read the
//! same methods, so there is no table of which fields to fill to keep in step.
//! (Until session 25 every field was filled up front, ~30 of them in 816 bytes a
//! line; that code is kept as the oracle in `reference`.)
//!
//! A code whose GS1 primary key is not a GTIN (an SSCC, a GLN …) is described too:
//! valid, its `primaryKey` and every AI with its role, `tradeItem: false`, and no
//! GTIN forms.

use std::borrow::Cow;

use async_graphql::{Enum, Object, SimpleObject};
use serde::Serialize;
use serde::ser::SerializeStruct;

use super::wire_names;
use crate::gtin::{
    self, Gtin, GtinFormat, KeyScan, Kind, ParseError, RcnRegion, Reading, Role, Scan,
};

pub(crate) mod read;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

/// What a code is, or precisely why it is not a GTIN. Never an error itself.
pub struct GtinInfo {
    /// The code exactly as sent.
    input: String,
    /// What the code names, or why it is not a GS1 number.
    reading: Result<Reading, ParseError>,
}

/// The GS1 primary key of a code: what it identifies.
#[derive(Clone, Debug, Serialize, SimpleObject)]
#[graphql(name = "Gs1PrimaryKey")]
pub(crate) struct PrimaryKey {
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
pub(crate) struct ApplicationIdentifier {
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
pub(crate) struct Gs1PrefixInfo {
    /// The prefix digits.
    pub prefix: Cow<'static, str>,
    /// The GS1 member organisation or use the prefix is assigned to.
    pub organisation: Cow<'static, str>,
}

/// The measure decoded from a variable-measure label.
#[derive(Clone, Debug, Serialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
#[graphql(name = "VariableMeasure")]
pub(crate) struct VariableMeasureInfo {
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
pub(crate) struct GtinWarning {
    /// Stable code, UPPER_SNAKE.
    pub code: Cow<'static, str>,
    /// What it means, for a developer.
    pub message: String,
}

/// Why a code is not a valid GTIN.
#[derive(Clone, Debug, Serialize, SimpleObject)]
pub(crate) struct GtinError {
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

impl GtinInfo {
    /// Reads the whole scan of `input` (identity and, for a 2D code, every AI it
    /// carries); the fields are worked out from it when read.
    pub fn analyze(input: &str, region: Option<RcnRegion>) -> GtinInfo {
        GtinInfo {
            input: input.to_owned(),
            reading: gtin::read(input, region),
        }
    }

    /// Whether the code is a valid GS1 number (the `valid` field).
    pub fn is_valid(&self) -> bool {
        read::valid(self)
    }

    /// What a product lookup of the code works with: the scan of a GTIN, or why there
    /// is no product to look up (the parse error, or a non-GTIN key's
    /// `NOT_A_TRADE_ITEM`).
    pub(crate) fn scan(&self) -> Result<&Scan, &ParseError> {
        match &self.reading {
            Ok(Reading::Gtin(scan)) => Ok(scan),
            Ok(Reading::OtherKey(key)) => Err(key.error()),
            Err(error) => Err(error),
        }
    }

    fn valid_scan(&self) -> Option<&Scan> {
        match &self.reading {
            Ok(Reading::Gtin(scan)) => Some(scan),
            _ => None,
        }
    }

    fn other_key(&self) -> Option<&KeyScan> {
        match &self.reading {
            Ok(Reading::OtherKey(key)) => Some(key),
            _ => None,
        }
    }

    fn gtin(&self) -> Option<&Gtin> {
        self.valid_scan().map(|scan| &scan.parsed().gtin)
    }

    /// `digitalLink` uncompressed: what the resolver and the compiled plans answer.
    pub(crate) fn plain_digital_link(&self) -> Option<String> {
        gtin::build_digital_link(DIGITAL_LINK_ROOT, &self.link_ais()?)
    }

    /// The AIs a Digital Link of the code holds: the GTIN first, unless the code
    /// carried (01) itself; `None` for an invalid code.
    fn link_ais(&self) -> Option<Vec<(&str, &str)>> {
        let scan = self.valid_scan()?;
        let mut ais: Vec<(&str, &str)> = scan
            .elements()
            .iter()
            .map(|element| (element.ai(), element.value()))
            .collect();
        if !ais.iter().any(|(ai, _)| *ai == "01") {
            ais.insert(0, ("01", scan.parsed().gtin.gtin14()));
        }
        Some(ais)
    }
}

// The fields, in the schema's order, each the reader of the same name in `read`.
// (The impl's doc comment is the type's description in the schema.)
/// What a code is, or precisely why it is not a GTIN. Never an error itself.
#[Object]
impl GtinInfo {
    /// The code exactly as sent.
    async fn input(&self) -> &str {
        read::input(self)
    }

    /// Whether the code is a valid GS1 number.
    async fn valid(&self) -> bool {
        read::valid(self)
    }

    /// Canonical GTIN-14 (the identity: equal for every spelling of one item).
    async fn gtin14(&self) -> Option<&str> {
        read::gtin14(self)
    }

    /// EAN-13 form, for GTIN-12 and GTIN-13 only.
    async fn gtin13(&self) -> Option<&str> {
        read::gtin13(self)
    }

    /// UPC-A form, for GTIN-12 only.
    async fn upc_a(&self) -> Option<&str> {
        read::upc_a(self)
    }

    /// Zero-suppressed UPC-E form, when the UPC-A can be suppressed.
    async fn upc_e(&self) -> Option<String> {
        read::upc_e(self)
    }

    /// EAN-8 form, for GTIN-8 only.
    async fn gtin8(&self) -> Option<&str> {
        read::gtin8(self)
    }

    /// Format by significant digits.
    async fn format(&self) -> Option<GtinFormatName> {
        read::format(self)
    }

    /// Classification of the number.
    async fn kind(&self) -> Option<GtinKind> {
        read::kind(self)
    }

    /// Indicator digit of the GTIN-14 (1-8 packaging level, 9 variable measure, 0 none).
    async fn indicator(&self) -> Option<i32> {
        read::indicator(self)
    }

    /// The GS1 prefix and the organisation that issued it (not a country of origin).
    async fn gs1_prefix(&self) -> Option<Gs1PrefixInfo> {
        read::gs1_prefix(self)
    }

    /// Decoded price / weight / count of a variable-measure label, when a region is configured.
    async fn variable_measure(&self) -> Option<VariableMeasureInfo> {
        read::variable_measure(self)
    }

    /// The key a product lookup uses; null when invalid or not a trade item.
    async fn lookup_gtin14(&self) -> Option<&str> {
        read::lookup_gtin14(self)
    }

    /// Things worth knowing about a valid code.
    async fn warnings(&self) -> Vec<GtinWarning> {
        read::warnings(self)
    }

    /// Every GS1 application identifier a 2D code carried (GS1 element string or
    /// Digital Link), AI (01) included, in the code's order; empty for a plain number.
    async fn application_identifiers(&self) -> Vec<ApplicationIdentifier> {
        read::application_identifiers(self)
    }

    /// AI (10): batch or lot number.
    async fn lot(&self) -> Option<&str> {
        read::lot(self)
    }

    /// AI (21): serial number.
    async fn serial(&self) -> Option<&str> {
        read::serial(self)
    }

    /// AI (17): expiration date, ISO 8601 (`YYYY-MM-DD`; day 00 read as the month's last day).
    async fn expiry_date(&self) -> Option<String> {
        read::expiry_date(self)
    }

    /// AI (15): best before date, ISO 8601.
    async fn best_before_date(&self) -> Option<String> {
        read::best_before_date(self)
    }

    /// AI (16): sell by date, ISO 8601.
    async fn sell_by_date(&self) -> Option<String> {
        read::sell_by_date(self)
    }

    /// AI (11): production date, ISO 8601.
    async fn production_date(&self) -> Option<String> {
        read::production_date(self)
    }

    /// AI (13): packaging date, ISO 8601.
    async fn packaging_date(&self) -> Option<String> {
        read::packaging_date(self)
    }

    /// AI (3100)-(3105): net weight in kilograms, a decimal string.
    async fn net_weight_kg(&self) -> Option<String> {
        read::net_weight_kg(self)
    }

    /// AI (3920)-(3929): price to pay in the local currency, a decimal string.
    async fn price(&self) -> Option<String> {
        read::price(self)
    }

    /// Why the code is invalid; null when valid.
    async fn error(&self) -> Option<GtinError> {
        read::error(self)
    }

    /// The GS1 primary key the code carries: AI (01) and the GTIN-14 for a GTIN, or
    /// another key (SSCC (00), GLN (414), GRAI (8003) …); null when invalid.
    async fn primary_key(&self) -> Option<PrimaryKey> {
        read::primary_key(self)
    }

    /// Whether the code names a trade item a product lookup can find: false for an
    /// SSCC, a GLN or any other non-GTIN key, and for coupons and refund receipts;
    /// null when invalid.
    async fn trade_item(&self) -> Option<bool> {
        read::trade_item(self)
    }

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

// The CLI's JSON line: the schema's fields in its order and spelling (`digitalLink`,
// a field with an argument, is not in it).
impl Serialize for GtinInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("GtinInfo", 27)?;
        out.serialize_field("input", &read::input(self))?;
        out.serialize_field("valid", &read::valid(self))?;
        out.serialize_field("gtin14", &read::gtin14(self))?;
        out.serialize_field("gtin13", &read::gtin13(self))?;
        out.serialize_field("upcA", &read::upc_a(self))?;
        out.serialize_field("upcE", &read::upc_e(self))?;
        out.serialize_field("gtin8", &read::gtin8(self))?;
        out.serialize_field("format", &read::format(self))?;
        out.serialize_field("kind", &read::kind(self))?;
        out.serialize_field("indicator", &read::indicator(self))?;
        out.serialize_field("gs1Prefix", &read::gs1_prefix(self))?;
        out.serialize_field("variableMeasure", &read::variable_measure(self))?;
        out.serialize_field("lookupGtin14", &read::lookup_gtin14(self))?;
        out.serialize_field("warnings", &read::warnings(self))?;
        out.serialize_field(
            "applicationIdentifiers",
            &read::application_identifiers(self),
        )?;
        out.serialize_field("lot", &read::lot(self))?;
        out.serialize_field("serial", &read::serial(self))?;
        out.serialize_field("expiryDate", &read::expiry_date(self))?;
        out.serialize_field("bestBeforeDate", &read::best_before_date(self))?;
        out.serialize_field("sellByDate", &read::sell_by_date(self))?;
        out.serialize_field("productionDate", &read::production_date(self))?;
        out.serialize_field("packagingDate", &read::packaging_date(self))?;
        out.serialize_field("netWeightKg", &read::net_weight_kg(self))?;
        out.serialize_field("price", &read::price(self))?;
        out.serialize_field("error", &read::error(self))?;
        out.serialize_field("primaryKey", &read::primary_key(self))?;
        out.serialize_field("tradeItem", &read::trade_item(self))?;
        out.end()
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

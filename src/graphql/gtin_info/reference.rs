//! The eager `GtinInfo` that filled every field up front (session 25 and before),
//! kept as the oracle of the view that works each field out when read: for any
//! code, both serialize to the same JSON, key for key and in the same order.

use std::borrow::Cow;

use serde::Serialize;

use super::{
    ApplicationIdentifier, Gs1PrefixInfo, GtinError, GtinFormatName, GtinKind, GtinWarning,
    PrimaryKey, VariableMeasureInfo, application_identifier, format_name, kind_name,
};
use crate::gtin::{self, KeyScan, ParseError, RcnRegion, Reading, Scan};

/// What a code is, or precisely why it is not a GTIN. Never an error itself.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GtinInfo {
    /// The code exactly as sent.
    pub(super) input: String,
    /// Whether the code is a valid GS1 number.
    pub(super) valid: bool,
    /// Canonical GTIN-14 (the identity: equal for every spelling of one item).
    pub(super) gtin14: Option<String>,
    /// EAN-13 form, for GTIN-12 and GTIN-13 only.
    pub(super) gtin13: Option<String>,
    /// UPC-A form, for GTIN-12 only.
    pub(super) upc_a: Option<String>,
    /// Zero-suppressed UPC-E form, when the UPC-A can be suppressed.
    pub(super) upc_e: Option<String>,
    /// EAN-8 form, for GTIN-8 only.
    pub(super) gtin8: Option<String>,
    /// Format by significant digits.
    pub(super) format: Option<GtinFormatName>,
    /// Classification of the number.
    pub(super) kind: Option<GtinKind>,
    /// Indicator digit of the GTIN-14 (1-8 packaging level, 9 variable measure, 0 none).
    pub(super) indicator: Option<i32>,
    /// The GS1 prefix and the organisation that issued it (not a country of origin).
    pub(super) gs1_prefix: Option<Gs1PrefixInfo>,
    /// Decoded price / weight / count of a variable-measure label, when a region is configured.
    pub(super) variable_measure: Option<VariableMeasureInfo>,
    /// The key a product lookup uses; null when invalid or not a trade item.
    pub(super) lookup_gtin14: Option<String>,
    /// Things worth knowing about a valid code.
    pub(super) warnings: Vec<GtinWarning>,
    /// Every GS1 application identifier a 2D code carried (GS1 element string or
    /// Digital Link), AI (01) included, in the code's order; empty for a plain number.
    pub(super) application_identifiers: Vec<ApplicationIdentifier>,
    /// AI (10): batch or lot number.
    pub(super) lot: Option<String>,
    /// AI (21): serial number.
    pub(super) serial: Option<String>,
    /// AI (17): expiration date, ISO 8601 (`YYYY-MM-DD`; day 00 read as the month's last day).
    pub(super) expiry_date: Option<String>,
    /// AI (15): best before date, ISO 8601.
    pub(super) best_before_date: Option<String>,
    /// AI (16): sell by date, ISO 8601.
    pub(super) sell_by_date: Option<String>,
    /// AI (11): production date, ISO 8601.
    pub(super) production_date: Option<String>,
    /// AI (13): packaging date, ISO 8601.
    pub(super) packaging_date: Option<String>,
    /// AI (3100)-(3105): net weight in kilograms, a decimal string.
    pub(super) net_weight_kg: Option<String>,
    /// AI (3920)-(3929): price to pay in the local currency, a decimal string.
    pub(super) price: Option<String>,
    /// Why the code is invalid; null when valid.
    pub(super) error: Option<GtinError>,
    /// The GS1 primary key the code carries: AI (01) and the GTIN-14 for a GTIN, or
    /// another key (SSCC (00), GLN (414), GRAI (8003) …); null when invalid.
    pub(super) primary_key: Option<PrimaryKey>,
    /// Whether the code names a trade item a product lookup can find: false for an
    /// SSCC, a GLN or any other non-GTIN key, and for coupons and refund receipts;
    /// null when invalid.
    pub(super) trade_item: Option<bool>,
}

impl GtinInfo {
    /// Reads the whole scan of `input` (identity and, for a 2D code, every AI it
    /// carries) and describes it; also returns the scan for callers that go on to
    /// look the product up: for a non-GTIN key, its `NOT_A_TRADE_ITEM` error.
    pub(super) fn analyze(input: &str, region: Option<RcnRegion>) -> GtinInfo {
        match gtin::read(input, region) {
            Ok(Reading::Gtin(scan)) => GtinInfo::of_valid(input, &scan),
            Ok(Reading::OtherKey(key)) => GtinInfo::of_other_key(input, &key),
            Err(error) => GtinInfo::of_invalid(input, &error),
        }
    }

    /// A valid code whose key is not a GTIN: its key and AIs, no GTIN forms.
    fn of_other_key(input: &str, key: &KeyScan) -> GtinInfo {
        let mut info = GtinInfo::empty(input);
        info.valid = true;
        info.trade_item = Some(false);
        info.primary_key = Some(PrimaryKey {
            ai: Cow::Owned(key.key().ai().to_owned()),
            title: Cow::Owned(key.key().title().to_owned()),
            name: Cow::Owned(key.key_name().to_owned()),
            identifies: Cow::Owned(key.identifies().to_owned()),
            value: key.key().value().to_owned(),
        });
        info.application_identifiers = key.elements().iter().map(application_identifier).collect();
        info
    }

    fn of_valid(input: &str, scan: &Scan) -> GtinInfo {
        let parsed = scan.parsed();
        let gtin = parsed.gtin;
        let date = |date: fn(&Scan) -> Option<gtin::Date>| date(scan).map(|date| date.to_string());
        GtinInfo {
            input: input.to_owned(),
            valid: true,
            gtin14: Some(gtin.gtin14().to_owned()),
            gtin13: gtin.gtin13().map(str::to_owned),
            upc_a: gtin.upc_a().map(str::to_owned),
            upc_e: gtin.upc_e().map(|upc_e| upc_e.as_str().to_owned()),
            gtin8: gtin.gtin8().map(str::to_owned),
            format: Some(format_name(gtin.format())),
            kind: Some(kind_name(parsed.kind)),
            indicator: Some(i32::from(gtin.indicator())),
            gs1_prefix: gtin::gs1_prefix(&gtin).map(|prefix| Gs1PrefixInfo {
                prefix: Cow::Borrowed(prefix.prefix),
                organisation: Cow::Borrowed(prefix.organisation),
            }),
            variable_measure: parsed
                .variable_measure
                .as_ref()
                .map(|measure| VariableMeasureInfo {
                    region: measure.region.as_str().to_owned(),
                    price: measure.price.clone(),
                    weight_kg: measure.weight_kg.clone(),
                    count: measure.count.and_then(|count| i32::try_from(count).ok()),
                    lookup_gtin14: measure.lookup.gtin14().to_owned(),
                }),
            lookup_gtin14: parsed.lookup_gtin().map(|key| key.gtin14().to_owned()),
            warnings: parsed
                .warnings
                .iter()
                .map(|warning| GtinWarning {
                    code: Cow::Borrowed(warning.code),
                    message: warning.message.clone(),
                })
                .collect(),
            application_identifiers: scan.elements().iter().map(application_identifier).collect(),
            lot: scan.lot().map(str::to_owned),
            serial: scan.serial().map(str::to_owned),
            expiry_date: date(Scan::expiry),
            best_before_date: date(Scan::best_before),
            sell_by_date: date(Scan::sell_by),
            production_date: date(Scan::production),
            packaging_date: date(Scan::packaging),
            net_weight_kg: scan.net_weight_kg(),
            price: scan.price(),
            error: None,
            primary_key: Some(PrimaryKey {
                // Every GTIN's key is the same: borrowed, not copied per code.
                ai: Cow::Borrowed("01"),
                title: Cow::Borrowed("GTIN"),
                name: Cow::Borrowed("Global Trade Item Number (GTIN)"),
                identifies: Cow::Borrowed("a trade item"),
                value: gtin.gtin14().to_owned(),
            }),
            trade_item: Some(parsed.is_trade_item()),
        }
    }

    fn of_invalid(input: &str, error: &ParseError) -> GtinInfo {
        GtinInfo {
            error: Some(GtinError {
                reason: error.reason().as_str().to_owned(),
                message: error.message().to_owned(),
                hint: error.hint().map(str::to_owned),
                ai: error.ai().map(str::to_owned),
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

impl GtinInfo {
    /// `digitalLink` uncompressed, from the filled fields.
    pub(super) fn plain_digital_link(&self) -> Option<String> {
        let gtin14 = self.gtin14.as_deref()?;
        let mut ais: Vec<(&str, &str)> = self
            .application_identifiers
            .iter()
            .map(|ai| (ai.ai.as_str(), ai.value.as_str()))
            .collect();
        if !ais.iter().any(|(ai, _)| *ai == "01") {
            ais.insert(0, ("01", gtin14));
        }
        gtin::build_digital_link(super::DIGITAL_LINK_ROOT, &ais)
    }
}

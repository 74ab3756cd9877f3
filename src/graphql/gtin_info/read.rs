//! Every field of [`GtinInfo`] as a plain function of the view, in the schema's
//! order: what the GraphQL resolvers, the compiled plans (a `fn` pointer per field)
//! and the CLI's JSON all call, so the three cannot disagree on a value.
//!
//! A field borrows from the reading when it can (`gtin14` is the scan's own
//! digits) and builds a value only when it must (a date, a list, an object).

use std::borrow::Cow;

use super::{
    ApplicationIdentifier, Gs1PrefixInfo, GtinError, GtinFormatName, GtinInfo, GtinKind,
    GtinWarning, PrimaryKey, VariableMeasureInfo, application_identifier, format_name, kind_name,
};
use crate::gtin::{self, Reading, Scan};

pub(crate) fn input(info: &GtinInfo) -> &str {
    &info.input
}

pub(crate) fn valid(info: &GtinInfo) -> bool {
    info.reading.is_ok()
}

pub(crate) fn gtin14(info: &GtinInfo) -> Option<&str> {
    info.gtin().map(|gtin| gtin.gtin14())
}

pub(crate) fn gtin13(info: &GtinInfo) -> Option<&str> {
    info.gtin().and_then(|gtin| gtin.gtin13())
}

pub(crate) fn upc_a(info: &GtinInfo) -> Option<&str> {
    info.gtin().and_then(|gtin| gtin.upc_a())
}

pub(crate) fn upc_e(info: &GtinInfo) -> Option<String> {
    info.gtin()
        .and_then(|gtin| gtin.upc_e())
        .map(|upc_e| upc_e.as_str().to_owned())
}

pub(crate) fn gtin8(info: &GtinInfo) -> Option<&str> {
    info.gtin().and_then(|gtin| gtin.gtin8())
}

pub(crate) fn format(info: &GtinInfo) -> Option<GtinFormatName> {
    info.gtin().map(|gtin| format_name(gtin.format()))
}

pub(crate) fn kind(info: &GtinInfo) -> Option<GtinKind> {
    info.valid_scan().map(|scan| kind_name(scan.parsed().kind))
}

pub(crate) fn indicator(info: &GtinInfo) -> Option<i32> {
    info.gtin().map(|gtin| i32::from(gtin.indicator()))
}

pub(crate) fn gs1_prefix(info: &GtinInfo) -> Option<Gs1PrefixInfo> {
    gtin::gs1_prefix(info.gtin()?).map(|prefix| Gs1PrefixInfo {
        prefix: Cow::Borrowed(prefix.prefix),
        organisation: Cow::Borrowed(prefix.organisation),
    })
}

pub(crate) fn variable_measure(info: &GtinInfo) -> Option<VariableMeasureInfo> {
    let measure = info.valid_scan()?.parsed().variable_measure.as_ref()?;
    Some(VariableMeasureInfo {
        region: measure.region.as_str().to_owned(),
        price: measure.price.clone(),
        weight_kg: measure.weight_kg.clone(),
        count: measure.count.and_then(|count| i32::try_from(count).ok()),
        lookup_gtin14: measure.lookup.gtin14().to_owned(),
    })
}

pub(crate) fn lookup_gtin14(info: &GtinInfo) -> Option<&str> {
    info.valid_scan()?
        .parsed()
        .lookup_key()
        .map(|key| key.gtin14())
}

pub(crate) fn warnings(info: &GtinInfo) -> Vec<GtinWarning> {
    info.valid_scan().map_or_else(Vec::new, |scan| {
        scan.parsed()
            .warnings
            .iter()
            .map(|warning| GtinWarning {
                code: Cow::Borrowed(warning.code),
                message: warning.message.clone(),
            })
            .collect()
    })
}

pub(crate) fn application_identifiers(info: &GtinInfo) -> Vec<ApplicationIdentifier> {
    let elements = match &info.reading {
        Ok(Reading::Gtin(scan)) => scan.elements(),
        Ok(Reading::OtherKey(key)) => key.elements(),
        Err(_) => &[],
    };
    elements.iter().map(application_identifier).collect()
}

pub(crate) fn lot(info: &GtinInfo) -> Option<&str> {
    info.valid_scan().and_then(Scan::lot)
}

pub(crate) fn serial(info: &GtinInfo) -> Option<&str> {
    info.valid_scan().and_then(Scan::serial)
}

pub(crate) fn expiry_date(info: &GtinInfo) -> Option<String> {
    date(info, Scan::expiry)
}

pub(crate) fn best_before_date(info: &GtinInfo) -> Option<String> {
    date(info, Scan::best_before)
}

pub(crate) fn sell_by_date(info: &GtinInfo) -> Option<String> {
    date(info, Scan::sell_by)
}

pub(crate) fn production_date(info: &GtinInfo) -> Option<String> {
    date(info, Scan::production)
}

pub(crate) fn packaging_date(info: &GtinInfo) -> Option<String> {
    date(info, Scan::packaging)
}

pub(crate) fn net_weight_kg(info: &GtinInfo) -> Option<String> {
    info.valid_scan().and_then(Scan::net_weight_kg)
}

pub(crate) fn price(info: &GtinInfo) -> Option<String> {
    info.valid_scan().and_then(Scan::price)
}

pub(crate) fn error(info: &GtinInfo) -> Option<GtinError> {
    let error = info.reading.as_ref().err()?;
    Some(GtinError {
        reason: error.reason().as_str().to_owned(),
        message: error.message().to_owned(),
        hint: error.hint().map(str::to_owned),
        ai: error.ai().map(str::to_owned),
    })
}

pub(crate) fn primary_key(info: &GtinInfo) -> Option<PrimaryKey> {
    if let Some(key) = info.other_key() {
        return Some(PrimaryKey {
            ai: Cow::Borrowed(key.key().ai()),
            title: Cow::Borrowed(key.key().title()),
            name: Cow::Borrowed(key.key_name()),
            identifies: Cow::Borrowed(key.identifies()),
            value: key.key().value().to_owned(),
        });
    }
    info.gtin().map(|gtin| PrimaryKey {
        // Every GTIN's key is the same: borrowed, not copied per code.
        ai: Cow::Borrowed("01"),
        title: Cow::Borrowed("GTIN"),
        name: Cow::Borrowed("Global Trade Item Number (GTIN)"),
        identifies: Cow::Borrowed("a trade item"),
        value: gtin.gtin14().to_owned(),
    })
}

pub(crate) fn trade_item(info: &GtinInfo) -> Option<bool> {
    match &info.reading {
        Ok(Reading::Gtin(scan)) => Some(scan.parsed().is_trade_item()),
        Ok(Reading::OtherKey(_)) => Some(false),
        Err(_) => None,
    }
}

/// The date AI `date` reads, ISO 8601.
fn date(info: &GtinInfo, date: fn(&Scan) -> Option<gtin::Date>) -> Option<String> {
    info.valid_scan()
        .and_then(date)
        .map(|date| date.to_string())
}

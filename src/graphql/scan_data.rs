//! `ScanData`: what a 2D code at the till says about the pack in hand (lot, serial,
//! dates, net weight, price), on each `lookups` line, and whether it has expired, so
//! a till can refuse to sell it while still showing the product.

use async_graphql::{ComplexObject, Result, SimpleObject};

use super::errors;
use crate::gtin::{Date, Scan};

/// The data a GS1 2D code carried beside the GTIN.
#[derive(SimpleObject)]
#[graphql(complex)]
pub(crate) struct ScanData {
    /// AI (10): batch or lot number.
    pub(crate) lot: Option<String>,
    /// AI (21): serial number.
    pub(crate) serial: Option<String>,
    /// AI (17): expiration date, ISO 8601 (`YYYY-MM-DD`).
    pub(crate) expiry_date: Option<String>,
    /// AI (15): best before date, ISO 8601.
    pub(crate) best_before_date: Option<String>,
    /// AI (3100)-(3105): net weight in kilograms, a decimal string.
    pub(crate) net_weight_kg: Option<String>,
    /// AI (3920)-(3929): price to pay in the local currency, a decimal string.
    pub(crate) price: Option<String>,
    #[graphql(skip)]
    expiry: Option<Date>,
}

impl ScanData {
    /// The scan's data, or `None` when the code carried nothing beside the GTIN.
    pub(crate) fn of(scan: &Scan) -> Option<ScanData> {
        if !scan.carries_data() {
            return None;
        }
        Some(ScanData {
            lot: scan.lot().map(str::to_owned),
            serial: scan.serial().map(str::to_owned),
            expiry_date: scan.expiry().map(|date| date.to_string()),
            best_before_date: scan.best_before().map(|date| date.to_string()),
            net_weight_kg: scan.net_weight_kg(),
            price: scan.price(),
            expiry: scan.expiry(),
        })
    }

    /// `expired` without a `today`: against the gateway's clock (UTC). Null when the
    /// code carries no expiry date.
    pub(crate) fn expired_today(&self) -> Option<bool> {
        self.expiry.map(|expiry| expiry < Date::today_utc())
    }
}

#[ComplexObject]
impl ScanData {
    /// True when the expiry date (AI 17) is before `today`: the item may be shown but
    /// not sold. `today` is an ISO date (`YYYY-MM-DD`) in the till's time zone; without
    /// it, the gateway's clock (UTC). Null when the code carries no expiry date.
    async fn expired(&self, today: Option<String>) -> Result<Option<bool>> {
        let Some(expiry) = self.expiry else {
            return Ok(None);
        };
        match today {
            Some(text) => {
                let today = Date::parse_iso(&text).ok_or_else(|| errors::invalid_date(&text))?;
                Ok(Some(expiry < today))
            }
            None => Ok(self.expired_today()),
        }
    }
}

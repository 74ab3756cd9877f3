//! `lookups(codes:)`: a point-of-sale basket, one typed line per scanned code. A
//! line carries its own status and error, so a basket never fails as a whole.

use async_graphql::{Enum, SimpleObject};

use super::errors::upstream_message;
use super::gtin_info::GtinInfo;
use super::product::ProductView;
use super::scan_data::ScanData;
use crate::catalog::CatalogError;
use crate::error_code::ErrorCode;
use crate::gtin::{ParseError, Scan};
use crate::loader::Loaded;

/// The outcome of one basket line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub(crate) enum LookupStatus {
    /// The product was found.
    Found,
    /// A valid trade item the catalog does not have.
    NotFound,
    /// The code is not a valid GTIN (see `error.reason`).
    Invalid,
    /// Valid, but not a product: a coupon or refund receipt, or a GS1 key other than
    /// a GTIN (an SSCC, a GLN …; `error.reason` is NOT_A_TRADE_ITEM, `gtin.primaryKey`
    /// says which).
    NotATradeItem,
    /// The catalog could not answer for this line (see `error.code`); retry later.
    Unavailable,
}

/// Why a line has no product.
#[derive(SimpleObject)]
pub(crate) struct LookupError {
    /// Error code from the documented list (INVALID_GTIN, NOT_A_TRADE_ITEM, UPSTREAM_…).
    code: String,
    /// For INVALID_GTIN: the parse reason (INVALID_CHECK_DIGIT, …).
    reason: Option<String>,
    /// What went wrong, for a developer.
    message: String,
}

/// One basket line.
#[derive(SimpleObject)]
pub(crate) struct Lookup {
    /// The code exactly as scanned.
    input: String,
    /// The outcome.
    status: LookupStatus,
    /// What the code is (decoded price or weight of a variable-measure label included).
    gtin: GtinInfo,
    /// What a 2D code carried beside the GTIN (lot, serial, dates, weight, price,
    /// `expired`); null for a plain number. An expired item is still FOUND.
    scan: Option<ScanData>,
    /// The product; for a variable-measure label, the base product.
    product: Option<ProductView>,
    /// Why there is no product, when there is none for a reason other than NOT_FOUND.
    error: Option<LookupError>,
}

impl Lookup {
    /// A line whose code did not parse.
    pub(crate) fn invalid(gtin: GtinInfo, error: &ParseError) -> Lookup {
        Lookup {
            input: gtin.input.clone(),
            status: LookupStatus::Invalid,
            gtin,
            scan: None,
            product: None,
            error: Some(LookupError {
                code: ErrorCode::InvalidGtin.as_str().to_owned(),
                reason: Some(error.reason().as_str().to_owned()),
                message: error.message().to_owned(),
            }),
        }
    }

    /// A line whose code is valid but names no product.
    pub(crate) fn not_a_trade_item(gtin: GtinInfo, scan: &Scan) -> Lookup {
        let kind = scan.parsed().kind;
        Lookup {
            input: gtin.input.clone(),
            status: LookupStatus::NotATradeItem,
            gtin,
            scan: ScanData::of(scan),
            product: None,
            error: Some(LookupError {
                code: ErrorCode::NotATradeItem.as_str().to_owned(),
                reason: Some(kind.as_str().to_owned()),
                message: "this number is not a trade item: there is no product to look up"
                    .to_owned(),
            }),
        }
    }

    /// A line whose code is a valid GS1 key other than a GTIN (an SSCC, a GLN …).
    pub(crate) fn other_key(gtin: GtinInfo, error: &ParseError) -> Lookup {
        Lookup {
            input: gtin.input.clone(),
            status: LookupStatus::NotATradeItem,
            gtin,
            scan: None,
            product: None,
            error: Some(LookupError {
                code: ErrorCode::NotATradeItem.as_str().to_owned(),
                reason: Some(error.reason().as_str().to_owned()),
                message: error.message().to_owned(),
            }),
        }
    }

    /// A line that went to the catalog.
    pub(crate) fn loaded(gtin: GtinInfo, scan: &Scan, loaded: Loaded) -> Lookup {
        let input = gtin.input.clone();
        let scan = ScanData::of(scan);
        match loaded {
            Ok(Some(product)) => Lookup {
                input,
                status: LookupStatus::Found,
                gtin,
                scan,
                product: Some(ProductView(product)),
                error: None,
            },
            Ok(None) => Lookup {
                input,
                status: LookupStatus::NotFound,
                gtin,
                scan,
                product: None,
                error: None,
            },
            Err(error) => Lookup {
                input,
                status: LookupStatus::Unavailable,
                gtin,
                scan,
                product: None,
                error: Some(upstream_error(&error)),
            },
        }
    }
}

fn upstream_error(error: &CatalogError) -> LookupError {
    LookupError {
        code: error.code().as_str().to_owned(),
        reason: None,
        message: upstream_message(error).to_owned(),
    }
}

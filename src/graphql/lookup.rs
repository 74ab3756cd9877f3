//! `lookups(codes:)`: a point-of-sale basket, one typed line per scanned code. A
//! line carries its own status and error, so a basket never fails as a whole.
//!
//! A basket is read ([`Basket::read`]: every code scanned and described), its keys
//! loaded, and answered ([`Basket::answer`]); the resolver and the compiled plan
//! both go through these steps, so a line's status, error and facts are decided in
//! one place whichever path writes them.

use async_graphql::{Enum, Object, SimpleObject};

use super::errors::{lost, upstream_message};
use super::gtin_info::{GtinInfo, read};
use super::product::ProductView;
use super::scan_data::ScanData;
use crate::catalog::CatalogError;
use crate::error_code::ErrorCode;
use crate::gtin::{Gtin, ParseError, RcnRegion, Reason, Scan};
use crate::loader::Loaded;

/// A basket read, before anything is loaded: each line's reading.
pub(crate) struct Basket {
    lines: Vec<GtinInfo>,
}

impl Basket {
    /// Scans every code, decoding variable-measure labels of `region`.
    pub(crate) fn read<'a>(
        codes: impl IntoIterator<Item = &'a str>,
        region: Option<RcnRegion>,
    ) -> Basket {
        Basket {
            lines: codes
                .into_iter()
                .map(|code| GtinInfo::analyze(code, region))
                .collect(),
        }
    }

    /// The keys to load: one per line that names a product, in line order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = Gtin> + '_ {
        self.lines
            .iter()
            .filter_map(|info| info.scan().ok().and_then(line_key))
    }

    /// The lines, given one answer per [`Basket::keys`] key from `loaded`, in order
    /// (an answer missing stands as the catalog being unavailable for that line).
    pub(crate) fn answer(self, loaded: &mut impl Iterator<Item = Loaded>) -> Vec<Lookup> {
        self.lines
            .into_iter()
            .map(|info| Lookup::of(info, loaded))
            .collect()
    }
}

/// The key a line is looked up by, if it names a product.
fn line_key(scan: &Scan) -> Option<Gtin> {
    scan.parsed().lookup_gtin()
}

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
    pub(crate) code: String,
    /// For INVALID_GTIN: the parse reason (INVALID_CHECK_DIGIT, …).
    pub(crate) reason: Option<String>,
    /// What went wrong, for a developer.
    pub(crate) message: String,
}

/// One basket line. Its `input` is its reading's (not a copy); `scan` and `error` are
/// boxed: most lines have neither, and a line is built, moved into the answer's list
/// and dropped (bench/JOURNAL.md, "Session 25").
pub(crate) struct Lookup {
    pub(crate) gtin: GtinInfo,
    pub(crate) status: LookupStatus,
    pub(crate) scan: Option<Box<ScanData>>,
    pub(crate) product: Option<ProductView>,
    pub(crate) error: Option<Box<LookupError>>,
}

// The fields, in the schema's order. (The impl's doc comment is the type's
// description in the schema.)
/// One basket line.
#[Object]
impl Lookup {
    /// The code exactly as scanned.
    async fn input(&self) -> &str {
        read::input(&self.gtin)
    }

    /// The outcome.
    async fn status(&self) -> LookupStatus {
        self.status
    }

    /// What the code is (decoded price or weight of a variable-measure label included).
    async fn gtin(&self) -> &GtinInfo {
        &self.gtin
    }

    /// What a 2D code carried beside the GTIN (lot, serial, dates, weight, price,
    /// `expired`); null for a plain number. An expired item is still FOUND.
    async fn scan(&self) -> Option<&ScanData> {
        self.scan.as_deref()
    }

    /// The product; for a variable-measure label, the base product.
    async fn product(&self) -> Option<&ProductView> {
        self.product.as_ref()
    }

    /// Why there is no product, when there is none for a reason other than NOT_FOUND.
    async fn error(&self) -> Option<&LookupError> {
        self.error.as_deref()
    }
}

impl Lookup {
    /// The line of `gtin`, taking the next of `loaded` when it names a product.
    fn of(gtin: GtinInfo, loaded: &mut impl Iterator<Item = Loaded>) -> Lookup {
        let (status, scan, product, error) = match gtin.scan() {
            // A valid GS1 key other than a GTIN (an SSCC, a GLN …): not a bad code.
            Err(error) if error.reason() == Reason::NotATradeItem => (
                LookupStatus::NotATradeItem,
                None,
                None,
                Some(parse_error(ErrorCode::NotATradeItem, error)),
            ),
            Err(error) => (
                LookupStatus::Invalid,
                None,
                None,
                Some(parse_error(ErrorCode::InvalidGtin, error)),
            ),
            Ok(scan) if line_key(scan).is_none() => (
                LookupStatus::NotATradeItem,
                ScanData::of(scan),
                None,
                Some(LookupError {
                    code: ErrorCode::NotATradeItem.as_str().to_owned(),
                    reason: Some(scan.parsed().kind.as_str().to_owned()),
                    message: "this number is not a trade item: there is no product to look up"
                        .to_owned(),
                }),
            ),
            Ok(scan) => {
                let scan = ScanData::of(scan);
                match loaded.next().unwrap_or_else(|| Err(lost())) {
                    Ok(Some(product)) => {
                        (LookupStatus::Found, scan, Some(ProductView(product)), None)
                    }
                    Ok(None) => (LookupStatus::NotFound, scan, None, None),
                    Err(error) => (
                        LookupStatus::Unavailable,
                        scan,
                        None,
                        Some(upstream_error(&error)),
                    ),
                }
            }
        };
        Lookup {
            status,
            gtin,
            scan: scan.map(Box::new),
            product,
            error: error.map(Box::new),
        }
    }
}

/// The line's error for a code that names no product: `code`, with the parse's
/// reason and message.
fn parse_error(code: ErrorCode, error: &ParseError) -> LookupError {
    LookupError {
        code: code.as_str().to_owned(),
        reason: Some(error.reason().as_str().to_owned()),
        message: error.message().to_owned(),
    }
}

fn upstream_error(error: &CatalogError) -> LookupError {
    LookupError {
        code: error.code().as_str().to_owned(),
        reason: None,
        message: upstream_message(error).to_owned(),
    }
}

//! Variable-measure restricted circulation numbers (spec §3): the regional layouts that
//! embed a price, weight or count in a GTIN-13 with prefix 20-29, the verifier digit
//! some regions add, and the lookup key with the variable part zeroed.
//!
//! Layouts are biip's (`src/biip/rcn.py`, `_RCN_RULES`), which cite each GS1 Member
//! Organisation's guide; the spec copies them in its §3 table. A region is deployment
//! configuration: without one, nothing here runs and the full number is the key.
//! US/Canada store layouts (`02` / UPC `2`) are retailer-defined and not decoded.

use std::fmt;
use std::str::FromStr;

use super::check_digit::{measure_check_digit, value};
use super::identity::Gtin;

/// A region whose variable-measure RCN layout the gateway knows (ISO 3166-1 alpha-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RcnRegion {
    /// Sweden (GS1 Sweden's variable-weight guide).
    Se,
    /// Norway (biip copies Sweden's rules; no published spec found).
    No,
    /// Finland.
    Fi,
    /// Estonia (shares the Baltic layout).
    Ee,
    /// Latvia (shares the Baltic layout).
    Lv,
    /// Lithuania (shares the Baltic layout).
    Lt,
    /// Denmark.
    Dk,
    /// Germany (with a 5-digit measure verifier).
    De,
    /// Great Britain (with a 4-digit price verifier).
    Gb,
}

impl RcnRegion {
    /// Every region, in the order the spec lists them.
    pub const ALL: [RcnRegion; 9] = [
        RcnRegion::Se,
        RcnRegion::No,
        RcnRegion::Fi,
        RcnRegion::Ee,
        RcnRegion::Lv,
        RcnRegion::Lt,
        RcnRegion::Dk,
        RcnRegion::De,
        RcnRegion::Gb,
    ];

    /// The upper-case country code, e.g. `"SE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RcnRegion::Se => "SE",
            RcnRegion::No => "NO",
            RcnRegion::Fi => "FI",
            RcnRegion::Ee => "EE",
            RcnRegion::Lv => "LV",
            RcnRegion::Lt => "LT",
            RcnRegion::Dk => "DK",
            RcnRegion::De => "DE",
            RcnRegion::Gb => "GB",
        }
    }
}

impl fmt::Display for RcnRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RcnRegion {
    type Err = UnknownRcnRegion;

    /// Reads a country code, case-insensitively (`"se"`, `"SE"`).
    fn from_str(s: &str) -> Result<RcnRegion, UnknownRcnRegion> {
        RcnRegion::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownRcnRegion {
                input: s.chars().take(32).collect(),
            })
    }
}

/// A region name that is not one of [`RcnRegion::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownRcnRegion {
    /// What was given (cut to 32 characters).
    input: String,
}

impl fmt::Display for UnknownRcnRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown RCN region {:?}; expected one of SE, NO, FI, EE, LV, LT, DK, DE, GB",
            self.input
        )
    }
}

impl std::error::Error for UnknownRcnRegion {}

/// The measure decoded from a variable-measure RCN (spec §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariableMeasure {
    /// The region whose layout decoded it.
    pub region: RcnRegion,
    /// The price as a decimal string (`"12.34"`), no currency; no floats anywhere.
    pub price: Option<String>,
    /// The weight in kilograms as a decimal string (`"1.234"`).
    pub weight_kg: Option<String>,
    /// A count of items.
    pub count: Option<u32>,
    /// The number with the variable part zeroed and check digits recomputed: the key
    /// that finds the *product* rather than this one label.
    pub lookup: Gtin,
}

/// What a layout's value digits measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Measure {
    Price,
    Weight,
    Count,
}

impl Measure {
    fn name(self) -> &'static str {
        match self {
            Measure::Price => "price",
            Measure::Weight => "weight",
            Measure::Count => "count",
        }
    }
}

/// One regional layout for one 2-digit prefix. `pattern` covers the 12 payload digits
/// of the GTIN-13: `P` item reference, `C` measure verifier digit, `V` value.
struct Layout {
    prefix: &'static [u8; 2],
    measure: Measure,
    decimals: usize,
    pattern: &'static [u8; 12],
}

const fn layout(
    prefix: &'static [u8; 2],
    measure: Measure,
    decimals: usize,
    pattern: &'static [u8; 12],
) -> Layout {
    Layout {
        prefix,
        measure,
        decimals,
        pattern,
    }
}

use Measure::{Count, Price, Weight};

/// Sweden (<https://gs1.se/en/support/how-do-i-create-my-variable-weight-numbers/>), and
/// Norway, which biip treats the same way.
static SE_NO: [Layout; 6] = [
    layout(b"20", Price, 2, b"PPPPPPPPVVVV"),
    layout(b"21", Price, 1, b"PPPPPPPPVVVV"),
    layout(b"22", Price, 0, b"PPPPPPPPVVVV"),
    layout(b"23", Weight, 3, b"PPPPPPPPVVVV"),
    layout(b"24", Weight, 2, b"PPPPPPPPVVVV"),
    layout(b"25", Weight, 1, b"PPPPPPPPVVVV"),
];

/// Finland and the Baltic states (GS1 Latvia's variable-measure guide).
static FI_BALTIC: [Layout; 3] = [
    layout(b"23", Weight, 3, b"PPPPPPPPVVVV"),
    layout(b"24", Weight, 2, b"PPPPPPPPVVVV"),
    layout(b"25", Weight, 1, b"PPPPPPPPVVVV"),
];

/// Denmark (GS1 Denmark, GTIN-13 pris / vægt).
static DK: [Layout; 7] = [
    layout(b"21", Price, 2, b"PPPPPPVVVVVV"),
    layout(b"22", Price, 2, b"PPPPPPVVVVVV"),
    layout(b"23", Price, 2, b"PPPPPPVVVVVV"),
    layout(b"24", Price, 2, b"PPPPPPVVVVVV"),
    layout(b"26", Weight, 3, b"PPPPPPVVVVVV"),
    layout(b"27", Weight, 3, b"PPPPPPPVVVVV"),
    layout(b"28", Weight, 3, b"PPPPPPVVVVVV"),
];

/// Germany (GS1 Germany, "Globale Artikelnummer GTIN in der Anwendung").
static DE: [Layout; 6] = [
    layout(b"22", Price, 2, b"PPPPPPCVVVVV"),
    layout(b"23", Price, 2, b"PPPPPPCVVVVV"),
    layout(b"25", Count, 0, b"PPPPPPCVVVVV"),
    layout(b"26", Count, 0, b"PPPPPPCVVVVV"),
    layout(b"28", Weight, 3, b"PPPPPPCVVVVV"),
    layout(b"29", Weight, 3, b"PPPPPPCVVVVV"),
];

/// Great Britain (GS1 UK, "How to barcode variable measure items").
static GB: [Layout; 1] = [layout(b"20", Price, 2, b"PPPPPPPCVVVV")];

fn layouts(region: RcnRegion) -> &'static [Layout] {
    match region {
        RcnRegion::Se | RcnRegion::No => &SE_NO,
        RcnRegion::Fi | RcnRegion::Ee | RcnRegion::Lv | RcnRegion::Lt => &FI_BALTIC,
        RcnRegion::Dk => &DK,
        RcnRegion::De => &DE,
        RcnRegion::Gb => &GB,
    }
}

/// A measure verifier digit that does not match its value (spec §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MeasureCheckError {
    /// What the value measures ("price", "weight", "count").
    pub(crate) measure: &'static str,
    /// The value digits as printed.
    pub(crate) value: String,
    /// The verifier digit the value calls for.
    pub(crate) expected: u8,
    /// The verifier digit on the label.
    pub(crate) found: u8,
}

/// Decodes a geographic RCN with a region's layout.
///
/// `Ok(None)` when the number is not a GTIN-13 or the region has no layout for its
/// prefix (then the full number is the key); an error when a verifier digit is wrong.
pub(crate) fn decode(
    gtin: &Gtin,
    region: RcnRegion,
) -> Result<Option<VariableMeasure>, MeasureCheckError> {
    let d = gtin.as_bytes();
    // The GTIN-13 view is d[1..]; only GTIN-13s (d[0] == '0', d[1] == '2') have layouts.
    let (Some(&b'0'), Some(v)) = (d.first(), d.get(1..13)) else {
        return Ok(None);
    };
    let Some(l) = layouts(region)
        .iter()
        .find(|l| v.starts_with(l.prefix.as_slice()))
    else {
        return Ok(None);
    };

    let mut value_digits: &[u8] = &[];
    let mut check_at = None;
    let mut lookup_payload = [b'0'; 13];
    let (first_v, last_v) = span(l.pattern, b'V');
    for (i, (&p, &digit)) in l.pattern.iter().zip(v).enumerate() {
        if let Some(slot) = lookup_payload.get_mut(i + 1) {
            // Keep the item reference, zero the value (and, below, its verifier).
            *slot = if p == b'P' { digit } else { b'0' };
        }
        if p == b'C' {
            check_at = Some((i, digit));
        }
    }
    if let Some(vd) = v.get(first_v..=last_v) {
        value_digits = vd;
    }

    if let Some((i, found)) = check_at {
        let expected = measure_check_digit(value_digits).unwrap_or(0);
        if expected != value(found) {
            return Err(MeasureCheckError {
                measure: l.measure.name(),
                value: String::from_utf8_lossy(value_digits).into_owned(),
                expected,
                found: value(found),
            });
        }
        let zeros = [b'0'; 5];
        let zeroed = zeros.get(..value_digits.len()).unwrap_or(&zeros);
        if let Some(slot) = lookup_payload.get_mut(i + 1) {
            *slot = b'0' + measure_check_digit(zeroed).unwrap_or(0);
        }
    }

    let Some(lookup) = Gtin::from_payload(lookup_payload) else {
        return Ok(None);
    };
    let mut vm = VariableMeasure {
        region,
        price: None,
        weight_kg: None,
        count: None,
        lookup,
    };
    match l.measure {
        Measure::Price => vm.price = Some(decimal(value_digits, l.decimals)),
        Measure::Weight => vm.weight_kg = Some(decimal(value_digits, l.decimals)),
        Measure::Count => {
            let n = value_digits.iter().fold(0u32, |n, &b| {
                n.saturating_mul(10).saturating_add(u32::from(value(b)))
            });
            vm.count = Some(n);
        }
    }
    Ok(Some(vm))
}

/// First and last index of `marker` in a layout pattern.
fn span(pattern: &[u8; 12], marker: u8) -> (usize, usize) {
    let first = pattern.iter().position(|&p| p == marker).unwrap_or(0);
    let last = pattern.iter().rposition(|&p| p == marker).unwrap_or(0);
    (first, last)
}

/// ASCII digits as a decimal string with `decimals` places: `("06870", 3)` → `"6.870"`.
fn decimal(digits: &[u8], decimals: usize) -> String {
    let split = digits.len().saturating_sub(decimals);
    let (int, frac) = digits.split_at(split);
    let int = match int.iter().position(|&b| b != b'0') {
        Some(first) => int.get(first..).unwrap_or_default(),
        None => b"0".as_slice(),
    };
    let mut out = String::with_capacity(int.len() + frac.len() + 1);
    out.push_str(&String::from_utf8_lossy(int));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&String::from_utf8_lossy(frac));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gtin(s: &str) -> Gtin {
        Gtin::from_digits(s).expect("valid test GTIN")
    }

    #[test]
    fn regions_parse_case_insensitively_and_list_the_valid_ones_on_error() {
        assert_eq!("se".parse::<RcnRegion>(), Ok(RcnRegion::Se));
        assert_eq!("GB".parse::<RcnRegion>(), Ok(RcnRegion::Gb));
        assert_eq!("dE".parse::<RcnRegion>(), Ok(RcnRegion::De));
        let err = "us".parse::<RcnRegion>().expect_err("US has no layout");
        assert_eq!(
            err.to_string(),
            r#"unknown RCN region "us"; expected one of SE, NO, FI, EE, LV, LT, DK, DE, GB"#
        );
        for r in RcnRegion::ALL {
            assert_eq!(r.to_string().parse::<RcnRegion>(), Ok(r));
        }
    }

    #[test]
    fn decimals_keep_their_places_and_drop_leading_zeros() {
        assert_eq!(decimal(b"1234", 2), "12.34");
        assert_eq!(decimal(b"06870", 3), "6.870");
        assert_eq!(decimal(b"000150", 3), "0.150");
        assert_eq!(decimal(b"1234", 0), "1234");
        assert_eq!(decimal(b"0000", 0), "0");
    }

    #[test]
    fn a_gtin_12_store_code_has_no_layout() {
        // Spec §5: 212345678992 (US store code) is not decodable.
        assert_eq!(decode(&gtin("212345678992"), RcnRegion::Se), Ok(None));
    }

    #[test]
    fn a_wrong_verifier_digit_is_reported_with_both_digits() {
        // biip tests/rcn/test_rules.py: "Expected 9, got 8" for value 00012.
        let err = decode(&gtin("2511118000120"), RcnRegion::De).expect_err("bad verifier");
        assert_eq!((err.expected, err.found), (9, 8));
        assert_eq!(err.value, "00012");
        assert_eq!(err.measure, "count");
    }
}

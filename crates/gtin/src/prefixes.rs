//! GS1 prefixes as data: which GS1 Member Organisation (or special use) a GTIN's
//! number range was issued through (spec R10, §7 `gs1Prefix`). It does not say where a
//! product was made.
//!
//! Source: GS1's published list, <https://www.gs1.org/standards/id-keys/company-prefix>,
//! as bundled by biip (`src/biip/gs1_prefixes/_prefix_ranges.json`, and the footnote
//! exceptions for 960-962 from biip `scripts/download_gs1_prefixes.py`). Two choices:
//! * 981-984 are coupons for common currency areas, as GS1 publishes it (and the spec
//!   says); biip's data stops at 983.
//! * The table is total: every gap in GS1's list is an explicit "not assigned" row, so
//!   every 3-digit prefix 000-999 maps to something (tested below).
//!
//! GTIN-8s use the GS1-8 prefix rules instead (GenSpecs §1.4.3, biip `GS18Prefix`).

use super::identity::{Gtin, GtinFormat};

/// The GS1 prefix of a GTIN and the organisation (or special use) it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gs1Prefix {
    /// The prefix digits as they appear in the GTIN-13 view (2 to 7 digits), e.g. `"703"`.
    pub prefix: &'static str,
    /// Who issues numbers under it, e.g. `"GS1 Norway"`, or its special use.
    pub organisation: &'static str,
}

impl Gs1Prefix {
    /// False for prefixes GS1 has not assigned to anyone (numbers there will not be found).
    pub fn is_assigned(&self) -> bool {
        self.organisation != UNASSIGNED && self.organisation != GS1_8_RESERVED
    }
}

/// The organisation of a gap in GS1's list.
const UNASSIGNED: &str = "Not assigned (reserved by GS1 Global Office)";
/// GS1-8 prefixes 977-999 (GenSpecs §1.4.3).
const GS1_8_RESERVED: &str = "Reserved for future use";
/// GS1-8 prefixes 000-099 and 200-299 (GenSpecs §1.4.3).
const GS1_8_COMPANY_RCN: &str = "Used to issue Restricted Circulation Numbers within a company";
/// GTIN-13 prefix 952 (spec R10 note).
const DEMO: &str = "Used for demonstrations and examples of the GS1 system";
/// GTIN-13 prefixes 050-059, the old UPC number-system-5 coupons (spec R10 note).
const US_RESERVED: &str = "GS1 US reserved for future use";
const GS1_US: &str = "GS1 US";

/// The GS1 prefix of a GTIN: of its GTIN-13 view for GTIN-12/13, of digits 2-14 for a
/// GTIN-14 (the indicator is not part of it), and by the GS1-8 rules for a GTIN-8.
///
/// Every valid `Gtin` has one (the table is total); the `Option` leaves room for data
/// that is not.
pub fn gs1_prefix(gtin: &Gtin) -> Option<Gs1Prefix> {
    let d = gtin.as_bytes();
    match gtin.format() {
        GtinFormat::Gtin8 => gs1_8_prefix(d.get(6..)?),
        _ => gs1_13_prefix(d.get(1..)?),
    }
}

/// One row of the 3-digit table: prefixes `lo..=hi`, reported with `len` digits.
struct Row {
    /// First 3-digit prefix of the range.
    lo: u16,
    /// Last 3-digit prefix of the range.
    hi: u16,
    /// Digits of the prefix as GS1 writes it (2 for `99`, else 3).
    len: u8,
    /// Who issues numbers under it.
    organisation: &'static str,
}

const fn row(lo: u16, hi: u16, len: u8, organisation: &'static str) -> Row {
    Row {
        lo,
        hi,
        len,
        organisation,
    }
}

/// `000`…`999` as 3000 ASCII bytes, so a prefix can be a `&'static str`.
static DIGITS_3: [u8; 3000] = numbered::<3000>(3, 0);
/// `0000000`…`0000099`.
static DIGITS_7: [u8; 700] = numbered::<700>(7, 0);
/// `00001`…`00009`.
static DIGITS_5: [u8; 45] = numbered::<45>(5, 1);
/// `0001`…`0009`.
static DIGITS_4_LOW: [u8; 36] = numbered::<36>(4, 1);
/// `9620`…`9629`.
static DIGITS_4_962: [u8; 40] = numbered::<40>(4, 9620);

/// Consecutive zero-padded numbers of `width` digits from `start`, as ASCII.
const fn numbered<const N: usize>(width: usize, start: usize) -> [u8; N] {
    let mut out = [b'0'; N];
    let mut i = 0;
    while i < N / width {
        let mut n = start + i;
        let mut j = width;
        while j > 0 {
            j -= 1;
            out[i * width + j] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        i += 1;
    }
    out
}

/// Entry `index` of a `numbered` table as a string.
fn nth(table: &'static [u8], width: usize, index: usize) -> Option<&'static str> {
    let start = index.checked_mul(width)?;
    let bytes = table.get(start..start.checked_add(width)?)?;
    std::str::from_utf8(bytes).ok()
}

/// The number spelled by leading ASCII digits.
fn number(digits: &[u8]) -> usize {
    digits.iter().fold(0usize, |n, &d| {
        n.wrapping_mul(10)
            .wrapping_add(usize::from(d.wrapping_sub(b'0')))
    })
}

/// GS1 prefix of 13 (or at least 7) digits.
fn gs1_13_prefix(v: &[u8]) -> Option<Gs1Prefix> {
    let p3 = number(v.get(..3)?);
    if p3 == 0 {
        return gs1_000_prefix(v);
    }
    if p3 == 962 {
        // GS1 footnote 3: 962 is split between GS1 UK, GS1 Poland and Global Office.
        let i = number(v.get(..4)?).checked_sub(9620)?;
        let organisation = match i {
            0..=4 => "GS1 UK - GTIN-8",
            5..=6 => "GS1 Poland - GTIN-8",
            _ => "GS1 Global Office - GTIN-8",
        };
        return Some(Gs1Prefix {
            prefix: nth(&DIGITS_4_962, 4, i)?,
            organisation,
        });
    }
    let r = THREE_DIGIT.get(usize::from(*ROW_OF.get(p3)?))?;
    let prefix = nth(&DIGITS_3, 3, p3)?;
    Some(Gs1Prefix {
        prefix: prefix.get(..usize::from(r.len))?,
        organisation: r.organisation,
    })
}

/// The finer GS1 prefixes under `000` (GS1 list rows of 4, 5 and 7 digits).
fn gs1_000_prefix(v: &[u8]) -> Option<Gs1Prefix> {
    let p4 = number(v.get(..4)?);
    if p4 != 0 {
        return Some(Gs1Prefix {
            prefix: nth(&DIGITS_4_LOW, 4, p4.checked_sub(1)?)?,
            organisation: GS1_US,
        });
    }
    let p5 = number(v.get(..5)?);
    if p5 != 0 {
        return Some(Gs1Prefix {
            prefix: nth(&DIGITS_5, 5, p5.checked_sub(1)?)?,
            organisation: GS1_US,
        });
    }
    let p7 = number(v.get(..7)?);
    Some(Gs1Prefix {
        prefix: nth(&DIGITS_7, 7, p7)?,
        organisation: if p7 == 0 {
            "Used to issue Restricted Circulation Numbers within a company"
        } else {
            "Unused to avoid collision with GTIN-8"
        },
    })
}

/// GS1-8 prefix of the 8 digits of a GTIN-8 (GenSpecs §1.4.3, biip `GS18Prefix`).
fn gs1_8_prefix(d8: &[u8]) -> Option<Gs1Prefix> {
    let p3 = number(d8.get(..3)?);
    let prefix = nth(&DIGITS_3, 3, p3)?;
    match p3 {
        0..=99 | 200..=299 => Some(Gs1Prefix {
            prefix,
            organisation: GS1_8_COMPANY_RCN,
        }),
        977..=999 => Some(Gs1Prefix {
            prefix,
            organisation: GS1_8_RESERVED,
        }),
        _ => gs1_13_prefix(d8),
    }
}

/// What the parser should warn about a prefix (spec R10 notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// 050-059: GS1 US reserved (the old UPC number-system-5 coupons).
    Reserved,
    /// 952: GS1's demonstration range.
    Demo,
    /// Not assigned by GS1.
    Unassigned,
}

/// The note for a GTIN's prefix, in O(1) and without building strings: the parser
/// asks this for every number it accepts.
#[inline]
pub(crate) fn note(gtin: &Gtin) -> Option<Note> {
    let d = gtin.as_bytes();
    let is_gtin8 = gtin.format() == GtinFormat::Gtin8;
    let view = d.get(if is_gtin8 { 6..9 } else { 1..4 })?;
    let p3 = number(view);
    // GS1-8 prefixes 0xx, 2xx are company RCNs and 977-999 are reserved, not noted.
    if is_gtin8 && matches!(p3, 0..=99 | 200..=299 | 977..=999) {
        return None;
    }
    // Under 000 only finer prefixes exist (GS1 US, company RCN, unused): no note.
    if p3 == 0 {
        return None;
    }
    match NOTE_OF.get(p3).copied().unwrap_or(0) {
        1 => Some(Note::Reserved),
        2 => Some(Note::Demo),
        3 => Some(Note::Unassigned),
        _ => None,
    }
}

/// For each 3-digit prefix: 0 no note, 1 reserved, 2 demo, 3 unassigned.
static NOTE_OF: [u8; 1000] = note_of();

const fn note_of() -> [u8; 1000] {
    let mut out = [0u8; 1000];
    let mut i = 0;
    while i < THREE_DIGIT.len() {
        let org = THREE_DIGIT[i].organisation;
        let note = if str_eq(org, US_RESERVED) {
            1
        } else if str_eq(org, DEMO) {
            2
        } else if str_eq(org, UNASSIGNED) {
            3
        } else {
            0
        };
        let mut p = THREE_DIGIT[i].lo as usize;
        while p <= THREE_DIGIT[i].hi as usize && p < 1000 {
            out[p] = note;
            p += 1;
        }
        i += 1;
    }
    out
}

/// String equality usable in a `const fn`.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// For each 3-digit prefix, its row in `THREE_DIGIT`: an O(1) lookup, because the
/// parser consults the prefix of every number it accepts (for the R10 notes).
static ROW_OF: [u8; 1000] = row_of();

const fn row_of() -> [u8; 1000] {
    let mut out = [0u8; 1000];
    let mut i = 0;
    while i < THREE_DIGIT.len() {
        let mut p = THREE_DIGIT[i].lo as usize;
        while p <= THREE_DIGIT[i].hi as usize && p < 1000 {
            out[p] = i as u8;
            p += 1;
        }
        i += 1;
    }
    out
}

/// Every 3-digit prefix, in order, without gaps (generated from biip's
/// `_prefix_ranges.json`; gaps filled with [`UNASSIGNED`]).
const THREE_DIGIT: [Row; 191] = [
    row(0, 19, 3, "GS1 US"),
    row(
        20,
        29,
        3,
        "Used to issue Restricted Circulation Numbers within a geographic region (MO defined)",
    ),
    row(30, 39, 3, "GS1 US"),
    row(
        40,
        49,
        3,
        "Used to issue GS1 Restricted Circulation Numbers within a company",
    ),
    row(50, 59, 3, "GS1 US reserved for future use"),
    row(60, 139, 3, "GS1 US"),
    row(140, 199, 3, UNASSIGNED),
    row(
        200,
        299,
        3,
        "Used to issue GS1 Restricted Circulation Numbers within a geographic region (MO defined)",
    ),
    row(300, 379, 3, "GS1 France"),
    row(380, 380, 3, "GS1 Bulgaria"),
    row(381, 382, 3, UNASSIGNED),
    row(383, 383, 3, "GS1 Slovenija"),
    row(384, 384, 3, UNASSIGNED),
    row(385, 385, 3, "GS1 Croatia"),
    row(386, 386, 3, UNASSIGNED),
    row(387, 387, 3, "GS1 BIH (Bosnia-Herzegovina)"),
    row(388, 388, 3, UNASSIGNED),
    row(389, 389, 3, "GS1 Montenegro"),
    row(390, 399, 3, UNASSIGNED),
    row(400, 440, 3, "GS1 Germany"),
    row(441, 449, 3, UNASSIGNED),
    row(450, 459, 3, "GS1 Japan"),
    row(460, 469, 3, "GS1 Russia"),
    row(470, 470, 3, "GS1 Kyrgyzstan"),
    row(471, 471, 3, "GS1 Chinese Taipei"),
    row(472, 473, 3, UNASSIGNED),
    row(474, 474, 3, "GS1 Estonia"),
    row(475, 475, 3, "GS1 Latvia"),
    row(476, 476, 3, "GS1 Azerbaijan"),
    row(477, 477, 3, "GS1 Lithuania"),
    row(478, 478, 3, "GS1 Uzbekistan"),
    row(479, 479, 3, "GS1 Sri Lanka"),
    row(480, 480, 3, "GS1 Philippines"),
    row(481, 481, 3, "GS1 Belarus"),
    row(482, 482, 3, "GS1 Ukraine"),
    row(483, 483, 3, "GS1 Turkmenistan"),
    row(484, 484, 3, "GS1 Moldova"),
    row(485, 485, 3, "GS1 Armenia"),
    row(486, 486, 3, "GS1 Georgia"),
    row(487, 487, 3, "GS1 Kazakstan"),
    row(488, 488, 3, "GS1 Tajikistan"),
    row(489, 489, 3, "GS1 Hong Kong, China"),
    row(490, 499, 3, "GS1 Japan"),
    row(500, 509, 3, "GS1 UK"),
    row(510, 519, 3, UNASSIGNED),
    row(520, 521, 3, "GS1 Association Greece"),
    row(522, 527, 3, UNASSIGNED),
    row(528, 528, 3, "GS1 Lebanon"),
    row(529, 529, 3, "GS1 Cyprus"),
    row(530, 530, 3, "GS1 Albania"),
    row(531, 531, 3, "GS1 Macedonia"),
    row(532, 534, 3, UNASSIGNED),
    row(535, 535, 3, "GS1 Malta"),
    row(536, 538, 3, UNASSIGNED),
    row(539, 539, 3, "GS1 Ireland"),
    row(540, 549, 3, "GS1 Belgium & Luxembourg"),
    row(550, 559, 3, UNASSIGNED),
    row(560, 560, 3, "GS1 Portugal"),
    row(561, 568, 3, UNASSIGNED),
    row(569, 569, 3, "GS1 Iceland"),
    row(570, 579, 3, "GS1 Denmark"),
    row(580, 589, 3, UNASSIGNED),
    row(590, 590, 3, "GS1 Poland"),
    row(591, 593, 3, UNASSIGNED),
    row(594, 594, 3, "GS1 Romania"),
    row(595, 598, 3, UNASSIGNED),
    row(599, 599, 3, "GS1 Hungary"),
    row(600, 601, 3, "GS1 South Africa"),
    row(602, 602, 3, UNASSIGNED),
    row(603, 603, 3, "GS1 Ghana"),
    row(604, 604, 3, "GS1 Senegal"),
    row(605, 605, 3, "GS1 Uganda"),
    row(606, 606, 3, "GS1 Angola"),
    row(607, 607, 3, "GS1 Oman"),
    row(608, 608, 3, "GS1 Bahrain"),
    row(609, 609, 3, "GS1 Mauritius"),
    row(610, 610, 3, "Managed by GS1 Global Office for future MO"),
    row(611, 611, 3, "GS1 Morocco"),
    row(612, 612, 3, UNASSIGNED),
    row(613, 613, 3, "GS1 Algeria"),
    row(614, 614, 3, "Managed by GS1 Global Office for future MO"),
    row(615, 615, 3, "GS1 Nigeria"),
    row(616, 616, 3, "GS1 Kenya"),
    row(617, 617, 3, "GS1 Cameroon"),
    row(618, 618, 3, "GS1 C\u{f4}te d'Ivoire"),
    row(619, 619, 3, "GS1 Tunisia"),
    row(620, 620, 3, "GS1 Tanzania"),
    row(621, 621, 3, "GS1 Syria"),
    row(622, 622, 3, "GS1 Egypt"),
    row(623, 623, 3, "Managed by GS1 Global Office for future MO"),
    row(624, 624, 3, "GS1 Libya"),
    row(625, 625, 3, "GS1 Jordan"),
    row(626, 626, 3, "GS1 Iran"),
    row(627, 627, 3, "GS1 Kuwait"),
    row(628, 628, 3, "GS1 Saudi Arabia"),
    row(629, 629, 3, "GS1 Emirates"),
    row(630, 630, 3, "GS1 Qatar"),
    row(631, 631, 3, "GS1 Namibia"),
    row(632, 632, 3, "GS1 Rwanda"),
    row(633, 639, 3, UNASSIGNED),
    row(640, 649, 3, "GS1 Finland"),
    row(650, 679, 3, UNASSIGNED),
    row(680, 681, 3, "GS1 China"),
    row(682, 689, 3, UNASSIGNED),
    row(690, 699, 3, "GS1 China"),
    row(700, 709, 3, "GS1 Norway"),
    row(710, 728, 3, UNASSIGNED),
    row(729, 729, 3, "GS1 Israel"),
    row(730, 739, 3, "GS1 Sweden"),
    row(740, 740, 3, "GS1 Guatemala"),
    row(741, 741, 3, "GS1 El Salvador"),
    row(742, 742, 3, "GS1 Honduras"),
    row(743, 743, 3, "GS1 Nicaragua"),
    row(744, 744, 3, "GS1 Costa Rica"),
    row(745, 745, 3, "GS1 Panama"),
    row(746, 746, 3, "GS1 Republica Dominicana"),
    row(747, 749, 3, UNASSIGNED),
    row(750, 750, 3, "GS1 Mexico"),
    row(751, 753, 3, UNASSIGNED),
    row(754, 755, 3, "GS1 Canada"),
    row(756, 757, 3, UNASSIGNED),
    row(758, 758, 3, "Managed by GS1 Global Office for future MO"),
    row(759, 759, 3, "GS1 Venezuela"),
    row(760, 769, 3, "GS1 Switzerland"),
    row(770, 771, 3, "GS1 Colombia"),
    row(772, 772, 3, UNASSIGNED),
    row(773, 773, 3, "GS1 Uruguay"),
    row(774, 774, 3, UNASSIGNED),
    row(775, 775, 3, "GS1 Peru"),
    row(776, 776, 3, UNASSIGNED),
    row(777, 777, 3, "GS1 Bolivia"),
    row(778, 779, 3, "GS1 Argentina"),
    row(780, 780, 3, "GS1 Chile"),
    row(781, 783, 3, UNASSIGNED),
    row(784, 784, 3, "GS1 Paraguay"),
    row(785, 785, 3, UNASSIGNED),
    row(786, 786, 3, "GS1 Ecuador"),
    row(787, 788, 3, UNASSIGNED),
    row(789, 790, 3, "GS1 Brasil"),
    row(791, 799, 3, UNASSIGNED),
    row(800, 839, 3, "GS1 Italy"),
    row(840, 849, 3, "GS1 Spain"),
    row(850, 850, 3, "GS1 Cuba"),
    row(851, 857, 3, UNASSIGNED),
    row(858, 858, 3, "GS1 Slovakia"),
    row(859, 859, 3, "GS1 Czech"),
    row(860, 860, 3, "GS1 Serbia"),
    row(861, 864, 3, UNASSIGNED),
    row(865, 865, 3, "GS1 Mongolia"),
    row(866, 866, 3, UNASSIGNED),
    row(867, 867, 3, "GS1 North Korea"),
    row(868, 869, 3, "GS1 T\u{fc}rkiye"),
    row(870, 879, 3, "GS1 Netherlands"),
    row(880, 881, 3, "GS1 South Korea"),
    row(882, 882, 3, UNASSIGNED),
    row(883, 883, 3, "GS1 Myanmar"),
    row(884, 884, 3, "GS1 Cambodia"),
    row(885, 885, 3, "GS1 Thailand"),
    row(886, 887, 3, UNASSIGNED),
    row(888, 888, 3, "GS1 Singapore"),
    row(889, 889, 3, UNASSIGNED),
    row(890, 890, 3, "GS1 India"),
    row(891, 892, 3, UNASSIGNED),
    row(893, 893, 3, "GS1 Vietnam"),
    row(894, 894, 3, "Managed by GS1 Global Office for future MO"),
    row(895, 895, 3, UNASSIGNED),
    row(896, 896, 3, "GS1 Pakistan"),
    row(897, 898, 3, UNASSIGNED),
    row(899, 899, 3, "GS1 Indonesia"),
    row(900, 919, 3, "GS1 Austria"),
    row(920, 929, 3, UNASSIGNED),
    row(930, 939, 3, "GS1 Australia"),
    row(940, 949, 3, "GS1 New Zealand"),
    row(950, 950, 3, "GS1 Global Office"),
    row(951, 951, 3, "Global Office - General Manager Number"),
    row(
        952,
        952,
        3,
        "Used for demonstrations and examples of the GS1 system",
    ),
    row(953, 954, 3, UNASSIGNED),
    row(955, 955, 3, "GS1 Malaysia"),
    row(956, 957, 3, UNASSIGNED),
    row(958, 958, 3, "GS1 Macau, China"),
    row(959, 959, 3, UNASSIGNED),
    row(960, 961, 3, "GS1 UK - GTIN-8"),
    row(
        962,
        962,
        3,
        "GS1 UK / GS1 Poland / GS1 Global Office - GTIN-8 (see the 4-digit prefixes)",
    ),
    row(963, 969, 3, "Global Office - GTIN-8"),
    row(970, 976, 3, UNASSIGNED),
    row(977, 977, 3, "Serial publications (ISSN)"),
    row(978, 979, 3, "Bookland (ISBN)"),
    row(980, 980, 3, "Refund receipts"),
    row(
        981,
        984,
        3,
        "GS1 coupon identification for common currency areas",
    ),
    row(985, 989, 3, UNASSIGNED),
    row(990, 999, 2, "GS1 coupon identification"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix_of(digits: &str) -> Option<Gs1Prefix> {
        gs1_prefix(&Gtin::from_digits(digits).expect("valid test GTIN"))
    }

    #[test]
    fn the_three_digit_table_is_sorted_and_has_no_gaps() {
        let mut next = 0u16;
        for r in THREE_DIGIT.iter() {
            assert_eq!(r.lo, next, "gap or overlap before {}", r.lo);
            assert!(r.hi >= r.lo);
            next = r.hi + 1;
        }
        assert_eq!(next, 1000);
    }

    #[test]
    fn every_three_digit_prefix_maps_to_an_organisation() {
        for p in 0..1000 {
            for tail in ["0000000000", "0000000001", "1234567890", "9999999999"] {
                let v = format!("{p:03}{tail}");
                let got = gs1_13_prefix(v.as_bytes());
                let got = got.unwrap_or_else(|| panic!("{v} has no prefix"));
                assert!(!got.organisation.is_empty(), "{v}");
                assert!(v.starts_with(got.prefix), "{v} vs {}", got.prefix);
            }
            let v8 = format!("{p:03}12345");
            assert!(gs1_8_prefix(v8.as_bytes()).is_some(), "GS1-8 {v8}");
        }
    }

    /// biip `tests/test_gs1_prefixes.py` `test_gs1_prefix` rows (GTIN-13 view), with
    /// biip's `None` for the unassigned 671 given as our explicit "not assigned".
    #[test]
    fn the_note_table_agrees_with_the_prefix_table() {
        for p in 0..1000u32 {
            for tail in [*b"000000000", *b"123456789"] {
                let mut payload = [b'0'; 13];
                payload[1..4].copy_from_slice(format!("{p:03}").as_bytes());
                payload[4..13].copy_from_slice(&tail);
                let Some(g) = Gtin::from_payload(payload) else {
                    continue;
                };
                let org = gs1_prefix(&g).map(|p| p.organisation);
                let want = match org {
                    Some(US_RESERVED) => Some(Note::Reserved),
                    Some(DEMO) => Some(Note::Demo),
                    Some(UNASSIGNED) if g.format() != GtinFormat::Gtin8 => Some(Note::Unassigned),
                    _ => None,
                };
                assert_eq!(note(&g), want, "{g}");
            }
        }
    }

    #[test]
    fn gs1_prefixes_match_biip() {
        let rows: &[(&str, &str, &str)] = &[
            (
                "0000001999000",
                "0000001",
                "Unused to avoid collision with GTIN-8",
            ),
            ("0609990000000", "060", "GS1 US"),
            ("1399990000000", "139", "GS1 US"),
            ("6712670000276", "671", UNASSIGNED),
            ("7019990000000", "701", "GS1 Norway"),
            ("9781492053743", "978", "Bookland (ISBN)"),
            ("9600000000000", "960", "GS1 UK - GTIN-8"),
            ("9610000000000", "961", "GS1 UK - GTIN-8"),
            ("9620000000000", "9620", "GS1 UK - GTIN-8"),
            ("9624000000000", "9624", "GS1 UK - GTIN-8"),
            ("9625000000000", "9625", "GS1 Poland - GTIN-8"),
            ("9626000000000", "9626", "GS1 Poland - GTIN-8"),
            ("9627000000000", "9627", "GS1 Global Office - GTIN-8"),
            ("9629000000000", "9629", "GS1 Global Office - GTIN-8"),
            ("7044610873466", "704", "GS1 Norway"),
            ("0000000000000", "0000000", GS1_8_COMPANY_RCN),
            ("0000900000000", "00009", GS1_US),
            ("0009000000000", "0009", GS1_US),
            ("9900000000000", "99", "GS1 coupon identification"),
            (
                "9840000000000",
                "984",
                "GS1 coupon identification for common currency areas",
            ),
            ("9850000000000", "985", UNASSIGNED),
        ];
        for &(v, prefix, organisation) in rows {
            assert_eq!(
                gs1_13_prefix(v.as_bytes()),
                Some(Gs1Prefix {
                    prefix,
                    organisation
                }),
                "{v}"
            );
        }
    }

    /// biip `tests/test_gs1_prefixes.py` `test_gs1_8_prefix` rows.
    #[test]
    fn gs1_8_prefixes_match_biip() {
        let rows: &[(&str, &str)] = &[
            ("06099912", GS1_8_COMPANY_RCN),
            ("13999912", "GS1 US"),
            ("70199912", "GS1 Norway"),
            ("97814920", GS1_8_RESERVED),
            ("96000000", "GS1 UK - GTIN-8"),
            ("96250000", "GS1 Poland - GTIN-8"),
            ("96290000", "GS1 Global Office - GTIN-8"),
            ("20012345", GS1_8_COMPANY_RCN),
            ("14012345", UNASSIGNED),
        ];
        for &(v, organisation) in rows {
            let got = gs1_8_prefix(v.as_bytes()).map(|p| p.organisation);
            assert_eq!(got, Some(organisation), "{v}");
        }
    }

    #[test]
    fn prefix_uses_the_right_view_for_each_format() {
        // GTIN-8 (biip tests/gtin/test_parse.py: 96385074 → 963 Global Office - GTIN-8).
        let p = prefix_of("96385074").expect("prefix");
        assert_eq!(
            (p.prefix, p.organisation),
            ("963", "Global Office - GTIN-8")
        );
        // GTIN-12 via the GTIN-13 view: the U.P.C. Company Prefix gains a leading 0 to
        // become a GS1 Company Prefix (biip `gtin.py`, `zfill(13)`). Older biip tests
        // (tests/gtin/test_parse.py) expected "036" and "0009" here, from before that fix.
        assert_eq!(prefix_of("036000291452").map(|p| p.prefix), Some("003"));
        assert_eq!(prefix_of("000902914511").map(|p| p.prefix), Some("00009"));
        // GTIN-14: digits 2-14 (biip: 98765432109213 → 876 GS1 Netherlands).
        let p = prefix_of("98765432109213").expect("prefix");
        assert_eq!((p.prefix, p.organisation), ("876", "GS1 Netherlands"));
        assert!(p.is_assigned());
        assert!(!prefix_of("6712670000276").expect("prefix").is_assigned());
    }
}

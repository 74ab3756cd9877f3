//! Facts derived from a demo product that more than one dialect needs and the
//! demo data does not hold directly: the language its text is in, the catalog in
//! a fixed order (for unfiltered listings), URL slugs, Unix times, money in
//! minor units and stable UUID-shaped ids. Computed, never stored, like the
//! generated items themselves.

use crate::demo::DemoCatalog;
use crate::gtin::{Gtin, GtinFormat};

/// The ISO 639-1 code of the language an item's title is written in, guessed from
/// its GS1 prefix (the country that issued the number), as a catalog would
/// record it. English where the prefix says nothing (UPC, books, GS1's demo range).
pub(super) fn language(gtin: &Gtin) -> &'static str {
    let digits = gtin.gtin14().as_bytes();
    // The prefix of a GTIN-8 is its own first digits; a case pack's is its item's.
    let prefix = if gtin.format() == GtinFormat::Gtin8 {
        &digits[6..9]
    } else {
        &digits[1..4]
    };
    let prefix = prefix
        .iter()
        .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    match prefix {
        300..=379 => "fr",
        400..=440 | 760..=769 | 900..=919 => "de",
        540..=549 | 870..=879 => "nl",
        570..=579 => "da",
        590 => "pl",
        730..=739 => "sv",
        800..=839 => "it",
        840..=849 => "es",
        _ => "en",
    }
}

/// The item number of a generated item's GTIN (`None` for any other GTIN).
pub(super) fn generated_number(gtin: &Gtin) -> Option<u32> {
    crate::demo::generated::item_number(gtin)
}

/// How many items the catalog has (curated, then generated).
pub(super) fn catalog_len(catalog: &DemoCatalog) -> u64 {
    catalog.curated_gtins().len() as u64 + u64::from(DemoCatalog::GENERATED_ITEMS)
}

/// The GTINs of items `from..from + count` in catalog order (curated items first,
/// in table order, then generated item 0, 1, …): what an unfiltered listing pages
/// through.
pub(super) fn catalog_slice(catalog: &DemoCatalog, from: u64, count: usize) -> Vec<Gtin> {
    listing_slice(catalog, from, count, DemoCatalog::generated_gtin)
}

/// Entries `from..from + count` of a listing of the curated items, then of
/// `generated(0)`, `generated(1)` … (items, or the masters of product groups).
pub(super) fn listing_slice(
    catalog: &DemoCatalog,
    from: u64,
    count: usize,
    generated: impl Fn(u32) -> Option<Gtin>,
) -> Vec<Gtin> {
    let curated = catalog.curated_gtins();
    (from..)
        .take(count)
        .map_while(
            |index| match usize::try_from(index).ok().and_then(|i| curated.get(i)) {
                Some(gtin) => Some(*gtin),
                None => u32::try_from(index - curated.len() as u64)
                    .ok()
                    .and_then(&generated),
            },
        )
        .collect()
}

/// `text` as a URL slug: lowercase ASCII letters and digits joined by `-`
/// (other letters dropped, as most slug generators do).
pub(super) fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    slug
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time (`2026-11-20T08:15:00Z`),
/// the demo's only date form; `None` for anything else.
pub(super) fn unix_seconds(rfc3339: &str) -> Option<i64> {
    let b = rfc3339.as_bytes();
    if b.len() != 20 || b[19] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| rfc3339.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (H. Hinnant's algorithm), exact for the Gregorian calendar.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// A decimal amount (`"4.99"`, `"180"`) in minor units of `currency`, with the
/// currency's number of fraction digits (ISO 4217: 0 for yen and won, else 2).
pub(super) fn minor_units(amount: &str, currency: &str) -> Option<(i64, u32)> {
    let digits: u32 = if ["JPY", "KRW", "ISK", "CLP", "VND"].contains(&currency) {
        0
    } else {
        2
    };
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    if fraction.len() > digits as usize || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = 10i64.pow(digits);
    let padded = format!("{fraction:0<width$}", width = digits as usize);
    let fraction: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    Some((whole.parse::<i64>().ok()? * scale + fraction, digits))
}

/// A version-4-shaped UUID that is always the same for the same `seed`, ending in
/// `tail` (at most 12 hex digits) so the id can be read back (the demo's GTINs fit).
pub(super) fn stable_uuid(seed: u64, tail: u64) -> String {
    let a = mix(seed);
    let b = mix(a);
    // Written digit by digit: `format!` made ids a tenth of the commercetools
    // mock's CPU (it writes three per variant).
    let mut uuid = String::with_capacity(36);
    push_hex(&mut uuid, a >> 32, 8);
    uuid.push('-');
    push_hex(&mut uuid, (a >> 16) & 0xffff, 4);
    uuid.push_str("-4");
    push_hex(&mut uuid, a & 0xfff, 3);
    uuid.push('-');
    push_hex(&mut uuid, 8 + (b >> 62), 1);
    push_hex(&mut uuid, (b >> 48) & 0xfff, 3);
    uuid.push('-');
    push_hex(&mut uuid, tail & 0xffff_ffff_ffff, 12);
    uuid
}

/// The `digits` lowest hex digits of `value`, lowercase, zero-padded.
fn push_hex(out: &mut String, value: u64, digits: u32) {
    for at in (0..digits).rev() {
        let nibble = ((value >> (4 * at)) & 0xf) as u8;
        out.push(char::from(if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        }));
    }
}

/// The `tail` of a [`stable_uuid`].
pub(super) fn uuid_tail(uuid: &str) -> Option<u64> {
    let tail = uuid.rsplit('-').next()?;
    (uuid.len() == 36 && tail.len() == 12)
        .then(|| u64::from_str_radix(tail, 16).ok())
        .flatten()
}

/// A seed for [`stable_uuid`] from some text (FNV-1a: tiny and stable across builds).
pub(super) fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// splitmix64's finalizer: spreads every bit of `x` over the result.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::test_support::g;

    proptest::proptest! {
        /// The digit-by-digit id is the one `format!` wrote before.
        #[test]
        fn stable_uuids_are_written_as_format_wrote_them(seed: u64, tail: u64) {
            let (a, b) = (mix(seed), mix(mix(seed)));
            let formatted = format!(
                "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
                a >> 32,
                (a >> 16) & 0xffff,
                a & 0xfff,
                8 + (b >> 62),
                (b >> 48) & 0xfff,
                tail & 0xffff_ffff_ffff
            );
            proptest::prop_assert_eq!(stable_uuid(seed, tail), formatted);
        }
    }

    #[test]
    fn languages_follow_the_issuing_country() {
        assert_eq!(language(&g("4012345000122")), "de");
        assert_eq!(language(&g("3760123000451")), "fr");
        assert_eq!(language(&g("036000291452")), "en");
        assert_eq!(language(&g("94012345000200")), "de");
        assert_eq!(language(&g("50123452")), "en");
    }

    #[test]
    fn unix_seconds_match_known_instants() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2026-11-20T08:15:00Z"), Some(1_795_162_500));
        assert_eq!(unix_seconds("2000-02-29T12:00:00Z"), Some(951_825_600));
        assert_eq!(unix_seconds("2026-11-20"), None);
    }

    #[test]
    fn amounts_become_minor_units() {
        assert_eq!(minor_units("4.99", "USD"), Some((499, 2)));
        assert_eq!(minor_units("180", "TWD"), Some((18000, 2)));
        assert_eq!(minor_units("2.5", "EUR"), Some((250, 2)));
        assert_eq!(minor_units("1200", "JPY"), Some((1200, 0)));
        assert_eq!(minor_units("1.234", "EUR"), None);
    }

    #[test]
    fn stable_uuids_are_stable_uuid_shaped_and_give_back_their_tail() {
        let id = stable_uuid(seed_of("x"), 36_000_291_452);
        assert_eq!(id, stable_uuid(seed_of("x"), 36_000_291_452));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_eq!(uuid_tail(&id), Some(36_000_291_452));
        assert_ne!(id, stable_uuid(seed_of("y"), 36_000_291_452));
    }

    #[test]
    fn slugs_keep_ascii_words() {
        assert_eq!(
            slug("Crisp & Co. Sea Salt Kettle Chips 8 oz"),
            "crisp-co-sea-salt-kettle-chips-8-oz"
        );
    }

    #[test]
    fn the_catalog_order_is_curated_then_generated() {
        let catalog = DemoCatalog::new();
        let curated = catalog.curated_gtins();
        let first = catalog_slice(&catalog, 0, 2);
        assert_eq!(first, curated[..2]);
        let boundary = catalog_slice(&catalog, curated.len() as u64 - 1, 2);
        assert_eq!(boundary[1], DemoCatalog::generated_gtin(0).unwrap());
        assert!(catalog_slice(&catalog, catalog_len(&catalog), 5).is_empty());
    }
}

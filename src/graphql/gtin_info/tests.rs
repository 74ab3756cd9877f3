//! The view against the eager oracle (`reference`): for every code, the same JSON
//! line, byte for byte (so the same values, keys and key order), whatever the
//! reading (a GTIN of each form, a 2D code with data, another GS1 key, a coupon, a
//! variable-measure label, an invalid code).

use proptest::prelude::*;

use super::{GtinInfo, read, reference};
use crate::gtin::RcnRegion;

/// Codes of every reading the gtin module has.
const CODES: &[&str] = &[
    "036000291452",     // UPC-A
    "0036000291452",    // its EAN-13
    "00036000291452",   // its GTIN-14
    "04252614",         // UPC-E
    "12345670",         // a UPC-E of number system 1 (a warning)
    "96385074",         // EAN-8
    "4006381333931",    // EAN-13
    "10036000291459",   // GTIN-14 with an indicator
    "9780471117094",    // ISBN-13
    "0471117099",       // ISBN-10
    "9790321765436",    // ISMN
    "9771144875007",    // ISSN
    "2011122912346",    // a variable-measure label
    "212345678992",     // a UPC variable-measure label
    "412345678903",     // a company RCN
    "9912345678909",    // a coupon
    "9820000000000",    // a refund receipt (or invalid: either way, the same)
    "6710000000009",    // an unassigned prefix (a warning)
    "9520000000015",    // GS1's demo prefix (a warning)
    "4006381333932",    // bad check digit
    "12345",            // wrong length
    "03600029145X",     // a letter
    "",                 // empty
    " 036000291452 ",   // spaces around
    "]E05901234123457", // a scanner payload
    "]C101000360002914521720010110LOT\"7\"",
    "https://id.gs1.org/01/04006381333931/10/AB%2FC?17=301231&3103=001250",
    "https://id.gs1.org/01/09506000134352/21/SN1",
    "https://example.com/01/09506000134352/10/LOT42/21/S1?17=270131&15=270100",
    "]C10100036000291452179912", // a bad AI value
    "]C101095060001343521526123116261130112501011325010239221250",
    "]C100106141411234567897",              // an SSCC
    "https://id.gs1.org/414/9520123456788", // a GLN link
    "]d201095060001343521726013110ABC\u{1d}21XYZ",
    "(01)09506000134352(17)201225(10)ABC123",
    "https://id.gs1.org/AQnYUc1gbd",             // a compressed link
    "https://id.gs1.org/01/09506000134352?99=x", // an unknown AI in a link
];

const REGIONS: &[Option<RcnRegion>] = &[None, Some(RcnRegion::Gb), Some(RcnRegion::Se)];

/// The JSON line and the plain `digitalLink`, of the view and of the oracle.
fn both(
    code: &str,
    region: Option<RcnRegion>,
) -> ((String, Option<String>), (String, Option<String>)) {
    let view = GtinInfo::analyze(code, region);
    let oracle = reference::GtinInfo::analyze(code, region);
    (
        (
            serde_json::to_string(&view).expect("serializes"),
            view.plain_digital_link(),
        ),
        (
            serde_json::to_string(&oracle).expect("serializes"),
            oracle.plain_digital_link(),
        ),
    )
}

#[test]
fn every_kind_of_code_reads_as_the_eager_oracle_filled_it() {
    for code in CODES {
        for region in REGIONS {
            let (view, oracle) = both(code, *region);
            assert_eq!(view, oracle, "{code:?} in {region:?}");
        }
    }
}

#[test]
fn the_corpus_covers_every_reading() {
    let infos: Vec<GtinInfo> = CODES
        .iter()
        .map(|code| GtinInfo::analyze(code, Some(RcnRegion::Gb)))
        .collect();
    let any = |test: fn(&GtinInfo) -> bool| infos.iter().any(test);
    assert!(any(|info| !read::valid(info)), "an invalid code");
    assert!(any(
        |info| read::trade_item(info) == Some(false) && read::gtin14(info).is_none()
    ));
    assert!(any(
        |info| read::trade_item(info) == Some(false) && read::gtin14(info).is_some()
    ));
    assert!(any(|info| read::variable_measure(info).is_some()));
    assert!(any(|info| !read::warnings(info).is_empty()));
    assert!(any(
        |info| read::lot(info).is_some() && read::expiry_date(info).is_some()
    ));
    assert!(any(|info| read::net_weight_kg(info).is_some()));
    assert!(any(|info| read::price(info).is_some()));
    assert!(any(|info| read::upc_e(info).is_some()));
    assert!(any(|info| read::gtin8(info).is_some()));
    assert!(any(
        |info| read::error(info).is_some_and(|error| error.ai.is_some())
    ));
}

/// A corpus code with one edit: a character replaced, inserted or removed, or the
/// code cut short; most come out invalid, some valid in another form.
fn edited() -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        (b'0'..=b'9').prop_map(char::from),
        Just('X'),
        Just('/'),
        Just('('),
        Just('\u{1d}'),
        Just('%'),
        Just('?'),
        Just('='),
    ];
    (
        prop::sample::select(CODES),
        any::<prop::sample::Index>(),
        chars,
        0u8..4,
    )
        .prop_map(|(code, at, with, edit)| {
            let mut chars: Vec<char> = code.chars().collect();
            let at = if chars.is_empty() {
                0
            } else {
                at.index(chars.len())
            };
            match edit {
                0 if !chars.is_empty() => chars[at] = with,
                1 => chars.insert(at, with),
                2 if !chars.is_empty() => {
                    chars.remove(at);
                }
                _ => chars.truncate(at),
            }
            chars.into_iter().collect()
        })
}

proptest! {
    #[test]
    fn an_edited_code_reads_as_the_eager_oracle_filled_it(
        code in edited(),
        region in prop::sample::select(REGIONS),
    ) {
        let (view, oracle) = both(&code, region);
        prop_assert_eq!(view, oracle);
    }

    #[test]
    fn any_digit_string_reads_as_the_eager_oracle_filled_it(
        code in "[0-9]{6,18}",
        region in prop::sample::select(REGIONS),
    ) {
        let (view, oracle) = both(&code, region);
        prop_assert_eq!(view, oracle);
    }
}

/// The CLI's JSON keys are the schema's `GtinInfo` fields, in the schema's order:
/// every field without arguments (`digitalLink` takes one and is not in the line).
/// Fails when a field is added to the type but not to the hand-written `Serialize`.
#[test]
fn the_json_line_has_every_field_of_the_schema_in_its_order() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    let document = async_graphql::parser::parse_schema(crate::graphql::sdl()).unwrap();
    let schema_fields: Vec<String> = document
        .definitions
        .into_iter()
        .find_map(|definition| match definition {
            TypeSystemDefinition::Type(ty) if ty.node.name.node == "GtinInfo" => {
                match ty.node.kind {
                    TypeKind::Object(object) => Some(object.fields),
                    _ => None,
                }
            }
            _ => None,
        })
        .expect("the schema has type GtinInfo")
        .into_iter()
        .filter(|field| field.node.arguments.is_empty())
        .map(|field| field.node.name.node.to_string())
        .collect();

    let line = serde_json::to_string(&GtinInfo::analyze("036000291452", None)).unwrap();
    let KeysInOrder(keys) = serde_json::from_str(&line).unwrap();
    assert_eq!(keys, schema_fields);
}

/// A JSON object's keys in the order written (`serde_json::Map` sorts them).
struct KeysInOrder(Vec<String>);

impl<'de> serde::Deserialize<'de> for KeysInOrder {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = KeysInOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<KeysInOrder, M::Error> {
                let mut keys = Vec::new();
                while let Some((key, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(KeysInOrder(keys))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

//! Decoding of known compressed links, typed errors for broken ones, and the two
//! properties: no input panics, and encode → decode gives back any valid AI set.

use proptest::prelude::*;

use super::format::{Field, fields};
use super::*;
use crate::ai_table::AI_TABLE;

fn expand(uri: &str) -> Option<String> {
    expand_digital_link(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

/// The example (GS1 DL compression, no optimisation code) and a partly
/// compressed GTIN with lot: fully and partly compressed forms of the same link.
#[test]
fn compressed_links_expand_to_the_uncompressed_uri() {
    assert_eq!(
        expand("https://id.gs1.org/AQnYUc1gmiCNV4JG").as_deref(),
        Some("https://id.gs1.org/01/05412345000013/10/ABC123")
    );
    // Host, path prefix, query and fragment are kept.
    assert_eq!(
        expand("HTTP://example.com/a/b/AQnYUc1gmiCNV4JG/?x=1#top").as_deref(),
        Some("HTTP://example.com/a/b/01/05412345000013/10/ABC123?x=1#top")
    );
    let partly =
        compress_digital_link("https://x", &[("10", "ABC123"), ("01", "05412345000013")]).unwrap();
    let bits = partly.rsplit('/').next().unwrap();
    // Only the lot in the bits, the GTIN in the path.
    let lot_only = encode::encode(&[("10", "ABC123")]).unwrap();
    assert_eq!(
        expand(&format!("https://x/01/05412345000013/{lot_only}")).as_deref(),
        Some("https://x/01/05412345000013/10/ABC123")
    );
    assert_eq!(
        expand(&format!("https://x/{bits}")).as_deref(),
        Some("https://x/01/05412345000013/10/ABC123")
    );
}

#[test]
fn the_primary_keys_are_those_of_the_ai_table() {
    for entry in AI_TABLE {
        assert_eq!(
            is_primary_key(entry.ai),
            entry.dl_primary_key,
            "{}",
            entry.ai
        );
    }
}

#[test]
fn uncompressed_and_non_links_are_left_alone() {
    for uri in [
        "https://id.gs1.org/01/05412345000013",
        "https://id.gs1.org/01/05412345000013/10/ABC123?17=270101",
        "https://id.gs1.org/01/05412345000013/",
        "https://id.gs1.org/",
        "https://id.gs1.org",
        "https://id.gs1.org/01/05412345000013/10/AB%20C",
        "mailto:a@b.c",
        "05412345000013",
    ] {
        assert_eq!(expand_digital_link(uri), Ok(None), "{uri}");
    }
}

/// Qualifiers go back in the path in GS1's order, other AIs and non-GS1 pairs in the
/// query, values percent-encoded.
#[test]
fn decoded_ais_are_placed_as_in_an_uncompressed_link() {
    let uri = compress_digital_link(
        "https://r.example",
        &[
            ("17", "270131"),
            ("21", "S/1"),
            ("01", "09506000134352"),
            ("22", "V"),
            ("10", "L&1"),
        ],
    )
    .unwrap();
    assert_eq!(
        expand(&uri).as_deref(),
        Some("https://r.example/01/09506000134352/22/V/10/L%261/21/S%2F1?17=270131")
    );
}

#[test]
fn broken_compressed_links_are_typed_errors() {
    let err = |uri: &str| expand_digital_link(uri).unwrap_err();
    // "123": bits 1101 0111 …: D7 is no optimisation code.
    assert_eq!(
        err("https://example.com/foo/123"),
        CompressionError::UnknownOptimisation(0xD7)
    );
    // Cut short inside the GTIN.
    assert!(matches!(
        err("https://id.gs1.org/AQnYUc1g"),
        CompressionError::Truncated { ai: Some(ref ai) } if ai == "01"
    ));
    // A lot alone names nothing to resolve.
    let lot = encode::encode(&[("10", "ABC")]).unwrap();
    assert_eq!(
        err(&format!("https://x/{lot}")),
        CompressionError::NoPrimaryKey
    );
    // Encoding 7 is not defined: AI 10, encoding bits 111.
    let mut w = bits::BitWriter::default();
    w.put(1, 4);
    w.put(0, 4);
    w.put(7, 3);
    w.put(3, 5);
    w.put(0, 21);
    assert!(matches!(
        err(&format!("https://x/01/05412345000013/{}", w.to_base64url())),
        CompressionError::UnknownEncoding { encoding: 7, .. }
    ));
    // A length beyond the AI's maximum: AI 10 takes 20, 31 written.
    let mut w = bits::BitWriter::default();
    w.put(0x10, 8);
    w.put(4, 3);
    w.put(31, 5);
    w.put(0, 30);
    assert!(matches!(
        err(&format!("https://x/01/05412345000013/{}", w.to_base64url())),
        CompressionError::ValueTooLong {
            found: 31,
            max: 20,
            ..
        }
    ));
    assert!(!err("https://example.com/foo/123").to_string().is_empty());
}

#[test]
fn values_the_reference_decoders_would_misread_are_refused() {
    assert!(matches!(
        compress_digital_link("https://x", &[("01", "09506000134352"), ("30", "0012")]),
        Err(CompressionError::NotEncodable { ref ai, .. }) if ai == "30"
    ));
    assert!(matches!(
        compress_digital_link("https://x", &[("01", "09506000134352"), ("10", "é")]),
        Err(CompressionError::NotEncodable { .. })
    ));
    assert_eq!(
        compress_digital_link("https://x", &[("10", "A")]),
        Err(CompressionError::NoPrimaryKey)
    );
    // A lot of digits with a leading zero keeps it (upper-case hex, not a number).
    let uri =
        compress_digital_link("https://x", &[("01", "09506000134352"), ("10", "0042")]).unwrap();
    assert_eq!(
        expand(&uri).as_deref(),
        Some("https://x/01/09506000134352/10/0042")
    );
}

/// A value in `entry`'s format: random digits or GS1 set-82 characters per field.
fn value_of(entry: &'static crate::ai::AiEntry) -> BoxedStrategy<String> {
    const CSET82: &[u8] =
        b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    let parts: Vec<BoxedStrategy<String>> = fields(entry)
        .into_iter()
        .map(|field| {
            let digits = |n: std::ops::RangeInclusive<usize>, lead_zero: bool| {
                proptest::collection::vec(0u8..10, n)
                    .prop_map(move |mut d| {
                        if !lead_zero && d.len() > 1 && d.first() == Some(&0) {
                            d[0] = 1;
                        }
                        d.iter().map(|&x| char::from(b'0' + x)).collect::<String>()
                    })
                    .boxed()
            };
            let chars = |n: std::ops::RangeInclusive<usize>| {
                proptest::collection::vec(proptest::sample::select(CSET82), n)
                    .prop_map(|c| c.into_iter().map(char::from).collect::<String>())
                    .boxed()
            };
            match field {
                Field::Digits(n) => digits(n..=n, true),
                Field::DigitsUpTo(max) => digits(1..=max, false),
                Field::Chars(n) => chars(n..=n),
                Field::CharsUpTo(max) => chars(1..=max),
            }
        })
        .collect();
    parts.prop_map(|p: Vec<String>| p.concat()).boxed()
}

/// A primary key and a few other AIs, each with a value in its format.
fn ai_set() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let keys: Vec<usize> = (0..AI_TABLE.len())
        .filter(|&i| AI_TABLE[i].dl_primary_key)
        .collect();
    let key = proptest::sample::select(keys);
    let others = proptest::collection::vec(0..AI_TABLE.len(), 0..5);
    (key, others).prop_flat_map(|(key, others)| {
        let mut indices = vec![key];
        for i in others {
            if !indices.contains(&i) {
                indices.push(i);
            }
        }
        indices
            .into_iter()
            .map(|i| {
                let entry = &AI_TABLE[i];
                value_of(entry).prop_map(move |v| (entry.ai, v))
            })
            .collect::<Vec<_>>()
    })
}

proptest! {
    #[test]
    fn any_base64url_path_is_read_or_refused_never_a_panic(
        segment in "[A-Za-z0-9_-]{1,80}",
        prefix in prop_oneof![Just(""), Just("/01/09506000134352"), Just("/a/b")],
        query in prop_oneof![Just(""), Just("?x=1"), Just("#f")],
    ) {
        let _ = expand_digital_link(&format!("https://x{prefix}/{segment}{query}"));
        let _ = decode::decode(&segment);
    }

    #[test]
    fn encode_then_decode_gives_the_ais_back(ais in ai_set()) {
        let pairs: Vec<(&str, &str)> = ais.iter().map(|(a, v)| (*a, v.as_str())).collect();
        let bits = encode::encode(&pairs).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let decoded = decode::decode(&bits).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut want: Vec<(&str, String)> = ais.clone();
        want.sort();
        let mut got = decoded.ais;
        got.sort();
        prop_assert_eq!(got, want);
        prop_assert!(decoded.other.is_empty());
    }
}

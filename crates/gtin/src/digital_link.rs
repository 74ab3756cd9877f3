//! GS1 Digital Link URIs (GS1 Digital Link standard 1.4, URI syntax; checked against
//! GS1's Barcode Syntax Engine): `https://{host}/{optional stem}/{key AI}/{key}
//! [/{qualifier AI}/{value}…][?{AI}={value}&…][#fragment]`, whatever the primary key
//! (GTIN `01`, SSCC `00`, GLN `414`, GRAI `8003` …).
//!
//! This file owns the URI's grammar, so `analyze` (which needs only the key) and
//! `scan` (which reads every AI) refuse the same URIs:
//! - the key is the rightmost `/{AI}/{value}` pair whose AI is a primary key, and
//!   every pair after it is an AI the table knows;
//! - the path's qualifiers are an ordered subset of one of the key's qualifier
//!   sequences (`22, 10, 21` or `235` for a GTIN);
//! - query keys of digits are AIs that may be data attributes, each at most once in
//!   the whole URI, never one that belongs in the path; `+` in a query value means a
//!   space to every URI decoder, so a literal `+` is refused (GS1 writes it `%2B`);
//! - the host is a name or an IP literal, without user info or an IPv6 zone id.
//!
//! AI values are percent-decoded here; checking them against the AI table is the
//! caller's business (the key always, the others only in `scan`).

use std::borrow::Cow;

use super::ai::{self, AiEntry};
use super::byte_set::ByteSet;
use super::error::Reason;
use super::key;

/// Characters RFC 3986 allows anywhere in a URI (percent included).
static URI_CHARS: ByteSet = ByteSet::alphanumeric_and(b"-._~:/?#[]@!$&'()*+,;=%");

/// URI characters a host never holds here: user info (`@`), percent-encoding (an IPv6
/// zone id `%25lo` names an interface of the scanning machine, meaningless to anyone
/// else) and the delimiters a registered name does not use.
static BAD_HOST_CHARS: ByteSet = ByteSet::of(b"_~?#@!$&'()*+,;=%");

/// One AI of the URI, its value percent-decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Pair<'a> {
    pub(crate) entry: &'static AiEntry,
    /// Borrowed from the URI unless it held a percent escape.
    pub(crate) value: Cow<'a, str>,
}

/// A Digital Link URI whose grammar is GS1's.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Link<'a> {
    /// The primary key.
    pub(crate) key: Pair<'a>,
    /// The key qualifiers of the path, in order.
    pub(crate) qualifiers: Vec<Pair<'a>>,
    /// The data attributes of the query, in order.
    pub(crate) attributes: Vec<Pair<'a>>,
}

/// Why a URI is not a GS1 Digital Link.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub(crate) reason: Reason,
    pub(crate) message: String,
    pub(crate) ai: Option<&'static str>,
}

fn fault(message: impl Into<String>) -> Fault {
    Fault {
        reason: Reason::InvalidGs1ElementString,
        message: message.into(),
        ai: None,
    }
}

fn fault_ai(reason: Reason, ai: &'static str, message: impl Into<String>) -> Fault {
    Fault {
        reason,
        message: message.into(),
        ai: Some(ai),
    }
}

/// True when the input is an `http` or `https` URI (case-insensitive scheme, as RFC
/// 3986 §3.1 has it).
pub(crate) fn is_uri(s: &str) -> bool {
    strip_scheme(s).is_some()
}

fn strip_scheme(s: &str) -> Option<&str> {
    if !matches!(s.as_bytes().first(), Some(b'h' | b'H')) {
        return None;
    }
    for scheme in ["https://", "http://"] {
        if let Some(head) = s.get(..scheme.len())
            && head.eq_ignore_ascii_case(scheme)
        {
            return s.get(scheme.len()..);
        }
    }
    None
}

/// Reads a Digital Link URI, or says what is wrong with it.
pub(crate) fn parse(uri: &str) -> Result<Link<'_>, Fault> {
    let rest = strip_scheme(uri)
        .ok_or_else(|| fault("a GS1 Digital Link URI starts with https:// or http://"))?;
    // One pass over what follows the scheme (whose characters are all URI characters):
    // every character checked, and where the path, the query and the fragment start.
    // A URI is a few dozen bytes: one loop costs less than a search per delimiter.
    let (mut slash, mut question, mut hash) = (None, None, None);
    for (at, &c) in rest.as_bytes().iter().enumerate() {
        if !URI_CHARS.contains(c) {
            return Err(not_a_uri_char(uri, uri.len() - rest.len() + at));
        }
        match c {
            b'#' if hash.is_none() => hash = Some(at),
            b'?' if hash.is_none() && question.is_none() => question = Some(at),
            b'/' if hash.is_none() && question.is_none() && slash.is_none() => slash = Some(at),
            _ => {}
        }
    }
    let end = hash.unwrap_or(rest.len());
    let hier_end = question.unwrap_or(end);
    let query = question
        .and_then(|at| rest.get(at + 1..end))
        .unwrap_or_default();
    let (host, path) = match slash {
        Some(at) => (
            rest.get(..at).unwrap_or_default(),
            rest.get(at..hier_end).unwrap_or_default(),
        ),
        None => (rest.get(..hier_end).unwrap_or_default(), ""),
    };
    if host.is_empty() {
        return Err(fault("the URI has no host"));
    }
    if let Some(c) = host.bytes().find(|&c| BAD_HOST_CHARS.contains(c)) {
        let why = match c {
            b'%' if host.starts_with('[') => " (an IPv6 zone id names an interface of one machine)",
            b'@' => " (a Digital Link has no user info)",
            _ => "",
        };
        return Err(fault(format!(
            "the host {host:?} holds {:?}{why}",
            char::from(c)
        )));
    }
    let (key, qualifiers) = path_pairs(path)?;
    linked(key, qualifiers, query)
}

/// The link of a path's key and qualifiers, checked, with the query's data attributes.
fn linked<'a>(key: Pair<'a>, qualifiers: Vec<Pair<'a>>, query: &'a str) -> Result<Link<'a>, Fault> {
    if !key::is_valid_sequence(key.entry.ai, qualifiers.iter().map(|p| p.entry.ai)) {
        let sequence: Vec<&str> = qualifiers.iter().map(|p| p.entry.ai).collect();
        return Err(fault(format!(
            "/{}/ cannot be followed by /{}/ in the path: its key qualifiers are {}, in that order",
            key.entry.ai,
            sequence.join("/…/"),
            key::qualifiers_text(key.entry.ai)
        )));
    }
    let mut link = Link {
        key,
        qualifiers,
        attributes: Vec::new(),
    };
    for param in query.split('&').filter(|p| !p.is_empty()) {
        // A parameter without `=` or with a name that is not all digits belongs to
        // the resolver (`linkType`, `context` …), not to the AI data.
        let Some((name, raw)) = param.split_once('=') else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let attribute = attribute(&link, name, raw)?;
        link.attributes.push(attribute);
    }
    Ok(link)
}

/// The fault of a character no URI holds, at byte `at` of `uri`.
fn not_a_uri_char(uri: &str, at: usize) -> Fault {
    let shown = uri.get(at..).and_then(|s| s.chars().next()).unwrap_or('?');
    fault(format!(
        "{shown:?} at position {} is not allowed in a URI; percent-encode it",
        uri.get(..at).map_or(0, |s| s.chars().count()) + 1
    ))
}

/// The key and the qualifiers of the path.
fn path_pairs(path: &str) -> Result<(Pair<'_>, Vec<Pair<'_>>), Fault> {
    let mut segments: Vec<&str> = path.split('/').skip(1).collect();
    // A trailing slash is tolerated, as it always was for `/01/{gtin}/`.
    if segments.len() > 1 && segments.last() == Some(&"") {
        segments.pop();
    }
    // The key is the rightmost `/{AI}/{value}` pair whose AI is a primary key; every
    // pair after it must be an AI (GS1's reading: a stem may hold anything).
    let mut end = segments.len();
    let mut at = None;
    while end >= 2 {
        let Some(entry) = segments.get(end - 2).and_then(|s| exact_ai(s)) else {
            break;
        };
        if key::is_primary_key(entry.ai) {
            at = Some(end - 2);
            break;
        }
        end -= 2;
    }
    let Some(at) = at else {
        return Err(fault(format!(
            "the URI path {path:?} has no GS1 primary key such as /01/{{gtin}}, \
             /00/{{sscc}} or /414/{{gln}}, followed only by AI/value pairs"
        )));
    };
    let mut pairs = segments
        .get(at..)
        .unwrap_or_default()
        .chunks(2)
        .map(|pair| {
            let [ai, value] = pair else {
                return Err(fault("the Digital Link path is not GS1's"));
            };
            let entry = exact_ai(ai).ok_or_else(|| fault("the Digital Link path is not GS1's"))?;
            if value.is_empty() {
                return Err(fault_ai(
                    Reason::InvalidAiValue,
                    entry.ai,
                    format!("AI ({}) in the path has no value", entry.ai),
                ));
            }
            Ok(Pair {
                entry,
                value: decode(entry, value)?,
            })
        });
    let key = pairs
        .next()
        .ok_or_else(|| fault("the Digital Link path is not GS1's"))??;
    let qualifiers = pairs.collect::<Result<Vec<Pair<'_>>, Fault>>()?;
    Ok((key, qualifiers))
}

/// One query data attribute, checked against the grammar and the rest of the link.
fn attribute<'a>(link: &Link<'a>, name: &str, raw: &'a str) -> Result<Pair<'a>, Fault> {
    let Some(entry) = ai::lookup(name) else {
        return Err(Fault {
            reason: Reason::UnknownAi,
            message: format!(
                "query key {name:?} is all digits but not a GS1 application identifier"
            ),
            ai: None,
        });
    };
    if raw.is_empty() {
        return Err(fault_ai(
            Reason::InvalidAiValue,
            entry.ai,
            format!("AI ({name}) in the query has an empty value"),
        ));
    }
    if raw.bytes().any(|c| c == b'+') {
        return Err(fault_ai(
            Reason::InvalidAiValue,
            entry.ai,
            format!(
                "AI ({name}): a '+' in a query value means a space, which GS1 values do not \
                 hold; a plus sign is written %2B"
            ),
        ));
    }
    let seen = std::iter::once(&link.key)
        .chain(&link.qualifiers)
        .chain(&link.attributes)
        .any(|p| p.entry.ai == entry.ai);
    if seen {
        return Err(fault_ai(
            Reason::InvalidGs1ElementString,
            entry.ai,
            format!("AI ({name}) appears twice in the URI"),
        ));
    }
    if !entry.dl_attribute {
        return Err(fault_ai(
            Reason::InvalidGs1ElementString,
            entry.ai,
            format!(
                "AI ({name}) {} cannot be a Digital Link data attribute",
                entry.title
            ),
        ));
    }
    // An AI that would make a valid path where it stands belongs in the path (GS1:
    // one spelling per link). Only the path's own qualifier sequence counts, so (10)
    // is an attribute after `/01/…/235/…`, which excludes it from the path.
    let path = || link.qualifiers.iter().map(|p| p.entry.ai);
    let belongs_in_path = (0..=link.qualifiers.len()).any(|at| {
        let trial = path()
            .take(at)
            .chain(std::iter::once(entry.ai))
            .chain(path().skip(at));
        key::is_valid_sequence(link.key.entry.ai, trial)
    });
    if belongs_in_path {
        return Err(fault_ai(
            Reason::InvalidGs1ElementString,
            entry.ai,
            format!(
                "AI ({name}) {} is a key qualifier of /{}/ here: it goes in the path, not the query",
                entry.title, link.key.entry.ai
            ),
        ));
    }
    Ok(Pair {
        entry,
        value: decode(entry, raw)?,
    })
}

/// The table row of a path segment that is exactly an AI's digits.
fn exact_ai(segment: &str) -> Option<&'static AiEntry> {
    if segment.is_empty() || !segment.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    ai::lookup(segment)
}

/// The value with its percent escapes decoded (borrowed when it has none).
fn decode<'a>(entry: &'static AiEntry, raw: &'a str) -> Result<Cow<'a, str>, Fault> {
    if !raw.bytes().any(|c| c == b'%') {
        return Ok(Cow::Borrowed(raw));
    }
    match crate::percent::percent_decode(raw) {
        Some(value) if !value.contains('\0') => Ok(Cow::Owned(value)),
        _ => Err(fault_ai(
            Reason::InvalidAiValue,
            entry.ai,
            format!(
                "AI ({}): {raw:?} is not a valid percent-encoded value",
                entry.ai
            ),
        )),
    }
}

/// `parse` as it was before its one-pass scan: a search per delimiter. Kept as the
/// oracle of the property that both read every string alike.
#[cfg(test)]
pub(crate) mod reference {
    use super::*;

    /// Reads a Digital Link URI, or says what is wrong with it.
    pub(crate) fn parse(uri: &str) -> Result<Link<'_>, Fault> {
        let rest = strip_scheme(uri)
            .ok_or_else(|| fault("a GS1 Digital Link URI starts with https:// or http://"))?;
        if let Some(at) = uri.bytes().position(|c| !URI_CHARS.contains(c)) {
            let shown = uri.get(at..).and_then(|s| s.chars().next()).unwrap_or('?');
            return Err(fault(format!(
                "{shown:?} at position {} is not allowed in a URI; percent-encode it",
                uri.get(..at).map_or(0, |s| s.chars().count()) + 1
            )));
        }
        let no_fragment = rest.split('#').next().unwrap_or_default();
        let (hier, query) = no_fragment.split_once('?').unwrap_or((no_fragment, ""));
        let (host, path) = match hier.find('/') {
            Some(i) => (
                hier.get(..i).unwrap_or_default(),
                hier.get(i..).unwrap_or_default(),
            ),
            None => (hier, ""),
        };
        if host.is_empty() {
            return Err(fault("the URI has no host"));
        }
        if let Some(c) = host.bytes().find(|&c| BAD_HOST_CHARS.contains(c)) {
            let why = match c {
                b'%' if host.starts_with('[') => {
                    " (an IPv6 zone id names an interface of one machine)"
                }
                b'@' => " (a Digital Link has no user info)",
                _ => "",
            };
            return Err(fault(format!(
                "the host {host:?} holds {:?}{why}",
                char::from(c)
            )));
        }
        let (key, qualifiers) = path_pairs(path)?;
        linked(key, qualifiers, query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(uri: &str) -> Result<(String, String), Fault> {
        parse(uri).map(|l| (l.key.entry.ai.to_owned(), l.key.value.into_owned()))
    }

    fn ais(uri: &str) -> Vec<(String, String)> {
        let link = parse(uri).unwrap_or_else(|f| panic!("{uri}: {f:?}"));
        std::iter::once(&link.key)
            .chain(&link.qualifiers)
            .chain(&link.attributes)
            .map(|p| (p.entry.ai.to_owned(), p.value.to_string()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, v)| ((*a).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Accepted URIs: the brief's example and biip `tests/test_gs1_digital_link_uris.py`.
    #[test]
    fn the_gtin_is_found_on_any_host_with_or_without_qualifiers() {
        let rows = [
            (
                "https://id.gs1.org/01/09506000134352/10/ABC?17=201225",
                "09506000134352",
            ),
            ("https://id.gs1.org/01/00614141123452", "00614141123452"),
            ("https://example.com/foo/01/614141123452", "614141123452"),
            (
                "https://id.gs1.org/01/00614141123452/10/ABC123",
                "00614141123452",
            ),
            (
                "https://id.gs1.org/01/00614141123452?foo=bar",
                "00614141123452",
            ),
            (
                "HTTP://Example.COM/01/614141123452/22/2A/10/ABC123",
                "614141123452",
            ),
            ("https://id.gs1.org/01/00614141123452/", "00614141123452"),
            ("https://id.gs1.org/01/00614141123452#x", "00614141123452"),
        ];
        for (uri, gtin) in rows {
            assert_eq!(key_of(uri), Ok(("01".to_owned(), gtin.to_owned())), "{uri}");
        }
    }

    /// Rejected URIs from biip `tests/test_gs1_digital_link_uris.py` `test_parse_error`
    /// (its SSCC-with-a-lot case is refused for the qualifier, not the key).
    #[test]
    fn uris_biip_rejects_are_rejected() {
        for uri in [
            "http://example.com/foo/123",
            "https://example.com/foo/01/614141123452/123",
            "https://id.gs1.org/01/614141123452/15/20250324",
            "https://id.gs1.org/01/614141123452/10/ABC123/22/123456789",
            "https://id.gs1.org/01/01234567890128/21/12345XYZ/10/ABC123",
            "https://id.gs1.org/00/106141412345678908/10/ABC123",
            "https:///01/614141123452",
            "https://id.gs1.org/01/",
        ] {
            assert!(parse(uri).is_err(), "{uri}");
        }
        assert!(!is_uri("614141123452"));
        assert!(!is_uri("mailto:alice@example.com"));
    }

    #[test]
    fn every_primary_key_is_read_with_its_own_qualifiers() {
        assert_eq!(
            ais("https://id.gs1.org/00/106141412345678908"),
            pairs(&[("00", "106141412345678908")])
        );
        assert_eq!(
            ais("https://id.gs1.org/414/5901234123457/254/A%2FB"),
            pairs(&[("414", "5901234123457"), ("254", "A/B")])
        );
        assert_eq!(
            ais("https://example.org/8003/03870585000552987?01=05901234123457"),
            pairs(&[("8003", "03870585000552987"), ("01", "05901234123457")])
        );
        assert_eq!(
            ais("https://a.example/shop/8018/385888700111111111/8019/7"),
            pairs(&[("8018", "385888700111111111"), ("8019", "7")])
        );
        // The rightmost key wins: a stem may hold what looks like one.
        assert_eq!(
            key_of("https://a.example/00/x/414/5901234123457").map(|k| k.0),
            Ok("414".to_owned())
        );
    }

    #[test]
    fn a_literal_plus_in_the_query_is_refused_and_percent_2b_is_read() {
        let uri = "https://id.gs1.org/01/09506000134352?98=XYZ+987";
        let f = parse(uri).expect_err("literal +");
        assert_eq!((f.reason, f.ai), (Reason::InvalidAiValue, Some("98")));
        assert_eq!(
            ais("https://id.gs1.org/01/09506000134352?98=XYZ%2B987")[1],
            ("98".to_owned(), "XYZ+987".to_owned())
        );
        // In the path `+` is a plus sign, and a non-AI parameter is not ours to judge.
        assert!(parse("https://id.gs1.org/01/09506000134352/10/A+B?q=a+b").is_ok());
    }

    #[test]
    fn a_qualifier_goes_in_the_query_only_where_the_path_cannot_hold_it() {
        let after_tpx = "https://id.gs1.org/01/09506000134352/235/XYZ?10=ABC123";
        assert_eq!(ais(after_tpx)[2], ("10".to_owned(), "ABC123".to_owned()));
        let f = parse("https://id.gs1.org/01/09506000134352?10=ABC123").expect_err("(10)");
        assert!(f.message.contains("goes in the path"), "{f:?}");
        // (21), (22) and (254) are never data attributes.
        for uri in [
            "https://id.gs1.org/01/09506000134352/10/ABC?21=1",
            "https://id.gs1.org/01/09506000134352/10/ABC?22=1",
            "https://id.gs1.org/414/5901234123457?254=1",
        ] {
            assert!(parse(uri).is_err(), "{uri}");
        }
    }

    #[test]
    fn the_same_ai_twice_is_refused_even_with_the_same_value() {
        for uri in [
            "https://id.gs1.org/01/09506000134352?99=A&99=A",
            "https://id.gs1.org/01/09506000134352/10/A?99=B&10=A",
            "https://id.gs1.org/01/09506000134352?01=09506000134352",
        ] {
            let f = parse(uri).expect_err(uri);
            assert!(f.message.contains("twice"), "{uri}: {f:?}");
        }
    }

    #[test]
    fn hosts_with_a_zone_id_or_user_info_are_refused_and_ip_literals_read() {
        assert!(parse("https://[2001:db8::1]/01/09506000134352").is_ok());
        assert!(parse("https://192.0.2.1:8443/01/09506000134352").is_ok());
        for uri in [
            "https://[fe80::1%25lo]/01/09506000134352",
            "https://user@example.com/01/09506000134352",
            "https://$a/01/09506000134352",
        ] {
            assert!(parse(uri).is_err(), "{uri}");
        }
    }

    #[test]
    fn query_data_is_checked_for_grammar_not_value() {
        let unknown = parse("https://a.example/01/09506000134352?999=x").expect_err("999");
        assert_eq!(unknown.reason, Reason::UnknownAi);
        let empty = parse("https://a.example/01/09506000134352?99=").expect_err("empty");
        assert_eq!(empty.reason, Reason::InvalidAiValue);
        let serial = parse("https://a.example/00/106141412345678908?21=1").expect_err("21");
        assert!(serial.message.contains("data attribute"), "{serial:?}");
        assert!(parse("https://a.example/01/09506000134352?99=A%00B").is_err());
        assert!(parse("https://a.example/01/09506000134352<x").is_err());
        assert_eq!(
            ais("https://a.example/01/09506000134352?&&99=A&linkType=all&single&&98=B").len(),
            3
        );
    }
}

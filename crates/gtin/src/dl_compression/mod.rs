//! Compressed GS1 Digital Links (GS1 Digital Link URI syntax, "compression"; the
//! algorithm of GS1's reference toolkit, GS1DigitalLinkToolkit.js): the AIs of a link
//! packed into bits and written in base64url as one path segment, so a QR code stays
//! small — `https://id.gs1.org/AQnYUc1gmiCNV4JG` is
//! `https://id.gs1.org/01/05412345000013/10/ABC123`.
//!
//! GS1's resolver conformance statements say a resolver SHALL read them, and packs
//! printed with them exist, so every reader of a Digital Link first passes the URI
//! through [`expand_digital_link`]: a compressed link (fully, `/{bits}`, or partly,
//! `/{key}/{value}/{bits}`) comes out as the uncompressed URI that the rest of the
//! crate already reads, with the same host, path prefix, query and fragment; any
//! other URI is left alone. [`compress_digital_link`] goes the other way.
//!
//! Bad compressed input is a [`CompressionError`], never a panic: bits are read with
//! bounds, numbers of any length are converted without overflow.

mod bits;
mod decode;
mod encode;
mod format;

use std::fmt;

use crate::ai;
use crate::percent::percent_encode;

/// Why a compressed Digital Link cannot be read, or a set of AIs cannot be compressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompressionError {
    /// A character of the compressed segment is not base64url (`A-Z a-z 0-9 - _`).
    NotBase64Url {
        /// 1-based position in the segment.
        position: usize,
        /// The character.
        character: char,
    },
    /// The bits end inside an element (the AI whose value was being read, if known).
    Truncated {
        /// The AI being read.
        ai: Option<String>,
    },
    /// The bits name an AI GS1 does not define.
    UnknownAi(String),
    /// A byte with a hex letter that is not one of GS1's optimisation codes.
    UnknownOptimisation(u8),
    /// A character encoding other than the five defined (3 bits, 0-4).
    UnknownEncoding {
        /// The AI (or non-GS1 key) whose value it encodes.
        ai: String,
        /// The encoding number.
        encoding: u8,
    },
    /// A value longer than its AI allows.
    ValueTooLong {
        /// The AI.
        ai: String,
        /// Characters found.
        found: usize,
        /// Most allowed.
        max: usize,
    },
    /// The decoded AIs hold no primary key (GTIN, SSCC, GLN …) to put in the path.
    NoPrimaryKey,
    /// The value cannot be written in the compressed form.
    NotEncodable {
        /// The AI.
        ai: String,
        /// Why.
        why: String,
    },
}

impl fmt::Display for CompressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompressionError::NotBase64Url {
                position,
                character,
            } => write!(
                f,
                "character {character:?} at position {position} of the compressed segment is not base64url (A-Z a-z 0-9 - _)"
            ),
            CompressionError::Truncated { ai: Some(ai) } => {
                write!(f, "the compressed data ends inside the value of AI ({ai})")
            }
            CompressionError::Truncated { ai: None } => {
                f.write_str("the compressed data ends inside an application identifier")
            }
            CompressionError::UnknownAi(ai) => {
                write!(
                    f,
                    "the compressed data names AI {ai}, which GS1 does not define"
                )
            }
            CompressionError::UnknownOptimisation(code) => {
                write!(
                    f,
                    "{code:02X} is not a GS1 Digital Link compression optimisation code"
                )
            }
            CompressionError::UnknownEncoding { ai, encoding } => write!(
                f,
                "the value of {ai} uses character encoding {encoding}; only 0-4 are defined"
            ),
            CompressionError::ValueTooLong { ai, found, max } => write!(
                f,
                "the compressed value of AI ({ai}) has {found} characters, more than the {max} allowed"
            ),
            CompressionError::NoPrimaryKey => f.write_str(
                "the compressed data holds no GS1 primary key (GTIN, SSCC, GLN …) to identify",
            ),
            CompressionError::NotEncodable { ai, why } => {
                write!(f, "AI ({ai}) cannot be compressed: {why}")
            }
        }
    }
}

impl std::error::Error for CompressionError {}

/// What a compressed segment holds.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// GS1 AIs and their values, in the order of the bits.
    pub(crate) ais: Vec<(&'static str, String)>,
    /// Key=value pairs that are not GS1's, compressed along.
    pub(crate) other: Vec<(String, String)>,
}

/// A Digital Link URI split at its parts; `path` without its trailing slash.
struct UriParts<'a> {
    /// `https://host[:port]`.
    origin: &'a str,
    path: &'a str,
    /// Without `?`, possibly empty.
    query: &'a str,
    /// With its `#`, possibly empty.
    fragment: &'a str,
}

fn split_uri(uri: &str) -> Option<UriParts<'_>> {
    let authority_start = ["https://", "http://"].into_iter().find_map(|scheme| {
        uri.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| scheme.len())
    })?;
    let (before_fragment, fragment) = match uri.find('#') {
        Some(i) => (uri.get(..i)?, uri.get(i..)?),
        None => (uri, ""),
    };
    let (hier, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let path_start = hier
        .get(authority_start..)?
        .find('/')
        .map_or(hier.len(), |i| authority_start + i);
    let path = hier.get(path_start..)?;
    Some(UriParts {
        origin: hier.get(..path_start)?,
        path: path.strip_suffix('/').unwrap_or(path),
        query,
        fragment,
    })
}

/// The uncompressed form of a compressed GS1 Digital Link URI; `Ok(None)` for any
/// URI that is not in compressed form (an uncompressed link, or no link at all).
///
/// A path whose last primary-key segment (`/01/`, `/00/`, `/414/` …) is followed by
/// its value alone is uncompressed; by its value and one more segment, partly
/// compressed; a path without a primary key whose last segment is base64url, fully
/// compressed (the reference toolkit's rules).
///
/// # Errors
/// A [`CompressionError`] when the URI is in compressed form but its bits are not a
/// GS1 compressed Digital Link.
///
/// ```
/// let uri = gtin::expand_digital_link("https://id.gs1.org/AQnYUc1gmiCNV4JG")?;
/// assert_eq!(uri.as_deref(), Some("https://id.gs1.org/01/05412345000013/10/ABC123"));
/// assert_eq!(gtin::expand_digital_link("https://id.gs1.org/01/05412345000013")?, None);
/// # Ok::<(), gtin::CompressionError>(())
/// ```
pub fn expand_digital_link(uri: &str) -> Result<Option<String>, CompressionError> {
    let Some(parts) = split_uri(uri) else {
        return Ok(None);
    };
    // From the last segment back to the last primary key, without allocating: the
    // common case, an uncompressed link, costs a few table lookups and nothing more.
    let mut from_end = parts.path.rsplit('/');
    let last = from_end.next().unwrap_or_default();
    if !bits::is_base64url(last) {
        return Ok(None);
    }
    let mut after_last: [&str; 2] = ["", ""];
    let mut key_at = None;
    for (i, segment) in from_end.enumerate() {
        if is_primary_key(segment) {
            key_at = Some((i, segment));
            break;
        }
        if let Some(slot) = after_last.get_mut(i) {
            *slot = segment;
        }
    }
    let (stem, decoded) = match key_at {
        // `/{key}/{value}/{bits}`: partly compressed.
        Some((1, key)) if !after_last[0].is_empty() => {
            let value = after_last[0];
            let mut decoded = decode::decode(last)?;
            // `is_primary_key` found it in the AI table: its static name is taken from there.
            let key = ai::lookup(key).map_or("", |e| e.ai);
            decoded.ais.insert(0, (key, value_of(value)));
            let stem_len = parts.path.len() - last.len() - value.len() - key.len() - 3;
            (parts.path.get(..stem_len).unwrap_or_default(), decoded)
        }
        Some(_) => return Ok(None),
        // No key in the path: fully compressed.
        None => {
            let stem_len = parts.path.len() - last.len() - 1;
            (
                parts.path.get(..stem_len).unwrap_or_default(),
                decode::decode(last)?,
            )
        }
    };
    Ok(Some(build_uri(&parts, stem, &decoded)?))
}

/// A path segment naming a Digital Link primary key: the AIs the syntax dictionary
/// marks `dlpkey` (a test holds this list to the table), matched without a table
/// search because every Digital Link read passes here.
fn is_primary_key(segment: &str) -> bool {
    matches!(
        segment,
        "00" | "01"
            | "253"
            | "255"
            | "401"
            | "402"
            | "414"
            | "415"
            | "417"
            | "8003"
            | "8004"
            | "8006"
            | "8010"
            | "8013"
            | "8017"
            | "8018"
    )
}

/// A path value as the uncompressed builder percent-encodes it again.
fn value_of(segment: &str) -> String {
    crate::percent::percent_decode(segment).unwrap_or_else(|| segment.to_owned())
}

/// The uncompressed URI: the first primary key and its qualifiers in the path, the
/// other AIs, then the non-GS1 pairs, then the original query, in the query string.
fn build_uri(
    parts: &UriParts<'_>,
    stem: &str,
    decoded: &Decoded,
) -> Result<String, CompressionError> {
    let (key, key_value) = decoded
        .ais
        .iter()
        .find(|(ai, _)| ai::lookup(ai).is_some_and(|e| e.dl_primary_key))
        .ok_or(CompressionError::NoPrimaryKey)?;
    let mut uri = String::from(parts.origin);
    uri.push_str(stem);
    uri.push_str(&format!("/{key}/{}", percent_encode(key_value)));
    let qualifiers = format::qualifiers(key);
    for q in qualifiers {
        if let Some((_, v)) = decoded.ais.iter().find(|(ai, _)| ai == q) {
            uri.push_str(&format!("/{q}/{}", percent_encode(v)));
        }
    }
    let mut query: Vec<String> = Vec::new();
    let mut key_seen = false;
    for (ai, v) in &decoded.ais {
        if ai == key && !key_seen {
            key_seen = true;
            continue;
        }
        if !qualifiers.contains(ai) {
            query.push(format!("{ai}={}", percent_encode(v)));
        }
    }
    for (k, v) in &decoded.other {
        query.push(format!("{k}={}", percent_encode(v)));
    }
    if !parts.query.is_empty() {
        query.push(parts.query.to_owned());
    }
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query.join("&"));
    }
    uri.push_str(parts.fragment);
    Ok(uri)
}

/// The uncompressed Digital Link of `ais` (AI, value) under `root`: the first primary
/// key and its qualifiers in the path in GS1's order, the other AIs in the query, as
/// [`expand_digital_link`] writes a decompressed link. `None` without a primary key
/// or with an AI GS1 does not define.
///
/// ```
/// let uri = gtin::build_digital_link("https://id.gs1.org", &[("17", "270131"), ("10", "L1"), ("01", "05412345000013")]);
/// assert_eq!(uri.as_deref(), Some("https://id.gs1.org/01/05412345000013/10/L1?17=270131"));
/// ```
pub fn build_digital_link(root: &str, ais: &[(&str, &str)]) -> Option<String> {
    let ais = ais
        .iter()
        .map(|(ai, v)| ai::lookup(ai).map(|e| (e.ai, (*v).to_owned())))
        .collect::<Option<Vec<_>>>()?;
    let parts = UriParts {
        origin: root.trim_end_matches('/'),
        path: "",
        query: "",
        fragment: "",
    };
    let decoded = Decoded {
        ais,
        other: Vec::new(),
    };
    build_uri(&parts, "", &decoded).ok()
}

/// The fully compressed Digital Link of `ais` (AI, value) under `root` (e.g.
/// `https://id.gs1.org`), encoded as the reference toolkit encodes.
///
/// # Errors
/// [`CompressionError::UnknownAi`] or [`CompressionError::NotEncodable`] for an AI or
/// value the compressed form cannot carry, [`CompressionError::NoPrimaryKey`] without
/// a primary key.
///
/// ```
/// let ais = [("01", "05412345000013"), ("10", "ABC123")];
/// let uri = gtin::compress_digital_link("https://id.gs1.org", &ais)?;
/// assert_eq!(uri, "https://id.gs1.org/CwnYUc1gmo1XgkY"); // code 0B: (01) then (10)
/// let plain = gtin::expand_digital_link(&uri)?;
/// assert_eq!(plain.as_deref(), Some("https://id.gs1.org/01/05412345000013/10/ABC123"));
/// # Ok::<(), gtin::CompressionError>(())
/// ```
pub fn compress_digital_link(root: &str, ais: &[(&str, &str)]) -> Result<String, CompressionError> {
    if !ais
        .iter()
        .any(|(ai, _)| ai::lookup(ai).is_some_and(|e| e.dl_primary_key))
    {
        return Err(CompressionError::NoPrimaryKey);
    }
    let bits = encode::encode(ais)?;
    Ok(format!("{}/{bits}", root.trim_end_matches('/')))
}

#[cfg(test)]
mod tests;

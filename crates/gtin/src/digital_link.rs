//! GS1 Digital Link URIs (GS1 Digital Link standard, URI syntax; biip
//! `gs1_digital_link_uris.py`): finds the GTIN in `https://{any host}/{optional path
//! prefix}/01/{gtin}[/22/…][/10/…][/21/…][/235/…][?query][#fragment]`, the payload of
//! the QR codes now arriving at checkouts.
//!
//! Only the GTIN primary key is read; key qualifiers must be GS1's for a GTIN, in
//! GS1's order (cpv 22, lot 10, serial 21, tpx 235), and query attributes are ignored.

/// The key qualifiers GS1 allows after `/01/{gtin}`, in the order they must appear.
const GTIN_QUALIFIERS: [&str; 4] = ["22", "10", "21", "235"];

/// True when the input is an `http` or `https` URI (case-insensitive scheme).
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

/// The GTIN path segment (not yet checked for digits or length), or what is wrong.
pub(crate) fn gtin_of(uri: &str) -> Result<&str, String> {
    let rest = strip_scheme(uri).ok_or("a GS1 Digital Link URI starts with https:// or http://")?;
    let hier = rest.split(['?', '#']).next().unwrap_or_default();
    let (host, path) = match hier.find('/') {
        Some(i) => (
            hier.get(..i).unwrap_or_default(),
            hier.get(i..).unwrap_or_default(),
        ),
        None => (hier, ""),
    };
    if host.is_empty() {
        return Err("the URI has no host".to_owned());
    }
    let mut segments = path.split('/').skip(1);
    if !segments.any(|s| s == "01") {
        return Err(format!(
            "the URI path {path:?} has no /01/{{gtin}}; only GTIN Digital Links are read"
        ));
    }
    let gtin = match segments.next() {
        Some(g) if !g.is_empty() => g,
        _ => return Err("/01/ is not followed by a GTIN".to_owned()),
    };

    let mut allowed = GTIN_QUALIFIERS.as_slice();
    while let Some(key) = segments.next() {
        let value = segments.next();
        if key.is_empty() && value.is_none() {
            break; // a trailing slash
        }
        let Some(at) = allowed.iter().position(|&q| q == key) else {
            return Err(format!(
                "{key:?} is not a GTIN key qualifier here; expected one of {} in that order",
                allowed.join(", ")
            ));
        };
        match value {
            Some(v) if !v.is_empty() => {}
            _ => return Err(format!("key qualifier {key} has no value")),
        }
        allowed = allowed.get(at + 1..).unwrap_or_default();
    }
    Ok(gtin)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(gtin_of(uri), Ok(gtin), "{uri}");
        }
    }

    /// Rejected URIs from biip `tests/test_gs1_digital_link_uris.py` `test_parse_error`.
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
            assert!(gtin_of(uri).is_err(), "{uri}");
        }
        assert!(!is_uri("614141123452"));
        assert!(!is_uri("mailto:alice@example.com"));
    }
}

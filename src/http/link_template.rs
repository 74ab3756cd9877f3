//! `--resolver-default-link`: where the Digital Link resolver (`resolver`) sends a
//! scanned Digital Link by default, as a template over the scan
//! (`https://brand.example/p/{gtin13}?lot={lot}`). Parsed once at start, so an unknown
//! placeholder stops the gateway naming the flag.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Gtin14,
    Gtin13,
    Lot,
    Serial,
}

/// What a template is filled with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LinkValues<'a> {
    /// The canonical GTIN-14.
    pub(crate) gtin14: &'a str,
    /// The EAN-13 form; the GTIN-14 when the item has none (a case pack).
    pub(crate) gtin13: &'a str,
    /// AI (10), when the scan has one.
    pub(crate) lot: Option<&'a str>,
    /// AI (21), when the scan has one.
    pub(crate) serial: Option<&'a str>,
}

/// A parsed link template: an absolute `http(s)` URL or a path on the gateway (`/…`),
/// with the placeholders `{gtin14}`, `{gtin13}`, `{lot}`, `{serial}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTemplate {
    source: String,
    parts: Vec<Part>,
}

impl LinkTemplate {
    /// Parses a template.
    ///
    /// # Errors
    /// What is wrong, for the start-up message: not `http(s)://…` or `/…`, an unknown
    /// or unclosed placeholder, or white space.
    pub fn parse(text: &str) -> Result<LinkTemplate, String> {
        let absolute = ["http://", "https://"].iter().any(|scheme| {
            text.get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
                && text.len() > scheme.len()
        });
        let gateway_path = text.starts_with('/') && !text.starts_with("//");
        if !absolute && !gateway_path {
            return Err(format!(
                "{text:?} is neither an http(s) URL nor a path starting with /"
            ));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{text:?} contains white space"));
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let (before, after) = rest.split_at(open);
            if !before.is_empty() {
                parts.push(Part::Text(before.to_owned()));
            }
            let close = after
                .find('}')
                .ok_or_else(|| format!("{text:?}: a placeholder is not closed"))?;
            let name = after.get(1..close).unwrap_or_default();
            parts.push(match name {
                "gtin14" => Part::Gtin14,
                "gtin13" => Part::Gtin13,
                "lot" => Part::Lot,
                "serial" => Part::Serial,
                other => {
                    return Err(format!(
                        "{text:?}: unknown placeholder {{{other}}}; known: {{gtin14}}, {{gtin13}}, {{lot}}, {{serial}}"
                    ));
                }
            });
            rest = after.get(close + 1..).unwrap_or_default();
        }
        if rest.contains('}') {
            return Err(format!("{text:?}: a '}}' without its '{{'"));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(LinkTemplate {
            source: text.to_owned(),
            parts,
        })
    }

    /// True for a path on the gateway itself (`/…`), which the resolver makes absolute.
    pub(crate) fn is_relative(&self) -> bool {
        self.source.starts_with('/')
    }

    /// The template filled in; lots and serials are percent-encoded (they may hold
    /// `/`, `?`, `&` …), a missing one is empty.
    pub(crate) fn expand(&self, values: &LinkValues<'_>) -> String {
        let mut out = String::with_capacity(self.source.len() + 32);
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Gtin14 => out.push_str(values.gtin14),
                Part::Gtin13 => out.push_str(values.gtin13),
                Part::Lot => out.push_str(&percent_encode(values.lot.unwrap_or_default())),
                Part::Serial => out.push_str(&percent_encode(values.serial.unwrap_or_default())),
            }
        }
        out
    }
}

impl fmt::Display for LinkTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Everything but RFC 3986 unreserved characters.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, NOT_UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: LinkValues<'static> = LinkValues {
        gtin14: "09506000134352",
        gtin13: "9506000134352",
        lot: Some("A/B 1"),
        serial: None,
    };

    #[test]
    fn placeholders_are_filled_and_values_encoded() {
        let t = LinkTemplate::parse("https://brand.example/p/{gtin13}?lot={lot}&s={serial}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.expand(&VALUES),
            "https://brand.example/p/9506000134352?lot=A%2FB%201&s="
        );
        assert!(!t.is_relative());
        let t = LinkTemplate::parse("/items/{gtin14}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.expand(&VALUES), "/items/09506000134352");
        assert!(t.is_relative());
    }

    #[test]
    fn bad_templates_say_why() {
        for bad in [
            "brand.example/{gtin14}",
            "//brand.example/{gtin14}",
            "ftp://x/{gtin14}",
            "https://",
            "https://x/{sku}",
            "https://x/{gtin14",
            "https://x/gtin14}",
            "https://x/ {gtin14}",
        ] {
            assert!(LinkTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}

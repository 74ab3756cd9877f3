//! Value parsers of the flags: each turns the text of a flag (or its environment
//! variable) into the type the gateway uses, so a bad value is refused by clap, at
//! start, naming the flag, with exit status 2. Ranges are checked here too.

use std::ops::RangeInclusive;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};
use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::catalog::KeyFormat;
use crate::demo::Dialect;
use crate::gtin::RcnRegion;
use crate::http::{AdminToken, AllowedOrigin, LinkTemplate};
use crate::protect::{ApiKeys, IpRange, Manifest, ManifestFile};

/// The region layouts the `gtin` module can decode (both cases are accepted).
pub(crate) const RCN_REGIONS: [&str; 18] = [
    "SE", "NO", "FI", "EE", "LV", "LT", "DK", "DE", "GB", "se", "no", "fi", "ee", "lv", "lt", "dk",
    "de", "gb",
];

/// A whole number of milliseconds in `range`, as a [`Duration`].
pub(crate) fn millis(range: RangeInclusive<u64>) -> impl TypedValueParser<Value = Duration> {
    clap::value_parser!(u64)
        .range(range)
        .map(Duration::from_millis)
}

/// A whole number of seconds in `range`, as a [`Duration`].
pub(crate) fn secs(range: RangeInclusive<u64>) -> impl TypedValueParser<Value = Duration> {
    clap::value_parser!(u64)
        .range(range)
        .map(Duration::from_secs)
}

/// A whole number of microseconds in `range`, as a [`Duration`].
pub(crate) fn micros(range: RangeInclusive<u64>) -> impl TypedValueParser<Value = Duration> {
    clap::value_parser!(u64)
        .range(range)
        .map(Duration::from_micros)
}

/// A demo catalog dialect; `--help` lists them.
pub(crate) fn dialect() -> impl TypedValueParser<Value = Dialect> {
    PossibleValuesParser::new(Dialect::NAMES).try_map(|text| text.parse::<Dialect>())
}

/// Most items per page: a whole number from 1.
pub(crate) fn page_cap() -> impl TypedValueParser<Value = usize> {
    clap::value_parser!(u64)
        .range(1..=1_000_000)
        // At most a million: fits every usize.
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// A GTIN form the upstream is keyed by; `--help` lists them.
pub(crate) fn key_format() -> impl TypedValueParser<Value = KeyFormat> {
    PossibleValuesParser::new(["gtin14", "gtin13", "upc", "registered"])
        .try_map(|text| text.parse::<KeyFormat>())
}

/// An upstream preset's name; `--help` lists them.
pub(crate) fn preset() -> impl TypedValueParser<Value = String> {
    PossibleValuesParser::new(
        crate::catalog::mapping::PRESETS
            .iter()
            .map(|preset| preset.name),
    )
}

/// An RCN region; `--help` lists them.
pub(crate) fn rcn_region() -> impl TypedValueParser<Value = RcnRegion> {
    PossibleValuesParser::new(RCN_REGIONS).try_map(|text| text.parse::<RcnRegion>())
}

/// A ratio: a finite number from 0 to 1.
pub(crate) fn ratio(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not from 0 to 1"))
    }
}

/// A failure rate: more than 0, at most 1 (0 would open the breaker on any call).
pub(crate) fn failure_rate(text: &str) -> Result<f64, String> {
    match ratio(text)? {
        0.0 => Err("0 would open the breaker at once; give more than 0, at most 1".to_owned()),
        rate => Ok(rate),
    }
}

/// A browser origin (`scheme://host[:port]`) or `*` for any.
pub(crate) fn allowed_origin(text: &str) -> Result<AllowedOrigin, String> {
    let text = text.trim();
    if text == "*" {
        return Ok(AllowedOrigin::Any);
    }
    let url = reqwest::Url::parse(text).map_err(|error| format!("{text:?}: {error}"))?;
    let origin = url.origin().ascii_serialization();
    if !matches!(url.scheme(), "http" | "https") || origin != text.trim_end_matches('/') {
        return Err(format!(
            "{text:?} is not an origin: write scheme://host[:port], e.g. https://shop.example"
        ));
    }
    HeaderValue::from_str(&origin)
        .map(AllowedOrigin::Exact)
        .map_err(|error| format!("{text:?}: {error}"))
}

/// A Redis URL the client accepts (`redis://host:port/db`); checked without connecting.
/// The admin route's bearer token: printable ASCII without spaces, at least 16
/// characters (a short token is guessable however it is compared).
pub(crate) fn admin_token(text: &str) -> Result<AdminToken, String> {
    if text.len() < 16 {
        return Err("the admin token must be at least 16 characters".to_owned());
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the admin token must be printable ASCII without spaces".to_owned());
    }
    Ok(AdminToken::new(text))
}

pub(crate) fn redis_url(text: &str) -> Result<String, String> {
    redis::Client::open(text)
        .map(|_| text.to_owned())
        .map_err(|error| format!("{text:?} is not a usable Redis URL: {error}"))
}

/// One Sentinel: `host:port`, or `redis://host:port` / `rediss://host:port` (TLS).
pub(crate) fn sentinel_address(text: &str) -> Result<String, String> {
    let bare = match text.split_once("://") {
        Some(("redis" | "rediss", rest)) => rest,
        Some(_) => {
            return Err(format!(
                "{text:?}: a Sentinel is host:port or rediss://host:port"
            ));
        }
        None => text,
    };
    match bare.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(text.to_owned())
        }
        _ => Err(format!("{text:?} is not host:port")),
    }
}

/// A trusted-documents manifest, read and parsed now, so a malformed one stops the
/// start naming the flag.
pub(crate) fn trusted_documents(text: &str) -> Result<ManifestFile, String> {
    let path = std::path::PathBuf::from(text);
    let manifest = Manifest::load(&path).map_err(|error| error.to_string())?;
    Ok(ManifestFile {
        path,
        manifest: std::sync::Arc::new(manifest),
    })
}

/// An API keys file, read and checked now.
pub(crate) fn api_keys(text: &str) -> Result<ApiKeys, String> {
    ApiKeys::load(std::path::Path::new(text))
}

/// A rate: a finite number more than 0.
pub(crate) fn positive_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!("{text:?} is not a number more than 0")),
    }
}

/// An HTTP header name (lowercased).
pub(crate) fn header_name(text: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(text.trim().to_ascii_lowercase().as_bytes())
        .map_err(|_| format!("{text:?} is not a header name"))
}

/// An IP address or CIDR range.
pub(crate) fn ip_range(text: &str) -> Result<IpRange, String> {
    IpRange::parse(text)
}

/// An `http` or `https` URL.
/// A `--resolver-default-link` template (see `http::LinkTemplate`).
pub(crate) fn link_template(text: &str) -> Result<LinkTemplate, String> {
    LinkTemplate::parse(text)
}

pub(crate) fn http_url(text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text).map_err(|error| format!("{text:?}: {error}"))?;
    if matches!(url.scheme(), "http" | "https") && url.has_host() {
        Ok(url)
    } else {
        Err(format!("{text:?} is not an http(s) URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_from_0_to_1_and_a_failure_rate_is_not_0() {
        assert_eq!(ratio("0.1"), Ok(0.1));
        assert_eq!(ratio("0"), Ok(0.0));
        assert!(ratio("1.5").is_err());
        assert!(ratio("NaN").is_err());
        assert!(ratio("x").is_err());
        assert!(failure_rate("0").is_err());
        assert_eq!(failure_rate("1"), Ok(1.0));
    }

    #[test]
    fn an_origin_is_scheme_host_and_port_only() {
        assert_eq!(allowed_origin("*"), Ok(AllowedOrigin::Any));
        assert_eq!(
            allowed_origin("http://localhost:5173"),
            Ok(AllowedOrigin::Exact(HeaderValue::from_static(
                "http://localhost:5173"
            )))
        );
        assert!(allowed_origin("https://shop.example/").is_ok());
        for bad in [
            "localhost:5173",
            "https://shop.example/path",
            "ftp://x.example",
            "",
        ] {
            assert!(allowed_origin(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_sentinel_is_host_and_port() {
        assert!(sentinel_address("sentinel-0:26379").is_ok());
        assert!(sentinel_address("rediss://sentinel-0:26379").is_ok());
        assert!(sentinel_address("[::1]:26379").is_ok());
        for bad in [
            "sentinel-0",
            "sentinel-0:",
            ":26379",
            "s:0",
            "s:99999",
            "http://s:1",
        ] {
            assert!(sentinel_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_redis_url_is_checked_without_connecting() {
        assert!(redis_url("redis://127.0.0.1:1/0").is_ok());
        assert!(redis_url("http://127.0.0.1:6379").is_err());
        assert!(redis_url("not a url").is_err());
    }

    #[test]
    fn an_upstream_url_is_http_or_https() {
        assert!(http_url("http://127.0.0.1:9090/api").is_ok());
        assert!(http_url("file:///etc/passwd").is_err());
        assert!(http_url("127.0.0.1:9090").is_err());
    }
}

//! The HTTP caching headers of `/graphql` answers, for browsers, CDNs and shared
//! proxies: `Cache-Control`, a strong `ETag` with `If-None-Match` → 304, `Vary`,
//! and the products an answer holds as `Cache-Tag` / `Surrogate-Key`.
//!
//! The rule (docs/http-caching.md says it for users), merged restrictively:
//!
//! - `no-store` when the answer is not 200, carries any error, holds a stale copy
//!   or a failed lookup (`servedStale`), is a batch, or the request said
//!   `Cache-Control: no-store`;
//! - otherwise `max-age` is the shortest remaining freshness of the products it
//!   holds (a not-found counts with its negative TTL), or [`CacheHeaderSettings::static_max_age`]
//!   when it holds no product at all (`gtin(code:)`, `__typename`: pure computation);
//! - `public` (with `stale-if-error`) unless the request carries something of the
//!   client's identity (`Authorization`, `Cookie`, protection's API key or client
//!   id header), or the answer names more
//!   products than [`MAX_TAGS`] (a CDN could not purge it by tag): then `private`.
//!
//! Everything here is computed once per produced body and kept with the response
//! cache's entry, so a hit only formats `max-age`.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use xxhash_rust::xxh3::xxh3_128;

use crate::gtin::Gtin;

/// Most products named in `Cache-Tag` / `Surrogate-Key`: 64 tags of 19 bytes stay
/// well within what CDNs accept in one header (Fastly 16 KiB, Cloudflare 16 KiB
/// in total). An answer holding more is `private`, untagged.
pub const MAX_TAGS: usize = 64;

/// `Cache-Tag` (Cloudflare, Akamai: comma separated).
pub(crate) static CACHE_TAG: HeaderName = HeaderName::from_static("cache-tag");
/// `Surrogate-Key` (Fastly, Varnish xkey: space separated).
pub(crate) static SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");

/// What the `Cache-Control` of answers is made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheHeaderSettings {
    /// `max-age` of an answer that holds no product (pure computation).
    pub static_max_age: Duration,
    /// `stale-if-error` of a public answer: how long a CDN may serve its copy
    /// while the gateway is unreachable or answers 5xx (the product cache's
    /// `--cache-max-stale-s`).
    pub stale_if_error: Duration,
}

/// The products an answer holds, as tag headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tags {
    /// No product at all.
    None,
    /// At most [`MAX_TAGS`]: `(Cache-Tag, Surrogate-Key)`.
    Named(HeaderValue, HeaderValue),
    /// More than [`MAX_TAGS`]: untagged, and `private`.
    TooMany,
}

impl Tags {
    /// The tags of `gtins` (sorted, distinct).
    pub(crate) fn of(gtins: &[Gtin]) -> Tags {
        if gtins.is_empty() {
            return Tags::None;
        }
        if gtins.len() > MAX_TAGS {
            return Tags::TooMany;
        }
        let mut cache_tag = String::with_capacity(gtins.len() * 20);
        let mut surrogate_key = String::with_capacity(gtins.len() * 20);
        for (i, gtin) in gtins.iter().enumerate() {
            if i > 0 {
                cache_tag.push(',');
                surrogate_key.push(' ');
            }
            for out in [&mut cache_tag, &mut surrogate_key] {
                out.push_str("gtin-");
                out.push_str(gtin.gtin14());
            }
        }
        match (
            HeaderValue::try_from(cache_tag),
            HeaderValue::try_from(surrogate_key),
        ) {
            (Ok(cache_tag), Ok(surrogate_key)) => Tags::Named(cache_tag, surrogate_key),
            // Digits and separators only: cannot happen, but untagged is the safe side.
            _ => Tags::TooMany,
        }
    }
}

/// The tag of one product, as the admin route answers it.
pub(crate) fn tag(gtin: &Gtin) -> String {
    format!("gtin-{}", gtin.gtin14())
}

/// How an answer may be cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// `no-store`.
    NoStore,
    /// `max-age` until `until_ms` (unix ms), or the static max-age when `None`
    /// (no product held); `public` when `shared`.
    Fresh {
        /// Until when the products held are fresh; `None`: no product.
        until_ms: Option<u64>,
        /// `public` (else `private`).
        shared: bool,
    },
}

/// The request headers that carry the client's identity: `Authorization`,
/// `Cookie`, and `extra` (protection's API key and client id headers).
pub(crate) fn identity_headers(extra: Vec<HeaderName>) -> Arc<[HeaderName]> {
    let mut headers = vec![header::AUTHORIZATION, header::COOKIE];
    headers.extend(extra);
    headers.into()
}

/// Whether the request carries one of `identity`, so a shared cache must not
/// reuse its answer for someone else.
pub(crate) fn carries_identity(request: &HeaderMap, identity: &[HeaderName]) -> bool {
    identity.iter().any(|name| request.contains_key(name))
}

/// The `Cache-Control` value of `policy` at `now_ms`.
pub(crate) fn cache_control(
    policy: Policy,
    settings: &CacheHeaderSettings,
    now_ms: u64,
) -> HeaderValue {
    let (until_ms, shared) = match policy {
        Policy::NoStore => return HeaderValue::from_static("no-store"),
        Policy::Fresh { until_ms, shared } => (until_ms, shared),
    };
    let max_age = match until_ms {
        Some(until_ms) => until_ms.saturating_sub(now_ms) / 1000,
        None => settings.static_max_age.as_secs(),
    };
    // Written by hand, not `format!`: this runs for every answer, cache hits included.
    let mut numbers = itoa::Buffer::new();
    let mut value = String::with_capacity(64);
    value.push_str(if shared { "public" } else { "private" });
    value.push_str(", max-age=");
    value.push_str(numbers.format(max_age));
    if shared {
        value.push_str(", stale-if-error=");
        value.push_str(numbers.format(settings.stale_if_error.as_secs()));
    }
    HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static("no-store"))
}

/// A strong `ETag` over `body`: its 128-bit XXH3, hex, quoted. The same bytes give
/// the same tag on every replica and every version (XXH3 is a fixed algorithm), so
/// a CDN may revalidate on any of them. Not SHA-256: the bodies are the gateway's
/// own output, nobody gains by forging a collision, and XXH3 is some 20 times
/// faster on a basket's tens of kilobytes (bench/JOURNAL.md, "HTTP caching").
pub(crate) fn etag(body: &[u8]) -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = xxh3_128(body).to_be_bytes();
    let mut out = [b'"'; 34];
    for (i, byte) in digest.iter().enumerate() {
        out[1 + 2 * i] = HEX[usize::from(byte >> 4)];
        out[2 + 2 * i] = HEX[usize::from(byte & 0x0f)];
    }
    HeaderValue::from_bytes(&out).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Whether the request's `If-None-Match` matches `etag` (weak comparison, as RFC
/// 9110 says for `If-None-Match`; `*` matches any).
pub(crate) fn not_modified(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.as_bytes();
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .any(|candidate| {
            candidate == b"*" || candidate.strip_prefix(b"W/").unwrap_or(candidate) == etag
        })
}

/// `Vary` of every `/graphql` answer: the media type is negotiated from `Accept`.
pub(crate) fn vary() -> HeaderValue {
    HeaderValue::from_static("accept")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    const SETTINGS: CacheHeaderSettings = CacheHeaderSettings {
        static_max_age: Duration::from_secs(3600),
        stale_if_error: Duration::from_secs(86400),
    };

    fn gtin(n: u32) -> Gtin {
        Gtin::with_check_digit(&format!("0777100{n:06}")).unwrap()
    }

    #[test]
    fn cache_control_follows_the_policy() {
        let at = |policy| cache_control(policy, &SETTINGS, 1_000_000);
        assert_eq!(at(Policy::NoStore), "no-store");
        assert_eq!(
            at(Policy::Fresh {
                until_ms: Some(1_060_999),
                shared: true
            }),
            "public, max-age=60, stale-if-error=86400"
        );
        assert_eq!(
            at(Policy::Fresh {
                until_ms: Some(1_060_999),
                shared: false
            }),
            "private, max-age=60"
        );
        assert_eq!(
            at(Policy::Fresh {
                until_ms: None,
                shared: true
            }),
            "public, max-age=3600, stale-if-error=86400"
        );
        assert_eq!(
            at(Policy::Fresh {
                until_ms: Some(5),
                shared: true
            }),
            "public, max-age=0, stale-if-error=86400"
        );
    }

    #[test]
    fn tags_are_capped() {
        assert_eq!(Tags::of(&[]), Tags::None);
        let Tags::Named(cache_tag, surrogate_key) = Tags::of(&[gtin(1), gtin(2)]) else {
            panic!("two products are named");
        };
        assert_eq!(cache_tag, "gtin-07771000000019,gtin-07771000000026");
        assert_eq!(surrogate_key, "gtin-07771000000019 gtin-07771000000026");
        let many: Vec<Gtin> = (0..=u32::try_from(MAX_TAGS).unwrap()).map(gtin).collect();
        assert_ne!(Tags::of(&many[..MAX_TAGS]), Tags::TooMany);
        assert_eq!(Tags::of(&many), Tags::TooMany);
    }

    #[test]
    fn the_etag_is_strong_stable_and_matched_by_if_none_match() {
        let tag = etag(b"{\"data\":{}}");
        assert_eq!(tag, etag(b"{\"data\":{}}"));
        assert_ne!(tag, etag(b"{\"data\":{ }}"));
        assert_eq!(tag.len(), 34);
        assert!(tag.to_str().unwrap().starts_with('"'));

        let mut request = HeaderMap::new();
        assert!(!not_modified(&request, &tag));
        let listed = format!("\"other\", W/{}", tag.to_str().unwrap());
        request.insert(header::IF_NONE_MATCH, listed.parse().unwrap());
        assert!(not_modified(&request, &tag));
        request.insert(header::IF_NONE_MATCH, "\"other\"".parse().unwrap());
        assert!(!not_modified(&request, &tag));
        request.insert(header::IF_NONE_MATCH, "*".parse().unwrap());
        assert!(not_modified(&request, &tag));
    }
}

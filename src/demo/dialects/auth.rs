//! Credentials as the dialect servers check them: the bearer token on every API
//! call (a static one, or one the server issued and has not expired or revoked)
//! and HTTP Basic client credentials on the token endpoints. Each dialect turns
//! the outcome into its own API's error body; only the checking is shared.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use subtle::ConstantTimeEq;
use tokio::time::Instant;

use super::OAuthClient;

/// How long a refresh token lasts (Akeneo's documented default: 14 days).
const REFRESH_TTL: Duration = Duration::from_secs(14 * 24 * 3600);

/// The outcome of checking a request's bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bearer {
    /// The API needs no credentials, or the token is good.
    Accepted,
    /// No `Authorization: Bearer …` header.
    Missing,
    /// A token this server never issued, or one revoked since.
    Invalid,
    /// A token this server issued whose lifetime is over.
    Expired,
}

/// What a token stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
}

/// The tokens this server issued, with their expiry. Revoking forgets them all,
/// which is what a real server's revocation looks like to a client: `401` next.
#[derive(Debug, Default)]
pub(super) struct TokenStore {
    issued: Mutex<HashMap<String, (Kind, Instant)>>,
}

impl TokenStore {
    /// A new access token that expires after `ttl`.
    pub(super) fn issue_access(&self, ttl: Duration) -> String {
        self.issue(Kind::Access, ttl)
    }

    /// A new refresh token (valid [`REFRESH_TTL`], usable once).
    pub(super) fn issue_refresh(&self) -> String {
        self.issue(Kind::Refresh, REFRESH_TTL)
    }

    fn issue(&self, kind: Kind, ttl: Duration) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let now = Instant::now();
        let mut issued = self.lock();
        // Expired tokens would otherwise pile up on a long benchmark run.
        issued.retain(|_, (_, expires)| *expires > now);
        issued.insert(token.clone(), (kind, now + ttl));
        token
    }

    /// Whether `token` is a live access token.
    fn check_access(&self, token: &str) -> Bearer {
        match self.lock().get(token) {
            Some((Kind::Access, expires)) if *expires > Instant::now() => Bearer::Accepted,
            Some((Kind::Access, _)) => Bearer::Expired,
            _ => Bearer::Invalid,
        }
    }

    /// Spends a refresh token: `true` when it was live (it is gone either way).
    pub(super) fn redeem_refresh(&self, token: &str) -> bool {
        matches!(
            self.lock().remove(token),
            Some((Kind::Refresh, expires)) if expires > Instant::now()
        )
    }

    /// Forgets every token issued so far.
    pub(super) fn revoke_all(&self) {
        self.lock().clear();
    }

    /// How many tokens (access and refresh) are live.
    pub(super) fn live(&self) -> usize {
        let now = Instant::now();
        self.lock().values().filter(|(_, at)| *at > now).count()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Kind, Instant)>> {
        self.issued.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Checks the bearer token of a request to an API that requires one when a static
/// token or an OAuth client is configured, and nothing otherwise.
pub(super) fn check_bearer(
    headers: &HeaderMap,
    static_token: Option<&str>,
    oauth: Option<&OAuthClient>,
    tokens: &TokenStore,
) -> Bearer {
    if static_token.is_none() && oauth.is_none() {
        return Bearer::Accepted;
    }
    let Some(token) = credentials(headers, "bearer") else {
        return Bearer::Missing;
    };
    let token = String::from_utf8_lossy(&token).into_owned();
    if static_token.is_some_and(|known| same(known, &token)) {
        return Bearer::Accepted;
    }
    tokens.check_access(&token)
}

/// The `client_id:client_secret` pair of an `Authorization: Basic …` header.
pub(super) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = credentials(headers, "basic")?;
    let decoded = String::from_utf8(base64_decode(&encoded)?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Whether the Basic credentials name the configured client.
pub(super) fn client_matches(client: &OAuthClient, id: &str, secret: &str) -> bool {
    // Both compared whatever the first gives: no early exit to time.
    same(&client.client_id, id) & same(&client.client_secret, secret)
}

/// Constant-time equality, so a probe cannot time its way to a secret.
pub(super) fn same(known: &str, given: &str) -> bool {
    known.as_bytes().ct_eq(given.as_bytes()).into()
}

/// The bytes after `scheme ` in the `Authorization` header (scheme case-insensitive).
fn credentials(headers: &HeaderMap, scheme: &str) -> Option<Vec<u8>> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let (given, rest) = value.split_at_checked(scheme.len())?;
    if !given.eq_ignore_ascii_case(scheme.as_bytes()) || rest.first() != Some(&b' ') {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then(|| token.to_vec())
}

/// Standard base64 (padding optional); `None` for anything else. Four lines of
/// arithmetic rather than a dependency for one header.
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let body = text
        .strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text);
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut bits = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            bits |= sextet(c)? << (18 - 6 * i);
        }
        // A chunk of n sextets carries n - 1 whole bytes.
        out.extend_from_slice(&bits.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(
            base64_decode(b"YWxhZGRpbjpvcGVuc2VzYW1l").unwrap(),
            b"aladdin:opensesame"
        );
        assert_eq!(base64_decode(b"YQ==").unwrap(), b"a");
        assert_eq!(base64_decode(b"YWI").unwrap(), b"ab");
        assert_eq!(base64_decode(b"Y"), None);
        assert_eq!(base64_decode(b"a*bc"), None);
    }

    #[test]
    fn basic_credentials_are_read_and_a_bearer_header_is_not_basic() {
        let headers = with_auth("Basic Y2xpZW50OnMzY3IzdA==");
        assert_eq!(
            basic_credentials(&headers),
            Some(("client".to_owned(), "s3cr3t".to_owned()))
        );
        assert_eq!(
            basic_credentials(&with_auth("Bearer Y2xpZW50OnMzY3IzdA==")),
            None
        );
    }

    #[tokio::test(start_paused = true)]
    async fn issued_tokens_expire_and_revocation_forgets_them() {
        let store = TokenStore::default();
        let token = store.issue_access(Duration::from_secs(60));
        assert_eq!(store.check_access(&token), Bearer::Accepted);
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(store.check_access(&token), Bearer::Expired);
        let fresh = store.issue_access(Duration::from_secs(60));
        store.revoke_all();
        assert_eq!(store.check_access(&fresh), Bearer::Invalid);
    }

    #[test]
    fn a_refresh_token_is_spent_once_and_is_no_access_token() {
        let store = TokenStore::default();
        let refresh = store.issue_refresh();
        assert_eq!(store.check_access(&refresh), Bearer::Invalid);
        assert!(store.redeem_refresh(&refresh));
        assert!(!store.redeem_refresh(&refresh));
    }

    #[test]
    fn the_static_token_is_accepted_and_no_configuration_needs_no_token() {
        let store = TokenStore::default();
        let headers = with_auth("Bearer static-token");
        assert_eq!(
            check_bearer(&headers, Some("static-token"), None, &store),
            Bearer::Accepted
        );
        assert_eq!(
            check_bearer(&headers, Some("other"), None, &store),
            Bearer::Invalid
        );
        assert_eq!(
            check_bearer(&HeaderMap::new(), Some("x"), None, &store),
            Bearer::Missing
        );
        assert_eq!(
            check_bearer(&HeaderMap::new(), None, None, &store),
            Bearer::Accepted
        );
    }
}

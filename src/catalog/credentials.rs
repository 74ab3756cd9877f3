//! The `Authorization` of upstream calls: none, a fixed bearer token, or an OAuth2
//! token (client credentials, or Akeneo's password grant) fetched from the source's
//! token endpoint, cached, and
//! fetched anew before it expires (at 90 % of its lifetime, at most a minute early)
//! or when the source refuses it.
//!
//! One fetch at a time: calls that need a token while one is being fetched wait for
//! it rather than each asking the endpoint. Secrets live in `secrecy` types and in
//! header values marked sensitive, so neither `Debug` nor a log line shows them.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::CatalogError;
use super::mapping::{Auth, OAuth2};

/// How this client authenticates.
pub(crate) struct Credentials {
    kind: Kind,
}

enum Kind {
    None,
    Bearer(HeaderValue),
    OAuth2(Box<TokenSource>),
}

/// An OAuth2 client and its cached token.
struct TokenSource {
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    scope: Option<String>,
    /// The resource owner, for the password grant (none: client credentials).
    user: Option<(String, SecretString)>,
    token: Mutex<Option<Token>>,
}

/// A token and when to fetch the next one.
struct Token {
    header: HeaderValue,
    refresh_at: Instant,
}

/// The token endpoint's answer (RFC 6749 §5.1).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    /// Seconds; absent: assumed an hour.
    expires_in: Option<u64>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::None => f.write_str("Credentials::None"),
            Kind::Bearer(_) => f.write_str("Credentials::Bearer([redacted])"),
            Kind::OAuth2(source) => f
                .debug_struct("Credentials::OAuth2")
                .field("token_url", &source.token_url.as_str())
                .field("client_id", &source.client_id)
                .finish_non_exhaustive(),
        }
    }
}

/// Why credentials could not be set up from a mapping.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// OAuth2 without a token endpoint.
    #[error("OAuth2 client credentials need a token endpoint: set --upstream-token-url")]
    NoTokenUrl,
    /// A bearer token that cannot be a header value.
    #[error("the upstream bearer token is not a valid header value")]
    BadToken,
}

impl Credentials {
    /// No credentials.
    pub(crate) fn none() -> Credentials {
        Credentials { kind: Kind::None }
    }

    /// The credentials a mapping's `auth` describes, for a source at `base`.
    pub(crate) fn new(auth: &Auth, base: &Url) -> Result<Credentials, CredentialsError> {
        let kind = match auth {
            Auth::None => Kind::None,
            Auth::Bearer(token) => {
                Kind::Bearer(bearer(token.expose_secret()).ok_or(CredentialsError::BadToken)?)
            }
            Auth::OAuth2(OAuth2 {
                token_url,
                client_id,
                client_secret,
                scope,
                user,
            }) => Kind::OAuth2(Box::new(TokenSource {
                token_url: token_url
                    .resolve(base)
                    .ok_or(CredentialsError::NoTokenUrl)?,
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                scope: scope
                    .as_ref()
                    .map(|scope| scope.replace("{project}", last_segment(base))),
                user: user.clone(),
                token: Mutex::new(None),
            })),
        };
        Ok(Credentials { kind })
    }

    /// Whether a refused call is worth one more try with a fresh token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.kind, Kind::OAuth2(_))
    }

    /// The `Authorization` value for a call, fetching a token when none is fresh.
    pub(crate) async fn header(
        &self,
        client: &reqwest::Client,
        deadline: Instant,
    ) -> Result<Option<HeaderValue>, CatalogError> {
        match &self.kind {
            Kind::None => Ok(None),
            Kind::Bearer(header) => Ok(Some(header.clone())),
            Kind::OAuth2(source) => source.header(client, deadline).await.map(Some),
        }
    }

    /// Forgets `refused`, the token a call was refused with, so the next call
    /// fetches another (a token fetched meanwhile by another call is kept).
    pub(crate) async fn refused(&self, refused: &HeaderValue) {
        if let Kind::OAuth2(source) = &self.kind {
            let mut token = source.token.lock().await;
            if token.as_ref().is_some_and(|token| token.header == *refused) {
                *token = None;
            }
        }
    }
}

impl TokenSource {
    async fn header(
        &self,
        client: &reqwest::Client,
        deadline: Instant,
    ) -> Result<HeaderValue, CatalogError> {
        let mut token = self.token.lock().await;
        if let Some(token) = token
            .as_ref()
            .filter(|token| Instant::now() < token.refresh_at)
        {
            return Ok(token.header.clone());
        }
        let fresh = tokio::time::timeout_at(deadline, self.fetch(client))
            .await
            .map_err(|_| {
                CatalogError::Timeout("no token from the token endpoint in time".into())
            })??;
        let header = fresh.header.clone();
        *token = Some(fresh);
        Ok(header)
    }

    async fn fetch(&self, client: &reqwest::Client) -> Result<Token, CatalogError> {
        let mut form = match &self.user {
            None => vec![("grant_type", "client_credentials")],
            Some((name, password)) => vec![
                ("grant_type", "password"),
                ("username", name.as_str()),
                ("password", password.expose_secret()),
            ],
        };
        if let Some(scope) = &self.scope {
            form.push(("scope", scope.as_str()));
        }
        let asked = Instant::now();
        let response = client
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|error| {
                CatalogError::Unavailable(format!("token endpoint: {}", error.without_url()))
            })?;
        let status = response.status();
        if matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Err(CatalogError::Unauthorized(format!(
                "the token endpoint refused the client credentials ({status})"
            )));
        }
        if !status.is_success() {
            return Err(CatalogError::Unavailable(format!(
                "token endpoint answered {status}"
            )));
        }
        let answer: TokenAnswer = response.json().await.map_err(|error| {
            CatalogError::BadResponse(format!("token endpoint answer: {}", error.without_url()))
        })?;
        let header = bearer(&answer.access_token).ok_or_else(|| {
            CatalogError::BadResponse(
                "the token endpoint sent a token that is not a header value".into(),
            )
        })?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        let early = (lifetime / 10).min(Duration::from_secs(60));
        tracing::debug!(lifetime_s = lifetime.as_secs(), "upstream token fetched");
        Ok(Token {
            header,
            refresh_at: asked + lifetime - early,
        })
    }
}

/// `Bearer {token}`, marked sensitive.
fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The base URL's last path segment: commercetools' project key.
fn last_segment(base: &Url) -> &str {
    base.path_segments()
        .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let auth = Auth::Bearer(SecretString::from("s3cr3t-token"));
        let credentials = Credentials::new(&auth, &Url::parse("http://h/").unwrap()).unwrap();
        assert!(!format!("{credentials:?}").contains("s3cr3t"));
        let auth = Auth::OAuth2(OAuth2 {
            token_url: super::super::mapping::TokenUrl::OnBase("/oauth/token".into()),
            client_id: "client".into(),
            client_secret: SecretString::from("hunter2-secret"),
            scope: Some("view_products:{project}".into()),
            user: Some(("julia".into(), SecretString::from("pa55word"))),
        });
        let credentials =
            Credentials::new(&auth, &Url::parse("http://h/my-shop").unwrap()).unwrap();
        let shown = format!("{credentials:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("pa55word"),
            "{shown}"
        );
        assert!(shown.contains("http://h/oauth/token"), "{shown}");
        let Kind::OAuth2(source) = &credentials.kind else {
            panic!()
        };
        assert_eq!(source.scope.as_deref(), Some("view_products:my-shop"));
    }
}

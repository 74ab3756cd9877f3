//! Who is calling: the API key's client, else the `--client-id-header` value, else
//! the client's IP (the right-most `X-Forwarded-For` hop that is not a trusted
//! proxy). A client is known by a hash only (its bucket key): neither ids nor keys
//! are held by the limiters or sent to Redis.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::HeaderMap;

use super::keys::{ApiClient, bucket_key};
use super::settings::{ANONYMOUS, IpRange, ProtectionSettings};

/// Who is calling.
pub(super) struct Identity {
    /// Metric and log label.
    pub(super) label: Arc<str>,
    /// The bucket key (a hash of the client id, never the id or key itself).
    pub(super) bucket: [u8; 32],
    /// The API-key client, with its own limits.
    pub(super) client: Option<Arc<ApiClient>>,
}

/// Who is calling: the API key's client, else the client-id header, else the IP.
/// `None`: API keys are configured and the request has no valid one.
pub(super) fn identify(
    settings: &ProtectionSettings,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Option<Identity> {
    if let Some(keys) = &settings.api_keys {
        let client = headers
            .get(&settings.api_key_header)
            .and_then(|value| value.to_str().ok())
            .and_then(|key| keys.client(key))?;
        return Some(Identity {
            label: Arc::clone(&client.name),
            bucket: client.bucket,
            client: Some(Arc::clone(client)),
        });
    }
    let anonymous = || Arc::from(ANONYMOUS);
    if let Some(id) = settings
        .client_id_header
        .as_ref()
        .and_then(|header| headers.get(header))
        .filter(|value| !value.is_empty())
    {
        return Some(Identity {
            label: anonymous(),
            bucket: bucket_key("id", id.as_bytes()),
            client: None,
        });
    }
    let ip = client_ip(headers, peer, &settings.trusted_proxies);
    let ip = ip.map(|ip| ip.to_string()).unwrap_or_default();
    Some(Identity {
        label: anonymous(),
        bucket: bucket_key("ip", ip.as_bytes()),
        client: None,
    })
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the
/// right-most `X-Forwarded-For` entry that is not a trusted proxy.
fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, proxies: &[IpRange]) -> Option<IpAddr> {
    let trusted = |ip: IpAddr| proxies.iter().any(|range| range.contains(ip));
    let peer = peer?;
    if !trusted(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for value in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(value) = value.to_str() else {
            return Some(client);
        };
        for hop in value.split(',').rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                return Some(client);
            };
            client = ip;
            if !trusted(ip) {
                return Some(client);
            }
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxies = [IpRange::parse("10.0.0.0/8").unwrap_or_else(|e| panic!("{e}"))];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 203.0.113.9, 10.1.1.1"),
        );
        assert_eq!(
            client_ip(&headers, Some(ip("10.0.0.2")), &proxies),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(&headers, Some(ip("198.51.100.7")), &proxies),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(&HeaderMap::new(), Some(ip("10.0.0.2")), &proxies),
            Some(ip("10.0.0.2"))
        );
    }
}

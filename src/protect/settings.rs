//! What the protection is configured with (`config::ProtectionArgs` builds it) and
//! the names it reads on a request: the bypass header, the cost extension, the
//! label of a client without a key. Plain data with its own checks; nothing here
//! runs on a request but [`ProtectionSettings::policy`].

use std::net::IpAddr;
use std::time::Duration;

use axum::http::HeaderName;

use super::keys::{ApiClient, ApiKeys};
use super::rate::RatePolicy;
use super::trusted::{ManifestFile, TrustedMode};

use crate::redis_topology::RedisTarget;

/// The header GraphiQL and other same-origin tools send to pass the trusted-documents
/// check; its value must be `--trusted-documents-bypass-secret`.
pub static BYPASS_HEADER: HeaderName = HeaderName::from_static("x-trusted-documents-bypass");

/// The request extension asking for the operation's cost in the response
/// (`"extensions": {"cost": true}`).
pub const COST_EXTENSION: &str = "cost";

/// The metric label of a client that has no API key.
pub const ANONYMOUS: &str = "anonymous";

/// A secret that `Debug` does not print.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// An address or a CIDR range (`10.0.0.0/8`) of trusted proxies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    /// The network address.
    pub network: IpAddr,
    /// Leading bits that must match.
    pub prefix: u8,
}

impl IpRange {
    /// Parses `a.b.c.d`, `a.b.c.d/n`, or the IPv6 forms.
    ///
    /// # Errors
    /// What is wrong with `text`.
    pub fn parse(text: &str) -> Result<IpRange, String> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|bits| *bits <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0 to {max}"))?,
        };
        Ok(IpRange { network, prefix })
    }

    /// Whether `address` is in the range.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// The protection settings (`config::ProtectionArgs`). The default is all off.
#[derive(Clone, Debug)]
pub struct ProtectionSettings {
    /// The manifest of trusted documents, read at start.
    pub trusted_documents: Option<ManifestFile>,
    /// What to do with an operation that is not in it.
    pub trusted_documents_mode: TrustedMode,
    /// The value of [`BYPASS_HEADER`] that skips the trusted-documents check.
    pub bypass_secret: Option<Secret>,
    /// Most costly operation served; more is `QUERY_TOO_COSTLY`.
    pub max_cost: Option<u64>,
    /// The size a list is priced at when its slicing argument is not known.
    pub assumed_list_size: u64,
    /// Each client's allowance; `None`: no rate limit (but for API keys with their own).
    pub rate_limit: Option<RatePolicy>,
    /// A Redis shared by the replicas for the rate limits (any topology).
    pub rate_limit_redis: Option<RedisTarget>,
    /// Most a request waits on Redis before deciding locally.
    pub rate_limit_redis_budget: Duration,
    /// Most clients the local limiter holds.
    pub rate_limit_max_clients: u64,
    /// The header that names the client (without API keys); else the client IP.
    pub client_id_header: Option<HeaderName>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpRange>,
    /// The API keys; with them, a request without a valid key is 401.
    pub api_keys: Option<ApiKeys>,
    /// The header carrying the API key.
    pub api_key_header: HeaderName,
}

impl Default for ProtectionSettings {
    fn default() -> ProtectionSettings {
        ProtectionSettings {
            trusted_documents: None,
            trusted_documents_mode: TrustedMode::Off,
            bypass_secret: None,
            max_cost: None,
            assumed_list_size: 1000,
            rate_limit: None,
            rate_limit_redis: None,
            rate_limit_redis_budget: Duration::from_millis(20),
            rate_limit_max_clients: 100_000,
            client_id_header: None,
            trusted_proxies: Vec::new(),
            api_keys: None,
            api_key_header: HeaderName::from_static("x-api-key"),
        }
    }
}

impl ProtectionSettings {
    /// Whether any protection is on.
    pub fn is_active(&self) -> bool {
        self.trusted_documents_mode != TrustedMode::Off
            || self.max_cost.is_some()
            || self.rate_limit.is_some()
            || self.api_keys.is_some()
    }

    /// Whether some client has a rate limit.
    pub(super) fn any_rate_limit(&self) -> bool {
        self.rate_limit.is_some()
            || self
                .api_keys
                .as_ref()
                .is_some_and(|keys| keys.clients().any(|client| client.rate.is_some()))
    }

    /// The allowance of a client: its own rate and burst, else the flags'.
    pub(super) fn policy(&self, client: Option<&ApiClient>) -> Option<RatePolicy> {
        let own_rate = client.and_then(|client| client.rate);
        let rate = own_rate.or(self.rate_limit.map(|policy| policy.rate))?;
        let burst = client
            .and_then(|client| client.burst)
            .or(self.rate_limit.map(|policy| policy.burst))
            .unwrap_or_else(|| rate.ceil().max(1.0) as u64);
        Some(RatePolicy { rate, burst })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn ranges_parse_and_match() {
        let range = IpRange::parse("192.168.0.0/16").unwrap_or_else(|e| panic!("{e}"));
        assert!(range.contains(ip("192.168.4.5")));
        assert!(range.contains(ip("::ffff:192.168.4.5")));
        assert!(!range.contains(ip("192.169.0.1")));
        assert!(IpRange::parse("::1").is_ok_and(|r| r.contains(ip("::1"))));
        assert!(IpRange::parse("10.0.0.0/33").is_err());
        assert!(IpRange::parse("x").is_err());
    }
}

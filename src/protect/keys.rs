//! API keys: a JSON file of key hashes, each with its client's name and its own
//! limits. Only the SHA-256 of a key is stored and compared, so the file can be
//! read by operators without leaking the keys, and a key is never logged: what
//! the log and metrics see is the client name.
//!
//! ```json
//! { "keys": [
//!   { "sha256": "<hex of sha256(key)>", "client": "till-app",
//!     "rateLimit": 200, "burst": 400, "maxCost": 100 } ] }
//! ```
//!
//! `rateLimit`, `burst` and `maxCost` are optional (the flags' values apply).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::hashing::FastMap;

/// Most clients a keys file may name: names are metric labels, so they are bounded.
pub(crate) const MAX_CLIENTS: usize = 1_000;

/// One client of the keys file.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiClient {
    /// Its name, in logs and metrics.
    pub name: Arc<str>,
    /// Its own cost units per second, instead of `--rate-limit`.
    pub rate: Option<f64>,
    /// Its own burst, instead of `--rate-limit-burst`.
    pub burst: Option<u64>,
    /// Its own most costly operation, instead of `--max-cost`.
    pub max_cost: Option<u64>,
    /// Its rate-limit bucket (`identity`'s hash of its name), computed once here:
    /// hashing it per request was a second SHA-256 on every keyed request.
    pub(super) bucket: [u8; 32],
}

/// The keys file, read at start.
#[derive(Clone, Debug)]
pub struct ApiKeys {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    /// Clients by the SHA-256 of their key, as bytes: a presented key is hashed and
    /// looked up without writing the hash out in hex (a `String` a request).
    by_hash: FastMap<[u8; 32], Arc<ApiClient>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct KeyEntry {
    sha256: String,
    client: String,
    rate_limit: Option<f64>,
    burst: Option<u64>,
    max_cost: Option<u64>,
}

impl ApiKeys {
    /// Reads the keys file at `path`.
    ///
    /// # Errors
    /// What is wrong with the file, naming it.
    pub fn load(path: &Path) -> Result<ApiKeys, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        ApiKeys::parse(&text)
            .map(|by_hash| ApiKeys {
                path: path.to_owned(),
                by_hash,
            })
            .map_err(|problem| format!("{}: {problem}", path.display()))
    }

    fn parse(text: &str) -> Result<FastMap<[u8; 32], Arc<ApiClient>>, String> {
        let file: KeysFile =
            serde_json::from_str(text).map_err(|error| format!("not an API keys file: {error}"))?;
        let names: std::collections::HashSet<&str> =
            file.keys.iter().map(|key| key.client.as_str()).collect();
        if names.len() > MAX_CLIENTS {
            return Err(format!("{} clients, at most {MAX_CLIENTS}", names.len()));
        }
        let mut by_hash = FastMap::default();
        for entry in &file.keys {
            let Some(hash) = digest_of_hex(&entry.sha256) else {
                return Err(format!(
                    "the key of {:?} is not a SHA-256 in hex (64 characters)",
                    entry.client
                ));
            };
            let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            if entry.client.is_empty()
                || entry.client.len() > 64
                || !entry.client.chars().all(plain)
            {
                return Err(format!(
                    "client name {:?}: 1 to 64 of A-Z a-z 0-9 - _ .",
                    entry.client
                ));
            }
            if entry
                .rate_limit
                .is_some_and(|rate| !(rate > 0.0 && rate.is_finite()))
                || entry.burst == Some(0)
                || entry.max_cost == Some(0)
            {
                return Err(format!(
                    "{:?}: rateLimit, burst and maxCost must be more than 0",
                    entry.client
                ));
            }
            let client = ApiClient {
                name: Arc::from(entry.client.as_str()),
                rate: entry.rate_limit,
                burst: entry.burst,
                max_cost: entry.max_cost,
                bucket: bucket_key("key", entry.client.as_bytes()),
            };
            if by_hash.insert(hash, Arc::new(client)).is_some() {
                return Err(format!("the key of {:?} is listed twice", entry.client));
            }
        }
        Ok(by_hash)
    }

    /// Every client of the file (one per key).
    pub(crate) fn clients(&self) -> impl Iterator<Item = &ApiClient> {
        self.by_hash.values().map(|client| &**client)
    }

    /// The client of a presented key.
    pub(crate) fn client(&self, key: &str) -> Option<&Arc<ApiClient>> {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        self.by_hash.get(&digest)
    }
}

/// The bucket of a client id (`identity`'s kinds: an API key's client, a client-id
/// header, an IP): a hash, so neither ids nor keys are held or sent to Redis. Here,
/// not in `identity`, which reads the clients of this file: each client's is
/// computed when the file is read.
pub(super) fn bucket_key(kind: &str, id: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update(b":");
    hasher.update(id);
    hasher.finalize().into()
}

/// The 32 bytes 64 hex digits (either case) spell; `None` for anything else.
fn digest_of_hex(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let value = |digit: u8| {
        char::from(digit)
            .to_digit(16)
            .and_then(|v| u8::try_from(v).ok())
    };
    let mut digest = [0_u8; 32];
    for (byte, pair) in digest.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = value(pair[0])? << 4 | value(pair[1])?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protect::trusted::sha256_hex;

    proptest::proptest! {
        /// Hex of any case reads back to the bytes it spells; other text is refused.
        #[test]
        fn a_digest_is_read_from_its_hex(bytes: [u8; 32], upper: bool, cut in 0_usize..64) {
            let hex = crate::protect::trusted::hex(&bytes);
            let hex = if upper { hex.to_ascii_uppercase() } else { hex };
            proptest::prop_assert_eq!(digest_of_hex(&hex), Some(bytes));
            proptest::prop_assert_eq!(digest_of_hex(&hex[..cut]), None);
            let mut bad = hex.clone().into_bytes();
            bad[cut] = b'g';
            proptest::prop_assert_eq!(digest_of_hex(std::str::from_utf8(&bad).unwrap_or("")), None);
        }
    }

    #[test]
    fn a_key_is_found_by_its_hash_only() {
        let text = format!(
            r#"{{"keys":[{{"sha256":"{}","client":"till-app","rateLimit":5,"maxCost":10}}]}}"#,
            sha256_hex("secret-key")
        );
        let by_hash = ApiKeys::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let keys = ApiKeys {
            path: PathBuf::from("keys.json"),
            by_hash,
        };
        let client = keys.client("secret-key");
        assert_eq!(client.map(|c| &*c.name), Some("till-app"));
        assert_eq!(
            client.map(|c| c.bucket),
            Some(bucket_key("key", b"till-app"))
        );
        assert!(keys.client("other").is_none());
        // The file's hex in capitals names the same key.
        let upper = text.replace(
            &sha256_hex("secret-key"),
            &sha256_hex("secret-key").to_uppercase(),
        );
        let by_hash = ApiKeys::parse(&upper).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(by_hash.len(), 1);
        assert!(by_hash.contains_key(&<[u8; 32]>::from(Sha256::digest(b"secret-key"))));
    }

    #[test]
    fn bad_files_are_refused() {
        for text in [
            "{}",
            r#"{"keys":[{"sha256":"abc","client":"x"}]}"#,
            &format!(
                r#"{{"keys":[{{"sha256":"{}","client":"a b"}}]}}"#,
                "a".repeat(64)
            ),
            &format!(
                r#"{{"keys":[{{"sha256":"{}","client":"a","burst":0}}]}}"#,
                "a".repeat(64)
            ),
        ] {
            assert!(ApiKeys::parse(text).is_err(), "{text}");
        }
    }
}

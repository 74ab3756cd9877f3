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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::trusted::sha256_hex;

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
}

/// The keys file, read at start.
#[derive(Clone, Debug)]
pub struct ApiKeys {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    by_hash: HashMap<String, Arc<ApiClient>>,
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

    fn parse(text: &str) -> Result<HashMap<String, Arc<ApiClient>>, String> {
        let file: KeysFile =
            serde_json::from_str(text).map_err(|error| format!("not an API keys file: {error}"))?;
        let names: std::collections::HashSet<&str> =
            file.keys.iter().map(|key| key.client.as_str()).collect();
        if names.len() > MAX_CLIENTS {
            return Err(format!("{} clients, at most {MAX_CLIENTS}", names.len()));
        }
        let mut by_hash = HashMap::new();
        for entry in &file.keys {
            let hash = entry.sha256.to_ascii_lowercase();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "the key of {:?} is not a SHA-256 in hex (64 characters)",
                    entry.client
                ));
            }
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
        self.by_hash.get(&sha256_hex(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_by_its_hash_only() {
        let text = format!(
            r#"{{"keys":[{{"sha256":"{}","client":"till-app","rateLimit":5,"maxCost":10}}]}}"#,
            sha256_hex("secret-key")
        );
        let keys = ApiKeys::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let client = keys.get(&sha256_hex("secret-key")).map(|c| c.name.clone());
        assert_eq!(client.as_deref(), Some("till-app"));
        assert!(!keys.contains_key(&sha256_hex("other")));
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

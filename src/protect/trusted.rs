//! Trusted documents: the operations the apps ship, loaded from a manifest file, so
//! the gateway can serve only those (`enforce`), or serve anything and count what is
//! not in the list (`log`).
//!
//! Two manifest formats are read, the ones the client tool chains write:
//!
//! - Apollo's persisted-query manifest (`generate-persisted-query-manifest`):
//!   `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id",
//!   "name","type","body"}]}`;
//! - GraphQL Codegen's client preset (`persistedDocuments: true`): a JSON object of
//!   hash to document text, `{"<sha256>": "query …"}`.
//!
//! A known operation can be sent by id (`documentId`, or the APQ
//! `extensions.persistedQuery.sha256Hash`) or in full: a full text is known when its
//! SHA-256 is the SHA-256 of a manifest body (byte for byte: the apps send exactly
//! what their build wrote). The manifest is swapped whole on reload (SIGHUP), so a
//! request sees either the old list or the new one, never half of each.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What to do with an operation that is not in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustedMode {
    /// Nothing is checked.
    Off,
    /// Served, counted and logged with its hash.
    Log,
    /// Refused with `PERSISTED_QUERY_NOT_ALLOWED`.
    Enforce,
}

impl TrustedMode {
    /// The metric label.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TrustedMode::Off => "off",
            TrustedMode::Log => "log",
            TrustedMode::Enforce => "enforce",
        }
    }
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not one of the two formats.
    #[error(
        "{path} is not a trusted-documents manifest (Apollo's persisted-query manifest or \
         GraphQL Codegen's persisted-documents JSON): {problem}"
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// The operations of one manifest: by id, and by the SHA-256 of their text.
pub struct Manifest {
    by_id: HashMap<String, Arc<str>>,
    by_text_hash: HashMap<String, Arc<str>>,
    /// This manifest's number, unique in the process: a verdict made against it names
    /// it, and is stale once another manifest is in use.
    generation: u64,
}

/// The next manifest's [`Manifest::generation`].
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

impl std::fmt::Debug for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manifest")
            .field("operations", &self.by_id.len())
            .finish()
    }
}

/// Apollo's manifest.
#[derive(Deserialize)]
struct ApolloManifest {
    format: String,
    version: u32,
    operations: Vec<ApolloOperation>,
}

#[derive(Deserialize)]
struct ApolloOperation {
    id: String,
    body: String,
}

impl Manifest {
    /// Reads and parses the manifest at `path`.
    ///
    /// # Errors
    /// [`ManifestError`] when the file cannot be read or is in neither format.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_owned(),
            source,
        })?;
        Manifest::parse(&text).map_err(|problem| ManifestError::Format {
            path: path.to_owned(),
            problem,
        })
    }

    /// Parses a manifest in either format.
    ///
    /// # Errors
    /// What is wrong, when `text` is in neither format or lists no operation.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
        let serde_json::Value::Object(fields) = &value else {
            return Err("the top level must be a JSON object".to_owned());
        };
        let pairs: Vec<(String, String)> = if fields.contains_key("operations") {
            let apollo: ApolloManifest = serde_json::from_value(value)
                .map_err(|error| format!("Apollo manifest: {error}"))?;
            if apollo.format != "apollo-persisted-query-manifest" || apollo.version != 1 {
                return Err(format!(
                    "Apollo manifest of format {:?} version {}: only \
                     \"apollo-persisted-query-manifest\" version 1 is read",
                    apollo.format, apollo.version
                ));
            }
            apollo
                .operations
                .into_iter()
                .map(|operation| (operation.id, operation.body))
                .collect()
        } else {
            fields
                .iter()
                .map(|(id, body)| match body {
                    serde_json::Value::String(body) => Ok((id.clone(), body.clone())),
                    _ => Err(format!("the document of {id:?} is not a string")),
                })
                .collect::<Result<_, _>>()?
        };
        if pairs.is_empty() {
            return Err("it lists no operation".to_owned());
        }
        let mut manifest = Manifest {
            by_id: HashMap::new(),
            by_text_hash: HashMap::new(),
            generation: NEXT_GENERATION.fetch_add(1, Ordering::Relaxed),
        };
        for (id, body) in pairs {
            if id.is_empty() || body.trim().is_empty() {
                return Err(format!("an empty id or document (id {id:?})"));
            }
            let body: Arc<str> = Arc::from(body);
            manifest
                .by_text_hash
                .insert(sha256_hex(&body), Arc::clone(&body));
            manifest.by_id.insert(id, body);
        }
        Ok(manifest)
    }

    /// This manifest's number, unique in the process.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// The text of the operation with this id (an id of the manifest, or the
    /// SHA-256 of a manifest body).
    pub(crate) fn by_id(&self, id: &str) -> Option<&Arc<str>> {
        self.by_id
            .get(id)
            .or_else(|| self.by_text_hash.get(&id.to_ascii_lowercase()))
    }

    /// Whether a text with this SHA-256 is in the manifest.
    pub(crate) fn has_text_hash(&self, hash: &str) -> bool {
        self.by_text_hash.contains_key(hash)
    }

    /// Operations listed.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no operation is listed (never true for a loaded manifest).
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// A manifest file, read once at start (a malformed one stops the start).
#[derive(Clone, Debug)]
pub struct ManifestFile {
    /// Where it is, to read again on SIGHUP.
    pub path: PathBuf,
    /// What it held at start.
    pub manifest: Arc<Manifest>,
}

/// The manifest in use, swapped whole on reload.
pub(crate) struct TrustedDocuments {
    path: PathBuf,
    current: RwLock<Arc<Manifest>>,
}

impl TrustedDocuments {
    pub(crate) fn new(file: &ManifestFile) -> TrustedDocuments {
        TrustedDocuments {
            path: file.path.clone(),
            current: RwLock::new(Arc::clone(&file.manifest)),
        }
    }

    /// The manifest now.
    pub(crate) fn current(&self) -> Arc<Manifest> {
        match self.current.read() {
            Ok(current) => Arc::clone(&current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Whether the manifest numbered `generation` is the one in use now (a
    /// [`super::verdict::Verdict`] made against an earlier one admits nothing).
    pub(crate) fn is_current(&self, generation: u64) -> bool {
        match self.current.read() {
            Ok(current) => current.generation == generation,
            Err(poisoned) => poisoned.into_inner().generation == generation,
        }
    }

    /// Reads the file again; a file that no longer parses leaves the old list in
    /// use (a bad deploy of the manifest must not open or close the API).
    pub(crate) fn reload(&self) -> Result<usize, ManifestError> {
        let manifest = Arc::new(Manifest::load(&self.path)?);
        let count = manifest.len();
        match self.current.write() {
            Ok(mut current) => *current = manifest,
            Err(poisoned) => *poisoned.into_inner() = manifest,
        }
        Ok(count)
    }
}

/// Lowercase hex SHA-256 of `text` (what Apollo and Codegen use as ids).
pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Lowercase hex of `bytes`, by table: it runs on every protected request (the API
/// key's hash), where `format!("{:02x}")` per byte cost more than the hash itself
/// (perf, session 8: `core::fmt` 1.5 % of a hot protected request, SHA-256 0.6 %).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The table gives what `format!("{:02x}")` gives, for any bytes.
        #[test]
        fn hex_is_the_formatters_lowercase_hex(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let formatted: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
            prop_assert_eq!(hex(&bytes), formatted);
        }
    }

    use super::*;

    const QUERY: &str = "query Till($c: [String!]!) { lookups(codes: $c) { status } }";

    #[test]
    fn apollo_and_codegen_manifests_are_both_read() {
        let apollo = format!(
            r#"{{"format":"apollo-persisted-query-manifest","version":1,
               "operations":[{{"id":"till-1","name":"Till","type":"query","body":{QUERY:?}}}]}}"#
        );
        let codegen = format!(r#"{{"{}": {QUERY:?}}}"#, sha256_hex(QUERY));
        for text in [apollo, codegen] {
            let manifest = Manifest::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(manifest.len(), 1);
            assert_eq!(
                manifest.by_id(&sha256_hex(QUERY)).map(|q| &**q),
                Some(QUERY)
            );
            assert!(manifest.has_text_hash(&sha256_hex(QUERY)));
            assert!(!manifest.has_text_hash(&sha256_hex("{ x }")));
        }
    }

    #[test]
    fn a_manifest_is_current_until_a_reload_replaces_it() {
        let path =
            std::env::temp_dir().join(format!("catalog-trusted-{}.json", std::process::id()));
        let text = format!(r#"{{"{}": {QUERY:?}}}"#, sha256_hex(QUERY));
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let parse = || Manifest::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let trusted = TrustedDocuments::new(&ManifestFile {
            path: path.clone(),
            manifest: Arc::new(parse()),
        });
        let checked = trusted.current().generation();
        let twin = parse().generation();

        let before = trusted.is_current(checked);
        let twin_current = trusted.is_current(twin);
        let reloaded = trusted.reload();
        let after = trusted.is_current(checked);
        let new_one = trusted.is_current(trusted.current().generation());
        let _ = std::fs::remove_file(&path);

        assert!(before);
        assert!(
            !twin_current,
            "the same list in another manifest is not the one checked"
        );
        assert_eq!(reloaded.ok(), Some(1));
        assert!(
            !after,
            "a reload makes the checked manifest stale, whatever it lists"
        );
        assert!(new_one);
    }

    #[test]
    fn malformed_manifests_say_what_is_wrong() {
        for (text, words) in [
            ("not json", "not JSON"),
            ("[]", "JSON object"),
            ("{}", "no operation"),
            (r#"{"abc": 1}"#, "not a string"),
            (
                r#"{"format":"x","version":1,"operations":[{"id":"a","body":"{a}"}]}"#,
                "format",
            ),
            (r#"{"operations":[{"id":"a"}]}"#, "Apollo manifest"),
        ] {
            match Manifest::parse(text) {
                Ok(_) => panic!("{text} should be refused"),
                Err(problem) => assert!(problem.contains(words), "{text}: {problem}"),
            }
        }
    }
}

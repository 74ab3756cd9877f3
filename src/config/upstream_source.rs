//! Which upstream the flags choose, and what follows from it: the native contract
//! (`--upstream-preset catalog-api`, the default) or a mapping (another preset, or
//! `--upstream-mapping FILE`), read and compiled here, at start; then the key form
//! (`--upstream-key-format` over the mapping's), the keys per call (never more than
//! the source's `batch.max_keys`), the base URL (`--upstream-url` over the
//! mapping's `base_url`) and the token endpoint.
//!
//! Every problem names the flag to change, so the binary exits with status 2.

use std::num::NonZeroUsize;
use std::sync::Arc;

use reqwest::Url;

use super::SettingError;
use crate::catalog::mapping::EnvLookup;
use crate::catalog::{KeyFormat, Mapping, Preset, RestCatalogSettings};

/// The upstream flags as given.
pub(super) struct SourceFlags<'a> {
    /// `--upstream-url`.
    pub(super) url: Option<&'a Url>,
    /// `--upstream-preset`.
    pub(super) preset: Option<&'a str>,
    /// `--upstream-mapping`.
    pub(super) mapping: Option<&'a std::path::Path>,
    /// `--upstream-key-format`.
    pub(super) key_format: Option<KeyFormat>,
    /// `--upstream-token-url`.
    pub(super) token_url: Option<&'a Url>,
    /// `--upstream-batch`.
    pub(super) batch: bool,
    /// `--upstream-max-batch`.
    pub(super) max_batch: Option<NonZeroUsize>,
}

/// The upstream the flags chose.
pub(super) struct Source {
    /// The base URL (`None`: the embedded demo catalog).
    pub(super) url: Option<Url>,
    /// The mapping, for a source other than the native contract.
    pub(super) mapping: Option<Arc<Mapping>>,
    /// The key form of the native contract (a mapping carries its own).
    pub(super) key_format: KeyFormat,
    /// Whether to use the batch call.
    pub(super) batch: bool,
    /// Keys per batch call.
    pub(super) max_batch: NonZeroUsize,
}

/// Reads the upstream flags into a [`Source`].
pub(super) fn choose(args: &SourceFlags<'_>, env: EnvLookup<'_>) -> Result<Source, SettingError> {
    let default_batch =
        NonZeroUsize::new(RestCatalogSettings::DEFAULT_MAX_BATCH).unwrap_or(NonZeroUsize::MIN);
    let mapping = load(args, env)?;
    let Some(mapping) = mapping else {
        return Ok(Source {
            url: args.url.cloned(),
            mapping: None,
            key_format: args.key_format.unwrap_or_default(),
            batch: args.batch,
            max_batch: args.max_batch.unwrap_or(default_batch),
        });
    };
    let mut mapping = match args.key_format {
        Some(format) => mapping.with_key_format(format),
        None => mapping,
    };
    if let Some(token_url) = args.token_url {
        mapping = mapping
            .with_token_url(token_url.clone())
            .map_err(|error| SettingError {
                flag: "--upstream-token-url",
                problem: error.to_string(),
            })?;
    }
    let url = match (args.url, mapping.default_base_url()) {
        (Some(url), _) => url.clone(),
        (None, Some(url)) => url.clone(),
        (None, None) => {
            return Err(SettingError {
                flag: "--upstream-url",
                problem: format!(
                    "the {} mapping names no base URL: give the source's",
                    mapping.name()
                ),
            });
        }
    };
    let max_batch = match (args.max_batch, mapping.max_keys()) {
        (Some(asked), Some(most)) if asked > most => {
            return Err(SettingError {
                flag: "--upstream-max-batch",
                problem: format!(
                    "the {} source takes at most {most} keys per call (its batch.max_keys)",
                    mapping.name()
                ),
            });
        }
        (Some(asked), _) => asked,
        (None, Some(most)) => most,
        (None, None) => default_batch,
    };
    Ok(Source {
        url: Some(url),
        batch: args.batch && mapping.max_keys().is_some(),
        key_format: args.key_format.unwrap_or_default(),
        mapping: Some(Arc::new(mapping)),
        max_batch,
    })
}

/// The mapping the flags name, compiled; `None` for the native contract.
fn load(args: &SourceFlags<'_>, env: EnvLookup<'_>) -> Result<Option<Mapping>, SettingError> {
    if let Some(path) = args.mapping {
        let text = std::fs::read_to_string(path).map_err(|error| SettingError {
            flag: "--upstream-mapping",
            problem: format!("cannot read {}: {error}", path.display()),
        })?;
        let origin = path.display().to_string();
        return Mapping::from_toml(&text, &origin, env)
            .map(Some)
            .map_err(|error| SettingError {
                flag: "--upstream-mapping",
                problem: error.to_string(),
            });
    }
    let name = args.preset.unwrap_or(Preset::DEFAULT);
    let preset = Preset::find(name).map_err(|error| SettingError {
        flag: "--upstream-preset",
        problem: error.to_string(),
    })?;
    if preset.is_native() {
        return Ok(None);
    }
    Mapping::from_toml(preset.text, preset.file, env)
        .map(Some)
        .map_err(|error| SettingError {
            flag: "--upstream-preset",
            problem: error.to_string(),
        })
}

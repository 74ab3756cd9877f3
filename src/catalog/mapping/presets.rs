//! The mapping files shipped in `presets/`, compiled into the binary and chosen by
//! name (`--upstream-preset`). Each is an ordinary mapping file: a user copies one
//! to start their own (`--upstream-mapping FILE`).

use std::fmt;

/// A mapping shipped with the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The name `--upstream-preset` takes.
    pub name: &'static str,
    /// The file in the repository (`presets/openfoodfacts.toml`).
    pub file: &'static str,
    /// The file's text.
    pub text: &'static str,
}

macro_rules! presets {
    ($($name:literal),+ $(,)?) => {
        /// Every preset, the default first.
        pub const PRESETS: &[Preset] = &[$(Preset {
            name: $name,
            file: concat!("presets/", $name, ".toml"),
            text: include_str!(concat!("../../../presets/", $name, ".toml")),
        },)+];
    };
}

presets!(
    "catalog-api",
    "openfoodfacts",
    "commercetools",
    "commercetools-gtin",
    "akeneo",
);

/// A `--upstream-preset` name that is not one of [`PRESETS`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct UnknownPreset(pub String);

impl fmt::Display for UnknownPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = PRESETS.iter().map(|preset| preset.name).collect();
        write!(
            f,
            "unknown upstream preset {:?} (expected {})",
            self.0,
            names.join(", ")
        )
    }
}

impl Preset {
    /// The default: the gateway's own contract.
    pub const DEFAULT: &'static str = "catalog-api";

    /// The preset named `name`.
    ///
    /// # Errors
    /// [`UnknownPreset`] naming the known ones.
    pub fn find(name: &str) -> Result<Preset, UnknownPreset> {
        PRESETS
            .iter()
            .find(|preset| preset.name == name)
            .copied()
            .ok_or_else(|| UnknownPreset(name.to_owned()))
    }

    /// Whether this is the gateway's own contract, which the client reads with its
    /// hand-made reader (`dto`), checked against this file by a test.
    pub fn is_native(&self) -> bool {
        self.name == Self::DEFAULT
    }
}

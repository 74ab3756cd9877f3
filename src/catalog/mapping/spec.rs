//! The mapping file as written (TOML, docs/upstream-mapping.md): serde types that
//! mirror it field for field, with the span of every jq filter kept so an error can
//! name its line. Nothing is checked here beyond the shape; `load` compiles and
//! checks, as ripgrep's low args become high args.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A jq filter as written, with where it stands in the file.
pub(crate) type Jq = Spanned<String>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingFile {
    /// A short name for logs and `upstream check` (`openfoodfacts`).
    pub(crate) name: Option<String>,
    /// What the source is, for a reader of the file.
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// The source's base URL when `--upstream-url` is not given.
    pub(crate) base_url: Option<Spanned<String>>,
    /// `$locale` in every filter (`en`, `en_US` …): which translation to pick.
    pub(crate) locale: Option<String>,
    /// The key form the source stores and how items name their codes.
    pub(crate) keys: KeysSpec,
    /// The single-item request.
    pub(crate) single: SingleSpec,
    /// The multi-item request, when the source has one.
    pub(crate) batch: Option<BatchSpec>,
    /// How each `Product` field is built from an item.
    pub(crate) product: ProductSpec,
    /// Headers sent with every request.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, HeaderSpec>,
    /// Credentials.
    pub(crate) auth: Option<AuthSpec>,
    /// Which answers mean what.
    #[serde(default)]
    pub(crate) errors: ErrorsSpec,
}

/// `[keys]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeysSpec {
    /// `gtin14`, `gtin13`, `upc` or `registered`.
    pub(crate) form: Option<Spanned<String>>,
    /// Or a jq filter from `{gtin14, gtin13, upc, gtin8, registered}` to the key.
    pub(crate) transform: Option<Jq>,
    /// jq from an item to the code (or codes) it answers for; a list: every
    /// filter's codes count.
    pub(crate) codes: FieldSpec,
}

/// `[single]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SingleSpec {
    /// `GET` (the default) or `POST`.
    pub(crate) method: Option<Spanned<String>>,
    /// For `POST`: jq giving the JSON body.
    pub(crate) body: Option<Jq>,
    /// Path under the base URL, with `{key}` where the key goes.
    pub(crate) path: Spanned<String>,
    /// jq giving the query parameters as an object (`$key` set).
    pub(crate) query: Option<Jq>,
    /// jq from the answer's body to the item (default `.`).
    pub(crate) item: Option<Jq>,
    /// Statuses that mean "no such item" (default `[404]`).
    pub(crate) not_found_statuses: Option<Vec<u16>>,
    /// jq on a `200` body: true when it says "no such item".
    pub(crate) not_found: Option<Jq>,
}

/// `[batch]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchSpec {
    /// `GET` (the default) or `POST`.
    pub(crate) method: Option<Spanned<String>>,
    /// For `POST`: jq giving the JSON body.
    pub(crate) body: Option<Jq>,
    /// Path under the base URL.
    pub(crate) path: Spanned<String>,
    /// jq giving the query parameters as an object (`$keys`, `$page`, `$offset`,
    /// `$page_size` set); none for a `POST` that carries the keys in its body.
    pub(crate) query: Option<Jq>,
    /// jq from the answer's body to its list of items.
    pub(crate) items: Jq,
    /// The most keys one call may carry (the source's page-size maximum).
    pub(crate) max_keys: Spanned<usize>,
    /// jq from a body to the next page's URL (`null` or nothing: no next page).
    pub(crate) next: Option<Jq>,
    /// jq from a body to the number of items of the whole result.
    pub(crate) total: Option<Jq>,
}

/// `[product]`: per `Product` field a jq filter, or a list of them tried in order
/// (the first that gives something other than `null`, `""` or `[]` counts).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProductSpec {
    /// jq narrowing the item to the part the fields read (the matching variant);
    /// a list: the first that finds one.
    pub(crate) variant: Option<FieldSpec>,
    /// The title (required: an item without one is unusable).
    pub(crate) title: FieldSpec,
    /// Optional fields.
    pub(crate) brand: Option<FieldSpec>,
    pub(crate) description: Option<FieldSpec>,
    pub(crate) price: Option<FieldSpec>,
    pub(crate) images: Option<FieldSpec>,
    pub(crate) categories: Option<FieldSpec>,
    pub(crate) attributes: Option<FieldSpec>,
    pub(crate) availability: Option<FieldSpec>,
    pub(crate) updated_at: Option<FieldSpec>,
}

/// One filter (text), or fallbacks (a list of texts), as written; `load` checks
/// which. (An untagged enum would lose the spans, which only the TOML reader can
/// attach.)
pub(crate) type FieldSpec = Spanned<toml::Value>;

/// A header's value: text, or taken from an environment variable.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum HeaderSpec {
    /// Sent as written.
    Text(String),
    /// Read from the environment at start.
    Env(EnvSpec),
}

/// `{ env = "NAME", prefix = "…" }`: a secret or setting read at start.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvSpec {
    /// The variable's name.
    pub(crate) env: String,
    /// Put before the value (`"Bearer "`).
    #[serde(default)]
    pub(crate) prefix: String,
}

/// `[auth]`: the first usable way wins, bearer before OAuth2.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthSpec {
    /// A bearer token from this variable.
    pub(crate) bearer_env: Option<String>,
    /// OAuth2 client credentials.
    pub(crate) oauth2: Option<OAuth2Spec>,
    /// Refuse to start without credentials (the source refuses every call).
    #[serde(default)]
    pub(crate) required: bool,
}

/// `[auth.oauth2]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OAuth2Spec {
    /// The token endpoint; relative to the base URL's origin when it starts with `/`.
    pub(crate) token_url: Option<Spanned<String>>,
    /// The variable holding the client id.
    pub(crate) client_id_env: String,
    /// The variable holding the client secret.
    pub(crate) client_secret_env: String,
    /// The scope asked for; `{project}` is the base URL's last path segment.
    pub(crate) scope: Option<String>,
    /// `client_credentials` (the default) or `password` (Akeneo's API connections).
    pub(crate) grant: Option<String>,
    /// For the password grant: the variable holding the user name.
    pub(crate) username_env: Option<String>,
    /// For the password grant: the variable holding the password.
    pub(crate) password_env: Option<String>,
}

/// `[errors]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErrorsSpec {
    /// Statuses retried like `502`/`503`/`504` (e.g. `429`).
    #[serde(default)]
    pub(crate) retry_statuses: Vec<u16>,
}

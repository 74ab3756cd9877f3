//! A mapping file compiled and checked into a [`Mapping`], once, at start: every jq
//! filter compiled with the variables its place offers, URL templates and statuses
//! checked, environment variables for headers and credentials read. Any problem is
//! a [`MappingError`] naming the file, the line and the field, which the settings
//! turn into an exit with status 2.

use std::fmt;
use std::num::NonZeroUsize;

use reqwest::StatusCode;
use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::SecretString;

use super::jq::{Filter, Val, string};
use super::spec::{AuthSpec, FieldSpec, HeaderSpec, Jq, MappingFile};
use crate::catalog::KeyFormat;

/// Variables of the single-item filters (`single.query`, `single.item`, `single.not_found`).
pub(super) const SINGLE_VARS: [&str; 3] = ["$key", "$gtin", "$locale"];
/// Variables of the batch filters (`batch.query`, `items`, `next`, `total`).
pub(super) const BATCH_VARS: [&str; 5] = ["$keys", "$page", "$offset", "$page_size", "$locale"];
/// Variables of the product filters (`product.*`) and of `keys.codes`.
pub(super) const ITEM_VARS: [&str; 4] = ["$key", "$gtin", "$locale", "$item"];
/// Where `$locale` is among [`ITEM_VARS`]: the same text for every item.
const ITEM_LOCALE: usize = 2;

/// A compiled upstream mapping: what the REST client needs to call a source and
/// read its answers. Built once at start, shared by every call.
#[derive(Debug)]
pub struct Mapping {
    /// The source's short name (`openfoodfacts`), for logs.
    pub(crate) name: String,
    /// What the source is, in the file's words.
    pub(crate) description: Option<String>,
    /// Where it came from (`preset openfoodfacts`, a file path), for messages.
    pub(crate) origin: String,
    /// The source's base URL when none is configured.
    pub(crate) base_url: Option<Url>,
    /// `$locale`.
    pub(crate) locale: Val,
    /// The key form of the source.
    pub(crate) key_form: KeyForm,
    /// Item → the codes it answers for (every filter's count).
    pub(crate) codes: Vec<Filter>,
    /// The single-item call.
    pub(crate) single: Single,
    /// The multi-item call, when the source has one.
    pub(crate) batch: Option<Batch>,
    /// Item → `Product` fields.
    pub(crate) product: ProductFilters,
    /// Sent with every call (values from the environment are marked sensitive).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Credentials.
    pub(crate) auth: Auth,
    /// Statuses retried besides `502`/`503`/`504`.
    pub(crate) retry_statuses: Vec<StatusCode>,
    /// The parts of a batch answer the mapping reads, when known at start
    /// (`prune`): all that is parsed of one.
    pub(crate) batch_reads: Option<super::prune::Node>,
    /// Batch answers read without jaq values, when every read is of an item's
    /// own keys (`flat`).
    pub(crate) flat: Option<super::flat::Flat>,
    /// Batch answers read into lean values (`lean`): every filter run on one is of
    /// the no-jaq subset.
    pub(crate) lean: bool,
}

/// The key form of a source.
#[derive(Debug)]
pub(crate) enum KeyForm {
    /// One of the built-in forms.
    Format(KeyFormat),
    /// A jq filter from the forms of the GTIN to the key; with the forms it tries
    /// in order when it is just that (`.gtin8 // .gtin13`), read without a run.
    Transform(Filter, Option<Vec<String>>),
}

/// `[single]` compiled.
#[derive(Debug)]
pub(crate) struct Single {
    /// For a `POST`: the filter giving its JSON body; `None`: a `GET`.
    pub(crate) body: Option<Filter>,
    /// The path under the base URL; `{key}` marks the key's place.
    pub(crate) path: String,
    pub(crate) query: Option<Filter>,
    pub(crate) item: Option<Filter>,
    pub(crate) not_found_statuses: Vec<StatusCode>,
    pub(crate) not_found: Option<Filter>,
}

/// `[batch]` compiled.
#[derive(Debug)]
pub(crate) struct Batch {
    /// For a `POST`: the filter giving its JSON body; `None`: a `GET`.
    pub(crate) body: Option<Filter>,
    pub(crate) path: String,
    pub(crate) query: Option<Filter>,
    pub(crate) items: Filter,
    pub(crate) max_keys: NonZeroUsize,
    pub(crate) next: Option<Filter>,
    pub(crate) total: Option<Filter>,
}

/// `[product]` compiled: per field its filters, tried in order (none: the field
/// is not mapped).
#[derive(Debug)]
pub(crate) struct ProductFilters {
    pub(crate) variant: Vec<Filter>,
    pub(crate) title: Vec<Filter>,
    pub(crate) brand: Vec<Filter>,
    pub(crate) description: Vec<Filter>,
    pub(crate) price: Vec<Filter>,
    pub(crate) images: Vec<Filter>,
    pub(crate) categories: Vec<Filter>,
    pub(crate) attributes: Vec<Filter>,
    pub(crate) availability: Vec<Filter>,
    pub(crate) updated_at: Vec<Filter>,
}

impl ProductFilters {
    /// The filters of the product's fields (the variant's aside).
    pub(crate) fn fields(&self) -> impl Iterator<Item = &Filter> {
        [
            &self.title,
            &self.brand,
            &self.description,
            &self.price,
            &self.images,
            &self.categories,
            &self.attributes,
            &self.availability,
            &self.updated_at,
        ]
        .into_iter()
        .flatten()
    }
}

/// How calls are authenticated.
#[derive(Debug, Default)]
pub(crate) enum Auth {
    /// No credentials.
    #[default]
    None,
    /// A fixed bearer token.
    Bearer(SecretString),
    /// OAuth2 client credentials: a token fetched, cached and refreshed.
    OAuth2(OAuth2),
}

/// OAuth2 client credentials.
#[derive(Debug)]
pub(crate) struct OAuth2 {
    /// The token endpoint.
    pub(crate) token_url: TokenUrl,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) scope: Option<String>,
    /// The resource owner's name and password, for the password grant.
    pub(crate) user: Option<(String, SecretString)>,
}

/// Where the token endpoint is.
#[derive(Clone, Debug)]
pub(crate) enum TokenUrl {
    /// This URL.
    Absolute(Url),
    /// This path on the base URL's origin (the source's own host).
    OnBase(String),
    /// Not said: `--upstream-token-url` must give it.
    Unset,
}

impl TokenUrl {
    /// The endpoint for a source at `base`.
    pub(crate) fn resolve(&self, base: &Url) -> Option<Url> {
        match self {
            TokenUrl::Absolute(url) => Some(url.clone()),
            TokenUrl::OnBase(path) => base.join(path).ok(),
            TokenUrl::Unset => None,
        }
    }
}

/// Why a mapping could not be used: where, which field, what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct MappingError {
    /// The file (or `preset NAME`).
    pub origin: String,
    /// The line in it, when known.
    pub line: Option<usize>,
    /// The field, e.g. `batch.query`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": `{}`: {}", self.field, self.message)
        }
    }
}

/// Reads environment variables: the process's in the binary, a table in tests.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The file's text, for turning byte offsets into lines.
struct Source<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn line_at(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn error(
        &self,
        span: Option<std::ops::Range<usize>>,
        field: &str,
        message: impl Into<String>,
    ) -> MappingError {
        MappingError {
            origin: self.origin.to_owned(),
            line: span.map(|span| self.line_at(span.start)),
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Compiles one filter; an error names the line of the problem itself.
    fn filter(&self, jq: &Jq, field: &str, vars: &[&str]) -> Result<Filter, MappingError> {
        Filter::compile(jq.get_ref(), vars).map_err(|error| {
            let span = jq.span();
            // Where the filter's text starts in the file: exact for literal strings
            // (no escapes), the value's start otherwise.
            let raw = self.text.get(span.clone()).unwrap_or_default();
            let start = raw
                .find(jq.get_ref().as_str())
                .map_or(span.start, |at| span.start + at);
            MappingError {
                origin: self.origin.to_owned(),
                line: Some(self.line_at(start + error.offset)),
                field: field.to_owned(),
                message: format!("jq: {}", error.message),
            }
        })
    }

    fn optional(
        &self,
        jq: Option<&Jq>,
        field: &str,
        vars: &[&str],
    ) -> Result<Option<Filter>, MappingError> {
        jq.map(|jq| self.filter(jq, field, vars)).transpose()
    }
}

impl Mapping {
    /// The same mapping parsing every answer whole, as it does with a filter
    /// outside the no-jaq subset: what the pruned parse is checked against.
    #[cfg(test)]
    pub(crate) fn parsing_whole(mut self) -> Mapping {
        self.batch_reads = None;
        self.flat = None;
        self.lean = false;
        self
    }

    /// The same mapping reading batch answers through values (pruned where it
    /// can): what the flat reader is checked against.
    #[cfg(test)]
    pub(crate) fn reading_by_values(mut self) -> Mapping {
        self.flat = None;
        self.lean = false;
        self
    }

    /// Whether batch answers are read without values (`flat`).
    #[cfg(test)]
    pub(crate) fn reads_flat(&self) -> bool {
        self.flat.is_some()
    }

    /// The same mapping reading batch answers into lean values where it can, the
    /// flat reader left out: what the lean reader is checked with.
    #[cfg(test)]
    pub(crate) fn reading_lean(mut self) -> Mapping {
        self.flat = None;
        self
    }

    /// Whether batch answers are read into lean values (`lean`).
    #[cfg(test)]
    pub(crate) fn reads_lean(&self) -> bool {
        self.lean
    }

    /// Whether batch answers are parsed pruned (`prune`).
    #[cfg(test)]
    pub(crate) fn parses_pruned(&self) -> bool {
        self.batch_reads.is_some()
    }

    /// The same mapping running `keys.transform` through its filter always.
    #[cfg(test)]
    pub(crate) fn transforming_by_filter(mut self) -> Mapping {
        if let KeyForm::Transform(_, forms) = &mut self.key_form {
            *forms = None;
        }
        self
    }

    /// Whether batch answers leave unasked elements of a list unread (`prune`).
    #[cfg(test)]
    pub(crate) fn selects(&self) -> bool {
        self.batch_reads
            .as_ref()
            .is_some_and(|reads| reads.selects())
    }

    /// Compiles a mapping file's `text`; `origin` names it in errors, `env` reads
    /// the environment variables it refers to.
    ///
    /// # Errors
    /// [`MappingError`] for a file that is not TOML of the documented shape, a jq
    /// filter that does not compile, a bad URL or status, or a missing variable the
    /// file requires.
    pub fn from_toml(
        text: &str,
        origin: &str,
        env: EnvLookup<'_>,
    ) -> Result<Mapping, MappingError> {
        let source = Source { origin, text };
        let file: MappingFile = toml::from_str(text).map_err(|error| {
            source.error(error.span(), "", error.message().trim_end().to_owned())
        })?;
        source.compile(file, env)
    }

    /// The mapping with its key form replaced (`--upstream-key-format`).
    pub fn with_key_format(mut self, format: KeyFormat) -> Mapping {
        self.key_form = KeyForm::Format(format);
        self
    }

    /// The source's short name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the mapping came from (`presets/openfoodfacts.toml`, a file's path).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// What the source is, in the file's words.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The base URL the mapping names, used when `--upstream-url` is not given.
    pub fn default_base_url(&self) -> Option<&Url> {
        self.base_url.as_ref()
    }

    /// The most keys one batch call may carry; `None` without a batch call.
    pub fn max_keys(&self) -> Option<NonZeroUsize> {
        self.batch.as_ref().map(|batch| batch.max_keys)
    }

    /// The mapping with the token endpoint replaced (`--upstream-token-url`).
    ///
    /// # Errors
    /// When the mapping has no OAuth2 credentials to use it with.
    pub fn with_token_url(mut self, url: Url) -> Result<Mapping, MappingError> {
        match &mut self.auth {
            Auth::OAuth2(oauth) => {
                oauth.token_url = TokenUrl::Absolute(url);
                Ok(self)
            }
            Auth::Bearer(_) => Ok(self),
            Auth::None => Err(MappingError {
                origin: self.origin.clone(),
                line: None,
                field: "auth.oauth2".to_owned(),
                message: "a token URL needs client credentials: set CATALOG_UPSTREAM_CLIENT_ID and CATALOG_UPSTREAM_CLIENT_SECRET (or the variables the mapping names)".to_owned(),
            }),
        }
    }
}

impl Source<'_> {
    fn compile(&self, file: MappingFile, env: EnvLookup<'_>) -> Result<Mapping, MappingError> {
        let base_url = match &file.base_url {
            Some(url) => Some(self.url(url.get_ref(), Some(url.span()), "base_url")?),
            None => None,
        };
        let key_form = match (&file.keys.form, &file.keys.transform) {
            (Some(_), Some(transform)) => {
                return Err(self.error(
                    Some(transform.span()),
                    "keys.transform",
                    "give `form` or `transform`, not both",
                ));
            }
            (Some(form), None) => {
                KeyForm::Format(form.get_ref().parse::<KeyFormat>().map_err(|error| {
                    self.error(Some(form.span()), "keys.form", error.to_string())
                })?)
            }
            (None, Some(transform)) => {
                let filter = self.filter(transform, "keys.transform", &[])?;
                let forms = filter
                    .simple()
                    .and_then(super::simple::Simple::alternative_keys);
                KeyForm::Transform(filter, forms)
            }
            (None, None) => KeyForm::Format(KeyFormat::Gtin14),
        };
        let single = &file.single;
        let single = Single {
            body: self.body(
                single.method.as_ref(),
                single.body.as_ref(),
                "single",
                &SINGLE_VARS,
            )?,
            path: self.path(&single.path, "single.path", true)?,
            query: self.optional(single.query.as_ref(), "single.query", &SINGLE_VARS)?,
            item: self.optional(single.item.as_ref(), "single.item", &SINGLE_VARS)?,
            not_found_statuses: self.statuses(
                single.not_found_statuses.as_deref().unwrap_or(&[404]),
                "single.not_found_statuses",
            )?,
            not_found: self.optional(
                single.not_found.as_ref(),
                "single.not_found",
                &SINGLE_VARS,
            )?,
        };
        let batch = match &file.batch {
            Some(batch) => Some(Batch {
                body: self.body(
                    batch.method.as_ref(),
                    batch.body.as_ref(),
                    "batch",
                    &BATCH_VARS,
                )?,
                path: self.path(&batch.path, "batch.path", false)?,
                query: self.optional(batch.query.as_ref(), "batch.query", &BATCH_VARS)?,
                items: self.filter(&batch.items, "batch.items", &BATCH_VARS)?,
                max_keys: NonZeroUsize::new(*batch.max_keys.get_ref()).ok_or_else(|| {
                    self.error(
                        Some(batch.max_keys.span()),
                        "batch.max_keys",
                        "must be at least 1",
                    )
                })?,
                next: self.optional(batch.next.as_ref(), "batch.next", &BATCH_VARS)?,
                total: self.optional(batch.total.as_ref(), "batch.total", &BATCH_VARS)?,
            }),
            None => None,
        };
        let locale = file.locale.as_deref().unwrap_or("en");
        let p = &file.product;
        let field = |spec: Option<&FieldSpec>, name: &str| -> Result<Vec<Filter>, MappingError> {
            let Some(spec) = spec else {
                return Ok(Vec::new());
            };
            let texts: Vec<&str> = match spec.get_ref() {
                toml::Value::String(text) => vec![text.as_str()],
                toml::Value::Array(list) => list.iter().filter_map(toml::Value::as_str).collect(),
                _ => Vec::new(),
            };
            let valid = match spec.get_ref() {
                toml::Value::Array(list) => !list.is_empty() && texts.len() == list.len(),
                toml::Value::String(_) => true,
                _ => false,
            };
            if !valid {
                return Err(self.error(
                    Some(spec.span()),
                    name,
                    "give a jq filter, or a list of them to try in order",
                ));
            }
            texts
                .into_iter()
                .map(|text| {
                    let mut filter = self.filter(
                        &toml::Spanned::new(spec.span(), text.to_owned()),
                        name,
                        &ITEM_VARS,
                    )?;
                    filter.bind_text(ITEM_LOCALE, locale);
                    Ok(filter)
                })
                .collect()
        };
        let codes = field(Some(&file.keys.codes), "keys.codes")?;
        let product = ProductFilters {
            variant: field(p.variant.as_ref(), "product.variant")?,
            title: field(Some(&p.title), "product.title")?,
            brand: field(p.brand.as_ref(), "product.brand")?,
            description: field(p.description.as_ref(), "product.description")?,
            price: field(p.price.as_ref(), "product.price")?,
            images: field(p.images.as_ref(), "product.images")?,
            categories: field(p.categories.as_ref(), "product.categories")?,
            attributes: field(p.attributes.as_ref(), "product.attributes")?,
            availability: field(p.availability.as_ref(), "product.availability")?,
            updated_at: field(p.updated_at.as_ref(), "product.updated_at")?,
        };
        let headers = self.headers(&file, env)?;
        let auth = self.auth(file.auth.as_ref(), env)?;
        let batch_reads = batch
            .as_ref()
            .and_then(|batch| super::prune::batch_plan(batch, &codes, &product, locale));
        let flat = batch
            .as_ref()
            .and_then(|batch| super::flat::Flat::new(&codes, batch, &product));
        let lean = batch
            .as_ref()
            .is_some_and(|batch| super::lean::reads_lean(batch, &codes, &product));
        Ok(Mapping {
            name: file.name.clone().unwrap_or_else(|| self.origin.to_owned()),
            description: file.description.clone(),
            origin: self.origin.to_owned(),
            base_url,
            locale: string(locale),
            key_form,
            codes,
            single,
            batch,
            product,
            headers,
            auth,
            retry_statuses: self.statuses(&file.errors.retry_statuses, "errors.retry_statuses")?,
            batch_reads,
            lean,
            flat,
        })
    }

    fn url(
        &self,
        text: &str,
        span: Option<std::ops::Range<usize>>,
        field: &str,
    ) -> Result<Url, MappingError> {
        let url = Url::parse(text).map_err(|error| {
            self.error(
                span.clone(),
                field,
                format!("{text:?} is not a URL: {error}"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(self.error(span, field, format!("{text:?} is not an http(s) URL")));
        }
        Ok(url)
    }

    fn path(
        &self,
        path: &toml::Spanned<String>,
        field: &str,
        single: bool,
    ) -> Result<String, MappingError> {
        let text = path.get_ref();
        let span = Some(path.span());
        if !text.starts_with('/') {
            return Err(self.error(
                span,
                field,
                "must start with `/` (it is appended to the base URL's path)",
            ));
        }
        if text.contains(['?', '#']) {
            return Err(self.error(
                span,
                field,
                "a path only: put query parameters in the `query` filter",
            ));
        }
        let placeholders = text.matches("{key}").count();
        let braces = text.matches(['{', '}']).count();
        match (single, placeholders) {
            // No `{key}`: the key goes in the query (`$key`).
            (true, 0 | 1) if braces == 2 * placeholders => Ok(text.clone()),
            (true, _) => Err(self.error(span, field, "may hold `{key}` once, and no other `{…}`")),
            (false, 0) if braces == 0 => Ok(text.clone()),
            (false, _) => Err(self.error(
                span,
                field,
                "takes no `{…}`: the keys go in the `query` filter",
            )),
        }
    }

    /// The body filter of a `POST`; `None` for a `GET`.
    fn body(
        &self,
        method: Option<&toml::Spanned<String>>,
        body: Option<&Jq>,
        call: &str,
        vars: &[&str],
    ) -> Result<Option<Filter>, MappingError> {
        let post = match method {
            None => false,
            Some(method) => match method.get_ref().to_ascii_uppercase().as_str() {
                "GET" => false,
                "POST" => true,
                other => {
                    return Err(self.error(
                        Some(method.span()),
                        &format!("{call}.method"),
                        format!("{other:?}: GET or POST"),
                    ));
                }
            },
        };
        match (post, body) {
            (true, Some(body)) => Ok(Some(self.filter(body, &format!("{call}.body"), vars)?)),
            (true, None) => Err(self.error(
                method.map(toml::Spanned::span),
                &format!("{call}.body"),
                "a POST needs a `body` filter",
            )),
            (false, Some(body)) => Err(self.error(
                Some(body.span()),
                &format!("{call}.body"),
                "a body needs `method = \"POST\"`",
            )),
            (false, None) => Ok(None),
        }
    }

    fn statuses(&self, codes: &[u16], field: &str) -> Result<Vec<StatusCode>, MappingError> {
        codes
            .iter()
            .map(|&code| {
                StatusCode::from_u16(code)
                    .ok()
                    .filter(|status| !status.is_success() && !status.is_informational())
                    .ok_or_else(|| {
                        self.error(None, field, format!("{code} is not an error status"))
                    })
            })
            .collect()
    }

    fn headers(
        &self,
        file: &MappingFile,
        env: EnvLookup<'_>,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, MappingError> {
        let mut headers = Vec::with_capacity(file.headers.len());
        for (name, value) in &file.headers {
            let field = format!("headers.{name}");
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| self.error(None, &field, format!("{name:?} is not a header name")))?;
            let value = match value {
                HeaderSpec::Text(text) => HeaderValue::from_str(text)
                    .map_err(|_| self.error(None, &field, "not a valid header value"))?,
                HeaderSpec::Env(spec) => {
                    let Some(secret) = env(&spec.env) else {
                        return Err(self.error(
                            None,
                            &field,
                            format!("environment variable {} is not set", spec.env),
                        ));
                    };
                    let mut value = HeaderValue::from_str(&format!("{}{secret}", spec.prefix))
                        .map_err(|_| {
                            self.error(
                                None,
                                &field,
                                format!("the value of {} is not a valid header value", spec.env),
                            )
                        })?;
                    value.set_sensitive(true);
                    value
                }
            };
            headers.push((header, value));
        }
        Ok(headers)
    }

    fn auth(&self, spec: Option<&AuthSpec>, env: EnvLookup<'_>) -> Result<Auth, MappingError> {
        let Some(spec) = spec else {
            return Ok(Auth::None);
        };
        let set = |name: &str| env(name).filter(|value| !value.is_empty());
        if let Some(token) = spec.bearer_env.as_deref().and_then(set) {
            return Ok(Auth::Bearer(SecretString::from(token)));
        }
        if let Some(oauth) = &spec.oauth2 {
            let user = match oauth.grant.as_deref() {
                None | Some("client_credentials") => Some(None),
                Some("password") => match (
                    oauth.username_env.as_deref().and_then(set),
                    oauth.password_env.as_deref().and_then(set),
                ) {
                    (Some(name), Some(password)) => {
                        Some(Some((name, SecretString::from(password))))
                    }
                    _ => None,
                },
                Some(other) => {
                    return Err(self.error(
                        None,
                        "auth.oauth2.grant",
                        format!("{other:?}: expected client_credentials or password"),
                    ));
                }
            };
            if let (Some(client_id), Some(secret), Some(user)) = (
                set(&oauth.client_id_env),
                set(&oauth.client_secret_env),
                user,
            ) {
                let token_url = match &oauth.token_url {
                    Some(url) if url.get_ref().starts_with('/') => {
                        TokenUrl::OnBase(url.get_ref().clone())
                    }
                    Some(url) => TokenUrl::Absolute(self.url(
                        url.get_ref(),
                        Some(url.span()),
                        "auth.oauth2.token_url",
                    )?),
                    None => TokenUrl::Unset,
                };
                return Ok(Auth::OAuth2(OAuth2 {
                    token_url,
                    client_id,
                    client_secret: SecretString::from(secret),
                    scope: oauth.scope.clone(),
                    user,
                }));
            }
        }
        if spec.required {
            let mut ways = Vec::new();
            if let Some(name) = &spec.bearer_env {
                ways.push(name.clone());
            }
            if let Some(oauth) = &spec.oauth2 {
                let mut names = vec![
                    oauth.client_id_env.as_str(),
                    oauth.client_secret_env.as_str(),
                ];
                names.extend(oauth.username_env.as_deref());
                names.extend(oauth.password_env.as_deref());
                ways.push(names.join(", "));
            }
            return Err(self.error(
                None,
                "auth",
                format!("the source needs credentials: set {}", ways.join(", or ")),
            ));
        }
        Ok(Auth::None)
    }
}

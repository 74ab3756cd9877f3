//! The URLs of mapped calls: the key in the source's form, the single-item URL
//! (`{key}` as one percent-encoded path segment), the batch URL (query parameters
//! from the mapping's jq object: a list is repeated, `null` left out) and the next
//! page's URL, which must stay on the source's origin.
//!
//! Query values are percent-encoded with RFC 3986's query rules: what must be
//! escaped is (`&`, `=`, `+`, `#`, space, quotes, brackets, braces, non-ASCII); a
//! comma, colon, slash or parenthesis stays as written, since naive upstreams split
//! `a,b` lists without decoding and every server decodes `%2C` and `,` alike.

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;

use super::jq::{Filter, Val, as_text, string};
use super::load::{KeyForm, Mapping};
use crate::catalog::CatalogError;
use crate::gtin::Gtin;

/// Escaped in a query name or value.
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Escaped in a path segment: all but RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Mapping {
    /// The key `gtin` is stored under at the source, or `None` when the source
    /// cannot hold it (never asked for: not found).
    pub(crate) fn key(&self, gtin: &Gtin) -> Option<String> {
        match &self.key_form {
            KeyForm::Format(format) => format.key(gtin).map(str::to_owned),
            // jq's `//` on texts and `null`s: the first text.
            KeyForm::Transform(_, Some(forms)) => forms
                .iter()
                .find_map(|name| key_form(gtin, name))
                .map(str::to_owned),
            KeyForm::Transform(filter, None) => {
                let forms = key_forms(gtin);
                match filter.first(forms, &[]) {
                    Ok(Some(value)) => scalar_text(&value),
                    Ok(None) => None,
                    Err(error) => {
                        tracing::debug!(%gtin, %error, "upstream mapping: keys.transform failed");
                        None
                    }
                }
            }
        }
    }

    /// The single-item call for `key`.
    pub(crate) fn single_request(
        &self,
        base: &Url,
        gtin: &Gtin,
        key: &str,
    ) -> Result<Outgoing, CatalogError> {
        let segment = utf8_percent_encode(key, SEGMENT).to_string();
        let path = self.single.path.replace("{key}", &segment);
        let mut url = join_path(base, &path);
        let vars = [string(key), string(gtin.gtin14()), self.locale.clone()];
        if let Some(query) = &self.single.query {
            append_query(&mut url, query, &vars, "single.query")?;
        }
        let json = json_body(self.single.body.as_ref(), &vars, "single.body")?;
        Ok(Outgoing { url, json })
    }

    /// The URL of the single-item call for `key` (its body aside).
    #[cfg(test)]
    pub(crate) fn single_url(
        &self,
        base: &Url,
        gtin: &Gtin,
        key: &str,
    ) -> Result<Url, CatalogError> {
        self.single_request(base, gtin, key)
            .map(|request| request.url)
    }

    /// The batch call for `keys`: page `page` (from 1), `offset` items in.
    pub(crate) fn batch_request(
        &self,
        base: &Url,
        keys: &[&str],
        page: usize,
        offset: usize,
    ) -> Result<Outgoing, CatalogError> {
        let Some(batch) = &self.batch else {
            return Err(CatalogError::BadResponse(
                "the mapping has no batch call".into(),
            ));
        };
        let mut url = join_path(base, &batch.path);
        let vars = self.batch_vars(keys, page, offset);
        if let Some(query) = &batch.query {
            append_query(&mut url, query, &vars, "batch.query")?;
        }
        let json = json_body(batch.body.as_ref(), &vars, "batch.body")?;
        Ok(Outgoing { url, json })
    }

    /// The first batch call for `asked` (keys in the source's form, page 1) as the
    /// client sends it, its URL and its JSON body for a `POST`: for tools and
    /// benchmarks.
    ///
    /// # Errors
    /// As the client's call: the mapping has no batch call, or a query filter fails.
    pub fn first_batch_request(
        &self,
        base: &Url,
        asked: &[Gtin],
    ) -> Result<(Url, Option<Vec<u8>>), CatalogError> {
        let keys: Vec<String> = asked.iter().filter_map(|gtin| self.key(gtin)).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        self.batch_request(base, &keys, 1, 0)
            .map(|call| (call.url, call.json))
    }

    /// The URL of a batch call (its body aside).
    #[cfg(test)]
    pub(crate) fn batch_url(
        &self,
        base: &Url,
        keys: &[&str],
        page: usize,
        offset: usize,
    ) -> Result<Url, CatalogError> {
        self.batch_request(base, keys, page, offset)
            .map(|request| request.url)
    }

    /// The variables of the batch filters.
    pub(crate) fn batch_vars(&self, keys: &[&str], page: usize, offset: usize) -> [Val; 5] {
        [
            keys.iter().map(|key| string(key)).collect(),
            Val::from(page),
            Val::from(offset),
            Val::from(keys.len()),
            self.locale.clone(),
        ]
    }
}

/// One request to a source: a `GET`, or a `POST` with a JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outgoing {
    /// Where.
    pub(crate) url: Url,
    /// The JSON body of a `POST`; `None`: a `GET`.
    pub(crate) json: Option<Vec<u8>>,
}

impl From<Url> for Outgoing {
    fn from(url: Url) -> Outgoing {
        Outgoing { url, json: None }
    }
}

/// The JSON text the body filter gives, when there is one.
fn json_body(
    filter: Option<&Filter>,
    vars: &[Val],
    field: &str,
) -> Result<Option<Vec<u8>>, CatalogError> {
    let Some(filter) = filter else {
        return Ok(None);
    };
    match filter.first(Val::Null, vars) {
        Ok(Some(value)) => Ok(Some(value.to_string().into_bytes())),
        Ok(None) => Err(CatalogError::BadResponse(format!(
            "mapping `{field}` gave no body"
        ))),
        Err(error) => Err(CatalogError::BadResponse(format!(
            "mapping `{field}` failed: {error}"
        ))),
    }
}

/// The next page's URL as a body gave it (absolute, or relative to `current`),
/// refused unless it stays on `base`'s origin: credentials go only where configured.
pub(crate) fn next_url(base: &Url, current: &Url, next: &str) -> Result<Url, CatalogError> {
    let url = current.join(next).map_err(|error| {
        CatalogError::BadResponse(format!("next page {next:?} is not a URL: {error}"))
    })?;
    if url.origin() != base.origin() {
        return Err(CatalogError::BadResponse(format!(
            "next page {next:?} leaves the upstream's origin {}",
            base.origin().ascii_serialization()
        )));
    }
    Ok(url)
}

/// `base` with `path` appended to its own path (a trailing slash of `base` or not).
fn join_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_fragment(None);
    let joined = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url
}

/// Appends the parameters the `query` filter gives to `url`'s own query.
fn append_query(
    url: &mut Url,
    query: &Filter,
    vars: &[Val],
    field: &str,
) -> Result<(), CatalogError> {
    let object = query
        .first(Val::Null, vars)
        .map_err(|error| CatalogError::BadResponse(format!("mapping `{field}` failed: {error}")))?;
    let Some(Val::Obj(params)) = object else {
        return Err(CatalogError::BadResponse(format!(
            "mapping `{field}` must give an object of parameters"
        )));
    };
    // Room for the query as most are: no growing as parameters come.
    let mut text = String::with_capacity(url.query().map_or(0, str::len) + 256);
    text.push_str(url.query().unwrap_or_default());
    let mut push = |name: &str, value: Scalar<'_>| {
        if !text.is_empty() {
            text.push('&');
        }
        text.extend(utf8_percent_encode(name, QUERY));
        text.push('=');
        match value {
            Scalar::Text(value) => text.extend(utf8_percent_encode(value, QUERY)),
            // Digits and a sign, or `true`/`false`: nothing to escape.
            Scalar::Int(value) => text.push_str(itoa::Buffer::new().format(value)),
            Scalar::Bool(value) => text.push_str(if value { "true" } else { "false" }),
            Scalar::Other(value) => text.extend(utf8_percent_encode(&value, QUERY)),
        }
    };
    for (name, value) in params.iter() {
        let Some(name) = as_text(name) else { continue };
        match value {
            Val::Null => {}
            Val::Arr(values) => {
                for value in values.iter() {
                    if let Some(value) = Scalar::of(value) {
                        push(name, value);
                    }
                }
            }
            value => match Scalar::of(value) {
                Some(value) => push(name, value),
                None => {
                    return Err(CatalogError::BadResponse(format!(
                        "mapping `{field}`: parameter {name:?} is not text, a number, a boolean or a list of them"
                    )));
                }
            },
        }
    }
    url.set_query(Some(&text));
    Ok(())
}

/// A scalar value by kind, the one table of which values have a text: a query
/// parameter's value is written from it without building text where it need not,
/// and [`scalar_text`] is its text.
enum Scalar<'a> {
    Text(&'a str),
    Int(isize),
    Bool(bool),
    /// Any other number, as written.
    Other(String),
}

impl<'a> Scalar<'a> {
    fn of(value: &'a Val) -> Option<Scalar<'a>> {
        match value {
            Val::TStr(_) => as_text(value).map(Scalar::Text),
            Val::Num(jaq_json::Num::Int(int)) => Some(Scalar::Int(*int)),
            Val::Bool(value) => Some(Scalar::Bool(*value)),
            Val::Num(_) => Some(Scalar::Other(value.to_string())),
            _ => None,
        }
    }

    fn into_text(self) -> String {
        match self {
            Scalar::Text(text) => text.to_owned(),
            Scalar::Int(int) => itoa::Buffer::new().format(int).to_owned(),
            Scalar::Bool(value) => if value { "true" } else { "false" }.to_owned(),
            Scalar::Other(text) => text,
        }
    }
}

/// A scalar as text (`null`, lists and objects have none).
pub(crate) fn scalar_text(value: &Val) -> Option<String> {
    Scalar::of(value).map(Scalar::into_text)
}

/// The names of the forms `keys.transform` reads.
const KEY_FORMS: [&str; 5] = ["gtin14", "gtin13", "upc", "gtin8", "registered"];

/// The form of `gtin` called `name`; `None` where it has none (or no such form).
fn key_form<'g>(gtin: &'g Gtin, name: &str) -> Option<&'g str> {
    match name {
        "gtin14" => Some(gtin.gtin14()),
        "gtin13" => gtin.padded(13),
        "upc" => gtin.padded(12),
        "gtin8" => gtin.gtin8(),
        "registered" => Some(gtin.as_own_format()),
        _ => None,
    }
}

/// `{gtin14, gtin13, upc, gtin8, registered}`: the input of `keys.transform`.
fn key_forms(gtin: &Gtin) -> Val {
    let mut forms = jaq_json::Map::default();
    for name in KEY_FORMS {
        forms.insert(string(name), key_form(gtin, name).map_or(Val::Null, string));
    }
    Val::obj(forms)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A scalar's text as it was built before [`Scalar`]: jaq's own text of a
    /// number or boolean. Kept as the oracle.
    fn reference_text(value: &Val) -> Option<String> {
        match value {
            Val::TStr(_) => as_text(value).map(str::to_owned),
            Val::Num(_) | Val::Bool(_) => Some(value.to_string()),
            _ => None,
        }
    }

    /// The query writer before [`Scalar`]: every value's text built by
    /// [`reference_text`], then escaped. Kept as the oracle.
    fn reference(url: &mut Url, params: &Val) {
        let Val::Obj(params) = params else {
            panic!("an object")
        };
        let mut text = url.query().unwrap_or_default().to_owned();
        let mut push = |name: &str, value: &str| {
            if !text.is_empty() {
                text.push('&');
            }
            text.extend(utf8_percent_encode(name, QUERY));
            text.push('=');
            text.extend(utf8_percent_encode(value, QUERY));
        };
        for (name, value) in params.iter() {
            let Some(name) = as_text(name) else { continue };
            match value {
                Val::Null => {}
                Val::Arr(values) => {
                    for value in values.iter() {
                        if let Some(value) = reference_text(value) {
                            push(name, &value);
                        }
                    }
                }
                value => push(name, &reference_text(value).expect("a scalar")),
            }
        }
        url.set_query(Some(&text));
    }

    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            Just("18446744073709551616".to_owned()),
            Just("-0".to_owned()),
            Just("1.50".to_owned()),
            Just("1e300".to_owned()),
            Just("2.5E-3".to_owned()),
            any::<bool>().prop_map(|b| b.to_string()),
            "[a-c &=+#%/,:ü\"\\\\\\[\\]{}]{0,6}".prop_map(|t| serde_json::json!(t).to_string()),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => scalar(),
            1 => Just("null".to_owned()),
            1 => proptest::collection::vec(prop_oneof![3 => scalar(), 1 => Just("null".to_owned()), 1 => Just("[1]".to_owned())], 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
        ]
    }

    proptest! {
        /// Each parameter's value is written as it was when its text was built
        /// first: numbers of every kind, booleans, escaped text, lists.
        #[test]
        fn a_query_is_written_as_before(
            params in proptest::collection::vec(("[a-c&=]{1,3}", value()), 0..5),
            base in prop_oneof![Just("http://h/p"), Just("http://h/p?t=a%20b")],
        ) {
            let json = format!(
                "{{{}}}",
                params
                    .iter()
                    .map(|(name, value)| format!("{}:{value}", serde_json::json!(name)))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let params = super::super::jq::parse_json(json.as_bytes()).unwrap();
            let filter = Filter::compile("$p", &["$p"]).unwrap();
            let mut written = Url::parse(base).unwrap();
            append_query(&mut written, &filter, std::slice::from_ref(&params), "q").unwrap();
            let mut expected = Url::parse(base).unwrap();
            reference(&mut expected, &params);
            prop_assert_eq!(written.as_str(), expected.as_str());
        }

        /// Every value's text (a key's code, a page's total) is what it was:
        /// jaq's text of numbers and booleans, text as it is, nothing for the rest.
        #[test]
        fn a_scalar_has_the_text_it_had(value in value()) {
            let value = super::super::jq::parse_json(value.as_bytes()).unwrap();
            let values = match &value {
                Val::Arr(values) => values.iter().cloned().chain([value.clone()]).collect(),
                _ => vec![value],
            };
            for value in values {
                prop_assert_eq!(scalar_text(&value), reference_text(&value));
            }
        }
    }
}

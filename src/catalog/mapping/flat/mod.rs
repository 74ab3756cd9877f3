//! Batch answers of flat items read straight into products, without jaq values:
//! for a mapping whose every read of an item is one of the item's own keys
//! (`.code`, `.product_name // .generic_name`, `.brands / "," | .[0] | trim`,
//! `{size: .quantity} | compact` …), as many product APIs' search answers are.
//!
//! Why: reading an answer through values (`prune`, then the no-jaq subset on
//! them, then `product`) cost Open Food Facts 2.5× what the native contract's
//! reader costs per product — a reference-counted slice per text, a map per item,
//! a value per intermediate step, all built and dropped — and that was all of
//! what a mapped basket cost over a native one (bench/JOURNAL.md, "Session 12").
//! Here an item's keys are parsed into slots known at start, texts borrowed from
//! the body, and each field's filter is one of a few [`Form`]s run on the slots.
//!
//! Exactness: the values path stays the reference. Anything this reader does not
//! read the same way — a nested value read by a form, an item matching no key
//! asked, text that is not UTF-8, anything jaq-specific in the JSON, a body that
//! is not JSON — makes it give the page up ([`Flat::read_page`] gives `None`), and
//! the caller reads the page through values, as before. Tests check both paths
//! give the same results for generated items and every preset that qualifies.

use std::borrow::Cow;

use hifijson::Read as _;
use hifijson::SliceLexer;
use hifijson::token::{Expect, Lex};
use jaq_json::Num;

use super::jq::{Filter, RunError, Val, as_text};
use super::load::{Batch, ProductFilters};
use super::product::{ItemError, rfc3339};
use super::prune::{entry, parse_key, parse_num, skip, ws_tk};
use super::read::{Asked, Page};
use super::simple::{AfterSplit, Form, Slots, Src};
use crate::catalog::{Attribute, Availability, CatalogError, Image, Product, Text};
use crate::gtin::Gtin;

/// A product field's filters as forms, each with the error its filter reports.
type Field = Vec<(Form, RunError)>;

/// A mapping's batch reading, as forms on slots.
#[derive(Debug)]
pub(crate) struct Flat {
    slots: Slots,
    /// The answer's key holding the items (`batch.items`).
    items: Box<[u8]>,
    /// The answer's key holding the result's size (`batch.total`).
    total: Option<Box<[u8]>>,
    codes: Vec<Form>,
    title: Field,
    brand: Field,
    description: Field,
    images: Field,
    categories: Field,
    attributes: Field,
    availability: Field,
    updated_at: Field,
}

/// The page is given up: the values path reads it.
struct GiveUp;

/// Why a form gave no value.
enum Fail {
    /// jq raises an error here.
    Step,
    GiveUp,
}

impl From<GiveUp> for Fail {
    fn from(_: GiveUp) -> Fail {
        Fail::GiveUp
    }
}

impl Flat {
    /// The flat reading of a mapping, when every filter it runs on a batch answer
    /// is a form on the item's own keys (or, for `items` and `total`, one key of
    /// the answer) and it reads no price and no variant.
    pub(crate) fn new(codes: &[Filter], batch: &Batch, product: &ProductFilters) -> Option<Flat> {
        if batch.next.is_some() || !product.variant.is_empty() || !product.price.is_empty() {
            return None;
        }
        let one_key = |filter: &Filter| match filter.simple()?.alternative_keys()?.as_slice() {
            [key] => Some(key.as_bytes().to_vec().into_boxed_slice()),
            _ => None,
        };
        let items = one_key(&batch.items)?;
        let total = match &batch.total {
            Some(filter) => Some(one_key(filter).filter(|total| *total != items)?),
            None => None,
        };
        let mut slots = Slots::default();
        let codes = codes
            .iter()
            .map(|filter| filter.simple()?.flat_form(&mut slots))
            .collect::<Option<Vec<Form>>>()?;
        let mut field = |filters: &[Filter]| -> Option<Field> {
            filters
                .iter()
                .map(|filter| Some((filter.simple()?.flat_form(&mut slots)?, filter.step_error())))
                .collect()
        };
        Some(Flat {
            title: field(&product.title)?,
            brand: field(&product.brand)?,
            description: field(&product.description)?,
            images: field(&product.images)?,
            categories: field(&product.categories)?,
            attributes: field(&product.attributes)?,
            availability: field(&product.availability)?,
            updated_at: field(&product.updated_at)?,
            slots,
            items,
            total,
            codes,
        })
    }

    /// One page of a batch answer for `asked`; `None` when this reader gives it up.
    pub(crate) fn read_page(&self, asked: &Asked<'_>, body: &[u8]) -> Option<Page> {
        let mut lexer = SliceLexer::new(body);
        let mut page = Page::new(0, None, None);
        let read = lexer.exactly_one(ws_tk, |next, lexer| {
            if next != b'{' {
                return Err(Expect::Value.into());
            }
            let mut seen_items = false;
            lexer.discarded().seq(b'}', ws_tk, |next, lexer| {
                let (key, next) = entry(next, lexer)?;
                if *key == *self.items {
                    if seen_items {
                        return Err(Expect::Value.into());
                    }
                    seen_items = true;
                    self.items(next, lexer, asked, &mut page)
                } else if self.total.as_deref() == Some(&*key) {
                    page.total = match value(next, lexer)? {
                        Slot::Text(text) => text.parse().ok(),
                        Slot::Num(num) => Val::Num(num).to_string().parse().ok(),
                        _ => None,
                    };
                    Ok(())
                } else {
                    skip(next, lexer)
                }
            })
        });
        read.ok().map(|()| page)
    }

    /// The items list, each item read as it is parsed.
    fn items<'b>(
        &self,
        next: u8,
        lexer: &mut SliceLexer<'b>,
        asked: &Asked<'_>,
        page: &mut Page,
    ) -> Result<(), hifijson::Error> {
        if next == b'n' && lexer.strip_prefix(b"null") {
            return Ok(());
        }
        if next != b'[' {
            return Err(Expect::Value.into());
        }
        let mut slots: Vec<Slot<'b>> = Vec::new();
        lexer.discarded().seq(b']', ws_tk, |next, lexer| {
            if next != b'{' {
                return Err(Expect::Value.into());
            }
            slots.clear();
            slots.resize_with(self.slots.len(), || Slot::Null);
            lexer.discarded().seq(b'}', ws_tk, |next, lexer| {
                let (key, next) = entry(next, lexer)?;
                match self.slots.find(&key) {
                    Some(slot) => slots[slot] = value(next, lexer)?,
                    None => skip(next, lexer)?,
                }
                Ok::<_, hifijson::Error>(())
            })?;
            page.items += 1;
            self.item(&slots, asked, page)
                .map_err(|GiveUp| hifijson::Error::from(Expect::Value))
        })
    }

    /// The results of one item for every key it answers.
    fn item(&self, slots: &[Slot<'_>], asked: &Asked<'_>, page: &mut Page) -> Result<(), GiveUp> {
        let matched = self.matched(slots, asked)?;
        // An item answering no key asked is judged on all it holds: the values path's.
        if matched.is_empty() {
            return Err(GiveUp);
        }
        for i in matched {
            let (gtin, _) = &asked.keys()[i];
            let result = self
                .product(slots, gtin)?
                .map(Some)
                .map_err(|error| CatalogError::BadResponse(error.to_string()));
            if let Err(error) = &result {
                tracing::debug!(%error, "upstream batch: unusable item");
                page.broken += 1;
            }
            page.results.push((i, result));
        }
        Ok(())
    }

    /// The asked keys the item's codes name, each once.
    fn matched(&self, slots: &[Slot<'_>], asked: &Asked<'_>) -> Result<Vec<usize>, GiveUp> {
        let mut matched = Vec::new();
        for form in &self.codes {
            match form.eval(slots) {
                Ok(Out::One(V::Text(code))) => matched.extend(asked.find(code)),
                Ok(Out::One(value)) => {
                    matched.extend(scalar_text(&value).and_then(|code| asked.find(&code)))
                }
                Ok(Out::List(codes)) => matched.extend(codes.iter().filter_map(|c| asked.find(c))),
                Ok(Out::Pairs(_)) => {}
                Err(Fail::Step) => {
                    tracing::debug!("upstream mapping: `keys.codes` failed on an item");
                }
                Err(Fail::GiveUp) => return Err(GiveUp),
            }
        }
        matched.sort_unstable();
        matched.dedup();
        Ok(matched)
    }

    /// The product `gtin` from the item, as `ProductFilters::product` reads it.
    fn product(
        &self,
        slots: &[Slot<'_>],
        gtin: &Gtin,
    ) -> Result<Result<Product, ItemError>, GiveUp> {
        let title = match first(&self.title, slots)? {
            Err(error) => {
                return Ok(Err(ItemError::Filter {
                    field: "title",
                    error: error.clone(),
                }));
            }
            Ok(Some(Out::One(V::Text(title)))) => Text::from(title),
            Ok(Some(other)) => return Ok(Err(ItemError::Title(other.kind().to_owned()))),
            Ok(None) => return Ok(Err(ItemError::Title("nothing".to_owned()))),
        };
        let optional = |field, name| optional(field, slots, gtin, name);
        let text = |out: Option<Out<'_>>| match out {
            Some(Out::One(V::Text(text))) => Some(Text::from(text)),
            _ => None,
        };
        Ok(Ok(Product {
            gtin: *gtin,
            title,
            brand: text(optional(&self.brand, "brand")?),
            description: text(optional(&self.description, "description")?),
            price: None,
            images: optional(&self.images, "images")?.map_or_else(Vec::new, images),
            categories: optional(&self.categories, "categories")?.map_or_else(Vec::new, texts),
            attributes: optional(&self.attributes, "attributes")?.map_or_else(Vec::new, attributes),
            availability: Availability::from_upstream(
                match optional(&self.availability, "availability")? {
                    Some(Out::One(V::Text(text))) => Some(text),
                    _ => None,
                },
            ),
            updated_at: match optional(&self.updated_at, "updated_at")? {
                Some(Out::One(V::Num(Num::Int(seconds)))) => {
                    i64::try_from(*seconds).ok().and_then(rfc3339)
                }
                other => text(other),
            },
        }))
    }
}

/// An optional field: absent (logged) when its only filter fails, as the values
/// path drops a malformed optional field.
fn optional<'a>(
    field: &'a Field,
    slots: &'a [Slot<'_>],
    gtin: &Gtin,
    name: &str,
) -> Result<Option<Out<'a>>, GiveUp> {
    Ok(first(field, slots)?.unwrap_or_else(|error| {
        tracing::debug!(%gtin, field = name, %error, "upstream mapping: dropping a field whose filter failed");
        None
    }))
}

/// An item's value at a slot: what the forms can read without values.
#[derive(Debug)]
enum Slot<'b> {
    Null,
    Bool(bool),
    Num(Num),
    Text(Cow<'b, str>),
    /// A list or an object: a form reading it gives the page up.
    Nested,
}

/// A value read as jaq reads it, into a slot; an error for what jaq reads its own
/// way (`NaN`, byte strings) or text that is not UTF-8, giving the page up.
fn value<'b>(next: u8, lexer: &mut SliceLexer<'b>) -> Result<Slot<'b>, hifijson::Error> {
    Ok(match next {
        b'n' if lexer.strip_prefix(b"null") => Slot::Null,
        b't' if lexer.strip_prefix(b"true") => Slot::Bool(true),
        b'f' if lexer.strip_prefix(b"false") => Slot::Bool(false),
        b'0'..=b'9' | b'-' => {
            Slot::Num(parse_num(lexer, true)?.ok_or(hifijson::num::Error::ExpectedDigit)?)
        }
        b'"' => Slot::Text(match parse_key(lexer.discarded())? {
            Cow::Borrowed(bytes) => {
                Cow::Borrowed(std::str::from_utf8(bytes).map_err(|_| Expect::Value)?)
            }
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8(bytes).map_err(|_| Expect::Value)?),
        }),
        b'[' | b'{' => {
            skip(next, lexer)?;
            Slot::Nested
        }
        _ => Err(Expect::Value)?,
    })
}

/// A scalar as a form sees it.
#[derive(Clone, Copy, Debug)]
enum V<'a> {
    Null,
    Bool(bool),
    Num(&'a Num),
    Text(&'a str),
}

/// A form's output.
#[derive(Debug)]
enum Out<'a> {
    One(V<'a>),
    /// Texts (a split's parts).
    List(Vec<&'a str>),
    /// An object's entries, each name once.
    Pairs(Vec<(&'a str, V<'a>)>),
}

impl Out<'_> {
    /// What the values path calls such a value in an error.
    fn kind(&self) -> &'static str {
        match self {
            Out::One(V::Null) => "null",
            Out::One(V::Bool(_)) => "a boolean",
            Out::One(V::Num(_)) => "a number",
            Out::One(V::Text(_)) => "text",
            Out::List(_) => "a list",
            Out::Pairs(_) => "an object",
        }
    }

    /// `null`, `""` or `[]`: gives way to the next filter of a field.
    fn says_nothing(&self) -> bool {
        match self {
            Out::One(V::Null) => true,
            Out::One(V::Text(text)) => text.is_empty(),
            Out::List(list) => list.is_empty(),
            _ => false,
        }
    }
}

fn truthy(value: V<'_>) -> bool {
    !matches!(value, V::Null | V::Bool(false))
}

impl Src {
    fn get<'a>(&'a self, slots: &'a [Slot<'_>]) -> Result<V<'a>, GiveUp> {
        Ok(match self {
            Src::Slot(slot) => match slots.get(*slot).ok_or(GiveUp)? {
                Slot::Null => V::Null,
                Slot::Bool(b) => V::Bool(*b),
                Slot::Num(num) => V::Num(num),
                Slot::Text(text) => V::Text(text),
                Slot::Nested => return Err(GiveUp),
            },
            Src::Literal(Val::Null) => V::Null,
            Src::Literal(Val::Bool(b)) => V::Bool(*b),
            Src::Literal(Val::Num(num)) => V::Num(num),
            Src::Literal(text) => V::Text(as_text(text).ok_or(GiveUp)?),
        })
    }
}

/// `a // b // …`: the first that is neither `null` nor `false`, else the last.
fn alternatives<'a>(srcs: &'a [Src], slots: &'a [Slot<'_>]) -> Result<V<'a>, GiveUp> {
    let Some((last, before)) = srcs.split_last() else {
        return Err(GiveUp);
    };
    for src in before {
        let value = src.get(slots)?;
        if truthy(value) {
            return Ok(value);
        }
    }
    last.get(slots)
}

impl Form {
    fn eval<'a>(&'a self, slots: &'a [Slot<'_>]) -> Result<Out<'a>, Fail> {
        match self {
            Form::Alt(srcs, trim) => match (alternatives(srcs, slots)?, trim) {
                (V::Text(text), true) => Ok(Out::One(V::Text(text.trim()))),
                (_, true) => Err(Fail::Step),
                (value, false) => Ok(Out::One(value)),
            },
            Form::Split(src, separator, after) => {
                let V::Text(whole) = src.get(slots)? else {
                    return Err(Fail::Step);
                };
                // jq splits "" into no parts at all.
                let mut parts: Vec<&str> = if whole.is_empty() {
                    Vec::new()
                } else {
                    whole.split(separator.as_str()).collect()
                };
                match *after {
                    AfterSplit::List => Ok(Out::List(parts)),
                    AfterSplit::ListTrimmed => {
                        parts.iter_mut().for_each(|part| *part = part.trim());
                        Ok(Out::List(parts))
                    }
                    AfterSplit::Nth(index, trim) => {
                        let at = if index < 0 {
                            parts.len().checked_sub(index.unsigned_abs())
                        } else {
                            Some(index.unsigned_abs())
                        };
                        match (at.and_then(|at| parts.get(at)), trim) {
                            (Some(part), true) => Ok(Out::One(V::Text(part.trim()))),
                            (Some(part), false) => Ok(Out::One(V::Text(part))),
                            (None, true) => Err(Fail::Step),
                            (None, false) => Ok(Out::One(V::Null)),
                        }
                    }
                }
            }
            Form::Object(fields, compact) => {
                let mut pairs = Vec::with_capacity(fields.len());
                for (name, srcs) in fields {
                    let value = alternatives(srcs, slots)?;
                    // `compact` drops what says nothing (`[]` and `{}` are no scalars).
                    if !(*compact && matches!(value, V::Null | V::Text(""))) {
                        pairs.push((name.as_str(), value));
                    }
                }
                Ok(Out::Pairs(pairs))
            }
        }
    }
}

/// The first output of a field's forms that says something, as `first_found` in
/// `product` gives it: `Err` with the filter's error when its only filter failed.
fn first<'a>(
    field: &'a Field,
    slots: &'a [Slot<'_>],
) -> Result<Result<Option<Out<'a>>, &'a RunError>, GiveUp> {
    let mut failed = None;
    let last = field.len().saturating_sub(1);
    for (i, (form, error)) in field.iter().enumerate() {
        match form.eval(slots) {
            Ok(Out::One(V::Null)) => {}
            Ok(out) if i < last && out.says_nothing() => {}
            Ok(out) => return Ok(Ok(Some(out))),
            Err(Fail::Step) => failed = Some(error),
            Err(Fail::GiveUp) => return Err(GiveUp),
        }
    }
    Ok(match failed {
        Some(error) if field.len() == 1 => Err(error),
        Some(error) => {
            tracing::debug!(%error, "upstream mapping: a fallback filter failed");
            Ok(None)
        }
        None => Ok(None),
    })
}

/// A scalar's text as `request::scalar_text` writes it.
fn scalar_text(value: &V<'_>) -> Option<String> {
    match value {
        V::Null => None,
        V::Bool(b) => Some(Val::Bool(*b).to_string()),
        V::Num(num) => Some(Val::Num((*num).clone()).to_string()),
        V::Text(text) => Some((*text).to_owned()),
    }
}

fn texts(out: Out<'_>) -> Vec<Text> {
    match out {
        Out::List(list) => list
            .into_iter()
            .filter(|text| !text.is_empty())
            .map(Text::from)
            .collect(),
        Out::One(value) => scalar_text(&value)
            .into_iter()
            .filter(|text| !text.is_empty())
            .map(Text::from)
            .collect(),
        Out::Pairs(_) => Vec::new(),
    }
}

fn images(out: Out<'_>) -> Vec<Image> {
    let url = |url: &str| Image {
        url: Text::from(url),
        alt: None,
    };
    match out {
        Out::One(V::Text(text)) => vec![url(text)],
        Out::One(_) => Vec::new(),
        Out::List(list) => list.into_iter().map(url).collect(),
        Out::Pairs(pairs) => {
            let text = |name: &str| {
                pairs.iter().find_map(|(key, value)| match value {
                    V::Text(text) if *key == name => Some(*text),
                    _ => None,
                })
            };
            text("url")
                .map(|found| Image {
                    url: Text::from(found),
                    alt: text("alt").map(Text::from),
                })
                .into_iter()
                .collect()
        }
    }
}

/// Sorted by name; `null` is an attribute without a value.
fn attributes(out: Out<'_>) -> Vec<Attribute> {
    let Out::Pairs(pairs) = out else {
        return Vec::new();
    };
    let mut read: Vec<Attribute> = pairs
        .into_iter()
        .map(|(name, value)| Attribute {
            name: Text::from(name),
            value: scalar_text(&value).map(Text::from),
        })
        .collect();
    read.sort_by(|a, b| a.name.cmp(&b.name));
    read
}

#[cfg(test)]
mod tests;

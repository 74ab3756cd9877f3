//! Answers of a mapped source read into per-key results. Items are matched to the
//! keys asked by the codes they carry (`keys.codes`): the exact key first, else the
//! code normalized as a GTIN in any of its spellings; never by position. One item
//! may answer several keys (a product whose variants were asked for), each read
//! through `product.variant` with its own `$key`.
//!
//! What an item that cannot be matched or read costs follows the contract reader
//! (`answer`): a key it answered gets `BadResponse`; an item with no readable code
//! cannot be attributed, so every key left unanswered is `BadResponse` rather than
//! "not found", a claim the gateway cannot make.

use std::sync::Mutex;

use super::jq::{Val, as_text, parse_json, string};
use bumpalo::Bump;

use super::lean::{Lean, Leans};
use super::load::Mapping;
use super::request::scalar_text;
use super::value::Value;
use crate::catalog::{CatalogError, FetchResult};
use crate::gtin::Gtin;
use crate::hashing::FastMap;

thread_local! {
    /// The arena lean values are read into, one a worker thread, emptied for each
    /// page and kept between pages: a fresh arena the size of each body was a large
    /// allocation and a page fault a page of it (6 % of reading a commercetools
    /// page in a cold run's profile; bench/JOURNAL.md, "Session 19").
    static ARENA: std::cell::RefCell<Bump> = std::cell::RefCell::new(Bump::new());
}

/// The most an arena keeps after a page: one large answer does not hold a worker's
/// memory for good.
const ARENA_KEPT: usize = 1 << 20;

/// Runs `read` with this thread's arena, emptied; an arena that grew past
/// [`ARENA_KEPT`] is dropped afterwards.
fn in_arena<T>(read: impl FnOnce(&mut Bump) -> T) -> T {
    ARENA.with(|arena| match arena.try_borrow_mut() {
        Ok(mut bump) => {
            bump.reset();
            let out = read(&mut bump);
            if bump.allocated_bytes() > ARENA_KEPT {
                *bump = Bump::new();
            }
            out
        }
        // Never so (reading a page reads no other), but not worth a panic.
        Err(_) => read(&mut Bump::new()),
    })
}

/// The keys of one call: the item, the key it was asked under, and how to find it.
pub(crate) struct Asked<'a> {
    keys: &'a [(Gtin, String)],
    by_key: FastMap<&'a str, usize>,
    by_gtin: FastMap<Gtin, usize>,
}

impl<'a> Asked<'a> {
    pub(crate) fn new(keys: &'a [(Gtin, String)]) -> Asked<'a> {
        Asked {
            keys,
            by_key: keys
                .iter()
                .enumerate()
                .map(|(i, (_, key))| (key.as_str(), i))
                .collect(),
            by_gtin: keys
                .iter()
                .enumerate()
                .map(|(i, (gtin, _))| (*gtin, i))
                .collect(),
        }
    }

    /// The keys asked, each with its GTIN.
    pub(super) fn keys(&self) -> &'a [(Gtin, String)] {
        self.keys
    }

    /// Which asked key `code` names: the very key, else the same GTIN.
    pub(super) fn find(&self, code: &str) -> Option<usize> {
        if let Some(&i) = self.by_key.get(code) {
            return Some(i);
        }
        let gtin = Gtin::from_digits(code.trim()).ok()?;
        self.by_gtin.get(&gtin).copied()
    }
}

/// What one page of a batch answer gave.
pub(crate) struct Page {
    /// Results for the keys this page answered (index into the asked keys).
    pub(crate) results: Vec<(usize, FetchResult)>,
    /// How many items the page held.
    pub(crate) items: usize,
    /// Items that could not be attributed to any key.
    pub(crate) broken: usize,
    /// The next page's URL, when the mapping reads one and the body gives it.
    pub(crate) next: Option<String>,
    /// The number of items of the whole result, when the mapping reads it.
    pub(crate) total: Option<u64>,
}

impl Page {
    /// A page of `items` items whose results are still to be read.
    pub(crate) fn new(items: usize, next: Option<String>, total: Option<u64>) -> Page {
        Page {
            results: Vec::new(),
            items,
            broken: 0,
            next,
            total,
        }
    }
}

/// What `upstream check` shows: each request sent and each raw item read.
#[derive(Debug, Default)]
pub struct Trace {
    lines: Mutex<Vec<TraceLine>>,
}

/// One line of a [`Trace`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceLine {
    /// A request went out: `GET url`, or `POST url body`.
    Request(String),
    /// The answer's status and size.
    Answer(String),
    /// The raw item (JSON) read for this key.
    Item {
        /// The key it answered.
        key: String,
        /// The item as the source sent it.
        raw: String,
    },
}

impl Trace {
    /// Adds a line.
    pub(crate) fn push(&self, line: TraceLine) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(line);
        }
    }

    /// The lines so far.
    pub fn lines(&self) -> Vec<TraceLine> {
        self.lines
            .lock()
            .map(|lines| lines.clone())
            .unwrap_or_default()
    }
}

impl Mapping {
    /// Reads one page of a batch answer for `asked`.
    ///
    /// # Errors
    /// `BadResponse` when the body is not JSON or `batch.items` gives no list.
    pub(crate) fn read_page(
        &self,
        asked: &Asked<'_>,
        body: &bytes::Bytes,
        vars: &[Val; 5],
        trace: Option<&Trace>,
    ) -> Result<Page, CatalogError> {
        if trace.is_none()
            && let Some(flat) = &self.flat
            && let Some(page) = flat.read_page(asked, body)
        {
            return Ok(page);
        }
        if trace.is_none()
            && self.lean
            && let Some(page) = self.read_page_lean(asked, body, vars)
        {
            return Ok(page);
        }
        match self.read_page_selecting(asked, body, vars, trace, true)? {
            Some(page) => Ok(page),
            None => self
                .read_page_selecting(asked, body, vars, trace, false)?
                .ok_or_else(|| CatalogError::BadResponse("the answer could not be read".into())),
        }
    }

    /// [`read_page`](Self::read_page) through lean values (`lean`); `None` when the
    /// page is to be read through jaq's values: it holds what a lean value cannot,
    /// or reading it raises an error (which the values path then gives).
    fn read_page_lean(&self, asked: &Asked<'_>, body: &[u8], vars: &[Val; 5]) -> Option<Page> {
        in_arena(|arena| self.read_page_lean_in(arena, asked, body, vars))
    }

    /// [`read_page_lean`](Self::read_page_lean) in `arena`, emptied first.
    fn read_page_lean_in(
        &self,
        arena: &mut Bump,
        asked: &Asked<'_>,
        body: &[u8],
        vars: &[Val; 5],
    ) -> Option<Page> {
        let batch = self.batch.as_ref()?;
        let whole = super::prune::Node::whole();
        let (tree, selects) = match &self.batch_reads {
            Some(reads) => (reads, reads.selects()),
            None => (&whole, false),
        };
        let is_asked = |key: &str| asked.by_key.contains_key(key);
        for selecting in [selects, false] {
            arena.reset();
            let bump: &Bump = arena;
            let build = Leans::new(bump, body);
            let asked_only: Option<&dyn Fn(&str) -> bool> = selecting.then_some(&is_asked);
            let root = super::prune::parse_with(body, tree, asked_only, &build).ok()?;
            let vars = vars.each_ref().map(|var| Lean::from_val(bump, var));
            let run = |filter: &super::jq::Filter| match Lean::run(filter, &root, &vars, bump) {
                Ok(value) => Some(value.map_or(Lean::Null, |value| *value)),
                Err(_) => None,
            };
            let items: &[Lean<'_>] = match run(&batch.items)? {
                Lean::List(items) => items,
                Lean::Null => &[],
                _ => return None,
            };
            let next = match &batch.next {
                Some(filter) => run(filter)?
                    .text()
                    .filter(|url| !url.is_empty())
                    .map(str::to_owned),
                None => None,
            };
            let total = match &batch.total {
                Some(filter) => run(filter)?
                    .scalar_text()
                    .and_then(|text| text.parse::<u64>().ok()),
                None => None,
            };
            let mut page = Page::new(items.len(), next, total);
            if self.read_items(asked, items, selecting, &mut page, None, bump) {
                return Some(page);
            }
        }
        None
    }

    /// [`read_page`](Self::read_page), the unasked elements of selections left
    /// unread when `select`; `None` when that was so and an item matched no key
    /// asked: judging such an item (`has_title`) may read what was left out, so
    /// the page is read again without leaving it out.
    fn read_page_selecting(
        &self,
        asked: &Asked<'_>,
        body: &bytes::Bytes,
        vars: &[Val; 5],
        trace: Option<&Trace>,
        select: bool,
    ) -> Result<Option<Page>, CatalogError> {
        let Some(batch) = &self.batch else {
            return Err(CatalogError::BadResponse(
                "the mapping has no batch call".into(),
            ));
        };
        // Pruned when the mapping's reads are known, but not for `upstream check`,
        // which shows each item whole; a body the pruned parse gives up on is
        // parsed whole, to read it or to say why it is not JSON.
        let is_asked = |key: &str| asked.by_key.contains_key(key);
        let selecting = match &self.batch_reads {
            Some(reads) if select && trace.is_none() => reads.selects(),
            _ => false,
        };
        let pruned = match &self.batch_reads {
            Some(reads) if trace.is_none() => {
                let asked: Option<&dyn Fn(&str) -> bool> = selecting.then_some(&is_asked);
                super::prune::parse(body, reads, asked).ok()
            }
            _ => None,
        };
        let body = match pruned {
            Some(body) => body,
            None => parse_json(body)
                .map_err(|error| CatalogError::BadResponse(format!("body is not JSON: {error}")))?,
        };
        let items = match batch.items.first(body.clone(), vars) {
            Ok(Some(Val::Arr(items))) => items,
            Ok(Some(Val::Null) | None) => Default::default(),
            Ok(Some(_)) => {
                return Err(CatalogError::BadResponse(
                    "`batch.items` did not give a list".into(),
                ));
            }
            Err(error) => {
                return Err(CatalogError::BadResponse(format!(
                    "`batch.items` failed: {error}"
                )));
            }
        };
        let read = |filter: &Option<super::jq::Filter>,
                    field: &str|
         -> Result<Option<Val>, CatalogError> {
            match filter {
                Some(filter) => filter.first(body.clone(), vars).map_err(|error| {
                    CatalogError::BadResponse(format!("`batch.{field}` failed: {error}"))
                }),
                None => Ok(None),
            }
        };
        let next = read(&batch.next, "next")?
            .as_ref()
            .and_then(as_text)
            .map(str::to_owned)
            .filter(|url| !url.is_empty());
        let total = match read(&batch.total, "total")? {
            Some(value) => scalar_text(&value).and_then(|text| text.parse::<u64>().ok()),
            None => None,
        };
        let mut page = Page::new(items.len(), next, total);
        Ok(self
            .read_items(asked, &items, selecting, &mut page, trace, ())
            .then_some(page))
    }

    /// Reads `items` of a page into `page`; `false` when `selecting` and an item
    /// matched no key asked (the page is then read again, nothing left out).
    pub(super) fn read_items<V: Value>(
        &self,
        asked: &Asked<'_>,
        items: &[V],
        selecting: bool,
        page: &mut Page,
        trace: Option<&Trace>,
        cx: V::Cx,
    ) -> bool {
        for item in items {
            let matched = self.match_item(asked, item, cx);
            if matched.is_empty() && selecting {
                return false;
            }
            if matched.is_empty() {
                // An item naming no GTIN at all cannot be attributed: it may have
                // been one of ours. One not asked for is someone else's, unless it
                // is unusable (no title): then the answer is broken, as the contract
                // reader judges it.
                let named = self.codes_of(item, cx).unwrap_or_default();
                let gtin = named
                    .iter()
                    .find_map(|code| Gtin::from_digits(code.trim()).ok());
                let usable = gtin.is_some_and(|gtin| self.has_title(item, &gtin, cx));
                if !usable {
                    tracing::debug!(codes = ?named, "upstream batch: an unusable item");
                    page.broken += 1;
                }
                continue;
            }
            for i in matched {
                let result = self.read_item(asked, i, item, trace, cx);
                if let Err(error) = &result {
                    tracing::debug!(%error, "upstream batch: unusable item");
                    page.broken += 1;
                }
                page.results.push((i, result));
            }
        }
        true
    }

    /// Reads one batch answer for `asked` as the client reads a page (keys in the
    /// source's form, items matched by code, products mapped, absent keys not
    /// found), without following pages: for tools and benchmarks.
    pub fn read_batch_answer(&self, asked: &[Gtin], body: &[u8]) -> Vec<FetchResult> {
        let keys: Vec<(Gtin, String)> = asked
            .iter()
            .filter_map(|gtin| Some((*gtin, self.key(gtin)?)))
            .collect();
        let texts: Vec<&str> = keys.iter().map(|(_, key)| key.as_str()).collect();
        let vars = self.batch_vars(&texts, 1, 0);
        let body = bytes::Bytes::copy_from_slice(body);
        let page = self.read_page(&Asked::new(&keys), &body, &vars, None);
        let mut found: crate::hashing::FastMap<Gtin, FetchResult> = Default::default();
        let broken = match page {
            Ok(page) => {
                for (i, result) in page.results {
                    let gtin = keys[i].0;
                    match found.get(&gtin) {
                        None => {
                            found.insert(gtin, result);
                        }
                        Some(Err(_)) if result.is_ok() => {
                            found.insert(gtin, result);
                        }
                        Some(_) => {}
                    }
                }
                (page.broken > 0)
                    .then(|| CatalogError::BadResponse("unusable items in the answer".into()))
            }
            Err(error) => Some(error),
        };
        asked
            .iter()
            .map(|gtin| {
                found.remove(gtin).unwrap_or_else(|| match &broken {
                    Some(error) => Err(error.clone()),
                    None => Ok(None),
                })
            })
            .collect()
    }

    /// Reads a single-item answer for `gtin`, asked as `key`.
    pub(crate) fn read_single(
        &self,
        gtin: &Gtin,
        key: &str,
        body: &[u8],
        trace: Option<&Trace>,
    ) -> FetchResult {
        let body = parse_json(body)
            .map_err(|error| CatalogError::BadResponse(format!("body is not JSON: {error}")))?;
        let vars = [string(key), string(gtin.gtin14()), self.locale.clone()];
        if let Some(not_found) = &self.single.not_found {
            match not_found.first(body.clone(), &vars) {
                Ok(Some(Val::Bool(true))) => return Ok(None),
                Ok(_) => {}
                Err(error) => {
                    return Err(CatalogError::BadResponse(format!(
                        "`single.not_found` failed: {error}"
                    )));
                }
            }
        }
        let item = match &self.single.item {
            Some(filter) => match filter.first(body, &vars) {
                Ok(Some(Val::Null) | None) => return Ok(None),
                Ok(Some(item)) => item,
                Err(error) => {
                    return Err(CatalogError::BadResponse(format!(
                        "`single.item` failed: {error}"
                    )));
                }
            },
            None => body,
        };
        let keys = [(*gtin, key.to_owned())];
        let asked = Asked::new(&keys);
        if self.match_item(&asked, &item, ()).is_empty() {
            let codes = self.codes_of(&item, ()).unwrap_or_default().join(", ");
            return Err(CatalogError::BadResponse(format!(
                "asked for {key}, the item names [{codes}]"
            )));
        }
        self.read_item(&asked, 0, &item, trace, ())
    }

    /// `$locale` as a value of `item`'s kind.
    fn locale<V: Value>(&self, cx: V::Cx) -> V {
        V::literal(cx, &self.locale).into_owned()
    }

    /// Whether `item`, read as `gtin`, has a title.
    fn has_title<V: Value>(&self, item: &V, gtin: &Gtin, cx: V::Cx) -> bool {
        let vars = [
            V::new_text(cx, gtin.as_own_format()),
            V::new_text(cx, gtin.gtin14()),
            self.locale(cx),
            item.clone(),
        ];
        self.product.product(item, gtin, &vars, cx).is_ok()
    }

    /// The asked keys `item` answers, each once.
    fn match_item<V: Value>(&self, asked: &Asked<'_>, item: &V, cx: V::Cx) -> Vec<usize> {
        let mut matched: Vec<usize> = Vec::new();
        let null = V::null_ref().clone();
        let vars = [null.clone(), null, self.locale(cx), item.clone()];
        let find = |value: &V| {
            if value.is_text() {
                value.text().and_then(|code| asked.find(code))
            } else {
                value.scalar_text().and_then(|code| asked.find(&code))
            }
        };
        for filter in &self.codes {
            if !filter.is_simple() {
                for code in codes_by(filter, item, &vars, cx) {
                    matched.extend(asked.find(&code));
                }
                continue;
            }
            // The codes as `codes_of` reads them, without copying each one out.
            match V::run(filter, item, &vars, cx) {
                Ok(Some(value)) => match value.list() {
                    Some(list) => matched.extend(list.iter().filter_map(find)),
                    None => matched.extend(find(&value)),
                },
                Ok(None) => {}
                Err(error) => {
                    tracing::debug!(%error, "upstream mapping: `keys.codes` failed on an item");
                }
            }
        }
        matched.sort_unstable();
        matched.dedup();
        matched
    }

    /// The codes `item` carries; `None` when `keys.codes` fails or gives none.
    fn codes_of<V: Value>(&self, item: &V, cx: V::Cx) -> Option<Vec<String>> {
        let null = V::null_ref().clone();
        let vars = [null.clone(), null, self.locale(cx), item.clone()];
        let codes: Vec<String> = self
            .codes
            .iter()
            .flat_map(|filter| codes_by(filter, item, &vars, cx))
            .collect();
        (!codes.is_empty()).then_some(codes)
    }

    /// The product for asked key `i` from `item`.
    fn read_item<V: Value>(
        &self,
        asked: &Asked<'_>,
        i: usize,
        item: &V,
        trace: Option<&Trace>,
        cx: V::Cx,
    ) -> FetchResult {
        let (gtin, key) = &asked.keys[i];
        if let Some(trace) = trace {
            trace.push(super::read::TraceLine::Item {
                key: key.clone(),
                raw: item.to_json(),
            });
        }
        let vars = [
            V::new_text(cx, key),
            V::new_text(cx, gtin.gtin14()),
            self.locale(cx),
            item.clone(),
        ];
        self.product
            .product(item, gtin, &vars, cx)
            .map(Some)
            .map_err(|error| CatalogError::BadResponse(error.to_string()))
    }
}

/// The codes one filter of `keys.codes` gives on `item`.
fn codes_by<V: Value>(
    filter: &super::jq::Filter,
    item: &V,
    vars: &[V; 4],
    cx: V::Cx,
) -> Vec<String> {
    match V::run_all(filter, item, vars, cx) {
        Ok(values) => values
            .iter()
            .flat_map(|value| match value.list() {
                Some(list) => list.iter().filter_map(V::scalar_text).collect::<Vec<_>>(),
                None => value.scalar_text().into_iter().collect(),
            })
            .collect(),
        Err(error) => {
            tracing::debug!(%error, "upstream mapping: `keys.codes` failed on an item");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod arena_tests {
    use super::{ARENA_KEPT, in_arena};

    #[test]
    fn a_threads_arena_is_kept_between_pages_unless_one_made_it_large() {
        std::thread::spawn(|| {
            in_arena(|arena| {
                arena.alloc_slice_fill_copy(4096, 0_u8);
            });
            let kept = in_arena(|arena| arena.allocated_bytes());
            assert!(kept >= 4096, "the arena was not kept: {kept} bytes");
            in_arena(|arena| {
                arena.alloc_slice_fill_copy(2 * ARENA_KEPT, 0_u8);
            });
            let kept = in_arena(|arena| arena.allocated_bytes());
            assert!(kept <= ARENA_KEPT, "a large arena was kept: {kept} bytes");
        })
        .join()
        .expect("the test thread");
    }
}

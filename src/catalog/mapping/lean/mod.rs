//! Lean values: a batch answer read into values borrowed from its body and kept in
//! one arena a page, for a mapping whose every filter on a batch answer is of the
//! no-jaq subset (`simple`) but whose items are not flat (`flat`): products with
//! variants, localized maps, price objects, lists of attributes.
//!
//! Why: jaq's values cost an allocation with a reference count per text, list and
//! object, and an index map with hashed keys per object, all built and then dropped
//! for each page: reading a commercetools page of 40 products took 8× what the
//! native contract's reader takes (benches/upstream_mapping.rs; bench/JOURNAL.md,
//! "Session 14"). A lean value is `Copy`: text a slice of the body (or of the arena
//! when it held an escape), a list or an object a slice of the arena, an object's
//! keys looked up in order (a pruned object holds the few keys a mapping reads).
//! The arena goes at once when the page is read.
//!
//! Exactness: jaq's values stay the reference (`value`). What a lean value cannot
//! hold as jaq holds it — text that is not UTF-8, jaq's byte strings, an integer
//! beyond 64 bits, an object key that is not text — makes the parse give up, and
//! the page is read through jaq's values as before; so does any error a page's
//! `items`, `next` or `total` raise, so the reason given is the values path's.
//! Comparisons and JSON text of anything but text and integers go through jaq's
//! values. Property tests check both paths read every page alike.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use hifijson::token::Expect;
use jaq_json::{Num, Val};

use super::jq::{Filter, RunError, as_text, string};
use super::load::{Batch, ProductFilters};
use super::prune::Build;
use super::value::{Either, Value};

/// A JSON value borrowed from a body, its lists and objects in an arena.
///
/// Its tag a whole word: moved as words, a value does not stall the processor on
/// the byte-wise copies a packed tag and `bool` made (perf: a third of the
/// evaluation's time, in a stage's result moved from one stage to the next).
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub(crate) enum Lean<'b> {
    Null,
    Bool(bool),
    /// An integer as jaq reads one (`Num::Int`).
    Int(isize),
    /// A number with a fraction or an exponent, as written (`Num::Dec`).
    Dec(&'b str),
    /// `NaN` and the infinities jaq reads (`Num::Float`), and floats of literals.
    Float(f64),
    Text(&'b str),
    List(&'b [Lean<'b>]),
    /// Entries in the order read, each name once.
    Object(&'b [(&'b str, Lean<'b>)]),
}

const NULL: Lean<'static> = Lean::Null;

/// Whether every filter a mapping runs on a batch answer is of the subset: then
/// its pages can be read into lean values.
pub(crate) fn reads_lean(batch: &Batch, codes: &[Filter], product: &ProductFilters) -> bool {
    [&batch.items]
        .into_iter()
        .chain(&batch.next)
        .chain(&batch.total)
        .chain(codes)
        .chain(&product.variant)
        .chain(product.fields())
        .all(Filter::is_simple)
}

impl<'b> Lean<'b> {
    /// jaq's value of the same JSON.
    pub(crate) fn to_val(self) -> Val {
        match self {
            Lean::Null => Val::Null,
            Lean::Bool(b) => Val::Bool(b),
            Lean::Int(i) => Val::Num(Num::Int(i)),
            Lean::Dec(text) => Val::Num(Num::Dec(text.to_owned().into())),
            Lean::Float(f) => Val::Num(Num::Float(f)),
            Lean::Text(text) => string(text),
            Lean::List(items) => items.iter().map(|item| item.to_val()).collect(),
            Lean::Object(entries) => {
                let mut map = jaq_json::Map::default();
                for (name, value) in entries {
                    map.insert(string(name), value.to_val());
                }
                Val::obj(map)
            }
        }
    }

    /// `value` (a filter's literal, or a variable from outside the answer) as a
    /// lean value in `bump`.
    pub(crate) fn from_val(bump: &'b Bump, value: &Val) -> Lean<'b> {
        match value {
            Val::Null => Lean::Null,
            Val::Bool(b) => Lean::Bool(*b),
            Val::Num(Num::Int(i)) => Lean::Int(*i),
            Val::Num(Num::Float(f)) => Lean::Float(*f),
            // A literal beyond 64 bits is written as the decimal it is.
            Val::Num(number) => Lean::Dec(bump.alloc_str(&number.to_string())),
            Val::TStr(bytes) | Val::BStr(bytes) => {
                Lean::Text(bump.alloc_str(&String::from_utf8_lossy(bytes)))
            }
            Val::Arr(items) => Lean::List(
                bump.alloc_slice_fill_iter(items.iter().map(|item| Lean::from_val(bump, item))),
            ),
            Val::Obj(fields) => Lean::Object(bump.alloc_slice_fill_iter(fields.iter().map(
                |(name, value)| {
                    (
                        &*bump.alloc_str(&String::from_utf8_lossy(match name {
                            Val::TStr(bytes) | Val::BStr(bytes) => bytes,
                            _ => &[],
                        })),
                        Lean::from_val(bump, value),
                    )
                },
            ))),
        }
    }

    fn entry(&self, name: &str) -> Option<&Lean<'b>> {
        match self {
            Lean::Object(entries) => entries
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// Where jaq orders a value among kinds: null < false < true < numbers < text
    /// < lists < objects.
    fn rank(&self) -> u8 {
        match self {
            Lean::Null => 0,
            Lean::Bool(false) => 1,
            Lean::Bool(true) => 2,
            Lean::Int(_) | Lean::Dec(_) | Lean::Float(_) => 3,
            Lean::Text(_) => 4,
            Lean::List(_) => 5,
            Lean::Object(_) => 6,
        }
    }

    /// Whether a value says nothing, as the `compact` helper judges it.
    fn is_empty(&self) -> bool {
        match self {
            Lean::Null => true,
            Lean::Text(text) => text.is_empty(),
            Lean::List(items) => items.is_empty(),
            Lean::Object(entries) => entries.is_empty(),
            _ => false,
        }
    }
}

/// An object's entries with `name` set to `value`: a name given twice keeps its
/// first place and its last value.
fn set<'b>(entries: &mut BumpVec<'b, (&'b str, Lean<'b>)>, name: &'b str, value: Lean<'b>) {
    match entries.iter_mut().find(|(key, _)| *key == name) {
        Some(entry) => entry.1 = value,
        None => entries.push((name, value)),
    }
}

/// Entries past which an object being read finds a name given twice through a
/// hash index rather than by looking at every entry before it.
const INDEXED_FROM: usize = 24;

/// An object as it is read: its entries in order, and, once it has more than
/// [`INDEXED_FROM`], an index of their names.
///
/// Why: looking a name up among the entries before it is the fastest way for the
/// few keys a pruned object holds, but an object read whole may hold as many as
/// the body (16 MB) has room for, and that look-up over every entry of such an
/// object is quadratic: an upstream answer could then hold a worker for minutes.
pub(crate) struct LeanObject<'b> {
    entries: BumpVec<'b, (&'b str, Lean<'b>)>,
    index: Option<HashMap<&'b str, usize>>,
}

impl<'b> LeanObject<'b> {
    fn set(&mut self, name: &'b str, value: Lean<'b>) {
        if let Some(index) = &mut self.index {
            match index.entry(name) {
                Entry::Occupied(at) => {
                    self.entries[*at.get()].1 = value;
                }
                Entry::Vacant(slot) => {
                    slot.insert(self.entries.len());
                    self.entries.push((name, value));
                }
            }
            return;
        }
        set(&mut self.entries, name, value);
        if self.entries.len() > INDEXED_FROM {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(at, (name, _))| (*name, at))
                    .collect(),
            );
        }
    }
}

impl<'b> Value for Lean<'b> {
    type Cx = &'b Bump;

    fn null_ref<'s>() -> &'s Lean<'b>
    where
        Lean<'b>: 's,
    {
        &NULL
    }

    fn is_null(&self) -> bool {
        matches!(self, Lean::Null)
    }

    fn truthy(&self) -> bool {
        !matches!(self, Lean::Null | Lean::Bool(false))
    }

    fn text(&self) -> Option<&str> {
        match self {
            Lean::Text(text) => Some(text),
            _ => None,
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, Lean::Text(_))
    }

    fn int(&self) -> Option<isize> {
        match self {
            Lean::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn exact_number(&self) -> Option<String> {
        match self {
            Lean::Int(i) => Some(i.to_string()),
            Lean::Dec(text) => Some((*text).to_owned()),
            _ => None,
        }
    }

    fn list(&self) -> Option<&[Lean<'b>]> {
        match self {
            Lean::List(items) => Some(items),
            _ => None,
        }
    }

    fn is_object(&self) -> bool {
        matches!(self, Lean::Object(_))
    }

    fn get(&self, name: &Val) -> Option<&Lean<'b>> {
        // Bytes against bytes: a key that is not UTF-8 names no entry.
        let (Val::TStr(name), Lean::Object(entries)) = (name, self) else {
            return None;
        };
        entries
            .iter()
            .find(|(key, _)| key.as_bytes() == &name[..])
            .map(|(_, value)| value)
    }

    fn get_by(&self, name: &Lean<'b>) -> Option<&Lean<'b>> {
        self.entry(name.text()?)
    }

    fn get_str(&self, name: &'static str) -> Option<&Lean<'b>> {
        self.entry(name)
    }

    fn entries(&self) -> Option<Vec<(Option<&str>, &Lean<'b>)>> {
        match self {
            Lean::Object(entries) => Some(
                entries
                    .iter()
                    .map(|(name, value)| (Some(*name), value))
                    .collect(),
            ),
            _ => None,
        }
    }

    fn values(&self) -> Option<impl Iterator<Item = &Lean<'b>>> {
        match self {
            Lean::List(items) => Some(Either::Left(items.iter())),
            Lean::Object(entries) => Some(Either::Right(entries.iter().map(|(_, value)| value))),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Lean::Null => "null",
            Lean::Bool(_) => "a boolean",
            Lean::Int(_) | Lean::Dec(_) | Lean::Float(_) => "a number",
            Lean::Text(_) => "text",
            Lean::List(_) => "a list",
            Lean::Object(_) => "an object",
        }
    }

    fn to_json(&self) -> String {
        self.to_val().to_string()
    }

    fn equals(&self, other: &Lean<'b>) -> bool {
        match (self, other) {
            (Lean::Text(a), Lean::Text(b)) => a == b,
            (Lean::Int(a), Lean::Int(b)) => a == b,
            (Lean::Null, Lean::Null) => true,
            (Lean::Bool(a), Lean::Bool(b)) => a == b,
            (a, b) if a.rank() != b.rank() => false,
            (a, b) => a.to_val() == b.to_val(),
        }
    }

    fn order(&self, other: &Lean<'b>) -> Option<Ordering> {
        match (self, other) {
            (Lean::Text(a), Lean::Text(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Lean::Int(a), Lean::Int(b)) => Some(a.cmp(b)),
            (a, b) if a.rank() != b.rank() => Some(a.rank().cmp(&b.rank())),
            (a, b) => a.to_val().partial_cmp(&b.to_val()),
        }
    }

    fn as_index(&self) -> Option<isize> {
        match self {
            Lean::Int(i) => Some(*i),
            other => other.to_val().as_index(),
        }
    }

    fn literal<'v>(bump: &'b Bump, value: &'v Val) -> Cow<'v, Lean<'b>>
    where
        Lean<'b>: 'v,
    {
        Cow::Owned(Lean::from_val(bump, value))
    }

    fn new_text(bump: &'b Bump, text: &str) -> Lean<'b> {
        Lean::Text(bump.alloc_str(text))
    }

    fn text_part(&self, bump: &'b Bump, part: &str) -> Lean<'b> {
        if let Lean::Text(whole) = *self {
            let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
            if let Some(within) = start
                .checked_add(part.len())
                .and_then(|end| whole.get(start..end))
                && within.as_ptr() == part.as_ptr()
            {
                return Lean::Text(within);
            }
        }
        Lean::new_text(bump, part)
    }

    fn new_list(bump: &'b Bump, items: Vec<Lean<'b>>) -> Lean<'b> {
        Lean::List(bump.alloc_slice_copy(&items))
    }

    fn new_object(bump: &'b Bump, entries: Vec<(&Val, Lean<'b>)>) -> Lean<'b> {
        let mut object = BumpVec::with_capacity_in(entries.len(), bump);
        for (name, value) in entries {
            let name = as_text(name).unwrap_or_default();
            set(&mut object, bump.alloc_str(name), value);
        }
        Lean::Object(object.into_bump_slice())
    }

    fn compact(&self, bump: &'b Bump) -> Lean<'b> {
        match self {
            Lean::Object(entries) => Lean::Object(
                BumpVec::from_iter_in(
                    entries
                        .iter()
                        .filter(|(_, value)| !value.is_empty())
                        .copied(),
                    bump,
                )
                .into_bump_slice(),
            ),
            Lean::List(items) => Lean::List(
                BumpVec::from_iter_in(items.iter().filter(|item| !item.is_empty()).copied(), bump)
                    .into_bump_slice(),
            ),
            other => *other,
        }
    }

    fn omit(&self, bump: &'b Bump, keys: &Val) -> Lean<'b> {
        let Lean::Object(entries) = self else {
            return *self;
        };
        let dropped = |name: &str| match keys {
            Val::Arr(keys) => keys.iter().any(|key| as_text(key) == Some(name)),
            key => as_text(key) == Some(name),
        };
        Lean::Object(
            BumpVec::from_iter_in(
                entries.iter().filter(|(name, _)| !dropped(name)).copied(),
                bump,
            )
            .into_bump_slice(),
        )
    }

    fn each_value(
        &self,
        bump: &'b Bump,
        f: &mut dyn FnMut(&Lean<'b>) -> Option<Lean<'b>>,
    ) -> Lean<'b> {
        let Lean::Object(entries) = self else {
            return *self;
        };
        let mut out = BumpVec::with_capacity_in(entries.len(), bump);
        for (name, value) in entries.iter() {
            if let Some(value) = f(value) {
                out.push((*name, value));
            }
        }
        Lean::Object(out.into_bump_slice())
    }

    fn run<'a>(
        filter: &'a Filter,
        input: &'a Lean<'b>,
        vars: &'a [Lean<'b>],
        bump: &'b Bump,
    ) -> Result<Option<Cow<'a, Lean<'b>>>, RunError> {
        match filter.simple() {
            Some(simple) => simple
                .eval(input, vars, bump)
                .map(Some)
                .map_err(|_| filter.step_error()),
            // Never so: a mapping with such a filter reads no page into lean values.
            None => Err(filter.step_error()),
        }
    }

    fn run_all(
        filter: &Filter,
        input: &Lean<'b>,
        vars: &[Lean<'b>],
        bump: &'b Bump,
    ) -> Result<Vec<Lean<'b>>, RunError> {
        Lean::run(filter, input, vars, bump)
            .map(|first| first.map(Cow::into_owned).into_iter().collect())
    }

    fn scalar_text(&self) -> Option<String> {
        match self {
            Lean::Text(text) => Some((*text).to_owned()),
            Lean::Int(i) => Some(i.to_string()),
            Lean::Bool(b) => Some(b.to_string()),
            Lean::Dec(_) | Lean::Float(_) => Some(self.to_val().to_string()),
            _ => None,
        }
    }
}

/// Builds lean values in an arena, text borrowed from the body.
pub(crate) struct Leans<'b> {
    bump: &'b Bump,
    /// The body, when it is UTF-8 throughout: its text is then sliced from it
    /// without checking each string again.
    body: Option<&'b str>,
}

impl<'b> Leans<'b> {
    pub(crate) fn new(bump: &'b Bump, body: &'b [u8]) -> Leans<'b> {
        Leans {
            bump,
            body: std::str::from_utf8(body).ok(),
        }
    }

    /// `bytes`, a part of the body, as text.
    fn text_at(&self, bytes: &'b [u8]) -> Option<&'b str> {
        if let Some(body) = self.body {
            let start = (bytes.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
            // `get` checks the part starts and ends on characters' boundaries.
            if let Some(text) = start
                .checked_add(bytes.len())
                .and_then(|end| body.get(start..end))
                && text.as_ptr() == bytes.as_ptr()
            {
                return Some(text);
            }
        }
        std::str::from_utf8(bytes).ok()
    }
}

/// A value a lean one cannot hold as jaq does: the parse gives up.
fn give_up() -> hifijson::Error {
    Expect::Value.into()
}

impl<'b> Build<'b> for Leans<'b> {
    type Out = Lean<'b>;
    type List = BumpVec<'b, Lean<'b>>;
    type Obj = LeanObject<'b>;

    fn null(&self) -> Lean<'b> {
        Lean::Null
    }

    fn boolean(&self, value: bool) -> Lean<'b> {
        Lean::Bool(value)
    }

    fn number(&self, num: Num) -> Result<Lean<'b>, hifijson::Error> {
        Ok(match num {
            Num::Int(i) => Lean::Int(i),
            Num::Float(f) => Lean::Float(f),
            Num::Dec(text) => Lean::Dec(self.bump.alloc_str(&text)),
            Num::BigInt(_) => return Err(give_up()),
        })
    }

    fn text(&self, part: Cow<'b, [u8]>) -> Result<Lean<'b>, hifijson::Error> {
        Ok(Lean::Text(match part {
            Cow::Borrowed(bytes) => self.text_at(bytes).ok_or_else(give_up)?,
            Cow::Owned(bytes) => self
                .bump
                .alloc_str(std::str::from_utf8(&bytes).map_err(|_| give_up())?),
        }))
    }

    fn byte_text(&self, _: Vec<u8>) -> Result<Lean<'b>, hifijson::Error> {
        Err(give_up())
    }

    fn list(&self) -> BumpVec<'b, Lean<'b>> {
        BumpVec::new_in(self.bump)
    }

    fn push(&self, list: &mut BumpVec<'b, Lean<'b>>, value: Lean<'b>) {
        list.push(value);
    }

    fn end_list(&self, list: BumpVec<'b, Lean<'b>>) -> Lean<'b> {
        Lean::List(list.into_bump_slice())
    }

    fn object(&self, capacity: usize) -> LeanObject<'b> {
        LeanObject {
            entries: BumpVec::with_capacity_in(capacity, self.bump),
            index: None,
        }
    }

    fn insert(
        &self,
        obj: &mut LeanObject<'b>,
        key: Lean<'b>,
        value: Lean<'b>,
    ) -> Result<(), hifijson::Error> {
        let Lean::Text(name) = key else {
            return Err(give_up());
        };
        obj.set(name, value);
        Ok(())
    }

    fn end_object(&self, obj: LeanObject<'b>) -> Lean<'b> {
        Lean::Object(obj.entries.into_bump_slice())
    }

    fn text_of<'v>(&self, value: &'v Lean<'b>) -> (bool, Option<&'v str>) {
        match value {
            Lean::Text(text) => (true, Some(text)),
            _ => (false, None),
        }
    }
}

#[cfg(test)]
mod tests;

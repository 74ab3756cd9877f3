//! A filter of the subset seen as one of the few shapes the flat reader (`flat`)
//! runs ([`Simple::flat_form`]): what a field of a flat item is mostly made of.

use super::super::jq::{Val, as_text};
use super::{Path, Simple, Stage, Step};
use crate::hashing::FastMap;

/// The item keys the forms read, each given a slot.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    by_name: FastMap<Box<[u8]>, usize>,
}

impl Slots {
    /// The slot of key `name`, given one when it has none yet.
    pub(crate) fn of(&mut self, name: &str) -> usize {
        let next = self.by_name.len();
        *self
            .by_name
            .entry(name.as_bytes().to_vec().into_boxed_slice())
            .or_insert(next)
    }

    /// The slot of key `name`, if a form reads it.
    pub(crate) fn find(&self, name: &[u8]) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// How many keys the forms read.
    pub(crate) fn len(&self) -> usize {
        self.by_name.len()
    }
}

/// Where a form takes a value from.
#[derive(Clone, Debug)]
pub(crate) enum Src {
    /// The item's key in this slot (`null` when the item lacks it).
    Slot(usize),
    /// A scalar written in the filter.
    Literal(Val),
}

/// What follows `path / "sep"`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AfterSplit {
    /// Nothing: the parts.
    List,
    /// `map(trim)`.
    ListTrimmed,
    /// `.[n]`, then `trim` when set.
    Nth(isize, bool),
}

/// The shapes of filter this reader runs, in jq's meaning.
#[derive(Clone, Debug)]
pub(crate) enum Form {
    /// `a // b // …`, then `trim` when set.
    Alt(Vec<Src>, bool),
    /// `a / "sep"` and what follows.
    Split(Src, String, AfterSplit),
    /// `{name: a // b, …}`, then `compact` when set.
    Object(Vec<(String, Vec<Src>)>, bool),
}

impl Simple {
    /// The filter as a [`Form`] on an item's own keys, each key given a slot in
    /// `slots`; `None` when it reads anything else (a nested path, a variable) or
    /// has another shape.
    pub(crate) fn flat_form(&self, slots: &mut Slots) -> Option<Form> {
        match self.stages.as_slice() {
            [Stage::Alt(paths)] => Some(Form::Alt(sources(paths, slots)?, false)),
            [Stage::Alt(paths), Stage::Trim] => Some(Form::Alt(sources(paths, slots)?, true)),
            [Stage::Split(path, separator), after @ ..] => {
                let after = match after {
                    [] => AfterSplit::List,
                    [Stage::Map(inner)] if matches!(inner.stages.as_slice(), [Stage::Trim]) => {
                        AfterSplit::ListTrimmed
                    }
                    [Stage::Alt(pick)] => AfterSplit::Nth(nth(pick)?, false),
                    [Stage::Alt(pick), Stage::Trim] => AfterSplit::Nth(nth(pick)?, true),
                    _ => return None,
                };
                Some(Form::Split(source(path, slots)?, separator.clone(), after))
            }
            [Stage::Object(fields)] => Some(Form::Object(object(fields, slots)?, false)),
            [Stage::Object(fields), Stage::Compact] => {
                Some(Form::Object(object(fields, slots)?, true))
            }
            _ => None,
        }
    }
}

/// `.[n]` on the input, alone.
fn nth(paths: &[Path]) -> Option<isize> {
    match paths {
        [Path::Steps(None, steps)] => match steps.as_slice() {
            [Step::Index(n)] => Some(*n),
            _ => None,
        },
        _ => None,
    }
}

fn sources(paths: &[Path], slots: &mut Slots) -> Option<Vec<Src>> {
    paths.iter().map(|path| source(path, slots)).collect()
}

/// `.name` or a scalar literal.
fn source(path: &Path, slots: &mut Slots) -> Option<Src> {
    match path {
        Path::Literal(value @ (Val::Null | Val::Bool(_) | Val::Num(_))) => {
            Some(Src::Literal(value.clone()))
        }
        Path::Literal(value @ Val::TStr(_)) => {
            as_text(value)?;
            Some(Src::Literal(value.clone()))
        }
        Path::Steps(None, steps) => match steps.as_slice() {
            [Step::Field(name)] => Some(Src::Slot(slots.of(as_text(name)?))),
            _ => None,
        },
        _ => None,
    }
}

/// `{name: alt, …}` with each name once (a name given twice keeps one value in
/// jq's object, which `compact` would judge on that value alone).
fn object(fields: &[(Val, Vec<Path>)], slots: &mut Slots) -> Option<Vec<(String, Vec<Src>)>> {
    let mut out: Vec<(String, Vec<Src>)> = Vec::with_capacity(fields.len());
    for (name, paths) in fields {
        let name = as_text(name)?;
        if out.iter().any(|(seen, _)| seen == name) {
            return None;
        }
        out.push((name.to_owned(), sources(paths, slots)?));
    }
    Some(out)
}

//! A pruned parse of an upstream answer: only the parts of the body a mapping's
//! filters can read become values; everything else is lexed, checked and dropped
//! without an allocation.
//!
//! Why: a commercetools answer for 40 products is about 100 KB of projections, of
//! which the preset reads a tenth, and building then dropping jaq values for the rest
//! was 40 % of what reading it cost (bench/JOURNAL.md, "Where a mapped source's time
//! goes"). The parts a mapping reads are known at start when every filter it runs
//! on an answer is of the no-jaq subset (`simple`): `Simple::reads` walks them into a
//! [`Builder`], whose [`Node`] tree drives the parse here. A mapping with any other
//! filter keeps the full parse.
//!
//! Exactness: what is kept is parsed by the same rules as jaq's own reader (the code
//! below follows `jaq_json::read`), and what is skipped is checked by those rules too,
//! so a body one accepts the other accepts. Anything this reader does not handle the
//! same way (a key that is not a string) makes it give up, and the caller parses the
//! whole body as before. Tests check pruned and full parses give the same products.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use hifijson::Read as _;
use hifijson::escape::Lex as _;
use hifijson::str::LexWrite;
use hifijson::token::{Expect, Lex};
use hifijson::{LexAlloc, SliceLexer};
use jaq_json::{Map, Num, Val};

use super::jq::Filter;
use super::load::{Batch, ProductFilters};
use super::simple::Bound;

/// The parts of a value the filters can read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Node {
    /// The whole value is read (a field's output, a value compared or split).
    whole: bool,
    /// An object's values read by key (each with what `any` reads merged in).
    keys: Vec<(Box<[u8]>, Node)>,
    /// What is read in every element of a list and every value of an object.
    any: Option<Box<Node>>,
    /// What is read in a list's elements whose text under the key equals a key asked
    /// in the call (`find(.sku; $key)`), `any`'s reads merged in. Other elements are
    /// read as `any` says once that text shows they are not asked for.
    selected: Option<(Box<[u8]>, Box<Node>)>,
    /// Whether `selected` is set here or below: known when the tree is built, so
    /// reading a page does not walk the tree to learn it.
    selects: bool,
}

impl Node {
    fn child(&self, key: &[u8]) -> Option<&Node> {
        // Within what is read whole, all is read whole.
        if self.whole {
            return Some(self);
        }
        self.keys
            .iter()
            .find(|(name, _)| name.as_ref() == key)
            .map(|(_, node)| node)
            .or(self.any.as_deref())
    }

    /// A tree reading all of a value.
    pub(crate) fn whole() -> Node {
        Node {
            whole: true,
            ..Node::default()
        }
    }

    /// Whether some list here reads only the elements asked for.
    pub(crate) fn selects(&self) -> bool {
        self.selects
    }

    /// Whether the whole body is read: then pruning saves nothing.
    pub(crate) fn is_whole(&self) -> bool {
        self.whole
    }
}

/// A place in the body a filter's input or output can be at (a node being built).
pub(crate) type Loc = usize;

/// The tree of read parts, built by walking a mapping's filters from the body.
#[derive(Debug)]
pub(crate) struct Builder {
    nodes: Vec<Building>,
}

#[derive(Clone, Debug, Default)]
struct Building {
    whole: bool,
    keys: BTreeMap<String, Loc>,
    any: Option<Loc>,
    selected: Option<(String, Loc)>,
}

impl Builder {
    /// The body itself.
    pub(crate) const ROOT: Loc = 0;

    pub(crate) fn new() -> Builder {
        Builder {
            nodes: vec![Building::default()],
        }
    }

    /// The value under `name` of the object at `at`.
    pub(crate) fn key(&mut self, at: Loc, name: &str) -> Loc {
        if let Some(&child) = self.nodes[at].keys.get(name) {
            return child;
        }
        let child = self.push();
        self.nodes[at].keys.insert(name.to_owned(), child);
        child
    }

    /// Any element of the list, or any value of the object, at `at`.
    pub(crate) fn any(&mut self, at: Loc) -> Loc {
        if let Some(child) = self.nodes[at].any {
            return child;
        }
        let child = self.push();
        self.nodes[at].any = Some(child);
        child
    }

    /// The elements of the list at `at` whose text under `key` is a key asked in
    /// the call. One key per list is told apart; the elements a second key would
    /// select are read as any element.
    pub(crate) fn selected(&mut self, at: Loc, key: &str) -> Loc {
        match &self.nodes[at].selected {
            Some((name, child)) if name == key => *child,
            Some(_) => self.any(at),
            None => {
                let child = self.push();
                self.nodes[at].selected = Some((key.to_owned(), child));
                child
            }
        }
    }

    /// The value at `at` is read as a whole.
    pub(crate) fn whole(&mut self, at: Loc) {
        self.nodes[at].whole = true;
    }

    fn push(&mut self) -> Loc {
        self.nodes.push(Building::default());
        self.nodes.len() - 1
    }

    /// The tree, with what is read in any value merged into each named one.
    pub(crate) fn finish(&self) -> Node {
        self.merge(&[Self::ROOT])
    }

    fn merge(&self, at: &[Loc]) -> Node {
        let nodes: Vec<&Building> = at.iter().map(|&i| &self.nodes[i]).collect();
        if nodes.iter().any(|node| node.whole) {
            return Node {
                whole: true,
                ..Node::default()
            };
        }
        let mut anys: Vec<Loc> = nodes.iter().filter_map(|node| node.any).collect();
        // Selections under one key stay one; under several, each is read as `any`.
        let selections: Vec<&(String, Loc)> = nodes
            .iter()
            .filter_map(|node| node.selected.as_ref())
            .collect();
        let one_key = selections
            .first()
            .filter(|(first, _)| selections.iter().all(|(name, _)| name == first))
            .map(|(name, _)| name.clone());
        if one_key.is_none() {
            anys.extend(selections.iter().map(|(_, loc)| *loc));
        }
        let names: BTreeSet<&String> = nodes.iter().flat_map(|node| node.keys.keys()).collect();
        let keys: Vec<(Box<[u8]>, Node)> = names
            .into_iter()
            .map(|name| {
                let mut under: Vec<Loc> = nodes
                    .iter()
                    .filter_map(|node| node.keys.get(name).copied())
                    .collect();
                under.extend(&anys);
                (name.as_bytes().into(), self.merge(&under))
            })
            .collect();
        let any = (!anys.is_empty()).then(|| Box::new(self.merge(&anys)));
        let selected = one_key.map(|name| {
            let mut under: Vec<Loc> = selections.iter().map(|(_, loc)| *loc).collect();
            under.extend(&anys);
            (
                name.into_bytes().into_boxed_slice(),
                Box::new(self.merge(&under)),
            )
        });
        let selects = selected.is_some()
            || keys.iter().any(|(_, node)| node.selects)
            || any.as_ref().is_some_and(|any| any.selects);
        Node {
            whole: false,
            keys,
            any,
            selected,
            selects,
        }
    }
}

/// Why the pruned parse gave up: the body is not JSON, or not JSON this reader
/// reads as jaq does; the caller parses it whole.
#[derive(Debug)]
pub(crate) struct GaveUp;

/// What a parse builds its values with: jaq's values ([`Vals`]), or lean ones
/// (`lean`). A builder may refuse a value it cannot hold as jaq would (an error):
/// the caller then reads the body another way.
pub(crate) trait Build<'a> {
    type Out;
    type List;
    type Obj;
    fn null(&self) -> Self::Out;
    fn boolean(&self, value: bool) -> Self::Out;
    fn number(&self, num: Num) -> Result<Self::Out, hifijson::Error>;
    /// Text read from the body (borrowed where it held no escape).
    fn text(&self, part: Cow<'a, [u8]>) -> Result<Self::Out, hifijson::Error>;
    /// A byte string (`b"…"`, jaq's own).
    fn byte_text(&self, bytes: Vec<u8>) -> Result<Self::Out, hifijson::Error>;
    fn list(&self) -> Self::List;
    fn push(&self, list: &mut Self::List, value: Self::Out);
    fn end_list(&self, list: Self::List) -> Self::Out;
    fn object(&self, capacity: usize) -> Self::Obj;
    /// Sets `key` (a value built by this builder) to `value`: a key given twice
    /// keeps its first place and its last value, as jaq's reader does.
    fn insert(
        &self,
        obj: &mut Self::Obj,
        key: Self::Out,
        value: Self::Out,
    ) -> Result<(), hifijson::Error>;
    fn end_object(&self, obj: Self::Obj) -> Self::Out;
    /// Whether `value` is text; its text when that is UTF-8.
    fn text_of<'v>(&self, value: &'v Self::Out) -> (bool, Option<&'v str>);
}

/// jaq's values, text sliced from the body it is read from.
pub(crate) struct Vals<'r> {
    body: &'r Bytes,
}

impl<'a> Build<'a> for Vals<'_> {
    type Out = Val;
    type List = Vec<Val>;
    type Obj = Map;

    fn null(&self) -> Val {
        Val::Null
    }

    fn boolean(&self, value: bool) -> Val {
        Val::Bool(value)
    }

    fn number(&self, num: Num) -> Result<Val, hifijson::Error> {
        Ok(Val::Num(num))
    }

    fn text(&self, part: Cow<'a, [u8]>) -> Result<Val, hifijson::Error> {
        Ok(text_of(self.body, part))
    }

    fn byte_text(&self, bytes: Vec<u8>) -> Result<Val, hifijson::Error> {
        Ok(Val::byte_str(bytes))
    }

    fn list(&self) -> Vec<Val> {
        Vec::new()
    }

    fn push(&self, list: &mut Vec<Val>, value: Val) {
        list.push(value);
    }

    fn end_list(&self, list: Vec<Val>) -> Val {
        Val::Arr(list.into())
    }

    fn object(&self, capacity: usize) -> Map {
        Map::with_capacity_and_hasher(capacity, Default::default())
    }

    fn insert(&self, obj: &mut Map, key: Val, value: Val) -> Result<(), hifijson::Error> {
        obj.insert(key, value);
        Ok(())
    }

    fn end_object(&self, obj: Map) -> Val {
        Val::obj(obj)
    }

    fn text_of<'v>(&self, value: &'v Val) -> (bool, Option<&'v str>) {
        (matches!(value, Val::TStr(_)), super::jq::as_text(value))
    }
}

/// `body` parsed keeping only what `tree` says is read.
///
/// Text without escapes is a slice of `body`, not a copy: most of what is kept is
/// text, and this saves an allocation and a copy for each.
///
/// `asked` tells the keys asked in the call: elements a selection reads only when
/// asked for ([`Builder::selected`]) are then read in full only when they are; with
/// `None`, every such element is.
pub(crate) fn parse(
    body: &Bytes,
    tree: &Node,
    asked: Option<&dyn Fn(&str) -> bool>,
) -> Result<Val, GaveUp> {
    parse_with(body, tree, asked, &Vals { body })
}

/// [`parse`] with values built by `build`.
pub(crate) fn parse_with<'a, B: Build<'a>>(
    body: &'a [u8],
    tree: &Node,
    asked: Option<&dyn Fn(&str) -> bool>,
    build: &B,
) -> Result<B::Out, GaveUp> {
    let mut lexer = SliceLexer::new(body);
    let read = Reading { build, asked };
    lexer
        .exactly_one(ws_tk, |next, lexer| pruned(next, lexer, tree, &read))
        .map_err(|_: hifijson::Error| GaveUp)
}

/// What a pruned parse reads against: the builder of its values, and the keys
/// asked.
struct Reading<'r, B> {
    build: &'r B,
    asked: Option<&'r dyn Fn(&str) -> bool>,
}

/// `part` of `body` as text: a slice of `body` when it lies within it (a part the
/// lexer borrowed), else a copy.
fn text_of(body: &Bytes, part: Cow<'_, [u8]>) -> Val {
    match part {
        Cow::Owned(owned) => Val::utf8_str(owned),
        Cow::Borrowed(part) => {
            let start = (part.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
            match start.checked_add(part.len()) {
                Some(end) if start <= body.len() && end <= body.len() => {
                    Val::utf8_str(body.slice(start..end))
                }
                _ => Val::utf8_str(Bytes::copy_from_slice(part)),
            }
        }
    }
}

fn pruned<'a, B: Build<'a>>(
    next: u8,
    lexer: &mut SliceLexer<'a>,
    node: &Node,
    read: &Reading<'_, B>,
) -> Result<B::Out, hifijson::Error> {
    let build = read.build;
    if node.whole {
        return full(next, lexer, build);
    }
    Ok(match next {
        b'[' => {
            // Every element keeps its place, so indexes from either end hold; one
            // nothing reads into is a `null`.
            let mut arr = build.list();
            lexer.discarded().seq(b']', ws_tk, |next, lexer| {
                let value = match (&node.selected, read.asked) {
                    (Some((key, selected)), Some(asked)) if next == b'{' => {
                        selectable(lexer, key, selected, node.any.as_deref(), read, asked)?
                    }
                    (Some((_, selected)), None) => pruned(next, lexer, selected, read)?,
                    // What is not an object is no element `find(.key; $key)` finds.
                    (_, _) => match &node.any {
                        Some(any) => pruned(next, lexer, any, read)?,
                        None => {
                            skip(next, lexer)?;
                            build.null()
                        }
                    },
                };
                build.push(&mut arr, value);
                Ok::<_, hifijson::Error>(())
            })?;
            build.end_list(arr)
        }
        b'{' => {
            // At most the keys the tree reads: no growing as they come.
            let mut obj = build.object(node.keys.len());
            lexer.discarded().seq(b'}', ws_tk, |next, lexer| {
                let (key, next) = entry(next, lexer)?;
                match node.child(&key) {
                    Some(child) => {
                        let value = pruned(next, lexer, child, read)?;
                        build.insert(&mut obj, build.text(key)?, value)?;
                    }
                    None => skip(next, lexer)?,
                }
                Ok::<_, hifijson::Error>(())
            })?;
            build.end_object(obj)
        }
        _ => full(next, lexer, build)?,
    })
}

/// An object's next key, read from its opening quote (`next`), and the first
/// character of its value. jaq reads any value as a key; only text keys are read
/// here (the caller then parses the whole body).
pub(super) fn entry<'a>(
    next: u8,
    lexer: &mut SliceLexer<'a>,
) -> Result<(Cow<'a, [u8]>, u8), hifijson::Error> {
    if next != b'"' {
        return Err(Expect::String.into());
    }
    let key = parse_key(lexer.discarded())?;
    lexer.expect(ws_tk, b':').ok_or(Expect::Colon)?;
    let next = ws_tk(lexer).ok_or(Expect::Value)?;
    Ok((key, next))
}

/// Whether an element of a selection is known to be asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Selection {
    /// Its text under the key has not come yet.
    Undecided,
    Asked,
    NotAsked,
}

/// An object element of a list with a selection under `key`: read as `selected`
/// says when its text under `key` is a key asked for (or is no text, or is
/// missing: then nothing is known), else as `any` says. Objects keep no order of
/// keys, so what only an asked element needs and comes before that text is
/// checked and passed over, its place kept, and read from where it is once the
/// element turns out to be asked for. A second `key` in one object gives up (the
/// whole body is then parsed).
fn selectable<'a, B: Build<'a>>(
    lexer: &mut SliceLexer<'a>,
    key: &[u8],
    selected: &Node,
    any: Option<&Node>,
    read: &Reading<'_, B>,
    asked: &dyn Fn(&str) -> bool,
) -> Result<B::Out, hifijson::Error> {
    let build = read.build;
    let mut obj = build.object(selected.keys.len());
    let mut selection = Selection::Undecided;
    let mut deferred: Vec<(Cow<'a, [u8]>, &'a [u8])> = Vec::new();
    lexer.discarded().seq(b'}', ws_tk, |next, lexer| {
        let (name, next) = entry(next, lexer)?;
        let deciding = name.as_ref() == key;
        if deciding && selection != Selection::Undecided {
            return Err(Expect::Value.into());
        }
        let child = match selection {
            Selection::Asked => selected.child(&name),
            Selection::NotAsked => any.and_then(|any| any.child(&name)),
            Selection::Undecided => {
                let child = selected.child(&name);
                let always = deciding || any.and_then(|any| any.child(&name)).is_some();
                if child.is_some() && !always {
                    // Its place now (a later value of the same key keeps it).
                    deferred.push((name.clone(), lexer.as_slice()));
                    skip(next, lexer)?;
                    build.insert(&mut obj, build.text(name)?, build.null())?;
                    return Ok(());
                }
                child
            }
        };
        match child {
            Some(child) => {
                let value = pruned(next, lexer, child, read)?;
                if deciding {
                    // Only text equals `$key`; text of invalid UTF-8 is no key.
                    selection = match build.text_of(&value) {
                        (_, Some(text)) if asked(text) => Selection::Asked,
                        (true, _) => Selection::NotAsked,
                        _ => Selection::Asked,
                    };
                    // Before any later value of the same key replaces them.
                    if selection == Selection::Asked {
                        read_deferred(&mut deferred, selected, read, &mut obj)?;
                    }
                }
                build.insert(&mut obj, build.text(name)?, value)?;
            }
            None => skip(next, lexer)?,
        }
        Ok::<_, hifijson::Error>(())
    })?;
    if selection == Selection::Undecided {
        read_deferred(&mut deferred, selected, read, &mut obj)?;
    }
    Ok(build.end_object(obj))
}

/// The values [`selectable`] passed over, read into their places.
fn read_deferred<'a, B: Build<'a>>(
    deferred: &mut Vec<(Cow<'a, [u8]>, &'a [u8])>,
    selected: &Node,
    read: &Reading<'_, B>,
    obj: &mut B::Obj,
) -> Result<(), hifijson::Error> {
    let build = read.build;
    for (name, at) in deferred.drain(..) {
        let mut lexer = SliceLexer::new(at);
        let next = ws_tk(&mut lexer).ok_or(Expect::Value)?;
        let value = match selected.child(&name) {
            Some(child) => pruned(next, &mut lexer, child, read)?,
            None => build.null(),
        };
        build.insert(obj, build.text(name)?, value)?;
    }
    Ok(())
}

// What follows reads JSON as `jaq_json::read` does (jaq-json 2.0.3, MIT): its
// `ws_tk`, `parse_string`, `parse_num` and `parse`, which are not public, and the
// same rules again for values skipped.

/// Eats whitespace and `#` comments, then peeks at the next character.
pub(super) fn ws_tk<L: Lex>(lexer: &mut L) -> Option<u8> {
    loop {
        lexer.eat_whitespace();
        match lexer.peek_next() {
            Some(b'#') => lexer.skip_until(|c| c == b'\n'),
            next => return next,
        }
    }
}

/// A string as bytes or text, invalid UTF-8 kept as it is.
fn parse_string<L: LexAlloc>(lexer: &mut L, bytes: bool) -> Result<Vec<u8>, hifijson::Error> {
    let on_string = |part: &mut L::Bytes, out: &mut Vec<u8>| {
        out.extend(part.as_ref());
        Ok(())
    };
    let s = lexer.str_fold(Vec::new(), on_string, |lexer, out| {
        use hifijson::escape::Error;
        match lexer.take_next().ok_or(Error::Eof)? {
            b'u' if bytes => Err(Error::InvalidKind(b'u'))?,
            b'x' if bytes => out.push(lexer.hex()?),
            c => out.extend(lexer.escape(c)?.encode_utf8(&mut [0; 4]).as_bytes()),
        }
        Ok(())
    });
    s.map_err(hifijson::Error::Str)
}

/// Text (an object's key or a value) as [`parse_string`] reads it, borrowed from
/// the body unless it holds an escape: a skipped key then costs no allocation, and
/// a kept one is a slice of the body ([`text_of`]).
pub(super) fn parse_key<'a>(lexer: &mut SliceLexer<'a>) -> Result<Cow<'a, [u8]>, hifijson::Error> {
    if let Some(plain) = plain_string(lexer) {
        return Ok(Cow::Borrowed(plain));
    }
    let on_string = |part: &mut &'a [u8], out: &mut Cow<'a, [u8]>| {
        if out.is_empty() {
            *out = Cow::Borrowed(*part);
        } else {
            out.to_mut().extend_from_slice(part);
        }
        Ok(())
    };
    let s = lexer.str_fold(Cow::Borrowed(&[][..]), on_string, |lexer, out| {
        use hifijson::escape::Error;
        let c = lexer.take_next().ok_or(Error::Eof)?;
        out.to_mut()
            .extend(lexer.escape(c)?.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    });
    s.map_err(hifijson::Error::Str)
}

/// A string checked as [`parse_string`] reads it, not kept.
fn skip_string(lexer: &mut SliceLexer<'_>, bytes: bool) -> Result<(), hifijson::Error> {
    if plain_string(lexer).is_some() {
        return Ok(());
    }
    let s = lexer.str_fold(
        (),
        |_, _| Ok(()),
        |lexer, _| {
            use hifijson::escape::Error;
            match lexer.take_next().ok_or(Error::Eof)? {
                b'u' if bytes => Err(Error::InvalidKind(b'u'))?,
                b'x' if bytes => {
                    lexer.hex::<u8>()?;
                }
                c => {
                    lexer.escape(c)?;
                }
            }
            Ok(())
        },
    );
    s.map_err(hifijson::Error::Str)
}

/// The text of a string that holds no escape and no control character, read from
/// just after its opening quote, the lexer moved past its closing quote; `None`,
/// the lexer untouched, for any other string (the lexer's own reading then reads
/// it, and judges it). Most strings of an answer are such text, and finding their
/// end eight bytes at a time rather than byte by byte is most of what lexing them
/// costs.
fn plain_string<'a>(lexer: &mut SliceLexer<'a>) -> Option<&'a [u8]> {
    let rest = lexer.as_slice();
    let end = string_end(rest)?;
    if rest.get(end) != Some(&b'"') {
        return None;
    }
    *lexer = SliceLexer::new(rest.get(end + 1..)?);
    rest.get(..end)
}

/// Where the first `"`, `\` or control character (below 0x20) of `bytes` is.
///
/// Eight bytes at a time: `x - 0x01…01 & !x & 0x80…80` marks each byte of `x`
/// that is zero, and `x - 0x20…20 & !x & 0x80…80` each below 0x20, but a byte
/// can be marked wrongly only above (after, read little-endian) one marked
/// rightly, where the subtraction borrowed: the lowest mark is always right.
fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let found = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let stop = |c: &u8| matches!(c, b'"' | b'\\' | 0..=0x1F);
    chunks.remainder().iter().position(stop).map(|i| at + i)
}

/// A number as jaq reads it (`None` when `keep` is not asked and it needs an
/// allocation), an error where jaq fails.
pub(super) fn parse_num<L: LexAlloc>(
    lexer: &mut L,
    keep: bool,
) -> Result<Option<Num>, hifijson::Error> {
    let num = hifijson::num::Num::signed_digits();
    let (num, parts) = lexer.num_string_with(num).unvalidated();
    let num = num.as_ref();
    Ok(match num {
        "+" if lexer.strip_prefix(b"Infinity") => Some(Num::Float(f64::INFINITY)),
        "-" if lexer.strip_prefix(b"Infinity") => Some(Num::Float(f64::NEG_INFINITY)),
        _ if num.ends_with(|c: char| c.is_ascii_digit()) => {
            if !keep {
                None
            } else if parts.is_int() {
                // jaq unwraps here; an integer it cannot read is given up on.
                Some(Num::from_str_radix(num, 10).ok_or(hifijson::num::Error::ExpectedDigit)?)
            } else {
                Some(Num::Dec(num.to_string().into()))
            }
        }
        _ => Err(hifijson::num::Error::ExpectedDigit)?,
    })
}

/// A number checked as [`parse_num`] reads it, its text neither built nor checked
/// as UTF-8 as hifijson's `num_string_with` does (reading numbers was 6 % of reading
/// a commercetools page, whose prices, sizes and ids are mostly skipped; most of that
/// is the number's state machine, which this runs too).
fn skip_num(lexer: &mut SliceLexer<'_>) -> Result<(), hifijson::Error> {
    use hifijson::num::Lex as _;
    let before = lexer.as_slice().len();
    let (last, _) = lexer
        .num_ignore_with(hifijson::num::Num::signed_digits())
        .unvalidated();
    let read = before - lexer.as_slice().len();
    match last {
        // The text was a lone sign: `+Infinity` or `-Infinity`, else nothing jaq reads.
        b'+' | b'-' if read == 1 && lexer.strip_prefix(b"Infinity") => Ok(()),
        last if read > 0 && last.is_ascii_digit() => Ok(()),
        _ => Err(hifijson::num::Error::ExpectedDigit.into()),
    }
}

/// A whole value, as jaq reads it.
fn full<'a, B: Build<'a>>(
    next: u8,
    lexer: &mut SliceLexer<'a>,
    build: &B,
) -> Result<B::Out, hifijson::Error> {
    Ok(match next {
        b'n' if lexer.strip_prefix(b"null") => build.null(),
        b't' if lexer.strip_prefix(b"true") => build.boolean(true),
        b'f' if lexer.strip_prefix(b"false") => build.boolean(false),
        b'b' if lexer.strip_prefix(b"b\"") => build.byte_text(parse_string(lexer, true)?)?,
        b'N' if lexer.strip_prefix(b"NaN") => build.number(Num::Float(f64::NAN))?,
        b'I' if lexer.strip_prefix(b"Infinity") => build.number(Num::Float(f64::INFINITY))?,
        b'0'..=b'9' | b'+' | b'-' => {
            build.number(parse_num(lexer, true)?.ok_or(hifijson::num::Error::ExpectedDigit)?)?
        }
        b'"' => build.text(parse_key(lexer.discarded())?)?,
        b'[' => {
            let mut arr = build.list();
            lexer.discarded().seq(b']', ws_tk, |next, lexer| {
                let value = full(next, lexer, build)?;
                build.push(&mut arr, value);
                Ok::<_, hifijson::Error>(())
            })?;
            build.end_list(arr)
        }
        b'{' => {
            let mut obj = build.object(0);
            lexer.discarded().seq(b'}', ws_tk, |next, lexer| {
                let key = full(next, lexer, build)?;
                lexer.expect(ws_tk, b':').ok_or(Expect::Colon)?;
                let value = full(ws_tk(lexer).ok_or(Expect::Value)?, lexer, build)?;
                build.insert(&mut obj, key, value)?;
                Ok::<_, hifijson::Error>(())
            })?;
            build.end_object(obj)
        }
        _ => Err(Expect::Value)?,
    })
}

/// A value checked as [`full`] reads it, not kept.
pub(super) fn skip(next: u8, lexer: &mut SliceLexer<'_>) -> Result<(), hifijson::Error> {
    match next {
        b'n' if lexer.strip_prefix(b"null") => {}
        b't' if lexer.strip_prefix(b"true") => {}
        b'f' if lexer.strip_prefix(b"false") => {}
        b'b' if lexer.strip_prefix(b"b\"") => skip_string(lexer, true)?,
        b'N' if lexer.strip_prefix(b"NaN") => {}
        b'I' if lexer.strip_prefix(b"Infinity") => {}
        b'0'..=b'9' | b'+' | b'-' => skip_num(lexer)?,
        b'"' => skip_string(lexer.discarded(), false)?,
        b'[' => lexer.discarded().seq(b']', ws_tk, skip)?,
        b'{' => lexer.discarded().seq(b'}', ws_tk, |next, lexer| {
            skip(next, lexer)?;
            lexer.expect(ws_tk, b':').ok_or(Expect::Colon)?;
            skip(ws_tk(lexer).ok_or(Expect::Value)?, lexer)
        })?,
        _ => Err(Expect::Value)?,
    }
    Ok(())
}

/// The parts of a batch answer a mapping reads, when every filter it runs on an
/// answer is of the no-jaq subset; `None` otherwise (or when it reads it all).
pub(crate) fn batch_plan(
    batch: &Batch,
    codes: &[Filter],
    product: &ProductFilters,
    locale: &str,
) -> Option<Node> {
    let mut tree = Builder::new();
    let body_vars = [
        Bound::Varies,
        Bound::Varies,
        Bound::Varies,
        Bound::Varies,
        Bound::Text(locale.to_owned()),
    ];
    let lists = batch
        .items
        .simple()?
        .reads(&[Builder::ROOT], &body_vars, &mut tree);
    for filter in batch.next.iter().chain(&batch.total) {
        let at = filter
            .simple()?
            .reads(&[Builder::ROOT], &body_vars, &mut tree);
        mark_whole(&at, &mut tree);
    }
    let items: Vec<Loc> = lists.iter().map(|&list| tree.any(list)).collect();
    let item_vars = [
        Bound::Key,
        Bound::Varies,
        Bound::Text(locale.to_owned()),
        Bound::At(items.clone()),
    ];
    for filter in codes {
        let at = filter.simple()?.reads(&items, &item_vars, &mut tree);
        mark_whole(&at, &mut tree);
    }
    let mut parts = if product.variant.is_empty() {
        items.clone()
    } else {
        Vec::new()
    };
    for filter in &product.variant {
        for loc in filter.simple()?.reads(&items, &item_vars, &mut tree) {
            if !parts.contains(&loc) {
                parts.push(loc);
            }
        }
    }
    for filter in product.fields() {
        let at = filter.simple()?.reads(&parts, &item_vars, &mut tree);
        mark_whole(&at, &mut tree);
    }
    let tree = tree.finish();
    (!tree.is_whole()).then_some(tree)
}

fn mark_whole(at: &[Loc], tree: &mut Builder) {
    for &loc in at {
        tree.whole(loc);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::super::jq::parse_json;
    use super::*;

    /// A tree reading `.a.b` and every element's `.c` of `.d`.
    fn tree() -> Node {
        let mut tree = Builder::new();
        let a = tree.key(Builder::ROOT, "a");
        let b = tree.key(a, "b");
        tree.whole(b);
        let d = tree.key(Builder::ROOT, "d");
        let each = tree.any(d);
        let c = tree.key(each, "c");
        tree.whole(c);
        tree.finish()
    }

    #[test]
    fn what_is_not_read_is_left_out_and_lists_keep_their_length() {
        let body = br#"{"a": {"b": [1, 2.50], "x": {"deep": [1, 2]}}, "y": "skipped", "d": [{"c": "k", "e": 1}, 3, {"e": 2}]}"#;
        let read = parse(&Bytes::from_static(body), &tree(), None).unwrap();
        assert_eq!(
            read.to_string(),
            r#"{"a":{"b":[1,2.50]},"d":[{"c":"k"},3,{}]}"#
        );
    }

    /// Whatever jaq's reader accepts or refuses, the pruned one does alike or gives
    /// up (the caller then parses whole); where it reads, it reads the same.
    #[test]
    fn bodies_jaq_refuses_are_refused_and_odd_ones_read_alike_or_given_up() {
        for body in [
            r#"{"a": {"b": 1}} x"#,
            r#"{"y": "\q", "a": {"b": 1}}"#,
            r#"{"y": "\ud800", "a": {"b": 1}}"#,
            r#"{"y": 01.}"#,
            r#"{"y": -, "a": 1}"#,
            r#"{"y" 1}"#,
            r#"{"y": [1,], "a": 1}"#,
            r#"{"y": "unterminated}"#,
            "{\"y\": \"a\u{1}b\"}",
        ] {
            assert!(parse_json(body.as_bytes()).is_err(), "jaq refuses {body}");
            assert!(
                parse(&Bytes::copy_from_slice(body.as_bytes()), &tree(), None).is_err(),
                "{body}"
            );
        }
        for body in [
            r#"{"y": NaN, "z": Infinity, "w": -Infinity, "v": +1, "a": {"b": NaN}}"#,
            "{\"y\": 1, # a comment\n \"a\": {\"b\": 2}}",
            r#"{"y": b"bytes\x00", "a": {"b": b"\xff"}}"#,
            r#"{"y": {1: 2}, "a": {"b": {"x": 1}}, "d": [{"c": 1e400}]}"#,
            r#"{"a": {"b": 123456789012345678901234567890}, "a": {"b": 2}}"#,
            r#"{"a": {"b": "\u00e9\ud83d\ude00"}, "y": "\ud83d\ude00"}"#,
            r#"{"a": {"b": 1}, "d": [{"c": 1}, {"c": -0.0}], "x": {"1": {}}}"#,
        ] {
            let whole = parse_json(body.as_bytes()).unwrap();
            if let Ok(read) = parse(&Bytes::copy_from_slice(body.as_bytes()), &tree(), None) {
                let get = |value: &Val, key: &str| match value {
                    Val::Obj(fields) => fields.get(&Val::utf8_str(key.to_owned())).cloned(),
                    _ => None,
                };
                let a = get(&whole, "a").map(|a| {
                    let mut map = Map::default();
                    if let Some(b) = get(&a, "b") {
                        map.insert(Val::utf8_str("b".to_owned()), b);
                    }
                    Val::obj(map)
                });
                // As text: NaN is not equal to itself.
                assert_eq!(
                    get(&read, "a").map(|a| a.to_string()),
                    a.map(|a| a.to_string()),
                    "{body}"
                );
            }
        }
    }

    /// `.v | find(.sku; $key)`, read whole.
    fn found_by_key() -> Node {
        let filter =
            super::super::simple::Simple::parse(".v | find(.sku; $key)", &["$key"]).unwrap();
        let mut tree = Builder::new();
        for loc in filter.reads(&[Builder::ROOT], &[Bound::Key], &mut tree) {
            tree.whole(loc);
        }
        tree.finish()
    }

    #[test]
    fn elements_found_by_an_unasked_key_are_left_unread_wherever_the_key_comes() {
        let tree = found_by_key();
        assert!(tree.selects());
        let asked = |key: &str| key == "a";
        let read = |body: &'static str| {
            parse(&Bytes::from_static(body.as_bytes()), &tree, Some(&asked))
                .map(|value| value.to_string())
        };
        // Before the key: passed over, its place kept; after it: read only if asked.
        assert_eq!(
            read(r#"{"v": [{"x": [1], "sku": "b", "y": 2}, {"x": [3], "sku": "a", "y": 4}]}"#)
                .unwrap(),
            r#"{"v":[{"x":null,"sku":"b"},{"x":[3],"sku":"a","y":4}]}"#
        );
        // No key, or one that is no text: nothing is known, all is read.
        assert_eq!(
            read(r#"{"v": [{"x": 1}, {"x": 2, "sku": 7}, 5, "t"]}"#).unwrap(),
            r#"{"v":[{"x":1},{"x":2,"sku":7},5,"t"]}"#
        );
        // A key given twice: the last value of a key wins, as in jaq's reader.
        assert_eq!(
            read(r#"{"v": [{"x": 1, "sku": "a", "x": 2}]}"#).unwrap(),
            r#"{"v":[{"x":2,"sku":"a"}]}"#
        );
        assert!(
            read(r#"{"v": [{"sku": "b", "x": 1, "sku": "a"}]}"#).is_err(),
            "gives up"
        );
        // What a pruned parse refuses, this one does too.
        assert!(read(r#"{"v": [{"x": [1,], "sku": "b"}]}"#).is_err());
        // Without the keys asked, every element is read as if asked.
        assert_eq!(
            parse(
                &Bytes::from_static(br#"{"v": [{"x": 1, "sku": "b"}]}"#),
                &tree,
                None
            )
            .unwrap()
            .to_string(),
            r#"{"v":[{"x":1,"sku":"b"}]}"#
        );
    }

    use proptest::prelude::*;

    /// Bytes that end strings, or nearly do, among text of one to four bytes a
    /// character.
    fn string_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            6 => proptest::sample::select(b"az Z09".to_vec()),
            1 => Just(b'"'),
            1 => Just(b'\\'),
            1 => 0u8..0x20,
            1 => 0x1Fu8..=0x22,
            1 => 0x5Bu8..=0x5D,
            1 => 0x80u8..=0xFF,
        ];
        prop_oneof![
            proptest::collection::vec(byte, 0..40),
            ".{0,12}".prop_map(String::into_bytes),
        ]
    }

    #[test]
    fn signs_exponents_and_infinities_are_skipped_as_parse_num_reads_them() {
        for text in [
            "+Infinity",
            "-Infinity",
            "1e+Infinity",
            "1E-Infinity",
            "+",
            "-",
            "1.",
            "1e",
            "0123",
            "-0.5e-3,",
            "+1]",
            "1e+5",
            "--1",
            "+-Infinity",
        ] {
            let (skipped, read) = skipped_and_read(text.as_bytes());
            assert_eq!(skipped, read, "{text}");
        }
    }

    /// A number reader's outcome on a text, and the text left after it.
    type Outcome<'t> = (Result<(), String>, &'t [u8]);

    /// What `skip_num` and `parse_num` make of `text`.
    fn skipped_and_read(text: &[u8]) -> (Outcome<'_>, Outcome<'_>) {
        let mut fast = SliceLexer::new(text);
        let mut slow = SliceLexer::new(text);
        let skipped = skip_num(&mut fast).map_err(|error| error.to_string());
        let read = parse_num(&mut slow, false)
            .map(|_| ())
            .map_err(|error| error.to_string());
        ((skipped, fast.as_slice()), (read, slow.as_slice()))
    }

    proptest! {
        /// A skipped number is refused where `parse_num` refuses it and leaves the
        /// lexer where it does.
        #[test]
        fn a_number_is_skipped_as_parse_num_reads_it(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "+", "-", "0", "1", "9", "07", ".", "e", "E", "Infinity", "Inf", "NaN", " ", ",", "]",
            ]), 0..10)
        ) {
            let text = parts.concat().into_bytes();
            let (skipped, read) = skipped_and_read(&text);
            prop_assert_eq!(skipped, read);
        }

        /// Eight bytes at a time, the end found is the first byte that ends a string.
        #[test]
        fn a_strings_end_is_found_as_byte_by_byte(bytes in string_bytes()) {
            let expected = bytes.iter().position(|&c| matches!(c, b'"' | b'\\' | 0..=0x1F));
            prop_assert_eq!(string_end(&bytes), expected);
        }

        /// A string, with or without escapes, reads as the lexer reads it alone:
        /// the same text, or an error alike, and the lexer left at the same place.
        #[test]
        fn a_string_reads_as_the_lexer_reads_it(content in string_bytes()) {
            let mut body = content.clone();
            body.extend_from_slice(b"\" ,1");
            let mut fast = SliceLexer::new(&body);
            let mut slow = SliceLexer::new(&body);
            let read = parse_key(&mut fast).map_err(|error| error.to_string());
            let reference = slow
                .str_fold(Vec::new(), |part: &mut &[u8], out: &mut Vec<u8>| {
                    out.extend_from_slice(part);
                    Ok::<_, hifijson::str::Error>(())
                }, |lexer, out| {
                    use hifijson::escape::Error;
                    let c = lexer.take_next().ok_or(Error::Eof)?;
                    out.extend(lexer.escape(c)?.encode_utf8(&mut [0; 4]).as_bytes());
                    Ok(())
                })
                .map_err(|error| error.to_string());
            let reference_read = reference.is_ok();
            prop_assert_eq!(read.map(Cow::into_owned), reference);
            prop_assert_eq!(fast.as_slice(), slow.as_slice());
            let mut skipped = SliceLexer::new(&body);
            let skip_read = skip_string(&mut skipped, false).is_ok();
            prop_assert_eq!(skip_read, reference_read);
            if skip_read {
                prop_assert_eq!(skipped.as_slice(), slow.as_slice());
            }
        }

        /// Whatever order an element's keys come in, and however often: an element
        /// found by `$key` reads as in the whole parse, or the parse gives up.
        #[test]
        fn an_element_found_by_key_reads_as_in_the_whole_parse(
            elements in proptest::collection::vec(
                prop_oneof![
                    1 => proptest::sample::select(vec!["1", "null", "\"a\""]).prop_map(str::to_owned),
                    4 => proptest::collection::vec(
                        (
                            proptest::sample::select(vec!["x", "y", "sku"]),
                            proptest::sample::select(vec!["\"a\"", "\"b\"", "\"c\"", "1", "null", "[1, \"a\"]", "{\"x\": 2}"]),
                        ),
                        0..5,
                    )
                    .prop_map(|pairs| {
                        let pairs: Vec<String> =
                            pairs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                        format!("{{{}}}", pairs.join(", "))
                    }),
                ],
                0..5,
            ),
            key in proptest::sample::select(vec!["a", "c"]),
            tail in proptest::sample::select(vec!["", " | .x", " | .y // .x", " | [.[]]", " | .sku"]),
        ) {
            let code = format!(".v | find(.sku; $key){tail}");
            let filter = super::super::simple::Simple::parse(&code, &["$key"]).unwrap();
            let mut tree = Builder::new();
            for loc in filter.reads(&[Builder::ROOT], &[Bound::Key], &mut tree) {
                tree.whole(loc);
            }
            let tree = tree.finish();
            let body = format!("{{\"v\": [{}]}}", elements.join(", "));
            let whole = parse_json(body.as_bytes()).unwrap();
            let asked = |text: &str| text == "a" || text == "c";
            if let Ok(read) = parse(&Bytes::from(body.clone().into_bytes()), &tree, Some(&asked)) {
                let run = |value: &Val| {
                    filter
                        .first(value, &[super::super::jq::string(key)])
                        .map(|out| out.map(|out| out.to_string()))
                };
                prop_assert_eq!(run(&read), run(&whole), "{} on {} read as {}", code, body, read);
            }
        }
    }

    #[test]
    fn text_is_a_slice_of_the_body_and_text_from_elsewhere_a_copy() {
        let body = Bytes::from_static(br#"{"a": {"b": "kept"}}"#);
        let read = parse(&body, &tree(), None).unwrap();
        assert_eq!(read.to_string(), r#"{"a":{"b":"kept"}}"#);
        let elsewhere = b"not in the body".to_vec();
        assert_eq!(
            text_of(&body, Cow::Borrowed(&elsewhere)).to_string(),
            r#""not in the body""#
        );
        assert_eq!(
            text_of(&body, Cow::Borrowed(&body[13..17])).to_string(),
            r#""kept""#
        );
    }

    #[test]
    fn a_tree_reading_the_whole_body_is_no_plan() {
        let mut tree = Builder::new();
        tree.whole(Builder::ROOT);
        assert!(tree.finish().is_whole());
        let mut tree = Builder::new();
        let any = tree.any(Builder::ROOT);
        let a = tree.key(Builder::ROOT, "a");
        tree.whole(any);
        tree.key(a, "x");
        let merged = tree.finish();
        assert!(!merged.is_whole());
        assert!(
            merged.child(b"a").unwrap().is_whole(),
            "any's reads merged into a"
        );
        assert!(merged.child(b"b").unwrap().is_whole(), "any key is read");
    }
}

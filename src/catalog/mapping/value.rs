//! What the no-jaq readers ask of a JSON value, so one evaluation of the subset
//! (`simple`), one product builder (`product`) and one page reader (`read`) serve
//! two kinds of values: jaq's own ([`Val`], reference-counted, what jaq runs on) and
//! lean ones (`lean`, borrowed from the body and allocated in an arena, what a page
//! whose every filter is of the subset is read into).
//!
//! Every method means what jq means: the `Val` implementation below is the
//! reference, written as the code was before the trait, and the lean implementation
//! is checked against it by property tests (`lean`).

use std::borrow::Cow;
use std::cmp::Ordering;

use jaq_json::{Num, Val};

use super::jq::{Filter, RunError, as_text, string};

/// A JSON value as the subset, the product builder and the page reader read it.
pub(crate) trait Value: Clone + Sized {
    /// What building a value needs: nothing for jaq's values, the arena for lean ones.
    type Cx: Copy;

    /// `null`, borrowed.
    fn null_ref<'s>() -> &'s Self
    where
        Self: 's;

    fn is_null(&self) -> bool;
    /// As jq's `if` judges it: all but `null` and `false`.
    fn truthy(&self) -> bool;
    /// Text (a string), `None` for any other value or text that is not UTF-8.
    fn text(&self) -> Option<&str>;
    /// Whether it is a string, UTF-8 or not.
    fn is_text(&self) -> bool;
    /// An integer as jaq reads one (`Num::Int`).
    fn int(&self) -> Option<isize>;
    /// A number of exact spelling (an integer or a decimal as written): its text.
    fn exact_number(&self) -> Option<String>;
    /// A list's elements.
    fn list(&self) -> Option<&[Self]>;
    fn is_object(&self) -> bool;
    /// An object's value under `name` (a text value); `None` when it has none.
    fn get(&self, name: &Val) -> Option<&Self>;
    /// An object's value under `name`, a text value of this kind.
    fn get_by(&self, name: &Self) -> Option<&Self>;
    /// An object's value under `name`, `None` when it has none or is no object.
    fn get_str(&self, name: &'static str) -> Option<&Self>;
    /// An object's entries in order, each name as text (`None`: not UTF-8).
    fn entries(&self) -> Option<Vec<(Option<&str>, &Self)>>;
    /// The values of a list, or of an object, in order.
    fn values(&self) -> Option<impl Iterator<Item = &Self>>;
    /// What the product reader calls such a value in an error.
    fn kind(&self) -> &'static str;
    /// jq's `tojson`.
    fn to_json(&self) -> String;
    /// jq's `==`.
    fn equals(&self, other: &Self) -> bool;
    /// jq's order of values.
    fn order(&self, other: &Self) -> Option<Ordering>;
    /// A number as an index, as jq reads `.[$n]`.
    fn as_index(&self) -> Option<isize>;

    /// A value of the filter's own (a literal), as this kind of value.
    fn literal<'v>(cx: Self::Cx, value: &'v Val) -> Cow<'v, Self>
    where
        Self: 'v;
    /// New text.
    fn new_text(cx: Self::Cx, text: &str) -> Self;
    /// `part`, a part of this value's text, as text (sharing its bytes where it can).
    fn text_part(&self, cx: Self::Cx, part: &str) -> Self;
    /// A list of `items`.
    fn new_list(cx: Self::Cx, items: Vec<Self>) -> Self;
    /// An object of `entries` in order, a name given twice keeping its first place
    /// and its last value (as jq builds `{a: 1, a: 2}`); each name a text value.
    fn new_object(cx: Self::Cx, entries: Vec<(&Val, Self)>) -> Self;

    /// The `compact` helper (`natives`).
    fn compact(&self, cx: Self::Cx) -> Self;
    /// The `omit($keys)` helper (`natives`).
    fn omit(&self, cx: Self::Cx, keys: &Val) -> Self;
    /// The `each_value(f)` helper (`natives`): `f` gives `None` for a value it fails on.
    fn each_value(&self, cx: Self::Cx, f: &mut dyn FnMut(&Self) -> Option<Self>) -> Self;

    /// `filter`'s first output on `input`, borrowed where it can be.
    ///
    /// # Errors
    /// The filter's error.
    fn run<'a>(
        filter: &'a Filter,
        input: &'a Self,
        vars: &'a [Self],
        cx: Self::Cx,
    ) -> Result<Option<Cow<'a, Self>>, RunError>;

    /// Every output of `filter` on `input`.
    ///
    /// # Errors
    /// The filter's error.
    fn run_all(
        filter: &Filter,
        input: &Self,
        vars: &[Self],
        cx: Self::Cx,
    ) -> Result<Vec<Self>, RunError>;

    /// A scalar's text as the request builder writes a key: text as it is, a number
    /// or boolean as JSON; `None` for anything else.
    fn scalar_text(&self) -> Option<String>;

    /// `null`, `""` or `[]`: gives way to the next filter of a field.
    fn says_nothing(&self) -> bool {
        self.is_null()
            || self.text().is_some_and(str::is_empty)
            || self.list().is_some_and(<[Self]>::is_empty)
    }
}

/// One of two iterators of the same items.
pub(crate) enum Either<A, B> {
    Left(A),
    Right(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for Either<A, B> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Either::Left(a) => a.next(),
            Either::Right(b) => b.next(),
        }
    }
}

/// `null`, for a missing key or index to borrow.
static NULL: Val = Val::Null;

impl Value for Val {
    type Cx = ();

    fn null_ref<'s>() -> &'s Val {
        &NULL
    }

    fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    fn truthy(&self) -> bool {
        !matches!(self, Val::Null | Val::Bool(false))
    }

    fn text(&self) -> Option<&str> {
        as_text(self)
    }

    fn is_text(&self) -> bool {
        matches!(self, Val::TStr(_))
    }

    fn int(&self) -> Option<isize> {
        match self {
            Val::Num(Num::Int(int)) => Some(*int),
            _ => None,
        }
    }

    fn exact_number(&self) -> Option<String> {
        match self {
            Val::Num(Num::Int(_) | Num::BigInt(_) | Num::Dec(_)) => Some(self.to_string()),
            _ => None,
        }
    }

    fn list(&self) -> Option<&[Val]> {
        match self {
            Val::Arr(items) => Some(items),
            _ => None,
        }
    }

    fn is_object(&self) -> bool {
        matches!(self, Val::Obj(_))
    }

    fn get(&self, name: &Val) -> Option<&Val> {
        match self {
            Val::Obj(fields) => fields.get(name),
            _ => None,
        }
    }

    fn get_by(&self, name: &Val) -> Option<&Val> {
        self.get(name)
    }

    fn get_str(&self, name: &'static str) -> Option<&Val> {
        self.get(&super::jq::static_text(name))
    }

    fn entries(&self) -> Option<Vec<(Option<&str>, &Val)>> {
        match self {
            Val::Obj(fields) => Some(fields.iter().map(|(k, v)| (as_text(k), v)).collect()),
            _ => None,
        }
    }

    fn values(&self) -> Option<impl Iterator<Item = &Val>> {
        match self {
            Val::Arr(items) => Some(Either::Left(items.iter())),
            Val::Obj(fields) => Some(Either::Right(fields.values())),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::TStr(_) | Val::BStr(_) => "text",
            Val::Arr(_) => "a list",
            Val::Obj(_) => "an object",
        }
    }

    fn to_json(&self) -> String {
        self.to_string()
    }

    fn equals(&self, other: &Val) -> bool {
        self == other
    }

    fn order(&self, other: &Val) -> Option<Ordering> {
        self.partial_cmp(other)
    }

    fn as_index(&self) -> Option<isize> {
        match self {
            Val::Num(number) => number.to_string().parse().ok(),
            _ => None,
        }
    }

    fn literal<'v>(_: (), value: &'v Val) -> Cow<'v, Val>
    where
        Val: 'v,
    {
        Cow::Borrowed(value)
    }

    fn new_text(_: (), text: &str) -> Val {
        string(text)
    }

    fn text_part(&self, _: (), part: &str) -> Val {
        match self {
            Val::TStr(bytes) => Val::utf8_str(bytes.slice_ref(part.as_bytes())),
            _ => string(part),
        }
    }

    fn new_list(_: (), items: Vec<Val>) -> Val {
        items.into_iter().collect()
    }

    fn new_object(_: (), entries: Vec<(&Val, Val)>) -> Val {
        let mut object = jaq_json::Map::with_capacity_and_hasher(entries.len(), Default::default());
        for (name, value) in entries {
            object.insert(name.clone(), value);
        }
        Val::obj(object)
    }

    fn compact(&self, _: ()) -> Val {
        super::natives::compact(self.clone())
    }

    fn omit(&self, _: (), keys: &Val) -> Val {
        super::natives::omit(self.clone(), keys)
    }

    fn each_value(&self, _: (), f: &mut dyn FnMut(&Val) -> Option<Val>) -> Val {
        match self {
            Val::Obj(fields) => Val::obj(
                fields
                    .iter()
                    .filter_map(|(name, value)| Some((name.clone(), f(value)?)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn run<'a>(
        filter: &'a Filter,
        input: &'a Val,
        vars: &'a [Val],
        _: (),
    ) -> Result<Option<Cow<'a, Val>>, RunError> {
        filter.first_borrowed(input, vars)
    }

    fn run_all(filter: &Filter, input: &Val, vars: &[Val], _: ()) -> Result<Vec<Val>, RunError> {
        filter.all(input.clone(), vars)
    }

    fn scalar_text(&self) -> Option<String> {
        super::request::scalar_text(self)
    }
}

//! A tolerant-serde kit: readers that accept any JSON value and say what they found
//! ([`Loose`]) instead of reporting a shape error, since serde_json cannot resume a
//! stream after one. Knows nothing of products; `product` builds on it.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::catalog::Text;

/// What a tolerant reader found where it expected a `T`.
pub(super) enum Loose<T> {
    /// A `T`.
    Value(T),
    /// `null`.
    Null,
    /// Something else, named for the logs ("a number", "an array" …).
    Wrong(&'static str),
}

impl<T> Loose<T> {
    /// The value; `null` and a malformed value (logged) read as absent.
    pub(super) fn optional(self, field: &'static str) -> Option<T> {
        match self {
            Loose::Value(value) => Some(value),
            Loose::Null => None,
            Loose::Wrong(found) => {
                tracing::debug!(
                    field,
                    found,
                    "upstream product: dropping a malformed optional field"
                );
                None
            }
        }
    }
}

/// A shape a tolerant reader can read: each method takes one kind of JSON value
/// and answers `None` when that kind is not this shape. The defaults refuse every
/// kind (consuming arrays and objects whole), so a shape names only what it takes.
pub(super) trait Shape<'de>: Sized {
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_string(value: String) -> Option<Self> {
        Self::from_str(&value)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    fn from_number(_: serde_json::Number) -> Option<Self> {
        None
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: Shape<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor(PhantomData))
    }
}

struct LooseVisitor<T>(PhantomData<T>);

fn found<T>(value: Option<T>, kind: &'static str) -> Loose<T> {
    value.map_or(Loose::Wrong(kind), Loose::Value)
}

impl<'de, T: Shape<'de>> Visitor<'de> for LooseVisitor<T> {
    type Value = Loose<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Loose<T>, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose<T>, E> {
        Ok(Loose::Null)
    }
    fn visit_bool<E>(self, value: bool) -> Result<Loose<T>, E> {
        Ok(found(T::from_bool(value), "a boolean"))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Loose<T>, E> {
        Ok(found(T::from_number(value.into()), "a number"))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Loose<T>, E> {
        Ok(found(T::from_number(value.into()), "a number"))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Loose<T>, E> {
        // What serde_json's own `Value` makes of a float (JSON has no NaN or ∞).
        let number = serde_json::Number::from_f64(value);
        Ok(found(number.and_then(T::from_number), "a number"))
    }
    fn visit_str<E>(self, value: &str) -> Result<Loose<T>, E> {
        Ok(found(T::from_str(value), "a string"))
    }
    fn visit_string<E>(self, value: String) -> Result<Loose<T>, E> {
        Ok(found(T::from_string(value), "a string"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Loose<T>, A::Error> {
        Ok(found(T::from_seq(seq)?, "an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Loose<T>, A::Error> {
        Ok(found(T::from_map(map)?, "an object"))
    }
}

/// A string, as the products' texts hold it (the reader's only string shape).
impl Shape<'_> for Text {
    fn from_str(value: &str) -> Option<Text> {
        Some(value.into())
    }
    fn from_string(value: String) -> Option<Text> {
        Some(value.into())
    }
}

/// A list whose malformed elements are dropped, each on its own.
pub(super) struct List<T>(pub(super) Vec<T>);

impl<'de, T: Shape<'de>> Shape<'de> for List<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element::<Loose<T>>()? {
            if let Some(item) = item.optional("list element") {
                items.push(item);
            }
        }
        Ok(Some(List(items)))
    }
}

/// Keeps the first value of a field and remembers whether it was given twice (a
/// duplicate makes the object it is in malformed, as serde's derive has it).
pub(super) struct Slot<T> {
    pub(super) value: Option<T>,
    pub(super) duplicate: Option<&'static str>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            value: None,
            duplicate: None,
        }
    }
}

impl<T> Slot<T> {
    pub(super) fn fill(&mut self, name: &'static str, value: T) {
        if self.value.is_some() {
            self.duplicate = Some(name);
        } else {
            self.value = Some(value);
        }
    }
}

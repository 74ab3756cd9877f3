//! Running a filter of the subset on a value, as jq would: the first output, or
//! jq's error in short ([`StepError`]).

use std::borrow::Cow;

use super::super::jq::{Val, as_text, string};
use super::*;

/// `null`, for a missing key or index to borrow.
static NULL: Val = Val::Null;

/// `part`, a part of the text `whole` holds, as a text value sharing `whole`'s
/// bytes rather than a copy of them.
fn text_within(whole: &Val, part: &str) -> Val {
    match whole {
        Val::TStr(bytes) => Val::utf8_str(bytes.slice_ref(part.as_bytes())),
        _ => string(part),
    }
}

/// The first output of `a // b // …` on `input`.
fn alternatives<'a>(
    paths: &'a [Path],
    input: &'a Val,
    vars: &'a [Val],
) -> Result<Cow<'a, Val>, StepError> {
    let last = paths.len().saturating_sub(1);
    for (i, path) in paths.iter().enumerate() {
        if i == last {
            return path.eval(input, vars);
        }
        // jq's `a // b`: the left side's errors and `null`/`false` give way.
        match path.eval(input, vars) {
            Ok(value) if truthy(&value) => return Ok(value),
            Ok(_) | Err(_) => {}
        }
    }
    Err(StepError)
}

impl Stage {
    pub(super) fn apply<'a>(
        &'a self,
        input: &'a Val,
        vars: &'a [Val],
    ) -> Result<Cow<'a, Val>, StepError> {
        let text = |value: &Val| as_text(value).map(str::to_owned).ok_or(StepError);
        let owned = |value: Val| Ok(Cow::Owned(value));
        match self {
            Stage::Alt(paths) => alternatives(paths, input, vars),
            Stage::Split(path, separator) => {
                let value = path.eval(input, vars)?;
                let whole = as_text(&value).ok_or(StepError)?;
                // jq splits "" into no parts at all.
                if whole.is_empty() {
                    return owned(Val::Arr(Default::default()));
                }
                owned(
                    whole
                        .split(separator.as_str())
                        .map(|part| text_within(&value, part))
                        .collect(),
                )
            }
            Stage::Object(fields) => {
                let mut object = jaq_json::Map::default();
                for (name, paths) in fields {
                    object.insert(name.clone(), alternatives(paths, input, vars)?.into_owned());
                }
                owned(Val::obj(object))
            }
            Stage::Trim => {
                let whole = as_text(input).ok_or(StepError)?;
                let trimmed = whole.trim();
                if trimmed.len() == whole.len() {
                    Ok(Cow::Borrowed(input))
                } else {
                    owned(text_within(input, trimmed))
                }
            }
            Stage::Upcase => owned(string(&text(input)?.to_ascii_uppercase())),
            Stage::Downcase => owned(string(&text(input)?.to_ascii_lowercase())),
            Stage::Map(inner) => {
                let each = |item: &Val| inner.eval(item, vars).map(Cow::into_owned);
                let mapped: Result<Vec<Val>, StepError> = match input {
                    Val::Arr(items) => items.iter().map(each).collect(),
                    // `.[]` of an object is its values.
                    Val::Obj(fields) => fields.values().map(each).collect(),
                    _ => Err(StepError),
                };
                mapped.map(|items| Cow::Owned(items.into_iter().collect()))
            }
            Stage::Find(f, wanted) => {
                let wanted = wanted.eval(input, vars)?;
                let Val::Arr(items) = input else {
                    return Ok(Cow::Borrowed(&NULL));
                };
                Ok(Cow::Borrowed(
                    items
                        .iter()
                        .find(|item| f.eval(item, vars).is_ok_and(|got| *got == *wanted))
                        .unwrap_or(&NULL),
                ))
            }
            Stage::Compact => owned(super::super::natives::compact(input.clone())),
            Stage::Group(inner) => inner.eval(input, vars),
            Stage::If(branches, otherwise) => {
                for (cond, then) in branches {
                    if cond.holds(input, vars)? {
                        return then.eval(input, vars);
                    }
                }
                otherwise.eval(input, vars)
            }
            Stage::Array(items, steps) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Item::Alt(paths) => {
                            out.push(alternatives(paths, input, vars)?.into_owned())
                        }
                        Item::Each(path) => match &*path.eval(input, vars)? {
                            Val::Arr(list) => out.extend(list.iter().cloned()),
                            Val::Obj(fields) => out.extend(fields.values().cloned()),
                            // jq cannot iterate over anything else, `null` included.
                            _ => return Err(StepError),
                        },
                    }
                }
                let mut value: Val = out.into_iter().collect();
                for step in steps {
                    value = step.apply(&value, vars)?.into_owned();
                }
                owned(value)
            }
            Stage::Omit(keys) => owned(super::super::natives::omit(input.clone(), keys)),
            Stage::EachValue(f) => owned(match input {
                // A value `f` fails on is left out, as the native helper does.
                Val::Obj(fields) => Val::obj(
                    fields
                        .iter()
                        .filter_map(|(name, value)| {
                            Some((name.clone(), f.eval(value, vars).ok()?.into_owned()))
                        })
                        .collect(),
                ),
                other => other.clone(),
            }),
        }
    }
}

impl Cond {
    /// Whether the condition holds, as jq's `if` judges it (all but `null` and
    /// `false` hold); `and`/`or` stop as soon as the answer is known, as in jq.
    fn holds(&self, input: &Val, vars: &[Val]) -> Result<bool, StepError> {
        let mut any = false;
        for all_of in &self.any_of {
            let mut all = true;
            for test in all_of {
                if !test.holds(input, vars)? {
                    all = false;
                    break;
                }
            }
            if all {
                any = true;
                break;
            }
        }
        Ok(any)
    }
}

impl Test {
    fn holds(&self, input: &Val, vars: &[Val]) -> Result<bool, StepError> {
        let left = self.left.eval(input, vars)?;
        let Some((cmp, right)) = &self.compared else {
            return Ok(truthy(&left));
        };
        let right = right.eval(input, vars)?;
        // jaq's own order of values (null < false < true < numbers < text < lists < objects).
        Ok(match cmp {
            Cmp::Eq => left == right,
            Cmp::Ne => left != right,
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
        })
    }
}

fn truthy(value: &Val) -> bool {
    !matches!(value, Val::Null | Val::Bool(false))
}

impl Path {
    fn eval<'a>(&'a self, input: &'a Val, vars: &'a [Val]) -> Result<Cow<'a, Val>, StepError> {
        match self {
            Path::Literal(value) => Ok(Cow::Borrowed(value)),
            Path::Steps(start, steps) => {
                let mut value = Cow::Borrowed(match start {
                    None => input,
                    Some(var) => vars.get(*var).ok_or(StepError)?,
                });
                for step in steps {
                    value = match value {
                        Cow::Borrowed(value) => step.apply(value, vars)?,
                        Cow::Owned(value) => Cow::Owned(step.apply(&value, vars)?.into_owned()),
                    };
                }
                Ok(value)
            }
        }
    }
}

impl Step {
    fn apply<'a>(&'a self, value: &'a Val, vars: &'a [Val]) -> Result<Cow<'a, Val>, StepError> {
        match self {
            Step::Field(name) => key(value, name).map(Cow::Borrowed),
            Step::Key(text) => key(value, &string(&text.render(vars)?)).map(Cow::Borrowed),
            Step::Index(index) => nth(value, *index).map(Cow::Borrowed),
            Step::Var(var) => match vars.get(*var).ok_or(StepError)? {
                name @ Val::TStr(_) => {
                    as_text(name).ok_or(StepError)?;
                    key(value, name).map(Cow::Borrowed)
                }
                Val::Num(number) => {
                    let index: isize = number.to_string().parse().map_err(|_| StepError)?;
                    nth(value, index).map(Cow::Borrowed)
                }
                _ => Err(StepError),
            },
        }
    }
}

impl Text {
    fn render(&self, vars: &[Val]) -> Result<String, StepError> {
        match self {
            Text::Plain(text) => Ok(text.clone()),
            Text::Parts(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        Part::Text(text) => out.push_str(text),
                        Part::Var(var) => {
                            let value = vars.get(*var).ok_or(StepError)?;
                            // jq interpolates a string as its text, anything else as JSON.
                            match as_text(value) {
                                Some(text) => out.push_str(text),
                                None => out.push_str(&value.to_string()),
                            }
                        }
                    }
                }
                Ok(out)
            }
        }
    }
}

/// `.[name]`: `null` on `null` and for a missing key; an error on anything but an
/// object. `name` is a text value.
fn key<'a>(value: &'a Val, name: &Val) -> Result<&'a Val, StepError> {
    match value {
        Val::Null => Ok(&NULL),
        Val::Obj(fields) => Ok(fields.get(name).unwrap_or(&NULL)),
        _ => Err(StepError),
    }
}

/// `.[n]`: `null` on `null` and out of range; from the end when negative.
fn nth(value: &Val, index: isize) -> Result<&Val, StepError> {
    match value {
        Val::Null => Ok(&NULL),
        Val::Arr(items) => {
            let at = if index < 0 {
                items.len().checked_sub(index.unsigned_abs())
            } else {
                Some(index.unsigned_abs())
            };
            Ok(at.and_then(|at| items.get(at)).unwrap_or(&NULL))
        }
        _ => Err(StepError),
    }
}

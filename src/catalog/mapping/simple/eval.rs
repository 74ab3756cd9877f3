//! Running a filter of the subset on a value, as jq would: the first output, or
//! jq's error in short ([`StepError`]).

use super::super::jq::{Val, as_text, string};
use super::*;

/// The first output of `a // b // …` on `input`.
fn alternatives(paths: &[Path], input: &Val, vars: &[Val]) -> Result<Val, StepError> {
    let last = paths.len().saturating_sub(1);
    for (i, path) in paths.iter().enumerate() {
        if i == last {
            return path.eval(input, vars);
        }
        // jq's `a // b`: the left side's errors and `null`/`false` give way.
        match path.eval(input, vars) {
            Ok(Val::Null | Val::Bool(false)) | Err(_) => {}
            Ok(value) => return Ok(value),
        }
    }
    Err(StepError)
}

impl Stage {
    pub(super) fn apply(&self, input: &Val, vars: &[Val]) -> Result<Val, StepError> {
        let text = |value: &Val| as_text(value).map(str::to_owned).ok_or(StepError);
        match self {
            Stage::Alt(paths) => alternatives(paths, input, vars),
            Stage::Split(path, separator) => {
                let value = path.eval(input, vars)?;
                let whole = text(&value)?;
                // jq splits "" into no parts at all.
                if whole.is_empty() {
                    return Ok(Val::Arr(Default::default()));
                }
                Ok(whole.split(separator.as_str()).map(string).collect())
            }
            Stage::Object(fields) => {
                let mut object = jaq_json::Map::default();
                for (name, paths) in fields {
                    object.insert(string(name), alternatives(paths, input, vars)?);
                }
                Ok(Val::obj(object))
            }
            Stage::Trim => Ok(string(text(input)?.trim())),
            Stage::Upcase => Ok(string(&text(input)?.to_ascii_uppercase())),
            Stage::Downcase => Ok(string(&text(input)?.to_ascii_lowercase())),
            Stage::Map(inner) => {
                let each = |item: &Val| inner.first(item, vars).map(Option::unwrap_or_default);
                let mapped: Result<Vec<Val>, StepError> = match input {
                    Val::Arr(items) => items.iter().map(each).collect(),
                    // `.[]` of an object is its values.
                    Val::Obj(fields) => fields.values().map(each).collect(),
                    _ => Err(StepError),
                };
                mapped.map(|items| items.into_iter().collect())
            }
            Stage::Find(f, wanted) => {
                let wanted = wanted.eval(input, vars)?;
                let Val::Arr(items) = input else {
                    return Ok(Val::Null);
                };
                Ok(items
                    .iter()
                    .find(|item| {
                        f.first(item, vars)
                            .is_ok_and(|got| got.as_ref() == Some(&wanted))
                    })
                    .cloned()
                    .unwrap_or(Val::Null))
            }
            Stage::Compact => Ok(super::super::natives::compact(input.clone())),
            Stage::Group(inner) => inner.first(input, vars).map(Option::unwrap_or_default),
            Stage::If(branches, otherwise) => {
                for (cond, then) in branches {
                    if cond.holds(input, vars)? {
                        return then.first(input, vars).map(Option::unwrap_or_default);
                    }
                }
                otherwise.first(input, vars).map(Option::unwrap_or_default)
            }
            Stage::Array(items, steps) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Item::Alt(paths) => out.push(alternatives(paths, input, vars)?),
                        Item::Each(path) => match path.eval(input, vars)? {
                            Val::Arr(list) => out.extend(list.iter().cloned()),
                            Val::Obj(fields) => out.extend(fields.values().cloned()),
                            // jq cannot iterate over anything else, `null` included.
                            _ => return Err(StepError),
                        },
                    }
                }
                let mut value: Val = out.into_iter().collect();
                for step in steps {
                    value = step.apply(&value, vars)?;
                }
                Ok(value)
            }
            Stage::Omit(keys) => Ok(super::super::natives::omit(input.clone(), keys)),
            Stage::EachValue(f) => Ok(match input {
                // A value `f` fails on is left out, as the native helper does.
                Val::Obj(fields) => Val::obj(
                    fields
                        .iter()
                        .filter_map(|(name, value)| {
                            Some((name.clone(), f.first(value, vars).ok()?.unwrap_or_default()))
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
    fn eval(&self, input: &Val, vars: &[Val]) -> Result<Val, StepError> {
        match self {
            Path::Literal(value) => Ok(value.clone()),
            Path::Steps(start, steps) => {
                let mut value = match start {
                    None => input,
                    Some(var) => vars.get(*var).ok_or(StepError)?,
                };
                let mut owned;
                for step in steps {
                    owned = step.apply(value, vars)?;
                    value = &owned;
                }
                Ok(value.clone())
            }
        }
    }
}

impl Step {
    fn apply(&self, value: &Val, vars: &[Val]) -> Result<Val, StepError> {
        match self {
            Step::Key(text) => key(value, &text.render(vars)?),
            Step::Index(index) => nth(value, *index),
            Step::Var(var) => match vars.get(*var).ok_or(StepError)? {
                Val::TStr(_) => key(value, as_text(&vars[*var]).ok_or(StepError)?),
                Val::Num(number) => {
                    let index: isize = number.to_string().parse().map_err(|_| StepError)?;
                    nth(value, index)
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

/// `.[name]`: `null` on `null` and for a missing key; an error on anything but an object.
fn key(value: &Val, name: &str) -> Result<Val, StepError> {
    match value {
        Val::Null => Ok(Val::Null),
        Val::Obj(fields) => Ok(fields.get(&string(name)).cloned().unwrap_or(Val::Null)),
        _ => Err(StepError),
    }
}

/// `.[n]`: `null` on `null` and out of range; from the end when negative.
fn nth(value: &Val, index: isize) -> Result<Val, StepError> {
    match value {
        Val::Null => Ok(Val::Null),
        Val::Arr(items) => {
            let at = if index < 0 {
                items.len().checked_sub(index.unsigned_abs())
            } else {
                Some(index.unsigned_abs())
            };
            Ok(at
                .and_then(|at| items.get(at))
                .cloned()
                .unwrap_or(Val::Null))
        }
        _ => Err(StepError),
    }
}

//! Running a filter of the subset on a value, as jq would: the first output, or
//! jq's error in short ([`StepError`]). One evaluation for every kind of value
//! (`value`): jaq's own, and the lean ones a page is read into.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::super::value::Value;
use super::*;

/// The first output of `a // b // …` on `input`, as jaq gives it: the first that
/// is neither `null` nor `false`, else the last's; an error of any side before
/// that is the result (jq would pass over it; jaq, which runs every other filter
/// of a mapping, does not).
fn alternatives<'a, V: Value>(
    paths: &'a [Path],
    input: &'a V,
    vars: &'a [V],
    cx: V::Cx,
) -> Result<Cow<'a, V>, StepError> {
    let Some((last, before)) = paths.split_last() else {
        return Err(StepError);
    };
    for path in before {
        let value = path.eval(input, vars, cx)?;
        if value.truthy() {
            return Ok(value);
        }
    }
    last.eval(input, vars, cx)
}

impl Simple {
    /// The first output, borrowed from `input` or `vars` where it is a part of
    /// them: a path reads without copying what it passes through.
    pub(crate) fn eval<'a, V: Value>(
        &'a self,
        input: &'a V,
        vars: &'a [V],
        cx: V::Cx,
    ) -> Result<Cow<'a, V>, StepError> {
        let mut value = Cow::Borrowed(input);
        for stage in &self.stages {
            value = match value {
                Cow::Borrowed(value) => stage.apply(value, vars, cx)?,
                Cow::Owned(value) => Cow::Owned(stage.apply(&value, vars, cx)?.into_owned()),
            };
        }
        Ok(value)
    }
}

impl Stage {
    fn apply<'a, V: Value>(
        &'a self,
        input: &'a V,
        vars: &'a [V],
        cx: V::Cx,
    ) -> Result<Cow<'a, V>, StepError> {
        let text = |value: &V| value.text().map(str::to_owned).ok_or(StepError);
        let owned = |value: V| Ok(Cow::Owned(value));
        match self {
            Stage::Alt(paths) => alternatives(paths, input, vars, cx),
            Stage::Split(path, separator) => {
                let value = path.eval(input, vars, cx)?;
                let whole = value.text().ok_or(StepError)?;
                // jq splits "" into no parts at all.
                if whole.is_empty() {
                    return owned(V::new_list(cx, Vec::new()));
                }
                let parts = whole
                    .split(separator.as_str())
                    .map(|part| value.text_part(cx, part))
                    .collect();
                owned(V::new_list(cx, parts))
            }
            Stage::Object(fields) => {
                let mut entries = Vec::with_capacity(fields.len());
                for (name, paths) in fields {
                    entries.push((name, alternatives(paths, input, vars, cx)?.into_owned()));
                }
                owned(V::new_object(cx, entries))
            }
            Stage::Trim => {
                let whole = input.text().ok_or(StepError)?;
                let trimmed = whole.trim();
                if trimmed.len() == whole.len() {
                    Ok(Cow::Borrowed(input))
                } else {
                    owned(input.text_part(cx, trimmed))
                }
            }
            Stage::Upcase => owned(V::new_text(cx, &text(input)?.to_ascii_uppercase())),
            Stage::Downcase => owned(V::new_text(cx, &text(input)?.to_ascii_lowercase())),
            Stage::Map(inner) => {
                // `.[]` of an object is its values.
                let items = input.values().ok_or(StepError)?;
                let mapped = items
                    .map(|item| inner.eval(item, vars, cx).map(Cow::into_owned))
                    .collect::<Result<Vec<V>, StepError>>()?;
                owned(V::new_list(cx, mapped))
            }
            Stage::Find(f, wanted) => {
                let wanted = wanted.eval(input, vars, cx)?;
                let Some(items) = input.list() else {
                    return Ok(Cow::Borrowed(V::null_ref()));
                };
                Ok(Cow::Borrowed(
                    items
                        .iter()
                        .find(|&item| f.eval(item, vars, cx).is_ok_and(|got| got.equals(&wanted)))
                        .unwrap_or(V::null_ref()),
                ))
            }
            Stage::Compact => owned(input.compact(cx)),
            Stage::Group(inner) => inner.eval(input, vars, cx),
            Stage::If(branches, otherwise) => {
                for (cond, then) in branches {
                    if cond.holds(input, vars, cx)? {
                        return then.eval(input, vars, cx);
                    }
                }
                otherwise.eval(input, vars, cx)
            }
            Stage::Array(items, steps) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Item::Alt(paths) => {
                            out.push(alternatives(paths, input, vars, cx)?.into_owned())
                        }
                        // jq cannot iterate over anything but a list or an object,
                        // `null` included.
                        Item::Each(path) => out.extend(
                            path.eval(input, vars, cx)?
                                .values()
                                .ok_or(StepError)?
                                .cloned(),
                        ),
                    }
                }
                let mut value = V::new_list(cx, out);
                for step in steps {
                    value = step.apply(&value, vars)?.clone();
                }
                owned(value)
            }
            Stage::Omit(keys) => owned(input.omit(cx, keys)),
            Stage::ToJson => owned(V::new_text(cx, &input.to_json())),
            Stage::Join(separator) => {
                // As the native `join`: text as it is, anything else as JSON.
                let mut out = String::new();
                for (i, item) in input.list().ok_or(StepError)?.iter().enumerate() {
                    if i > 0 {
                        out.push_str(separator);
                    }
                    match item.text() {
                        Some(text) => out.push_str(text),
                        None => out.push_str(&item.to_json()),
                    }
                }
                owned(V::new_text(cx, &out))
            }
            Stage::Bind(source, body) => {
                let bound = source.eval(input, vars, cx)?.into_owned();
                let mut vars = vars.to_vec();
                vars.push(bound);
                owned(body.eval(input, &vars, cx)?.into_owned())
            }
            // A value `f` fails on is left out, as the native helper does.
            Stage::EachValue(f) => owned(input.each_value(cx, &mut |value| {
                Some(f.eval(value, vars, cx).ok()?.into_owned())
            })),
        }
    }
}

impl Cond {
    /// Whether the condition holds, as jq's `if` judges it (all but `null` and
    /// `false` hold); `and`/`or` stop as soon as the answer is known, as in jq.
    fn holds<V: Value>(&self, input: &V, vars: &[V], cx: V::Cx) -> Result<bool, StepError> {
        let mut any = false;
        for all_of in &self.any_of {
            let mut all = true;
            for test in all_of {
                if !test.holds(input, vars, cx)? {
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
    fn holds<V: Value>(&self, input: &V, vars: &[V], cx: V::Cx) -> Result<bool, StepError> {
        let left = self.left.eval(input, vars, cx)?;
        let Some((cmp, right)) = &self.compared else {
            return Ok(left.truthy());
        };
        let right = right.eval(input, vars, cx)?;
        // jaq's own order of values (null < false < true < numbers < text < lists < objects).
        let order = || left.order(&right);
        Ok(match cmp {
            Cmp::Eq => left.equals(&right),
            Cmp::Ne => !left.equals(&right),
            Cmp::Lt => order() == Some(Ordering::Less),
            Cmp::Le => matches!(order(), Some(Ordering::Less | Ordering::Equal)),
            Cmp::Gt => order() == Some(Ordering::Greater),
            Cmp::Ge => matches!(order(), Some(Ordering::Greater | Ordering::Equal)),
        })
    }
}

impl Path {
    fn eval<'a, V: Value>(
        &'a self,
        input: &'a V,
        vars: &'a [V],
        cx: V::Cx,
    ) -> Result<Cow<'a, V>, StepError> {
        match self {
            Path::Literal(value) => Ok(V::literal(cx, value)),
            Path::Text(parts) => Ok(Cow::Owned(V::new_text(cx, &render(parts, vars)?))),
            Path::Steps(start, steps) => {
                // Every step reads a part of its input: a path borrows throughout.
                let mut value = match start {
                    None => input,
                    Some(var) => vars.get(*var).ok_or(StepError)?,
                };
                for step in steps {
                    value = step.apply(value, vars)?;
                }
                Ok(Cow::Borrowed(value))
            }
        }
    }
}

impl Step {
    fn apply<'a, V: Value>(&'a self, value: &'a V, vars: &'a [V]) -> Result<&'a V, StepError> {
        match self {
            Step::Field(name) => key(value, name),
            Step::Key(text) => key(value, &super::super::jq::string(&text.render(vars)?)),
            Step::Index(index) => nth(value, *index),
            Step::Var(var) => {
                let var = vars.get(*var).ok_or(StepError)?;
                if var.is_text() {
                    var.text().ok_or(StepError)?;
                    if value.is_null() {
                        return Ok(V::null_ref());
                    }
                    if !value.is_object() {
                        return Err(StepError);
                    }
                    return Ok(value.get_by(var).unwrap_or(V::null_ref()));
                }
                let index = var.as_index().ok_or(StepError)?;
                nth(value, index)
            }
        }
    }
}

impl Text {
    fn render<V: Value>(&self, vars: &[V]) -> Result<String, StepError> {
        match self {
            Text::Plain(text) => Ok(text.clone()),
            Text::Parts(parts) => render(parts, vars),
        }
    }
}

/// A string's parts with its variables filled in.
fn render<V: Value>(parts: &[Part], vars: &[V]) -> Result<String, StepError> {
    // Sized for the text and the variables that are text: a query's `where` is
    // written without growing.
    let size = parts
        .iter()
        .map(|part| match part {
            Part::Text(text) => text.len(),
            Part::Var(var) => vars.get(*var).and_then(V::text).map_or(16, str::len),
        })
        .sum();
    let mut out = String::with_capacity(size);
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Var(var) => {
                let value = vars.get(*var).ok_or(StepError)?;
                // jq interpolates a string as its text, anything else as JSON.
                match value.text() {
                    Some(text) => out.push_str(text),
                    None => out.push_str(&value.to_json()),
                }
            }
        }
    }
    Ok(out)
}

/// `.[name]`: `null` on `null` and for a missing key; an error on anything but an
/// object. `name` is a text value.
fn key<'a, V: Value>(value: &'a V, name: &Val) -> Result<&'a V, StepError> {
    if value.is_null() {
        return Ok(V::null_ref());
    }
    if !value.is_object() {
        return Err(StepError);
    }
    Ok(value.get(name).unwrap_or(V::null_ref()))
}

/// `.[n]`: `null` on `null`, on an object (as jaq gives it) and out of range;
/// from the end when negative.
fn nth<V: Value>(value: &V, index: isize) -> Result<&V, StepError> {
    if value.is_null() || value.is_object() {
        return Ok(V::null_ref());
    }
    let items = value.list().ok_or(StepError)?;
    let at = if index < 0 {
        items.len().checked_sub(index.unsigned_abs())
    } else {
        Some(index.unsigned_abs())
    };
    Ok(at.and_then(|at| items.get(at)).unwrap_or(V::null_ref()))
}

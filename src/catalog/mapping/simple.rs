//! The filters most of a mapping is made of — paths (`.product.name`,
//! `.["name_\($locale)"]`, `$item.values[0]`), alternatives (`.a // .b`) and
//! literals — evaluated directly on the value, without a jaq run.
//!
//! Why: jaq spends about half a microsecond setting up and running even `.title`
//! (a context, variable list and boxed iterators per run), which is most of what a
//! mapped source costs per product (benches/upstream_mapping.rs). A filter outside
//! this subset runs through jaq as before, and a property test checks that both give
//! the same first output (or both fail) for every filter of the subset on generated
//! values, as the compiled GraphQL plans are checked against the general path.
//!
//! The subset, in jq's own meaning:
//!
//! ```text
//! filter  := stage ( "|" stage )*
//! stage   := alt | path "/" string | "{" name ":" alt ( "," name ":" alt )* "}"
//!          | "map(" filter ")" | "find(" filter ";" ( string | "$" name ) ")"
//!          | "trim" | "ascii_upcase" | "ascii_downcase" | "compact"
//! alt     := path ( "//" path )*
//! path    := literal | start step*
//! start   := "." | "." name | "." index | "$" name
//! step    := "." name | "." index | index
//! index   := "[" ( string | integer | "$" name ) "]"
//! literal := string | integer | "null" | "true" | "false"
//! string  := "…" with \" \\ \n \t escapes and \($name) interpolations
//! ```

use super::jq::{Val, as_text, string};

/// A filter of the subset, parsed: stages piped one into the next.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Simple {
    stages: Vec<Stage>,
}

#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Alternatives, tried in order (`a // b // c`).
    Alt(Vec<Path>),
    /// `path / "sep"`: a text split.
    Split(Path, String),
    /// `{name: alt, …}`.
    Object(Vec<(String, Vec<Path>)>),
    Trim,
    Upcase,
    Downcase,
    /// `map(f)`: `[.[] | f]`.
    Map(Simple),
    /// The `find(f; $v)` helper (`natives`): `$v` a literal or a variable.
    Find(Simple, Path),
    /// The `compact` helper (`natives`).
    Compact,
}

#[derive(Clone, Debug, PartialEq)]
enum Path {
    Literal(Val),
    /// From the input (`None`) or a variable (its index among the filter's).
    Steps(Option<usize>, Vec<Step>),
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(Text),
    Index(isize),
    /// `[$var]`: a key or an index, as the variable holds.
    Var(usize),
}

/// A string, possibly with interpolated variables.
#[derive(Clone, Debug, PartialEq)]
enum Text {
    Plain(String),
    Parts(Vec<Part>),
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    Var(usize),
}

/// Why a value cannot be stepped into: jq's error, in short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepError;

impl Simple {
    /// `code` parsed, when it is in the subset; `vars` names the filter's variables
    /// in order (each with its `$`).
    pub(crate) fn parse(code: &str, vars: &[&str]) -> Option<Simple> {
        let mut parser = Parser {
            rest: code.trim(),
            vars,
        };
        let simple = parser.pipeline(None)?;
        parser.rest.is_empty().then_some(simple)
    }

    /// The first output jq would give on `input`: `Ok(None)` for no output (never,
    /// in the subset), `Err` where jq raises an error.
    pub(crate) fn first(&self, input: &Val, vars: &[Val]) -> Result<Option<Val>, StepError> {
        let mut value = input.clone();
        for stage in &self.stages {
            value = stage.apply(&value, vars)?;
        }
        Ok(Some(value))
    }
}

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
    fn apply(&self, input: &Val, vars: &[Val]) -> Result<Val, StepError> {
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
            Stage::Compact => Ok(super::natives::compact(input.clone())),
        }
    }
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

struct Parser<'a> {
    rest: &'a str,
    vars: &'a [&'a str],
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(token)?;
        Some(())
    }

    fn path(&mut self) -> Option<Path> {
        if let Some(literal) = self.literal() {
            return Some(literal);
        }
        let start = if self.rest.starts_with('$') {
            self.rest = &self.rest[1..];
            Some(self.var()?)
        } else {
            self.eat(".")?;
            None
        };
        let mut steps = Vec::new();
        // `.` alone, or `.name` / `.[…]` right after the dot.
        if start.is_none()
            && let Some(step) = self.step_after_dot()
        {
            steps.push(step?);
        }
        loop {
            if self.rest.starts_with("//") {
                break;
            }
            if self.rest.starts_with('[') {
                steps.push(self.index()?);
            } else if self.rest.starts_with('.') {
                self.rest = &self.rest[1..];
                steps.push(self.step_after_dot()??);
            } else {
                break;
            }
        }
        Some(Path::Steps(start, steps))
    }

    /// Stages up to the end, or up to `stop` (left for the caller).
    fn pipeline(&mut self, stop: Option<char>) -> Option<Simple> {
        let mut stages = vec![self.stage()?];
        loop {
            self.skip_space();
            if self.rest.is_empty() || stop.is_some_and(|stop| self.rest.starts_with(stop)) {
                break;
            }
            self.eat("|")?;
            self.skip_space();
            stages.push(self.stage()?);
        }
        Some(Simple { stages })
    }

    fn stage(&mut self) -> Option<Stage> {
        if let Some(rest) = self.rest.strip_prefix("map(") {
            self.rest = rest.trim_start();
            let inner = self.pipeline(Some(')'))?;
            self.eat(")")?;
            return Some(Stage::Map(inner));
        }
        if let Some(rest) = self.rest.strip_prefix("find(") {
            self.rest = rest.trim_start();
            let f = self.pipeline(Some(';'))?;
            self.eat(";")?;
            self.skip_space();
            let wanted = if self.rest.starts_with('$') {
                self.rest = &self.rest[1..];
                Path::Steps(Some(self.var()?), Vec::new())
            } else {
                match self.literal()? {
                    literal @ Path::Literal(_) => literal,
                    Path::Steps(..) => return None,
                }
            };
            self.skip_space();
            self.eat(")")?;
            return Some(Stage::Find(f, wanted));
        }
        for (word, stage) in [
            ("trim", Stage::Trim),
            ("ascii_upcase", Stage::Upcase),
            ("ascii_downcase", Stage::Downcase),
            ("compact", Stage::Compact),
        ] {
            if let Some(rest) = self.rest.strip_prefix(word)
                && !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '(')
            {
                self.rest = rest;
                return Some(stage);
            }
        }
        if self.rest.starts_with('{') {
            return self.object();
        }
        let first = self.path()?;
        self.skip_space();
        if self.rest.starts_with('/') && !self.rest.starts_with("//") {
            self.rest = self.rest[1..].trim_start();
            return match self.string()? {
                Text::Plain(separator) if !separator.is_empty() => {
                    Some(Stage::Split(first, separator))
                }
                _ => None,
            };
        }
        let mut paths = vec![first];
        while self.rest.trim_start().starts_with("//") {
            self.skip_space();
            self.eat("//")?;
            self.skip_space();
            paths.push(self.path()?);
            self.skip_space();
        }
        Some(Stage::Alt(paths))
    }

    fn object(&mut self) -> Option<Stage> {
        self.eat("{")?;
        let mut fields = Vec::new();
        loop {
            self.skip_space();
            let name = self.name()?;
            self.skip_space();
            self.eat(":")?;
            self.skip_space();
            let mut paths = vec![self.path()?];
            self.skip_space();
            while self.rest.starts_with("//") {
                self.eat("//")?;
                self.skip_space();
                paths.push(self.path()?);
                self.skip_space();
            }
            fields.push((name, paths));
            if self.eat(",").is_none() {
                break;
            }
        }
        self.skip_space();
        self.eat("}")?;
        Some(Stage::Object(fields))
    }

    /// `name`, `"name"` or `[…]` right after a dot: `None` when none follows,
    /// `Some(None)` when one starts but is not in the subset.
    fn step_after_dot(&mut self) -> Option<Option<Step>> {
        if let Some(name) = self.name() {
            Some(Some(Step::Key(Text::Plain(name))))
        } else if self.rest.starts_with('"') {
            Some(self.string().map(Step::Key))
        } else if self.rest.starts_with('[') {
            Some(self.index())
        } else {
            None
        }
    }

    fn literal(&mut self) -> Option<Path> {
        if self.rest.starts_with('"') {
            return Some(match self.string()? {
                Text::Plain(text) => Path::Literal(string(&text)),
                Text::Parts(_) => return None,
            });
        }
        for (word, value) in [
            ("null", Val::Null),
            ("true", Val::Bool(true)),
            ("false", Val::Bool(false)),
        ] {
            if let Some(rest) = self.rest.strip_prefix(word)
                && !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                self.rest = rest;
                return Some(Path::Literal(value));
            }
        }
        let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && digits <= 9 {
            let number: isize = self.rest[..digits].parse().ok()?;
            self.rest = &self.rest[digits..];
            return Some(Path::Literal(Val::from(number)));
        }
        None
    }

    fn name(&mut self) -> Option<String> {
        let first = self.rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        let name = self.rest[..end].to_owned();
        // Keywords are not keys in jq (`.and` is a syntax error there).
        if matches!(
            name.as_str(),
            "and"
                | "or"
                | "not"
                | "if"
                | "then"
                | "elif"
                | "else"
                | "end"
                | "as"
                | "def"
                | "reduce"
                | "foreach"
                | "try"
                | "catch"
                | "label"
                | "import"
                | "include"
                | "__loc__"
        ) {
            return None;
        }
        self.rest = &self.rest[end..];
        Some(name)
    }

    fn var(&mut self) -> Option<usize> {
        let name = self.name()?;
        self.vars
            .iter()
            .position(|var| var.strip_prefix('$') == Some(name.as_str()))
    }

    fn index(&mut self) -> Option<Step> {
        self.eat("[")?;
        let step = if self.rest.starts_with('"') {
            Step::Key(self.string()?)
        } else if self.rest.starts_with('$') {
            self.rest = &self.rest[1..];
            Step::Var(self.var()?)
        } else {
            let negative = self.rest.starts_with('-');
            let body = if negative { &self.rest[1..] } else { self.rest };
            let digits = body.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            let number: isize = body[..digits].parse().ok()?;
            self.rest = &body[digits..];
            Step::Index(if negative { -number } else { number })
        };
        self.eat("]")?;
        Some(step)
    }

    fn string(&mut self) -> Option<Text> {
        self.eat("\"")?;
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[at + 1..];
                    if parts.is_empty() {
                        return Some(Text::Plain(text));
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(text));
                    }
                    return Some(Text::Parts(parts));
                }
                '\\' => match chars.next()?.1 {
                    '"' => text.push('"'),
                    '\\' => text.push('\\'),
                    '/' => text.push('/'),
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    '(' => {
                        let (start, _) = chars.next()?;
                        let inner = &self.rest[start..];
                        let end = inner.find(')')?;
                        let name = inner[..end].trim().strip_prefix('$')?;
                        let var = self
                            .vars
                            .iter()
                            .position(|v| v.strip_prefix('$') == Some(name))?;
                        if !text.is_empty() {
                            parts.push(Part::Text(std::mem::take(&mut text)));
                        }
                        parts.push(Part::Var(var));
                        // Skip past the `)`.
                        for _ in 0..inner[..=end].chars().count() - 1 {
                            chars.next()?;
                        }
                    }
                    _ => return None,
                },
                c => text.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use proptest::prelude::*;

    use super::super::jq::{Filter, parse_json};
    use super::*;

    const VARS: [&str; 3] = ["$key", "$locale", "$item"];

    #[test]
    fn the_subset_is_recognized_and_the_rest_is_not() {
        for code in [
            ".",
            ".a",
            ".a.b",
            ".[\"a b\"]",
            ".a[0]",
            ".a[-1].b",
            "$item.a",
            ".[$locale]",
            ".a // .b // \"x\"",
            ".[\"name_\\($locale)\"]",
            "null",
            "12",
            "$key",
            ".a | .b",
            ".a / \",\" | .[0] | trim",
            ".a / \",\" | map(trim)",
            "{a: .x, b: .y // .z} | compact",
            ".a | ascii_upcase",
            "find(.a; \"x\")",
            ".a | find(.b | .c; $key) | .d",
            "map({a: .x, b: .y // .z})",
            "$item.c | map(.obj.name[$locale] // .id)",
        ] {
            assert!(Simple::parse(code, &VARS).is_some(), "{code}");
        }
        for code in [
            ".a[]",
            "map(.a[])",
            "find(.a; .b)",
            ".a / .b",
            ".a // .b / \",\"",
            "trimmed",
            "{a: .x | trim}",
            ".a + .b",
            "$nope",
            ".and",
            ".a?",
            "first(.a)",
            "{a}",
            ".a // ",
            "\"\\($nope)\"",
        ] {
            assert!(Simple::parse(code, &VARS).is_none(), "{code}");
        }
    }

    fn filters() -> impl Strategy<Value = String> {
        let step = prop_oneof![
            "[a-c]".prop_map(|k| format!(".{k}")),
            "[a-c]".prop_map(|k| format!("[\"{k}\"]")),
            (-2..3i32).prop_map(|i| format!("[{i}]")),
            Just("[$locale]".to_owned()),
            Just("[\"n_\\($locale)\"]".to_owned()),
        ];
        let path = (
            prop_oneof![Just(".".to_owned()), Just("$item".to_owned())],
            proptest::collection::vec(step, 0..4),
        )
            .prop_map(|(start, steps)| {
                let mut path = start;
                for step in steps {
                    if path == "." && step.starts_with('.') {
                        path = step;
                    } else {
                        path.push_str(&step);
                    }
                }
                path
            });
        let alt = prop_oneof![4 => path.clone(), 1 => Just("\"lit\"".to_owned()), 1 => Just("null".to_owned()), 1 => Just("false".to_owned())];
        let alts = proptest::collection::vec(alt, 1..4).prop_map(|alts| alts.join(" // "));
        let stage = prop_oneof![
            6 => alts.clone(),
            2 => path.prop_map(|path| format!("{path} / \",\"")),
            1 => (alts.clone(), alts).prop_map(|(a, b)| format!("{{a: {a}, b: {b}}}")),
            1 => Just("trim".to_owned()),
            1 => Just("map(trim)".to_owned()),
            1 => Just("compact".to_owned()),
            1 => Just("ascii_upcase".to_owned()),
            1 => Just("map(.a // .b)".to_owned()),
            1 => Just("map({k: .a})".to_owned()),
            1 => Just("map(trim)".to_owned()),
            1 => Just("find(.a; \"a\")".to_owned()),
            1 => Just("find(.b | .a; $key)".to_owned()),
            1 => Just("find(.c; 1)".to_owned()),
        ];
        proptest::collection::vec(stage, 1..4).prop_map(|stages| stages.join(" | "))
    }

    fn values() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            (0..5i64).prop_map(serde_json::Value::from),
            "[a-c ,]{0,4}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("a".to_owned()),
                        Just("b".to_owned()),
                        Just("c".to_owned()),
                        Just("en".to_owned()),
                        Just("n_en".to_owned())
                    ],
                    inner,
                    0..4
                )
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// What the subset gives is what jaq gives: the same first output, or both fail.
        #[test]
        fn the_subset_evaluates_as_jaq_does(code in filters(), input in values(), item in values(), locale in prop_oneof![Just("en"), Just("a")]) {
            let simple = Simple::parse(&code, &VARS).unwrap_or_else(|| panic!("{code} is in the subset"));
            let jaq = Filter::compile(&code, &VARS).unwrap();
            let val = |v: &serde_json::Value| parse_json(v.to_string().as_bytes()).unwrap();
            let vars = [string("k"), string(locale), val(&item)];
            let ours = simple.first(&val(&input), &vars).map_err(|_| ());
            let theirs = jaq.first(val(&input), &vars).map_err(|_| ());
            prop_assert_eq!(ours.map(|v| v.map(|v| v.to_string())), theirs.map(|v| v.map(|v| v.to_string())), "{} on {} (item {})", code, input, item);
        }
    }
}

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
//!          | "(" filter ")"
//!          | "if" cond "then" filter ( "elif" cond "then" filter )* "else" filter "end"
//!          | "[" item ( "," item )* "]" step*
//!          | "omit(" ( string | "[" string ( "," string )* "]" ) ")"
//!          | "each_value(" filter ")"
//! item    := alt | path "[]"
//! cond    := test ( ( "and" | "or" ) test )*
//! test    := path ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) path )?
//! alt     := path ( "//" path )*
//! path    := literal | start step*
//! start   := "." | "." name | "." index | "$" name
//! step    := "." name | "." index | index
//! index   := "[" ( string | integer | "$" name ) "]"
//! literal := string | integer | "null" | "true" | "false"
//! string  := "…" with \" \\ \n \t escapes and \($name) interpolations
//! ```
//!
//! A filter of the subset also says which parts of its input it can read
//! ([`Simple::reads`]): what `prune` parses of an answer, and no more.

use super::jq::{Val, as_text, string};
use super::prune::{Builder, Loc};

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
    /// `( filter )`.
    Group(Simple),
    /// `if c then f elif c2 then f2 … else g end`.
    If(Vec<(Cond, Simple)>, Box<Simple>),
    /// `[a, b[], …]` and the steps after it (`[…][0]`).
    Array(Vec<Item>, Vec<Step>),
    /// The `omit($keys)` helper (`natives`), its argument a literal.
    Omit(Val),
    /// The `each_value(f)` helper (`natives`).
    EachValue(Simple),
}

/// One part of an array built by `[…]`.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    /// `a // b`: its one output.
    Alt(Vec<Path>),
    /// `path[]`: every value of the list or object there.
    Each(Path),
}

/// A condition: `and`s of tests, `or`ed (`and` binds tighter, as in jq).
#[derive(Clone, Debug, PartialEq)]
struct Cond {
    any_of: Vec<Vec<Test>>,
}

/// A value, or two compared.
#[derive(Clone, Debug, PartialEq)]
struct Test {
    left: Path,
    compared: Option<(Cmp, Path)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
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

/// What a filter's variable stands for when its reads are walked (`prune`).
#[derive(Clone, Debug)]
pub(crate) enum Bound {
    /// A value from outside the answer that differs per call (`$key`, `$keys`).
    Varies,
    /// A text known at start (`$locale`).
    Text(String),
    /// A value of the answer, at one of these places (`$item`).
    At(Vec<Loc>),
}

impl Simple {
    /// `code` parsed, when it is in the subset; `vars` names the filter's variables
    /// in order (each with its `$`).
    pub(crate) fn parse(code: &str, vars: &[&str]) -> Option<Simple> {
        let mut parser = Parser {
            rest: code.trim(),
            vars,
        };
        let simple = parser.pipeline(&[])?;
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

impl Simple {
    /// Records in `tree` what this filter can read of an input found at `input`,
    /// its variables standing for `vars`; gives where in the answer its output can
    /// be. A value it builds (an object, a text) is not in the answer: then the
    /// parts of the answer that went into it are marked read whole, and no place
    /// is given.
    pub(crate) fn reads(&self, input: &[Loc], vars: &[Bound], tree: &mut Builder) -> Vec<Loc> {
        let mut at = input.to_vec();
        for stage in &self.stages {
            at = stage.reads(&at, vars, tree);
        }
        at
    }
}

/// Marks the places `at` read whole.
fn whole(at: &[Loc], tree: &mut Builder) -> Vec<Loc> {
    for &loc in at {
        tree.whole(loc);
    }
    Vec::new()
}

/// Any element or value at each of `at`.
fn each(at: &[Loc], tree: &mut Builder) -> Vec<Loc> {
    at.iter().map(|&loc| tree.any(loc)).collect()
}

fn union(mut a: Vec<Loc>, b: Vec<Loc>) -> Vec<Loc> {
    for loc in b {
        if !a.contains(&loc) {
            a.push(loc);
        }
    }
    a
}

impl Stage {
    fn reads(&self, input: &[Loc], vars: &[Bound], tree: &mut Builder) -> Vec<Loc> {
        let alts = |paths: &[Path], tree: &mut Builder| {
            paths.iter().fold(Vec::new(), |out, path| {
                union(out, path.reads(input, vars, tree))
            })
        };
        match self {
            Stage::Alt(paths) => alts(paths, tree),
            Stage::Split(path, _) => {
                let at = path.reads(input, vars, tree);
                whole(&at, tree)
            }
            Stage::Object(fields) => {
                for (_, paths) in fields {
                    let at = alts(paths, tree);
                    whole(&at, tree);
                }
                Vec::new()
            }
            Stage::Trim | Stage::Upcase | Stage::Downcase | Stage::Compact => whole(input, tree),
            Stage::Map(inner) | Stage::EachValue(inner) => {
                let elements = each(input, tree);
                let at = inner.reads(&elements, vars, tree);
                whole(&at, tree)
            }
            Stage::Find(f, wanted) => {
                let at = wanted.reads(input, vars, tree);
                whole(&at, tree);
                let elements = each(input, tree);
                let at = f.reads(&elements, vars, tree);
                whole(&at, tree);
                // The element found, as it is.
                elements
            }
            Stage::Group(inner) => inner.reads(input, vars, tree),
            Stage::If(branches, otherwise) => {
                let mut out = Vec::new();
                for (cond, then) in branches {
                    for test in cond.any_of.iter().flatten() {
                        let at = test.left.reads(input, vars, tree);
                        whole(&at, tree);
                        if let Some((_, right)) = &test.compared {
                            let at = right.reads(input, vars, tree);
                            whole(&at, tree);
                        }
                    }
                    out = union(out, then.reads(input, vars, tree));
                }
                union(out, otherwise.reads(input, vars, tree))
            }
            Stage::Array(items, _) => {
                for item in items {
                    let at = match item {
                        Item::Alt(paths) => alts(paths, tree),
                        Item::Each(path) => path.reads(input, vars, tree),
                    };
                    whole(&at, tree);
                }
                Vec::new()
            }
            // The same object without some keys: its values are read where they are.
            Stage::Omit(_) => input.to_vec(),
        }
    }
}

impl Path {
    fn reads(&self, input: &[Loc], vars: &[Bound], tree: &mut Builder) -> Vec<Loc> {
        let Path::Steps(start, steps) = self else {
            return Vec::new();
        };
        let mut at = match start {
            None => input.to_vec(),
            Some(var) => match vars.get(*var) {
                Some(Bound::At(at)) => at.clone(),
                _ => return Vec::new(),
            },
        };
        for step in steps {
            let name = match step {
                Step::Key(text) => text.known(vars),
                Step::Index(_) => None,
                Step::Var(var) => match vars.get(*var) {
                    Some(Bound::Text(text)) => Some(text.clone()),
                    Some(Bound::At(from)) => {
                        // A key read from the answer: read whole, any key.
                        let from = from.clone();
                        whole(&from, tree);
                        None
                    }
                    _ => None,
                },
            };
            at = match name {
                Some(name) => at.iter().map(|&loc| tree.key(loc, &name)).collect(),
                None => each(&at, tree),
            };
        }
        at
    }
}

impl Text {
    /// The text when it is known at start.
    fn known(&self, vars: &[Bound]) -> Option<String> {
        match self {
            Text::Plain(text) => Some(text.clone()),
            Text::Parts(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        Part::Text(text) => out.push_str(text),
                        Part::Var(var) => match vars.get(*var)? {
                            Bound::Text(text) => out.push_str(text),
                            _ => return None,
                        },
                    }
                }
                Some(out)
            }
        }
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
            Stage::Omit(keys) => Ok(super::natives::omit(input.clone(), keys)),
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

    /// Whether `token` comes next: a word only as a whole word.
    fn at(&self, token: &str) -> bool {
        let Some(rest) = self.rest.strip_prefix(token) else {
            return false;
        };
        !token.starts_with(|c: char| c.is_ascii_alphabetic())
            || !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    }

    /// `token` (a word only as a whole word), after any space.
    fn keyword(&mut self, token: &str) -> Option<()> {
        self.skip_space();
        if !self.at(token) {
            return None;
        }
        self.eat(token)?;
        self.skip_space();
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
            && !self.rest.starts_with("[]")
            && let Some(step) = self.step_after_dot()
        {
            steps.push(step?);
        }
        loop {
            if self.rest.starts_with("//") || self.rest.starts_with("[]") {
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

    /// Stages up to the end, or up to one of `stops` (left for the caller).
    fn pipeline(&mut self, stops: &[&str]) -> Option<Simple> {
        let mut stages = vec![self.stage()?];
        loop {
            self.skip_space();
            if self.rest.is_empty() || stops.iter().any(|stop| self.at(stop)) {
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
            let inner = self.pipeline(&[")"])?;
            self.eat(")")?;
            return Some(Stage::Map(inner));
        }
        if let Some(rest) = self.rest.strip_prefix("find(") {
            self.rest = rest.trim_start();
            let f = self.pipeline(&[";"])?;
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
        if let Some(rest) = self.rest.strip_prefix("each_value(") {
            self.rest = rest.trim_start();
            let inner = self.pipeline(&[")"])?;
            self.eat(")")?;
            return Some(Stage::EachValue(inner));
        }
        if let Some(rest) = self.rest.strip_prefix("omit(") {
            self.rest = rest.trim_start();
            let keys = self.literal_keys()?;
            self.skip_space();
            self.eat(")")?;
            return Some(Stage::Omit(keys));
        }
        if self.at("if") {
            return self.conditional();
        }
        if let Some(rest) = self.rest.strip_prefix('(') {
            self.rest = rest.trim_start();
            let inner = self.pipeline(&[")"])?;
            self.eat(")")?;
            return Some(Stage::Group(inner));
        }
        if self.rest.starts_with('[') {
            return self.array();
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

    /// `if … end`, at `if`.
    fn conditional(&mut self) -> Option<Stage> {
        self.keyword("if")?;
        let mut branches = Vec::new();
        loop {
            let cond = self.cond()?;
            self.keyword("then")?;
            let then = self.pipeline(&["elif", "else", "end"])?;
            branches.push((cond, then));
            if self.keyword("elif").is_none() {
                break;
            }
        }
        self.keyword("else")?;
        let otherwise = self.pipeline(&["end"])?;
        self.keyword("end")?;
        Some(Stage::If(branches, Box::new(otherwise)))
    }

    fn cond(&mut self) -> Option<Cond> {
        let mut any_of = vec![vec![self.test()?]];
        loop {
            self.skip_space();
            if self.keyword("and").is_some() {
                any_of.last_mut()?.push(self.test()?);
            } else if self.keyword("or").is_some() {
                any_of.push(vec![self.test()?]);
            } else {
                return Some(Cond { any_of });
            }
        }
    }

    fn test(&mut self) -> Option<Test> {
        let left = self.path()?;
        self.skip_space();
        let mut compared = None;
        for (token, cmp) in [
            ("==", Cmp::Eq),
            ("!=", Cmp::Ne),
            ("<=", Cmp::Le),
            (">=", Cmp::Ge),
            ("<", Cmp::Lt),
            (">", Cmp::Gt),
        ] {
            if self.eat(token).is_some() {
                self.skip_space();
                compared = Some((cmp, self.path()?));
                break;
            }
        }
        Some(Test { left, compared })
    }

    /// `[a, b[], …]` and the steps after it.
    fn array(&mut self) -> Option<Stage> {
        self.eat("[")?;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            let first = self.path()?;
            if self.eat("[]").is_some() {
                items.push(Item::Each(first));
            } else {
                let mut paths = vec![first];
                self.skip_space();
                while self.eat("//").is_some() {
                    self.skip_space();
                    paths.push(self.path()?);
                    self.skip_space();
                }
                items.push(Item::Alt(paths));
            }
            self.skip_space();
            if self.eat(",").is_none() {
                break;
            }
        }
        self.eat("]")?;
        let mut steps = Vec::new();
        loop {
            if self.rest.starts_with("[]") {
                return None;
            }
            if self.rest.starts_with('[') {
                steps.push(self.index()?);
            } else if self.rest.starts_with('.') && !self.rest.starts_with("..") {
                self.rest = &self.rest[1..];
                steps.push(self.step_after_dot()??);
            } else {
                break;
            }
        }
        Some(Stage::Array(items, steps))
    }

    /// `"key"` or `["key", …]`: `omit`'s argument.
    fn literal_keys(&mut self) -> Option<Val> {
        if self.rest.starts_with('"') {
            return match self.string()? {
                Text::Plain(key) => Some(string(&key)),
                Text::Parts(_) => None,
            };
        }
        self.eat("[")?;
        let mut keys = Vec::new();
        loop {
            self.skip_space();
            match self.string()? {
                Text::Plain(key) => keys.push(string(&key)),
                Text::Parts(_) => return None,
            }
            self.skip_space();
            if self.eat(",").is_none() {
                break;
            }
        }
        self.eat("]")?;
        Some(keys.into_iter().collect())
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
        // After a dot, jaq reads a keyword as a key too (`.label`, `.and`).
        if let Some(name) = self.word() {
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

    /// An identifier, keywords included.
    fn word(&mut self) -> Option<String> {
        let first = self.rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        let name = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        Some(name)
    }

    /// An identifier that is not a keyword.
    fn name(&mut self) -> Option<String> {
        let before = self.rest;
        let name = self.word()?;
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
            self.rest = before;
            return None;
        }
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
            "if .a then \"x\" else .b end",
            ".a | if .b == null or .c > 5 then (if .d then 1 else 2 end) elif .b != false and .c <= 1 then .e else null end",
            "[.a[]][0]",
            "[$item.name[]][-1].b",
            "[.a, .b // .c][1]",
            ".a | omit([\"x\", \"y\"]) | each_value(.[0].data)",
            "omit(\"x\")",
            "(.a | .b)",
            ".and.label",
            ".value.label // .value",
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
            ".a?",
            "first(.a)",
            "{a}",
            ".a // ",
            "\"\\($nope)\"",
            "if .a then 1 end",
            "if .a // .b then 1 else 2 end",
            "if .a then 1 else 2",
            "[]",
            "[.a[] | .b]",
            "[.a][]",
            "omit(.a)",
            "each_value(.a[])",
            ".a == 1",
            "(.a",
        ] {
            assert!(Simple::parse(code, &VARS).is_none(), "{code}");
        }
    }

    fn filters() -> impl Strategy<Value = String> {
        let step = prop_oneof![
            "[a-c]".prop_map(|k| format!(".{k}")),
            Just(".end".to_owned()),
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
            2 => path.clone().prop_map(|path| format!("{path} / \",\"")),
            1 => (alts.clone(), alts.clone()).prop_map(|(a, b)| format!("{{a: {a}, b: {b}}}")),
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
            2 => (conds(), alts.clone(), alts.clone()).prop_map(|(c, a, b)| format!("if {c} then {a} else {b} end")),
            1 => (conds(), alts.clone(), conds(), alts.clone(), alts.clone()).prop_map(|(c, a, d, b, e)| format!("if {c} then ({a} | trim) elif {d} then {b} else {e} end")),
            1 => (alts.clone(), -2..3i32).prop_map(|(a, i)| format!("[{a}, .c][{i}]")),
            1 => (path.clone(), -2..3i32).prop_map(|(p, i)| format!("[{p}[]][{i}]")),
            1 => Just("[$item[]] | .[0]".to_owned()),
            1 => Just("omit([\"a\", \"n_en\"])".to_owned()),
            1 => Just("omit(\"b\")".to_owned()),
            1 => Just("each_value(.[0] // .a)".to_owned()),
            1 => (alts.clone()).prop_map(|a| format!("({a} | compact)")),
        ];
        proptest::collection::vec(stage, 1..4).prop_map(|stages| stages.join(" | "))
    }

    fn conds() -> impl Strategy<Value = String> {
        let operand = prop_oneof![
            "[a-c]".prop_map(|k| format!(".{k}")),
            Just("$item.a".to_owned()),
            Just(".a[0]".to_owned()),
            Just("null".to_owned()),
            Just("false".to_owned()),
            Just("true".to_owned()),
            (0..5i32).prop_map(|n| n.to_string()),
            Just("\"a,\"".to_owned()),
        ];
        let op = prop_oneof![
            Just(""),
            Just("=="),
            Just("!="),
            Just("<"),
            Just("<="),
            Just(">"),
            Just(">=")
        ];
        let test = (operand.clone(), op, operand).prop_map(|(a, op, b)| {
            if op.is_empty() {
                a
            } else {
                format!("{a} {op} {b}")
            }
        });
        (
            test.clone(),
            proptest::collection::vec((prop_oneof![Just("and"), Just("or")], test), 0..3),
        )
            .prop_map(|(first, rest)| {
                let mut cond = first;
                for (logic, test) in rest {
                    cond = format!("{cond} {logic} {test}");
                }
                cond
            })
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
                        Just("n_en".to_owned()),
                        Just("end".to_owned())
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

        /// What a filter says it reads is all it needs: on a value parsed keeping
        /// only that (`prune`), it gives what it gives on the whole value.
        #[test]
        fn a_filter_gives_the_same_on_the_parts_it_reads(code in filters(), input in values(), locale in prop_oneof![Just("en"), Just("a")]) {
            let simple = Simple::parse(&code, &VARS).unwrap_or_else(|| panic!("{code} is in the subset"));
            let mut tree = Builder::new();
            let bound = [Bound::Varies, Bound::Text(locale.to_owned()), Bound::At(vec![Builder::ROOT])];
            for loc in simple.reads(&[Builder::ROOT], &bound, &mut tree) {
                tree.whole(loc);
            }
            let tree = tree.finish();
            let text = input.to_string();
            let full = parse_json(text.as_bytes()).unwrap();
            let pruned = super::super::prune::parse(text.as_bytes(), &tree).unwrap();
            let run = |value: &Val| {
                simple
                    .first(value, &[string("k"), string(locale), value.clone()])
                    .map(|out| out.map(|out| out.to_string()))
            };
            prop_assert_eq!(run(&pruned), run(&full), "{} on {} read as {}", code, input, pruned);
        }
    }
}

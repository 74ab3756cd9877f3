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
//! stage   := alt | path "/" string | "{" name ":" value ( "," name ":" value )* "}"
//!          | "map(" filter ")" | "find(" filter ";" ( string | "$" name ) ")"
//!          | "trim" | "ascii_upcase" | "ascii_downcase" | "compact"
//!          | "(" filter ")"
//!          | "if" cond "then" filter ( "elif" cond "then" filter )* "else" filter "end"
//!          | "[" item ( "," item )* "]" step*
//!          | "omit(" ( string | "[" string ( "," string )* "]" ) ")"
//!          | "each_value(" filter ")"
//!          | "tojson" | "join(" string ")"
//!          | stage "as" "$" name "|" filter
//! value   := alt | "(" filter ")"
//! item    := alt | path "[]"
//! cond    := test ( ( "and" | "or" ) test )*
//! test    := path ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) path )?
//! alt     := path ( "//" path )*
//! path    := literal | start step*
//! start   := "." | "." name | "." index | "$" name
//! step    := "." name | "." index | index
//! index   := "[" ( string | integer | "$" name ) "]"
//! literal := string | integer | "null" | "true" | "false"
//! string  := "…" with \" \\ \n \t escapes and \($name) interpolations (of any
//!            variable, the filter's or one bound by `as`)
//! ```
//!
//! A filter of the subset also says which parts of its input it can read
//! ([`Simple::reads`]): what `prune` parses of an answer, and no more.

use super::jq::Val;
use super::prune::Loc;

mod eval;
mod forms;
mod parse;
mod reads;
#[cfg(test)]
mod tests;

pub(crate) use forms::{AfterSplit, Form, Slots, Src};

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
    /// `{name: alt, …}`, each name kept as the text value the object is keyed by,
    /// so building one allocates no key.
    Object(Vec<(Val, Vec<Path>)>),
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
    /// `tojson`.
    ToJson,
    /// `join("sep")`, as the native `join` (`natives`).
    Join(String),
    /// `f as $name | body`: `body` on the same input, `f`'s output the variable
    /// after the filter's own (and any bound around it).
    Bind(Simple, Simple),
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
    /// A string with interpolated variables (`"sku in (\($skus))"`).
    Text(Vec<Part>),
    /// From the input (`None`) or a variable (its index among the filter's).
    Steps(Option<usize>, Vec<Step>),
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// A key known when the filter is parsed, kept as the value an object is
    /// looked up by, so a lookup allocates nothing.
    Field(Val),
    /// A key with interpolated variables.
    Key(Text),
    Index(isize),
    /// `[$var]`: a key or an index, as the variable holds.
    Var(usize),
}

impl Step {
    /// `.[text]`: a plain key becomes a [`Step::Field`].
    fn key(text: Text) -> Step {
        match text {
            Text::Plain(name) => Step::Field(super::jq::string(&name)),
            parts => Step::Key(parts),
        }
    }
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
    /// A value from outside the answer that differs per call (`$keys`, `$gtin`).
    Varies,
    /// The key an item was asked under (`$key`): a list's element found by it is
    /// read only when asked for ([`Builder::selected`](super::prune::Builder::selected)).
    Key,
    /// A text known at start (`$locale`).
    Text(String),
    /// A value of the answer, at one of these places (`$item`).
    At(Vec<Loc>),
}

impl Simple {
    /// `code` parsed, when it is in the subset; `vars` names the filter's variables
    /// in order (each with its `$`).
    pub(crate) fn parse(code: &str, vars: &[&str]) -> Option<Simple> {
        parse::parse(code, vars)
    }

    /// The first output jq would give on `input`: `Ok(None)` for no output (never,
    /// in the subset), `Err` where jq raises an error.
    pub(crate) fn first(&self, input: &Val, vars: &[Val]) -> Result<Option<Val>, StepError> {
        Ok(Some(self.eval(input, vars, ())?.into_owned()))
    }
}

impl Simple {
    /// The keys when the filter is just `.a // .b // …` on its input.
    pub(crate) fn alternative_keys(&self) -> Option<Vec<String>> {
        let [Stage::Alt(paths)] = self.stages.as_slice() else {
            return None;
        };
        paths
            .iter()
            .map(|path| match path {
                Path::Steps(None, steps) => match steps.as_slice() {
                    [Step::Field(name)] => super::jq::as_text(name).map(str::to_owned),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    /// Fills in variable `var`, a text known at start (`$locale`), wherever it
    /// names a key (`.["name_\($locale)"]`, `.[$locale]`): the key is then built
    /// once, not at each run. The filter gives what it gave when run with that text
    /// as the variable.
    pub(crate) fn bind_text(&mut self, var: usize, text: &str) {
        for stage in &mut self.stages {
            stage.bind_text(var, text);
        }
    }
}

impl Stage {
    fn bind_text(&mut self, var: usize, text: &str) {
        match self {
            Stage::Alt(paths) => paths.iter_mut().for_each(|path| path.bind_text(var, text)),
            Stage::Split(path, _) => path.bind_text(var, text),
            Stage::Object(fields) => fields
                .iter_mut()
                .flat_map(|(_, paths)| paths.iter_mut())
                .for_each(|path| path.bind_text(var, text)),
            Stage::Map(inner) | Stage::Group(inner) | Stage::EachValue(inner) => {
                inner.bind_text(var, text)
            }
            Stage::Bind(source, body) => {
                source.bind_text(var, text);
                body.bind_text(var, text);
            }
            Stage::Find(inner, wanted) => {
                inner.bind_text(var, text);
                wanted.bind_text(var, text);
            }
            Stage::If(branches, otherwise) => {
                for (cond, then) in branches {
                    for test in cond.any_of.iter_mut().flatten() {
                        test.left.bind_text(var, text);
                        if let Some((_, right)) = &mut test.compared {
                            right.bind_text(var, text);
                        }
                    }
                    then.bind_text(var, text);
                }
                otherwise.bind_text(var, text);
            }
            Stage::Array(items, steps) => {
                for item in items {
                    match item {
                        Item::Alt(paths) => {
                            paths.iter_mut().for_each(|path| path.bind_text(var, text))
                        }
                        Item::Each(path) => path.bind_text(var, text),
                    }
                }
                steps.iter_mut().for_each(|step| step.bind_text(var, text));
            }
            Stage::Trim
            | Stage::Upcase
            | Stage::Downcase
            | Stage::Compact
            | Stage::Omit(_)
            | Stage::ToJson
            | Stage::Join(_) => {}
        }
    }
}

impl Path {
    fn bind_text(&mut self, var: usize, text: &str) {
        if let Path::Steps(_, steps) = self {
            steps.iter_mut().for_each(|step| step.bind_text(var, text));
        }
    }
}

impl Step {
    fn bind_text(&mut self, var: usize, text: &str) {
        let known = match self {
            Step::Var(v) if *v == var => Some(text.to_owned()),
            Step::Key(Text::Parts(parts))
                if parts
                    .iter()
                    .all(|part| matches!(part, Part::Text(_)) || *part == Part::Var(var)) =>
            {
                Some(
                    parts
                        .iter()
                        .map(|part| match part {
                            Part::Text(plain) => plain.as_str(),
                            Part::Var(_) => text,
                        })
                        .collect(),
                )
            }
            _ => None,
        };
        if let Some(key) = known {
            *self = Step::Field(super::jq::string(&key));
        }
    }
}

//! jq filters through jaq: compiled once at start from a mapping file's text, run
//! per answer, item or key with the mapping's variables (`$key`, `$keys`, `$page` …).
//!
//! The one place that knows jaq's API, so the rest of `mapping` deals in
//! [`Filter`] and [`Val`] only. Compilation errors carry the column of the problem
//! within the filter's text; the caller adds the file's line.

use std::fmt;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};

pub(crate) use jaq_json::Val;

use super::simple::Simple;

/// The kind of data the filters run on: JSON values, nothing else in the context.
type Data = data::JustLut<Val>;

/// A compiled jq filter with its named global variables.
pub(crate) struct Filter {
    /// The filter as written, for `upstream check` and error messages.
    source: std::sync::Arc<str>,
    /// The compiled program.
    compiled: jaq_core::Filter<Data>,
    /// The same filter evaluated without a jaq run, when it is a plain path or
    /// alternative of paths (`simple`): what most fields of a mapping are.
    simple: Option<Simple>,
    /// How many global variables it expects, in the order given at compile time.
    vars: usize,
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Filter").field(&self.source).finish()
    }
}

/// Why a filter did not compile: what, and where in the filter's text (a byte offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CompileError {
    /// Byte offset of the problem within the filter's text.
    pub(crate) offset: usize,
    /// What is wrong, e.g. `expected term, found ")"`.
    pub(crate) message: String,
}

/// Why a filter failed on a value: jq's own error text, or the subset's failed
/// step, whose text is written only when shown: the subset fails where a fallback
/// follows (`.value.label` on text, then `.value`), once an attribute of every
/// product read, and formatting each such message was 2 % of reading a
/// commercetools page (bench/JOURNAL.md, "Session 19").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RunError {
    /// jaq's error, as it wrote it.
    #[error("{0}")]
    Jq(String),
    /// A step of the subset's filter (its source) found no object or list.
    #[error("{0}: cannot index a value that is not an object or a list")]
    Step(std::sync::Arc<str>),
}

/// jq's standard definitions a mapping may call, parsed once: `jaq_core::defs` and
/// `jaq_std::defs` parse their library's text at each call, which was most of what
/// compiling one filter cost (a mapping compiles dozens).
static STANDARD_DEFS: std::sync::LazyLock<Vec<jaq_core::load::parse::Def<&'static str>>> =
    std::sync::LazyLock::new(|| {
        jaq_core::defs()
            .filter(|def| !super::natives::REPLACED.contains(&def.name))
            .chain(jaq_std::defs().filter(|def| !left_out(def.name, def.args.len())))
            .chain(jaq_json::defs())
            .collect()
    });

impl Filter {
    /// Compiles `code` with jq's standard library and the global variables `vars`
    /// (each spelled with its `$`), whose values [`Filter::first`] and
    /// [`Filter::all`] take in the same order.
    pub(crate) fn compile(code: &str, vars: &[&str]) -> Result<Filter, CompileError> {
        // `join` is jaq's only definition a mapping calls per request that costs more
        // than the call it serves (14 µs for 10 keys): `natives` has it in Rust.
        let defs = STANDARD_DEFS.iter().cloned();
        let funs = jaq_core::funs::<Data>()
            .chain(jaq_std::base_funs::<Data>())
            .chain(jaq_json::funs::<Data>())
            .chain(super::natives::funs());
        let arena = Arena::default();
        let loader = Loader::new(defs);
        let modules = loader
            .load(&arena, File { code, path: () })
            .map_err(|errors| load_error(code, &errors))?;
        let compiled = Compiler::default()
            .with_funs(funs)
            .with_global_vars(vars.iter().copied())
            .compile(modules)
            .map_err(|errors| {
                let (offset, message) = errors
                    .iter()
                    .flat_map(|(_, undefined)| undefined.iter())
                    .map(|(name, kind)| {
                        (
                            offset_in(code, name),
                            format!("undefined {kind:?} `{name}`"),
                        )
                    })
                    .next()
                    .unwrap_or((0, "does not compile".to_owned()));
                CompileError {
                    offset,
                    message: message.to_lowercase(),
                }
            })?;
        Ok(Filter {
            source: code.into(),
            compiled,
            simple: Simple::parse(code, vars),
            vars: vars.len(),
        })
    }

    /// Fills in variable `var` where the subset's evaluation can use it as a key
    /// known at start ([`Simple::bind_text`]); jaq's run is left as it is.
    pub(crate) fn bind_text(&mut self, var: usize, text: &str) {
        if let Some(simple) = &mut self.simple {
            simple.bind_text(var, text);
        }
    }

    /// The filter parsed as one of the no-jaq subset, when it is.
    pub(crate) fn simple(&self) -> Option<&Simple> {
        self.simple.as_ref()
    }

    /// The filter's first output on `input`, `None` when it has none; an error
    /// raised before the first output is the filter's error.
    pub(crate) fn first(&self, input: Val, vars: &[Val]) -> Result<Option<Val>, RunError> {
        if let Some(simple) = &self.simple {
            return simple.first(&input, vars).map_err(|_| self.step_error());
        }
        self.outputs(input, vars).next().transpose()
    }

    /// The first output as jaq itself gives it, the no-jaq subset left aside: what
    /// the subset is checked against.
    #[cfg(test)]
    pub(crate) fn first_by_jaq(&self, input: Val, vars: &[Val]) -> Result<Option<Val>, RunError> {
        self.outputs(input, vars).next().transpose()
    }

    /// The first output as [`Filter::first`] gives it, borrowed from `input` or
    /// `vars` where the filter is of the subset and its output a part of them.
    pub(crate) fn first_borrowed<'a>(
        &'a self,
        input: &'a Val,
        vars: &'a [Val],
    ) -> Result<Option<std::borrow::Cow<'a, Val>>, RunError> {
        if let Some(simple) = &self.simple {
            return simple
                .eval(input, vars, ())
                .map(Some)
                .map_err(|_| self.step_error());
        }
        self.outputs(input.clone(), vars)
            .next()
            .transpose()
            .map(|value| value.map(std::borrow::Cow::Owned))
    }

    /// Whether the filter runs without jaq (`simple`): then it has exactly one output.
    pub(crate) fn is_simple(&self) -> bool {
        self.simple.is_some()
    }

    /// Every output of the filter on `input`, stopping at the first error.
    pub(crate) fn all(&self, input: Val, vars: &[Val]) -> Result<Vec<Val>, RunError> {
        if let Some(simple) = &self.simple {
            // A filter of the subset has exactly one output.
            return simple
                .first(&input, vars)
                .map(|value| value.into_iter().collect())
                .map_err(|_| self.step_error());
        }
        self.outputs(input, vars).collect()
    }

    /// The error a filter of the subset reports where jq raises one.
    pub(crate) fn step_error(&self) -> RunError {
        RunError::Step(self.source.clone())
    }

    fn outputs(
        &self,
        input: Val,
        vars: &[Val],
    ) -> impl Iterator<Item = Result<Val, RunError>> + '_ {
        debug_assert_eq!(vars.len(), self.vars, "{}", self.source);
        let ctx = Ctx::<Data>::new(&self.compiled.lut, Vars::new(vars.iter().cloned()));
        self.compiled
            .id
            .run((ctx, input))
            .map(unwrap_valr)
            .map(|result| result.map_err(|error| RunError::Jq(error.to_string())))
    }
}

/// jaq-std's definitions that need the parts of it left out of the build (its
/// `log`, `math`, `regex`, `time` and `format` features: 2.5 MB of the binary, which
/// has a 20 MB image budget): logging, floating-point maths, regular expressions,
/// dates and `@format` strings. A mapping that calls one is refused at start as an
/// undefined filter; `docs/upstream-mapping.md` says what is there.
fn left_out(name: &str, arity: usize) -> bool {
    matches!(
        (name, arity),
        (
            "stderr" | "debug" | "halt_error" | "logb" | "significand" | "pow10" | "gamma",
            _
        ) | ("drem" | "nexttoward" | "scalb" | "capture_of_match", _)
            | (
                "test" | "scan_" | "match" | "capture" | "splits" | "sub" | "gsub" | "scan",
                _
            )
            | ("split", 2)
            | ("todate" | "fromdate", _)
            | (
                "@sh" | "@html" | "@htmld" | "@uri" | "@urid" | "@base64" | "@base64d",
                _
            )
    )
}

/// Reads JSON text into a value (numbers keep their decimal spelling).
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Val, String> {
    jaq_json::read::parse_single(bytes).map_err(|error| error.to_string())
}

/// A string value.
pub(crate) fn string(text: &str) -> Val {
    Val::utf8_str(text.to_owned())
}

/// A string value of static text: nothing allocated, nothing counted (a key looked
/// up per item).
pub(crate) fn static_text(text: &'static str) -> Val {
    Val::utf8_str(bytes::Bytes::from_static(text.as_bytes()))
}

/// The text of a string value, `None` for any other value.
pub(crate) fn as_text(value: &Val) -> Option<&str> {
    match value {
        Val::TStr(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// Where `part` (a slice of `whole`) starts in `whole`; 0 when it is not a slice of it.
fn offset_in(whole: &str, part: &str) -> usize {
    let start = part.as_ptr() as usize;
    let base = whole.as_ptr() as usize;
    if start >= base && start <= base + whole.len() {
        start - base
    } else {
        0
    }
}

fn load_error(code: &str, errors: &jaq_core::load::Errors<&str, ()>) -> CompileError {
    use jaq_core::load::Error;
    for (_, error) in errors {
        match error {
            Error::Lex(list) => {
                if let Some((expected, found)) = list.first() {
                    return CompileError {
                        offset: offset_in(code, found),
                        message: format!("expected {}", expected.as_str()),
                    };
                }
            }
            Error::Parse(list) => {
                if let Some((expected, found)) = list.first() {
                    let found = if found.is_empty() {
                        "the end".to_owned()
                    } else {
                        format!("{found:?}")
                    };
                    return CompileError {
                        offset: offset_in(code, found_slice(code, list)),
                        message: format!("expected {}, found {found}", expected.as_str()),
                    };
                }
            }
            Error::Io(list) => {
                if let Some((path, message)) = list.first() {
                    return CompileError {
                        offset: offset_in(code, path),
                        message: format!("cannot load {path:?}: {message}"),
                    };
                }
            }
        }
    }
    CompileError {
        offset: 0,
        message: "does not parse".to_owned(),
    }
}

/// The text where the first parse error was found.
fn found_slice<'a>(code: &'a str, list: &[jaq_core::load::parse::Error<&'a str>]) -> &'a str {
    list.first().map_or(code, |(_, found)| *found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn json(text: &str) -> Val {
        parse_json(text.as_bytes()).unwrap()
    }

    #[test]
    fn a_filter_runs_with_its_variables_in_the_order_named() {
        let filter = Filter::compile("[$a, $b, .x]", &["$a", "$b"]).unwrap();
        let out = filter
            .first(json(r#"{"x": 3}"#), &[string("one"), string("two")])
            .unwrap()
            .unwrap();
        assert_eq!(out.to_string(), r#"["one","two",3]"#);
    }

    #[test]
    fn the_standard_library_is_there() {
        let filter = Filter::compile(r#"map(ascii_downcase) | join(",")"#, &[]).unwrap();
        let out = filter.first(json(r#"["A","B"]"#), &[]).unwrap().unwrap();
        assert_eq!(as_text(&out), Some("a,b"));
    }

    #[test]
    fn decimals_keep_their_spelling() {
        let filter = Filter::compile(".price", &[]).unwrap();
        let out = filter
            .first(json(r#"{"price": 4.10}"#), &[])
            .unwrap()
            .unwrap();
        assert_eq!(out.to_string(), "4.10");
    }

    #[test]
    fn no_output_is_none_and_a_runtime_error_is_reported() {
        let filter = Filter::compile("empty", &[]).unwrap();
        assert_eq!(filter.first(Val::Null, &[]).unwrap(), None);
        let filter = Filter::compile(".a.b", &[]).unwrap();
        let error = filter.first(json(r#"{"a": "text"}"#), &[]).unwrap_err();
        assert!(error.to_string().contains("index"), "{error}");
        // The subset's failure names the filter, written when shown.
        assert!(filter.simple().is_some());
        assert_eq!(
            error.to_string(),
            ".a.b: cannot index a value that is not an object or a list"
        );
    }

    #[test]
    fn a_syntax_error_names_its_place() {
        let error = Filter::compile(".a | (", &[]).unwrap_err();
        assert!(error.message.starts_with("expected"), "{error:?}");
        let error = Filter::compile(".a | $nope", &["$key"]).unwrap_err();
        assert_eq!(error.offset, 5, "{error:?}");
        assert!(error.message.contains("$nope"), "{error:?}");
    }
}

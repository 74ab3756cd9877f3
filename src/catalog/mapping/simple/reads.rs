//! What a filter of the subset can read of an answer ([`Simple::reads`]): the
//! places `prune` keeps when it parses an answer, and no more.

use super::super::prune::{Builder, Loc};
use super::{Bound, Item, Part, Path, Simple, Stage, Step, Text};

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
                // The element found, as it is: by `$key` under one key, only an
                // element whose text there is a key asked in the call.
                let one_key = f.alternative_keys().filter(|keys| keys.len() == 1);
                match (wanted.is_key(vars), one_key.and_then(|mut keys| keys.pop())) {
                    (true, Some(name)) => input
                        .iter()
                        .map(|&list| tree.selected(list, &name))
                        .collect(),
                    _ => elements,
                }
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
            Stage::ToJson | Stage::Join(_) => whole(input, tree),
            Stage::Bind(source, body) => {
                let at = source.reads(input, vars, tree);
                let mut vars = vars.to_vec();
                // A value built (no place in the answer) reads nothing more.
                vars.push(if at.is_empty() {
                    Bound::Varies
                } else {
                    Bound::At(at)
                });
                body.reads(input, &vars, tree)
            }
        }
    }
}

impl Path {
    /// Whether the path is `$key` itself.
    fn is_key(&self, vars: &[Bound]) -> bool {
        matches!(self, Path::Steps(Some(var), steps)
            if steps.is_empty() && matches!(vars.get(*var), Some(Bound::Key)))
    }

    fn reads(&self, input: &[Loc], vars: &[Bound], tree: &mut Builder) -> Vec<Loc> {
        let (start, steps) = match self {
            Path::Steps(start, steps) => (start, steps),
            Path::Literal(_) => return Vec::new(),
            Path::Text(parts) => {
                interpolated(parts, vars, tree);
                return Vec::new();
            }
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
                Step::Field(name) => super::super::jq::as_text(name).map(str::to_owned),
                Step::Key(text) => {
                    if let Text::Parts(parts) = text {
                        interpolated(parts, vars, tree);
                    }
                    text.known(vars)
                }
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

/// Marks read whole what a string's interpolated variables hold of the answer.
fn interpolated(parts: &[Part], vars: &[Bound], tree: &mut Builder) {
    for part in parts {
        if let Part::Var(var) = part
            && let Some(Bound::At(at)) = vars.get(*var)
        {
            whole(at, tree);
        }
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

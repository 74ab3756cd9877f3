//! The layering rule, checked: no two modules of the crate import each other,
//! directly or around a longer cycle, at either level (`graphql` → `http` and
//! `graphql::schema` → `graphql::query`). Imports are read from the source
//! (`use crate::…`, `super::…`), test modules and doc comments left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["http", "routes"]`) of every source file, with its text.
fn sources() -> Vec<(Vec<String>, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&root).ok()?.with_extension("");
            let mut module: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|last| last == "mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] || module.is_empty() {
                return None;
            }
            let text = std::fs::read_to_string(&path).ok()?;
            // Code only: no unit tests, no comments (doc links are not imports).
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            Some((module, code))
        })
        .collect()
}

/// The identifiers after each occurrence of `prefix` (`crate::a::b` → `[a, b]`).
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    code.match_indices(prefix)
        .map(|(at, _)| {
            code[at + prefix.len()..]
                .split("::")
                .map(|part| {
                    let end = part
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(part.len());
                    &part[..end]
                })
                .take_while(|part| !part.is_empty())
                .take(2)
                .collect()
        })
        .collect()
}

type Graph = BTreeMap<String, BTreeSet<String>>;

fn graphs() -> (Graph, Graph) {
    let (mut top, mut inner) = (Graph::new(), Graph::new());
    for (module, code) in sources() {
        let mut targets: Vec<Vec<String>> = paths_after(&code, "crate::")
            .into_iter()
            .map(|path| path.into_iter().map(str::to_owned).collect())
            .collect();
        if module.len() >= 2 {
            let parent = &module[..module.len() - 1];
            for path in paths_after(&code, "super::") {
                if let Some(first) = path.first() {
                    let mut target = parent.to_vec();
                    target.push((*first).to_owned());
                    targets.push(target);
                }
            }
        }
        for target in targets {
            let Some(first) = target.first() else {
                continue;
            };
            if *first != module[0] {
                top.entry(module[0].clone())
                    .or_default()
                    .insert(first.clone());
            } else if let (Some(from), Some(to)) = (module.get(1), target.get(1))
                && from != to
            {
                inner
                    .entry(format!("{}::{from}", module[0]))
                    .or_default()
                    .insert(format!("{}::{to}", module[0]));
            }
        }
    }
    (top, inner)
}

/// A cycle of `graph`, if it has one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        node: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|seen| seen == node) {
            let mut found = stack[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(graph, next, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(graph, node, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_one_that_imports_it() {
    let (top, inner) = graphs();
    assert!(
        top.contains_key("app"),
        "the scan found the crate's modules"
    );
    assert!(
        inner.contains_key("http::routes"),
        "the scan found submodules"
    );
    assert_eq!(
        cycle(&top),
        None,
        "an import cycle between top-level modules"
    );
    assert_eq!(cycle(&inner), None, "an import cycle inside a module");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: Graph = [("a", "b"), ("b", "c"), ("c", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    assert_eq!(cycle(&graph).map(|found| found.len()), Some(4));
}

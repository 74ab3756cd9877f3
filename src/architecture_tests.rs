//! The layering rules, checked against the source:
//!
//! - **Direction**: a top-level module imports only modules of lower layers, as the
//!   layer table of `ARCHITECTURE.md` says, or through an exception that table
//!   lists with its reason. The table is read from the document, so a stale one
//!   fails: a module it does not place, a module it names that does not exist, an
//!   exception no import needs any more.
//! - **No cycles** at either level: between top-level modules (`graphql` → `http`)
//!   and between the submodules of one (`graphql::schema` → `graphql::query`).
//!
//! Imports are read from each file's code whole (comments and string literals
//! left out; a test module is left out only when it is the file's trailing
//! `#[cfg(test)] mod … { … }`, or a file of its own declared `#[cfg(test)]`):
//! `use` trees with their groups (`use crate::{a, b::{c, d}}`), paths written in
//! the code (`crate::cache::now_unix_ms()`), relative to `crate`, `super`, `self`,
//! a child module, or (in `main.rs`) the library's name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module → the modules it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// One source file: its module path (`["http", "routes"]`; `main.rs` is `["main"]`)
/// and its text.
struct File {
    module: Vec<String>,
    text: String,
}

/// Every `.rs` file under `src/`; `lib.rs` is the crate root (`[]`), read only for
/// the test-only modules it declares.
fn crate_files() -> Vec<File> {
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
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths
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
            if module == ["lib"] {
                module.clear();
            }
            let text = std::fs::read_to_string(&path).ok()?;
            Some(File { module, text })
        })
        .collect()
}

/// The code of `text` without comments, with every string and char literal
/// emptied (`""`, `' '`), so neither doc links nor text read as imports.
fn strip_comments_and_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let next = |at: usize, offset: usize| chars.get(at + offset).copied();
    while let Some(&c) = chars.get(at) {
        match (c, next(at, 1)) {
            ('/', Some('/')) => {
                while chars.get(at).is_some_and(|&c| c != '\n') {
                    at += 1;
                }
            }
            ('/', Some('*')) => {
                let mut depth = 0;
                while at < chars.len() {
                    match (chars[at], next(at, 1)) {
                        ('/', Some('*')) => (depth, at) = (depth + 1, at + 2),
                        ('*', Some('/')) => (depth, at) = (depth - 1, at + 2),
                        _ => at += 1,
                    }
                    if depth == 0 {
                        break;
                    }
                }
                out.push(' ');
            }
            ('r', Some('"' | '#'))
                if !chars
                    .get(at.wrapping_sub(1))
                    .is_some_and(|&p| p.is_alphanumeric() || p == '_') =>
            {
                // A raw string: r"…", r#"…"#, … (or the `r#ident` of a raw identifier).
                let hashes = chars[at + 1..].iter().take_while(|&&h| h == '#').count();
                if next(at, 1 + hashes) != Some('"') {
                    out.push(c);
                    at += 1;
                    continue;
                }
                at += 2 + hashes;
                while at < chars.len() {
                    if chars[at] == '"' && chars[at + 1..].iter().take(hashes).all(|&h| h == '#') {
                        at += 1 + hashes;
                        break;
                    }
                    at += 1;
                }
                out.push_str("\"\"");
            }
            ('"', _) => {
                at += 1;
                while let Some(&s) = chars.get(at) {
                    at += if s == '\\' { 2 } else { 1 };
                    if s == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            ('\'', Some('\\')) => {
                at += 3;
                while chars.get(at).is_some_and(|&s| s != '\'') {
                    at += 1;
                }
                at += 1;
                out.push_str("' '");
            }
            ('\'', Some(_)) if next(at, 2) == Some('\'') => {
                at += 3;
                out.push_str("' '");
            }
            _ => {
                out.push(c);
                at += 1;
            }
        }
    }
    out
}

/// `code` without its trailing `#[cfg(test)] mod name { … }`, when it ends with one.
fn without_trailing_test_module(code: &str) -> &str {
    let Some(start) = code.rfind("#[cfg(test)]") else {
        return code;
    };
    let mut rest = &code[start + "#[cfg(test)]".len()..];
    // Further attributes (`#[allow(…)]`) between it and the module.
    loop {
        rest = rest.trim_start();
        match rest
            .strip_prefix("#[")
            .and_then(|after| after.find(']').map(|end| (after, end)))
        {
            Some((after, end)) => rest = &after[end + 1..],
            None => break,
        }
    }
    let Some(module) = rest
        .strip_prefix("mod ")
        .or_else(|| rest.strip_prefix("pub(crate) mod "))
    else {
        return code;
    };
    let Some(open) = module.find('{') else {
        return code;
    };
    if module[..open].contains(';') {
        return code;
    }
    let mut depth = 0_usize;
    for (at, c) in module[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let after = &module[open + at + 1..];
                    return if after.trim().is_empty() {
                        &code[..start]
                    } else {
                        code
                    };
                }
            }
            _ => {}
        }
    }
    code
}

/// The tokens of stripped code: identifiers, `::`, and single punctuation.
fn tokens(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c.is_alphanumeric() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = &rest[end..];
        } else if rest.starts_with("::") {
            out.push("::");
            rest = &rest[2..];
        } else {
            out.push(&rest[..c.len_utf8()]);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Every path a `use` tree names, from `tokens[at]` (just after `use`), with the
/// index after it. `use a::{b, c::{self, d}}` → `a::b`, `a::c`, `a::c::d`.
fn use_tree<'a>(
    tokens: &[&'a str],
    mut at: usize,
    prefix: &[&'a str],
) -> (Vec<Vec<&'a str>>, usize) {
    let mut path = prefix.to_vec();
    let mut found = Vec::new();
    if tokens.get(at) == Some(&"::") {
        at += 1;
    }
    while let Some(&token) = tokens.get(at) {
        match token {
            "{" => {
                at += 1;
                while tokens.get(at).is_some_and(|&t| t != "}") {
                    let (inner, after) = use_tree(tokens, at, &path);
                    found.extend(inner);
                    at = after;
                    if tokens.get(at) == Some(&",") {
                        at += 1;
                    }
                }
                return (found, at + 1);
            }
            "*" => {
                found.push(path);
                return (found, at + 1);
            }
            "self" if !path.is_empty() => {
                at += 1;
            }
            "::" => at += 1,
            "as" => at += 2,
            "," | "}" | ";" => break,
            ident => {
                path.push(ident);
                at += 1;
            }
        }
    }
    found.push(path);
    (found, at)
}

/// The imports of one file's code: its `use` trees and the paths in its code that
/// start with `crate`, `super`, `self` or `catalog_gateway`; and the names of the
/// child modules it declares, with whether each is test-only.
fn imports_and_children(code: &str) -> (Vec<Vec<String>>, Vec<(String, bool)>) {
    let tokens = tokens(code);
    let mut imports = Vec::new();
    let mut children = Vec::new();
    let mut at = 0;
    while let Some(&token) = tokens.get(at) {
        let starts_path = at == 0 || tokens[at - 1] != "::";
        if token == "use" {
            let (paths, after) = use_tree(&tokens, at + 1, &[]);
            imports.extend(paths);
            at = after.max(at + 1);
            continue;
        }
        if token == "mod"
            && let (Some(name), Some(&(";" | "{"))) = (tokens.get(at + 1), tokens.get(at + 2))
        {
            // `#[cfg(test)] mod name;`, maybe `pub` or `pub(crate)` before `mod`.
            let mut before = &tokens[..at];
            for visibility in [&[")"][..], &["crate"], &["("], &["pub"]] {
                before = before.strip_suffix(visibility).unwrap_or(before);
            }
            let test_only = before.ends_with(&["cfg", "(", "test", ")", "]"]);
            children.push(((*name).to_owned(), test_only));
        }
        if starts_path
            && matches!(token, "crate" | "super" | "self" | "catalog_gateway")
            && tokens.get(at + 1) == Some(&"::")
        {
            let mut path = vec![token];
            let mut next = at + 1;
            while tokens.get(next) == Some(&"::")
                && tokens
                    .get(next + 1)
                    .is_some_and(|t| t.chars().all(|c| c.is_alphanumeric() || c == '_'))
            {
                path.push(tokens[next + 1]);
                next += 2;
            }
            imports.push(path);
            at = next;
            continue;
        }
        at += 1;
    }
    let imports = imports
        .into_iter()
        .map(|path| path.into_iter().map(str::to_owned).collect())
        .collect();
    (imports, children)
}

/// `path` as written in `module` (which declares `children`), as a path from the
/// crate root; `None` for another crate's (but the `gtin` crate, the crate's own
/// `crate::gtin`).
fn resolve(module: &[String], children: &[String], path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" | "catalog_gateway" => Vec::new(),
        "self" => module.to_vec(),
        "super" => {
            let supers = path.iter().take_while(|part| *part == "super").count();
            let base = module.get(..module.len().checked_sub(supers)?)?.to_vec();
            let mut resolved = base;
            resolved.extend(path[supers..].iter().cloned());
            return Some(resolved);
        }
        "gtin" => return Some(path.to_vec()),
        child if children.iter().any(|c| c == child) => {
            let mut resolved = module.to_vec();
            resolved.extend(path.iter().cloned());
            return Some(resolved);
        }
        _ => return None,
    };
    base.extend(path[1..].iter().cloned());
    Some(base)
}

/// The import graphs of `files`: between top-level modules, and between the
/// submodules of each (`"http::routes"` → `"http::state"`). Test-only files (a
/// `#[cfg(test)] mod name;`) and a file's trailing test module are left out.
fn graphs(files: &[File]) -> (Graph, Graph) {
    let mut parsed = Vec::new();
    let mut test_only: BTreeSet<Vec<String>> = BTreeSet::new();
    for file in files {
        let code = strip_comments_and_literals(&file.text);
        let code = without_trailing_test_module(&code);
        let (imports, children) = imports_and_children(code);
        for (child, is_test) in &children {
            if *is_test {
                let mut path = file.module.clone();
                path.push(child.clone());
                test_only.insert(path);
            }
        }
        let children: Vec<String> = children.into_iter().map(|(name, _)| name).collect();
        if !file.module.is_empty() {
            parsed.push((&file.module, imports, children));
        }
    }
    let is_test = |module: &[String]| (1..=module.len()).any(|n| test_only.contains(&module[..n]));
    let known: BTreeSet<&[String]> = files
        .iter()
        .filter(|file| !is_test(&file.module))
        .flat_map(|file| (1..=file.module.len()).map(|n| &file.module[..n]))
        .collect();
    let (mut top, mut inner) = (Graph::new(), Graph::new());
    for (module, imports, children) in parsed {
        if is_test(module) {
            continue;
        }
        top.entry(module[0].clone()).or_default();
        for target in imports
            .iter()
            .filter_map(|path| resolve(module, &children, path))
        {
            let Some(first) = target.first() else {
                continue;
            };
            if *first != module[0] {
                if known.contains(&target[..1]) || first == "gtin" {
                    top.entry(module[0].clone())
                        .or_default()
                        .insert(first.clone());
                }
            } else if let (Some(from), Some(to)) = (module.get(1), target.get(1))
                && from != to
                && known.contains(&target[..2])
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

/// The layer table of `ARCHITECTURE.md`: each module's layer (0 lowest), and the
/// imports allowed against the direction, `(from, to)`.
#[derive(Debug, Default)]
struct Layers {
    layer: BTreeMap<String, usize>,
    exceptions: BTreeSet<(String, String)>,
}

/// The backticked names of a table cell (`` `cache`, `catalog` `` → both).
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The rows of the first Markdown table after `marker` (header and rule left out).
fn table_after<'a>(document: &'a str, marker: &str) -> Vec<Vec<&'a str>> {
    let Some(at) = document.find(marker) else {
        return Vec::new();
    };
    document[at..]
        .lines()
        .skip_while(|line| !line.trim_start().starts_with('|'))
        .take_while(|line| line.trim_start().starts_with('|'))
        .skip(2)
        .map(|line| {
            let line = line.trim().trim_start_matches('|').trim_end_matches('|');
            line.split('|').map(str::trim).collect()
        })
        .collect()
}

/// Reads the layer table (`<!-- layers -->`: `| layer | modules | … |`) and the
/// exceptions (`<!-- layer exceptions -->`: `| from | to | why |`).
fn parse_layers(document: &str) -> Result<Layers, String> {
    let mut layers = Layers::default();
    for row in table_after(document, "<!-- layers -->") {
        let number: usize = row
            .first()
            .and_then(|cell| cell.parse().ok())
            .ok_or_else(|| format!("a layer row without a number: {row:?}"))?;
        for module in backticked(row.get(1).copied().unwrap_or_default()) {
            if layers.layer.insert(module.clone(), number).is_some() {
                return Err(format!("`{module}` is in two layers"));
            }
        }
    }
    for row in table_after(document, "<!-- layer exceptions -->") {
        let (Some(from), Some(to)) = (
            row.first().and_then(|cell| backticked(cell).pop()),
            row.get(1).and_then(|cell| backticked(cell).pop()),
        ) else {
            return Err(format!("an exception row without `from` and `to`: {row:?}"));
        };
        if row.get(2).is_none_or(|why| why.is_empty()) {
            return Err(format!("the exception `{from}` → `{to}` gives no reason"));
        }
        layers.exceptions.insert((from, to));
    }
    if layers.layer.is_empty() {
        return Err("no layer table (`<!-- layers -->`)".to_owned());
    }
    Ok(layers)
}

/// What is wrong between the import graph `top` and the table `layers`: modules
/// not placed or not existing, imports against the direction, stale exceptions.
fn layer_violations(top: &Graph, layers: &Layers) -> Vec<String> {
    let mut found = Vec::new();
    let modules: BTreeSet<&String> = top.keys().chain(top.values().flatten()).collect();
    for module in &modules {
        if !layers.layer.contains_key(*module) {
            found.push(format!("`{module}` is in no layer of the table"));
        }
    }
    for module in layers.layer.keys() {
        if !modules.contains(module) {
            found.push(format!("the table names `{module}`, which is not a module"));
        }
    }
    let layer = |module: &str| layers.layer.get(module).copied();
    for (from, targets) in top {
        for to in targets {
            let excepted = layers.exceptions.contains(&(from.clone(), to.clone()));
            if let (Some(a), Some(b)) = (layer(from), layer(to))
                && a <= b
                && !excepted
            {
                found.push(format!(
                    "`{from}` (layer {a}) imports `{to}` (layer {b}): not a lower layer, and no exception says why"
                ));
            }
        }
    }
    for (from, to) in &layers.exceptions {
        if !top.get(from).is_some_and(|targets| targets.contains(to)) {
            found.push(format!(
                "the exception `{from}` → `{to}` is not needed: no such import"
            ));
        } else if let (Some(a), Some(b)) = (layer(from), layer(to))
            && a > b
        {
            found.push(format!(
                "the exception `{from}` → `{to}` is not needed: it goes down"
            ));
        }
    }
    found
}

fn architecture_md() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    std::fs::read_to_string(&path).unwrap_or_default()
}

#[test]
fn no_module_imports_one_that_imports_it() {
    let (top, inner) = graphs(&crate_files());
    assert!(
        top.get("app")
            .is_some_and(|targets| targets.contains("http")),
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
fn every_import_goes_down_the_layers_of_architecture_md() {
    let layers = parse_layers(&architecture_md()).unwrap_or_else(|error| panic!("{error}"));
    let (top, _) = graphs(&crate_files());
    let found = layer_violations(&top, &layers);
    assert!(
        found.is_empty(),
        "ARCHITECTURE.md's layer table and the imports disagree:\n{}",
        found.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(sources: &[(&str, &str)]) -> Vec<File> {
        sources
            .iter()
            .map(|(module, text)| File {
                module: module.split("::").map(str::to_owned).collect(),
                text: (*text).to_owned(),
            })
            .collect()
    }

    fn graph(edges: &[(&str, &str)]) -> Graph {
        let mut graph = Graph::new();
        for (from, to) in edges {
            graph
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
            graph.entry((*to).to_owned()).or_default();
        }
        graph
    }

    fn targets<'a>(graph: &'a Graph, from: &str) -> Vec<&'a str> {
        graph
            .get(from)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn the_cycle_finder_finds_a_cycle() {
        let graph = graph(&[("a", "b"), ("b", "c"), ("c", "a")]);
        assert_eq!(cycle(&graph).map(|found| found.len()), Some(4));
        assert_eq!(cycle(&super::tests::graph(&[("a", "b"), ("b", "c")])), None);
    }

    #[test]
    fn grouped_imports_are_read_to_their_leaves() {
        let (top, inner) = graphs(&files(&[
            (
                "loader",
                "use crate::{cache::{self, Cached}, catalog::{Catalog, rest::{Rest}}};\n\
                 use std::sync::Arc;\n",
            ),
            ("graphql::schema", "use super::{errors, query::{Query}};\n"),
            ("graphql::errors", ""),
            ("graphql::query", ""),
            ("cache", ""),
            ("catalog", ""),
            ("catalog::rest", ""),
        ]));
        assert_eq!(targets(&top, "loader"), ["cache", "catalog"]);
        assert_eq!(
            targets(&inner, "graphql::schema"),
            ["graphql::errors", "graphql::query"]
        );
    }

    #[test]
    fn the_whole_file_is_read_but_its_trailing_test_module() {
        let text = "use std::fmt;\n\
            #[cfg(test)]\n\
            use crate::http::State;\n\
            fn f() { let _ = crate::cache::now(); }\n\
            // use crate::app; a comment\n\
            /// [`crate::config`] a doc link\n\
            const S: &str = \"crate::demo::x\";\n\
            #[cfg(test)]\n\
            #[allow(clippy::unwrap_used)]\n\
            mod tests {\n    use crate::telemetry::x;\n    fn g() { if true { } }\n}\n";
        let (top, _) = graphs(&files(&[
            ("loader", text),
            ("http", ""),
            ("cache", ""),
            ("app", ""),
            ("config", ""),
            ("demo", ""),
            ("telemetry", ""),
        ]));
        assert_eq!(targets(&top, "loader"), ["cache", "http"]);
    }

    #[test]
    fn a_test_module_that_is_not_last_is_read() {
        let text = "#[cfg(test)]\nmod tests {\n    use crate::telemetry::x;\n}\n\
                    fn after() {}\n";
        let (top, _) = graphs(&files(&[("loader", text), ("telemetry", "")]));
        assert_eq!(targets(&top, "loader"), ["telemetry"]);
    }

    #[test]
    fn test_only_files_relative_and_main_paths_resolve() {
        let (top, inner) = graphs(&files(&[
            (
                "http",
                "mod routes;\n#[cfg(test)]\nmod tests;\nuse routes::router;\n",
            ),
            (
                "http::routes",
                "use super::super::cache::Thing;\nuse self::x::Y;\n",
            ),
            ("http::tests", "use crate::app::Application;\n"),
            (
                "main",
                "use catalog_gateway::http::router;\nuse gtin::Gtin;\n",
            ),
            ("cache", ""),
            ("app", ""),
        ]));
        assert_eq!(targets(&top, "http"), ["cache"]);
        assert_eq!(targets(&top, "main"), ["gtin", "http"]);
        assert!(!inner.contains_key("http::tests"), "{inner:?}");
    }

    const DOC: &str = "# Layers\n\n<!-- layers -->\n\
        | layer | modules | what |\n| --- | --- | --- |\n\
        | 2 | `http` | the face |\n| 1 | `loader`, `cache` | below |\n| 0 | `gtin` | bottom |\n\n\
        <!-- layer exceptions -->\n| from | to | why |\n| --- | --- | --- |\n\
        | `cache` | `loader` | a reason |\n";

    #[test]
    fn the_layer_table_is_read_from_the_document() {
        let layers = parse_layers(DOC).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(layers.layer.get("cache"), Some(&1));
        assert_eq!(layers.layer.get("http"), Some(&2));
        assert!(
            layers
                .exceptions
                .contains(&("cache".to_owned(), "loader".to_owned()))
        );
        assert!(parse_layers("no table").is_err());
        let without_reason = DOC.replace("a reason", "");
        assert!(parse_layers(&without_reason).is_err());
    }

    #[test]
    fn imports_up_or_across_the_layers_fail_unless_excepted() {
        let layers = parse_layers(DOC).unwrap_or_else(|error| panic!("{error}"));
        let fine = graph(&[("http", "loader"), ("loader", "gtin"), ("cache", "loader")]);
        assert_eq!(layer_violations(&fine, &layers), Vec::<String>::new());

        let up = graph(&[("loader", "http"), ("cache", "loader")]);
        let found = layer_violations(&up, &layers);
        assert_eq!(found.len(), 2, "{found:?}"); // up, and `gtin` is not a module
        assert!(
            found
                .iter()
                .any(|f| f.contains("`loader` (layer 1) imports `http` (layer 2)")),
            "{found:?}"
        );

        let across = graph(&[("loader", "cache"), ("cache", "loader"), ("http", "gtin")]);
        let found = layer_violations(&across, &layers);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`loader` (layer 1) imports `cache` (layer 1)"));
    }

    #[test]
    fn a_stale_table_fails() {
        let layers = parse_layers(DOC).unwrap_or_else(|error| panic!("{error}"));
        let graph = graph(&[("http", "loader"), ("loader", "gtin"), ("app", "http")]);
        let found = layer_violations(&graph, &layers);
        assert!(found.contains(&"`app` is in no layer of the table".to_owned()));
        assert!(found.contains(&"the table names `cache`, which is not a module".to_owned()));
        assert!(
            found
                .iter()
                .any(|f| f.contains("`cache` → `loader` is not needed"))
        );
    }
}

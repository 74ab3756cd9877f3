//! The project stands alone: no file cites a document the repository does not hold.
//! Design notes, the upstream contract and the GTIN rules once lived outside the
//! repository (`../shared/…`); they are now pages under `docs/`, and this test keeps
//! it so: every `….md` a file names must exist, every relative link of a Markdown
//! page must resolve, and nothing may point into `../shared/`.
//!
//! One exception, written out below: GS1's conformance vectors are input *data* the
//! conformance runner reads from `../shared/gs1-conformance` by default (they are not
//! ours to commit), not a document cited for its rules.

use std::path::{Path, PathBuf};

/// The only use of `../shared/` allowed: the default directory of GS1's conformance
/// vectors (`GS1_CONFORMANCE_DIR`), read as test input by `make test-gs1-conformance`.
const ALLOWED_SHARED: &str = "../shared/gs1-conformance";

/// Directories not ours to check: build output, third-party bundles copied in as they are.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "target",
    "node_modules",
    "dist",
    "assets/scan/vendor",
    "assets/graphiql",
];

/// Files that cite documents of *other public repositories* by their path there, with
/// the repository named in the same doc comment: the vendors' API documentation each
/// demo dialect was written from. Those are not ours to hold.
const EXTERNAL_REPOSITORY_CITATIONS: &[&str] = &["src/demo/dialects/"];

/// This file names missing documents on purpose, to show the check catches them.
const THIS_FILE: &str = "tests/docs/citations.rs";

/// The files whose text is read: sources, scripts, manifests and documentation.
fn is_text(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    matches!(name, "Makefile" | "Dockerfile" | "run")
        || matches!(
            ext,
            "rs" | "md"
                | "toml"
                | "sh"
                | "py"
                | "yaml"
                | "yml"
                | "lua"
                | "graphql"
                | "js"
                | "mjs"
                | "html"
                | "css"
        )
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every text file of the tree, as paths relative to the root.
fn files() -> Vec<PathBuf> {
    let root = root();
    let mut found = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let relative = path
                .strip_prefix(&root)
                .expect("under the root")
                .to_path_buf();
            let skipped = SKIPPED_DIRS.iter().any(|skip| {
                relative == Path::new(skip) || relative.file_name() == Some(skip.as_ref())
            });
            if path.is_dir() {
                if !skipped {
                    dirs.push(path);
                }
            } else if is_text(&path) && relative != Path::new(THIS_FILE) {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

/// The `….md` names a text mentions (a run of path characters ending in `.md`).
fn md_names(text: &str) -> Vec<&str> {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    let mut names = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(".md") {
        let end = from + at + 3;
        from = end;
        if text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue; // `.mdx`, `.md_…`: not a Markdown file name
        }
        let start = text[..end - 3]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_path_char(c))
            .last()
            .map_or(end - 3, |(i, _)| i);
        let name = text[start..end].trim_start_matches(['-', '.', '/']);
        let name = if text[start..end].contains("../") {
            &text[start..end]
        } else {
            name
        };
        let word_start = text[..start]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + 1);
        let in_url = text[word_start..end].contains("://");
        let stem = name
            .rsplit('/')
            .next()
            .unwrap_or(name)
            .trim_end_matches(".md");
        let named = stem.chars().any(|c| c.is_ascii_alphabetic());
        if named && !in_url && !text[start..end].starts_with('/') {
            names.push(name);
        }
    }
    names
}

/// The relative link targets of a Markdown page: `](target)` and `src="target"`.
fn link_targets(text: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    for (open, close) in [("](", ')'), ("src=\"", '"')] {
        let mut rest = text;
        while let Some(at) = rest.find(open) {
            rest = &rest[at + open.len()..];
            let Some(end) = rest.find(close) else { break };
            let target = rest[..end].split('#').next().unwrap_or_default();
            let external = target.contains("://") || target.starts_with("mailto:");
            if !target.is_empty() && !external && !target.contains(char::is_whitespace) {
                targets.push(target);
            }
        }
    }
    targets
}

/// Whether a name cited from `file` is a file of the repository: from the root, from the
/// citing file's folder, or (for a bare name) the name of a page under `docs/`.
fn resolves(file: &Path, name: &str) -> bool {
    let root = root();
    let folder = root.join(file.parent().unwrap_or(Path::new("")));
    let mut candidates = vec![root.join(name), folder.join(name)];
    if !name.contains('/') {
        candidates.push(root.join("docs").join(name));
    }
    candidates.iter().any(|path| inside_repository(path))
}

/// Whether `path` exists and lies inside the repository (`../shared/x.md` may exist on
/// one machine, but a reader of the repository alone does not have it).
fn inside_repository(path: &Path) -> bool {
    let root = root().canonicalize().expect("the root exists");
    path.canonicalize()
        .is_ok_and(|path| path.starts_with(&root))
}

/// What is wrong with the citations of one file, in words.
fn problems_of(file: &Path, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let external = EXTERNAL_REPOSITORY_CITATIONS
        .iter()
        .any(|prefix| file.starts_with(prefix));
    let shared_uses = text.match_indices("../shared/").map(|(at, _)| at);
    for at in shared_uses {
        if !text[at..].starts_with(ALLOWED_SHARED) {
            let line = text[..at].lines().count().max(1);
            problems.push(format!("{}:{line}: cites ../shared/", file.display()));
        }
    }
    for name in md_names(text) {
        if !external && !resolves(file, name) {
            problems.push(format!(
                "{}: cites {name}, which the repository does not hold",
                file.display()
            ));
        }
    }
    if file.extension().is_some_and(|ext| ext == "md") {
        for target in link_targets(text) {
            let folder = root().join(file.parent().unwrap_or(Path::new("")));
            if !inside_repository(&folder.join(target)) {
                problems.push(format!(
                    "{}: link to {target} does not resolve",
                    file.display()
                ));
            }
        }
    }
    problems
}

#[test]
fn no_file_cites_a_document_the_repository_does_not_hold() {
    // Arrange
    let files = files();
    assert!(
        files.iter().any(|f| f == Path::new("README.md")) && files.len() > 100,
        "the tree was not read: {files:?}"
    );

    // Act
    let problems: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(root().join(file)).unwrap_or_default();
            problems_of(file, &text)
        })
        .collect();

    // Assert
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_outside_citation_or_a_broken_link_is_found() {
    // The check itself can fail: each of these is one problem.
    let file = Path::new("docs/example.md");
    for text in [
        "The rules are in `shared/gtin-spec.md`.",
        "See ../shared/DESIGN.md.",
        "See STYLE.md, section 2.",
        "[the contract](upstream-contract-gone.md)",
        "<img src=\"screenshots/none.png\">",
        "data in ../shared/other-data",
    ] {
        assert!(!problems_of(file, text).is_empty(), "not caught: {text}");
    }
}

#[test]
fn the_conformance_data_directory_and_real_pages_are_allowed() {
    let file = Path::new("docs/example.md");
    for text in [
        "vectors from `../shared/gs1-conformance` by default",
        "[the contract](upstream-contract.md) and [the README](../README.md#settings)",
        "docs/gtin-rules.md R6, CONTRIBUTING.md, bench/JOURNAL.md",
        "[GS1](https://www.gs1.org/standards/gs1-digital-link)",
    ] {
        assert_eq!(problems_of(file, text), Vec::<String>::new(), "{text}");
    }
}

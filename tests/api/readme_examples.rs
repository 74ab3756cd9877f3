//! Every example query of the README and of the reference pages under `docs/`, run
//! against a gateway with the default settings and the embedded demo catalog, as a
//! newcomer would paste them: none may
//! be refused by a limit or fail as a whole (issue 9: the defaults once refused
//! what client tools send). Per-item errors the examples show on purpose (a bad
//! check digit in a basket) are allowed: they carry a path.

use serde_json::Value;

use crate::support::TestApp;

/// One example: a POST body or a GET query string.
#[derive(Debug)]
enum Example {
    Post(String),
    Get(String),
}

/// The README and every page under `docs/`: wherever an example moves, it is run.
fn documentation() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join("README.md")];
    let mut pages: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("docs/ is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    paths.extend(pages);
    paths
        .iter()
        .map(|path| {
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
        .collect()
}

/// The `curl … /graphql` commands and the ```graphql blocks of the documentation.
fn readme_examples() -> Vec<Example> {
    let mut examples = Vec::new();
    for page in documentation() {
        examples_of(&page, &mut examples);
    }
    examples
}

/// The examples of one Markdown page, appended to `examples`.
fn examples_of(page: &str, examples: &mut Vec<Example>) {
    // Shell lines continued with a trailing backslash are one command.
    let joined = page.replace("\\\n", " ");
    for line in joined
        .lines()
        .filter(|line| line.trim_start().starts_with("curl "))
    {
        if !line.contains("localhost:8080/graphql") {
            continue;
        }
        if let Some(body) = quoted_after(line, "-d '") {
            examples.push(Example::Post(body));
        } else if let Some(url) = quoted_after(line, "'localhost:8080/graphql?") {
            examples.push(Example::Get(url));
        }
    }
    let mut blocks = page.split("```graphql\n").skip(1);
    for block in blocks.by_ref() {
        let query = block.split("```").next().unwrap_or_default();
        examples.push(Example::Post(
            serde_json::json!({ "query": query }).to_string(),
        ));
    }
}

/// The text after `start` up to the next single quote.
fn quoted_after(line: &str, start: &str) -> Option<String> {
    let rest = &line[line.find(start)? + start.len()..];
    Some(rest[..rest.find('\'')?].to_owned())
}

#[tokio::test]
async fn every_readme_example_is_answered_with_the_defaults() {
    // Arrange
    let app = TestApp::spawn(None, &[]).await;
    let examples = readme_examples();
    assert!(
        examples.len() >= 5,
        "the README's examples were not found: {examples:?}"
    );

    for example in examples {
        // Act
        let response = match &example {
            Example::Post(body) => {
                app.client
                    .post(format!("{}/graphql", app.address))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
            }
            Example::Get(query) => app
                .get(&format!("/graphql?{query}"))
                .await
                .error_for_status(),
        }
        .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();

        // Assert
        assert_eq!(status, 200, "{example:?}: {body}");
        assert!(body["data"].is_object(), "{example:?} has no data: {body}");
        for error in body["errors"].as_array().into_iter().flatten() {
            assert!(
                error["path"].is_array(),
                "{example:?} failed as a whole: {error}"
            );
        }
    }
}

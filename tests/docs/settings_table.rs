//! docs/settings.md's table against the clap definition of the command line, read
//! in-process (`Cli::command()`), so a flag added, renamed or removed without its row
//! (or a row left behind) fails here, naming the flag.

use std::collections::BTreeMap;

use catalog_gateway::config::Cli;
use clap::CommandFactory;

/// The page, read at test time so an edit needs no rebuild of anything but this test.
fn settings_page() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/settings.md");
    std::fs::read_to_string(path).expect("docs/settings.md is readable")
}

/// The rows of the "Flags" table: `--flag` → its environment variable (`None` when the
/// row names none).
fn documented_flags(page: &str) -> BTreeMap<String, Option<String>> {
    let section = page
        .split("\n## Flags\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_default();
    section
        .lines()
        .filter(|line| line.starts_with("| `--"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let flag = cells[1].trim_matches('`').to_owned();
            let env = cells
                .get(2)
                .map(|cell| cell.trim_matches('`').to_owned())
                .filter(|env| !env.is_empty());
            (flag, env)
        })
        .collect()
}

/// The long flags `--help` shows for one command: hidden ones and clap's own
/// `--help`/`--version` (which every command has and no table lists) left out.
fn flags_of(command: &clap::Command) -> BTreeMap<String, Option<String>> {
    command
        .get_arguments()
        .filter(|arg| !arg.is_hide_set())
        .filter_map(|arg| {
            let long = arg.get_long()?;
            let env = arg.get_env().map(|env| env.to_string_lossy().into_owned());
            Some((format!("--{long}"), env))
        })
        .filter(|(flag, _)| flag != "--help" && flag != "--version")
        .collect()
}

/// What differs between the table and the command line, in words; empty when they agree.
fn differences(
    documented: &BTreeMap<String, Option<String>>,
    declared: &BTreeMap<String, Option<String>>,
) -> Vec<String> {
    let missing: Vec<&String> = declared
        .keys()
        .filter(|flag| !documented.contains_key(*flag))
        .collect();
    let extra: Vec<&String> = documented
        .keys()
        .filter(|flag| !declared.contains_key(*flag))
        .collect();
    let mut found = Vec::new();
    if !missing.is_empty() {
        found.push(format!(
            "flags of `catalog-gateway --help` with no row in docs/settings.md: {missing:?}"
        ));
    }
    if !extra.is_empty() {
        found.push(format!(
            "rows of docs/settings.md naming no flag of `catalog-gateway --help`: {extra:?}"
        ));
    }
    for (flag, env) in declared {
        if let Some(row_env) = documented.get(flag)
            && row_env != env
        {
            found.push(format!(
                "{flag}: the row says environment {row_env:?}, the flag reads {env:?}"
            ));
        }
    }
    found
}

#[test]
fn the_settings_table_lists_every_flag_of_help_and_nothing_else() {
    // Arrange
    let page = settings_page();
    let documented = documented_flags(&page);
    let declared = flags_of(&Cli::command());
    assert!(
        documented.len() > 20,
        "the Flags table of docs/settings.md was not found: {documented:?}"
    );

    // Act
    let found = differences(&documented, &declared);

    // Assert
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn serve_has_the_same_flags_as_the_bare_command() {
    // The table documents both `catalog-gateway` and `catalog-gateway serve`.
    let cli = Cli::command();
    let serve = cli
        .find_subcommand("serve")
        .expect("`serve` is a subcommand");
    assert_eq!(flags_of(serve), flags_of(&cli));
}

/// Whether `page` names `flag` as a whole word (`--url` in `[--url URL]`, not in `--url-x`).
fn mentions(page: &str, flag: &str) -> bool {
    page.match_indices(flag).any(|(at, _)| {
        let after = page[at + flag.len()..].chars().next();
        !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

#[test]
fn every_flag_of_the_other_subcommands_is_mentioned_on_the_page() {
    let page = settings_page();
    let cli = Cli::command();
    let mut unmentioned = Vec::new();
    let mut commands: Vec<(String, &clap::Command)> = cli
        .get_subcommands()
        .filter(|command| command.get_name() != "serve")
        .map(|command| (command.get_name().to_owned(), command))
        .collect();
    while let Some((name, command)) = commands.pop() {
        for flag in flags_of(command).keys() {
            if !mentions(&page, flag) {
                unmentioned.push(format!("{name} {flag}"));
            }
        }
        commands.extend(
            command
                .get_subcommands()
                .map(|sub| (format!("{name} {}", sub.get_name()), sub)),
        );
    }
    assert!(
        unmentioned.is_empty(),
        "subcommand flags docs/settings.md does not mention: {unmentioned:?}"
    );
}

#[test]
fn a_missing_or_extra_row_is_named() {
    // The check itself can fail: one flag without a row, one row without a flag.
    let declared = BTreeMap::from([
        ("--listen".to_owned(), Some("CATALOG_LISTEN".to_owned())),
        (
            "--ready-file".to_owned(),
            Some("CATALOG_READY_FILE".to_owned()),
        ),
    ]);
    let documented = documented_flags(
        "\n## Flags\n\n| flag | environment |\n|---|---|\n\
         | `--listen` | `CATALOG_LISTEN` |\n| `--gone` | `CATALOG_GONE` |\n",
    );

    let found = differences(&documented, &declared);

    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("--ready-file"), "{found:?}");
    assert!(found[1].contains("--gone"), "{found:?}");
}

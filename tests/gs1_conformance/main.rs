//! GS1's conformance material run through the parser (`make test-gs1-conformance`):
//! every case of `dl_parse.jsonl` (GS1 Barcode Syntax Engine, Digital Link parsing),
//! `scandata.jsonl` (the same engine, scanner strings) and `compressed_dl.jsonl` (two
//! independent Digital Link libraries, compressed links), read where they are, in
//! `$GS1_CONFORMANCE_DIR` (the Makefile defaults it to `../shared/gs1-conformance`).
//! The files are other people's work and stay out of this repository, so this test is
//! `#[ignore]`d: `make test` passes on a fresh clone alone.
//!
//! Every case must agree, except those listed in `exceptions.rs` with the reason each
//! is a library's own option or notation rather than GS1's rule. A disagreement not
//! listed fails the run, and so does a listed exception that agrees after all (the
//! list must not go stale). The run prints per-file counts and every disagreement.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod exceptions;

use std::fmt::Write as _;
use std::path::PathBuf;

use catalog_gateway::gtin::{self, Reading, Reason};
use serde_json::Value;

/// One line of a vector file.
struct Case {
    file: &'static str,
    /// Line number in the JSONL file (1-based).
    line: usize,
    /// Where the case comes from: `repo@commit:path:line (…)`, first source only.
    source: String,
    input: String,
    expected: String,
    expected_ais: Option<Vec<(String, String)>>,
    expected_gtin14: Option<String>,
    config: Vec<(String, bool)>,
}

impl Case {
    /// `file:line` of the source, the key of the exception tables (e.g. `dl.c:1546`).
    fn key(&self) -> &str {
        let location = self.source.split([';', ' ']).next().unwrap_or_default();
        let mut parts = location.rsplitn(3, [':', '/']);
        let line = parts.next().unwrap_or_default();
        let file = parts.next().unwrap_or_default();
        let start = location.len() - line.len() - file.len() - 1;
        location.get(start..).unwrap_or(location)
    }
}

fn read_cases(dir: &std::path::Path, file: &'static str) -> Vec<Case> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{file}:{}: not JSON: {e}", i + 1));
            let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            let expected_ais = v.get("expected_ais").and_then(Value::as_array).map(|a| {
                a.iter()
                    .map(|pair| {
                        let p = |n: usize| pair.get(n).and_then(Value::as_str).unwrap().to_owned();
                        (p(0), p(1))
                    })
                    .collect()
            });
            let config = v
                .get("config")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_bool().unwrap()))
                        .collect()
                })
                .unwrap_or_default();
            Case {
                file,
                line: i + 1,
                source: s("source").unwrap(),
                input: s("input").unwrap(),
                expected: s("expected").unwrap(),
                expected_ais,
                expected_gtin14: s("expected_gtin14"),
                config,
            }
        })
        .collect()
}

/// Whether the parser agrees with the case: `Ok` or what it said instead. Codes are
/// read whatever their primary key (`gtin::read`): a GTIN's scan, or another key's
/// (an SSCC, a GLN …) described in full.
fn check(case: &Case) -> Result<(), String> {
    let result = gtin::read(&case.input, None);
    if case.expected == "invalid" {
        return match result {
            Err(_) => Ok(()),
            Ok(reading) => Err(format!("accepted, AIs {:?}", ais_of(&reading))),
        };
    }
    if case.expected == "no_ai_data" {
        // Plain, non-GS1 data: the engine returns it as data; a product lookup has
        // no use for it and refuses the symbology. Either way no AI is read.
        return match result {
            Ok(reading) if ais_of(&reading).is_empty() => Ok(()),
            Err(e) if e.reason() == Reason::UnsupportedSymbology => Ok(()),
            Ok(reading) => Err(format!("read AIs {:?}", ais_of(&reading))),
            Err(e) => Err(format!("refused: {} {}", e.reason(), e.message())),
        };
    }
    let reading = result.map_err(|e| format!("refused: {} {}", e.reason(), e.message()))?;
    if let Some(gtin14) = &case.expected_gtin14 {
        match &reading {
            Reading::Gtin(scan) if scan.parsed().gtin.gtin14() == gtin14 => {}
            Reading::Gtin(scan) => return Err(format!("GTIN {}", scan.parsed().gtin.gtin14())),
            // Another key with a GTIN among its attributes (`/8004/…?01=…`).
            Reading::OtherKey(key)
                if key
                    .elements()
                    .iter()
                    .any(|e| e.ai() == "01" && e.value() == gtin14) => {}
            Reading::OtherKey(key) => {
                return Err(format!(
                    "read as ({}) {}",
                    key.key().ai(),
                    key.key().value()
                ));
            }
        }
    }
    let mut got = ais_of(&reading);
    // The order of AIs is notation (path, then query; or the element string's), not data.
    got.sort();
    let mut want = case.expected_ais.clone().unwrap_or_default();
    want.sort();
    if got == want {
        Ok(())
    } else {
        Err(format!("AIs {got:?}, expected {want:?}"))
    }
}

/// For information: how many decompressed URIs are, character for character, the
/// one the library wrote (`decompressed DL: …` with numeric AIs), and which are not.
fn decompressed_uris(cases: &[Case]) -> String {
    let (mut same, mut total, mut lines) = (0, 0, String::new());
    for case in cases.iter().filter(|c| c.config.is_empty()) {
        let Some(want) = case
            .expected
            .split("; ")
            .filter_map(|e| e.strip_prefix("decompressed DL: "))
            .next()
        else {
            continue;
        };
        total += 1;
        match gtin::expand_digital_link(&case.input) {
            Ok(Some(got)) if got == want => same += 1,
            got => {
                let _ = writeln!(
                    lines,
                    "  (info) {} [{}]: {got:?}, the library: {want}",
                    case.line,
                    case.key()
                );
            }
        }
    }
    format!("  (info) decompressed URI as the library's: {same} of {total}\n{lines}")
}

fn ais_of(reading: &Reading) -> Vec<(String, String)> {
    let elements = match reading {
        Reading::Gtin(scan) => scan.elements(),
        Reading::OtherKey(key) => key.elements(),
    };
    elements
        .iter()
        .map(|e| (e.ai().to_owned(), e.value().to_owned()))
        .collect()
}

/// Why a case is not held to its expected answer, if it is not.
fn exception(case: &Case) -> Option<String> {
    exceptions::CASES
        .iter()
        .chain(exceptions::UNTIL_MUST_1)
        .find(|(key, _)| *key == case.key())
        .map(|(_, why)| (*why).to_owned())
}

/// The library option the case was written for, when it is not this parser's setting.
fn other_option(case: &Case) -> Option<String> {
    for (option, value) in &case.config {
        let Some((_, ours, why)) = exceptions::OPTIONS.iter().find(|(o, ..)| o == option) else {
            panic!(
                "{}:{}: option {option} is in no table of exceptions::OPTIONS",
                case.file, case.line
            );
        };
        if value != ours {
            return Some(format!("option {option}={value}: {why}"));
        }
    }
    None
}

#[test]
#[ignore = "reads GS1's vectors from $GS1_CONFORMANCE_DIR: make test-gs1-conformance"]
fn gs1_conformance_vectors() {
    let dir = PathBuf::from(std::env::var("GS1_CONFORMANCE_DIR").expect(
        "GS1_CONFORMANCE_DIR names the folder of GS1's vectors (make test-gs1-conformance sets it)",
    ));
    assert!(
        dir.is_dir(),
        "GS1_CONFORMANCE_DIR={} is not a folder",
        dir.display()
    );
    let mut report = String::new();
    let mut failures = 0;
    let mut used = std::collections::HashSet::new();
    for file in ["dl_parse.jsonl", "scandata.jsonl", "compressed_dl.jsonl"] {
        let cases = read_cases(&dir, file);
        let (mut agree, mut disagree, mut excepted, mut pending) = (0, 0, 0, 0);
        for case in &cases {
            let outcome = check(case);
            if let Some(why) = other_option(case) {
                // Written for another setting: counted as agreeing when it does anyway.
                if outcome.is_ok() {
                    agree += 1;
                } else {
                    excepted += 1;
                    let _ = writeln!(
                        report,
                        "  option   {file}:{} [{}] {:?}: {why}",
                        case.line,
                        case.key(),
                        case.input
                    );
                }
                continue;
            }
            match (exception(case), outcome) {
                (None, Ok(())) => agree += 1,
                (None, Err(said)) => {
                    disagree += 1;
                    failures += 1;
                    let _ = writeln!(
                        report,
                        "  DISAGREE {file}:{} [{}] {:?}: expected {}, parser: {said}",
                        case.line,
                        case.key(),
                        case.input,
                        case.expected
                    );
                }
                (Some(why), Ok(())) => {
                    failures += 1;
                    let _ = writeln!(
                        report,
                        "  STALE    {file}:{} [{}] {:?} agrees now; remove its exception ({why})",
                        case.line,
                        case.key(),
                        case.input
                    );
                }
                (Some(why), Err(said)) => {
                    if exceptions::UNTIL_MUST_1
                        .iter()
                        .any(|(k, _)| *k == case.key())
                    {
                        pending += 1;
                    } else {
                        excepted += 1;
                    }
                    used.insert(case.key().to_owned());
                    let _ = writeln!(
                        report,
                        "  except   {file}:{} [{}] {:?}: {why} (parser: {said})",
                        case.line,
                        case.key(),
                        case.input
                    );
                }
            }
        }
        let _ = writeln!(
            report,
            "{file}: {} cases, {agree} agree, {disagree} disagree, {excepted} excepted \
             (a library's option or notation), {pending} until Must 1 lands",
            cases.len()
        );
        if file == "compressed_dl.jsonl" {
            report.push_str(&decompressed_uris(&cases));
        }
    }
    for (key, _) in exceptions::CASES.iter().chain(exceptions::UNTIL_MUST_1) {
        if !used.contains(*key) {
            failures += 1;
            let _ = writeln!(
                report,
                "  UNUSED   exception {key}: no disagreeing case has it"
            );
        }
    }
    println!("{report}");
    assert_eq!(
        failures, 0,
        "GS1 conformance: {failures} failures\n{report}"
    );
}

//! The `catalog-gateway gtin` subcommand: normalizes codes from its arguments, or
//! one per line from standard input, and writes one JSON object per code with the
//! fields of GraphQL `GtinInfo`. Built for bulk use: a buffered reader and writer,
//! one reused line buffer, no per-line flush.

use std::io::{self, BufRead, Write};

use crate::graphql::GtinInfo;
use crate::gtin::RcnRegion;

/// What a run saw, for the exit status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Codes read.
    pub codes: u64,
    /// Codes that were not valid.
    pub invalid: u64,
}

impl Summary {
    /// Exit status: 0 when every code was valid, 1 when any was not.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.invalid > 0)
    }
}

/// Describes each of `codes`, one JSON line each, to `out`.
///
/// # Errors
/// An I/O error writing to `out`.
pub fn describe_codes<W: Write>(
    codes: &[String],
    region: Option<RcnRegion>,
    out: W,
) -> io::Result<Summary> {
    let mut writer = LineWriter::new(out, region);
    for code in codes {
        writer.describe(code)?;
    }
    writer.finish()
}

/// Describes each line of `input` (without its line ending), one JSON line each.
///
/// # Errors
/// An I/O error reading `input` or writing to `out`.
pub fn describe_lines<R: BufRead, W: Write>(
    mut input: R,
    region: Option<RcnRegion>,
    out: W,
) -> io::Result<Summary> {
    let mut writer = LineWriter::new(out, region);
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        let code = line.strip_suffix('\n').unwrap_or(&line);
        let code = code.strip_suffix('\r').unwrap_or(code);
        writer.describe(code)?;
    }
    writer.finish()
}

struct LineWriter<W: Write> {
    out: io::BufWriter<W>,
    region: Option<RcnRegion>,
    summary: Summary,
}

impl<W: Write> LineWriter<W> {
    fn new(out: W, region: Option<RcnRegion>) -> Self {
        LineWriter {
            out: io::BufWriter::with_capacity(64 * 1024, out),
            region,
            summary: Summary::default(),
        }
    }

    fn describe(&mut self, code: &str) -> io::Result<()> {
        let info = GtinInfo::analyze(code, self.region);
        self.summary.codes += 1;
        if !info.is_valid() {
            self.summary.invalid += 1;
        }
        serde_json::to_writer(&mut self.out, &info)?;
        self.out.write_all(b"\n")
    }

    fn finish(mut self) -> io::Result<Summary> {
        self.out.flush()?;
        Ok(self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(output: &[u8]) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(output)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn every_spelling_of_one_item_prints_the_same_gtin14() {
        let mut out = Vec::new();
        let codes = ["036000291452", "0036000291452", "00036000291452"].map(String::from);

        let summary = describe_codes(&codes, None, &mut out).unwrap();

        assert_eq!(
            summary,
            Summary {
                codes: 3,
                invalid: 0
            }
        );
        for line in lines(&out) {
            assert_eq!(line["gtin14"], "00036000291452");
            assert_eq!(line["upcA"], "036000291452");
            assert_eq!(line["valid"], true);
        }
    }

    #[test]
    fn stdin_lines_are_read_with_crlf_endings_and_invalid_codes_set_exit_1() {
        let input = "036000291452\r\n5901234123458\n\n";
        let mut out = Vec::new();

        let summary = describe_lines(input.as_bytes(), None, &mut out).unwrap();

        let lines = lines(&out);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["valid"], true);
        assert_eq!(lines[1]["error"]["reason"], "INVALID_CHECK_DIGIT");
        assert_eq!(lines[2]["error"]["reason"], "EMPTY");
        assert_eq!(summary.exit_code(), 1);
    }

    #[test]
    fn a_compressed_digital_link_reads_as_its_uncompressed_link() {
        let codes = [
            "https://id.gs1.org/AQnYUc1gmiCNV4JG",
            "https://id.gs1.org/01/05412345000013/10/ABC123",
        ]
        .map(String::from);
        let mut out = Vec::new();

        describe_codes(&codes, None, &mut out).unwrap();

        let lines = lines(&out);
        assert_eq!(lines[0]["valid"], true, "{}", lines[0]);
        assert_eq!(lines[0]["lot"], "ABC123");
        assert_eq!(
            lines[0]["applicationIdentifiers"],
            lines[1]["applicationIdentifiers"]
        );
    }

    #[test]
    fn an_sscc_and_bracketed_text_are_described_and_valid() {
        let codes = [
            "https://id.gs1.org/00/106141412345678908".to_owned(),
            "(01)09506000134352(10)ABC".to_owned(),
        ];
        let mut out = Vec::new();

        let summary = describe_codes(&codes, None, &mut out).unwrap();

        let lines = lines(&out);
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(lines[0]["valid"], true);
        assert_eq!(lines[0]["tradeItem"], false);
        assert_eq!(lines[0]["primaryKey"]["ai"], "00");
        assert_eq!(lines[0]["primaryKey"]["value"], "106141412345678908");
        assert_eq!(lines[0]["gtin14"], serde_json::Value::Null);
        assert_eq!(lines[1]["gtin14"], "09506000134352");
        assert_eq!(
            lines[1]["applicationIdentifiers"][1]["role"],
            "KEY_QUALIFIER"
        );
    }

    #[test]
    fn keys_are_the_graphql_field_names() {
        let mut out = Vec::new();
        describe_codes(&["04252614".to_owned()], None, &mut out).unwrap();
        let line = &lines(&out)[0];
        for key in [
            "input",
            "valid",
            "gtin14",
            "gtin13",
            "upcA",
            "upcE",
            "gtin8",
            "format",
            "kind",
            "indicator",
            "gs1Prefix",
            "variableMeasure",
            "lookupGtin14",
            "warnings",
            "error",
            "primaryKey",
            "tradeItem",
        ] {
            assert!(line.get(key).is_some(), "missing {key} in {line}");
        }
        assert_eq!(line["kind"], "UPC_E");
        assert_eq!(line["format"], "GTIN_12");
    }
}

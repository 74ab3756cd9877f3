//! Parsing cost per code (criterion): plain 12/13/14-digit input, the common path with
//! a goal of under 50 ns, and each slow path (separators, UPC-E, ISBN-10, symbology
//! identifiers, GS1 element strings, Digital Link URIs, RCN decoding with a region), and
//! `scan` (every AI of a 2D code) beside `analyze` for the same inputs.
//!
//! Run: `cargo bench --bench gtin_parse -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gtin::{RcnRegion, analyze, parse, scan};

/// (benchmark name, input, RCN region).
const CASES: &[(&str, &str, Option<RcnRegion>)] = &[
    ("plain_12_upc_a", "036000291452", None),
    ("plain_13_ean", "5901234123457", None),
    ("plain_14_gtin", "10036000291459", None),
    ("plain_8_gtin8", "96385074", None),
    ("separators", " 0 36000-29145 2 ", None),
    ("upc_e", "04252614", None),
    ("isbn10", "1-85798-218-5", None),
    ("symbology_e0", "]E00036000291452", None),
    ("symbology_e3_add_on", "]E3977114487500703", None),
    (
        "element_string_c1",
        "]C1010950600013435210ABC\u{1d}17201225",
        None,
    ),
    (
        "digital_link",
        "https://id.gs1.org/01/09506000134352/10/ABC?17=201225",
        None,
    ),
    (
        "digital_link_compressed",
        "https://id.gs1.org/AQnYUc1gmiCNV4JG",
        None,
    ),
    ("rcn_no_region", "2011122912346", None),
    ("rcn_gb_price", "2011122912346", Some(RcnRegion::Gb)),
    ("rcn_de_weight", "2811111068708", Some(RcnRegion::De)),
    ("error_check_digit", "036000291457", None),
    ("error_11_digits_hint", "36000291452", None),
];

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("gtin_parse");
    for &(name, input, region) in CASES {
        group.bench_function(name, |b| {
            b.iter(|| analyze(black_box(input), black_box(region)))
        });
    }
    group.bench_function("parse_plain_13", |b| {
        b.iter(|| parse(black_box("5901234123457")))
    });
    group.finish();
}

/// `scan` reads every AI of a 2D code; on a plain number it must cost what `analyze` does.
const SCAN_CASES: &[(&str, &str)] = &[
    ("plain_13_ean", "5901234123457"),
    // The spellings of a till's basket (bench/lua/vs_pos.lua): a scanner payload and a
    // Digital Link URI holding only the GTIN.
    ("symbology_e0", "]E05901234123457"),
    (
        "digital_link_gtin_only",
        "https://id.gs1.org/01/05901234123457",
    ),
    (
        "datamatrix_lot_expiry",
        "]d201095060001343521727013110LOT42",
    ),
    (
        "gs1_128_weight_price",
        "]C1019401234500020031030008521726120510L2611\u{1d}39220749",
    ),
    (
        "digital_link_lot_serial_expiry",
        "https://id.gs1.org/01/09506000134352/10/LOT42/21/S1?17=270131",
    ),
    // The same AIs compressed (`gtin::compress_digital_link`).
    (
        "digital_link_compressed_lot_serial_expiry",
        "https://id.gs1.org/GhFKk4XBoMpZyfGzElqg-Zg",
    ),
];

fn bench_scan(c: &mut Criterion) {
    let mut group = c.benchmark_group("gtin_scan");
    for &(name, input) in SCAN_CASES {
        // Every case reads: an error path here would measure the wrong thing.
        assert!(scan(input, None).is_ok(), "{name}");
        group.bench_function(name, |b| b.iter(|| scan(black_box(input), None)));
    }
    group.finish();
}

criterion_group!(benches, bench_parse, bench_scan);
criterion_main!(benches);

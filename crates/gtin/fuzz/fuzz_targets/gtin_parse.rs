//! Fuzz target for the GTIN parser: no input may panic, and whatever parses must be a
//! valid GTIN that parses back to itself from its canonical form; a whole scan that
//! reads must read back the same elements from its own Digital Link.
//!
//! Run: `cd crates/gtin/fuzz && cargo +nightly fuzz run gtin_parse -- -max_total_time=60`

#![no_main]

use libfuzzer_sys::fuzz_target;

use gtin::{Gtin, RcnRegion, analyze, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for region in [None, Some(RcnRegion::De), Some(RcnRegion::Gb), Some(RcnRegion::Dk)] {
        match analyze(input, region) {
            Ok(p) => {
                assert_eq!(Gtin::from_digits(p.gtin.gtin14()), Ok(p.gtin));
                assert_eq!(parse(p.gtin.gtin14()), Ok(p.gtin));
                if let Some(vm) = &p.variable_measure {
                    assert!(Gtin::from_digits(vm.lookup.gtin14()).is_ok());
                }
                let _ = gtin::gs1_prefix(&p.gtin);
                let _ = p.gtin.upc_e();
            }
            Err(e) => {
                assert!(!e.message().is_empty());
                let _ = e.to_string();
            }
        }
    }
    if let Ok(scan) = gtin::scan(input, None)
        && let Some(link) = scan.digital_link("https://id.gs1.org")
    {
        let back = gtin::scan(&link, None).map(|b| b.elements().to_vec());
        assert_eq!(back.as_deref(), Ok(scan.elements()));
    }
});

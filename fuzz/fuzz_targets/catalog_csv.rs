//! Fuzz target: the catalog CSV reader: problem lines, row invariants, rewritten rows (see `ringup_fuzz::catalog_csv`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringup_fuzz::catalog_csv(data));

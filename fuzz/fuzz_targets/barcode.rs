//! Fuzz target: scanned EAN/UPC codes normalised and classified; GS1 check digits (see `ringup_fuzz::barcode`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringup_fuzz::barcode(data));

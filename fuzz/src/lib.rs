//! The checks behind Ringup's fuzz targets, one public function per target in `fuzz_targets/`.
//!
//! Each function takes the fuzzer's bytes, runs one parser on them and asserts what the parser
//! promises: that bytes split anywhere read the same, that what was parsed encodes and parses
//! back to the same value, that an error names what is wrong. A failed assertion panics, which
//! libFuzzer reports as a crash; `tests/regressions.rs` replays the saved inputs.
//!
//! Where a target needs a choice besides the bytes to parse (where to split a stream, which type
//! to read), the first bytes of the input make it; each function's documentation gives the layout.

mod barcode;
mod catalog;
mod json;
mod printer;
mod zvt;

pub use barcode::barcode;
pub use catalog::catalog_csv;
pub use json::server_json;
pub use printer::{escpos_status, sim_printer};
pub use zvt::{zvt_apdu, zvt_link};

/// A point in `0..=len`, chosen by two input bytes (little-endian).
fn split_point(lo: u8, hi: u8, len: usize) -> usize {
    usize::from(u16::from_le_bytes([lo, hi])) % (len + 1)
}

//! Fuzz target: ESC/POS DLE EOT status answers folded into a printer status (see `ringup_fuzz::escpos_status`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringup_fuzz::escpos_status(data));

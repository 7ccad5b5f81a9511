//! Fuzz target: the simulated printer's streaming ESC/POS reader, whole against split (see `ringup_fuzz::sim_printer`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringup_fuzz::sim_printer(data));

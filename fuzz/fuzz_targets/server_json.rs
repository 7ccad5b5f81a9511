//! Fuzz target: the back end's JSON bodies: read, write, read again (see `ringup_fuzz::server_json`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringup_fuzz::server_json(data));

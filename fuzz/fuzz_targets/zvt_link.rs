//! Fuzz target: the ZVT serial link decoder, whole against split; frames re-framed (see `ringup_fuzz::zvt_link`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringup_fuzz::zvt_link(data));

//! Fuzz target: ZVT APDUs, messages, BMPs and TLV: parse, encode, parse again (see `ringup_fuzz::zvt_apdu`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ringup_fuzz::zvt_apdu(data));

//! Simulated hardware for Ringup, speaking the real wire protocols: this crate will hold the
//! simulated ZVT card terminal and the simulated ESC/POS receipt printer.
//!
//! Today it holds the piece they share: the ZVT serial link layer ([`zvt_link`]) — APDU
//! length encoding, DLE framing with CRC-16/KERMIT, and a streaming, bounded frame decoder.

pub mod zvt_link;

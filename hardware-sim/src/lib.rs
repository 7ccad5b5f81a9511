//! Simulated hardware for Ringup, speaking the real wire protocols, so everything can be run
//! and tested without devices: the ZVT card terminal ([`terminal`]) and, later, the ESC/POS
//! receipt printer. The protocol codecs come from `ringup-devices`: the simulator and the
//! driver share the codec, and tests against the independent `zvt` crate keep both honest.

pub mod printer;
pub mod printer_sim;
pub mod render;
pub mod terminal;

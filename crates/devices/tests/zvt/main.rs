//! Interoperability of Ringup's ZVT codecs with zvt-0.1.0, an independent implementation:
//! - [`interop_ours_to_theirs`]: terminal messages we encode (as our simulated terminal sends
//!   them) are read by zvt's parsers with the same values;
//! - [`interop_theirs_to_ours`]: commands zvt serialises (as another cash register would send
//!   them) are read by our `Command::parse` with the same values;
//! - [`blobs`]: every APDU zvt-0.1.0 captured from real terminals and cash registers (its
//!   `data/*.blob` files) parses with our codecs.

mod blobs;
mod interop_ours_to_theirs;
mod interop_theirs_to_ours;

use ringup_devices::zvt::link::{Apdu, parse_apdu};

/// Splits raw APDU bytes, insisting they hold exactly one APDU.
pub fn one_apdu(bytes: &[u8]) -> Apdu {
    let (apdu, used) = parse_apdu(bytes).expect("a complete APDU");
    assert_eq!(used, bytes.len(), "exactly one APDU in {bytes:02X?}");
    apdu
}

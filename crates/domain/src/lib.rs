//! Ringup's pure rules: money, tax, barcodes, cart and sale, tenders, returns, the receipt
//! model, journal hashing and the day's report totals.
//!
//! Architecture invariant: this crate does no IO. No disk, network, clock or randomness —
//! times and ids come in as arguments, so every rule is a pure function a test can replay.

pub mod attempt;
pub mod barcode;
pub mod cart;
pub mod error;
pub mod journal;
pub mod money;
pub mod permission;
pub mod receipt;
pub mod refund;
pub mod report;
pub mod rounding;
pub mod tax;
pub mod tender;

pub use error::DomainError;
pub use money::{Currency, Money};

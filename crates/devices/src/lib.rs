//! Ringup's device drivers. Everything here is generic over `AsyncRead + AsyncWrite`, so the
//! same code talks to a real serial port, a TCP socket, a pseudo-terminal or an in-memory pipe
//! in a test.
//!
//! Architecture invariant: no Tauri, no store, no UI here; the app drives devices through the
//! small traits in [`card`].

pub mod card;
pub mod connect;
pub mod escpos;
pub mod ports;
pub mod printer;
pub mod zvt;

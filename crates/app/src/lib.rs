//! Ringup's use cases: what the cashier screen and the command line call. Owns the sale in
//! progress, resolves scans against the catalog, and hands finished sales to the store.
//!
//! Architecture invariant: the Tauri shell calls into this crate with one-liners; rules and
//! permission checks live here (and in the domain), never only in the UI.

pub mod card;
pub mod day_view;
pub mod demo;
pub mod device_view;
mod error;
pub mod health;
mod ports;
pub mod printing;
mod register;
pub mod report_pdf;
pub mod till;
pub mod view;

pub use card::{CardPayment, CardRefund, Recovery};
pub use error::AppError;
pub use ports::{Clock, FixedClock, IdGen, SequentialIds, SystemClock, UuidV7};
pub use printing::{PrintRun, PrintWorker};
pub use register::{Completed, Register, Rung};
pub use till::{Till, TillConfig};

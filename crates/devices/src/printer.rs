//! The receipt printer as the app sees it: print a job and learn whether it came out, open the
//! cash drawer, read the printer's state. [`crate::escpos::driver::EscPosPrinter`] implements
//! it for ESC/POS printers on any transport.
//!
//! What a failed print means for the receipt is part of the error: nothing was sent
//! (`Unreachable`, `NotReady`), the printer stopped before the end so the receipt is not whole
//! (`Interrupted`), or the bytes went out and no confirmation came back, so it may be on paper
//! (`Unconfirmed`). The print queue prints the last kind again only as a COPY.

pub use crate::escpos::status::PrinterStatus;
use std::future::Future;

impl PrinterStatus {
    /// What stops the printer from printing now, as a sentence for the cashier (with what to
    /// do), or None when it can print.
    pub fn problem(&self) -> Option<&'static str> {
        if self.cover_open {
            Some("Printer: cover open — close it, the receipt will print by itself")
        } else if self.paper_out {
            Some("Printer: paper out — load paper, the receipt will print by itself")
        } else if self.error {
            Some("Printer: error (cutter or mechanism) — switch the printer off and on")
        } else if self.offline {
            Some("Printer: offline — check it is switched on")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrinterError {
    /// The printer could not be reached or did not answer; nothing was sent.
    #[error("Printer: no connection ({0}) — check the cable and that the printer is switched on")]
    Unreachable(String),
    /// The printer answered that it cannot print; nothing was sent.
    #[error("{}", .0.problem().unwrap_or("Printer: not ready"))]
    NotReady(PrinterStatus),
    /// The printer stopped partway (paper out, cover opened) and its buffer was cleared: the
    /// receipt did not come out whole.
    #[error("{}", .0.problem().unwrap_or("Printer: stopped while printing"))]
    Interrupted(PrinterStatus),
    /// The job was sent but the printer never confirmed it: it may have printed.
    #[error("Printer: no confirmation ({0}) — the receipt may have printed; it will print again as a copy")]
    Unconfirmed(String),
    /// The job could not be built (a program error, not a printer state).
    #[error("Printer: the receipt could not be prepared: {0}")]
    Job(String),
}

impl PrinterError {
    /// True when the receipt may be on paper although the print failed: the printer went
    /// silent after taking it, or it stopped on a mechanism error (a jammed cutter stops a
    /// receipt that has printed, only not been cut).
    pub fn may_have_printed(&self) -> bool {
        match self {
            PrinterError::Unconfirmed(_) => true,
            PrinterError::Interrupted(s) => s.error,
            _ => false,
        }
    }

    /// The printer's state when it said why, for the status bar.
    pub fn status(&self) -> Option<PrinterStatus> {
        match self {
            PrinterError::NotReady(s) | PrinterError::Interrupted(s) => Some(*s),
            _ => None,
        }
    }
}

/// A printed job as the printer confirmed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Printed {
    /// The printer's state after the cut (paper near end shows here first); None for a
    /// transport that cannot read back (a plain file).
    pub status_after: Option<PrinterStatus>,
    /// Bytes sent, for the wire-time comparison in the benchmark.
    pub bytes_sent: usize,
}

pub trait ReceiptPrinter: Send {
    /// Reads the printer's state (DLE EOT 1–4).
    fn status(&mut self) -> impl Future<Output = Result<PrinterStatus, PrinterError>> + Send;

    /// Prints `job` (complete ESC/POS bytes ending with a cut) and returns once the printer
    /// confirmed it processed everything. `job_no` tells this job's confirmation apart from an
    /// earlier one's.
    fn print(&mut self, job: &[u8], job_no: u32) -> impl Future<Output = Result<Printed, PrinterError>> + Send;

    /// Kicks the cash drawer and reads back whether it opened (None where the connection
    /// cannot be read).
    fn open_drawer(&mut self) -> impl Future<Output = Result<Option<PrinterStatus>, PrinterError>> + Send;
}

//! Printing receipts from the store's durable queue. A sale's receipt job was committed with
//! the sale; the worker here takes the oldest job, marks it `sending` (committed) before the
//! first byte goes out, and `done` only once the printer confirmed it. A printer that stopped
//! (paper out, cover open) or went silent leaves the job in the queue; the next run prints it
//! again — as a COPY whenever it may already have come out.
//!
//! The receipt is rebuilt from the document as it was journaled, so an original, a retry and a
//! reprint years later all say the same thing.

use crate::{AppError, Clock};
use ringup_devices::escpos::layout::{Paper, receipt_job};
use ringup_devices::escpos::raster::Bitmap;
use ringup_devices::printer::{PrinterError, PrinterStatus, ReceiptPrinter};
use ringup_domain::Currency;
use ringup_domain::receipt::{Receipt, ReceiptMeta};
use ringup_domain::tender::TenderKind;
use ringup_store::{PrintDocument, PrintJob, PrintJobState, Store, StoreSettings};
use std::sync::Arc;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The receipt a job prints, rebuilt from its journaled document and the card slips.
pub fn receipt_for(
    store: &Store,
    settings: &StoreSettings,
    clock: &dyn Clock,
    job: &PrintJob,
) -> Result<Receipt, AppError> {
    receipt_of(store, settings, clock, job.document, job.document_id, job.mark_copy)
}

/// A sale's or refund's receipt, rebuilt from its journaled document and the card slips.
pub fn receipt_of(
    store: &Store,
    settings: &StoreSettings,
    clock: &dyn Clock,
    document: PrintDocument,
    document_id: uuid::Uuid,
    copy: bool,
) -> Result<Receipt, AppError> {
    let meta = |register_id: String, receipt_no, at_ms, cashier, hash: &[u8]| ReceiptMeta {
        header: settings.header.clone(),
        register_id,
        receipt_no,
        printed_at: clock.local_text(at_ms),
        cashier,
        journal_hash_hex: hex(hash),
        footer: settings.footer.clone(),
        copy,
    };
    match document {
        PrintDocument::Sale => {
            let s = store.stored_sale(document_id)?;
            let m = meta(s.register_id, s.receipt_no, s.at_ms, s.cashier, &s.journal_hash);
            let mut receipt = Receipt::from_sale(&s.sale, &s.totals, m)?;
            for (tender, payment) in receipt.tenders.iter_mut().zip(&s.sale.payments) {
                if let Some((_, slip)) = s.slips.iter().find(|(id, _)| *id == payment.id) {
                    tender.slip = slip.clone();
                }
            }
            Ok(receipt)
        }
        PrintDocument::Refund => {
            let r = store.stored_refund(document_id)?;
            let currency = Currency::from_code(&r.currency)?;
            let m = meta(r.register_id, r.receipt_no, r.at_ms, r.cashier, &r.journal_hash);
            let mut receipt = Receipt::from_refund(
                r.id,
                currency,
                &r.lines,
                &r.tenders,
                r.original_receipt_no,
                &r.original_register_id,
                m,
            )?;
            // Card refunds are matched to the terminal's slips in the order they were made.
            let mut slips = r.slips.into_iter();
            for tender in receipt.tenders.iter_mut().filter(|t| t.kind == TenderKind::Card) {
                if let Some((_, slip)) = slips.next() {
                    tender.slip = slip;
                }
            }
            Ok(receipt)
        }
    }
}

/// How a run of the queue ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRun {
    /// Jobs the printer confirmed in this run.
    pub printed: usize,
    /// Jobs still waiting for the printer.
    pub waiting: usize,
    /// Jobs waiting for a person: did the receipt come out?
    pub held: usize,
    /// Why the run stopped early, as the status bar shows it.
    pub problem: Option<PrinterError>,
    /// The printer's state after the last confirmed job (paper near end shows here).
    pub last_status: Option<PrinterStatus>,
}

/// Prints one register's queue with one printer. One worker per register and process.
pub struct PrintWorker {
    store: Arc<Store>,
    settings: StoreSettings,
    clock: Arc<dyn Clock>,
    register_id: String,
    paper: Paper,
    logo: Option<Bitmap>,
}

impl PrintWorker {
    /// Starts the register's worker. A job a crash left in `sending` goes back to the queue
    /// marked COPY first: it may have printed.
    pub fn start(
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        register_id: &str,
        paper: Paper,
        logo: Option<Bitmap>,
    ) -> Result<PrintWorker, AppError> {
        let settings = store.settings()?;
        store.recover_print_jobs(register_id, clock.now_ms())?;
        Ok(PrintWorker { store, settings, clock, register_id: register_id.to_string(), paper, logo })
    }

    /// Prints the waiting jobs in order until the queue is empty or the printer stops. Held
    /// jobs wait for a person and are passed over.
    pub async fn run_once<P: ReceiptPrinter>(&self, printer: &mut P) -> Result<PrintRun, AppError> {
        let mut run = PrintRun { printed: 0, waiting: 0, held: 0, problem: None, last_status: None };
        let queue = self.store.print_queue(&self.register_id)?;
        let pending: Vec<&PrintJob> = queue.iter().filter(|j| j.state == PrintJobState::Pending).collect();
        run.held = queue.len() - pending.len();
        for (index, job) in pending.iter().enumerate() {
            let bytes = match self.job_bytes(job) {
                Ok(bytes) => bytes,
                Err(e) => {
                    // One receipt that cannot be built must not keep the others from printing.
                    self.store.hold_print(job.seq, &e.to_string(), self.clock.now_ms())?;
                    run.held += 1;
                    continue;
                }
            };
            let job = self.store.begin_print(job.seq, self.clock.now_ms())?;
            match printer.print(&bytes, u32::try_from(job.seq).unwrap_or(0)).await {
                Ok(printed) => {
                    self.store.finish_print(job.seq, job.attempts, self.clock.now_ms())?;
                    run.printed += 1;
                    run.last_status = printed.status_after;
                }
                Err(e) => {
                    let now = self.clock.now_ms();
                    let failed =
                        self.store.fail_print(job.seq, job.attempts, &e.to_string(), e.may_have_printed(), now)?;
                    if failed.state == PrintJobState::Held {
                        run.held += 1;
                    }
                    run.waiting = pending.len() - index - usize::from(failed.state == PrintJobState::Held);
                    run.problem = Some(e);
                    return Ok(run);
                }
            }
        }
        Ok(run)
    }

    /// Lays receipts out for another paper width (and its logo): the printer was changed.
    pub fn set_layout(&mut self, paper: Paper, logo: Option<Bitmap>) {
        self.paper = paper;
        self.logo = logo;
    }

    fn job_bytes(&self, job: &PrintJob) -> Result<Vec<u8>, AppError> {
        let receipt = receipt_for(&self.store, &self.settings, self.clock.as_ref(), job)?;
        receipt_job(&receipt, self.paper, self.logo.as_ref())
            .map_err(|e| AppError::Printer(PrinterError::Job(e.to_string())))
    }

    /// A person's answer for a held receipt: it came out, or print it again (as a COPY).
    pub fn release(&self, seq: i64, came_out: bool) -> Result<PrintJob, AppError> {
        Ok(self.store.release_print(seq, came_out, self.clock.now_ms())?)
    }

    /// Prints the queue now and whenever `wake` is notified (a sale completed, a reprint was
    /// asked for), retrying every `retry` while the printer has a problem. Ends when `stop`
    /// turns true. `on_run` hears how each run ended, for the status bar.
    pub async fn run<P: ReceiptPrinter>(
        &self,
        printer: &mut P,
        wake: Arc<tokio::sync::Notify>,
        mut stop: tokio::sync::watch::Receiver<bool>,
        retry: std::time::Duration,
        mut on_run: impl FnMut(&Result<PrintRun, AppError>) + Send,
    ) {
        loop {
            let result = self.run_once(printer).await;
            on_run(&result);
            let must_retry = !matches!(&result, Ok(run) if run.problem.is_none());
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(retry), if must_retry => {}
                changed = stop.changed() => {
                    // A dropped stop sender means nobody can stop it any more: stop now.
                    if changed.is_err() {
                        return;
                    }
                }
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}

/// Opens the cash drawer (after a cash sale, or a manager's "no sale") and says whether it did.
pub async fn open_drawer<P: ReceiptPrinter>(printer: &mut P) -> Result<Option<PrinterStatus>, AppError> {
    printer.open_drawer().await.map_err(AppError::Printer)
}

/// Asks an ESC/POS printer how it is: its status bits, or `None` when its connection cannot
/// read back (a spool file); an error when it does not answer.
pub async fn read_state<C: ringup_devices::connect::Connect>(
    printer: &mut ringup_devices::escpos::driver::EscPosPrinter<C>,
) -> Result<Option<PrinterStatus>, String> {
    if !printer.config().reads_status {
        return Ok(None);
    }
    printer.status().await.map(Some).map_err(|e| e.to_string())
}

/// A report (X or Z) as a print job: its title large and bold, mismatches bold, then a cut.
pub fn report_job(lines: &[String]) -> Result<Vec<u8>, AppError> {
    use ringup_devices::escpos::program::{Align, Program, ProgramError};
    let build = || -> Result<Vec<u8>, ProgramError> {
        let mut job = Program::new()?;
        for (index, line) in lines.iter().enumerate() {
            if index == 0 {
                job.align(Align::Center)?.bold(true)?.size(2, 2)?.line(line)?;
                job.size(1, 1)?.bold(false)?.align(Align::Left)?;
            } else if line.contains("MISMATCH") {
                job.bold(true)?.line(line)?.bold(false)?;
            } else {
                job.line(line)?;
            }
        }
        job.cut()?;
        job.finish()
    };
    build().map_err(|e| AppError::Printer(PrinterError::Job(e.to_string())))
}

/// A "no sale": journaled first (by whom, approved by whom), then the drawer is kicked and
/// read back.
pub async fn no_sale<P: ReceiptPrinter>(
    register: &crate::Register,
    printer: &mut P,
    (by, approved_by): (&str, Option<&str>),
    reason: &str,
) -> Result<Option<PrinterStatus>, AppError> {
    register.record_no_sale(by, approved_by, reason)?;
    open_drawer(printer).await
}

/// The receipt as the printer would print it, as a PNG: the simulated printer's renderer
/// reading the very bytes the printer gets, so the screen shows what the paper will.
pub fn preview_png(receipt: &Receipt, paper: Paper, logo: Option<&Bitmap>) -> Result<Vec<u8>, AppError> {
    let job = |e: &dyn std::fmt::Display| AppError::Printer(PrinterError::Job(e.to_string()));
    let bytes = receipt_job(receipt, paper, logo).map_err(|e| job(&e))?;
    let blocks = hardware_sim::printer::parse(&bytes, true).map_err(|e| job(&e))?;
    let width = match paper {
        Paper::Mm58 => hardware_sim::render::PaperWidth::Mm58,
        Paper::Mm80 => hardware_sim::render::PaperWidth::Mm80,
    };
    Ok(hardware_sim::render::render_png(&blocks, width))
}

/// A sale that took cash opens the drawer.
pub fn takes_cash(receipt: &Receipt) -> bool {
    receipt.tenders.iter().any(|t| t.kind == TenderKind::Cash)
}

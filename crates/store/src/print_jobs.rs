//! Durable print jobs. A receipt to print is a row written in the same transaction as its sale
//! or refund, so a committed sale always has its receipt waiting, whatever happens to the
//! printer or the process. The printing worker moves a job `pending → sending` (committed
//! before the first byte goes out) and `sending → done` only after the printer confirmed it.
//!
//! A job found in `sending` after a restart may or may not have come out of the printer: it
//! goes back to `pending` marked COPY, so a receipt is never printed twice as an original. A
//! copy that again goes unconfirmed is `held` for a person to say whether it came out, so a
//! printer that never confirms cannot print copies without end. A reprint is a new job (copy
//! number 1, 2 …), and always marked COPY; every copy sent is journaled.

use crate::journal::append;
use crate::{Store, StoreError};
use ringup_domain::journal::{EntryKind, NewEntry};
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

/// What a print job prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintDocument {
    Sale,
    Refund,
}

impl PrintDocument {
    fn name(self) -> &'static str {
        match self {
            PrintDocument::Sale => "sale",
            PrintDocument::Refund => "refund",
        }
    }

    fn from_name(name: &str) -> Option<PrintDocument> {
        [PrintDocument::Sale, PrintDocument::Refund].into_iter().find(|d| d.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintJobState {
    Pending,
    Sending,
    Done,
    /// Waiting for a person: it may have printed and the printer would not say, or its
    /// receipt could not be built.
    Held,
}

impl PrintJobState {
    fn name(self) -> &'static str {
        match self {
            PrintJobState::Pending => "pending",
            PrintJobState::Sending => "sending",
            PrintJobState::Done => "done",
            PrintJobState::Held => "held",
        }
    }

    fn from_name(name: &str) -> Option<PrintJobState> {
        [PrintJobState::Pending, PrintJobState::Sending, PrintJobState::Done, PrintJobState::Held]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    /// Queue order: jobs print in the order their documents were committed.
    pub seq: i64,
    pub document_id: Uuid,
    pub document: PrintDocument,
    pub register_id: String,
    /// 0 for the original receipt, 1, 2 … for reprints.
    pub copy_no: u32,
    /// Print "COPY" on it: every reprint, and an original that may already have come out.
    pub mark_copy: bool,
    pub state: PrintJobState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLUMNS: &str = "seq, document_id, document_kind, register_id, copy_no, mark_copy, state, attempts, last_error,
     created_ms, updated_ms";

fn bad(index: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, what.to_string().into())
}

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PrintJob> {
    let document_id: String = r.get(1)?;
    let kind: String = r.get(2)?;
    let state: String = r.get(6)?;
    Ok(PrintJob {
        seq: r.get(0)?,
        document_id: Uuid::parse_str(&document_id).map_err(|_| bad(1, "bad document id"))?,
        document: PrintDocument::from_name(&kind).ok_or_else(|| bad(2, "unknown document kind"))?,
        register_id: r.get(3)?,
        copy_no: r.get(4)?,
        mark_copy: r.get(5)?,
        state: PrintJobState::from_name(&state).ok_or_else(|| bad(6, "unknown print job state"))?,
        attempts: r.get(7)?,
        last_error: r.get(8)?,
        created_ms: r.get(9)?,
        updated_ms: r.get(10)?,
    })
}

/// Queues the original receipt of a document, inside the document's own transaction.
pub(crate) fn enqueue_original(
    tx: &Transaction<'_>,
    document: PrintDocument,
    document_id: Uuid,
    register_id: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO print_jobs(document_id, document_kind, register_id, copy_no, mark_copy, state, attempts,
             created_ms, updated_ms) VALUES (?1, ?2, ?3, 0, 0, 'pending', 0, ?4, ?4)",
    )?
    .execute(params![document_id.to_string(), document.name(), register_id, at_ms])?;
    Ok(())
}

fn job_in(c: &rusqlite::Connection, seq: i64) -> Result<PrintJob, StoreError> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM print_jobs WHERE seq = ?1"))?
        .query_row([seq], job_from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("print job {seq}")))
}

/// Moves a job from `from` to `to`; refuses (Conflict) when it is not in `from`, so two
/// workers can never both send one job, and a done job is never sent again.
fn move_job(
    tx: &Transaction<'_>,
    seq: i64,
    from: PrintJobState,
    to: PrintJobState,
    at_ms: i64,
) -> Result<PrintJob, StoreError> {
    let job = job_in(tx, seq)?;
    if job.state != from {
        return Err(StoreError::Conflict(format!("print job {seq} is {}, not {}", job.state.name(), from.name())));
    }
    tx.prepare_cached("UPDATE print_jobs SET state = ?2, updated_ms = ?3 WHERE seq = ?1")?.execute(params![
        seq,
        to.name(),
        at_ms
    ])?;
    Ok(PrintJob { state: to, updated_ms: at_ms, ..job })
}

impl Store {
    /// A register's jobs still to print, oldest first.
    pub fn print_queue(&self, register_id: &str) -> Result<Vec<PrintJob>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM print_jobs WHERE register_id = ?1 AND state != 'done' ORDER BY seq"
            ))?;
            let rows = stmt.query_map([register_id], job_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Every print job of a document (original and copies), oldest first.
    pub fn print_jobs_of(&self, document_id: Uuid) -> Result<Vec<PrintJob>, StoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM print_jobs WHERE document_id = ?1 ORDER BY seq"))?;
            let rows = stmt.query_map([document_id.to_string()], job_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Takes a pending job for sending: committed before the first byte goes to the printer.
    /// A copy of an original that may already be out is journaled as it is sent.
    pub fn begin_print(&self, seq: i64, at_ms: i64) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            let job = move_job(tx, seq, PrintJobState::Pending, PrintJobState::Sending, at_ms)?;
            tx.prepare_cached("UPDATE print_jobs SET attempts = attempts + 1 WHERE seq = ?1")?.execute([seq])?;
            let job = PrintJob { attempts: job.attempts + 1, ..job };
            if job.mark_copy && job.copy_no == 0 {
                let body = serde_json::json!({
                    "document_id": job.document_id,
                    "document_kind": job.document.name(),
                    "copy_no": 0,
                    "automatic": true,
                    "attempt": job.attempts,
                })
                .to_string();
                journal_copy(tx, &job.register_id, job.document_id, body, at_ms)?;
            }
            Ok(job)
        })
    }

    /// The printer confirmed the job (it processed everything up to after the cut). `attempt`
    /// is the one [`Store::begin_print`] returned: a worker can only finish its own try.
    pub fn finish_print(&self, seq: i64, attempt: u32, at_ms: i64) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            require_attempt(tx, seq, attempt)?;
            let job = move_job(tx, seq, PrintJobState::Sending, PrintJobState::Done, at_ms)?;
            tx.prepare_cached("UPDATE print_jobs SET last_error = NULL WHERE seq = ?1")?.execute([seq])?;
            Ok(PrintJob { last_error: None, ..job })
        })
    }

    /// The job did not print to the end; it waits for the printer. `may_have_printed` is true
    /// when the printer went silent after taking the bytes: the receipt may be out, so the
    /// retry says COPY — and a copy that goes unconfirmed too is held for a person.
    pub fn fail_print(
        &self,
        seq: i64,
        attempt: u32,
        error: &str,
        may_have_printed: bool,
        at_ms: i64,
    ) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            require_attempt(tx, seq, attempt)?;
            let current = job_in(tx, seq)?;
            let to = if may_have_printed && current.mark_copy { PrintJobState::Held } else { PrintJobState::Pending };
            let job = move_job(tx, seq, PrintJobState::Sending, to, at_ms)?;
            let mark_copy = job.mark_copy || may_have_printed;
            tx.prepare_cached("UPDATE print_jobs SET last_error = ?2, mark_copy = ?3 WHERE seq = ?1")?
                .execute(params![seq, error, mark_copy])?;
            Ok(PrintJob { last_error: Some(error.to_string()), mark_copy, ..job })
        })
    }

    /// Holds a pending job for a person (its receipt could not be built), so the jobs behind
    /// it still print.
    pub fn hold_print(&self, seq: i64, error: &str, at_ms: i64) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            let job = move_job(tx, seq, PrintJobState::Pending, PrintJobState::Held, at_ms)?;
            tx.prepare_cached("UPDATE print_jobs SET last_error = ?2 WHERE seq = ?1")?.execute(params![seq, error])?;
            Ok(PrintJob { last_error: Some(error.to_string()), ..job })
        })
    }

    /// A person's answer for a held job: it came out (done), or print it again (as a COPY).
    pub fn release_print(&self, seq: i64, came_out: bool, at_ms: i64) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            let to = if came_out { PrintJobState::Done } else { PrintJobState::Pending };
            move_job(tx, seq, PrintJobState::Held, to, at_ms)
        })
    }

    /// After a restart: jobs left in `sending` were cut off at an unknown point; they go back
    /// to the queue marked COPY. Returns how many.
    pub fn recover_print_jobs(&self, register_id: &str, at_ms: i64) -> Result<usize, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached(
                    "UPDATE print_jobs SET state = 'pending', mark_copy = 1, updated_ms = ?2,
                         last_error = 'interrupted by a restart; it may have printed, so it prints as a copy'
                     WHERE register_id = ?1 AND state = 'sending'",
                )?
                .execute(params![register_id, at_ms])?)
        })
    }

    /// Queues a reprint of a past receipt, marked COPY, and journals it, in one transaction.
    pub fn reprint(
        &self,
        register_id: &str,
        document_id: Uuid,
        cashier: &str,
        at_ms: i64,
    ) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            let (document, last_copy) = reprintable(tx, document_id)?;
            let copy_no = last_copy.map_or(1, |c| c + 1);
            let body = serde_json::json!({
                "document_id": document_id,
                "document_kind": document.name(),
                "copy_no": copy_no,
                "cashier": cashier,
            })
            .to_string();
            journal_copy(tx, register_id, document_id, body, at_ms)?;
            tx.prepare_cached(
                "INSERT INTO print_jobs(document_id, document_kind, register_id, copy_no, mark_copy, state, attempts,
                     created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, 1, 'pending', 0, ?5, ?5)",
            )?
            .execute(params![document_id.to_string(), document.name(), register_id, copy_no, at_ms])?;
            job_in(tx, tx.last_insert_rowid())
        })
    }
}

/// A worker may only finish or fail the try it began.
fn require_attempt(tx: &Transaction<'_>, seq: i64, attempt: u32) -> Result<(), StoreError> {
    let job = job_in(tx, seq)?;
    if job.attempts != attempt {
        return Err(StoreError::Conflict(format!(
            "print job {seq} is at try {}, not {attempt}: another worker took it",
            job.attempts
        )));
    }
    Ok(())
}

/// Journals a copy of a receipt (no money moves), and queues it for the back end like every
/// journal entry, so the server holds the whole chain.
fn journal_copy(
    tx: &Transaction<'_>,
    register_id: &str,
    document_id: Uuid,
    body: String,
    at_ms: i64,
) -> Result<(), StoreError> {
    let currency: String = tx
        .prepare_cached("SELECT currency FROM journal WHERE document_id = ?1 ORDER BY seq LIMIT 1")?
        .query_row([document_id.to_string()], |r| r.get(0))?;
    let entry = append(
        tx,
        NewEntry {
            register_id: register_id.to_string(),
            kind: EntryKind::Reprint,
            document_id,
            at_unix_ms: at_ms,
            currency,
            turnover_minor: 0,
            body,
        },
    )?;
    crate::commit::outbox(tx, "receipt.reprint", &entry, at_ms)?;
    Ok(())
}

/// What a reprint of `document_id` prints, and its last copy number (None: never queued, a
/// receipt from before print jobs existed). Only completed sales and refunds have receipts.
fn reprintable(tx: &Transaction<'_>, document_id: Uuid) -> Result<(PrintDocument, Option<u32>), StoreError> {
    let id = document_id.to_string();
    let queued: (Option<String>, Option<u32>) = tx
        .prepare_cached("SELECT document_kind, MAX(copy_no) FROM print_jobs WHERE document_id = ?1")?
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if let (Some(kind), Some(last)) = queued {
        let document = PrintDocument::from_name(&kind).ok_or_else(|| bad(0, "unknown document kind"))?;
        return Ok((document, Some(last)));
    }
    let sale: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM sales WHERE id = ?1 AND state = 'completed'")?
        .query_row([&id], |r| r.get(0))
        .optional()?;
    if sale.is_some() {
        return Ok((PrintDocument::Sale, None));
    }
    let refund: Option<i64> =
        tx.prepare_cached("SELECT 1 FROM refunds WHERE id = ?1")?.query_row([&id], |r| r.get(0)).optional()?;
    match refund {
        Some(_) => Ok((PrintDocument::Refund, None)),
        None => Err(StoreError::NotFound(format!("a receipt for document {document_id}"))),
    }
}

//! Durable print jobs. A receipt to print is a row written in the same transaction as its sale
//! or refund, so a committed sale always has its receipt waiting, whatever happens to the
//! printer or the process. The printing worker moves a job `pending → sending` (committed
//! before the first byte goes out) and `sending → done` only after the printer confirmed it.
//!
//! A job found in `sending` after a restart may or may not have come out of the printer: it
//! goes back to `pending` marked COPY, so a receipt is never printed twice as an original. A
//! reprint is a new job (copy number 1, 2 …), journaled, and always marked COPY.

use crate::commit::SaleDocument;
use crate::journal::append;
use crate::refund::RefundDocument;
use crate::{Store, StoreError};
use ringup_domain::cart::{Sale, Totals};
use ringup_domain::journal::{EntryKind, NewEntry};
use ringup_domain::refund::{RefundLine, RefundTender};
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
}

impl PrintJobState {
    fn name(self) -> &'static str {
        match self {
            PrintJobState::Pending => "pending",
            PrintJobState::Sending => "sending",
            PrintJobState::Done => "done",
        }
    }

    fn from_name(name: &str) -> Option<PrintJobState> {
        [PrintJobState::Pending, PrintJobState::Sending, PrintJobState::Done].into_iter().find(|s| s.name() == name)
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

/// Everything needed to print a sale's receipt again, read from its journal entry (the
/// document as it was hashed) and the card terminal's slips of its payments.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSale {
    pub register_id: String,
    pub receipt_no: u64,
    pub cashier: String,
    pub at_ms: i64,
    pub sale: Sale,
    pub totals: Totals,
    pub journal_hash: [u8; 32],
    /// Card terminal slips by attempt id (= the card payment's id).
    pub slips: Vec<(Uuid, Vec<String>)>,
}

/// Everything needed to print a refund's receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRefund {
    pub id: Uuid,
    pub register_id: String,
    pub receipt_no: u64,
    pub cashier: String,
    pub at_ms: i64,
    pub currency: String,
    pub original_sale_id: Uuid,
    pub original_receipt_no: u64,
    pub original_register_id: String,
    pub lines: Vec<RefundLine>,
    pub tenders: Vec<RefundTender>,
    pub journal_hash: [u8; 32],
    /// Card terminal slips of the card refunds, in the order they were made, with amounts.
    pub slips: Vec<(i64, Vec<String>)>,
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
    pub fn begin_print(&self, seq: i64, at_ms: i64) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            let job = move_job(tx, seq, PrintJobState::Pending, PrintJobState::Sending, at_ms)?;
            tx.prepare_cached("UPDATE print_jobs SET attempts = attempts + 1 WHERE seq = ?1")?.execute([seq])?;
            Ok(PrintJob { attempts: job.attempts + 1, ..job })
        })
    }

    /// The printer confirmed the job (it processed everything up to after the cut).
    pub fn finish_print(&self, seq: i64, at_ms: i64) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            let job = move_job(tx, seq, PrintJobState::Sending, PrintJobState::Done, at_ms)?;
            tx.prepare_cached("UPDATE print_jobs SET last_error = NULL WHERE seq = ?1")?.execute([seq])?;
            Ok(PrintJob { last_error: None, ..job })
        })
    }

    /// The job did not print to the end; it waits for the printer. `may_have_printed` is true
    /// when the printer went silent after taking the bytes: the receipt may be out, so the
    /// retry says COPY.
    pub fn fail_print(
        &self,
        seq: i64,
        error: &str,
        may_have_printed: bool,
        at_ms: i64,
    ) -> Result<PrintJob, StoreError> {
        self.write(|tx| {
            let job = move_job(tx, seq, PrintJobState::Sending, PrintJobState::Pending, at_ms)?;
            let mark_copy = job.mark_copy || may_have_printed;
            tx.prepare_cached("UPDATE print_jobs SET last_error = ?2, mark_copy = ?3 WHERE seq = ?1")?
                .execute(params![seq, error, mark_copy])?;
            Ok(PrintJob { last_error: Some(error.to_string()), mark_copy, ..job })
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
            let original = tx
                .prepare_cached("SELECT document_kind, MAX(copy_no) FROM print_jobs WHERE document_id = ?1")?
                .query_row([document_id.to_string()], |r| {
                    Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<u32>>(1)?))
                })?;
            let (Some(kind), Some(last_copy)) = original else {
                return Err(StoreError::NotFound(format!("a printed receipt for document {document_id}")));
            };
            let document = PrintDocument::from_name(&kind).ok_or_else(|| bad(0, "unknown document kind"))?;
            let copy_no = last_copy + 1;
            let currency: String = tx
                .prepare_cached("SELECT currency FROM journal WHERE document_id = ?1 LIMIT 1")?
                .query_row([document_id.to_string()], |r| r.get(0))?;
            let body = serde_json::json!({
                "document_id": document_id,
                "document_kind": document.name(),
                "copy_no": copy_no,
                "cashier": cashier,
            })
            .to_string();
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
            // No outbox row: the outbox carries one event per document id (the back end's
            // idempotency key); the reprint stays in the journal, which is synced whole.
            let _ = entry;
            tx.prepare_cached(
                "INSERT INTO print_jobs(document_id, document_kind, register_id, copy_no, mark_copy, state, attempts,
                     created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, 1, 'pending', 0, ?5, ?5)",
            )?
            .execute(params![document_id.to_string(), document.name(), register_id, copy_no, at_ms])?;
            job_in(tx, tx.last_insert_rowid())
        })
    }

    /// A sale as committed, for printing its receipt (again).
    pub fn stored_sale(&self, sale_id: Uuid) -> Result<StoredSale, StoreError> {
        self.read(|c| {
            let (doc, journal_hash) = document_body::<SaleDocument>(c, "sales", sale_id)?;
            let mut stmt = c.prepare_cached(
                "SELECT id, slip FROM payment_attempts WHERE sale_id = ?1 AND state = 'approved' AND slip IS NOT NULL
                 ORDER BY id",
            )?;
            let slips = stmt
                .query_map([sale_id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter_map(|(id, slip)| Some((Uuid::parse_str(&id).ok()?, slip.lines().map(str::to_string).collect())))
                .collect();
            Ok(StoredSale {
                register_id: doc.register_id,
                receipt_no: doc.receipt_no,
                cashier: doc.cashier,
                at_ms: doc.at_ms,
                sale: doc.sale,
                totals: doc.totals,
                journal_hash,
                slips,
            })
        })
    }

    /// A refund as committed, with the numbers of the sale it refunds.
    pub fn stored_refund(&self, refund_id: Uuid) -> Result<StoredRefund, StoreError> {
        self.read(|c| {
            let (doc, journal_hash) = document_body::<RefundDocument>(c, "refunds", refund_id)?;
            let (original, _) = document_body::<SaleDocument>(c, "sales", doc.original_sale_id)?;
            let mut stmt = c.prepare_cached(
                "SELECT amount_minor, slip FROM payment_attempts
                 WHERE sale_id = ?1 AND kind = 'refund' AND state = 'approved' AND slip IS NOT NULL ORDER BY id",
            )?;
            let slips = stmt
                .query_map([refund_id.to_string()], |r| {
                    let slip: String = r.get(1)?;
                    Ok((r.get::<_, i64>(0)?, slip.lines().map(str::to_string).collect()))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(StoredRefund {
                id: doc.id,
                register_id: doc.register_id,
                receipt_no: doc.receipt_no,
                cashier: doc.cashier,
                at_ms: doc.at_ms,
                currency: original.sale.currency.code().to_string(),
                original_sale_id: doc.original_sale_id,
                original_receipt_no: original.receipt_no,
                original_register_id: original.register_id,
                lines: doc.lines,
                tenders: doc.tenders,
                journal_hash,
                slips,
            })
        })
    }
}

/// The journal body of a committed document and its entry's hash.
fn document_body<T: serde::de::DeserializeOwned>(
    c: &rusqlite::Connection,
    table: &str,
    id: Uuid,
) -> Result<(T, [u8; 32]), StoreError> {
    let (body, hash): (String, Vec<u8>) = c
        .prepare_cached(&format!(
            "SELECT j.body, j.hash FROM {table} d JOIN journal j ON j.register_id = d.register_id AND j.seq = d.journal_seq
             WHERE d.id = ?1"
        ))?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("{table} {id}")))?;
    let hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| bad(1, "hash is not 32 bytes"))?;
    Ok((serde_json::from_str(&body)?, hash))
}

impl Store {
    /// Journals a "no sale": the drawer opened without money moving, by whom and why. Written
    /// before the drawer is kicked, so no opening goes unrecorded.
    pub fn record_no_sale(
        &self,
        register_id: &str,
        id: Uuid,
        manager: &str,
        reason: &str,
        currency: &str,
        at_ms: i64,
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            let body = serde_json::json!({ "movement": "no_sale", "by": manager, "reason": reason }).to_string();
            let entry = append(
                tx,
                NewEntry {
                    register_id: register_id.to_string(),
                    kind: EntryKind::CashMovement,
                    document_id: id,
                    at_unix_ms: at_ms,
                    currency: currency.to_string(),
                    turnover_minor: 0,
                    body,
                },
            )?;
            Ok(entry.data.seq)
        })
    }
}

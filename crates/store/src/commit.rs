//! Committing a finished sale or a refund: the record, its lines and tenders, the stock
//! movements, the journal entry and the outbox rows, in ONE transaction. The caller may tell
//! the cashier "done" only after this returns Ok.
//!
//! Both are idempotent by the document's UUID: committing the same sale again (a retry after a
//! crash or a time-out) returns the first result and writes nothing.

use crate::journal::append;
use crate::{Store, StoreError, to_i64};
use ringup_domain::cart::{Sale, SaleState, Totals};
use ringup_domain::journal::JournalEntry;
use ringup_domain::journal::{EntryKind, NewEntry};
use ringup_domain::refund::{RefundLine, RefundTender};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub receipt_no: u64,
    pub journal_seq: u64,
    pub journal_hash: [u8; 32],
    /// True when this sale had been committed before and nothing was written now.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundCommitted {
    pub committed: Committed,
    pub lines: Vec<RefundLine>,
    pub tenders: Vec<RefundTender>,
    pub total_minor: i64,
}

/// What the journal hashes for a sale: the whole sale with its totals and numbers.
#[derive(Serialize, Deserialize)]
pub(crate) struct SaleDocument {
    pub(crate) register_id: String,
    pub(crate) receipt_no: u64,
    pub(crate) cashier: String,
    pub(crate) at_ms: i64,
    pub(crate) sale: Sale,
    pub(crate) totals: Totals,
    /// Who approved voiding the sale with their PIN, when the cashier could not by themself.
    /// Omitted when empty, so documents from before it hash the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) approved_by: Option<String>,
}

pub(crate) fn take_receipt_no(tx: &Transaction<'_>, register_id: &str) -> Result<u64, StoreError> {
    tx.prepare_cached(
        "UPDATE registers SET next_receipt_no = next_receipt_no + 1 WHERE id = ?1 RETURNING next_receipt_no - 1",
    )?
    .query_row([register_id], |r| crate::get_u64(r, 0))
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("register {register_id}")))
}

pub(crate) fn product_row_id(tx: &Transaction<'_>, sku: &str) -> Result<i64, StoreError> {
    tx.prepare_cached("SELECT id FROM products WHERE sku = ?1")?
        .query_row([sku], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("product {sku}")))
}

pub(crate) fn stored_commit(
    tx: &Transaction<'_>,
    table: &str,
    id: &Uuid,
) -> Result<Option<(String, Committed, String)>, StoreError> {
    let sql = format!(
        "SELECT d.register_id, d.receipt_no, d.journal_seq, j.hash, j.body FROM {table} d
         JOIN journal j ON j.register_id = d.register_id AND j.seq = d.journal_seq WHERE d.id = ?1"
    );
    let row = tx
        .prepare_cached(&sql)?
        .query_row([id.to_string()], |r| {
            let hash: Vec<u8> = r.get(3)?;
            Ok((r.get::<_, String>(0)?, crate::get_u64(r, 1)?, crate::get_u64(r, 2)?, hash, r.get::<_, String>(4)?))
        })
        .optional()?;
    let Some((register_id, receipt_no, journal_seq, hash, body)) = row else { return Ok(None) };
    let journal_hash =
        <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| StoreError::Config("stored hash is not 32 bytes".into()))?;
    Ok(Some((register_id, Committed { receipt_no, journal_seq, journal_hash, replayed: true }, body)))
}

/// Queues the document for the back end: one row, pointing at its journal entry, which holds
/// the whole document. The pusher reads the entry, so the event the server receives is exactly
/// what was hashed into the chain.
pub(crate) fn outbox(tx: &Transaction<'_>, kind: &str, entry: &JournalEntry, at_ms: i64) -> Result<(), StoreError> {
    let d = &entry.data;
    let payload = serde_json::json!({ "register_id": d.register_id, "journal_seq": d.seq }).to_string();
    enqueue(tx, kind, d.document_id, &payload, at_ms)
}

/// Adds an event to the outbox under a new event id (the back end's idempotency key).
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    kind: &str,
    document_id: Uuid,
    payload: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO outbox(kind, document_id, payload, created_ms, event_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![kind, document_id.to_string(), payload, at_ms, Uuid::now_v7().to_string()])?;
    Ok(())
}

impl Store {
    /// Commits a completed or voided sale. See the module documentation.
    pub fn commit_sale(
        &self,
        register_id: &str,
        sale: &Sale,
        cashier: &str,
        at_ms: i64,
    ) -> Result<Committed, StoreError> {
        self.commit_sale_approved(register_id, sale, (cashier, None), at_ms)
    }

    /// [`Store::commit_sale`], recording who approved it with their PIN (a void the cashier
    /// may not do by themself).
    pub fn commit_sale_approved(
        &self,
        register_id: &str,
        sale: &Sale,
        (cashier, approved_by): (&str, Option<&str>),
        at_ms: i64,
    ) -> Result<Committed, StoreError> {
        let (state, kind, turnover_sign) = match sale.state {
            SaleState::Completed => ("completed", EntryKind::Sale, 1),
            SaleState::Voided => ("voided", EntryKind::Void, 0),
            other => {
                return Err(StoreError::Conflict(format!("a sale that is {} cannot be committed", other.name())));
            }
        };
        let totals = sale.totals()?;
        self.write(|tx| {
            // The sale stops being "in progress" with the same commit that records it.
            tx.execute("DELETE FROM open_sales WHERE sale_id = ?1", [sale.id.to_string()])?;
            if let Some((stored_register, committed, body)) = stored_commit(tx, "sales", &sale.id)? {
                let doc: SaleDocument = serde_json::from_str(&body)?;
                if stored_register != register_id || doc.sale != *sale {
                    return Err(StoreError::Conflict(format!("sale {} was committed before with other content", sale.id)));
                }
                return Ok(committed);
            }
            if sale.state == SaleState::Completed {
                require_approved_card_attempts(tx, sale)?;
            }
            let receipt_no = take_receipt_no(tx, register_id)?;
            let doc = SaleDocument {
                register_id: register_id.to_string(),
                receipt_no,
                cashier: cashier.to_string(),
                at_ms,
                sale: sale.clone(),
                totals: totals.clone(),
                approved_by: approved_by.map(str::to_string),
            };
            let body = serde_json::to_string(&doc)?;
            crate::report::count_sale(tx, register_id, &doc)?;
            let entry = append(
                tx,
                NewEntry {
                    register_id: register_id.to_string(),
                    kind,
                    document_id: sale.id,
                    at_unix_ms: at_ms,
                    currency: sale.currency.code().to_string(),
                    turnover_minor: totals.total_minor() * turnover_sign,
                    body,
                },
            )?;
            tx.prepare_cached(
                "INSERT INTO sales(id, register_id, receipt_no, state, cashier, currency, net_minor, tax_minor, total_minor,
                     discount_minor, cash_rounding_minor, change_minor, at_ms, journal_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                sale.id.to_string(),
                register_id,
                to_i64(receipt_no)?,
                state,
                cashier,
                sale.currency.code(),
                totals.sum.net_minor,
                totals.sum.tax_minor,
                totals.total_minor(),
                totals.discount_minor,
                sale.cash_rounding_minor,
                sale.change_minor(),
                at_ms,
                to_i64(entry.data.seq)?
            ])?;
            insert_lines_and_stock(tx, sale, &totals, state == "completed", at_ms)?;
            for p in &sale.payments {
                let card = p.card.as_ref();
                tx.prepare_cached(
                    "INSERT INTO payments(id, sale_id, kind, amount_minor, tendered_minor, change_minor, masked_pan,
                         card_type, terminal_id, trace_no, card_receipt_no) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?
                .execute(params![
                    p.id.to_string(),
                    sale.id.to_string(),
                    p.kind.name(),
                    p.amount_minor,
                    p.tendered_minor,
                    p.change_minor,
                    card.map(|c| c.masked_pan.as_str()),
                    card.map(|c| c.card_type.as_str()),
                    card.map(|c| c.terminal_id.as_str()),
                    card.map(|c| c.trace_no),
                    card.map(|c| c.receipt_no)
                ])?;
            }
            outbox(tx, &format!("sale.{state}"), &entry, at_ms)?;
            if sale.state == SaleState::Completed {
                crate::print_jobs::enqueue_original(tx, crate::PrintDocument::Sale, sale.id, register_id, at_ms)?;
            }
            Ok(Committed { receipt_no, journal_seq: entry.data.seq, journal_hash: entry.hash, replayed: false })
        })
    }
}

/// A sale completes only with its card payments approved by the terminal: each card tender must
/// be an attempt recorded as approved, for this sale and this amount.
fn require_approved_card_attempts(tx: &Transaction<'_>, sale: &Sale) -> Result<(), StoreError> {
    for p in sale.payments.iter().filter(|p| p.kind == ringup_domain::tender::TenderKind::Card) {
        let attempt = crate::attempts::attempt_in(tx, &p.id)?;
        let ok = attempt.as_ref().is_some_and(|a| {
            a.state == ringup_domain::attempt::AttemptState::Approved
                && a.new.kind == ringup_domain::attempt::AttemptKind::Authorization
                && a.new.sale_id == sale.id
                && a.new.amount_minor == p.amount_minor
        });
        if !ok {
            let state = attempt.map_or("missing".to_string(), |a| a.state.name().to_string());
            return Err(StoreError::Conflict(format!(
                "card payment {} of sale {} is not an approved attempt for it (attempt {state})",
                p.id, sale.id
            )));
        }
    }
    Ok(())
}

pub(crate) fn insert_lines_and_stock(
    tx: &Transaction<'_>,
    sale: &Sale,
    totals: &Totals,
    moves_stock: bool,
    at_ms: i64,
) -> Result<(), StoreError> {
    let by_line: BTreeMap<u32, &ringup_domain::cart::LineTotal> = totals.lines.iter().map(|t| (t.line_no, t)).collect();
    for line in &sale.lines {
        let product_id = product_row_id(tx, &line.item.product_id)?;
        let t = by_line.get(&line.line_no);
        let discount = t.map_or(0, |t| t.line_discount_minor + t.order_discount_minor);
        let tax = t.map(|t| t.tax).unwrap_or_default();
        tx.prepare_cached(
            "INSERT INTO sale_lines(sale_id, line_no, product_id, name, quantity_milli, unit_price_minor, voided,
                 tax_class_id, tax_rate_ppm, discount_minor, net_minor, tax_minor, gross_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            sale.id.to_string(),
            line.line_no,
            product_id,
            line.item.name,
            line.quantity_milli,
            line.unit_price_minor,
            line.voided,
            line.item.tax_class_id,
            line.item.tax_rate_ppm,
            discount,
            tax.net_minor,
            tax.tax_minor,
            tax.gross_minor
        ])?;
        if moves_stock && !line.voided {
            tx.prepare_cached(
                "INSERT INTO stock_movements(id, product_id, delta_milli, reason, document_id, at_ms)
                 VALUES (?1, ?2, ?3, 'sale', ?4, ?5)",
            )?
            .execute(params![
                format!("{}:{}", sale.id, line.line_no),
                product_id,
                -line.quantity_milli,
                sale.id.to_string(),
                at_ms
            ])?;
        }
    }
    Ok(())
}

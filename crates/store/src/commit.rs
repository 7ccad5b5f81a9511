//! Committing a finished sale or a refund: the record, its lines and tenders, the stock
//! movements, the journal entry and the outbox rows, in ONE transaction. The caller may tell
//! the cashier "done" only after this returns Ok.
//!
//! Both are idempotent by the document's UUID: committing the same sale again (a retry after a
//! crash or a time-out) returns the first result and writes nothing.

use crate::journal::append;
use crate::{Store, StoreError, to_i64};
use ringup_domain::cart::{Sale, SaleState, Totals};
use ringup_domain::journal::{EntryKind, NewEntry};
use ringup_domain::refund::{
    OriginalTender, RefundLine, RefundRequest, RefundTender, SoldLine, plan_refund, refund_to_original_tenders,
};
use ringup_domain::tender::TenderKind;
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
struct SaleDocument {
    register_id: String,
    receipt_no: u64,
    cashier: String,
    at_ms: i64,
    sale: Sale,
    totals: Totals,
}

#[derive(Serialize, Deserialize)]
struct RefundDocument {
    id: Uuid,
    original_sale_id: Uuid,
    register_id: String,
    receipt_no: u64,
    cashier: String,
    at_ms: i64,
    lines: Vec<RefundLine>,
    tenders: Vec<RefundTender>,
}

fn take_receipt_no(tx: &Transaction<'_>, register_id: &str) -> Result<u64, StoreError> {
    tx.prepare_cached(
        "UPDATE registers SET next_receipt_no = next_receipt_no + 1 WHERE id = ?1 RETURNING next_receipt_no - 1",
    )?
    .query_row([register_id], |r| crate::get_u64(r, 0))
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("register {register_id}")))
}

fn product_row_id(tx: &Transaction<'_>, sku: &str) -> Result<i64, StoreError> {
    tx.prepare_cached("SELECT id FROM products WHERE sku = ?1")?
        .query_row([sku], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("product {sku}")))
}

fn stored_commit(
    tx: &Transaction<'_>,
    table: &str,
    id: &Uuid,
) -> Result<Option<(String, Committed, String)>, StoreError> {
    let sql = format!(
        "SELECT d.register_id, d.receipt_no, d.journal_seq, j.hash, d.body FROM {table} d
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

fn outbox(
    tx: &Transaction<'_>,
    event_id: &str,
    kind: &str,
    document_id: &Uuid,
    payload: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO outbox(event_id, kind, document_id, payload, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![event_id, kind, document_id.to_string(), payload, at_ms])?;
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
        let (state, kind, turnover_sign) = match sale.state {
            SaleState::Completed => ("completed", EntryKind::Sale, 1),
            SaleState::Voided => ("voided", EntryKind::Void, 0),
            other => {
                return Err(StoreError::Conflict(format!("a sale that is {} cannot be committed", other.name())));
            }
        };
        let totals = sale.totals()?;
        self.write(|tx| {
            if let Some((stored_register, committed, body)) = stored_commit(tx, "sales", &sale.id)? {
                let doc: SaleDocument = serde_json::from_str(&body)?;
                if stored_register != register_id || doc.sale != *sale {
                    return Err(StoreError::Conflict(format!("sale {} was committed before with other content", sale.id)));
                }
                return Ok(committed);
            }
            let receipt_no = take_receipt_no(tx, register_id)?;
            let doc = SaleDocument {
                register_id: register_id.to_string(),
                receipt_no,
                cashier: cashier.to_string(),
                at_ms,
                sale: sale.clone(),
                totals: totals.clone(),
            };
            let body = serde_json::to_string(&doc)?;
            let entry = append(
                tx,
                NewEntry {
                    register_id: register_id.to_string(),
                    kind,
                    document_id: sale.id,
                    at_unix_ms: at_ms,
                    currency: sale.currency.code().to_string(),
                    turnover_minor: totals.total_minor() * turnover_sign,
                    body: body.clone(),
                },
            )?;
            tx.prepare_cached(
                "INSERT INTO sales(id, register_id, receipt_no, state, cashier, currency, net_minor, tax_minor, total_minor,
                     discount_minor, cash_rounding_minor, change_minor, at_ms, journal_seq, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
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
                to_i64(entry.data.seq)?,
                body
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
            outbox(tx, &sale.id.to_string(), &format!("sale.{state}"), &sale.id, &body, at_ms)?;
            outbox(tx, &format!("journal:{register_id}:{}", entry.data.seq), "journal.entry", &sale.id, &entry_payload(&entry)?, at_ms)?;
            Ok(Committed { receipt_no, journal_seq: entry.data.seq, journal_hash: entry.hash, replayed: false })
        })
    }

    /// Commits a refund of lines of a completed sale, back to its original tenders.
    pub fn commit_refund(
        &self,
        refund_id: Uuid,
        original_sale_id: Uuid,
        register_id: &str,
        cashier: &str,
        requests: &[RefundRequest],
        at_ms: i64,
    ) -> Result<RefundCommitted, StoreError> {
        self.write(|tx| {
            if let Some((stored_register, committed, body)) = stored_commit(tx, "refunds", &refund_id)? {
                let doc: RefundDocument = serde_json::from_str(&body)?;
                let stored: Vec<(u32, i64)> =
                    doc.lines.iter().map(|l| (l.original_line_no, l.quantity_milli)).collect();
                let requested: Vec<(u32, i64)> = requests.iter().map(|r| (r.line_no, r.quantity_milli)).collect();
                if stored_register != register_id
                    || doc.original_sale_id != original_sale_id
                    || quantities_by_line(&stored) != quantities_by_line(&requested)
                {
                    let message = format!("refund {refund_id} was committed before with other content");
                    return Err(StoreError::Conflict(message));
                }
                let total_minor = doc.lines.iter().map(|l| l.amounts.gross_minor).sum();
                return Ok(RefundCommitted { committed, lines: doc.lines, tenders: doc.tenders, total_minor });
            }
            let body: String = tx
                .prepare_cached("SELECT body FROM sales WHERE id = ?1 AND state = 'completed'")?
                .query_row([original_sale_id.to_string()], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("completed sale {original_sale_id}")))?;
            let original: SaleDocument = serde_json::from_str(&body)?;
            let sold: Vec<SoldLine> = original
                .sale
                .active_lines()
                .zip(&original.totals.lines)
                .map(|(l, t)| SoldLine {
                    line_no: l.line_no,
                    product_id: l.item.product_id.clone(),
                    name: l.item.name.clone(),
                    quantity_milli: l.quantity_milli,
                    tax_class_id: l.item.tax_class_id.clone(),
                    tax_rate_ppm: l.item.tax_rate_ppm,
                    amounts: t.tax,
                })
                .collect();
            let refunded = refunded_quantities(tx, &original_sale_id)?;
            let lines = one_row_per_line(plan_refund(&sold, &refunded, requests)?)?;
            let total_minor: i64 = lines.iter().map(|l| l.amounts.gross_minor).sum();
            let tax_minor: i64 = lines.iter().map(|l| l.amounts.tax_minor).sum();
            let tenders = refund_to_original_tenders(total_minor, &original_tenders(tx, &original)?)?;
            let receipt_no = take_receipt_no(tx, register_id)?;
            let doc = RefundDocument {
                id: refund_id,
                original_sale_id,
                register_id: register_id.to_string(),
                receipt_no,
                cashier: cashier.to_string(),
                at_ms,
                lines: lines.clone(),
                tenders: tenders.clone(),
            };
            let body = serde_json::to_string(&doc)?;
            let entry = append(
                tx,
                NewEntry {
                    register_id: register_id.to_string(),
                    kind: EntryKind::Refund,
                    document_id: refund_id,
                    at_unix_ms: at_ms,
                    currency: original.sale.currency.code().to_string(),
                    turnover_minor: -total_minor,
                    body: body.clone(),
                },
            )?;
            tx.prepare_cached(
                "INSERT INTO refunds(id, original_sale_id, register_id, receipt_no, cashier, total_minor, tax_minor, at_ms,
                     journal_seq, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                refund_id.to_string(),
                original_sale_id.to_string(),
                register_id,
                to_i64(receipt_no)?,
                cashier,
                total_minor,
                tax_minor,
                at_ms,
                to_i64(entry.data.seq)?,
                body
            ])?;
            for l in &lines {
                tx.prepare_cached(
                    "INSERT INTO refund_lines(refund_id, original_line_no, quantity_milli, net_minor, tax_minor, gross_minor)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    refund_id.to_string(),
                    l.original_line_no,
                    l.quantity_milli,
                    l.amounts.net_minor,
                    l.amounts.tax_minor,
                    l.amounts.gross_minor
                ])?;
                let product_id = product_row_id(tx, &l.product_id)?;
                tx.prepare_cached(
                    "INSERT INTO stock_movements(id, product_id, delta_milli, reason, document_id, at_ms)
                     VALUES (?1, ?2, ?3, 'refund', ?4, ?5)",
                )?
                .execute(params![
                    format!("{refund_id}:{}", l.original_line_no),
                    product_id,
                    l.quantity_milli,
                    refund_id.to_string(),
                    at_ms
                ])?;
            }
            for t in &tenders {
                tx.prepare_cached("INSERT INTO refund_tenders(refund_id, payment_id, kind, amount_minor) VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![refund_id.to_string(), t.payment_id.to_string(), t.kind.name(), t.amount_minor])?;
            }
            outbox(tx, &refund_id.to_string(), "refund.created", &refund_id, &body, at_ms)?;
            outbox(tx, &format!("journal:{register_id}:{}", entry.data.seq), "journal.entry", &refund_id, &entry_payload(&entry)?, at_ms)?;
            let committed = Committed { receipt_no, journal_seq: entry.data.seq, journal_hash: entry.hash, replayed: false };
            Ok(RefundCommitted { committed, lines, tenders, total_minor })
        })
    }
}

fn entry_payload(entry: &ringup_domain::journal::JournalEntry) -> Result<String, StoreError> {
    Ok(serde_json::to_string(&serde_json::json!({
        "register_id": entry.data.register_id,
        "seq": entry.data.seq,
        "kind": entry.data.kind.name(),
        "document_id": entry.data.document_id,
        "at_ms": entry.data.at_unix_ms,
        "turnover_minor": entry.data.turnover_minor,
        "grand_total_minor": entry.data.grand_total_minor,
        "prev_hash": hex::encode(entry.prev_hash),
        "hash": hex::encode(entry.hash),
    }))?)
}

fn insert_lines_and_stock(
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

fn refunded_quantities(tx: &Transaction<'_>, sale_id: &Uuid) -> Result<BTreeMap<u32, i64>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT l.original_line_no, sum(l.quantity_milli) FROM refund_lines l JOIN refunds r ON r.id = l.refund_id
         WHERE r.original_sale_id = ?1 GROUP BY l.original_line_no",
    )?;
    let rows = stmt.query_map([sale_id.to_string()], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<Result<BTreeMap<_, _>, _>>()?)
}

fn original_tenders(tx: &Transaction<'_>, original: &SaleDocument) -> Result<Vec<OriginalTender>, StoreError> {
    let mut out = Vec::new();
    let settling_cash = original.sale.payments.iter().rev().find(|p| p.kind == TenderKind::Cash).map(|p| p.id);
    for p in &original.sale.payments {
        let refunded_minor: i64 = tx
            .prepare_cached("SELECT coalesce(sum(amount_minor), 0) FROM refund_tenders WHERE payment_id = ?1")?
            .query_row([p.id.to_string()], |r| r.get(0))?;
        // Cash refunds are paid out of the drawer whatever the sale's rounding was. The rounding
        // was applied once, by the cash payment that settled the sale (always the last one).
        let amount_minor = if Some(p.id) == settling_cash {
            p.amount_minor - original.sale.cash_rounding_minor
        } else {
            p.amount_minor
        };
        out.push(OriginalTender { payment_id: p.id, kind: p.kind, amount_minor, refunded_minor });
    }
    Ok(out)
}

/// Sums quantities per line number, so that two lists asking for the same refund compare equal.
fn quantities_by_line(lines: &[(u32, i64)]) -> BTreeMap<u32, i64> {
    let mut out = BTreeMap::new();
    for (line_no, quantity_milli) in lines {
        let sum: &mut i64 = out.entry(*line_no).or_default();
        *sum = sum.saturating_add(*quantity_milli);
    }
    out
}

/// Merges the planned lines of one refund that name the same original line (the cashier
/// scanned a returned item twice): the refund is stored with one row per line. The amounts
/// simply add up, since each part is the difference of cumulative shares.
fn one_row_per_line(lines: Vec<RefundLine>) -> Result<Vec<RefundLine>, StoreError> {
    let mut merged: Vec<RefundLine> = Vec::with_capacity(lines.len());
    for line in lines {
        match merged.iter_mut().find(|m| m.original_line_no == line.original_line_no) {
            Some(m) => {
                m.quantity_milli = ringup_domain::money::add(m.quantity_milli, line.quantity_milli, "refund quantity")?;
                m.amounts = m.amounts.checked_add(line.amounts)?;
            }
            None => merged.push(line),
        }
    }
    Ok(merged)
}

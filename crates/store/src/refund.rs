//! Committing a refund: lines of a completed sale back to its original tenders, with stock
//! coming back, a journal entry that lowers the grand total and an outbox row, in one
//! transaction. Idempotent by the refund's UUID, like a sale.

use crate::commit::{Committed, RefundCommitted, SaleDocument, outbox, product_row_id, stored_commit, take_receipt_no};
use crate::journal::append;
use crate::{Store, StoreError, to_i64};
use ringup_domain::journal::{EntryKind, NewEntry};
use ringup_domain::refund::{
    OriginalTender, RefundLine, RefundRequest, RefundTender, SoldLine, plan_refund, refund_to_original_tenders,
};
use ringup_domain::tender::TenderKind;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Serialize, Deserialize)]
pub(crate) struct RefundDocument {
    pub(crate) id: Uuid,
    pub(crate) original_sale_id: Uuid,
    pub(crate) register_id: String,
    pub(crate) receipt_no: u64,
    pub(crate) cashier: String,
    pub(crate) at_ms: i64,
    pub(crate) lines: Vec<RefundLine>,
    pub(crate) tenders: Vec<RefundTender>,
    /// The member of staff who authorised the refund, when not the cashier (a manager's PIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) approved_by: Option<String>,
}

impl Store {
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
        self.commit_refund_approved(refund_id, original_sale_id, register_id, cashier, None, requests, at_ms)
    }

    /// [`Store::commit_refund`], recording who authorised it when that was not the cashier.
    #[allow(clippy::too_many_arguments)] // Each is a distinct fact of the refund document.
    pub fn commit_refund_approved(
        &self,
        refund_id: Uuid,
        original_sale_id: Uuid,
        register_id: &str,
        cashier: &str,
        approved_by: Option<&str>,
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
            let Plan { original, lines, tenders, total_minor, tax_minor } = plan(tx, original_sale_id, requests)?;
            require_approved_card_refunds(tx, refund_id, &tenders)?;
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
                approved_by: approved_by.map(str::to_string),
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
                    body,
                },
            )?;
            tx.prepare_cached(
                "INSERT INTO refunds(id, original_sale_id, register_id, receipt_no, cashier, total_minor, tax_minor, at_ms,
                     journal_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                to_i64(entry.data.seq)?
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
            crate::report::count_refund(tx, register_id, &lines, &tenders, total_minor, at_ms)?;
            outbox(tx, "refund.created", &entry, at_ms)?;
            crate::print_jobs::enqueue_original(tx, crate::PrintDocument::Refund, refund_id, register_id, at_ms)?;
            let committed = Committed { receipt_no, journal_seq: entry.data.seq, journal_hash: entry.hash, replayed: false };
            Ok(RefundCommitted { committed, lines, tenders, total_minor })
        })
    }
}

/// A refund worked out but not written: what goes back, and to which tenders.
struct Plan {
    original: SaleDocument,
    lines: Vec<RefundLine>,
    tenders: Vec<RefundTender>,
    total_minor: i64,
    tax_minor: i64,
}

/// What a refund would return, before anything is written: the app needs the card part to
/// send it to the terminal first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundPreview {
    pub lines: Vec<RefundLine>,
    pub tenders: Vec<RefundTender>,
    pub total_minor: i64,
}

fn plan(c: &rusqlite::Connection, original_sale_id: Uuid, requests: &[RefundRequest]) -> Result<Plan, StoreError> {
    let body: String = c
        .prepare_cached(
            "SELECT j.body FROM sales s JOIN journal j ON j.register_id = s.register_id AND j.seq = s.journal_seq
             WHERE s.id = ?1 AND s.state = 'completed'",
        )?
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
    let refunded = refunded_quantities(c, &original_sale_id)?;
    let lines = one_row_per_line(plan_refund(&sold, &refunded, requests)?)?;
    let total_minor: i64 = lines.iter().map(|l| l.amounts.gross_minor).sum();
    let tax_minor: i64 = lines.iter().map(|l| l.amounts.tax_minor).sum();
    let tenders = refund_to_original_tenders(total_minor, &original_tenders(c, &original)?)?;
    Ok(Plan { original, lines, tenders, total_minor, tax_minor })
}

/// Money goes back to a card only through the terminal: each card part of a refund must be a
/// refund attempt the terminal approved, for this refund and this amount.
fn require_approved_card_refunds(
    c: &rusqlite::Connection,
    refund_id: Uuid,
    tenders: &[RefundTender],
) -> Result<(), StoreError> {
    // Two card parts of the same amount need two approvals, not one counted twice.
    let mut parts: BTreeMap<i64, i64> = BTreeMap::new();
    for t in tenders.iter().filter(|t| t.kind == TenderKind::Card) {
        *parts.entry(t.amount_minor).or_insert(0) += 1;
    }
    for (amount_minor, needed) in parts {
        let approved: i64 = c
            .prepare_cached(
                "SELECT count(*) FROM payment_attempts
                 WHERE sale_id = ?1 AND kind = 'refund' AND state = 'approved' AND amount_minor = ?2",
            )?
            .query_row(params![refund_id.to_string(), amount_minor], |r| r.get(0))?;
        if approved < needed {
            return Err(StoreError::Conflict(format!(
                "refund {refund_id}: {needed} card part(s) of {amount_minor} but {approved} refunded by the card terminal"
            )));
        }
    }
    Ok(())
}

impl Store {
    /// How much of each line of a sale has been refunded so far (line number → thousandths).
    pub fn refunded_quantities(&self, sale_id: Uuid) -> Result<BTreeMap<u32, i64>, StoreError> {
        self.read(|c| refunded_quantities(c, &sale_id))
    }

    /// The completed sale with this receipt number on this register, if any.
    pub fn sale_by_receipt(&self, register_id: &str, receipt_no: u64) -> Result<Option<Uuid>, StoreError> {
        self.read(|c| {
            let id: Option<String> = c
                .prepare_cached(
                    "SELECT id FROM sales WHERE register_id = ?1 AND receipt_no = ?2 AND state = 'completed'",
                )?
                .query_row(params![register_id, to_i64(receipt_no)?], |r| r.get(0))
                .optional()?;
            id.map(|id| Uuid::parse_str(&id).map_err(|e| StoreError::Config(format!("sale id {id}: {e}")))).transpose()
        })
    }

    /// Whether a refund with this id is on record (a retry must not plan it again).
    pub fn refund_exists(&self, refund_id: Uuid) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT 1 FROM refunds WHERE id = ?1")?
                .query_row([refund_id.to_string()], |_| Ok(()))
                .optional()?
                .is_some())
        })
    }

    pub fn preview_refund(
        &self,
        original_sale_id: Uuid,
        requests: &[RefundRequest],
    ) -> Result<RefundPreview, StoreError> {
        self.read(|c| {
            let p = plan(c, original_sale_id, requests)?;
            Ok(RefundPreview { lines: p.lines, tenders: p.tenders, total_minor: p.total_minor })
        })
    }
}

fn refunded_quantities(tx: &rusqlite::Connection, sale_id: &Uuid) -> Result<BTreeMap<u32, i64>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT l.original_line_no, sum(l.quantity_milli) FROM refund_lines l JOIN refunds r ON r.id = l.refund_id
         WHERE r.original_sale_id = ?1 GROUP BY l.original_line_no",
    )?;
    let rows = stmt.query_map([sale_id.to_string()], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<Result<BTreeMap<_, _>, _>>()?)
}

fn original_tenders(tx: &rusqlite::Connection, original: &SaleDocument) -> Result<Vec<OriginalTender>, StoreError> {
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

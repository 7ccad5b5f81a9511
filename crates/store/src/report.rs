//! The day's figures and its close: running totals per register (added to in the transaction
//! of every sale, refund and cash movement), the X report (read them), the Z report (freeze
//! them under the next gapless Z number, journal them, start a new period), and the drawer:
//! opened with a counted float, pay-ins, pay-outs and drops, closed blind.

use crate::commit::SaleDocument;
use crate::journal::append;
use crate::{Store, StoreError, to_i64};
use ringup_domain::cart::{Sale, SaleState, Totals};
use ringup_domain::journal::{EntryKind, NewEntry};
use ringup_domain::refund::{RefundLine, RefundTender};
use ringup_domain::report::{
    CardReconciliation, CashCount, CashMovementKind, DayTotals, LineFacts, RefundFacts, SaleFacts, TenderFacts,
    reconcile_cards,
};
use ringup_domain::rounding::mul_div;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A line's category when its product has none.
pub const NO_CATEGORY: &str = "Uncategorised";

/// The open period of a register: what the X report shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub register_id: String,
    /// The number the Z that closes this period will carry.
    pub z_no: u64,
    pub opened_ms: i64,
    pub totals: DayTotals,
}

/// A closed day, exactly as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZReport {
    pub id: Uuid,
    pub register_id: String,
    pub z_no: u64,
    pub opened_ms: i64,
    pub closed_ms: i64,
    pub closed_by: String,
    /// Who approved the close with their PIN, when it was not the one who closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    pub totals: DayTotals,
    /// Sales and refunds since the register's first day: they never reset.
    pub grand_sales_minor: i64,
    pub grand_refunds_minor: i64,
    /// Our card totals beside the terminal's end-of-day, per card type; None when no terminal
    /// took part in the close.
    pub cards: Option<Vec<CardReconciliation>>,
    pub terminal_total_minor: Option<i64>,
}

impl ZReport {
    /// A card type whose totals differ from the terminal's.
    pub fn card_mismatch(&self) -> bool {
        self.cards.as_ref().is_some_and(|c| c.iter().any(|r| !r.matches))
    }
}

/// A cash drawer between its opening and its blind count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawer {
    pub id: Uuid,
    pub register_id: String,
    pub opened_by: String,
    pub opened_ms: i64,
    pub float_minor: i64,
    /// What it should hold now (never shown to the one counting it before the count).
    pub expected_minor: i64,
}

/// A drawer's blind count, and what it should have held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawerCount {
    pub drawer_id: Uuid,
    pub counted_minor: i64,
    pub expected_minor: i64,
    pub variance_minor: i64,
}

/// What the terminal said at its end of day: its total and its totals per card type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalTotals {
    pub total_minor: i64,
    pub by_card_type: BTreeMap<String, i64>,
}

fn load_period(tx: &Connection, register_id: &str, at_ms: i64) -> Result<Period, StoreError> {
    let row: Option<(i64, i64, String)> = tx
        .prepare_cached("SELECT z_no, opened_ms, totals FROM report_periods WHERE register_id = ?1")?
        .query_row([register_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(match row {
        Some((z_no, opened_ms, totals)) => Period {
            register_id: register_id.to_string(),
            z_no: u64::try_from(z_no).map_err(|_| StoreError::Config("negative Z number".into()))?,
            opened_ms,
            totals: serde_json::from_str(&totals)?,
        },
        None => {
            Period { register_id: register_id.to_string(), z_no: 1, opened_ms: at_ms, totals: DayTotals::default() }
        }
    })
}

fn save_period(tx: &Transaction<'_>, period: &Period) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO report_periods(register_id, z_no, opened_ms, totals) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(register_id) DO UPDATE SET z_no = excluded.z_no, opened_ms = excluded.opened_ms,
             totals = excluded.totals",
    )?
    .execute(params![
        period.register_id,
        to_i64(period.z_no)?,
        period.opened_ms,
        serde_json::to_string(&period.totals)?
    ])?;
    Ok(())
}

/// Adds to the register's open period, inside the caller's transaction.
fn add_to_period(
    tx: &Transaction<'_>,
    register_id: &str,
    at_ms: i64,
    add: impl FnOnce(&mut DayTotals),
) -> Result<(), StoreError> {
    let mut period = load_period(tx, register_id, at_ms)?;
    add(&mut period.totals);
    save_period(tx, &period)
}

/// Moves the open drawer's expected cash by `delta_minor` (no drawer open: nothing to move).
fn move_drawer_cash(tx: &Transaction<'_>, register_id: &str, delta_minor: i64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE drawers SET expected_minor = expected_minor + ?2 WHERE register_id = ?1 AND state = 'open'",
    )?
    .execute(params![register_id, delta_minor])?;
    Ok(())
}

fn category_of(tx: &Transaction<'_>, sku: &str) -> Result<String, StoreError> {
    let name: Option<Option<String>> = tx
        .prepare_cached(
            "SELECT coalesce(c.name, p.category_id) FROM products p LEFT JOIN categories c ON c.id = p.category_id
             WHERE p.sku = ?1",
        )?
        .query_row([sku], |r| r.get(0))
        .optional()?;
    Ok(name.flatten().unwrap_or_else(|| NO_CATEGORY.to_string()))
}

/// The hour (0–23) `at_ms` falls in, in the store's time zone.
fn local_hour(tx: &Transaction<'_>, at_ms: i64) -> Result<u8, StoreError> {
    let zone = crate::settings::time_zone_in(tx)?;
    Ok(crate::settings::hour_in(zone, at_ms))
}

/// Counts a committed sale (completed or voided) into its register's open period.
pub(crate) fn count_sale(tx: &Transaction<'_>, doc_register: &str, doc: &SaleDocument) -> Result<(), StoreError> {
    let facts = sale_facts(tx, &doc.sale, &doc.totals, &doc.cashier, doc.at_ms)?;
    let cash: i64 = facts.tenders.iter().filter(|t| t.kind == "cash").map(|t| t.amount_minor).sum();
    if facts.completed {
        move_drawer_cash(tx, doc_register, cash)?;
    }
    add_to_period(tx, doc_register, doc.at_ms, |t| t.add_sale(&facts))
}

fn sale_facts(
    tx: &Transaction<'_>,
    sale: &Sale,
    totals: &Totals,
    cashier: &str,
    at_ms: i64,
) -> Result<SaleFacts, StoreError> {
    let mut lines = Vec::with_capacity(sale.lines.len());
    for line in &sale.lines {
        let category = category_of(tx, &line.item.product_id)?;
        let base_minor = mul_div(line.unit_price_minor, line.quantity_milli, 1_000, "line amount")?;
        let price_override_minor = match &line.price_override {
            Some(o) => Some(mul_div(o.original_minor - line.unit_price_minor, line.quantity_milli, 1_000, "override")?),
            None => None,
        };
        let total = totals.lines.iter().find(|t| t.line_no == line.line_no);
        let facts = match total {
            Some(t) if !line.voided => LineFacts {
                category,
                tax_rate_ppm: line.item.tax_rate_ppm,
                net_minor: t.tax.net_minor,
                tax_minor: t.tax.tax_minor,
                gross_minor: t.tax.gross_minor,
                voided: false,
                base_minor: t.base_minor,
                discount_minor: t.line_discount_minor + t.order_discount_minor,
                price_override_minor,
            },
            _ => LineFacts {
                category,
                tax_rate_ppm: line.item.tax_rate_ppm,
                net_minor: 0,
                tax_minor: 0,
                gross_minor: 0,
                voided: true,
                base_minor,
                discount_minor: 0,
                price_override_minor: None,
            },
        };
        lines.push(facts);
    }
    let tenders = sale
        .payments
        .iter()
        .map(|p| TenderFacts {
            kind: p.kind.name().to_string(),
            amount_minor: p.amount_minor,
            card_type: p.card.as_ref().map(|c| c.card_type.clone()),
        })
        .collect();
    Ok(SaleFacts {
        completed: sale.state == SaleState::Completed,
        at_ms,
        hour: local_hour(tx, at_ms)?,
        cashier: cashier.to_string(),
        total_minor: totals.total_minor(),
        lines,
        tenders,
    })
}

/// Counts a committed refund into its register's open period.
pub(crate) fn count_refund(
    tx: &Transaction<'_>,
    register_id: &str,
    lines: &[RefundLine],
    tenders: &[RefundTender],
    total_minor: i64,
    at_ms: i64,
) -> Result<(), StoreError> {
    let mut line_facts = Vec::with_capacity(lines.len());
    for l in lines {
        line_facts.push(LineFacts {
            category: category_of(tx, &l.product_id)?,
            tax_rate_ppm: l.tax_rate_ppm,
            net_minor: l.amounts.net_minor,
            tax_minor: l.amounts.tax_minor,
            gross_minor: l.amounts.gross_minor,
            voided: false,
            base_minor: l.amounts.gross_minor,
            discount_minor: 0,
            price_override_minor: None,
        });
    }
    let mut tender_facts = Vec::with_capacity(tenders.len());
    for t in tenders {
        let card_type: Option<String> = tx
            .prepare_cached("SELECT card_type FROM payments WHERE id = ?1")?
            .query_row([t.payment_id.to_string()], |r| r.get(0))
            .optional()?
            .flatten();
        tender_facts.push(TenderFacts { kind: t.kind.name().to_string(), amount_minor: t.amount_minor, card_type });
    }
    let cash: i64 = tender_facts.iter().filter(|t| t.kind == "cash").map(|t| t.amount_minor).sum();
    move_drawer_cash(tx, register_id, -cash)?;
    let facts = RefundFacts { at_ms, total_minor, lines: line_facts, tenders: tender_facts };
    add_to_period(tx, register_id, at_ms, |t| t.add_refund(&facts))
}

/// Counts a "no sale" drawer opening.
pub(crate) fn count_no_sale(tx: &Transaction<'_>, register_id: &str, at_ms: i64) -> Result<(), StoreError> {
    add_to_period(tx, register_id, at_ms, |t| t.add_cash(CashMovementKind::NoSale, 0, at_ms))
}

fn open_drawer_in(tx: &Connection, register_id: &str) -> Result<Option<Drawer>, StoreError> {
    tx.prepare_cached(
        "SELECT id, opened_by, opened_ms, float_minor, expected_minor FROM drawers
             WHERE register_id = ?1 AND state = 'open'",
    )?
    .query_row([register_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
    .optional()?
    .map(|(id, opened_by, opened_ms, float_minor, expected_minor)| {
        Ok::<_, StoreError>(Drawer {
            id: Uuid::parse_str(&id).map_err(|e| StoreError::Config(format!("drawer id {id}: {e}")))?,
            register_id: register_id.to_string(),
            opened_by,
            opened_ms,
            float_minor,
            expected_minor,
        })
    })
    .transpose()
}

/// Journals a cash movement (no money counted as turnover) with `body`.
fn journal_cash(
    tx: &Transaction<'_>,
    register_id: &str,
    id: Uuid,
    kind: EntryKind,
    body: serde_json::Value,
    at_ms: i64,
) -> Result<u64, StoreError> {
    let currency = crate::settings::currency_in(tx)?;
    let entry = append(
        tx,
        NewEntry {
            register_id: register_id.to_string(),
            kind,
            document_id: id,
            at_unix_ms: at_ms,
            currency,
            turnover_minor: 0,
            body: body.to_string(),
        },
    )?;
    let event = match body["movement"].as_str() {
        Some(movement) => format!("cash.{movement}"),
        None => "day.close".to_string(),
    };
    crate::commit::outbox(tx, &event, &entry, at_ms)?;
    Ok(entry.data.seq)
}

/// Whether a document with this id is in the register's journal already (a retry).
fn journaled(tx: &Transaction<'_>, id: Uuid) -> Result<bool, StoreError> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM journal WHERE document_id = ?1")?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

impl Store {
    /// The X report: the register's figures since its last Z, without closing anything.
    pub fn x_report(&self, register_id: &str, now_ms: i64) -> Result<Period, StoreError> {
        self.read(|c| load_period(c, register_id, now_ms))
    }

    /// The drawer open on the register, if any.
    pub fn current_drawer(&self, register_id: &str) -> Result<Option<Drawer>, StoreError> {
        self.read(|c| open_drawer_in(c, register_id))
    }

    /// Opens the register's drawer with a float counted by denomination. Journaled. Opening it
    /// again with the same id returns the drawer; another drawer open on the register is a
    /// conflict.
    pub fn open_drawer_with_float(
        &self,
        register_id: &str,
        id: Uuid,
        by: &str,
        float: &CashCount,
        denominations: &[i64],
        at_ms: i64,
    ) -> Result<Drawer, StoreError> {
        let float_minor = float.total_minor(denominations)?;
        self.write(|tx| {
            if let Some(open) = open_drawer_in(tx, register_id)? {
                if open.id == id {
                    return Ok(open);
                }
                return Err(StoreError::Conflict("a drawer is open on this register: count and close it first".into()));
            }
            tx.prepare_cached(
                "INSERT INTO drawers(id, register_id, opened_by, opened_ms, float_count, float_minor, expected_minor, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 'open')",
            )?
            .execute(params![id.to_string(), register_id, by, at_ms, serde_json::to_string(float)?, float_minor])?;
            let body = serde_json::json!({ "movement": "float", "drawer": id, "by": by, "amount_minor": float_minor, "count": float });
            journal_cash(tx, register_id, id, EntryKind::CashMovement, body, at_ms)?;
            add_to_period(tx, register_id, at_ms, |t| t.add_cash(CashMovementKind::Float, float_minor, at_ms))?;
            open_drawer_in(tx, register_id)?.ok_or_else(|| StoreError::NotFound("the drawer just opened".into()))
        })
    }

    /// A pay-in, pay-out or drop on the open drawer, journaled with who did it, who approved it
    /// with their PIN (if someone else did) and why. Idempotent by `id`. More out than the
    /// drawer should hold is refused.
    #[allow(clippy::too_many_arguments)] // Each is a distinct fact of the journaled movement.
    pub fn move_cash(
        &self,
        register_id: &str,
        id: Uuid,
        kind: CashMovementKind,
        amount_minor: i64,
        reason: &str,
        (by, approved_by): (&str, Option<&str>),
        at_ms: i64,
    ) -> Result<Drawer, StoreError> {
        let sign = match kind {
            CashMovementKind::PayIn => 1,
            CashMovementKind::PayOut | CashMovementKind::Drop => -1,
            CashMovementKind::Float | CashMovementKind::NoSale => {
                return Err(StoreError::Config(format!("{} is not a pay-in, pay-out or drop", kind.name())));
            }
        };
        if amount_minor <= 0 {
            return Err(StoreError::Config("the amount must be more than zero".into()));
        }
        if reason.trim().is_empty() {
            return Err(StoreError::Config("say why the cash moves".into()));
        }
        self.write(|tx| {
            let drawer = open_drawer_in(tx, register_id)?
                .ok_or_else(|| StoreError::Conflict("no drawer is open: open one with its float first".into()))?;
            if journaled(tx, id)? {
                return Ok(drawer);
            }
            if sign < 0 && amount_minor > drawer.expected_minor {
                return Err(StoreError::Conflict("more than the drawer should hold".into()));
            }
            let body = serde_json::json!({
                "movement": kind.name(), "drawer": drawer.id, "by": by, "approved_by": approved_by,
                "amount_minor": amount_minor, "reason": reason,
            });
            journal_cash(tx, register_id, id, EntryKind::CashMovement, body, at_ms)?;
            move_drawer_cash(tx, register_id, sign * amount_minor)?;
            add_to_period(tx, register_id, at_ms, |t| t.add_cash(kind, amount_minor, at_ms))?;
            open_drawer_in(tx, register_id)?.ok_or_else(|| StoreError::NotFound("the open drawer".into()))
        })
    }

    /// Closes the open drawer with a blind count: the counter never saw what it should hold;
    /// the answer says it, and the variance, once the count is recorded. Journaled.
    #[allow(clippy::too_many_arguments)] // Each is a distinct fact of the journaled count.
    pub fn close_drawer(
        &self,
        register_id: &str,
        drawer_id: Uuid,
        count_id: Uuid,
        by: &str,
        count: &CashCount,
        denominations: &[i64],
        at_ms: i64,
    ) -> Result<DrawerCount, StoreError> {
        let counted_minor = count.total_minor(denominations)?;
        self.write(|tx| {
            let stored: Option<(String, Option<i64>, Option<i64>)> = tx
                .prepare_cached(
                    "SELECT state, counted_minor, expected_minor FROM drawers WHERE id = ?1 AND register_id = ?2",
                )?
                .query_row(params![drawer_id.to_string(), register_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            match stored {
                None => return Err(StoreError::NotFound(format!("drawer {drawer_id}"))),
                Some((state, Some(counted), Some(expected))) if state == "closed" => {
                    // Closed before: the same answer, whatever was counted this time.
                    return Ok(DrawerCount {
                        drawer_id,
                        counted_minor: counted,
                        expected_minor: expected,
                        variance_minor: counted - expected,
                    });
                }
                Some(_) => {}
            }
            let drawer =
                open_drawer_in(tx, register_id)?.ok_or_else(|| StoreError::NotFound("the open drawer".into()))?;
            tx.prepare_cached(
                "UPDATE drawers SET state = 'closed', closed_by = ?2, closed_ms = ?3, counted = ?4, counted_minor = ?5
                 WHERE id = ?1",
            )?
            .execute(params![
                drawer_id.to_string(),
                by,
                at_ms,
                serde_json::to_string(count)?,
                counted_minor
            ])?;
            let variance_minor = counted_minor - drawer.expected_minor;
            let body = serde_json::json!({
                "movement": "count", "drawer": drawer_id, "by": by, "counted_minor": counted_minor,
                "expected_minor": drawer.expected_minor, "variance_minor": variance_minor, "count": count,
            });
            journal_cash(tx, register_id, count_id, EntryKind::CashMovement, body, at_ms)?;
            add_to_period(tx, register_id, at_ms, |t| t.add_count(counted_minor, drawer.expected_minor, at_ms))?;
            Ok(DrawerCount { drawer_id, counted_minor, expected_minor: drawer.expected_minor, variance_minor })
        })
    }

    /// Closes the day: freezes the open period under the next Z number (gapless, one
    /// transaction), with our card totals beside the terminal's when it took part, journals it
    /// and starts a new period. A drawer still open must be counted first. Closing again with
    /// the same id returns the first Z.
    pub fn close_day(
        &self,
        register_id: &str,
        id: Uuid,
        (by, approved_by): (&str, Option<&str>),
        terminal: Option<&TerminalTotals>,
        at_ms: i64,
    ) -> Result<ZReport, StoreError> {
        self.write(|tx| {
            let existing: Option<String> = tx
                .prepare_cached("SELECT body FROM z_reports WHERE id = ?1")?
                .query_row([id.to_string()], |r| r.get(0))
                .optional()?;
            if let Some(body) = existing {
                return Ok(serde_json::from_str(&body)?);
            }
            if open_drawer_in(tx, register_id)?.is_some() {
                return Err(StoreError::Conflict("a drawer is still open: count it before closing the day".into()));
            }
            let period = load_period(tx, register_id, at_ms)?;
            let previous: Option<String> = tx
                .prepare_cached("SELECT body FROM z_reports WHERE register_id = ?1 ORDER BY z_no DESC LIMIT 1")?
                .query_row([register_id], |r| r.get(0))
                .optional()?;
            let (grand_sales, grand_refunds) = match previous {
                Some(body) => {
                    let z: ZReport = serde_json::from_str(&body)?;
                    (z.grand_sales_minor, z.grand_refunds_minor)
                }
                None => (0, 0),
            };
            let report = ZReport {
                id,
                register_id: register_id.to_string(),
                z_no: period.z_no,
                opened_ms: period.opened_ms,
                closed_ms: at_ms,
                closed_by: by.to_string(),
                approved_by: approved_by.map(str::to_string),
                grand_sales_minor: grand_sales + period.totals.sales.amount_minor,
                grand_refunds_minor: grand_refunds + period.totals.refunds.amount_minor,
                cards: terminal.map(|t| reconcile_cards(&period.totals.by_card_type, &t.by_card_type)),
                terminal_total_minor: terminal.map(|t| t.total_minor),
                totals: period.totals,
            };
            let body = serde_json::to_value(&report)?;
            let seq = journal_cash(tx, register_id, id, EntryKind::Close, body.clone(), at_ms)?;
            tx.prepare_cached(
                "INSERT INTO z_reports(register_id, z_no, id, opened_ms, closed_ms, closed_by, body, journal_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                register_id,
                to_i64(report.z_no)?,
                id.to_string(),
                report.opened_ms,
                at_ms,
                by,
                body.to_string(),
                to_i64(seq)?
            ])?;
            save_period(
                tx,
                &Period {
                    register_id: register_id.to_string(),
                    z_no: report.z_no + 1,
                    opened_ms: at_ms,
                    totals: DayTotals::default(),
                },
            )?;
            Ok(report)
        })
    }

    /// The register's closed days, newest first.
    pub fn z_reports(&self, register_id: &str) -> Result<Vec<ZReport>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT body FROM z_reports WHERE register_id = ?1 ORDER BY z_no DESC")?;
            let bodies = stmt.query_map([register_id], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            bodies.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
        })
    }

    /// The closed day made under `id`, if that close happened.
    pub fn z_report_with_id(&self, id: Uuid) -> Result<Option<ZReport>, StoreError> {
        self.read(|c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM z_reports WHERE id = ?1")?
                .query_row([id.to_string()], |r| r.get(0))
                .optional()?;
            body.map(|b| Ok(serde_json::from_str(&b)?)).transpose()
        })
    }

    /// One closed day by its Z number.
    pub fn z_report(&self, register_id: &str, z_no: u64) -> Result<Option<ZReport>, StoreError> {
        self.read(|c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM z_reports WHERE register_id = ?1 AND z_no = ?2")?
                .query_row(params![register_id, to_i64(z_no)?], |r| r.get(0))
                .optional()?;
            body.map(|b| Ok(serde_json::from_str(&b)?)).transpose()
        })
    }
}

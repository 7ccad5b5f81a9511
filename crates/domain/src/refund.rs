//! Returns: a refund references lines of an original sale, never refunds more of a line than
//! was sold minus what was already refunded, and goes back to the original tenders by default.

use crate::rounding::mul_div;
use crate::tax::TaxAmounts;
use crate::tender::TenderKind;
use crate::{DomainError, money};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A line as it was sold: its final amounts after all discounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoldLine {
    pub line_no: u32,
    pub product_id: String,
    pub name: String,
    pub quantity_milli: i64,
    pub tax_class_id: String,
    pub tax_rate_ppm: u32,
    pub amounts: TaxAmounts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub line_no: u32,
    pub quantity_milli: i64,
}

/// One refunded line. Amounts are positive; the journal records them as money going out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub original_line_no: u32,
    pub product_id: String,
    pub name: String,
    pub quantity_milli: i64,
    pub tax_class_id: String,
    pub tax_rate_ppm: u32,
    pub amounts: TaxAmounts,
}

/// The amount of `full` that belongs to the first `quantity` of `sold` units.
fn share(full: i64, quantity: i64, sold: i64) -> Result<i64, DomainError> {
    mul_div(full, quantity, sold, "refund share")
}

/// Plans the refund of `requests` against `sold`, given how much of each line was refunded
/// before (`refunded_milli`, by line number).
///
/// A partial refund's amount is the difference of cumulative shares: the refund of q units
/// after p were refunded is share(p + q) − share(p). Refunding a line in any number of parts
/// therefore returns exactly the line's amount, never a cent more.
pub fn plan_refund(
    sold: &[SoldLine],
    refunded_milli: &BTreeMap<u32, i64>,
    requests: &[RefundRequest],
) -> Result<Vec<RefundLine>, DomainError> {
    let mut planned: BTreeMap<u32, i64> = BTreeMap::new();
    let mut out = Vec::with_capacity(requests.len());
    for req in requests {
        let line = sold.iter().find(|l| l.line_no == req.line_no).ok_or(DomainError::NoSuchLine(req.line_no))?;
        if req.quantity_milli <= 0 {
            return Err(DomainError::InvalidQuantity(req.quantity_milli));
        }
        // Earlier refunds plus earlier requests for the same line in this refund.
        let before_milli =
            refunded_milli.get(&line.line_no).copied().unwrap_or(0) + planned.get(&line.line_no).copied().unwrap_or(0);
        let available_milli = line.quantity_milli - before_milli;
        if req.quantity_milli > available_milli {
            return Err(DomainError::RefundExceedsSold {
                line_no: line.line_no,
                requested_milli: req.quantity_milli,
                available_milli,
            });
        }
        let after_milli = before_milli + req.quantity_milli;
        let gross = money::sub(
            share(line.amounts.gross_minor, after_milli, line.quantity_milli)?,
            share(line.amounts.gross_minor, before_milli, line.quantity_milli)?,
            "refund gross",
        )?;
        let tax = money::sub(
            share(line.amounts.tax_minor, after_milli, line.quantity_milli)?,
            share(line.amounts.tax_minor, before_milli, line.quantity_milli)?,
            "refund tax",
        )?;
        *planned.entry(line.line_no).or_insert(0) += req.quantity_milli;
        out.push(RefundLine {
            original_line_no: line.line_no,
            product_id: line.product_id.clone(),
            name: line.name.clone(),
            quantity_milli: req.quantity_milli,
            tax_class_id: line.tax_class_id.clone(),
            tax_rate_ppm: line.tax_rate_ppm,
            amounts: TaxAmounts {
                net_minor: money::sub(gross, tax, "refund net")?,
                tax_minor: tax,
                gross_minor: gross,
            },
        });
    }
    Ok(out)
}

/// A tender of the original sale, with what has already gone back to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalTender {
    pub payment_id: Uuid,
    pub kind: TenderKind,
    pub amount_minor: i64,
    pub refunded_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundTender {
    pub payment_id: Uuid,
    pub kind: TenderKind,
    pub amount_minor: i64,
}

/// Sends a refund back to the original tenders: non-cash tenders first (a card refund goes to
/// the card it came from), in payment order, each up to what it paid minus what it already got
/// back; cash takes the rest.
pub fn refund_to_original_tenders(
    refund_minor: i64,
    tenders: &[OriginalTender],
) -> Result<Vec<RefundTender>, DomainError> {
    let mut left = refund_minor;
    let mut out = Vec::new();
    let ordered = tenders
        .iter()
        .filter(|t| t.kind != TenderKind::Cash)
        .chain(tenders.iter().filter(|t| t.kind == TenderKind::Cash));
    for t in ordered {
        if left == 0 {
            break;
        }
        let room = money::sub(t.amount_minor, t.refunded_minor, "tender room")?.max(0);
        let take = room.min(left);
        if take > 0 {
            out.push(RefundTender { payment_id: t.payment_id, kind: t.kind, amount_minor: take });
            left -= take;
        }
    }
    if left != 0 {
        return Err(DomainError::InvalidTender { amount_minor: left, reason: "more than the original tenders paid" });
    }
    Ok(out)
}

#[cfg(test)]
#[path = "refund_tests.rs"]
mod tests;

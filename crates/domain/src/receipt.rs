//! The receipt as a structure (store header, lines, discounts, taxes per rate, tenders,
//! change, receipt number, date and time, journal hash, footer) that the printer, the UI and
//! e-mail each render in their own way; plus a plain-text rendering for a given paper width.

use crate::cart::{QTY_ONE, Sale, Totals};
use crate::tax::format_rate;
use crate::tender::{CardApproval, TenderKind};
use crate::{Currency, DomainError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreHeader {
    pub name: String,
    pub address_lines: Vec<String>,
    pub tax_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub name: String,
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub sold_by_weight: bool,
    /// Quantity × price, before discounts.
    pub amount_minor: i64,
    /// Line discount and share of the order discount, as positive amounts.
    pub discount_minor: i64,
    /// The tax rate's letter, keyed to the tax table at the bottom.
    pub tax_letter: char,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTax {
    pub letter: char,
    pub rate_ppm: u32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTender {
    pub kind: TenderKind,
    pub amount_minor: i64,
    pub tendered_minor: i64,
    pub card: Option<CardApproval>,
}

/// What the receipt needs beyond the sale itself; the caller owns clock and configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptMeta {
    pub header: StoreHeader,
    pub register_id: String,
    pub receipt_no: u64,
    /// Local date and time as it should be printed, formatted by the caller (the domain has
    /// no clock and no time zone).
    pub printed_at: String,
    pub cashier: String,
    pub journal_hash_hex: String,
    pub footer: Vec<String>,
    pub copy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub meta: ReceiptMeta,
    pub sale_id: Uuid,
    pub currency: Currency,
    pub lines: Vec<ReceiptLine>,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub taxes: Vec<ReceiptTax>,
    pub tenders: Vec<ReceiptTender>,
    pub cash_rounding_minor: i64,
    pub change_minor: i64,
}

impl Receipt {
    pub fn from_sale(sale: &Sale, totals: &Totals, meta: ReceiptMeta) -> Result<Receipt, DomainError> {
        let letter_of = |class_id: &str| -> char {
            let index = totals.breakdown.rates.keys().position(|k| k == class_id).unwrap_or(0);
            // Up to 26 rates get letters A–Z; beyond that (never seen in practice) '?'.
            u8::try_from(index).ok().filter(|i| *i < 26).map_or('?', |i| char::from(b'A' + i))
        };
        let mut lines = Vec::new();
        for (line, total) in sale.active_lines().zip(&totals.lines) {
            lines.push(ReceiptLine {
                name: line.item.name.clone(),
                quantity_milli: line.quantity_milli,
                unit_price_minor: line.unit_price_minor,
                sold_by_weight: line.item.sold_by_weight,
                amount_minor: total.base_minor,
                discount_minor: total.line_discount_minor + total.order_discount_minor,
                tax_letter: letter_of(&line.item.tax_class_id),
            });
        }
        let taxes = totals
            .breakdown
            .rates
            .iter()
            .map(|(class_id, r)| ReceiptTax {
                letter: letter_of(class_id),
                rate_ppm: r.rate_ppm,
                net_minor: r.amounts.net_minor,
                tax_minor: r.amounts.tax_minor,
                gross_minor: r.amounts.gross_minor,
            })
            .collect();
        let tenders = sale
            .payments
            .iter()
            .map(|p| ReceiptTender {
                kind: p.kind,
                amount_minor: p.amount_minor,
                tendered_minor: p.tendered_minor,
                card: p.card.clone(),
            })
            .collect();
        Ok(Receipt {
            meta,
            sale_id: sale.id,
            currency: sale.currency,
            lines,
            total_minor: totals.total_minor(),
            discount_minor: totals.discount_minor,
            taxes,
            tenders,
            cash_rounding_minor: sale.cash_rounding_minor,
            change_minor: sale.change_minor(),
        })
    }

    /// Renders the receipt as plain text, `columns` characters wide (32 for 58 mm paper,
    /// 42 or 48 for 80 mm).
    pub fn render_text(&self, columns: usize) -> String {
        let c = self.currency;
        let money = |m: i64| c.format_minor(m);
        let mut out = Vec::new();
        let center = |s: &str| format!("{:^columns$}", s).trim_end().to_string();
        if self.meta.copy {
            out.push(center("*** COPY ***"));
        }
        out.push(center(&self.meta.header.name));
        for l in &self.meta.header.address_lines {
            out.push(center(l));
        }
        out.push(center(&format!("Tax ID {}", self.meta.header.tax_id)));
        out.push("-".repeat(columns));
        for line in &self.lines {
            out.push(two_columns(&line.name, &format!("{} {}", money(line.amount_minor), line.tax_letter), columns));
            if line.quantity_milli != QTY_ONE || line.sold_by_weight {
                let qty = if line.sold_by_weight {
                    format!(
                        "  {} kg x {}/kg",
                        crate::money::format_decimal(line.quantity_milli, 3),
                        money(line.unit_price_minor)
                    )
                } else {
                    format!(
                        "  {} x {}",
                        crate::money::format_decimal(line.quantity_milli, 3).trim_end_matches(".000"),
                        money(line.unit_price_minor)
                    )
                };
                out.push(qty);
            }
            if line.discount_minor != 0 {
                out.push(two_columns("  Discount", &format!("-{}  ", money(line.discount_minor)), columns));
            }
        }
        out.push("-".repeat(columns));
        out.push(two_columns(&format!("TOTAL {}", c.code()), &money(self.total_minor), columns));
        if self.cash_rounding_minor != 0 {
            out.push(two_columns("Cash rounding", &money(self.cash_rounding_minor), columns));
        }
        for t in &self.tenders {
            let label = match t.kind {
                TenderKind::Cash => "Cash".to_string(),
                TenderKind::Card => t.card.as_ref().map_or("Card".into(), |a| format!("Card {}", a.card_type)),
                TenderKind::GiftCard => "Gift card".to_string(),
                TenderKind::StoreCredit => "Store credit".to_string(),
            };
            out.push(two_columns(&label, &money(t.tendered_minor), columns));
            if let Some(card) = &t.card {
                out.push(format!("  {}", card.masked_pan));
                out.push(format!("  TID {} trace {} no {}", card.terminal_id, card.trace_no, card.receipt_no));
            }
        }
        if self.change_minor != 0 {
            out.push(two_columns("Change", &money(self.change_minor), columns));
        }
        out.push(String::new());
        out.push(two_columns("Rate      Net      Tax", "Gross", columns));
        for t in &self.taxes {
            let left = format!(
                "{} {:>5}% {:>8} {:>8}",
                t.letter,
                format_rate(t.rate_ppm),
                money(t.net_minor),
                money(t.tax_minor)
            );
            out.push(two_columns(&left, &money(t.gross_minor), columns));
        }
        out.push(String::new());
        out.push(format!("Receipt {}  Register {}", self.meta.receipt_no, self.meta.register_id));
        out.push(format!("{}  {}", self.meta.printed_at, self.meta.cashier));
        if columns >= 41 {
            out.push(format!("Sale {}", self.sale_id));
        } else {
            out.push("Sale".to_string());
            out.push(self.sale_id.simple().to_string());
        }
        out.push(format!("Journal {}", &self.meta.journal_hash_hex[..self.meta.journal_hash_hex.len().min(16)]));
        for l in &self.meta.footer {
            out.push(center(l));
        }
        // Free-form lines (card details, addresses) wrap rather than run off the paper.
        let mut wrapped = Vec::with_capacity(out.len());
        for line in out {
            let chars: Vec<char> = line.chars().collect();
            if chars.len() <= columns || columns == 0 {
                wrapped.push(line);
            } else {
                wrapped.extend(chars.chunks(columns).map(|c| c.iter().collect::<String>()));
            }
        }
        wrapped.join("\n") + "\n"
    }
}

/// `left` and `right` on one line, right aligned; a left part too long for the line is cut
/// with an ellipsis so the amounts always stay in their column.
fn two_columns(left: &str, right: &str, columns: usize) -> String {
    let right_len = right.chars().count();
    let room = columns.saturating_sub(right_len + 1);
    let left_len = left.chars().count();
    let left: String = if left_len > room {
        left.chars().take(room.saturating_sub(1)).chain(std::iter::once('…')).collect()
    } else {
        left.to_string()
    };
    let pad = columns.saturating_sub(left.chars().count() + right_len);
    format!("{left}{}{right}", " ".repeat(pad))
}

#[cfg(test)]
#[path = "receipt_tests.rs"]
mod tests;

//! The receipt as a structure (store header, lines, discounts, taxes per rate, tenders,
//! change, receipt number, date and time, journal hash, footer) that the printer, the UI and
//! e-mail each render in their own way; plus a plain-text rendering for a given paper width.
//! A receipt is a sale's or a refund's; a refund's amounts are negative, as money going out.

use crate::cart::{QTY_ONE, Sale, Totals};
use crate::refund::{RefundLine, RefundTender};
use crate::tax::{TaxBreakdown, format_rate};
use crate::tender::{CardApproval, TenderKind};
use crate::{Currency, DomainError, money};
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
    /// The price per unit (per kg for weighed items). 0 on a refund receipt: a refunded line
    /// carries its share of the sold line's final amount, not a unit price.
    pub unit_price_minor: i64,
    /// Always false on a refund receipt, whose lines do not say how the item was sold.
    pub sold_by_weight: bool,
    /// Quantity × price, before discounts; on a refund receipt the amount paid back, negative.
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
    /// The card terminal's own slip for this tender (its 06 D1/06 D3 print lines, masked by
    /// the terminal), printed under the card lines. The constructors leave it empty: the app
    /// fills it from the stored card attempt. Receipts stored before slips existed have none.
    #[serde(default)]
    pub slip: Vec<String>,
}

/// What a receipt is for. Receipts stored before refunds had receipts are sales.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptKind {
    #[default]
    Sale,
    /// Money paid back for lines of an earlier sale, which the receipt names.
    Refund { original_receipt_no: u64, original_register_id: String },
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
    #[serde(default)]
    pub kind: ReceiptKind,
    /// The document's id: the sale's, or the refund's on a refund receipt.
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

/// The letter of a tax class on this receipt: A, B, … in the breakdown's (sorted) order.
fn tax_letter(breakdown: &TaxBreakdown, class_id: &str) -> char {
    let index = breakdown.rates.keys().position(|k| k == class_id).unwrap_or(0);
    // Up to 26 rates get letters A–Z; beyond that (never seen in practice) '?'.
    u8::try_from(index).ok().filter(|i| *i < 26).map_or('?', |i| char::from(b'A' + i))
}

fn negate(amount_minor: i64) -> Result<i64, DomainError> {
    money::sub(0, amount_minor, "refund amount")
}

impl Receipt {
    pub fn from_sale(sale: &Sale, totals: &Totals, meta: ReceiptMeta) -> Result<Receipt, DomainError> {
        let mut lines = Vec::new();
        for (line, total) in sale.active_lines().zip(&totals.lines) {
            lines.push(ReceiptLine {
                name: line.item.name.clone(),
                quantity_milli: line.quantity_milli,
                unit_price_minor: line.unit_price_minor,
                sold_by_weight: line.item.sold_by_weight,
                amount_minor: total.base_minor,
                discount_minor: total.line_discount_minor + total.order_discount_minor,
                tax_letter: tax_letter(&totals.breakdown, &line.item.tax_class_id),
            });
        }
        let taxes = totals
            .breakdown
            .rates
            .iter()
            .map(|(class_id, r)| ReceiptTax {
                letter: tax_letter(&totals.breakdown, class_id),
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
                slip: Vec::new(),
            })
            .collect();
        Ok(Receipt {
            meta,
            kind: ReceiptKind::Sale,
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

    /// The receipt of a refund: its lines and tenders as planned by
    /// [`crate::refund::plan_refund`] and [`crate::refund::refund_to_original_tenders`] (and
    /// stored with the refund), shown as negative amounts. `meta` carries the refund's own
    /// receipt number. The tax table comes from the lines' own net and tax. Card tenders come
    /// without card details: the app adds the approval and slip of the terminal's refund.
    pub fn from_refund(
        refund_id: Uuid,
        currency: Currency,
        lines: &[RefundLine],
        tenders: &[RefundTender],
        original_receipt_no: u64,
        original_register_id: &str,
        meta: ReceiptMeta,
    ) -> Result<Receipt, DomainError> {
        if lines.is_empty() {
            return Err(DomainError::EmptySale);
        }
        let mut breakdown = TaxBreakdown::default();
        for l in lines {
            if l.quantity_milli <= 0 {
                return Err(DomainError::InvalidQuantity(l.quantity_milli));
            }
            breakdown.add_line(&l.tax_class_id, l.tax_rate_ppm, l.amounts)?;
        }
        let refunded_minor = breakdown.total()?.gross_minor;
        let mut tendered_minor = 0i64;
        for t in tenders {
            if t.amount_minor <= 0 {
                let reason = "a refund tender pays back a positive amount";
                return Err(DomainError::InvalidTender { amount_minor: t.amount_minor, reason });
            }
            tendered_minor = money::add(tendered_minor, t.amount_minor, "refund tenders")?;
        }
        if tendered_minor != refunded_minor {
            let amount_minor = money::sub(tendered_minor, refunded_minor, "refund tenders")?;
            let reason = "the refund's tenders do not add up to its lines";
            return Err(DomainError::InvalidTender { amount_minor, reason });
        }
        let mut receipt_lines = Vec::with_capacity(lines.len());
        for l in lines {
            receipt_lines.push(ReceiptLine {
                name: l.name.clone(),
                quantity_milli: l.quantity_milli,
                unit_price_minor: 0,
                sold_by_weight: false,
                amount_minor: negate(l.amounts.gross_minor)?,
                discount_minor: 0,
                tax_letter: tax_letter(&breakdown, &l.tax_class_id),
            });
        }
        let mut taxes = Vec::with_capacity(breakdown.rates.len());
        for (class_id, r) in &breakdown.rates {
            taxes.push(ReceiptTax {
                letter: tax_letter(&breakdown, class_id),
                rate_ppm: r.rate_ppm,
                net_minor: negate(r.amounts.net_minor)?,
                tax_minor: negate(r.amounts.tax_minor)?,
                gross_minor: negate(r.amounts.gross_minor)?,
            });
        }
        let mut receipt_tenders = Vec::with_capacity(tenders.len());
        for t in tenders {
            let amount_minor = negate(t.amount_minor)?;
            receipt_tenders.push(ReceiptTender {
                kind: t.kind,
                amount_minor,
                tendered_minor: amount_minor,
                card: None,
                slip: Vec::new(),
            });
        }
        Ok(Receipt {
            meta,
            kind: ReceiptKind::Refund { original_receipt_no, original_register_id: original_register_id.to_string() },
            sale_id: refund_id,
            currency,
            lines: receipt_lines,
            total_minor: negate(refunded_minor)?,
            discount_minor: 0,
            taxes,
            tenders: receipt_tenders,
            cash_rounding_minor: 0,
            change_minor: 0,
        })
    }

    /// Renders the receipt as plain text, `columns` characters wide (32 for 58 mm paper,
    /// 42 or 48 for 80 mm).
    pub fn render_text(&self, columns: usize) -> String {
        let mut out = Vec::new();
        self.push_header(&mut out, columns);
        self.push_lines(&mut out, columns);
        self.push_payments(&mut out, columns);
        self.push_taxes(&mut out, columns);
        self.push_footer(&mut out, columns);
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

    fn push_header(&self, out: &mut Vec<String>, columns: usize) {
        if self.meta.copy {
            out.push(center("*** COPY ***", columns));
        }
        if let ReceiptKind::Refund { .. } = self.kind {
            out.push(center("*** REFUND ***", columns));
        }
        out.push(center(&self.meta.header.name, columns));
        for l in &self.meta.header.address_lines {
            out.push(center(l, columns));
        }
        out.push(center(&format!("Tax ID {}", self.meta.header.tax_id), columns));
        if let ReceiptKind::Refund { original_receipt_no, original_register_id } = &self.kind {
            out.push(String::new());
            // One line where it fits, else broken after the comma rather than inside a word.
            let receipt = format!("Refund of receipt {original_receipt_no},");
            let register = format!("register {original_register_id}");
            if receipt.chars().count() + 1 + register.chars().count() <= columns {
                out.push(format!("{receipt} {register}"));
            } else {
                out.extend([receipt, register]);
            }
        }
        out.push("-".repeat(columns));
    }

    fn push_lines(&self, out: &mut Vec<String>, columns: usize) {
        let money = |m: i64| self.currency.format_minor(m);
        let refund = matches!(self.kind, ReceiptKind::Refund { .. });
        for line in &self.lines {
            out.push(two_columns(&line.name, &format!("{} {}", money(line.amount_minor), line.tax_letter), columns));
            let quantity = money::format_decimal(line.quantity_milli, 3);
            if refund {
                if line.quantity_milli != QTY_ONE {
                    out.push(format!("  Qty {}", quantity.trim_end_matches(".000")));
                }
            } else if line.sold_by_weight {
                out.push(format!("  {quantity} kg x {}/kg", money(line.unit_price_minor)));
            } else if line.quantity_milli != QTY_ONE {
                out.push(format!("  {} x {}", quantity.trim_end_matches(".000"), money(line.unit_price_minor)));
            }
            if line.discount_minor != 0 {
                out.push(two_columns("  Discount", &format!("-{}  ", money(line.discount_minor)), columns));
            }
        }
        out.push("-".repeat(columns));
    }

    fn push_payments(&self, out: &mut Vec<String>, columns: usize) {
        let money = |m: i64| self.currency.format_minor(m);
        out.push(two_columns(&format!("TOTAL {}", self.currency.code()), &money(self.total_minor), columns));
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
            push_slip(out, &t.slip, columns);
        }
        if self.change_minor != 0 {
            out.push(two_columns("Change", &money(self.change_minor), columns));
        }
    }

    /// The tax table: the classic fixed columns where they fit; on narrow paper with large or
    /// negative amounts, each column as wide as its widest entry; failing that, one rate per
    /// block of lines. Amounts are never cut.
    fn push_taxes(&self, out: &mut Vec<String>, columns: usize) {
        let money = |m: i64| self.currency.format_minor(m);
        let rate = |t: &ReceiptTax| format_rate(t.rate_ppm);
        let fits = |left: &str, right: &str| left.chars().count() + 1 + right.chars().count() <= columns;
        out.push(String::new());
        let classic = |t: &ReceiptTax| {
            format!("{} {:>5}% {:>8} {:>8}", t.letter, rate(t), money(t.net_minor), money(t.tax_minor))
        };
        if self.taxes.iter().all(|t| fits(&classic(t), &money(t.gross_minor))) {
            out.push(two_columns("Rate      Net      Tax", "Gross", columns));
            out.extend(self.taxes.iter().map(|t| two_columns(&classic(t), &money(t.gross_minor), columns)));
            return;
        }
        let widest = |f: &dyn Fn(&ReceiptTax) -> String, at_least: usize| {
            self.taxes.iter().map(|t| f(t).chars().count()).max().unwrap_or(0).max(at_least)
        };
        let rate_w = widest(&rate, 2);
        let net_w = widest(&|t| money(t.net_minor), 3);
        let tax_w = widest(&|t| money(t.tax_minor), 3);
        let compact = |t: &ReceiptTax| {
            format!("{} {:>rate_w$}% {:>net_w$} {:>tax_w$}", t.letter, rate(t), money(t.net_minor), money(t.tax_minor))
        };
        if self.taxes.iter().all(|t| fits(&compact(t), &money(t.gross_minor))) {
            let head = format!("{:<w$} {:>net_w$} {:>tax_w$}", "Rate", "Net", "Tax", w = rate_w + 3);
            out.push(two_columns(&head, "Gross", columns));
            out.extend(self.taxes.iter().map(|t| two_columns(&compact(t), &money(t.gross_minor), columns)));
            return;
        }
        for t in &self.taxes {
            out.push(format!("{} {}%", t.letter, rate(t)));
            out.push(two_columns("  Net", &money(t.net_minor), columns));
            out.push(two_columns("  Tax", &money(t.tax_minor), columns));
            out.push(two_columns("  Gross", &money(t.gross_minor), columns));
        }
    }

    fn push_footer(&self, out: &mut Vec<String>, columns: usize) {
        out.push(String::new());
        out.push(format!("Receipt {}  Register {}", self.meta.receipt_no, self.meta.register_id));
        out.push(format!("{}  {}", self.meta.printed_at, self.meta.cashier));
        let document = match self.kind {
            ReceiptKind::Sale => "Sale",
            ReceiptKind::Refund { .. } => "Refund",
        };
        let id = self.sale_id.to_string();
        if document.len() + 1 + id.len() <= columns {
            out.push(format!("{document} {id}"));
        } else {
            out.push(document.to_string());
            out.push(self.sale_id.simple().to_string());
        }
        let hash = &self.meta.journal_hash_hex;
        out.push(format!("Journal {}", hash.chars().take(16).collect::<String>()));
        for l in &self.meta.footer {
            out.push(center(l, columns));
        }
    }
}

/// `text` centred on the line, without trailing spaces.
fn center(text: &str, columns: usize) -> String {
    format!("{text:^columns$}").trim_end().to_string()
}

/// The terminal's slip, set off by a titled rule above and a rule below so a reader sees
/// where the terminal's text starts and ends. The lines keep their own layout (terminals
/// align label and amount with spaces): the block is indented as a whole to sit centred.
/// Control characters are dropped, as the text comes from a device.
fn push_slip(out: &mut Vec<String>, slip: &[String], columns: usize) {
    let clean: Vec<String> =
        slip.iter().map(|l| l.chars().filter(|c| !c.is_control()).collect::<String>().trim_end().to_string()).collect();
    let first = clean.iter().position(|l| !l.is_empty());
    let last = clean.iter().rposition(|l| !l.is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return;
    };
    let block = &clean[first..=last];
    let widest = block.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let indent = " ".repeat(columns.saturating_sub(widest) / 2);
    out.push(String::new());
    let title = " Card terminal ";
    let left = columns.saturating_sub(title.len()) / 2;
    let right = columns.saturating_sub(title.len() + left);
    out.push(format!("{}{title}{}", "=".repeat(left), "=".repeat(right)));
    for l in block {
        out.push(if l.is_empty() { String::new() } else { format!("{indent}{l}") });
    }
    out.push("=".repeat(columns));
}

/// `left` and `right` on one line, right aligned; a left part too long for the line is cut
/// with an ellipsis so the amounts always stay in their column.
pub fn two_columns(left: &str, right: &str, columns: usize) -> String {
    let right_len = right.chars().count();
    let room = columns.saturating_sub(right_len + 1);
    let left_len = left.chars().count();
    let left: String = if left_len > room {
        let kept: String = left.chars().take(room.saturating_sub(1)).collect();
        format!("{}…", kept.trim_end())
    } else {
        left.to_string()
    };
    let pad = columns.saturating_sub(left.chars().count() + right_len);
    format!("{left}{}{right}", " ".repeat(pad))
}

#[cfg(test)]
#[path = "receipt_tests.rs"]
mod tests;

//! What the UI is shown: plain data built from the use cases' state, serialized across the
//! IPC boundary. The TypeScript types in `ui/src/bindings/` are generated from these
//! (`cargo xtask gen-bindings`; `cargo xtask tidy` fails when they drift).

use crate::AppError;
use ringup_domain::cart::{Discount, QTY_ONE, Sale, SaleState};
use ringup_domain::tax::format_rate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every command's error: a stable code the UI switches on and a sentence for the cashier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ErrorView {
    pub code: String,
    pub message: String,
}

impl From<AppError> for ErrorView {
    fn from(e: AppError) -> Self {
        ErrorView { code: e.code().to_string(), message: e.to_string() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionView {
    pub register_id: String,
    pub staff_name: String,
    pub role: String,
    pub store_name: String,
    /// ISO-4217 code, e.g. "EUR".
    pub currency: String,
    /// Digits after the decimal point of the currency (2 for EUR).
    pub currency_exponent: u32,
    /// BCP 47 locale for formatting money, e.g. "de-DE".
    pub locale: String,
    /// What the signed-in member may do by themself (`Permission::name`s, e.g. "refund");
    /// anything else asks for a manager's PIN.
    pub permissions: Vec<String>,
    /// The largest discount (basis points) anyone may give without "discount_above_limit".
    pub discount_limit_bp: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CartLineView {
    pub line_no: u32,
    pub name: String,
    /// Thousandths: 1000 is one piece, 742 is 0.742 kg.
    #[ts(type = "number")]
    pub quantity_milli: i64,
    pub sold_by_weight: bool,
    #[ts(type = "number")]
    pub unit_price_minor: i64,
    /// Quantity × price before discounts.
    #[ts(type = "number")]
    pub amount_minor: i64,
    #[ts(type = "number")]
    pub discount_minor: i64,
    /// The catalog price, when the price was overridden.
    #[ts(type = "number | null")]
    pub original_price_minor: Option<i64>,
    /// The line's own discount in basis points (1 000 = 10 %), when it has one in percent.
    pub discount_bp: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaxView {
    /// E.g. "VAT 7 %".
    pub label: String,
    #[ts(type = "number")]
    pub tax_minor: i64,
}

/// The sale on screen. `state` is "empty", "open", "tendering" or "completed".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CartView {
    pub state: String,
    pub lines: Vec<CartLineView>,
    #[ts(type = "number")]
    pub net_minor: i64,
    pub taxes: Vec<TaxView>,
    #[ts(type = "number")]
    pub total_minor: i64,
    #[ts(type = "number")]
    pub paid_minor: i64,
    /// What is still owed (0 once paid).
    #[ts(type = "number")]
    pub remaining_minor: i64,
}

impl CartView {
    pub fn empty() -> CartView {
        CartView {
            state: "empty".into(),
            lines: Vec::new(),
            net_minor: 0,
            taxes: Vec::new(),
            total_minor: 0,
            paid_minor: 0,
            remaining_minor: 0,
        }
    }

    pub fn of(sale: Option<&Sale>) -> Result<CartView, AppError> {
        let Some(sale) = sale else { return Ok(CartView::empty()) };
        let totals = sale.totals()?;
        let lines = sale
            .active_lines()
            .zip(&totals.lines)
            .map(|(line, total)| CartLineView {
                line_no: line.line_no,
                name: line.item.name.clone(),
                quantity_milli: line.quantity_milli,
                sold_by_weight: line.item.sold_by_weight,
                unit_price_minor: line.unit_price_minor,
                amount_minor: total.base_minor,
                discount_minor: total.line_discount_minor + total.order_discount_minor,
                original_price_minor: line.price_override.as_ref().map(|o| o.original_minor),
                discount_bp: match line.discount {
                    Some(Discount::Percent { bp }) => Some(bp),
                    _ => None,
                },
            })
            .collect();
        let taxes = totals
            .breakdown
            .rates
            .values()
            .map(|r| TaxView { label: format!("VAT {} %", format_rate(r.rate_ppm)), tax_minor: r.amounts.tax_minor })
            .collect();
        let paid_minor: i64 = sale.payments.iter().map(|p| p.amount_minor).sum();
        let state = match sale.state {
            SaleState::Tendering => "tendering",
            SaleState::Completed => "completed",
            _ if sale.active_lines().next().is_none() => "empty",
            _ => "open",
        };
        Ok(CartView {
            state: state.into(),
            lines,
            net_minor: totals.sum.net_minor,
            taxes,
            total_minor: totals.total_minor(),
            paid_minor,
            remaining_minor: if sale.state == SaleState::Tendering { sale.remaining_minor()? } else { 0 },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SearchHitView {
    pub sku: String,
    pub name: String,
    #[ts(type = "number")]
    pub price_minor: i64,
    /// Stock in thousandths (the back end's ledger plus this till's unsent sales); null when
    /// the product's stock is not kept.
    #[ts(type = "number | null")]
    pub stock_milli: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QuickKeyView {
    pub sku: String,
    pub label: String,
}

/// How a card payment ended, for the tender screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CardResultView {
    pub approved: bool,
    /// "Approved", or the terminal's reason ("Declined: insufficient funds").
    pub message: String,
    pub cart: CartView,
}

/// A message from the card terminal while a payment runs (pushed as the "card-event" event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CardEventView {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CompletedView {
    #[ts(type = "number")]
    pub receipt_no: u64,
    #[ts(type = "number")]
    pub total_minor: i64,
    #[ts(type = "number")]
    pub change_minor: i64,
    /// The receipt as the printer will print it, as a PNG in base64.
    pub receipt_png_base64: String,
    /// The receipt as text, for screen readers.
    pub receipt_text: String,
}

/// One device in the status bar: "ok", "problem", "offline" or "unknown", with a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeviceView {
    pub state: String,
    pub message: String,
}

/// The status bar (pushed as the "device-status" event, and on request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatusView {
    pub printer: DeviceView,
    pub terminal: DeviceView,
    pub backend: DeviceView,
    /// Documents waiting to be sent to the back end.
    pub to_sync: u32,
    /// Receipts waiting to print.
    pub to_print: u32,
}

/// A sale parked for later, in the recall list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ParkedView {
    pub id: String,
    pub register_id: String,
    /// When it was parked, in the store's local time ("2026-11-22 14:05").
    pub parked_at: String,
    pub item_count: u32,
}

/// A payment or refund part: "Cash", "Card girocard ****1234".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TenderLineView {
    pub label: String,
    #[ts(type = "number")]
    pub amount_minor: i64,
}

/// A line of a past sale on the returns screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReturnLineView {
    pub line_no: u32,
    pub name: String,
    pub sold_by_weight: bool,
    /// What was sold, and what of it may still come back (sold minus refunded before).
    #[ts(type = "number")]
    pub sold_milli: i64,
    #[ts(type = "number")]
    pub returnable_milli: i64,
    /// What the customer paid for the whole line, after discounts.
    #[ts(type = "number")]
    pub paid_minor: i64,
}

/// A past sale found for a return. `refund_id` is made when it is found, so that pressing
/// "Refund" twice (or retrying after an error) can never refund twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReturnableView {
    pub refund_id: String,
    pub sale_id: String,
    pub register_id: String,
    #[ts(type = "number")]
    pub receipt_no: u64,
    pub sold_at: String,
    pub lines: Vec<ReturnLineView>,
    /// How the sale was paid.
    pub tenders: Vec<TenderLineView>,
}

/// A line and quantity to take back (input of `preview_refund` and `refund`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReturnRequestView {
    pub line_no: u32,
    #[ts(type = "number")]
    pub quantity_milli: i64,
}

/// What a refund will pay back, and to which tenders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RefundPreviewView {
    #[ts(type = "number")]
    pub total_minor: i64,
    pub tenders: Vec<TenderLineView>,
}

/// A refund done: paid back and recorded, its receipt queued for the printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RefundDoneView {
    #[ts(type = "number")]
    pub receipt_no: u64,
    #[ts(type = "number")]
    pub total_minor: i64,
    pub tenders: Vec<TenderLineView>,
    pub receipt_png_base64: String,
    pub receipt_text: String,
}

/// Whole pieces as thousandths, for the UI's quantity buttons.
pub const PIECE_MILLI: i64 = QTY_ONE;

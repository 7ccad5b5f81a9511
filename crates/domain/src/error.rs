//! The one error type of the domain crate. Every variant is caused by bad input: the rules
//! themselves cannot fail otherwise.

use crate::barcode::BarcodeError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("amount out of range: {0} would overflow")]
    Overflow(&'static str),
    #[error("currency mismatch: {left} and {right} cannot be combined")]
    CurrencyMismatch { left: String, right: String },
    #[error("unknown currency code {0:?} (expected an ISO-4217 code such as EUR)")]
    UnknownCurrency(String),
    #[error("invalid quantity {0} (thousandths): it must be more than 0 and at most 100 000 units")]
    InvalidQuantity(i64),
    #[error("{0:?} is not an amount (write it like 12.30)")]
    InvalidAmount(String),
    #[error("invalid price {0}: a price cannot be negative")]
    NegativePrice(i64),
    #[error("invalid discount: {0}")]
    InvalidDiscount(String),
    #[error("invalid tax rate {0} ppm: rates run from 0 to 1,000,000 ppm (0–100 %)")]
    InvalidTaxRate(u32),
    #[error("line {0} does not exist in this sale")]
    NoSuchLine(u32),
    #[error("line {0} is voided and cannot be changed")]
    LineVoided(u32),
    #[error("the sale is {state} and cannot {action}")]
    InvalidState { state: &'static str, action: &'static str },
    #[error("the sale has no items")]
    EmptySale,
    #[error("tender of {amount_minor} is not allowed: {reason}")]
    InvalidTender { amount_minor: i64, reason: &'static str },
    #[error("the tenders do not cover the total: {remaining_minor} still due")]
    NotFullyPaid { remaining_minor: i64 },
    #[error("refund of line {line_no}: {requested_milli} requested but only {available_milli} left to refund")]
    RefundExceedsSold { line_no: u32, requested_milli: i64, available_milli: i64 },
    #[error("invalid cash rounding increment {0}: it must be at least 1 minor unit")]
    InvalidRoundingIncrement(i64),
    #[error("invalid cash count: {0}")]
    InvalidCount(String),
    #[error("journal: {0}")]
    Journal(String),
    #[error(transparent)]
    Barcode(#[from] BarcodeError),
}

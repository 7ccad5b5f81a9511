//! What a terminal pulls from the back end, and what other channels post to its stock ledger.
//!
//! Every write on the server takes the store's next revision (`rev`), one counter for the
//! store's catalog, tax classes, staff, settings and stock ledger, taken under the store's row
//! lock so revisions become visible in order. A terminal keeps the highest revision it applied
//! (its cursor) and asks `GET /v1/changes?after=<cursor>`: it gets the current state of
//! everything written since, oldest revision first (a product changed twice comes once, as it
//! is now), and applies each page in one transaction with the new cursor.

use serde::{Deserialize, Serialize};

/// Most changes in one page; the default when the terminal does not say.
pub const MAX_CHANGES: usize = 5_000;

/// A product as the back end holds it: the whole of it, so applying it replaces what the
/// terminal had (barcodes included). A product is never deleted, only made inactive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireProduct {
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub category: Option<String>,
    pub tax_class: String,
    pub price_minor: i64,
    #[serde(default)]
    pub sold_by_weight: bool,
    /// The product's barcodes as imported (the terminal normalises GTINs the same way).
    #[serde(default)]
    pub barcodes: Vec<String>,
    #[serde(default)]
    pub plu: Option<String>,
    pub active: bool,
}

/// One movement of the stock ledger: a delta in thousandths of a unit, never a quantity.
/// Movements of a till's own sales and refunds keep the id the till gave them
/// (`<document id>:<line>`), so a till that pulls its own movement back counts it once; a
/// channel's are `channel:<channel id>:<its key>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireStockMovement {
    pub id: String,
    pub sku: String,
    pub delta_milli: i64,
    /// `sale`, `refund`, or what the channel that posted it said (`online_order`, `delivery`…).
    pub reason: String,
    pub at_ms: i64,
}

/// One change, with the revision that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    TaxClass {
        rev: u64,
        id: String,
        name: String,
        rate_ppm: u32,
    },
    Product {
        rev: u64,
        product: WireProduct,
    },
    /// A member of staff: the PIN only as its argon2id hash.
    Staff {
        rev: u64,
        id: String,
        name: String,
        role: String,
        pin_hash: String,
        active: bool,
    },
    /// The store's settings as one JSON object (the terminal's `StoreSettings`).
    Settings {
        rev: u64,
        settings: serde_json::Value,
    },
    Stock {
        rev: u64,
        movement: WireStockMovement,
    },
}

impl Change {
    pub fn rev(&self) -> u64 {
        match self {
            Change::TaxClass { rev, .. }
            | Change::Product { rev, .. }
            | Change::Staff { rev, .. }
            | Change::Settings { rev, .. }
            | Change::Stock { rev, .. } => *rev,
        }
    }
}

/// `GET /v1/changes?after=<cursor>&limit=<n>`: the changes after `cursor`, oldest first (at
/// most `n`, after any tax classes the page's products need that were changed later: those
/// come at the front, and again in their place).
/// `cursor` is where the next page starts (the last change's revision, or the one asked for
/// when there is none); `head` is the store's newest revision, so a terminal can show how far
/// a long first sync has come: done when `cursor == head`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    pub cursor: u64,
    pub head: u64,
}

/// `POST /v1/stock/movements`: a channel other than the tills (the online shop, goods in)
/// moves stock. `key` is the caller's idempotency key: the same key again changes nothing and
/// answers the first result; the same key with other content is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockMovementRequest {
    pub key: String,
    pub sku: String,
    pub delta_milli: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMovementAnswer {
    /// The movement's id in the ledger (`channel:<channel id>:<key>`).
    pub id: String,
    /// False when the key was seen before: nothing changed.
    pub created: bool,
    /// The product's stock after the movement, in thousandths.
    pub stock_milli: i64,
    pub rev: u64,
}

/// Longest idempotency key accepted.
pub const MAX_KEY_CHARS: usize = 100;
/// Longest reason accepted.
pub const MAX_REASON_CHARS: usize = 50;
/// Largest movement accepted, either way: a million units (in thousandths). Anything larger is
/// a typing or encoding mistake, and would put the ledger's sums at risk.
pub const MAX_DELTA_MILLI: i64 = 1_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_carries_its_type_and_revision() {
        let change = Change::Stock {
            rev: 7,
            movement: WireStockMovement {
                id: "channel:o-1".into(),
                sku: "A1".into(),
                delta_milli: -2000,
                reason: "online_order".into(),
                at_ms: 1,
            },
        };
        let json = serde_json::to_value(&change).expect("json");
        assert_eq!(json["type"], "stock");
        assert_eq!(json["rev"], 7);
        let back: Change = serde_json::from_value(json).expect("parse");
        assert_eq!(back.rev(), 7);
        assert_eq!(back, change);
    }
}

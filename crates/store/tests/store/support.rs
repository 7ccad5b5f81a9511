//! Shared fixtures: a store in a temporary directory with two tax classes, a register and a
//! few products, sales built through the domain's own lifecycle, and raw row counts.

use ringup_domain::Currency;
use ringup_domain::attempt::{AttemptKind, AttemptState};
use ringup_domain::cart::{CatalogItem, QTY_ONE, Sale};
use ringup_domain::tax::{PricingMode, TaxClass};
use ringup_domain::tender::{CardApproval, CashRounding, TenderKind};
use ringup_store::{AttemptDetails, NewAttempt, ProductInput, Store};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tempfile::TempDir;
use uuid::Uuid;

pub const REGISTER: &str = "R1";
pub const CASHIER: &str = "alice";
/// A fixed clock: the store takes times as arguments, so tests need no real one.
pub const T0: i64 = 1_700_000_000_000;

pub const COFFEE: &str = "COF-500";
pub const COFFEE_PRICE: i64 = 1299;
/// A valid EAN-13 (check digit 1).
pub const COFFEE_EAN13: &str = "4006381333931";
pub const MILK: &str = "MILK-1L";
pub const MILK_PRICE: i64 = 119;
/// A valid UPC-A (12 digits); scanners in EAN-13 mode read it with a leading 0.
pub const MILK_UPCA: &str = "036000291452";
pub const APPLES: &str = "APL-KG";
pub const APPLES_PRICE: i64 = 299;
pub const APPLES_PLU: &str = "4131";

/// Every table a commit, refund, import or park can write, for before/after comparisons.
pub const TABLES: &[&str] = &[
    "products",
    "barcodes",
    "categories",
    "stock_movements",
    "sales",
    "sale_lines",
    "payments",
    "refunds",
    "refund_lines",
    "refund_tenders",
    "journal",
    "outbox",
    "parked_sales",
    "print_jobs",
];

/// A store on a real file. The directory lives as long as the fixture (fields drop in order:
/// the store closes before its directory is removed).
pub struct Fixture {
    pub store: Store,
    pub dir: TempDir,
}

impl Fixture {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("ringup.db")
    }

    /// A plain connection on the same file, to look at (or tamper with) the rows directly.
    pub fn raw(&self) -> Connection {
        Connection::open(self.path()).expect("a plain connection opens the store's file")
    }

    /// Row counts of every table, read through a plain connection.
    pub fn counts(&self) -> BTreeMap<&'static str, i64> {
        let conn = self.raw();
        TABLES.iter().map(|t| (*t, count(&conn, &format!("SELECT count(*) FROM {t}")))).collect()
    }

    /// The receipt number the register will hand out next.
    pub fn next_receipt_no(&self, register: &str) -> i64 {
        self.raw()
            .query_row("SELECT next_receipt_no FROM registers WHERE id = ?1", [register], |r| r.get(0))
            .expect("the register exists")
    }
}

pub fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect("a count query runs")
}

pub fn product(sku: &str, name: &str, class: &str, price_minor: i64, barcodes: &[&str]) -> ProductInput {
    ProductInput {
        sku: sku.into(),
        name: name.into(),
        category: None,
        tax_class_id: class.into(),
        price_minor,
        sold_by_weight: false,
        barcodes: Some(barcodes.iter().map(|b| b.to_string()).collect()),
        plu: None,
    }
}

/// An empty store: schema, tax classes 'standard' (19 %) and 'reduced' (7 %), register R1.
pub fn empty_store() -> Fixture {
    let dir = TempDir::new().expect("a temporary directory can be made");
    let store = Store::open(&dir.path().join("ringup.db")).expect("a new store opens");
    store.upsert_tax_class(&TaxClass::new("standard", "Standard", 190_000).expect("valid rate")).expect("tax class");
    store.upsert_tax_class(&TaxClass::new("reduced", "Reduced", 70_000).expect("valid rate")).expect("tax class");
    store.ensure_register(REGISTER, "Register 1").expect("register R1 is created");
    Fixture { store, dir }
}

/// The usual fixture: [`empty_store`] plus coffee (EAN-13), milk (UPC-A) and apples (by weight, PLU).
pub fn store() -> Fixture {
    let fx = empty_store();
    fx.store
        .upsert_product(&product(COFFEE, "Coffee beans 500 g", "standard", COFFEE_PRICE, &[COFFEE_EAN13]))
        .expect("coffee");
    fx.store.upsert_product(&product(MILK, "Fresh milk 1 l", "reduced", MILK_PRICE, &[MILK_UPCA])).expect("milk");
    let mut apples = product(APPLES, "Apples Braeburn", "reduced", APPLES_PRICE, &[]);
    apples.sold_by_weight = true;
    apples.plu = Some(APPLES_PLU.into());
    fx.store.upsert_product(&apples).expect("apples");
    fx
}

/// What a cashier would put in the cart for `sku`, as the catalog has it now.
pub fn item(store: &Store, sku: &str) -> CatalogItem {
    store.find_by_sku(sku).expect("lookup runs").unwrap_or_else(|| panic!("{sku} is in the fixture")).to_catalog_item()
}

/// An open sale holding `lines` of (sku, pieces).
pub fn open_sale(store: &Store, lines: &[(&str, i64)]) -> Sale {
    let mut sale = Sale::new(Uuid::now_v7(), Currency::EUR, PricingMode::TaxInclusive);
    for (sku, pieces) in lines {
        sale.add_item(item(store, sku), pieces * QTY_ONE).expect("the item is added");
    }
    sale
}

/// A completed sale of `lines`, paid in exact cash.
pub fn cash_sale(store: &Store, lines: &[(&str, i64)]) -> Sale {
    let mut sale = open_sale(store, lines);
    let total = sale.begin_tender().expect("the sale goes to payment").total_minor();
    sale.add_cash(Uuid::now_v7(), total, CashRounding::NONE).expect("cash is taken");
    sale.complete().expect("exact cash completes the sale");
    sale
}

/// What the card terminal printed for an approval (already masked, as the driver keeps it).
pub const SLIP: [&str; 3] = ["VISA CONTACTLESS", "PAN 411111******1111", "APPROVED 123456"];

pub fn approval() -> CardApproval {
    CardApproval {
        masked_pan: "411111******1111".into(),
        card_type: "VISA".into(),
        terminal_id: "T-0001".into(),
        trace_no: 42,
        receipt_no: 7,
    }
}

/// A completed sale of `lines`: `card_minor` by card, the rest in cash. Returns the sale and
/// the card payment's id.
pub fn card_sale(store: &Store, lines: &[(&str, i64)], card_minor: i64) -> (Sale, Uuid) {
    let mut sale = open_sale(store, lines);
    let total = sale.begin_tender().expect("the sale goes to payment").total_minor();
    let card_id = Uuid::now_v7();
    approve_attempt(store, sale.id, card_id, card_minor);
    sale.add_non_cash(card_id, TenderKind::Card, card_minor, Some(approval())).expect("the card pays its part");
    if total > card_minor {
        sale.add_cash(Uuid::now_v7(), total - card_minor, CashRounding::NONE).expect("cash pays the rest");
    }
    sale.complete().expect("card and cash cover the total");
    (sale, card_id)
}

/// Records a card attempt and the terminal's approval of it, as the app does around a payment.
pub fn approve_attempt(store: &Store, sale_id: Uuid, attempt_id: Uuid, amount_minor: i64) {
    approve_attempt_as(store, sale_id, attempt_id, amount_minor, &approval());
}

/// [`approve_attempt`] with the terminal's approval `a` (its card type, trace number).
pub fn approve_attempt_as(store: &Store, sale_id: Uuid, attempt_id: Uuid, amount_minor: i64, a: &CardApproval) {
    let new = NewAttempt {
        id: attempt_id,
        sale_id,
        register_id: REGISTER.into(),
        kind: AttemptKind::Authorization,
        amount_minor,
        currency: "EUR".into(),
        reverses: None,
    };
    store.begin_attempt(&new, T0).expect("the attempt is recorded before sending");
    let details = AttemptDetails {
        result_code: Some(0),
        masked_pan: Some(a.masked_pan.clone()),
        card_type: Some(a.card_type.clone()),
        terminal_id: Some(a.terminal_id.clone()),
        trace_no: Some(a.trace_no),
        card_receipt_no: Some(a.receipt_no),
        slip: SLIP.iter().map(|l| l.to_string()).collect(),
        ..AttemptDetails::default()
    };
    store.record_attempt(attempt_id, AttemptState::Approved, &details, "approved", T0).expect("approved");
}

/// Records a card refund attempt for refund `refund_id` that the terminal approved.
pub fn approve_refund_attempt(store: &Store, refund_id: Uuid, amount_minor: i64) {
    let id = Uuid::now_v7();
    let new = NewAttempt {
        id,
        sale_id: refund_id,
        register_id: REGISTER.into(),
        kind: AttemptKind::Refund,
        amount_minor,
        currency: "EUR".into(),
        reverses: None,
    };
    store.begin_attempt(&new, T0).expect("the refund attempt is recorded before sending");
    store.record_attempt(id, AttemptState::Approved, &AttemptDetails::default(), "refunded", T0).expect("approved");
}

/// A sale of `lines` voided before any payment.
pub fn voided_sale(store: &Store, lines: &[(&str, i64)]) -> Sale {
    let mut sale = open_sale(store, lines);
    sale.void().expect("an unpaid sale can be voided");
    sale
}

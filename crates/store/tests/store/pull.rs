//! Pages pulled from the back end, applied whole or not at all with their cursor; and the
//! stock movements a sale sends with it.

use crate::support::*;
use ringup_protocol::{Change, ChangePage, WireProduct, WireStockMovement};
use ringup_store::{NewPairing, StoreError};
use uuid::Uuid;

fn paired(fx: &Fixture) -> Uuid {
    let pairing = NewPairing {
        server_url: "https://backoffice",
        device_id: Uuid::now_v7(),
        token: "rgd_test",
        store_id: Uuid::now_v7(),
        register_id: Uuid::now_v7(),
        register_name: "Till 1",
        ca_pem: None,
    };
    fx.store.save_pairing(&pairing, T0).expect("pair").device_id
}

fn wire(sku: &str, price_minor: i64, barcodes: &[&str]) -> WireProduct {
    WireProduct {
        sku: sku.into(),
        name: format!("{sku} from the back end"),
        category: Some("Pulled".into()),
        tax_class: "standard".into(),
        price_minor,
        sold_by_weight: false,
        barcodes: barcodes.iter().map(|b| b.to_string()).collect(),
        plu: None,
        active: true,
    }
}

fn stock(id: &str, sku: &str, delta_milli: i64) -> Change {
    Change::Stock {
        rev: 0,
        movement: WireStockMovement {
            id: id.into(),
            sku: sku.into(),
            delta_milli,
            reason: "online_order".into(),
            at_ms: T0,
        },
    }
}

fn page(changes: Vec<Change>, cursor: u64) -> ChangePage {
    ChangePage { changes, cursor, head: cursor + 10 }
}

#[test]
fn a_page_applies_once_with_its_cursor() {
    let fx = store();
    let device = paired(&fx);
    let changes = vec![
        Change::TaxClass { rev: 1, id: "zero".into(), name: "Zero rate".into(), rate_ppm: 0 },
        Change::Product { rev: 2, product: wire("NEW-1", 250, &["4012345000016"]) },
        // The back end owns the catalog: its product takes the code the till had on coffee.
        Change::Product { rev: 3, product: wire("NEW-2", 300, &[COFFEE_EAN13]) },
        Change::Product { rev: 4, product: WireProduct { active: false, ..wire(MILK, MILK_PRICE, &[MILK_UPCA]) } },
        stock("online:1", COFFEE, -2_000),
        // A product this till does not have yet: the movement waits for it.
        stock("online:2", "LATER", -1_000),
    ];
    let report = fx.store.apply_changes(device, 0, &page(changes.clone(), 6)).expect("apply");
    assert_eq!((report.applied, report.skipped, report.cursor, report.head), (5, 1, 6, 16));
    assert_eq!(fx.store.pull_position(device).expect("position"), (6, 16));
    assert_eq!(fx.store.find_by_barcode("4012345000016").expect("lookup").map(|p| p.sku), Some("NEW-1".into()));
    assert_eq!(fx.store.find_by_barcode(COFFEE_EAN13).expect("lookup").map(|p| p.sku), Some("NEW-2".into()));
    assert!(fx.store.find_by_barcode(MILK_UPCA).expect("lookup").is_none(), "an inactive product does not sell");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -2_000);
    assert!(fx.store.tax_classes().expect("classes").iter().any(|c| c.id == "zero"));
    // What the cashier sees when searching: the stock where there is a ledger, none elsewhere.
    let coffee = fx.store.search("coffee", 5).expect("search");
    assert_eq!(coffee.iter().map(|h| (h.sku.as_str(), h.stock_milli)).collect::<Vec<_>>(), [(COFFEE, Some(-2_000))]);
    let apples = fx.store.search("apples", 5).expect("search");
    assert_eq!(apples.first().map(|h| h.stock_milli), Some(None));

    // The same page again (its answer was applied, then the task restarted): refused, nothing twice.
    let again = fx.store.apply_changes(device, 0, &page(changes, 6));
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -2_000);
    // The same movement in a later page counts once.
    fx.store.apply_changes(device, 6, &page(vec![stock("online:1", COFFEE, -2_000)], 7)).expect("apply");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -2_000);
    // The product arrives: the movement that waited counts, once, and again changes nothing.
    assert_eq!(fx.store.stock_milli("LATER").expect("stock"), 0);
    let later = vec![Change::Product { rev: 8, product: wire("LATER", 100, &[]) }, stock("online:2", "LATER", -1_000)];
    fx.store.apply_changes(device, 7, &page(later, 8)).expect("apply");
    assert_eq!(fx.store.stock_milli("LATER").expect("stock"), -1_000);
}

#[test]
fn a_page_with_one_bad_change_applies_nothing() {
    let fx = store();
    let device = paired(&fx);
    let before = fx.counts();
    let changes = vec![
        Change::Product { rev: 1, product: wire("NEW-1", 250, &[]) },
        Change::Staff {
            rev: 2,
            id: "s1".into(),
            name: "Eve".into(),
            role: "owner".into(),
            pin_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
            active: true,
        },
    ];
    let error = fx.store.apply_changes(device, 0, &page(changes, 2)).expect_err("refused");
    assert!(error.to_string().contains("role"), "{error}");
    let plain = vec![Change::Staff {
        rev: 1,
        id: "s1".into(),
        name: "Eve".into(),
        role: "cashier".into(),
        pin_hash: "4711".into(),
        active: true,
    }];
    let error = fx.store.apply_changes(device, 0, &page(plain, 1)).expect_err("a PIN in clear is refused");
    assert!(error.to_string().contains("argon2id"), "{error}");
    let unknown_class =
        vec![Change::Product { rev: 1, product: WireProduct { tax_class: "luxury".into(), ..wire("X", 1, &[]) } }];
    assert!(fx.store.apply_changes(device, 0, &page(unknown_class, 1)).is_err());
    assert_eq!(fx.counts(), before);
    assert_eq!(fx.store.pull_position(device).expect("position"), (0, 0));
    // Another device's page (the till was paired anew meanwhile) is refused too.
    let other = fx.store.apply_changes(Uuid::now_v7(), 0, &page(Vec::new(), 1));
    assert!(matches!(other, Err(StoreError::Conflict(_))), "{other:?}");
}

#[test]
fn a_sale_sends_its_stock_movements_with_it() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 2), (MILK, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("sale");
    let device = paired(&fx);
    let events = fx.store.outbox_after(device, 0, 10).expect("outbox");
    let moved: Vec<WireStockMovement> = serde_json::from_value(events[0].data["stock"].clone()).expect("stock");
    let summary: Vec<(&str, &str, i64)> =
        moved.iter().map(|m| (m.id.as_str(), m.sku.as_str(), m.delta_milli)).collect();
    let (l1, l2) = (format!("{}:1", sale.id), format!("{}:2", sale.id));
    assert_eq!(summary, vec![(l1.as_str(), COFFEE, -2_000), (l2.as_str(), MILK, -1_000)]);
    // Pulled back from the server under the same id, it counts once.
    fx.store.apply_changes(device, 0, &page(vec![stock(&l1, COFFEE, -2_000)], 1)).expect("apply");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -2_000);
}

#[test]
fn a_stock_movement_made_at_the_till_is_queued_for_the_back_end_once() {
    let fx = store();
    let delivery = Uuid::now_v7();
    assert!(fx.store.record_stock_movement(delivery, COFFEE, 6_000, "delivery", T0).expect("record"));
    assert!(!fx.store.record_stock_movement(delivery, COFFEE, 6_000, "delivery", T0).expect("again"));
    let device = paired(&fx);
    let events = fx.store.outbox_after(device, 0, 10).expect("outbox");
    assert_eq!(events.len(), 1, "queued once");
    assert_eq!((events[0].kind.as_str(), events[0].document_id), ("stock.adjusted", delivery));
    let moved: Vec<WireStockMovement> = serde_json::from_value(events[0].data["stock"].clone()).expect("stock");
    assert_eq!((moved[0].id.clone(), moved[0].delta_milli), (format!("{delivery}:1"), 6_000));
}

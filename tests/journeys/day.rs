//! The day at the till, through the calls the window makes: every role against every
//! privileged use case, PIN lockout, and a whole day from the float to the Z with the
//! simulated card terminal's own end of day beside ours.

use crate::till_actions::{serve_terminal, till};
use hardware_sim::terminal::SimConfig;
use ringup_app::view::ReturnRequestView;
use ringup_app::{FixedClock, SequentialIds, Till, TillConfig, demo};
use ringup_devices::escpos::layout::Paper;
use ringup_domain::permission::{Permission, Role};
use ringup_domain::report::{CashCount, CashMovementKind};
use ringup_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

const COFFEE: &str = "4012345000016";

/// 10 × 10 € and 20 × 1 €.
fn float() -> CashCount {
    CashCount { counts: BTreeMap::from([(1_000, 10), (100, 20)]) }
}

/// Tries the use case guarded by `permission`, as `till`'s member, without anyone's PIN.
/// Returns the error code, or None when it was allowed.
async fn attempt(till: &mut Till, permission: Permission) -> Option<String> {
    let outcome = match permission {
        Permission::VoidLine => {
            till.scan(COFFEE).expect("coffee");
            let line = till.scan(COFFEE).expect("coffee").lines[1].line_no;
            till.remove_line(line).map(drop)
        }
        Permission::VoidSale => {
            till.scan(COFFEE).expect("coffee");
            till.void_sale(None).map(drop)
        }
        Permission::Refund => {
            let found = till.find_sale("R1-1").expect("the first sale");
            let lines = [ReturnRequestView { line_no: 1, quantity_milli: 1_000 }];
            till.refund(&found.refund_id, &found.sale_id, &lines, None, |_| {}).await.map(drop)
        }
        Permission::PriceOverride => {
            let line = till.scan(COFFEE).expect("coffee").lines[0].line_no;
            till.override_price(line, 100, "damaged", None).map(drop)
        }
        Permission::DiscountAboveLimit => {
            let line = till.scan(COFFEE).expect("coffee").lines[0].line_no;
            till.set_line_discount(line, 5_000, None).map(drop)
        }
        Permission::NoSale => till.no_sale("change for the bakery", None),
        Permission::PayInOut => till.move_cash(Uuid::now_v7(), CashMovementKind::PayIn, 500, "change", None).map(drop),
        Permission::CloseDay => till.x_report(None).map(drop),
        Permission::PairDevices => till.device_setup().map(drop),
        // The back end owns the store's settings; no use case of the till edits them.
        Permission::EditSettings => return None,
    };
    // Leave the screen empty for the next case, as a manager would.
    if till.cart().expect("cart").state != "empty" {
        till.void_sale(Some(demo::MANAGER_PIN)).expect("cleared");
    }
    outcome.err().map(|e| e.code().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_may_do_exactly_what_it_is_granted_and_nothing_more() {
    let dir = tempfile::tempdir().expect("dir");
    let (_terminal, addr) = serve_terminal(SimConfig::default()).await;
    let mut till = till(dir.path(), &addr, 1_000);
    let store = till.store().clone();
    store.set_staff("tom", "Tom", Role::Technician, "5555").expect("technician");
    store.set_staff("ada", "Ada", Role::Admin, "7777").expect("admin");
    // A sale to refund from, and an open drawer for the cash movements.
    till.login(demo::MANAGER_PIN).await.expect("Maria");
    till.open_drawer(&float()).expect("float");
    let line = till.scan(COFFEE).expect("coffee").lines[0].line_no;
    till.set_quantity(line, 4_000).expect("one coffee to give back per role that may");
    let total = till.begin_tender().expect("tender").total_minor;
    till.pay_cash(total + 5_000).expect("cash");
    till.complete().await.expect("sold");
    till.logout().expect("out");

    let pins = [
        (Role::Cashier, demo::CASHIER_PIN),
        (Role::Manager, demo::MANAGER_PIN),
        (Role::Technician, "5555"),
        (Role::Admin, "7777"),
    ];
    for (role, pin) in pins {
        till.login(pin).await.unwrap_or_else(|e| panic!("{role:?} signs in: {e}"));
        for permission in Permission::ALL {
            if permission == Permission::EditSettings {
                continue;
            }
            let refused = attempt(&mut till, permission).await;
            if role.may(permission) {
                assert_eq!(refused, None, "{role:?} may {permission:?}");
            } else {
                assert_eq!(refused.as_deref(), Some("approval_needed"), "{role:?} may not {permission:?}");
            }
        }
        till.logout().expect("out");
    }
}

/// A till whose clock the test moves.
fn till_with_clock(db: &std::path::Path, clock: Arc<FixedClock>) -> Till {
    let store = Arc::new(Store::open(db).expect("store"));
    demo::prepare(&store).expect("demo shop");
    let config =
        TillConfig { register_id: "R1".into(), terminal: None, printer: None, paper: Paper::Mm80, logo_png: None };
    Till::new(store, clock, Arc::new(SequentialIds::new(9_000)), config).expect("till")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_pins_lock_pin_entry_for_longer_each_time_even_across_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("ringup.db");
    let clock = Arc::new(FixedClock::new(1_795_000_000_000));
    let mut till = till_with_clock(&db, clock.clone());
    for _ in 0..4 {
        assert_eq!(till.login("0000").await.expect_err("wrong").code(), "wrong_pin");
    }
    let fifth = till.login("0000").await.expect_err("fifth");
    assert_eq!(
        (fifth.code(), fifth.to_string().as_str()),
        ("locked_out", "too many wrong PINs: PIN entry is locked for 30 more seconds")
    );
    let right = till.login(demo::CASHIER_PIN).await.expect_err("even the right PIN waits");
    assert_eq!(right.code(), "locked_out");

    drop(till);
    let mut till = till_with_clock(&db, clock.clone());
    clock.advance_ms(10_000);
    assert_eq!(till.login(demo::CASHIER_PIN).await.expect_err("still locked after a restart").code(), "locked_out");
    clock.advance_ms(21_000);
    let sixth = till.login("1111").await.expect_err("sixth wrong PIN");
    assert_eq!(sixth.to_string(), "too many wrong PINs: PIN entry is locked for 60 more seconds");
    clock.advance_ms(61_000);
    till.login(demo::CASHIER_PIN).await.expect("the right PIN after the wait");

    // A manager's PIN typed for an approval counts too, and a right one clears the count.
    let line = till.scan(COFFEE).expect("coffee").lines[0].line_no;
    for _ in 0..4 {
        assert_eq!(till.override_price(line, 100, "damaged", Some("0000")).expect_err("wrong").code(), "wrong_pin");
    }
    till.override_price(line, 100, "damaged", Some(demo::MANAGER_PIN)).expect("Maria's PIN");
    assert_eq!(
        till.override_price(line, 90, "damaged", Some("0000")).expect_err("wrong").code(),
        "wrong_pin",
        "counting starts again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_from_the_float_to_the_z_with_the_terminals_totals_beside_ours() {
    let dir = tempfile::tempdir().expect("dir");
    let (_terminal, addr) = serve_terminal(SimConfig::default()).await;
    let mut till = till(dir.path(), &addr, 1_000);
    till.login(demo::CASHIER_PIN).await.expect("Anna");
    assert_eq!(till.drawer().expect("drawer"), None);
    let drawer = till.open_drawer(&float()).expect("float");
    assert_eq!(drawer.float_minor, 12_000);

    // A cash sale, a card sale, and a refund of the cash one with Maria's PIN.
    till.scan(COFFEE).expect("coffee");
    let cash_total = till.begin_tender().expect("tender").total_minor;
    till.pay_cash(cash_total).expect("cash");
    till.complete().await.expect("sale 1");
    till.scan(COFFEE).expect("coffee");
    till.scan(COFFEE).expect("coffee");
    let card_total = till.begin_tender().expect("tender").total_minor;
    assert!(till.pay_card(card_total, |_| {}).await.expect("card").approved, "the simulator approves");
    till.complete().await.expect("sale 2");
    let found = till.find_sale("R1-1").expect("sale 1");
    let lines = [ReturnRequestView { line_no: 1, quantity_milli: 1_000 }];
    till.refund(&found.refund_id, &found.sale_id, &lines, Some(demo::MANAGER_PIN), |_| {}).await.expect("refund");
    till.move_cash(Uuid::now_v7(), CashMovementKind::PayOut, 500, "window cleaner", Some(demo::MANAGER_PIN))
        .expect("pay-out");

    assert_eq!(till.x_report(None).expect_err("a cashier").code(), "approval_needed");
    let x = till.x_report(Some(demo::MANAGER_PIN)).expect("X");
    assert_eq!((x.z_no, x.totals.sales.count, x.totals.refunds.count), (1, 2, 1));
    assert_eq!(x.totals.cash.expected_minor(), 12_000 + cash_total - cash_total - 500);

    let close_id = Uuid::now_v7();
    let open = till.close_day(close_id, Some(demo::MANAGER_PIN)).await.expect_err("the drawer is still open");
    assert_eq!(open.code(), "invalid_input");
    // Blind count, one euro short.
    let counted = CashCount { counts: BTreeMap::from([(1_000, 11), (100, 4)]) };
    let count = till.close_drawer(&counted).expect("counted");
    assert_eq!((count.expected_minor, count.counted_minor, count.variance_minor), (11_500, 11_400, -100));

    let z = till.close_day(close_id, Some(demo::MANAGER_PIN)).await.expect("Z");
    assert_eq!((z.z_no, z.closed_by.as_str(), z.approved_by.as_deref()), (1, "anna", Some("maria")), "both are kept");
    let journal = till.store().journal("R1").expect("journal");
    let pay_out = journal.iter().find(|e| e.data.body.contains("window cleaner")).expect("the pay-out is journaled");
    assert!(pay_out.data.body.contains(r#""by":"anna""#) && pay_out.data.body.contains(r#""approved_by":"maria""#));
    assert_eq!(z.totals.net_sales_minor(), card_total, "the cash sale was refunded whole");
    assert_eq!(z.totals.cash.variance_minor(), -100);
    let cards = z.cards.as_ref().expect("the terminal took part");
    assert!(!cards.is_empty() && cards.iter().all(|c| c.matches), "our card totals are the terminal's: {cards:?}");
    assert_eq!(z.terminal_total_minor, Some(card_total));
    let again = till.close_day(close_id, Some(demo::MANAGER_PIN)).await.expect("pressed twice");
    assert_eq!(again, z, "the second press shows the same Z and closes nothing");
    assert_eq!(till.z_reports(Some(demo::MANAGER_PIN)).expect("list").len(), 1);
    // The manager's screen: the Z as shown, the list of closes, and the CSV for the accountant.
    let view = till.z_report_view(1, Some(demo::MANAGER_PIN)).expect("Z 1 again");
    assert_eq!((view.kind.as_str(), view.cash.variance_minor, view.card_mismatch), ("Z", Some(-100), false));
    assert_eq!(view.sales.count, 2);
    let days = till.closed_days(Some(demo::MANAGER_PIN)).expect("closes");
    assert_eq!((days.len(), days[0].z_no, days[0].net_sales_minor), (1, 1, card_total));
    let path = till.export_z_csv(1, Some(demo::MANAGER_PIN)).expect("exported");
    let csv = std::fs::read_to_string(&path).expect("the file is there");
    assert!(path.ends_with("z-R1-0001.csv"), "{path}");
    assert!(csv.starts_with("section;label;count;amount_minor\n"), "{csv}");
    assert!(csv.contains("\ncash;Variance;;-100\n"), "{csv}");
    assert!(csv.contains(&format!("\nsummary;Net sales;;{card_total}\n")), "{csv}");
    let pdf_path = till.export_z_pdf(1, Some(demo::MANAGER_PIN)).expect("PDF");
    let pdf = std::fs::read(&pdf_path).expect("the PDF is there");
    let pdf_text = String::from_utf8_lossy(&pdf);
    assert!(pdf.starts_with(b"%PDF-") && pdf_path.ends_with("z-R1-0001.pdf"), "{pdf_path}");
    assert!(pdf_text.contains("(Z REPORT 1) Tj") && pdf_text.contains("Variance"), "the report's lines are in it");
    assert!(till.z_report_view(2, Some(demo::MANAGER_PIN)).is_err(), "there is no Z 2 yet");
    let next = till.x_report(Some(demo::MANAGER_PIN)).expect("X");
    assert_eq!((next.z_no, next.totals.sales.count), (2, 0), "the next day starts empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_x_and_the_z_print_on_the_receipt_printer() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut till, printer) = crate::till::till_with_sims(dir.path()).await;
    till.login(demo::MANAGER_PIN).await.expect("Maria");
    till.scan(COFFEE).expect("coffee");
    let total = till.begin_tender().expect("tender").total_minor;
    assert!(till.pay_card(total, |_| {}).await.expect("card").approved);
    till.complete().await.expect("sold");
    // The sale's own receipt comes out through the print queue first.
    for _ in 0..100 {
        if !printer.complete_receipts().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let before = printer.complete_receipts().len();

    till.print_report(None, None).await.expect("the X prints");
    let z = till.close_day(Uuid::now_v7(), None).await.expect("Z");
    assert!(z.cards.as_ref().is_some_and(|c| c.iter().all(|k| k.matches)), "{:?}", z.cards);
    till.print_report(Some(1), None).await.expect("the Z prints");

    let printed: Vec<String> = printer.complete_receipts()[before..].iter().map(|r| r.text()).collect();
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert!(printed[0].contains("X REPORT 1") && printed[0].contains("Net sales"), "{}", printed[0]);
    let z_text = &printed[1];
    assert!(z_text.contains("Z REPORT 1") && z_text.contains("GRAND TOTALS"), "{z_text}");
    assert!(z_text.contains("CARD TERMINAL CHECK") && !z_text.contains("MISMATCH"), "{z_text}");
    assert!(till.print_report(Some(2), None).await.is_err(), "there is no Z 2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_approved_by_a_managers_pin_journals_both_staff() {
    let dir = tempfile::tempdir().expect("dir");
    let (_terminal, addr) = serve_terminal(SimConfig::default()).await;
    let mut till = till(dir.path(), &addr, 1_000);
    till.login(demo::CASHIER_PIN).await.expect("Anna");
    till.scan(COFFEE).expect("coffee");
    assert_eq!(till.void_sale(None).expect_err("a cashier may not").code(), "approval_needed");
    till.void_sale(Some(demo::MANAGER_PIN)).expect("with Maria's PIN");
    let journal = till.store().journal("R1").expect("journal");
    let void = journal.last().expect("the void is journaled");
    assert!(void.data.body.contains(r#""cashier":"Anna""#), "{}", void.data.body);
    assert!(void.data.body.contains(r#""approved_by":"maria""#), "{}", void.data.body);
}

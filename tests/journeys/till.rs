//! The till as the window drives it (the same calls the Tauri commands make), with the
//! simulated card terminal and printer on TCP: sign in, ring up, pay cash and card, complete.

use hardware_sim::printer_sim::{SimPrinter, SimPrinterConfig};
use hardware_sim::terminal::{SimConfig, SimTerminal};
use ringup_app::view::CardEventView;
use ringup_app::{FixedClock, SequentialIds, Till, TillConfig, demo};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::escpos::transport::PrinterPort;
use ringup_devices::zvt::client::ZvtPort;
use ringup_devices::zvt::transport::Framing;
use ringup_store::Store;
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn listen() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    (listener, addr)
}

pub(crate) async fn till_with_sims(dir: &std::path::Path) -> (Till, Arc<SimPrinter>) {
    let store = Arc::new(Store::open(&dir.join("ringup.db")).expect("store"));
    demo::prepare(&store).expect("demo shop");
    let terminal = SimTerminal::new(SimConfig::default());
    let (zvt_listener, zvt_addr) = listen().await;
    tokio::spawn(async move {
        while let Ok((stream, _)) = zvt_listener.accept().await {
            let sim = terminal.clone();
            tokio::spawn(async move { sim.serve(stream, Framing::Tcp).await });
        }
    });
    let printer = SimPrinter::new(SimPrinterConfig::default());
    let (printer_listener, printer_addr) = listen().await;
    let served = printer.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = printer_listener.accept().await {
            let sim = served.clone();
            tokio::spawn(async move { sim.serve(stream).await });
        }
    });
    let config = TillConfig {
        register_id: "R1".into(),
        terminal: Some(ZvtPort::Tcp { addr: zvt_addr }),
        printer: Some(PrinterPort::Tcp { addr: printer_addr }),
        paper: Paper::Mm80,
        logo_png: None,
    };
    let till = Till::new(store, Arc::new(FixedClock::new(1_795_000_000_000)), Arc::new(SequentialIds::new(41)), config)
        .expect("till");
    (till, printer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_ring_up_pay_cash_and_card_and_the_receipt_prints_once() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut till, printer) = till_with_sims(dir.path()).await;
    let wrong = till.login("0000").await.expect_err("a wrong PIN");
    assert_eq!(wrong.code(), "wrong_pin");
    assert_eq!(till.scan("4012345000016").expect_err("not signed in").code(), "not_signed_in");
    let session = till.login(demo::CASHIER_PIN).await.expect("Anna signs in");
    assert_eq!((session.staff_name.as_str(), session.role.as_str()), ("Anna", "cashier"));

    let before = till.status().expect("status");
    till.scan("4012345000016").expect("coffee");
    till.scan("0036000291452").expect("milk");
    let hits = till.search("wat").expect("search");
    let water = hits.iter().find(|h| h.name.starts_with("Water")).expect("water is in the sample catalog");
    let cart = till.add_sku(&water.sku, 1000).expect("water");
    let cart = till.set_quantity(cart.lines[2].line_no, 2000).expect("two waters");
    assert_eq!(cart.lines.len(), 3);
    assert_eq!(cart.lines[2].quantity_milli, 2000);
    assert_eq!(cart.total_minor, cart.lines.iter().map(|l| l.amount_minor - l.discount_minor).sum::<i64>());

    let printing = till.printing_task(|| {}).expect("worker");
    tokio::spawn(printing);
    let tender = till.begin_tender().expect("tender");
    assert_eq!(tender.state, "tendering");
    let after_cash = till.pay_cash(2000).expect("20.00 cash");
    assert_eq!(after_cash.remaining_minor, tender.total_minor - 2000);
    let shown = Arc::new(Mutex::new(Vec::new()));
    let seen = shown.clone();
    let card = till
        .pay_card(after_cash.remaining_minor, move |e: CardEventView| seen.lock().expect("lock").push(e.text))
        .await
        .expect("card");
    assert!(card.approved, "{card:?}");
    assert!(!shown.lock().expect("lock").is_empty(), "the terminal's messages reached the screen");
    assert_eq!(card.cart.remaining_minor, 0);
    let done = till.complete().await.expect("complete");
    assert_eq!(done.change_minor, 0, "exact: 20.00 cash and the rest by card");
    assert!(done.receipt_png_base64.len() > 1000 && done.receipt_text.contains("TOTAL EUR"));

    for _ in 0..300 {
        if !printer.complete_receipts().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let printed = printer.complete_receipts();
    assert_eq!(printed.len(), 1, "one receipt for one sale");
    assert!(printed[0].text().contains("Water"));
    assert_eq!(printer.drawer_pulses(), 1, "cash was taken: the drawer opened");
    let journal = till.store().journal("R1").expect("journal");
    let sales = journal.iter().filter(|e| e.data.kind == ringup_domain::journal::EntryKind::Sale).count();
    assert_eq!(sales, 1, "the sale is in the store once");
    let status = till.status().expect("status");
    assert_eq!(status.to_print, 0);
    assert_eq!(status.to_sync, before.to_sync + 2, "the sale and its card attempt wait for the back end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_payment_cut_off_midway_is_settled_before_the_card_is_tried_again() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Store::open(&dir.path().join("ringup.db")).expect("store"));
    demo::prepare(&store).expect("demo shop");
    // Each step at the terminal takes 300 ms: the payment below is cut off before the decision.
    let terminal = SimTerminal::new(SimConfig { step_delay: Duration::from_millis(300), ..SimConfig::default() });
    let (listener, addr) = listen().await;
    let serving = terminal.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sim = serving.clone();
            tokio::spawn(async move { sim.serve(stream, Framing::Tcp).await });
        }
    });
    let config = TillConfig {
        register_id: "R1".into(),
        terminal: Some(ZvtPort::Tcp { addr }),
        printer: None,
        paper: Paper::Mm80,
        logo_png: None,
    };
    let mut till = Till::new(
        store.clone(),
        Arc::new(FixedClock::new(1_795_000_000_000)),
        Arc::new(SequentialIds::new(77)),
        config,
    )
    .expect("till");
    till.login(demo::CASHIER_PIN).await.expect("sign in");
    till.scan("4012345000016").expect("coffee");
    let owed = till.begin_tender().expect("tender").remaining_minor;
    let cut_off = tokio::time::timeout(Duration::from_millis(150), till.pay_card(owed, |_| {})).await;
    assert!(cut_off.is_err(), "the payment was cut off (the window closed, the call was dropped)");
    assert_eq!(store.unresolved_attempts_of("R1").expect("query").len(), 1, "its outcome is an open question");

    let again = till.pay_card(owed, |_| {}).await.expect("the card is tried again");
    assert!(again.approved, "{again:?}");
    assert!(store.unresolved_attempts_of("R1").expect("query").is_empty(), "the open question was settled first");
    let live: Vec<_> = terminal.journal().into_iter().filter(|b| b.result_code == 0 && !b.reversed).collect();
    assert_eq!(live.len(), 1, "the customer is charged once: {live:?}");
    till.complete().await.expect("the sale completes");
}

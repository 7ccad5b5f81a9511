//! Durable receipts under printer faults: paper out mid-receipt, a printer switched off, and
//! the process killed between sending a receipt and the printer's confirmation. Each receipt
//! comes out whole exactly once as an original; a second one only ever says COPY.

use crate::support::shop;
use hardware_sim::printer_sim::{InProcessPrinter, SimPrinter, SimPrinterConfig};
use hardware_sim::terminal::{InProcess, SimConfig, SimTerminal};
use ringup_app::{CardPayment, PrintWorker, Register, printing};
use ringup_devices::card::EVENT_CAPACITY;
use ringup_devices::escpos::driver::{EscPosPrinter, PrinterConfig};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::printer::PrinterError;
use ringup_devices::zvt::client::{ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::transport::Framing;
use ringup_domain::journal::EntryKind;
use ringup_store::{PrintJobState, Store};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

const COPY_MARK: &str = "*** COPY ***";

fn quick_driver(sim: &Arc<SimPrinter>) -> EscPosPrinter<InProcessPrinter> {
    let config = PrinterConfig {
        answer_timeout: Duration::from_millis(300),
        poll_interval: Duration::from_millis(30),
        print_margin: Duration::from_millis(600),
        ..PrinterConfig::default()
    };
    EscPosPrinter::new(InProcessPrinter { sim: sim.clone() }, config)
}

/// Rings up and completes a cash sale of coffee and milk; returns its id.
fn cash_sale(register: &mut Register) -> Uuid {
    register.add_sku("COF-1KG", 1000).expect("coffee");
    register.add_sku("MILK-1L", 2000).expect("milk");
    let total = register.begin_tender().expect("tender").total_minor();
    register.pay_cash(total).expect("cash");
    register.complete().expect("complete").sale_id
}

fn sale_receipts(sim: &SimPrinter, sale: Uuid) -> Vec<String> {
    let id = sale.simple().to_string();
    sim.complete_receipts().iter().map(|r| r.text()).filter(|t| t.contains(&id)).collect()
}

#[tokio::test]
async fn paper_out_mid_receipt_prints_it_whole_once_paper_is_back() {
    let shop = shop();
    let mut register = shop.register("R1", 11);
    let sale = cash_sale(&mut register);
    let sim = SimPrinter::new(SimPrinterConfig::default());
    let mut printer = quick_driver(&sim);
    let worker = PrintWorker::start(shop.store.clone(), shop.clock.clone(), "R1", Paper::Mm80, None).expect("worker");

    sim.paper_out_after_lines(6);
    let run = worker.run_once(&mut printer).await.expect("run");
    assert!(matches!(run.problem, Some(PrinterError::Interrupted(s)) if s.paper_out), "{run:?}");
    assert_eq!((run.printed, run.waiting), (0, 1));
    // The driver's buffer clear travels on its own; the stub is torn off when it arrives.
    for _ in 0..500 {
        if !sim.receipts().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let stub = sim.receipts();
    assert!(stub.len() == 1 && !stub[0].complete, "a torn-off stub only: {stub:?}");
    let again = worker.run_once(&mut printer).await.expect("run");
    assert!(matches!(again.problem, Some(PrinterError::NotReady(_))), "no paper yet: {again:?}");

    sim.set_paper_out(false);
    let run = worker.run_once(&mut printer).await.expect("run");
    assert_eq!((run.printed, run.waiting, run.problem), (1, 0, None));
    let receipts = sale_receipts(&sim, sale);
    assert_eq!(receipts.len(), 1, "exactly one whole receipt");
    assert!(!receipts[0].contains(COPY_MARK), "the stub was not a receipt, so the whole one is the original");
    let jobs = shop.store.print_jobs_of(sale).expect("jobs");
    assert_eq!((jobs[0].state, jobs[0].attempts), (PrintJobState::Done, 3), "{jobs:?}");
}

#[tokio::test]
async fn a_printer_switched_off_keeps_the_receipts_until_it_is_back() {
    let shop = shop();
    let mut register = shop.register("R1", 12);
    let first = cash_sale(&mut register);
    let second = cash_sale(&mut register);
    let sim = SimPrinter::new(SimPrinterConfig::default());
    let mut printer = quick_driver(&sim);
    let worker = PrintWorker::start(shop.store.clone(), shop.clock.clone(), "R1", Paper::Mm58, None).expect("worker");

    sim.set_offline(true);
    let run = worker.run_once(&mut printer).await.expect("run");
    assert!(matches!(run.problem, Some(PrinterError::Unreachable(_))), "{run:?}");
    assert_eq!(run.waiting, 2, "both receipts wait");
    assert!(sim.receipts().is_empty());

    sim.set_offline(false);
    let run = worker.run_once(&mut printer).await.expect("run");
    assert_eq!((run.printed, run.problem), (2, None));
    for sale in [first, second] {
        let r = sale_receipts(&sim, sale);
        assert!(r.len() == 1 && !r[0].contains(COPY_MARK), "sale {sale}: {r:?}");
    }
    let order: Vec<bool> =
        sim.complete_receipts().iter().map(|r| r.text().contains(&first.simple().to_string())).collect();
    assert_eq!(order, vec![true, false], "receipts come out in the order the sales were made");
}

#[tokio::test]
async fn a_card_receipt_carries_the_terminal_slip_and_its_reprint_says_copy() {
    let shop = shop();
    let mut register = shop.register("R1", 13);
    register.add_sku("COF-1KG", 1000).expect("coffee");
    let total = register.begin_tender().expect("tender").total_minor();
    let terminal_sim = SimTerminal::new(SimConfig::default());
    let mut zvt = ZvtTerminal::new(
        InProcess { sim: terminal_sim.clone(), framing: Framing::Serial },
        Framing::Serial,
        ZvtConfig::default(),
    );
    let (events, mut shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    tokio::spawn(async move { while shown.recv().await.is_some() {} });
    let paid = register.pay_card(&mut zvt, total, &events).await.expect("pay");
    assert!(matches!(paid, CardPayment::Approved { remaining_minor: 0, .. }), "{paid:?}");
    let sale = register.complete().expect("complete").sale_id;

    let sim = SimPrinter::new(SimPrinterConfig::default());
    let mut printer = quick_driver(&sim);
    let worker = PrintWorker::start(shop.store.clone(), shop.clock.clone(), "R1", Paper::Mm80, None).expect("worker");
    worker.run_once(&mut printer).await.expect("original");
    let original = sale_receipts(&sim, sale);
    assert_eq!(original.len(), 1);
    for slip_line in ["PAYMENT", "APPROVED", "Terminal-ID"] {
        assert!(
            original[0].contains(slip_line),
            "the terminal's slip ({slip_line}) is on the receipt:\n{}",
            original[0]
        );
    }
    let pan = SimConfig::default().masked_pan;
    assert!(original[0].contains(&pan), "the masked PAN ({pan}) is printed");
    // The sale's id (in its own line and the QR code) is hex, not card data.
    let id = sale.simple().to_string();
    let card_text: String = original[0].lines().filter(|l| !l.starts_with("Sale") && !l.contains(&id)).collect();
    let longest_digit_run = card_text.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
    assert!(longest_digit_run < 13, "no run of 13-19 digits (a full PAN) anywhere on the receipt:\n{}", original[0]);

    register.reprint(sale).expect("reprint");
    let run = worker.run_once(&mut printer).await.expect("copy");
    assert_eq!(run.printed, 1);
    let receipts = sale_receipts(&sim, sale);
    assert_eq!(receipts.len(), 2);
    assert!(!receipts[0].contains(COPY_MARK) && receipts[1].contains(COPY_MARK), "{receipts:?}");
    let strip = |t: &str| t.replace(&format!("{COPY_MARK}\n"), "");
    assert_eq!(strip(&receipts[1]), receipts[0], "the copy says exactly what the original said");
}

/// Starts the print worker in a child process against a printer on TCP.
fn spawn_print_driver(db: &std::path::Path, addr: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_print-driver"))
        .args(["--db", db.to_str().expect("utf-8 path"), "--printer", addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("print-driver starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_sending_and_the_confirmation_the_retry_says_copy() {
    let shop = shop();
    let mut register = shop.register("R1", 14);
    let sale = cash_sale(&mut register);
    let db = shop.store.path().to_path_buf();

    let sim = SimPrinter::new(SimPrinterConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let served = sim.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sim = served.clone();
            tokio::spawn(async move { sim.serve(stream).await });
        }
    });

    // The receipt prints, but the confirmation never arrives: the process is killed waiting.
    sim.set_drop_confirmations(true);
    let mut child = spawn_print_driver(&db, &addr);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sim.complete_receipts().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the receipt never reached the printer");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let store = Store::open(&db).expect("reopen");
    let job = store.print_jobs_of(sale).expect("jobs")[0].clone();
    assert_eq!(job.state, PrintJobState::Sending, "killed between send and confirmation: {job:?}");
    drop(store);

    sim.set_drop_confirmations(false);
    let mut child = spawn_print_driver(&db, &addr);
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = BufReader::new(stdout).lines().map_while(Result::ok).collect();
    assert!(child.wait().expect("exit").success(), "{lines:?}");
    assert!(lines.iter().any(|l| l == "PRINTED 1 WAITING 0"), "{lines:?}");

    let receipts = sale_receipts(&sim, sale);
    assert_eq!(receipts.len(), 2, "the original and one retry: {receipts:?}");
    assert!(!receipts[0].contains(COPY_MARK), "the first one out is the original");
    assert!(receipts[1].contains(COPY_MARK), "it may have printed, so the retry must say COPY");
    let store = Store::open(&db).expect("reopen");
    assert_eq!(store.print_jobs_of(sale).expect("jobs")[0].state, PrintJobState::Done);
    assert!(store.print_queue("R1").expect("queue").is_empty(), "nothing left, nothing doubled");
}

#[tokio::test]
async fn the_preview_on_screen_is_the_image_the_printer_renders() {
    let shop = shop();
    let mut register = shop.register("R1", 15);
    let sale = cash_sale(&mut register);
    let dir = tempfile::tempdir().expect("dir");
    let sim =
        SimPrinter::new(SimPrinterConfig { out_dir: Some(dir.path().to_path_buf()), ..SimPrinterConfig::default() });
    let mut printer = quick_driver(&sim);
    let worker = PrintWorker::start(shop.store.clone(), shop.clock.clone(), "R1", Paper::Mm80, None).expect("worker");
    let job = shop.store.print_jobs_of(sale).expect("jobs")[0].clone();
    let settings = shop.store.settings().expect("settings");
    let receipt = printing::receipt_for(&shop.store, &settings, shop.clock.as_ref(), &job).expect("receipt");
    let preview = printing::preview_png(&receipt, Paper::Mm80, None).expect("preview");

    worker.run_once(&mut printer).await.expect("printed");
    let png = dir.path().join("0001.png");
    for _ in 0..500 {
        if png.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let printed = std::fs::read(&png).expect("the printer wrote its image");
    assert!(preview.len() > 1000, "a real image");
    assert!(preview == printed, "the preview is byte for byte what the printer rendered");
}

#[tokio::test]
async fn a_no_sale_is_journaled_before_the_drawer_opens() {
    let shop = shop();
    let register = shop.register("R1", 16);
    let sim = SimPrinter::new(SimPrinterConfig::default());
    let mut printer = quick_driver(&sim);
    let status = printing::no_sale(&register, &mut printer, ("maria", None), "change for the till").await;
    assert!(status.expect("kicked").expect("read back").drawer_open, "the drawer reads open");
    let journal = shop.store.journal("R1").expect("journal");
    assert_eq!(journal.len(), 1);
    assert_eq!((journal[0].data.kind, journal[0].data.turnover_minor), (EntryKind::CashMovement, 0));
    assert!(journal[0].data.body.contains("no_sale") && journal[0].data.body.contains(r#""by":"maria""#));

    sim.set_offline(true);
    let err = printing::no_sale(&register, &mut printer, ("maria", None), "again").await;
    assert!(err.is_err(), "a printer that does not answer cannot open its drawer: {err:?}");
    assert_eq!(shop.store.journal("R1").expect("journal").len(), 2, "the attempt is on record all the same");
    assert_eq!(sim.drawer_pulses(), 1);
}

#[tokio::test]
async fn a_printer_that_never_confirms_prints_one_copy_then_waits_for_a_person() {
    let shop = shop();
    let mut register = shop.register("R1", 17);
    let sale = cash_sale(&mut register);
    let later = cash_sale(&mut register);
    let sim = SimPrinter::new(SimPrinterConfig::default());
    sim.set_drop_confirmations(true);
    let mut printer = quick_driver(&sim);
    let worker = PrintWorker::start(shop.store.clone(), shop.clock.clone(), "R1", Paper::Mm80, None).expect("worker");

    let first = worker.run_once(&mut printer).await.expect("run");
    assert!(first.problem.as_ref().is_some_and(PrinterError::may_have_printed), "{first:?}");
    let second = worker.run_once(&mut printer).await.expect("run");
    assert_eq!(second.held, 1, "the copy went unconfirmed too: it waits for a person: {second:?}");
    let receipts = sale_receipts(&sim, sale);
    assert_eq!(receipts.len(), 2, "the original and one copy, no more");
    assert!(!receipts[0].contains(COPY_MARK) && receipts[1].contains(COPY_MARK), "{receipts:?}");

    sim.set_drop_confirmations(false);
    let third = worker.run_once(&mut printer).await.expect("run");
    assert_eq!((third.printed, third.held), (1, 1), "the next sale prints; the held one waits: {third:?}");
    assert_eq!(sale_receipts(&sim, later).len(), 1);
    let held = shop.store.print_jobs_of(sale).expect("jobs")[0].clone();
    assert_eq!(held.state, PrintJobState::Held);
    worker.release(held.seq, true).expect("the cashier says it came out");
    assert!(shop.store.print_queue("R1").expect("queue").is_empty());
    assert_eq!(sale_receipts(&sim, sale).len(), 2, "nothing more printed for it");
}

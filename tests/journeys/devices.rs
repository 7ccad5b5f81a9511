//! The technician's journey, through the calls the window makes: the simulated card terminal
//! and printer on pseudo-terminals behind stable links (as `/dev/serial/by-id` names are),
//! set up, registered, tested and journaled; then cables pulled and plugged back in.

use hardware_sim::printer_sim::{SimPrinter, SimPrinterConfig};
use hardware_sim::terminal::{SimConfig, SimTerminal};
use ringup_app::{FixedClock, SequentialIds, Till, TillConfig, demo};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::zvt::transport::Framing;
use ringup_domain::journal::EntryKind;
use ringup_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_serial::SerialPort;

const PASSWORD: u32 = 424_242;

/// A device on a pseudo-terminal behind `link`: unplugging closes the pseudo-terminal (its
/// device node goes away and the link dangles, as a pulled USB adapter's does).
struct Plugged {
    task: tokio::task::JoinHandle<()>,
}

impl Plugged {
    fn unplug(self) {
        self.task.abort();
    }
}

async fn plug_terminal(sim: &Arc<SimTerminal>, link: &Path) -> Plugged {
    let (mut master, slave) = tokio_serial::SerialStream::pair().expect("a pseudo-terminal pair");
    relink(link, &slave.name().expect("pty name"));
    let sim = sim.clone();
    let task = tokio::spawn(async move {
        let _keep_the_line_open = slave;
        loop {
            let _session = sim.serve(&mut master, Framing::Serial).await;
        }
    });
    Plugged { task }
}

async fn plug_printer(sim: &Arc<SimPrinter>, link: &Path) -> Plugged {
    let (master, slave) = tokio_serial::SerialStream::pair().expect("a pseudo-terminal pair");
    relink(link, &slave.name().expect("pty name"));
    let sim = sim.clone();
    let task = tokio::spawn(async move {
        let _keep_the_line_open = slave;
        let _ended = sim.serve(master).await;
        std::future::pending::<()>().await;
    });
    Plugged { task }
}

fn relink(link: &Path, target: &str) {
    let _absent_is_fine = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).expect("link");
}

fn till(db: &Path, seed: u64) -> Till {
    let store = Arc::new(Store::open(db).expect("store"));
    demo::prepare(&store).expect("demo shop");
    let config =
        TillConfig { register_id: "R1".into(), terminal: None, printer: None, paper: Paper::Mm80, logo_png: None };
    Till::new(store, Arc::new(FixedClock::new(1_795_000_000_000)), Arc::new(SequentialIds::new(seed)), config)
        .expect("till")
}

struct Bench {
    dir: tempfile::TempDir,
    terminal: Arc<SimTerminal>,
    printer: Arc<SimPrinter>,
    zvt_link: PathBuf,
    printer_link: PathBuf,
}

fn bench() -> Bench {
    let dir = tempfile::tempdir().expect("dir");
    let terminal = SimTerminal::new(SimConfig { password: PASSWORD, ..SimConfig::default() });
    let printer = SimPrinter::new(SimPrinterConfig::default());
    let zvt_link = dir.path().join("zvt");
    let printer_link = dir.path().join("printer");
    Bench { dir, terminal, printer, zvt_link, printer_link }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_sets_up_registers_and_tests_the_devices_and_every_change_is_journaled() {
    let b = bench();
    let _zvt = plug_terminal(&b.terminal, &b.zvt_link).await;
    let _printer = plug_printer(&b.printer, &b.printer_link).await;
    let db = b.dir.path().join("ringup.db");
    let mut t = till(&db, 100);

    // No terminal yet: card tender is refused with a clear message, cash still sells.
    t.login(demo::CASHIER_PIN).await.expect("cashier");
    t.scan("4012345000016").expect("coffee");
    let owed = t.begin_tender().expect("tender").remaining_minor;
    let refused = t.pay_card(owed, |_| {}).await.expect_err("no terminal");
    assert_eq!(refused.code(), "no_device");
    assert_eq!(refused.to_string(), "no card terminal is set up: a technician can add one");
    t.pay_cash(owed).expect("cash");
    t.complete().await.expect("sold for cash");
    assert_eq!(t.status().expect("status").terminal.message, "Card terminal: none set up");
    // A cashier may not touch the devices.
    assert_eq!(t.device_setup().expect_err("cashier").code(), "approval_needed");
    t.logout().expect("out");

    t.login(demo::TECHNICIAN_PIN).await.expect("technician");
    let journal_before = t.store().journal("R1").expect("journal").len();
    let bad = t.set_terminal(Some("bluetooth:somewhere")).await.expect_err("not a place");
    assert_eq!(bad.code(), "invalid_input", "{bad}");
    assert_eq!(t.store().journal("R1").expect("journal").len(), journal_before, "a bad place writes nothing");

    let zvt_place = format!("serial:{}:9600", b.zvt_link.display());
    let printer_place = format!("serial:{}:9600", b.printer_link.display());
    let setup = t.set_terminal(Some(&zvt_place)).await.expect("terminal set");
    assert_eq!(setup.terminal.as_ref().expect("terminal").place, zvt_place);
    assert_eq!(setup.terminal.as_ref().expect("terminal").changed_by, "tomas");
    let setup = t.set_printer(Some(&printer_place), "58mm").await.expect("printer set");
    assert_eq!(setup.printer.as_ref().expect("printer").paper.as_deref(), Some("58mm"));

    // Registration with a wrong password is refused and keeps nothing; the right one is kept.
    let wrong = t.register_terminal("000001").await.expect("asked");
    assert!(!wrong.ok, "{wrong:?}");
    assert!(wrong.message.contains("wrong password"), "{}", wrong.message);
    assert!(!t.device_setup().expect("setup").terminal.expect("t").password_kept);
    assert_eq!(t.register_terminal("12345").await.expect_err("5 digits").code(), "invalid_input");
    let registered = t.register_terminal(&format!("{PASSWORD:06}")).await.expect("registered");
    assert!(registered.ok, "{registered:?}");
    assert!(b.terminal.is_registered());
    assert!(t.device_setup().expect("setup").terminal.expect("t").password_kept);
    // The same terminal typed again without its baud rate is the same terminal: the password
    // stays and nothing is journaled.
    let entries = t.store().journal("R1").expect("journal").len();
    let again = t.set_terminal(Some(&format!("serial:{}", b.zvt_link.display()))).await.expect("saved again");
    assert!(again.terminal.expect("t").password_kept, "the password follows the same terminal");
    assert_eq!(t.store().journal("R1").expect("journal").len(), entries);

    let tested = t.test_terminal().await.expect("tested");
    assert!(tested.ok, "{tested:?}");
    assert!(tested.health.connected);
    assert_eq!(tested.health.terminal_id.as_deref(), Some("52500001"), "{tested:?}");
    assert_eq!(tested.health.software_version.as_deref(), Some("RINGUP-SIM-ZVT 1.0"), "{tested:?}");
    assert!(tested.health.last_response_ms.is_some());

    let page = t.print_test_page().await.expect("test page");
    assert!(page.ok, "{page:?}");
    let printed = b.printer.complete_receipts().last().expect("a page came out").text();
    for expected in
        ["TEST PAGE", "Register R1", "Double width", "€ £ ¥", "ÄÖÜ äöü", "[QR ringup:test:R1]", "[BARCODE TEST-R1]"]
    {
        assert!(printed.contains(expected), "{expected:?} is not on the page:\n{printed}");
    }
    assert!(printed.contains(&"1234567890".repeat(4)[..32]), "a 58 mm ruler:\n{printed}");
    let drawer = t.test_drawer().await.expect("drawer");
    assert!(drawer.ok, "{drawer:?}");
    assert_eq!(b.printer.drawer_pulses(), 1);
    let printer_test = t.test_printer().await.expect("printer asked");
    assert!(printer_test.ok && printer_test.health.connected, "{printer_test:?}");

    // Three changes, journaled in order, the chain intact, the password nowhere in it.
    let journal = t.store().journal("R1").expect("journal");
    let config: Vec<serde_json::Value> = journal
        .iter()
        .filter(|e| e.data.kind == EntryKind::Config)
        .map(|e| serde_json::from_str(&e.data.body).expect("json"))
        .collect();
    assert_eq!(config.len(), 3, "{config:?}");
    assert_eq!(config[0]["device"], "terminal");
    assert_eq!(config[1]["device"], "printer");
    assert_eq!(config[2]["password_kept"], true);
    for entry in &journal {
        assert!(!entry.data.body.contains("424242"), "the password is in the journal: {}", entry.data.body);
    }
    t.store().verify_journal("R1").expect("chain");

    // Pair with a local back end by code: a wrong code is refused, the right one pairs.
    let server_dir = tempfile::tempdir().expect("dir");
    let db_url = format!("sqlite://{}", server_dir.path().join("server.db").display());
    let server = ringup_server::Db::connect(&db_url).await.expect("server db");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let state = ringup_server::AppState { db: server.clone(), clock: Arc::new(|| 1_795_000_000_000) };
    tokio::spawn(async move { ringup_server::serve(listener, state).await.expect("serve") });
    let store_id = server.create_store("Corner shop", 1_795_000_000_000).await.expect("store");
    let register_id = server.create_register(store_id, "Till 1", 1_795_000_000_000).await.expect("register");
    let code = server.create_pairing_code(register_id, 1_795_000_000_000).await.expect("code");
    assert_eq!(t.pair_backend("ftp://x", &code, None).await.expect_err("not http").code(), "invalid_input");
    assert_eq!(t.pair_backend(&url, "WRONG-CODE", None).await.expect_err("wrong code").code(), "backend");
    let paired = t.pair_backend(&url, &code, None).await.expect("paired");
    assert_eq!(paired.register_name, "Till 1");
    assert!(paired.waiting > 0, "the sale and the changes wait to be sent: {paired:?}");

    // The diagnostics bundle: what a support desk needs, no secret in it.
    let logs = b.dir.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs");
    std::fs::write(logs.join("ringup.log.2026-11-22"), "INFO the window is interactive\n").expect("log");
    let bundle = t.diagnostics_bundle(Some(&logs)).expect("bundle");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&bundle).expect("zip file")).expect("a zip");
    let mut names: Vec<String> = zip.file_names().map(|n| n.expect("a name").into_owned()).collect();
    names.sort();
    assert_eq!(names, ["config.json", "health.json", "log.txt", "ports.txt", "versions.txt"]);
    let token = t.store().pairing().expect("pairing").expect("paired").token;
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).expect("entry");
        let name = file.name().expect("a name").into_owned();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text).expect("text");
        assert!(!text.contains("424242"), "the terminal password is in {name}");
        assert!(!text.contains(&token), "the device token is in {name}");
        if name == "config.json" {
            assert!(text.contains(&zvt_place) && text.contains(&url), "{text}");
        }
        if name == "log.txt" {
            assert!(text.contains("the window is interactive"), "{text}");
        }
    }
    t.logout().expect("out");
    drop(t);

    // A device given in the environment at start does not undo the technician's set-up.
    let store = Arc::new(Store::open(&db).expect("store"));
    let given = TillConfig {
        register_id: "R1".into(),
        terminal: Some(ringup_devices::zvt::client::ZvtPort::Tcp { addr: "10.9.9.9:20007".into() }),
        printer: None,
        paper: Paper::Mm80,
        logo_png: None,
    };
    let clock = Arc::new(FixedClock::new(1_795_000_000_000));
    drop(Till::new(store.clone(), clock, Arc::new(SequentialIds::new(150)), given).expect("till"));
    let kept = store.device_settings("R1").expect("settings");
    assert_eq!(kept[0].place, zvt_place, "the technician's terminal stays");
    assert!(kept[0].has_secret, "with its password");
    assert_eq!(kept[1].options, r#"{"paper":"58mm"}"#, "and the printer its paper");

    // After a restart the till has its devices from the store, with the password the refund
    // needs (the simulator refuses a refund under a wrong one).
    let mut again = till(&db, 200);
    again.login(demo::CASHIER_PIN).await.expect("cashier");
    again.scan("4012345000016").expect("coffee");
    let owed = again.begin_tender().expect("tender").remaining_minor;
    let paid = again.pay_card(owed, |_| {}).await.expect("card");
    assert!(paid.approved, "{paid:?}");
    let done = again.complete().await.expect("sold by card");
    let found = again.find_sale(&format!("R1-{}", done.receipt_no)).expect("found");
    let lines = [ringup_app::view::ReturnRequestView { line_no: 1, quantity_milli: 1000 }];
    let refunded = again
        .refund(&found.refund_id, &found.sale_id, &lines, Some(demo::MANAGER_PIN), |_| {})
        .await
        .expect("refunded to the card with the kept password");
    assert_eq!(refunded.total_minor, done.total_minor);
}

/// Waits until `check` holds, up to `limit` from now.
async fn within(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pulled_cable_shows_within_two_seconds_and_the_device_comes_back_by_itself() {
    let b = bench();
    let zvt = plug_terminal(&b.terminal, &b.zvt_link).await;
    let printer = plug_printer(&b.printer, &b.printer_link).await;
    let db = b.dir.path().join("ringup.db");
    let mut t = till(&db, 300);
    t.login(demo::TECHNICIAN_PIN).await.expect("technician");
    t.set_terminal(Some(&format!("serial:{}:9600", b.zvt_link.display()))).await.expect("terminal");
    t.set_printer(Some(&format!("serial:{}:9600", b.printer_link.display())), "80mm").await.expect("printer");
    let till = Arc::new(tokio::sync::Mutex::new(t));
    let (watch, printing) = {
        let t = till.lock().await;
        (t.device_watch_task(|_, _| {}), t.printing_task(|| {}).expect("print worker"))
    };
    let watch = tokio::spawn(watch);
    let printing = tokio::spawn(printing);
    till.lock().await.check_terminal().await;
    let state = |role: &'static str| {
        let till = till.clone();
        move || {
            let Ok(t) = till.try_lock() else { return String::new() };
            let status = t.status().expect("status");
            if role == "terminal" { status.terminal.state } else { status.printer.state }
        }
    };
    within(Duration::from_secs(5), "terminal ready", {
        let s = state("terminal");
        move || s() == "ok"
    })
    .await;
    within(Duration::from_secs(5), "printer ready", {
        let s = state("printer");
        move || s() == "ok"
    })
    .await;

    // Pull both cables; each device's time is counted from that moment.
    zvt.unplug();
    printer.unplug();
    let pulled = Instant::now();
    within(Duration::from_secs(2), "terminal disconnected", {
        let s = state("terminal");
        move || s() == "offline"
    })
    .await;
    let terminal_gone = pulled.elapsed();
    within(Duration::from_secs(2), "printer disconnected", {
        let s = state("printer");
        move || s() == "offline"
    })
    .await;
    let printer_gone = pulled.elapsed();
    let message = till.lock().await.status().expect("status").terminal.message;
    assert!(message.contains("disconnected"), "{message}");
    let setup_view = {
        let t = till.lock().await;
        t.device_setup().expect("setup")
    };
    assert!(!setup_view.terminal_health.connected && !setup_view.printer_health.connected);

    // Plug them back: new pseudo-terminals behind the same names.
    let _zvt = plug_terminal(&b.terminal, &b.zvt_link).await;
    let _printer = plug_printer(&b.printer, &b.printer_link).await;
    let started = Instant::now();
    // The window's status tick asks the terminal when its port came back; do what it does.
    loop {
        {
            let mut t = till.lock().await;
            if t.terminal_needs_check() {
                t.check_terminal().await;
            }
            if t.status().expect("status").terminal.state == "ok" {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(2), "the terminal did not come back within 2 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let terminal_back = started.elapsed();
    within(Duration::from_secs(2), "printer back", {
        let s = state("printer");
        move || s() == "ok"
    })
    .await;
    let printer_back = started.elapsed();
    eprintln!(
        "hot-plug: terminal gone after {terminal_gone:?}, back after {terminal_back:?}; \
         printer gone after {printer_gone:?}, back after {printer_back:?} (limit 2 s each)"
    );

    // And they work: a card payment and its receipt.
    let mut t = till.lock().await;
    t.logout().expect("out");
    t.login(demo::CASHIER_PIN).await.expect("cashier");
    t.scan("4012345000016").expect("coffee");
    let owed = t.begin_tender().expect("tender").remaining_minor;
    assert!(t.pay_card(owed, |_| {}).await.expect("card").approved);
    t.complete().await.expect("done");
    drop(t);
    within(Duration::from_secs(5), "the receipt printed on the printer that came back", || {
        !b.printer.complete_receipts().is_empty()
    })
    .await;
    watch.abort();
    printing.abort();
}

//! `ringup`: the command line of the terminal. Until the window exists, `ringup demo` rings
//! up a scripted sale against a fresh store, pays part of it by card through the ZVT driver and
//! the simulated terminal, and prints the receipt; the other commands are the
//! headless tools a technician needs (import a catalog, generate a large one, verify a journal).

use anyhow::{Context, Result, bail};
use hardware_sim::printer_sim::{InProcessPrinter, SimPrinter, SimPrinterConfig};
use hardware_sim::terminal::{InProcess, SimConfig, SimTerminal};
use ringup_app::{CardPayment, Clock, PrintWorker, Register, SystemClock, UuidV7};
use ringup_devices::card::{CardEvent, EVENT_CAPACITY};
use ringup_devices::escpos::driver::{EscPosPrinter, PrinterConfig};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::escpos::raster::Bitmap;
use ringup_devices::zvt::client::{ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::transport::Framing;
use ringup_domain::cart::Discount;
use ringup_domain::receipt::Receipt;
use ringup_domain::tax::TaxClass;
use ringup_store::{Store, StoreSettings};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const USAGE: &str = "usage:
  ringup demo [--db PATH] [--receipts DIR]     ring up a scripted sale and print its receipt on the
                                               simulated printer (PNG, text and bytes in DIR)
  ringup import --db PATH FILE.csv             import a catalog CSV (all or nothing)
  ringup gen-catalog --db PATH --items N [--seed S]   fill a store with N synthetic items
  ringup verify --db PATH [--register ID]      verify a register's journal
  ringup lookup --db PATH CODE                 open the store and look a barcode, PLU or SKU up, timed
  ringup pair --db PATH --server URL --code CODE [--name NAME] [--ca CERT.pem]
                                               pair this till's store with the back end by a one-time code
  ringup sync --db PATH                        push everything queued to the back end and pull what changed there";

mod cli_devices;

const SAMPLE_CATALOG: &str = include_str!("../../../assets/sample-catalog.csv");

fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()) {
        eprintln!("ringup: {e:#}");
        std::process::exit(1);
    }
}

/// Takes `--name VALUE` out of `args`.
fn take_flag(args: &mut Vec<String>, name: &str) -> Result<Option<String>> {
    let Some(i) = args.iter().position(|a| a == name) else { return Ok(None) };
    if i + 1 >= args.len() {
        bail!("{name} needs a value\n{USAGE}");
    }
    let value = args.remove(i + 1);
    args.remove(i);
    Ok(Some(value))
}

fn required_db(args: &mut Vec<String>) -> Result<PathBuf> {
    Ok(PathBuf::from(take_flag(args, "--db")?.with_context(|| format!("--db PATH is required\n{USAGE}"))?))
}

fn run(mut args: Vec<String>) -> Result<()> {
    let command = if args.is_empty() { String::from("help") } else { args.remove(0) };
    match command.as_str() {
        "demo" => {
            let receipts = take_flag(&mut args, "--receipts")?
                .map_or_else(|| std::env::temp_dir().join("ringup-demo-receipts"), PathBuf::from);
            demo(take_flag(&mut args, "--db")?.map(PathBuf::from), &receipts)
        }
        "import" => {
            let db = required_db(&mut args)?;
            let file = args.first().with_context(|| format!("which file?\n{USAGE}"))?;
            let store = open_with_defaults(&db)?;
            let reader = std::fs::File::open(file).with_context(|| format!("cannot open {file}"))?;
            let progress = |p: ringup_store::ImportProgress| match p {
                ringup_store::ImportProgress::Checked { rows } => eprint!("\rchecking: {rows} rows"),
                ringup_store::ImportProgress::Written { rows, of } => eprint!("\rwriting: {rows} / {of} rows   "),
            };
            let outcome = store.import_catalog_csv_with_progress(std::io::BufReader::new(reader), progress);
            eprintln!();
            match outcome {
                Ok(r) => println!("imported {} rows: {} new, {} updated", r.rows, r.created, r.updated),
                Err(ringup_store::StoreError::Import(issues)) => {
                    for i in &issues {
                        eprintln!("{file}: {i}");
                    }
                    bail!("{} problem(s); nothing was imported", issues.len());
                }
                Err(e) => return Err(e.into()),
            }
            Ok(())
        }
        "gen-catalog" => {
            let db = required_db(&mut args)?;
            let items: u64 = take_flag(&mut args, "--items")?.context("--items N is required")?.parse()?;
            let seed: u64 = take_flag(&mut args, "--seed")?.map_or(Ok(1), |s| s.parse())?;
            let store = open_with_defaults(&db)?;
            let started = std::time::Instant::now();
            ringup_store::generate_catalog(&store, items, seed, |done| {
                eprint!("\r{done} / {items} items ({}%)", done * 100 / items.max(1));
            })?;
            eprintln!();
            println!("{} products in {} after {:.1?}", store.product_count()?, db.display(), started.elapsed());
            Ok(())
        }
        "verify" => {
            let db = required_db(&mut args)?;
            let register = take_flag(&mut args, "--register")?.unwrap_or_else(|| "R1".into());
            let store = Store::open(&db)?;
            let n = store.verify_journal(&register)?;
            println!("journal of register {register}: {n} entries, chain intact");
            Ok(())
        }
        "lookup" => {
            let db = required_db(&mut args)?;
            let code = args.first().with_context(|| format!("which code?\n{USAGE}"))?.clone();
            let started = std::time::Instant::now();
            let store = Store::open(&db)?;
            let found = match store.find_by_barcode(&code)? {
                Some(p) => Some(p),
                None => store.find_by_sku(&code)?,
            };
            let elapsed = started.elapsed();
            match found {
                Some(p) => println!("{} {} {} (open + lookup in {elapsed:.2?})", p.sku, p.name, p.price_minor),
                None => bail!("no product for {code:?} (open + lookup in {elapsed:.2?})"),
            }
            Ok(())
        }
        "pair" => {
            let db = required_db(&mut args)?;
            let server =
                take_flag(&mut args, "--server")?.with_context(|| format!("--server URL is required\n{USAGE}"))?;
            let code = take_flag(&mut args, "--code")?.with_context(|| format!("--code CODE is required\n{USAGE}"))?;
            let name = take_flag(&mut args, "--name")?;
            // A store's own back end with a self-signed certificate: trust that certificate.
            let ca = match take_flag(&mut args, "--ca")? {
                Some(path) => Some(std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?),
                None => None,
            };
            let store =
                Arc::new(Store::open(&db).with_context(|| format!("cannot open the store at {}", db.display()))?);
            let now = ringup_app::SystemClock.now_ms();
            let paired = runtime()?.block_on(ringup_sync::pair_trusting(
                &store,
                &server,
                ca.as_deref(),
                &code,
                name.as_deref(),
                now,
            ))?;
            println!(
                "paired with {} as device {} of register {:?}; {} event(s) waiting to be pushed",
                paired.server_url,
                paired.device_id,
                paired.register_name,
                store.outbox_pending()?
            );
            Ok(())
        }
        "sync" => {
            let db = required_db(&mut args)?;
            let store =
                Arc::new(Store::open(&db).with_context(|| format!("cannot open the store at {}", db.display()))?);
            let mut pusher = ringup_sync::Pusher::new(store.clone());
            let progress = |applied: u64, cursor: u64, head: u64| {
                if head > 0 {
                    eprint!("\rpulled {applied} change(s), revision {cursor} of {head}   ");
                }
            };
            let (report, pulled) =
                runtime()?.block_on(pusher.sync_all(|| ringup_app::SystemClock.now_ms(), progress))?;
            if pulled.pages > 0 && pulled.head > 0 {
                eprintln!();
            }
            println!(
                "pushed {} event(s) in {} batch(es): {} new to the back end, {} it held already; it holds up to {}; {} waiting; \
                 pulled {} change(s), up to revision {}",
                report.sent,
                report.batches,
                report.applied,
                report.duplicates,
                report.high_seq,
                store.outbox_pending()?,
                pulled.applied,
                pulled.cursor
            );
            Ok(())
        }
        "devices" | "printer" => cli_devices::run(&command, args),
        "help" | "--help" | "-h" => {
            println!("{USAGE}{}", cli_devices::USAGE);
            Ok(())
        }
        other => bail!("unknown command {other:?}\n{USAGE}{}", cli_devices::USAGE),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

/// Opens a store and gives it the demo store's settings and tax classes if it has none yet.
fn open_with_defaults(path: &Path) -> Result<Store> {
    let store = Store::open(path).with_context(|| format!("cannot open the store at {}", path.display()))?;
    if store.tax_classes()?.is_empty() {
        let mut settings = StoreSettings::default();
        settings.header.name = "Ringup Corner Shop".into();
        settings.header.address_lines = vec!["Hauptstrasse 1".into(), "10115 Berlin".into()];
        settings.header.tax_id = "DE123456789".into();
        store.save_settings(&settings)?;
        store.upsert_tax_class(&TaxClass::new("reduced", "Reduced rate", 70_000)?)?;
        store.upsert_tax_class(&TaxClass::new("standard", "Standard rate", 190_000)?)?;
    }
    Ok(store)
}

fn demo(db: Option<PathBuf>, receipts: &Path) -> Result<()> {
    let (path, scratch) = match db {
        Some(p) => (p, None),
        None => {
            let dir = std::env::temp_dir().join(format!("ringup-demo-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            (dir.join("ringup.db"), Some(dir))
        }
    };
    let result = demo_in(&path, receipts);
    if let Some(dir) = scratch {
        // The scratch store is removed whatever happened; a kept store is named with --db.
        let _removal_is_best_effort = std::fs::remove_dir_all(dir);
    }
    result
}

/// The store's receipt logo, as the demo prints it.
const LOGO_PNG: &[u8] = include_bytes!("../../../assets/logo.png");

/// Opens the drawer (the sale took cash) and prints the queued receipt through the ESC/POS
/// driver to the simulated printer, which writes it to `dir` as PNG, text and bytes. Returns
/// the text the printer read.
async fn print_on_the_simulated_printer(store: &Arc<Store>, receipt: &Receipt, dir: &Path) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let sim = SimPrinter::new(SimPrinterConfig { out_dir: Some(dir.to_path_buf()), ..SimPrinterConfig::default() });
    let mut printer = EscPosPrinter::new(InProcessPrinter { sim: sim.clone() }, PrinterConfig::default());
    if ringup_app::printing::takes_cash(receipt) {
        let drawer = ringup_app::printing::open_drawer(&mut printer).await?;
        let open = drawer.is_some_and(|s| s.drawer_open);
        println!("  cash drawer: {}", if open { "opened" } else { "did NOT open" });
    }
    let logo = Bitmap::from_png(LOGO_PNG, Paper::Mm80.width_dots()).context("the receipt logo")?;
    let worker = PrintWorker::start(store.clone(), Arc::new(SystemClock), "R1", Paper::Mm80, Some(logo))?;
    let run = worker.run_once(&mut printer).await?;
    if let Some(problem) = run.problem {
        bail!("the receipt did not print: {problem}");
    }
    let printed = sim.complete_receipts();
    let last = printed.last().context("the simulated printer printed nothing")?;
    let stem = format!("{:04}", printed.len());
    let png = dir.join(format!("{stem}.png"));
    // The PNG is rendered off the printer's line; it is written last, so wait for it.
    for _ in 0..500 {
        if png.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    println!("  receipt printed by the simulated printer: {} (and .txt, .bin)", png.display());
    Ok(last.text())
}

fn demo_in(path: &Path, receipts: &Path) -> Result<()> {
    let store = Arc::new(open_with_defaults(path)?);
    let report = store.import_catalog_csv(SAMPLE_CATALOG.as_bytes()).context("sample catalog")?;
    println!("Store {} — sample catalog: {} items", path.display(), report.rows);
    let mut register = Register::open(store.clone(), "R1", "Anna", Arc::new(SystemClock), Arc::new(UuidV7))?;
    for code in ["4012345000016", "0036000291452", "4012345000030", "2800042007429", "2100101004599", "BAG-PAPER"] {
        let rung = register.scan(code)?;
        println!("  scan {code:<14} → line {} {} ({} milli)", rung.line_no, rung.name, rung.quantity_milli);
    }
    register.set_line_discount(4, Some(Discount::Percent { bp: 1000 }), None)?;
    println!("  10 % off line 4");
    let totals = register.begin_tender()?;
    let currency = store.settings()?.currency;
    println!("  total {}", currency.format_minor(totals.total_minor()));
    // The card part goes through the real ZVT driver to the simulated terminal (serial framing
    // over an in-memory line); the attempt is on disk before the terminal hears of it.
    let sim = SimTerminal::new(SimConfig::default());
    let mut terminal =
        ZvtTerminal::new(InProcess { sim, framing: Framing::Serial }, Framing::Serial, ZvtConfig::default());
    let (events, mut shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let paid = runtime.block_on(async {
        let paying = register.pay_card(&mut terminal, 2000, &events);
        let paid = paying.await;
        while let Ok(CardEvent::Display(text)) = shown.try_recv() {
            println!("  card terminal: {text}");
        }
        paid
    })?;
    match paid {
        CardPayment::Approved { remaining_minor, receipt } => println!(
            "  card {} approved for 20.00 (trace {}), {} left",
            receipt.masked_pan,
            receipt.trace_no,
            currency.format_minor(remaining_minor)
        ),
        other => bail!("the demo card payment was not approved: {other:?}"),
    }
    println!("  paying the rest with 20.00 cash");
    let remaining = register.pay_cash(2000)?;
    if remaining != 0 {
        bail!("the demo sale is not paid: {remaining} still owed");
    }
    let done = register.complete()?;
    println!("  committed as receipt {} (journal entry {})", done.committed.receipt_no, done.committed.journal_seq);
    let text = runtime.block_on(print_on_the_simulated_printer(&store, &done.receipt, receipts))?;
    println!();
    print!("{text}");
    let entries = store.verify_journal("R1")?;
    println!("\njournal of register R1: {entries} entries, chain intact");
    Ok(())
}

//! The store's benchmarks. Each figure is printed beside its limit, measured in the same run
//! where the limit is a property of this machine (the fsync of this disk), as a ratio.
//!
//! `cargo xtask bench [--items N]` runs it in full (1 000 000 items by default; the catalog is
//! generated once and cached under target/bench-data). Under `cargo test` (no `--bench`
//! argument) it runs a small smoke pass so that a broken benchmark is caught by the tests.
#![allow(clippy::float_arithmetic)] // durations are reported as floats; no money is involved.

use ringup_domain::cart::{QTY_ONE, Sale};
use ringup_domain::tender::CashRounding;
use ringup_store::{Store, generate_catalog, import::synthetic_ean13};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;

struct Mode {
    items: u64,
    /// Sales in the day the Z report closes.
    day_sales: u64,
    lookups: usize,
    searches: usize,
    commits: usize,
    opens: usize,
    full: bool,
}

fn mode() -> Mode {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let items = args.iter().position(|a| a == "--items").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok());
    if full {
        Mode {
            items: items.unwrap_or(1_000_000),
            day_sales: 200_000,
            lookups: 20_000,
            searches: 2_000,
            commits: 300,
            opens: 20,
            full,
        }
    } else {
        Mode { items: items.unwrap_or(2_000), day_sales: 500, lookups: 500, searches: 100, commits: 20, opens: 3, full }
    }
}

/// A deterministic stream of indices, so every run asks for the same items.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    let index = (samples.len() * p / 100).min(samples.len().saturating_sub(1));
    samples[index]
}

fn catalog_path(items: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    dir.join(format!("catalog-{items}-v3.db"))
}

fn prepared_catalog(items: u64) -> PathBuf {
    let path = catalog_path(items);
    let ready = path.with_extension("ready");
    if !ready.exists() {
        for suffix in ["", "-wal", "-shm"] {
            let _absent_is_fine = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        eprintln!("generating a {items}-item catalog (once; cached at {})", path.display());
        let store = Store::open(&path).expect("open catalog");
        let started = Instant::now();
        generate_catalog(&store, items, 42, |done| eprint!("\r  {done} / {items}")).expect("generate");
        eprintln!("\r  {items} items in {:.1?}", started.elapsed());
        store.ensure_register("BENCH", "bench").expect("register");
        std::fs::write(&ready, b"ok").expect("mark ready");
    }
    path
}

struct Row {
    name: String,
    figure: Duration,
    limit: Duration,
    note: String,
}

fn main() {
    let m = mode();
    let path = prepared_catalog(m.items);
    let mut rows = Vec::new();

    // Opening the store until the first scan is served.
    let mut opens = Vec::new();
    for i in 0..m.opens {
        let started = Instant::now();
        let store = Store::open(&path).expect("open");
        let hit = store.find_by_barcode(&synthetic_ean13(1 + (i as u64 * 7919) % m.items)).expect("lookup");
        opens.push(started.elapsed());
        assert!(hit.is_some(), "the first scan must find its item");
    }
    let worst_open = opens.iter().copied().max().unwrap_or_default();
    rows.push(Row {
        name: format!("open store ({} items) → first scan, worst of {}", m.items, m.opens),
        figure: worst_open,
        limit: Duration::from_millis(200),
        note: format!("median {:.2?}", percentile(&mut opens, 50)),
    });

    let store = Store::open(&path).expect("open");
    let mut rng = Lcg(7);

    let mut lookups = Vec::with_capacity(m.lookups);
    for _ in 0..m.lookups {
        let code = synthetic_ean13(1 + rng.below(m.items));
        let started = Instant::now();
        let hit = store.find_by_barcode(&code).expect("lookup");
        lookups.push(started.elapsed());
        assert!(hit.is_some(), "every synthetic barcode exists");
    }
    let median = percentile(&mut lookups, 50);
    rows.push(Row {
        name: format!("barcode lookup p99 ({} lookups)", m.lookups),
        figure: percentile(&mut lookups, 99),
        limit: Duration::from_micros(100),
        note: format!("median {median:.2?}"),
    });

    let prefixes = [
        "cof", "mil", "cro", "app", "wat", "che", "yog", "bre", "pas", "tom", "cho", "tea", "but", "ric", "oli", "hon",
        "sal", "mue", "jui", "org", "fre", "cla", "pre", "spi",
    ];
    let mut searches = Vec::with_capacity(m.searches);
    let mut total_hits = 0;
    for i in 0..m.searches {
        let q = prefixes[i % prefixes.len()];
        let started = Instant::now();
        let hits = store.search(q, 20).expect("search");
        searches.push(started.elapsed());
        total_hits += hits.len();
    }
    assert!(total_hits > 0, "the searches must find something, or they measure nothing");
    let median = percentile(&mut searches, 50);
    rows.push(Row {
        name: format!("name search, 3-letter prefix, 20 hits, p99 ({} queries)", m.searches),
        figure: percentile(&mut searches, 99),
        limit: Duration::from_millis(5),
        note: format!("median {median:.2?}, {:.1} hits/query", total_hits as f64 / m.searches as f64),
    });

    // Sale commit against a raw 4 KiB write + fsync in the same directory, interleaved one by
    // one so both see the same disk and the same background load.
    let dir = path.parent().expect("bench dir");
    let mut probe = FsyncProbe::new(dir);
    // Warm-up: a till that has been selling all day has a WAL file at its working size; the
    // first commits after opening also grow the file, which is not what a sale costs.
    for _ in 0..m.commits / 2 {
        let sale = five_line_sale(&store, &mut rng, m.items);
        store.commit_sale("BENCH", &sale, "bench", 1_700_000_000_000).expect("warm-up commit");
    }
    let mut fsyncs = Vec::with_capacity(m.commits);
    let mut commits = Vec::with_capacity(m.commits);
    for _ in 0..m.commits {
        fsyncs.push(probe.sample());
        let sale = five_line_sale(&store, &mut rng, m.items);
        let started = Instant::now();
        let c = store.commit_sale("BENCH", &sale, "bench", 1_700_000_000_000).expect("commit");
        commits.push(started.elapsed());
        assert!(!c.replayed);
    }
    let fsync = percentile(&mut fsyncs, 50);
    let median = percentile(&mut commits, 50);
    rows.push(Row {
        name: format!("sale commit (5 lines, 1 tender, journal, outbox), median of {}", m.commits),
        figure: median,
        limit: fsync.mul_f64(1.5),
        note: format!(
            "commit = {:.2} × a 4 KiB write+fsync ({fsync:.2?}, interleaved); p99 {:.2?}; after {} warm-up commits",
            median.as_secs_f64() / fsync.as_secs_f64().max(1e-12),
            percentile(&mut commits, 99),
            m.commits / 2
        ),
    });

    rows.extend(z_report(&m));
    print_table(&rows, &m);
}

/// A store holding one open day of `sales` two-line sales (cash, some by card): built once
/// through the real commit path and cached. It is built in /dev/shm where there is one (each
/// commit's fsync is then free: 200 000 synced commits would take the better part of an
/// hour), then copied beside the catalog.
fn prepared_day(sales: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    let path = dir.join(format!("day-{sales}-v1.db"));
    let ready = path.with_extension("ready");
    if ready.exists() {
        return path;
    }
    let shm = Path::new("/dev/shm");
    let build_dir = if shm.is_dir() { shm.to_path_buf() } else { dir.clone() };
    let building = build_dir.join(format!("ringup-day-{sales}-building.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _absent_is_fine = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    eprintln!("generating a day of {sales} sales (once; cached at {})", path.display());
    let started = Instant::now();
    {
        let store = Store::open(&building).expect("open day");
        generate_catalog(&store, 5_000, 42, |_| {}).expect("catalog");
        store.ensure_register("BENCH", "bench").expect("register");
        let mut rng = Lcg(11);
        let day_start = 1_700_000_000_000;
        for n in 0..sales {
            let mut sale =
                Sale::new(Uuid::now_v7(), ringup_domain::Currency::EUR, ringup_domain::tax::PricingMode::TaxInclusive);
            for _ in 0..2 {
                let code = synthetic_ean13(1 + rng.below(5_000));
                let product = store.find_by_barcode(&code).expect("lookup").expect("exists");
                sale.add_item(product.to_catalog_item(), QTY_ONE).expect("add");
            }
            sale.begin_tender().expect("tender");
            let due = sale.cash_due_minor(CashRounding::NONE).expect("due");
            sale.add_cash(Uuid::now_v7(), due, CashRounding::NONE).expect("cash");
            sale.complete().expect("complete");
            // Spread over 14 opening hours.
            let at = day_start + i64::try_from(n).expect("fits") * 14 * 3_600_000 / i64::try_from(sales).expect("fits");
            store.commit_sale("BENCH", &sale, ["anna", "ben", "cem"][(n % 3) as usize], at).expect("commit");
            if n % 10_000 == 0 {
                eprint!("\r  {n} / {sales}");
            }
        }
    }
    std::fs::copy(&building, &path).expect("copy the day");
    for suffix in ["", "-wal", "-shm"] {
        let _absent_is_fine = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    eprintln!("\r  {sales} sales in {:.1?}", started.elapsed());
    std::fs::write(&ready, b"ok").expect("mark ready");
    path
}

/// The X report and the Z (the day closed, journaled and synced to disk) over a day of
/// `m.day_sales` sales, each on a fresh copy of the day. Both read the totals kept at commit;
/// the cost that moves into every commit is in the commit figure above.
fn z_report(m: &Mode) -> Vec<Row> {
    let day = prepared_day(m.day_sales);
    let run = day.with_file_name("day-run.db");
    let runs = if m.full { 5 } else { 2 };
    let (mut xs, mut zs) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        for suffix in ["", "-wal", "-shm"] {
            let _absent_is_fine = std::fs::remove_file(format!("{}{suffix}", run.display()));
        }
        std::fs::copy(&day, &run).expect("a fresh copy of the day");
        let store = Store::open(&run).expect("open the day");
        let started = Instant::now();
        let x = store.x_report("BENCH", 1_700_100_000_000).expect("X");
        xs.push(started.elapsed());
        let started = Instant::now();
        let z = store.close_day("BENCH", Uuid::now_v7(), ("bench", None), None, 1_700_100_000_000).expect("Z");
        zs.push(started.elapsed());
        assert_eq!(z.totals.sales.count, m.day_sales, "the Z must cover every sale of the day");
        assert_eq!(x.totals, z.totals, "the X just before the Z says the same");
        assert_eq!(z.totals.by_hour.values().map(|h| h.count).sum::<u64>(), m.day_sales);
    }
    let _cleanup_is_best_effort = std::fs::remove_file(&run);
    let x_median = percentile(&mut xs, 50);
    vec![Row {
        name: format!("Z report over a day of {} sales (close, journal, fsync), median of {runs}", m.day_sales),
        figure: percentile(&mut zs, 50),
        limit: Duration::from_millis(100),
        note: format!("X report {x_median:.2?}; totals are kept at each commit"),
    }]
}

fn five_line_sale(store: &Store, rng: &mut Lcg, items: u64) -> Sale {
    let mut sale =
        Sale::new(Uuid::now_v7(), ringup_domain::Currency::EUR, ringup_domain::tax::PricingMode::TaxInclusive);
    for _ in 0..5 {
        let product = store.find_by_barcode(&synthetic_ean13(1 + rng.below(items))).expect("lookup").expect("exists");
        sale.add_item(product.to_catalog_item(), QTY_ONE).expect("add");
    }
    sale.begin_tender().expect("tender");
    let due = sale.cash_due_minor(CashRounding::NONE).expect("due");
    sale.add_cash(Uuid::now_v7(), due + 1000, CashRounding::NONE).expect("cash");
    sale.complete().expect("complete");
    sale
}

/// A 4 KiB block written in place and fsynced: the least a durable commit can cost here.
struct FsyncProbe {
    path: PathBuf,
    file: std::fs::File,
    n: u64,
}

impl FsyncProbe {
    fn new(dir: &Path) -> FsyncProbe {
        let path = dir.join("fsync-probe.bin");
        let file = std::fs::File::create(&path).expect("probe file");
        FsyncProbe { path, file, n: 0 }
    }

    fn sample(&mut self) -> Duration {
        let block = [0x5au8; 4096];
        let started = Instant::now();
        self.file.seek(SeekFrom::Start((self.n % 64) * 4096)).expect("seek");
        self.file.write_all(&block).expect("write");
        self.file.sync_all().expect("fsync");
        self.n += 1;
        started.elapsed()
    }
}

impl Drop for FsyncProbe {
    fn drop(&mut self) {
        let _probe_removal_is_best_effort = std::fs::remove_file(&self.path);
    }
}

fn print_table(rows: &[Row], m: &Mode) {
    let kind = if m.full { "full run" } else { "smoke run (cargo test); `cargo xtask bench` for the real figures" };
    println!("\nringup-store benchmarks — {kind}");
    println!("{:<72} {:>11} {:>11} {:>7}", "benchmark", "figure", "limit", "ratio");
    for r in rows {
        let ratio = r.figure.as_secs_f64() / r.limit.as_secs_f64().max(1e-12);
        let verdict = if ratio <= 1.0 { "ok" } else { "OVER" };
        println!(
            "{:<72} {:>11} {:>11} {:>6.2}×  {verdict}  ({})",
            r.name,
            format!("{:.2?}", r.figure),
            format!("{:.2?}", r.limit),
            ratio,
            r.note
        );
    }
}

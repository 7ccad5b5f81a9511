//! The sync campaign: three tills ringing up 2 000 sales each and the online shop posting 500
//! stock movements, all through a proxy that delays, drops answers, resets connections half-way,
//! sends requests twice and loses them, while the back end is restarted again and again. At the
//! end the back end's totals equal the sum of the tills' own, stock is the exact count on the
//! server and on every till, and no event is missing or counted twice. The seed is printed;
//! RINGUP_CHAOS_SEED repeats a run. A third run starts the back end as its own process and
//! stops it with SIGKILL instead, in the middle of whatever batch it is applying.
//!
//! `cargo xtask chaos sync` runs the same campaigns bigger: `RINGUP_CHAOS_TILLS` tills of
//! `RINGUP_CHAOS_SALES` sales each.

use crate::chaos_proxy::{ChaosProxy, Rng};
use crate::support::shop;
use ringup_app::demo::SAMPLE_CATALOG;
use ringup_server::{AppState, Db};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const NOW: i64 = 1_795_000_000_000;
const TILLS: usize = 3;
const SALES_PER_TILL: usize = 2_000;
/// The back end killed with SIGKILL is started fresh each time, which takes longer than a
/// restart in the same process: that campaign is smaller in the test suite.
const SALES_PER_TILL_KILLED: usize = 1_000;
const ONLINE_MOVES: usize = 500;
/// Items sold by the piece (no weight, no age check), as (SKU, barcode).
const ITEMS: &[(&str, &str)] = &[
    ("COF-1KG", "4012345000016"),
    ("COF-250", "4012345000023"),
    ("MILK-1L", "4012345000030"),
    ("MILK-OAT", "4012345000047"),
    ("BUT-250", "4012345000054"),
    ("YOG-500", "4012345000061"),
    ("CHE-GOU", "4012345000078"),
    ("CRO-1", "4012345000085"),
    ("BRD-RYE", "4012345000092"),
    ("BRD-BAG", "4012345000108"),
    ("WAT-6X15", "4012345000115"),
    ("JUI-ORA", "4012345000122"),
    ("COLA-033", "4012345000139"),
    ("TEA-GRN", "4012345000160"),
    ("CHOC-DRK", "4012345000177"),
    ("PAS-SPA", "4012345000191"),
];

fn seed() -> u64 {
    std::env::var("RINGUP_CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        u64::try_from(t.as_nanos() % u128::from(u64::MAX)).unwrap_or(7)
    })
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// How the back end is stopped and started again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// In this process: its task aborted and its connection pool closed.
    Restart,
    /// `ringup-server serve` as a process of its own, killed with SIGKILL.
    Kill9,
}

/// The `ringup-server` binary cargo built beside this test binary.
fn server_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let dir = exe.parent().and_then(std::path::Path::parent).expect("target/<profile>");
    let bin = dir.join("ringup-server");
    assert!(bin.exists(), "{} is missing: build it first (cargo build -p ringup-server)", bin.display());
    bin
}

/// The back end on a fixed port, restarted with a new connection pool each time.
struct BackEnd {
    url: String,
    port: u16,
    stop: Stop,
    serving: Option<(tokio::task::JoinHandle<()>, Db)>,
    process: Option<std::process::Child>,
}

impl Drop for BackEnd {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _already_gone = process.kill();
            let _reaped = process.wait();
        }
    }
}

impl BackEnd {
    async fn start(url: &str, stop: Stop) -> BackEnd {
        let port = match stop {
            Stop::Restart => 0,
            // A process cannot tell this one which port it got: pick a free one here.
            Stop::Kill9 => {
                std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port()
            }
        };
        let mut b = BackEnd { url: url.to_string(), port, stop, serving: None, process: None };
        b.restart().await;
        b
    }

    async fn restart(&mut self) {
        if self.stop == Stop::Kill9 {
            return self.kill_and_start().await;
        }
        if let Some((serving, db)) = self.serving.take() {
            serving.abort();
            let _ = serving.await;
            // Requests still on the way lose their database, as in a real stop.
            db.pool.close().await;
        }
        let db = Db::connect(&self.url).await.expect("server database");
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        self.port = listener.local_addr().expect("addr").port();
        let state = AppState { db: db.clone(), clock: Arc::new(|| NOW) };
        let serving = tokio::spawn(async move {
            let _ = ringup_server::serve(listener, state).await;
        });
        self.serving = Some((serving, db));
    }

    /// SIGKILL, whatever the server is doing, then a new process on the same port; returns
    /// once it answers.
    async fn kill_and_start(&mut self) {
        if let Some(mut old) = self.process.take() {
            old.kill().expect("SIGKILL the back end");
            old.wait().expect("reap the back end");
        }
        let addr = format!("127.0.0.1:{}", self.port);
        let child = std::process::Command::new(server_binary())
            .args(["--db", &self.url, "serve", "--listen", &addr])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start ringup-server");
        self.process = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            assert!(Instant::now() < deadline, "ringup-server did not listen on {addr} within 20 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_tills_and_the_online_shop_through_faults_and_restarts_lose_and_double_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    campaign(format!("sqlite://{}", dir.path().join("server.db").display()), Stop::Restart).await;
}

/// The back end as a process of its own, killed with SIGKILL every 0.7 s: a batch half
/// applied is rolled back by the database, never half kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_back_end_killed_with_sigkill_mid_batch_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    campaign(format!("sqlite://{}", dir.path().join("server.db").display()), Stop::Kill9).await;
}

/// The same on PostgreSQL (127.0.0.1:5432, database `test`, or $RINGUP_TEST_POSTGRES), in a
/// schema of its own: where the three tills' pushes really run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_campaign_on_postgresql_loses_and_doubles_nothing_either() {
    let base =
        std::env::var("RINGUP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("chaos_{}", uuid::Uuid::now_v7().simple());
    let admin = Db::connect_unmigrated(&base)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {base} is needed for this test and cannot be reached: {e}"));
    admin.execute_raw(&format!("CREATE SCHEMA {schema}")).await.expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    campaign(format!("{base}{sep}options=-c%20search_path%3D{schema}"), Stop::Restart).await;
    admin.execute_raw(&format!("DROP SCHEMA {schema} CASCADE")).await.expect("drop schema");
}

async fn campaign(url: String, stop: Stop) {
    let seed = seed();
    let tills = setting("RINGUP_CHAOS_TILLS", TILLS);
    let default_sales = if stop == Stop::Kill9 { SALES_PER_TILL_KILLED } else { SALES_PER_TILL };
    let sales_per_till = setting("RINGUP_CHAOS_SALES", default_sales);
    let how = if stop == Stop::Kill9 { "SIGKILLs" } else { "restarts" };
    eprintln!(
        "sync chaos campaign: seed {seed} (RINGUP_CHAOS_SEED={seed} repeats it) on {}, {tills} tills of \
         {sales_per_till} sales, back-end {how} every 0.7 s",
        &url[..8]
    );
    let started = Instant::now();
    let db = Db::connect(&url).await.expect("db");
    let store_id = db.create_store("Corner shop", NOW).await.expect("store");
    db.set_tax_class(store_id, "reduced", "Reduced", 70_000).await.expect("class");
    db.set_tax_class(store_id, "standard", "Standard", 190_000).await.expect("class");
    db.import_catalog_csv(store_id, SAMPLE_CATALOG.as_bytes(), |_, _| {}).await.expect("catalog");
    let (_, online) = db.create_channel(store_id, "Online shop", NOW).await.expect("channel");
    let mut back_end = BackEnd::start(&url, stop).await;
    let proxy = Arc::new(ChaosProxy::start(format!("127.0.0.1:{}", back_end.port), seed).await);

    // Pairing goes through the faults too: a lost answer is asked again by the till itself;
    // when every try fails, the technician makes a new code (as at a real till).
    let shops: Vec<_> = (0..tills).map(|_| shop()).collect();
    let mut registers = Vec::new();
    for (i, s) in shops.iter().enumerate() {
        let register = db.create_register(store_id, &format!("Till {}", i + 1), NOW).await.expect("register");
        let mut codes = 0;
        loop {
            // A back end of its own process checks the code against the real clock.
            let made = match stop {
                Stop::Restart => NOW,
                Stop::Kill9 => i64::try_from(
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis(),
                )
                .expect("ms"),
            };
            let code = db.create_pairing_code(register, made).await.expect("code");
            codes += 1;
            match ringup_sync::pair(&s.store, &proxy.url, &code, None, NOW).await {
                Ok(_) => break,
                Err(e) => assert!(codes < 10 && e.retryable(), "pairing failed for good: {e}"),
            }
        }
        registers.push(register);
    }
    let done = Arc::new(AtomicBool::new(false));
    let failed_rounds = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    let mut expected: BTreeMap<&str, i64> = BTreeMap::new();
    let mut lines_sold = 0u64;
    // Each till: sell a few, sync (which may fail), again, until its 2 000 are rung up.
    for (i, s) in shops.iter().enumerate() {
        let store = Arc::clone(&s.store);
        let mut register = s.register(&format!("R{}", i + 1), 1000 + i as u64);
        let mut rng = Rng::new(seed ^ (0xA5A5 + i as u64));
        // The sales are planned up front so the test knows what they sell.
        let mut plan: Vec<Vec<usize>> = Vec::new();
        for _ in 0..sales_per_till {
            let first = rng.below(ITEMS.len() as u64) as usize;
            let mut sale = vec![first];
            if rng.below(3) == 0 {
                sale.push((first + 1 + rng.below(ITEMS.len() as u64 - 1) as usize) % ITEMS.len());
            }
            for &k in &sale {
                *expected.entry(ITEMS[k].0).or_insert(0) -= 1_000;
                lines_sold += 1;
            }
            plan.push(sale);
        }
        let failed = Arc::clone(&failed_rounds);
        workers.push(tokio::spawn(async move {
            let mut pusher = ringup_sync::Pusher::new(Arc::clone(&store)).with_batch(50).with_page(200);
            let mut next = 0;
            while next < plan.len() {
                let n = (1 + rng.below(60) as usize).min(plan.len() - next);
                let sales: Vec<Vec<usize>> = plan[next..next + n].to_vec();
                next += n;
                register = tokio::task::spawn_blocking(move || {
                    for sale in sales {
                        for k in sale {
                            register.scan(ITEMS[k].1).expect("scan");
                        }
                        register.begin_tender().expect("tender");
                        register.pay_cash(100_000).expect("cash");
                        register.complete().expect("complete");
                    }
                    register
                })
                .await
                .expect("selling");
                if pusher.sync_all(|| NOW, |_, _, _| {}).await.is_err() {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    // The online shop: 500 movements, each retried with its key until the back end answers.
    let mut rng = Rng::new(seed ^ 0x000D_110E);
    let mut online_moves = Vec::new();
    for k in 0..ONLINE_MOVES {
        let sku = ITEMS[rng.below(ITEMS.len() as u64) as usize].0;
        let delta =
            if rng.below(4) == 0 { 1_000 * (1 + rng.below(20) as i64) } else { -1_000 * (1 + rng.below(3) as i64) };
        *expected.entry(sku).or_insert(0) += delta;
        online_moves.push((format!("order-{k}"), sku, delta));
    }
    let (proxy_url, token) = (proxy.url.clone(), online.clone());
    workers.push(tokio::spawn(async move {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
        for (key, sku, delta) in online_moves {
            let body = serde_json::json!({ "key": key, "sku": sku, "delta_milli": delta, "reason": "online_order" });
            loop {
                let sent =
                    http.post(format!("{proxy_url}/v1/stock/movements")).bearer_auth(&token).json(&body).send().await;
                match sent {
                    Ok(r) if r.status().is_success() => break,
                    Ok(r) => assert!(r.status().as_u16() >= 500, "the back end refused {key}: {}", r.status()),
                    Err(_) => {}
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }));
    // The back end restarts (or is killed) every 0.7 s while the others work.
    let mut restarts = 0;
    while !workers.iter().all(|w| w.is_finished()) {
        tokio::time::sleep(Duration::from_millis(700)).await;
        back_end.restart().await;
        restarts += 1;
    }
    for w in workers {
        w.await.expect("worker");
    }
    done.store(true, Ordering::SeqCst);

    // Calm: everything drains; two full rounds so every till pulls what the others pushed last.
    proxy.set_faults(false);
    for _ in 0..2 {
        for s in &shops {
            let mut pusher = ringup_sync::Pusher::new(Arc::clone(&s.store));
            let mut tries = 0;
            while let Err(e) = pusher.sync_all(|| NOW, |_, _, _| {}).await {
                tries += 1;
                assert!(tries < 20, "a till cannot finish its sync: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    // Nothing lost, nothing twice: every event each till made is held once.
    let mut made_total = 0;
    let mut till_turnover = 0;
    for (i, s) in shops.iter().enumerate() {
        let device = s.store.pairing().expect("pairing").expect("paired").device_id;
        let (pushed, made) = s.store.device_sequences(device).expect("sequences");
        assert_eq!((pushed, s.store.outbox_pending().expect("pending")), (made, 0));
        made_total += made;
        let journal = s.store.journal(&format!("R{}", i + 1)).expect("journal");
        till_turnover += journal.last().map_or(0, |e| e.data.grand_total_minor);
    }
    assert_eq!(db.event_count(store_id).await.expect("events"), made_total, "every event once");
    let turnover = db.turnover(store_id).await.expect("turnover");
    assert_eq!(turnover.len(), 1);
    assert_eq!(turnover[0].turnover_minor, till_turnover, "the back end's turnover is the tills' own");
    for register in &registers {
        assert!(db.journal_breaks(*register).await.expect("breaks").is_empty(), "no chain broke on the way");
    }
    // Stock: the exact count, on the server and on every till.
    assert_eq!(db.movement_count(store_id).await.expect("movements"), lines_sold + ONLINE_MOVES as u64);
    for (sku, milli) in &expected {
        assert_eq!(db.stock_milli(store_id, sku).await.expect("stock"), *milli, "{sku} on the back end");
        for (i, s) in shops.iter().enumerate() {
            assert_eq!(s.store.stock_milli(sku).expect("stock"), *milli, "{sku} on till {}", i + 1);
        }
    }
    let counts = proxy.counts.lock().expect("counts").clone();
    eprintln!(
        "sync chaos campaign: seed {seed}; {} requests, faults {counts:?}; {restarts} {how}; {} failed sync rounds; \
         {made_total} events, {lines_sold} lines, {ONLINE_MOVES} online movements; {:.1} s",
        proxy.requests.load(Ordering::SeqCst),
        failed_rounds.load(Ordering::SeqCst),
        started.elapsed().as_secs_f64()
    );
    assert!(restarts > 0 && counts.iter().filter(|(_, n)| *n > 0).count() == counts.len(), "every fault happened");
}

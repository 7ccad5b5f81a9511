//! Draining a till's queue to the back end: 100 000 queued sales pushed over loopback HTTP to a
//! `ringup-server` on SQLite and on PostgreSQL, in the sync task's own batches, each answer
//! awaited before the next batch (as the till does). Printed as sales/s beside the floor of
//! 2 000 sales/s.
//!
//! `cargo xtask bench` runs it in full (and with `--sales N` for 1 000 and 10 000 too); each
//! queue is built once through the store's real commit path and cached under
//! target/bench-data. Under `cargo test` it runs a small smoke pass.
#![allow(clippy::float_arithmetic)] // rates are reported as floats; no money is involved.

mod support;

use ringup_server::Db;

use ringup_sync::Pusher;
use std::path::Path;
use std::time::Instant;
use support::{bench_data, paired_till, queued_store, remove_db, serve};
use uuid::Uuid;

const FLOOR_PER_S: f64 = 2_000.0;
const NOW: i64 = 1_795_000_000_000;

/// Pushes a fresh copy of the queue to a fresh server on `url`; returns sales per second.
async fn drain(queue: &Path, sales: u64, server_url: &str, work: &Path) -> f64 {
    let db = Db::connect(server_url).await.expect("server database");
    let (url, server) = serve(&db).await;
    let store_id = db.create_store("Bench shop", NOW).await.expect("store");
    let till = work.join("till.db");
    remove_db(&till);
    std::fs::copy(queue, &till).expect("copy the queue");
    let (store, _) = paired_till(&db, store_id, "Till 1", &url, &till).await;
    let started = Instant::now();
    let report = Pusher::new(store.clone()).push_all(|| NOW).await.expect("drain");
    let elapsed = started.elapsed();
    assert_eq!((report.applied, report.high_seq), (sales, sales), "every sale arrives once");
    assert_eq!(store.outbox_pending().expect("pending"), 0);
    let turnover = db.turnover(store_id).await.expect("turnover");
    let till_total = store.journal("R1").expect("journal").last().map_or(0, |e| e.data.grand_total_minor);
    assert_eq!((turnover[0].entries, turnover[0].turnover_minor), (sales, till_total));
    server.abort();
    sales as f64 / elapsed.as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    // `--sales N`: another queue length, for how the drain grows with it (`cargo xtask bench`).
    let asked = args.iter().position(|a| a == "--sales").and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok());
    let sales = asked.unwrap_or(if full { 100_000 } else { 300 });
    let queue = queued_store(sales, 0);
    let work = tempfile::tempdir_in(bench_data()).expect("work dir");
    let postgres =
        std::env::var("RINGUP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let kind = if full { "full run" } else { "smoke run (cargo test); `cargo xtask bench` for the real figures" };
    println!("\nringup-sync drain benchmark — {kind}");
    runtime.block_on(async {
        let sqlite_url = format!("sqlite://{}", work.path().join("server.db").display());
        let schema = format!("bench_{}", Uuid::now_v7().simple());
        let admin = Db::connect_unmigrated(&postgres).await.expect("PostgreSQL is needed for this benchmark");
        admin.execute_raw(&format!("CREATE SCHEMA {schema}")).await.expect("schema");
        let pg_url = format!("{postgres}?options=-c%20search_path%3D{schema}");
        for (name, url) in [("SQLite", sqlite_url), ("PostgreSQL", pg_url)] {
            let rate = drain(&queue, sales, &url, work.path()).await;
            let verdict = if rate >= FLOOR_PER_S { "ok" } else { "UNDER" };
            println!(
                "drain {sales} queued sales to the back end on {name:<10} {rate:>9.0} sales/s / floor {FLOOR_PER_S:.0} sales/s = {:.2}× the floor  {verdict}",
                rate / FLOOR_PER_S
            );
        }
        admin.execute_raw(&format!("DROP SCHEMA {schema} CASCADE")).await.expect("drop schema");
    });
}

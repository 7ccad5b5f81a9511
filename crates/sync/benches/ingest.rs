//! Ingest under load: 20 tills of one store pushing their queues to one `ringup-server` at the
//! same time over loopback HTTP, each in the sync task's batches of 200, each answer awaited
//! before its next batch. Printed: sales/s for the whole store, and the 99th percentile of a
//! batch's round trip, for SQLite and for PostgreSQL.
//!
//! `cargo xtask bench` runs it in full (20 × 5 000 sales); the queues are built once through the
//! store's real commit path and cached under target/bench-data. Under `cargo test` it runs a
//! small smoke pass.
#![allow(clippy::float_arithmetic)] // rates and times are reported as floats; no money is involved.

mod support;

use ringup_protocol::Event;
use ringup_server::Db;
use ringup_store::Store;
use ringup_sync::Client;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{bench_data, paired_till, queued_store, remove_db, serve};
use uuid::Uuid;

const TERMINALS: u32 = 20;
const BATCH: usize = 200;
const NOW: i64 = 1_795_000_000_000;

/// Pushes one till's whole queue; returns each batch's round trip.
async fn push_queue(store: Arc<Store>, client: Client, device: Uuid, token: String) -> Vec<Duration> {
    let mut times = Vec::new();
    let mut high = 0;
    loop {
        let s = Arc::clone(&store);
        let events = tokio::task::spawn_blocking(move || s.outbox_after(device, high, BATCH))
            .await
            .expect("task")
            .expect("outbox");
        if events.is_empty() {
            return times;
        }
        let wire: Vec<Event> = events.into_iter().map(ringup_sync::event_of).collect();
        let started = Instant::now();
        let answer = client.push(&token, wire).await.expect("push");
        times.push(started.elapsed());
        high = answer.high_seq;
        let s = Arc::clone(&store);
        tokio::task::spawn_blocking(move || s.mark_pushed(device, high, NOW)).await.expect("task").expect("mark");
    }
}

/// Serves `url`, pairs a copy of each queue as a till of one store and pushes all at once.
async fn ingest(queues: &[PathBuf], sales_each: u64, url: &str, work: &Path) -> (f64, Duration) {
    let db = Db::connect(url).await.expect("server database");
    let (base, server) = serve(&db).await;
    let store_id = db.create_store("Bench shop", NOW).await.expect("store");
    let mut tills = Vec::new();
    for (i, queue) in queues.iter().enumerate() {
        let path = work.join(format!("till-{i}.db"));
        remove_db(&path);
        std::fs::copy(queue, &path).expect("copy the queue");
        let (store, paired) = paired_till(&db, store_id, &format!("Till {i}"), &base, &path).await;
        tills.push((store, paired));
    }
    let started = Instant::now();
    let tasks: Vec<_> = tills
        .iter()
        .map(|(store, paired)| {
            let client = Client::new(&base).expect("client");
            tokio::spawn(push_queue(Arc::clone(store), client, paired.device_id, paired.token.clone()))
        })
        .collect();
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await.expect("till"));
    }
    let elapsed = started.elapsed();
    let total = sales_each * queues.len() as u64;
    assert_eq!(db.event_count(store_id).await.expect("events"), total, "every sale arrives once");
    times.sort_unstable();
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    server.abort();
    (total as f64 / elapsed.as_secs_f64(), p99)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sales_each = if full { 5_000 } else { 40 };
    let terminals = if full { TERMINALS } else { 3 };
    let queues: Vec<PathBuf> = (1..=terminals).map(|t| queued_store(sales_each, t)).collect();
    let work = tempfile::tempdir_in(bench_data()).expect("work dir");
    let postgres =
        std::env::var("RINGUP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let kind = if full { "full run" } else { "smoke run (cargo test); `cargo xtask bench` for the real figures" };
    println!("\nringup-sync ingest benchmark — {kind}");
    runtime.block_on(async {
        let sqlite_url = format!("sqlite://{}", work.path().join("server.db").display());
        let schema = format!("bench_{}", Uuid::now_v7().simple());
        let admin = Db::connect_unmigrated(&postgres).await.expect("PostgreSQL is needed for this benchmark");
        admin.execute_raw(&format!("CREATE SCHEMA {schema}")).await.expect("schema");
        let pg_url = format!("{postgres}?options=-c%20search_path%3D{schema}");
        for (name, url) in [("SQLite", sqlite_url), ("PostgreSQL", pg_url)] {
            let (rate, p99) = ingest(&queues, sales_each, &url, work.path()).await;
            println!(
                "ingest: {terminals} tills × {sales_each} sales pushed at once to {name:<10} {rate:>8.0} sales/s, p99 batch of {BATCH} {:>6.1} ms",
                p99.as_secs_f64() * 1000.0
            );
        }
        admin.execute_raw(&format!("DROP SCHEMA {schema} CASCADE")).await.expect("drop schema");
    });
}

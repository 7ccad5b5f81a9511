//! A new till's first sync: a 1 000 000-item catalog pulled from a `ringup-server` (SQLite) over
//! loopback HTTP, page by page as the sync task does, each page applied in one store
//! transaction on a till store on disk. Printed in seconds beside the limit of 60 s.
//!
//! `cargo xtask bench` runs it in full; the server's catalog is imported once through the admin
//! import path and cached under target/bench-data. Under `cargo test` it runs a small smoke pass.
#![allow(clippy::float_arithmetic)] // times are reported as floats; no money is involved.

use ringup_server::Db;
use ringup_store::import::synthetic_ean13;
use ringup_sync::{Client, pull_all};
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use support::{bench_data, paired_till, remove_db, serve};

const LIMIT_S: f64 = 60.0;
const NOW: i64 = 1_795_000_000_000;
const WORDS: &[&str] = &["Organic", "Fresh", "Classic", "Premium", "Light", "Smoked", "Crunchy", "Spicy"];
const NOUNS: &[&str] = &["Coffee beans", "Milk", "Croissant", "Apples", "Water", "Cheese", "Yoghurt", "Bread"];

/// A server database whose store "Bench shop" has `items` products, imported from a CSV
/// through the same path as `ringup-server catalog import`; built once and cached.
async fn server_catalog(items: u64) -> PathBuf {
    let path = bench_data().join(format!("server-catalog-{items}-v1.db"));
    let ready = path.with_extension("ready");
    if ready.exists() {
        return path;
    }
    remove_db(&path);
    eprintln!("importing {items} items into a server catalog (once; cached at {})", path.display());
    let csv_path = path.with_extension("csv");
    {
        let mut csv = std::io::BufWriter::new(std::fs::File::create(&csv_path).expect("csv"));
        writeln!(csv, "sku,name,price,tax_class,category,barcodes").expect("write");
        for i in 1..=items {
            let (w, n) = (WORDS[(i % 8) as usize], NOUNS[(i / 8 % 8) as usize]);
            let class = if i % 3 == 0 { "standard" } else { "reduced" };
            let price = format!("{}.{:02}", i % 50, i % 100);
            writeln!(csv, "SKU{i:07},{w} {n} #{i},{price},{class},{n},{}", synthetic_ean13(i)).expect("write");
        }
        csv.flush().expect("flush");
    }
    let db = Db::connect(&format!("sqlite://{}", path.display())).await.expect("server database");
    let store = db.create_store("Bench shop", NOW).await.expect("store");
    db.set_tax_class(store, "standard", "Standard rate", 190_000).await.expect("class");
    db.set_tax_class(store, "reduced", "Reduced rate", 70_000).await.expect("class");
    let file = std::io::BufReader::new(std::fs::File::open(&csv_path).expect("csv"));
    let report = db.import_catalog_csv(store, file, |_, _| {}).await.expect("import");
    assert_eq!(report.created, items);
    db.pool.close().await;
    std::fs::remove_file(&csv_path).expect("remove csv");
    std::fs::write(&ready, b"ok").expect("mark ready");
    path
}

/// Serves a copy of the catalog, pairs a new till and pulls everything; returns seconds.
async fn first_sync(catalog: &Path, items: u64, work: &Path) -> f64 {
    let served = work.join("server.db");
    remove_db(&served);
    std::fs::copy(catalog, &served).expect("copy the server database");
    let db = Db::connect(&format!("sqlite://{}", served.display())).await.expect("server");
    let (url, server) = serve(&db).await;
    let store_id = db.store_id("Bench shop").await.expect("store");
    let till = work.join("till.db");
    remove_db(&till);
    let (store, paired) = paired_till(&db, store_id, "Till 1", &url, &till).await;
    let client = Client::new(&url).expect("client");
    let started = Instant::now();
    let mut shown = 0;
    let report = pull_all(&store, &client, paired.device_id, &paired.token, ringup_protocol::MAX_CHANGES, |n, c, h| {
        if n >= shown + 100_000 || c == h {
            shown = n;
            eprint!("\r  {n} changes applied, revision {c} of {h}   ");
        }
    })
    .await
    .expect("first sync");
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!();
    assert_eq!(report.cursor, report.head);
    assert_eq!(store.product_count().expect("count"), items, "every item arrived");
    let last = store.find_by_barcode(&synthetic_ean13(items)).expect("lookup").expect("the last item scans");
    assert_eq!(last.sku, format!("SKU{items:07}"));
    assert!(!store.search("smoked", 5).expect("search").is_empty(), "the pulled catalog is searchable");
    server.abort();
    elapsed
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let items = if full { 1_000_000 } else { 3_000 };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let kind = if full { "full run" } else { "smoke run (cargo test); `cargo xtask bench` for the real figures" };
    println!("\nringup-sync first-sync benchmark — {kind}");
    runtime.block_on(async {
        let catalog = server_catalog(items).await;
        let work = tempfile::tempdir_in(bench_data()).expect("work dir");
        let seconds = first_sync(&catalog, items, work.path()).await;
        let verdict = if seconds <= LIMIT_S { "ok" } else { "OVER" };
        println!(
            "first sync of a {items}-item catalog to a new till {seconds:>8.1} s / limit {LIMIT_S:.0} s = {:.2}× the limit  {verdict}",
            seconds / LIMIT_S
        );
    });
}

//! What the sync benchmarks share: where their cached data lives and tills with queued sales.

use ringup_domain::cart::{QTY_ONE, Sale};
use ringup_domain::tender::CashRounding;
use ringup_protocol::Paired;
use ringup_server::{AppState, Db};
use ringup_store::{NewPairing, Store, generate_catalog, import::synthetic_ean13};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

const NOW: i64 = 1_795_000_000_000;

pub fn bench_data() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    dir
}

pub fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _absent_is_fine = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A till's store with `sales` two-line cash sales queued, none pushed: built once through the
/// real commit path (in /dev/shm where there is one, where fsync is free) and cached. Each
/// `variant` is another till: its own sales under their own ids.
#[allow(dead_code)] // not every benchmark queues sales
pub fn queued_store(sales: u64, variant: u32) -> PathBuf {
    let name = if variant == 0 { format!("queue-{sales}-v1.db") } else { format!("queue-{sales}-t{variant}-v1.db") };
    let path = bench_data().join(name);
    let ready = path.with_extension("ready");
    if ready.exists() {
        return path;
    }
    let shm = Path::new("/dev/shm");
    let building = if shm.is_dir() {
        shm.join(format!("ringup-queue-{sales}-{variant}.db"))
    } else {
        path.with_extension("building")
    };
    remove_db(&building);
    eprintln!("queueing {sales} sales (once; cached at {})", path.display());
    {
        let store = Store::open(&building).expect("open");
        generate_catalog(&store, 2_000, 7, |_| {}).expect("catalog");
        store.ensure_register("R1", "till").expect("register");
        for n in 0..sales {
            let mut sale =
                Sale::new(Uuid::now_v7(), ringup_domain::Currency::EUR, ringup_domain::tax::PricingMode::TaxInclusive);
            for k in 0..2 {
                let code = synthetic_ean13(1 + (n * 7 + k * 13) % 2_000);
                let product = store.find_by_barcode(&code).expect("lookup").expect("exists");
                sale.add_item(product.to_catalog_item(), QTY_ONE).expect("add");
            }
            sale.begin_tender().expect("tender");
            let due = sale.cash_due_minor(CashRounding::NONE).expect("due");
            sale.add_cash(Uuid::now_v7(), due, CashRounding::NONE).expect("cash");
            sale.complete().expect("complete");
            store.commit_sale("R1", &sale, "anna", NOW + i64::try_from(n).expect("fits")).expect("commit");
        }
    }
    std::fs::copy(&building, &path).expect("copy");
    remove_db(&building);
    std::fs::write(&ready, b"ok").expect("mark ready");
    path
}

/// A new register `name` of `store_id`, paired as the till whose store is at `path` (a copied
/// queue, or a new file) and that reaches the back end at `url`.
pub async fn paired_till(db: &Db, store_id: Uuid, name: &str, url: &str, path: &Path) -> (Arc<Store>, Paired) {
    let register = db.create_register(store_id, name, NOW).await.expect("register");
    let code = db.create_pairing_code(register, NOW).await.expect("code");
    let paired = db.pair(&code, None, NOW).await.expect("pair");
    let store = Arc::new(Store::open(path).expect("open the till"));
    let pairing = NewPairing {
        server_url: url,
        device_id: paired.device_id,
        token: &paired.token,
        store_id,
        register_id: register,
        register_name: name,
        ca_pem: None,
    };
    store.save_pairing(&pairing, NOW).expect("pairing");
    (store, paired)
}

/// Serves `db` on a free loopback port; its URL and the serving task (abort it when done).
pub async fn serve(db: &Db) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState { db: db.clone(), clock: Arc::new(|| NOW) };
    (url, tokio::spawn(ringup_server::serve(listener, state)))
}

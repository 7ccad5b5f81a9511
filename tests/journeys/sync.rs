//! A till and the back end: pair by code, push every sale exactly once through lost answers,
//! stop when unpaired, and carry on under a new pairing without sending anything twice.

use crate::fault_proxy::FaultProxy;
use crate::support::shop;
use ringup_app::Register;
use ringup_server::{AppState, Db};
use ringup_store::Store;
use ringup_sync::{Pusher, SyncError};
use std::sync::Arc;

const NOW: i64 = 1_795_000_000_000;

fn cash_sales(reg: &mut Register, n: usize) {
    let codes = ["4012345000016", "4012345000030", "4012345000047", "4012345000023"];
    for i in 0..n {
        reg.scan(codes[i % codes.len()]).expect("scan");
        reg.begin_tender().expect("tender");
        reg.pay_cash(100_000).expect("cash");
        reg.complete().expect("complete");
    }
}

async fn server() -> (Db, String, tempfile::TempDir) {
    server_with_body_limit(ringup_protocol::MAX_BODY_BYTES).await
}

async fn server_with_body_limit(limit: usize) -> (Db, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("server.db").display())).await.expect("server db");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let state = AppState { db: db.clone(), clock: Arc::new(|| NOW) };
    tokio::spawn(async move { ringup_server::serve_with_body_limit(listener, state, limit).await.expect("serve") });
    (db, addr, dir)
}

/// The terminal's own turnover, from its journal.
fn terminal_turnover(store: &Store) -> i64 {
    store.journal("R1").expect("journal").last().map_or(0, |e| e.data.grand_total_minor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sale_reaches_the_back_end_once_through_lost_answers_and_a_new_pairing() {
    let shop = shop();
    let mut reg = shop.register("R1", 11);
    // Sales rung up before the till was ever paired are pushed too.
    cash_sales(&mut reg, 23);

    let (db, addr, _dir) = server().await;
    let proxy = FaultProxy::start(addr).await;
    let store_id = db.create_store("Corner shop", NOW).await.expect("store");
    let register_id = db.create_register(store_id, "Till 1", NOW).await.expect("register");
    let code = db.create_pairing_code(register_id, NOW).await.expect("code");
    let pairing = ringup_sync::pair(&shop.store, &proxy.url, &code, Some("front"), NOW).await.expect("pair");
    assert_eq!((pairing.register_id, pairing.seq_base), (register_id, 0));

    let mut pusher = Pusher::new(shop.store.clone()).with_batch(7);
    let report = pusher.push_all(|| NOW).await.expect("push");
    assert_eq!((report.sent, report.applied, report.duplicates, report.batches), (23, 23, 0, 4));
    assert_eq!(shop.store.outbox_pending().expect("pending"), 0);

    // The answer to the next push is lost: the server applied it, the till does not know.
    cash_sales(&mut reg, 5);
    proxy.drop_next_push_answer();
    let lost = pusher.push_all(|| NOW).await.expect_err("the answer was cut off");
    assert!(matches!(lost, SyncError::Network(_)), "{lost:?}");
    assert_eq!(proxy.answers_dropped.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(shop.store.outbox_pending().expect("pending"), 5, "unacknowledged events stay queued");
    // The next round learns where the server stands and sends nothing twice.
    let report = pusher.push_all(|| NOW).await.expect("push");
    assert_eq!((report.sent, report.applied), (0, 0), "{report:?}");
    assert_eq!(shop.store.outbox_pending().expect("pending"), 0);
    // Sent twice for real (a retry racing the first try): still once.
    let again = shop.store.outbox_after(pairing.device_id, 20, 10).expect("events");
    let client = ringup_sync::Client::new(&proxy.url).expect("client");
    let events = again.into_iter().map(ringup_sync::event_of);
    let answer = client.push(&pairing.token, events.collect()).await.expect("push");
    assert_eq!((answer.applied, answer.duplicates, answer.high_seq), (0, 8, 28));

    let totals = db.turnover(store_id).await.expect("totals");
    assert_eq!((totals[0].entries, totals[0].turnover_minor), (28, terminal_turnover(&shop.store)));
    assert_eq!(db.event_count(store_id).await.expect("events"), 28);
    assert!(db.journal_breaks(register_id).await.expect("breaks").is_empty());

    // Unpaired on the server: the till stops and says so, and keeps selling.
    db.revoke_device(pairing.device_id, NOW).await.expect("revoke");
    cash_sales(&mut reg, 2);
    let refused = pusher.push_all(|| NOW).await.expect_err("revoked");
    assert!(matches!(refused, SyncError::Unpaired(_)), "{refused:?}");
    assert!(shop.store.pairing().expect("pairing").expect("kept").revoked_ms.is_some());
    assert!(matches!(pusher.push_all(|| NOW).await, Err(SyncError::Unpaired(_))), "no calls until paired anew");

    // Paired anew: only what the server lacks is sent, numbered from 1 for the new device.
    let code = db.create_pairing_code(register_id, NOW).await.expect("code");
    let again = ringup_sync::pair(&shop.store, &proxy.url, &code, None, NOW).await.expect("pair again");
    assert_eq!(again.seq_base, 28);
    let report = pusher.push_all(|| NOW).await.expect("push");
    assert_eq!((report.sent, report.applied, report.high_seq), (2, 2, 2));
    let totals = db.turnover(store_id).await.expect("totals");
    assert_eq!((totals[0].entries, totals[0].turnover_minor), (30, terminal_turnover(&shop.store)));
    assert!(db.journal_breaks(register_id).await.expect("breaks").is_empty(), "the chain continues across pairings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_that_cannot_reach_the_back_end_queues_and_says_why() {
    let shop = shop();
    let mut reg = shop.register("R1", 12);
    cash_sales(&mut reg, 3);
    // Paired with a server that is gone (nothing listens on the port).
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", dead.local_addr().expect("addr"));
    drop(dead);
    shop.store
        .save_pairing(
            &ringup_store::NewPairing {
                server_url: &url,
                device_id: uuid::Uuid::now_v7(),
                token: "rgd_x",
                store_id: uuid::Uuid::now_v7(),
                register_id: uuid::Uuid::now_v7(),
                register_name: "Till 1",
                ca_pem: None,
            },
            NOW,
        )
        .expect("pairing");
    let status = ringup_sync::SharedStatus::default();
    let task = tokio::spawn(ringup_sync::run(
        shop.store.clone(),
        status.clone(),
        std::time::Duration::from_millis(50),
        || NOW,
    ));
    let mut seen = None;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let s = status.lock().expect("status").clone();
        if s.last_error.is_some() {
            seen = Some(s);
            break;
        }
    }
    task.abort();
    let s = seen.expect("the task reports the failure");
    assert!(s.paired && !s.online && !s.unpaired, "{s:?}");
    assert_eq!(s.queued, 3);
    assert!(s.last_error.as_deref().is_some_and(|e| e.contains("unreachable")), "{s:?}");
    let view = ringup_app::till::backend_view(&s);
    assert_eq!(view.state, "offline");
    assert!(view.message.starts_with("Back end offline, 3 events waiting to be sent: "), "{}", view.message);
    assert_eq!(shop.store.outbox_pending().expect("pending"), 3, "nothing is lost while offline");
}

/// A till's store copied to another till (or restored from an old backup) carries the pairing
/// of a device the server knows further along: the till refuses to mark anything as pushed
/// and says why, instead of hiding its own sales.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_or_restored_store_is_refused_not_silently_marked() {
    let (db, addr, _dir) = server().await;
    let url = format!("http://{addr}");
    let store_id = db.create_store("Corner shop", NOW).await.expect("store");
    let register_id = db.create_register(store_id, "Till 1", NOW).await.expect("register");
    let code = db.create_pairing_code(register_id, NOW).await.expect("code");

    let first = shop();
    cash_sales(&mut first.register("R1", 21), 6);
    let pairing = ringup_sync::pair(&first.store, &url, &code, None, NOW).await.expect("pair");
    Pusher::new(first.store.clone()).push_all(|| NOW).await.expect("push");

    let copy = shop();
    cash_sales(&mut copy.register("R1", 22), 4);
    copy.store
        .save_pairing(
            &ringup_store::NewPairing {
                server_url: &pairing.server_url,
                device_id: pairing.device_id,
                token: &pairing.token,
                store_id: pairing.store_id,
                register_id: pairing.register_id,
                register_name: &pairing.register_name,
                ca_pem: None,
            },
            NOW,
        )
        .expect("the copied pairing");
    let refused = Pusher::new(copy.store.clone()).push_all(|| NOW).await.expect_err("ahead");
    let SyncError::Refused(e) = refused else { panic!("{refused:?}") };
    assert_eq!(e.error, "sequence_ahead");
    assert!(e.message.contains("holds 6 events") && e.message.contains("only 4"), "{}", e.message);
    assert_eq!(copy.store.outbox_pending().expect("pending"), 4, "nothing was marked as pushed");
    assert_eq!(db.event_count(store_id).await.expect("events"), 6);
}

/// Sales too large for one batch under the server's body limit: the till halves its batches
/// until they fit, and everything arrives once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_too_large_for_the_server_are_halved_until_they_fit() {
    let (db, addr, _dir) = server_with_body_limit(24 * 1024).await;
    let store_id = db.create_store("Corner shop", NOW).await.expect("store");
    let register_id = db.create_register(store_id, "Till 1", NOW).await.expect("register");
    let code = db.create_pairing_code(register_id, NOW).await.expect("code");
    let shop = shop();
    cash_sales(&mut shop.register("R1", 31), 40);
    ringup_sync::pair(&shop.store, &format!("http://{addr}"), &code, None, NOW).await.expect("pair");
    let report = Pusher::new(shop.store.clone()).push_all(|| NOW).await.expect("push");
    assert_eq!((report.sent, report.applied, report.high_seq), (40, 40, 40), "{report:?}");
    assert!(report.batches > 1, "one batch of 40 sales does not fit in 24 KiB: {report:?}");
    assert_eq!(shop.store.outbox_pending().expect("pending"), 0);
    assert_eq!(db.turnover(store_id).await.expect("totals")[0].turnover_minor, terminal_turnover(&shop.store));
}

/// The answer to a pairing is lost on the way back: the till asks again with the same code and
/// the hash of the token it made, and the server answers the same device; no orphan is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pairing_whose_answer_is_lost_is_asked_again_and_pairs_once() {
    let shop = shop();
    let (db, addr, _dir) = server().await;
    let proxy = FaultProxy::start(addr).await;
    let store_id = db.create_store("Corner shop", NOW).await.expect("store");
    let register_id = db.create_register(store_id, "Till 1", NOW).await.expect("register");
    let code = db.create_pairing_code(register_id, NOW).await.expect("code");
    proxy.drop_next_answer_to("POST /v1/pair");
    let pairing = ringup_sync::pair(&shop.store, &proxy.url, &code, Some("front"), NOW).await.expect("pair");
    assert_eq!(proxy.answers_dropped.load(std::sync::atomic::Ordering::SeqCst), 1);
    let devices = db.list_devices().await.expect("devices");
    assert_eq!(devices.len(), 1, "one device, no orphan: {devices:?}");
    assert_eq!(devices[0].id, pairing.device_id);
    // The token the till made is the one the server knows.
    let info = ringup_sync::Client::new(&proxy.url).expect("client").device(&pairing.token).await.expect("device");
    assert_eq!(info.device_id, pairing.device_id);
}

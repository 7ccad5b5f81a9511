//! Webhooks out, against a real subscriber on a socket: signed bodies, at least once through
//! failures with backoff, a bounded number of attempts, a delivery log, and `stock.low` once
//! per crossing of the reorder level.

use crate::common::{Server, T0, Terminal, catalog_csv};
use crate::on_both;
use axum::http::HeaderMap;
use ringup_server::Backend;
use ringup_server::webhooks::{WebhookConfig, verify};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_test_0123456789";

/// What the subscriber received: (event id header, type header, body).
type Received = Arc<Mutex<Vec<(String, String, serde_json::Value)>>>;

/// A subscriber that answers 500 to its first `fail_first` calls, then 200, and checks every
/// signature (a bad one is answered 401 and not recorded).
async fn subscriber(fail_first: usize) -> (String, Received) {
    let received: Received = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (r, c) = (Arc::clone(&received), Arc::clone(&calls));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (r, c) = (Arc::clone(&r), Arc::clone(&c));
            async move {
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let timestamp: i64 = header("ringup-timestamp").parse().unwrap_or(0);
                if !verify(SECRET, timestamp, &body, &header("ringup-signature")) {
                    return axum::http::StatusCode::UNAUTHORIZED;
                }
                if c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < fail_first {
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON body");
                r.lock().expect("lock").push((header("ringup-event-id"), header("ringup-event-type"), json));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (url, received)
}

/// Runs the delivery worker with short waits and a clock that moves with real time.
fn worker(server: &Server, max_attempts: u32) -> tokio::task::JoinHandle<()> {
    let started = Instant::now();
    let clock: ringup_server::Clock =
        Arc::new(move || T0 + i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX));
    let config = WebhookConfig {
        poll: Duration::from_millis(20),
        base_delay_ms: 40,
        max_delay_ms: 200,
        max_attempts,
        timeout: Duration::from_secs(2),
    };
    tokio::spawn(ringup_server::webhooks::run(server.db.clone(), clock, config))
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sales_refunds_and_closes_are_delivered_signed_at_least_once(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let (url, received) = subscriber(3).await;
    server.db.add_webhook(device.store_id, &url, SECRET, &[], T0).await.expect("subscribe");
    // One that asked for closes only.
    let (closes_url, closes) = subscriber(0).await;
    server.db.add_webhook(device.store_id, &closes_url, SECRET, &["shift.closed".into()], T0).await.expect("subscribe");

    let mut till = Terminal::new("R1");
    let mut events = till.sales(2);
    let refund = till.entry(ringup_domain::journal::EntryKind::Refund, -150);
    events.push(till.event_for(&refund, "refund.created"));
    let close = till.entry(ringup_domain::journal::EntryKind::Close, 0);
    events.push(till.event_for(&close, "day.close"));
    let no_sale = till.entry(ringup_domain::journal::EntryKind::CashMovement, 0);
    events.push(till.event_for(&no_sale, "cash.no_sale"));
    // Pushed twice (a lost answer): each event is still queued once per subscriber.
    for _ in 0..2 {
        assert_eq!(server.push(&device.token, &events).await.status().as_u16(), 200);
    }
    let w = worker(&server, 10);
    until("four events", || received.lock().expect("lock").len() >= 4).await;
    until("the close", || !closes.lock().expect("lock").is_empty()).await;
    // A subscriber can hear a delivery before the worker has written down its answer: wait
    // for the log, not only for the subscriber.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = server.db.delivery_log(device.store_id, 50).await.expect("log");
        if log.len() == 5 && log.iter().all(|d| d.state == "delivered") {
            break;
        }
        assert!(Instant::now() < deadline, "not all delivered: {log:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.abort();

    let got = received.lock().expect("lock").clone();
    let ids: BTreeSet<String> = got.iter().map(|(id, _, _)| id.clone()).collect();
    let expected: BTreeSet<String> = events[..4].iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids, expected, "every event arrives, the no-sale is not an event anyone asked for");
    let mut types: Vec<&str> = got.iter().map(|(_, t, _)| t.as_str()).collect();
    types.sort_unstable();
    assert_eq!(types, ["refund.created", "sale.completed", "sale.completed", "shift.closed"]);
    for (id, kind, body) in &got {
        assert_eq!((body["id"].as_str(), body["type"].as_str()), (Some(id.as_str()), Some(kind.as_str())));
        assert_eq!(body["store_id"], device.store_id.to_string());
    }
    let refunded = got.iter().find(|(_, t, _)| t == "refund.created").expect("refund");
    assert_eq!(refunded.2["data"]["turnover_minor"], -150);
    assert!(got.iter().all(|(_, _, body)| body["data"]["terminal_register"] == "R1"));
    let closed = closes.lock().expect("lock").clone();
    assert_eq!(closed.iter().map(|(_, t, _)| t.as_str()).collect::<Vec<_>>(), ["shift.closed"]);

    // The log: every attempt recorded, the three 500s among them, each delivery ending in 204.
    let log = server.db.delivery_log(device.store_id, 50).await.expect("log");
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|d| d.state == "delivered" && d.last_status == Some(204)), "{log:?}");
    let attempts: u32 = log.iter().filter(|d| d.url == url).map(|d| d.attempts).sum();
    assert_eq!(attempts, 4 + 3, "four deliveries and three failed calls");
}

async fn a_subscriber_that_keeps_failing_is_given_up_after_bounded_attempts(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let (url, received) = subscriber(usize::MAX).await;
    server.db.add_webhook(device.store_id, &url, SECRET, &["sale.completed".into()], T0).await.expect("subscribe");
    // And one nobody listens on.
    let gone = "http://127.0.0.1:9/hook";
    server.db.add_webhook(device.store_id, gone, SECRET, &["sale.completed".into()], T0).await.expect("subscribe");
    let mut till = Terminal::new("R1");
    server.push(&device.token, &till.sales(1)).await;
    let w = worker(&server, 4);
    let db = server.db.clone();
    let store = device.store_id;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = db.delivery_log(store, 10).await.expect("log");
        if log.iter().all(|d| d.state == "failed") {
            assert!(log.iter().all(|d| d.attempts == 4), "{log:?}");
            let refused = log.iter().find(|d| d.url == gone).expect("unreachable one");
            assert!(refused.last_status.is_none() && refused.last_error.is_some(), "{refused:?}");
            let failing = log.iter().find(|d| d.url == url).expect("failing one");
            assert_eq!(failing.last_status, Some(500));
            break;
        }
        assert!(Instant::now() < deadline, "not given up: {log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Given up means no more calls.
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.abort();
    assert!(received.lock().expect("lock").is_empty());
    let log = db.delivery_log(store, 10).await.expect("log");
    assert!(log.iter().all(|d| d.attempts == 4), "{log:?}");
}

async fn stock_low_is_sent_once_when_the_reorder_level_is_crossed(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let store = device.store_id;
    server.db.set_tax_class(store, "standard", "Standard", 190_000).await.expect("class");
    let csv = "sku,name,price,tax_class,reorder_level\nP0001,Coffee,1.00,standard,5\nP0002,Tea,1.00,standard,\n";
    server.db.import_catalog_csv(store, csv.as_bytes(), |_, _| {}).await.expect("import");
    let (url, received) = subscriber(0).await;
    server.db.add_webhook(store, &url, SECRET, &["stock.low".into()], T0).await.expect("subscribe");
    let (_, online) = server.db.create_channel(store, "Online shop", T0).await.expect("channel");
    server.post_stock(&online, "delivery", "P0001", 6_000).await;
    server.post_stock(&online, "delivery-tea", "P0002", 1_000).await;
    server.post_stock(&online, "o-1", "P0002", -1_000).await; // no level: never low
    server.post_stock(&online, "o-2", "P0001", -1_000).await; // 5: at the level, not under
    // A till sells two: 3, under the level.
    let mut till = Terminal::new("R1");
    let mut sale = till.sales(1);
    sale[0].data = serde_json::json!({ "stock": [{ "id": format!("{}:1", sale[0].document_id), "sku": "P0001",
        "delta_milli": -2_000, "reason": "sale", "at_ms": T0 }] });
    server.push(&device.token, &sale).await;
    server.post_stock(&online, "o-3", "P0001", -1_000).await; // 2: still low, no second event
    let w = worker(&server, 5);
    until("stock.low", || !received.lock().expect("lock").is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.abort();
    let got = received.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let data = &got[0].2["data"];
    assert_eq!(
        (data["sku"].as_str(), data["stock_milli"].as_i64(), data["reorder_milli"].as_i64()),
        (Some("P0001"), Some(3_000), Some(5_000))
    );
}

async fn bad_subscriptions_are_refused(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    server.catalog(device.store_id, &catalog_csv(1, "1.00")).await;
    let store = device.store_id;
    for (url, secret, events) in [
        ("ftp://x/hook", SECRET, vec![]),
        ("https://x/hook", "short", vec![]),
        ("https://x/hook", SECRET, vec!["sale.deleted".to_string()]),
    ] {
        assert!(server.db.add_webhook(store, url, secret, &events, T0).await.is_err(), "{url} {secret} {events:?}");
    }
    assert!(server.db.webhooks(store).await.expect("list").is_empty());
}

on_both!(
    sales_refunds_and_closes_are_delivered_signed_at_least_once,
    a_subscriber_that_keeps_failing_is_given_up_after_bounded_attempts,
    stock_low_is_sent_once_when_the_reorder_level_is_crossed,
    bad_subscriptions_are_refused,
);

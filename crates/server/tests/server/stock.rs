//! The stock ledger: a channel's movement once per idempotency key, a till's sale movements
//! once however often they are pushed, and stock as the sum of both.

use crate::common::{Server, T0, Terminal, catalog_csv};
use crate::on_both;
use ringup_protocol::{ApiError, Change, StockMovementAnswer};
use ringup_server::Backend;

async fn a_channels_movement_counts_once_per_key(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let store = device.store_id;
    server.catalog(store, &catalog_csv(2, "1.00")).await;
    let (_, token) = server.db.create_channel(store, "Online shop", T0).await.expect("channel");
    server.post_stock(&token, "delivery-1", "P0001", 10_000).await;

    let first: StockMovementAnswer =
        server.post_stock(&token, "order-77", "P0001", -2_000).await.json().await.expect("answer");
    assert!(first.created);
    assert_eq!(first.stock_milli, 8_000);
    // The answer was lost; the shop sends the same again.
    let again: StockMovementAnswer =
        server.post_stock(&token, "order-77", "P0001", -2_000).await.json().await.expect("answer");
    assert_eq!(
        (again.created, again.stock_milli, again.id.clone(), again.rev),
        (false, 8_000, first.id.clone(), first.rev)
    );
    // The same key for something else is a mistake, said as such.
    let clash = server.post_stock(&token, "order-77", "P0001", -3_000).await;
    assert_eq!(clash.status().as_u16(), 409);
    assert_eq!(clash.json::<ApiError>().await.expect("error").error, "conflict");
    let unknown = server.post_stock(&token, "order-78", "NOPE", -1_000).await;
    assert_eq!(unknown.status().as_u16(), 404);
    for (key, delta) in [("", -1_000), ("order-79", 0), (" order-77", -2_000), ("order-80", 2_000_000_000)] {
        assert_eq!(server.post_stock(&token, key, "P0001", delta).await.status().as_u16(), 400, "{key:?} {delta}");
    }
    assert_eq!(server.db.stock_milli(store, "P0001").await.expect("stock"), 8_000);
    assert_eq!(server.db.movement_count(store).await.expect("count"), 2);
    // The tills see the movement once.
    let (changes, _) = server.pull_all(&device.token, 0, 100).await;
    let moves: Vec<i64> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Stock { movement, .. } => Some(movement.delta_milli),
            _ => None,
        })
        .collect();
    assert_eq!(moves, vec![10_000, -2_000]);
}

async fn two_posts_of_one_key_at_once_move_stock_once(backend: Backend) {
    let server = std::sync::Arc::new(Server::start(backend).await);
    let device = server.paired_device("Corner shop").await;
    server.catalog(device.store_id, &catalog_csv(1, "1.00")).await;
    let (_, token) = server.db.create_channel(device.store_id, "Online shop", T0).await.expect("channel");
    let tries: Vec<_> = (0..6)
        .map(|_| {
            let (server, token) = (std::sync::Arc::clone(&server), token.clone());
            tokio::spawn(async move { server.post_stock(&token, "order-1", "P0001", -1_000).await.status().as_u16() })
        })
        .collect();
    for t in tries {
        assert_eq!(t.await.expect("task"), 200);
    }
    assert_eq!(server.db.stock_milli(device.store_id, "P0001").await.expect("stock"), -1_000);
    assert_eq!(server.db.movement_count(device.store_id).await.expect("count"), 1);
}

async fn a_tills_sales_move_stock_once_however_often_pushed(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    server.catalog(device.store_id, &catalog_csv(2, "1.00")).await;
    let mut till = Terminal::new("R1");
    let mut events = till.sales(4);
    for e in &mut events {
        e.data = serde_json::json!({ "stock": [
            { "id": format!("{}:1", e.document_id), "sku": "P0001", "delta_milli": -1_000, "reason": "sale", "at_ms": T0 },
            { "id": format!("{}:2", e.document_id), "sku": "P0002", "delta_milli": -500, "reason": "sale", "at_ms": T0 } ] });
    }
    for _ in 0..2 {
        assert_eq!(server.push(&device.token, &events).await.status().as_u16(), 200);
    }
    assert_eq!(server.db.stock_milli(device.store_id, "P0001").await.expect("stock"), -4_000);
    assert_eq!(server.db.stock_milli(device.store_id, "P0002").await.expect("stock"), -2_000);
    assert_eq!(server.db.movement_count(device.store_id).await.expect("count"), 8);
    // Unreadable movements, or movements of another document (a channel's, say), refuse the
    // batch whole.
    for stock in [
        serde_json::json!([{ "sku": "P0001" }]),
        serde_json::json!([{ "id": format!("channel:{}:order-1", uuid::Uuid::now_v7()), "sku": "P0001",
            "delta_milli": -1_000, "reason": "sale", "at_ms": T0 }]),
        serde_json::json!([{ "id": format!("{}:1", events[0].document_id), "sku": "P0001",
            "delta_milli": -1_000, "reason": "sale", "at_ms": T0 }]),
    ] {
        let mut bad = till.sales(1);
        bad[0].seq = 5;
        bad[0].data = serde_json::json!({ "stock": stock });
        let response = server.push(&device.token, &bad).await;
        assert_eq!(response.status().as_u16(), 400, "{stock}");
    }
    assert_eq!(server.db.event_count(device.store_id).await.expect("events"), 4);
}

on_both!(
    a_channels_movement_counts_once_per_key,
    two_posts_of_one_key_at_once_move_stock_once,
    a_tills_sales_move_stock_once_however_often_pushed,
);

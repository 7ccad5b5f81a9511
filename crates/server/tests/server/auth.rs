//! Every device and channel endpoint × a missing, forged, revoked, and another store's token.

use crate::common::{Server, T0, Terminal};
use crate::on_both;
use ringup_protocol::ApiError;
use ringup_server::Backend;
use ringup_server::api::{CHANNEL_ROUTES, ROUTES};

/// The routes that take a device token, called with `token` (None: no header at all).
async fn call(server: &Server, method: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let url = format!("{}{path}", server.url);
    let request = match method {
        "get" => server.http.get(url),
        _ if path == "/v1/stock/movements" => server
            .http
            .post(url)
            .json(&serde_json::json!({ "key": "k-1", "sku": "P0001", "delta_milli": -1000, "reason": "online_order" })),
        _ => server.http.post(url).json(&serde_json::json!({ "events": [] })),
    };
    let request = match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    };
    request.send().await.expect("send")
}

fn device_routes() -> Vec<(&'static str, &'static str)> {
    ROUTES
        .iter()
        .copied()
        .filter(|r| r.1 != "/v1/openapi.json" && r.1 != "/v1/pair" && !CHANNEL_ROUTES.contains(r))
        .collect()
}

async fn every_device_endpoint_refuses_bad_tokens(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let revoked = server.paired_device("Corner shop").await;
    server.db.revoke_device(revoked.device_id, server.now()).await.expect("revoke");
    let forged = format!("rgd_{}", "0".repeat(64));
    let routes = device_routes();
    assert_eq!(routes.len(), 3, "{routes:?}");
    for (method, path) in routes {
        for (token, code) in [
            (None, "missing_token"),
            (Some(""), "missing_token"),
            (Some(forged.as_str()), "unknown_token"),
            (Some(revoked.token.as_str()), "device_revoked"),
        ] {
            let response = call(&server, method, path, token).await;
            assert_eq!(response.status().as_u16(), 401, "{method} {path} with {token:?}");
            let error: ApiError = response.json().await.expect("error body");
            assert_eq!(error.error, code, "{method} {path} with {token:?}");
        }
        let ok = call(&server, method, path, Some(&device.token)).await;
        assert_eq!(ok.status().as_u16(), 200, "{method} {path} with a good token");
    }
    // The device list says which is which.
    let devices = server.db.list_devices().await.expect("devices");
    assert_eq!(devices.iter().filter(|d| d.revoked_ms.is_some()).count(), 1);
}

/// A token acts on its own device and store only: another store's device pushing the same
/// events changes nothing of the first store's.
async fn another_stores_token_reaches_only_its_own_store(backend: Backend) {
    let server = Server::start(backend).await;
    let ours = server.paired_device("Corner shop").await;
    let theirs = server.paired_device("Other shop").await;
    let mut till = Terminal::new("R1");
    let events = till.sales(3);
    server.push(&ours.token, &events).await;
    let response = server.push(&theirs.token, &events).await;
    assert_eq!(response.status().as_u16(), 200);

    let our_store = server.db.store_id("Corner shop").await.expect("store");
    let their_store = server.db.store_id("Other shop").await.expect("store");
    assert_eq!(server.db.event_count(our_store).await.expect("count"), 3);
    assert_eq!(server.db.event_count(their_store).await.expect("count"), 3);
    assert_eq!(server.db.turnover(our_store).await.expect("turnover")[0].turnover_minor, till.turnover);
    let info: ringup_protocol::DeviceInfo =
        call(&server, "get", "/v1/device", Some(&theirs.token)).await.json().await.expect("info");
    assert_eq!((info.device_id, info.store_id), (theirs.device_id, their_store));
}

/// Every route in the OpenAPI document is served, and nothing else is.
async fn the_document_matches_the_served_routes(backend: Backend) {
    let server = Server::start(backend).await;
    let served: serde_json::Value = server
        .http
        .get(format!("{}/v1/openapi.json", server.url))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("document");
    assert_eq!(served, ringup_server::openapi::document());
    for (method, path) in ROUTES {
        let response = call(&server, method, path, None).await;
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        assert!(!body.contains("no such endpoint") && status != 405, "{method} {path} is documented but not served");
    }
    let unknown = call(&server, "get", "/v1/nothing", None).await;
    assert_eq!(unknown.status().as_u16(), 404);
}

async fn every_channel_endpoint_refuses_bad_tokens(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let store = device.store_id;
    server.catalog(store, &crate::common::catalog_csv(1, "1.00")).await;
    let (_, good) = server.db.create_channel(store, "Online shop", T0).await.expect("channel");
    let (revoked_id, revoked) = server.db.create_channel(store, "Old shop", T0).await.expect("channel");
    server.db.revoke_channel(revoked_id, T0).await.expect("revoke");
    let other_store = server.db.create_store("Other shop", T0).await.expect("store");
    let (_, theirs) = server.db.create_channel(other_store, "Their shop", T0).await.expect("channel");
    let forged = format!("rgc_{}", "0".repeat(64));
    assert_eq!(CHANNEL_ROUTES.len(), 1);
    for (method, path) in CHANNEL_ROUTES.iter().copied() {
        for (token, code) in [
            (None, "missing_token"),
            (Some(""), "missing_token"),
            (Some(forged.as_str()), "unknown_token"),
            (Some(revoked.as_str()), "channel_revoked"),
            // A till's token does not open a channel's endpoint.
            (Some(device.token.as_str()), "unknown_token"),
        ] {
            let response = call(&server, method, path, token).await;
            assert_eq!(response.status().as_u16(), 401, "{method} {path} with {token:?}");
            let error: ApiError = response.json().await.expect("error body");
            assert_eq!(error.error, code, "{method} {path} with {token:?}");
        }
        // Another store's channel does not know our products and moves nothing of ours.
        assert_eq!(call(&server, method, path, Some(&theirs)).await.status().as_u16(), 404);
        assert_eq!(server.db.movement_count(store).await.expect("count"), 0);
        assert_eq!(call(&server, method, path, Some(&good)).await.status().as_u16(), 200);
        assert_eq!(server.db.stock_milli(store, "P0001").await.expect("stock"), -1000);
    }
    // A channel's token does not open a till's endpoints either.
    for (method, path) in device_routes() {
        let response = call(&server, method, path, Some(&good)).await;
        assert_eq!(response.status().as_u16(), 401, "{method} {path} with a channel token");
    }
}

/// A till pulls its own store's catalog only.
async fn a_till_pulls_only_its_own_stores_changes(backend: Backend) {
    let server = Server::start(backend).await;
    let ours = server.paired_device("Corner shop").await;
    let theirs = server.paired_device("Other shop").await;
    server.catalog(ours.store_id, &crate::common::catalog_csv(3, "1.00")).await;
    let (changes, cursor) = server.pull_all(&theirs.token, 0, 100).await;
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(cursor, 0);
    let (changes, _) = server.pull_all(&ours.token, 0, 100).await;
    assert_eq!(changes.len(), 4);
}

on_both!(
    every_channel_endpoint_refuses_bad_tokens,
    a_till_pulls_only_its_own_stores_changes,
    every_device_endpoint_refuses_bad_tokens,
    another_stores_token_reaches_only_its_own_store,
    the_document_matches_the_served_routes,
);

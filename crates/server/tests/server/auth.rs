//! Every device endpoint × a missing, forged, revoked, and another store's token.

use crate::common::{Server, Terminal};
use crate::on_both;
use ringup_protocol::ApiError;
use ringup_server::Backend;
use ringup_server::api::ROUTES;

/// The routes that take a device token, called with `token` (None: no header at all).
async fn call(server: &Server, method: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let url = format!("{}{path}", server.url);
    let request = match method {
        "get" => server.http.get(url),
        _ => server.http.post(url).json(&serde_json::json!({ "events": [] })),
    };
    let request = match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    };
    request.send().await.expect("send")
}

fn device_routes() -> Vec<(&'static str, &'static str)> {
    ROUTES.iter().copied().filter(|(_, p)| *p != "/v1/openapi.json" && *p != "/v1/pair").collect()
}

async fn every_device_endpoint_refuses_bad_tokens(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let revoked = server.paired_device("Corner shop").await;
    server.db.revoke_device(revoked.device_id, server.now()).await.expect("revoke");
    let forged = format!("rgd_{}", "0".repeat(64));
    let routes = device_routes();
    assert_eq!(routes.len(), 2, "{routes:?}");
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

on_both!(
    every_device_endpoint_refuses_bad_tokens,
    another_stores_token_reaches_only_its_own_store,
    the_document_matches_the_served_routes,
);

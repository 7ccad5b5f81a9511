use crate::common::Server;
use crate::on_both;
use ringup_protocol::{ApiError, DeviceInfo, PAIRING_CODE_TTL_MS, Paired};
use ringup_server::Backend;
use sqlx::Row;

async fn error_of(response: reqwest::Response) -> (u16, ApiError) {
    let status = response.status().as_u16();
    (status, response.json::<ApiError>().await.expect("an ApiError body"))
}

async fn a_code_pairs_one_device_once(backend: Backend) {
    let server = Server::start(backend).await;
    let store = server.db.create_store("Corner shop", server.now()).await.expect("store");
    let register = server.db.create_register(store, "Till 1", server.now()).await.expect("register");
    let code = server.db.create_pairing_code(register, server.now()).await.expect("code");
    assert_eq!(code.len(), 8);

    // Typed as a person might: lower case, with a dash.
    let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
    let paired: Paired = server.pair(&typed).await.json().await.expect("paired");
    assert_eq!((paired.store_id, paired.register_id, paired.register_name.as_str()), (store, register, "Till 1"));

    let info: DeviceInfo = server
        .http
        .get(format!("{}/v1/device", server.url))
        .bearer_auth(&paired.token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("device info");
    assert_eq!(info, DeviceInfo { device_id: paired.device_id, store_id: store, register_id: register, high_seq: 0 });

    // Used once: a second terminal cannot take the same code.
    let (status, error) = error_of(server.pair(&code).await).await;
    assert_eq!((status, error.error.as_str()), (403, "pairing_code_invalid"));
    assert!(error.message.contains("used already"), "{}", error.message);
    assert_eq!(server.db.list_devices().await.expect("devices").len(), 1);
}

async fn expired_unknown_and_malformed_codes_are_refused(backend: Backend) {
    let server = Server::start(backend).await;
    let store = server.db.create_store("Corner shop", server.now()).await.expect("store");
    let register = server.db.create_register(store, "Till 1", server.now()).await.expect("register");
    let code = server.db.create_pairing_code(register, server.now()).await.expect("code");
    server.advance(PAIRING_CODE_TTL_MS);
    let (status, error) = error_of(server.pair(&code).await).await;
    assert_eq!(status, 403);
    assert!(error.message.contains("expired"), "{}", error.message);

    let (status, error) = error_of(server.pair("ZZZZZZZZ").await).await;
    assert_eq!(status, 403);
    assert!(error.message.contains("not known"), "{}", error.message);

    let (status, error) = error_of(server.pair("ABC").await).await;
    assert_eq!((status, error.error.as_str()), (403, "pairing_code_invalid"));

    let response = server
        .http
        .post(format!("{}/v1/pair", server.url))
        .body("{\"kode\": 1}")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send");
    let (status, error) = error_of(response).await;
    assert_eq!((status, error.error.as_str()), (422, "invalid_input"));
    assert!(server.db.list_devices().await.expect("devices").is_empty());
}

async fn only_hashes_of_tokens_and_codes_are_stored(backend: Backend) {
    let server = Server::start(backend).await;
    let store = server.db.create_store("Corner shop", server.now()).await.expect("store");
    let register = server.db.create_register(store, "Till 1", server.now()).await.expect("register");
    let code = server.db.create_pairing_code(register, server.now()).await.expect("code");
    let paired: Paired = server.pair(&code).await.json().await.expect("paired");
    let rows = sqlx::query("SELECT token_hash FROM devices").fetch_all(&server.db.pool).await.expect("devices");
    let hash: String = rows[0].try_get("token_hash").expect("hash");
    assert_eq!(hash, ringup_server::repo::digest(&paired.token));
    let codes = sqlx::query("SELECT code_hash FROM pairing_codes").fetch_all(&server.db.pool).await.expect("codes");
    let code_hash: String = codes[0].try_get("code_hash").expect("hash");
    assert_ne!(code_hash, code);
    assert!(!code_hash.contains(&code));
}

/// Two terminals racing for one code: exactly one gets a device.
async fn two_tries_at_once_pair_one_device(backend: Backend) {
    let server = Server::start(backend).await;
    let store = server.db.create_store("Corner shop", server.now()).await.expect("store");
    let register = server.db.create_register(store, "Till 1", server.now()).await.expect("register");
    let code = server.db.create_pairing_code(register, server.now()).await.expect("code");
    let (a, b) = tokio::join!(server.pair(&code), server.pair(&code));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 403]);
    assert_eq!(server.db.list_devices().await.expect("devices").len(), 1);
}

/// A register is one till: pairing a new device (a replaced till) unpairs the one before.
async fn a_new_device_for_a_register_unpairs_the_old_one(backend: Backend) {
    let server = Server::start(backend).await;
    let store = server.db.create_store("Corner shop", server.now()).await.expect("store");
    let register = server.db.create_register(store, "Till 1", server.now()).await.expect("register");
    let first: Paired = server
        .pair(&server.db.create_pairing_code(register, server.now()).await.expect("code"))
        .await
        .json()
        .await
        .expect("paired");
    let second: Paired = server
        .pair(&server.db.create_pairing_code(register, server.now()).await.expect("code"))
        .await
        .json()
        .await
        .expect("paired");
    assert!(matches!(
        server.db.device_by_token(&first.token).await,
        Err(ringup_server::repo::RepoError::Unauthorized { code: "device_revoked", .. })
    ));
    assert!(server.db.device_by_token(&second.token).await.is_ok());
}

/// A terminal that made its own token sends only its hash; asking again with the same code and
/// hash (its answer was lost) gets the same device, anyone else gets "used".
async fn a_pairing_asked_again_with_the_same_key_answers_the_same_device(backend: Backend) {
    let server = Server::start(backend).await;
    let store = server.db.create_store("Corner shop", server.now()).await.expect("store");
    let register = server.db.create_register(store, "Till 1", server.now()).await.expect("register");
    let code = server.db.create_pairing_code(register, server.now()).await.expect("code");
    let token = "rgd_made_by_the_till_0123456789abcdef";
    let hash = ringup_server::repo::digest(token);
    let ask = |hash: String| {
        let body = serde_json::json!({ "code": code, "token_sha256": hash });
        let (http, url) = (server.http.clone(), server.url.clone());
        async move { http.post(format!("{url}/v1/pair")).json(&body).send().await.expect("send") }
    };
    let first: ringup_protocol::Paired = ask(hash.clone()).await.json().await.expect("paired");
    assert_eq!(first.token, "", "the till has its token; it never travels");
    let again: ringup_protocol::Paired = ask(hash.clone()).await.json().await.expect("paired again");
    assert_eq!(again.device_id, first.device_id);
    assert_eq!(server.db.list_devices().await.expect("devices").len(), 1);
    let (status, error) = error_of(ask(ringup_server::repo::digest("another till")).await).await;
    assert_eq!((status, error.error.as_str()), (403, "pairing_code_invalid"));
    let (status, _) = error_of(ask("NOT-HEX".into()).await).await;
    assert_eq!(status, 400);
    assert_eq!(server.db.device_by_token(token).await.expect("the till's token works").id, first.device_id);
}

on_both!(
    a_pairing_asked_again_with_the_same_key_answers_the_same_device,
    a_new_device_for_a_register_unpairs_the_old_one,
    a_code_pairs_one_device_once,
    expired_unknown_and_malformed_codes_are_refused,
    only_hashes_of_tokens_and_codes_are_stored,
    two_tries_at_once_pair_one_device,
);

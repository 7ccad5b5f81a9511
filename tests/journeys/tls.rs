//! A store's own back end over TLS with a self-signed certificate: the till trusts exactly that
//! certificate (given at pairing and kept with the pairing), refuses a server it cannot verify,
//! and never sends its token in clear to another machine.

use crate::support::shop;
use ringup_server::{AppState, Db};
use ringup_sync::{Client, Pusher, SyncError};
use std::sync::Arc;

const NOW: i64 = 1_795_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_syncs_over_tls_trusting_the_stores_own_certificate() {
    let issued = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("a self-signed certificate");
    let (cert_pem, key_pem) = (issued.cert.pem(), issued.signing_key.serialize_pem());
    let dir = tempfile::tempdir().expect("dir");
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("server.db").display())).await.expect("db");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let state = AppState { db: db.clone(), clock: Arc::new(|| NOW) };
    let (cert, key) = (cert_pem.clone().into_bytes(), key_pem.into_bytes());
    tokio::spawn(async move { ringup_server::serve_tls(listener, state, cert, key).await.expect("serve") });

    let store_id = db.create_store("Corner shop", NOW).await.expect("store");
    db.set_tax_class(store_id, "reduced", "Reduced", 70_000).await.expect("class");
    let csv = "sku,name,price,tax_class,barcodes\nCOF-250,Espresso ground 250 g,4.79,reduced,4012345000023\n";
    db.import_catalog_csv(store_id, csv.as_bytes(), |_, _| {}).await.expect("catalog");
    let register = db.create_register(store_id, "Till 1", NOW).await.expect("register");
    let code = db.create_pairing_code(register, NOW).await.expect("code");
    let https = format!("https://127.0.0.1:{port}");
    let s = shop();

    // Without the store's certificate the till cannot verify the server: nothing is sent.
    let untrusted = ringup_sync::pair(&s.store, &https, &code, None, NOW).await.expect_err("not trusted");
    assert!(matches!(&untrusted, SyncError::Untrusted(m) if m.contains("certificate")), "{untrusted}");
    assert!(!untrusted.retryable());
    // Plain HTTP to another machine is refused before anything leaves the till.
    let clear = Client::new("http://backoffice.example:8650").err().expect("refused");
    assert!(matches!(clear, SyncError::Protocol(_)), "{clear}");
    // Plain HTTP to the TLS port gets no answer it could take for the API's.
    let plain = Client::new(&format!("http://127.0.0.1:{port}")).expect("client");
    assert!(plain.device("rgd_x").await.is_err());

    // With it, the code (still unused) pairs, and the certificate stays with the pairing.
    let pairing = ringup_sync::pair_trusting(&s.store, &https, Some(&cert_pem), &code, None, NOW).await.expect("pair");
    assert_eq!(pairing.ca_pem.as_deref(), Some(cert_pem.as_str()));
    let mut reg = s.register("R1", 41);
    reg.scan("4012345000023").expect("scan");
    reg.begin_tender().expect("tender");
    reg.pay_cash(10_000).expect("cash");
    reg.complete().expect("complete");
    // A new task after a restart finds the certificate in the store.
    let (pushed, pulled) = Pusher::new(Arc::clone(&s.store)).sync_all(|| NOW, |_, _, _| {}).await.expect("sync");
    assert_eq!(pushed.applied, 1);
    assert_eq!(pulled.cursor, db.head(store_id).await.expect("head"));
    assert_eq!(db.event_count(store_id).await.expect("events"), 1);
    assert_eq!(db.stock_milli(store_id, "COF-250").await.expect("stock"), -1_000);
}

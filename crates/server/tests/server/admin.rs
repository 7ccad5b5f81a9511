//! The admin command line, run as a person would, on both back ends.

use crate::common::{fresh_db, postgres_url};
use crate::on_both;
use ringup_server::Backend;
use ringup_server::admin::run;
use sqlx::Row;

async fn cli(url: &str, args: &[&str], stdin: &str) -> anyhow::Result<String> {
    let mut out = Vec::new();
    let mut argv: Vec<String> = vec!["--db".into(), url.into()];
    argv.extend(args.iter().map(|a| (*a).to_string()));
    run(argv, &mut out, &mut stdin.as_bytes()).await?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

/// The URL the CLI should open for this test's database.
async fn url_for(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("dir");
            (format!("sqlite://{}", dir.path().join("s.db").display()), Some(dir))
        }
        Backend::Postgres => {
            let (db, _) = fresh_db(backend).await;
            let schema: String = sqlx::query("SELECT CAST(current_schema() AS TEXT) AS s")
                .fetch_one(&db.pool)
                .await
                .expect("schema")
                .try_get("s")
                .expect("s");
            (format!("{}?options=-c%20search_path%3D{schema}", postgres_url()), None)
        }
    }
}

async fn a_store_is_set_up_and_a_device_revoked_from_the_command_line(backend: Backend) {
    let (url, _dir) = url_for(backend).await;
    assert!(
        cli(&url, &["store", "create", "Corner shop"], "").await.expect("store").contains("\"Corner shop\" created")
    );
    assert!(
        cli(&url, &["register", "create", "--store", "Corner shop", "Till 1"], "")
            .await
            .expect("register")
            .contains("created")
    );
    let staff = cli(&url, &["staff", "add", "--store", "Corner shop", "--name", "Mia", "--role", "manager"], "4711\n")
        .await
        .expect("staff");
    assert!(staff.contains("\"Mia\" (manager) added"), "{staff}");
    let wrong =
        cli(&url, &["staff", "add", "--store", "Corner shop", "--name", "Max", "--role", "boss", "--pin", "1234"], "")
            .await;
    assert!(wrong.expect_err("a bad role").to_string().contains("is not a role"));
    let twice = cli(&url, &["store", "create", "Corner shop"], "").await;
    assert!(twice.expect_err("a second store of that name").to_string().contains("exists"));

    let line = cli(&url, &["pair-code", "--store", "Corner shop", "--register", "Till 1"], "").await.expect("code");
    let code = line.split_whitespace().nth(2).expect("the code").to_string();
    assert_eq!(code.len(), 8, "{line}");

    let db = ringup_server::Db::connect(&url).await.expect("db");
    let paired = db.pair(&code, Some("front"), crate::common::T0).await.expect("pair");
    let list = cli(&url, &["devices", "list"], "").await.expect("list");
    assert!(
        list.contains(&paired.device_id.to_string())
            && list.contains("Corner shop / Till 1")
            && list.contains("paired"),
        "{list}"
    );
    let id = paired.device_id.to_string();
    cli(&url, &["devices", "revoke", &id], "").await.expect("revoke");
    assert!(cli(&url, &["devices", "list"], "").await.expect("list").contains("REVOKED"));
    assert!(db.device_by_token(&paired.token).await.is_err());

    // The PIN is kept as an argon2id hash, never as typed.
    let row = sqlx::query("SELECT pin_hash FROM staff").fetch_one(&db.pool).await.expect("staff row");
    let hash: String = row.try_get("pin_hash").expect("hash");
    assert!(hash.starts_with("$argon2id$") && !hash.contains("4711"), "{hash}");

    let unknown = cli(&url, &["devices", "revoke", "0190b1d2-0000-7000-8000-000000000000"], "").await;
    assert!(unknown.expect_err("unknown device").to_string().contains("no device"));
}

/// What the tills pull and the stock ledger, from the command line.
async fn a_catalog_tax_classes_settings_and_a_channel_are_set_from_the_command_line(backend: Backend) {
    let (url, dir) = url_for(backend).await;
    let files = tempfile::tempdir().expect("dir");
    cli(&url, &["store", "create", "Corner shop"], "").await.expect("store");
    let class = cli(
        &url,
        &["tax-class", "set", "--store", "Corner shop", "--id", "reduced", "--name", "Reduced", "--rate", "7"],
        "",
    )
    .await
    .expect("tax class");
    assert!(class.contains("reduced \"Reduced\" at 7 %"), "{class}");
    let bad_rate =
        cli(&url, &["tax-class", "set", "--store", "Corner shop", "--id", "x", "--name", "X", "--rate", "7,5"], "");
    assert!(bad_rate.await.expect_err("a comma").to_string().contains("not a tax rate"));

    let good = files.path().join("catalog.csv");
    std::fs::write(&good, "sku,name,price,tax_class,barcodes\nTEA,Tea,2.49,reduced,4012345000023\n").expect("write");
    let bad = files.path().join("bad.csv");
    std::fs::write(&bad, "sku,name,price,tax_class\nX,Bad,abc,luxury\n").expect("write");
    let refused = cli(&url, &["catalog", "import", "--store", "Corner shop", bad.to_str().expect("path")], "").await;
    let said = refused.expect_err("a bad file").to_string();
    assert!(said.contains("nothing changed") && said.contains("line 2, column price"), "{said}");
    let imported = cli(&url, &["catalog", "import", "--store", "Corner shop", good.to_str().expect("path")], "")
        .await
        .expect("import");
    assert!(imported.contains("imported 1 rows: 1 new, 0 updated"), "{imported}");

    let settings = files.path().join("settings.json");
    std::fs::write(&settings, crate::common::settings_json().to_string()).expect("write");
    let saved = cli(&url, &["settings", "set", "--store", "Corner shop", settings.to_str().expect("path")], "").await;
    assert!(saved.expect("settings").contains("settings saved"));
    std::fs::write(&settings, r#"{"currency":"XX"}"#).expect("write");
    let wrong = cli(&url, &["settings", "set", "--store", "Corner shop", settings.to_str().expect("path")], "").await;
    assert!(wrong.expect_err("a bad currency").to_string().contains("not store settings a till can take"));

    let created =
        cli(&url, &["channel", "create", "--store", "Corner shop", "Online shop"], "").await.expect("channel");
    let token = created.rsplit(' ').next().expect("token").trim().to_string();
    assert!(token.starts_with("rgc_"), "{created}");
    let db = ringup_server::Db::connect(&url).await.expect("db");
    let channel = db.channel_by_token(&token).await.expect("the printed token works");
    let request = ringup_protocol::StockMovementRequest {
        key: "delivery-1".into(),
        sku: "TEA".into(),
        delta_milli: 12_500,
        reason: "delivery".into(),
    };
    db.post_stock_movement(&channel, &request, crate::common::T0).await.expect("movement");
    let stock = cli(&url, &["stock", "--store", "Corner shop"], "").await.expect("stock");
    assert_eq!(stock.trim(), "TEA  12.5");
    let id = channel.id.to_string();
    cli(&url, &["channel", "revoke", &id], "").await.expect("revoke");
    assert!(db.channel_by_token(&token).await.is_err());
    drop(dir);
}

on_both!(
    a_store_is_set_up_and_a_device_revoked_from_the_command_line,
    a_catalog_tax_classes_settings_and_a_channel_are_set_from_the_command_line,
);

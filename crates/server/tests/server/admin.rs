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

on_both!(a_store_is_set_up_and_a_device_revoked_from_the_command_line);

//! Device settings: persisted per register, every change journaled and queued once, the
//! terminal's password kept beside its setting and nowhere else.

use crate::support::*;
use ringup_domain::journal::EntryKind;
use ringup_store::{DeviceChange, DeviceRole};
use uuid::Uuid;

fn change<'a>(n: u128, role: DeviceRole, place: Option<&'a str>, secret: Option<&'a str>) -> DeviceChange<'a> {
    DeviceChange {
        register_id: REGISTER,
        id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + n),
        role,
        place,
        protocol: if role == DeviceRole::Terminal { "zvt" } else { "escpos" },
        options: if role == DeviceRole::Printer { r#"{"paper":"80mm"}"# } else { "{}" },
        secret,
        by: "tech",
        at_ms: T0 + i64::try_from(n).expect("small"),
    }
}

fn config_entries(fx: &Fixture) -> Vec<serde_json::Value> {
    fx.store
        .journal(REGISTER)
        .expect("journal")
        .into_iter()
        .filter(|e| e.data.kind == EntryKind::Config)
        .map(|e| serde_json::from_str(&e.data.body).expect("json body"))
        .collect()
}

#[test]
fn every_device_change_is_journaled_once_and_a_repeat_writes_nothing() {
    let fx = store();
    assert!(fx.store.device_settings(REGISTER).expect("settings").is_empty());

    let seq = fx.store.set_device(&change(1, DeviceRole::Terminal, Some("serial:/dev/ttyUSB0:9600"), None));
    assert!(seq.expect("set").is_some());
    fx.store.set_device(&change(2, DeviceRole::Printer, Some("tcp:10.0.0.7:9100"), None)).expect("printer");
    let before = fx.counts();
    assert_eq!(
        fx.store.set_device(&change(3, DeviceRole::Terminal, Some("serial:/dev/ttyUSB0:9600"), None)).expect("again"),
        None,
        "the same setting again changes nothing"
    );
    assert_eq!(fx.counts(), before, "and writes nothing");

    let settings = fx.store.device_settings(REGISTER).expect("settings");
    assert_eq!(settings.len(), 2);
    assert_eq!(settings[0].role, DeviceRole::Terminal, "terminal first");
    assert_eq!(settings[0].place, "serial:/dev/ttyUSB0:9600");
    assert_eq!(settings[0].changed_by, "tech");
    assert_eq!(settings[1].place, "tcp:10.0.0.7:9100");
    assert_eq!(settings[1].options, r#"{"paper":"80mm"}"#);

    fx.store.set_device(&change(4, DeviceRole::Terminal, Some("tcp:10.0.0.5:20007"), None)).expect("moved");
    fx.store.set_device(&change(5, DeviceRole::Printer, None, None)).expect("removed");
    assert_eq!(fx.store.device_settings(REGISTER).expect("settings").len(), 1);

    let entries = config_entries(&fx);
    assert_eq!(entries.len(), 4, "four changes, four entries: {entries:?}");
    assert_eq!(entries[2]["place"], "tcp:10.0.0.5:20007");
    assert_eq!(entries[2]["previous"], "serial:/dev/ttyUSB0:9600");
    assert_eq!(entries[3]["device"], "printer");
    assert!(entries[3]["place"].is_null(), "a removal names no place");
    assert_eq!(entries[3]["previous"], "tcp:10.0.0.7:9100");

    let conn = fx.raw();
    assert_eq!(count(&conn, "SELECT count(*) FROM outbox WHERE kind = 'device.config'"), 4, "each queued once");
    fx.store.verify_journal(REGISTER).expect("the chain holds");
}

#[test]
fn the_terminal_password_is_kept_but_never_journaled_and_does_not_follow_a_new_place() {
    let fx = store();
    fx.store.set_device(&change(1, DeviceRole::Terminal, Some("serial:/dev/ttyS0"), Some("424242"))).expect("set");
    assert_eq!(fx.store.device_secret(REGISTER, DeviceRole::Terminal).expect("read"), Some("424242".into()));
    assert!(fx.store.device_settings(REGISTER).expect("settings")[0].has_secret);

    // Same place, no new password: the password stays, nothing is written.
    assert_eq!(
        fx.store.set_device(&change(2, DeviceRole::Terminal, Some("serial:/dev/ttyS0"), None)).expect("x"),
        None
    );
    assert_eq!(fx.store.device_secret(REGISTER, DeviceRole::Terminal).expect("read"), Some("424242".into()));

    // Another place is another terminal: the old password is dropped.
    fx.store.set_device(&change(3, DeviceRole::Terminal, Some("serial:/dev/ttyS1"), None)).expect("moved");
    assert_eq!(fx.store.device_secret(REGISTER, DeviceRole::Terminal).expect("read"), None);

    let conn = fx.raw();
    let journaled: Vec<String> = conn
        .prepare("SELECT body FROM journal")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let outbox: Vec<String> = conn
        .prepare("SELECT payload FROM outbox")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    for text in journaled.iter().chain(&outbox) {
        assert!(!text.contains("424242"), "the password leaked: {text}");
    }
    let entries = config_entries(&fx);
    assert_eq!(entries[0]["password_kept"], true);
    assert_eq!(entries[1]["password_kept"], false);
}

#[test]
fn options_that_are_not_json_are_refused_and_nothing_is_written() {
    let fx = store();
    let before = fx.counts();
    let mut bad = change(1, DeviceRole::Printer, Some("file:/tmp/x"), None);
    bad.options = "{not json";
    assert!(fx.store.set_device(&bad).is_err());
    assert_eq!(fx.counts(), before);
    assert!(fx.store.device_settings(REGISTER).expect("settings").is_empty());
}

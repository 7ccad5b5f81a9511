//! The back end's JSON bodies, as the server and the terminal read them.

use ringup_domain::journal::JournalEntry;
use ringup_protocol::settings::StoreSettings;
use ringup_protocol::{
    ApiError, Change, ChangePage, DeviceInfo, Event, PairRequest, Paired, PushAnswer, PushRequest, StockMovementAnswer,
    StockMovementRequest, WireJournalEntry,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;

/// The JSON bodies of the back end's API (`ringup-protocol`): what the server's handlers read
/// (pairing, a push of events, a stock movement) and what the terminal reads back. Input: a
/// selector byte, then the JSON. The selector modulo 13 picks: 0 `PairRequest`, 1 `PushRequest`,
/// 2 `StockMovementRequest`, 3 `Event`, 4 `WireJournalEntry`, 5 `ChangePage`, 6 `Change`,
/// 7 `StoreSettings`, 8 `Paired`, 9 `DeviceInfo`, 10 `PushAnswer`, 11 `StockMovementAnswer`,
/// 12 `ApiError`.
///
/// Checks that reading never panics, and that a body that reads writes JSON that reads back as
/// an equal value and is written again byte for byte (with floats inside free-form JSON equal to
/// within a few units in the last place: serde_json's default float reading is not exact); that a
/// journal entry on the wire that reads as an entry goes back on the wire the same, hashes in
/// lower case; that a change's JSON carries its revision; and that checking settings never panics.
pub fn server_json(data: &[u8]) {
    let Some((&selector, json)) = data.split_first() else { return };
    match selector % 13 {
        0 => {
            round_trip::<PairRequest>(json);
        }
        1 => {
            if let Some(push) = round_trip::<PushRequest>(json) {
                push.events.iter().for_each(check_event);
            }
        }
        2 => {
            round_trip::<StockMovementRequest>(json);
        }
        3 => {
            if let Some(event) = round_trip::<Event>(json) {
                check_event(&event);
            }
        }
        4 => {
            if let Some(entry) = round_trip::<WireJournalEntry>(json) {
                check_wire_entry(&entry);
            }
        }
        5 => {
            if let Some(page) = round_trip::<ChangePage>(json) {
                page.changes.iter().for_each(check_change);
            }
        }
        6 => {
            if let Some(change) = round_trip::<Change>(json) {
                check_change(&change);
            }
        }
        7 => {
            if let Some(Err(reason)) = round_trip::<StoreSettings>(json).map(|settings| settings.check()) {
                assert!(!reason.is_empty(), "settings refused without a reason");
            }
        }
        8 => {
            round_trip::<Paired>(json);
        }
        9 => {
            round_trip::<DeviceInfo>(json);
        }
        10 => {
            round_trip::<PushAnswer>(json);
        }
        11 => {
            round_trip::<StockMovementAnswer>(json);
        }
        _ => {
            round_trip::<ApiError>(json);
        }
    }
}

fn to_tree<T: Serialize + Debug>(value: &T) -> Value {
    match serde_json::to_value(value) {
        Ok(tree) => tree,
        Err(error) => panic!("{value:?} does not convert to JSON: {error}"),
    }
}

/// Reads `json` as a `T`; when it reads, checks it writes and reads back the same.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(json: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(json).ok()?;
    let name = std::any::type_name::<T>();
    let written = match serde_json::to_vec(&value) {
        Ok(written) => written,
        Err(error) => panic!("{name} {value:?} does not serialise: {error}"),
    };
    let shown = String::from_utf8_lossy(&written);
    let again: T = match serde_json::from_slice(&written) {
        Ok(again) => again,
        Err(error) => panic!("{name}: its own JSON {shown} does not read back: {error}"),
    };
    let tree = to_tree(&value);
    if has_float(&tree) {
        assert!(json_close(&tree, &to_tree(&again)), "{name}: {shown} read back as {again:?}");
    } else {
        assert_eq!(again, value, "{name}: {shown} reads back differently");
        let rewritten = serde_json::to_vec(&again).ok();
        assert_eq!(rewritten.as_deref(), Some(written.as_slice()), "{name}: {shown} is written differently");
    }
    Some(value)
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        Value::Null | Value::Bool(_) | Value::String(_) => false,
    }
}

/// Equal JSON, but for floats, which may differ by a few units in the last place.
fn json_close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| float_order(x).abs_diff(float_order(y)) <= 8)
        }
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_close(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len() && xs.iter().all(|(key, x)| ys.get(key).is_some_and(|y| json_close(x, y)))
        }
        _ => a == b,
    }
}

/// A float's place among all floats: neighbours differ by one, and both zeros are 0.
fn float_order(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    if bits < 0 { i64::MIN - bits } else { bits }
}

fn check_event(event: &Event) {
    if let Some(journal) = &event.journal {
        check_wire_entry(journal);
    }
}

fn check_wire_entry(wire: &WireJournalEntry) {
    let Ok(entry) = JournalEntry::try_from(wire) else { return };
    let back = WireJournalEntry::from(&entry);
    let as_sent = WireJournalEntry {
        prev_hash: wire.prev_hash.to_ascii_lowercase(),
        hash: wire.hash.to_ascii_lowercase(),
        ..wire.clone()
    };
    assert_eq!(back, as_sent, "a journal entry read from the wire goes back on it the same");
    assert_eq!(JournalEntry::try_from(&back), Ok(entry), "a journal entry put on the wire reads back the same");
}

fn check_change(change: &Change) {
    assert_eq!(to_tree(change)["rev"], change.rev(), "the JSON of {change:?} carries its revision");
}

//! The back end's API as data: what a terminal sends and what it gets back, shared by the
//! server (`crates/server`) and the terminal's sync task (`crates/sync`). JSON over HTTP under
//! `/v1`; every call but pairing carries `Authorization: Bearer <device token>`.

pub mod catalog;
pub mod pull;
pub mod settings;

pub use pull::{
    Change, ChangePage, MAX_CHANGES, StockMovementAnswer, StockMovementRequest, WireProduct, WireStockMovement,
};

use ringup_domain::journal::{EntryData, EntryKind, JournalEntry};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most events in one push. A terminal sends at most this many; the server refuses more.
pub const MAX_BATCH_EVENTS: usize = 500;
/// Largest request body the server reads (a full batch of large sales fits with room).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Length of a pairing code, and the letters it is made of: no 0/O, 1/I/L, so a technician
/// reading it off a screen cannot type it wrong.
pub const PAIRING_CODE_LEN: usize = 8;
pub const PAIRING_CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// How long a pairing code may be used.
pub const PAIRING_CODE_TTL_MS: i64 = 10 * 60 * 1000;

/// `POST /v1/pair`: a one-time code for a register, from the admin CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    pub code: String,
    /// What the technician calls this terminal (shown in `devices list`).
    #[serde(default)]
    pub name: Option<String>,
    /// The SHA-256 (lower-case hex) of a token the terminal made itself: the token never
    /// travels, and asking again with the same code and hash (an answer lost) is answered with
    /// the same device. Without it the server makes the token and answers it once.
    #[serde(default)]
    pub token_sha256: Option<String>,
}

/// The answer to a pairing: the token is shown here once (empty when the terminal sent the hash
/// of its own); the server keeps only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paired {
    pub device_id: Uuid,
    pub token: String,
    pub store_id: Uuid,
    pub register_id: Uuid,
    pub register_name: String,
}

/// `GET /v1/device`: who the token belongs to and the highest event sequence the server holds
/// from it (0 before the first), where a terminal resumes after losing an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_id: Uuid,
    pub store_id: Uuid,
    pub register_id: Uuid,
    pub high_seq: u64,
}

/// One entry of a register's journal, as hashed on the terminal; the server checks the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireJournalEntry {
    pub register_id: String,
    pub seq: u64,
    pub kind: String,
    pub document_id: Uuid,
    pub at_ms: i64,
    pub currency: String,
    pub turnover_minor: i64,
    pub grand_total_minor: i64,
    pub body: String,
    /// Lower-case hex of the 32-byte SHA-256 values.
    pub prev_hash: String,
    pub hash: String,
}

/// Why a wire entry cannot be read back as a journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEntry(pub String);

impl From<&JournalEntry> for WireJournalEntry {
    fn from(e: &JournalEntry) -> Self {
        let d = &e.data;
        WireJournalEntry {
            register_id: d.register_id.clone(),
            seq: d.seq,
            kind: d.kind.name().to_string(),
            document_id: d.document_id,
            at_ms: d.at_unix_ms,
            currency: d.currency.clone(),
            turnover_minor: d.turnover_minor,
            grand_total_minor: d.grand_total_minor,
            body: d.body.clone(),
            prev_hash: hex::encode(e.prev_hash),
            hash: hex::encode(e.hash),
        }
    }
}

fn hash32(name: &str, text: &str) -> Result<[u8; 32], BadEntry> {
    let bytes = hex::decode(text).map_err(|_| BadEntry(format!("{name} is not hex")))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| BadEntry(format!("{name} is not 32 bytes")))
}

impl TryFrom<&WireJournalEntry> for JournalEntry {
    type Error = BadEntry;
    fn try_from(w: &WireJournalEntry) -> Result<Self, BadEntry> {
        let kind = EntryKind::from_name(&w.kind).ok_or_else(|| BadEntry(format!("unknown entry kind {:?}", w.kind)))?;
        Ok(JournalEntry {
            data: EntryData {
                register_id: w.register_id.clone(),
                seq: w.seq,
                kind,
                document_id: w.document_id,
                at_unix_ms: w.at_ms,
                currency: w.currency.clone(),
                turnover_minor: w.turnover_minor,
                grand_total_minor: w.grand_total_minor,
                body: w.body.clone(),
            },
            prev_hash: hash32("prev_hash", &w.prev_hash)?,
            hash: hash32("hash", &w.hash)?,
        })
    }
}

/// One event of a terminal's outbox. `id` is the idempotency key; `seq` is the device's own
/// gapless count (1, 2, 3…) that the server acknowledges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: Uuid,
    pub seq: u64,
    /// `sale.completed`, `sale.voided`, `refund.created`, `payment_attempt.<state>`,
    /// `cash.<movement>`, `day.close`, `receipt.reprint`, `stock.adjusted` (a movement made at the
    /// till: a delivery, breakage, a count). Sales, refunds and adjustments carry their stock
    /// movements in `data.stock`.
    pub kind: String,
    pub document_id: Uuid,
    pub created_ms: i64,
    /// The journal entry the event records, when it records one.
    #[serde(default)]
    pub journal: Option<WireJournalEntry>,
    /// Anything else the event carries (a payment attempt's state and masked card).
    #[serde(default)]
    pub data: serde_json::Value,
}

/// `POST /v1/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub events: Vec<Event>,
}

/// The answer to a push. `high_seq` is the highest contiguous sequence the server holds from
/// this device after the batch; a terminal marks everything up to it as pushed. `gap` says the
/// batch skipped sequences: the server expected `high_seq + 1` and the terminal re-sends from
/// there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAnswer {
    pub high_seq: u64,
    /// Events of the batch applied now.
    pub applied: u64,
    /// Events of the batch the server already held (sent twice): they changed nothing.
    pub duplicates: u64,
    #[serde(default)]
    pub gap: Option<u64>,
}

/// Every error the API answers: a stable code and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringup_domain::journal::{ChainHead, NewEntry, append};

    #[test]
    fn a_journal_entry_survives_the_wire_unchanged() {
        let head = ChainHead::GENESIS;
        let entry = append(
            &head,
            NewEntry {
                register_id: "R1".into(),
                kind: EntryKind::Sale,
                document_id: Uuid::nil(),
                at_unix_ms: 1_700_000_000_000,
                currency: "EUR".into(),
                turnover_minor: 1499,
                body: "{\"lines\":[]}".into(),
            },
        )
        .expect("append");
        let wire = WireJournalEntry::from(&entry);
        let json = serde_json::to_string(&wire).expect("json");
        let back: WireJournalEntry = serde_json::from_str(&json).expect("parse");
        assert_eq!(JournalEntry::try_from(&back).expect("entry"), entry);
        assert_eq!(wire.hash.len(), 64);
    }

    #[test]
    fn a_bad_hash_or_kind_is_named() {
        let mut wire = WireJournalEntry {
            register_id: "R1".into(),
            seq: 1,
            kind: "sale".into(),
            document_id: Uuid::nil(),
            at_ms: 0,
            currency: "EUR".into(),
            turnover_minor: 0,
            grand_total_minor: 0,
            body: String::new(),
            prev_hash: "00".repeat(32),
            hash: "zz".into(),
        };
        assert_eq!(JournalEntry::try_from(&wire).unwrap_err(), BadEntry("hash is not hex".into()));
        wire.hash = "00".repeat(31);
        assert_eq!(JournalEntry::try_from(&wire).unwrap_err(), BadEntry("hash is not 32 bytes".into()));
        wire.hash = "00".repeat(32);
        wire.kind = "lottery".into();
        assert_eq!(JournalEntry::try_from(&wire).unwrap_err(), BadEntry("unknown entry kind \"lottery\"".into()));
    }
}

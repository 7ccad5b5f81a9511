//! The tamper-evident journal: every completed sale, void, refund, cash movement and close is
//! an entry whose hash is SHA-256(previous hash ‖ canonical bytes of the entry), numbered
//! gaplessly per register, with a grand total that never resets (the model: NF525 / RKSV).
//!
//! Editing, removing, inserting or reordering any entry breaks the chain at a place
//! [`verify`] names. (A forger who rewrites every later hash too is caught only by comparing
//! with a copy held elsewhere — the server re-verifies each register's chain on sync.)

use crate::DomainError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const GENESIS_HASH: [u8; 32] = [0; 32];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntryKind {
    Sale,
    Void,
    Refund,
    CashMovement,
    Close,
    /// A receipt printed again (marked COPY): no money moves, but who reprinted what is kept.
    Reprint,
    /// A device set up, changed or removed by a technician: no money moves.
    Config,
}

impl EntryKind {
    pub const ALL: [EntryKind; 7] = [
        EntryKind::Sale,
        EntryKind::Void,
        EntryKind::Refund,
        EntryKind::CashMovement,
        EntryKind::Close,
        EntryKind::Reprint,
        EntryKind::Config,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            EntryKind::Sale => "sale",
            EntryKind::Void => "void",
            EntryKind::Refund => "refund",
            EntryKind::CashMovement => "cash_movement",
            EntryKind::Close => "close",
            EntryKind::Reprint => "reprint",
            EntryKind::Config => "config",
        }
    }

    pub fn from_name(name: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// What an entry says. `body` is the canonical JSON of the document (the sale, the refund…),
/// so the hash covers every line and tender, not just the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryData {
    pub register_id: String,
    pub seq: u64,
    pub kind: EntryKind,
    pub document_id: Uuid,
    pub at_unix_ms: i64,
    pub currency: String,
    /// The signed effect on turnover: + for a sale, − for a refund, 0 for everything else.
    pub turnover_minor: i64,
    /// The running sum of `turnover_minor` over the register's whole life; it never resets.
    pub grand_total_minor: i64,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub data: EntryData,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// The canonical bytes of an entry, version 1: a magic, then every field in a fixed order,
/// each as a one-byte tag, a 4-byte big-endian length and the bytes (integers as 8-byte
/// big-endian). Hand-written because the hash must never change with a serializer's version.
pub fn canonical_bytes(data: &EntryData) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + data.body.len());
    out.extend_from_slice(b"RINGUP-JOURNAL-1");
    let mut field = |tag: u8, bytes: &[u8]| {
        out.push(tag);
        // Lengths beyond u32 cannot occur: bodies are bounded far below 4 GiB by the store.
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(1, data.register_id.as_bytes());
    field(2, &data.seq.to_be_bytes());
    field(3, data.kind.name().as_bytes());
    field(4, data.document_id.as_bytes());
    field(5, &data.at_unix_ms.to_be_bytes());
    field(6, data.currency.as_bytes());
    field(7, &data.turnover_minor.to_be_bytes());
    field(8, &data.grand_total_minor.to_be_bytes());
    field(9, data.body.as_bytes());
    out
}

pub fn entry_hash(prev_hash: &[u8; 32], data: &EntryData) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(canonical_bytes(data));
    hasher.finalize().into()
}

/// The fields of a new entry that the caller decides; sequence, grand total and hashes follow
/// from the previous entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub register_id: String,
    pub kind: EntryKind,
    pub document_id: Uuid,
    pub at_unix_ms: i64,
    pub currency: String,
    pub turnover_minor: i64,
    pub body: String,
}

/// Where a register's chain stands: what the next entry links to. Kept beside the register
/// so that appending never has to read the previous entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: [u8; 32],
    pub grand_total_minor: i64,
}

impl ChainHead {
    /// A register's chain before its first entry.
    pub const GENESIS: ChainHead = ChainHead { seq: 0, hash: GENESIS_HASH, grand_total_minor: 0 };
}

impl JournalEntry {
    pub fn head(&self) -> ChainHead {
        ChainHead { seq: self.data.seq, hash: self.hash, grand_total_minor: self.data.grand_total_minor }
    }
}

/// Appends `new` after `head`: the next number, the running grand total, and the hash link.
pub fn append(head: &ChainHead, new: NewEntry) -> Result<JournalEntry, DomainError> {
    let grand_total_minor =
        head.grand_total_minor.checked_add(new.turnover_minor).ok_or(DomainError::Overflow("grand total"))?;
    let data = EntryData {
        register_id: new.register_id,
        seq: head.seq + 1,
        kind: new.kind,
        document_id: new.document_id,
        at_unix_ms: new.at_unix_ms,
        currency: new.currency,
        turnover_minor: new.turnover_minor,
        grand_total_minor,
        body: new.body,
    };
    let hash = entry_hash(&head.hash, &data);
    Ok(JournalEntry { data, prev_hash: head.hash, hash })
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq} was edited: its content no longer matches its hash")]
    Edited { seq: u64 },
    #[error("entry {seq} does not follow the entry before it: an entry before it was edited, removed or inserted")]
    BrokenLink { seq: u64 },
    #[error("entries missing: expected number {expected} but found {found}")]
    Missing { expected: u64, found: u64 },
    #[error("entry {found} stands where {expected} should: entries inserted or reordered")]
    OutOfOrder { expected: u64, found: u64 },
    #[error("entry {seq} has grand total {found} but the entries sum to {expected}")]
    GrandTotal { seq: u64, expected: i64, found: i64 },
    #[error("entry {seq} belongs to register {found}, not {expected}")]
    WrongRegister { seq: u64, expected: String, found: String },
}

/// Verifies one register's entries, in the order they are stored, from its first entry.
pub fn verify(entries: &[JournalEntry]) -> Result<(), ChainBreak> {
    let mut prev_hash = GENESIS_HASH;
    let mut grand = 0i64;
    let register = entries.first().map(|e| e.data.register_id.clone()).unwrap_or_default();
    for (index, entry) in entries.iter().enumerate() {
        let d = &entry.data;
        let expected_seq = index as u64 + 1;
        if d.register_id != register {
            return Err(ChainBreak::WrongRegister { seq: d.seq, expected: register, found: d.register_id.clone() });
        }
        if d.seq > expected_seq {
            return Err(ChainBreak::Missing { expected: expected_seq, found: d.seq });
        }
        if d.seq < expected_seq {
            return Err(ChainBreak::OutOfOrder { expected: expected_seq, found: d.seq });
        }
        if entry_hash(&entry.prev_hash, d) != entry.hash {
            return Err(ChainBreak::Edited { seq: d.seq });
        }
        if entry.prev_hash != prev_hash {
            return Err(ChainBreak::BrokenLink { seq: d.seq });
        }
        grand = grand.saturating_add(d.turnover_minor);
        if grand != d.grand_total_minor {
            return Err(ChainBreak::GrandTotal { seq: d.seq, expected: grand, found: d.grand_total_minor });
        }
        prev_hash = entry.hash;
    }
    Ok(())
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;

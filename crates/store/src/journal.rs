//! The journal in the database: appending inside a caller's transaction, reading a register's
//! chain, and verifying it — hash links, gapless numbers, grand totals, and that the chain
//! ends where the register's counter says it does.

use crate::{Store, StoreError, to_i64};
use ringup_domain::journal::{self, ChainHead, EntryData, EntryKind, JournalEntry, NewEntry};
use rusqlite::{Connection, Transaction, params};
use uuid::Uuid;

fn hash_from(blob: Vec<u8>) -> rusqlite::Result<[u8; 32]> {
    <[u8; 32]>::try_from(blob.as_slice()).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, "hash is not 32 bytes".into())
    })
}

fn bad_column(index: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, what.to_string().into())
}

pub(crate) fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JournalEntry> {
    let kind: String = r.get(2)?;
    let document_id: String = r.get(3)?;
    Ok(JournalEntry {
        data: EntryData {
            register_id: r.get(0)?,
            seq: crate::get_u64(r, 1)?,
            kind: EntryKind::from_name(&kind).ok_or_else(|| bad_column(2, "unknown journal entry kind"))?,
            document_id: Uuid::parse_str(&document_id).map_err(|_| bad_column(3, "bad document id"))?,
            at_unix_ms: r.get(4)?,
            currency: r.get(5)?,
            turnover_minor: r.get(6)?,
            grand_total_minor: r.get(7)?,
            body: r.get(8)?,
        },
        prev_hash: hash_from(r.get(9)?)?,
        hash: hash_from(r.get(10)?)?,
    })
}

fn read_entries(c: &Connection, register_id: &str) -> Result<Vec<JournalEntry>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT register_id, seq, kind, document_id, at_ms, currency, turnover_minor, grand_total_minor,
                body, prev_hash, hash FROM journal WHERE register_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([register_id], entry_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn chain_head(tx: &Transaction<'_>, register_id: &str) -> Result<ChainHead, StoreError> {
    tx.prepare_cached("SELECT journal_seq, journal_hash, grand_total_minor FROM registers WHERE id = ?1")?
        .query_row([register_id], |r| {
            Ok(ChainHead { seq: crate::get_u64(r, 0)?, hash: hash_from(r.get(1)?)?, grand_total_minor: r.get(2)? })
        })
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound(format!("register {register_id}")),
            other => other.into(),
        })
}

/// Appends an entry to the register's chain and moves the register's head, in `tx`.
pub(crate) fn append(tx: &Transaction<'_>, new: NewEntry) -> Result<JournalEntry, StoreError> {
    let head = chain_head(tx, &new.register_id)?;
    let entry = journal::append(&head, new)?;
    let d = &entry.data;
    tx.prepare_cached(
        "INSERT INTO journal(register_id, seq, kind, document_id, at_ms, currency, turnover_minor,
             grand_total_minor, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        d.register_id,
        to_i64(d.seq)?,
        d.kind.name(),
        d.document_id.to_string(),
        d.at_unix_ms,
        d.currency,
        d.turnover_minor,
        d.grand_total_minor,
        d.body,
        entry.prev_hash.to_vec(),
        entry.hash.to_vec()
    ])?;
    tx.prepare_cached(
        "UPDATE registers SET journal_seq = ?2, journal_hash = ?3, grand_total_minor = ?4 WHERE id = ?1",
    )?
    .execute(params![d.register_id, to_i64(d.seq)?, entry.hash.to_vec(), d.grand_total_minor])?;
    Ok(entry)
}

impl Store {
    /// A register's journal in stored order.
    pub fn journal(&self, register_id: &str) -> Result<Vec<JournalEntry>, StoreError> {
        self.read(|c| read_entries(c, register_id))
    }

    /// Verifies a register's journal: the chain itself; that it ends exactly at the head the
    /// register records (so a removed last entry is caught too); and that the sales and refunds
    /// tables, which reports add up, say what the hashed journal says. Returns the entry count.
    pub fn verify_journal(&self, register_id: &str) -> Result<u64, StoreError> {
        // The chain and the register's head are read in ONE read transaction: read apart, a
        // sale committed in between would look like entries removed from the journal.
        let (entries, (seq, hash), documents) = self.read(|c| {
            let snapshot = c.unchecked_transaction()?;
            let entries = read_entries(&snapshot, register_id)?;
            let head: (u64, Vec<u8>) = snapshot.query_row(
                "SELECT journal_seq, journal_hash FROM registers WHERE id = ?1",
                [register_id],
                |r| Ok((crate::get_u64(r, 0)?, r.get(1)?)),
            )?;
            let documents = crate::crosscheck::stored_documents(&snapshot, register_id)?;
            Ok((entries, head, documents))
        })?;
        let problem = |p: String| StoreError::Journal { register: register_id.to_string(), problem: p };
        journal::verify(&entries).map_err(|e| problem(e.to_string()))?;
        let last = entries.last().map_or((0, journal::GENESIS_HASH.to_vec()), |e| (e.data.seq, e.hash.to_vec()));
        if last.0 != seq {
            return Err(problem(format!(
                "the register counts {seq} entries but the journal ends at {}: entries removed",
                last.0
            )));
        }
        if last.1 != hash {
            return Err(problem(format!("entry {seq} is not the entry the register recorded last: it was replaced")));
        }
        crate::crosscheck::documents_match(&entries, documents).map_err(problem)?;
        Ok(seq)
    }
}

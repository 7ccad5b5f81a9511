//! The sales and refunds tables against the journal. Reports sum the tables; the journal is
//! what is hashed. A row edited, added or removed behind the journal's back would make a report
//! disagree with the sales it claims to sum, so verify compares every row with its entry.

use crate::StoreError;
use crate::commit::SaleDocument;
use crate::refund::RefundDocument;
use ringup_domain::journal::{EntryKind, JournalEntry};
use rusqlite::Connection;
use std::collections::BTreeMap;

/// What the tables say about a document: its entry, receipt number, total, state.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StoredDocument {
    journal_seq: u64,
    receipt_no: u64,
    total_minor: i64,
    state: String,
}

pub(crate) type Documents = BTreeMap<String, StoredDocument>;

pub(crate) fn stored_documents(c: &Connection, register_id: &str) -> Result<Documents, StoreError> {
    let mut out = BTreeMap::new();
    for sql in [
        "SELECT id, receipt_no, total_minor, state, journal_seq FROM sales WHERE register_id = ?1",
        "SELECT id, receipt_no, total_minor, 'refund', journal_seq FROM refunds WHERE register_id = ?1",
    ] {
        let mut stmt = c.prepare(sql)?;
        let rows = stmt.query_map([register_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                StoredDocument {
                    journal_seq: crate::get_u64(r, 4)?,
                    receipt_no: crate::get_u64(r, 1)?,
                    total_minor: r.get(2)?,
                    state: r.get(3)?,
                },
            ))
        })?;
        for row in rows {
            let (id, doc) = row?;
            out.insert(id, doc);
        }
    }
    Ok(out)
}

/// What the journal says the tables should hold for one entry.
fn expected(entry: &JournalEntry) -> Result<Option<(String, StoredDocument)>, String> {
    let seq = entry.data.seq;
    let unreadable = |e: serde_json::Error| format!("entry {seq}: its document cannot be read ({e})");
    Ok(match entry.data.kind {
        EntryKind::Sale | EntryKind::Void => {
            let doc: SaleDocument = serde_json::from_str(&entry.data.body).map_err(unreadable)?;
            let total_minor = doc.totals.total_minor();
            let state = if entry.data.kind == EntryKind::Sale { "completed" } else { "voided" };
            Some((
                doc.sale.id.to_string(),
                StoredDocument { journal_seq: seq, receipt_no: doc.receipt_no, total_minor, state: state.into() },
            ))
        }
        EntryKind::Refund => {
            let doc: RefundDocument = serde_json::from_str(&entry.data.body).map_err(unreadable)?;
            let total_minor = doc.lines.iter().map(|l| l.amounts.gross_minor).sum();
            Some((
                doc.id.to_string(),
                StoredDocument { journal_seq: seq, receipt_no: doc.receipt_no, total_minor, state: "refund".into() },
            ))
        }
        EntryKind::CashMovement | EntryKind::Close | EntryKind::Reprint | EntryKind::Config => None,
    })
}

pub(crate) fn documents_match(entries: &[JournalEntry], mut stored: Documents) -> Result<(), String> {
    for entry in entries {
        let Some((id, want)) = expected(entry)? else { continue };
        let seq = entry.data.seq;
        match stored.remove(&id) {
            None => return Err(format!("entry {seq}: document {id} is missing from the tables")),
            Some(have) if have != want => {
                return Err(format!(
                    "entry {seq}: the tables disagree with the journal about {id}: receipt {} total {} {} \\
                     where the journal has receipt {} total {} {}",
                    have.receipt_no, have.total_minor, have.state, want.receipt_no, want.total_minor, want.state
                ));
            }
            Some(_) => {}
        }
    }
    match stored.keys().next() {
        Some(id) => Err(format!("document {id} is in the tables but not in the journal: it was added behind its back")),
        None => Ok(()),
    }
}

//! What the sync task reads and writes in the store: the pairing with the back end, the outbox
//! as a device's numbered events, and the mark of what the server holds.
//!
//! A device's sequence is the outbox's own (gapless: rows are never deleted) minus the pairing's
//! `seq_base`, so a terminal paired anew starts at 1 and does not resend what an earlier pairing
//! pushed. Marking is monotonic: what the server acknowledged stays pushed.

use crate::{Store, StoreError, get_u64, to_i64};
use ringup_domain::journal::JournalEntry;
use ringup_protocol::WireStockMovement;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub server_url: String,
    pub device_id: Uuid,
    pub token: String,
    pub store_id: Uuid,
    pub register_id: Uuid,
    pub register_name: String,
    pub seq_base: u64,
    pub paired_ms: i64,
    /// When the server said the device is unpaired (401): it stops pushing until paired anew.
    pub revoked_ms: Option<i64>,
    /// The back end's own certificate (PEM), trusted besides the system's roots.
    pub ca_pem: Option<String>,
}

/// What the back end gave at pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPairing<'a> {
    pub server_url: &'a str,
    pub device_id: Uuid,
    pub token: &'a str,
    pub store_id: Uuid,
    pub register_id: Uuid,
    pub register_name: &'a str,
    pub ca_pem: Option<&'a str>,
}

/// One outbox row as the device's event `device_seq`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub device_seq: u64,
    pub event_id: Uuid,
    pub kind: String,
    pub document_id: Uuid,
    pub created_ms: i64,
    pub journal: Option<JournalEntry>,
    pub data: serde_json::Value,
}

fn uuid_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let text: String = r.get(i)?;
    Uuid::parse_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

/// The outbox number before `device`'s first event; refused when the store is paired with
/// another device now.
pub(crate) fn base_for(c: &Connection, device: Uuid) -> Result<u64, StoreError> {
    match pairing_in(c)? {
        Some(p) if p.device_id == device => Ok(p.seq_base),
        _ => Err(StoreError::Conflict(format!("the till is no longer paired as device {device}: it was paired anew"))),
    }
}

fn pairing_in(c: &Connection) -> Result<Option<Pairing>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT server_url, device_id, token, store_id, register_id, register_name, seq_base, paired_ms, revoked_ms,
                server_ca_pem
           FROM sync_pairing WHERE id = 1",
    )?
    .query_row([], |r| {
        Ok(Pairing {
            server_url: r.get(0)?,
            device_id: uuid_at(r, 1)?,
            token: r.get(2)?,
            store_id: uuid_at(r, 3)?,
            register_id: uuid_at(r, 4)?,
            register_name: r.get(5)?,
            seq_base: get_u64(r, 6)?,
            paired_ms: r.get(7)?,
            revoked_ms: r.get(8)?,
            ca_pem: r.get(9)?,
        })
    })
    .optional()?)
}

/// The journal entry an outbox row points at, or what the row itself carries (a payment
/// attempt's state, amount and masked card as they were at that change).
fn event_content(c: &Connection, payload: &str) -> Result<(Option<JournalEntry>, serde_json::Value), StoreError> {
    let payload: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| StoreError::Config(format!("an outbox row's payload is not JSON: {e}")))?;
    if let (Some(register), Some(seq)) = (payload["register_id"].as_str(), payload["journal_seq"].as_u64()) {
        let entry = c
            .prepare_cached(
                "SELECT register_id, seq, kind, document_id, at_ms, currency, turnover_minor, grand_total_minor,
                        body, prev_hash, hash FROM journal WHERE register_id = ?1 AND seq = ?2",
            )?
            .query_row(params![register, to_i64(seq)?], crate::journal::entry_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("journal entry {seq} of register {register}")))?;
        let stock = stock_of_document(c, &entry.data.document_id)?;
        let data = if stock.is_empty() { serde_json::Value::Null } else { serde_json::json!({ "stock": stock }) };
        return Ok((Some(entry), data));
    }
    Ok((None, payload))
}

/// The stock movements a sale or refund made, as the back end's ledger takes them.
fn stock_of_document(c: &Connection, document: &Uuid) -> Result<Vec<WireStockMovement>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT m.id, p.sku, m.delta_milli, m.reason, m.at_ms FROM stock_movements m JOIN products p ON p.id = m.product_id
          WHERE m.document_id = ?1 ORDER BY m.id",
    )?;
    let rows = stmt.query_map([document.to_string()], |r| {
        Ok(WireStockMovement {
            id: r.get(0)?,
            sku: r.get(1)?,
            delta_milli: r.get(2)?,
            reason: r.get(3)?,
            at_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

impl Store {
    pub fn pairing(&self) -> Result<Option<Pairing>, StoreError> {
        self.read(pairing_in)
    }

    /// Keeps a new pairing (replacing an earlier one). Events not yet pushed go to the new
    /// device, numbered from 1.
    pub fn save_pairing(&self, new: &NewPairing<'_>, at_ms: i64) -> Result<Pairing, StoreError> {
        self.write(|tx| {
            let base: i64 =
                tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM outbox WHERE pushed_ms IS NOT NULL", [], |r| r.get(0))?;
            tx.execute(
                "INSERT OR REPLACE INTO sync_pairing(id, server_url, device_id, token, store_id, register_id,
                                                     register_name, seq_base, paired_ms, revoked_ms, server_ca_pem)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9)",
                params![
                    new.server_url,
                    new.device_id.to_string(),
                    new.token,
                    new.store_id.to_string(),
                    new.register_id.to_string(),
                    new.register_name,
                    base,
                    at_ms,
                    new.ca_pem
                ],
            )?;
            pairing_in(tx)?.ok_or_else(|| StoreError::NotFound("the pairing just written".into()))
        })
    }

    /// The server refused this device's token: it no longer pushes until paired anew. A
    /// pairing made meanwhile (another device) is left alone.
    pub fn mark_unpaired(&self, device: Uuid, at_ms: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_pairing SET revoked_ms = COALESCE(revoked_ms, ?1) WHERE id = 1 AND device_id = ?2",
                params![at_ms, device.to_string()],
            )?;
            Ok(())
        })
    }

    /// Up to `limit` of `device`'s events after its sequence `after`, in order.
    pub fn outbox_after(&self, device: Uuid, after: u64, limit: usize) -> Result<Vec<OutboxEvent>, StoreError> {
        self.read(|c| {
            let base = base_for(c, device)?;
            let mut stmt = c.prepare_cached(
                "SELECT seq, event_id, kind, document_id, created_ms, payload FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![to_i64(base + after)?, to_i64(limit as u64)?], |r| {
                    Ok((get_u64(r, 0)?, uuid_at(r, 1)?, r.get::<_, String>(2)?, uuid_at(r, 3)?, r.get(4)?, r.get::<_, String>(5)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(seq, event_id, kind, document_id, created_ms, payload)| {
                    let (journal, data) = event_content(c, &payload)?;
                    Ok(OutboxEvent { device_seq: seq - base, event_id, kind, document_id, created_ms, journal, data })
                })
                .collect()
        })
    }

    /// Marks `device`'s events up to `device_seq` as held by the server. Returns how many rows
    /// this marked. Refused when the till was paired anew meanwhile (the numbers are another
    /// device's now).
    pub fn mark_pushed(&self, device: Uuid, device_seq: u64, at_ms: i64) -> Result<u64, StoreError> {
        self.write_unsynced(|tx| {
            let base = base_for(tx, device)?;
            let n = tx
                .prepare_cached("UPDATE outbox SET pushed_ms = ?1 WHERE seq <= ?2 AND pushed_ms IS NULL")?
                .execute(params![at_ms, to_i64(base + device_seq)?])?;
            Ok(n as u64)
        })
    }

    /// `device`'s sequence the server acknowledged last, as this store knows it, and the last
    /// number the till has made for it.
    pub fn device_sequences(&self, device: Uuid) -> Result<(u64, u64), StoreError> {
        self.read(|c| {
            let base = base_for(c, device)?;
            let (pushed, made): (i64, i64) = c.query_row(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM outbox WHERE pushed_ms IS NOT NULL), (SELECT COALESCE(MAX(seq), 0) FROM outbox)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let of = |v: i64| u64::try_from(v).unwrap_or(0).saturating_sub(base);
            Ok((of(pushed), of(made)))
        })
    }
}

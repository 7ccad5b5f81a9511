//! Ingest: a device's pushed events applied once each, in sequence order, one transaction per
//! batch; the registers' journals re-verified as they arrive; and what the server then holds.
//!
//! A batch costs a fixed handful of statements, not a few per event: the events go in with one
//! multi-row insert that returns the ids it took (those it already held are the duplicates),
//! the journal entries with another, and each chain's head is read once and written once.

use crate::db::{Db, values};
use crate::repo::{ChainBreak, Device, RepoError, Result, Turnover, i64_of, int, text, u64_of};
use ringup_domain::journal::{GENESIS_HASH, JournalEntry, entry_hash};
use ringup_protocol::{Event, PushAnswer, WireJournalEntry, WireStockMovement};
use sqlx::{Any, Transaction};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Where a register's chain stands on the server: the last entry's number and hash.
#[derive(Debug, Clone)]
struct Head {
    seq: u64,
    hash: String,
    stored: bool,
}

/// Checks `wire` against the chain's head and moves the head; returns the problems found.
fn check_link(head: &mut Head, wire: &WireJournalEntry) -> Vec<String> {
    let mut problems = Vec::new();
    match JournalEntry::try_from(wire) {
        Err(e) => problems.push(format!("unreadable entry: {}", e.0)),
        Ok(entry) => {
            if hex::encode(entry_hash(&entry.prev_hash, &entry.data)) != wire.hash {
                problems.push("the entry's hash does not match its contents".to_string());
            }
        }
    }
    if wire.seq <= head.seq {
        problems.push(format!("entry {} arrived again after entry {}", wire.seq, head.seq));
        return problems;
    }
    if wire.seq == head.seq + 2 {
        problems.push(format!("entry {} is missing", head.seq + 1));
    } else if wire.seq > head.seq + 2 {
        problems.push(format!("entries {} to {} are missing", head.seq + 1, wire.seq - 1));
    } else if wire.prev_hash != head.hash {
        problems.push(format!("the entry does not link to entry {}", head.seq));
    }
    head.seq = wire.seq;
    head.hash = wire.hash.clone();
    problems
}

impl Db {
    /// Applies a batch of a device's events in one transaction, in sequence order, each once.
    /// See [`PushAnswer`].
    pub async fn push(&self, device: &Device, mut events: Vec<Event>, now_ms: i64) -> Result<PushAnswer> {
        if events.len() > ringup_protocol::MAX_BATCH_EVENTS {
            return Err(RepoError::Invalid(format!(
                "a batch holds at most {} events, not {}",
                ringup_protocol::MAX_BATCH_EVENTS,
                events.len()
            )));
        }
        events.sort_by_key(|e| e.seq);
        let mut tx = self.pool.begin().await?;
        // Taking the device's row first serialises two pushes of the same device; a revoke that
        // landed since the token was checked is seen here.
        let row = sqlx::query(
            self.sql("UPDATE devices SET last_seen_ms = ? WHERE id = ? AND revoked_ms IS NULL RETURNING high_seq"),
        )
        .bind(now_ms)
        .bind(device.id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| RepoError::Unauthorized {
            code: "device_revoked",
            message: "this device was unpaired: pair it again with a new code".into(),
        })?;
        let start = u64_of(int(&row, "high_seq")?);
        // The run that follows on from what the server holds; older ones are duplicates, and a
        // jump ends the run (the device re-sends from the gap).
        let (mut high, mut duplicates, mut gap) = (start, 0, None);
        let mut run: Vec<&Event> = Vec::new();
        let mut ids = HashSet::new();
        for event in &events {
            if event.seq <= high {
                duplicates += 1;
                continue;
            }
            if event.seq != high + 1 {
                gap = Some(high + 1);
                break;
            }
            high = event.seq;
            // The same id twice in one batch: the first counts.
            if ids.insert(event.id) {
                run.push(event);
            } else {
                duplicates += 1;
            }
        }
        let inserted = self.insert_events(&mut tx, device, &run, now_ms).await?;
        let fresh: Vec<&Event> = run.iter().copied().filter(|e| inserted.contains(&e.id.to_string())).collect();
        duplicates += (run.len() - fresh.len()) as u64;
        self.add_journal_entries(&mut tx, device, &fresh, now_ms).await?;
        let mut movements: Vec<WireStockMovement> = Vec::new();
        for event in &fresh {
            movements.extend(crate::stock::till_movements(event)?);
        }
        let subscribers = self.subscribers(&mut tx, device.store_id).await?;
        for event in &fresh {
            let hook = match event.kind.as_str() {
                "sale.completed" => "sale.completed",
                "refund.created" => "refund.created",
                "day.close" => "shift.closed",
                _ => continue,
            };
            let Some(entry) = &event.journal else { continue };
            let data = serde_json::json!({
                "document_id": event.document_id,
                "register_id": device.register_id,
                "terminal_register": entry.register_id,
                "journal_seq": entry.seq,
                "at_ms": entry.at_ms,
                "currency": entry.currency,
                "turnover_minor": entry.turnover_minor,
                "document": serde_json::from_str::<serde_json::Value>(&entry.body).unwrap_or(serde_json::Value::Null),
            });
            self.enqueue_webhook(&mut tx, &subscribers, (&event.id.to_string(), hook), data, now_ms).await?;
        }
        sqlx::query(self.sql("UPDATE devices SET high_seq = ? WHERE id = ?"))
            .bind(i64_of(high, "sequence")?)
            .bind(device.id.to_string())
            .execute(&mut *tx)
            .await?;
        // Last, so the store's row (taken for the movements' revisions, which every till of the
        // store queues for) is held for as short a time as can be.
        let added = self.add_till_movements(&mut tx, device.store_id, device.id, &movements).await?;
        self.stock_low_after(&mut tx, &subscribers, &added, now_ms).await?;
        tx.commit().await?;
        Ok(PushAnswer { high_seq: high, applied: fresh.len() as u64, duplicates, gap })
    }

    /// Inserts the events the store does not hold yet; returns the ids it inserted (an id held
    /// already was sent before under another sequence, e.g. by the same till paired anew).
    async fn insert_events(
        &self,
        tx: &mut Transaction<'static, Any>,
        device: &Device,
        run: &[&Event],
        now_ms: i64,
    ) -> Result<HashSet<String>> {
        if run.is_empty() {
            return Ok(HashSet::new());
        }
        let statement = format!(
            "INSERT INTO events(id, store_id, device_id, seq, kind, document_id, created_ms, received_ms, body)
             VALUES {} ON CONFLICT (store_id, id) DO NOTHING RETURNING id",
            values(run.len(), 9)
        );
        let mut query = sqlx::query(self.sql(statement));
        for event in run {
            let body = serde_json::to_string(event).map_err(|e| RepoError::Invalid(e.to_string()))?;
            query = query
                .bind(event.id.to_string())
                .bind(device.store_id.to_string())
                .bind(device.id.to_string())
                .bind(i64_of(event.seq, "sequence")?)
                .bind(event.kind.clone())
                .bind(event.document_id.to_string())
                .bind(event.created_ms)
                .bind(now_ms)
                .bind(body);
        }
        let rows = query.fetch_all(&mut **tx).await?;
        rows.iter().map(|r| text(r, "id")).collect()
    }

    /// Adds the events' journal entries to their registers' chains and checks each: the link
    /// to the previous entry and the entry's own hash, recomputed. A break is recorded, never
    /// repaired.
    async fn add_journal_entries(
        &self,
        tx: &mut Transaction<'static, Any>,
        device: &Device,
        fresh: &[&Event],
        now_ms: i64,
    ) -> Result<()> {
        let entries: Vec<&WireJournalEntry> = fresh.iter().filter_map(|e| e.journal.as_ref()).collect();
        if entries.is_empty() {
            return Ok(());
        }
        let register = device.register_id.to_string();
        let mut heads: HashMap<String, Head> = HashMap::new();
        let mut breaks: Vec<(&str, u64, String)> = Vec::new();
        let mut kept: Vec<&WireJournalEntry> = Vec::new();
        for wire in entries {
            if !heads.contains_key(&wire.register_id) {
                let row = sqlx::query(self.sql(format!(
                    "SELECT seq, hash FROM journal_heads WHERE register_id = ? AND terminal_register = ?{}",
                    self.for_update()
                )))
                .bind(register.clone())
                .bind(wire.register_id.clone())
                .fetch_optional(&mut **tx)
                .await?;
                let head = match row {
                    Some(row) => Head { seq: u64_of(int(&row, "seq")?), hash: text(&row, "hash")?, stored: true },
                    None => Head { seq: 0, hash: hex::encode(GENESIS_HASH), stored: false },
                };
                heads.insert(wire.register_id.clone(), head);
            }
            let Some(head) = heads.get_mut(&wire.register_id) else { continue };
            let before = head.seq;
            for problem in check_link(head, wire) {
                breaks.push((&wire.register_id, wire.seq, problem));
            }
            if wire.seq > before {
                kept.push(wire);
            }
        }
        if !kept.is_empty() {
            let statement = format!(
                "INSERT INTO journal_entries(register_id, terminal_register, seq, store_id, kind, document_id, at_ms,
                                             currency, turnover_minor, grand_total_minor, hash)
                 VALUES {}",
                values(kept.len(), 11)
            );
            let mut query = sqlx::query(self.sql(statement));
            for wire in kept {
                query = query
                    .bind(register.clone())
                    .bind(wire.register_id.clone())
                    .bind(i64_of(wire.seq, "journal sequence")?)
                    .bind(device.store_id.to_string())
                    .bind(wire.kind.clone())
                    .bind(wire.document_id.to_string())
                    .bind(wire.at_ms)
                    .bind(wire.currency.clone())
                    .bind(wire.turnover_minor)
                    .bind(wire.grand_total_minor)
                    .bind(wire.hash.clone());
            }
            query.execute(&mut **tx).await?;
        }
        if !breaks.is_empty() {
            let statement = format!(
                "INSERT INTO journal_breaks(register_id, terminal_register, seq, reason, found_ms) VALUES {}",
                values(breaks.len(), 5)
            );
            let mut query = sqlx::query(self.sql(statement));
            for (terminal_register, seq, reason) in breaks {
                query = query
                    .bind(register.clone())
                    .bind(terminal_register.to_string())
                    .bind(i64_of(seq, "journal sequence")?)
                    .bind(reason)
                    .bind(now_ms);
            }
            query.execute(&mut **tx).await?;
        }
        for (terminal_register, head) in heads {
            let statement = if head.stored {
                "UPDATE journal_heads SET seq = ?, hash = ? WHERE register_id = ? AND terminal_register = ?"
            } else {
                "INSERT INTO journal_heads(seq, hash, register_id, terminal_register) VALUES (?, ?, ?, ?)"
            };
            sqlx::query(self.sql(statement))
                .bind(i64_of(head.seq, "journal sequence")?)
                .bind(head.hash)
                .bind(register.clone())
                .bind(terminal_register)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The store's turnover from every journal entry received, per currency.
    pub async fn turnover(&self, store_id: Uuid) -> Result<Vec<Turnover>> {
        let rows = sqlx::query(self.sql(
            "SELECT currency, COUNT(*) AS entries, CAST(COALESCE(SUM(turnover_minor), 0) AS BIGINT) AS turnover
               FROM journal_entries WHERE store_id = ? GROUP BY currency ORDER BY currency",
        ))
        .bind(store_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Turnover {
                    currency: text(row, "currency")?,
                    entries: u64_of(int(row, "entries")?),
                    turnover_minor: int(row, "turnover")?,
                })
            })
            .collect()
    }

    /// How many events the server holds from a store.
    pub async fn event_count(&self, store_id: Uuid) -> Result<u64> {
        let row = sqlx::query(self.sql("SELECT COUNT(*) AS n FROM events WHERE store_id = ?"))
            .bind(store_id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(u64_of(int(&row, "n")?))
    }

    /// The breaks found in a register's chains, in the order found.
    pub async fn journal_breaks(&self, register_id: Uuid) -> Result<Vec<ChainBreak>> {
        let rows = sqlx::query(
            self.sql("SELECT terminal_register, seq, reason FROM journal_breaks WHERE register_id = ? ORDER BY id"),
        )
        .bind(register_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ChainBreak {
                    terminal_register: text(row, "terminal_register")?,
                    seq: u64_of(int(row, "seq")?),
                    reason: text(row, "reason")?,
                })
            })
            .collect()
    }
}

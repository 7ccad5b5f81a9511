//! Ingest: a device's pushed events applied once each, in sequence order, one transaction per
//! batch; the registers' journals re-verified as they arrive; and what the server then holds.

use crate::db::Db;
use crate::repo::{ChainBreak, Device, RepoError, Result, Turnover, i64_of, int, text, u64_of};
use ringup_domain::journal::{GENESIS_HASH, JournalEntry, entry_hash};
use ringup_protocol::{Event, PushAnswer};
use sqlx::{Any, Transaction};
use uuid::Uuid;

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
        // Taking the device's row first serialises two pushes of the same device.
        let row = sqlx::query(self.sql("UPDATE devices SET last_seen_ms = ? WHERE id = ? RETURNING high_seq"))
            .bind(now_ms)
            .bind(device.id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let mut high = u64_of(int(&row, "high_seq")?);
        let (mut applied, mut duplicates, mut gap) = (0, 0, None);
        for event in &events {
            if event.seq <= high {
                duplicates += 1;
                continue;
            }
            if event.seq != high + 1 {
                gap = Some(high + 1);
                break;
            }
            if self.apply(&mut tx, device, event, now_ms).await? {
                applied += 1;
            } else {
                duplicates += 1;
            }
            high = event.seq;
        }
        sqlx::query(self.sql("UPDATE devices SET high_seq = ? WHERE id = ?"))
            .bind(i64_of(high, "sequence")?)
            .bind(device.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(PushAnswer { high_seq: high, applied, duplicates, gap })
    }

    /// Records one event; false when its id is held already (sent before under another
    /// sequence, e.g. by the same terminal paired anew).
    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        device: &Device,
        event: &Event,
        now_ms: i64,
    ) -> Result<bool> {
        let body = serde_json::to_string(event).map_err(|e| RepoError::Invalid(e.to_string()))?;
        let inserted = sqlx::query(self.sql(
            "INSERT INTO events(id, store_id, device_id, seq, kind, document_id, created_ms, received_ms, body)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store_id, id) DO NOTHING",
        ))
        .bind(event.id.to_string())
        .bind(device.store_id.to_string())
        .bind(device.id.to_string())
        .bind(i64_of(event.seq, "sequence")?)
        .bind(&event.kind)
        .bind(event.document_id.to_string())
        .bind(event.created_ms)
        .bind(now_ms)
        .bind(body)
        .execute(&mut **tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some(wire) = &event.journal {
            self.add_journal_entry(tx, device, wire, now_ms).await?;
        }
        Ok(true)
    }

    /// Adds an entry to the register's chain and checks it: the link to the previous entry and
    /// the entry's own hash, recomputed. A break is recorded, never repaired.
    async fn add_journal_entry(
        &self,
        tx: &mut Transaction<'static, Any>,
        device: &Device,
        wire: &ringup_protocol::WireJournalEntry,
        now_ms: i64,
    ) -> Result<()> {
        let register = device.register_id.to_string();
        let head = sqlx::query(
            self.sql("SELECT seq, hash FROM journal_heads WHERE register_id = ? AND terminal_register = ?"),
        )
        .bind(&register)
        .bind(&wire.register_id)
        .fetch_optional(&mut **tx)
        .await?;
        let (head_seq, head_hash) = match &head {
            Some(row) => (u64_of(int(row, "seq")?), text(row, "hash")?),
            None => (0, hex::encode(GENESIS_HASH)),
        };
        let mut problems = Vec::new();
        match JournalEntry::try_from(wire) {
            Err(e) => problems.push(format!("unreadable entry: {}", e.0)),
            Ok(entry) => {
                if hex::encode(entry_hash(&entry.prev_hash, &entry.data)) != wire.hash {
                    problems.push("the entry's hash does not match its contents".to_string());
                }
            }
        }
        if wire.seq <= head_seq {
            problems.push(format!("entry {} arrived again after entry {head_seq}", wire.seq));
        } else if wire.seq != head_seq + 1 {
            problems.push(if wire.seq == head_seq + 2 {
                format!("entry {} is missing", head_seq + 1)
            } else {
                format!("entries {} to {} are missing", head_seq + 1, wire.seq - 1)
            });
        } else if wire.prev_hash != head_hash {
            problems.push(format!("the entry does not link to entry {head_seq}"));
        }
        for reason in &problems {
            sqlx::query(self.sql(
                "INSERT INTO journal_breaks(register_id, terminal_register, seq, reason, found_ms) VALUES (?, ?, ?, ?, ?)",
            ))
            .bind(&register)
            .bind(&wire.register_id)
            .bind(i64_of(wire.seq, "journal sequence")?)
            .bind(reason)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
        }
        if wire.seq <= head_seq {
            return Ok(());
        }
        sqlx::query(self.sql(
            "INSERT INTO journal_entries(register_id, terminal_register, seq, store_id, kind, document_id, at_ms, currency,
                                         turnover_minor, grand_total_minor, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(&register)
        .bind(&wire.register_id)
        .bind(i64_of(wire.seq, "journal sequence")?)
        .bind(device.store_id.to_string())
        .bind(&wire.kind)
        .bind(wire.document_id.to_string())
        .bind(wire.at_ms)
        .bind(&wire.currency)
        .bind(wire.turnover_minor)
        .bind(wire.grand_total_minor)
        .bind(&wire.hash)
        .execute(&mut **tx)
        .await?;
        let statement = if head.is_some() {
            "UPDATE journal_heads SET seq = ?, hash = ? WHERE register_id = ? AND terminal_register = ?"
        } else {
            "INSERT INTO journal_heads(seq, hash, register_id, terminal_register) VALUES (?, ?, ?, ?)"
        };
        sqlx::query(self.sql(statement))
            .bind(i64_of(wire.seq, "journal sequence")?)
            .bind(&wire.hash)
            .bind(&register)
            .bind(&wire.register_id)
            .execute(&mut **tx)
            .await?;
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

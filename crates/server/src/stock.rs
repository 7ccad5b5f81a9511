//! The stock ledger: every movement a delta, never a quantity, so tills and channels that sell
//! the same product at once converge on the exact count. A till's movements arrive with its
//! sales and refunds (under the ids the till gave them); another channel (the online shop,
//! goods in) posts its own with an idempotency key under a channel token.

use crate::catalog::take_revs;
use crate::db::{Db, values};
use crate::repo::{RepoError, Result, conflict_if_taken, digest, i64_of, int, text, u64_of};
use ringup_protocol::pull::{MAX_DELTA_MILLI, MAX_KEY_CHARS, MAX_REASON_CHARS};
use ringup_protocol::{Event, StockMovementAnswer, StockMovementRequest, WireStockMovement};
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;

/// A channel that posts stock movements, authenticated by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: Uuid,
    pub store_id: Uuid,
}

fn new_channel_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RepoError::Invalid(format!("no randomness from the system: {e}")))?;
    Ok(format!("rgc_{}", hex::encode(bytes)))
}

/// Text a person or program wrote, taken as given: never trimmed, so a retry that differs in
/// spacing is not mistaken for the same movement.
fn check_text(what: &str, text: &str, max: usize) -> Result<()> {
    if text.is_empty() || text.chars().count() > max || text.trim() != text || text.chars().any(char::is_control) {
        return Err(RepoError::Invalid(format!(
            "the {what} is 1 to {max} characters, without spaces at its ends or control characters"
        )));
    }
    Ok(())
}

fn check_delta(delta_milli: i64) -> Result<()> {
    if delta_milli == 0 || delta_milli.abs() > MAX_DELTA_MILLI {
        return Err(RepoError::Invalid(format!(
            "a movement is not 0 and at most {} units either way (delta_milli is in thousandths)",
            MAX_DELTA_MILLI / 1000
        )));
    }
    Ok(())
}

fn check_movement(request: &StockMovementRequest) -> Result<()> {
    check_text("idempotency key", &request.key, MAX_KEY_CHARS)?;
    check_text("reason (e.g. online_order)", &request.reason, MAX_REASON_CHARS)?;
    check_text("SKU", &request.sku, 200)?;
    check_delta(request.delta_milli)
}

/// The movements an event of a till carries (`data.stock`), each checked: its id is the
/// event's document and a line (`<document id>:<line>`, as the till makes them), so a till
/// can only ever add movements of its own documents.
pub(crate) fn till_movements(event: &Event) -> Result<Vec<WireStockMovement>> {
    let Some(stock) = event.data.get("stock") else { return Ok(Vec::new()) };
    let moved: Vec<WireStockMovement> = serde_json::from_value(stock.clone())
        .map_err(|e| RepoError::Invalid(format!("event {}: its stock movements are unreadable: {e}", event.id)))?;
    let prefix = format!("{}:", event.document_id);
    for m in &moved {
        let line_ok = m.id.strip_prefix(&prefix).is_some_and(|line| line.parse::<u32>().is_ok());
        if !line_ok {
            return Err(RepoError::Invalid(format!(
                "event {}: movement {:?} is not a line of document {}",
                event.id, m.id, event.document_id
            )));
        }
        check_text("SKU", &m.sku, 200)?;
        check_text("reason", &m.reason, MAX_REASON_CHARS)?;
        check_delta(m.delta_milli)?;
    }
    Ok(moved)
}

impl Db {
    /// A channel of the store (the online shop…) with its token, shown once; only the hash
    /// is kept.
    pub async fn create_channel(&self, store: Uuid, name: &str, now_ms: i64) -> Result<(Uuid, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(RepoError::Invalid("a channel name is 1 to 100 characters".into()));
        }
        let (id, token) = (Uuid::now_v7(), new_channel_token()?);
        sqlx::query(
            self.sql("INSERT INTO channels(id, store_id, name, token_hash, created_ms) VALUES (?, ?, ?, ?, ?)"),
        )
        .bind(id.to_string())
        .bind(store.to_string())
        .bind(name)
        .bind(digest(&token))
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(conflict_if_taken(|| format!("the store has a channel named {name:?}")))?;
        Ok((id, token))
    }

    pub async fn revoke_channel(&self, channel: Uuid, now_ms: i64) -> Result<()> {
        let done = sqlx::query(self.sql("UPDATE channels SET revoked_ms = COALESCE(revoked_ms, ?) WHERE id = ?"))
            .bind(now_ms)
            .bind(channel.to_string())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(RepoError::NotFound(format!("no channel {channel}")));
        }
        Ok(())
    }

    /// The channel a bearer token belongs to, unless revoked.
    pub async fn channel_by_token(&self, token: &str) -> Result<Channel> {
        let row = sqlx::query(self.sql("SELECT id, store_id, revoked_ms FROM channels WHERE token_hash = ?"))
            .bind(digest(token))
            .fetch_optional(&self.pool)
            .await?
            .ok_or(RepoError::Unauthorized { code: "unknown_token", message: "no channel has this token".into() })?;
        if row.try_get::<Option<i64>, _>("revoked_ms")?.is_some() {
            return Err(RepoError::Unauthorized {
                code: "channel_revoked",
                message: "this channel's token was revoked".into(),
            });
        }
        let id = |c: &str| {
            let t = text(&row, c)?;
            Uuid::parse_str(&t).map_err(|_| RepoError::Invalid(format!("{c} {t:?} is not a UUID")))
        };
        Ok(Channel { id: id("id")?, store_id: id("store_id")? })
    }

    /// Records a channel's movement once per idempotency key: the same key again answers the
    /// first result and changes nothing; the same key with another product, delta or reason is
    /// a conflict.
    pub async fn post_stock_movement(
        &self,
        channel: &Channel,
        request: &StockMovementRequest,
        now_ms: i64,
    ) -> Result<StockMovementAnswer> {
        check_movement(request)?;
        let store = channel.store_id;
        let id = format!("channel:{}:{}", channel.id, request.key);
        let mut tx = self.pool.begin().await?;
        // The store's row first: two posts of one key queue here, and the second sees the first.
        let rev = take_revs(self, &mut tx, store, 1).await?;
        let known = sqlx::query(
            self.sql("SELECT sku, delta_milli, reason, rev FROM stock_movements WHERE store_id = ? AND id = ?"),
        )
        .bind(store.to_string())
        .bind(id.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = known {
            let same = text(&row, "sku")? == request.sku
                && int(&row, "delta_milli")? == request.delta_milli
                && text(&row, "reason")? == request.reason;
            if !same {
                return Err(RepoError::Conflict(format!(
                    "key {:?} was used before for another movement; use a new key for a new movement",
                    request.key
                )));
            }
            let first_rev = u64_of(int(&row, "rev")?);
            let stock_milli = self.stock_in(&mut tx, store, &request.sku).await?;
            // Nothing written: the revision taken is simply never used.
            tx.rollback().await?;
            return Ok(StockMovementAnswer { id, created: false, stock_milli, rev: first_rev });
        }
        let exists = sqlx::query(self.sql("SELECT 1 AS one FROM products WHERE store_id = ? AND sku = ?"))
            .bind(store.to_string())
            .bind(request.sku.clone())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(RepoError::NotFound(format!("the catalog has no product {:?}", request.sku)));
        }
        sqlx::query(self.sql(
            "INSERT INTO stock_movements(store_id, id, sku, delta_milli, reason, source, at_ms, rev)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(store.to_string())
        .bind(id.clone())
        .bind(request.sku.clone())
        .bind(request.delta_milli)
        .bind(request.reason.clone())
        .bind(format!("channel:{}", channel.id))
        .bind(now_ms)
        .bind(i64_of(rev, "revision")?)
        .execute(&mut *tx)
        .await?;
        let stock_milli = self.stock_in(&mut tx, store, &request.sku).await?;
        let subscribers = self.subscribers(&mut tx, store).await?;
        self.stock_low_after(&mut tx, &subscribers, &[(request.sku.clone(), request.delta_milli)], now_ms).await?;
        tx.commit().await?;
        Ok(StockMovementAnswer { id, created: true, stock_milli, rev })
    }

    async fn stock_in(&self, tx: &mut Transaction<'static, Any>, store: Uuid, sku: &str) -> Result<i64> {
        let row = sqlx::query(self.sql(
            "SELECT CAST(COALESCE(SUM(delta_milli), 0) AS BIGINT) AS stock FROM stock_movements WHERE store_id = ? AND sku = ?",
        ))
        .bind(store.to_string())
        .bind(sku)
        .fetch_one(&mut **tx)
        .await?;
        int(&row, "stock")
    }

    /// A product's stock: the sum of its ledger, in thousandths.
    pub async fn stock_milli(&self, store: Uuid, sku: &str) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let stock = self.stock_in(&mut tx, store, sku).await?;
        tx.commit().await?;
        Ok(stock)
    }

    /// Every product's stock that has movements, by SKU.
    pub async fn stock_levels(&self, store: Uuid) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(self.sql(
            "SELECT sku, CAST(SUM(delta_milli) AS BIGINT) AS stock FROM stock_movements WHERE store_id = ?
              GROUP BY sku ORDER BY sku",
        ))
        .bind(store.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((text(r, "sku")?, int(r, "stock")?))).collect()
    }

    /// How many movements the ledger holds (tests count duplicates with it).
    pub async fn movement_count(&self, store: Uuid) -> Result<u64> {
        let row = sqlx::query(self.sql("SELECT COUNT(*) AS n FROM stock_movements WHERE store_id = ?"))
            .bind(store.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(u64_of(int(&row, "n")?))
    }

    /// Adds a till's movements (from its pushed sales and refunds) to the ledger, each once by
    /// its id, under new revisions so the other tills pull them; returns the ones new to it as
    /// (sku, delta).
    pub(crate) async fn add_till_movements(
        &self,
        tx: &mut Transaction<'static, Any>,
        store: Uuid,
        device: Uuid,
        movements: &[WireStockMovement],
    ) -> Result<Vec<(String, i64)>> {
        if movements.is_empty() {
            return Ok(Vec::new());
        }
        let first = take_revs(self, tx, store, movements.len() as u64).await?;
        let mut added = Vec::new();
        for (index, part) in movements.chunks(500).enumerate() {
            let statement = format!(
                "INSERT INTO stock_movements(store_id, id, sku, delta_milli, reason, source, at_ms, rev) VALUES {}
                 ON CONFLICT (store_id, id) DO NOTHING RETURNING sku, delta_milli",
                values(part.len(), 8)
            );
            let mut query = sqlx::query(self.sql(statement));
            for (i, m) in part.iter().enumerate() {
                query = query
                    .bind(store.to_string())
                    .bind(m.id.clone())
                    .bind(m.sku.clone())
                    .bind(m.delta_milli)
                    .bind(m.reason.clone())
                    .bind(format!("device:{device}"))
                    .bind(m.at_ms)
                    .bind(i64_of(first + (index * 500 + i) as u64, "revision")?);
            }
            for row in query.fetch_all(&mut **tx).await? {
                added.push((text(&row, "sku")?, int(&row, "delta_milli")?));
            }
        }
        Ok(added)
    }
}

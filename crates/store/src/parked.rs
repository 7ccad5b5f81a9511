//! Parked sales: a cart put aside (the customer forgot their wallet) survives a restart
//! and is recalled on any register of the store.

use crate::{Store, StoreError};
use ringup_domain::cart::{Sale, SaleState};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedSale {
    pub id: Uuid,
    pub register_id: String,
    pub parked_ms: i64,
    pub item_count: usize,
}

impl Store {
    pub fn park_sale(&self, register_id: &str, sale: &Sale, at_ms: i64) -> Result<(), StoreError> {
        if sale.state != SaleState::Parked {
            return Err(StoreError::Conflict(format!(
                "only a parked sale can be stored as parked, not a {} one",
                sale.state.name()
            )));
        }
        let body = serde_json::to_string(sale)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO parked_sales(id, register_id, parked_ms, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET parked_ms = excluded.parked_ms, body = excluded.body",
                params![sale.id.to_string(), register_id, at_ms, body],
            )?;
            Ok(())
        })
    }

    pub fn parked_sales(&self) -> Result<Vec<ParkedSale>, StoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT id, register_id, parked_ms, body FROM parked_sales ORDER BY parked_ms")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, register_id, parked_ms, body) = row?;
                let sale: Sale = serde_json::from_str(&body)?;
                let id = Uuid::parse_str(&id).map_err(|e| StoreError::Config(format!("parked sale id: {e}")))?;
                out.push(ParkedSale { id, register_id, parked_ms, item_count: sale.active_lines().count() });
            }
            Ok(out)
        })
    }

    /// Takes a parked sale back, removing it from the parked list in the same transaction, so
    /// two registers can never recall the same cart.
    pub fn recall_sale(&self, id: Uuid) -> Result<Sale, StoreError> {
        self.write(|tx| {
            let body: String = tx
                .query_row("DELETE FROM parked_sales WHERE id = ?1 RETURNING body", [id.to_string()], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("parked sale {id}")))?;
            let mut sale: Sale = serde_json::from_str(&body)?;
            sale.recall()?;
            Ok(sale)
        })
    }
}

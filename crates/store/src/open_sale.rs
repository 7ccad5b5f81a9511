//! The sale in progress, saved after every change: if the app is killed or the machine loses
//! power mid-sale, the next start brings the sale back exactly as it was: its lines, its
//! payments, its state. What it may lack (a card approved after the last save) is settled
//! with the card terminal's attempts, which are written before the terminal hears of them.
//!
//! One row per register; committing the sale removes it in the same transaction.

use crate::{Store, StoreError};
use ringup_domain::cart::Sale;
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Saves `sale` as the register's sale in progress (replacing whatever was there). The
    /// write is not synced: it survives the process being killed; a power cut may lose the
    /// last changes, but never a payment, whose card attempt is synced before it is sent.
    pub fn save_open_sale(&self, register_id: &str, sale: &Sale, at_ms: i64) -> Result<(), StoreError> {
        let body = serde_json::to_string(sale)?;
        self.write_unsynced(|tx| {
            // A sale already committed is not in progress any more (a save racing the commit).
            let committed: bool = tx
                .prepare_cached("SELECT 1 FROM sales WHERE id = ?1")?
                .query_row([sale.id.to_string()], |_| Ok(()))
                .optional()?
                .is_some();
            if committed {
                return Ok(());
            }
            tx.execute(
                "INSERT INTO open_sales(register_id, sale_id, saved_ms, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(register_id) DO UPDATE SET
                     sale_id = excluded.sale_id, saved_ms = excluded.saved_ms, body = excluded.body",
                params![register_id, sale.id.to_string(), at_ms, body],
            )?;
            Ok(())
        })
    }

    /// Forgets the register's sale in progress (the screen was cleared: parked, or emptied).
    pub fn clear_open_sale(&self, register_id: &str) -> Result<(), StoreError> {
        self.write_unsynced(|tx| {
            tx.execute("DELETE FROM open_sales WHERE register_id = ?1", [register_id])?;
            Ok(())
        })
    }

    /// The register's sale in progress as last saved, unless it has been committed since.
    pub fn open_sale(&self, register_id: &str) -> Result<Option<Sale>, StoreError> {
        self.read(|c| {
            let body: Option<String> = c
                .prepare_cached(
                    "SELECT body FROM open_sales o WHERE register_id = ?1
                     AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = o.sale_id)",
                )?
                .query_row([register_id], |r| r.get(0))
                .optional()?;
            Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
        })
    }
}

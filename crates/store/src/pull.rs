//! Applying what the till pulls from the back end: a page of the store's changes (tax classes,
//! products, staff, settings, stock movements) in one transaction together with the new cursor,
//! so a page is applied whole or not at all and a page applied twice changes nothing.
//!
//! The back end is the catalog's owner: a pulled product replaces the till's (its barcodes
//! included, taken from another product if need be). Stock movements keep their ids, so the
//! till's own sale movement coming back from the server counts once; the till's stock is then
//! the server's ledger plus its own movements the server does not have yet. A movement of a
//! product that comes in a later page waits for it.

use crate::catalog::{barcode_key, plu_key};
use crate::settings::StoreSettings;
use crate::sync::base_for;
use crate::{Store, StoreError, get_u64, to_i64};
use ringup_domain::permission::Role;
use ringup_domain::tax::TaxClass;
use ringup_protocol::{Change, ChangePage, WireProduct, WireStockMovement};
use rusqlite::{Transaction, params};
use uuid::Uuid;

/// What applying a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PullReport {
    pub applied: u64,
    /// Stock movements the till already had, or of products it does not have yet (those wait
    /// for their product, and count when it arrives).
    pub skipped: u64,
    pub cursor: u64,
    pub head: u64,
}

fn refused(what: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("the back end sent {what} this till cannot take: {why}"))
}

fn apply_product(tx: &Transaction<'_>, p: &WireProduct) -> Result<(), StoreError> {
    if let Some(category) = &p.category {
        tx.prepare_cached("INSERT INTO categories(id, name) VALUES (?1, ?1) ON CONFLICT(id) DO NOTHING")?
            .execute([category])?;
    }
    let known_class = tx.prepare_cached("SELECT 1 FROM tax_classes WHERE id = ?1")?.exists([&p.tax_class])?;
    if !known_class {
        return Err(refused(&format!("product {}", p.sku), format!("unknown tax class {:?}", p.tax_class)));
    }
    if p.price_minor < 0 {
        return Err(refused(&format!("product {}", p.sku), "a negative price"));
    }
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO products(sku, name, category_id, tax_class_id, price_minor, sold_by_weight, active)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(sku) DO UPDATE SET name = excluded.name, category_id = excluded.category_id,
                 tax_class_id = excluded.tax_class_id, price_minor = excluded.price_minor,
                 sold_by_weight = excluded.sold_by_weight, active = excluded.active
             RETURNING id",
        )?
        .query_row(params![p.sku, p.name, p.category, p.tax_class, p.price_minor, p.sold_by_weight, p.active], |r| {
            r.get(0)
        })?;
    // Movements pulled before the product: counted now.
    tx.prepare_cached(
        "INSERT INTO stock_movements(id, product_id, delta_milli, reason, document_id, at_ms)
         SELECT id, ?1, delta_milli, reason, NULL, at_ms FROM stock_pending WHERE sku = ?2
         ON CONFLICT(id) DO NOTHING",
    )?
    .execute(params![id, p.sku])?;
    tx.prepare_cached("DELETE FROM stock_pending WHERE sku = ?1")?.execute([&p.sku])?;
    tx.prepare_cached("DELETE FROM barcodes WHERE product_id = ?1")?.execute([id])?;
    let codes = p.barcodes.iter().map(|b| barcode_key(b)).chain(p.plu.iter().map(|c| plu_key(c)));
    for code in codes {
        tx.prepare_cached(
            "INSERT INTO barcodes(code, product_id) VALUES (?1, ?2)
             ON CONFLICT(code) DO UPDATE SET product_id = excluded.product_id",
        )?
        .execute(params![code, id])?;
    }
    Ok(())
}

fn apply_staff(
    tx: &Transaction<'_>,
    (id, name, role, pin_hash, active): (&str, &str, &str, &str, bool),
) -> Result<(), StoreError> {
    let role = Role::from_name(role).ok_or_else(|| refused(&format!("staff {name}"), format!("role {role:?}")))?;
    if !pin_hash.starts_with("$argon2id$") {
        return Err(refused(&format!("staff {name}"), "a PIN that is not an argon2id hash"));
    }
    tx.prepare_cached(
        "INSERT INTO staff(id, name, role, pin_hash, active) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role, pin_hash = excluded.pin_hash,
             active = excluded.active",
    )?
    .execute(params![id, name, role.name(), pin_hash, active])?;
    Ok(())
}

/// Adds a movement once by its id; a movement of a product the till does not have yet waits
/// in `stock_pending` for it. False when the movement did not count now.
fn apply_stock(tx: &Transaction<'_>, m: &WireStockMovement) -> Result<bool, StoreError> {
    let n = tx
        .prepare_cached(
            "INSERT INTO stock_movements(id, product_id, delta_milli, reason, document_id, at_ms)
             SELECT ?1, id, ?2, ?3, NULL, ?4 FROM products WHERE sku = ?5
             ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![m.id, m.delta_milli, m.reason, m.at_ms, m.sku])?;
    if n == 0 && !tx.prepare_cached("SELECT 1 FROM products WHERE sku = ?1")?.exists([&m.sku])? {
        tx.prepare_cached(
            "INSERT INTO stock_pending(id, sku, delta_milli, reason, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![m.id, m.sku, m.delta_milli, m.reason, m.at_ms])?;
    }
    Ok(n == 1)
}

impl Store {
    /// Where `device`'s pull stands: the cursor (highest store revision applied) and the
    /// newest revision the server had at the last page.
    pub fn pull_position(&self, device: Uuid) -> Result<(u64, u64), StoreError> {
        self.read(|c| {
            base_for(c, device)?;
            Ok(c.query_row("SELECT pull_cursor, pull_head FROM sync_pairing WHERE id = 1", [], |r| {
                Ok((get_u64(r, 0)?, get_u64(r, 1)?))
            })?)
        })
    }

    /// Applies a page pulled with `after` as the cursor, with its new cursor, in one
    /// transaction. Refused when the till was paired anew or the cursor is no longer `after`
    /// (another pull got there first): nothing is applied twice.
    pub fn apply_changes(&self, device: Uuid, after: u64, page: &ChangePage) -> Result<PullReport, StoreError> {
        self.write(|tx| {
            base_for(tx, device)?;
            let cursor: i64 = tx.query_row("SELECT pull_cursor FROM sync_pairing WHERE id = 1", [], |r| r.get(0))?;
            if u64::try_from(cursor).ok() != Some(after) {
                return Err(StoreError::Conflict(format!("the pull cursor is at {cursor}, not {after}")));
            }
            if page.cursor < after {
                return Err(refused(
                    "a page",
                    format!("a cursor ({}) before the one asked for ({after})", page.cursor),
                ));
            }
            let mut report = PullReport { cursor: page.cursor, head: page.head, ..PullReport::default() };
            for change in &page.changes {
                match change {
                    Change::TaxClass { id, name, rate_ppm, .. } => {
                        let class = TaxClass::new(id, name, *rate_ppm).map_err(|e| refused("a tax class", e))?;
                        tx.prepare_cached(
                            "INSERT INTO tax_classes(id, name, rate_ppm) VALUES (?1, ?2, ?3)
                             ON CONFLICT(id) DO UPDATE SET name = excluded.name, rate_ppm = excluded.rate_ppm",
                        )?
                        .execute(params![class.id, class.name, class.rate_ppm])?;
                    }
                    Change::Product { product, .. } => apply_product(tx, product)?,
                    Change::Staff { id, name, role, pin_hash, active, .. } => {
                        apply_staff(tx, (id, name, role, pin_hash, *active))?;
                    }
                    Change::Settings { settings, .. } => {
                        let settings: StoreSettings =
                            serde_json::from_value(settings.clone()).map_err(|e| refused("settings", e))?;
                        crate::settings::save_settings_in(tx, &settings)?;
                    }
                    Change::Stock { movement, .. } => {
                        if !apply_stock(tx, movement)? {
                            report.skipped += 1;
                            continue;
                        }
                    }
                }
                report.applied += 1;
            }
            tx.execute(
                "UPDATE sync_pairing SET pull_cursor = ?1, pull_head = ?2 WHERE id = 1",
                params![to_i64(page.cursor)?, to_i64(page.head.max(page.cursor))?],
            )?;
            Ok(report)
        })
    }
}

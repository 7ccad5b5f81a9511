//! What the tills pull: tax classes, the catalog (imported from CSV, all or nothing), the
//! store's settings and its staff, each row stamped with the store revision that wrote it; and
//! [`Db::changes`], a page of everything after a till's cursor.
//!
//! Revisions are taken with [`take_revs`] under the store's row (a row lock on PostgreSQL,
//! the one writer on SQLite), so a reader that sees revision n also sees every revision below
//! it: a cursor never skips a change that commits later.

use crate::db::{Db, values};
use crate::repo::{RepoError, Result, i64_of, int, text, u64_of};
use ringup_domain::Currency;
use ringup_protocol::catalog::{CatalogRow, ImportIssue, barcode_key, issue, plu_key, read_catalog_csv};
use ringup_protocol::settings::StoreSettings;
use ringup_protocol::{Change, ChangePage, MAX_CHANGES, WireProduct, WireStockMovement};
use sqlx::{Any, Row, Transaction};
use std::collections::HashSet;
use uuid::Uuid;

/// Rows per statement of an import: well under PostgreSQL's 65 535 parameters.
const CHUNK: usize = 500;

/// Takes `n` revisions of `store`; returns the first. Holds the store's row until the
/// transaction ends.
pub(crate) async fn take_revs(db: &Db, tx: &mut Transaction<'static, Any>, store: Uuid, n: u64) -> Result<u64> {
    let row = sqlx::query(db.sql("UPDATE stores SET rev = rev + ? WHERE id = ? RETURNING rev"))
        .bind(i64_of(n, "revisions")?)
        .bind(store.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| RepoError::NotFound(format!("no store {store}")))?;
    Ok(u64_of(int(&row, "rev")?) + 1 - n)
}

/// What a catalog import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
}

/// A tax rate as a person writes it, in percent ("19", "7.5", "19 %"), as parts per million.
pub fn parse_rate_percent(text: &str) -> Result<u32> {
    let bad = || RepoError::Invalid(format!("{text:?} is not a tax rate in percent (e.g. 19 or 7.5)"));
    let t = text.trim().trim_end_matches('%').trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || frac.len() > 4 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u32 = whole.parse().map_err(|_| bad())?;
    let frac: u32 = format!("{frac:0<4}").parse().map_err(|_| bad())?;
    let ppm = whole.checked_mul(10_000).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
    if ppm > 1_000_000 {
        return Err(bad());
    }
    Ok(ppm)
}

fn product_from(row: &sqlx::any::AnyRow) -> Result<WireProduct> {
    let barcodes: Option<String> = row.try_get("barcodes")?;
    Ok(WireProduct {
        sku: text(row, "sku")?,
        name: text(row, "name")?,
        category: row.try_get("category")?,
        tax_class: text(row, "tax_class")?,
        price_minor: int(row, "price_minor")?,
        sold_by_weight: int(row, "sold_by_weight")? != 0,
        barcodes: match barcodes {
            Some(json) => serde_json::from_str(&json).map_err(|e| RepoError::Invalid(format!("barcodes: {e}")))?,
            None => Vec::new(),
        },
        plu: row.try_get("plu")?,
        active: int(row, "active")? != 0,
    })
}

impl Db {
    /// Creates or changes a tax class of a store.
    pub async fn set_tax_class(&self, store: Uuid, id: &str, name: &str, rate_ppm: u32) -> Result<u64> {
        let (id, name) = (id.trim(), name.trim());
        if id.is_empty() || id.len() > 50 || name.is_empty() || name.chars().count() > 100 {
            return Err(RepoError::Invalid("a tax class has an id (1 to 50 characters) and a name".into()));
        }
        if rate_ppm > 1_000_000 {
            return Err(RepoError::Invalid("a tax rate is at most 100 %".into()));
        }
        let mut tx = self.pool.begin().await?;
        let rev = take_revs(self, &mut tx, store, 1).await?;
        sqlx::query(self.sql(
            "INSERT INTO tax_classes(store_id, id, name, rate_ppm, rev) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (store_id, id) DO UPDATE SET name = excluded.name, rate_ppm = excluded.rate_ppm, rev = excluded.rev",
        ))
        .bind(store.to_string())
        .bind(id)
        .bind(name)
        .bind(i64::from(rate_ppm))
        .bind(i64_of(rev, "revision")?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rev)
    }

    /// Replaces the store's settings: the tills' `StoreSettings`, checked as the tills check
    /// them, so a till is never handed settings it cannot take.
    pub async fn set_settings(&self, store: Uuid, settings: &serde_json::Value) -> Result<u64> {
        let parsed: StoreSettings = serde_json::from_value(settings.clone())
            .map_err(|e| RepoError::Invalid(format!("these are not store settings a till can take: {e}")))?;
        parsed.check().map_err(RepoError::Invalid)?;
        let body = serde_json::to_string(&parsed).map_err(|e| RepoError::Invalid(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        let rev = take_revs(self, &mut tx, store, 1).await?;
        sqlx::query(self.sql(
            "INSERT INTO store_settings(store_id, body, rev) VALUES (?, ?, ?)
             ON CONFLICT (store_id) DO UPDATE SET body = excluded.body, rev = excluded.rev",
        ))
        .bind(store.to_string())
        .bind(body)
        .bind(i64_of(rev, "revision")?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rev)
    }

    /// The store's currency: from its settings, the euro until it has some.
    pub async fn currency(&self, store: Uuid) -> Result<Currency> {
        let row = sqlx::query(self.sql("SELECT body FROM store_settings WHERE store_id = ?"))
            .bind(store.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(Currency::EUR) };
        let settings: StoreSettings =
            serde_json::from_str(&text(&row, "body")?).map_err(|e| RepoError::Invalid(e.to_string()))?;
        Ok(settings.currency)
    }

    async fn tax_class_ids(&self, store: Uuid) -> Result<HashSet<String>> {
        let rows = sqlx::query(self.sql("SELECT id FROM tax_classes WHERE store_id = ?"))
            .bind(store.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| text(r, "id")).collect()
    }

    /// Reads and checks a catalog CSV (as the tills do), then writes every row in one
    /// transaction, or nothing: the error lists the problems by line and column. `progress`
    /// hears (rows written, rows in the file) after each chunk.
    pub async fn import_catalog_csv(
        &self,
        store: Uuid,
        input: impl std::io::Read,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<ImportReport> {
        let currency = self.currency(store).await?;
        let classes = self.tax_class_ids(store).await?;
        let rows = read_catalog_csv(input, currency, &classes, |_| {}).map_err(RepoError::Import)?;
        let total = rows.len() as u64;
        let mut tx = self.pool.begin().await?;
        let first_rev = take_revs(self, &mut tx, store, total.max(1)).await?;
        let mut report = ImportReport::default();
        for (index, chunk) in rows.chunks(CHUNK).enumerate() {
            let rev = first_rev + (index * CHUNK) as u64;
            let existing = self.existing_skus(&mut tx, store, chunk).await?;
            self.replace_codes(&mut tx, store, chunk).await?;
            self.upsert_products(&mut tx, store, chunk, rev).await?;
            report.rows += chunk.len() as u64;
            report.updated += existing;
            report.created += chunk.len() as u64 - existing;
            progress(report.rows, total);
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn existing_skus(
        &self,
        tx: &mut Transaction<'static, Any>,
        store: Uuid,
        chunk: &[CatalogRow],
    ) -> Result<u64> {
        let statement = format!(
            "SELECT COUNT(*) AS n FROM products WHERE store_id = ? AND sku IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(self.sql(statement)).bind(store.to_string());
        for row in chunk {
            query = query.bind(row.sku.clone());
        }
        Ok(u64_of(int(&query.fetch_one(&mut **tx).await?, "n")?))
    }

    /// Gives the chunk's products the codes its rows name: the old ones of a product whose row
    /// names barcodes (or a scale code) are let go; a code another product holds is refused.
    async fn replace_codes(&self, tx: &mut Transaction<'static, Any>, store: Uuid, chunk: &[CatalogRow]) -> Result<()> {
        for (filter, skus) in [
            ("code NOT LIKE 'plu:%'", chunk.iter().filter(|r| r.barcodes.is_some()).collect::<Vec<_>>()),
            ("code LIKE 'plu:%'", chunk.iter().filter(|r| r.plu.is_some()).collect()),
        ] {
            if skus.is_empty() {
                continue;
            }
            let statement = format!(
                "DELETE FROM product_codes WHERE store_id = ? AND {filter} AND sku IN ({})",
                vec!["?"; skus.len()].join(", ")
            );
            let mut query = sqlx::query(self.sql(statement)).bind(store.to_string());
            for row in skus {
                query = query.bind(row.sku.clone());
            }
            query.execute(&mut **tx).await?;
        }
        let mut codes: Vec<(String, &CatalogRow)> = Vec::new();
        for row in chunk {
            codes.extend(row.barcodes.iter().flatten().map(|b| (barcode_key(b), row)));
            codes.extend(row.plu.iter().map(|p| (plu_key(p), row)));
        }
        for part in codes.chunks(CHUNK) {
            let statement = format!(
                "INSERT INTO product_codes(store_id, code, sku) VALUES {} ON CONFLICT (store_id, code) DO NOTHING RETURNING code",
                values(part.len(), 3)
            );
            let mut query = sqlx::query(self.sql(statement));
            for (code, row) in part {
                query = query.bind(store.to_string()).bind(code.clone()).bind(row.sku.clone());
            }
            let taken: HashSet<String> =
                query.fetch_all(&mut **tx).await?.iter().map(|r| text(r, "code")).collect::<Result<_>>()?;
            if let Some((code, row)) = part.iter().find(|(code, _)| !taken.contains(code)) {
                let owner = sqlx::query(self.sql("SELECT sku FROM product_codes WHERE store_id = ? AND code = ?"))
                    .bind(store.to_string())
                    .bind(code.clone())
                    .fetch_one(&mut **tx)
                    .await?;
                let message = format!("{code} already belongs to product {}", text(&owner, "sku")?);
                return Err(RepoError::Import(vec![issue(row.line, "barcodes", message)]));
            }
        }
        Ok(())
    }

    async fn upsert_products(
        &self,
        tx: &mut Transaction<'static, Any>,
        store: Uuid,
        chunk: &[CatalogRow],
        first_rev: u64,
    ) -> Result<()> {
        let statement = format!(
            "INSERT INTO products(store_id, sku, name, category, tax_class, price_minor, sold_by_weight, barcodes, plu,
                                  active, rev, reorder_milli)
             VALUES {}
             ON CONFLICT (store_id, sku) DO UPDATE SET name = excluded.name, category = excluded.category,
                 tax_class = excluded.tax_class, price_minor = excluded.price_minor,
                 sold_by_weight = excluded.sold_by_weight, barcodes = COALESCE(excluded.barcodes, products.barcodes),
                 plu = COALESCE(excluded.plu, products.plu), active = 1, rev = excluded.rev,
                 reorder_milli = COALESCE(excluded.reorder_milli, products.reorder_milli)",
            values(chunk.len(), 12)
        );
        let mut query = sqlx::query(self.sql(statement));
        for (i, row) in chunk.iter().enumerate() {
            let barcodes = row.barcodes.as_ref().map(|b| serde_json::Value::from(b.clone()).to_string());
            query = query
                .bind(store.to_string())
                .bind(row.sku.clone())
                .bind(row.name.clone())
                .bind(row.category.clone())
                .bind(row.tax_class_id.clone())
                .bind(row.price_minor)
                .bind(i64::from(row.sold_by_weight))
                .bind(barcodes)
                .bind(row.plu.clone())
                .bind(1i64)
                .bind(i64_of(first_rev + i as u64, "revision")?)
                .bind(row.reorder_milli);
        }
        query.execute(&mut **tx).await?;
        Ok(())
    }

    /// Makes a product unsellable on every till (it stays, for the reports of its sales).
    pub async fn deactivate_product(&self, store: Uuid, sku: &str) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let rev = take_revs(self, &mut tx, store, 1).await?;
        let done = sqlx::query(self.sql("UPDATE products SET active = 0, rev = ? WHERE store_id = ? AND sku = ?"))
            .bind(i64_of(rev, "revision")?)
            .bind(store.to_string())
            .bind(sku)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(RepoError::NotFound(format!("no product {sku:?}")));
        }
        tx.commit().await?;
        Ok(rev)
    }

    /// The store's newest revision.
    pub async fn head(&self, store: Uuid) -> Result<u64> {
        let row = sqlx::query(self.sql("SELECT rev FROM stores WHERE id = ?"))
            .bind(store.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RepoError::NotFound(format!("no store {store}")))?;
        Ok(u64_of(int(&row, "rev")?))
    }

    /// Up to `limit` changes of the store after revision `after`, oldest first, up to the
    /// store's head as read first: every revision up to the head belongs to a transaction that
    /// has committed (revisions are taken under the store's row), so nothing up to the page's
    /// cursor can still appear later. Each table gives its first `limit` in that range; merged,
    /// the first `limit` make the page.
    pub async fn changes(&self, store: Uuid, after: u64, limit: usize) -> Result<ChangePage> {
        let limit = limit.clamp(1, MAX_CHANGES);
        let head = self.head(store).await?;
        if after >= head {
            return Ok(ChangePage { changes: Vec::new(), cursor: after, head });
        }
        let (s, a, h, l) = (store.to_string(), i64_of(after, "cursor")?, i64_of(head, "head")?, limit as i64);
        let page = |statement: &'static str| sqlx::query(self.sql(statement)).bind(s.clone()).bind(a).bind(h).bind(l);
        let mut changes = Vec::new();
        for row in page("SELECT id, name, rate_ppm, rev FROM tax_classes WHERE store_id = ? AND rev > ? AND rev <= ? ORDER BY rev LIMIT ?")
            .fetch_all(&self.pool)
            .await?
        {
            changes.push(Change::TaxClass {
                rev: u64_of(int(&row, "rev")?),
                id: text(&row, "id")?,
                name: text(&row, "name")?,
                rate_ppm: u32::try_from(int(&row, "rate_ppm")?).unwrap_or(0),
            });
        }
        for row in page(
            "SELECT sku, name, category, tax_class, price_minor, sold_by_weight, barcodes, plu, active, rev
               FROM products WHERE store_id = ? AND rev > ? AND rev <= ? ORDER BY rev LIMIT ?",
        )
        .fetch_all(&self.pool)
        .await?
        {
            changes.push(Change::Product { rev: u64_of(int(&row, "rev")?), product: product_from(&row)? });
        }
        for row in page(
            "SELECT id, name, role, pin_hash, active, rev FROM staff WHERE store_id = ? AND rev > ? AND rev <= ? ORDER BY rev LIMIT ?",
        )
        .fetch_all(&self.pool)
        .await?
        {
            changes.push(Change::Staff {
                rev: u64_of(int(&row, "rev")?),
                id: text(&row, "id")?,
                name: text(&row, "name")?,
                role: text(&row, "role")?,
                pin_hash: text(&row, "pin_hash")?,
                active: int(&row, "active")? != 0,
            });
        }
        for row in page(
            "SELECT body, rev FROM store_settings WHERE store_id = ? AND rev > ? AND rev <= ? ORDER BY rev LIMIT ?",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let settings = serde_json::from_str(&text(&row, "body")?).map_err(|e| RepoError::Invalid(e.to_string()))?;
            changes.push(Change::Settings { rev: u64_of(int(&row, "rev")?), settings });
        }
        for row in page(
            "SELECT id, sku, delta_milli, reason, at_ms, rev FROM stock_movements
              WHERE store_id = ? AND rev > ? AND rev <= ? ORDER BY rev LIMIT ?",
        )
        .fetch_all(&self.pool)
        .await?
        {
            changes.push(Change::Stock {
                rev: u64_of(int(&row, "rev")?),
                movement: WireStockMovement {
                    id: text(&row, "id")?,
                    sku: text(&row, "sku")?,
                    delta_milli: int(&row, "delta_milli")?,
                    reason: text(&row, "reason")?,
                    at_ms: int(&row, "at_ms")?,
                },
            });
        }
        changes.sort_by_key(Change::rev);
        // A short page holds everything up to the head (revisions without a row were rolled
        // back or replaced by a later write of the same row).
        let cursor = if changes.len() < limit { head } else { changes[limit - 1].rev() };
        changes.truncate(limit);
        self.classes_ahead(store, &mut changes, cursor).await?;
        Ok(ChangePage { changes, cursor, head })
    }

    /// A tax class changed after products that use it (a new rate) has a revision beyond them;
    /// a till that has never seen it (a new one) would get the products first. The classes a
    /// page's products need that lie beyond its cursor go at its front, as they are now (they
    /// come again in their own place later: applying a class twice changes nothing).
    async fn classes_ahead(&self, store: Uuid, changes: &mut Vec<Change>, cursor: u64) -> Result<()> {
        let needed: HashSet<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Product { product, .. } => Some(product.tax_class.as_str()),
                _ => None,
            })
            .collect();
        if needed.is_empty() {
            return Ok(());
        }
        let rows =
            sqlx::query(self.sql("SELECT id, name, rate_ppm, rev FROM tax_classes WHERE store_id = ? AND rev > ?"))
                .bind(store.to_string())
                .bind(i64_of(cursor, "cursor")?)
                .fetch_all(&self.pool)
                .await?;
        let mut ahead = Vec::new();
        for row in rows {
            let id = text(&row, "id")?;
            if needed.contains(id.as_str()) {
                ahead.push(Change::TaxClass {
                    rev: u64_of(int(&row, "rev")?),
                    id,
                    name: text(&row, "name")?,
                    rate_ppm: u32::try_from(int(&row, "rate_ppm")?).unwrap_or(0),
                });
            }
        }
        changes.splice(0..0, ahead);
        Ok(())
    }

    /// The catalog's products by SKU (for checks and the admin CLI).
    pub async fn product(&self, store: Uuid, sku: &str) -> Result<Option<WireProduct>> {
        let row = sqlx::query(self.sql(
            "SELECT sku, name, category, tax_class, price_minor, sold_by_weight, barcodes, plu, active
               FROM products WHERE store_id = ? AND sku = ?",
        ))
        .bind(store.to_string())
        .bind(sku)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(product_from).transpose()
    }

    /// How many products the store's catalog has.
    pub async fn product_count(&self, store: Uuid) -> Result<u64> {
        let row = sqlx::query(self.sql("SELECT COUNT(*) AS n FROM products WHERE store_id = ?"))
            .bind(store.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(u64_of(int(&row, "n")?))
    }
}

/// Problems of an import, for the admin CLI: at most `n`, one per line.
pub fn describe_issues(issues: &[ImportIssue], n: usize) -> String {
    let mut lines: Vec<String> = issues.iter().take(n).map(ToString::to_string).collect();
    if issues.len() > n {
        lines.push(format!("… and {} more", issues.len() - n));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::parse_rate_percent;

    #[test]
    fn tax_rates_are_read_as_percent() {
        assert_eq!(parse_rate_percent("19").ok(), Some(190_000));
        assert_eq!(parse_rate_percent("7.5 %").ok(), Some(75_000));
        assert_eq!(parse_rate_percent("0").ok(), Some(0));
        assert_eq!(parse_rate_percent("5.5%").ok(), Some(55_000));
        assert!(parse_rate_percent("101").is_err());
        assert!(parse_rate_percent("7,5").is_err());
        assert!(parse_rate_percent("").is_err());
        assert!(parse_rate_percent("1.23456").is_err());
    }
}

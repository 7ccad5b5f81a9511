//! The catalog: products, many barcodes per product, prices, tax classes, categories; lookup
//! by barcode or SKU (one primary-key read each) and FTS5 name search with prefix matching.
//! Costs do not grow with the catalog's size: nothing here scans the product table.

use crate::{Store, StoreError};
use ringup_domain::cart::CatalogItem;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// A product as the terminal sells it: with its tax rate resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category_id: Option<String>,
    pub price_minor: i64,
    pub tax_class_id: String,
    pub tax_rate_ppm: u32,
    pub sold_by_weight: bool,
}

impl Product {
    pub fn to_catalog_item(&self) -> CatalogItem {
        CatalogItem {
            product_id: self.sku.clone(),
            sku: self.sku.clone(),
            name: self.name.clone(),
            unit_price_minor: self.price_minor,
            tax_class_id: self.tax_class_id.clone(),
            tax_rate_ppm: self.tax_rate_ppm,
            sold_by_weight: self.sold_by_weight,
        }
    }
}

/// A product to create or update, keyed by SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductInput {
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
    pub tax_class_id: String,
    pub price_minor: i64,
    pub sold_by_weight: bool,
    /// The product's barcodes, replacing the ones it had; `None` leaves them as they are (a
    /// price-only update must not make products unscannable).
    pub barcodes: Option<Vec<String>>,
    /// The item code a scale prints into variable-measure barcodes, replacing the one it had;
    /// `None` leaves it as it is.
    pub plu: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub sku: String,
    pub name: String,
    pub price_minor: i64,
    /// The stock the till knows (the back end's ledger plus its own unsent sales), in
    /// thousandths; `None` when the product never had a stock movement.
    pub stock_milli: Option<i64>,
}

const PRODUCT_COLUMNS: &str =
    "p.id, p.sku, p.name, p.category_id, p.price_minor, p.tax_class_id, t.rate_ppm, p.sold_by_weight";

fn product_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        id: r.get(0)?,
        sku: r.get(1)?,
        name: r.get(2)?,
        category_id: r.get(3)?,
        price_minor: r.get(4)?,
        tax_class_id: r.get(5)?,
        tax_rate_ppm: r.get(6)?,
        sold_by_weight: r.get(7)?,
    })
}

pub(crate) use ringup_protocol::catalog::{barcode_key, plu_key};

fn find_by_code(c: &Connection, key: &str) -> Result<Option<Product>, StoreError> {
    let sql = format!(
        "SELECT {PRODUCT_COLUMNS} FROM barcodes b JOIN products p ON p.id = b.product_id
         JOIN tax_classes t ON t.id = p.tax_class_id WHERE b.code = ?1 AND p.active = 1"
    );
    Ok(c.prepare_cached(&sql)?.query_row([key], product_from_row).optional()?)
}

impl Store {
    /// Looks a scanned code up. Numeric codes are check-digit verified and normalised first.
    pub fn find_by_barcode(&self, code: &str) -> Result<Option<Product>, StoreError> {
        let key = barcode_key(code);
        self.read(|c| find_by_code(c, &key))
    }

    /// Looks a scale item up by the item code in its variable-measure barcode.
    pub fn find_by_plu(&self, plu: &str) -> Result<Option<Product>, StoreError> {
        let key = plu_key(plu);
        self.read(|c| find_by_code(c, &key))
    }

    pub fn find_by_sku(&self, sku: &str) -> Result<Option<Product>, StoreError> {
        self.read(|c| {
            let sql = format!(
                "SELECT {PRODUCT_COLUMNS} FROM products p JOIN tax_classes t ON t.id = p.tax_class_id
                 WHERE p.sku = ?1 AND p.active = 1"
            );
            Ok(c.prepare_cached(&sql)?.query_row([sku.trim()], product_from_row).optional()?)
        })
    }

    /// Name and SKU search: every word of `query` must match the start of a word of the
    /// name or SKU. At most `limit` hits, in catalog order (no ranking, which would have to
    /// score every match of a short prefix).
    /// Up to `limit` products for the quick-key grid, as (sku, name): until favourites are
    /// configurable, the catalog's first products by SKU.
    pub fn quick_keys(&self, limit: usize) -> Result<Vec<(String, String)>, StoreError> {
        let limit = i64::try_from(limit.min(100)).unwrap_or(100);
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT sku, name FROM products WHERE active = 1 ORDER BY sku LIMIT ?1")?;
            let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Outbox rows not yet pushed to the back end.
    pub fn outbox_pending(&self) -> Result<u64, StoreError> {
        self.read(|c| {
            let n: i64 = c.query_row("SELECT count(*) FROM outbox WHERE pushed_ms IS NULL", [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let Some(fts_query) = fts_prefix_query(query) else { return Ok(Vec::new()) };
        let limit = i64::try_from(limit.min(500)).unwrap_or(500);
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT p.sku, p.name, p.price_minor,
                        (SELECT sum(m.delta_milli) FROM stock_movements m WHERE m.product_id = p.id)
                   FROM products_fts f JOIN products p ON p.id = f.rowid
                 WHERE products_fts MATCH ?1 AND p.active = 1 LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![fts_query, limit], |r| {
                Ok(SearchHit { sku: r.get(0)?, name: r.get(1)?, price_minor: r.get(2)?, stock_milli: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    pub fn upsert_product(&self, input: &ProductInput) -> Result<i64, StoreError> {
        self.write(|tx| upsert_product(tx, input))
    }

    pub fn product_count(&self) -> Result<u64, StoreError> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM products", [], |r| crate::get_u64(r, 0))?))
    }

    /// The stock of a product: the sum of its ledger, in thousandths.
    pub fn stock_milli(&self, sku: &str) -> Result<i64, StoreError> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT coalesce(sum(m.delta_milli), 0) FROM stock_movements m JOIN products p ON p.id = m.product_id
                 WHERE p.sku = ?1",
            )?
            .query_row([sku], |r| r.get(0))?)
        })
    }

    /// Adds a stock movement made at this till (a delivery, breakage, a count: a delta, never
    /// a new quantity) and queues it for the back end in the same transaction. `id` makes it
    /// idempotent: the same movement recorded twice counts once. Returns whether it was new.
    pub fn record_stock_movement(
        &self,
        id: uuid::Uuid,
        sku: &str,
        delta_milli: i64,
        reason: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(|tx| {
            let product_id: i64 = tx
                .query_row("SELECT id FROM products WHERE sku = ?1", [sku], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("product {sku}")))?;
            // Its id is "<movement>:1", a line of its own document, as the back end takes a
            // till's movements.
            let line_id = format!("{id}:1");
            let n = tx.execute(
                "INSERT INTO stock_movements(id, product_id, delta_milli, reason, document_id, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO NOTHING",
                params![line_id, product_id, delta_milli, reason, id.to_string(), at_ms],
            )?;
            if n == 1 {
                let movement = ringup_protocol::WireStockMovement {
                    id: line_id,
                    sku: sku.to_string(),
                    delta_milli,
                    reason: reason.to_string(),
                    at_ms,
                };
                let payload = serde_json::json!({ "stock": [movement] }).to_string();
                crate::commit::enqueue(tx, "stock.adjusted", id, &payload, at_ms)?;
            }
            Ok(n == 1)
        })
    }
}

/// Turns what a cashier types into an FTS5 query: each word becomes a quoted prefix term, so
/// FTS5 syntax characters in the input are matched literally rather than parsed.
pub(crate) fn fts_prefix_query(query: &str) -> Option<String> {
    let terms: Vec<String> = query
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    if terms.is_empty() { None } else { Some(terms.join(" ")) }
}

pub(crate) fn upsert_product(tx: &Transaction<'_>, input: &ProductInput) -> Result<i64, StoreError> {
    if let Some(category) = &input.category {
        tx.prepare_cached("INSERT INTO categories(id, name) VALUES (?1, ?1) ON CONFLICT(id) DO NOTHING")?
            .execute([category])?;
    }
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO products(sku, name, category_id, tax_class_id, price_minor, sold_by_weight)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(sku) DO UPDATE SET name = excluded.name, category_id = excluded.category_id,
                 tax_class_id = excluded.tax_class_id, price_minor = excluded.price_minor,
                 sold_by_weight = excluded.sold_by_weight, active = 1
             RETURNING id",
        )?
        .query_row(
            params![input.sku, input.name, input.category, input.tax_class_id, input.price_minor, input.sold_by_weight],
            |r| r.get(0),
        )?;
    if input.barcodes.is_some() {
        tx.prepare_cached("DELETE FROM barcodes WHERE product_id = ?1 AND code NOT LIKE 'plu:%'")?.execute([id])?;
    }
    if input.plu.is_some() {
        tx.prepare_cached("DELETE FROM barcodes WHERE product_id = ?1 AND code LIKE 'plu:%'")?.execute([id])?;
    }
    let keys = input.barcodes.iter().flatten().map(|b| barcode_key(b)).chain(input.plu.iter().map(|p| plu_key(p)));
    for key in keys {
        let owner: Option<i64> = tx
            .prepare_cached("SELECT product_id FROM barcodes WHERE code = ?1")?
            .query_row([&key], |r| r.get(0))
            .optional()?;
        match owner {
            Some(other) if other != id => {
                return Err(StoreError::Conflict(format!("barcode {key} already belongs to another product")));
            }
            Some(_) => {}
            None => {
                tx.prepare_cached("INSERT INTO barcodes(code, product_id) VALUES (?1, ?2)")?
                    .execute(params![key, id])?;
            }
        }
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::fts_prefix_query;

    #[test]
    fn search_input_becomes_literal_prefix_terms() {
        assert_eq!(fts_prefix_query("cof"), Some("\"cof\"*".into()));
        assert_eq!(fts_prefix_query("  Milk 1l "), Some("\"Milk\"* \"1l\"*".into()));
        assert_eq!(fts_prefix_query("a\" OR b*"), Some("\"a\"* \"OR\"* \"b\"*".into()));
        assert_eq!(fts_prefix_query("--"), None);
    }
}

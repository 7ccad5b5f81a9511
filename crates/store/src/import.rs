//! Catalog import from CSV, all or nothing: the file is read and checked by
//! [`ringup_protocol::catalog`] (the back end reads it the same way), every problem is reported
//! with its line and column, and a file with any problem changes nothing. Plus a generator of
//! synthetic catalogs of any size for benchmarks and load tests.

use crate::catalog::{ProductInput, upsert_product};
use crate::{Store, StoreError};
use ringup_domain::barcode;
use ringup_domain::tax::TaxClass;
use ringup_protocol::catalog::{CatalogRow, issue, read_catalog_csv};
use rusqlite::OptionalExtension;
use std::collections::{BTreeSet, HashSet};
use std::io::Read;

pub use ringup_protocol::catalog::PROGRESS_EVERY_ROWS;

/// Where a long import stands. Nothing is visible in the catalog until the last row is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportProgress {
    Checked { rows: u64 },
    Written { rows: u64, of: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
}

impl From<CatalogRow> for ProductInput {
    fn from(row: CatalogRow) -> ProductInput {
        ProductInput {
            sku: row.sku,
            name: row.name,
            category: row.category,
            tax_class_id: row.tax_class_id,
            price_minor: row.price_minor,
            sold_by_weight: row.sold_by_weight,
            barcodes: row.barcodes,
            plu: row.plu,
        }
    }
}

impl Store {
    /// Imports a catalog CSV (see [`ringup_protocol::catalog`]). Either every row is applied,
    /// in one transaction, or nothing is and the error lists the problems by line and column
    /// (line 1 is the header).
    pub fn import_catalog_csv(&self, input: impl Read) -> Result<ImportReport, StoreError> {
        self.import_catalog_csv_with_progress(input, |_| {})
    }

    /// [`Store::import_catalog_csv`], telling `progress` how far it got every
    /// [`PROGRESS_EVERY_ROWS`] rows, first while checking the file, then while writing it.
    pub fn import_catalog_csv_with_progress(
        &self,
        input: impl Read,
        mut progress: impl FnMut(ImportProgress),
    ) -> Result<ImportReport, StoreError> {
        let settings = self.settings()?;
        let tax_classes: HashSet<String> = self.tax_classes()?.into_iter().map(|t| t.id).collect();
        let rows =
            read_catalog_csv(input, settings.currency, &tax_classes, |rows| progress(ImportProgress::Checked { rows }))
                .map_err(StoreError::Import)?;
        let total = rows.len() as u64;
        self.write(|tx| {
            let mut report = ImportReport::default();
            for row in &rows {
                let existed = tx
                    .prepare_cached("SELECT 1 FROM products WHERE sku = ?1")?
                    .query_row([&row.sku], |_| Ok(()))
                    .optional()?
                    .is_some();
                match upsert_product(tx, &ProductInput::from(row.clone())) {
                    Ok(_) => {}
                    Err(StoreError::Conflict(message)) => {
                        return Err(StoreError::Import(vec![issue(row.line, "barcodes", message)]));
                    }
                    Err(other) => return Err(other),
                }
                report.rows += 1;
                if report.rows.is_multiple_of(PROGRESS_EVERY_ROWS) || report.rows == total {
                    progress(ImportProgress::Written { rows: report.rows, of: total });
                }
                if existed { report.updated += 1 } else { report.created += 1 }
            }
            Ok(report)
        })
    }
}

/// A small, fast, seeded generator (SplitMix64). Written out because the synthetic catalog
/// only needs reproducible variety, not statistical quality, and five lines beat a dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        let len = u64::try_from(words.len()).unwrap_or(1).max(1);
        words[usize::try_from(self.next() % len).unwrap_or(0)]
    }
}

const ADJECTIVES: &[&str] = &[
    "Organic", "Fresh", "Classic", "Premium", "Light", "Smoked", "Crunchy", "Spicy", "Sweet", "Whole", "Wild", "Golden",
];
const NOUNS: &[&str] = &[
    "Coffee beans",
    "Milk",
    "Croissant",
    "Apples",
    "Water",
    "Cheese",
    "Yoghurt",
    "Bread",
    "Pasta",
    "Tomatoes",
    "Chocolate",
    "Tea",
    "Butter",
    "Rice",
    "Olive oil",
    "Honey",
    "Salmon",
    "Muesli",
    "Juice",
    "Cookies",
];
const SIZES: &[&str] = &["100 g", "250 g", "500 g", "1 kg", "1 l", "1.5 l", "6x1.5 l", "330 ml", "4 pack", "XL"];

/// The EAN-13 the synthetic catalog gives item `index`: GS1 prefix 400, then the index.
pub fn synthetic_ean13(index: u64) -> String {
    let body = format!("400{:09}", index % 1_000_000_000);
    let check = barcode::gs1_check_digit(&body).unwrap_or(0);
    format!("{body}{check}")
}

/// Fills the store with `items` synthetic products (SKU `SKU0000001`…, one EAN-13 each,
/// names from word lists), deterministic for a seed, in transactions of `batch` items.
/// `progress` is told how many are done after each batch.
pub fn generate_catalog(store: &Store, items: u64, seed: u64, mut progress: impl FnMut(u64)) -> Result<(), StoreError> {
    const BATCH: u64 = 20_000;
    store.upsert_tax_class(&TaxClass::new("standard", "Standard rate", 190_000)?)?;
    store.upsert_tax_class(&TaxClass::new("reduced", "Reduced rate", 70_000)?)?;
    let mut rng = SplitMix64(seed);
    let categories: BTreeSet<&str> = NOUNS.iter().copied().collect();
    let categories: Vec<&str> = categories.into_iter().collect();
    let mut done = 0;
    while done < items {
        let end = (done + BATCH).min(items);
        store.write(|tx| {
            for i in done..end {
                let noun = rng.pick(NOUNS);
                let name = format!("{} {} {} #{}", rng.pick(ADJECTIVES), noun, rng.pick(SIZES), i + 1);
                let input = ProductInput {
                    sku: format!("SKU{:07}", i + 1),
                    name,
                    category: Some(rng.pick(&categories).to_string()),
                    // One in three at the standard rate. (`is_multiple_of` would need Rust 1.87; the
                    // workspace declares 1.85.)
                    tax_class_id: match rng.next() % 3 {
                        0 => "standard".into(),
                        _ => "reduced".into(),
                    },
                    price_minor: i64::try_from(rng.next() % 5_000).unwrap_or(0) + 9,
                    sold_by_weight: false,
                    barcodes: Some(vec![synthetic_ean13(i + 1)]),
                    plu: None,
                };
                upsert_product(tx, &input)?;
            }
            Ok(())
        })?;
        done = end;
        progress(done);
    }
    Ok(())
}

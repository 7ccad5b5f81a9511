//! Catalog import from CSV, all or nothing: every row is checked, every problem is reported
//! with its line and column, and a file with any problem changes nothing. Plus a generator of
//! synthetic catalogs of any size for benchmarks and load tests.
//!
//! The CSV has a header line; columns may come in any order. Required: `sku`, `name`,
//! `price` (a decimal in the store currency, e.g. 14.99), `tax_class` (an existing tax class
//! id). Optional: `category`, `barcodes` (separated by `;`), `plu` (the item code a scale
//! prints into variable-measure barcodes), `sold_by_weight` (yes/no, true/false, 1/0).

use crate::catalog::{ProductInput, upsert_product};
use crate::{ImportIssue, Store, StoreError};
use ringup_domain::barcode::{self, BarcodeError};
use ringup_domain::tax::TaxClass;
use rusqlite::OptionalExtension;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;

/// At most this many problems are collected before the import stops reading: enough to fix a
/// file in a few rounds, without building an unbounded list from a wrong file.
const MAX_ISSUES: usize = 100;
/// Longest text accepted in a name, SKU or code.
const MAX_TEXT_CHARS: usize = 200;

/// How often a long import reports its progress.
pub const PROGRESS_EVERY_ROWS: u64 = 10_000;

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

struct Columns {
    sku: usize,
    name: usize,
    price: usize,
    tax_class: usize,
    category: Option<usize>,
    barcodes: Option<usize>,
    plu: Option<usize>,
    sold_by_weight: Option<usize>,
}

fn issue(line: u64, column: &str, message: impl Into<String>) -> ImportIssue {
    ImportIssue { row: line, column: column.to_string(), message: message.into() }
}

fn columns(header: &csv::StringRecord) -> Result<Columns, StoreError> {
    let find = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let mut missing = Vec::new();
    let mut require = |name: &str| {
        find(name).unwrap_or_else(|| {
            missing.push(issue(1, name, "required column is missing from the header"));
            0
        })
    };
    let cols = Columns {
        sku: require("sku"),
        name: require("name"),
        price: require("price"),
        tax_class: require("tax_class"),
        category: find("category"),
        barcodes: find("barcodes"),
        plu: find("plu"),
        sold_by_weight: find("sold_by_weight"),
    };
    if missing.is_empty() { Ok(cols) } else { Err(StoreError::Import(missing)) }
}

fn text(record: &csv::StringRecord, index: usize) -> &str {
    record.get(index).unwrap_or("").trim()
}

fn optional(record: &csv::StringRecord, index: Option<usize>) -> Option<&str> {
    index.map(|i| text(record, i)).filter(|s| !s.is_empty())
}

/// Checks a barcode cell entry: numeric codes of GTIN length must carry a valid check digit.
fn check_barcode(code: &str) -> Result<(), String> {
    if code.chars().count() > MAX_TEXT_CHARS || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("{code:?} is not a barcode (letters, digits and '-' only)"));
    }
    match barcode::normalize_gtin(code) {
        Ok(_) | Err(BarcodeError::NotNumeric) | Err(BarcodeError::Length(_)) => Ok(()),
        Err(e) => Err(format!("{code}: {e}")),
    }
}

fn parse_row(
    record: &csv::StringRecord,
    line: u64,
    cols: &Columns,
    currency: ringup_domain::Currency,
    tax_classes: &HashSet<String>,
    issues: &mut Vec<ImportIssue>,
) -> Option<ProductInput> {
    let before = issues.len();
    let sku = text(record, cols.sku);
    if sku.is_empty() || sku.chars().count() > MAX_TEXT_CHARS {
        issues.push(issue(line, "sku", "must be 1 to 200 characters"));
    }
    let name = text(record, cols.name);
    if name.is_empty() || name.chars().count() > MAX_TEXT_CHARS {
        issues.push(issue(line, "name", "must be 1 to 200 characters"));
    }
    let price_minor = match currency.parse_minor(text(record, cols.price)) {
        Ok(p) if p >= 0 => p,
        _ => {
            issues.push(issue(
                line,
                "price",
                format!("{:?} is not a price in {} (e.g. 14.99)", text(record, cols.price), currency.code()),
            ));
            0
        }
    };
    let tax_class_id = text(record, cols.tax_class);
    if !tax_classes.contains(tax_class_id) {
        issues.push(issue(line, "tax_class", format!("unknown tax class {tax_class_id:?}")));
    }
    let sold_by_weight = match optional(record, cols.sold_by_weight).map(str::to_ascii_lowercase).as_deref() {
        None | Some("no" | "false" | "0") => false,
        Some("yes" | "true" | "1") => true,
        Some(other) => {
            issues.push(issue(line, "sold_by_weight", format!("{other:?} is not yes or no")));
            false
        }
    };
    let mut barcodes = Vec::new();
    for code in optional(record, cols.barcodes).unwrap_or("").split(';').map(str::trim).filter(|c| !c.is_empty()) {
        match check_barcode(code) {
            Ok(()) => barcodes.push(code.to_string()),
            Err(e) => issues.push(issue(line, "barcodes", e)),
        }
    }
    let plu = optional(record, cols.plu).map(str::to_string);
    if let Some(p) = &plu
        && !p.chars().all(|c| c.is_ascii_digit())
    {
        issues.push(issue(line, "plu", format!("{p:?} is not a scale item code (digits only)")));
    }
    (issues.len() == before).then(|| ProductInput {
        sku: sku.to_string(),
        name: name.to_string(),
        category: optional(record, cols.category).map(str::to_string),
        tax_class_id: tax_class_id.to_string(),
        price_minor,
        sold_by_weight,
        // Without a barcodes column the file says nothing about barcodes: keep them.
        barcodes: cols.barcodes.map(|_| barcodes),
        plu,
    })
}

impl Store {
    /// Imports a catalog CSV (see the module documentation). Either every row is applied, in
    /// one transaction, or nothing is and the error lists the problems by line and column
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
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
        let header = reader.headers().map_err(|e| StoreError::Import(vec![issue(1, "-", e.to_string())]))?.clone();
        let cols = columns(&header)?;
        let mut issues = Vec::new();
        let mut rows: Vec<(u64, ProductInput)> = Vec::new();
        let mut seen_skus: HashMap<String, u64> = HashMap::new();
        let mut seen_codes: HashMap<String, u64> = HashMap::new();
        for result in reader.records() {
            if issues.len() >= MAX_ISSUES {
                break;
            }
            let record = match result {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    issues.push(issue(line, "-", format!("unreadable line: {e}")));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            // Line 1 is the header, so line n holds data row n − 1.
            let rows_checked = line.saturating_sub(1);
            if rows_checked > 0 && rows_checked % PROGRESS_EVERY_ROWS == 0 {
                progress(ImportProgress::Checked { rows: rows_checked });
            }
            let Some(product) = parse_row(&record, line, &cols, settings.currency, &tax_classes, &mut issues) else {
                continue;
            };
            if let Some(first) = seen_skus.insert(product.sku.clone(), line) {
                issues.push(issue(line, "sku", format!("{} appears again (first on line {first})", product.sku)));
            }
            let codes = product.barcodes.iter().flatten().map(|b| crate::catalog::barcode_key(b));
            for key in codes.chain(product.plu.iter().map(|p| crate::catalog::plu_key(p))) {
                if let Some(first) = seen_codes.insert(key.clone(), line) {
                    issues.push(issue(line, "barcodes", format!("{key} is also on line {first}")));
                }
            }
            rows.push((line, product));
        }
        if !issues.is_empty() {
            return Err(StoreError::Import(issues));
        }
        let total = rows.len() as u64;
        self.write(|tx| {
            let mut report = ImportReport::default();
            for (line, product) in &rows {
                let existed = tx
                    .prepare_cached("SELECT 1 FROM products WHERE sku = ?1")?
                    .query_row([&product.sku], |_| Ok(()))
                    .optional()?
                    .is_some();
                match upsert_product(tx, product) {
                    Ok(_) => {}
                    Err(StoreError::Conflict(message)) => {
                        return Err(StoreError::Import(vec![issue(*line, "barcodes", message)]));
                    }
                    Err(other) => return Err(other),
                }
                report.rows += 1;
                if report.rows % PROGRESS_EVERY_ROWS == 0 || report.rows == total {
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

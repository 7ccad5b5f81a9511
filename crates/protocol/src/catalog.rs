//! The catalog CSV, read and checked the same way by the terminal (`ringup import`) and by the
//! back end (`ringup-server catalog import`): every row is checked, every problem is reported
//! with its line and column, and the caller writes the rows only when there is none.
//!
//! The CSV has a header line; columns may come in any order. Required: `sku`, `name`,
//! `price` (a decimal in the store currency, e.g. 14.99), `tax_class` (an existing tax class
//! id). Optional: `category`, `barcodes` (separated by `;`), `plu` (the item code a scale
//! prints into variable-measure barcodes), `sold_by_weight` (yes/no, true/false, 1/0),
//! `reorder_level` (the stock under which the back end reports the product as low, e.g. 5 or
//! 2.5; the tills ignore it).

use ringup_domain::Currency;
use ringup_domain::barcode::{self, BarcodeError};
use std::collections::{HashMap, HashSet};
use std::io::Read;

/// At most this many problems are collected before reading stops: enough to fix a file in a
/// few rounds, without building an unbounded list from a wrong file.
pub const MAX_ISSUES: usize = 100;
/// Longest text accepted in a name, SKU or code.
pub const MAX_TEXT_CHARS: usize = 200;
/// How often a long import reports its progress.
pub const PROGRESS_EVERY_ROWS: u64 = 10_000;

/// A problem in an imported file, named by its line in the file (1 = the header line, so the
/// first data row is line 2) and column, so a person can find and fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    pub row: u64,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for ImportIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.row, self.column, self.message)
    }
}

/// One checked row of a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    /// The row's line in the file.
    pub line: u64,
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
    pub tax_class_id: String,
    pub price_minor: i64,
    pub sold_by_weight: bool,
    /// The product's barcodes as written; `None` when the file has no `barcodes` column (it
    /// then says nothing about barcodes, and the ones a product has are kept).
    pub barcodes: Option<Vec<String>>,
    pub plu: Option<String>,
    /// The reorder level in thousandths of a unit, when the file gives one.
    pub reorder_milli: Option<i64>,
}

/// A quantity as written ("5", "2.5", "0.125") in thousandths; at most three decimals.
pub fn parse_quantity_milli(text: &str) -> Option<i64> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || frac.len() > 3 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<3}").parse().ok()?;
    whole.checked_mul(1000)?.checked_add(frac)
}

/// The key a barcode is stored under: GTINs as 14 digits (so EAN-13, UPC-A and UPC-E forms of
/// one code meet), anything else as given.
pub fn barcode_key(code: &str) -> String {
    match barcode::normalize_gtin(code) {
        Ok((_, gtin14)) => gtin14,
        Err(_) => code.trim().to_string(),
    }
}

/// The key a scale item's code is stored under, beside the barcodes.
pub fn plu_key(plu: &str) -> String {
    format!("plu:{}", plu.trim())
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
    reorder_level: Option<usize>,
}

pub fn issue(line: u64, column: &str, message: impl Into<String>) -> ImportIssue {
    ImportIssue { row: line, column: column.to_string(), message: message.into() }
}

fn columns(header: &csv::StringRecord) -> Result<Columns, Vec<ImportIssue>> {
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
        reorder_level: find("reorder_level"),
    };
    if missing.is_empty() { Ok(cols) } else { Err(missing) }
}

fn text(record: &csv::StringRecord, index: usize) -> &str {
    record.get(index).unwrap_or("").trim()
}

fn optional(record: &csv::StringRecord, index: Option<usize>) -> Option<&str> {
    index.map(|i| text(record, i)).filter(|s| !s.is_empty())
}

/// Checks a barcode: letters, digits and '-' only; numeric codes of GTIN length must carry a
/// valid check digit.
pub fn check_barcode(code: &str) -> Result<(), String> {
    if code.is_empty()
        || code.chars().count() > MAX_TEXT_CHARS
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
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
    currency: Currency,
    tax_classes: &HashSet<String>,
    issues: &mut Vec<ImportIssue>,
) -> Option<CatalogRow> {
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
    let reorder_milli = match optional(record, cols.reorder_level) {
        None => None,
        Some(level) => match parse_quantity_milli(level) {
            Some(milli) => Some(milli),
            None => {
                issues.push(issue(line, "reorder_level", format!("{level:?} is not a quantity (e.g. 5 or 2.5)")));
                None
            }
        },
    };
    (issues.len() == before).then(|| CatalogRow {
        line,
        sku: sku.to_string(),
        name: name.to_string(),
        category: optional(record, cols.category).map(str::to_string),
        tax_class_id: tax_class_id.to_string(),
        price_minor,
        sold_by_weight,
        barcodes: cols.barcodes.map(|_| barcodes),
        plu,
        reorder_milli,
    })
}

/// Reads and checks a whole catalog file: prices in `currency`, tax classes among
/// `tax_classes`, no SKU or code twice in the file. `progress` hears how many rows were
/// checked every [`PROGRESS_EVERY_ROWS`]. Either every row, or the problems (at most
/// [`MAX_ISSUES`]).
pub fn read_catalog_csv(
    input: impl Read,
    currency: Currency,
    tax_classes: &HashSet<String>,
    mut progress: impl FnMut(u64),
) -> Result<Vec<CatalogRow>, Vec<ImportIssue>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let header = reader.headers().map_err(|e| vec![issue(1, "-", e.to_string())])?.clone();
    let cols = columns(&header)?;
    let mut issues = Vec::new();
    let mut rows = Vec::new();
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
        if rows_checked > 0 && rows_checked.is_multiple_of(PROGRESS_EVERY_ROWS) {
            progress(rows_checked);
        }
        let Some(row) = parse_row(&record, line, &cols, currency, tax_classes, &mut issues) else {
            continue;
        };
        if let Some(first) = seen_skus.insert(row.sku.clone(), line) {
            issues.push(issue(line, "sku", format!("{} appears again (first on line {first})", row.sku)));
        }
        for key in row.barcodes.iter().flatten().map(|b| barcode_key(b)).chain(row.plu.iter().map(|p| plu_key(p))) {
            if let Some(first) = seen_codes.insert(key.clone(), line) {
                issues.push(issue(line, "barcodes", format!("{key} is also on line {first}")));
            }
        }
        rows.push(row);
    }
    if issues.is_empty() { Ok(rows) } else { Err(issues) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> HashSet<String> {
        ["standard".to_string()].into_iter().collect()
    }

    #[test]
    fn a_good_file_reads_row_by_row() {
        let csv = "sku,name,price,tax_class,barcodes,plu\nA1,Coffee,14.99,standard,4006381333931;ABC-1,\nB2,Apples,2,standard,,0042\n";
        let rows = read_catalog_csv(csv.as_bytes(), Currency::EUR, &classes(), |_| {}).expect("reads");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].price_minor, 1499);
        assert_eq!(rows[0].barcodes, Some(vec!["4006381333931".into(), "ABC-1".into()]));
        assert_eq!((rows[1].line, rows[1].plu.as_deref()), (3, Some("0042")));
        assert_eq!(barcode_key("4006381333931"), "04006381333931");
    }

    #[test]
    fn reorder_levels_are_quantities() {
        assert_eq!(parse_quantity_milli("5"), Some(5_000));
        assert_eq!(parse_quantity_milli("2.5"), Some(2_500));
        assert_eq!(parse_quantity_milli("0.125"), Some(125));
        for bad in ["", "-1", "1.2345", "1,5", "x"] {
            assert_eq!(parse_quantity_milli(bad), None, "{bad}");
        }
        let csv = "sku,name,price,tax_class,reorder_level\nA1,Coffee,1,standard,5\nA2,Tea,1,standard,\nA3,Milk,1,standard,lots\n";
        let issues = read_catalog_csv(csv.as_bytes(), Currency::EUR, &classes(), |_| {}).expect_err("line 4");
        assert_eq!((issues[0].row, issues[0].column.as_str()), (4, "reorder_level"));
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let csv =
            "sku,name,price,tax_class,barcodes\nA1,Tea,1,standard,\nB1,,x,lux,4006381333932\nA1,Milk,1,standard,\n";
        let issues = read_catalog_csv(csv.as_bytes(), Currency::EUR, &classes(), |_| {}).expect_err("refused");
        let named: Vec<(u64, &str)> = issues.iter().map(|i| (i.row, i.column.as_str())).collect();
        assert_eq!(named, vec![(3, "name"), (3, "price"), (3, "tax_class"), (3, "barcodes"), (4, "sku")]);
    }
}

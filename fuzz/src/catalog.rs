//! The catalog CSV reader both the terminal and the back end import with.

use ringup_domain::Currency;
use ringup_domain::money::format_decimal;
use ringup_protocol::catalog::{
    CatalogRow, ImportIssue, MAX_ISSUES, MAX_TEXT_CHARS, PROGRESS_EVERY_ROWS, barcode_key, check_barcode, plu_key,
    read_catalog_csv,
};
use std::collections::HashSet;

/// The tax classes the store of the catalog target has.
const TAX_CLASSES: [&str; 2] = ["standard", "reduced"];

/// The catalog CSV reader (`protocol::catalog::read_catalog_csv`, prices in EUR, tax classes
/// "standard" and "reduced"). Input: the file.
///
/// Checks that a refusal has at least one problem, each on a line of the file (1 to the number
/// of line feeds plus one) with a column and a message, and that reading stopped once
/// `MAX_ISSUES` problems were collected (only the problems of the last line read go past it);
/// that accepted rows come in line order and keep the promised invariants (SKU and name 1-200
/// characters and trimmed, price not negative, known tax class, SKUs and codes unique, barcodes
/// valid, scale codes digits); that progress is reported in whole steps; and that the accepted
/// rows written out again as CSV read back as the same rows.
pub fn catalog_csv(data: &[u8]) {
    let classes: HashSet<String> = TAX_CLASSES.iter().map(|class| (*class).to_string()).collect();
    let mut progress = Vec::new();
    let result = read_catalog_csv(data, Currency::EUR, &classes, |rows| progress.push(rows));
    let line_feeds = data.iter().filter(|&&b| b == b'\n').count();
    let last_line = u64::try_from(line_feeds).map_or(u64::MAX, |n| n.saturating_add(1));
    let whole_steps = progress.iter().all(|rows| rows.is_multiple_of(PROGRESS_EVERY_ROWS));
    assert!(whole_steps && progress.windows(2).all(|w| w[0] < w[1]), "progress {progress:?}");
    match result {
        Ok(rows) => {
            check_catalog_rows(&rows, last_line, &classes);
            check_catalog_rewrite(&rows, &classes);
        }
        Err(issues) => check_catalog_issues(&issues, last_line),
    }
}

fn check_catalog_issues(issues: &[ImportIssue], last_line: u64) {
    let Some(last) = issues.last() else { panic!("a refused catalog comes with no problem") };
    for issue in issues {
        assert!((1..=last_line).contains(&issue.row), "{issue} is not on one of the {last_line} lines");
        assert!(!issue.column.is_empty() && !issue.message.is_empty(), "{issue:?}");
        assert!(issue.to_string().starts_with(&format!("line {}, column {}: ", issue.row, issue.column)), "{issue}");
    }
    let before_last_line = issues.iter().rposition(|issue| issue.row != last.row).map_or(0, |i| i + 1);
    assert!(before_last_line < MAX_ISSUES, "{before_last_line} problems were collected before the last line read");
}

fn check_text_field(row: &CatalogRow, column: &str, text: &str) {
    let ok = !text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS && text.trim() == text;
    assert!(ok, "line {}: {column} {text:?} was accepted", row.line);
}

fn check_catalog_rows(rows: &[CatalogRow], last_line: u64, classes: &HashSet<String>) {
    let mut previous_line = 1;
    let mut skus = HashSet::new();
    let mut codes = HashSet::new();
    for row in rows {
        assert!((previous_line..=last_line).contains(&row.line), "line {} after {previous_line}", row.line);
        previous_line = row.line;
        check_text_field(row, "sku", &row.sku);
        check_text_field(row, "name", &row.name);
        if let Some(category) = &row.category {
            assert!(!category.is_empty() && category.trim() == category, "line {}: category {category:?}", row.line);
        }
        assert!(row.price_minor >= 0, "line {}: price {}", row.line, row.price_minor);
        assert!(classes.contains(&row.tax_class_id), "line {}: tax class {:?}", row.line, row.tax_class_id);
        assert!(row.reorder_milli.is_none_or(|milli| milli >= 0), "line {}: {:?}", row.line, row.reorder_milli);
        assert!(skus.insert(row.sku.clone()), "line {}: SKU {:?} twice", row.line, row.sku);
        for code in row.barcodes.iter().flatten() {
            assert_eq!(check_barcode(code), Ok(()), "line {}: barcode {code:?}", row.line);
            assert!(codes.insert(barcode_key(code)), "line {}: barcode {code:?} twice", row.line);
        }
        if let Some(plu) = &row.plu {
            assert!(!plu.is_empty() && plu.bytes().all(|b| b.is_ascii_digit()), "line {}: plu {plu:?}", row.line);
            assert!(codes.insert(plu_key(plu)), "line {}: plu {plu:?} twice", row.line);
        }
    }
}

fn write_record<T: AsRef<[u8]>>(writer: &mut csv::Writer<Vec<u8>>, record: &[T]) {
    if let Err(error) = writer.write_record(record) {
        panic!("writing a CSV record to memory failed: {error}");
    }
}

/// The accepted rows as a CSV file of their own, read again: the same rows (but for their line
/// numbers, since the original may have had multi-line fields or blank lines).
fn check_catalog_rewrite(rows: &[CatalogRow], classes: &HashSet<String>) {
    let with_barcodes = rows.first().is_some_and(|row| row.barcodes.is_some());
    let mut header = vec!["sku", "name", "price", "tax_class", "category", "plu", "sold_by_weight", "reorder_level"];
    if with_barcodes {
        header.push("barcodes");
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    write_record(&mut writer, &header);
    for row in rows {
        let mut record = vec![
            row.sku.clone(),
            row.name.clone(),
            Currency::EUR.format_minor(row.price_minor),
            row.tax_class_id.clone(),
            row.category.clone().unwrap_or_default(),
            row.plu.clone().unwrap_or_default(),
            if row.sold_by_weight { "yes" } else { "no" }.to_string(),
            row.reorder_milli.map(|milli| format_decimal(milli, 3)).unwrap_or_default(),
        ];
        if with_barcodes {
            record.push(row.barcodes.as_deref().unwrap_or_default().join(";"));
        }
        write_record(&mut writer, &record);
    }
    let file = match writer.into_inner() {
        Ok(file) => file,
        Err(error) => panic!("writing CSV to memory failed: {error}"),
    };
    let without_lines = |rows: &[CatalogRow]| -> Vec<CatalogRow> {
        rows.iter().map(|row| CatalogRow { line: 0, ..row.clone() }).collect()
    };
    match read_catalog_csv(file.as_slice(), Currency::EUR, classes, |_| {}) {
        Ok(again) => assert_eq!(without_lines(&again), without_lines(rows), "{}", String::from_utf8_lossy(&file)),
        Err(issues) => panic!("accepted rows written out are refused: {issues:?}\n{}", String::from_utf8_lossy(&file)),
    }
}

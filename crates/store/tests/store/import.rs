//! Catalog import, all or nothing, with problems named by file line and column; and the
//! synthetic catalog generator.

use crate::support::*;
use ringup_domain::barcode::gs1_check_digit;
use ringup_store::import::synthetic_ean13;
use ringup_store::{ImportProgress, ImportReport, StoreError, generate_catalog};
use std::collections::BTreeSet;

/// A valid EAN-13 from its first twelve digits.
fn ean(body: &str) -> String {
    format!("{body}{}", gs1_check_digit(body).expect("twelve digits"))
}

/// The problems of a refused import as (file line, column), or a panic saying what came instead.
fn issues(result: Result<ImportReport, StoreError>) -> BTreeSet<(u64, String)> {
    match result {
        Err(StoreError::Import(issues)) => issues.into_iter().map(|i| (i.row, i.column)).collect(),
        other => panic!("a bad file must be refused with the list of its problems, got {other:?}"),
    }
}

fn at(line: u64, column: &str) -> (u64, String) {
    (line, column.to_string())
}

/// What a failed import must leave exactly as it was: every table's row count, and a lookup.
fn assert_unchanged(fx: &Fixture, before: &std::collections::BTreeMap<&str, i64>) {
    assert_eq!(&fx.counts(), before, "a failed import must not leave a single row of the file behind");
    assert_eq!(fx.store.product_count().expect("count"), 3, "the catalog still has only the fixture's products");
    let coffee = fx.store.find_by_barcode(COFFEE_EAN13).expect("lookup").expect("the coffee is still there");
    assert_eq!((coffee.sku.as_str(), coffee.price_minor), (COFFEE, COFFEE_PRICE), "and unchanged");
}

#[test]
fn a_good_file_imports_and_a_second_import_only_updates() {
    let fx = store();
    let (tea_a, tea_b) = (ean("400000000011"), ean("400000000012"));
    let csv = format!(
        " Price ,SKU,tax_class,name,barcodes,sold_by_weight,plu,category\n\
         2.49,TEA-1,reduced,Green tea,{tea_a}; {tea_b},no,,Drinks\n\
         1.99,BAN-KG,reduced,Bananas,,yes,4011,Fruit\n\
         13.49,{COFFEE},standard,Coffee beans 500 g,{COFFEE_EAN13},NO,,\n"
    );

    let report = fx.store.import_catalog_csv(csv.as_bytes()).expect("a good file imports");

    assert_eq!(report, ImportReport { rows: 3, created: 2, updated: 1 }, "two new products, the coffee updated");
    for code in [&tea_a, &tea_b] {
        let found = fx.store.find_by_barcode(code).expect("lookup").map(|p| (p.sku, p.price_minor));
        assert_eq!(found, Some(("TEA-1".into(), 249)), "each ;-separated barcode finds the tea");
    }
    let bananas = fx.store.find_by_plu("4011").expect("lookup").expect("the PLU finds the bananas");
    assert!(bananas.sold_by_weight, "sold_by_weight 'yes' is read as true");
    assert_eq!(bananas.category_id.as_deref(), Some("Fruit"), "the category column is optional but read");
    let coffee = fx.store.find_by_sku(COFFEE).expect("lookup").expect("coffee");
    assert_eq!((coffee.price_minor, coffee.sold_by_weight), (1349, false), "the price is updated, 'NO' is false");
    let counts = fx.counts();

    let again = fx.store.import_catalog_csv(csv.as_bytes()).expect("the same file imports again");

    assert_eq!(again, ImportReport { rows: 3, created: 0, updated: 3 }, "a re-import only updates");
    assert_eq!(fx.counts(), counts, "a re-import must not duplicate a product or a barcode");
}

#[test]
fn a_price_only_file_keeps_barcodes_and_plu() {
    let fx = store();
    let full = "sku,name,price,tax_class,barcodes,plu\nBAN-KG,Bananas,1.99,reduced,5901234123457,4011\n";
    fx.store.import_catalog_csv(full.as_bytes()).expect("the full file imports");
    let prices = "sku,name,price,tax_class\nBAN-KG,Bananas,2.19,reduced\n";
    fx.store.import_catalog_csv(prices.as_bytes()).expect("the price update imports");
    let by_ean = fx.store.find_by_barcode("5901234123457").expect("lookup").expect("still scannable by its EAN");
    assert_eq!(by_ean.price_minor, 219, "the new price applies");
    assert!(
        fx.store.find_by_plu("4011").expect("lookup").is_some(),
        "a file without barcodes or plu columns must leave the product's codes alone"
    );
    let new_codes = "sku,name,price,tax_class,barcodes\nBAN-KG,Bananas,2.19,reduced,\n";
    fx.store.import_catalog_csv(new_codes.as_bytes()).expect("an empty barcodes cell imports");
    assert!(fx.store.find_by_barcode("5901234123457").expect("lookup").is_none(), "an empty barcodes cell clears them");
    assert!(fx.store.find_by_plu("4011").expect("lookup").is_some(), "the PLU is separate from the barcodes");
}

#[test]
fn a_file_with_bad_rows_is_refused_whole_with_each_problem_at_its_line_and_column() {
    let fx = store();
    let before = fx.counts();
    let csv = "sku,name,price,tax_class,barcodes\n\
               OK-1,Fine,1.00,standard,\n\
               BAD-PRICE,Bad price,abc,standard,\n\
               OK-2,Fine too,2.00,reduced,\n\
               BAD-TAX,Bad tax,1.00,luxury,\n\
               OK-1,Same SKU again,1.00,standard,\n\
               BAD-EAN,Bad check digit,1.00,standard,4006381333932\n\
               OK-3,Fine as well,3.00,reduced,\n";

    let found = issues(fx.store.import_catalog_csv(csv.as_bytes()));

    let expected = BTreeSet::from([at(3, "price"), at(5, "tax_class"), at(6, "sku"), at(7, "barcodes")]);
    assert_eq!(found, expected, "each problem is named by its file line (header = 1) and column, and only those");
    assert_unchanged(&fx, &before);
    assert_eq!(fx.store.find_by_sku("OK-1").expect("lookup"), None, "not even the good rows are imported");
}

#[test]
fn a_file_without_a_required_column_is_refused_at_the_header() {
    let fx = store();
    let before = fx.counts();
    let csv = "sku,name,tax_class\nTEA-1,Green tea,reduced\n";

    let found = issues(fx.store.import_catalog_csv(csv.as_bytes()));

    assert_eq!(found, BTreeSet::from([at(1, "price")]), "the missing column is named, on the header line");
    assert_unchanged(&fx, &before);
}

#[test]
fn a_barcode_taken_by_a_product_in_the_store_fails_the_whole_file() {
    let fx = store();
    let before = fx.counts();
    let csv = format!(
        "sku,name,price,tax_class,barcodes\n\
         TEA-1,Green tea,2.49,reduced,{}\n\
         TEA-2,Black tea,2.29,reduced,{COFFEE_EAN13}\n",
        ean("400000000011")
    );

    let found = issues(fx.store.import_catalog_csv(csv.as_bytes()));

    assert_eq!(found, BTreeSet::from([at(3, "barcodes")]), "the row whose barcode is the coffee's is named");
    assert_unchanged(&fx, &before);
    assert_eq!(fx.store.find_by_sku("TEA-1").expect("lookup"), None, "the good row before it is rolled back");
}

#[test]
fn a_generated_catalog_is_complete_findable_and_the_same_for_the_same_seed() {
    let generate = |seed| {
        let fx = empty_store();
        let mut progress = Vec::new();
        generate_catalog(&fx.store, 2_000, seed, |done| progress.push(done)).expect("the catalog is generated");
        (fx, progress)
    };
    let names = |fx: &Fixture| -> Vec<String> {
        let conn = fx.raw();
        let mut stmt = conn.prepare("SELECT name FROM products ORDER BY sku").expect("query");
        stmt.query_map([], |r| r.get(0)).expect("rows").collect::<Result<_, _>>().expect("names")
    };
    let (fx, progress) = generate(42);

    assert_eq!(fx.store.product_count().expect("count"), 2_000, "exactly the requested number of products");
    assert_eq!(progress.last(), Some(&2_000), "progress ends at the total");
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "progress only goes forward: {progress:?}");
    for i in 1..=2_000 {
        let found = fx.store.find_by_barcode(&synthetic_ean13(i)).expect("lookup").map(|p| p.sku);
        assert_eq!(found, Some(format!("SKU{i:07}")), "item {i} is found by its synthetic EAN-13");
    }
    assert_eq!(names(&generate(42).0), names(&fx), "the same seed gives the same names");
    assert_ne!(names(&generate(43).0), names(&fx), "another seed gives another catalog");
}

#[test]
fn a_long_import_reports_its_progress_to_the_end() {
    let fx = store();
    let mut csv = String::from("sku,name,price,tax_class\n");
    for i in 0..25_000 {
        csv.push_str(&format!("BULK-{i},Bulk item {i},1.00,standard\n"));
    }
    let mut seen = Vec::new();
    let report = fx.store.import_catalog_csv_with_progress(csv.as_bytes(), |p| seen.push(p)).expect("imports");
    assert_eq!(report.rows, 25_000);
    assert!(seen.contains(&ImportProgress::Checked { rows: 20_000 }), "checking reports along the way: {seen:?}");
    assert_eq!(
        seen.last(),
        Some(&ImportProgress::Written { rows: 25_000, of: 25_000 }),
        "the last report says everything is written"
    );
}

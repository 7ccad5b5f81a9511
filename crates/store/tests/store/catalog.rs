//! The catalog: lookups by barcode, SKU and PLU, name search, the stock ledger, and reopening.

use crate::support::*;
use ringup_store::{Store, StoreError};
use rusqlite::Connection;
use uuid::Uuid;

fn sku_of(found: Option<ringup_store::Product>) -> Option<String> {
    found.map(|p| p.sku)
}

fn search_skus(fx: &Fixture, query: &str, limit: usize) -> Vec<String> {
    let mut skus: Vec<String> =
        fx.store.search(query, limit).expect("search runs on any input").into_iter().map(|h| h.sku).collect();
    skus.sort();
    skus
}

#[test]
fn a_product_is_found_by_its_ean13_its_sku_and_its_plu() {
    let fx = store();
    let by_ean = fx.store.find_by_barcode(COFFEE_EAN13).expect("lookup");
    assert_eq!(sku_of(by_ean), Some(COFFEE.into()), "the EAN-13 on the pack finds the coffee");
    let scanned = fx.store.find_by_barcode(&format!("{COFFEE_EAN13}\r\n")).expect("lookup");
    assert_eq!(sku_of(scanned), Some(COFFEE.into()), "the line ending a keyboard-wedge scanner adds is ignored");
    let by_sku = fx.store.find_by_sku(COFFEE).expect("lookup").expect("the SKU finds the coffee");
    assert_eq!((by_sku.price_minor, by_sku.tax_rate_ppm), (COFFEE_PRICE, 190_000), "with its price and tax rate");
    let by_plu = fx.store.find_by_plu(APPLES_PLU).expect("lookup").expect("the scale's item code finds the apples");
    assert_eq!(by_plu.sku, APPLES, "the PLU belongs to the apples");
    assert!(by_plu.sold_by_weight, "apples are sold by weight");
    assert_eq!(sku_of(fx.store.find_by_sku("NOPE").expect("lookup")), None, "an unknown SKU finds nothing");
}

#[test]
fn a_upc_a_and_its_thirteen_digit_form_are_one_key() {
    let fx = store();
    for code in [MILK_UPCA, "0036000291452", "00036000291452"] {
        let found = fx.store.find_by_barcode(code).expect("lookup");
        assert_eq!(sku_of(found), Some(MILK.into()), "{code} is the milk's UPC-A in another length");
    }
    let keys = count(&fx.raw(), "SELECT count(*) FROM barcodes WHERE code = '00036000291452'");
    assert_eq!(keys, 1, "the UPC-A is stored once, as its GTIN-14");
}

#[test]
fn a_code_with_a_wrong_check_digit_finds_nothing() {
    let fx = store();
    for code in ["4006381333932", "036000291453", "0036000291453"] {
        assert_eq!(sku_of(fx.store.find_by_barcode(code).expect("lookup")), None, "{code} has a wrong check digit");
    }
}

#[test]
fn search_finds_word_prefixes_and_requires_every_word() {
    let fx = store();
    fx.store.upsert_product(&product("COF-DARK", "Coffee beans dark roast", "standard", 1599, &[])).expect("add");
    fx.store.upsert_product(&product("COF-FILT", "Coffee filter papers", "standard", 299, &[])).expect("add");
    fx.store.upsert_product(&product("TEA-GRN", "Green tea", "reduced", 349, &[])).expect("add");

    assert_eq!(search_skus(&fx, "cof", 20), [COFFEE, "COF-DARK", "COF-FILT"], "three letters of a word find it");
    assert_eq!(search_skus(&fx, "Cof BEA", 20), [COFFEE, "COF-DARK"], "every word must match, in any case");
    assert_eq!(search_skus(&fx, "bea cof", 20), [COFFEE, "COF-DARK"], "word order does not matter");
    assert_eq!(search_skus(&fx, "tea", 20), ["TEA-GRN"], "a word in the middle of a name is found");
    assert_eq!(search_skus(&fx, "cof tea", 20), Vec::<String>::new(), "no product has both words");
}

#[test]
fn quotes_and_search_operators_in_a_query_are_harmless() {
    let fx = store();
    let count_before = fx.store.product_count().expect("count");
    for query in ["cof*", "\"cof\"", "(cof", "cof)", "^cof", "cof:", "{cof}"] {
        assert_eq!(search_skus(&fx, query, 20), [COFFEE], "{query:?} is read as the plain word cof");
    }
    // Read as FTS5 operators these would match the coffee (or the milk); read as words, nothing has them all.
    for query in ["cof OR milk", "cof\" OR \"milk", "cof NOT milk", "NEAR(cof milk)", "name:cof", "sku:COF"] {
        assert_eq!(search_skus(&fx, query, 20), Vec::<String>::new(), "{query:?} holds no operator, only words");
    }
    for query in ["\"", "*", "\"\"", "'); DROP TABLE products; --", ""] {
        let hits = fx.store.search(query, 20);
        assert!(hits.is_ok(), "{query:?} must not be a search error, got {hits:?}");
    }
    assert_eq!(fx.store.product_count().expect("count"), count_before, "no query changes the catalog");
}

#[test]
fn search_returns_at_most_the_limit() {
    let fx = empty_store();
    for i in 0..30 {
        fx.store
            .upsert_product(&product(&format!("TEA-{i:02}"), &format!("Tea blend {i}"), "reduced", 100, &[]))
            .expect("tea");
    }
    assert_eq!(fx.store.search("tea", 5).expect("search").len(), 5, "five asked, five given");
    assert_eq!(fx.store.search("tea", 100).expect("search").len(), 30, "a larger limit returns every match");
}

#[test]
fn stock_movements_count_once_per_id_and_stock_is_their_sum() {
    let fx = store();
    let delivery = Uuid::now_v7();
    assert!(fx.store.record_stock_movement(delivery, COFFEE, 5_000, "delivery", T0).expect("record"), "new");
    let again = fx.store.record_stock_movement(delivery, COFFEE, 5_000, "delivery", T0 + 1).expect("record");
    assert!(!again, "the same movement sent twice must say it was not new");
    fx.store.record_stock_movement(Uuid::now_v7(), COFFEE, -1_500, "breakage", T0).expect("record");
    fx.store.record_stock_movement(Uuid::now_v7(), COFFEE, 250, "count", T0).expect("record");

    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), 5_000 - 1_500 + 250, "stock is the sum of the deltas");
    assert_eq!(count(&fx.raw(), "SELECT count(*) FROM stock_movements"), 3, "the repeated movement is stored once");
    let err = fx.store.record_stock_movement(Uuid::now_v7(), "NOPE", 1, "delivery", T0);
    assert!(matches!(err, Err(StoreError::NotFound(_))), "stock of an unknown product is refused, got {err:?}");
}

#[test]
fn a_barcode_that_belongs_to_another_product_is_a_conflict() {
    let fx = store();
    let before = fx.counts();
    for code in [COFFEE_EAN13, "0036000291452"] {
        let err = fx.store.upsert_product(&product("TEA-1", "Black tea", "reduced", 199, &[code]));
        assert!(matches!(err, Err(StoreError::Conflict(_))), "{code} is taken, got {err:?}");
    }
    assert_eq!(fx.counts(), before, "a refused product is not half-created");
    assert_eq!(sku_of(fx.store.find_by_sku("TEA-1").expect("lookup")), None, "the tea was not created");
    let owner = fx.store.find_by_barcode(COFFEE_EAN13).expect("lookup");
    assert_eq!(sku_of(owner), Some(COFFEE.into()), "the barcode still belongs to the coffee");
}

#[test]
fn reopening_a_store_keeps_its_data_and_applies_no_migration_twice() {
    let Fixture { store, dir } = store();
    let path = dir.path().join("ringup.db");
    store.commit_sale(REGISTER, &cash_sale(&store, &[(COFFEE, 1)]), CASHIER, T0).expect("commit");
    drop(store);
    let version =
        |fx: &Fixture| -> i64 { fx.raw().query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version") };

    let first = Fixture { store: Store::open(&path).expect("reopen"), dir };
    let (counts, schema) = (first.counts(), version(&first));
    let Fixture { store, dir } = first;
    drop(store);
    let second = Fixture { store: Store::open(&path).expect("reopen again"), dir };

    assert_eq!(schema, 10, "the schema is at its latest migration");
    assert_eq!(version(&second), schema, "reopening must not migrate again");
    assert_eq!(second.counts(), counts, "reopening must neither lose nor add rows");
    assert_eq!((counts["sales"], counts["products"]), (1, 3), "the sale and the catalog survived closing");
    let found = second.store.find_by_barcode(COFFEE_EAN13).expect("lookup");
    assert_eq!(sku_of(found), Some(COFFEE.into()), "lookups work on a reopened store");
    assert_eq!(second.next_receipt_no(REGISTER), 2, "the receipt counter survives a restart");
}

#[test]
fn a_closed_store_is_one_file_holding_every_commit() {
    let fx = store();
    let path = fx.path();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    assert!(fx.store.search("cof", 5).expect("a read through the reader pool").len() == 1);
    let Fixture { store, dir } = fx;
    drop(store);
    assert!(!std::path::Path::new(&format!("{}-wal", path.display())).exists(), "the WAL was checkpointed away");
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).expect("copy the file alone");
    let sales: i64 = Connection::open(&copy)
        .expect("open")
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .expect("count");
    assert_eq!(sales, 1, "the copy holds the sale");
}

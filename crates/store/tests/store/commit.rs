//! Committing sales: everything in one transaction, gapless receipt numbers, idempotent
//! replays, and a failed commit that leaves no trace.

use crate::support::*;
use ringup_domain::cart::{QTY_ONE, Sale};
use ringup_domain::refund::RefundRequest;
use ringup_store::StoreError;
use uuid::Uuid;

fn refund_line(line_no: u32, pieces: i64) -> RefundRequest {
    RefundRequest { line_no, quantity_milli: pieces * QTY_ONE }
}

#[test]
fn a_committed_sale_writes_its_record_lines_payment_stock_journal_and_outbox() {
    let fx = store();
    fx.store.record_stock_movement(Uuid::now_v7(), COFFEE, 10 * QTY_ONE, "delivery", T0).expect("stock arrives");
    let before = fx.counts();
    let sale = cash_sale(&fx.store, &[(COFFEE, 2), (MILK, 1)]);

    let committed = fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("a completed sale commits");

    assert_eq!(committed.receipt_no, 1, "the first sale of a register gets receipt 1");
    assert_eq!(committed.journal_seq, 1, "the first sale is the register's first journal entry");
    assert!(!committed.replayed, "a first commit is not a replay");
    let after = fx.counts();
    let added = |table: &str| after[table] - before[table];
    assert_eq!(added("sales"), 1, "one sale record");
    assert_eq!(added("sale_lines"), 2, "one row per line of the sale");
    assert_eq!(added("payments"), 1, "one row per tender");
    assert_eq!(added("stock_movements"), 2, "one stock movement per sold line");
    assert_eq!(added("journal"), 1, "exactly one journal entry per sale");
    assert_eq!(added("outbox"), 1, "one event per document goes to the back end");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), 8 * QTY_ONE, "two of ten coffees were sold");
    assert_eq!(fx.store.stock_milli(MILK).expect("stock"), -QTY_ONE, "stock is a ledger: it may go below zero");

    let conn = fx.raw();
    let total = 2 * COFFEE_PRICE + MILK_PRICE;
    let (stored_total, state): (i64, String) = conn
        .query_row("SELECT total_minor, state FROM sales WHERE id = ?1", [sale.id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the sale row is there");
    assert_eq!((stored_total, state.as_str()), (total, "completed"), "the stored total is what the customer paid");
    let turnover: i64 = conn
        .query_row("SELECT turnover_minor FROM journal WHERE document_id = ?1", [sale.id.to_string()], |r| r.get(0))
        .expect("the journal entry names the sale");
    assert_eq!(turnover, total, "a sale adds its total to turnover");
    let kinds: Vec<String> = conn
        .prepare("SELECT kind FROM outbox ORDER BY seq")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("kinds");
    assert_eq!(
        kinds,
        ["stock.adjusted", "sale.completed"],
        "the outbox carries the delivery, then the sale's event, which points at its journal entry"
    );
}

#[test]
fn receipt_numbers_are_gapless_per_register_across_sales_voids_and_refunds() {
    let fx = store();
    fx.store.ensure_register("R2", "Register 2").expect("second register");
    let commit =
        |register: &str, sale: &Sale| fx.store.commit_sale(register, sale, CASHIER, T0).expect("commit").receipt_no;
    let refund = |register: &str, sale_id| {
        let r = fx.store.commit_refund(Uuid::now_v7(), sale_id, register, CASHIER, &[refund_line(1, 1)], T0);
        r.expect("refund").committed.receipt_no
    };
    let s1 = cash_sale(&fx.store, &[(COFFEE, 1)]);
    let s2 = cash_sale(&fx.store, &[(MILK, 1)]);
    let r1 = vec![
        commit(REGISTER, &s1),
        commit(REGISTER, &voided_sale(&fx.store, &[(MILK, 1)])),
        refund(REGISTER, s1.id),
        commit(REGISTER, &cash_sale(&fx.store, &[(MILK, 2)])),
    ];
    let r2 = vec![commit("R2", &s2), refund("R2", s2.id)];

    assert_eq!(r1, [1, 2, 3, 4], "sales, voids and refunds share one gapless sequence per register");
    assert_eq!(r2, [1, 2], "a second register counts on its own, from 1");
    let stored: Vec<i64> = fx
        .raw()
        .prepare(
            "SELECT receipt_no FROM sales WHERE register_id = 'R1'
             UNION ALL SELECT receipt_no FROM refunds WHERE register_id = 'R1' ORDER BY 1",
        )
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("numbers");
    assert_eq!(stored, [1, 2, 3, 4], "the stored documents carry the numbers that were returned");
}

#[test]
fn committing_the_same_sale_again_replays_the_first_result_and_writes_nothing() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    let first = fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("first commit");
    let before = fx.counts();

    let again = fx.store.commit_sale(REGISTER, &sale, CASHIER, T0 + 5_000).expect("a retry of the same sale is fine");

    assert!(again.replayed, "the retry must say it wrote nothing");
    assert_eq!(
        (again.receipt_no, again.journal_seq, again.journal_hash),
        (first.receipt_no, first.journal_seq, first.journal_hash),
        "a retry gets the first commit's receipt and journal entry, not new ones"
    );
    assert_eq!(fx.counts(), before, "a replay must not write a single row");
    assert_eq!(fx.next_receipt_no(REGISTER), 2, "a replay must not use up a receipt number");
}

#[test]
fn a_different_sale_under_a_committed_id_is_a_conflict() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("first commit");
    fx.store.ensure_register("R2", "Register 2").expect("second register");
    let before = fx.counts();
    let mut other = cash_sale(&fx.store, &[(MILK, 3)]);
    other.id = sale.id;

    let err = fx.store.commit_sale(REGISTER, &other, CASHIER, T0).expect_err("other content under a used id");
    assert!(matches!(err, StoreError::Conflict(_)), "a reused id with other content is a conflict, got {err:?}");
    let err = fx.store.commit_sale("R2", &sale, CASHIER, T0).expect_err("same sale on another register");
    assert!(matches!(err, StoreError::Conflict(_)), "one sale cannot be on two registers, got {err:?}");
    assert_eq!(fx.counts(), before, "a refused commit must write nothing");
}

#[test]
fn a_sale_of_an_unknown_product_fails_as_not_found_and_leaves_nothing() {
    let fx = store();
    assert_eq!(
        fx.store.commit_sale(REGISTER, &cash_sale(&fx.store, &[(MILK, 1)]), CASHIER, T0).expect("ok").receipt_no,
        1
    );
    let before = fx.counts();
    let mut ghost = item(&fx.store, COFFEE);
    ghost.product_id = "GHOST-1".into();
    ghost.sku = "GHOST-1".into();
    // The known product comes first, so its line is written before the unknown one fails.
    let mut sale = open_sale(&fx.store, &[(MILK, 1)]);
    sale.add_item(ghost, QTY_ONE).expect("the domain does not know the catalog");
    let total = sale.begin_tender().expect("tender").total_minor();
    sale.add_cash(Uuid::now_v7(), total, ringup_domain::tender::CashRounding::NONE).expect("cash");
    sale.complete().expect("complete");

    let err = fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect_err("an unknown product cannot be sold");

    assert!(matches!(&err, StoreError::NotFound(m) if m.contains("GHOST-1")), "NotFound naming the SKU, got {err:?}");
    assert_eq!(fx.counts(), before, "a failed commit must leave no sale, line, payment, journal or outbox row");
    assert_eq!(fx.next_receipt_no(REGISTER), 2, "a failed commit must not use up a receipt number");
    assert_eq!(fx.store.verify_journal(REGISTER).expect("chain intact"), 1, "the journal still ends at entry 1");
    let next = fx.store.commit_sale(REGISTER, &cash_sale(&fx.store, &[(COFFEE, 1)]), CASHIER, T0).expect("good sale");
    assert_eq!((next.receipt_no, next.journal_seq), (2, 2), "the next good sale continues without a gap");
}

#[test]
fn only_completed_or_voided_sales_can_be_committed() {
    let fx = store();
    let open = open_sale(&fx.store, &[(COFFEE, 1)]);
    let mut tendering = open_sale(&fx.store, &[(COFFEE, 1)]);
    tendering.begin_tender().expect("tender");

    for sale in [&open, &tendering] {
        let err = fx.store.commit_sale(REGISTER, sale, CASHIER, T0).expect_err("an unfinished sale");
        assert!(matches!(err, StoreError::Conflict(_)), "{:?} must be refused as a conflict, got {err:?}", sale.state);
    }
    assert_eq!(fx.counts()["sales"], 0, "nothing of an unfinished sale is stored");
    assert_eq!(fx.next_receipt_no(REGISTER), 1, "an unfinished sale gets no receipt number");
}

#[test]
fn a_card_payment_row_keeps_only_the_masked_pan() {
    let fx = store();
    let (sale, card_id) = card_sale(&fx.store, &[(COFFEE, 1)], 1000);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let conn = fx.raw();
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('payments')")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("columns");
    let card_number_like: Vec<&String> = columns
        .iter()
        .filter(|c| ["pan", "card_no", "card_number", "track", "cvv", "cvc", "expiry"].iter().any(|w| c.contains(w)))
        .collect();
    assert_eq!(card_number_like, ["masked_pan"], "no column may hold a full card number, track data or CVV");

    let (kind, pan): (String, Option<String>) = conn
        .query_row("SELECT kind, masked_pan FROM payments WHERE id = ?1", [card_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the card payment is stored");
    assert_eq!(kind, "card");
    assert_eq!(pan.as_deref(), Some("411111******1111"), "the stored PAN is the terminal's masked one");
    let cash_pans = count(&conn, "SELECT count(*) FROM payments WHERE kind = 'cash' AND masked_pan IS NOT NULL");
    assert_eq!(cash_pans, 0, "a cash payment carries no card data at all");
}

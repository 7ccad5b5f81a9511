//! The journal chain in the database: it verifies after real sales, voids and refunds, and
//! every kind of tampering with the raw rows is caught and names the entry.

use crate::support::*;
use ringup_domain::cart::QTY_ONE;
use ringup_domain::refund::RefundRequest;
use ringup_store::StoreError;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

/// A register with five journal entries: sale, void, sale, refund (entry 4), sale.
fn busy_store() -> Fixture {
    let fx = store();
    let commit = |sale| fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let first = cash_sale(&fx.store, &[(COFFEE, 2)]);
    commit(first.clone());
    commit(voided_sale(&fx.store, &[(MILK, 1)]));
    commit(cash_sale(&fx.store, &[(MILK, 3)]));
    let back = [RefundRequest { line_no: 1, quantity_milli: QTY_ONE }];
    fx.store.commit_refund(Uuid::now_v7(), first.id, REGISTER, CASHIER, &back, T0).expect("refund");
    commit(cash_sale(&fx.store, &[(APPLES, 1)]));
    fx
}

/// Tampers with a fresh busy store through a plain connection and returns what verify says.
fn verify_after(tamper: &str) -> String {
    let fx = busy_store();
    assert_eq!(fx.store.verify_journal(REGISTER).expect("untouched"), 5, "the chain is intact before tampering");
    let changed = fx.raw().execute(tamper, []).expect("the raw database can be edited");
    assert_eq!(changed, 1, "the tampering statement must hit exactly one row: {tamper}");
    match fx.store.verify_journal(REGISTER) {
        Err(StoreError::Journal { register, problem }) => {
            assert_eq!(register, REGISTER, "the error names the register whose chain is broken");
            problem
        }
        other => panic!("tampering ({tamper}) must be reported as a broken journal, got {other:?}"),
    }
}

#[test]
fn a_journal_of_sales_voids_and_refunds_verifies_with_its_entry_count() {
    let fx = busy_store();
    assert_eq!(fx.store.verify_journal(REGISTER).expect("an untouched chain verifies"), 5, "five documents");
    let kinds: Vec<&str> = fx.store.journal(REGISTER).expect("journal").iter().map(|e| e.data.kind.name()).collect();
    assert_eq!(kinds, ["sale", "void", "sale", "refund", "sale"], "every document is in the journal, in order");
    fx.store.ensure_register("R2", "Register 2").expect("second register");
    assert_eq!(fx.store.verify_journal("R2").expect("an empty chain verifies"), 0, "a new register has no entries");
}

#[test]
fn an_edited_body_is_caught_at_its_entry() {
    let problem = verify_after("UPDATE journal SET body = replace(body, 'alice', 'mallory') WHERE seq = 2");
    assert!(problem.contains("entry 2"), "the message must name entry 2, got: {problem}");
}

#[test]
fn a_changed_turnover_is_caught_at_its_entry() {
    let problem = verify_after("UPDATE journal SET turnover_minor = 0 WHERE seq = 4");
    assert!(problem.contains("entry 4"), "the refund's entry must be named, got: {problem}");
}

#[test]
fn a_deleted_middle_entry_is_caught_where_the_gap_is() {
    let problem = verify_after("DELETE FROM journal WHERE seq = 3");
    assert!(problem.contains("number 3"), "the message must name the missing entry 3, got: {problem}");
}

#[test]
fn a_deleted_last_entry_is_caught_against_the_register_counter() {
    let problem = verify_after("DELETE FROM journal WHERE seq = 5");
    assert!(
        problem.contains("counts 5") && problem.contains("ends at 4"),
        "the message must say entry 5 is gone (the chain ends at 4), got: {problem}"
    );
}

#[test]
fn a_register_head_that_disagrees_with_the_last_entry_is_caught() {
    // The register's head is what catches a last entry replaced by a rebuilt, self-consistent one.
    let fx = busy_store();
    let conn = fx.raw();
    conn.execute("UPDATE registers SET journal_hash = zeroblob(32) WHERE id = 'R1'", []).expect("tamper");
    let err = fx.store.verify_journal(REGISTER).expect_err("the head no longer matches the last entry");
    assert!(err.to_string().contains("entry 5"), "the message must name entry 5, got: {err}");
}

#[test]
fn verifying_while_sales_are_committed_never_reports_a_false_break() {
    let fx = store();
    let sales: Vec<_> = (0..150).map(|_| cash_sale(&fx.store, &[(MILK, 1)])).collect();
    let done = AtomicBool::new(false);
    let mut checks = 0;
    std::thread::scope(|s| {
        s.spawn(|| {
            for sale in &sales {
                fx.store.commit_sale(REGISTER, sale, CASHIER, T0).expect("commit");
            }
            done.store(true, Ordering::SeqCst);
        });
        let mut last = 0;
        while !done.load(Ordering::SeqCst) {
            let n = fx.store.verify_journal(REGISTER);
            let n = n.unwrap_or_else(|e| panic!("a chain being appended to is intact at every moment: {e}"));
            assert!(n >= last, "the verified length only grows ({last} then {n})");
            last = n;
            checks += 1;
        }
    });
    assert!(checks > 0, "the chain was verified while it grew");
    assert_eq!(fx.store.verify_journal(REGISTER).expect("verify"), 150, "every sale is in the chain");
}

#[test]
fn a_sales_row_edited_behind_the_journal_is_caught() {
    let problem = verify_after("UPDATE sales SET total_minor = total_minor - 100 WHERE receipt_no = 3");
    assert!(
        problem.contains("entry 3") && problem.contains("disagree"),
        "names the entry whose row changed: {problem}"
    );
}

#[test]
fn a_refund_row_edited_behind_the_journal_is_caught() {
    let problem = verify_after("UPDATE refunds SET receipt_no = 40");
    assert!(problem.contains("entry 4"), "names the refund's entry: {problem}");
}

#[test]
fn a_sales_row_removed_behind_the_journal_is_caught() {
    let fx = busy_store();
    // A thorough forger removes the sale with its lines, payment and stock movements.
    fx.raw()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             DELETE FROM sale_lines WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = 5);
             DELETE FROM payments WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = 5);
             DELETE FROM sales WHERE receipt_no = 5;",
        )
        .expect("the raw database can be edited");
    match fx.store.verify_journal(REGISTER) {
        Err(StoreError::Journal { problem, .. }) => {
            assert!(
                problem.contains("entry 5") && problem.contains("missing"),
                "names the entry whose row is gone: {problem}"
            )
        }
        other => panic!("a sale removed from the tables must be reported, got {other:?}"),
    }
}

#[test]
fn a_sales_row_added_behind_the_journal_is_caught() {
    let problem = verify_after(
        "INSERT INTO sales(id, register_id, receipt_no, state, cashier, currency, net_minor, tax_minor, total_minor,
             discount_minor, cash_rounding_minor, change_minor, at_ms, journal_seq)
         SELECT 'forged', register_id, 99, state, cashier, currency, net_minor, tax_minor, total_minor,
             discount_minor, cash_rounding_minor, change_minor, at_ms, journal_seq FROM sales WHERE receipt_no = 1",
    );
    assert!(problem.contains("forged") && problem.contains("not in the journal"), "names the forged row: {problem}");
}

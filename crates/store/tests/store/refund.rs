//! Refunds: in parts, never more than sold, back to the original tenders, idempotent by id,
//! with the stock and the journal's grand total following.

use crate::support::*;
use ringup_domain::DomainError;
use ringup_domain::cart::QTY_ONE;
use ringup_domain::refund::RefundRequest;
use ringup_domain::tender::{CashRounding, TenderKind};
use ringup_store::StoreError;
use uuid::Uuid;

fn refund_line(line_no: u32, pieces: i64) -> RefundRequest {
    RefundRequest { line_no, quantity_milli: pieces * QTY_ONE }
}

#[test]
fn a_partial_refund_then_the_rest_return_exactly_the_line_and_its_stock() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 3)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -3 * QTY_ONE, "three coffees went out");

    let first = fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &[refund_line(1, 1)], T0 + 1);
    let first = first.expect("one of three can be refunded");
    assert_eq!(first.total_minor, COFFEE_PRICE, "one of three coffees is worth one coffee");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -2 * QTY_ONE, "the refunded coffee is back in stock");
    let rest = fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &[refund_line(1, 2)], T0 + 2);
    let rest = rest.expect("the remaining two can be refunded");

    assert_eq!(first.total_minor + rest.total_minor, 3 * COFFEE_PRICE, "the parts add up to exactly what was paid");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), 0, "all stock is back after a full refund");
    let payment_id = sale.payments[0].id;
    assert!(
        first.tenders.iter().chain(&rest.tenders).all(|t| t.payment_id == payment_id),
        "a cash sale is refunded to its cash payment"
    );
}

#[test]
fn refunding_more_than_was_sold_is_refused_and_writes_nothing() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 2)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &[refund_line(1, 1)], T0).expect("one back");
    let before = fx.counts();

    let err = fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &[refund_line(1, 2)], T0);

    assert!(
        matches!(
            err,
            Err(StoreError::Domain(DomainError::RefundExceedsSold {
                line_no: 1,
                requested_milli: 2000,
                available_milli: 1000
            }))
        ),
        "two more cannot come back when only one is left, got {err:?}"
    );
    assert_eq!(fx.counts(), before, "a refused refund must write nothing");
    assert_eq!(fx.next_receipt_no(REGISTER), 3, "a refused refund must not use up a receipt number");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -QTY_ONE, "stock is unchanged by a refused refund");
}

#[test]
fn a_card_paid_sale_is_refunded_to_the_card_before_cash() {
    let fx = store();
    // 12.99 + 1.19 = 14.18: 10.00 by card, 4.18 in cash.
    let (sale, card_id) = card_sale(&fx.store, &[(COFFEE, 1), (MILK, 1)], 1000);
    let cash_id = sale.payments.iter().find(|p| p.id != card_id).expect("a cash payment").id;
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");

    let milk_id = Uuid::now_v7();
    let preview = fx.store.preview_refund(sale.id, &[refund_line(2, 1)]).expect("preview");
    assert_eq!(preview.tenders[0].kind, TenderKind::Card, "the preview tells the app to go to the terminal first");
    let refused = fx.store.commit_refund(milk_id, sale.id, REGISTER, CASHIER, &[refund_line(2, 1)], T0);
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "money goes back to a card only through the terminal: {refused:?}"
    );
    approve_refund_attempt(&fx.store, milk_id, MILK_PRICE);
    let milk = fx.store.commit_refund(milk_id, sale.id, REGISTER, CASHIER, &[refund_line(2, 1)], T0);
    let milk = milk.expect("refund the milk");
    let to: Vec<_> = milk.tenders.iter().map(|t| (t.payment_id, t.amount_minor)).collect();
    assert_eq!(to, [(card_id, MILK_PRICE)], "a refund goes back to the card first");
    let coffee_id = Uuid::now_v7();
    approve_refund_attempt(&fx.store, coffee_id, 1000 - MILK_PRICE);
    let coffee = fx.store.commit_refund(coffee_id, sale.id, REGISTER, CASHIER, &[refund_line(1, 1)], T0);
    let coffee = coffee.expect("refund the coffee");
    let to: Vec<_> = coffee.tenders.iter().map(|t| (t.payment_id, t.amount_minor)).collect();
    assert_eq!(
        to,
        [(card_id, 1000 - MILK_PRICE), (cash_id, COFFEE_PRICE - (1000 - MILK_PRICE))],
        "the card gets back at most what it paid, cash the rest"
    );
    let to_card = count(
        &fx.raw(),
        &format!("SELECT sum(amount_minor) FROM refund_tenders WHERE payment_id = '{card_id}' AND kind = 'card'"),
    );
    assert_eq!(to_card, 1000, "the stored refund tenders return exactly the card's 10.00 to the card");
}

#[test]
fn a_refund_committed_again_under_its_id_replays_and_writes_nothing() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 2)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let id = Uuid::now_v7();
    let first = fx.store.commit_refund(id, sale.id, REGISTER, CASHIER, &[refund_line(1, 1)], T0).expect("refund");
    let before = fx.counts();

    let again = fx.store.commit_refund(id, sale.id, REGISTER, CASHIER, &[refund_line(1, 1)], T0 + 9).expect("retry");

    assert!(again.committed.replayed && !first.committed.replayed, "only the retry is marked as a replay");
    assert_eq!(again.committed.receipt_no, first.committed.receipt_no, "a retry gets the first receipt number");
    assert_eq!((&again.lines, &again.tenders), (&first.lines, &first.tenders), "a retry returns the same refund");
    assert_eq!(again.total_minor, first.total_minor, "a retry returns the same amount");
    assert_eq!(fx.counts(), before, "a replayed refund must write nothing");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -QTY_ONE, "stock came back once, not twice");
}

#[test]
fn a_refund_lowers_the_journal_grand_total_by_its_amount() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1), (MILK, 2)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let refund = fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &[refund_line(2, 1)], T0);
    let refund = refund.expect("refund one milk");

    let journal = fx.store.journal(REGISTER).expect("journal");
    let totals: Vec<(i64, i64)> = journal.iter().map(|e| (e.data.turnover_minor, e.data.grand_total_minor)).collect();
    let sold = COFFEE_PRICE + 2 * MILK_PRICE;
    assert_eq!(refund.total_minor, MILK_PRICE, "one milk is refunded at its price");
    assert_eq!(
        totals,
        [(sold, sold), (-MILK_PRICE, sold - MILK_PRICE)],
        "a refund is negative turnover and the grand total goes down by exactly its amount"
    );
}

#[test]
fn a_sale_paid_in_two_cash_payments_with_rounding_can_be_refunded_in_full() {
    let fx = store();
    let coins = CashRounding { increment_minor: 5 };
    // 12.99 rounds to 13.00 in cash: 5.00 first, then 8.00 settles it with +0.01 rounding.
    let mut sale = open_sale(&fx.store, &[(COFFEE, 1)]);
    sale.begin_tender().expect("tender");
    let first = sale.add_cash(Uuid::now_v7(), 500, coins).expect("a first, partial cash payment").id;
    let second = sale.add_cash(Uuid::now_v7(), 800, coins).expect("the rest in cash").id;
    sale.complete().expect("complete");
    assert_eq!(sale.cash_rounding_minor, 1, "the settling payment carries the rounding");
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");

    let refund = fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &[refund_line(1, 1)], T0);
    let refund = refund.expect("the whole sale can be refunded");

    let to: Vec<_> = refund.tenders.iter().map(|t| (t.payment_id, t.amount_minor)).collect();
    assert_eq!(
        to,
        [(first, 500), (second, 799)],
        "the rounding is taken off the payment that carried it, once: not off every cash payment"
    );
}

#[test]
fn one_refund_may_name_the_same_line_twice() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 3)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let twice = [refund_line(1, 1), refund_line(1, 1)];

    let refund = fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &twice, T0);
    let refund = refund.expect("two of three scanned back one by one is a valid refund");

    assert_eq!(refund.total_minor, 2 * COFFEE_PRICE, "two coffees are refunded");
    assert_eq!(fx.store.stock_milli(COFFEE).expect("stock"), -QTY_ONE, "both come back into stock");
    let more = fx.store.commit_refund(Uuid::now_v7(), sale.id, REGISTER, CASHIER, &[refund_line(1, 2)], T0);
    assert!(
        matches!(more, Err(StoreError::Domain(DomainError::RefundExceedsSold { available_milli: 1000, .. }))),
        "both units count as refunded, so only one is left: {more:?}"
    );
}

#[test]
fn another_refund_under_a_used_refund_id_is_a_conflict() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1), (MILK, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let id = Uuid::now_v7();
    fx.store.commit_refund(id, sale.id, REGISTER, CASHIER, &[refund_line(2, 1)], T0).expect("refund the milk");
    let before = fx.counts();

    let other = fx.store.commit_refund(id, sale.id, REGISTER, CASHIER, &[refund_line(1, 1)], T0);

    assert!(
        matches!(other, Err(StoreError::Conflict(_))),
        "a coffee refund must not be answered with the milk refund stored under its id, got {other:?}"
    );
    assert_eq!(fx.counts(), before, "a refused refund writes nothing");
}

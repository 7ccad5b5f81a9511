//! Card payment attempts: written before sending, moved only along the state machine's arrows,
//! every move kept, and a sale completes only with its card payments approved.

use crate::support::*;
use ringup_domain::attempt::{AttemptKind, AttemptState};
use ringup_domain::tender::TenderKind;
use ringup_store::{AttemptDetails, NewAttempt, StoreError};
use uuid::Uuid;

fn new_attempt(sale_id: Uuid, amount_minor: i64) -> NewAttempt {
    NewAttempt {
        id: Uuid::now_v7(),
        sale_id,
        register_id: REGISTER.into(),
        kind: AttemptKind::Authorization,
        amount_minor,
        currency: "EUR".into(),
        reverses: None,
    }
}

#[test]
fn an_attempt_is_on_disk_in_state_sent_before_anything_else() {
    let fx = store();
    let a = new_attempt(Uuid::now_v7(), 1000);
    fx.store.begin_attempt(&a, T0).expect("recorded");
    let reopened = ringup_store::Store::open(fx.store.path()).expect("a second handle, as after a crash");
    let stored = reopened.attempt(a.id).expect("read").expect("the attempt survived");
    assert_eq!(stored.state, AttemptState::Sent);
    assert_eq!(reopened.unresolved_attempts().expect("list").len(), 1, "a sent attempt is unresolved until answered");
    fx.store.begin_attempt(&a, T0).expect("recording the same attempt again is harmless");
    let mut other = a.clone();
    other.amount_minor = 2000;
    assert!(matches!(fx.store.begin_attempt(&other, T0), Err(StoreError::Conflict(_))), "another attempt, same id");
}

#[test]
fn attempts_move_only_along_the_arrows_and_every_move_is_kept() {
    let fx = store();
    let a = new_attempt(Uuid::now_v7(), 1000);
    fx.store.begin_attempt(&a, T0).expect("recorded");
    fx.store
        .record_attempt(a.id, AttemptState::Unknown, &AttemptDetails::default(), "time-out", T0 + 1)
        .expect("unknown");
    let approved = AttemptDetails { trace_no: Some(9), terminal_id: Some("T1".into()), ..AttemptDetails::default() };
    fx.store
        .record_attempt(a.id, AttemptState::Approved, &approved, "repeat receipt matched", T0 + 2)
        .expect("approved");
    let again = fx.store.record_attempt(a.id, AttemptState::Approved, &AttemptDetails::default(), "retry", T0 + 3);
    assert_eq!(again.expect("recording the same state again is a no-op").details.trace_no, Some(9));
    let refused = fx.store.record_attempt(a.id, AttemptState::Declined, &AttemptDetails::default(), "late", T0 + 4);
    assert!(refused.is_err(), "an approved payment never becomes declined: only a reversal undoes it");
    assert!(
        fx.store.trace_is_claimed("T1", 9).expect("query"),
        "the terminal's trace number now belongs to this attempt"
    );
    let events: i64 = count(&fx.raw(), "SELECT count(*) FROM payment_attempt_events");
    assert_eq!(events, 3, "sent, unknown and approved are each kept with their reason");
    let outbox: i64 = count(&fx.raw(), "SELECT count(*) FROM outbox WHERE kind LIKE 'payment_attempt.%'");
    assert_eq!(outbox, 2, "each resolution is queued for the back end");
}

#[test]
fn a_sale_completes_only_with_its_card_payment_approved() {
    let fx = store();
    let mut sale = open_sale(&fx.store, &[(COFFEE, 1)]);
    let total = sale.begin_tender().expect("tender").total_minor();
    let attempt = new_attempt(sale.id, total);
    fx.store.begin_attempt(&attempt, T0).expect("recorded");
    sale.add_non_cash(attempt.id, TenderKind::Card, total, Some(approval())).expect("tender");
    sale.complete().expect("paid");
    let before = fx.counts();
    let refused = fx.store.commit_sale(REGISTER, &sale, CASHIER, T0);
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "a card payment still 'sent' must not complete a sale");
    assert_eq!(fx.counts(), before, "the refused sale left nothing behind");
    fx.store
        .record_attempt(attempt.id, AttemptState::Approved, &AttemptDetails::default(), "approved", T0)
        .expect("ok");
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("with the approval recorded the sale completes");
    assert!(fx.store.approved_attempts_without_sale().expect("query").is_empty(), "its approval belongs to a sale");
}

#[test]
fn an_approved_payment_of_an_abandoned_sale_is_listed_for_reversal() {
    let fx = store();
    let a = new_attempt(Uuid::now_v7(), 1234);
    fx.store.begin_attempt(&a, T0).expect("recorded");
    fx.store.record_attempt(a.id, AttemptState::Approved, &AttemptDetails::default(), "approved", T0).expect("ok");
    let listed = fx.store.approved_attempts_without_sale().expect("query");
    assert_eq!(listed.iter().map(|x| x.new.id).collect::<Vec<_>>(), vec![a.id], "money taken, no sale: reverse it");
    fx.store.record_attempt(a.id, AttemptState::Reversed, &AttemptDetails::default(), "reversed", T0).expect("ok");
    assert!(fx.store.approved_attempts_without_sale().expect("query").is_empty(), "a reversed payment is settled");
}

#[test]
fn an_approval_that_arrived_after_the_sale_was_paid_in_cash_is_listed_for_reversal() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    let late = new_attempt(sale.id, 500);
    fx.store.begin_attempt(&late, T0).expect("recorded");
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("the customer paid cash while the card was unknown");
    fx.store.record_attempt(late.id, AttemptState::Unknown, &AttemptDetails::default(), "time-out", T0).expect("ok");
    fx.store.record_attempt(late.id, AttemptState::Approved, &AttemptDetails::default(), "found", T0).expect("ok");
    let listed = fx.store.approved_attempts_without_sale().expect("query");
    assert_eq!(
        listed.iter().map(|a| a.new.id).collect::<Vec<_>>(),
        vec![late.id],
        "a completed sale does not cover a card approval that is not one of its tenders: charged twice otherwise"
    );
}

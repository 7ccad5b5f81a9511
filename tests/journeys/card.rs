//! Card payments end to end: the app, the store and the ZVT driver against the simulated
//! terminal (real protocol bytes through an in-memory cable), with its faults.

use crate::support::shop;
use hardware_sim::terminal::{Booking, BookingKind, Fault, InProcess, SimConfig, SimTerminal};
use ringup_app::{CardPayment, Register};
use ringup_devices::card::{CardEvent, CardOutcome, CardTerminal, EVENT_CAPACITY};
use ringup_devices::zvt::client::{ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::transport::Framing;
use ringup_domain::attempt::AttemptState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

fn terminal(sim: &Arc<SimTerminal>) -> ZvtTerminal<InProcess> {
    // Short time-outs: the simulator answers at once unless a fault makes it silent.
    let config = ZvtConfig { t3: Duration::from_millis(500), t4: Duration::from_millis(2_000), ..ZvtConfig::default() };
    ZvtTerminal::new(InProcess { sim: sim.clone(), framing: Framing::Serial }, Framing::Serial, config)
}

fn events() -> mpsc::Sender<CardEvent> {
    let (tx, mut rx) = mpsc::channel(EVENT_CAPACITY);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    tx
}

/// Rings up one coffee (14.99) and goes to payment.
fn coffee(reg: &mut Register) -> i64 {
    reg.scan("4012345000016").expect("coffee");
    reg.begin_tender().expect("tender").total_minor()
}

fn live(journal: &[Booking]) -> Vec<&Booking> {
    journal.iter().filter(|b| b.kind == BookingKind::Authorization && b.result_code == 0 && !b.reversed).collect()
}

#[tokio::test]
async fn a_card_payment_is_recorded_before_it_is_sent_and_completes_the_sale() {
    let shop = shop();
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = terminal(&sim);
    let mut reg = shop.register("R1", 11);
    let total = coffee(&mut reg);
    let paid = reg.pay_card(&mut zvt, total, &events()).await.expect("pay");
    let CardPayment::Approved { remaining_minor: 0, receipt } = paid else { panic!("approved in full: {paid:?}") };
    let done = reg.complete().expect("complete");
    let attempts = shop.store.attempts_for_sale(done.sale_id).expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, AttemptState::Approved);
    assert_eq!(
        attempts[0].details.trace_no,
        Some(receipt.trace_no),
        "the terminal's numbers are kept with the attempt"
    );
    assert!(done.receipt.render_text(42).contains("672600******1234"), "the receipt shows the masked PAN");
}

#[tokio::test]
async fn a_declined_card_leaves_the_sale_open_for_another_tender() {
    let shop = shop();
    let sim = SimTerminal::new(SimConfig { decline_cents: vec![99], ..SimConfig::default() });
    let mut zvt = terminal(&sim);
    let mut reg = shop.register("R1", 12);
    let total = coffee(&mut reg);
    let paid = reg.pay_card(&mut zvt, total, &events()).await.expect("pay");
    assert!(matches!(paid, CardPayment::Declined { .. }), "14.99 ends in 99: declined: {paid:?}");
    assert_eq!(reg.sale().expect("sale").remaining_minor().expect("remaining"), total, "nothing was paid");
    assert_eq!(reg.pay_cash(2000).expect("cash"), 0, "the customer pays cash instead");
    reg.complete().expect("complete");
}

#[tokio::test]
async fn an_approval_whose_answer_was_lost_is_found_not_charged_again() {
    let shop = shop();
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = terminal(&sim);
    let mut reg = shop.register("R1", 13);
    let total = coffee(&mut reg);
    sim.push_fault(Fault::DropAfterApproval);
    let paid = reg.pay_card(&mut zvt, total, &events()).await.expect("pay");
    assert!(matches!(paid, CardPayment::Approved { remaining_minor: 0, .. }), "found by asking the terminal: {paid:?}");
    reg.complete().expect("complete");
    assert_eq!(live(&sim.journal()).len(), 1, "the customer was charged exactly once");
}

#[tokio::test(start_paused = true)]
async fn after_a_crash_an_approved_payment_of_a_lost_sale_is_reversed() {
    let shop = shop();
    // Each step at the terminal takes 200 ms: three status lines, the decision at 600 ms, the
    // answer at 800 ms.
    let sim = SimTerminal::new(SimConfig { step_delay: Duration::from_millis(200), ..SimConfig::default() });
    let mut zvt = terminal(&sim);
    {
        let mut reg = shop.register("R1", 14);
        let total = coffee(&mut reg);
        // The till dies after the terminal approved but before its answer arrived: the register
        // is gone with its sale, the payment future with it.
        let sink = events();
        let attempt_then_crash = reg.pay_card(&mut zvt, total, &sink);
        let crashed = tokio::time::timeout(Duration::from_millis(700), attempt_then_crash).await;
        assert!(crashed.is_err(), "the crash comes before the terminal's answer");
    }
    let unresolved = shop.store.unresolved_attempts().expect("query");
    assert_eq!(unresolved.len(), 1, "the attempt was on disk before the terminal heard of it");
    // The sale in progress was saved and would come back (see the till's journeys); here it
    // is gone for good, as a sale from before the app saved sales in progress would be.
    shop.store.clear_open_sale("R1").expect("the sale is lost");
    let mut reg = shop.register("R1", 15);
    assert!(reg.sale().is_none(), "nothing comes back");
    let report = reg.recover_card_attempts(&mut zvt, &events()).await.expect("recover");
    assert_eq!(report.approved.len(), 1, "asking the terminal shows it was approved");
    assert_eq!(report.reversed, report.approved, "and, its sale lost, it is reversed");
    assert!(live(&sim.journal()).is_empty(), "the customer ends up charged nothing");
    assert!(shop.store.unresolved_attempts().expect("query").is_empty(), "nothing is left unresolved");
}

#[tokio::test(start_paused = true)]
async fn after_a_crash_before_the_terminal_decided_nothing_is_charged_and_nothing_reversed() {
    let shop = shop();
    let sim = SimTerminal::new(SimConfig { step_delay: Duration::from_millis(200), ..SimConfig::default() });
    let mut zvt = terminal(&sim);
    {
        let mut reg = shop.register("R1", 16);
        let total = coffee(&mut reg);
        let sink = events();
        let crashed = tokio::time::timeout(Duration::from_millis(100), reg.pay_card(&mut zvt, total, &sink)).await;
        assert!(crashed.is_err(), "the till dies while the customer is still at the PIN pad");
    }
    let mut reg = shop.register("R1", 17);
    let report = reg.recover_card_attempts(&mut zvt, &events()).await.expect("recover");
    assert_eq!(report.declined.len(), 1, "the terminal has no transaction for it: it did not happen");
    assert!(report.reversed.is_empty(), "nothing to reverse");
    assert!(sim.journal().is_empty(), "the line went dead before the decision: nothing was booked");
}

#[tokio::test(start_paused = true)]
async fn a_card_refunded_at_the_terminal_but_never_recorded_is_reversed_after_a_crash() {
    let shop = shop();
    // Each step at the terminal takes 200 ms: the decision at 600 ms, the answer at 800 ms.
    let sim = SimTerminal::new(SimConfig { step_delay: Duration::from_millis(200), ..SimConfig::default() });
    let mut zvt = terminal(&sim);
    let mut reg = shop.register("R1", 18);
    let total = coffee(&mut reg);
    reg.pay_card(&mut zvt, total, &events()).await.expect("pay");
    let sale = reg.complete().expect("complete").sale_id;
    let requests = [ringup_domain::refund::RefundRequest { line_no: 1, quantity_milli: 1000 }];
    let refund_id = reg.new_id();
    // The till dies after the terminal refunded the card, before the refund was recorded.
    let sink = events();
    let crashed = tokio::time::timeout(
        Duration::from_millis(700),
        reg.refund_with_card(&mut zvt, refund_id, sale, &requests, None, &sink),
    )
    .await;
    assert!(crashed.is_err(), "the crash comes between the terminal's decision and its answer");
    let refunds_at_terminal = || sim.journal().iter().filter(|b| b.kind == BookingKind::Refund && !b.reversed).count();
    let mut reg = shop.register("R1", 19);
    let report = reg.recover_card_attempts(&mut zvt, &events()).await.expect("recover");
    assert_eq!(refunds_at_terminal(), 0, "money returned with no refund on record is taken back: {report:?}");
    assert!(shop.store.unresolved_attempts().expect("query").is_empty(), "nothing left unresolved");
    let again =
        reg.refund_with_card(&mut zvt, refund_id, sale, &requests, None, &events()).await.expect("refund again");
    assert!(matches!(again, ringup_app::CardRefund::Done(_)), "the cashier can simply do the refund again: {again:?}");
    assert_eq!(refunds_at_terminal(), 1, "and the customer gets the money back exactly once");
}

fn sent_attempt(shop: &crate::support::Shop, register: &str, amount_minor: i64, n: u128) -> uuid::Uuid {
    let id = uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n);
    let new = ringup_store::NewAttempt {
        id,
        sale_id: uuid::Uuid::from_u128(0xABCD + n),
        register_id: register.into(),
        kind: ringup_domain::attempt::AttemptKind::Authorization,
        amount_minor,
        currency: "EUR".into(),
        reverses: None,
    };
    shop.store.begin_attempt(&new, 1).expect("recorded");
    id
}

#[tokio::test]
async fn an_unknown_payment_is_never_declined_on_a_newer_transactions_word() {
    let shop = shop();
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = terminal(&sim);
    shop.store.ensure_register("R1", "R1").expect("register");
    // Attempt A went out and its fate is unknown; then the terminal booked another payment B
    // (made by hand here, since the app refuses a new payment while A is open).
    let a = sent_attempt(&shop, "R1", 1499, 1);
    let b = sent_attempt(&shop, "R1", 1499, 2);
    let CardOutcome::Approved(booked) = zvt.authorize(1499, &events()).await.expect("answer") else {
        panic!("approved")
    };
    let details = ringup_store::AttemptDetails {
        terminal_id: Some(booked.terminal_id.clone()),
        trace_no: Some(booked.trace_no),
        ..Default::default()
    };
    shop.store.record_attempt(b, AttemptState::Approved, &details, "approved", 2).expect("b approved");
    let attempt_a = shop.store.attempt(a).expect("read").expect("a");
    let (state, _) = ringup_app::card::resolve_attempt(&shop.store, &mut zvt, &attempt_a, 3).await.expect("ask");
    assert_eq!(state, AttemptState::Unknown, "the last booking is B's, newer than A: it says nothing about A");
    let mut reg = shop.register("R1", 21);
    let total = coffee(&mut reg);
    let refused = reg.pay_card(&mut zvt, total, &events()).await;
    assert!(
        matches!(refused, Err(ref e) if e.code() == "card_unresolved"),
        "no new card payment while A is open: {refused:?}"
    );
}

/// Found by the crash campaign: a card refused, then the till killed after the next payment
/// went out but before the terminal took it. The terminal's last word is the refusal, which
/// came without a trace number; it is the payment before's, so the new one was never booked.
#[tokio::test]
async fn a_payment_lost_after_a_refused_card_is_settled_by_the_refusal_before_it() {
    let shop = shop();
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = terminal(&sim);
    let mut reg = shop.register("R1", 23);
    reg.scan("4012345000016").expect("coffee");
    reg.begin_tender().expect("tender");
    // 12.51: the simulator refuses amounts ending in 51 cents.
    let refused = reg.pay_card(&mut zvt, 1251, &events()).await.expect("answer");
    assert!(matches!(refused, CardPayment::Declined { .. }), "{refused:?}");
    // The next payment is written down, then the till dies before the terminal hears of it.
    let lost = uuid::Uuid::now_v7();
    let new = ringup_store::NewAttempt {
        id: lost,
        sale_id: reg.sale().expect("the sale").id,
        register_id: "R1".into(),
        kind: ringup_domain::attempt::AttemptKind::Authorization,
        amount_minor: 1499,
        currency: "EUR".into(),
        reverses: None,
    };
    shop.store.begin_attempt(&new, 1_795_000_000_001).expect("written before it is sent");
    let attempt = shop.store.attempt(lost).expect("read").expect("there");
    let (state, _) = ringup_app::card::resolve_attempt(&shop.store, &mut zvt, &attempt, 5).await.expect("ask");
    assert_eq!(state, AttemptState::Declined, "the terminal's last word is the refusal before it");
    assert_eq!(sim.journal().len(), 1, "the terminal booked only the refusal");
}

#[tokio::test]
async fn a_register_settles_only_its_own_attempts() {
    let shop = shop();
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = terminal(&sim);
    shop.store.ensure_register("R2", "R2").expect("register");
    let other = sent_attempt(&shop, "R2", 999, 3);
    let mut reg = shop.register("R1", 22);
    let report = reg.recover_card_attempts(&mut zvt, &events()).await.expect("recover");
    assert!(report.declined.is_empty() && report.approved.is_empty(), "R1 asks its terminal about R1 only: {report:?}");
    let still = shop.store.attempt(other).expect("read").expect("there");
    assert_eq!(still.state, AttemptState::Sent, "R2's attempt is R2's terminal's business");
}

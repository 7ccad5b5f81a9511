use super::*;
use ringup_devices::card::{CardError, CardOutcome, CardTerminal, EVENT_CAPACITY};
use ringup_devices::zvt::client::{ZvtConfig, ZvtTerminal};

fn driver(sim: &Arc<SimTerminal>, framing: Framing) -> ZvtTerminal<InProcess> {
    ZvtTerminal::new(InProcess { sim: sim.clone(), framing }, framing, ZvtConfig::default())
}

fn events() -> (
    tokio::sync::mpsc::Sender<ringup_devices::card::CardEvent>,
    tokio::sync::mpsc::Receiver<ringup_devices::card::CardEvent>,
) {
    tokio::sync::mpsc::channel(EVENT_CAPACITY)
}

#[tokio::test]
async fn approves_declines_and_tells_the_customer_what_to_do() {
    for framing in [Framing::Tcp, Framing::Serial] {
        let sim = SimTerminal::new(SimConfig::default());
        let mut zvt = driver(&sim, framing);
        let (tx, mut rx) = events();
        let approved = zvt.authorize(1234, &tx).await.expect("an answer");
        let CardOutcome::Approved(receipt) = approved else { panic!("12.34 is approved: {approved:?}") };
        assert_eq!((receipt.amount_minor, receipt.trace_no, receipt.receipt_no), (1234, 1, 1));
        assert_eq!(receipt.masked_pan, "672600******1234", "only the masked PAN crosses the wire");
        assert!(receipt.slip.iter().any(|l| l.contains("APPROVED")), "the card slip comes with it: {:?}", receipt.slip);
        let mut shown = Vec::new();
        while let Ok(ringup_devices::card::CardEvent::Display(text)) = rx.try_recv() {
            shown.push(text);
        }
        assert_eq!(shown.len(), 3, "insert card, PIN, please wait reach the screen: {shown:?}");
        let declined = zvt.authorize(1251, &tx).await.expect("an answer");
        assert!(
            matches!(declined, CardOutcome::Declined { result_code: 0x05, .. }),
            "cents 51 are declined with 05 over {framing:?}: {declined:?}"
        );
    }
}

#[tokio::test]
async fn repeat_reversal_and_end_of_day_come_from_the_journal() {
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = driver(&sim, Framing::Tcp);
    let (tx, _rx) = events();
    assert_eq!(zvt.last_transaction().await.expect("answer"), None, "nothing to repeat on a fresh terminal");
    let CardOutcome::Approved(first) = zvt.authorize(1000, &tx).await.expect("answer") else { panic!("approved") };
    let CardOutcome::Approved(_) = zvt.authorize(2500, &tx).await.expect("answer") else { panic!("approved") };
    let last = zvt.last_transaction().await.expect("answer").expect("a transaction");
    assert_eq!((last.amount_minor, last.trace_no), (2500, 2), "repeat receipt returns the last booking");
    let reversed = zvt.reverse(first.receipt_no, &tx).await.expect("answer");
    assert!(matches!(reversed, CardOutcome::Approved(_)), "the first payment is reversed: {reversed:?}");
    let again = zvt.reverse(first.receipt_no, &tx).await.expect("answer");
    assert!(
        matches!(again, CardOutcome::Declined { result_code: 0xB4, .. }),
        "a second reversal is refused: {again:?}"
    );
    let CardOutcome::Approved(_) = zvt.refund(300, &tx).await.expect("answer") else { panic!("refund approved") };
    let eod = zvt.end_of_day(&tx).await.expect("end of day");
    assert_eq!(eod.total_minor, 2500 - 300, "reversed payments do not count, refunds subtract");
    assert_eq!(eod.by_card_type.len(), 1);
    assert_eq!((eod.by_card_type[0].card_type.as_str(), eod.by_card_type[0].count), ("girocard", 2));
    assert_eq!(zvt.end_of_day(&tx).await.expect("again").total_minor, 0, "a new period starts after end of day");
}

#[tokio::test]
async fn a_dropped_approval_is_found_again_by_repeat_receipt() {
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = driver(&sim, Framing::Serial);
    let (tx, _rx) = events();
    sim.push_fault(Fault::DropAfterApproval);
    let lost = zvt.authorize(4200, &tx).await;
    assert_eq!(lost, Err(CardError::Disconnected), "the answer never arrived");
    let found = zvt.last_transaction().await.expect("the driver reconnects").expect("booked");
    assert_eq!((found.amount_minor, found.result_code), (4200, 0), "the terminal did charge it");
    assert_eq!(sim.journal().len(), 1, "and only once");
}

#[tokio::test(start_paused = true)]
async fn a_silent_terminal_times_out_and_a_rebooted_one_booked_nothing() {
    // Silent for longer than the driver's T4 (180 s): the driver gives up first.
    let sim = SimTerminal::new(SimConfig { silent_for: Duration::from_secs(600), ..SimConfig::default() });
    let mut zvt = driver(&sim, Framing::Tcp);
    let (tx, _rx) = events();
    sim.push_fault(Fault::Silent);
    let silent = zvt.authorize(1000, &tx).await;
    assert!(matches!(silent, Err(CardError::Timeout(_))), "silence ends in a time-out: {silent:?}");
    sim.push_fault(Fault::RebootMidTransaction);
    assert_eq!(zvt.authorize(1000, &tx).await, Err(CardError::Disconnected));
    assert!(sim.journal().is_empty(), "neither booked anything");
    let ok = zvt.authorize(1000, &tx).await.expect("the next payment works");
    assert!(matches!(ok, CardOutcome::Approved(_)));
    let brief = SimTerminal::new(SimConfig::default());
    let mut other = driver(&brief, Framing::Tcp);
    brief.push_fault(Fault::Silent);
    assert_eq!(other.authorize(1000, &tx).await, Err(CardError::Disconnected), "a brief silence ends the session");
    assert!(matches!(other.authorize(1000, &tx).await, Ok(CardOutcome::Approved(_))), "and the terminal is back");
}

#[tokio::test]
async fn line_faults_are_survived_or_reported() {
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt = driver(&sim, Framing::Serial);
    let (tx, _rx) = events();
    sim.push_fault(Fault::BadCrc(2));
    assert!(matches!(zvt.authorize(1000, &tx).await, Ok(CardOutcome::Approved(_))), "two bad CRCs are retransmitted");
    sim.push_fault(Fault::NakFirst(1));
    assert!(matches!(zvt.authorize(1100, &tx).await, Ok(CardOutcome::Approved(_))), "a NAK is answered by resending");
    sim.push_fault(Fault::GarbleLength);
    let garbled = zvt.authorize(1200, &tx).await;
    assert!(garbled.is_err(), "a garbled status information is not taken for an answer: {garbled:?}");
    let found = zvt.last_transaction().await.expect("reconnects").expect("booked");
    assert_eq!(found.amount_minor, 1200, "the garbled payment was booked, and is found by asking");
}

#[tokio::test]
async fn registration_checks_the_password() {
    let sim = SimTerminal::new(SimConfig { password: 123_456, ..SimConfig::default() });
    let mut wrong =
        ZvtTerminal::new(InProcess { sim: sim.clone(), framing: Framing::Tcp }, Framing::Tcp, ZvtConfig::default());
    assert!(!wrong.register().await.expect("answer").ready, "a wrong password is refused");
    assert!(!sim.is_registered());
    let config = ZvtConfig { password: 123_456, ..ZvtConfig::default() };
    let mut right = ZvtTerminal::new(InProcess { sim: sim.clone(), framing: Framing::Tcp }, Framing::Tcp, config);
    let status = right.register().await.expect("answer");
    assert_eq!((status.ready, status.terminal_id.as_deref()), (true, Some("52500001")));
    assert!(sim.is_registered());
}

#[tokio::test(start_paused = true)]
async fn the_cashier_can_abort_while_the_customer_is_at_the_terminal() {
    let sim = SimTerminal::new(SimConfig { step_delay: Duration::from_millis(500), ..SimConfig::default() });
    let mut zvt = driver(&sim, Framing::Serial);
    let (tx, _rx) = events();
    let handle = zvt.abort_handle();
    let cashier = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        handle.abort();
    });
    let outcome = zvt.authorize(1000, &tx).await.expect("an answer");
    cashier.await.expect("cashier");
    assert!(
        matches!(outcome, CardOutcome::Aborted { result_code: 0x6C, .. }),
        "an abort before the decision ends the payment with 6C: {outcome:?}"
    );
    assert!(sim.journal().is_empty(), "an aborted payment is not booked");
    let next = zvt.authorize(1000, &tx).await.expect("an answer");
    assert!(matches!(next, CardOutcome::Approved(_)), "an earlier abort does not cancel the next payment: {next:?}");
}

#[tokio::test]
async fn a_held_approval_is_booked_before_the_ecr_hears_of_it() {
    let config = SimConfig { hold_cents: vec![77], hold_for: Duration::from_millis(300), ..SimConfig::default() };
    let sim = SimTerminal::new(config);
    let mut zvt = driver(&sim, Framing::Serial);
    let (tx, mut rx) = events();
    let paying = tokio::spawn(async move { zvt.authorize(377, &tx).await });
    loop {
        match rx.recv().await {
            Some(ringup_devices::card::CardEvent::Display(text)) if text == "Please remove card" => break,
            Some(_) => {}
            None => panic!("the payment ended without asking to remove the card"),
        }
    }
    assert_eq!(sim.journal().len(), 1, "the customer is charged while the ECR still waits");
    assert!(!paying.is_finished(), "the ECR has no answer yet");
    let outcome = paying.await.expect("task").expect("an answer");
    assert!(matches!(outcome, CardOutcome::Approved(ref r) if r.amount_minor == 377), "then approved: {outcome:?}");
    let normal = driver(&sim, Framing::Serial).authorize(378, &events().0).await.expect("answer");
    assert!(matches!(normal, CardOutcome::Approved(_)), "other amounts are not held: {normal:?}");
}

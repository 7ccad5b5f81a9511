//! The till's crash recovery, permissions and returns, through the calls the window makes,
//! with the simulated card terminal on TCP.

use hardware_sim::terminal::{BookingKind, SimConfig, SimTerminal};
use ringup_app::view::ReturnRequestView;
use ringup_app::{FixedClock, SequentialIds, Till, TillConfig, demo};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::zvt::client::ZvtPort;
use ringup_devices::zvt::transport::Framing;
use ringup_domain::attempt::{AttemptKind, AttemptState};
use ringup_domain::journal::EntryKind;
use ringup_store::{AttemptDetails, NewAttempt, Role, Store};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub(crate) async fn serve_terminal(config: SimConfig) -> (Arc<SimTerminal>, String) {
    let terminal = SimTerminal::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let serving = terminal.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sim = serving.clone();
            tokio::spawn(async move { sim.serve(stream, Framing::Tcp).await });
        }
    });
    (terminal, addr)
}

/// A till on the store file in `dir` (opened anew, as after a restart), with ids from `seed`.
pub(crate) fn till(dir: &std::path::Path, terminal_addr: &str, seed: u64) -> Till {
    let store = Arc::new(Store::open(&dir.join("ringup.db")).expect("store"));
    demo::prepare(&store).expect("demo shop");
    let config = TillConfig {
        register_id: "R1".into(),
        terminal: Some(ZvtPort::Tcp { addr: terminal_addr.into() }),
        printer: None,
        paper: Paper::Mm80,
        logo_png: None,
    };
    Till::new(store, Arc::new(FixedClock::new(1_795_000_000_000)), Arc::new(SequentialIds::new(seed)), config)
        .expect("till")
}

/// The bodies of the register's journal entries of one kind (the devices given at start are
/// journaled too, before the sales).
fn documents(till: &Till, kind: EntryKind) -> Vec<String> {
    let journal = till.store().journal("R1").expect("journal");
    journal.into_iter().filter(|e| e.data.kind == kind).map(|e| e.data.body).collect()
}

fn approved_payments(terminal: &SimTerminal) -> Vec<u64> {
    terminal
        .journal()
        .into_iter()
        .filter(|b| b.kind == BookingKind::Authorization && b.result_code == 0 && !b.reversed)
        .map(|b| b.amount_minor)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_right_after_the_terminal_approved_the_sale_comes_back_paid_once() {
    let dir = tempfile::tempdir().expect("dir");
    let hold = SimConfig { hold_cents: vec![77], hold_for: Duration::from_secs(2), ..SimConfig::default() };
    let (terminal, addr) = serve_terminal(hold).await;
    let mut first = till(dir.path(), &addr, 1_000);
    first.login(demo::CASHIER_PIN).await.expect("sign in");
    first.scan("4012345000016").expect("coffee");
    first.scan("0036000291452").expect("the same coffee by its UPC");
    let total = first.begin_tender().expect("tender").total_minor;
    // The app dies while the terminal has charged 3,77 and not yet said so: the running call
    // and the whole till are dropped, as a killed process drops them.
    let paying = tokio::spawn(async move { first.pay_card(377, |_| {}).await.map(|r| r.approved) });
    for _ in 0..500 {
        if !terminal.journal().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(approved_payments(&terminal), vec![377], "the customer has been charged");
    paying.abort();
    assert!(paying.await.is_err(), "the app died before it heard of the approval");

    let mut second = till(dir.path(), &addr, 2_000);
    second.login(demo::CASHIER_PIN).await.expect("sign in after the restart");
    let cart = second.cart().expect("cart");
    assert_eq!(cart.state, "tendering", "the sale is back where it was: at payment");
    assert_eq!((cart.total_minor, cart.paid_minor), (total, 377), "with the card payment the terminal approved");
    second.pay_cash(cart.remaining_minor).expect("the rest in cash");
    let done = second.complete().await.expect("complete");
    assert!(done.receipt_text.contains("Card") && done.receipt_text.contains("3.77"), "{}", done.receipt_text);
    assert_eq!(approved_payments(&terminal), vec![377], "charged once, never reversed, never charged again");
    assert_eq!(documents(&second, EntryKind::Sale).len(), 1, "the sale is in the store once");

    let mut third = till(dir.path(), &addr, 3_000);
    third.login(demo::CASHIER_PIN).await.expect("sign in again");
    assert_eq!(third.cart().expect("cart").state, "empty", "a completed sale does not come back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_approved_just_before_a_crash_is_taken_even_if_the_sale_was_saved_without_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (_terminal, addr) = serve_terminal(SimConfig::default()).await;
    let mut first = till(dir.path(), &addr, 1_000);
    first.login(demo::CASHIER_PIN).await.expect("sign in");
    first.scan("4012345000016").expect("coffee");
    let owed = first.begin_tender().expect("tender").remaining_minor;
    let store = first.store().clone();
    let sale_id = store.open_sale("R1").expect("read").expect("the sale in progress is saved").id;
    drop(first);
    // The attempt was recorded approved, and the process died before the sale was saved again.
    let attempt = NewAttempt {
        id: Uuid::now_v7(),
        sale_id,
        register_id: "R1".into(),
        kind: AttemptKind::Authorization,
        amount_minor: owed,
        currency: "EUR".into(),
        reverses: None,
    };
    store.begin_attempt(&attempt, 1).expect("attempt");
    let details = AttemptDetails {
        result_code: Some(0),
        masked_pan: Some("672600******1234".into()),
        card_type: Some("girocard".into()),
        terminal_id: Some("52500001".into()),
        trace_no: Some(9),
        card_receipt_no: Some(9),
        ..AttemptDetails::default()
    };
    store.record_attempt(attempt.id, AttemptState::Approved, &details, "approved", 2).expect("approved");
    drop(store);

    let mut second = till(dir.path(), &addr, 2_000);
    second.login(demo::CASHIER_PIN).await.expect("sign in");
    let cart = second.cart().expect("cart");
    assert_eq!((cart.paid_minor, cart.remaining_minor), (owed, 0), "the approved card pays the sale");
    second.login(demo::CASHIER_PIN).await.expect_err("signing in again over the sale is refused");
    let cart = second.cart().expect("cart");
    assert_eq!(cart.paid_minor, owed, "and taking it again would not add it twice");
    second.complete().await.expect("complete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_needs_a_managers_pin_for_privileged_changes_and_the_manager_is_recorded() {
    let dir = tempfile::tempdir().expect("dir");
    let (_terminal, addr) = serve_terminal(SimConfig::default()).await;
    let mut till = till(dir.path(), &addr, 1_000);
    till.store().set_staff("tom", "Tom", Role::Technician, "5555").expect("technician");
    let session = till.login(demo::CASHIER_PIN).await.expect("Anna");
    assert_eq!(session.permissions, vec!["void_line".to_string()]);
    let line = till.scan("4012345000016").expect("coffee").lines[0].line_no;

    let asked = till.override_price(line, 100, "damaged", None).expect_err("a cashier may not");
    assert_eq!(asked.code(), "approval_needed", "{asked}");
    let wrong = till.override_price(line, 100, "damaged", Some("0000")).expect_err("wrong PIN");
    assert_eq!(wrong.code(), "wrong_pin");
    let tom = till.override_price(line, 100, "damaged", Some("5555")).expect_err("a technician may not");
    assert_eq!((tom.code(), tom.to_string().as_str()), ("not_permitted", "Tom may not change a price"));
    assert!(till.override_price(line, 100, "  ", Some(demo::MANAGER_PIN)).is_err(), "a reason is needed");
    let cart = till.override_price(line, 100, "damaged", Some(demo::MANAGER_PIN)).expect("Maria allows it");
    assert_eq!((cart.lines[0].unit_price_minor, cart.lines[0].original_price_minor.is_some()), (100, true));

    let small = till.set_line_discount(line, 1_000, None).expect("10 % is within the limit for everyone");
    assert_eq!(small.lines[0].discount_bp, Some(1_000));
    let big = till.set_line_discount(line, 5_000, None).expect_err("50 % is above the limit");
    assert_eq!(big.code(), "approval_needed");
    till.set_line_discount(line, 5_000, Some(demo::MANAGER_PIN)).expect("with Maria's PIN");
    assert_eq!(till.void_sale(None).expect_err("void").code(), "approval_needed");

    let total = till.begin_tender().expect("tender").total_minor;
    assert_eq!(total, 50, "1,00 overridden, then 50 % off");
    till.pay_cash(total).expect("cash");
    let done = till.complete().await.expect("complete");
    let body = &documents(&till, EntryKind::Sale)[0];
    assert!(body.contains(r#""authorised_by":"maria""#), "the journal names the manager: {body}");
    assert!(done.receipt_text.contains("TOTAL"));

    till.logout().expect("sign out");
    let manager = till.login(demo::MANAGER_PIN).await.expect("Maria");
    assert!(manager.permissions.contains(&"price_override".to_string()));
    let line = till.scan("4012345000016").expect("coffee").lines[0].line_no;
    till.override_price(line, 150, "price match", None).expect("a manager needs nobody's PIN");
    till.void_sale(None).expect("nor to void");
    assert_eq!(till.cart().expect("cart").state, "empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_goes_back_to_card_and_cash_once_with_a_managers_pin() {
    let dir = tempfile::tempdir().expect("dir");
    let (terminal, addr) = serve_terminal(SimConfig::default()).await;
    let mut till = till(dir.path(), &addr, 1_000);
    till.login(demo::CASHIER_PIN).await.expect("sign in");
    till.scan("4012345000016").expect("coffee");
    till.scan("4012345000016").expect("another coffee");
    let total = till.begin_tender().expect("tender").total_minor;
    till.pay_card(500, |_| {}).await.expect("5,00 by card");
    till.pay_cash(total - 500).expect("the rest cash");
    let sold = till.complete().await.expect("complete");

    assert_eq!(till.find_sale("R1-99").expect_err("no such receipt").code(), "unknown_code");
    let found = till.find_sale(&format!("R1-{}", sold.receipt_no)).expect("found by its return code");
    assert_eq!(found.lines.len(), 2);
    assert_eq!(found.lines[0].returnable_milli, 1_000);
    assert!(found.tenders.iter().any(|t| t.label == "Card girocard ****1234" && t.amount_minor == 500));
    let both = [
        ReturnRequestView { line_no: 1, quantity_milli: 1_000 },
        ReturnRequestView { line_no: 2, quantity_milli: 1_000 },
    ];
    let preview = till.preview_refund(&found.sale_id, &both).expect("preview");
    assert_eq!(preview.total_minor, total);
    assert_eq!(preview.tenders[0].amount_minor, 500, "the card gets its part back first");

    let asked = till.refund(&found.refund_id, &found.sale_id, &both, None, |_| {}).await.expect_err("cashier");
    assert_eq!(asked.code(), "approval_needed");
    let done = till.refund(&found.refund_id, &found.sale_id, &both, Some(demo::MANAGER_PIN), |_| {}).await;
    let done = done.expect("refunded with Maria's PIN");
    assert_eq!(done.total_minor, total);
    assert!(done.receipt_text.contains("REFUND"), "{}", done.receipt_text);
    let again = till.refund(&found.refund_id, &found.sale_id, &both, Some(demo::MANAGER_PIN), |_| {}).await;
    assert_eq!(again.expect("a retry answers with the refund on record").receipt_no, done.receipt_no);
    let refunds: Vec<_> = terminal.journal().into_iter().filter(|b| b.kind == BookingKind::Refund).collect();
    assert_eq!(refunds.len(), 1, "the card was refunded once: {refunds:?}");
    assert_eq!(refunds[0].amount_minor, 500);
    let after = till.find_sale(&found.sale_id).expect("found by id");
    assert!(after.lines.iter().all(|l| l.returnable_milli == 0), "nothing is left to return");
    let body = &documents(&till, EntryKind::Refund)[0];
    assert!(body.contains(r#""approved_by":"maria""#), "the refund names the manager: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_bar_shows_whether_the_card_terminal_answers() {
    let dir = tempfile::tempdir().expect("dir");
    let (_terminal, addr) = serve_terminal(SimConfig::default()).await;
    let mut till = till(dir.path(), &addr, 1_000);
    assert_eq!(till.status().expect("status").terminal.state, "unknown", "not asked yet");
    till.check_terminal().await;
    assert_eq!(till.status().expect("status").terminal.state, "ok", "the terminal answered the status enquiry");

    // A terminal nobody listens for: a port that was free a moment ago.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").to_string();
    let mut cut_off = self::till(dir.path(), &closed, 2_000);
    cut_off.check_terminal().await;
    let status = cut_off.status().expect("status").terminal;
    assert_eq!(status.state, "offline", "{status:?}");
    assert!(status.message.starts_with("Card terminal:"), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_on_screen_follows_the_stores_locale() {
    let dir = tempfile::tempdir().expect("dir");
    let mut till = till(dir.path(), "127.0.0.1:9", 5_000);
    assert_eq!(till.login(demo::CASHIER_PIN).await.expect("sign in").locale, "de-DE", "the demo shop is German");
    till.logout().expect("sign out");

    let store = till.store().clone();
    let mut settings = store.settings().expect("settings");
    settings.locale = "de_DE".into();
    let refused = store.save_settings(&settings).expect_err("not a BCP 47 tag");
    assert!(refused.to_string().contains("de_DE"), "{refused}");
    assert_eq!(store.settings().expect("settings").locale, "de-DE", "nothing was saved");

    settings.locale = "en-IE".into();
    store.save_settings(&settings).expect("an Irish shop");
    let session = till.login(demo::CASHIER_PIN).await.expect("sign in");
    assert_eq!((session.locale.as_str(), session.currency.as_str()), ("en-IE", "EUR"));
}

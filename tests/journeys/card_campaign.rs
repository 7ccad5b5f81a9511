//! The seeded card fault campaign: hundreds of payments against the simulated terminal with
//! random faults on the line and at the terminal, and random crashes of the till mid-payment.
//! Afterwards the terminal's journal and our store must agree on every payment: nobody charged
//! twice, nothing left unresolved, every approved payment of an abandoned sale reversed.

use crate::support::shop;
use hardware_sim::terminal::{Fault, InProcess, SimConfig, SimTerminal};
use ringup_app::CardPayment;
use ringup_devices::card::EVENT_CAPACITY;
use ringup_devices::zvt::client::{Connect, SerialConnect, ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::transport::Framing;
use std::sync::Arc;
use std::time::Duration;
use tokio_serial::SerialPort;

/// Payments per run in the test suite; `RINGUP_CARD_PAYMENTS` and `RINGUP_CARD_SEED` set a
/// longer or different campaign by hand.
const PAYMENTS: u64 = 500;
const SEED: u64 = 0x5EED_CA4D;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

use crate::rng::Rng;

fn fault(rng: &mut Rng) -> Option<Fault> {
    match rng.below(14) {
        0 => Some(Fault::DropAfterApproval),
        1 => Some(Fault::Silent),
        2 => Some(Fault::BadCrc(1 + u32::try_from(rng.below(4)).unwrap_or(0))),
        3 => Some(Fault::NakFirst(1 + u32::try_from(rng.below(3)).unwrap_or(0))),
        4 => Some(Fault::GarbleLength),
        5 => Some(Fault::RebootMidTransaction),
        _ => None,
    }
}

const ITEMS: &[&str] = &["4012345000016", "4012345000030", "4012345000047", "4012345000115", "BAG-PAPER"];

/// Runs `payments` payments with faults and crashes, then checks that the terminal and the store
/// agree on every live charge. Returns a line of statistics.
async fn campaign<C: Connect>(sim: &Arc<SimTerminal>, mut zvt: ZvtTerminal<C>, seed: u64, payments: u64) -> String {
    let shop = shop();
    let (events, mut shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    tokio::spawn(async move { while shown.recv().await.is_some() {} });
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut reg = shop.register("R1", 100);
    let abort = zvt.abort_handle();
    let (mut crashes, mut faults, mut unknowns, mut aborts) = (0u64, 0u64, 0u64, 0u64);
    for n in 0..payments {
        for _ in 0..1 + rng.below(3) {
            reg.scan(ITEMS[usize::try_from(rng.below(ITEMS.len() as u64)).unwrap_or(0)]).expect("scan");
        }
        let total = reg.begin_tender().expect("tender").total_minor();
        // An earlier payment whose outcome is unknown is settled first; while it cannot be,
        // this customer pays cash (no new card transaction may hide the old one).
        if !shop.store.unresolved_attempts_of("R1").expect("query").is_empty() {
            reg.recover_card_attempts(&mut zvt, &events).await.expect("recover");
            if !shop.store.unresolved_attempts_of("R1").expect("query").is_empty() {
                unknowns += 1;
                reg.pay_cash(total).expect("cash");
                reg.complete().unwrap_or_else(|e| panic!("sale {n} (seed {seed:#x}) must complete: {e}"));
                continue;
            }
        }
        if let Some(f) = fault(&mut rng) {
            sim.push_fault(f);
            faults += 1;
        }
        if rng.below(25) == 0 {
            // The customer changes their mind: the cashier presses cancel a moment later.
            aborts += 1;
            let (handle, wait) = (abort.clone(), Duration::from_millis(rng.below(80)));
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                handle.abort();
            });
        }
        if rng.below(20) == 0 {
            // The till dies mid-payment: the future is dropped, the register with its sale.
            crashes += 1;
            let wait = Duration::from_millis(1 + rng.below(120));
            let _crashed = tokio::time::timeout(wait, reg.pay_card(&mut zvt, total, &events)).await;
            reg = shop.register("R1", 1000 + n);
            reg.recover_card_attempts(&mut zvt, &events).await.expect("recovery after restart");
            // The sale is back on screen with whatever the terminal approved; the rest is
            // paid in cash (a payment still unanswered is settled at the final pass).
            let restored = reg.sale().expect("the sale in progress survives the crash");
            let remaining = restored.remaining_minor().expect("remaining");
            if remaining > 0 {
                reg.pay_cash(remaining).expect("the rest in cash");
            }
            reg.complete().unwrap_or_else(|e| panic!("restored sale {n} (seed {seed:#x}) must complete: {e}"));
            continue;
        }
        let paid = reg
            .pay_card(&mut zvt, total, &events)
            .await
            .unwrap_or_else(|e| panic!("payment {n} (seed {seed:#x}): {e}"));
        let remaining = match paid {
            CardPayment::Approved { remaining_minor, .. } => remaining_minor,
            CardPayment::Unknown { .. } => {
                unknowns += 1;
                reg.recover_card_attempts(&mut zvt, &events).await.expect("recover");
                reg.sale().expect("sale on screen").remaining_minor().expect("remaining")
            }
            CardPayment::Declined { .. } | CardPayment::Aborted { .. } => total,
        };
        if remaining > 0 {
            reg.pay_cash(remaining).expect("the rest in cash");
        }
        reg.complete().unwrap_or_else(|e| panic!("sale {n} (seed {seed:#x}) must complete: {e}"));
    }
    // Questions still open (a terminal that was silent at the last payment) are asked again,
    // a bounded number of times.
    let mut final_pass = reg.recover_card_attempts(&mut zvt, &events).await.expect("final recovery");
    for _ in 0..4 {
        if final_pass.still_unknown.is_empty() {
            break;
        }
        final_pass = reg.recover_card_attempts(&mut zvt, &events).await.expect("another recovery");
    }
    assert!(final_pass.still_unknown.is_empty(), "seed {seed:#x}: unresolved after the last pass: {final_pass:?}");
    assert!(shop.store.unresolved_attempts().expect("query").is_empty(), "seed {seed:#x}: zero attempts unresolved");
    assert!(
        shop.store.approved_attempts_without_sale().expect("q").is_empty(),
        "seed {seed:#x}: abandoned payments reversed"
    );

    let conn = rusqlite::Connection::open(shop.store.path()).expect("inspect");
    let (live, bookings) = crate::support::charges_agree(&conn, sim, &format!("seed {seed:#x}"));
    format!(
        "seed {seed:#x}: {payments} payments, {faults} faults, {aborts} cashier aborts, {crashes} crashes, {unknowns} unknown outcomes, {live} live charges, {bookings} bookings"
    )
}

#[tokio::test(start_paused = true)]
async fn five_hundred_payments_under_faults_charge_nobody_twice() {
    let (seed, payments) = (setting("RINGUP_CARD_SEED", SEED), setting("RINGUP_CARD_PAYMENTS", PAYMENTS));
    let sim = SimTerminal::new(SimConfig { step_delay: Duration::from_millis(20), ..SimConfig::default() });
    let config = ZvtConfig { t3: Duration::from_secs(5), t4: Duration::from_secs(180), ..ZvtConfig::default() };
    let zvt = ZvtTerminal::new(InProcess { sim: sim.clone(), framing: Framing::Serial }, Framing::Serial, config);
    let stats = campaign(&sim, zvt, seed, payments).await;
    eprintln!("card campaign, in-memory serial line: {stats}");
}

/// The same campaign over a real pseudo-terminal, where a line keeps what was in flight when
/// the till gave up or crashed, and nothing ever closes the connection. It runs in real time
/// (about two minutes), with short time-outs.
#[tokio::test]
async fn payments_over_a_pseudo_terminal_under_faults_charge_nobody_twice() {
    let seed = setting("RINGUP_CARD_SEED", SEED);
    let payments = setting("RINGUP_CARD_PTY_PAYMENTS", PAYMENTS);
    let (mut master, slave) = tokio_serial::SerialStream::pair().expect("a pseudo-terminal pair");
    let path = slave.name().expect("device path");
    let sim = SimTerminal::new(SimConfig::default());
    let serving = sim.clone();
    tokio::spawn(async move {
        let _keep_the_line_open = slave;
        loop {
            let _session = serving.serve(&mut master, Framing::Serial).await;
        }
    });
    let config = ZvtConfig { t3: Duration::from_millis(400), t4: Duration::from_millis(700), ..ZvtConfig::default() };
    let zvt = ZvtTerminal::new(SerialConnect { path, baud: 115_200 }, Framing::Serial, config);
    let stats = campaign(&sim, zvt, seed, payments).await;
    eprintln!("card campaign, pseudo-terminal: {stats}");
}

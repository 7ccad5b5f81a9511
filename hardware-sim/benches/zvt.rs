//! ZVT benchmarks, each figure beside its limit as a ratio:
//! - a card authorization over a pseudo-terminal at 115200 baud, POS side, beside the wire time
//!   of the bytes exchanged (the simulator holds the line for 10 bit times a byte), goal ≤ 1.2×;
//! - decoding a full status information (04 0F): ours beside the independent `zvt` crate's
//!   decoder on the same bytes in the same run, goal: ours at least as fast.
//!
//! Under `cargo test` (no `--bench`) it runs a short smoke pass.
#![allow(clippy::float_arithmetic)] // timings are reported as floats; no money is involved.

use hardware_sim::terminal::{SimConfig, SimTerminal};
use ringup_devices::card::{CardOutcome, CardTerminal, EVENT_CAPACITY};
use ringup_devices::zvt::apdu::{IndividualTotal, StatusInformation, TerminalMessage};
use ringup_devices::zvt::client::{SerialConnect, ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::link::parse_apdu;
use ringup_devices::zvt::transport::Framing;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio_serial::SerialPort;
use zvt::ZvtSerializer;

const BAUD: u32 = 115_200;

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

async fn authorization_over_pty(rounds: usize) -> (f64, f64, f64) {
    let (mut master, slave) = tokio_serial::SerialStream::pair().expect("a pseudo-terminal pair");
    let path = slave.name().expect("the slave's device path");
    let sim = SimTerminal::new(SimConfig { baud: Some(BAUD), ..SimConfig::default() });
    let serving = sim.clone();
    tokio::spawn(async move {
        let _keep_the_line_open = slave;
        loop {
            let _session = serving.serve(&mut master, Framing::Serial).await;
        }
    });
    let mut zvt = ZvtTerminal::new(SerialConnect { path, baud: BAUD }, Framing::Serial, ZvtConfig::default());
    let (events, mut shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    tokio::spawn(async move { while shown.recv().await.is_some() {} });
    let (mut ratios, mut taken, mut wire) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds + 2 {
        let before = sim.wire_bytes();
        let started = Instant::now();
        let outcome = zvt.authorize(1000 + i64::try_from(i).unwrap_or(0), &events).await.expect("an answer");
        let elapsed = started.elapsed().as_secs_f64();
        assert!(matches!(outcome, CardOutcome::Approved(_)), "the benchmark pays with approvals");
        let bytes = sim.wire_bytes() - before;
        let wire_s = bytes as f64 * 10.0 / f64::from(BAUD);
        if i >= 2 {
            // The first two open the port and warm the caches; they are not what a sale costs.
            ratios.push(elapsed / wire_s);
            taken.push(elapsed);
            wire.push(wire_s);
        }
    }
    (median(&mut ratios), median(&mut taken), median(&mut wire))
}

fn full_status_information() -> Vec<u8> {
    let si = StatusInformation {
        result_code: Some(0),
        amount_minor: Some(123_456),
        trace_no: Some(975),
        receipt_no: Some(231),
        terminal_id: Some(52_523_535),
        date: Some((11, 22)),
        time: Some((9, 15, 30)),
        card_type: Some(6),
        card_name: Some("Mastercard".into()),
        card_type_id: Some(1),
        masked_pan: Some("5413330089010434".into()),
        payment_type: Some(0x60),
        currency: Some(978),
        additional_text: Some("Autorisierung über Host".into()),
        individual_totals: vec![IndividualTotal { card_type: "Mastercard".into(), count: 2, amount_minor: 958 }],
        individual_totals_receipts: Some((230, 231)),
        ..StatusInformation::default()
    };
    TerminalMessage::StatusInformation(si).to_apdu().expect("encodes").to_bytes().expect("fits")
}

fn decode_rates(iterations: u32) -> (f64, f64) {
    let bytes = full_status_information();
    let ours = || {
        let (apdu, _) = parse_apdu(black_box(&bytes)).expect("frame");
        black_box(TerminalMessage::parse(&apdu).expect("ours decodes"));
    };
    let theirs = || {
        black_box(zvt::packets::StatusInformation::zvt_deserialize(black_box(&bytes)).expect("zvt decodes"));
    };
    let rate = |f: &dyn Fn()| {
        let started = Instant::now();
        for _ in 0..iterations {
            f();
        }
        f64::from(iterations) / started.elapsed().as_secs_f64()
    };
    // Alternate the two, three times each, and keep each one's best, so neither profits from
    // running second on a warmer machine.
    let (mut best_ours, mut best_theirs) = (0.0f64, 0.0f64);
    for _ in 0..3 {
        best_ours = best_ours.max(rate(&ours));
        best_theirs = best_theirs.max(rate(&theirs));
    }
    (best_ours, best_theirs)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, iterations) = if full { (30, 200_000) } else { (3, 2_000) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (ratio, taken, wire) = runtime.block_on(authorization_over_pty(rounds));
    let (ours, theirs) = decode_rates(iterations);
    let kind = if full { "full run" } else { "smoke run (cargo test); `cargo xtask bench` for the real figures" };
    println!("\nZVT benchmarks — {kind}");
    println!("{:<72} {:>12} {:>12} {:>7}", "benchmark", "figure", "limit", "ratio");
    let verdict = |ok: bool| if ok { "ok" } else { "OVER" };
    println!(
        "{:<72} {:>12} {:>12} {:>6.2}×  {}  (median of {rounds}; limit = 1.2 × wire time)",
        format!("authorization over a pseudo-terminal at {BAUD} baud, POS side"),
        format!("{:.2?}", Duration::from_secs_f64(taken)),
        format!("{:.2?}", Duration::from_secs_f64(wire * 1.2)),
        ratio / 1.2,
        verdict(ratio <= 1.2),
    );
    println!(
        "{:<72} {:>12} {:>12} {:>6.2}×  {}  (time/decode; ours {:.0}/s, zvt 0.1.0 {:.0}/s)",
        "status information 04 0F decode, ours beside zvt 0.1.0",
        format!("{:.0} ns", 1e9 / ours),
        format!("{:.0} ns", 1e9 / theirs),
        theirs / ours,
        verdict(ours >= theirs),
        ours,
        theirs,
    );
}

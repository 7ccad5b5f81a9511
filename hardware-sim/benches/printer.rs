//! Printing benchmark, each figure beside its limit as a ratio: a 40-line receipt (logo-free
//! text, QR code, CODE128, cut) printed through the real driver to the simulated printer over
//! a pseudo-terminal at 9600 and at 115200 baud, from `print()` to the printer's confirmation
//! (status before and after included), beside the wire time of the job's bytes at that baud
//! (bytes × 10 / baud, 8N1). Goal ≤ 1.05× wire time.
//!
//! Under `cargo test` (no `--bench`) it runs a short smoke pass.
#![allow(clippy::float_arithmetic)] // timings are reported as floats; no money is involved.

use hardware_sim::printer_sim::{SimPrinter, SimPrinterConfig};
use ringup_devices::escpos::program::{Align, Program};
use ringup_devices::escpos::transport::{FlowControl, PrinterPort};
use ringup_devices::printer::ReceiptPrinter;
use std::time::{Duration, Instant};
use tokio_serial::SerialPort;

/// A typical 40-line receipt: header, 32 item lines, total, QR code, barcode and cut.
fn receipt_40_lines() -> Vec<u8> {
    let mut p = Program::new().expect("a job");
    p.align(Align::Center).and_then(|p| p.bold(true)).and_then(|p| p.size(2, 2)).expect("style");
    p.line("Ringup Demo Store").expect("line");
    p.size(1, 1).and_then(|p| p.bold(false)).and_then(|p| p.align(Align::Left)).expect("style");
    for line in ["Hauptstraße 1, 10115 Berlin", "Tax ID DE123456789", &"-".repeat(48)] {
        p.line(line).expect("line");
    }
    for i in 1..=32 {
        p.line(&format!("{:<38}{:>8} A", format!("Item number {i} with a name"), format!("{}.{:02}", i, i * 3 % 100)))
            .expect("line");
    }
    p.line(&"-".repeat(48)).expect("line");
    p.bold(true).and_then(|p| p.size(1, 2)).expect("style");
    p.line(&format!("{:<40}{:>8}", "TOTAL EUR", "528.48")).expect("line");
    p.size(1, 1).and_then(|p| p.bold(false)).expect("style");
    p.line("Receipt 1234  Register R1").expect("line");
    p.line("Thank you!").expect("line");
    p.align(Align::Center).expect("align");
    p.qr("ringup:0193a0b0c0d07000800000000000abcd:1234:9f86d081884c7d65").expect("qr");
    p.code128("R1-1234").expect("barcode");
    p.cut().expect("cut");
    p.finish().expect("bytes")
}

/// The goal: printing takes at most 1.05 × the wire time of its bytes.
const LIMIT: f64 = 1.05;

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Median time to print `job` at `baud`, and the job's wire time.
async fn print_over_pty(baud: u32, job: &[u8], rounds: usize) -> (f64, f64) {
    let (mut master, slave) = tokio_serial::SerialStream::pair().expect("a pseudo-terminal pair");
    let path = slave.name().expect("the slave's device path");
    let sim = SimPrinter::new(SimPrinterConfig { baud: Some(baud), ..SimPrinterConfig::default() });
    let serving = sim.clone();
    tokio::spawn(async move {
        let _keep_the_line_open = slave;
        loop {
            if let Err(e) = serving.serve(&mut master).await {
                panic!("the simulated printer refused the job: {e}");
            }
        }
    });
    let mut printer = PrinterPort::Serial { path, baud, flow: FlowControl::None }.printer();
    let mut taken = Vec::new();
    for i in 0..rounds + 1 {
        let started = Instant::now();
        printer.print(job, u32::try_from(i).unwrap_or(0)).await.expect("printed and confirmed");
        if i >= 1 {
            // The first opens the port; it is not what a receipt costs.
            taken.push(started.elapsed().as_secs_f64());
        }
    }
    assert_eq!(sim.complete_receipts().len(), rounds + 1, "every round printed one whole receipt");
    (median(&mut taken), job.len() as f64 * 10.0 / f64::from(baud))
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 9 } else { 1 };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let job = receipt_40_lines();
    let kind = if full { "full run" } else { "smoke run (cargo test); `cargo xtask bench` for the real figures" };
    println!("\nPrinting benchmark — {kind}");
    println!("{:<68} {:>10} {:>10} {:>12} {:>7}", "benchmark", "figure", "wire time", "ratio", "limit");
    for baud in [9600, 115_200] {
        let (taken, wire) = runtime.block_on(print_over_pty(baud, &job, rounds));
        let ratio = taken / wire;
        println!(
            "{:<68} {:>10} {:>10} {:>11.3}× {:>6.2}×  {}  (median of {rounds}; {} bytes)",
            format!("40-line receipt to sim-printer over a pseudo-terminal at {baud} baud"),
            format!("{:.1?}", Duration::from_secs_f64(taken)),
            format!("{:.1?}", Duration::from_secs_f64(wire)),
            ratio,
            LIMIT,
            if ratio <= LIMIT { "ok" } else { "OVER" },
            job.len(),
        );
    }
}

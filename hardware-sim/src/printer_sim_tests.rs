//! The simulated printer against the real driver: what the driver sends prints, faults stop it
//! the way a printer stops, and the driver reads each state right.

use super::*;
use ringup_devices::escpos::driver::{EscPosPrinter, PrinterConfig};
use ringup_devices::escpos::program::Program;
use ringup_devices::printer::{PrinterError, ReceiptPrinter};

fn quick() -> PrinterConfig {
    PrinterConfig {
        answer_timeout: Duration::from_millis(300),
        poll_interval: Duration::from_millis(30),
        print_margin: Duration::from_millis(500),
        ..PrinterConfig::default()
    }
}

fn setup(config: SimPrinterConfig) -> (Arc<SimPrinter>, EscPosPrinter<InProcessPrinter>) {
    let sim = SimPrinter::new(config);
    let driver = EscPosPrinter::new(InProcessPrinter { sim: sim.clone() }, quick());
    (sim, driver)
}

/// Waits (bounded) until `cond` holds: for effects of bytes the driver does not wait on.
async fn eventually(cond: impl Fn() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the condition never became true");
}

/// A receipt of `lines` text lines, ended with a cut.
fn job(lines: usize) -> Vec<u8> {
    let mut p = Program::new().expect("a job");
    for i in 1..=lines {
        p.line(&format!("line {i} · 1,99 €")).expect("a line");
    }
    p.cut().expect("cut");
    p.finish().expect("bytes")
}

#[tokio::test]
async fn a_job_prints_once_and_is_confirmed() {
    let (sim, mut printer) = setup(SimPrinterConfig::default());
    let printed = printer.print(&job(3), 1).await.expect("printed and confirmed");
    assert_eq!(printed.status_after.and_then(|s| s.problem()), None);
    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 1, "one receipt: {receipts:?}");
    assert!(receipts[0].complete);
    assert!(receipts[0].text().starts_with("line 1 · 1,99 €\nline 2"), "{}", receipts[0].text());
    assert_eq!(receipts[0].raw, job(3), "the receipt's bytes are the job's, real-time requests left out");
}

#[tokio::test]
async fn paper_out_mid_receipt_interrupts_and_the_retry_prints_it_whole() {
    let (sim, mut printer) = setup(SimPrinterConfig::default());
    sim.paper_out_after_lines(2);
    let err = printer.print(&job(5), 1).await.expect_err("the paper ran out");
    assert!(matches!(err, PrinterError::Interrupted(s) if s.paper_out), "{err:?}");
    // The driver's buffer clear travels on its own; the stub is torn off when it arrives.
    eventually(|| !sim.receipts().is_empty()).await;
    let stub = sim.receipts();
    assert_eq!(stub.len(), 1);
    assert!(!stub[0].complete && stub[0].text() == "line 1 · 1,99 €\nline 2 · 1,99 €\n", "{stub:?}");

    let again = printer.print(&job(5), 2).await.expect_err("still no paper");
    assert!(matches!(again, PrinterError::NotReady(s) if s.paper_out), "{again:?}");
    sim.set_paper_out(false);
    printer.print(&job(5), 3).await.expect("with paper it prints");
    let complete = sim.complete_receipts();
    assert_eq!(complete.len(), 1, "exactly one whole receipt came out: {:?}", sim.receipts());
    assert_eq!(complete[0].text().lines().count(), 6, "five lines and the cut");
}

#[tokio::test]
async fn an_open_cover_or_a_dead_printer_gets_no_job() {
    let (sim, mut printer) = setup(SimPrinterConfig::default());
    sim.set_cover_open(true);
    let err = printer.print(&job(1), 1).await.expect_err("cover open");
    assert!(matches!(err, PrinterError::NotReady(s) if s.cover_open), "{err:?}");
    assert!(err.to_string().contains("cover open"), "{err}");
    sim.set_cover_open(false);
    sim.set_offline(true);
    let err = printer.print(&job(1), 2).await.expect_err("offline");
    assert!(matches!(err, PrinterError::Unreachable(_)), "{err:?}");
    assert!(sim.receipts().is_empty(), "nothing printed");
    sim.set_offline(false);
    printer.print(&job(1), 3).await.expect("back online, the driver reconnects and prints");
    assert_eq!(sim.complete_receipts().len(), 1);
}

#[tokio::test]
async fn a_lost_confirmation_leaves_the_job_unconfirmed_though_it_printed() {
    let (sim, mut printer) = setup(SimPrinterConfig::default());
    sim.set_drop_confirmations(true);
    let err = printer.print(&job(4), 1).await.expect_err("no confirmation");
    assert!(matches!(err, PrinterError::Unconfirmed(_)), "{err:?}");
    assert!(err.may_have_printed(), "the queue must treat it as possibly printed");
    assert_eq!(sim.complete_receipts().len(), 1, "and indeed it did print: the answer was what got lost");
}

#[tokio::test]
async fn the_drawer_opens_and_reads_back_even_without_paper() {
    let (sim, mut printer) = setup(SimPrinterConfig::default());
    let status = printer.open_drawer().await.expect("kicked").expect("read back");
    assert!(status.drawer_open && sim.drawer_open(), "{status:?}");
    sim.close_drawer();
    assert!(!printer.status().await.expect("status").drawer_open, "the driver sees it shut");
    sim.set_paper_out(true);
    let status = printer.open_drawer().await.expect("kicked in real time").expect("read back");
    assert!(status.drawer_open, "the real-time pulse opens it while paper is out: {status:?}");
    assert_eq!(sim.drawer_pulses(), 2);
}

#[tokio::test]
async fn strict_mode_refuses_an_unknown_command() {
    let sim = SimPrinter::new(SimPrinterConfig::default());
    let (mut ours, theirs) = tokio::io::duplex(1024);
    let served = tokio::spawn({
        let sim = sim.clone();
        async move { sim.serve(theirs).await }
    });
    ours.write_all(b"\x1b@ok\n\x1b\xfe").await.expect("write");
    let err = served.await.expect("task").expect_err("an unknown command ends the session");
    assert!(err.to_string().contains("unknown command"), "{err}");
}

#[tokio::test]
async fn each_cut_receipt_is_written_as_png_text_and_bytes() {
    let dir = tempfile::tempdir().expect("dir");
    let config = SimPrinterConfig { out_dir: Some(dir.path().to_path_buf()), ..SimPrinterConfig::default() };
    let (_sim, mut printer) = setup(config);
    printer.print(&job(2), 1).await.expect("printed");
    printer.print(&job(1), 2).await.expect("printed");
    let second = dir.path().join("0002.bin");
    // The files are written after the cut, off the line's path: wait for all six (rendering
    // in a debug build on a loaded machine can take seconds).
    let all = ["0001.bin", "0001.txt", "0001.png", "0002.bin", "0002.txt", "0002.png"];
    for _ in 0..3_000 {
        if all.iter().all(|f| dir.path().join(f).exists()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(std::fs::read(dir.path().join("0001.bin")).expect("bin"), job(2));
    assert_eq!(std::fs::read(&second).expect("bin"), job(1));
    let text = std::fs::read_to_string(dir.path().join("0001.txt")).expect("txt");
    assert!(text.starts_with("line 1 · 1,99 €\n"), "{text}");
    let png = std::fs::read(dir.path().join("0001.png")).expect("png");
    assert_eq!(&png[1..4], b"PNG", "a PNG image");
}

#[tokio::test]
async fn a_cutter_jam_after_the_receipt_printed_counts_as_maybe_printed() {
    let (sim, mut printer) = setup(SimPrinterConfig::default());
    sim.jam_cutter_at_next_cut();
    let err = printer.print(&job(3), 1).await.expect_err("the cutter jammed");
    assert!(matches!(err, PrinterError::Interrupted(s) if s.error), "{err:?}");
    assert!(err.may_have_printed(), "the receipt printed to the end; only the cut is missing");
    assert_eq!(sim.complete_receipts().len(), 1);
    let again = printer.print(&job(1), 2).await.expect_err("still jammed");
    assert!(matches!(again, PrinterError::NotReady(s) if s.error), "{again:?}");
    sim.clear_cutter();
    printer.print(&job(1), 3).await.expect("freed, it prints");
}

//! The `sim-terminal` binary as a technician or a test suite starts it: over TCP and over a
//! pseudo-terminal with serial framing, driven by our ZVT driver, stopped with SIGTERM.

use ringup_devices::card::{CardOutcome, CardTerminal, EVENT_CAPACITY};
use ringup_devices::zvt::client::{SerialConnect, TcpConnect, ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::transport::Framing;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn start(args: &[&str]) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sim-terminal"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start sim-terminal");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    (child, out)
}

fn line(out: &mut BufReader<std::process::ChildStdout>) -> String {
    let mut l = String::new();
    out.read_line(&mut l).expect("read a line from sim-terminal");
    l.trim().to_string()
}

/// Stops the simulator as a service manager would, and returns what it printed last.
fn stop(mut child: Child, mut out: BufReader<std::process::ChildStdout>) -> String {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill -TERM");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "SIGTERM is a clean stop: {exit}");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("rest of stdout");
    rest
}

fn config() -> ZvtConfig {
    ZvtConfig { t3: Duration::from_secs(5), t4: Duration::from_secs(20), ..ZvtConfig::default() }
}

#[tokio::test]
async fn over_tcp_it_approves_declines_and_stops_on_sigterm() {
    let (child, mut out) = start(&["--tcp", "127.0.0.1:0"]);
    let first = line(&mut out);
    let addr = first.strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    let connect = TcpConnect { addr: addr.to_string(), timeout: Duration::from_secs(5) };
    let mut zvt = ZvtTerminal::new(connect, Framing::Tcp, config());
    let (events, _rx) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    assert!(matches!(zvt.authorize(1234, &events).await, Ok(CardOutcome::Approved(_))));
    assert!(matches!(zvt.authorize(1251, &events).await, Ok(CardOutcome::Declined { result_code: 5, .. })));
    drop(zvt);
    let last = stop(child, out);
    assert!(last.contains("stopped; 2 bookings"), "it reports its journal on the way out: {last:?}");
}

#[tokio::test]
async fn over_a_pseudo_terminal_it_speaks_serial_framing_through_a_stable_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let link = dir.path().join("zvt");
    let link_text = link.display().to_string();
    let (child, mut out) = start(&["--pty", "--link", &link_text]);
    let first = line(&mut out);
    assert!(first.starts_with("pty /dev/"), "it names the device it made: {first:?}");
    assert!(link.exists(), "--link points at the device");
    let mut zvt = ZvtTerminal::new(SerialConnect { path: link_text.clone(), baud: 115_200 }, Framing::Serial, config());
    let (events, _rx) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    let paid = zvt.authorize(990, &events).await.expect("an answer over the serial line");
    let CardOutcome::Approved(receipt) = paid else { panic!("approved: {paid:?}") };
    assert_eq!(receipt.amount_minor, 990);
    let repeated = zvt.last_transaction().await.expect("answer").expect("a transaction");
    assert_eq!(repeated.trace_no, receipt.trace_no, "repeat receipt over the same line");
    drop(zvt);
    stop(child, out);
    assert!(!link.exists(), "the link is removed on a clean stop");
}

mod printer;

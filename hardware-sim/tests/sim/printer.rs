//! The `sim-printer` binary as a technician or a test suite starts it: on a pseudo-terminal
//! and on TCP, driven by our ESC/POS driver, faults switched from standard input, each receipt
//! written out as PNG, text and bytes, stopped with SIGTERM.

use hardware_sim::printer::{parse, to_text};
use ringup_devices::escpos::program::Program;
use ringup_devices::escpos::transport::{FlowControl, PrinterPort};
use ringup_devices::printer::{PrinterError, ReceiptPrinter};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct SimPrinterProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl SimPrinterProcess {
    fn start(args: &[&str]) -> SimPrinterProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sim-printer"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start sim-printer");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        SimPrinterProcess { child, stdin, stdout }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).expect("read a line from sim-printer");
        l.trim().to_string()
    }

    /// Sends a fault control line and waits for its acknowledgement.
    fn control(&mut self, what: &str) {
        writeln!(self.stdin, "{what}").expect("write a control line");
        assert_eq!(self.line(), format!("ok {what}"));
    }

    /// Stops it as a service manager would; returns what it printed last.
    fn stop(mut self) -> String {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait");
        assert!(exit.success(), "SIGTERM is a clean stop: {exit}");
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).expect("rest of stdout");
        rest
    }
}

fn job(text: &str) -> Vec<u8> {
    let mut p = Program::new().expect("job");
    p.line(text).and_then(|p| p.qr("ringup:test")).and_then(|p| p.code128("R1-7")).and_then(|p| p.cut()).expect("job");
    p.finish().expect("bytes")
}

#[tokio::test]
async fn on_a_pseudo_terminal_it_prints_writes_out_and_takes_faults_from_stdin() {
    let dir = tempfile::tempdir().expect("temp dir");
    let link = dir.path().join("printer");
    let out = dir.path().join("out");
    let (link_text, out_text) = (link.display().to_string(), out.display().to_string());
    let mut sim = SimPrinterProcess::start(&["--pty", "--link", &link_text, "--out", &out_text, "--paper", "58"]);
    assert!(sim.line().starts_with("pty /dev/"), "it names the device it made");
    let port = PrinterPort::Serial { path: link_text, baud: 115_200, flow: FlowControl::None };
    let mut printer = port.printer();

    printer.print(&job("Grüße aus dem Laden: 3,50 €"), 1).await.expect("printed and confirmed");
    sim.control("paper-out");
    let err = printer.print(&job("second"), 2).await.expect_err("no paper");
    assert!(matches!(err, PrinterError::NotReady(s) if s.paper_out), "{err:?}");
    sim.control("load-paper");
    let drawer = printer.open_drawer().await.expect("kick").expect("read back");
    assert!(drawer.drawer_open, "the drawer reads open after the kick");
    drop(printer);

    let last = sim.stop();
    assert!(last.contains("stopped; 1 receipts printed"), "{last:?}");
    assert!(!link.exists(), "the link is removed on a clean stop");
    let bin = std::fs::read(out.join("0001.bin")).expect("the raw bytes are kept");
    assert_eq!(bin, job("Grüße aus dem Laden: 3,50 €"), "exactly the job's bytes");
    let text = std::fs::read_to_string(out.join("0001.txt")).expect("text");
    assert_eq!(text, to_text(&parse(&bin, true).expect("strict")), "the text is the reading of the bytes");
    assert!(text.starts_with("Grüße aus dem Laden: 3,50 €\n[QR ringup:test]\n[BARCODE R1-7]"), "{text}");
    let png = std::fs::read(out.join("0001.png")).expect("png");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let info = decoder.read_info().expect("a PNG").info().clone();
    assert_eq!(info.width, 464, "58 mm paper, 8 dots a millimetre");
}

#[tokio::test]
async fn on_tcp_it_prints_and_an_offline_printer_gets_nothing() {
    let mut sim = SimPrinterProcess::start(&["--tcp", "127.0.0.1:0"]);
    let first = sim.line();
    let addr = first.strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    let mut printer = PrinterPort::Tcp { addr: addr.to_string() }.printer();
    printer.print(&job("over the network"), 1).await.expect("printed");
    sim.control("offline");
    let err = printer.print(&job("lost"), 2).await.expect_err("offline");
    assert!(matches!(err, PrinterError::Unreachable(_)), "{err:?}");
    sim.control("online");
    printer.print(&job("back"), 3).await.expect("the driver reconnects and prints");
    drop(printer);
    assert!(sim.stop().contains("stopped; 2 receipts printed"));
}

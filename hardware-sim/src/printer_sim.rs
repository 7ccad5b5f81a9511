//! The simulated receipt printer as a device: it reads ESC/POS from a byte stream (a
//! pseudo-terminal, TCP 9100, an in-memory pipe), prints it into receipts, answers the real-
//! time status requests and process-ID confirmations, kicks its drawer, and writes each cut
//! receipt to an output folder as PNG, text and the raw bytes.
//!
//! Faults are scriptable while it runs: paper out after N lines, paper out, cover open, paper
//! near end, offline (it hears nothing and answers nothing, like a printer switched off or a
//! cut cable), and a line speed. A printer stopped by paper out or an open cover drops what it
//! receives until its buffer is cleared (`DLE DC4 8`) or paper is loaded — a real printer
//! would hold it; the driver always clears it, so both end the same.

use crate::printer::{Block, CLEAR_RESPONSE, ParseError, Reader};
use crate::render::{PaperWidth, write_receipt};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct SimPrinterConfig {
    /// Unknown commands end the session with an error (tests), instead of being skipped.
    pub strict: bool,
    /// Emulated line speed: bytes are taken no faster than 10 bits a byte at this baud.
    pub baud: Option<u32>,
    pub paper: PaperWidth,
    /// Where each cut receipt is written as NNNN.png, NNNN.txt and NNNN.bin.
    pub out_dir: Option<PathBuf>,
}

impl Default for SimPrinterConfig {
    fn default() -> Self {
        SimPrinterConfig { strict: true, baud: None, paper: PaperWidth::Mm80, out_dir: None }
    }
}

/// One receipt as it came out of the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedReceipt {
    pub blocks: Vec<Block>,
    /// The bytes that printed it (real-time requests and confirmations left out).
    pub raw: Vec<u8>,
    /// False when the paper ran out or the cover opened before the cut: a torn-off stub.
    pub complete: bool,
}

impl PrintedReceipt {
    pub fn text(&self) -> String {
        crate::printer::to_text(&self.blocks)
    }
}

#[derive(Debug, Default)]
struct State {
    paper_out: bool,
    near_end: bool,
    cover_open: bool,
    offline: bool,
    drawer_open: bool,
    drawer_pulses: u32,
    lines_left: Option<u32>,
    /// Prints, but its confirmations are lost (a fault between printing and answering).
    drop_confirmations: bool,
    /// The cutter jams at the next cut: the receipt is printed but not cut, and the printer
    /// stops with a mechanism error until it is cleared.
    jam_at_next_cut: bool,
    cutter_error: bool,
    /// Printing stopped partway; data is dropped until the buffer is cleared.
    stopped: bool,
    current: Vec<Block>,
    current_raw: Vec<u8>,
    receipts: Vec<PrintedReceipt>,
    written: u32,
}

impl State {
    fn can_print(&self) -> bool {
        !(self.paper_out || self.cover_open || self.stopped || self.cutter_error)
    }

    /// Closes a receipt cut short: what printed is torn off as it is.
    fn tear_off(&mut self) {
        if !self.current.is_empty() {
            let blocks = std::mem::take(&mut self.current);
            let raw = std::mem::take(&mut self.current_raw);
            self.receipts.push(PrintedReceipt { blocks, raw, complete: false });
        }
        self.current_raw.clear();
    }

    /// The answer to `DLE EOT n` (ESC/POS reference, DLE EOT): bits 1 and 4 always set.
    fn status_byte(&self, n: u8) -> u8 {
        let flag = |on: bool, bits: u8| if on { bits } else { 0 };
        let stopped = self.paper_out || self.cover_open || self.cutter_error;
        0x12 | match n {
            1 => flag(self.drawer_open, 0x04) | flag(stopped, 0x08),
            2 => flag(self.cover_open, 0x04) | flag(self.paper_out, 0x20) | flag(self.cutter_error, 0x40),
            3 => flag(self.cutter_error, 0x08),
            4 => flag(self.near_end, 0x0C) | flag(self.paper_out, 0x60),
            _ => 0,
        }
    }
}

pub struct SimPrinter {
    config: SimPrinterConfig,
    state: Mutex<State>,
}

/// How many bytes are read from the line at once.
const CHUNK: usize = 256;
/// The receive buffer, in chunks: up to 16 KiB wait to be printed before the line is held.
const RECEIVE_BUFFER_CHUNKS: usize = 64;

impl SimPrinter {
    pub fn new(config: SimPrinterConfig) -> Arc<SimPrinter> {
        Arc::new(SimPrinter { config, state: Mutex::new(State::default()) })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not hide what was printed.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn receipts(&self) -> Vec<PrintedReceipt> {
        self.state().receipts.clone()
    }

    /// The receipts from the `first`-th on (in the order they came out), for a watcher that
    /// reads a long run as it goes without copying it all each time.
    pub fn receipts_from(&self, first: usize) -> Vec<PrintedReceipt> {
        self.state().receipts.get(first..).map(<[PrintedReceipt]>::to_vec).unwrap_or_default()
    }

    /// Complete receipts only (what a customer could take).
    pub fn complete_receipts(&self) -> Vec<PrintedReceipt> {
        self.receipts().into_iter().filter(|r| r.complete).collect()
    }

    pub fn drawer_pulses(&self) -> u32 {
        self.state().drawer_pulses
    }

    pub fn drawer_open(&self) -> bool {
        self.state().drawer_open
    }

    /// The cashier pushes the drawer shut.
    pub fn close_drawer(&self) {
        self.state().drawer_open = false;
    }

    /// The paper runs out after `lines` more printed lines (text lines and feeds).
    pub fn paper_out_after_lines(&self, lines: u32) {
        self.state().lines_left = Some(lines);
    }

    pub fn set_paper_out(&self, out: bool) {
        let mut s = self.state();
        s.paper_out = out;
        if !out {
            // A new roll: whatever was cut off is torn away, printing starts afresh.
            s.tear_off();
            s.stopped = false;
            s.lines_left = None;
        }
    }

    pub fn set_near_end(&self, near: bool) {
        self.state().near_end = near;
    }

    pub fn set_cover_open(&self, open: bool) {
        let mut s = self.state();
        s.cover_open = open;
        if open {
            s.stopped |= !s.current.is_empty();
        }
    }

    /// Prints on but never confirms a job: the answer is lost on its way back.
    pub fn set_drop_confirmations(&self, drop: bool) {
        self.state().drop_confirmations = drop;
    }

    /// The cutter jams at the next cut (the receipt has printed by then).
    pub fn jam_cutter_at_next_cut(&self) {
        self.state().jam_at_next_cut = true;
    }

    /// Someone freed the cutter: the mechanism error is gone.
    pub fn clear_cutter(&self) {
        let mut s = self.state();
        s.cutter_error = false;
        s.stopped = false;
    }

    /// Offline: switched off or the cable cut — bytes are lost, nothing is answered.
    pub fn set_offline(&self, offline: bool) {
        self.state().offline = offline;
    }

    /// Serves one connection until the peer closes it. Strict mode ends it on an unknown
    /// command with that error.
    pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(&self, io: S) -> std::io::Result<()> {
        let (mut from_line, mut to_line) = tokio::io::split(io);
        let (arrivals, mut received) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(RECEIVE_BUFFER_CHUNKS);
        // The line: always reading, so each chunk's arrival time is known to the microsecond;
        // a full receive buffer holds the sender back, as a printer's busy line does.
        let line = async move {
            let mut buf = [0u8; CHUNK];
            loop {
                let n = from_line.read(&mut buf).await?;
                if n == 0 || arrivals.send((Instant::now(), buf[..n].to_vec())).await.is_err() {
                    return Ok::<(), std::io::Error>(());
                }
            }
        };
        let printer = async {
            let mut reader = Reader::new(self.config.strict);
            // When the line is free again: each chunk holds it for 10 bit times a byte, from
            // when it arrived or when the previous chunk was through, whichever is later.
            let mut line_free_at = Instant::now();
            while let Some((arrived, bytes)) = received.recv().await {
                if let Some(baud) = self.config.baud.filter(|b| *b > 0) {
                    let wire = Duration::from_nanos(bytes.len() as u64 * 10 * 1_000_000_000 / u64::from(baud));
                    line_free_at = line_free_at.max(arrived) + wire;
                    tokio::time::sleep_until(line_free_at).await;
                }
                if self.state().offline {
                    continue;
                }
                let mut answers = Vec::new();
                for byte in &bytes {
                    let blocks = reader.feed(std::slice::from_ref(byte)).map_err(|e| self.refuse(e))?;
                    let mut s = self.state();
                    s.current_raw.push(*byte);
                    for block in blocks {
                        self.apply(&mut s, block, &mut answers);
                    }
                }
                if !answers.is_empty() {
                    to_line.write_all(&answers).await?;
                    to_line.flush().await?;
                }
            }
            Ok(())
        };
        tokio::try_join!(line, printer).map(|_| ())
    }

    fn refuse(&self, e: ParseError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("sim-printer (strict): {e}"))
    }

    fn apply(&self, s: &mut State, block: Block, answers: &mut Vec<u8>) {
        match block {
            Block::StatusRequest { n } => {
                answers.push(s.status_byte(n));
                drop_last_command(&mut s.current_raw, 3);
            }
            Block::ProcessId { id } => {
                drop_last_command(&mut s.current_raw, 11);
                if s.can_print() && !s.drop_confirmations {
                    answers.extend_from_slice(&[0x37, 0x22, id[0], id[1], id[2], id[3], 0x00]);
                }
            }
            Block::ClearBuffer => {
                s.tear_off();
                s.stopped = false;
                answers.extend_from_slice(&CLEAR_RESPONSE);
            }
            Block::DrawerPulse { .. } if s.can_print() => {
                s.drawer_open = true;
                s.drawer_pulses += 1;
                drop_last_command(&mut s.current_raw, 5);
            }
            Block::RealtimePulse { .. } => {
                s.drawer_open = true;
                s.drawer_pulses += 1;
                drop_last_command(&mut s.current_raw, 5);
            }
            Block::Cut { .. } if s.can_print() && s.jam_at_next_cut => {
                // Printed to the end, but not cut: the customer could tear it off.
                s.jam_at_next_cut = false;
                s.cutter_error = true;
                let blocks = std::mem::take(&mut s.current);
                let raw = std::mem::take(&mut s.current_raw);
                s.receipts.push(PrintedReceipt { blocks, raw, complete: true });
            }
            Block::Cut { .. } if s.can_print() => {
                s.current.push(block);
                let blocks = std::mem::take(&mut s.current);
                let raw = std::mem::take(&mut s.current_raw);
                self.write_out(s, &raw, &blocks);
                s.receipts.push(PrintedReceipt { blocks, raw, complete: true });
            }
            printing if s.can_print() => {
                let is_line = matches!(printing, Block::Line { .. } | Block::Feed { .. });
                s.current.push(printing);
                if is_line && let Some(left) = s.lines_left.as_mut() {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        s.lines_left = None;
                        s.paper_out = true;
                        s.stopped = true;
                    }
                }
            }
            // Stopped: what arrives is lost, as the driver's buffer clear would lose it.
            _ => s.stopped = true,
        }
    }

    fn write_out(&self, s: &mut State, raw: &[u8], blocks: &[Block]) {
        let Some(dir) = self.config.out_dir.clone() else { return };
        s.written += 1;
        let stem = format!("{:04}", s.written);
        let (raw, blocks, paper) = (raw.to_vec(), blocks.to_vec(), self.config.paper);
        // Rendering a PNG takes milliseconds: off the line, so the printer keeps reading.
        tokio::task::spawn_blocking(move || {
            if let Err(e) = write_receipt(&dir, &stem, &raw, &blocks, paper) {
                eprintln!("sim-printer: cannot write receipt {stem} to {}: {e}", dir.display());
            }
        });
    }
}

/// Takes a real-time command's bytes back out of the receipt's raw bytes.
fn drop_last_command(raw: &mut Vec<u8>, len: usize) {
    raw.truncate(raw.len().saturating_sub(len));
}

/// Connects a driver to a simulated printer in the same process through an in-memory pipe.
pub struct InProcessPrinter {
    pub sim: Arc<SimPrinter>,
}

impl ringup_devices::connect::Connect for InProcessPrinter {
    type Io = tokio::io::DuplexStream;

    async fn connect(&self) -> std::io::Result<tokio::io::DuplexStream> {
        let (ours, theirs) = tokio::io::duplex(8 * 1024);
        let sim = self.sim.clone();
        tokio::spawn(async move {
            if let Err(e) = sim.serve(theirs).await {
                eprintln!("sim-printer: {e}");
            }
        });
        Ok(ours)
    }
}

#[cfg(test)]
#[path = "printer_sim_tests.rs"]
mod tests;

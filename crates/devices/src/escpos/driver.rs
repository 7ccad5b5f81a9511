//! The ESC/POS printer driver: [`ReceiptPrinter`] over any [`Connect`] (serial port, TCP 9100,
//! USB, a file, an in-memory pipe).
//!
//! A print is a short dialogue, bounded in time at every step:
//! 1. `DLE EOT 1–4`: the printer must answer, and must be able to print (paper, cover), or
//!    nothing is sent;
//! 2. the job, then `GS ( H` "transmit process ID" (fn 48): the printer answers with the ID
//!    only after it has processed everything before it, the cut included. That answer is the
//!    confirmation — a real-time `DLE EOT` alone would be answered at once, ahead of the
//!    printing it is queued behind;
//! 3. while waiting, `DLE EOT 2` and `4` every poll interval: a printer that reports paper out or
//!    an open cover has stopped partway; its buffer is cleared (`DLE DC4 8`) so the rest of the
//!    receipt does not come out later on its own;
//! 4. `DLE EOT 1–4` once more: the state after the cut (paper near end, drawer).
//!
//! No confirmation by the deadline (twice the wire time plus a margin) means the receipt may
//! have printed: [`PrinterError::Unconfirmed`], and the connection is dropped.

use super::program::{DRAWER_KICK_PIN2, status_request};
use super::status::{self, PrinterStatus};
use crate::connect::Connect;
use crate::printer::{Printed, PrinterError, ReceiptPrinter};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// `GS ( H pL pH fn m d1 d2 d3 d4` with pL = 6, pH = 0, fn = 48, m = 48: "transmit process
/// ID response" (ESC/POS reference, GS ( H, function 48). d1–d4 are ASCII digits.
pub fn process_id_request(job_no: u32) -> [u8; 11] {
    id_request(process_id(job_no))
}

fn id_request([d1, d2, d3, d4]: [u8; 4]) -> [u8; 11] {
    [0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, d1, d2, d3, d4]
}

/// The four ASCII digits that name a job: 0000–8999 (its number modulo 9 000); 9000–9999 are
/// the driver's own (drawer kicks), so the two never answer for each other.
pub fn process_id(job_no: u32) -> [u8; 4] {
    digits(job_no % JOB_IDS)
}

/// How many process IDs jobs use; the rest are the driver's.
const JOB_IDS: u32 = 9_000;

fn digits(n: u32) -> [u8; 4] {
    let n = n % 10_000;
    // Each digit is < 10, so the casts cannot truncate.
    [(n / 1000) as u8 + b'0', (n / 100 % 10) as u8 + b'0', (n / 10 % 10) as u8 + b'0', (n % 10) as u8 + b'0']
}

/// The printer's answer to [`process_id_request`]: `37h 22h d1 d2 d3 d4 00h`.
pub const PROCESS_ID_HEADER: [u8; 2] = [0x37, 0x22];
pub const PROCESS_ID_RESPONSE_LEN: usize = 7;

/// `DLE DC4 fn=8 1 3 20 1 6 2 8`: clear the receive and print buffers (ESC/POS reference,
/// DLE DC4 fn 8), executed in real time even while the printer is stopped. The printer answers
/// [`CLEAR_RESPONSE`] once it has.
pub const CLEAR_BUFFER: [u8; 10] = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08];

/// The answer to [`CLEAR_BUFFER`]: header 37h, identifier 25h, NUL.
pub const CLEAR_RESPONSE: [u8; 3] = [0x37, 0x25, 0x00];

/// `DLE DC4 fn=1 m t`: a drawer pulse in real time on pin 2 for t × 100 ms (ESC/POS reference,
/// DLE DC4 fn 1) — works while the printer is stopped by paper out, where `ESC p` would wait.
pub const REALTIME_DRAWER_PULSE: [u8; 5] = [0x10, 0x14, 0x01, 0x00, 0x01];

/// All four status requests: printer, offline cause, error cause, paper sensor.
const STATUS_ALL: [u8; 4] = [1, 2, 3, 4];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    /// The line speed, for deadlines (a serial port); None for TCP, USB or a file.
    pub baud: Option<u32>,
    /// False for a transport that cannot be read (a plain file): the job counts as printed
    /// once written.
    pub reads_status: bool,
    /// How long the printer may take to answer a status request.
    pub answer_timeout: Duration,
    /// How often the state is polled while a job prints.
    pub poll_interval: Duration,
    /// Time for the mechanism on top of the wire time (feeding, cutting, slow printing).
    pub print_margin: Duration,
    /// Further time per KiB of job, for a printer slower than its line (off serial the line
    /// time is not known at all).
    pub margin_per_kib: Duration,
    /// Wait for the operating system to hand each write on. False on serial ports, where
    /// tokio-serial's flush is a blocking `tcdrain` no deadline could interrupt (a printer
    /// holding CTS would stop the thread); the printer's confirmation is the real signal.
    pub flush_writes: bool,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig {
            baud: None,
            reads_status: true,
            answer_timeout: Duration::from_millis(1_000),
            poll_interval: Duration::from_millis(300),
            print_margin: Duration::from_secs(5),
            margin_per_kib: Duration::from_millis(500),
            flush_writes: true,
        }
    }
}

impl PrinterConfig {
    /// How long a job of `bytes` may take until its confirmation.
    pub fn print_deadline(&self, bytes: usize) -> Duration {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        self.wire_time(bytes) * 2 + self.print_margin + self.margin_per_kib * kib
    }

    /// Bytes × 10 bits (8N1) / baud: how long `bytes` take on the wire; zero off serial.
    pub fn wire_time(&self, bytes: usize) -> Duration {
        match self.baud {
            Some(baud) if baud > 0 => {
                let micros = (bytes as u128) * 10 * 1_000_000 / u128::from(baud);
                Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
            }
            _ => Duration::ZERO,
        }
    }
}

pub struct EscPosPrinter<C: Connect> {
    connect: C,
    config: PrinterConfig,
    io: Option<C::Io>,
    /// Bytes read but not yet consumed.
    inbox: VecDeque<u8>,
    /// The next of the driver's own process IDs (drawer kicks).
    own_ids: u32,
}

/// What came back while waiting for a job's confirmation.
enum Heard {
    Confirmed([u8; 4]),
    Cleared,
    Status(u8, u8),
}

fn unreachable(e: impl std::fmt::Display) -> PrinterError {
    PrinterError::Unreachable(e.to_string())
}

impl<C: Connect> EscPosPrinter<C> {
    pub fn new(connect: C, config: PrinterConfig) -> Self {
        EscPosPrinter { connect, config, io: None, inbox: VecDeque::new(), own_ids: 0 }
    }

    pub fn config(&self) -> &PrinterConfig {
        &self.config
    }

    async fn io(&mut self) -> Result<&mut C::Io, PrinterError> {
        if self.io.is_none() {
            let io = tokio::time::timeout(self.config.answer_timeout * 3, self.connect.connect())
                .await
                .map_err(|_| unreachable("the connection did not open in time"))?
                .map_err(unreachable)?;
            self.inbox.clear();
            self.io = Some(io);
        }
        self.io.as_mut().ok_or_else(|| unreachable("no connection"))
    }

    fn drop_connection(&mut self) {
        self.io = None;
        self.inbox.clear();
    }

    async fn send(&mut self, bytes: &[u8], deadline: Instant) -> std::io::Result<()> {
        let flush = self.config.flush_writes;
        let io = self.io().await.map_err(std::io::Error::other)?;
        let write = async {
            io.write_all(bytes).await?;
            if flush { io.flush().await } else { Ok(()) }
        };
        match tokio::time::timeout_at(deadline, write).await {
            Ok(result) => result,
            Err(_) => {
                Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the printer did not take the bytes in time"))
            }
        }
    }

    /// The next byte from the printer, or None at the deadline.
    async fn next_byte(&mut self, deadline: Instant) -> Result<Option<u8>, PrinterError> {
        if let Some(b) = self.inbox.pop_front() {
            return Ok(Some(b));
        }
        let io = self.io().await?;
        let mut buf = [0u8; 64];
        match tokio::time::timeout_at(deadline, io.read(&mut buf)).await {
            Err(_) => Ok(None),
            Ok(Ok(0)) => Err(unreachable("the printer closed the connection")),
            Ok(Ok(n)) => {
                self.inbox.extend(&buf[..n]);
                Ok(self.inbox.pop_front())
            }
            Ok(Err(e)) => Err(unreachable(e)),
        }
    }

    /// Reads one answer: a status byte for the oldest open request, or a job confirmation.
    async fn hear(&mut self, asked: &mut VecDeque<u8>, deadline: Instant) -> Result<Option<Heard>, PrinterError> {
        let Some(first) = self.next_byte(deadline).await? else { return Ok(None) };
        if first == PROCESS_ID_HEADER[0] {
            let cut_short = || unreachable("the printer's answer was cut short");
            let second = self.next_byte(deadline).await?.ok_or_else(cut_short)?;
            if second == CLEAR_RESPONSE[1] {
                return match self.next_byte(deadline).await?.ok_or_else(cut_short)? {
                    0 => Ok(Some(Heard::Cleared)),
                    _ => Err(unreachable("the printer's answer made no sense")),
                };
            }
            let mut rest = [0u8; PROCESS_ID_RESPONSE_LEN - 2];
            for slot in &mut rest {
                *slot = self.next_byte(deadline).await?.ok_or_else(cut_short)?;
            }
            if second != PROCESS_ID_HEADER[1] || rest[4] != 0 {
                return Err(unreachable("the printer's answer made no sense"));
            }
            return Ok(Some(Heard::Confirmed([rest[0], rest[1], rest[2], rest[3]])));
        }
        match asked.pop_front() {
            Some(n) => Ok(Some(Heard::Status(n, first))),
            None => Err(unreachable("the printer said something nobody asked for")),
        }
    }

    /// Asks DLE EOT 1–4 and waits for all four answers. A connection that had been open
    /// (a network printer closes idle ones) gets one more try on a fresh one.
    async fn read_status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let was_open = self.io.is_some();
        match self.read_status_once().await {
            Err(PrinterError::Unreachable(_)) if was_open => self.read_status_once().await,
            other => other,
        }
    }

    async fn read_status_once(&mut self) -> Result<PrinterStatus, PrinterError> {
        let deadline = Instant::now() + self.config.answer_timeout + self.config.wire_time(12);
        let request: Vec<u8> = STATUS_ALL.iter().flat_map(|n| status_request(*n)).collect();
        if let Err(e) = self.send(&request, deadline).await {
            self.drop_connection();
            return Err(unreachable(e));
        }
        let mut asked: VecDeque<u8> = STATUS_ALL.into_iter().collect();
        let mut status = PrinterStatus::default();
        while !asked.is_empty() {
            let heard = match self.hear(&mut asked, deadline).await {
                // A late confirmation of an earlier job is not an answer to this question.
                Ok(Some(Heard::Confirmed(_) | Heard::Cleared)) => continue,
                Ok(Some(Heard::Status(n, byte))) => {
                    status::apply(&mut status, n, byte).map_err(|_| unreachable("the printer's answer made no sense"))
                }
                Ok(None) => Err(unreachable("the printer does not answer")),
                Err(e) => Err(e),
            };
            if let Err(e) = heard {
                // Whatever is still on the line belongs to this failed question: start afresh.
                self.drop_connection();
                return Err(e);
            }
        }
        Ok(status)
    }

    /// Reads the answers to polls still open after the confirmation, so they are never taken
    /// for answers to a later question; a printer that does not give them loses the line.
    async fn drain(&mut self, asked: &mut VecDeque<u8>) {
        let deadline = Instant::now() + self.config.answer_timeout + self.config.wire_time(6);
        while !asked.is_empty() {
            match self.hear(asked, deadline).await {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => {
                    self.drop_connection();
                    return;
                }
            }
        }
    }

    /// Sends the job and waits for its confirmation, polling the printer's state.
    async fn send_and_confirm(&mut self, job: &[u8], id: [u8; 4]) -> Result<(), PrinterError> {
        let deadline = Instant::now() + self.config.print_deadline(job.len() + 11);
        let mut bytes = job.to_vec();
        bytes.extend_from_slice(&id_request(id));
        if let Err(e) = self.send(&bytes, deadline).await {
            self.drop_connection();
            return Err(PrinterError::Unconfirmed(e.to_string()));
        }
        let mut asked = VecDeque::new();
        let mut polled = PrinterStatus::default();
        let mut next_poll = Instant::now() + self.config.poll_interval;
        loop {
            let until = next_poll.min(deadline);
            match self.hear(&mut asked, until).await {
                Ok(Some(Heard::Confirmed(heard))) if heard == id => {
                    self.drain(&mut asked).await;
                    return Ok(());
                }
                Ok(Some(Heard::Confirmed(_) | Heard::Cleared)) => continue,
                Ok(Some(Heard::Status(n, byte))) => {
                    if status::apply(&mut polled, n, byte).is_err() {
                        self.drop_connection();
                        return Err(PrinterError::Unconfirmed("the printer's answer made no sense".into()));
                    }
                    if asked.is_empty() && polled.problem().is_some() {
                        self.clear_buffer().await;
                        return Err(PrinterError::Interrupted(polled));
                    }
                }
                Ok(None) if Instant::now() >= deadline => {
                    self.drop_connection();
                    return Err(PrinterError::Unconfirmed("no confirmation in time".into()));
                }
                Ok(None) => {
                    if asked.is_empty() {
                        polled = PrinterStatus::default();
                        let poll = [status_request(2), status_request(3), status_request(4)].concat();
                        if self.send(&poll, deadline).await.is_err() {
                            self.drop_connection();
                            return Err(PrinterError::Unconfirmed("the line broke while printing".into()));
                        }
                        asked.extend([2, 3, 4]);
                    }
                    next_poll = Instant::now() + self.config.poll_interval;
                }
                Err(e) => {
                    self.drop_connection();
                    return Err(PrinterError::Unconfirmed(e.to_string()));
                }
            }
        }
    }

    /// Clears a stopped printer's buffer so the rest of a cut-off job never prints on its own
    /// later, waits (bounded) for its answer, and starts the next dialogue on a fresh line.
    async fn clear_buffer(&mut self) {
        let deadline = Instant::now() + self.config.answer_timeout + self.config.wire_time(CLEAR_BUFFER.len());
        if self.send(&CLEAR_BUFFER, deadline).await.is_ok() {
            let mut nothing_asked = VecDeque::new();
            while let Ok(Some(heard)) = self.hear(&mut nothing_asked, deadline).await {
                if matches!(heard, Heard::Cleared) {
                    break;
                }
            }
        }
        self.drop_connection();
    }

    /// The next of the driver's own process IDs, 9000–9999.
    fn own_id(&mut self) -> [u8; 4] {
        self.own_ids = (self.own_ids + 1) % (10_000 - JOB_IDS);
        digits(JOB_IDS + self.own_ids)
    }
}

impl<C: Connect> ReceiptPrinter for EscPosPrinter<C> {
    async fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        if !self.config.reads_status {
            return Err(PrinterError::Unreachable("this connection cannot read the printer's state".into()));
        }
        self.read_status().await
    }

    async fn print(&mut self, job: &[u8], job_no: u32) -> Result<Printed, PrinterError> {
        if !self.config.reads_status {
            let deadline = Instant::now() + self.config.print_deadline(job.len());
            return match self.send(job, deadline).await {
                Ok(()) => Ok(Printed { status_after: None, bytes_sent: job.len() }),
                Err(e) => {
                    self.drop_connection();
                    Err(PrinterError::Unconfirmed(e.to_string()))
                }
            };
        }
        let before = self.read_status().await?;
        if before.problem().is_some() {
            return Err(PrinterError::NotReady(before));
        }
        self.send_and_confirm(job, process_id(job_no)).await?;
        let after = self.read_status().await.ok();
        Ok(Printed { status_after: after, bytes_sent: job.len() + 11 })
    }

    async fn open_drawer(&mut self) -> Result<Option<PrinterStatus>, PrinterError> {
        if !self.config.reads_status {
            let deadline = Instant::now() + self.config.print_margin;
            let sent = self.send(&DRAWER_KICK_PIN2, deadline).await;
            return sent.map(|()| None).map_err(|e| {
                self.drop_connection();
                unreachable(e)
            });
        }
        let before = self.read_status().await?;
        if before.cover_open || before.paper_out {
            // Stopped (paper out, cover open): only the real-time pulse gets through.
            let deadline = Instant::now() + self.config.answer_timeout;
            if let Err(e) = self.send(&REALTIME_DRAWER_PULSE, deadline).await {
                self.drop_connection();
                return Err(unreachable(e));
            }
        } else if before.problem().is_some() {
            return Err(PrinterError::NotReady(before));
        } else {
            // ESC p waits its turn behind earlier data; the confirmation says it was done.
            let id = self.own_id();
            self.send_and_confirm(&DRAWER_KICK_PIN2, id).await?;
        }
        // A drawer takes a moment to spring open: read its switch a few times.
        let mut status = self.read_status().await?;
        for _ in 0..DRAWER_READS {
            if status.drawer_open {
                break;
            }
            tokio::time::sleep(DRAWER_READ_INTERVAL).await;
            status = self.read_status().await?;
        }
        Ok(Some(status))
    }
}

/// How often, and how far apart, the drawer switch is read after a kick (about a second).
const DRAWER_READS: u32 = 10;
const DRAWER_READ_INTERVAL: Duration = Duration::from_millis(100);

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;

//! A simulated ZVT card terminal: it speaks the real protocol (TCP or serial framing) through
//! the same codec as our driver, keeps its own journal of bookings, and misbehaves on request.
//!
//! Approval rule (deterministic): an amount whose cents are one of `decline_cents` (51 by
//! default, e.g. 12.51) is declined with result code 05; every other amount is approved.
//! Repeat receipt, reversal and end of day work from the journal, so they return the right
//! transaction and the right totals per card type.

use ringup_devices::zvt::apdu::{Command, IndividualTotal, StatusInformation, TerminalMessage};
use ringup_devices::zvt::link::Apdu;
use ringup_devices::zvt::transport::{Framing, Link, TransportError};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// How long the simulator waits for the ECR's acknowledgement of each message (T3).
const ACK_WAIT: Duration = Duration::from_secs(5);
/// Longest the simulator waits for the next command on an idle connection.
const IDLE_WAIT: Duration = Duration::from_secs(24 * 3600);
/// Bookings kept; older ones are forgotten, like a real terminal's limited journal.
const JOURNAL_CAPACITY: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub terminal_id: u32,
    pub password: u32,
    pub decline_cents: Vec<u8>,
    /// Pause before each message, like a customer at the PIN pad (0 in fast tests).
    pub step_delay: Duration,
    /// The card the simulated customer presents: ZVT card type byte, name, masked PAN.
    pub card_type: u8,
    pub card_name: String,
    pub masked_pan: String,
    /// How long the terminal stays silent under [`Fault::Silent`] before it is itself again.
    pub silent_for: Duration,
    /// Approvals of amounts ending in these cents are held: after booking, the terminal shows
    /// "please remove card" and waits `hold_for` before it tells the ECR. The window where the
    /// customer is charged and the ECR does not know yet, for crash tests.
    pub hold_cents: Vec<u8>,
    pub hold_for: Duration,
    /// Emulates a serial line of this speed: every byte in either direction takes 10 bit times
    /// (8N1 plus start bit), so a benchmark over a pseudo-terminal sees real wire time.
    pub baud: Option<u32>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            terminal_id: 52_500_001,
            password: 0,
            decline_cents: vec![51],
            step_delay: Duration::ZERO,
            card_type: 5,
            card_name: "girocard".into(),
            masked_pan: "672600******1234".into(),
            silent_for: Duration::from_millis(1_000),
            hold_cents: Vec::new(),
            hold_for: Duration::from_secs(5),
            baud: None,
        }
    }
}

/// A misbehaviour for the next transaction (faults are taken one per transaction, in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Book the payment, then drop the connection before the status information goes out.
    DropAfterApproval,
    /// Acknowledge the command, then say nothing (and ignore everything) for `silent_for`;
    /// nothing is booked.
    Silent,
    /// Send the next N frames with a bad CRC (serial framing).
    BadCrc(u32),
    /// NAK the next N frames received (serial framing).
    NakFirst(u32),
    /// Garble the length byte of the status information.
    GarbleLength,
    /// Lose power after the first intermediate status: the connection drops, nothing booked.
    RebootMidTransaction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingKind {
    Authorization,
    Refund,
    Reversal,
}

/// One transaction in the simulator's journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub kind: BookingKind,
    pub amount_minor: u64,
    pub trace_no: u32,
    pub receipt_no: u32,
    pub result_code: u8,
    pub card_type: u8,
    pub reversed: bool,
    /// For a reversal: the trace number of the booking it cancelled.
    pub original_trace: Option<u32>,
}

struct State {
    config: SimConfig,
    journal: VecDeque<Booking>,
    /// Index in `journal` where the current end-of-day period starts.
    period_start: usize,
    next_trace: u32,
    next_receipt: u32,
    faults: VecDeque<Fault>,
    registered: bool,
}

pub struct SimTerminal {
    state: Mutex<State>,
    /// Bytes that crossed the line in either direction, framing and ACK bytes included.
    wire_bytes: std::sync::atomic::AtomicU64,
}

/// What one command's dialogue ends with.
enum Step {
    Send(Box<TerminalMessage>),
    /// Close the connection now (power loss, cable pulled).
    Drop,
    /// Stay silent (ignoring whatever arrives) for a while, then drop the dialogue.
    Hang,
    /// Wait this long, then go on (a customer slow to take their card).
    Pause(Duration),
    /// The customer is done at the PIN pad: approve or decline now and book it. Until this
    /// step the ECR may still abort the payment.
    Decide {
        kind: BookingKind,
        amount_minor: u64,
    },
}

impl SimTerminal {
    pub fn new(config: SimConfig) -> Arc<SimTerminal> {
        Arc::new(SimTerminal {
            state: Mutex::new(State {
                config,
                journal: VecDeque::new(),
                period_start: 0,
                next_trace: 1,
                next_receipt: 1,
                faults: VecDeque::new(),
                registered: false,
            }),
            wire_bytes: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another task must not take the simulator down with it.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a fault for a coming transaction.
    pub fn push_fault(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    pub fn journal(&self) -> Vec<Booking> {
        self.lock().journal.iter().cloned().collect()
    }

    pub fn is_registered(&self) -> bool {
        self.lock().registered
    }

    /// Bytes exchanged so far, both directions, as they went over the line.
    pub fn wire_bytes(&self) -> u64 {
        self.wire_bytes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts an APDU's bytes on the line and, on an emulated slow line, waits for them.
    async fn on_wire(&self, apdu: &Apdu, framing: Framing) {
        let raw = apdu.to_bytes().map(|b| b.len()).unwrap_or(0);
        let bytes = match framing {
            Framing::Tcp => raw,
            // DLE STX … DLE ETX CRC CRC, DLE bytes doubled, and the receiver's ACK byte.
            Framing::Serial => {
                apdu.to_bytes().map(|b| ringup_devices::zvt::link::encode_frame(&b).len() + 1).unwrap_or(0)
            }
        };
        let bytes = u64::try_from(bytes).unwrap_or(0);
        self.wire_bytes.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        let baud = self.lock().config.baud;
        if let Some(baud) = baud.filter(|b| *b > 0) {
            // Tokio's timer ticks in milliseconds, coarser than one frame at 115200 baud: the
            // line is held with a precise thread sleep on the blocking pool instead.
            let wire = Duration::from_micros(bytes * 10 * 1_000_000 / u64::from(baud));
            let _slept = tokio::task::spawn_blocking(move || std::thread::sleep(wire)).await;
        }
    }

    /// Serves one connection until the ECR closes it (or a fault drops it).
    pub async fn serve<IO: AsyncRead + AsyncWrite + Unpin + Send>(
        &self,
        io: IO,
        framing: Framing,
    ) -> Result<(), TransportError> {
        let mut link = Link::new(io, framing);
        loop {
            let apdu = match link.recv(IDLE_WAIT).await {
                Ok(a) => {
                    self.on_wire(&a, framing).await;
                    a
                }
                Err(TransportError::Closed) => return Ok(()),
                Err(TransportError::Protocol(_)) => continue,
                Err(e) => return Err(e),
            };
            let command = match Command::parse(&apdu) {
                Ok(Command::Other { .. }) | Err(_) => {
                    // Not a command we know: "command not supported" (84 83 00).
                    link.send(&apdu_of(TerminalMessage::Nak(0x83))).await?;
                    continue;
                }
                Ok(command) => command,
            };
            let fault = self.take_fault(&command, &mut link);
            let ack = apdu_of(TerminalMessage::Ack);
            self.on_wire(&ack, framing).await;
            link.send(&ack).await?;
            let mut steps: VecDeque<Step> = self.steps(&command, fault).into();
            let mut abort_requested = false;
            while let Some(step) = steps.pop_front() {
                let undecided =
                    steps.iter().any(|s| matches!(s, Step::Decide { .. })) || matches!(step, Step::Decide { .. });
                if undecided && (std::mem::take(&mut abort_requested) || self.ecr_aborted(&mut link, framing).await?) {
                    // 06 B0 before the decision: nothing is booked, the payment ends with 6C.
                    steps = VecDeque::from([Step::send(TerminalMessage::Abort { result_code: 0x6C, text: None })]);
                    continue;
                }
                match step {
                    Step::Decide { kind, amount_minor } => {
                        let decided = self.lock().decide(kind, amount_minor, fault);
                        for s in decided.into_iter().rev() {
                            steps.push_front(s);
                        }
                    }
                    Step::Drop => return Ok(()),
                    Step::Pause(how_long) => tokio::time::sleep(how_long).await,
                    Step::Hang => {
                        // Whatever the ECR sends meanwhile is not answered; then the session
                        // ends (on TCP the connection closes; on a serial line it goes on).
                        let silent_for = self.lock().config.silent_for;
                        let until = tokio::time::Instant::now() + silent_for;
                        while let Ok(Ok(_ignored)) = tokio::time::timeout_at(until, link.recv(silent_for)).await {}
                        return Ok(());
                    }
                    Step::Send(message) => {
                        let delay = self.lock().config.step_delay;
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                        if fault == Some(Fault::GarbleLength)
                            && matches!(*message, TerminalMessage::StatusInformation(_))
                        {
                            link.faults.garble_next_length = true;
                        }
                        let apdu = apdu_of(*message);
                        self.on_wire(&apdu, framing).await;
                        link.send(&apdu).await?;
                        // Every terminal message is acknowledged by the ECR with 80 00 00. An
                        // abort (06 B0) may cross it; it is acknowledged and honoured next.
                        loop {
                            let ack = link.recv(ACK_WAIT).await?;
                            self.on_wire(&ack, framing).await;
                            if matches!(TerminalMessage::parse(&ack), Ok(TerminalMessage::Ack)) {
                                break;
                            }
                            if !matches!(Command::parse(&ack), Ok(Command::Abort)) {
                                return Err(TransportError::Protocol("expected the ECR's acknowledgement".into()));
                            }
                            let ack = apdu_of(TerminalMessage::Ack);
                            self.on_wire(&ack, framing).await;
                            link.send(&ack).await?;
                            abort_requested = true;
                        }
                    }
                }
            }
        }
    }

    /// Whether the ECR sent abort (06 B0) while the customer was at the terminal. Looks at the
    /// line without waiting; the abort command is acknowledged.
    async fn ecr_aborted<IO: AsyncRead + AsyncWrite + Unpin + Send>(
        &self,
        link: &mut Link<IO>,
        framing: Framing,
    ) -> Result<bool, TransportError> {
        match link.recv_ready().await {
            Ok(None) => Ok(false),
            Ok(Some(apdu)) => {
                self.on_wire(&apdu, framing).await;
                if matches!(Command::parse(&apdu), Ok(Command::Abort)) {
                    let ack = apdu_of(TerminalMessage::Ack);
                    self.on_wire(&ack, framing).await;
                    link.send(&ack).await?;
                    return Ok(true);
                }
                Err(TransportError::Protocol("a command arrived in the middle of a payment".into()))
            }
            Err(e) => Err(e),
        }
    }

    /// Takes the next fault for a transaction; link-level faults are armed on the link.
    fn take_fault<IO: AsyncRead + AsyncWrite + Unpin + Send>(
        &self,
        command: &Command,
        link: &mut Link<IO>,
    ) -> Option<Fault> {
        let transactional =
            matches!(command, Command::Authorization { .. } | Command::Refund { .. } | Command::Reversal { .. });
        if !transactional {
            return None;
        }
        let fault = self.lock().faults.pop_front()?;
        match fault {
            Fault::BadCrc(n) => link.faults.corrupt_sends = n,
            Fault::NakFirst(n) => link.faults.nak_receives = n,
            _ => {}
        }
        Some(fault)
    }

    fn steps(&self, command: &Command, fault: Option<Fault>) -> Vec<Step> {
        let mut st = self.lock();
        match command {
            Command::Authorization { amount_minor, .. } => st.payment(BookingKind::Authorization, *amount_minor, fault),
            Command::Refund { password, amount_minor } => {
                if *password != st.config.password {
                    return vec![Step::send(TerminalMessage::Abort { result_code: 0x6F, text: None })];
                }
                st.payment(BookingKind::Refund, *amount_minor, fault)
            }
            Command::Reversal { receipt_no, .. } => st.reversal(*receipt_no, fault),
            Command::RepeatReceipt { .. } => st.repeat_receipt(),
            Command::EndOfDay { .. } => st.end_of_day(),
            Command::Registration { password, .. } => {
                if *password != st.config.password {
                    return vec![Step::send(TerminalMessage::Abort {
                        result_code: 0x6F,
                        text: Some("wrong password".into()),
                    })];
                }
                st.registered = true;
                vec![st.completion()]
            }
            // A status enquiry's completion carries the software version and status byte.
            Command::StatusEnquiry { .. } => vec![st.software_completion()],
            Command::Diagnosis => vec![st.completion()],
            Command::LogOff | Command::Abort | Command::Other { .. } => Vec::new(),
        }
    }
}

impl Step {
    fn send(message: TerminalMessage) -> Step {
        Step::Send(Box::new(message))
    }
}

fn apdu_of(message: TerminalMessage) -> Apdu {
    // The simulator only builds messages the codec can encode; a failure here is a bug in the
    // simulator itself, reported as a "system error" abort rather than a panic.
    message.to_apdu().unwrap_or(Apdu { class: 0x06, instr: 0x1E, data: vec![0xFF] })
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;

#[path = "terminal_flows.rs"]
mod flows;

/// Connects a driver to a simulator in the same process through an in-memory pipe: real bytes
/// both ways, real framing, no socket. Each connection gets its own pipe, like a new cable.
pub struct InProcess {
    pub sim: Arc<SimTerminal>,
    pub framing: Framing,
}

/// Bytes an in-memory pipe buffers, like a serial driver's buffer.
const PIPE_BYTES: usize = 8 * 1024;

impl ringup_devices::zvt::client::Connect for InProcess {
    type Io = tokio::io::DuplexStream;

    async fn connect(&self) -> std::io::Result<tokio::io::DuplexStream> {
        let (ours, theirs) = tokio::io::duplex(PIPE_BYTES);
        let sim = self.sim.clone();
        let framing = self.framing;
        tokio::spawn(async move {
            // A connection the simulator ends (a fault, a closed pipe) is its own business.
            let _served = sim.serve(theirs, framing).await;
        });
        Ok(ours)
    }
}

//! The cash-register side of ZVT: sends a command, acknowledges every message the terminal
//! sends (intermediate status, status information, print lines) as the spec requires, and
//! ends at completion (06 0F) or abort (06 1E). Implements [`CardTerminal`].
//!
//! Time limits (PA00P015, time-outs): the terminal must acknowledge a command within T3
//! (5 s); after that the customer is at the terminal and each further message may take up to
//! T4 (180 s). A lost connection is re-opened on the next call.

use super::apdu::{Command, StatusInformation, TerminalMessage, intermediate_text, result_text};
use super::link::Apdu;
use super::transport::{Framing, Link, TransportError};
use crate::card::mask_card_numbers;
use crate::card::{
    CardError, CardEvent, CardOutcome, CardReceipt, CardTerminal, CardTotal, EndOfDay, EventSink, TerminalStatus,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Its `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct ZvtConfig {
    /// The terminal's 6-digit password (sent as 3 BCD bytes).
    pub password: u32,
    /// ISO-4217 numeric currency code, 978 for EUR.
    pub currency_code: u16,
    /// Registration config byte (PA00P015, registration 06 00): which messages the ECR wants.
    pub config_byte: u8,
    pub t3: Duration,
    pub t4: Duration,
}

impl std::fmt::Debug for ZvtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZvtConfig")
            .field("password", &"(not shown)")
            .field("currency_code", &self.currency_code)
            .field("config_byte", &self.config_byte)
            .field("t3", &self.t3)
            .field("t4", &self.t4)
            .finish()
    }
}

impl Default for ZvtConfig {
    fn default() -> Self {
        ZvtConfig {
            password: 0,
            currency_code: 978,
            // 0x86 = 1000 0110: ECR prints the receipts (bits 1 and 2), ECR controls the
            // intermediate status display (bit 3) — as in the spec's example registration.
            config_byte: 0x86,
            t3: Duration::from_secs(5),
            t4: Duration::from_secs(180),
        }
    }
}

pub use crate::connect::{Connect, TcpConnect};

/// A terminal on a serial port (or a pseudo-terminal): 8 data bits, no parity, 2 stop bits, as
/// PA00P015 asks for by default; 9600 to 115200 baud.
pub struct SerialConnect {
    pub path: String,
    pub baud: u32,
}

impl Connect for SerialConnect {
    type Io = tokio_serial::SerialStream;

    async fn connect(&self) -> std::io::Result<tokio_serial::SerialStream> {
        use tokio_serial::{SerialPort, SerialPortBuilderExt};
        let port = tokio_serial::new(&self.path, self.baud)
            .data_bits(tokio_serial::DataBits::Eight)
            .parity(tokio_serial::Parity::None)
            .stop_bits(tokio_serial::StopBits::Two)
            .flow_control(tokio_serial::FlowControl::None)
            .open_native_async()
            .map_err(std::io::Error::from)?;
        // Bytes still queued from before are an earlier dialogue's: start from a clean line.
        port.clear(tokio_serial::ClearBuffer::Input).map_err(std::io::Error::from)?;
        Ok(port)
    }
}

/// Where a card terminal is plugged in, chosen at run time: a serial port (or pseudo-
/// terminal) with ZVT's serial framing, or TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZvtPort {
    Serial { path: String, baud: u32 },
    Tcp { addr: String },
}

impl ZvtPort {
    pub fn framing(&self) -> Framing {
        match self {
            ZvtPort::Serial { .. } => Framing::Serial,
            ZvtPort::Tcp { .. } => Framing::Tcp,
        }
    }

    /// The driver for this port.
    pub fn terminal(self, config: ZvtConfig) -> ZvtTerminal<ZvtPort> {
        let framing = self.framing();
        ZvtTerminal::new(self, framing, config)
    }
}

impl Connect for ZvtPort {
    type Io = Box<dyn crate::connect::DeviceIo>;

    async fn connect(&self) -> std::io::Result<Self::Io> {
        match self {
            ZvtPort::Serial { path, baud } => {
                Ok(Box::new(SerialConnect { path: path.clone(), baud: *baud }.connect().await?))
            }
            ZvtPort::Tcp { addr } => {
                Ok(Box::new(TcpConnect { addr: addr.clone(), timeout: Duration::from_secs(3) }.connect().await?))
            }
        }
    }
}

/// How a command's dialogue ended.
#[derive(Debug, Default)]
struct Reply {
    status: Option<StatusInformation>,
    slip: Vec<String>,
    /// `None` for a completion, the result code for an abort.
    aborted: Option<(u8, Option<String>)>,
    terminal_id: Option<u32>,
    /// From a status enquiry's completion: the software version and the terminal status byte.
    sw_version: Option<String>,
    terminal_status: Option<u8>,
}

pub struct ZvtTerminal<C: Connect> {
    connector: C,
    framing: Framing,
    config: ZvtConfig,
    link: Option<Link<C::Io>>,
    abort: Arc<AtomicBool>,
}

/// Lets the cashier cancel a card payment that is waiting at the terminal (the customer changed
/// their mind): the driver sends abort (06 B0) and the terminal ends the payment with 06 1E.
/// Once the terminal has decided, it is too late: the payment's outcome stands.
#[derive(Debug, Clone)]
pub struct AbortHandle(Arc<AtomicBool>);

impl AbortHandle {
    pub fn abort(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// How often a waiting dialogue looks whether the cashier asked to abort.
const ABORT_POLL: Duration = Duration::from_millis(100);

fn card_error(e: TransportError, waited: Duration) -> CardError {
    match e {
        TransportError::Timeout => CardError::Timeout(u64::try_from(waited.as_millis()).unwrap_or(u64::MAX)),
        TransportError::Closed | TransportError::Io(_) | TransportError::NoAck(_) => CardError::Disconnected,
        TransportError::Protocol(p) => CardError::Protocol(p),
    }
}

/// Card types by the ZVT card-type byte (BMP 8A; PA00P015, list of ZVT card types), for
/// receipts and end-of-day totals when the terminal sends no card name.
pub fn card_type_name(code: u8) -> &'static str {
    match code {
        5 => "girocard",
        6 => "Mastercard",
        8 => "American Express",
        10 => "Visa",
        11 => "Visa Electron",
        12 => "Diners",
        13 => "V PAY",
        14 => "JCB",
        46 => "Maestro",
        _ => "card",
    }
}

fn receipt_from(si: &StatusInformation, slip: Vec<String>, terminal_id: Option<u32>) -> Option<CardReceipt> {
    let amount_minor = i64::try_from(si.amount_minor?).ok()?;
    Some(CardReceipt {
        amount_minor,
        masked_pan: si.masked_pan.clone().unwrap_or_default(),
        card_type: si.card_name.clone().unwrap_or_else(|| card_type_name(si.card_type.unwrap_or(0)).to_string()),
        terminal_id: format!("{:08}", si.terminal_id.or(terminal_id).unwrap_or(0)),
        trace_no: si.trace_no?,
        receipt_no: si.receipt_no.unwrap_or(0),
        result_code: si.result_code.unwrap_or(0),
        original_trace_no: si.original_trace_no,
        slip,
    })
}

/// Whether an abort's result code means the customer or the terminal stopped (nothing was
/// asked of the card issuer) rather than a refusal.
fn is_abort(code: u8) -> bool {
    matches!(code, 0x6C | 0x9C | 0xDC | 0xDF | 0xA0 | 0x83)
}

fn outcome(reply: Reply) -> Result<CardOutcome, CardError> {
    if let Some((code, text)) = reply.aborted {
        let reason = text.unwrap_or_else(|| result_text(code).to_string());
        return Ok(if is_abort(code) {
            CardOutcome::Aborted { result_code: code, reason }
        } else {
            CardOutcome::Declined { result_code: code, reason }
        });
    }
    let status = reply.status.ok_or_else(|| CardError::Protocol("completed without status information".into()))?;
    match status.result_code.unwrap_or(0) {
        0 => receipt_from(&status, reply.slip, reply.terminal_id)
            .map(CardOutcome::Approved)
            .ok_or_else(|| CardError::Protocol("approval without amount or trace number".into())),
        code => Ok(CardOutcome::Declined { result_code: code, reason: result_text(code).to_string() }),
    }
}

impl<C: Connect> ZvtTerminal<C> {
    pub fn new(connector: C, framing: Framing, config: ZvtConfig) -> ZvtTerminal<C> {
        ZvtTerminal { connector, framing, config, link: None, abort: Arc::new(AtomicBool::new(false)) }
    }

    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle(self.abort.clone())
    }

    /// Takes the open connection out (or opens one). While a dialogue runs, the connection lives
    /// only inside it: if the caller drops the future mid-dialogue (a crash of the caller, a
    /// time-out around it), the half-used connection is closed with it and never reused.
    async fn take_link(&mut self) -> Result<Link<C::Io>, CardError> {
        match self.link.take() {
            Some(link) => Ok(link),
            None => {
                let io = self.connector.connect().await.map_err(|e| CardError::NotSent(e.to_string()))?;
                Ok(Link::new(io, self.framing))
            }
        }
    }

    async fn ack(link: &mut Link<C::Io>) -> Result<(), TransportError> {
        link.send(&TerminalMessage::Ack.to_apdu().map_err(|e| TransportError::Protocol(e.to_string()))?).await
    }

    /// One command's whole dialogue. On any transport failure the connection is dropped (it
    /// is re-opened by the next call) and the error says the outcome is unknown.
    async fn run(&mut self, command: &Command, events: Option<&EventSink>) -> Result<Reply, CardError> {
        let apdu: Apdu = command.to_apdu().map_err(|e| CardError::Protocol(e.to_string()))?;
        let (t3, t4) = (self.config.t3, self.config.t4);
        let mut link = self.take_link().await?;
        // An abort pressed before this command does not cancel it.
        self.abort.store(false, Ordering::SeqCst);
        let result = Self::dialogue(&mut link, &apdu, events, t3, t4, &self.abort).await;
        // After an abort, the terminal's acknowledgement of it may still be on its way: a line
        // that saw an abort is not reused, so that late answer cannot meet the next command.
        if result.is_ok() && !self.abort.load(Ordering::SeqCst) {
            self.link = Some(link);
        }
        result
    }

    async fn dialogue(
        link: &mut Link<C::Io>,
        apdu: &Apdu,
        events: Option<&EventSink>,
        t3: Duration,
        t4: Duration,
        abort: &AtomicBool,
    ) -> Result<Reply, CardError> {
        link.send(apdu).await.map_err(|e| card_error(e, t3))?;
        let mut reply = Reply::default();
        let mut acknowledged = false;
        let mut abort_sent = false;
        loop {
            let wait = if acknowledged { t4 } else { t3 };
            let deadline = Instant::now() + wait;
            // Wait in slices, so a cashier's abort goes out while the customer is at the
            // terminal. A slice that ends mid-frame keeps the bytes read so far in the link.
            let raw = loop {
                let slice = ABORT_POLL.min(deadline.saturating_duration_since(Instant::now()));
                match link.recv(slice).await {
                    Ok(raw) => break raw,
                    Err(TransportError::Timeout) if Instant::now() < deadline => {
                        if acknowledged && !abort_sent && abort.load(Ordering::SeqCst) {
                            let stop = Command::Abort.to_apdu().map_err(|e| CardError::Protocol(e.to_string()))?;
                            link.send(&stop).await.map_err(|e| card_error(e, t3))?;
                            abort_sent = true;
                        }
                    }
                    Err(e) => return Err(card_error(e, wait)),
                }
            };
            let message = TerminalMessage::parse(&raw).map_err(|e| CardError::Protocol(e.to_string()))?;
            match message {
                // The terminal acknowledging our abort command: nothing to answer.
                TerminalMessage::Ack if acknowledged => continue,
                TerminalMessage::Ack if !acknowledged => {
                    acknowledged = true;
                    continue;
                }
                TerminalMessage::Nak(code) if !acknowledged => {
                    reply.aborted = Some((code, Some(format!("the terminal refused the command ({code:#04x})"))));
                    return Ok(reply);
                }
                // Before the terminal has acknowledged OUR command, anything else is left over
                // from an earlier dialogue (a serial line keeps what was in flight when a
                // caller gave up). It is acknowledged so the terminal can finish it, and never
                // taken as this command's answer: an old approval must not pay a new sale.
                _ if !acknowledged => {
                    Self::ack(link).await.map_err(|e| card_error(e, t3))?;
                    continue;
                }
                TerminalMessage::IntermediateStatus { code, .. } => {
                    if let Some(sink) = events {
                        // A full channel only loses a display line, never a payment.
                        let _dropped_when_full = sink.try_send(CardEvent::Display(intermediate_text(code).to_string()));
                    }
                }
                TerminalMessage::StatusInformation(si) => reply.status = Some(si),
                TerminalMessage::PrintLine { text, .. } => reply.slip.push(mask_card_numbers(&text)),
                TerminalMessage::PrintTextBlock { lines, .. } => {
                    reply.slip.extend(lines.iter().map(|l| mask_card_numbers(l)));
                }
                TerminalMessage::Completion { terminal_id, .. } => {
                    reply.terminal_id = terminal_id;
                    Self::ack(link).await.map_err(|e| card_error(e, t3))?;
                    return Ok(reply);
                }
                TerminalMessage::SoftwareCompletion { sw_version, terminal_status, terminal_id } => {
                    reply.terminal_id = terminal_id;
                    reply.sw_version = Some(sw_version);
                    reply.terminal_status = Some(terminal_status);
                    Self::ack(link).await.map_err(|e| card_error(e, t3))?;
                    return Ok(reply);
                }
                TerminalMessage::Abort { result_code, text } => {
                    reply.aborted = Some((result_code, text));
                    Self::ack(link).await.map_err(|e| card_error(e, t3))?;
                    return Ok(reply);
                }
                // The ECR acknowledges what it does not act on, so the terminal goes on.
                _ => {}
            }
            acknowledged = true;
            Self::ack(link).await.map_err(|e| card_error(e, t3))?;
        }
    }

    /// Asks the terminal to check itself and its connection to the host (06 70).
    pub async fn diagnosis(&mut self) -> Result<TerminalStatus, CardError> {
        Ok(status_of(self.run(&Command::Diagnosis, None).await?))
    }

    /// Ends the session with the terminal (06 02); the terminal only acknowledges it.
    pub async fn log_off(&mut self) -> Result<(), CardError> {
        let apdu = Command::LogOff.to_apdu().map_err(|e| CardError::Protocol(e.to_string()))?;
        let mut link = self.take_link().await?;
        link.send(&apdu).await.map_err(|e| card_error(e, self.config.t3))?;
        let answer = link.recv(self.config.t3).await.map_err(|e| card_error(e, self.config.t3))?;
        match TerminalMessage::parse(&answer) {
            Ok(TerminalMessage::Ack) => {
                self.link = Some(link);
                Ok(())
            }
            other => Err(CardError::Protocol(format!("log-off answered with {other:?}"))),
        }
    }

    /// Registers the cash register at the terminal (06 00) with the terminal's password.
    pub async fn register(&mut self) -> Result<TerminalStatus, CardError> {
        let command = Command::Registration {
            password: self.config.password,
            config_byte: self.config.config_byte,
            currency: Some(self.config.currency_code),
            service_byte: None,
        };
        let reply = self.run(&command, None).await?;
        Ok(status_of(reply))
    }
}

fn status_of(reply: Reply) -> TerminalStatus {
    let terminal_id =
        reply.terminal_id.or(reply.status.as_ref().and_then(|s| s.terminal_id)).map(|t| format!("{t:08}"));
    let software_version = reply.sw_version.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (ready, text) = match (reply.aborted, reply.terminal_status) {
        (Some((code, text)), _) => (false, text.unwrap_or_else(|| result_text(code).to_string())),
        (None, Some(status)) if status != 0 => (false, terminal_status_text(status)),
        (None, _) => (true, "ready".to_string()),
    };
    TerminalStatus { terminal_id, ready, text, software_version }
}

/// The terminal status byte of a status enquiry's completion (PA00P015, "Terminal
/// status-codes"); 00 is ready.
fn terminal_status_text(status: u8) -> String {
    match status {
        0x51 => "not ready: initialisation required".into(),
        0x62 => "not ready: the date or time is wrong".into(),
        0xC2 => "not ready: diagnosis required".into(),
        other => format!("not ready (terminal status {other:#04x})"),
    }
}

impl<C: Connect> CardTerminal for ZvtTerminal<C> {
    async fn authorize(&mut self, amount_minor: i64, events: &EventSink) -> Result<CardOutcome, CardError> {
        let amount_minor = u64::try_from(amount_minor).map_err(|_| CardError::NotSent("negative amount".into()))?;
        let command =
            Command::Authorization { amount_minor, currency: Some(self.config.currency_code), payment_type: None };
        outcome(self.run(&command, Some(events)).await?)
    }

    async fn refund(&mut self, amount_minor: i64, events: &EventSink) -> Result<CardOutcome, CardError> {
        let amount_minor = u64::try_from(amount_minor).map_err(|_| CardError::NotSent("negative amount".into()))?;
        let command = Command::Refund { password: self.config.password, amount_minor };
        outcome(self.run(&command, Some(events)).await?)
    }

    async fn reverse(&mut self, receipt_no: u32, events: &EventSink) -> Result<CardOutcome, CardError> {
        let command = Command::Reversal { password: self.config.password, receipt_no };
        outcome(self.run(&command, Some(events)).await?)
    }

    async fn last_transaction(&mut self) -> Result<Option<CardReceipt>, CardError> {
        let reply = self.run(&Command::RepeatReceipt { password: self.config.password }, None).await?;
        if reply.aborted.is_some() {
            return Ok(None);
        }
        Ok(reply.status.as_ref().and_then(|si| receipt_from(si, reply.slip.clone(), reply.terminal_id)))
    }

    async fn end_of_day(&mut self, events: &EventSink) -> Result<EndOfDay, CardError> {
        let reply = self.run(&Command::EndOfDay { password: self.config.password }, Some(events)).await?;
        if let Some((code, text)) = reply.aborted {
            return Err(CardError::Protocol(text.unwrap_or_else(|| result_text(code).to_string())));
        }
        let status = reply.status.unwrap_or_default();
        let total_minor = i64::try_from(status.amount_minor.unwrap_or(0)).unwrap_or(i64::MAX);
        let by_card_type = status
            .individual_totals
            .iter()
            .map(|t| CardTotal {
                card_type: t.card_type.clone(),
                count: t.count,
                amount_minor: i64::try_from(t.amount_minor).unwrap_or(i64::MAX),
            })
            .collect();
        Ok(EndOfDay { total_minor, by_card_type, slip: reply.slip })
    }

    async fn status(&mut self) -> Result<TerminalStatus, CardError> {
        let command = Command::StatusEnquiry { password: Some(self.config.password), service_byte: None };
        Ok(status_of(self.run(&command, None).await?))
    }
}

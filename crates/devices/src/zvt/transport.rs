//! Moving APDUs over a byte stream, both ways, for both ends (our driver and the simulated
//! terminal share it):
//! - TCP (PA00P015, TCP/IP transport): raw APDUs back to back, no framing.
//! - Serial (PA00P015, serial transport): each APDU in a `DLE STX … DLE ETX CRC` frame that the
//!   receiver answers with one byte, ACK (06) or NAK (15); a NAKed or unanswered frame is sent
//!   again, at most [`link::MAX_SEND_ATTEMPTS`] times.
//!
//! Every read has a deadline; buffers are bounded by the longest legal APDU.

use super::link::{self, ACK, Apdu, FrameDecoder, LinkError, NAK};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, timeout_at};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Tcp,
    Serial,
}

/// How long the serial sender waits for the one-byte ACK/NAK of a frame.
pub const LINK_ACK_TIMEOUT: Duration = Duration::from_millis(1_000);
/// Corrupt frames in a row we NAK before giving up on the line.
pub const MAX_BAD_FRAMES: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("no data within the time-out")]
    Timeout,
    #[error("the other side closed the connection")]
    Closed,
    #[error("i/o error: {0}")]
    Io(String),
    #[error("the other side did not acknowledge the frame after {0} attempts")]
    NoAck(u8),
    #[error("unreadable data: {0}")]
    Protocol(String),
}

impl From<std::io::Error> for TransportError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted => TransportError::Closed,
            _ => TransportError::Io(e.to_string()),
        }
    }
}

impl From<LinkError> for TransportError {
    fn from(e: LinkError) -> Self {
        TransportError::Protocol(e.to_string())
    }
}

/// Deliberate misbehaviour, for the simulated terminal's fault scripts. All zero by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkFaults {
    /// Send the next N frames with a wrong CRC (serial).
    pub corrupt_sends: u32,
    /// Answer the next N frames received with NAK, whatever they hold (serial).
    pub nak_receives: u32,
    /// Send the next APDU with a length byte that does not match its data.
    pub garble_next_length: bool,
}

pub struct Link<IO> {
    io: IO,
    framing: Framing,
    decoder: FrameDecoder,
    inbox: Vec<u8>,
    /// Frames that crossed ours on the line while we waited for our ACK, kept for `recv`.
    crossed: std::collections::VecDeque<Apdu>,
    pub faults: LinkFaults,
}

/// Frames kept from crossings before the line is declared broken.
const MAX_CROSSED: usize = 8;

impl<IO: AsyncRead + AsyncWrite + Unpin + Send> Link<IO> {
    pub fn new(io: IO, framing: Framing) -> Link<IO> {
        Link {
            io,
            framing,
            decoder: FrameDecoder::new(),
            inbox: Vec::new(),
            crossed: std::collections::VecDeque::new(),
            faults: LinkFaults::default(),
        }
    }

    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Gives the stream back (to close it, or to hand it on).
    pub fn into_inner(self) -> IO {
        self.io
    }

    fn apdu_bytes(&mut self, apdu: &Apdu) -> Result<Vec<u8>, TransportError> {
        let mut bytes = apdu.to_bytes()?;
        if std::mem::take(&mut self.faults.garble_next_length) && bytes.len() > 2 {
            bytes[2] = bytes[2].wrapping_add(7);
        }
        Ok(bytes)
    }

    /// Sends one APDU; over serial, waits for the receiver's ACK and retransmits on NAK.
    pub async fn send(&mut self, apdu: &Apdu) -> Result<(), TransportError> {
        let bytes = self.apdu_bytes(apdu)?;
        if self.framing == Framing::Tcp {
            self.io.write_all(&bytes).await?;
            return Ok(self.io.flush().await?);
        }
        let good = link::encode_frame(&bytes);
        for _ in 0..link::MAX_SEND_ATTEMPTS {
            let mut frame = good.clone();
            if self.faults.corrupt_sends > 0 {
                self.faults.corrupt_sends -= 1;
                let last = frame.len() - 1;
                frame[last] ^= 0xFF;
            }
            self.io.write_all(&frame).await?;
            self.io.flush().await?;
            if self.await_ack(Instant::now() + LINK_ACK_TIMEOUT).await? {
                return Ok(());
            }
        }
        Err(TransportError::NoAck(link::MAX_SEND_ATTEMPTS))
    }

    /// Waits for the one-byte answer to our frame: true for ACK, false for NAK or none. The
    /// other side may have started a frame of its own at the same moment (both ends may send,
    /// e.g. an abort while the terminal reports progress): such a crossing frame is taken in,
    /// acknowledged and kept for `recv`, and the wait for our ACK goes on.
    async fn await_ack(&mut self, deadline: Instant) -> Result<bool, TransportError> {
        let mut in_frame = false;
        loop {
            let byte = match self.next_byte(deadline).await {
                Ok(b) => b,
                Err(TransportError::Timeout) => return Ok(false),
                Err(e) => return Err(e),
            };
            if !in_frame {
                match byte {
                    ACK => return Ok(true),
                    NAK => return Ok(false),
                    link::DLE => in_frame = true,
                    other => return Err(TransportError::Protocol(format!("expected ACK or NAK, got {other:#04x}"))),
                }
            }
            let Some(result) = self.decoder.push(byte) else { continue };
            in_frame = false;
            match result.map_err(TransportError::from).and_then(|b| Ok(link::parse_apdu(&b)?.0)) {
                Ok(apdu) if self.crossed.len() < MAX_CROSSED => {
                    self.crossed.push_back(apdu);
                    self.io.write_all(&[ACK]).await?;
                }
                Ok(_) => return Err(TransportError::Protocol("too many frames crossed ours".into())),
                Err(_) => self.io.write_all(&[NAK]).await?,
            }
            self.io.flush().await?;
        }
    }

    /// Receives one APDU within `wait`; over serial, ACKs it (or NAKs a corrupt frame and
    /// waits for the retransmission).
    pub async fn recv(&mut self, wait: Duration) -> Result<Apdu, TransportError> {
        if let Some(apdu) = self.crossed.pop_front() {
            return Ok(apdu);
        }
        let deadline = Instant::now() + wait;
        match self.framing {
            Framing::Tcp => self.recv_raw(deadline).await,
            Framing::Serial => self.recv_framed(deadline).await,
        }
    }

    /// Returns an APDU if one has fully arrived, without waiting for anything (not even a
    /// timer tick): for a simulator that looks for an abort between two steps.
    pub async fn recv_ready(&mut self) -> Result<Option<Apdu>, TransportError> {
        if let Some(apdu) = self.crossed.pop_front() {
            return Ok(Some(apdu));
        }
        let mut chunk = [0u8; 512];
        let io = &mut self.io;
        let read = std::future::poll_fn(|cx| {
            let mut buf = tokio::io::ReadBuf::new(&mut chunk);
            match std::pin::Pin::new(&mut *io).poll_read(cx, &mut buf) {
                std::task::Poll::Ready(Ok(())) => std::task::Poll::Ready(Ok(Some(buf.filled().len()))),
                std::task::Poll::Ready(Err(e)) => std::task::Poll::Ready(Err(e)),
                std::task::Poll::Pending => std::task::Poll::Ready(Ok(None)),
            }
        })
        .await?;
        match read {
            Some(0) => return Err(TransportError::Closed),
            Some(n) => self.inbox.extend_from_slice(&chunk[..n]),
            None => {}
        }
        match self.framing {
            Framing::Tcp => match link::parse_apdu(&self.inbox) {
                Ok((apdu, used)) => {
                    self.inbox.drain(..used);
                    Ok(Some(apdu))
                }
                Err(LinkError::Truncated { .. }) => Ok(None),
                Err(e) => {
                    self.inbox.clear();
                    Err(e.into())
                }
            },
            Framing::Serial => {
                while !self.inbox.is_empty() {
                    let byte = self.inbox.remove(0);
                    let Some(result) = self.decoder.push(byte) else { continue };
                    return match result.map_err(TransportError::from).and_then(|b| Ok(link::parse_apdu(&b)?.0)) {
                        Ok(apdu) => {
                            self.io.write_all(&[ACK]).await?;
                            self.io.flush().await?;
                            Ok(Some(apdu))
                        }
                        Err(e) => {
                            self.io.write_all(&[NAK]).await?;
                            self.io.flush().await?;
                            Err(e)
                        }
                    };
                }
                Ok(None)
            }
        }
    }

    async fn fill(&mut self, deadline: Instant) -> Result<(), TransportError> {
        let mut chunk = [0u8; 512];
        let n = timeout_at(deadline, self.io.read(&mut chunk)).await.map_err(|_| TransportError::Timeout)??;
        if n == 0 {
            return Err(TransportError::Closed);
        }
        self.inbox.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn next_byte(&mut self, deadline: Instant) -> Result<u8, TransportError> {
        if self.inbox.is_empty() {
            self.fill(deadline).await?;
        }
        Ok(self.inbox.remove(0))
    }

    async fn recv_raw(&mut self, deadline: Instant) -> Result<Apdu, TransportError> {
        loop {
            match link::parse_apdu(&self.inbox) {
                Ok((apdu, used)) => {
                    self.inbox.drain(..used);
                    return Ok(apdu);
                }
                Err(LinkError::Truncated { .. }) if self.inbox.len() <= link::MAX_APDU_LEN => {
                    self.fill(deadline).await?
                }
                Err(e) => {
                    // A raw stream has no resynchronisation point: drop what we have.
                    self.inbox.clear();
                    return Err(e.into());
                }
            }
        }
    }

    async fn recv_framed(&mut self, deadline: Instant) -> Result<Apdu, TransportError> {
        let mut bad = 0;
        loop {
            let byte = self.next_byte(deadline).await?;
            let Some(result) = self.decoder.push(byte) else { continue };
            let verdict = match result {
                Ok(bytes) if self.faults.nak_receives == 0 => link::parse_apdu(&bytes).map(|(apdu, _)| apdu),
                Ok(_) => {
                    self.faults.nak_receives -= 1;
                    Err(LinkError::FrameRestarted)
                }
                Err(e) => Err(e),
            };
            match verdict {
                Ok(apdu) => {
                    self.io.write_all(&[ACK]).await?;
                    self.io.flush().await?;
                    return Ok(apdu);
                }
                Err(e) => {
                    bad += 1;
                    self.io.write_all(&[NAK]).await?;
                    self.io.flush().await?;
                    if bad >= MAX_BAD_FRAMES {
                        return Err(TransportError::Protocol(format!("{bad} bad frames in a row, last: {e}")));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "transport_tests.rs"]
mod tests;

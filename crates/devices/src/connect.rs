//! Opening a byte stream to a device: the drivers are generic over [`Connect`], so the same
//! driver talks to TCP, a serial port, a pseudo-terminal, a file or an in-memory pipe.

use std::future::Future;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// Opens a byte stream to a device: TCP, a serial port, or an in-memory pipe in tests.
pub trait Connect: Send + Sync {
    type Io: AsyncRead + AsyncWrite + Unpin + Send;
    fn connect(&self) -> impl Future<Output = std::io::Result<Self::Io>> + Send;
}

/// A device at a TCP address (ZVT terminals on 20007, printers on 9100 by convention).
pub struct TcpConnect {
    pub addr: String,
    pub timeout: Duration,
}

impl Connect for TcpConnect {
    type Io = tokio::net::TcpStream;

    async fn connect(&self) -> std::io::Result<tokio::net::TcpStream> {
        match tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(&self.addr)).await {
            Ok(stream) => stream,
            Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no answer from {}", self.addr))),
        }
    }
}

/// Any byte stream a device port opens as.
pub trait DeviceIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> DeviceIo for T {}

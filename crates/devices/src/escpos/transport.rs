//! Where a receipt printer is plugged in: a serial port (or pseudo-terminal), TCP port 9100,
//! USB by vendor and product id, or a file or device path. Each opens as one byte stream the
//! driver reads and writes the same way.

use super::driver::{EscPosPrinter, PrinterConfig};
use crate::connect::{Connect, TcpConnect};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowControl {
    None,
    /// RTS/CTS: most serial receipt printers hold the line when their buffer is full.
    Hardware,
    /// XON/XOFF.
    Software,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterPort {
    /// A serial port or pseudo-terminal, 8N1.
    Serial { path: String, baud: u32, flow: FlowControl },
    /// A network printer, `host:9100`.
    Tcp { addr: String },
    /// USB by id, through the escpos crate's `nusb` driver (no libusb needed).
    Usb { vendor_id: u16, product_id: u16 },
    /// A file or a device node that is only written (e.g. a spool file): no status, no
    /// confirmation.
    File { path: String },
}

impl PrinterPort {
    /// The driver for this port, with deadlines fitted to it.
    pub fn printer(self) -> EscPosPrinter<PortConnect> {
        let config = PrinterConfig {
            baud: match &self {
                PrinterPort::Serial { baud, .. } => Some(*baud),
                _ => None,
            },
            reads_status: !matches!(self, PrinterPort::File { .. }),
            flush_writes: !matches!(self, PrinterPort::Serial { .. }),
            ..PrinterConfig::default()
        };
        EscPosPrinter::new(PortConnect(self), config)
    }
}

pub use crate::connect::DeviceIo;

pub struct PortConnect(pub PrinterPort);

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl Connect for PortConnect {
    type Io = Box<dyn DeviceIo>;

    async fn connect(&self) -> std::io::Result<Box<dyn DeviceIo>> {
        match &self.0 {
            PrinterPort::Serial { path, baud, flow } => Ok(Box::new(open_serial(path, *baud, flow)?)),
            PrinterPort::Tcp { addr } => {
                let stream = TcpConnect { addr: addr.clone(), timeout: CONNECT_TIMEOUT }.connect().await?;
                stream.set_nodelay(true)?;
                Ok(Box::new(stream))
            }
            PrinterPort::Usb { vendor_id, product_id } => Ok(Box::new(open_usb(*vendor_id, *product_id).await?)),
            PrinterPort::File { path } => {
                let file = tokio::fs::OpenOptions::new().append(true).create(true).open(path).await?;
                Ok(Box::new(file))
            }
        }
    }
}

fn open_serial(path: &str, baud: u32, flow: &FlowControl) -> std::io::Result<tokio_serial::SerialStream> {
    use tokio_serial::{SerialPort, SerialPortBuilderExt};
    let flow = match flow {
        FlowControl::None => tokio_serial::FlowControl::None,
        FlowControl::Hardware => tokio_serial::FlowControl::Hardware,
        FlowControl::Software => tokio_serial::FlowControl::Software,
    };
    let port = tokio_serial::new(path, baud)
        .data_bits(tokio_serial::DataBits::Eight)
        .parity(tokio_serial::Parity::None)
        .stop_bits(tokio_serial::StopBits::One)
        .flow_control(flow)
        .open_native_async()
        .map_err(std::io::Error::from)?;
    // Answers still queued from before belong to an earlier dialogue.
    port.clear(tokio_serial::ClearBuffer::Input).map_err(std::io::Error::from)?;
    Ok(port)
}

/// How many bytes of a job go to the USB endpoint in one blocking write.
const USB_CHUNK: usize = 4096;

/// Opens a USB printer through escpos's blocking `nusb` driver and bridges it to an async
/// stream: a task hands written bytes to the driver on the blocking pool, a thread reads the
/// printer's answers (the driver's reads time out every few seconds, so the thread notices a
/// closed stream) and passes them on.
async fn open_usb(vendor_id: u16, product_id: u16) -> std::io::Result<tokio::io::DuplexStream> {
    use escpos::driver::{Driver, NativeUsbDriver};
    let driver = tokio::task::spawn_blocking(move || NativeUsbDriver::open(vendor_id, product_id))
        .await
        .map_err(std::io::Error::other)?
        .map_err(|e| std::io::Error::other(format!("USB printer {vendor_id:04x}:{product_id:04x}: {e}")))?;
    let (ours, theirs) = tokio::io::duplex(USB_CHUNK);
    let (mut from_app, mut to_app) = tokio::io::split(theirs);
    // Set once the app's side is gone, so the reader thread lets go of the device (and its
    // claimed interface) and a reconnect can open it again.
    let closed = Arc::new(AtomicBool::new(false));
    let (writer, writer_closed) = (driver.clone(), closed.clone());
    tokio::spawn(async move {
        let mut buf = vec![0u8; USB_CHUNK];
        while let Ok(n) = from_app.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let (chunk, d) = (buf[..n].to_vec(), writer.clone());
            match tokio::task::spawn_blocking(move || d.write(&chunk)).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
        writer_closed.store(true, Ordering::SeqCst);
    });
    let (answers, mut answers_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    tokio::spawn(async move {
        while let Some(bytes) = answers_rx.recv().await {
            if to_app.write_all(&bytes).await.is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        // A read that times out says nothing; the thread ends once the app's side is gone.
        while !closed.load(Ordering::SeqCst) && !answers.is_closed() {
            if let Ok(n) = driver.read(&mut buf)
                && n > 0
                && answers.blocking_send(buf[..n].to_vec()).is_err()
            {
                break;
            }
        }
    });
    Ok(ours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::{PrinterError, ReceiptPrinter};

    #[tokio::test]
    async fn a_usb_printer_that_is_not_there_is_unreachable_with_its_ids_named() {
        let mut printer = PrinterPort::Usb { vendor_id: 0xFFFE, product_id: 0xFFFD }.printer();
        let err = printer.status().await.expect_err("no such device");
        let PrinterError::Unreachable(why) = &err else { panic!("expected Unreachable, got {err:?}") };
        assert!(why.contains("fffe:fffd"), "the message names the device looked for: {why}");
    }

    #[tokio::test]
    async fn a_file_printer_gets_the_bytes_and_claims_no_status() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("spool.bin");
        let mut printer = PrinterPort::File { path: path.display().to_string() }.printer();
        let printed = printer.print(b"\x1b@hello\n", 1).await.expect("written");
        assert_eq!(printed.status_after, None, "a file cannot say how the printer is");
        printer.print(b"again\n", 2).await.expect("appended");
        assert_eq!(std::fs::read(&path).expect("spool"), b"\x1b@hello\nagain\n");
        assert!(matches!(printer.status().await, Err(PrinterError::Unreachable(_))));
        assert_eq!(printer.open_drawer().await.expect("kick written"), None, "the drawer cannot be read back");
    }
}

//! Where the devices are, as a technician writes it (`RINGUP_TERMINAL`, `RINGUP_PRINTER`).

use ringup_devices::escpos::transport::PrinterPort;
use ringup_devices::zvt::client::ZvtPort;

/// Reads a card terminal's place: `serial:PATH[:BAUD]` (default 9600 baud) or `tcp:HOST:PORT`.
pub fn parse_terminal(spec: &str) -> Result<ZvtPort, String> {
    match spec.split_once(':') {
        Some(("serial", rest)) => {
            let (path, baud) = path_and_baud(rest, 9600)?;
            Ok(ZvtPort::Serial { path, baud })
        }
        Some(("tcp", addr)) if !addr.is_empty() => Ok(ZvtPort::Tcp { addr: addr.into() }),
        _ => Err(format!("{spec:?}: a card terminal is serial:PATH[:BAUD] or tcp:HOST:PORT")),
    }
}

/// Reads a printer's place: `serial:PATH[:BAUD]`, `tcp:HOST:PORT`, `usb:VID:PID` (hex) or
/// `file:PATH`.
pub fn parse_printer(spec: &str) -> Result<PrinterPort, String> {
    use ringup_devices::escpos::transport::FlowControl;
    let bad = || format!("{spec:?}: a printer is serial:PATH[:BAUD], tcp:HOST:PORT, usb:VID:PID or file:PATH");
    match spec.split_once(':') {
        Some(("serial", rest)) => {
            let (path, baud) = path_and_baud(rest, 9600)?;
            Ok(PrinterPort::Serial { path, baud, flow: FlowControl::None })
        }
        Some(("tcp", addr)) if !addr.is_empty() => Ok(PrinterPort::Tcp { addr: addr.into() }),
        Some(("file", path)) if !path.is_empty() => Ok(PrinterPort::File { path: path.into() }),
        Some(("usb", ids)) => {
            let (vid, pid) = ids.split_once(':').ok_or_else(bad)?;
            let hex = |s: &str| u16::from_str_radix(s, 16).map_err(|_| bad());
            Ok(PrinterPort::Usb { vendor_id: hex(vid)?, product_id: hex(pid)? })
        }
        _ => Err(bad()),
    }
}

/// A card terminal's place written back as [`parse_terminal`] reads it.
pub fn terminal_place(port: &ZvtPort) -> String {
    match port {
        ZvtPort::Serial { path, baud } => format!("serial:{path}:{baud}"),
        ZvtPort::Tcp { addr } => format!("tcp:{addr}"),
    }
}

/// A printer's place written back as [`parse_printer`] reads it.
pub fn printer_place(port: &PrinterPort) -> String {
    match port {
        PrinterPort::Serial { path, baud, .. } => format!("serial:{path}:{baud}"),
        PrinterPort::Tcp { addr } => format!("tcp:{addr}"),
        PrinterPort::Usb { vendor_id, product_id } => format!("usb:{vendor_id:04x}:{product_id:04x}"),
        PrinterPort::File { path } => format!("file:{path}"),
    }
}

/// `PATH[:BAUD]`: a trailing number after the last colon is the baud rate.
fn path_and_baud(rest: &str, default_baud: u32) -> Result<(String, u32), String> {
    match rest.rsplit_once(':') {
        Some((path, baud)) if !path.is_empty() && baud.chars().all(|c| c.is_ascii_digit()) && !baud.is_empty() => {
            let baud: u32 = baud.parse().map_err(|_| format!("{baud:?} is not a baud rate"))?;
            Ok((path.into(), baud))
        }
        _ if !rest.is_empty() => Ok((rest.into(), default_baud)),
        _ => Err("a serial port needs a path".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_places_read_as_a_technician_writes_them() {
        assert_eq!(
            parse_terminal("serial:/dev/ttyUSB0"),
            Ok(ZvtPort::Serial { path: "/dev/ttyUSB0".into(), baud: 9600 })
        );
        assert_eq!(
            parse_terminal("serial:/tmp/zvt:115200"),
            Ok(ZvtPort::Serial { path: "/tmp/zvt".into(), baud: 115_200 })
        );
        assert_eq!(parse_terminal("tcp:10.0.0.5:20007"), Ok(ZvtPort::Tcp { addr: "10.0.0.5:20007".into() }));
        assert!(parse_terminal("bluetooth:x").is_err());
        assert!(matches!(
            parse_printer("usb:04b8:0e15"),
            Ok(PrinterPort::Usb { vendor_id: 0x04b8, product_id: 0x0e15 })
        ));
        assert!(matches!(parse_printer("file:/tmp/spool"), Ok(PrinterPort::File { .. })));
        assert!(matches!(parse_printer("serial:/tmp/p:38400"), Ok(PrinterPort::Serial { baud: 38_400, .. })));
        assert!(parse_printer("usb:nothex:1").is_err());
        assert!(parse_printer("serial:").is_err());
    }

    #[test]
    fn a_place_written_back_reads_the_same() {
        for spec in ["serial:/dev/ttyUSB0:9600", "serial:/tmp/zvt:115200", "tcp:10.0.0.5:20007"] {
            let port = parse_terminal(spec).expect("terminal");
            assert_eq!(terminal_place(&port), spec);
            assert_eq!(parse_terminal(&terminal_place(&port)), Ok(port));
        }
        for spec in ["serial:/dev/ttyS0:38400", "tcp:10.0.0.7:9100", "usb:04b8:0e15", "file:/tmp/spool"] {
            let port = parse_printer(spec).expect("printer");
            assert_eq!(printer_place(&port), spec);
        }
        assert_eq!(terminal_place(&parse_terminal("serial:/dev/ttyS1").expect("t")), "serial:/dev/ttyS1:9600");
    }
}

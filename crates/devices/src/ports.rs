//! The serial ports of this machine, as a technician picks one: the device path, what kind of
//! port it is and, for USB adapters, the vendor and product ids, manufacturer, product and
//! serial number. The serialport crate reads them from sysfs (no libudev needed); the stable
//! names under `/dev/serial/by-id` are added, since `ttyUSB0` may be `ttyUSB1` after a re-plug.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What is behind a serial port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortKind {
    Usb,
    Pci,
    Bluetooth,
    Other,
}

impl PortKind {
    pub fn name(self) -> &'static str {
        match self {
            PortKind::Usb => "usb",
            PortKind::Pci => "pci",
            PortKind::Bluetooth => "bluetooth",
            PortKind::Other => "other",
        }
    }
}

/// One serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// The device path to open (`/dev/ttyUSB0`).
    pub path: String,
    /// A name that survives re-plugging (`/dev/serial/by-id/usb-…`), when the system has one.
    pub stable_path: Option<String>,
    pub kind: PortKind,
    pub vendor_id: Option<u16>,
    pub product_id: Option<u16>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial_number: Option<String>,
}

impl PortInfo {
    /// One line for a list: `/dev/ttyUSB0  usb 0403:6001  FTDI FT232R USB UART  serial A50285BI`.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.path.clone(), self.kind.name().to_string()];
        if let (Some(v), Some(p)) = (self.vendor_id, self.product_id) {
            parts.push(format!("{v:04x}:{p:04x}"));
        }
        let maker: Vec<&str> = [self.manufacturer.as_deref(), self.product.as_deref()].into_iter().flatten().collect();
        if !maker.is_empty() {
            parts.push(maker.join(" "));
        }
        if let Some(serial) = &self.serial_number {
            parts.push(format!("serial {serial}"));
        }
        if let Some(stable) = &self.stable_path {
            parts.push(format!("({stable})"));
        }
        parts.join("  ")
    }
}

/// The machine's serial ports, sorted by path.
pub fn list_serial_ports() -> Result<Vec<PortInfo>, String> {
    if !Path::new("/sys/class/tty").is_dir() && cfg!(target_os = "linux") {
        // serialport panics when sysfs is missing (a container without /sys): say so instead.
        return Err("this system shows no serial ports (no /sys/class/tty)".into());
    }
    let found = tokio_serial::available_ports().map_err(|e| format!("the serial ports cannot be listed: {e}"))?;
    let stable = stable_names(Path::new("/dev/serial/by-id"));
    let mut ports: Vec<PortInfo> = found
        .into_iter()
        .map(|p| {
            let canonical = std::fs::canonicalize(&p.port_name).unwrap_or_else(|_| PathBuf::from(&p.port_name));
            let stable_path = stable.get(&canonical).cloned();
            let mut info = PortInfo {
                path: p.port_name,
                stable_path,
                kind: PortKind::Other,
                vendor_id: None,
                product_id: None,
                manufacturer: None,
                product: None,
                serial_number: None,
            };
            match p.port_type {
                tokio_serial::SerialPortType::UsbPort(usb) => {
                    info.kind = PortKind::Usb;
                    info.vendor_id = Some(usb.vid);
                    info.product_id = Some(usb.pid);
                    info.manufacturer = usb.manufacturer;
                    info.product = usb.product;
                    info.serial_number = usb.serial_number;
                }
                tokio_serial::SerialPortType::PciPort => info.kind = PortKind::Pci,
                tokio_serial::SerialPortType::BluetoothPort => info.kind = PortKind::Bluetooth,
                tokio_serial::SerialPortType::Unknown => {}
            }
            info
        })
        .collect();
    ports.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ports)
}

/// The symlinks in `dir`, keyed by the device each resolves to.
pub fn stable_names(dir: &Path) -> HashMap<PathBuf, String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return HashMap::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let link = e.path();
            let target = std::fs::canonicalize(&link).ok()?;
            Some((target, link.to_string_lossy().into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usb_adapter_is_described_with_its_ids_maker_and_serial() {
        let port = PortInfo {
            path: "/dev/ttyUSB0".into(),
            stable_path: Some("/dev/serial/by-id/usb-FTDI_FT232R-if00".into()),
            kind: PortKind::Usb,
            vendor_id: Some(0x0403),
            product_id: Some(0x6001),
            manufacturer: Some("FTDI".into()),
            product: Some("FT232R USB UART".into()),
            serial_number: Some("A50285BI".into()),
        };
        assert_eq!(
            port.describe(),
            "/dev/ttyUSB0  usb  0403:6001  FTDI FT232R USB UART  serial A50285BI  (/dev/serial/by-id/usb-FTDI_FT232R-if00)"
        );
        let plain = PortInfo {
            kind: PortKind::Pci,
            vendor_id: None,
            stable_path: None,
            serial_number: None,
            manufacturer: None,
            product: None,
            ..port
        };
        assert_eq!(plain.describe(), "/dev/ttyUSB0  pci");
    }

    #[test]
    fn stable_names_map_each_device_to_its_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = dir.path().join("ttyFAKE0");
        std::fs::write(&device, b"").expect("device file");
        let links = dir.path().join("by-id");
        std::fs::create_dir(&links).expect("dir");
        std::os::unix::fs::symlink(&device, links.join("usb-Maker_Thing-if00")).expect("link");
        std::os::unix::fs::symlink(dir.path().join("gone"), links.join("dangling")).expect("link");
        let names = stable_names(&links);
        assert_eq!(names.len(), 1, "a dangling link names nothing: {names:?}");
        let canonical = std::fs::canonicalize(&device).expect("canonical");
        assert!(names[&canonical].ends_with("usb-Maker_Thing-if00"));
        assert!(stable_names(&dir.path().join("absent")).is_empty());
    }

    #[test]
    fn listing_the_ports_of_this_machine_gives_paths_that_exist() {
        // Whatever this machine has (often none): every path listed is a device that exists.
        let ports = list_serial_ports().expect("a Linux machine lists its serial ports");
        for port in &ports {
            assert!(Path::new(&port.path).exists(), "{port:?}");
        }
        let mut sorted = ports.clone();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(ports, sorted);
    }
}

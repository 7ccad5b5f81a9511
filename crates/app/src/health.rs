//! How each device is doing, kept as the till uses it: whether its port is there, whether it
//! answered last time, how long that took, the last error, what it told about itself. The
//! status bar and the technician screen read it; the device watch keeps the "port is there"
//! part current, so a pulled cable shows within a second and a returning one is asked again.

use crate::till::device;
use crate::view::DeviceView;
use ringup_devices::escpos::transport::PrinterPort;
use ringup_devices::printer::PrinterStatus;
use ringup_devices::zvt::client::ZvtPort;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the device watch looks for the devices' ports.
pub const WATCH_EVERY: Duration = Duration::from_millis(250);

/// Where to look to see whether a device is plugged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// A serial port, pseudo-terminal or file: its path (a symlink counts only if it resolves).
    Path(PathBuf),
    /// A USB device by vendor and product id, looked for in sysfs.
    Usb { vendor_id: u16, product_id: u16 },
    /// A network device: only asking it tells.
    Unknown,
}

impl Presence {
    pub fn of_terminal(port: &ZvtPort) -> Presence {
        match port {
            ZvtPort::Serial { path, .. } => Presence::Path(path.into()),
            ZvtPort::Tcp { .. } => Presence::Unknown,
        }
    }

    pub fn of_printer(port: &PrinterPort) -> Presence {
        match port {
            PrinterPort::Serial { path, .. } => Presence::Path(path.into()),
            // A spool file is made on first print: its folder is what must be there.
            PrinterPort::File { path } => {
                Presence::Path(Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default())
            }
            PrinterPort::Usb { vendor_id, product_id } => {
                Presence::Usb { vendor_id: *vendor_id, product_id: *product_id }
            }
            PrinterPort::Tcp { .. } => Presence::Unknown,
        }
    }

    /// Whether the device is there now; `None` when only asking it can tell.
    pub fn check(&self) -> Option<bool> {
        match self {
            Presence::Path(path) => Some(path.as_os_str().is_empty() || path.exists()),
            Presence::Usb { vendor_id, product_id } => {
                Some(usb_present(Path::new(USB_DEVICES), *vendor_id, *product_id))
            }
            Presence::Unknown => None,
        }
    }

    /// What to call it in a message.
    fn describe(&self) -> String {
        match self {
            Presence::Path(p) => p.display().to_string(),
            Presence::Usb { vendor_id, product_id } => format!("USB {vendor_id:04x}:{product_id:04x}"),
            Presence::Unknown => "the device".into(),
        }
    }
}

const USB_DEVICES: &str = "/sys/bus/usb/devices";

/// Whether a USB device with these ids is in `dir` (sysfs' `idVendor`/`idProduct` files).
pub fn usb_present(dir: &Path, vendor_id: u16, product_id: u16) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let read = |d: &Path, f: &str| {
        std::fs::read_to_string(d.join(f)).ok().and_then(|s| u16::from_str_radix(s.trim(), 16).ok())
    };
    entries.filter_map(Result::ok).any(|e| {
        let d = e.path();
        read(&d, "idVendor") == Some(vendor_id) && read(&d, "idProduct") == Some(product_id)
    })
}

/// One device's health.
#[derive(Debug, Clone)]
pub struct Health {
    /// "terminal" or "printer".
    pub role: &'static str,
    /// Where to look for it; `None` when none is set up.
    pub presence: Option<Presence>,
    /// Whether its port was there at the last look (`None`: cannot tell, or not looked yet).
    pub present: Option<bool>,
    /// Whether it answered when last asked (`None`: not asked yet).
    pub answered: Option<bool>,
    pub last_answer_ms: Option<i64>,
    pub last_response_ms: Option<u32>,
    pub last_error: Option<String>,
    pub terminal_id: Option<String>,
    pub software_version: Option<String>,
    pub printer_status: Option<PrinterStatus>,
    /// The status bar's word on it.
    pub view: DeviceView,
    /// Set when the port came back: the device should be asked how it is.
    pub recheck: bool,
}

pub type SharedHealth = Arc<Mutex<Health>>;

impl Health {
    pub fn new(role: &'static str, presence: Option<Presence>) -> Health {
        let noun = if role == "terminal" { "Card terminal" } else { "Printer" };
        let view = match presence {
            None => device("offline", &format!("{noun}: none set up")),
            Some(_) => device("unknown", &format!("{noun}: not checked yet")),
        };
        Health {
            role,
            presence,
            present: None,
            answered: None,
            last_answer_ms: None,
            last_response_ms: None,
            last_error: None,
            terminal_id: None,
            software_version: None,
            printer_status: None,
            view,
            recheck: false,
        }
    }

    pub fn shared(role: &'static str, presence: Option<Presence>) -> SharedHealth {
        Arc::new(Mutex::new(Health::new(role, presence)))
    }

    /// The device answered (in `took`); `view` is what the status bar should say now.
    pub fn answered(&mut self, at_ms: i64, took: Duration, view: DeviceView) {
        self.answered = Some(true);
        self.last_answer_ms = Some(at_ms);
        self.last_response_ms = Some(u32::try_from(took.as_millis()).unwrap_or(u32::MAX));
        if self.present != Some(false) {
            self.view = view;
        }
    }

    /// The device was heard from (a payment went through) without a response time to keep.
    pub fn heard(&mut self, at_ms: i64, view: DeviceView) {
        self.answered = Some(true);
        self.last_answer_ms = Some(at_ms);
        if self.present != Some(false) {
            self.view = view;
        }
    }

    /// The device did not answer, or answered with an error.
    pub fn failed(&mut self, error: &str, view: DeviceView) {
        self.answered = Some(false);
        self.last_error = Some(error.to_string());
        if self.present != Some(false) {
            self.view = view;
        }
    }

    /// Connected: its port is there (or cannot be looked for) and it answered last time.
    pub fn connected(&self) -> bool {
        self.presence.is_some() && self.present != Some(false) && self.answered == Some(true)
    }

    /// Looks for the device's port; true when that changed what is known.
    pub fn look(&mut self) -> bool {
        let Some(presence) = &self.presence else { return false };
        let now = presence.check();
        if now == self.present {
            return false;
        }
        let noun = if self.role == "terminal" { "Card terminal" } else { "Printer" };
        match now {
            Some(false) => {
                let message = format!("{noun}: disconnected ({} is gone) — check the cable", presence.describe());
                self.last_error = Some(message.clone());
                self.view = device("offline", &message);
            }
            Some(true) if self.present == Some(false) => {
                self.view = device("unknown", &format!("{noun}: connected again, checking"));
                self.recheck = true;
            }
            _ => {}
        }
        self.present = now;
        true
    }
}

/// Looks for every device's port every [`WATCH_EVERY`]; `on_change` hears of each change (a
/// pulled cable, a device back): the device's role, and whether it came back.
pub async fn watch(devices: Vec<SharedHealth>, on_change: impl Fn(&'static str, bool) + Send + 'static) {
    loop {
        for health in &devices {
            let (changed, role, back) = {
                let mut h = health.lock().unwrap_or_else(|p| p.into_inner());
                let was = h.present;
                let changed = h.look();
                (changed, h.role, was == Some(false) && h.present == Some(true))
            };
            if changed {
                on_change(role, back);
            }
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_that_goes_away_shows_disconnected_and_coming_back_asks_for_a_check() {
        let dir = tempfile::tempdir().expect("dir");
        let port = dir.path().join("ttyFAKE");
        std::fs::write(&port, b"").expect("port");
        let mut h = Health::new("terminal", Some(Presence::Path(port.clone())));
        assert!(h.look(), "the first look is news");
        h.answered(1, Duration::from_millis(12), device("ok", "Card terminal ready"));
        assert!(h.connected());
        assert!(!h.look(), "nothing changed");

        std::fs::remove_file(&port).expect("pull the cable");
        assert!(h.look());
        assert!(!h.connected());
        assert_eq!(h.view.state, "offline");
        assert!(h.view.message.contains("disconnected"), "{}", h.view.message);
        // An answer from before (a late one) does not paint it ready while the port is gone.
        h.answered(2, Duration::from_millis(5), device("ok", "Card terminal ready"));
        assert_eq!(h.view.state, "offline");

        std::fs::write(&port, b"").expect("plug it back");
        assert!(h.look());
        assert!(h.recheck, "a device that came back is asked again");
        assert_eq!(h.view.state, "unknown");
        h.recheck = false;
        h.answered(3, Duration::from_millis(9), device("ok", "Card terminal ready"));
        assert!(h.connected());
        assert_eq!(h.view.state, "ok");
        assert_eq!(h.last_response_ms, Some(9));
    }

    #[test]
    fn a_dangling_symlink_is_a_device_that_is_gone() {
        let dir = tempfile::tempdir().expect("dir");
        let link = dir.path().join("zvt");
        std::os::unix::fs::symlink(dir.path().join("pts-gone"), &link).expect("link");
        assert_eq!(Presence::Path(link).check(), Some(false));
    }

    #[test]
    fn usb_devices_are_found_by_their_ids_in_sysfs() {
        let dir = tempfile::tempdir().expect("dir");
        let dev = dir.path().join("1-1");
        std::fs::create_dir(&dev).expect("dev");
        std::fs::write(dev.join("idVendor"), "04b8\n").expect("vid");
        std::fs::write(dev.join("idProduct"), "0e15\n").expect("pid");
        assert!(usb_present(dir.path(), 0x04b8, 0x0e15));
        assert!(!usb_present(dir.path(), 0x04b8, 0x0e16));
        assert!(!usb_present(&dir.path().join("absent"), 0x04b8, 0x0e15));
    }

    #[test]
    fn network_devices_and_devices_not_set_up_are_never_looked_for() {
        let mut none = Health::new("printer", None);
        assert!(!none.look());
        assert_eq!(none.view.message, "Printer: none set up");
        assert!(!none.connected());
        let port = PrinterPort::Tcp { addr: "10.0.0.7:9100".into() };
        let mut tcp = Health::new("printer", Some(Presence::of_printer(&port)));
        assert!(!tcp.look());
        tcp.failed("refused", device("offline", "Printer: no connection"));
        assert!(!tcp.connected());
        assert_eq!(tcp.last_error.as_deref(), Some("refused"));
    }
}

//! What the technician screen is shown: the machine's serial ports, the devices as set up, how
//! each is doing, and what a test found. Exported to TypeScript like [`crate::view`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A serial port of this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SerialPortView {
    /// The device path to use (`/dev/ttyUSB0`).
    pub path: String,
    /// A name that survives re-plugging, when the system has one (`/dev/serial/by-id/…`).
    pub stable_path: Option<String>,
    /// "usb", "pci", "bluetooth" or "other".
    pub kind: String,
    /// USB vendor and product id as `vvvv:pppp` (hex), for USB adapters.
    pub usb_id: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial_number: Option<String>,
    /// One line with all of the above, for a list.
    pub description: String,
}

/// A device as set up for this register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeviceSettingView {
    /// "terminal" or "printer".
    pub role: String,
    /// Where it is: `serial:PATH[:BAUD]`, `tcp:HOST:PORT` (and for printers `usb:VID:PID`, `file:PATH`).
    pub place: String,
    /// "zvt" or "escpos".
    pub protocol: String,
    /// Printers: "58mm" or "80mm".
    pub paper: Option<String>,
    /// Terminals: whether the terminal's password is kept (it never leaves the till's store).
    pub password_kept: bool,
    /// When and by whom it was set ("2026-11-22 14:05", a member's name or "environment").
    pub changed_at: String,
    pub changed_by: String,
}

/// How a device is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeviceHealthView {
    /// "terminal" or "printer".
    pub role: String,
    pub set_up: bool,
    /// Whether it answered last time it was asked, and its port is there.
    pub connected: bool,
    /// "ok", "problem", "offline" or "unknown", with a sentence, as in the status bar.
    pub state: String,
    pub message: String,
    /// When it last answered, in the store's local time.
    pub last_answer_at: Option<String>,
    /// How long its last answer took, in milliseconds.
    pub last_response_ms: Option<u32>,
    pub last_error: Option<String>,
    /// Terminals: the terminal id (TID) and software version, as the terminal reported them.
    pub terminal_id: Option<String>,
    pub software_version: Option<String>,
    /// Printers: the status bits of the last status read ("paper near end", "cover open"…);
    /// empty when all is well.
    pub printer_flags: Vec<String>,
}

/// The technician screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeviceSetupView {
    pub ports: Vec<SerialPortView>,
    /// Why the ports could not be listed, if they could not.
    pub ports_error: Option<String>,
    pub terminal: Option<DeviceSettingView>,
    pub printer: Option<DeviceSettingView>,
    pub terminal_health: DeviceHealthView,
    pub printer_health: DeviceHealthView,
}

/// What a device test found: whether it passed, a sentence, and the details line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeviceTestView {
    pub ok: bool,
    pub message: String,
    pub details: Vec<String>,
    pub health: DeviceHealthView,
}

/// The till paired with the back end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PairedView {
    pub server_url: String,
    pub device_id: String,
    /// The register the back end knows this till as.
    pub register_name: String,
    /// Events waiting to be sent now that it is paired.
    pub waiting: u32,
}

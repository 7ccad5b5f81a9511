//! The technician's side of the till: which serial ports the machine has, where the card
//! terminal and the printer are, testing them, registering the terminal with its password, the
//! printer's test page and drawer, and how each device is doing. Every change of a device is
//! journaled in the store (`Store::set_device`); only the technician role (and admin) may make
//! one. The terminal's password is checked by the terminal before it is kept, and it is never
//! logged, journaled or shown.

use super::{PrinterSlot, Till, lock, record_printer, record_terminal};
use crate::AppError;
use crate::device_view::{
    DeviceHealthView, DeviceSettingView, DeviceSetupView, DeviceTestView, PairedView, SerialPortView,
};
use crate::health::{Health, Presence, SharedHealth};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::escpos::raster::Bitmap;
use ringup_devices::escpos::test_page::{TestPageInfo, test_page_job};
use ringup_devices::ports::{PortInfo, list_serial_ports};
use ringup_devices::printer::ReceiptPrinter;
use ringup_devices::zvt::client::ZvtConfig;
use ringup_domain::permission::Permission;
use ringup_store::{DeviceChange, DeviceRole, DeviceSetting};
use std::time::{Duration, Instant};

/// Who set a device given at start (environment or command line) in the journal.
pub const GIVEN_AT_START: &str = "environment";

/// How long a technician's terminal test may take: a diagnosis talks to the card host.
const TERMINAL_TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A technician's call to the terminal, given up after [`TERMINAL_TEST_TIMEOUT`].
async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, ringup_devices::card::CardError>>,
) -> Result<T, ringup_devices::card::CardError> {
    let limit = TERMINAL_TEST_TIMEOUT;
    tokio::time::timeout(limit, call)
        .await
        .unwrap_or(Err(ringup_devices::card::CardError::Timeout(u64::try_from(limit.as_millis()).unwrap_or(u64::MAX))))
}

/// The job number of test pages and drawer tests: apart from the print queue's numbers.
const TEST_JOB_NO: u32 = 0x5000_0000;

fn paper_name(paper: Paper) -> &'static str {
    match paper {
        Paper::Mm58 => "58mm",
        Paper::Mm80 => "80mm",
    }
}

/// Reads "58mm" or "80mm".
pub fn parse_paper(name: &str) -> Result<Paper, AppError> {
    match name {
        "58mm" | "58" => Ok(Paper::Mm58),
        "80mm" | "80" => Ok(Paper::Mm80),
        _ => Err(AppError::Input(format!("{name:?}: the paper is 58mm or 80mm"))),
    }
}

/// A ZVT password: the terminal's 6 digits.
fn parse_password(text: &str) -> Result<u32, AppError> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::Input("the terminal password is 6 digits".into()));
    }
    text.parse().map_err(|_| AppError::Input("the terminal password is 6 digits".into()))
}

fn options_of(paper: Paper) -> String {
    serde_json::json!({ "paper": paper_name(paper) }).to_string()
}

fn paper_of(setting: &DeviceSetting) -> Paper {
    serde_json::from_str::<serde_json::Value>(&setting.options)
        .ok()
        .and_then(|o| o.get("paper").and_then(|p| p.as_str()).and_then(|p| parse_paper(p).ok()))
        .unwrap_or(Paper::Mm80)
}

fn port_view(p: PortInfo) -> SerialPortView {
    SerialPortView {
        description: p.describe(),
        usb_id: p.vendor_id.zip(p.product_id).map(|(v, d)| format!("{v:04x}:{d:04x}")),
        kind: p.kind.name().into(),
        path: p.path,
        stable_path: p.stable_path,
        manufacturer: p.manufacturer,
        product: p.product,
        serial_number: p.serial_number,
    }
}

impl Till {
    /// Devices given at start (`TillConfig`): written to the store, journaled as set by
    /// [`GIVEN_AT_START`], when the register has no such device or has the one the environment
    /// gave before. A device a technician set stays: the environment does not undo their work
    /// (nor drop the terminal's password, nor the printer's paper) at every start.
    pub(super) fn adopt_given_devices(&self) -> Result<(), AppError> {
        let register = self.config.register_id.clone();
        if self.config.terminal.is_none() && self.config.printer.is_none() {
            return Ok(());
        }
        self.store.ensure_register(&register, &register)?;
        let terminal = self.config.terminal.as_ref().map(super::places::terminal_place);
        let printer = self.config.printer.as_ref().map(super::places::printer_place);
        let options = options_of(self.config.paper);
        let settings = self.store.device_settings(&register)?;
        for (role, place, protocol, options) in
            [(DeviceRole::Terminal, terminal, "zvt", "{}"), (DeviceRole::Printer, printer, "escpos", options.as_str())]
        {
            let Some(place) = place else { continue };
            let now = settings.iter().find(|s| s.role == role);
            if let Some(set) = now.filter(|s| s.changed_by != GIVEN_AT_START) {
                if set.place != place {
                    eprintln!(
                        "ringup: the {} given at start ({place}) is not used: a technician set {} (change it on the technician screen)",
                        role.name(),
                        set.place
                    );
                }
                continue;
            }
            self.store.set_device(&DeviceChange {
                register_id: &register,
                id: self.ids.new_id(),
                role,
                place: Some(&place),
                protocol,
                options,
                secret: None,
                by: GIVEN_AT_START,
                at_ms: self.clock.now_ms(),
            })?;
        }
        Ok(())
    }

    /// Sets the till up with the devices the store has for its register: the terminal with its
    /// password, the health records, the paper and logo. Returns the printer to put in the slot.
    pub(super) fn load_devices(&mut self) -> Result<Option<PrinterSlot>, AppError> {
        let register = self.config.register_id.clone();
        let settings = self.store.device_settings(&register)?;
        let find = |role| settings.iter().find(|s| s.role == role);
        let terminal = find(DeviceRole::Terminal)
            .map(|s| super::places::parse_terminal(&s.place).map_err(AppError::Input))
            .transpose()?;
        let printer = find(DeviceRole::Printer)
            .map(|s| super::places::parse_printer(&s.place).map(|p| (p, paper_of(s))).map_err(AppError::Input))
            .transpose()?;
        let password = match self.store.device_secret(&register, DeviceRole::Terminal)? {
            Some(p) => parse_password(&p)?,
            None => ZvtConfig::default().password,
        };
        self.terminal = terminal.clone().map(|port| port.terminal(ZvtConfig { password, ..ZvtConfig::default() }));
        renew_health(&self.terminal_health, "terminal", terminal.as_ref().map(Presence::of_terminal));
        self.config.terminal = terminal;
        let presence = printer.as_ref().map(|(port, _)| Presence::of_printer(port));
        renew_health(&self.printer_health, "printer", presence);
        if let Some((_, paper)) = &printer {
            self.config.paper = *paper;
        }
        self.logo =
            self.config.logo_png.as_deref().and_then(|png| Bitmap::from_png(png, self.config.paper.width_dots()).ok());
        self.config.printer = printer.as_ref().map(|(port, _)| port.clone());
        Ok(printer.map(|(port, paper)| PrinterSlot { driver: port.printer(), paper, logo: self.logo.clone() }))
    }

    /// The technician screen: the machine's serial ports, the devices as set up, their health.
    pub fn device_setup(&self) -> Result<DeviceSetupView, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let (ports, ports_error) = match list_serial_ports() {
            Ok(ports) => (ports.into_iter().map(port_view).collect(), None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let settings = self.store.device_settings(&self.config.register_id)?;
        let view = |role| settings.iter().find(|s| s.role == role).map(|s| self.setting_view(s));
        Ok(DeviceSetupView {
            ports,
            ports_error,
            terminal: view(DeviceRole::Terminal),
            printer: view(DeviceRole::Printer),
            terminal_health: self.health_view(&self.terminal_health),
            printer_health: self.health_view(&self.printer_health),
        })
    }

    fn setting_view(&self, s: &DeviceSetting) -> DeviceSettingView {
        DeviceSettingView {
            role: s.role.name().into(),
            place: s.place.clone(),
            protocol: s.protocol.clone(),
            paper: (s.role == DeviceRole::Printer).then(|| paper_name(paper_of(s)).to_string()),
            password_kept: s.has_secret,
            changed_at: self.clock.local_text(s.changed_at_ms),
            changed_by: s.changed_by.clone(),
        }
    }

    fn health_view(&self, health: &SharedHealth) -> DeviceHealthView {
        let h = lock(health);
        let flags = h.printer_status.map(|s| s.flags().into_iter().map(str::to_string).collect()).unwrap_or_default();
        DeviceHealthView {
            role: h.role.into(),
            set_up: h.presence.is_some(),
            connected: h.connected(),
            state: h.view.state.clone(),
            message: h.view.message.clone(),
            last_answer_at: h.last_answer_ms.map(|ms| self.clock.local_text(ms)),
            last_response_ms: h.last_response_ms,
            last_error: h.last_error.clone(),
            terminal_id: h.terminal_id.clone(),
            software_version: h.software_version.clone(),
            printer_flags: flags,
        }
    }

    fn change_device(
        &self,
        role: DeviceRole,
        place: Option<&str>,
        options: &str,
        secret: Option<&str>,
    ) -> Result<(), AppError> {
        let me = self
            .authorise(Permission::PairDevices, None)
            .and_then(|_| self.staff.as_ref().map(|s| s.id.clone()).ok_or(AppError::NotSignedIn))?;
        let protocol = if role == DeviceRole::Terminal { "zvt" } else { "escpos" };
        self.store.set_device(&DeviceChange {
            register_id: &self.config.register_id,
            id: self.ids.new_id(),
            role,
            place,
            protocol,
            options,
            secret,
            by: &me,
            at_ms: self.clock.now_ms(),
        })?;
        Ok(())
    }

    /// Points the till at a card terminal (`serial:PATH[:BAUD]` or `tcp:HOST:PORT`), or at none.
    /// The place is checked before anything is written.
    pub async fn set_terminal(&mut self, place: Option<&str>) -> Result<DeviceSetupView, AppError> {
        // Written back in one form, so the same terminal typed another way (without the
        // default baud) is still the same terminal, with its password.
        let place = place
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| super::places::parse_terminal(p).map(|port| super::places::terminal_place(&port)))
            .transpose()
            .map_err(AppError::Input)?;
        self.change_device(DeviceRole::Terminal, place.as_deref(), "{}", None)?;
        self.reload_devices().await?;
        self.device_setup()
    }

    /// Points the till at a printer (`serial:PATH[:BAUD]`, `tcp:HOST:PORT`, `usb:VID:PID` or
    /// `file:PATH`) with its paper, or at none. Receipts waiting print on the new one.
    pub async fn set_printer(&mut self, place: Option<&str>, paper: &str) -> Result<DeviceSetupView, AppError> {
        let place = place
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| super::places::parse_printer(p).map(|port| super::places::printer_place(&port)))
            .transpose()
            .map_err(AppError::Input)?;
        let paper = parse_paper(paper)?;
        self.change_device(DeviceRole::Printer, place.as_deref(), &options_of(paper), None)?;
        self.reload_devices().await?;
        self.device_setup()
    }

    /// Takes the devices from the store again. The printer is replaced only when its setting
    /// changed: a terminal change does not wait for a receipt being printed.
    async fn reload_devices(&mut self) -> Result<(), AppError> {
        let before = (self.config.printer.clone(), self.config.paper);
        let fresh = self.load_devices()?;
        if (self.config.printer.clone(), self.config.paper) != before {
            let printer = self.printer.clone();
            *printer.lock().await = fresh;
            self.print_wake.notify_one();
        }
        Ok(())
    }

    /// Asks the card terminal how it is (status enquiry), then has it check itself and its
    /// line to the card host (diagnosis).
    pub async fn test_terminal(&mut self) -> Result<DeviceTestView, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let terminal = self.terminal.as_mut().ok_or(AppError::NoDevice("card terminal"))?;
        let started = Instant::now();
        let status = bounded(ringup_devices::card::CardTerminal::status(terminal)).await;
        record_terminal(&self.terminal_health, self.clock.now_ms(), started.elapsed(), &status);
        let mut details = vec![match &status {
            Ok(s) => format!("Status enquiry: {} ({} ms)", s.text, started.elapsed().as_millis()),
            Err(e) => format!("Status enquiry: {e}"),
        }];
        let mut ok = status.as_ref().is_ok_and(|s| s.ready);
        if status.is_ok() {
            let started = Instant::now();
            let diagnosis = bounded(terminal.diagnosis()).await;
            details.push(match &diagnosis {
                Ok(s) => format!("Diagnosis: {} ({} ms)", s.text, started.elapsed().as_millis()),
                Err(e) => format!("Diagnosis: {e}"),
            });
            ok &= diagnosis.as_ref().is_ok_and(|s| s.ready);
            record_terminal(&self.terminal_health, self.clock.now_ms(), started.elapsed(), &diagnosis);
        }
        let health = self.health_view(&self.terminal_health);
        if let Some(tid) = &health.terminal_id {
            details.push(format!("Terminal id {tid}"));
        }
        if let Some(version) = &health.software_version {
            details.push(format!("Software {version}"));
        }
        let message = if ok { "The card terminal answered and is ready".to_string() } else { health.message.clone() };
        Ok(DeviceTestView { ok, message, details, health })
    }

    /// Registers the till at the card terminal (ZVT 06 00) with the terminal's password. The
    /// password is kept for the commands that need it (refunds, reversals, end of day) only
    /// when the terminal took it. It is never logged.
    pub async fn register_terminal(&mut self, password: &str) -> Result<DeviceTestView, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let number = parse_password(password)?;
        let port = self.config.terminal.clone().ok_or(AppError::NoDevice("card terminal"))?;
        let mut trial = port.clone().terminal(ZvtConfig { password: number, ..ZvtConfig::default() });
        let started = Instant::now();
        let registered = bounded(trial.register()).await;
        record_terminal(&self.terminal_health, self.clock.now_ms(), started.elapsed(), &registered);
        let ok = registered.as_ref().is_ok_and(|s| s.ready);
        let mut details = vec![match &registered {
            Ok(s) => format!("Registration: {} ({} ms)", s.text, started.elapsed().as_millis()),
            Err(e) => format!("Registration: {e}"),
        }];
        if ok {
            let place = super::places::terminal_place(&port);
            self.change_device(DeviceRole::Terminal, Some(&place), "{}", Some(password))?;
            self.reload_devices().await?;
            details.push("The password is kept for refunds and the end of day".into());
        }
        let health = self.health_view(&self.terminal_health);
        if let Some(tid) = &health.terminal_id {
            details.push(format!("Terminal id {tid}"));
        }
        let message = match &registered {
            Ok(_) if ok => "The card terminal registered this till".to_string(),
            Ok(s) => format!("The card terminal refused: {}", s.text),
            Err(e) => format!("Card terminal: {e}"),
        };
        Ok(DeviceTestView { ok, message, details, health })
    }

    /// Pairs this till's store with the back end by the one-time code the back end's admin
    /// made (as `ringup pair`). The sync task starts sending on its own once it is paired.
    /// `ca_pem` is the back end's own certificate, for a store server with a self-signed one.
    pub async fn pair_backend(
        &mut self,
        server_url: &str,
        code: &str,
        ca_pem: Option<&str>,
    ) -> Result<PairedView, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let (url, code) = (server_url.trim(), code.trim());
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::Input(format!("{url:?}: the back end's address starts with https:// or http://")));
        }
        if code.is_empty() {
            return Err(AppError::Input("type the pairing code the back end shows".into()));
        }
        let ca = ca_pem.map(str::trim).filter(|c| !c.is_empty());
        let name = format!("Register {}", self.config.register_id);
        let paired = ringup_sync::pair_trusting(&self.store, url, ca, code, Some(&name), self.clock.now_ms())
            .await
            .map_err(|e| AppError::Backend(e.to_string()))?;
        Ok(PairedView {
            server_url: paired.server_url,
            device_id: paired.device_id.to_string(),
            register_name: paired.register_name,
            waiting: u32::try_from(self.store.outbox_pending()?).unwrap_or(u32::MAX),
        })
    }

    /// Asks the printer how it is now (its status bits), without printing anything.
    pub async fn test_printer(&mut self) -> Result<DeviceTestView, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let printer = self.printer.clone();
        let mut slot = printer.lock().await;
        let slot = slot.as_mut().ok_or(AppError::NoDevice("receipt printer"))?;
        let started = Instant::now();
        let asked = crate::printing::read_state(&mut slot.driver).await;
        let took = started.elapsed();
        let (ok, message, details) = match &asked {
            Ok(Some(s)) => match s.problem() {
                Some(problem) => (false, problem.to_string(), vec![format!("Status: {}", s.flags().join(", "))]),
                None => {
                    (true, "The printer answered and is ready".to_string(), vec![format!("{} ms", took.as_millis())])
                }
            },
            Ok(None) => (true, "This connection cannot read the printer's state".to_string(), Vec::new()),
            Err(e) => (false, e.clone(), Vec::new()),
        };
        record_printer(&self.printer_health, self.clock.now_ms(), took, asked);
        Ok(DeviceTestView { ok, message, details, health: self.health_view(&self.printer_health) })
    }

    /// Prints the test page (every style, the code page, a ruler, a QR code and a barcode).
    pub async fn print_test_page(&mut self) -> Result<DeviceTestView, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let place = self.config.printer.as_ref().map(super::places::printer_place).unwrap_or_default();
        let info = TestPageInfo {
            register_id: self.config.register_id.clone(),
            place,
            printed_at: self.clock.local_text(self.clock.now_ms()),
        };
        let printer = self.printer.clone();
        let mut slot = printer.lock().await;
        let slot = slot.as_mut().ok_or(AppError::NoDevice("receipt printer"))?;
        let job = test_page_job(&info, slot.paper)
            .map_err(|e| AppError::Printer(ringup_devices::printer::PrinterError::Job(e.to_string())))?;
        let started = Instant::now();
        let printed = slot.driver.print(&job, TEST_JOB_NO).await;
        let took = started.elapsed();
        let (ok, message, details) = match &printed {
            Ok(p) => {
                let confirmed = p.status_after.is_some();
                record_printer(&self.printer_health, self.clock.now_ms(), took, Ok(p.status_after));
                let message = if confirmed {
                    "The printer printed the test page and confirmed it"
                } else {
                    "The test page was sent (this connection cannot confirm it)"
                };
                (true, message.to_string(), vec![format!("{} bytes in {} ms", p.bytes_sent, took.as_millis())])
            }
            Err(e) => {
                record_printer(&self.printer_health, self.clock.now_ms(), took, Err(e.to_string()));
                (false, e.to_string(), Vec::new())
            }
        };
        Ok(DeviceTestView { ok, message, details, health: self.health_view(&self.printer_health) })
    }

    /// Opens the cash drawer through the printer, to check its cable, and reads its switch.
    pub async fn test_drawer(&mut self) -> Result<DeviceTestView, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let printer = self.printer.clone();
        let mut slot = printer.lock().await;
        let slot = slot.as_mut().ok_or(AppError::NoDevice("receipt printer"))?;
        let started = Instant::now();
        let kicked = crate::printing::open_drawer(&mut slot.driver).await;
        let took = started.elapsed();
        let (ok, message) = match &kicked {
            Ok(Some(s)) if s.drawer_open => (true, "The drawer opened".to_string()),
            Ok(Some(_)) => (false, "The pulse was sent but the drawer reports closed: check its cable".to_string()),
            Ok(None) => (true, "The pulse was sent (this connection cannot read the drawer)".to_string()),
            Err(e) => (false, e.to_string()),
        };
        record_printer(&self.printer_health, self.clock.now_ms(), took, kicked.map_err(|e| e.to_string()));
        Ok(DeviceTestView { ok, message, details: Vec::new(), health: self.health_view(&self.printer_health) })
    }
}

/// A device at another place (or none) starts with a fresh health record; one that stays where
/// it was keeps what is known of it.
fn renew_health(shared: &SharedHealth, role: &'static str, presence: Option<Presence>) {
    let mut health = lock(shared);
    if health.presence != presence {
        *health = Health::new(role, presence);
    }
}

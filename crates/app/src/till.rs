//! The till: everything one running terminal app holds — the store, the signed-in member of
//! staff and their register, the card terminal and the printer — behind the calls the UI
//! makes. The Tauri shell's commands are one-liners into these methods; they return views
//! (`crate::view`) and errors as `ErrorView`.
//!
//! Nothing here waits on the printer: a completed sale's receipt is in the store's queue, and
//! the print worker (`spawn_printing`) prints it whenever the printer can.

use crate::health::{Health, SharedHealth};
use crate::printing::{self, PrintWorker};
use crate::view::{
    CardEventView, CardResultView, CartView, CompletedView, DeviceView, QuickKeyView, SearchHitView, SessionView,
    StatusView,
};
use crate::{AppError, CardPayment, Clock, IdGen, Register};
use base64::Engine;
use ringup_devices::card::{CardEvent, EVENT_CAPACITY};
use ringup_devices::escpos::driver::EscPosPrinter;
use ringup_devices::escpos::layout::Paper;
use ringup_devices::escpos::raster::Bitmap;
use ringup_devices::escpos::transport::{PortConnect, PrinterPort};
use ringup_devices::printer::PrinterStatus;
use ringup_devices::zvt::client::{ZvtPort, ZvtTerminal};
use ringup_domain::permission::Permission;
use ringup_store::{Staff, Store};
use std::sync::Arc;
use tokio::sync::Mutex;

mod actions;
mod day;
mod devices;
mod diagnostics;
mod places;
mod returns;

pub use devices::{GIVEN_AT_START, parse_paper};
pub use places::{parse_printer, parse_terminal, printer_place, terminal_place};

/// How the till is set up: where its devices are.
#[derive(Debug, Clone)]
pub struct TillConfig {
    pub register_id: String,
    pub terminal: Option<ZvtPort>,
    pub printer: Option<PrinterPort>,
    pub paper: Paper,
    /// The receipt logo (PNG), if the store has one.
    pub logo_png: Option<Vec<u8>>,
}

/// The printer as set up now, with the paper it has and the logo laid out for that paper.
pub struct PrinterSlot {
    pub driver: EscPosPrinter<PortConnect>,
    pub paper: Paper,
    pub logo: Option<Bitmap>,
}

/// The printer, shared by the print worker, drawer kicks and the technician's tests; `None`
/// while no printer is set up. A technician's change replaces what is inside.
pub type SharedPrinter = Arc<Mutex<Option<PrinterSlot>>>;

pub struct Till {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    config: TillConfig,
    logo: Option<Bitmap>,
    register: Option<Register>,
    session: Option<SessionView>,
    /// Who is signed in.
    staff: Option<Staff>,
    terminal: Option<ZvtTerminal<ZvtPort>>,
    printer: SharedPrinter,
    /// Woken when a receipt was queued (or the printer changed, or came back).
    print_wake: Arc<tokio::sync::Notify>,
    /// How the printer and the card terminal are doing (status bar, technician screen).
    printer_health: SharedHealth,
    terminal_health: SharedHealth,
    /// Where pushing to the back end stands (the sync task writes it).
    sync: ringup_sync::SharedStatus,
}

/// A status-bar word on a device: its state and a sentence.
pub(crate) fn device(state: &str, message: &str) -> DeviceView {
    DeviceView { state: state.into(), message: message.into() }
}

/// The status bar's word on the back end.
pub fn backend_view(s: &ringup_sync::SyncStatus) -> DeviceView {
    let waiting = match s.queued {
        0 => String::new(),
        1 => ", 1 event waiting to be sent".to_string(),
        n => format!(", {n} events waiting to be sent"),
    };
    if s.unpaired {
        device("problem", "Back end: this till was unpaired; pair it again")
    } else if !s.paired {
        device("offline", "Back end: not paired")
    } else if let Some(percent) = s.pull_percent() {
        device("unknown", &format!("Back end: receiving the catalog, {percent} % done{waiting}"))
    } else if s.online {
        device("ok", &format!("Back end online{waiting}"))
    } else {
        match &s.last_error {
            Some(e) => device("offline", &format!("Back end offline{waiting}: {e}")),
            None => device("unknown", "Back end: connecting"),
        }
    }
}

/// The status bar's word on a printer state.
pub fn printer_view(status: Result<Option<PrinterStatus>, String>) -> DeviceView {
    match status {
        Ok(Some(s)) => match s.problem() {
            Some(problem) => device("problem", problem),
            None if s.paper_near_end => device("ok", "Printer: paper running low"),
            None => device("ok", "Printer ready"),
        },
        Ok(None) => device("unknown", "Printer: state cannot be read"),
        Err(e) => device("offline", &e),
    }
}

impl Till {
    /// A till on `store`. Devices given in `config` (from the environment or the command line)
    /// are written to the store's device settings first, journaled like a technician's change;
    /// the till then uses the devices the store has for its register.
    pub fn new(
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGen>,
        config: TillConfig,
    ) -> Result<Till, AppError> {
        let mut till = Till {
            store,
            clock,
            ids,
            config,
            logo: None,
            register: None,
            session: None,
            staff: None,
            terminal: None,
            printer: Arc::new(Mutex::new(None)),
            print_wake: Arc::new(tokio::sync::Notify::new()),
            printer_health: Health::shared("printer", None),
            terminal_health: Health::shared("terminal", None),
            sync: ringup_sync::SharedStatus::default(),
        };
        till.adopt_given_devices()?;
        let printer = till.load_devices()?;
        *till.printer.try_lock().map_err(|_| AppError::Input("the printer is busy".into()))? = printer;
        Ok(till)
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    fn register(&mut self) -> Result<&mut Register, AppError> {
        self.register.as_mut().ok_or(AppError::NotSignedIn)
    }

    fn cart_view(&self) -> Result<CartView, AppError> {
        CartView::of(self.register.as_ref().and_then(|r| r.sale()))
    }

    /// Signs in by PIN. Card payments an earlier run left open (a crash mid-payment) are
    /// settled with the terminal first, so nobody is charged twice; a terminal that cannot be
    /// reached then does not keep the cashier out: the questions stay open and block new card
    /// payments until answered.
    pub async fn login(&mut self, pin: &str) -> Result<SessionView, AppError> {
        let session = self.sign_in(pin)?;
        if let (Some(terminal), Some(register)) = (self.terminal.as_mut(), self.register.as_mut()) {
            let (events, _shown_nowhere) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
            if let Err(e) = register.recover_card_attempts(terminal, &events).await {
                eprintln!("ringup: open card payments could not be settled yet: {e}");
            }
        }
        Ok(session)
    }

    fn sign_in(&mut self, pin: &str) -> Result<SessionView, AppError> {
        // Signing in again over a sale in progress would drop it (and any card already paid).
        if self.register.as_ref().and_then(|r| r.sale()).is_some() {
            return Err(AppError::SaleInProgress);
        }
        let staff = self.pin_holder(pin)?;
        let mut register = Register::open(
            self.store.clone(),
            &self.config.register_id,
            &staff.name,
            self.clock.clone(),
            self.ids.clone(),
        )?;
        // A sale brought back after a crash gets the card payments approved for it.
        register.take_approved_card_payments()?;
        let settings = self.store.settings()?;
        let session = SessionView {
            register_id: self.config.register_id.clone(),
            staff_name: staff.name.clone(),
            role: staff.role.name().into(),
            store_name: settings.header.name.clone(),
            currency: settings.currency.code().into(),
            currency_exponent: u32::from(settings.currency.minor_digits()),
            locale: settings.locale.clone(),
            permissions: staff.role.permissions().iter().map(|p| p.name().to_string()).collect(),
            discount_limit_bp: settings.discount_limit_bp,
        };
        self.register = Some(register);
        self.session = Some(session.clone());
        self.staff = Some(staff);
        Ok(session)
    }

    pub fn logout(&mut self) -> Result<(), AppError> {
        if self.register.as_ref().and_then(|r| r.sale()).is_some() {
            return Err(AppError::SaleInProgress);
        }
        self.register = None;
        self.session = None;
        self.staff = None;
        Ok(())
    }

    pub fn cart(&self) -> Result<CartView, AppError> {
        self.cart_view()
    }

    pub fn scan(&mut self, code: &str) -> Result<CartView, AppError> {
        self.register()?.scan(code)?;
        self.cart_view()
    }

    pub fn search(&self, query: &str) -> Result<Vec<SearchHitView>, AppError> {
        let hits = self.store.search(query, 20)?;
        Ok(hits
            .into_iter()
            .map(|h| SearchHitView { sku: h.sku, name: h.name, price_minor: h.price_minor, stock_milli: h.stock_milli })
            .collect())
    }

    pub fn add_sku(&mut self, sku: &str, quantity_milli: i64) -> Result<CartView, AppError> {
        self.register()?.add_sku(sku, quantity_milli)?;
        self.cart_view()
    }

    pub fn set_quantity(&mut self, line_no: u32, quantity_milli: i64) -> Result<CartView, AppError> {
        self.register()?.set_quantity(line_no, quantity_milli)?;
        self.cart_view()
    }

    pub fn remove_line(&mut self, line_no: u32) -> Result<CartView, AppError> {
        self.authorise(Permission::VoidLine, None)?;
        self.register()?.void_line(line_no)?;
        self.cart_view()
    }

    /// The favourites: the first products of the catalog's quick-key list (today the first
    /// items of the catalog by SKU, until quick keys are configurable).
    pub fn quick_keys(&self) -> Result<Vec<QuickKeyView>, AppError> {
        Ok(self.store.quick_keys(12)?.into_iter().map(|(sku, label)| QuickKeyView { sku, label }).collect())
    }

    pub fn begin_tender(&mut self) -> Result<CartView, AppError> {
        self.register()?.begin_tender()?;
        self.cart_view()
    }

    pub fn cancel_tender(&mut self) -> Result<CartView, AppError> {
        self.register()?.back_to_cart()?;
        self.cart_view()
    }

    pub fn pay_cash(&mut self, tendered_minor: i64) -> Result<CartView, AppError> {
        self.register()?.pay_cash(tendered_minor)?;
        self.cart_view()
    }

    /// Takes `amount_minor` by card; the terminal's messages go to `on_event` as they come.
    pub async fn pay_card(
        &mut self,
        amount_minor: i64,
        on_event: impl Fn(CardEventView) + Send + 'static,
    ) -> Result<CardResultView, AppError> {
        let (events, mut shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
        let forward = tokio::spawn(async move {
            while let Some(CardEvent::Display(text)) = shown.recv().await {
                on_event(CardEventView { text });
            }
        });
        let terminal = self.terminal.as_mut().ok_or(AppError::NoDevice("card terminal"))?;
        let register = self.register.as_mut().ok_or(AppError::NotSignedIn)?;
        // A payment whose outcome was lost is settled with the terminal before anyone is
        // asked to pay again; if it went through after all, it pays for this sale.
        if !self.store.unresolved_attempts_of(&self.config.register_id)?.is_empty() {
            let settled = register.recover_card_attempts(terminal, &events).await?;
            let owed = register.sale().map(|s| s.remaining_minor()).transpose()?.unwrap_or(0);
            if !settled.approved.is_empty() && amount_minor > owed {
                drop(events);
                let _all_shown = forward.await;
                let message = "An earlier card payment went through after all; it has been counted".to_string();
                return Ok(CardResultView { approved: true, message, cart: self.cart_view()? });
            }
        }
        let paid = register.pay_card(terminal, amount_minor, &events).await;
        drop(events);
        let _all_shown = forward.await;
        let paid = paid?;
        // Whatever the card did, the terminal answered: it is there.
        if !matches!(paid, CardPayment::Unknown { .. } | CardPayment::Aborted { .. }) {
            let now = self.clock.now_ms();
            // A payment's time is the customer's, not the terminal's: no response time here.
            lock(&self.terminal_health).heard(now, device("ok", "Card terminal ready"));
        }
        let (approved, message) = match paid {
            CardPayment::Approved { .. } => (true, "Approved".to_string()),
            // The terminal's reason usually says "Declined (…)" itself.
            CardPayment::Declined { reason } if reason.starts_with("Declined") => (false, reason),
            CardPayment::Declined { reason } => (false, format!("Declined: {reason}")),
            CardPayment::Aborted { reason } => (false, format!("Cancelled: {reason}")),
            CardPayment::Unknown { reason, .. } => {
                (false, format!("The terminal did not answer ({reason}); it will be asked again before anything else"))
            }
        };
        Ok(CardResultView { approved, message, cart: self.cart_view()? })
    }

    /// Completes the paid sale: committed, its receipt queued (and the print worker woken),
    /// the drawer kicked for cash. The preview is what the printer will print.
    pub async fn complete(&mut self) -> Result<CompletedView, AppError> {
        let done = self.register()?.complete()?;
        self.print_wake.notify_one();
        if printing::takes_cash(&done.receipt) {
            self.kick_drawer();
        }
        // The sale is committed: a preview that cannot be drawn must not turn that into an
        // error the cashier would retry (the text is still shown).
        let png = printing::preview_png(&done.receipt, self.config.paper, self.logo.as_ref()).unwrap_or_default();
        Ok(CompletedView {
            receipt_no: done.committed.receipt_no,
            total_minor: done.receipt.total_minor,
            change_minor: done.receipt.change_minor,
            receipt_png_base64: base64::engine::general_purpose::STANDARD.encode(png),
            receipt_text: done.receipt.render_text(self.config.paper.columns()),
        })
    }

    /// Opens the cash drawer as soon as the printer is free (it may be printing the queue);
    /// the till is not held meanwhile.
    fn kick_drawer(&self) {
        let (printer, health, clock) = (self.printer.clone(), self.printer_health.clone(), self.clock.clone());
        tokio::spawn(async move {
            let mut slot = printer.lock().await;
            let Some(slot) = slot.as_mut() else { return };
            let started = std::time::Instant::now();
            let kicked = printing::open_drawer(&mut slot.driver).await;
            record_printer(&health, clock.now_ms(), started.elapsed(), kicked.map_err(|e| e.to_string()));
        });
    }

    /// Asks the card terminal how it is (ZVT status enquiry), for the status bar. Called every
    /// half minute while nothing else uses the terminal; a payment's outcome updates it too.
    pub async fn check_terminal(&mut self) {
        let Some(terminal) = self.terminal.as_mut() else { return };
        let came_back = std::mem::take(&mut lock(&self.terminal_health).recheck);
        let mut started = std::time::Instant::now();
        let ask = async |terminal: &mut ZvtTerminal<ZvtPort>| {
            tokio::time::timeout(TERMINAL_CHECK_TIMEOUT, ringup_devices::card::CardTerminal::status(terminal))
                .await
                .unwrap_or(Err(ringup_devices::card::CardError::Timeout(5_000)))
        };
        let mut asked = ask(terminal).await;
        if came_back && asked.is_err() {
            // The line to the terminal before it went away failed and was dropped; the one to
            // the terminal that came back opens now.
            started = std::time::Instant::now();
            asked = ask(terminal).await;
        }
        record_terminal(&self.terminal_health, self.clock.now_ms(), started.elapsed(), &asked);
    }

    /// Whether the card terminal should be asked how it is now (its port came back).
    pub fn terminal_needs_check(&self) -> bool {
        lock(&self.terminal_health).recheck
    }

    /// The status bar now.
    pub fn status(&self) -> Result<StatusView, AppError> {
        let printer = lock(&self.printer_health).view.clone();
        let terminal = lock(&self.terminal_health).view.clone();
        let to_print = self.store.print_queue(&self.config.register_id)?.len();
        Ok(StatusView {
            printer,
            terminal,
            backend: backend_view(&self.sync.lock().unwrap_or_else(|p| p.into_inner())),
            to_sync: u32::try_from(self.store.outbox_pending()?).unwrap_or(u32::MAX),
            to_print: u32::try_from(to_print).unwrap_or(u32::MAX),
        })
    }

    /// The sync task, to spawn on the app's runtime: pushes the outbox to the back end the
    /// store is paired with (`ringup pair`), whenever there is something to push, and keeps the
    /// status bar's back-end slot up to date. Idle while the store is not paired.
    pub fn sync_task(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let clock = self.clock.clone();
        ringup_sync::run(self.store.clone(), self.sync.clone(), SYNC_IDLE, move || clock.now_ms())
    }

    /// The print worker for this till's register, to spawn on the app's runtime: it prints
    /// the queue now, whenever a sale completes, and retries every few seconds while the
    /// printer has a problem. With nothing to print it asks the printer how it is, so the
    /// status bar never calls a printer ready that it did not hear from. Each run's outcome
    /// updates the printer's health; `on_status` hears of it. While no printer is set up it
    /// waits to be woken.
    pub fn printing_task(
        &self,
        on_status: impl Fn() + Send + 'static,
    ) -> Result<impl std::future::Future<Output = ()> + Send + 'static, AppError> {
        let mut worker = PrintWorker::start(
            self.store.clone(),
            self.clock.clone(),
            &self.config.register_id,
            self.config.paper,
            self.logo.clone(),
        )?;
        let (printer, wake) = (self.printer.clone(), self.print_wake.clone());
        let (health, clock) = (self.printer_health.clone(), self.clock.clone());
        Ok(async move {
            loop {
                let retry = {
                    let mut slot = printer.lock().await;
                    match slot.as_mut() {
                        None => false,
                        Some(slot) => {
                            // A printer that came back is asked here: that is its check.
                            lock(&health).recheck = false;
                            worker.set_layout(slot.paper, slot.logo.clone());
                            let started = std::time::Instant::now();
                            let run = worker.run_once(&mut slot.driver).await;
                            let took = started.elapsed();
                            match &run {
                                Ok(r) => match &r.problem {
                                    Some(e) => record_printer_error(&health, e),
                                    None if r.printed > 0 => {
                                        let status = r.last_status.or(Some(PrinterStatus::default()));
                                        record_printer(&health, clock.now_ms(), took, Ok(status));
                                    }
                                    None => {
                                        let asked = printing::read_state(&mut slot.driver).await;
                                        record_printer(&health, clock.now_ms(), started.elapsed(), asked);
                                    }
                                },
                                Err(e) => {
                                    lock(&health).failed(&e.to_string(), device("problem", &e.to_string()));
                                }
                            }
                            // A problem, or a printer that did not answer: try again soon.
                            !matches!(&run, Ok(r) if r.problem.is_none()) || lock(&health).answered == Some(false)
                        }
                    }
                };
                on_status();
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(PRINT_RETRY), if retry => {}
                    _ = tokio::time::sleep(PRINTER_CHECK_EVERY) => {}
                }
            }
        })
    }

    /// Looks for the devices' ports every quarter second (a pulled cable shows as disconnected
    /// at once); a printer that comes back is woken up, a terminal is marked to be asked
    /// (`terminal_needs_check`). `on_change` hears of every change (the device's role, and
    /// whether it came back), for the status bar and to ask the terminal.
    pub fn device_watch_task(
        &self,
        on_change: impl Fn(&'static str, bool) + Send + 'static,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let wake = self.print_wake.clone();
        let devices = vec![self.printer_health.clone(), self.terminal_health.clone()];
        crate::health::watch(devices, move |role, back| {
            if role == "printer" && back {
                wake.notify_one();
            }
            on_change(role, back);
        })
    }
}

pub(crate) fn lock(health: &SharedHealth) -> std::sync::MutexGuard<'_, Health> {
    health.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a printer's answer (or its silence) means for its health.
pub(crate) fn record_printer(
    health: &SharedHealth,
    now_ms: i64,
    took: std::time::Duration,
    asked: Result<Option<PrinterStatus>, String>,
) {
    let mut h = lock(health);
    match asked {
        Ok(status) => {
            h.printer_status = status;
            h.answered(now_ms, took, printer_view(Ok(status)));
        }
        Err(e) => h.failed(&e, printer_view(Err(e.clone()))),
    }
}

fn record_printer_error(health: &SharedHealth, e: &ringup_devices::printer::PrinterError) {
    let mut h = lock(health);
    if let Some(status) = e.status() {
        h.printer_status = Some(status);
    }
    let state = if e.status().is_some() { "problem" } else { "offline" };
    h.failed(&e.to_string(), device(state, &e.to_string()));
}

/// What a terminal's answer (or its silence) means for its health.
pub(crate) fn record_terminal(
    health: &SharedHealth,
    now_ms: i64,
    took: std::time::Duration,
    asked: &Result<ringup_devices::card::TerminalStatus, ringup_devices::card::CardError>,
) {
    let mut h = lock(health);
    match asked {
        Ok(s) => {
            if s.terminal_id.is_some() {
                h.terminal_id = s.terminal_id.clone();
            }
            if s.software_version.is_some() {
                h.software_version = s.software_version.clone();
            }
            let view = if s.ready {
                device("ok", "Card terminal ready")
            } else {
                device("problem", &format!("Card terminal: {}", s.text))
            };
            h.answered(now_ms, took, view);
        }
        Err(e) => h.failed(&e.to_string(), device("offline", &format!("Card terminal: {e}"))),
    }
}

/// How long a status enquiry may take before the terminal counts as not answering.
const TERMINAL_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How often a printer with a problem is tried again.
const PRINT_RETRY: std::time::Duration = std::time::Duration::from_secs(3);
/// How often a printer with nothing to print is asked how it is.
const PRINTER_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
/// How often the sync task looks for something to push when all is pushed.
const SYNC_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::backend_view;
    use ringup_sync::SyncStatus;

    #[test]
    fn the_status_bar_says_how_the_back_end_stands_and_what_waits() {
        let paired = SyncStatus { paired: true, ..SyncStatus::default() };
        let online = SyncStatus { online: true, queued: 1, ..paired.clone() };
        assert_eq!(backend_view(&online).message, "Back end online, 1 event waiting to be sent");
        assert_eq!(backend_view(&SyncStatus { queued: 0, ..online.clone() }).message, "Back end online");
        let first_sync = SyncStatus { pull_cursor: 250_000, pull_head: 1_000_000, ..online.clone() };
        let view = backend_view(&first_sync);
        assert_eq!(
            (view.state.as_str(), view.message.as_str()),
            ("unknown", "Back end: receiving the catalog, 25 % done, 1 event waiting to be sent")
        );
        let caught_up = SyncStatus { pull_cursor: 1_000_000, ..first_sync };
        assert_eq!(backend_view(&caught_up).state, "ok");
        let down = SyncStatus { last_error: Some("back end unreachable: refused".into()), queued: 4, ..paired };
        assert_eq!(
            backend_view(&down).message,
            "Back end offline, 4 events waiting to be sent: back end unreachable: refused"
        );
    }
}

//! The day at the till: the drawer (opened with a counted float, pay-ins, pay-outs and drops,
//! closed by a blind count), the X report and the day's close (Z) with the card terminal's
//! own end-of-day totals beside ours. Every privileged step goes through `authorise`.

use super::Till;
use crate::AppError;
use crate::day_view::{
    ClosedDayView, DenominationView, DrawerCountView, DrawerView, ReportView, cash_count, csv, x_view, z_view,
};
use ringup_devices::card::{CardTerminal, EVENT_CAPACITY};
use ringup_devices::printer::ReceiptPrinter;
use ringup_domain::permission::Permission;
use ringup_domain::report::{CashCount, CashMovementKind};
use ringup_store::{Drawer, DrawerCount, Period, TerminalTotals, ZReport};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Characters per line of a report in the PDF (Courier 9 pt on A4 leaves room for 80).
const PDF_COLUMNS: usize = 64;

/// The notes and coins a count may hold: the store's currency's.
fn denominations(currency: &str) -> Result<&'static [i64], AppError> {
    match currency {
        "EUR" => Ok(&CashCount::EUR_DENOMINATIONS),
        other => Err(AppError::Input(format!("cash counts in {other} are not supported yet"))),
    }
}

/// A drawer as the one counting it may see it: without what it should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawerOpen {
    pub id: Uuid,
    pub opened_by: String,
    pub opened_ms: i64,
    pub float_minor: i64,
}

impl From<Drawer> for DrawerOpen {
    fn from(d: Drawer) -> Self {
        DrawerOpen { id: d.id, opened_by: d.opened_by, opened_ms: d.opened_ms, float_minor: d.float_minor }
    }
}

impl Till {
    fn me(&self) -> Result<String, AppError> {
        Ok(self.staff.as_ref().ok_or(AppError::NotSignedIn)?.id.clone())
    }

    fn currency_denominations(&self) -> Result<&'static [i64], AppError> {
        denominations(self.store.settings()?.currency.code())
    }

    /// The drawer open on this register, blind: what it should hold is not shown.
    pub fn drawer(&self) -> Result<Option<DrawerOpen>, AppError> {
        self.me()?;
        Ok(self.store.current_drawer(&self.config.register_id)?.map(DrawerOpen::from))
    }

    /// Opens the drawer with the float the cashier counted, note by note.
    pub fn open_drawer(&mut self, float: &CashCount) -> Result<DrawerOpen, AppError> {
        let me = self.me()?;
        let id = self.ids.new_id();
        let drawer = self.store.open_drawer_with_float(
            &self.config.register_id,
            id,
            &me,
            float,
            self.currency_denominations()?,
            self.clock.now_ms(),
        )?;
        Ok(drawer.into())
    }

    /// A pay-in, pay-out or drop to the safe, with its reason; needs "pay in or out" (or a
    /// manager's PIN). `id` makes a retry harmless: the UI makes it when the dialog opens.
    pub fn move_cash(
        &mut self,
        id: Uuid,
        kind: CashMovementKind,
        amount_minor: i64,
        reason: &str,
        approver_pin: Option<&str>,
    ) -> Result<DrawerOpen, AppError> {
        let me = self.me()?;
        let approver = self.authorise(Permission::PayInOut, approver_pin)?;
        let who = (me.as_str(), approver.as_deref());
        let drawer =
            self.store.move_cash(&self.config.register_id, id, kind, amount_minor, reason, who, self.clock.now_ms())?;
        Ok(drawer.into())
    }

    /// Closes the drawer with a blind count; only now are expected cash and the variance told.
    pub fn close_drawer(&mut self, count: &CashCount) -> Result<DrawerCount, AppError> {
        let me = self.me()?;
        let drawer = self
            .store
            .current_drawer(&self.config.register_id)?
            .ok_or_else(|| AppError::Input("no drawer is open on this register".into()))?;
        let count_id = self.ids.new_id();
        Ok(self.store.close_drawer(
            &self.config.register_id,
            drawer.id,
            count_id,
            &me,
            count,
            self.currency_denominations()?,
            self.clock.now_ms(),
        )?)
    }

    /// Opens the drawer with no money moving ("no sale"), with its reason; needs "no sale" (or
    /// a manager's PIN). Journaled before the drawer is kicked.
    pub fn no_sale(&mut self, reason: &str, approver_pin: Option<&str>) -> Result<(), AppError> {
        let me = self.me()?;
        if reason.trim().is_empty() {
            return Err(AppError::Input("say why the drawer is opened".into()));
        }
        let approver = self.authorise(Permission::NoSale, approver_pin)?;
        self.register()?.record_no_sale(&me, approver.as_deref(), reason)?;
        self.kick_drawer();
        Ok(())
    }

    /// The X report: the figures since the last Z; nothing is reset. Needs "close the day".
    pub fn x_report(&self, approver_pin: Option<&str>) -> Result<Period, AppError> {
        self.authorise(Permission::CloseDay, approver_pin)?;
        Ok(self.store.x_report(&self.config.register_id, self.clock.now_ms())?)
    }

    /// Closes the day under `close_id` (made when the close screen opened, so a second press
    /// returns the same Z instead of closing an empty day). The card terminal, when there is
    /// one, runs its end of day first; its totals by card type are set beside ours. A
    /// terminal that cannot be reached does not stop the close: the Z says it had no totals.
    pub async fn close_day(&mut self, close_id: Uuid, approver_pin: Option<&str>) -> Result<ZReport, AppError> {
        let me = self.me()?;
        let approver = self.authorise(Permission::CloseDay, approver_pin)?;
        // A second press: the same Z, and no second end of day at the terminal.
        if let Some(z) = self.store.z_report_with_id(close_id)? {
            return Ok(z);
        }
        if self.store.current_drawer(&self.config.register_id)?.is_some() {
            return Err(AppError::Input("count the drawer before closing the day".into()));
        }
        let terminal = match self.terminal.as_mut() {
            Some(terminal) => {
                let (events, _shown_nowhere) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
                match terminal.end_of_day(&events).await {
                    Ok(eod) => Some(TerminalTotals {
                        total_minor: eod.total_minor,
                        by_card_type: eod.by_card_type.into_iter().fold(BTreeMap::new(), |mut by, t| {
                            *by.entry(t.card_type).or_insert(0) += t.amount_minor;
                            by
                        }),
                    }),
                    Err(e) => {
                        eprintln!("ringup: the card terminal's end of day failed: {e}");
                        None
                    }
                }
            }
            None => None,
        };
        let who = (me.as_str(), approver.as_deref());
        Ok(self.store.close_day(&self.config.register_id, close_id, who, terminal.as_ref(), self.clock.now_ms())?)
    }

    /// The closed days of this register, newest first.
    pub fn z_reports(&self, approver_pin: Option<&str>) -> Result<Vec<ZReport>, AppError> {
        self.authorise(Permission::CloseDay, approver_pin)?;
        Ok(self.store.z_reports(&self.config.register_id)?)
    }
}

/// What the day screen calls: the same use cases, answered as views.
impl Till {
    fn drawer_view(&self, d: DrawerOpen) -> Result<DrawerView, AppError> {
        Ok(DrawerView {
            opened_by: d.opened_by,
            opened_at: self.clock.local_text(d.opened_ms),
            float_minor: d.float_minor,
            denominations: self.currency_denominations()?.to_vec(),
        })
    }

    /// The open drawer, or None; the notes and coins to count with are in `denominations()`.
    pub fn drawer_now(&self) -> Result<Option<DrawerView>, AppError> {
        self.drawer()?.map(|d| self.drawer_view(d)).transpose()
    }

    /// The notes and coins of the store's currency, largest first.
    pub fn denominations(&self) -> Result<Vec<i64>, AppError> {
        Ok(self.currency_denominations()?.to_vec())
    }

    pub fn open_drawer_counted(&mut self, float: &[DenominationView]) -> Result<DrawerView, AppError> {
        let drawer = self.open_drawer(&cash_count(float))?;
        self.drawer_view(drawer)
    }

    /// A new id for a cash movement or a close: made when its dialog opens, so pressing twice
    /// does it once.
    pub fn new_document_id(&self) -> String {
        self.ids.new_id().to_string()
    }

    pub fn move_cash_as(
        &mut self,
        id: &str,
        kind: &str,
        amount_minor: i64,
        reason: &str,
        approver_pin: Option<&str>,
    ) -> Result<DrawerView, AppError> {
        let id = parse_id(id)?;
        let kind = match kind {
            "pay_in" => CashMovementKind::PayIn,
            "pay_out" => CashMovementKind::PayOut,
            "drop" => CashMovementKind::Drop,
            other => return Err(AppError::Input(format!("{other} is not a pay-in, pay-out or drop"))),
        };
        let drawer = self.move_cash(id, kind, amount_minor, reason, approver_pin)?;
        self.drawer_view(drawer)
    }

    pub fn close_drawer_counted(&mut self, count: &[DenominationView]) -> Result<DrawerCountView, AppError> {
        Ok(self.close_drawer(&cash_count(count))?.into())
    }

    pub fn x_report_view(&self, approver_pin: Option<&str>) -> Result<ReportView, AppError> {
        let period = self.x_report(approver_pin)?;
        Ok(x_view(&period, |ms| self.clock.local_text(ms)))
    }

    pub async fn close_day_view(&mut self, close_id: &str, approver_pin: Option<&str>) -> Result<ReportView, AppError> {
        let z = self.close_day(parse_id(close_id)?, approver_pin).await?;
        Ok(z_view(&z, |ms| self.clock.local_text(ms)))
    }

    /// The closed days, newest first.
    pub fn closed_days(&self, approver_pin: Option<&str>) -> Result<Vec<ClosedDayView>, AppError> {
        Ok(self
            .z_reports(approver_pin)?
            .iter()
            .map(|z| ClosedDayView {
                z_no: z.z_no,
                closed_at: self.clock.local_text(z.closed_ms),
                net_sales_minor: z.totals.net_sales_minor(),
                card_mismatch: z.card_mismatch(),
            })
            .collect())
    }

    /// A closed day again, to read or export.
    pub fn z_report_view(&self, z_no: u64, approver_pin: Option<&str>) -> Result<ReportView, AppError> {
        self.authorise(Permission::CloseDay, approver_pin)?;
        let z = self
            .store
            .z_report(&self.config.register_id, z_no)?
            .ok_or_else(|| AppError::Input(format!("there is no Z {z_no} on this register")))?;
        Ok(z_view(&z, |ms| self.clock.local_text(ms)))
    }

    /// Writes Z `z_no` as CSV into the `exports` folder beside the store file and says where.
    pub fn export_z_csv(&self, z_no: u64, approver_pin: Option<&str>) -> Result<String, AppError> {
        let report = self.z_report_view(z_no, approver_pin)?;
        self.write_export(z_no, "csv", csv(&report).as_bytes())
    }

    /// Writes Z `z_no` as PDF (the printed report's lines on A4) beside the CSV; says where.
    pub fn export_z_pdf(&self, z_no: u64, approver_pin: Option<&str>) -> Result<String, AppError> {
        let report = self.z_report_view(z_no, approver_pin)?;
        let currency = self.store.settings()?.currency;
        let lines = crate::day_view::report_text(&report, &currency, PDF_COLUMNS);
        let title = format!("Z {} - register {}", z_no, self.config.register_id);
        self.write_export(z_no, "pdf", &crate::report_pdf::report_pdf(&title, &lines))
    }

    fn write_export(&self, z_no: u64, extension: &str, bytes: &[u8]) -> Result<String, AppError> {
        let dir = self.store.path().parent().map(|p| p.join("exports")).unwrap_or_else(|| "exports".into());
        let fail = |e: std::io::Error| AppError::Input(format!("the export could not be written: {e}"));
        std::fs::create_dir_all(&dir).map_err(fail)?;
        let path = dir.join(format!("z-{}-{:04}.{extension}", self.config.register_id, z_no));
        // Written beside, then renamed: an export is whole or absent.
        let partial = path.with_extension(format!("{extension}.partial"));
        std::fs::write(&partial, bytes).map_err(fail)?;
        std::fs::rename(&partial, &path).map_err(fail)?;
        Ok(path.display().to_string())
    }
}

impl Till {
    /// Prints a report on the receipt printer (not queued: a report can be printed again any
    /// time from the past closes). `z_no` None prints the X report.
    pub async fn print_report(&mut self, z_no: Option<u64>, approver_pin: Option<&str>) -> Result<(), AppError> {
        let report = match z_no {
            Some(n) => self.z_report_view(n, approver_pin)?,
            None => self.x_report_view(approver_pin)?,
        };
        let printer = self.printer.clone();
        let mut slot = printer.lock().await;
        let slot = slot.as_mut().ok_or(AppError::NoDevice("receipt printer"))?;
        let currency = self.store.settings()?.currency;
        let lines = crate::day_view::report_text(&report, &currency, slot.paper.columns());
        let bytes = crate::printing::report_job(&lines)?;
        // Its own range of job numbers, apart from the print queue's sequence numbers.
        let job_no = 0x4000_0000 | u32::try_from(report.z_no % 0x1000_0000).unwrap_or(0);
        let printed = slot.driver.print(&bytes, job_no).await;
        printed.map(drop).map_err(AppError::Printer)
    }
}

fn parse_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::Input(format!("{id:?} is not a document id")))
}

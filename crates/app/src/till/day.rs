//! The day at the till: the drawer (opened with a counted float, pay-ins, pay-outs and drops,
//! closed by a blind count), the X report and the day's close (Z) with the card terminal's
//! own end-of-day totals beside ours. Every privileged step goes through `authorise`.

use super::Till;
use crate::AppError;
use ringup_devices::card::{CardTerminal, EVENT_CAPACITY};
use ringup_domain::permission::Permission;
use ringup_domain::report::{CashCount, CashMovementKind};
use ringup_store::{Drawer, DrawerCount, Period, TerminalTotals, ZReport};
use std::collections::BTreeMap;
use uuid::Uuid;

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
        if let Some(z) = self.store.z_reports(&self.config.register_id)?.into_iter().find(|z| z.id == close_id) {
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

//! The till's privileged and less frequent cart actions: park and recall, price override,
//! line discount, void. Permissions are checked here, for every caller, never only in the UI:
//! what the signed-in member may not do needs the PIN of a member who may, and that member is
//! recorded with the action (in the sale's journaled document).

use super::Till;
use crate::AppError;
use crate::view::{CartView, ParkedView};
use ringup_domain::cart::Discount;
use ringup_domain::permission::Permission;
use uuid::Uuid;

impl Till {
    /// Who authorises `permission`: `Ok(None)` when the signed-in member may do it by
    /// themself, `Ok(Some(staff id))` of the member whose PIN `approver_pin` is, when they may.
    pub(crate) fn authorise(
        &self,
        permission: Permission,
        approver_pin: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        let me = self.staff.as_ref().ok_or(AppError::NotSignedIn)?;
        if me.role.may(permission) {
            return Ok(None);
        }
        let Some(pin) = approver_pin.filter(|p| !p.is_empty()) else {
            return Err(AppError::ApprovalNeeded(permission));
        };
        let approver = self.pin_holder(pin)?;
        if !approver.role.may(permission) {
            return Err(AppError::NotPermitted { name: approver.name, permission });
        }
        Ok(Some(approver.id))
    }

    /// The member of staff whose PIN this is. Wrong PINs on this register are counted durably;
    /// after five in a row PIN entry locks for 30 s, then longer each time, sign-in and
    /// approvals alike. A right PIN starts the count again.
    pub(crate) fn pin_holder(&self, pin: &str) -> Result<ringup_store::Staff, AppError> {
        let register = &self.config.register_id;
        let now = self.clock.now_ms();
        if let Some(left) = self.store.pin_locked_for(register, now)? {
            return Err(AppError::LockedOut { seconds: (left + 999) / 1000 });
        }
        match self.store.staff_with_pin(pin)? {
            Some(staff) => {
                self.store.clear_pin_failures(register)?;
                Ok(staff)
            }
            None => {
                let lock = self.store.record_pin_failure(register, now)?;
                if lock.locked_until_ms > now {
                    return Err(AppError::LockedOut { seconds: (lock.locked_until_ms - now + 999) / 1000 });
                }
                Err(AppError::WrongPin)
            }
        }
    }

    /// Puts the sale on screen aside (it survives a restart) and clears the screen.
    pub fn park(&mut self) -> Result<CartView, AppError> {
        self.register()?.park()?;
        self.cart_view()
    }

    /// The parked sales of the whole store, oldest first.
    pub fn parked(&self) -> Result<Vec<ParkedView>, AppError> {
        Ok(self
            .store
            .parked_sales()?
            .into_iter()
            .map(|p| ParkedView {
                id: p.id.to_string(),
                register_id: p.register_id,
                parked_at: self.clock.local_text(p.parked_ms),
                item_count: u32::try_from(p.item_count).unwrap_or(u32::MAX),
            })
            .collect())
    }

    /// Brings a parked sale back on screen (only onto an empty one).
    pub fn recall(&mut self, id: &str) -> Result<CartView, AppError> {
        let id = Uuid::parse_str(id).map_err(|_| AppError::UnknownCode(id.to_string()))?;
        self.register()?.recall(id)?;
        self.cart_view()
    }

    /// Charges `unit_price_minor` instead of the catalog price on a line.
    pub fn override_price(
        &mut self,
        line_no: u32,
        unit_price_minor: i64,
        reason: &str,
        approver_pin: Option<&str>,
    ) -> Result<CartView, AppError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Input("say why the price changes (damaged, price match…)".into()));
        }
        let by = self.authorise(Permission::PriceOverride, approver_pin)?;
        self.register()?.override_price(line_no, unit_price_minor, reason, by)?;
        self.cart_view()
    }

    /// Sets a line's discount in basis points (1 000 = 10 %; 0 removes it). Up to the store's
    /// limit anyone may; above it needs "discount above limit".
    pub fn set_line_discount(
        &mut self,
        line_no: u32,
        discount_bp: u32,
        approver_pin: Option<&str>,
    ) -> Result<CartView, AppError> {
        let limit = self.store.settings()?.discount_limit_bp;
        let by = if discount_bp > limit { self.authorise(Permission::DiscountAboveLimit, approver_pin)? } else { None };
        let discount = (discount_bp > 0).then_some(Discount::Percent { bp: discount_bp });
        self.register()?.set_line_discount(line_no, discount, by)?;
        self.cart_view()
    }

    /// Voids the sale on screen (nothing paid yet); it is journaled with its own number.
    pub fn void_sale(&mut self, approver_pin: Option<&str>) -> Result<CartView, AppError> {
        let approver = self.authorise(Permission::VoidSale, approver_pin)?;
        self.register()?.void_sale(approver.as_deref())?;
        self.cart_view()
    }
}

//! The sale being rung up: lines, quantities (weighed items in thousandths), price overrides,
//! line and order discounts, totals with tax, and the lifecycle
//! open → parked ↔ open → tendering → completed, or voided.

use crate::rounding::mul_div;
use crate::tax::{PricingMode, TaxAmounts, TaxBreakdown, line_tax};
use crate::tender::Payment;
use crate::{Currency, DomainError, money};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One unit in thousandths: quantities are integers so that 0.742 kg is exactly 742.
pub const QTY_ONE: i64 = 1000;
/// The largest quantity one line may hold: 100 000 units (or 100 t). A limit well beyond any
/// real sale, so a slip of the scanner or keyboard is refused instead of overflowing a total.
pub const MAX_QUANTITY_MILLI: i64 = 100_000 * QTY_ONE;
/// 100 % in basis points.
pub const BP_100: u32 = 10_000;

/// What the catalog says about an item at the moment it was added to the sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub unit_price_minor: i64,
    pub tax_class_id: String,
    pub tax_rate_ppm: u32,
    pub sold_by_weight: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Discount {
    /// Percent in basis points: 1 000 = 10 %.
    Percent { bp: u32 },
    /// A fixed amount in minor units.
    Amount { minor: i64 },
}

impl Discount {
    fn validate(&self) -> Result<(), DomainError> {
        match *self {
            Discount::Percent { bp } if bp > BP_100 => {
                Err(DomainError::InvalidDiscount(format!("{bp} bp is more than 100 %")))
            }
            Discount::Amount { minor } if minor < 0 => {
                Err(DomainError::InvalidDiscount(format!("a discount of {minor} is negative")))
            }
            _ => Ok(()),
        }
    }

    /// The discount on `base_minor`, never more than the base itself.
    fn amount_on(&self, base_minor: i64) -> Result<i64, DomainError> {
        match *self {
            Discount::Percent { bp } => mul_div(base_minor, i64::from(bp), i64::from(BP_100), "discount"),
            Discount::Amount { minor } if minor > base_minor => Err(DomainError::InvalidDiscount(format!(
                "a discount of {minor} is more than the amount {base_minor} it applies to"
            ))),
            Discount::Amount { minor } => Ok(minor),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceOverride {
    pub original_minor: i64,
    pub reason: String,
    /// The member of staff who authorised it, when it was not the cashier (a manager's PIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Position in the sale, from 1; never reused, so a voided line keeps its number.
    pub line_no: u32,
    pub item: CatalogItem,
    pub quantity_milli: i64,
    /// The price charged per unit (per kg for weighed items): the catalog price unless overridden.
    pub unit_price_minor: i64,
    pub price_override: Option<PriceOverride>,
    pub discount: Option<Discount>,
    /// Who authorised the discount, when it was not the cashier (a manager's PIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_authorised_by: Option<String>,
    /// A removed line stays in the sale, marked void, so the journal shows what was taken off.
    pub voided: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaleState {
    Open,
    Parked,
    Tendering,
    Completed,
    Voided,
}

impl SaleState {
    pub fn name(&self) -> &'static str {
        match self {
            SaleState::Open => "open",
            SaleState::Parked => "parked",
            SaleState::Tendering => "tendering",
            SaleState::Completed => "completed",
            SaleState::Voided => "voided",
        }
    }
}

/// The amounts of one line after every discount, with its tax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotal {
    pub line_no: u32,
    /// Quantity × unit price, before discounts.
    pub base_minor: i64,
    pub line_discount_minor: i64,
    /// This line's share of the order discount.
    pub order_discount_minor: i64,
    pub tax: TaxAmounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub lines: Vec<LineTotal>,
    pub breakdown: TaxBreakdown,
    /// Net, tax and gross of the whole sale: exactly the sums of the lines.
    pub sum: TaxAmounts,
    pub discount_minor: i64,
}

impl Totals {
    /// What the customer owes, before any cash rounding.
    pub fn total_minor(&self) -> i64 {
        self.sum.gross_minor
    }
}

/// A sale from the first scan to completion. Once completed (or voided) it never changes:
/// a refund or void is a new record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    pub id: Uuid,
    pub currency: Currency,
    pub pricing: PricingMode,
    pub state: SaleState,
    pub lines: Vec<Line>,
    pub order_discount: Option<Discount>,
    pub payments: Vec<Payment>,
    /// Cash rounding applied so far: what the customer pays beyond (or below) the total.
    pub cash_rounding_minor: i64,
}

impl Sale {
    pub fn new(id: Uuid, currency: Currency, pricing: PricingMode) -> Sale {
        Sale {
            id,
            currency,
            pricing,
            state: SaleState::Open,
            lines: Vec::new(),
            order_discount: None,
            payments: Vec::new(),
            cash_rounding_minor: 0,
        }
    }

    pub(crate) fn require(&self, state: SaleState, action: &'static str) -> Result<(), DomainError> {
        if self.state == state { Ok(()) } else { Err(DomainError::InvalidState { state: self.state.name(), action }) }
    }

    fn line_mut(&mut self, line_no: u32) -> Result<&mut Line, DomainError> {
        let line = self.lines.iter_mut().find(|l| l.line_no == line_no).ok_or(DomainError::NoSuchLine(line_no))?;
        if line.voided {
            return Err(DomainError::LineVoided(line_no));
        }
        Ok(line)
    }

    /// Adds an item and returns its line number. A weighed item's quantity is its weight in
    /// grams (thousandths of a kilogram); a counted item's is pieces × 1000.
    pub fn add_item(&mut self, item: CatalogItem, quantity_milli: i64) -> Result<u32, DomainError> {
        self.require(SaleState::Open, "take new items")?;
        check_quantity(quantity_milli)?;
        if item.unit_price_minor < 0 {
            return Err(DomainError::NegativePrice(item.unit_price_minor));
        }
        let line_no = u32::try_from(self.lines.len() + 1).map_err(|_| DomainError::Overflow("line count"))?;
        let unit_price_minor = item.unit_price_minor;
        self.lines.push(Line {
            line_no,
            item,
            quantity_milli,
            unit_price_minor,
            price_override: None,
            discount: None,
            discount_authorised_by: None,
            voided: false,
        });
        // Refuse a line whose amount cannot be computed, and leave the sale as it was.
        if let Err(e) = self.totals() {
            self.lines.pop();
            return Err(e);
        }
        Ok(line_no)
    }

    /// Runs `change` on a line and keeps it only if the sale's totals still compute.
    fn change_line(&mut self, line_no: u32, change: impl FnOnce(&mut Line)) -> Result<(), DomainError> {
        self.require(SaleState::Open, "change its lines")?;
        let before = self.line_mut(line_no)?.clone();
        change(self.line_mut(line_no)?);
        if let Err(e) = self.totals() {
            *self.line_mut(line_no)? = before;
            return Err(e);
        }
        Ok(())
    }

    pub fn set_quantity(&mut self, line_no: u32, quantity_milli: i64) -> Result<(), DomainError> {
        check_quantity(quantity_milli)?;
        self.change_line(line_no, |l| l.quantity_milli = quantity_milli)
    }

    /// Removes a line by voiding it: it stays in the sale's record with no amount.
    pub fn void_line(&mut self, line_no: u32) -> Result<(), DomainError> {
        self.change_line(line_no, |l| l.voided = true)
    }

    pub fn override_price(&mut self, line_no: u32, unit_price_minor: i64, reason: &str) -> Result<(), DomainError> {
        self.override_price_by(line_no, unit_price_minor, reason, None)
    }

    /// Overrides a line's price, recording who authorised it when that was not the cashier.
    pub fn override_price_by(
        &mut self,
        line_no: u32,
        unit_price_minor: i64,
        reason: &str,
        authorised_by: Option<String>,
    ) -> Result<(), DomainError> {
        if unit_price_minor < 0 {
            return Err(DomainError::NegativePrice(unit_price_minor));
        }
        let reason = reason.to_string();
        self.change_line(line_no, |l| {
            let original_minor = l.price_override.as_ref().map_or(l.unit_price_minor, |o| o.original_minor);
            l.price_override = Some(PriceOverride { original_minor, reason, authorised_by });
            l.unit_price_minor = unit_price_minor;
        })
    }

    pub fn set_line_discount(&mut self, line_no: u32, discount: Option<Discount>) -> Result<(), DomainError> {
        self.set_line_discount_by(line_no, discount, None)
    }

    /// Sets a line's discount, recording who authorised it when that was not the cashier.
    pub fn set_line_discount_by(
        &mut self,
        line_no: u32,
        discount: Option<Discount>,
        authorised_by: Option<String>,
    ) -> Result<(), DomainError> {
        if let Some(d) = &discount {
            d.validate()?;
        }
        self.change_line(line_no, |l| {
            l.discount_authorised_by = discount.and(authorised_by);
            l.discount = discount;
        })
    }

    pub fn set_order_discount(&mut self, discount: Option<Discount>) -> Result<(), DomainError> {
        self.require(SaleState::Open, "change its discount")?;
        if let Some(d) = &discount {
            d.validate()?;
        }
        let before = std::mem::replace(&mut self.order_discount, discount);
        if let Err(e) = self.totals() {
            self.order_discount = before;
            return Err(e);
        }
        Ok(())
    }

    pub fn active_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| !l.voided)
    }

    /// Computes every line's amounts and the sale's totals. Totals are sums of the lines, so
    /// the receipt, the journal and every report add up to the same figure.
    pub fn totals(&self) -> Result<Totals, DomainError> {
        let mut partial = Vec::new();
        for line in self.active_lines() {
            let base_minor = mul_div(line.unit_price_minor, line.quantity_milli, QTY_ONE, "line amount")?;
            let line_discount_minor = match &line.discount {
                Some(d) => d.amount_on(base_minor)?,
                None => 0,
            };
            partial.push((line, base_minor, line_discount_minor, money::sub(base_minor, line_discount_minor, "line")?));
        }
        let weights: Vec<i64> = partial.iter().map(|p| p.3).collect();
        let order_total = weights.iter().try_fold(0i64, |acc, w| money::add(acc, *w, "order amount"))?;
        let order_discount_minor = match &self.order_discount {
            Some(d) => d.amount_on(order_total)?,
            None => 0,
        };
        let shares = allocate_proportionally(order_discount_minor, &weights)?;

        let mut totals = Totals {
            lines: Vec::with_capacity(partial.len()),
            breakdown: TaxBreakdown::default(),
            sum: TaxAmounts::default(),
            discount_minor: 0,
        };
        for ((line, base_minor, line_discount_minor, after_line), share) in partial.into_iter().zip(shares) {
            let amount = money::sub(after_line, share, "line after order discount")?;
            let tax = line_tax(amount, line.item.tax_rate_ppm, self.pricing)?;
            totals.breakdown.add_line(&line.item.tax_class_id, line.item.tax_rate_ppm, tax)?;
            totals.sum = totals.sum.checked_add(tax)?;
            totals.discount_minor =
                money::add(totals.discount_minor, money::add(line_discount_minor, share, "discounts")?, "discounts")?;
            totals.lines.push(LineTotal {
                line_no: line.line_no,
                base_minor,
                line_discount_minor,
                order_discount_minor: share,
                tax,
            });
        }
        Ok(totals)
    }

    pub fn park(&mut self) -> Result<(), DomainError> {
        self.require(SaleState::Open, "be parked")?;
        if self.active_lines().next().is_none() {
            return Err(DomainError::EmptySale);
        }
        self.state = SaleState::Parked;
        Ok(())
    }

    pub fn recall(&mut self) -> Result<(), DomainError> {
        self.require(SaleState::Parked, "be recalled")?;
        self.state = SaleState::Open;
        Ok(())
    }

    /// Moves to payment: the cart is frozen while tenders are taken.
    pub fn begin_tender(&mut self) -> Result<Totals, DomainError> {
        self.require(SaleState::Open, "go to payment")?;
        if self.active_lines().next().is_none() {
            return Err(DomainError::EmptySale);
        }
        let totals = self.totals()?;
        self.state = SaleState::Tendering;
        Ok(totals)
    }

    /// Returns from payment to the cart, allowed only while nothing has been paid: money
    /// already taken must be refunded or reversed first.
    pub fn back_to_cart(&mut self) -> Result<(), DomainError> {
        self.require(SaleState::Tendering, "go back to the cart")?;
        if !self.payments.is_empty() {
            return Err(DomainError::InvalidState { state: "partly paid", action: "go back to the cart" });
        }
        self.state = SaleState::Open;
        Ok(())
    }

    /// Voids the whole sale. Not once completed (that takes a refund), and not with payments
    /// taken (they must be reversed first, so no money is left unaccounted for).
    pub fn void(&mut self) -> Result<(), DomainError> {
        match self.state {
            SaleState::Open | SaleState::Parked | SaleState::Tendering if self.payments.is_empty() => {
                self.state = SaleState::Voided;
                Ok(())
            }
            SaleState::Tendering => Err(DomainError::InvalidState { state: "partly paid", action: "be voided" }),
            other => Err(DomainError::InvalidState { state: other.name(), action: "be voided" }),
        }
    }
}

fn check_quantity(quantity_milli: i64) -> Result<(), DomainError> {
    if quantity_milli <= 0 || quantity_milli > MAX_QUANTITY_MILLI {
        return Err(DomainError::InvalidQuantity(quantity_milli));
    }
    Ok(())
}

/// Splits `total` over `weights` in proportion, so that the parts sum to exactly `total`.
/// Each part is first rounded down; the units left over go one each to the parts with the
/// largest remainders, ties to the earlier part — deterministic, so every device agrees.
pub fn allocate_proportionally(total: i64, weights: &[i64]) -> Result<Vec<i64>, DomainError> {
    let weight_sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if total == 0 || weight_sum == 0 {
        if total != 0 {
            return Err(DomainError::InvalidDiscount("nothing to spread the discount over".into()));
        }
        return Ok(vec![0; weights.len()]);
    }
    if weights.iter().any(|w| *w < 0) || total < 0 {
        return Err(DomainError::InvalidDiscount("cannot spread over negative amounts".into()));
    }
    let total_wide = i128::from(total);
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (index, w) in weights.iter().enumerate() {
        let product = total_wide * i128::from(*w);
        parts.push(product / weight_sum);
        remainders.push((product % weight_sum, index));
    }
    let assigned: i128 = parts.iter().sum();
    let left_over = usize::try_from(total_wide - assigned).map_err(|_| DomainError::Overflow("allocation"))?;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders.into_iter().take(left_over) {
        parts[index] += 1;
    }
    parts.into_iter().map(|p| crate::rounding::to_minor(p, "allocation")).collect()
}

#[cfg(test)]
#[path = "cart_tests.rs"]
mod tests;

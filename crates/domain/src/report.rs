//! The day's figures (X and Z reports) as running totals: every sale, refund and cash movement
//! is added once, in the transaction that records it, so a report is read, not recomputed, and
//! a Z over 200 000 sales costs what a Z over 20 does. Addition is all there is, so the totals
//! of a day are the same whatever order its documents were added in.
//!
//! Sign conventions: sales add, refunds subtract, in every "net" figure (tender, tax rate,
//! category, card type); the sales and refunds sections keep their own positive sums.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A count and an amount in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountAmount {
    pub count: u64,
    pub amount_minor: i64,
}

impl CountAmount {
    fn add(&mut self, amount_minor: i64) {
        self.count += 1;
        self.amount_minor += amount_minor;
    }
}

/// Net, tax and gross of one tax rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxTotals {
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

/// One tender kind: what came in with sales and went out with refunds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderTotals {
    pub sales: CountAmount,
    pub refunds: CountAmount,
}

impl TenderTotals {
    pub fn net_minor(&self) -> i64 {
        self.sales.amount_minor - self.refunds.amount_minor
    }
}

/// The drawer's cash: what should be in it and what was counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashTotals {
    pub floats_minor: i64,
    pub sales_minor: i64,
    pub refunds_minor: i64,
    pub pay_ins: CountAmount,
    pub pay_outs: CountAmount,
    pub drops: CountAmount,
    /// What the drawers closed in this period were counted at (blind), and how many.
    pub counted: CountAmount,
    /// What those drawers should have held when they were counted.
    pub expected_at_count_minor: i64,
}

impl CashTotals {
    /// What the drawer should hold now: floats, plus cash taken, minus cash given back, plus
    /// pay-ins, minus pay-outs and drops to the safe.
    pub fn expected_minor(&self) -> i64 {
        self.floats_minor + self.sales_minor - self.refunds_minor + self.pay_ins.amount_minor
            - self.pay_outs.amount_minor
            - self.drops.amount_minor
    }

    /// Counted minus expected, over the drawers counted: negative is a shortage.
    pub fn variance_minor(&self) -> i64 {
        self.counted.amount_minor - self.expected_at_count_minor
    }
}

/// Everything a report shows, for one register since its last Z.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayTotals {
    /// Completed sales: how many, and their totals (what customers paid).
    pub sales: CountAmount,
    pub refunds: CountAmount,
    /// Sales voided whole, with what they would have come to.
    pub voided_sales: CountAmount,
    /// Lines removed from sales that were completed, with their amounts before discounts.
    pub voided_lines: CountAmount,
    /// Lines with a discount (their own or a share of the sale's), and the discount given.
    pub discounts: CountAmount,
    /// Lines sold at a changed price, and how much below the catalog price (above is negative).
    pub price_overrides: CountAmount,
    pub no_sales: u64,
    /// By tender kind ("cash", "card").
    pub by_tender: BTreeMap<String, TenderTotals>,
    /// Card tenders by card type, sales minus refunds: what the terminal's own totals must say.
    pub by_card_type: BTreeMap<String, CountAmount>,
    /// By tax rate in parts per million, sales minus refunds.
    pub by_tax_rate: BTreeMap<u32, TaxTotals>,
    /// Gross by category (sales minus refunds), lines counted.
    pub by_category: BTreeMap<String, CountAmount>,
    /// Completed sales by the cashier who rang them up.
    pub by_cashier: BTreeMap<String, CountAmount>,
    /// Completed sales by the hour they were completed in, in the store's time zone (0–23).
    pub by_hour: BTreeMap<u8, CountAmount>,
    pub cash: CashTotals,
    /// When the first and the last document of the period happened (ms since the epoch).
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// One line of a sale or a refund as the report sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    pub category: String,
    pub tax_rate_ppm: u32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
    /// Removed from the sale: counted as a voided line with `base_minor`, nothing else.
    pub voided: bool,
    /// Quantity × unit price, before discounts.
    pub base_minor: i64,
    pub discount_minor: i64,
    /// (catalog price − charged price) × quantity, when the price was changed.
    pub price_override_minor: Option<i64>,
}

/// A tender of a sale or a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderFacts {
    pub kind: String,
    /// What this tender paid (or gave back), change already taken off.
    pub amount_minor: i64,
    pub card_type: Option<String>,
}

/// A committed sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleFacts {
    pub completed: bool,
    pub at_ms: i64,
    pub hour: u8,
    pub cashier: String,
    pub total_minor: i64,
    pub lines: Vec<LineFacts>,
    pub tenders: Vec<TenderFacts>,
}

/// A committed refund: lines are what was taken back, tenders what was given back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundFacts {
    pub at_ms: i64,
    pub total_minor: i64,
    pub lines: Vec<LineFacts>,
    pub tenders: Vec<TenderFacts>,
}

/// Cash in or out of the drawer that is not a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashMovementKind {
    /// The change a drawer is opened with.
    Float,
    PayIn,
    PayOut,
    /// Notes taken from the drawer to the safe.
    Drop,
    /// The drawer opened with no money moving.
    NoSale,
}

impl CashMovementKind {
    pub fn name(self) -> &'static str {
        match self {
            CashMovementKind::Float => "float",
            CashMovementKind::PayIn => "pay_in",
            CashMovementKind::PayOut => "pay_out",
            CashMovementKind::Drop => "drop",
            CashMovementKind::NoSale => "no_sale",
        }
    }
}

impl DayTotals {
    fn seen(&mut self, at_ms: i64) {
        self.first_ms = Some(self.first_ms.map_or(at_ms, |f| f.min(at_ms)));
        self.last_ms = Some(self.last_ms.map_or(at_ms, |l| l.max(at_ms)));
    }

    pub fn add_sale(&mut self, sale: &SaleFacts) {
        self.seen(sale.at_ms);
        if !sale.completed {
            self.voided_sales.add(sale.total_minor);
            return;
        }
        self.sales.add(sale.total_minor);
        self.by_cashier.entry(sale.cashier.clone()).or_default().add(sale.total_minor);
        self.by_hour.entry(sale.hour).or_default().add(sale.total_minor);
        for line in &sale.lines {
            if line.voided {
                self.voided_lines.add(line.base_minor);
                continue;
            }
            self.add_line(line, 1);
            if line.discount_minor != 0 {
                self.discounts.add(line.discount_minor);
            }
            if let Some(below) = line.price_override_minor {
                self.price_overrides.add(below);
            }
        }
        for tender in &sale.tenders {
            self.by_tender.entry(tender.kind.clone()).or_default().sales.add(tender.amount_minor);
            if let Some(card_type) = &tender.card_type {
                self.by_card_type.entry(card_type.clone()).or_default().add(tender.amount_minor);
            }
            if tender.kind == "cash" {
                self.cash.sales_minor += tender.amount_minor;
            }
        }
    }

    pub fn add_refund(&mut self, refund: &RefundFacts) {
        self.seen(refund.at_ms);
        self.refunds.add(refund.total_minor);
        for line in refund.lines.iter().filter(|l| !l.voided) {
            self.add_line(line, -1);
        }
        for tender in &refund.tenders {
            self.by_tender.entry(tender.kind.clone()).or_default().refunds.add(tender.amount_minor);
            if let Some(card_type) = &tender.card_type {
                let t = self.by_card_type.entry(card_type.clone()).or_default();
                t.count += 1;
                t.amount_minor -= tender.amount_minor;
            }
            if tender.kind == "cash" {
                self.cash.refunds_minor += tender.amount_minor;
            }
        }
    }

    fn add_line(&mut self, line: &LineFacts, sign: i64) {
        let tax = self.by_tax_rate.entry(line.tax_rate_ppm).or_default();
        tax.net_minor += sign * line.net_minor;
        tax.tax_minor += sign * line.tax_minor;
        tax.gross_minor += sign * line.gross_minor;
        let category = self.by_category.entry(line.category.clone()).or_default();
        category.count += 1;
        category.amount_minor += sign * line.gross_minor;
    }

    /// A cash movement; `amount_minor` is positive whichever way the money went.
    pub fn add_cash(&mut self, kind: CashMovementKind, amount_minor: i64, at_ms: i64) {
        self.seen(at_ms);
        match kind {
            CashMovementKind::Float => self.cash.floats_minor += amount_minor,
            CashMovementKind::PayIn => self.cash.pay_ins.add(amount_minor),
            CashMovementKind::PayOut => self.cash.pay_outs.add(amount_minor),
            CashMovementKind::Drop => self.cash.drops.add(amount_minor),
            CashMovementKind::NoSale => self.no_sales += 1,
        }
    }

    /// A drawer counted at its close: what was counted and what it should have held.
    pub fn add_count(&mut self, counted_minor: i64, expected_minor: i64, at_ms: i64) {
        self.seen(at_ms);
        self.cash.counted.add(counted_minor);
        self.cash.expected_at_count_minor += expected_minor;
    }

    /// Sales minus refunds.
    pub fn net_sales_minor(&self) -> i64 {
        self.sales.amount_minor - self.refunds.amount_minor
    }
}

/// How the card terminal's own end-of-day totals compare with ours, per card type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardReconciliation {
    pub card_type: String,
    pub ours_minor: i64,
    /// None: the terminal did not report this card type.
    pub terminal_minor: Option<i64>,
    pub matches: bool,
}

/// Compares our card totals by card type with the terminal's (`terminal` maps card type to
/// amount). A card type either side has is listed; a zero on one side and nothing on the
/// other matches.
pub fn reconcile_cards(
    ours: &BTreeMap<String, CountAmount>,
    terminal: &BTreeMap<String, i64>,
) -> Vec<CardReconciliation> {
    let mut types: Vec<&String> = ours.keys().chain(terminal.keys()).collect();
    types.sort();
    types.dedup();
    types
        .into_iter()
        .map(|card_type| {
            let ours_minor = ours.get(card_type).map_or(0, |c| c.amount_minor);
            let terminal_minor = terminal.get(card_type).copied();
            CardReconciliation {
                card_type: card_type.clone(),
                ours_minor,
                terminal_minor,
                matches: terminal_minor.unwrap_or(0) == ours_minor,
            }
        })
        .collect()
}

/// Counted cash: how many of each denomination (value in minor units).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashCount {
    pub counts: BTreeMap<i64, u32>,
}

impl CashCount {
    /// The euro's notes and coins, in cents, largest first.
    pub const EUR_DENOMINATIONS: [i64; 15] =
        [50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1];

    /// The count's total; a denomination that is not the currency's, or a sum out of range, is
    /// refused.
    pub fn total_minor(&self, denominations: &[i64]) -> Result<i64, crate::DomainError> {
        let mut total: i64 = 0;
        for (&value, &count) in &self.counts {
            if !denominations.contains(&value) {
                return Err(crate::DomainError::InvalidCount(format!(
                    "{value} is not a note or coin of this currency"
                )));
            }
            let part = value
                .checked_mul(i64::from(count))
                .ok_or_else(|| crate::DomainError::InvalidCount("the count is too large".into()))?;
            total = total
                .checked_add(part)
                .ok_or_else(|| crate::DomainError::InvalidCount("the count is too large".into()))?;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(category: &str, rate: u32, gross: i64, tax: i64) -> LineFacts {
        LineFacts {
            category: category.into(),
            tax_rate_ppm: rate,
            net_minor: gross - tax,
            tax_minor: tax,
            gross_minor: gross,
            voided: false,
            base_minor: gross,
            discount_minor: 0,
            price_override_minor: None,
        }
    }

    fn cash(amount: i64) -> TenderFacts {
        TenderFacts { kind: "cash".into(), amount_minor: amount, card_type: None }
    }

    #[test]
    fn a_sale_a_refund_and_the_drawer_add_up() {
        let mut t = DayTotals::default();
        t.add_cash(CashMovementKind::Float, 10_000, 1);
        let mut discounted = line("drinks", 190_000, 900, 144);
        discounted.discount_minor = 100;
        let mut removed = line("food", 70_000, 500, 33);
        removed.voided = true;
        t.add_sale(&SaleFacts {
            completed: true,
            at_ms: 2,
            hour: 9,
            cashier: "Anna".into(),
            total_minor: 1_150,
            lines: vec![discounted, line("food", 70_000, 250, 16), removed],
            tenders: vec![
                cash(650),
                TenderFacts { kind: "card".into(), amount_minor: 500, card_type: Some("girocard".into()) },
            ],
        });
        t.add_refund(&RefundFacts {
            at_ms: 3,
            total_minor: 250,
            lines: vec![line("food", 70_000, 250, 16)],
            tenders: vec![cash(250)],
        });
        t.add_cash(CashMovementKind::PayOut, 1_000, 4);
        t.add_cash(CashMovementKind::NoSale, 0, 5);

        assert_eq!(t.sales, CountAmount { count: 1, amount_minor: 1_150 });
        assert_eq!(t.refunds, CountAmount { count: 1, amount_minor: 250 });
        assert_eq!(t.net_sales_minor(), 900);
        assert_eq!(t.voided_lines, CountAmount { count: 1, amount_minor: 500 });
        assert_eq!(t.discounts, CountAmount { count: 1, amount_minor: 100 });
        assert_eq!(
            t.by_tax_rate[&70_000],
            TaxTotals { net_minor: 0, tax_minor: 0, gross_minor: 0 },
            "food sold and taken back"
        );
        assert_eq!(t.by_tax_rate[&190_000].gross_minor, 900);
        assert_eq!(t.by_category["food"], CountAmount { count: 2, amount_minor: 0 });
        assert_eq!(t.by_tender["cash"].net_minor(), 400);
        assert_eq!(t.by_card_type["girocard"].amount_minor, 500);
        assert_eq!(t.cash.expected_minor(), 10_000 + 650 - 250 - 1_000);
        assert_eq!((t.no_sales, t.first_ms, t.last_ms), (1, Some(1), Some(5)));

        t.add_count(9_300, t.cash.expected_minor(), 6);
        assert_eq!(t.cash.variance_minor(), -100, "one euro short");
    }

    #[test]
    fn the_terminals_totals_are_compared_per_card_type() {
        let ours = BTreeMap::from([
            ("girocard".to_string(), CountAmount { count: 2, amount_minor: 1_500 }),
            ("Visa".to_string(), CountAmount { count: 1, amount_minor: 700 }),
        ]);
        let terminal = BTreeMap::from([("girocard".to_string(), 1_500), ("Mastercard".to_string(), 300)]);
        let r = reconcile_cards(&ours, &terminal);
        let by: BTreeMap<_, _> =
            r.iter().map(|c| (c.card_type.as_str(), (c.ours_minor, c.terminal_minor, c.matches))).collect();
        assert_eq!(by["girocard"], (1_500, Some(1_500), true));
        assert_eq!(by["Visa"], (700, None, false), "the terminal knows nothing of our Visa sale");
        assert_eq!(by["Mastercard"], (0, Some(300), false));
    }

    #[test]
    fn a_cash_count_is_summed_by_denomination() {
        let count = CashCount { counts: BTreeMap::from([(5_000, 1), (200, 3), (1, 7)]) };
        assert_eq!(count.total_minor(&CashCount::EUR_DENOMINATIONS).expect("valid"), 5_607);
        let odd = CashCount { counts: BTreeMap::from([(300, 1)]) };
        assert!(odd.total_minor(&CashCount::EUR_DENOMINATIONS).is_err(), "there is no 3-euro note");
    }
}

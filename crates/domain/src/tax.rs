//! Tax: rates per tax class, tax-inclusive (VAT) or tax-exclusive (US sales tax) pricing per
//! store, tax per line rounded half-even to the minor unit, and a breakdown per rate whose
//! parts are exact sums of the lines.

use crate::rounding::mul_div;
use crate::{DomainError, money};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One million parts per million: 100 %.
pub const PPM: u32 = 1_000_000;

/// A tax class (e.g. "standard", "reduced") with its rate in parts per million, so that rates
/// like 8.875 % (88 750 ppm) are exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxClass {
    pub id: String,
    pub name: String,
    pub rate_ppm: u32,
}

impl TaxClass {
    pub fn new(id: &str, name: &str, rate_ppm: u32) -> Result<TaxClass, DomainError> {
        if rate_ppm > PPM {
            return Err(DomainError::InvalidTaxRate(rate_ppm));
        }
        Ok(TaxClass { id: id.to_string(), name: name.to_string(), rate_ppm })
    }
}

/// Whether shelf prices include tax (VAT style) or tax is added on top (US sales-tax style).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PricingMode {
    TaxInclusive,
    TaxExclusive,
}

/// Net, tax and gross of one line or one rate. `net + tax == gross` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxAmounts {
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

impl TaxAmounts {
    pub fn checked_add(self, other: TaxAmounts) -> Result<TaxAmounts, DomainError> {
        Ok(TaxAmounts {
            net_minor: money::add(self.net_minor, other.net_minor, "net total")?,
            tax_minor: money::add(self.tax_minor, other.tax_minor, "tax total")?,
            gross_minor: money::add(self.gross_minor, other.gross_minor, "gross total")?,
        })
    }
}

/// Splits a line amount into net, tax and gross. `amount_minor` is the amount as priced:
/// gross under [`PricingMode::TaxInclusive`], net under [`PricingMode::TaxExclusive`].
/// The tax is rounded half-even to the minor unit; the other part is derived by subtraction
/// or addition so the three always agree exactly.
pub fn line_tax(amount_minor: i64, rate_ppm: u32, mode: PricingMode) -> Result<TaxAmounts, DomainError> {
    if rate_ppm > PPM {
        return Err(DomainError::InvalidTaxRate(rate_ppm));
    }
    let rate = i64::from(rate_ppm);
    let ppm = i64::from(PPM);
    match mode {
        PricingMode::TaxInclusive => {
            // tax = gross × r / (1 + r)
            let tax_minor = mul_div(amount_minor, rate, ppm + rate, "line tax")?;
            let net_minor = money::sub(amount_minor, tax_minor, "line net")?;
            Ok(TaxAmounts { net_minor, tax_minor, gross_minor: amount_minor })
        }
        PricingMode::TaxExclusive => {
            let tax_minor = mul_div(amount_minor, rate, ppm, "line tax")?;
            let gross_minor = money::add(amount_minor, tax_minor, "line gross")?;
            Ok(TaxAmounts { net_minor: amount_minor, tax_minor, gross_minor })
        }
    }
}

/// Per-rate totals, keyed by tax class id (sorted, so every rendering lists rates in one order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxBreakdown {
    pub rates: BTreeMap<String, RateTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTotal {
    pub rate_ppm: u32,
    pub amounts: TaxAmounts,
}

impl TaxBreakdown {
    pub fn add_line(&mut self, class_id: &str, rate_ppm: u32, amounts: TaxAmounts) -> Result<(), DomainError> {
        let entry =
            self.rates.entry(class_id.to_string()).or_insert(RateTotal { rate_ppm, amounts: TaxAmounts::default() });
        entry.amounts = entry.amounts.checked_add(amounts)?;
        Ok(())
    }

    /// The sum over all rates.
    pub fn total(&self) -> Result<TaxAmounts, DomainError> {
        self.rates.values().try_fold(TaxAmounts::default(), |acc, r| acc.checked_add(r.amounts))
    }
}

/// Formats a ppm rate as a percentage for people: 190 000 → "19", 88 750 → "8.875".
pub fn format_rate(rate_ppm: u32) -> String {
    let text = money::format_decimal(i64::from(rate_ppm), 4);
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(amount: i64, rate_ppm: u32, mode: PricingMode, expected: (i64, i64, i64)) {
        let t = line_tax(amount, rate_ppm, mode).expect("valid input");
        assert_eq!((t.net_minor, t.tax_minor, t.gross_minor), expected, "{amount} at {rate_ppm} ppm {mode:?}");
    }

    #[test]
    fn inclusive_vat_lines() {
        // 29.98 incl. 7 %: tax = 29.98 × 7/107 = 1.9613… → 1.96
        check(2998, 70_000, PricingMode::TaxInclusive, (2802, 196, 2998));
        // 1.19 incl. 19 %: 0.19 tax exactly
        check(119, 190_000, PricingMode::TaxInclusive, (100, 19, 119));
        // 0.00 stays zero; refunds are negative and mirror sales
        check(0, 190_000, PricingMode::TaxInclusive, (0, 0, 0));
        check(-119, 190_000, PricingMode::TaxInclusive, (-100, -19, -119));
    }

    #[test]
    fn exclusive_sales_tax_lines_round_half_even() {
        // 10.00 at 8.875 % = 0.8875 → 0.89
        check(1000, 88_750, PricingMode::TaxExclusive, (1000, 89, 1089));
        // 0.10 at 5 % = 0.005, a tie, → 0.00 (even); 0.30 at 5 % = 0.015 → 0.02 (even)
        check(10, 50_000, PricingMode::TaxExclusive, (10, 0, 10));
        check(30, 50_000, PricingMode::TaxExclusive, (30, 2, 32));
    }

    #[test]
    fn rates_out_of_range_are_refused() {
        assert_eq!(line_tax(100, 1_000_001, PricingMode::TaxExclusive), Err(DomainError::InvalidTaxRate(1_000_001)));
        assert!(TaxClass::new("x", "x", 2_000_000).is_err());
    }

    #[test]
    fn formats_rates() {
        assert_eq!(format_rate(190_000), "19");
        assert_eq!(format_rate(88_750), "8.875");
        assert_eq!(format_rate(0), "0");
        assert_eq!(format_rate(55_000), "5.5");
    }
}

//! The store's settings, as the back end keeps them and every till uses them: currency,
//! pricing mode, cash rounding, receipt header and footer, in-store barcodes, the discount
//! limit, locale and time zone. Checked the same way on both sides, so the back end never
//! hands the tills settings they cannot take.

use ringup_domain::Currency;
use ringup_domain::barcode::{MeasureKind, VariableMeasureRule};
use ringup_domain::receipt::StoreHeader;
use ringup_domain::tax::PricingMode;
use ringup_domain::tender::CashRounding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSettings {
    pub currency: Currency,
    pub pricing: PricingMode,
    pub cash_rounding: CashRounding,
    pub header: StoreHeader,
    pub footer: Vec<String>,
    /// How in-store barcodes (prefixes 20–29) carry a price or a weight.
    #[serde(default = "default_variable_measure")]
    pub variable_measure: Vec<VariableMeasureRule>,
    /// The largest discount (basis points: 1 000 = 10 %) anyone may give; above it, the
    /// discount needs the "discount above limit" permission (or a manager's PIN).
    #[serde(default = "default_discount_limit_bp")]
    pub discount_limit_bp: u32,
    /// The BCP 47 locale the tills show money in ("de-DE": 1.234,56 €; "en-IE": €1,234.56).
    #[serde(default = "default_locale")]
    pub locale: String,
    /// The IANA time zone the store is in ("Europe/Berlin"): reports count sales by its hours.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
}

fn default_time_zone() -> String {
    "Europe/Berlin".into()
}

/// An IANA time zone ("Europe/Berlin").
pub fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse().map_err(|_| format!("\"{name}\" is not a time zone such as Europe/Berlin"))
}

fn default_locale() -> String {
    "de-DE".into()
}

/// A BCP 47 tag as tills can use it: a 2–3 letter language, then subtags of 1–8 letters or
/// digits ("de-DE", "en-US", "sr-Latn-RS"). Anything else would silently fall back to the
/// browser's default on screen, so it is refused when saved.
pub fn check_locale(tag: &str) -> Result<(), String> {
    let mut parts = tag.split('-');
    let language_ok =
        parts.next().is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if language_ok && rest_ok { Ok(()) } else { Err(format!("\"{tag}\" is not a locale such as de-DE or en-US")) }
}

fn default_discount_limit_bp() -> u32 {
    1_000
}

/// The common European layout: 2 prefix digits, 5 item digits, 5 value digits, check digit;
/// 21 carries a price in cents, 28 a weight in grams.
fn default_variable_measure() -> Vec<VariableMeasureRule> {
    vec![
        VariableMeasureRule {
            prefix: 21,
            item_digits: 5,
            price_check_digit: false,
            value_digits: 5,
            kind: MeasureKind::PriceMinor,
        },
        VariableMeasureRule {
            prefix: 28,
            item_digits: 5,
            price_check_digit: false,
            value_digits: 5,
            kind: MeasureKind::WeightGrams,
        },
    ]
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            currency: Currency::EUR,
            pricing: PricingMode::TaxInclusive,
            cash_rounding: CashRounding::NONE,
            header: StoreHeader { name: "Ringup".into(), address_lines: Vec::new(), tax_id: "-".into() },
            footer: vec!["Thank you!".into()],
            variable_measure: default_variable_measure(),
            discount_limit_bp: default_discount_limit_bp(),
            locale: default_locale(),
            time_zone: default_time_zone(),
        }
    }
}

impl StoreSettings {
    /// What a till needs of the settings beyond their shape: a locale it can show money in
    /// and a time zone it can count hours in.
    pub fn check(&self) -> Result<(), String> {
        check_locale(&self.locale)?;
        parse_time_zone(&self.time_zone)?;
        Ok(())
    }
}

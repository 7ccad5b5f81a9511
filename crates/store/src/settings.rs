//! Store-wide settings: currency, pricing mode, cash rounding, receipt header and footer.

use crate::{Store, StoreError};
use ringup_domain::Currency;
use ringup_domain::barcode::{MeasureKind, VariableMeasureRule};
use ringup_domain::receipt::StoreHeader;
use ringup_domain::tax::{PricingMode, TaxClass};
use ringup_domain::tender::CashRounding;
use rusqlite::{OptionalExtension, params};
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

fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, StoreError> {
    name.parse().map_err(|_| StoreError::Config(format!("\"{name}\" is not a time zone such as Europe/Berlin")))
}

/// The settings as stored, read inside a transaction.
fn settings_in(c: &rusqlite::Connection) -> Result<StoreSettings, StoreError> {
    let json: Option<String> = c
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([SETTINGS_KEY], |r| r.get(0))
        .optional()?;
    Ok(match json {
        Some(j) => serde_json::from_str(&j)?,
        None => StoreSettings::default(),
    })
}

/// The store's time zone, read inside a transaction.
pub(crate) fn time_zone_in(c: &rusqlite::Connection) -> Result<chrono_tz::Tz, StoreError> {
    parse_time_zone(&settings_in(c)?.time_zone)
}

/// The store's currency code, read inside a transaction.
pub(crate) fn currency_in(c: &rusqlite::Connection) -> Result<String, StoreError> {
    Ok(settings_in(c)?.currency.code().to_string())
}

/// The hour of the day (0–23) `at_ms` falls in, in `zone`.
pub(crate) fn hour_in(zone: chrono_tz::Tz, at_ms: i64) -> u8 {
    use chrono::{TimeZone, Timelike};
    let hour = chrono::Utc.timestamp_millis_opt(at_ms).single().map_or(0, |t| t.with_timezone(&zone).hour());
    u8::try_from(hour).unwrap_or(0)
}

fn default_locale() -> String {
    "de-DE".into()
}

/// A BCP 47 tag as tills can use it: a 2–3 letter language, then subtags of 1–8 letters or
/// digits ("de-DE", "en-US", "sr-Latn-RS"). Anything else would silently fall back to the
/// browser's default on screen, so it is refused when saved.
fn check_locale(tag: &str) -> Result<(), StoreError> {
    let mut parts = tag.split('-');
    let language_ok =
        parts.next().is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if language_ok && rest_ok {
        Ok(())
    } else {
        Err(StoreError::Config(format!("\"{tag}\" is not a locale such as de-DE or en-US")))
    }
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

const SETTINGS_KEY: &str = "store";

/// Checks and saves the settings inside a transaction.
pub(crate) fn save_settings_in(c: &rusqlite::Connection, settings: &StoreSettings) -> Result<(), StoreError> {
    check_locale(&settings.locale)?;
    parse_time_zone(&settings.time_zone)?;
    let json = serde_json::to_string(settings)?;
    c.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![SETTINGS_KEY, json],
    )?;
    Ok(())
}

impl Store {
    pub fn settings(&self) -> Result<StoreSettings, StoreError> {
        self.read(settings_in)
    }

    pub fn save_settings(&self, settings: &StoreSettings) -> Result<(), StoreError> {
        self.write(|tx| save_settings_in(tx, settings))
    }

    /// Creates a register, or renames it; its counters are untouched.
    pub fn ensure_register(&self, id: &str, name: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO registers(id, name, journal_hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                params![id, name, ringup_domain::journal::GENESIS_HASH.to_vec()],
            )?;
            Ok(())
        })
    }

    pub fn upsert_tax_class(&self, class: &TaxClass) -> Result<(), StoreError> {
        let class = TaxClass::new(&class.id, &class.name, class.rate_ppm)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tax_classes(id, name, rate_ppm) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, rate_ppm = excluded.rate_ppm",
                params![class.id, class.name, class.rate_ppm],
            )?;
            Ok(())
        })
    }

    pub fn tax_classes(&self) -> Result<Vec<TaxClass>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT id, name, rate_ppm FROM tax_classes ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok(TaxClass { id: r.get(0)?, name: r.get(1)?, rate_ppm: r.get(2)? }))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{check_locale, hour_in, parse_time_zone};

    #[test]
    fn locales_are_checked_as_bcp47_tags() {
        for good in ["de-DE", "en-US", "fr", "sr-Latn-RS", "es-419"] {
            assert!(check_locale(good).is_ok(), "{good}");
        }
        for bad in ["", "d", "deutsch", "de_DE", "de-", "de-DE-toolongsubtag", "1e-DE", "de DE"] {
            assert!(check_locale(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hours_are_the_stores_local_hours_across_daylight_saving() {
        let berlin = parse_time_zone("Europe/Berlin").expect("a zone");
        // 2026-01-15 11:30 UTC is 12:30 in Berlin (CET); 2026-07-15 11:30 UTC is 13:30 (CEST).
        assert_eq!(hour_in(berlin, 1_768_476_600_000), 12);
        assert_eq!(hour_in(berlin, 1_784_115_000_000), 13);
        assert!(parse_time_zone("Berlin").is_err());
    }
}

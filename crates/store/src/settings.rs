//! Store-wide settings: currency, pricing mode, cash rounding, receipt header and footer.

use crate::{Store, StoreError};
use ringup_domain::tax::TaxClass;
use rusqlite::{OptionalExtension, params};

pub use ringup_protocol::settings::StoreSettings;

fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, StoreError> {
    ringup_protocol::settings::parse_time_zone(name).map_err(StoreError::Config)
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

#[cfg(test)]
fn check_locale(tag: &str) -> Result<(), StoreError> {
    ringup_protocol::settings::check_locale(tag).map_err(StoreError::Config)
}

const SETTINGS_KEY: &str = "store";

/// Checks and saves the settings inside a transaction.
pub(crate) fn save_settings_in(c: &rusqlite::Connection, settings: &StoreSettings) -> Result<(), StoreError> {
    settings.check().map_err(StoreError::Config)?;
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

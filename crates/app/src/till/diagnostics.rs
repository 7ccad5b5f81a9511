//! The diagnostics bundle a technician sends when something is wrong: one zip with the
//! devices as set up (without the terminal's password), their health, the serial ports, the
//! back-end pairing (without its token), the store's settings, versions, and the last lines of
//! the log. Nothing secret goes in: no password, no token, no PIN hash; card numbers in log
//! lines are masked once more, whatever wrote them.

use super::Till;
use crate::AppError;
use ringup_devices::card::mask_card_numbers;
use ringup_domain::permission::Permission;
use std::io::Write;
use std::path::Path;

/// How many of the newest log lines go in.
pub const LOG_LINES: usize = 2_000;

/// The newest `limit` lines of the log files in `dir` (oldest file first), masked.
pub fn recent_log_lines(dir: &Path, limit: usize) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    // Daily files are named by date, so the name orders them.
    files.sort();
    let mut lines: Vec<String> = Vec::new();
    for file in files.iter().rev() {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let mut these: Vec<String> = text.lines().map(mask_card_numbers).collect();
        these.append(&mut lines);
        lines = these;
        if lines.len() >= limit {
            break;
        }
    }
    let skip = lines.len().saturating_sub(limit);
    lines.split_off(skip)
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

impl Till {
    /// Writes the diagnostics bundle into the `exports` folder beside the store file and says
    /// where. `log_dir` is where the app's log files are, if it keeps any.
    pub fn diagnostics_bundle(&self, log_dir: Option<&Path>) -> Result<String, AppError> {
        self.authorise(Permission::PairDevices, None)?;
        let setup = self.device_setup()?;
        let settings = self.store.settings()?;
        let pairing = self.store.pairing()?.map(|p| {
            serde_json::json!({
                "server_url": p.server_url,
                "device_id": p.device_id.to_string(),
                "register_name": p.register_name,
                "paired_at": self.clock.local_text(p.paired_ms),
                "revoked_at": p.revoked_ms.map(|ms| self.clock.local_text(ms)),
                "own_certificate": p.ca_pem.is_some(),
            })
        });
        let config = serde_json::json!({
            "register_id": self.config.register_id,
            "terminal": setup.terminal,
            "printer": setup.printer,
            "back_end": pairing,
            "to_sync": self.store.outbox_pending()?,
            "store": {
                "name": settings.header.name,
                "currency": settings.currency.code(),
                "locale": settings.locale,
            },
        });
        let health = serde_json::json!({
            "terminal": setup.terminal_health,
            "printer": setup.printer_health,
            "status_bar": self.status()?,
        });
        let ports = match (&setup.ports_error, setup.ports.is_empty()) {
            (Some(e), _) => format!("the serial ports could not be listed: {e}\n"),
            (None, true) => "no serial ports\n".to_string(),
            (None, false) => setup.ports.iter().map(|p| format!("{}\n", p.description)).collect(),
        };
        let versions = format!(
            "ringup {}\nstore schema {}\nmade {}\nsystem {}\n",
            env!("CARGO_PKG_VERSION"),
            self.store.schema_version()?,
            self.clock.local_text(self.clock.now_ms()),
            std::fs::read_to_string("/proc/version").unwrap_or_else(|_| std::env::consts::OS.to_string()).trim(),
        );
        let log = match log_dir {
            Some(dir) => {
                let lines = recent_log_lines(dir, LOG_LINES);
                if lines.is_empty() { "no log lines\n".to_string() } else { lines.join("\n") + "\n" }
            }
            None => "this app keeps no log file\n".to_string(),
        };
        let files = [
            ("config.json", pretty(&config)),
            ("health.json", pretty(&health)),
            ("ports.txt", ports),
            ("versions.txt", versions),
            ("log.txt", log),
        ];
        let dir = self.store.path().parent().map(|p| p.join("exports")).unwrap_or_else(|| "exports".into());
        let fail =
            |e: &dyn std::fmt::Display| AppError::Input(format!("the diagnostics bundle could not be written: {e}"));
        std::fs::create_dir_all(&dir).map_err(|e| fail(&e))?;
        let now = self.clock.now_ms();
        // The local minute to read, the milliseconds so two bundles never share a name.
        let stamp = self.clock.local_text(now).replace([' ', ':'], "-");
        let path = dir.join(format!("diagnostics-{}-{stamp}-{:05}.zip", self.config.register_id, now % 100_000));
        let partial = path.with_extension("zip.partial");
        write_zip(&partial, &files).map_err(|e| fail(&e))?;
        std::fs::rename(&partial, &path).map_err(|e| fail(&e))?;
        Ok(path.display().to_string())
    }
}

fn write_zip(path: &Path, files: &[(&str, String)]) -> zip::result::ZipResult<()> {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path)?);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        zip.start_file(*name, options)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.finish()?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_log_lines_come_across_files_in_order_and_masked() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("ringup.log.2026-11-21"), "a1\na2\na3\n").expect("old");
        std::fs::write(dir.path().join("ringup.log.2026-11-22"), "b1\ncard 4111111111111111 seen\n").expect("new");
        assert_eq!(
            recent_log_lines(dir.path(), 3),
            vec!["a3".to_string(), "b1".into(), "card 411111******1111 seen".into()]
        );
        assert_eq!(recent_log_lines(dir.path(), 100).len(), 5);
        assert!(recent_log_lines(&dir.path().join("absent"), 10).is_empty());
    }
}

//! Which card terminal and printer a register uses, as a technician set them up. Every change
//! is journaled (kind `config`) and queued for the back end in the same transaction, so who
//! pointed the till at which device, and when, is on record like a sale. The terminal's
//! password is kept beside the setting (the terminal asks for it on refunds and the end of
//! day), never in the journal, the outbox or a diagnostics bundle.

use crate::journal::append;
use crate::{Store, StoreError};
use ringup_domain::journal::{EntryKind, NewEntry};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

/// A device a register uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRole {
    Terminal,
    Printer,
}

impl DeviceRole {
    pub const ALL: [DeviceRole; 2] = [DeviceRole::Terminal, DeviceRole::Printer];

    pub fn name(self) -> &'static str {
        match self {
            DeviceRole::Terminal => "terminal",
            DeviceRole::Printer => "printer",
        }
    }

    pub fn from_name(name: &str) -> Option<DeviceRole> {
        DeviceRole::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// A device as set up: where it is (`serial:/dev/ttyUSB0:9600`, `tcp:10.0.0.5:20007`…), the
/// protocol it speaks, its options (JSON: the paper width of a printer), who set it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSetting {
    pub role: DeviceRole,
    pub place: String,
    pub protocol: String,
    pub options: String,
    /// Whether a terminal password is kept (the password itself is read with
    /// [`Store::device_secret`] only).
    pub has_secret: bool,
    pub changed_at_ms: i64,
    pub changed_by: String,
}

/// A change to a device's setting. Its `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceChange<'a> {
    pub register_id: &'a str,
    /// The journal entry's id, made where the change was asked for.
    pub id: Uuid,
    pub role: DeviceRole,
    /// `None` removes the device.
    pub place: Option<&'a str>,
    pub protocol: &'a str,
    pub options: &'a str,
    /// `Some` sets the password, `None` keeps the one kept (a new place drops it).
    pub secret: Option<&'a str>,
    pub by: &'a str,
    pub at_ms: i64,
}

impl std::fmt::Debug for DeviceChange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceChange")
            .field("register_id", &self.register_id)
            .field("id", &self.id)
            .field("role", &self.role)
            .field("place", &self.place)
            .field("protocol", &self.protocol)
            .field("options", &self.options)
            .field("secret", &self.secret.map(|_| "(kept, not shown)"))
            .field("by", &self.by)
            .field("at_ms", &self.at_ms)
            .finish()
    }
}

fn setting_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, DeviceSetting)> {
    let role: String = row.get(0)?;
    Ok((
        role.clone(),
        DeviceSetting {
            role: DeviceRole::from_name(&role).unwrap_or(DeviceRole::Terminal),
            place: row.get(1)?,
            protocol: row.get(2)?,
            options: row.get(3)?,
            has_secret: row.get::<_, Option<String>>(4)?.is_some(),
            changed_at_ms: row.get(5)?,
            changed_by: row.get(6)?,
        },
    ))
}

const SELECT: &str = "SELECT role, place, protocol, options, secret, changed_at_ms, changed_by FROM device_config WHERE register_id = ?1";

impl Store {
    /// The register's devices, terminal first.
    pub fn device_settings(&self, register_id: &str) -> Result<Vec<DeviceSetting>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT} ORDER BY role DESC"))?;
            let rows = stmt.query_map(params![register_id], setting_of)?;
            let mut out = Vec::new();
            for row in rows {
                let (name, setting) = row?;
                if DeviceRole::from_name(&name).is_none() {
                    return Err(StoreError::Config(format!("device_config: unknown role {name:?}")));
                }
                out.push(setting);
            }
            Ok(out)
        })
    }

    /// The device's password, when one is kept. Never logged by the caller.
    pub fn device_secret(&self, register_id: &str, role: DeviceRole) -> Result<Option<String>, StoreError> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT secret FROM device_config WHERE register_id = ?1 AND role = ?2",
                params![register_id, role.name()],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
        })
    }

    /// Sets (or removes) a device, journaled with who did it. A change that changes nothing
    /// writes nothing and returns `None`; otherwise the journal sequence of its entry.
    pub fn set_device(&self, change: &DeviceChange<'_>) -> Result<Option<u64>, StoreError> {
        self.write(|tx| {
            let before = tx
                .query_row(
                    "SELECT place, protocol, options, secret FROM device_config WHERE register_id = ?1 AND role = ?2",
                    params![change.register_id, change.role.name()],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, Option<String>>(3)?,
                        ))
                    },
                )
                .optional()?;
            let old_place = before.as_ref().map(|b| b.0.clone());
            let same_place = before.as_ref().is_some_and(|b| Some(b.0.as_str()) == change.place);
            // A new place is a new device: a password kept for the old one does not follow.
            let secret = match change.secret {
                Some(s) => Some(s.to_string()),
                None if same_place => before.as_ref().and_then(|b| b.3.clone()),
                None => None,
            };
            let unchanged = match (&before, change.place) {
                (None, None) => true,
                (Some((place, protocol, options, old_secret)), Some(new_place)) => {
                    place == new_place && protocol == change.protocol && options == change.options && *old_secret == secret
                }
                _ => false,
            };
            if unchanged {
                return Ok(None);
            }
            match change.place {
                Some(place) => tx.execute(
                    "INSERT INTO device_config (register_id, role, place, protocol, options, secret, changed_at_ms, changed_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (register_id, role) DO UPDATE SET place = excluded.place, protocol = excluded.protocol,
                         options = excluded.options, secret = excluded.secret,
                         changed_at_ms = excluded.changed_at_ms, changed_by = excluded.changed_by",
                    params![
                        change.register_id,
                        change.role.name(),
                        place,
                        change.protocol,
                        change.options,
                        secret,
                        change.at_ms,
                        change.by
                    ],
                )?,
                None => tx.execute(
                    "DELETE FROM device_config WHERE register_id = ?1 AND role = ?2",
                    params![change.register_id, change.role.name()],
                )?,
            };
            let options: serde_json::Value = serde_json::from_str(change.options)?;
            // The password is never journaled: only whether one is kept.
            let body = serde_json::json!({
                "device": change.role.name(),
                "place": change.place,
                "previous": old_place,
                "protocol": change.place.map(|_| change.protocol),
                "options": options,
                "password_kept": secret.is_some(),
                "by": change.by,
            })
            .to_string();
            let currency = crate::settings::currency_in(tx)?;
            let entry = append(
                tx,
                NewEntry {
                    register_id: change.register_id.to_string(),
                    kind: EntryKind::Config,
                    document_id: change.id,
                    at_unix_ms: change.at_ms,
                    currency,
                    turnover_minor: 0,
                    body,
                },
            )?;
            crate::commit::outbox(tx, "device.config", &entry, change.at_ms)?;
            Ok(Some(entry.data.seq))
        })
    }
}

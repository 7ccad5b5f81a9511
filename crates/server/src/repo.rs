//! The repository: every read and write of the back end, the same code on SQLite and
//! PostgreSQL. Times come in as arguments (the caller's clock), so tests can move them.

use crate::db::Db;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ringup_domain::permission::Role;
use ringup_protocol::{DeviceInfo, PAIRING_CODE_ALPHABET, PAIRING_CODE_LEN, PAIRING_CODE_TTL_MS, Paired};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// A pairing code that cannot be used; the message says why.
    #[error("{0}")]
    Code(String),
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// A catalog file with problems, by line and column: nothing of it was written.
    #[error("the catalog file was not imported, nothing changed; {} problem(s), first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Import(Vec<ringup_protocol::catalog::ImportIssue>),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

pub type Result<T> = std::result::Result<T, RepoError>;

/// SHA-256 in lower-case hex: how tokens and pairing codes are kept. Both are long random
/// values, so a fast hash is enough (a slow one is for what people choose, like PINs).
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RepoError::Invalid(format!("no randomness from the system: {e}")))?;
    Ok(bytes)
}

/// A device token: 32 random bytes, hex, with a prefix that makes a leaked one easy to spot.
fn new_token() -> Result<String> {
    Ok(format!("rgd_{}", hex::encode(random_bytes::<32>()?)))
}

/// A pairing code of [`PAIRING_CODE_LEN`] letters from [`PAIRING_CODE_ALPHABET`].
fn new_pairing_code() -> Result<String> {
    let bytes = random_bytes::<PAIRING_CODE_LEN>()?;
    // 256 is not a multiple of 31: the first 248 values map evenly; redraw the rest.
    let mut code = String::with_capacity(PAIRING_CODE_LEN);
    let mut extra = random_bytes::<64>()?.into_iter();
    for mut b in bytes {
        while usize::from(b) >= 248 {
            b = extra.next().ok_or_else(|| RepoError::Invalid("no randomness left for a code".into()))?;
        }
        code.push(char::from(PAIRING_CODE_ALPHABET[usize::from(b) % PAIRING_CODE_ALPHABET.len()]));
    }
    Ok(code)
}

/// A code as a person may type it: spaces and dashes dropped, upper case.
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase()
}

/// A staff PIN as the terminals check it: argon2id, 19 MiB, 2 passes (the terminal's own
/// parameters, so a pulled hash verifies there).
fn hash_pin(pin: &str) -> Result<String> {
    if pin.len() < 4 || pin.len() > 12 || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(RepoError::Invalid("a PIN is 4 to 12 digits".into()));
    }
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| RepoError::Invalid(e.to_string()))?;
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| RepoError::Invalid(e.to_string()))?;
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| RepoError::Invalid(e.to_string()))?;
    Ok(hash.to_string())
}

pub(crate) fn text(row: &AnyRow, column: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(column)?)
}

fn uuid(row: &AnyRow, column: &str) -> Result<Uuid> {
    let s = text(row, column)?;
    Uuid::parse_str(&s).map_err(|_| RepoError::Invalid(format!("{column} {s:?} is not a UUID")))
}

pub(crate) fn int(row: &AnyRow, column: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(column)?)
}

pub(crate) fn u64_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(crate) fn i64_of(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| RepoError::Invalid(format!("{what} {value} is out of range")))
}

fn check_name(what: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(RepoError::Invalid(format!("a {what} name is 1 to 100 characters")));
    }
    Ok(name.to_string())
}

/// For `map_err` on an insert: a unique constraint hit (a name that exists) is a conflict said
/// as `message`; any other error stays what it is.
pub(crate) fn conflict_if_taken(message: impl FnOnce() -> String) -> impl FnOnce(sqlx::Error) -> RepoError {
    move |e| {
        if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
            RepoError::Conflict(message())
        } else {
            e.into()
        }
    }
}

/// The authenticated caller of a device endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub store_id: Uuid,
    pub register_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: Uuid,
    pub store: String,
    pub register: String,
    pub name: Option<String>,
    pub high_seq: u64,
    pub paired_ms: i64,
    pub revoked_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
}

/// A store's turnover as the server holds it, per currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turnover {
    pub currency: String,
    pub entries: u64,
    pub turnover_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub terminal_register: String,
    pub seq: u64,
    pub reason: String,
}

impl Db {
    pub async fn create_store(&self, name: &str, now_ms: i64) -> Result<Uuid> {
        let name = check_name("store", name)?;
        let id = Uuid::now_v7();
        sqlx::query(self.sql("INSERT INTO stores(id, name, created_ms) VALUES (?, ?, ?)"))
            .bind(id.to_string())
            .bind(&name)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(conflict_if_taken(|| format!("a store named {name:?} exists")))?;
        Ok(id)
    }

    /// A store by id or by name.
    pub async fn store_id(&self, id_or_name: &str) -> Result<Uuid> {
        let row = sqlx::query(self.sql("SELECT id FROM stores WHERE id = ? OR name = ?"))
            .bind(id_or_name)
            .bind(id_or_name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RepoError::NotFound(format!("no store {id_or_name:?}")))?;
        uuid(&row, "id")
    }

    pub async fn create_register(&self, store_id: Uuid, name: &str, now_ms: i64) -> Result<Uuid> {
        let name = check_name("register", name)?;
        let id = Uuid::now_v7();
        sqlx::query(self.sql("INSERT INTO registers(id, store_id, name, created_ms) VALUES (?, ?, ?, ?)"))
            .bind(id.to_string())
            .bind(store_id.to_string())
            .bind(&name)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(conflict_if_taken(|| format!("the store has a register named {name:?}")))?;
        Ok(id)
    }

    /// A register by id, or by name within a store.
    pub async fn register_id(&self, store_id: Uuid, id_or_name: &str) -> Result<Uuid> {
        let row = sqlx::query(self.sql("SELECT id FROM registers WHERE store_id = ? AND (id = ? OR name = ?)"))
            .bind(store_id.to_string())
            .bind(id_or_name)
            .bind(id_or_name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RepoError::NotFound(format!("the store has no register {id_or_name:?}")))?;
        uuid(&row, "id")
    }

    pub async fn add_staff(&self, store_id: Uuid, name: &str, role: &str, pin: &str, now_ms: i64) -> Result<Uuid> {
        let name = check_name("staff", name)?;
        let role = Role::from_name(role).ok_or_else(|| {
            RepoError::Invalid(format!("{role:?} is not a role (cashier, manager, technician or admin)"))
        })?;
        let pin_hash = hash_pin(pin)?;
        let id = Uuid::now_v7();
        let mut tx = self.pool.begin().await?;
        let rev = crate::catalog::take_revs(self, &mut tx, store_id, 1).await?;
        sqlx::query(self.sql(
            "INSERT INTO staff(id, store_id, name, role, pin_hash, active, created_ms, rev) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
        ))
        .bind(id.to_string())
        .bind(store_id.to_string())
        .bind(&name)
        .bind(role.name())
        .bind(pin_hash)
        .bind(now_ms)
        .bind(i64_of(rev, "revision")?)
        .execute(&mut *tx)
        .await
        .map_err(conflict_if_taken(|| format!("the store has staff named {name:?}")))?;
        tx.commit().await?;
        Ok(id)
    }

    /// A one-time pairing code for a register, valid for ten minutes. Only its hash is kept.
    pub async fn create_pairing_code(&self, register_id: Uuid, now_ms: i64) -> Result<String> {
        let code = new_pairing_code()?;
        sqlx::query(
            self.sql("INSERT INTO pairing_codes(code_hash, register_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)"),
        )
        .bind(digest(&code))
        .bind(register_id.to_string())
        .bind(now_ms)
        .bind(now_ms + PAIRING_CODE_TTL_MS)
        .execute(&self.pool)
        .await?;
        Ok(code)
    }

    /// Exchanges a pairing code for a new device and its token, once.
    pub async fn pair(&self, code: &str, name: Option<&str>, now_ms: i64) -> Result<Paired> {
        self.pair_with_key(code, name, None, now_ms).await
    }

    /// [`Db::pair`] where the terminal chose its token and sends only its SHA-256 (hex): the
    /// token never travels, and the same code with the same hash again (the answer was lost)
    /// answers the same device instead of refusing a used code. The answer's `token` is then
    /// empty: the terminal has it.
    pub async fn pair_with_key(
        &self,
        code: &str,
        name: Option<&str>,
        token_sha256: Option<&str>,
        now_ms: i64,
    ) -> Result<Paired> {
        if let Some(hash) = token_sha256
            && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(RepoError::Invalid("token_sha256 is 64 lower-case hex digits".into()));
        }
        let name = name.map(|n| check_name("device", n)).transpose()?;
        let code = normalise_code(code);
        if code.len() != PAIRING_CODE_LEN {
            return Err(RepoError::Code(format!("a pairing code is {PAIRING_CODE_LEN} characters")));
        }
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(self.sql(format!(
            "SELECT p.register_id, p.expires_ms, p.used_ms, r.store_id, r.name
               FROM pairing_codes p JOIN registers r ON r.id = p.register_id WHERE p.code_hash = ?{}",
            self.for_update_of("p")
        )))
        .bind(digest(&code))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| RepoError::Code("this pairing code is not known: check it, or make a new one".into()))?;
        if int(&row, "expires_ms")? <= now_ms {
            return Err(RepoError::Code("this pairing code has expired (after 10 minutes): make a new one".into()));
        }
        if row.try_get::<Option<i64>, _>("used_ms")?.is_some() {
            // The same terminal asking again (its answer was lost) gets the same device.
            if let Some(hash) = token_sha256 {
                let again = sqlx::query(
                    self.sql("SELECT id FROM devices WHERE token_hash = ? AND register_id = ? AND revoked_ms IS NULL"),
                )
                .bind(hash)
                .bind(text(&row, "register_id")?)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(device) = again {
                    return Ok(Paired {
                        device_id: uuid(&device, "id")?,
                        token: String::new(),
                        store_id: uuid(&row, "store_id")?,
                        register_id: uuid(&row, "register_id")?,
                        register_name: text(&row, "name")?,
                    });
                }
            }
            return Err(RepoError::Code("this pairing code was used already: make a new one".into()));
        }
        // Marking the code used is the guard: of two tries at once, one updates the row.
        let used =
            sqlx::query(self.sql("UPDATE pairing_codes SET used_ms = ? WHERE code_hash = ? AND used_ms IS NULL"))
                .bind(now_ms)
                .bind(digest(&code))
                .execute(&mut *tx)
                .await?;
        if used.rows_affected() != 1 {
            return Err(RepoError::Code("this pairing code was used already: make a new one".into()));
        }
        let token = match token_sha256 {
            Some(_) => String::new(),
            None => new_token()?,
        };
        let token_hash = token_sha256.map_or_else(|| digest(&token), str::to_string);
        let paired = Paired {
            device_id: Uuid::now_v7(),
            token,
            store_id: uuid(&row, "store_id")?,
            register_id: uuid(&row, "register_id")?,
            register_name: text(&row, "name")?,
        };
        // A register is one till: the device paired before it (a replaced or re-installed
        // till) is unpaired, so two devices never write one register's chain.
        sqlx::query(self.sql("UPDATE devices SET revoked_ms = ? WHERE register_id = ? AND revoked_ms IS NULL"))
            .bind(now_ms)
            .bind(paired.register_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(self.sql(
            "INSERT INTO devices(id, store_id, register_id, name, token_hash, high_seq, paired_ms) VALUES (?, ?, ?, ?, ?, 0, ?)",
        ))
        .bind(paired.device_id.to_string())
        .bind(paired.store_id.to_string())
        .bind(paired.register_id.to_string())
        .bind(name)
        .bind(token_hash)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(paired)
    }

    /// The device a bearer token belongs to, if it is still paired.
    pub async fn device_by_token(&self, token: &str) -> Result<Device> {
        let row =
            sqlx::query(self.sql("SELECT id, store_id, register_id, revoked_ms FROM devices WHERE token_hash = ?"))
                .bind(digest(token))
                .fetch_optional(&self.pool)
                .await?
                .ok_or(RepoError::Unauthorized {
                    code: "unknown_token",
                    message: "this device is not paired".into(),
                })?;
        if row.try_get::<Option<i64>, _>("revoked_ms")?.is_some() {
            return Err(RepoError::Unauthorized {
                code: "device_revoked",
                message: "this device was unpaired: pair it again with a new code".into(),
            });
        }
        Ok(Device { id: uuid(&row, "id")?, store_id: uuid(&row, "store_id")?, register_id: uuid(&row, "register_id")? })
    }

    pub async fn device_info(&self, device: &Device) -> Result<DeviceInfo> {
        let row = sqlx::query(self.sql("SELECT high_seq FROM devices WHERE id = ?"))
            .bind(device.id.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(DeviceInfo {
            device_id: device.id,
            store_id: device.store_id,
            register_id: device.register_id,
            high_seq: u64_of(int(&row, "high_seq")?),
        })
    }

    pub async fn list_devices(&self) -> Result<Vec<DeviceRow>> {
        let rows = sqlx::query(
            "SELECT d.id, s.name AS store, r.name AS register, d.name, d.high_seq, d.paired_ms, d.revoked_ms, d.last_seen_ms
               FROM devices d JOIN stores s ON s.id = d.store_id JOIN registers r ON r.id = d.register_id
              ORDER BY s.name, r.name, d.paired_ms",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeviceRow {
                    id: uuid(row, "id")?,
                    store: text(row, "store")?,
                    register: text(row, "register")?,
                    name: row.try_get("name")?,
                    high_seq: u64_of(int(row, "high_seq")?),
                    paired_ms: int(row, "paired_ms")?,
                    revoked_ms: row.try_get("revoked_ms")?,
                    last_seen_ms: row.try_get("last_seen_ms")?,
                })
            })
            .collect()
    }

    /// Unpairs a device: its token is refused from now on. Revoking twice changes nothing.
    pub async fn revoke_device(&self, device_id: Uuid, now_ms: i64) -> Result<()> {
        let done = sqlx::query(self.sql("UPDATE devices SET revoked_ms = COALESCE(revoked_ms, ?) WHERE id = ?"))
            .bind(now_ms)
            .bind(device_id.to_string())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(RepoError::NotFound(format!("no device {device_id}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_codes_use_the_unambiguous_letters_only() {
        for _ in 0..200 {
            let code = new_pairing_code().expect("code");
            assert_eq!(code.len(), PAIRING_CODE_LEN);
            assert!(code.bytes().all(|b| PAIRING_CODE_ALPHABET.contains(&b)), "{code}");
        }
        assert_eq!(normalise_code(" abcd-efgh "), "ABCDEFGH");
    }

    #[test]
    fn tokens_are_long_random_and_stored_as_their_hash() {
        let (a, b) = (new_token().expect("token"), new_token().expect("token"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
    }

    #[test]
    fn a_pin_is_hashed_with_argon2id_and_checked() {
        let hash = hash_pin("4711").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(matches!(hash_pin("12a4"), Err(RepoError::Invalid(_))));
        assert!(matches!(hash_pin("123"), Err(RepoError::Invalid(_))));
    }
}

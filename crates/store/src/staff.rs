//! Staff and their PINs. A PIN is 4 to 8 digits, stored only as an argon2id hash (19 MiB, two
//! passes: the OWASP minimum), so a stolen database does not give PINs away. Signing in
//! compares the PIN with each active member's hash; which member it opens is the answer.

use crate::{Store, StoreError};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rusqlite::params;

pub use ringup_domain::permission::Role;
use ringup_domain::permission::pin_lockout_ms;
use rusqlite::OptionalExtension;

/// Wrong PINs in a row on a register, and until when PIN entry is locked (0: not locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinLock {
    pub failures: u32,
    pub locked_until_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// argon2id with 19 MiB of memory, 2 passes, 1 lane.
fn params() -> Result<Params, StoreError> {
    Params::new(19 * 1024, 2, 1, None).map_err(|e| StoreError::Config(e.to_string()))
}

/// The size argon2's work area is allocated at: just above glibc's largest heap threshold
/// (32 MiB on 64-bit), so the allocation is mapped on its own and handed back to the OS when
/// dropped. Allocated at its exact 19 MiB (what `PasswordHasher` does), glibc raises its mmap
/// threshold after the first one is freed and keeps every later one in its heap for good:
/// measured, a till held 38 MiB more after two PIN checks. Only the blocks argon2 uses are
/// touched; the rest of the mapping never becomes memory.
const WORK_AREA_BLOCKS: usize = 33 * 1024;

/// Runs argon2 with `params` into `out`, in a work area that is returned to the OS afterwards.
fn argon2_into(argon: &Argon2<'_>, params: &Params, pin: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let mut area: Vec<Block> = Vec::with_capacity(WORK_AREA_BLOCKS.max(params.block_count()));
    area.resize(params.block_count(), Block::new());
    argon.hash_password_into_with_memory(pin, salt, out, &mut area)
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `pin`, readable by any
/// argon2 implementation.
fn hash_pin(pin: &str) -> Result<String, StoreError> {
    let fail = |e: &dyn std::fmt::Display| StoreError::Config(format!("the PIN could not be hashed: {e}"));
    let params = params()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output =
        Output::init_with(len, |out| argon2_into(&argon, &params, pin.as_bytes(), salt_bytes, out).map_err(Into::into))
            .map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `pin` is the one `hash` was made from, with the parameters the hash names (so
/// hashes made with other costs still check). The comparison takes constant time.
fn pin_matches(pin: &str, hash: &PasswordHash<'_>) -> Result<bool, StoreError> {
    let bad = |e: &dyn std::fmt::Display| StoreError::Config(format!("a stored PIN hash is unreadable: {e}"));
    let algorithm = Algorithm::try_from(hash.algorithm).map_err(|e| bad(&e))?;
    let version = hash.version.map(Version::try_from).transpose().map_err(|e| bad(&e))?.unwrap_or_default();
    let params = Params::try_from(hash).map_err(|e| bad(&e))?;
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Err(bad(&"no salt or no hash"));
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| bad(&e))?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = Output::init_with(expected.len(), |out| {
        argon2_into(&argon, &params, pin.as_bytes(), salt_bytes, out).map_err(Into::into)
    })
    .map_err(|e| bad(&e))?;
    Ok(computed == expected)
}

fn check_pin(pin: &str) -> Result<(), StoreError> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(StoreError::Config("a PIN is 4 to 8 digits".into()))
    }
}

impl Store {
    /// Adds (or replaces) a member of staff with a new PIN. A PIN another active member
    /// already has is refused: the PIN alone says who signs in.
    pub fn set_staff(&self, id: &str, name: &str, role: Role, pin: &str) -> Result<(), StoreError> {
        check_pin(pin)?;
        if let Some(other) = self.staff_with_pin(pin)?
            && other.id != id
        {
            return Err(StoreError::Conflict("another member of staff has this PIN; choose another".into()));
        }
        let hash = hash_pin(pin)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO staff(id, name, role, pin_hash, active) VALUES (?1, ?2, ?3, ?4, 1)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
                     pin_hash = excluded.pin_hash, active = 1",
                params![id, name, role.name(), hash],
            )?;
            Ok(())
        })
    }

    /// The active member of staff whose PIN this is, if any.
    pub fn staff_with_pin(&self, pin: &str) -> Result<Option<Staff>, StoreError> {
        if check_pin(pin).is_err() {
            return Ok(None);
        }
        let rows: Vec<(String, String, String, String)> = self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT id, name, role, pin_hash FROM staff WHERE active = 1 ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        for (id, name, role, hash) in rows {
            let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Config(format!("staff {id}: {e}")))?;
            if pin_matches(pin, &parsed)? {
                let role =
                    Role::from_name(&role).ok_or_else(|| StoreError::Config(format!("staff {id}: role {role}")))?;
                return Ok(Some(Staff { id, name, role }));
            }
        }
        Ok(None)
    }

    /// How long PIN entry on `register_id` stays locked from `now_ms`, if it is (ms left).
    pub fn pin_locked_for(&self, register_id: &str, now_ms: i64) -> Result<Option<i64>, StoreError> {
        let until: Option<i64> = self.read(|c| {
            Ok(c.prepare_cached("SELECT locked_until_ms FROM pin_guard WHERE register_id = ?1")?
                .query_row([register_id], |r| r.get(0))
                .optional()?)
        })?;
        Ok(until.filter(|u| *u > now_ms).map(|u| u - now_ms))
    }

    /// Counts a wrong PIN on `register_id` (durably: killing the app does not reset it) and
    /// locks PIN entry as [`pin_lockout_ms`] says.
    pub fn record_pin_failure(&self, register_id: &str, now_ms: i64) -> Result<PinLock, StoreError> {
        self.write(|tx| {
            let failures: u32 = tx
                .prepare_cached("SELECT failures FROM pin_guard WHERE register_id = ?1")?
                .query_row([register_id], |r| r.get(0))
                .optional()?
                .unwrap_or(0);
            let failures = failures.saturating_add(1);
            let locked_until_ms = pin_lockout_ms(failures).map_or(0, |ms| now_ms + ms);
            tx.prepare_cached(
                "INSERT INTO pin_guard(register_id, failures, locked_until_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(register_id) DO UPDATE SET failures = excluded.failures,
                     locked_until_ms = excluded.locked_until_ms",
            )?
            .execute(params![register_id, failures, locked_until_ms])?;
            Ok(PinLock { failures, locked_until_ms })
        })
    }

    /// A right PIN: the count of failures starts again.
    pub fn clear_pin_failures(&self, register_id: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM pin_guard WHERE register_id = ?1")?.execute([register_id])?;
            Ok(())
        })
    }

    /// How many active members of staff there are.
    pub fn staff_count(&self) -> Result<u32, StoreError> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM staff WHERE active = 1", [], |r| r.get(0))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn our_pin_hashes_are_standard_argon2id_at_the_owasp_minimum() {
        let stored = hash_pin("4711").expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        let parsed = PasswordHash::new(&stored).expect("a PHC string");
        // The argon2 crate's own verifier (its own work area) agrees with ours.
        Argon2::default().verify_password(b"4711", &parsed).expect("the standard verifier accepts it");
        assert!(Argon2::default().verify_password(b"4712", &parsed).is_err());
        assert!(pin_matches("4711", &parsed).expect("checks"));
        assert!(!pin_matches("4712", &parsed).expect("checks"));
        assert_ne!(hash_pin("4711").expect("hash"), stored, "every hash has its own salt");
    }

    #[test]
    fn hashes_made_elsewhere_and_with_other_costs_still_check() {
        let params = Params::new(8 * 1024, 1, 1, None).expect("params");
        let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let stored = other.hash_password(b"12345678", &salt).expect("hash").to_string();
        let parsed = PasswordHash::new(&stored).expect("a PHC string");
        assert!(pin_matches("12345678", &parsed).expect("checks"));
        assert!(!pin_matches("12345679", &parsed).expect("checks"));

        let no_hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ").expect("a PHC string");
        assert!(pin_matches("1234", &no_hash).is_err(), "a hash without its output is an error, not a match");
    }
}

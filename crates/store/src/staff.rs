//! Staff and their PINs. A PIN is 4 to 8 digits, stored only as an argon2id hash (19 MiB, two
//! passes: the OWASP minimum), so a stolen database does not give PINs away. Signing in
//! compares the PIN with each active member's hash; which member it opens is the answer.

use crate::{Store, StoreError};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::params;

pub use ringup_domain::permission::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// argon2id with 19 MiB of memory, 2 passes, 1 lane.
fn hasher() -> Result<Argon2<'static>, StoreError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| StoreError::Config(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
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
        let salt = SaltString::generate(&mut OsRng);
        let hash = hasher()?
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|e| StoreError::Config(format!("the PIN could not be hashed: {e}")))?
            .to_string();
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
        let argon = hasher()?;
        for (id, name, role, hash) in rows {
            let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Config(format!("staff {id}: {e}")))?;
            if argon.verify_password(pin.as_bytes(), &parsed).is_ok() {
                let role =
                    Role::from_name(&role).ok_or_else(|| StoreError::Config(format!("staff {id}: role {role}")))?;
                return Ok(Some(Staff { id, name, role }));
            }
        }
        Ok(None)
    }

    /// How many active members of staff there are.
    pub fn staff_count(&self) -> Result<u32, StoreError> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM staff WHERE active = 1", [], |r| r.get(0))?))
    }
}

//! Card payment attempts in the store (see `ringup_domain::attempt` for the state machine).
//! Each write is its own committed transaction: `begin_attempt` returns only once the attempt
//! is on disk, and only then may the first byte go to the terminal.

use crate::{Store, StoreError};
use ringup_domain::attempt::{AttemptKind, AttemptState};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    pub id: Uuid,
    pub sale_id: Uuid,
    pub register_id: String,
    pub kind: AttemptKind,
    pub amount_minor: i64,
    pub currency: String,
    /// For a reversal: the approved attempt it cancels.
    pub reverses: Option<Uuid>,
}

/// What the terminal said about an attempt. Never a full PAN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptDetails {
    pub result_code: Option<u8>,
    pub reason: Option<String>,
    pub masked_pan: Option<String>,
    pub card_type: Option<String>,
    pub terminal_id: Option<String>,
    pub trace_no: Option<u32>,
    pub card_receipt_no: Option<u32>,
    pub slip: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub new: NewAttempt,
    pub state: AttemptState,
    pub details: AttemptDetails,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLUMNS: &str = "id, sale_id, register_id, kind, amount_minor, currency, reverses, state, created_ms, updated_ms,
     result_code, reason, masked_pan, card_type, terminal_id, trace_no, card_receipt_no, slip";

fn bad(index: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, what.to_string().into())
}

fn uuid_at(r: &Row<'_>, index: usize) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(&r.get::<_, String>(index)?).map_err(|_| bad(index, "not a UUID"))
}

fn attempt_from_row(r: &Row<'_>) -> rusqlite::Result<Attempt> {
    let reverses: Option<String> = r.get(6)?;
    let slip: Option<String> = r.get(17)?;
    Ok(Attempt {
        new: NewAttempt {
            id: uuid_at(r, 0)?,
            sale_id: uuid_at(r, 1)?,
            register_id: r.get(2)?,
            kind: AttemptKind::from_name(&r.get::<_, String>(3)?).ok_or_else(|| bad(3, "unknown attempt kind"))?,
            amount_minor: r.get(4)?,
            currency: r.get(5)?,
            reverses: reverses.map(|s| Uuid::parse_str(&s).map_err(|_| bad(6, "not a UUID"))).transpose()?,
        },
        state: AttemptState::from_name(&r.get::<_, String>(7)?).ok_or_else(|| bad(7, "unknown attempt state"))?,
        created_ms: r.get(8)?,
        updated_ms: r.get(9)?,
        details: AttemptDetails {
            result_code: r.get(10)?,
            reason: r.get(11)?,
            masked_pan: r.get(12)?,
            card_type: r.get(13)?,
            terminal_id: r.get(14)?,
            trace_no: r.get(15)?,
            card_receipt_no: r.get(16)?,
            slip: slip.map(|s| s.lines().map(str::to_string).collect()).unwrap_or_default(),
        },
    })
}

pub(crate) fn attempt_in(tx: &rusqlite::Connection, id: &Uuid) -> Result<Option<Attempt>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM payment_attempts WHERE id = ?1");
    Ok(tx.prepare_cached(&sql)?.query_row([id.to_string()], attempt_from_row).optional()?)
}

fn event(
    tx: &Transaction<'_>,
    id: &Uuid,
    from: Option<AttemptState>,
    to: AttemptState,
    at_ms: i64,
    note: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO payment_attempt_events(attempt_id, seq, from_state, to_state, at_ms, note)
         SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4, ?5 FROM payment_attempt_events WHERE attempt_id = ?1",
    )?
    .execute(params![id.to_string(), from.map(|s| s.name()), to.name(), at_ms, note])?;
    Ok(())
}

impl Store {
    /// Records an attempt in state `sent`, durably. Recording the same attempt again is a no-op
    /// (a retried call); a different attempt under the same id is a conflict.
    pub fn begin_attempt(&self, new: &NewAttempt, at_ms: i64) -> Result<(), StoreError> {
        if new.amount_minor <= 0 {
            return Err(StoreError::Conflict(format!("a card attempt of {} is not a payment", new.amount_minor)));
        }
        self.write(|tx| {
            if let Some(existing) = attempt_in(tx, &new.id)? {
                return if existing.new == *new {
                    Ok(())
                } else {
                    Err(StoreError::Conflict(format!("attempt {} exists with other content", new.id)))
                };
            }
            tx.prepare_cached(
                "INSERT INTO payment_attempts(id, sale_id, register_id, kind, amount_minor, currency, reverses, state,
                     created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'sent', ?8, ?8)",
            )?
            .execute(params![
                new.id.to_string(),
                new.sale_id.to_string(),
                new.register_id,
                new.kind.name(),
                new.amount_minor,
                new.currency,
                new.reverses.map(|r| r.to_string()),
                at_ms
            ])?;
            event(tx, &new.id, None, AttemptState::Sent, at_ms, "recorded before sending")?;
            Ok(())
        })
    }

    /// Moves an attempt to `next` with what the terminal said, if the state machine allows it.
    /// Recording the state it is already in (a retry) changes nothing.
    pub fn record_attempt(
        &self,
        id: Uuid,
        next: AttemptState,
        details: &AttemptDetails,
        note: &str,
        at_ms: i64,
    ) -> Result<Attempt, StoreError> {
        self.write(|tx| {
            let current = attempt_in(tx, &id)?.ok_or_else(|| StoreError::NotFound(format!("payment attempt {id}")))?;
            if current.state == next {
                return Ok(current);
            }
            current.state.transition(next)?;
            // Keep what an earlier answer told us when a later one (a reversal) says less.
            let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
            let slip = if details.slip.is_empty() { current.details.slip.join("\n") } else { details.slip.join("\n") };
            tx.prepare_cached(
                "UPDATE payment_attempts SET state = ?2, updated_ms = ?3, result_code = ?4, reason = ?5, masked_pan = ?6,
                     card_type = ?7, terminal_id = ?8, trace_no = ?9, card_receipt_no = ?10, slip = ?11 WHERE id = ?1",
            )?
            .execute(params![
                id.to_string(),
                next.name(),
                at_ms,
                details.result_code.or(current.details.result_code),
                keep(&details.reason, &current.details.reason),
                keep(&details.masked_pan, &current.details.masked_pan),
                keep(&details.card_type, &current.details.card_type),
                keep(&details.terminal_id, &current.details.terminal_id),
                details.trace_no.or(current.details.trace_no),
                details.card_receipt_no.or(current.details.card_receipt_no),
                if slip.is_empty() { None } else { Some(slip) }
            ])?;
            event(tx, &id, Some(current.state), next, at_ms, note)?;
            let now = attempt_in(tx, &id)?.ok_or_else(|| StoreError::NotFound(format!("payment attempt {id}")))?;
            // What the back end gets is what was known at this change, kept with the event:
            // the amount and the masked card, never the slip or more of the card.
            let d = &now.details;
            let payload = serde_json::json!({
                "attempt_id": id,
                "state": next.name(),
                "sale_id": now.new.sale_id,
                "kind": now.new.kind.name(),
                "amount_minor": now.new.amount_minor,
                "currency": now.new.currency,
                "reverses": now.new.reverses,
                "result_code": d.result_code,
                "reason": d.reason,
                "masked_pan": d.masked_pan,
                "card_type": d.card_type,
                "terminal_id": d.terminal_id,
                "trace_no": d.trace_no,
            })
            .to_string();
            crate::commit::enqueue(tx, &format!("payment_attempt.{}", next.name()), id, &payload, at_ms)?;
            Ok(now)
        })
    }

    pub fn attempt(&self, id: Uuid) -> Result<Option<Attempt>, StoreError> {
        self.read(|c| attempt_in(c, &id))
    }

    /// Attempts still waiting for an answer (`sent` or `unknown`), oldest first.
    pub fn unresolved_attempts(&self) -> Result<Vec<Attempt>, StoreError> {
        self.query_attempts("WHERE state IN ('sent', 'unknown') ORDER BY created_ms, id", [])
    }

    /// Approved authorizations that are not a tender of a completed sale: money taken for a
    /// sale that was abandoned (a crash, a walk-out) or paid otherwise while the terminal's
    /// answer was unknown. They must be reversed.
    pub fn approved_attempts_without_sale(&self) -> Result<Vec<Attempt>, StoreError> {
        self.query_attempts(
            "WHERE state = 'approved' AND kind = 'authorization'
               AND NOT EXISTS (SELECT 1 FROM payments p JOIN sales s ON s.id = p.sale_id
                               WHERE p.id = payment_attempts.id AND s.state = 'completed')
             ORDER BY created_ms, id",
            [],
        )
    }

    /// Approved card refunds whose refund was never recorded (the till died in between): money
    /// went back to a card with no refund document behind it. They must be reversed.
    pub fn approved_refunds_without_document(&self) -> Result<Vec<Attempt>, StoreError> {
        self.query_attempts(
            "WHERE state = 'approved' AND kind = 'refund'
               AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.id = payment_attempts.sale_id)
             ORDER BY created_ms, id",
            [],
        )
    }

    /// The same three lists for one register: a till settles only its own attempts, with its
    /// own terminal (another register's attempt is another terminal's transaction).
    pub fn unresolved_attempts_of(&self, register_id: &str) -> Result<Vec<Attempt>, StoreError> {
        Ok(self.unresolved_attempts()?.into_iter().filter(|a| a.new.register_id == register_id).collect())
    }

    pub fn abandoned_approvals_of(&self, register_id: &str) -> Result<Vec<Attempt>, StoreError> {
        let sales = self.approved_attempts_without_sale()?.into_iter();
        let refunds = self.approved_refunds_without_document()?.into_iter();
        Ok(sales.chain(refunds).filter(|a| a.new.register_id == register_id).collect())
    }

    /// When an attempt was created relative to another: the order attempts were written in.
    pub fn attempt_created_before(&self, earlier: Uuid, later: Uuid) -> Result<bool, StoreError> {
        let (Some(a), Some(b)) = (self.attempt(earlier)?, self.attempt(later)?) else { return Ok(false) };
        Ok((a.created_ms, a.new.id) < (b.created_ms, b.new.id))
    }

    /// The attempt of the same register written right before `id` (attempts of a register go
    /// to its terminal one at a time, in this order).
    pub fn attempt_before(&self, id: Uuid) -> Result<Option<Attempt>, StoreError> {
        let Some(this) = self.attempt(id)? else { return Ok(None) };
        let earlier = self.query_attempts(
            "WHERE register_id = ?1 AND (created_ms < ?2 OR (created_ms = ?2 AND id < ?3)) \
             ORDER BY created_ms DESC, id DESC LIMIT 1",
            params![this.new.register_id, this.created_ms, id.to_string()],
        )?;
        Ok(earlier.into_iter().next())
    }

    /// The attempt that holds a terminal transaction, if any.
    pub fn attempt_with_trace(&self, terminal_id: &str, trace_no: u32) -> Result<Option<Uuid>, StoreError> {
        self.read(|c| {
            let id: Option<String> = c
                .prepare_cached("SELECT id FROM payment_attempts WHERE terminal_id = ?1 AND trace_no = ?2")?
                .query_row(params![terminal_id, trace_no], |r| r.get(0))
                .optional()?;
            id.map(|s| Uuid::parse_str(&s).map_err(|e| StoreError::Config(format!("attempt id: {e}")))).transpose()
        })
    }

    pub fn attempts_for_sale(&self, sale_id: Uuid) -> Result<Vec<Attempt>, StoreError> {
        self.query_attempts("WHERE sale_id = ?1 ORDER BY created_ms, id", [sale_id.to_string()])
    }

    /// Whether some attempt already holds this terminal transaction, so that one terminal
    /// receipt is never matched to two attempts.
    pub fn trace_is_claimed(&self, terminal_id: &str, trace_no: u32) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT 1 FROM payment_attempts WHERE terminal_id = ?1 AND trace_no = ?2")?
                .query_row(params![terminal_id, trace_no], |_| Ok(()))
                .optional()?
                .is_some())
        })
    }

    fn query_attempts<P: rusqlite::Params>(&self, tail: &str, params: P) -> Result<Vec<Attempt>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM payment_attempts {tail}");
        self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params, attempt_from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

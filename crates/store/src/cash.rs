//! Cash movements that are not sales. Today the "no sale" (the drawer opened without money
//! moving), journaled before the drawer is kicked so no opening goes unrecorded.

use crate::journal::append;
use crate::{Store, StoreError};
use ringup_domain::journal::{EntryKind, NewEntry};
use uuid::Uuid;

impl Store {
    /// Journals a "no sale": the drawer opened without money moving, by whom (and who approved
    /// it with their PIN, if someone else did) and why. Written before the drawer is kicked, so
    /// no opening goes unrecorded.
    #[allow(clippy::too_many_arguments)] // Each is a distinct fact of the journaled opening.
    pub fn record_no_sale(
        &self,
        register_id: &str,
        id: Uuid,
        by: &str,
        approved_by: Option<&str>,
        reason: &str,
        currency: &str,
        at_ms: i64,
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            let body =
                serde_json::json!({ "movement": "no_sale", "by": by, "approved_by": approved_by, "reason": reason })
                    .to_string();
            let entry = append(
                tx,
                NewEntry {
                    register_id: register_id.to_string(),
                    kind: EntryKind::CashMovement,
                    document_id: id,
                    at_unix_ms: at_ms,
                    currency: currency.to_string(),
                    turnover_minor: 0,
                    body,
                },
            )?;
            crate::commit::outbox(tx, "cash.no_sale", &entry, at_ms)?;
            crate::report::count_no_sale(tx, register_id, at_ms)?;
            Ok(entry.data.seq)
        })
    }
}

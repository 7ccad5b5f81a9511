//! What a receipt is printed from, read back from the store: the document as it was
//! journaled (and so hashed) and the card terminal's slips of its payments. An original, a
//! retry and a reprint years later are built from the same data.

use crate::commit::SaleDocument;
use crate::refund::RefundDocument;
use crate::{Store, StoreError};
use ringup_domain::cart::{Sale, Totals};
use ringup_domain::refund::{RefundLine, RefundTender};
use rusqlite::OptionalExtension;
use uuid::Uuid;

/// Everything needed to print a sale's receipt again, read from its journal entry (the
/// document as it was hashed) and the card terminal's slips of its payments.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSale {
    pub register_id: String,
    pub receipt_no: u64,
    pub cashier: String,
    pub at_ms: i64,
    pub sale: Sale,
    pub totals: Totals,
    pub journal_hash: [u8; 32],
    /// Card terminal slips by attempt id (= the card payment's id).
    pub slips: Vec<(Uuid, Vec<String>)>,
}

/// Everything needed to print a refund's receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRefund {
    pub id: Uuid,
    pub register_id: String,
    pub receipt_no: u64,
    pub cashier: String,
    pub at_ms: i64,
    pub currency: String,
    pub original_sale_id: Uuid,
    pub original_receipt_no: u64,
    pub original_register_id: String,
    pub lines: Vec<RefundLine>,
    pub tenders: Vec<RefundTender>,
    pub journal_hash: [u8; 32],
    /// Card terminal slips of the card refunds, in the order they were made, with amounts.
    pub slips: Vec<(i64, Vec<String>)>,
}

impl Store {
    /// A sale as committed, for printing its receipt (again).
    pub fn stored_sale(&self, sale_id: Uuid) -> Result<StoredSale, StoreError> {
        self.read(|c| {
            let (doc, journal_hash) = document_body::<SaleDocument>(c, "sales", sale_id)?;
            let mut stmt = c.prepare_cached(
                "SELECT id, slip FROM payment_attempts WHERE sale_id = ?1 AND state = 'approved' AND slip IS NOT NULL
                 ORDER BY id",
            )?;
            let slips = stmt
                .query_map([sale_id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter_map(|(id, slip)| Some((Uuid::parse_str(&id).ok()?, slip.lines().map(str::to_string).collect())))
                .collect();
            Ok(StoredSale {
                register_id: doc.register_id,
                receipt_no: doc.receipt_no,
                cashier: doc.cashier,
                at_ms: doc.at_ms,
                sale: doc.sale,
                totals: doc.totals,
                journal_hash,
                slips,
            })
        })
    }

    /// A refund as committed, with the numbers of the sale it refunds.
    pub fn stored_refund(&self, refund_id: Uuid) -> Result<StoredRefund, StoreError> {
        self.read(|c| {
            let (doc, journal_hash) = document_body::<RefundDocument>(c, "refunds", refund_id)?;
            let (original, _) = document_body::<SaleDocument>(c, "sales", doc.original_sale_id)?;
            let mut stmt = c.prepare_cached(
                "SELECT amount_minor, slip FROM payment_attempts
                 WHERE sale_id = ?1 AND kind = 'refund' AND state = 'approved' AND slip IS NOT NULL ORDER BY id",
            )?;
            let slips = stmt
                .query_map([refund_id.to_string()], |r| {
                    let slip: String = r.get(1)?;
                    Ok((r.get::<_, i64>(0)?, slip.lines().map(str::to_string).collect()))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(StoredRefund {
                id: doc.id,
                register_id: doc.register_id,
                receipt_no: doc.receipt_no,
                cashier: doc.cashier,
                at_ms: doc.at_ms,
                currency: original.sale.currency.code().to_string(),
                original_sale_id: doc.original_sale_id,
                original_receipt_no: original.receipt_no,
                original_register_id: original.register_id,
                lines: doc.lines,
                tenders: doc.tenders,
                journal_hash,
                slips,
            })
        })
    }
}

/// The journal body of a committed document and its entry's hash.
fn document_body<T: serde::de::DeserializeOwned>(
    c: &rusqlite::Connection,
    table: &str,
    id: Uuid,
) -> Result<(T, [u8; 32]), StoreError> {
    let (body, hash): (String, Vec<u8>) = c
        .prepare_cached(&format!(
            "SELECT j.body, j.hash FROM {table} d JOIN journal j ON j.register_id = d.register_id AND j.seq = d.journal_seq
             WHERE d.id = ?1"
        ))?
        .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("{table} {id}")))?;
    let hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Blob, "hash is not 32 bytes".into())
    })?;
    Ok((serde_json::from_str(&body)?, hash))
}

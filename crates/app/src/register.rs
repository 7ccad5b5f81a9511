//! One register's session: the sale in progress, from the first scan to the printed receipt.
//!
//! The cashier is told a sale is done only after the store's commit returned: a sale that
//! fails to commit stays on screen, paid, and completing it again is safe (the commit is
//! idempotent by the sale's id).

use crate::{AppError, Clock, IdGen};
use ringup_domain::barcode::{self, MeasuredValue, Scan};
use ringup_domain::cart::{CatalogItem, Discount, QTY_ONE, Sale, SaleState, Totals};
use ringup_domain::receipt::{Receipt, ReceiptMeta};
use ringup_domain::refund::RefundRequest;
use ringup_domain::tender::TenderKind;
use ringup_store::{Committed, Product, RefundCommitted, Store, StoreSettings};
use std::sync::Arc;
use uuid::Uuid;

/// What a scan put on the sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    pub line_no: u32,
    pub name: String,
    pub quantity_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    pub sale_id: Uuid,
    pub committed: Committed,
    pub receipt: Receipt,
}

pub struct Register {
    store: Arc<Store>,
    register_id: String,
    cashier: String,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    settings: StoreSettings,
    current: Option<Sale>,
}

impl Register {
    pub fn open(
        store: Arc<Store>,
        register_id: &str,
        cashier: &str,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGen>,
    ) -> Result<Register, AppError> {
        let settings = store.settings()?;
        store.ensure_register(register_id, register_id)?;
        // The sale that was on screen when the app last stopped (a crash, a power cut) is
        // back, with whatever it had been paid.
        let current = store.open_sale(register_id)?;
        Ok(Register {
            store,
            register_id: register_id.to_string(),
            cashier: cashier.to_string(),
            clock,
            ids,
            settings,
            current,
        })
    }

    /// Saves the sale in progress after a change (see `Store::save_open_sale`), so that a
    /// crash brings it back as it is now.
    fn save(&self) -> Result<(), AppError> {
        match &self.current {
            Some(sale) => self.store.save_open_sale(&self.register_id, sale, self.clock.now_ms())?,
            None => self.store.clear_open_sale(&self.register_id)?,
        }
        Ok(())
    }

    /// `result`, once the sale it changed is saved.
    fn saved<T>(&self, result: Result<T, AppError>) -> Result<T, AppError> {
        let value = result?;
        self.save()?;
        Ok(value)
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn sale(&self) -> Option<&Sale> {
        self.current.as_ref()
    }

    pub fn totals(&self) -> Result<Totals, AppError> {
        Ok(self.current.as_ref().ok_or(AppError::NoSale)?.totals()?)
    }

    fn sale_mut(&mut self) -> &mut Sale {
        let (currency, pricing, ids) = (self.settings.currency, self.settings.pricing, &self.ids);
        self.current.get_or_insert_with(|| Sale::new(ids.new_id(), currency, pricing))
    }

    fn existing_sale_mut(&mut self) -> Result<&mut Sale, AppError> {
        self.current.as_mut().ok_or(AppError::NoSale)
    }

    fn add(&mut self, product: &Product, quantity_milli: i64, item: CatalogItem) -> Result<Rung, AppError> {
        let line_no = self.sale_mut().add_item(item, quantity_milli)?;
        self.save()?;
        Ok(Rung { line_no, name: product.name.clone(), quantity_milli })
    }

    /// Rings up whatever was scanned or typed: a GTIN, an in-store price or weight barcode, a
    /// scale PLU, or a SKU, in that order.
    pub fn scan(&mut self, code: &str) -> Result<Rung, AppError> {
        let code = code.trim();
        match barcode::classify(code, &self.settings.variable_measure) {
            Ok(Scan::VariableMeasure { item_code, value, .. }) => {
                let product = self.store.find_by_plu(&item_code)?.ok_or_else(|| AppError::UnknownCode(code.into()))?;
                let mut item = product.to_catalog_item();
                match value {
                    // The label's price is what the customer pays for this one package.
                    MeasuredValue::PriceMinor(price) => {
                        item.unit_price_minor = price;
                        self.add(&product, QTY_ONE, item)
                    }
                    MeasuredValue::WeightGrams(grams) => self.add(&product, grams, item),
                }
            }
            Ok(Scan::Gtin { .. }) => {
                let product = self.store.find_by_barcode(code)?.ok_or_else(|| AppError::UnknownCode(code.into()))?;
                let item = product.to_catalog_item();
                self.add(&product, QTY_ONE, item)
            }
            // A code that is all digits of a barcode length but fails its check digit is a
            // misread: say so instead of looking it up as a SKU.
            Err(e @ (barcode::BarcodeError::CheckDigit { .. } | barcode::BarcodeError::PriceCheckDigit { .. })) => {
                Err(AppError::Domain(e.into()))
            }
            Err(_) => self.add_sku(code, QTY_ONE),
        }
    }

    pub fn add_sku(&mut self, sku: &str, quantity_milli: i64) -> Result<Rung, AppError> {
        let product = self.store.find_by_sku(sku)?.ok_or_else(|| AppError::UnknownCode(sku.into()))?;
        let item = product.to_catalog_item();
        self.add(&product, quantity_milli, item)
    }

    pub fn set_quantity(&mut self, line_no: u32, quantity_milli: i64) -> Result<(), AppError> {
        let changed = self.existing_sale_mut().and_then(|s| Ok(s.set_quantity(line_no, quantity_milli)?));
        self.saved(changed)
    }

    pub fn void_line(&mut self, line_no: u32) -> Result<(), AppError> {
        let changed = self.existing_sale_mut().and_then(|s| Ok(s.void_line(line_no)?));
        self.saved(changed)
    }

    /// Overrides a line's price; `authorised_by` is the member of staff who allowed it, when
    /// not the cashier. Permissions are checked by the caller (`Till`).
    pub fn override_price(
        &mut self,
        line_no: u32,
        unit_price_minor: i64,
        reason: &str,
        authorised_by: Option<String>,
    ) -> Result<(), AppError> {
        let changed = self
            .existing_sale_mut()
            .and_then(|s| Ok(s.override_price_by(line_no, unit_price_minor, reason, authorised_by)?));
        self.saved(changed)
    }

    pub fn set_line_discount(
        &mut self,
        line_no: u32,
        discount: Option<Discount>,
        authorised_by: Option<String>,
    ) -> Result<(), AppError> {
        let changed =
            self.existing_sale_mut().and_then(|s| Ok(s.set_line_discount_by(line_no, discount, authorised_by)?));
        self.saved(changed)
    }

    pub fn set_order_discount(&mut self, discount: Option<Discount>) -> Result<(), AppError> {
        let changed = self.existing_sale_mut().and_then(|s| Ok(s.set_order_discount(discount)?));
        self.saved(changed)
    }

    /// Parks the sale in the store (it survives a restart) and clears the screen.
    pub fn park(&mut self) -> Result<Uuid, AppError> {
        let mut sale = self.current.clone().ok_or(AppError::NoSale)?;
        sale.park()?;
        self.store.park_sale(&self.register_id, &sale, self.clock.now_ms())?;
        self.current = None;
        self.save()?;
        Ok(sale.id)
    }

    pub fn recall(&mut self, id: Uuid) -> Result<(), AppError> {
        if self.current.as_ref().is_some_and(|s| s.active_lines().next().is_some()) {
            return Err(AppError::SaleInProgress);
        }
        self.current = Some(self.store.recall_sale(id)?);
        self.save()
    }

    pub fn begin_tender(&mut self) -> Result<Totals, AppError> {
        let changed = self.existing_sale_mut().and_then(|s| Ok(s.begin_tender()?));
        self.saved(changed)
    }

    /// Back from payment to the cart, while nothing has been paid.
    pub fn back_to_cart(&mut self) -> Result<(), AppError> {
        let changed = self.existing_sale_mut().and_then(|s| Ok(s.back_to_cart()?));
        self.saved(changed)
    }

    /// Takes cash; returns what is still owed (0 when the sale is paid).
    pub fn pay_cash(&mut self, tendered_minor: i64) -> Result<i64, AppError> {
        let id = self.ids.new_id();
        let rounding = self.settings.cash_rounding;
        let sale = self.existing_sale_mut()?;
        sale.add_cash(id, tendered_minor, rounding)?;
        let remaining = sale.remaining_minor()?;
        self.save()?;
        Ok(remaining)
    }

    /// Adds an approved card attempt to the sale as its tender; returns what is still owed.
    pub(crate) fn take_card_tender(
        &mut self,
        attempt_id: Uuid,
        receipt: &ringup_devices::card::CardReceipt,
    ) -> Result<i64, AppError> {
        let approval = crate::card::approval_of(receipt);
        let sale = self.existing_sale_mut()?;
        sale.add_non_cash(attempt_id, TenderKind::Card, receipt.amount_minor, Some(approval))?;
        let remaining = sale.remaining_minor()?;
        self.save()?;
        Ok(remaining)
    }

    pub fn register_id(&self) -> &str {
        &self.register_id
    }

    pub(crate) fn cashier(&self) -> &str {
        &self.cashier
    }

    pub(crate) fn sale_currency(&self) -> String {
        self.settings.currency.code().to_string()
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub(crate) fn ids(&self) -> &Arc<dyn IdGen> {
        &self.ids
    }

    /// Completes the paid sale: commits it, and only then clears the screen and returns the
    /// receipt. On a failed commit the sale stays here, paid, for a retry.
    pub fn complete(&mut self) -> Result<Completed, AppError> {
        let mut sale = self.current.clone().ok_or(AppError::NoSale)?;
        if sale.state != SaleState::Completed {
            sale.complete()?;
        }
        let at_ms = self.clock.now_ms();
        let committed = self.store.commit_sale(&self.register_id, &sale, &self.cashier, at_ms)?;
        let totals = sale.totals()?;
        let receipt =
            Receipt::from_sale(&sale, &totals, self.receipt_meta(committed.receipt_no, &committed, at_ms, false))?;
        self.current = None;
        Ok(Completed { sale_id: sale.id, committed, receipt })
    }

    /// Voids the sale in progress; it is journaled with its own receipt number.
    /// Voids the sale on screen; `approved_by` is who allowed it with their PIN, if not the
    /// cashier, and is journaled with it.
    pub fn void_sale(&mut self, approved_by: Option<&str>) -> Result<Committed, AppError> {
        let mut sale = self.current.clone().ok_or(AppError::NoSale)?;
        sale.void()?;
        let who = (self.cashier.as_str(), approved_by);
        let committed = self.store.commit_sale_approved(&self.register_id, &sale, who, self.clock.now_ms())?;
        self.current = None;
        Ok(committed)
    }

    /// Refunds lines of a past sale to its original tenders. `refund_id` is made by the caller
    /// when the refund screen opens, so a retried refund is recognised and not paid twice.
    pub fn refund(
        &mut self,
        refund_id: Uuid,
        original_sale_id: Uuid,
        requests: &[RefundRequest],
        approved_by: Option<&str>,
    ) -> Result<RefundCommitted, AppError> {
        Ok(self.store.commit_refund_approved(
            refund_id,
            original_sale_id,
            &self.register_id,
            &self.cashier,
            approved_by,
            requests,
            self.clock.now_ms(),
        )?)
    }

    /// Reprints a past receipt (sale or refund), marked COPY; the reprint is journaled with
    /// who asked for it. The print worker prints it from the queue.
    pub fn reprint(&self, document_id: Uuid) -> Result<ringup_store::PrintJob, AppError> {
        Ok(self.store.reprint(&self.register_id, document_id, &self.cashier, self.clock.now_ms())?)
    }

    /// Journals a "no sale" (the drawer opened without a sale) by `by`, approved by
    /// `approved_by`'s PIN when that is someone else, before the drawer is kicked. Whether they
    /// may is `Till::no_sale`'s to check.
    pub fn record_no_sale(&self, by: &str, approved_by: Option<&str>, reason: &str) -> Result<u64, AppError> {
        let id = self.ids.new_id();
        let currency = self.settings.currency.code().to_string();
        let at = self.clock.now_ms();
        Ok(self.store.record_no_sale(&self.register_id, id, by, approved_by, reason, &currency, at)?)
    }

    pub fn new_id(&self) -> Uuid {
        self.ids.new_id()
    }

    fn receipt_meta(&self, receipt_no: u64, committed: &Committed, at_ms: i64, copy: bool) -> ReceiptMeta {
        ReceiptMeta {
            header: self.settings.header.clone(),
            register_id: self.register_id.clone(),
            receipt_no,
            printed_at: self.clock.local_text(at_ms),
            cashier: self.cashier.clone(),
            journal_hash_hex: hex_string(&committed.journal_hash),
            footer: self.settings.footer.clone(),
            copy,
        }
    }
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! Returns at the till: find the sale by its receipt (scanned or typed), pick lines and
//! quantities, refund to the original tenders — the card part back through the card terminal
//! first, recorded before it is sent — and print the refund receipt.

use super::Till;
use crate::AppError;
use crate::card::CardRefund;
use crate::printing;
use crate::view::{
    CardEventView, RefundDoneView, RefundPreviewView, ReturnLineView, ReturnRequestView, ReturnableView, TenderLineView,
};
use base64::Engine;
use ringup_devices::card::{CardEvent, EVENT_CAPACITY};
use ringup_domain::cart::Sale;
use ringup_domain::permission::Permission;
use ringup_domain::refund::{RefundRequest, RefundTender};
use ringup_domain::tender::TenderKind;
use ringup_store::PrintDocument;
use uuid::Uuid;

/// What a cashier scans or types to find a sale: the receipt's return barcode
/// (`REGISTER-NUMBER`), its QR code (`ringup:SALEID:…`), a sale id, or a receipt number of
/// this register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaleReference {
    Id(Uuid),
    Receipt { register_id: Option<String>, receipt_no: u64 },
}

pub fn parse_reference(text: &str) -> Option<SaleReference> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("ringup:") {
        return Uuid::try_parse(rest.split(':').next()?).ok().map(SaleReference::Id);
    }
    if let Ok(id) = Uuid::try_parse(text) {
        return Some(SaleReference::Id(id));
    }
    if let Some((register, number)) = text.rsplit_once('-')
        && !register.is_empty()
        && let Ok(receipt_no) = number.parse()
    {
        return Some(SaleReference::Receipt { register_id: Some(register.to_string()), receipt_no });
    }
    text.parse().ok().map(|receipt_no| SaleReference::Receipt { register_id: None, receipt_no })
}

fn tender_label(kind: TenderKind, card: Option<(&str, &str)>) -> String {
    match (kind, card) {
        (TenderKind::Cash, _) => "Cash".into(),
        (TenderKind::Card, Some((card_type, pan))) => {
            let last4: String = pan.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            format!("Card {card_type} ****{last4}")
        }
        (TenderKind::Card, None) => "Card".into(),
        (TenderKind::GiftCard, _) => "Gift card".into(),
        (TenderKind::StoreCredit, _) => "Store credit".into(),
    }
}

/// The refund parts as the cashier reads them, named after the original sale's payments.
fn refund_tenders(sale: &Sale, tenders: &[RefundTender]) -> Vec<TenderLineView> {
    tenders
        .iter()
        .map(|t| {
            let card = sale
                .payments
                .iter()
                .find(|p| p.id == t.payment_id)
                .and_then(|p| p.card.as_ref())
                .map(|c| (c.card_type.as_str(), c.masked_pan.as_str()));
            TenderLineView { label: tender_label(t.kind, card), amount_minor: t.amount_minor }
        })
        .collect()
}

fn requests_of(lines: &[ReturnRequestView]) -> Result<Vec<RefundRequest>, AppError> {
    let requests: Vec<RefundRequest> = lines
        .iter()
        .filter(|l| l.quantity_milli != 0)
        .map(|l| RefundRequest { line_no: l.line_no, quantity_milli: l.quantity_milli })
        .collect();
    if requests.is_empty() {
        return Err(AppError::Input("choose at least one item to take back".into()));
    }
    Ok(requests)
}

fn sale_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::Input(format!("{text:?} is not a sale id")))
}

impl Till {
    /// Finds a completed sale for a return, with what may still come back of each line, and
    /// makes the refund's id.
    pub fn find_sale(&self, reference: &str) -> Result<ReturnableView, AppError> {
        let not_found = || AppError::NoSuchReceipt(reference.trim().to_string());
        let id = match parse_reference(reference).ok_or_else(not_found)? {
            SaleReference::Id(id) => id,
            SaleReference::Receipt { register_id, receipt_no } => {
                let register = register_id.unwrap_or_else(|| self.config.register_id.clone());
                self.store.sale_by_receipt(&register, receipt_no)?.ok_or_else(not_found)?
            }
        };
        let stored = match self.store.stored_sale(id) {
            Ok(s) => s,
            Err(ringup_store::StoreError::NotFound(_)) => return Err(not_found()),
            Err(e) => return Err(e.into()),
        };
        if stored.sale.state != ringup_domain::cart::SaleState::Completed {
            return Err(AppError::Input(format!(
                "receipt {} was voided: there is nothing to return",
                stored.receipt_no
            )));
        }
        let refunded = self.store.refunded_quantities(id)?;
        let lines = stored
            .sale
            .active_lines()
            .zip(&stored.totals.lines)
            .map(|(line, total)| ReturnLineView {
                line_no: line.line_no,
                name: line.item.name.clone(),
                sold_by_weight: line.item.sold_by_weight,
                sold_milli: line.quantity_milli,
                returnable_milli: line.quantity_milli - refunded.get(&line.line_no).copied().unwrap_or(0),
                paid_minor: total.tax.gross_minor,
            })
            .collect();
        let tenders = stored
            .sale
            .payments
            .iter()
            .map(|p| TenderLineView {
                label: tender_label(p.kind, p.card.as_ref().map(|c| (c.card_type.as_str(), c.masked_pan.as_str()))),
                amount_minor: p.amount_minor,
            })
            .collect();
        Ok(ReturnableView {
            refund_id: self.ids.new_id().to_string(),
            sale_id: id.to_string(),
            register_id: stored.register_id,
            receipt_no: stored.receipt_no,
            sold_at: self.clock.local_text(stored.at_ms),
            lines,
            tenders,
        })
    }

    /// What taking these lines back pays, and to which tenders.
    pub fn preview_refund(
        &self,
        sale_id_text: &str,
        lines: &[ReturnRequestView],
    ) -> Result<RefundPreviewView, AppError> {
        let id = sale_id(sale_id_text)?;
        let preview = self.store.preview_refund(id, &requests_of(lines)?)?;
        let sale = self.store.stored_sale(id)?.sale;
        Ok(RefundPreviewView { total_minor: preview.total_minor, tenders: refund_tenders(&sale, &preview.tenders) })
    }

    /// Refunds the lines to the original tenders. Needs the "refund" permission or the PIN of
    /// someone who has it. A card part goes through the terminal first; its messages go to
    /// `on_event`. Retrying with the same `refund_id` never refunds twice.
    pub async fn refund(
        &mut self,
        refund_id: &str,
        sale_id_text: &str,
        lines: &[ReturnRequestView],
        approver_pin: Option<&str>,
        on_event: impl Fn(CardEventView) + Send + 'static,
    ) -> Result<RefundDoneView, AppError> {
        let refund_id = Uuid::parse_str(refund_id).map_err(|_| AppError::Input("the refund has no valid id".into()))?;
        let original = sale_id(sale_id_text)?;
        let requests = requests_of(lines)?;
        let approved_by = self.authorise(Permission::Refund, approver_pin)?;
        // A retry of a refund on record is answered with it; the terminal is not asked again.
        let already = self.store.refund_exists(refund_id)?;
        let needs_card = !already
            && self.store.preview_refund(original, &requests)?.tenders.iter().any(|t| t.kind == TenderKind::Card);
        let committed = if needs_card {
            let (events, mut shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
            let forward = tokio::spawn(async move {
                while let Some(CardEvent::Display(text)) = shown.recv().await {
                    on_event(CardEventView { text });
                }
            });
            let terminal = self.terminal.as_mut().ok_or(AppError::NoDevice("card terminal"))?;
            let register = self.register.as_mut().ok_or(AppError::NotSignedIn)?;
            let done = register
                .refund_with_card(terminal, refund_id, original, &requests, approved_by.as_deref(), &events)
                .await;
            drop(events);
            let _all_shown = forward.await;
            match done? {
                CardRefund::Done(c) => c,
                CardRefund::Declined { reason } => return Err(AppError::RefundDeclined(reason)),
                CardRefund::Unknown { reason, .. } => {
                    return Err(AppError::Card(format!(
                        "{reason}; the refund will be checked with the terminal before anything else"
                    )));
                }
            }
        } else {
            self.register()?.refund(refund_id, original, &requests, approved_by.as_deref())?
        };
        self.print_wake.notify_one();
        let settings = self.store.settings()?;
        let receipt =
            printing::receipt_of(&self.store, &settings, self.clock.as_ref(), PrintDocument::Refund, refund_id, false)?;
        if committed.tenders.iter().any(|t| t.kind == TenderKind::Cash) {
            self.kick_drawer();
        }
        let png = printing::preview_png(&receipt, self.config.paper, self.logo.as_ref()).unwrap_or_default();
        let sale = self.store.stored_sale(original)?.sale;
        Ok(RefundDoneView {
            receipt_no: committed.committed.receipt_no,
            total_minor: committed.total_minor,
            tenders: refund_tenders(&sale, &committed.tenders),
            receipt_png_base64: base64::engine::general_purpose::STANDARD.encode(png),
            receipt_text: receipt.render_text(self.config.paper.columns()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_is_found_by_what_is_printed_on_it() {
        let id = Uuid::parse_str("0190f5a8-7b3c-7d4e-8f00-123456789abc").expect("uuid");
        assert_eq!(parse_reference(&format!("ringup:{}:12:abcdef", id.simple())), Some(SaleReference::Id(id)));
        assert_eq!(parse_reference(&id.to_string()), Some(SaleReference::Id(id)));
        assert_eq!(
            parse_reference(" R1-12 "),
            Some(SaleReference::Receipt { register_id: Some("R1".into()), receipt_no: 12 })
        );
        assert_eq!(
            parse_reference("store-2-R7-3"),
            Some(SaleReference::Receipt { register_id: Some("store-2-R7".into()), receipt_no: 3 })
        );
        assert_eq!(parse_reference("42"), Some(SaleReference::Receipt { register_id: None, receipt_no: 42 }));
        assert_eq!(parse_reference("coffee"), None);
        assert_eq!(parse_reference("R1-"), None);
    }

    #[test]
    fn card_tenders_show_only_the_last_four_digits() {
        assert_eq!(tender_label(TenderKind::Card, Some(("girocard", "672600******1234"))), "Card girocard ****1234");
        assert_eq!(tender_label(TenderKind::Cash, None), "Cash");
    }
}

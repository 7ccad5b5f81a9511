//! Card payments that never double-charge. The attempt is on disk in state `sent` before the
//! first byte goes to the terminal; whatever happens next (an answer, a time-out, a lost cable,
//! a crash) moves it along the state machine of `ringup_domain::attempt`, and an attempt whose
//! answer was lost is resolved by asking the terminal — never by charging again.

use crate::{AppError, Clock, IdGen, Register};
use ringup_devices::card::{CardError, CardOutcome, CardReceipt, CardTerminal, EventSink};
use ringup_domain::attempt::{AttemptKind, AttemptState};
use ringup_domain::refund::RefundRequest;
use ringup_domain::tender::CardApproval;
use ringup_domain::tender::TenderKind;
use ringup_store::{Attempt, AttemptDetails, NewAttempt, RefundCommitted, Store};
use uuid::Uuid;

/// What the cashier is told after a card payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardPayment {
    Approved {
        remaining_minor: i64,
        receipt: CardReceipt,
    },
    Declined {
        reason: String,
    },
    Aborted {
        reason: String,
    },
    /// The terminal did not say. The attempt is kept and asked about again; the customer is
    /// not asked to pay again until it is resolved.
    Unknown {
        attempt_id: Uuid,
        reason: String,
    },
}

/// What a refund to card came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardRefund {
    Done(RefundCommitted),
    /// The terminal refused the card part; nothing was recorded, nothing paid out.
    Declined {
        reason: String,
    },
    /// The terminal did not say; asked again by the next recovery. Nothing is recorded yet.
    Unknown {
        attempt_id: Uuid,
        reason: String,
    },
}

/// What a recovery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    pub approved: Vec<Uuid>,
    pub declined: Vec<Uuid>,
    pub reversed: Vec<Uuid>,
    pub still_unknown: Vec<Uuid>,
}

fn details_of(r: &CardReceipt) -> AttemptDetails {
    AttemptDetails {
        result_code: Some(r.result_code),
        reason: None,
        masked_pan: Some(r.masked_pan.clone()),
        card_type: Some(r.card_type.clone()),
        terminal_id: Some(r.terminal_id.clone()),
        trace_no: Some(r.trace_no),
        card_receipt_no: Some(r.receipt_no),
        slip: r.slip.clone(),
    }
}

fn refusal(result_code: u8, reason: &str) -> AttemptDetails {
    AttemptDetails { result_code: Some(result_code), reason: Some(reason.to_string()), ..AttemptDetails::default() }
}

pub(crate) fn approval_of(r: &CardReceipt) -> CardApproval {
    CardApproval {
        masked_pan: r.masked_pan.clone(),
        card_type: r.card_type.clone(),
        terminal_id: r.terminal_id.clone(),
        trace_no: r.trace_no,
        receipt_no: r.receipt_no,
    }
}

/// Asks the terminal what became of an attempt whose answer was lost, from its last
/// transaction (the terminal books one transaction at a time):
/// - an approved booking of the attempt's kind and amount that no attempt holds is this one;
/// - a last booking that an OLDER attempt holds proves nothing was booked after it, so this
///   attempt was not: declined;
/// - a terminal with no transaction at all booked nothing: declined;
/// - anything else (a booking newer than the attempt that is not its own) proves nothing, and
///   the attempt stays unknown for a person to settle — never declined on a guess, since a
///   wrong "declined" would leave a customer charged.
///
/// Returns the new state, or `Unknown` when the terminal cannot be asked right now.
pub async fn resolve_attempt<T: CardTerminal>(
    store: &Store,
    terminal: &mut T,
    attempt: &Attempt,
    now_ms: i64,
) -> Result<(AttemptState, Option<CardReceipt>), AppError> {
    let id = attempt.new.id;
    let last = match terminal.last_transaction().await {
        Ok(last) => last,
        Err(e) => {
            if attempt.state == AttemptState::Sent {
                store.record_attempt(id, AttemptState::Unknown, &AttemptDetails::default(), &e.to_string(), now_ms)?;
            }
            return Ok((AttemptState::Unknown, None));
        }
    };
    let Some(r) = last else {
        let why = "the terminal has no transaction at all";
        store.record_attempt(id, AttemptState::Declined, &refusal(0xFF, why), why, now_ms)?;
        return Ok((AttemptState::Declined, None));
    };
    let owner = store.attempt_with_trace(&r.terminal_id, r.trace_no)?;
    let same_kind = r.original_trace_no.is_some() == (attempt.new.kind == AttemptKind::Reversal);
    let ours = r.result_code == 0 && same_kind && r.amount_minor == attempt.new.amount_minor;
    match owner {
        None if ours => {
            store.record_attempt(
                id,
                AttemptState::Approved,
                &details_of(&r),
                "matched the terminal's last transaction",
                now_ms,
            )?;
            Ok((AttemptState::Approved, Some(r)))
        }
        Some(owner) if owner == id => Ok((store.attempt(id)?.map_or(AttemptState::Unknown, |a| a.state), Some(r))),
        Some(owner) if store.attempt_created_before(owner, id)? => {
            let why = "the terminal's last transaction is older than this payment: it never booked it";
            store.record_attempt(id, AttemptState::Declined, &refusal(0xFF, why), why, now_ms)?;
            Ok((AttemptState::Declined, None))
        }
        None if r.result_code != 0 && r.amount_minor == attempt.new.amount_minor => {
            // The terminal's last word is a refusal of this amount that nobody holds: this one.
            let mut details = refusal(r.result_code, "declined at the terminal");
            details.trace_no = Some(r.trace_no);
            details.terminal_id = Some(r.terminal_id.clone());
            store.record_attempt(
                id,
                AttemptState::Declined,
                &details,
                "matched the terminal's last refusal",
                now_ms,
            )?;
            Ok((AttemptState::Declined, None))
        }
        None if r.result_code != 0 && refusal_of_the_one_before(store, attempt, &r)? => {
            let why =
                "the terminal's last word is the refusal of the payment before this one: it never booked this one";
            store.record_attempt(id, AttemptState::Declined, &refusal(0xFF, why), why, now_ms)?;
            Ok((AttemptState::Declined, None))
        }
        _ => {
            if attempt.state == AttemptState::Sent {
                let why = "the terminal's last transaction does not tell";
                store.record_attempt(id, AttemptState::Unknown, &AttemptDetails::default(), why, now_ms)?;
            }
            Ok((AttemptState::Unknown, None))
        }
    }
}

/// Whether the terminal's last transaction, a refusal of another amount that no attempt holds
/// by its trace number, is the refusal of the attempt this register wrote right before this
/// one: refused, of that amount, kind and without a trace number (a refusal arrives as an abort,
/// which carries none, so the attempt could not keep it). A register's attempts go to its
/// terminal one at a time and no new one is sent while one is open, so nothing was booked after
/// that refusal: this attempt never reached the decision. Found by the crash campaign: a till
/// killed between a refused card and the next payment's answer otherwise kept asking forever.
fn refusal_of_the_one_before(store: &Store, attempt: &Attempt, last: &CardReceipt) -> Result<bool, AppError> {
    let Some(before) = store.attempt_before(attempt.new.id)? else { return Ok(false) };
    Ok(matches!(before.state, AttemptState::Declined | AttemptState::Aborted)
        && before.details.trace_no.is_none()
        && before.new.kind == attempt.new.kind
        && before.new.amount_minor == last.amount_minor
        && before.new.amount_minor != attempt.new.amount_minor)
}

/// A transport failure after the attempt went out: it becomes unknown, and the terminal is
/// asked what became of it (see [`resolve_attempt`]).
async fn ask_after_error<T: CardTerminal>(
    store: &Store,
    terminal: &mut T,
    id: Uuid,
    error: &CardError,
    now_ms: i64,
) -> Result<(AttemptState, Option<CardReceipt>), AppError> {
    store.record_attempt(id, AttemptState::Unknown, &AttemptDetails::default(), &error.to_string(), now_ms)?;
    let attempt = store.attempt(id)?.ok_or(AppError::NoSale)?;
    resolve_attempt(store, terminal, &attempt, now_ms).await
}

/// Reverses an approved authorization (its sale was abandoned). The reversal is an attempt of
/// its own, recorded before it is sent.
pub async fn reverse_attempt<T: CardTerminal>(
    store: &Store,
    terminal: &mut T,
    original: &Attempt,
    reversal_id: Uuid,
    events: &EventSink,
    now_ms: i64,
) -> Result<bool, AppError> {
    let Some(receipt_no) = original.details.card_receipt_no else {
        return Err(AppError::Card(format!("payment {} has no terminal receipt number to reverse", original.new.id)));
    };
    let new = NewAttempt {
        id: reversal_id,
        sale_id: original.new.sale_id,
        register_id: original.new.register_id.clone(),
        kind: AttemptKind::Reversal,
        amount_minor: original.new.amount_minor,
        currency: original.new.currency.clone(),
        reverses: Some(original.new.id),
    };
    store.begin_attempt(&new, now_ms)?;
    let outcome = terminal.reverse(receipt_no, events).await;
    let reversed = match outcome {
        Ok(CardOutcome::Approved(r)) => {
            store.record_attempt(reversal_id, AttemptState::Approved, &details_of(&r), "reversal approved", now_ms)?;
            true
        }
        // 0xB4: the terminal reversed it already (an earlier reversal whose answer was lost).
        Ok(
            CardOutcome::Declined { result_code: 0xB4, reason } | CardOutcome::Aborted { result_code: 0xB4, reason },
        ) => {
            store.record_attempt(reversal_id, AttemptState::Declined, &refusal(0xB4, &reason), &reason, now_ms)?;
            true
        }
        Ok(CardOutcome::Declined { result_code, reason } | CardOutcome::Aborted { result_code, reason }) => {
            store.record_attempt(
                reversal_id,
                AttemptState::Declined,
                &refusal(result_code, &reason),
                &reason,
                now_ms,
            )?;
            false
        }
        Err(e) => {
            // Not knowing whether a reversal happened is safe to retry: a second reversal of
            // the same receipt is refused by the terminal (0xB4), never a second refund.
            // The next recovery pass closes this attempt and reverses again with a new one.
            let state = if e.outcome_unknown() { AttemptState::Unknown } else { AttemptState::Aborted };
            store.record_attempt(reversal_id, state, &AttemptDetails::default(), &e.to_string(), now_ms)?;
            false
        }
    };
    if reversed {
        let note = format!("reversed by attempt {reversal_id}");
        store.record_attempt(original.new.id, AttemptState::Reversed, &AttemptDetails::default(), &note, now_ms)?;
    }
    Ok(reversed)
}

/// Settles every attempt a crash, a time-out or a walk-out left behind: unresolved attempts are
/// asked about, and approved payments whose sale never completed (other than `current_sale`,
/// still on screen) are reversed.
pub async fn recover<T: CardTerminal>(
    store: &Store,
    terminal: &mut T,
    register_id: &str,
    current_sale: Option<Uuid>,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    events: &EventSink,
) -> Result<Recovery, AppError> {
    let mut report = Recovery::default();
    let mut reversal_pending = Vec::new();
    for attempt in store.unresolved_attempts_of(register_id)? {
        let id = attempt.new.id;
        let state = resolve_attempt(store, terminal, &attempt, clock.now_ms()).await?.0;
        if attempt.new.kind == AttemptKind::Reversal {
            match (state, attempt.new.reverses) {
                (AttemptState::Approved, Some(original)) => {
                    let note = format!("reversed by attempt {id}");
                    store.record_attempt(
                        original,
                        AttemptState::Reversed,
                        &AttemptDetails::default(),
                        &note,
                        clock.now_ms(),
                    )?;
                    report.reversed.push(original);
                }
                (AttemptState::Unknown, Some(original)) => reversal_pending.push(original),
                _ => {}
            }
        }
        match state {
            AttemptState::Approved => report.approved.push(id),
            AttemptState::Unknown => report.still_unknown.push(id),
            _ => report.declined.push(id),
        }
    }
    for attempt in store.abandoned_approvals_of(register_id)? {
        // Not the sale on screen, and not while an earlier reversal of it is still unanswered.
        if Some(attempt.new.sale_id) == current_sale || reversal_pending.contains(&attempt.new.id) {
            continue;
        }
        if reverse_attempt(store, terminal, &attempt, ids.new_id(), events, clock.now_ms()).await? {
            report.reversed.push(attempt.new.id);
        }
    }
    Ok(report)
}

impl Register {
    /// No new card transaction while an earlier one's outcome is unknown: the terminal's last
    /// transaction is how an unknown outcome is found, and a new one would hide it.
    fn require_no_open_card_question(&self) -> Result<(), AppError> {
        let open = self.store().unresolved_attempts_of(self.register_id())?;
        if open.is_empty() { Ok(()) } else { Err(AppError::CardUnresolved(open.len())) }
    }

    /// Refunds lines of a past sale to its original tenders; the card part goes back through the
    /// terminal first (attempt recorded before sending), and the refund is recorded only once
    /// the terminal approved it. Retrying with the same `refund_id` does not refund twice.
    pub async fn refund_with_card<T: CardTerminal>(
        &mut self,
        terminal: &mut T,
        refund_id: Uuid,
        original_sale_id: Uuid,
        requests: &[RefundRequest],
        approved_by: Option<&str>,
        events: &EventSink,
    ) -> Result<CardRefund, AppError> {
        let store = self.store().clone();
        if !store.refund_exists(refund_id)? {
            self.require_no_open_card_question()?;
        }
        if store.refund_exists(refund_id)? {
            // A retry of a refund already done: answer with it, touch no terminal.
            let committed = store.commit_refund_approved(
                refund_id,
                original_sale_id,
                self.register_id(),
                self.cashier(),
                approved_by,
                requests,
                self.now_ms(),
            )?;
            return Ok(CardRefund::Done(committed));
        }
        let preview = store.preview_refund(original_sale_id, requests)?;
        let done = store.attempts_for_sale(refund_id)?;
        for part in preview.tenders.iter().filter(|t| t.kind == TenderKind::Card) {
            let already = done.iter().any(|a| {
                a.new.kind == AttemptKind::Refund
                    && a.state == AttemptState::Approved
                    && a.new.amount_minor == part.amount_minor
            });
            if already {
                continue;
            }
            let new = NewAttempt {
                id: self.new_id(),
                sale_id: refund_id,
                register_id: self.register_id().to_string(),
                kind: AttemptKind::Refund,
                amount_minor: part.amount_minor,
                currency: self.sale_currency(),
                reverses: None,
            };
            store.begin_attempt(&new, self.now_ms())?;
            let id = new.id;
            match terminal.refund(part.amount_minor, events).await {
                Ok(CardOutcome::Approved(r)) => {
                    store.record_attempt(
                        id,
                        AttemptState::Approved,
                        &details_of(&r),
                        "refund approved",
                        self.now_ms(),
                    )?;
                }
                Ok(CardOutcome::Declined { result_code, reason } | CardOutcome::Aborted { result_code, reason }) => {
                    store.record_attempt(
                        id,
                        AttemptState::Declined,
                        &refusal(result_code, &reason),
                        &reason,
                        self.now_ms(),
                    )?;
                    return Ok(CardRefund::Declined { reason });
                }
                Err(CardError::NotSent(why)) => {
                    store.record_attempt(id, AttemptState::Aborted, &refusal(0xFF, &why), &why, self.now_ms())?;
                    return Ok(CardRefund::Declined { reason: format!("the card terminal cannot be reached: {why}") });
                }
                Err(e) => match ask_after_error(&store, terminal, id, &e, self.now_ms()).await?.0 {
                    AttemptState::Approved => {}
                    AttemptState::Unknown => {
                        return Ok(CardRefund::Unknown { attempt_id: id, reason: e.to_string() });
                    }
                    _ => return Ok(CardRefund::Declined { reason: format!("{e}; the terminal did not refund") }),
                },
            }
        }
        let committed = store.commit_refund_approved(
            refund_id,
            original_sale_id,
            self.register_id(),
            self.cashier(),
            approved_by,
            requests,
            self.now_ms(),
        )?;
        Ok(CardRefund::Done(committed))
    }

    /// Takes `amount_minor` by card for the sale being paid. The attempt is committed before
    /// the terminal hears of it, and a lost answer is resolved by asking the terminal.
    pub async fn pay_card<T: CardTerminal>(
        &mut self,
        terminal: &mut T,
        amount_minor: i64,
        events: &EventSink,
    ) -> Result<CardPayment, AppError> {
        self.require_no_open_card_question()?;
        let (sale_id, currency, remaining) = {
            let sale = self.sale().ok_or(AppError::NoSale)?;
            (sale.id, sale.currency.code().to_string(), sale.remaining_minor()?)
        };
        if self.sale().map(|s| s.state) != Some(ringup_domain::cart::SaleState::Tendering) {
            return Err(AppError::Domain(ringup_domain::DomainError::InvalidState {
                state: "not at payment",
                action: "take a card",
            }));
        }
        if amount_minor <= 0 || amount_minor > remaining {
            return Err(AppError::Domain(ringup_domain::DomainError::InvalidTender {
                amount_minor,
                reason: "must be positive and at most what is owed",
            }));
        }
        let new = NewAttempt {
            id: self.new_id(),
            sale_id,
            register_id: self.register_id().to_string(),
            kind: AttemptKind::Authorization,
            amount_minor,
            currency,
            reverses: None,
        };
        let store = self.store().clone();
        store.begin_attempt(&new, self.now_ms())?;
        let outcome = terminal.authorize(amount_minor, events).await;
        let id = new.id;
        match outcome {
            Ok(CardOutcome::Approved(r)) => {
                if r.amount_minor != amount_minor {
                    // The terminal charged another amount than asked: record what it said and
                    // reverse it, rather than complete a sale with the wrong money.
                    let attempt =
                        store.record_attempt(id, AttemptState::Approved, &details_of(&r), "approved", self.now_ms())?;
                    let reversal = self.new_id();
                    reverse_attempt(&store, terminal, &attempt, reversal, events, self.now_ms()).await?;
                    return Ok(CardPayment::Aborted {
                        reason: "the terminal charged a different amount; it was reversed".into(),
                    });
                }
                store.record_attempt(id, AttemptState::Approved, &details_of(&r), "approved", self.now_ms())?;
                let remaining_minor = self.take_card_tender(id, &r)?;
                Ok(CardPayment::Approved { remaining_minor, receipt: r })
            }
            Ok(CardOutcome::Declined { result_code, reason }) => {
                store.record_attempt(
                    id,
                    AttemptState::Declined,
                    &refusal(result_code, &reason),
                    &reason,
                    self.now_ms(),
                )?;
                Ok(CardPayment::Declined { reason })
            }
            Ok(CardOutcome::Aborted { result_code, reason }) => {
                store.record_attempt(
                    id,
                    AttemptState::Aborted,
                    &refusal(result_code, &reason),
                    &reason,
                    self.now_ms(),
                )?;
                Ok(CardPayment::Aborted { reason })
            }
            Err(CardError::NotSent(why)) => {
                store.record_attempt(id, AttemptState::Aborted, &refusal(0xFF, &why), &why, self.now_ms())?;
                Ok(CardPayment::Aborted { reason: format!("the card terminal cannot be reached: {why}") })
            }
            Err(e) => match ask_after_error(&store, terminal, id, &e, self.now_ms()).await? {
                (AttemptState::Approved, Some(r)) => {
                    let remaining_minor = self.take_card_tender(id, &r)?;
                    Ok(CardPayment::Approved { remaining_minor, receipt: r })
                }
                (AttemptState::Unknown, _) => Ok(CardPayment::Unknown {
                    attempt_id: id,
                    reason: format!("{e}; the payment will be checked with the terminal before anything else"),
                }),
                _ => Ok(CardPayment::Declined { reason: format!("{e}; the terminal did not take the payment") }),
            },
        }
    }

    /// Resolves this register's open questions with the terminal (run at start-up and after an
    /// unknown outcome).
    pub async fn recover_card_attempts<T: CardTerminal>(
        &mut self,
        terminal: &mut T,
        events: &EventSink,
    ) -> Result<Recovery, AppError> {
        let current = self.sale().map(|s| s.id);
        let store = self.store().clone();
        let register_id = self.register_id().to_string();
        let report =
            recover(&store, terminal, &register_id, current, self.clock().as_ref(), self.ids().as_ref(), events)
                .await?;
        self.take_approved_card_payments()?;
        Ok(report)
    }

    /// Every approved card payment of the sale on screen is one of its tenders: one that
    /// turned out approved in a recovery, and one approved right before a crash that came
    /// before the sale was saved with it. Each is taken once (a tender's id is its attempt's
    /// id). Returns how many were added.
    pub fn take_approved_card_payments(&mut self) -> Result<usize, AppError> {
        let Some(sale_id) = self.sale().map(|s| s.id) else { return Ok(0) };
        let store = self.store().clone();
        let mut added = 0;
        for attempt in store.attempts_for_sale(sale_id)? {
            let taken = self.sale().is_some_and(|s| s.payments.iter().any(|p| p.id == attempt.new.id));
            if attempt.new.kind != AttemptKind::Authorization || attempt.state != AttemptState::Approved || taken {
                continue;
            }
            let d = &attempt.details;
            let receipt = CardReceipt {
                amount_minor: attempt.new.amount_minor,
                masked_pan: d.masked_pan.clone().unwrap_or_default(),
                card_type: d.card_type.clone().unwrap_or_default(),
                terminal_id: d.terminal_id.clone().unwrap_or_default(),
                trace_no: d.trace_no.unwrap_or(0),
                receipt_no: d.card_receipt_no.unwrap_or(0),
                result_code: d.result_code.unwrap_or(0),
                original_trace_no: None,
                slip: d.slip.clone(),
            };
            self.take_card_tender(attempt.new.id, &receipt)?;
            added += 1;
        }
        Ok(added)
    }
}

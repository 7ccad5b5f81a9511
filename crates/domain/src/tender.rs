//! Tenders: cash (with change and cash rounding), card (its approval comes from the card
//! terminal), gift card and store credit, in any split. A sale completes when the tenders
//! cover the total exactly; change is only ever given from cash.

use crate::cart::{Sale, SaleState};
use crate::rounding::round_to_increment;
use crate::{DomainError, money};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TenderKind {
    Cash,
    Card,
    GiftCard,
    StoreCredit,
}

impl TenderKind {
    pub fn name(&self) -> &'static str {
        match self {
            TenderKind::Cash => "cash",
            TenderKind::Card => "card",
            TenderKind::GiftCard => "gift_card",
            TenderKind::StoreCredit => "store_credit",
        }
    }

    pub fn from_name(name: &str) -> Option<TenderKind> {
        [TenderKind::Cash, TenderKind::Card, TenderKind::GiftCard, TenderKind::StoreCredit]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

/// What the card terminal reported for an approved payment. Only a masked PAN is ever held:
/// never the full card number, track data or CVV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardApproval {
    pub masked_pan: String,
    pub card_type: String,
    pub terminal_id: String,
    pub trace_no: u32,
    pub receipt_no: u32,
}

/// One tender applied to a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The tender attempt's id, made at birth; the idempotency key at the terminal and server.
    pub id: Uuid,
    pub kind: TenderKind,
    /// How much of the sale this tender pays.
    pub amount_minor: i64,
    /// What the customer handed over (cash), ≥ `amount_minor`.
    pub tendered_minor: i64,
    pub change_minor: i64,
    pub card: Option<CardApproval>,
}

/// How cash is rounded (a store setting): the smallest coin in circulation, e.g. 5 for 0.05.
/// `1` means no rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashRounding {
    pub increment_minor: i64,
}

impl CashRounding {
    pub const NONE: CashRounding = CashRounding { increment_minor: 1 };
}

impl Sale {
    fn paid_minor(&self) -> Result<i64, DomainError> {
        self.payments.iter().try_fold(0i64, |acc, p| money::add(acc, p.amount_minor, "paid"))
    }

    /// A tender id is recorded once: a replayed tender must not pay twice.
    fn require_new_tender(&self, id: Uuid, amount_minor: i64) -> Result<(), DomainError> {
        if self.payments.iter().any(|p| p.id == id) {
            return Err(DomainError::InvalidTender { amount_minor, reason: "this tender was already recorded" });
        }
        Ok(())
    }

    /// What is still owed (before cash rounding of the rest).
    pub fn remaining_minor(&self) -> Result<i64, DomainError> {
        let owed = money::add(self.totals()?.total_minor(), self.cash_rounding_minor, "amount owed")?;
        money::sub(owed, self.paid_minor()?, "remaining")
    }

    /// What a cash payment of the rest would be, after cash rounding.
    pub fn cash_due_minor(&self, rounding: CashRounding) -> Result<i64, DomainError> {
        round_to_increment(self.remaining_minor()?, rounding.increment_minor)
    }

    /// Takes cash. Cash may exceed what is due (the difference is the change); when cash
    /// settles the sale, the rest is rounded to the store's smallest coin first.
    pub fn add_cash(&mut self, id: Uuid, tendered_minor: i64, rounding: CashRounding) -> Result<&Payment, DomainError> {
        self.require(SaleState::Tendering, "take a tender")?;
        if tendered_minor <= 0 {
            return Err(DomainError::InvalidTender { amount_minor: tendered_minor, reason: "cash must be positive" });
        }
        self.require_new_tender(id, tendered_minor)?;
        let remaining = self.remaining_minor()?;
        let due = round_to_increment(remaining, rounding.increment_minor)?;
        if remaining <= 0 || due <= 0 {
            return Err(DomainError::InvalidTender { amount_minor: tendered_minor, reason: "nothing is owed" });
        }
        let (amount_minor, change_minor) = if tendered_minor >= due {
            self.cash_rounding_minor = money::add(self.cash_rounding_minor, due - remaining, "cash rounding")?;
            (due, tendered_minor - due)
        } else {
            (tendered_minor, 0)
        };
        self.payments.push(Payment {
            id,
            kind: TenderKind::Cash,
            amount_minor,
            tendered_minor,
            change_minor,
            card: None,
        });
        // A remainder smaller than half the smallest coin cannot be paid in cash: it is
        // rounded away, and the sale is settled.
        let rest = self.remaining_minor()?;
        if rest != 0 && round_to_increment(rest, rounding.increment_minor)? == 0 {
            self.cash_rounding_minor = money::sub(self.cash_rounding_minor, rest, "cash rounding")?;
        }
        self.payments.last().ok_or(DomainError::Overflow("payments"))
    }

    /// Records an approved non-cash tender (card, gift card, store credit). It may pay part
    /// of the sale but never more than is owed: there is no change from a card.
    pub fn add_non_cash(
        &mut self,
        id: Uuid,
        kind: TenderKind,
        amount_minor: i64,
        card: Option<CardApproval>,
    ) -> Result<&Payment, DomainError> {
        self.require(SaleState::Tendering, "take a tender")?;
        if kind == TenderKind::Cash {
            return Err(DomainError::InvalidTender { amount_minor, reason: "cash goes through add_cash" });
        }
        if (kind == TenderKind::Card) != card.is_some() {
            return Err(DomainError::InvalidTender { amount_minor, reason: "card details go with card tenders only" });
        }
        self.require_new_tender(id, amount_minor)?;
        let remaining = self.remaining_minor()?;
        if amount_minor <= 0 || amount_minor > remaining {
            return Err(DomainError::InvalidTender {
                amount_minor,
                reason: "must be positive and at most what is owed",
            });
        }
        self.payments.push(Payment { id, kind, amount_minor, tendered_minor: amount_minor, change_minor: 0, card });
        self.payments.last().ok_or(DomainError::Overflow("payments"))
    }

    /// Completes the sale when the tenders cover the total exactly. From here on it is immutable.
    pub fn complete(&mut self) -> Result<(), DomainError> {
        self.require(SaleState::Tendering, "be completed")?;
        let remaining_minor = self.remaining_minor()?;
        if remaining_minor != 0 {
            return Err(DomainError::NotFullyPaid { remaining_minor });
        }
        self.state = SaleState::Completed;
        Ok(())
    }

    pub fn change_minor(&self) -> i64 {
        self.payments.iter().map(|p| p.change_minor).sum()
    }
}

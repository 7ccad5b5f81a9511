//! The card terminal as the app sees it: a small trait with what a till asks of any payment
//! terminal, whatever protocol it speaks. ZVT implements it today ([`crate::zvt`]); another
//! protocol is another implementation, and the app does not change.

use std::future::Future;
use tokio::sync::mpsc;

/// What the terminal tells the customer and the cashier while it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardEvent {
    /// A status line for the screen: "Insert card", "Enter PIN", "Please wait".
    Display(String),
}

/// Where events go. Bounded: a UI that does not keep up loses status lines, never payments.
pub type EventSink = mpsc::Sender<CardEvent>;

/// Capacity of an event channel: more than any one payment produces.
pub const EVENT_CAPACITY: usize = 64;

/// Masks every run of 13 to 19 digits (the length of a card number) in a line of text, keeping
/// at most the first 6 and last 4, so a terminal that prints a full card number on its slip
/// never gets it into our store or logs.
pub fn mask_card_numbers(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            let run: String = chars[start..i].iter().collect();
            let len = i - start;
            out.push_str(&if (13..=19).contains(&len) { crate::zvt::bmp::mask_pan(&run) } else { run });
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// What the terminal reported about an approved transaction. It holds a masked PAN only: the
/// drivers never keep a full card number, track data or CVV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardReceipt {
    pub amount_minor: i64,
    pub masked_pan: String,
    pub card_type: String,
    pub terminal_id: String,
    pub trace_no: u32,
    pub receipt_no: u32,
    pub result_code: u8,
    /// Set when the transaction is a reversal: the trace number of the payment it cancelled.
    pub original_trace_no: Option<u32>,
    /// The card slip the terminal asked us to print, line by line.
    pub slip: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOutcome {
    Approved(CardReceipt),
    /// The card or its issuer said no. Nothing was charged.
    Declined {
        result_code: u8,
        reason: String,
    },
    /// Stopped at the terminal (cancel key, card removed, time-out at the terminal). Nothing was
    /// charged.
    Aborted {
        result_code: u8,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Nothing reached the terminal: it is safe to say the payment did not happen.
    #[error("the card terminal cannot be reached: {0}")]
    NotSent(String),
    #[error("the card terminal did not answer within {0} ms")]
    Timeout(u64),
    #[error("the connection to the card terminal was lost")]
    Disconnected,
    #[error("the card terminal sent something unreadable: {0}")]
    Protocol(String),
}

impl CardError {
    /// Whether the terminal may have acted on the command: then the outcome is unknown and must
    /// be asked for, never assumed.
    pub fn outcome_unknown(&self) -> bool {
        !matches!(self, CardError::NotSent(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalStatus {
    pub terminal_id: Option<String>,
    pub ready: bool,
    pub text: String,
    /// The terminal's software version, when it said (ZVT: the status enquiry's completion).
    pub software_version: Option<String>,
}

/// Totals of one card type in an end of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTotal {
    pub card_type: String,
    pub count: u32,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndOfDay {
    pub total_minor: i64,
    pub by_card_type: Vec<CardTotal>,
    pub slip: Vec<String>,
}

/// A card payment terminal. Every method is bounded in time by the implementation (ZVT: T3
/// for the terminal's acknowledgement, T4 for the customer at the terminal).
pub trait CardTerminal: Send {
    fn authorize(
        &mut self,
        amount_minor: i64,
        events: &EventSink,
    ) -> impl Future<Output = Result<CardOutcome, CardError>> + Send;

    fn refund(
        &mut self,
        amount_minor: i64,
        events: &EventSink,
    ) -> impl Future<Output = Result<CardOutcome, CardError>> + Send;

    /// Reverses (cancels) an approved transaction by the terminal's receipt number.
    fn reverse(
        &mut self,
        receipt_no: u32,
        events: &EventSink,
    ) -> impl Future<Output = Result<CardOutcome, CardError>> + Send;

    /// The terminal's last transaction (ZVT: repeat receipt), used to find out what happened to
    /// a payment whose answer was lost. `None` when the terminal has no transaction to repeat.
    fn last_transaction(&mut self) -> impl Future<Output = Result<Option<CardReceipt>, CardError>> + Send;

    fn end_of_day(&mut self, events: &EventSink) -> impl Future<Output = Result<EndOfDay, CardError>> + Send;

    fn status(&mut self) -> impl Future<Output = Result<TerminalStatus, CardError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::mask_card_numbers;

    #[test]
    fn card_numbers_in_slip_text_are_masked_and_nothing_else() {
        assert_eq!(mask_card_numbers("Card 4111111111111111 ok"), "Card 411111******1111 ok");
        assert_eq!(mask_card_numbers("PAN:5413330089010434"), "PAN:541333******0434");
        assert_eq!(mask_card_numbers("Trace 000123 Amount 12.34"), "Trace 000123 Amount 12.34", "short numbers stay");
        assert_eq!(mask_card_numbers("672600******1234"), "672600******1234", "masked stays masked");
    }
}

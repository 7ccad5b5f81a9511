//! The simulator's transaction flows: which messages a command produces, and what it books.

use super::{
    Booking, BookingKind, Fault, IndividualTotal, JOURNAL_CAPACITY, State, StatusInformation, Step, TerminalMessage,
};
use std::collections::BTreeMap;

/// Intermediate status codes (04 FF) shown during a card payment: insert card, enter PIN,
/// please wait (PA00P015, intermediate status information).
const INSERT_CARD: u8 = 0x0A;
const ENTER_PIN: u8 = 0x01;
const PLEASE_WAIT: u8 = 0x0E;
const REMOVE_CARD: u8 = 0x0B;
/// Result codes (PA00P015, list of error codes).
const DECLINED: u8 = 0x05;
const RECEIPT_NOT_FOUND: u8 = 0x64;
const ALREADY_REVERSED: u8 = 0xB4;
const NOTHING_TO_REPEAT: u8 = 0x9C;
/// What the simulator's status enquiry says it runs.
pub const SIM_SOFTWARE_VERSION: &str = "RINGUP-SIM-ZVT 1.0";

impl State {
    fn status(&self, b: &Booking) -> StatusInformation {
        StatusInformation {
            result_code: Some(b.result_code),
            amount_minor: Some(b.amount_minor),
            trace_no: Some(b.trace_no),
            receipt_no: Some(b.receipt_no),
            terminal_id: Some(self.config.terminal_id),
            card_type: Some(b.card_type),
            original_trace_no: b.original_trace,
            card_name: Some(self.config.card_name.clone()),
            masked_pan: Some(self.config.masked_pan.clone()),
            currency: Some(978),
            ..StatusInformation::default()
        }
    }

    fn slip(&self, b: &Booking) -> TerminalMessage {
        let what = match b.kind {
            BookingKind::Authorization => "PAYMENT",
            BookingKind::Refund => "REFUND",
            BookingKind::Reversal => "REVERSAL",
        };
        let euros = b.amount_minor / 100;
        let cents = b.amount_minor % 100;
        TerminalMessage::PrintTextBlock {
            lines: vec![
                format!("{} {}", self.config.card_name, what),
                format!("Terminal-ID {:08}", self.config.terminal_id),
                format!("Trace {}  Receipt {}", b.trace_no, b.receipt_no),
                format!("Card {}", self.config.masked_pan),
                format!("Amount EUR {euros}.{cents:02}"),
                if b.result_code == 0 { "APPROVED".to_string() } else { format!("DECLINED ({:02})", b.result_code) },
            ],
            receipt_type: None,
        }
    }

    pub(super) fn completion(&self) -> Step {
        Step::send(TerminalMessage::Completion {
            status_byte: None,
            terminal_id: Some(self.config.terminal_id),
            currency: Some(978),
        })
    }

    /// The simulator's software version, as its status enquiry reports it.
    pub(super) fn software_completion(&self) -> Step {
        Step::send(TerminalMessage::SoftwareCompletion {
            sw_version: SIM_SOFTWARE_VERSION.into(),
            terminal_status: 0,
            terminal_id: Some(self.config.terminal_id),
        })
    }

    fn book(&mut self, kind: BookingKind, amount_minor: u64, result_code: u8) -> Booking {
        let booking = Booking {
            kind,
            amount_minor,
            trace_no: self.next_trace,
            receipt_no: if result_code == 0 { self.next_receipt } else { 0 },
            result_code,
            card_type: self.config.card_type,
            reversed: false,
            original_trace: None,
        };
        self.next_trace += 1;
        if result_code == 0 {
            self.next_receipt = if self.next_receipt >= 9999 { 1 } else { self.next_receipt + 1 };
        }
        self.journal.push_back(booking.clone());
        if self.journal.len() > JOURNAL_CAPACITY {
            self.journal.pop_front();
            self.period_start = self.period_start.saturating_sub(1);
        }
        booking
    }

    pub(super) fn payment(&mut self, kind: BookingKind, amount_minor: u64, fault: Option<Fault>) -> Vec<Step> {
        let mut steps = vec![Step::send(TerminalMessage::IntermediateStatus { code: INSERT_CARD, timeout: None })];
        match fault {
            Some(Fault::Silent) => return vec![Step::Hang],
            Some(Fault::RebootMidTransaction) => {
                steps.push(Step::Drop);
                return steps;
            }
            _ => {}
        }
        steps.push(Step::send(TerminalMessage::IntermediateStatus { code: ENTER_PIN, timeout: None }));
        steps.push(Step::send(TerminalMessage::IntermediateStatus { code: PLEASE_WAIT, timeout: None }));
        steps.push(Step::Decide { kind, amount_minor });
        steps
    }

    /// The decision at the end of a payment: declined by the rule, or approved and booked.
    pub(super) fn decide(&mut self, kind: BookingKind, amount_minor: u64, fault: Option<Fault>) -> Vec<Step> {
        let mut steps = Vec::new();
        let cents = u8::try_from(amount_minor % 100).unwrap_or(0);
        if amount_minor == 0 || self.config.decline_cents.contains(&cents) {
            let booking = self.book(kind, amount_minor, DECLINED);
            steps.push(Step::send(TerminalMessage::StatusInformation(self.status(&booking))));
            steps.push(Step::send(TerminalMessage::Abort { result_code: DECLINED, text: None }));
            return steps;
        }
        let booking = self.book(kind, amount_minor, 0);
        if fault == Some(Fault::DropAfterApproval) {
            steps.push(Step::Drop);
            return steps;
        }
        if self.config.hold_cents.contains(&cents) {
            steps.push(Step::send(TerminalMessage::IntermediateStatus { code: REMOVE_CARD, timeout: None }));
            steps.push(Step::Pause(self.config.hold_for));
        }
        steps.push(Step::send(TerminalMessage::StatusInformation(self.status(&booking))));
        steps.push(Step::send(self.slip(&booking)));
        steps.push(self.completion());
        steps
    }

    pub(super) fn reversal(&mut self, receipt_no: u32, fault: Option<Fault>) -> Vec<Step> {
        let found = self
            .journal
            .iter()
            .position(|b| b.receipt_no == receipt_no && b.result_code == 0 && b.kind != BookingKind::Reversal);
        let Some(index) = found else {
            return vec![Step::send(TerminalMessage::Abort { result_code: RECEIPT_NOT_FOUND, text: None })];
        };
        if self.journal[index].reversed {
            return vec![Step::send(TerminalMessage::Abort { result_code: ALREADY_REVERSED, text: None })];
        }
        if fault == Some(Fault::Silent) {
            return vec![Step::Hang];
        }
        self.journal[index].reversed = true;
        let amount = self.journal[index].amount_minor;
        let original_trace = self.journal[index].trace_no;
        let mut booking = self.book(BookingKind::Reversal, amount, 0);
        booking.original_trace = Some(original_trace);
        if let Some(last) = self.journal.back_mut() {
            last.original_trace = Some(original_trace);
        }
        if matches!(fault, Some(Fault::DropAfterApproval | Fault::RebootMidTransaction)) {
            return vec![Step::Drop];
        }
        vec![
            Step::send(TerminalMessage::StatusInformation(self.status(&booking))),
            Step::send(self.slip(&booking)),
            self.completion(),
        ]
    }

    pub(super) fn repeat_receipt(&self) -> Vec<Step> {
        match self.journal.back() {
            None => vec![Step::send(TerminalMessage::Abort { result_code: NOTHING_TO_REPEAT, text: None })],
            Some(b) => vec![
                Step::send(TerminalMessage::StatusInformation(self.status(b))),
                Step::send(self.slip(b)),
                self.completion(),
            ],
        }
    }

    /// Totals since the last end of day, per card type: approved payments not reversed, less
    /// refunds. Then a new period starts.
    pub(super) fn end_of_day(&mut self) -> Vec<Step> {
        let mut by_type: BTreeMap<u8, (u32, i128)> = BTreeMap::new();
        for b in self.journal.iter().skip(self.period_start).filter(|b| b.result_code == 0) {
            let signed = match b.kind {
                BookingKind::Authorization if !b.reversed => i128::from(b.amount_minor),
                BookingKind::Refund if !b.reversed => -i128::from(b.amount_minor),
                _ => continue,
            };
            let entry = by_type.entry(b.card_type).or_insert((0, 0));
            entry.0 += 1;
            entry.1 += signed;
        }
        let total: i128 = by_type.values().map(|v| v.1).sum();
        let totals: Vec<IndividualTotal> = by_type
            .iter()
            .map(|(card_type, (count, amount))| IndividualTotal {
                card_type: ringup_devices::zvt::client::card_type_name(*card_type).to_string(),
                count: *count,
                amount_minor: u64::try_from(*amount).unwrap_or(0),
            })
            .collect();
        self.period_start = self.journal.len();
        let status = StatusInformation {
            result_code: Some(0),
            amount_minor: Some(u64::try_from(total).unwrap_or(0)),
            terminal_id: Some(self.config.terminal_id),
            individual_totals: totals,
            ..StatusInformation::default()
        };
        let lines = vec![
            format!("END OF DAY  Terminal-ID {:08}", self.config.terminal_id),
            format!("Total EUR {}.{:02}", total / 100, total % 100),
        ];
        vec![
            Step::send(TerminalMessage::StatusInformation(status)),
            Step::send(TerminalMessage::PrintTextBlock { lines, receipt_type: None }),
            self.completion(),
        ]
    }
}

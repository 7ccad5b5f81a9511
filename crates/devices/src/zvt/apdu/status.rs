//! Status information (04 0F, PA00P015 "Status-Information"): the terminal's report of a
//! transaction — result, amount, trace and receipt numbers, card data (masked) — or of an
//! end-of-day closing (individual totals, BMP 60), as BMPs in any order.

use crate::zvt::bcd::{CodecError, decode_bcd, decode_bcd_as, encode_bcd};
use crate::zvt::bmp::Bmp;
use crate::zvt::tlv::TlvNode;

/// BMP 60, individual totals (PA00P015, "List of BMPs"; layout as in zvt-0.1.0): receipt
/// number of the first and of the last transaction (2 BCD bytes each), then per card family
/// a count (1 binary byte) and a turnover (6 BCD bytes), for these families in this order.
pub const INDIVIDUAL_TOTALS_SLOTS: [&str; 7] =
    ["girocard", "JCB", "Mastercard", "American Express", "Visa", "Diners", "other cards"];

const INDIVIDUAL_TOTALS: u8 = 0x60;
const TOTALS_WHAT: &str = "individual totals (BMP 60)";

/// The turnover of one card family in an end-of-day closing (BMP 60).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndividualTotal {
    /// One of [`INDIVIDUAL_TOTALS_SLOTS`] when parsed. When encoding, any other name is
    /// counted in "other cards".
    pub card_type: String,
    /// Number of transactions (at most 255 on the wire).
    pub count: u32,
    /// Turnover in minor units.
    pub amount_minor: u64,
}

/// The fields of a status information (04 0F) that Ringup uses. Parsing takes the BMPs in any
/// order and drops the ones not listed here (expiry date, VU number, AID, individual totals,
/// ...); encoding writes the present fields in ascending BMP order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusInformation {
    /// BMP 27.
    pub result_code: Option<u8>,
    /// BMP 04, in minor units.
    pub amount_minor: Option<u64>,
    /// BMP 0B.
    pub trace_no: Option<u32>,
    /// BMP 37, in reversals.
    pub original_trace_no: Option<u32>,
    /// BMP 87.
    pub receipt_no: Option<u32>,
    /// BMP 88.
    pub turnover_no: Option<u32>,
    /// BMP 29.
    pub terminal_id: Option<u32>,
    /// BMP 0D: (month, day).
    pub date: Option<(u8, u8)>,
    /// BMP 0C: (hour, minute, second).
    pub time: Option<(u8, u8, u8)>,
    /// BMP 8A, the ZVT card number (5 girocard, 6 Mastercard, 10 Visa, ...).
    pub card_type: Option<u8>,
    /// BMP 8B.
    pub card_name: Option<String>,
    /// BMP 8C.
    pub card_type_id: Option<u8>,
    /// BMP 22, masked (see [`crate::zvt::bmp::mask_pan`]).
    pub masked_pan: Option<String>,
    /// BMP 19.
    pub payment_type: Option<u8>,
    /// BMP 49, ISO 4217 numeric.
    pub currency: Option<u16>,
    /// BMP 3C.
    pub additional_text: Option<String>,
    /// BMP 60: the card families with transactions (empty slots are left out), in
    /// [`INDIVIDUAL_TOTALS_SLOTS`] order.
    pub individual_totals: Vec<IndividualTotal>,
    /// BMP 60: receipt numbers of the first and last transaction the totals cover. Present
    /// exactly when BMP 60 was; encoding sends BMP 60 when this is set or
    /// `individual_totals` is not empty (with 0000-0000 when this is unset).
    pub individual_totals_receipts: Option<(u32, u32)>,
    /// BMP 06; empty when absent.
    pub tlv: Vec<TlvNode>,
}

/// Stores `value` in `slot`, refusing a second occurrence of the BMP.
fn set<T>(slot: &mut Option<T>, value: T, tag: u8) -> Result<(), CodecError> {
    if slot.is_some() {
        return Err(CodecError::DuplicateBmp(tag));
    }
    *slot = Some(value);
    Ok(())
}

impl StatusInformation {
    /// Collects the fields from parsed BMPs.
    ///
    /// # Errors
    /// [`CodecError::DuplicateBmp`] when a kept BMP appears twice.
    pub fn from_bmps(bmps: Vec<Bmp>) -> Result<Self, CodecError> {
        let mut info = StatusInformation::default();
        let mut tlv_seen = false;
        for bmp in bmps {
            let tag = bmp.tag();
            match bmp {
                Bmp::ResultCode(v) => set(&mut info.result_code, v, tag)?,
                Bmp::Amount(v) => set(&mut info.amount_minor, v, tag)?,
                Bmp::Trace(v) => set(&mut info.trace_no, v, tag)?,
                Bmp::OriginalTrace(v) => set(&mut info.original_trace_no, v, tag)?,
                Bmp::ReceiptNo(v) => set(&mut info.receipt_no, v, tag)?,
                Bmp::TurnoverNo(v) => set(&mut info.turnover_no, v, tag)?,
                Bmp::TerminalId(v) => set(&mut info.terminal_id, v, tag)?,
                Bmp::Date { month, day } => set(&mut info.date, (month, day), tag)?,
                Bmp::Time { hour, minute, second } => set(&mut info.time, (hour, minute, second), tag)?,
                Bmp::CardType(v) => set(&mut info.card_type, v, tag)?,
                Bmp::CardName(v) => set(&mut info.card_name, v, tag)?,
                Bmp::CardTypeId(v) => set(&mut info.card_type_id, v, tag)?,
                Bmp::MaskedPan(v) => set(&mut info.masked_pan, v, tag)?,
                Bmp::PaymentType(v) => set(&mut info.payment_type, v, tag)?,
                Bmp::Currency(v) => set(&mut info.currency, v, tag)?,
                Bmp::AdditionalText(v) => set(&mut info.additional_text, v, tag)?,
                Bmp::Tlv(nodes) => {
                    if std::mem::replace(&mut tlv_seen, true) {
                        return Err(CodecError::DuplicateBmp(tag));
                    }
                    info.tlv = nodes;
                }
                Bmp::Other { tag: INDIVIDUAL_TOTALS, bytes } => {
                    let (receipts, totals) = decode_totals(&bytes)?;
                    set(&mut info.individual_totals_receipts, receipts, INDIVIDUAL_TOTALS)?;
                    info.individual_totals = totals;
                }
                Bmp::Timeout(_)
                | Bmp::ServiceByte(_)
                | Bmp::Password(_)
                | Bmp::Sensitive { .. }
                | Bmp::Other { .. } => {}
            }
        }
        Ok(info)
    }

    /// The present fields as BMPs, in ascending tag order.
    ///
    /// # Errors
    /// A card family count above 255 or a turnover above 12 digits in the individual totals.
    pub fn to_bmps(&self) -> Result<Vec<Bmp>, CodecError> {
        let tlv = (!self.tlv.is_empty()).then(|| Bmp::Tlv(self.tlv.clone()));
        let totals = if self.individual_totals_receipts.is_some() || !self.individual_totals.is_empty() {
            let receipts = self.individual_totals_receipts.unwrap_or((0, 0));
            Some(Bmp::Other { tag: INDIVIDUAL_TOTALS, bytes: encode_totals(receipts, &self.individual_totals)? })
        } else {
            None
        };
        Ok([
            self.amount_minor.map(Bmp::Amount),
            tlv,
            self.trace_no.map(Bmp::Trace),
            self.time.map(|(hour, minute, second)| Bmp::Time { hour, minute, second }),
            self.date.map(|(month, day)| Bmp::Date { month, day }),
            self.payment_type.map(Bmp::PaymentType),
            self.masked_pan.clone().map(Bmp::MaskedPan),
            self.result_code.map(Bmp::ResultCode),
            self.terminal_id.map(Bmp::TerminalId),
            self.original_trace_no.map(Bmp::OriginalTrace),
            self.additional_text.clone().map(Bmp::AdditionalText),
            self.currency.map(Bmp::Currency),
            totals,
            self.receipt_no.map(Bmp::ReceiptNo),
            self.turnover_no.map(Bmp::TurnoverNo),
            self.card_type.map(Bmp::CardType),
            self.card_name.clone().map(Bmp::CardName),
            self.card_type_id.map(Bmp::CardTypeId),
        ]
        .into_iter()
        .flatten()
        .collect())
    }
}

/// Reads BMP 60. Terminals sending more families than [`INDIVIDUAL_TOTALS_SLOTS`] get
/// "card family N" names for the extra ones.
fn decode_totals(bytes: &[u8]) -> Result<((u32, u32), Vec<IndividualTotal>), CodecError> {
    let (receipts, slots) = bytes.split_at_checked(4).ok_or(CodecError::Truncated {
        what: TOTALS_WHAT,
        needed: 4,
        available: bytes.len(),
    })?;
    if slots.len() % 7 != 0 {
        return Err(CodecError::InvalidField { what: TOTALS_WHAT, reason: "not 4 bytes plus 7 per card family" });
    }
    let range = (decode_bcd_as(&receipts[..2])?, decode_bcd_as(&receipts[2..])?);
    let mut totals = Vec::new();
    for (index, slot) in slots.chunks(7).enumerate() {
        let (count, amount_minor) = (u32::from(slot[0]), decode_bcd(&slot[1..])?);
        if count == 0 && amount_minor == 0 {
            continue;
        }
        let card_type = INDIVIDUAL_TOTALS_SLOTS
            .get(index)
            .map_or_else(|| format!("card family {}", index + 1), |name| (*name).to_string());
        totals.push(IndividualTotal { card_type, count, amount_minor });
    }
    Ok((range, totals))
}

/// Writes BMP 60 with all seven families; entries of the same family are added up.
fn encode_totals(receipts: (u32, u32), totals: &[IndividualTotal]) -> Result<Vec<u8>, CodecError> {
    let overflow = || CodecError::InvalidField { what: TOTALS_WHAT, reason: "a card family's count is above 255" };
    let mut slots = [(0u32, 0u64); INDIVIDUAL_TOTALS_SLOTS.len()];
    for total in totals {
        let other = INDIVIDUAL_TOTALS_SLOTS.len() - 1;
        let index = INDIVIDUAL_TOTALS_SLOTS.iter().position(|name| *name == total.card_type).unwrap_or(other);
        let (count, amount) = &mut slots[index];
        *count = count.saturating_add(total.count);
        *amount = amount.saturating_add(total.amount_minor);
    }
    let mut out = [encode_bcd(receipts.0.into(), 2)?, encode_bcd(receipts.1.into(), 2)?].concat();
    for (count, amount) in slots {
        out.push(u8::try_from(count).map_err(|_| overflow())?);
        out.extend(encode_bcd(amount, 6)?);
    }
    Ok(out)
}

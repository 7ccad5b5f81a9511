//! BMPs ("bitmaps"), the tagged fields of ZVT APDUs (PA00P015, chapter "List of BMPs"): one
//! tag byte, then a value whose length follows from the tag alone — a fixed number of binary
//! or BCD bytes, an LLVAR / LLLVAR prefix, or a TLV length (BMP 06). An unknown tag therefore
//! makes the rest of a message unreadable ([`CodecError::UnknownBmp`]).
//!
//! [`BMPS`] is the table of known BMPs; [`parse_bmps`] and [`encode_bmp`] convert between bytes
//! and the typed [`Bmp`]. Card data is handled so that nothing sensitive is ever kept: the card
//! number (BMP 22) becomes a masked string ([`mask_pan`]), and track data, CVV, PIN data and raw
//! chip data ([`SENSITIVE_BMPS`]) are skipped unread and surface only as [`Bmp::Sensitive`].

use super::bcd::{
    CodecError, decode_bcd, decode_bcd_as, decode_lllvar_len, decode_llvar_len, encode_bcd, encode_lllvar_len,
    encode_llvar_len,
};
use super::text::{decode_cp437, encode_cp437};
use super::tlv::{self, TlvNode};

/// How a BMP's value is laid out on the wire (PA00P015, "Data formats").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BmpFormat {
    /// Exactly this many binary (or ASCII) bytes.
    Binary(usize),
    /// Exactly this many bytes of packed BCD.
    Bcd(usize),
    /// A 2-byte `F x F y` length, then up to 99 bytes.
    LlVar,
    /// A 3-byte `F x F y F z` length, then up to 999 bytes.
    LllVar,
    /// A TLV length (`xx`, `81 xx`, `82 xx xx`), then a TLV container (BMP 06 only).
    Tlv,
}

/// One entry of the BMP list: tag, the spec's name for it, and its wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BmpSpec {
    pub tag: u8,
    pub name: &'static str,
    pub format: BmpFormat,
}

const fn spec(tag: u8, name: &'static str, format: BmpFormat) -> BmpSpec {
    BmpSpec { tag, name, format }
}

use BmpFormat::{Bcd, Binary, LlVar, LllVar, Tlv};

/// The BMPs this codec knows, in tag order (PA00P015, chapter "List of BMPs"). Lengths agree
/// with zvt-0.1.0 for every BMP it defines (01-06, 0B-0E, 17, 19, 22, 27, 29, 2A, 3B, 3C, 49,
/// 60, 87, 8A-8C, AA, FC); the display/input BMPs D0-FD follow the spec's list, where D2, D3,
/// E9 and F9 are single bytes and EB is an 8-byte MAC. EC-EE are left out: no source at hand
/// gives their length, and guessing one would misread everything after them.
pub const BMPS: &[BmpSpec] = &[
    spec(0x01, "timeout", Binary(1)),
    spec(0x02, "maximum number of status informations", Binary(1)),
    spec(0x03, "service byte", Binary(1)),
    spec(0x04, "amount", Bcd(6)),
    spec(0x05, "pump number", Binary(1)),
    spec(0x06, "TLV container", Tlv),
    spec(0x0B, "trace number", Bcd(3)),
    spec(0x0C, "time (HHMMSS)", Bcd(3)),
    spec(0x0D, "date (MMDD)", Bcd(2)),
    spec(0x0E, "expiry date (YYMM)", Bcd(2)),
    spec(0x17, "card sequence number", Bcd(2)),
    spec(0x19, "payment type / status byte", Binary(1)),
    spec(0x22, "card number (PAN / EF_ID)", LlVar),
    spec(0x23, "track 2 data", LlVar),
    spec(0x24, "track 3 data", LllVar),
    spec(0x27, "result code", Binary(1)),
    spec(0x29, "terminal ID", Bcd(4)),
    spec(0x2A, "VU number", Binary(15)),
    spec(0x2D, "track 1 data", LlVar),
    spec(0x37, "trace number of the original transaction", Bcd(3)),
    spec(0x3A, "CVV/CVC", Binary(2)),
    spec(0x3B, "AID (authorisation attribute)", Binary(8)),
    spec(0x3C, "additional text", LllVar),
    spec(0x3D, "password", Bcd(3)),
    spec(0x49, "currency code", Bcd(2)),
    spec(0x60, "individual totals", LllVar),
    spec(0x87, "receipt number", Bcd(2)),
    spec(0x88, "turnover record number", Bcd(3)),
    spec(0x8A, "card type (ZVT card number)", Binary(1)),
    spec(0x8B, "card name", LlVar),
    spec(0x8C, "card type ID of the network operator", Binary(1)),
    spec(0x9A, "Geldkarte payment and total records", LllVar),
    spec(0xA0, "result code of the authorisation system", Binary(1)),
    spec(0xA7, "chip data (EF_ID)", LlVar),
    spec(0xAA, "date (YYMMDD)", Bcd(3)),
    spec(0xAF, "EF_Info", LllVar),
    spec(0xBA, "AID parameter", Binary(5)),
    spec(0xD0, "algorithm key", Binary(1)),
    spec(0xD1, "card offset / PIN data", LlVar),
    spec(0xD2, "card output direction", Binary(1)),
    spec(0xD3, "DUKPT key identifier", Binary(1)),
    spec(0xE0, "minimum input length", Binary(1)),
    spec(0xE1, "text 2, line 1", LlVar),
    spec(0xE2, "text 2, line 2", LlVar),
    spec(0xE3, "text 2, line 3", LlVar),
    spec(0xE4, "text 2, line 4", LlVar),
    spec(0xE5, "text 2, line 5", LlVar),
    spec(0xE6, "text 2, line 6", LlVar),
    spec(0xE7, "text 2, line 7", LlVar),
    spec(0xE8, "text 2, line 8", LlVar),
    spec(0xE9, "maximum input length", Binary(1)),
    spec(0xEA, "echo input", Binary(1)),
    spec(0xEB, "MAC over text 1 and text 2", Binary(8)),
    spec(0xF0, "display duration", Binary(1)),
    spec(0xF1, "text 1, line 1", LlVar),
    spec(0xF2, "text 1, line 2", LlVar),
    spec(0xF3, "text 1, line 3", LlVar),
    spec(0xF4, "text 1, line 4", LlVar),
    spec(0xF5, "text 1, line 5", LlVar),
    spec(0xF6, "text 1, line 6", LlVar),
    spec(0xF7, "text 1, line 7", LlVar),
    spec(0xF8, "text 1, line 8", LlVar),
    spec(0xF9, "number of beep tones", Binary(1)),
    spec(0xFA, "card reader activation", Binary(1)),
    spec(0xFB, "input confirmation with OK", Binary(1)),
    spec(0xFC, "dialog control", Binary(1)),
    spec(0xFD, "display device", Binary(1)),
];

/// BMPs whose content is never read or kept: track 2 (23), track 3 (24), track 1 (2D),
/// CVV/CVC (3A), chip data EF_ID (A7, it can hold the full card number) and card offset /
/// PIN data (D1). PCI DSS forbids keeping such data; [`parse_bmps`] skips it.
pub const SENSITIVE_BMPS: &[u8] = &[0x23, 0x24, 0x2D, 0x3A, 0xA7, 0xD1];

/// The [`BMPS`] entry for `tag`.
#[must_use]
pub fn bmp_spec(tag: u8) -> Option<&'static BmpSpec> {
    BMPS.iter().find(|spec| spec.tag == tag)
}

/// One decoded BMP. The variants name the BMPs Ringup uses; every other known BMP is
/// [`Bmp::Other`] with its raw value (without its length prefix), and sensitive ones are
/// [`Bmp::Sensitive`] without any content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bmp {
    /// 01: timeout in seconds (binary).
    Timeout(u8),
    /// 03: service byte, a bit field whose meaning depends on the command.
    ServiceByte(u8),
    /// 04: amount in minor units (cents), 12 BCD digits.
    Amount(u64),
    /// 06: TLV container.
    Tlv(Vec<TlvNode>),
    /// 0B: trace number, 6 BCD digits.
    Trace(u32),
    /// 0C: time of the transaction.
    Time { hour: u8, minute: u8, second: u8 },
    /// 0D: date of the transaction (the year is not sent).
    Date { month: u8, day: u8 },
    /// 19: payment type (in commands) or status byte (in status information / completion).
    PaymentType(u8),
    /// 22: card number, masked: '*' for each masked digit, at most the first 6 and last 4
    /// digits visible.
    MaskedPan(String),
    /// 27: result code (see [`crate::zvt::apdu::result_text`]).
    ResultCode(u8),
    /// 29: terminal ID, 8 BCD digits.
    TerminalId(u32),
    /// 37: trace number of the original transaction (reversals).
    OriginalTrace(u32),
    /// 3C: additional text (CP437).
    AdditionalText(String),
    /// 3D: password, 6 BCD digits.
    Password(u32),
    /// 49: ISO 4217 numeric currency code, e.g. 978 for EUR.
    Currency(u16),
    /// 87: receipt number, 4 BCD digits.
    ReceiptNo(u32),
    /// 88: turnover record number, 6 BCD digits.
    TurnoverNo(u32),
    /// 8A: card type as a ZVT card number (5 girocard, 6 Mastercard, 10 Visa, ...).
    CardType(u8),
    /// 8B: card name (CP437), e.g. "girocard".
    CardName(String),
    /// 8C: card type ID of the network operator.
    CardTypeId(u8),
    /// A sensitive BMP ([`SENSITIVE_BMPS`]) whose content was skipped.
    Sensitive { tag: u8 },
    /// Any other known BMP, with its value bytes. Also BMP 87 when it holds `FF FF`, which is
    /// not a receipt number (a partial-reversal abort sends it).
    Other { tag: u8, bytes: Vec<u8> },
}

impl Bmp {
    /// The BMP's tag byte.
    #[must_use]
    pub fn tag(&self) -> u8 {
        match self {
            Bmp::Timeout(_) => 0x01,
            Bmp::ServiceByte(_) => 0x03,
            Bmp::Amount(_) => 0x04,
            Bmp::Tlv(_) => 0x06,
            Bmp::Trace(_) => 0x0B,
            Bmp::Time { .. } => 0x0C,
            Bmp::Date { .. } => 0x0D,
            Bmp::PaymentType(_) => 0x19,
            Bmp::MaskedPan(_) => 0x22,
            Bmp::ResultCode(_) => 0x27,
            Bmp::TerminalId(_) => 0x29,
            Bmp::OriginalTrace(_) => 0x37,
            Bmp::AdditionalText(_) => 0x3C,
            Bmp::Password(_) => 0x3D,
            Bmp::Currency(_) => 0x49,
            Bmp::ReceiptNo(_) => 0x87,
            Bmp::TurnoverNo(_) => 0x88,
            Bmp::CardType(_) => 0x8A,
            Bmp::CardName(_) => 0x8B,
            Bmp::CardTypeId(_) => 0x8C,
            Bmp::Sensitive { tag } | Bmp::Other { tag, .. } => *tag,
        }
    }
}

/// Parses a sequence of BMPs that fills `data` exactly.
///
/// # Errors
/// [`CodecError::UnknownBmp`] for a tag not in [`BMPS`], [`CodecError::Truncated`] when a value
/// runs past the end, and the field errors of the typed values (BCD, card number, TLV).
pub fn parse_bmps(data: &[u8]) -> Result<Vec<Bmp>, CodecError> {
    let mut bmps = Vec::new();
    let mut rest = data;
    while let Some((&tag, after_tag)) = rest.split_first() {
        let spec = bmp_spec(tag).ok_or(CodecError::UnknownBmp(tag))?;
        let (value, after_value) = split_value(spec, after_tag)?;
        bmps.push(decode_value(spec, value)?);
        rest = after_value;
    }
    Ok(bmps)
}

/// Splits one BMP value (after its tag) off the front of `data`.
fn split_value<'a>(spec: &BmpSpec, data: &'a [u8]) -> Result<(&'a [u8], &'a [u8]), CodecError> {
    let (prefix_len, value_len) = match spec.format {
        Binary(len) | Bcd(len) => (0, len),
        LlVar => (2, decode_llvar_len(data)?),
        LllVar => (3, decode_lllvar_len(data)?),
        Tlv => {
            let (len, used) = tlv::decode_length(data)?;
            (used, len)
        }
    };
    let end = prefix_len + value_len;
    let value = data.get(prefix_len..end).ok_or(CodecError::Truncated {
        what: spec.name,
        needed: end,
        available: data.len(),
    })?;
    Ok((value, &data[end..]))
}

/// The single byte of a 1-byte BMP.
fn single(spec: &BmpSpec, value: &[u8]) -> Result<u8, CodecError> {
    match value {
        &[byte] => Ok(byte),
        _ => Err(CodecError::WrongLength { what: spec.name, expected: 1, actual: value.len() }),
    }
}

/// CP437 text with the NUL padding some terminals append (`MasterCard\0`) removed.
fn decode_text(value: &[u8]) -> String {
    let mut text = decode_cp437(value);
    text.truncate(text.trim_end_matches('\0').len());
    text
}

fn decode_value(spec: &BmpSpec, value: &[u8]) -> Result<Bmp, CodecError> {
    let tag = spec.tag;
    if SENSITIVE_BMPS.contains(&tag) {
        return Ok(Bmp::Sensitive { tag });
    }
    let bcd_byte = |byte: u8| decode_bcd_as::<u8>(&[byte]);
    Ok(match (tag, value) {
        (0x01, _) => Bmp::Timeout(single(spec, value)?),
        (0x03, _) => Bmp::ServiceByte(single(spec, value)?),
        (0x04, _) => Bmp::Amount(decode_bcd(value)?),
        (0x06, _) => Bmp::Tlv(tlv::parse_tlv(value)?),
        (0x0B, _) => Bmp::Trace(decode_bcd_as(value)?),
        (0x0C, &[h, m, s]) => Bmp::Time { hour: bcd_byte(h)?, minute: bcd_byte(m)?, second: bcd_byte(s)? },
        (0x0D, &[month, day]) => Bmp::Date { month: bcd_byte(month)?, day: bcd_byte(day)? },
        (0x19, _) => Bmp::PaymentType(single(spec, value)?),
        (0x22, _) => Bmp::MaskedPan(decode_pan(value)?),
        (0x27, _) => Bmp::ResultCode(single(spec, value)?),
        (0x29, _) => Bmp::TerminalId(decode_bcd_as(value)?),
        (0x37, _) => Bmp::OriginalTrace(decode_bcd_as(value)?),
        (0x3C, _) => Bmp::AdditionalText(decode_text(value)),
        (0x3D, _) => Bmp::Password(decode_bcd_as(value)?),
        (0x49, _) => Bmp::Currency(decode_bcd_as(value)?),
        (0x87, &[0xFF, 0xFF]) => Bmp::Other { tag, bytes: value.to_vec() },
        (0x87, _) => Bmp::ReceiptNo(decode_bcd_as(value)?),
        (0x88, _) => Bmp::TurnoverNo(decode_bcd_as(value)?),
        (0x8A, _) => Bmp::CardType(single(spec, value)?),
        (0x8B, _) => Bmp::CardName(decode_text(value)),
        (0x8C, _) => Bmp::CardTypeId(single(spec, value)?),
        _ => Bmp::Other { tag, bytes: value.to_vec() },
    })
}

/// Encodes one BMP: tag, length prefix where its format has one, value.
///
/// # Errors
/// [`CodecError::SensitiveBmp`] for sensitive BMPs, [`CodecError::UnknownBmp`] for an
/// [`Bmp::Other`] tag not in [`BMPS`], [`CodecError::WrongLength`] for an [`Bmp::Other`] value
/// of the wrong fixed length, and overflow / encoding errors of the typed values.
pub fn encode_bmp(bmp: &Bmp) -> Result<Vec<u8>, CodecError> {
    let tag = bmp.tag();
    if SENSITIVE_BMPS.contains(&tag) {
        return Err(CodecError::SensitiveBmp(tag));
    }
    let spec = bmp_spec(tag).ok_or(CodecError::UnknownBmp(tag))?;
    let bcd = |value: u64| match spec.format {
        Bcd(bytes) => encode_bcd(value, bytes),
        _ => Err(CodecError::InvalidField { what: spec.name, reason: "not a BCD field" }),
    };
    let bcd_bytes = |values: &[u8]| -> Result<Vec<u8>, CodecError> {
        Ok(values.iter().map(|&v| encode_bcd(v.into(), 1)).collect::<Result<Vec<_>, _>>()?.concat())
    };
    let value = match bmp {
        Bmp::Timeout(b)
        | Bmp::ServiceByte(b)
        | Bmp::PaymentType(b)
        | Bmp::ResultCode(b)
        | Bmp::CardType(b)
        | Bmp::CardTypeId(b) => vec![*b],
        Bmp::Amount(v) => bcd(*v)?,
        Bmp::Tlv(nodes) => tlv::encode_tlv(nodes)?,
        Bmp::Trace(v)
        | Bmp::TerminalId(v)
        | Bmp::OriginalTrace(v)
        | Bmp::Password(v)
        | Bmp::ReceiptNo(v)
        | Bmp::TurnoverNo(v) => bcd((*v).into())?,
        Bmp::Currency(v) => bcd((*v).into())?,
        Bmp::Time { hour, minute, second } => bcd_bytes(&[*hour, *minute, *second])?,
        Bmp::Date { month, day } => bcd_bytes(&[*month, *day])?,
        Bmp::MaskedPan(pan) => encode_pan(pan)?,
        Bmp::AdditionalText(text) | Bmp::CardName(text) => encode_cp437(text)?,
        Bmp::Other { bytes, .. } => bytes.clone(),
        Bmp::Sensitive { .. } => return Err(CodecError::SensitiveBmp(tag)),
    };
    let mut out = vec![tag];
    match spec.format {
        Binary(len) | Bcd(len) if value.len() != len => {
            return Err(CodecError::WrongLength { what: spec.name, expected: len, actual: value.len() });
        }
        Binary(_) | Bcd(_) => {}
        LlVar => out.extend(encode_llvar_len(value.len())?),
        LllVar => out.extend(encode_lllvar_len(value.len())?),
        Tlv => out.extend(tlv::encode_length(value.len())?),
    }
    out.extend(value);
    Ok(out)
}

/// Masks a card number for display and storage: every digit except at most the first 6 and
/// the last 4 becomes '*' (numbers of 10 digits or fewer keep only the last 4). Digits the
/// terminal already masked stay masked. PCI DSS allows no more than this to be shown.
#[must_use]
pub fn mask_pan(pan: &str) -> String {
    let len = pan.chars().count();
    let head = if len > 10 { 6 } else { 0 };
    let tail_start = len.saturating_sub(4);
    pan.chars().enumerate().map(|(i, c)| if i < head || i >= tail_start { c } else { '*' }).collect()
}

/// Decodes BMP 22: one digit per nibble, `E` a masked digit, a final `F` padding an odd count.
fn decode_pan(value: &[u8]) -> Result<String, CodecError> {
    let nibbles: Vec<u8> = value.iter().flat_map(|&b| [b >> 4, b & 0x0F]).collect();
    let mut pan = String::with_capacity(nibbles.len());
    for (position, &nibble) in nibbles.iter().enumerate() {
        match nibble {
            0..=9 => pan.push(char::from(b'0' + nibble)),
            0xE => pan.push('*'),
            0xF if position + 1 == nibbles.len() => {}
            _ => {
                return Err(CodecError::InvalidCardNumber(format!(
                    "nibble {nibble:X} at position {position} is neither a digit, a masked digit (E) nor final padding (F)"
                )));
            }
        }
    }
    Ok(mask_pan(&pan))
}

/// Encodes BMP 22 from digits and '*' (a masked digit, sent as `E`), padding with `F`.
fn encode_pan(pan: &str) -> Result<Vec<u8>, CodecError> {
    let mut nibbles = pan
        .chars()
        .map(|c| match c {
            '0'..='9' => Ok(c as u8 - b'0'),
            '*' => Ok(0xE),
            other => Err(CodecError::InvalidCardNumber(format!("{other:?} is neither a digit nor '*'"))),
        })
        .collect::<Result<Vec<u8>, _>>()?;
    if nibbles.len() % 2 == 1 {
        nibbles.push(0xF);
    }
    Ok(nibbles.chunks(2).map(|pair| (pair[0] << 4) | pair[1]).collect())
}

#[cfg(test)]
#[path = "bmp_tests.rs"]
pub(crate) mod tests;

//! Messages from the terminal to the cash register (PA00P015).

use super::{ControlField, StatusInformation, encode_all, make_apdu};
use crate::zvt::bcd::{CodecError, decode_lllvar_len, encode_lllvar_len};
use crate::zvt::bmp::{Bmp, encode_bmp, parse_bmps};
use crate::zvt::link::Apdu;
use crate::zvt::text::{decode_cp437, encode_cp437};
use crate::zvt::tlv::{self, TAG_EXTENDED_ERROR_TEXT, TlvNode};

/// Positive completion (80 00 00): acknowledges a command or message. Sent by both sides.
/// PA00P015, "APDU structure" (completion).
pub const ACK: ControlField = (0x80, 0x00);
/// Class of a negative completion (84 xx 00): the instruction byte carries an error code
/// (e.g. 84 83 "function not possible", 84 9C "repeat"). PA00P015, "APDU structure".
pub const NAK_CLASS: u8 = 0x84;
/// Intermediate status information (04 FF): status code, optional timeout byte, optional
/// TLV container. PA00P015, "Intermediate Status-Information".
pub const INTERMEDIATE_STATUS: ControlField = (0x04, 0xFF);
/// Status information (04 0F): BMPs. PA00P015, "Status-Information".
pub const STATUS_INFORMATION: ControlField = (0x04, 0x0F);
/// Print line (06 D1): attribute byte, then the text (CP437) without CR/LF.
/// PA00P015, "Print Line".
pub const PRINT_LINE: ControlField = (0x06, 0xD1);
/// Print text block (06 D3): BMP 06 holding receipt type 1F07 and print texts 25.
/// PA00P015, "Print Text-Block".
pub const PRINT_TEXT_BLOCK: ControlField = (0x06, 0xD3);
/// Completion (06 0F): the terminal finished the command; optional BMPs 19 (status byte),
/// 29 (terminal ID), 49 (currency). PA00P015, "Completion".
pub const COMPLETION: ControlField = (0x06, 0x0F);
/// Abort (06 1E) from the terminal: result code, then optional BMPs (06 TLV with extended
/// error code 1F16 / text 1F17). After a reservation with result 6F the currency follows the
/// result code untagged. PA00P015, "Abort" (terminal to ECR).
pub const ABORT: ControlField = (0x06, 0x1E);

/// A message from the terminal to the cash register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalMessage {
    /// 80 00 00.
    Ack,
    /// 84 xx 00 with error code xx.
    Nak(u8),
    /// 04 FF. `timeout` is the raw byte the terminal sends after the status code (PA00P015
    /// calls it the timeout; zvt-0.1.0 reads it as BCD seconds). A TLV container after it
    /// (display texts) is not kept.
    IntermediateStatus { code: u8, timeout: Option<u8> },
    /// 04 0F.
    StatusInformation(StatusInformation),
    /// 06 D1.
    PrintLine { attribute: u8, text: String },
    /// 06 D3: the text lines of the print texts object and the receipt type (01 merchant,
    /// 02 customer, 03 administration).
    PrintTextBlock { lines: Vec<String>, receipt_type: Option<u8> },
    /// 06 0F made of BMPs. A completion in a layout neither this nor
    /// [`TerminalMessage::SoftwareCompletion`] reads (vendor layouts) is [`TerminalMessage::Other`].
    Completion { status_byte: Option<u8>, terminal_id: Option<u32>, currency: Option<u16> },
    /// 06 0F as it ends a status enquiry or a diagnosis: the terminal's software version
    /// (LLLVAR), its status byte (00 ready), then optional BMPs, of which the terminal ID (29)
    /// is kept. PA00P015, "Status-Enquiry" (completion). zvt-0.1.0 calls it
    /// `ReceiptPrintoutCompletion`.
    SoftwareCompletion { sw_version: String, terminal_status: u8, terminal_id: Option<u32> },
    /// 06 1E. `text` is the extended error text (TLV 1F17), or BMP 3C when that is all there is.
    Abort { result_code: u8, text: Option<String> },
    /// Any other APDU (input and menu requests, vendor messages, ...).
    Other { class: u8, instr: u8, data: Vec<u8> },
}

impl TerminalMessage {
    /// Parses a terminal message. Control fields this enum does not model become
    /// [`TerminalMessage::Other`].
    ///
    /// # Errors
    /// Malformed data of a modelled message (missing status code, unknown BMP, bad BCD, ...).
    pub fn parse(apdu: &Apdu) -> Result<TerminalMessage, CodecError> {
        let data = apdu.data.as_slice();
        let other = || TerminalMessage::Other { class: apdu.class, instr: apdu.instr, data: apdu.data.clone() };
        Ok(match (apdu.class, apdu.instr) {
            ACK if data.is_empty() => TerminalMessage::Ack,
            (NAK_CLASS, code) if data.is_empty() => TerminalMessage::Nak(code),
            INTERMEDIATE_STATUS => match data {
                [code, rest @ ..] => {
                    TerminalMessage::IntermediateStatus { code: *code, timeout: rest.first().copied() }
                }
                [] => return Err(missing("intermediate status (04 FF)", "status code")),
            },
            STATUS_INFORMATION => TerminalMessage::StatusInformation(StatusInformation::from_bmps(parse_bmps(data)?)?),
            PRINT_LINE => match data {
                [attribute, text @ ..] => {
                    TerminalMessage::PrintLine { attribute: *attribute, text: decode_cp437(text) }
                }
                [] => return Err(missing("print line (06 D1)", "attribute byte")),
            },
            PRINT_TEXT_BLOCK => {
                let nodes = find_tlv(parse_bmps(data)?);
                TerminalMessage::PrintTextBlock {
                    lines: tlv::print_text_lines(&nodes),
                    receipt_type: tlv::receipt_type(&nodes),
                }
            }
            COMPLETION => match parse_bmps(data) {
                Ok(bmps) => completion(&bmps),
                Err(_) => software_completion(data).unwrap_or_else(other),
            },
            ABORT => parse_abort(data)?,
            _ => other(),
        })
    }

    /// Encodes the message as an APDU.
    ///
    /// # Errors
    /// Values too large for their fields, text CP437 cannot represent, data longer than an
    /// APDU can carry.
    pub fn to_apdu(&self) -> Result<Apdu, CodecError> {
        let ((class, instr), data) = match self {
            TerminalMessage::Ack => (ACK, Vec::new()),
            TerminalMessage::Nak(code) => ((NAK_CLASS, *code), Vec::new()),
            TerminalMessage::IntermediateStatus { code, timeout } => {
                (INTERMEDIATE_STATUS, [*code].into_iter().chain(*timeout).collect())
            }
            TerminalMessage::StatusInformation(info) => {
                let bmps: Vec<Option<Bmp>> = info.to_bmps()?.into_iter().map(Some).collect();
                (STATUS_INFORMATION, encode_all(&bmps)?)
            }
            TerminalMessage::PrintLine { attribute, text } => {
                (PRINT_LINE, [vec![*attribute], encode_cp437(text)?].concat())
            }
            TerminalMessage::PrintTextBlock { lines, receipt_type } => {
                (PRINT_TEXT_BLOCK, encode_bmp(&Bmp::Tlv(tlv::print_text_block(lines, *receipt_type)?))?)
            }
            TerminalMessage::Completion { status_byte, terminal_id, currency } => (
                COMPLETION,
                encode_all(&[
                    status_byte.map(Bmp::PaymentType),
                    terminal_id.map(Bmp::TerminalId),
                    currency.map(Bmp::Currency),
                ])?,
            ),
            TerminalMessage::SoftwareCompletion { sw_version, terminal_status, terminal_id } => {
                let version = encode_cp437(sw_version)?;
                let mut data = encode_lllvar_len(version.len())?;
                data.extend(version);
                data.push(*terminal_status);
                data.extend(encode_all(&[terminal_id.map(Bmp::TerminalId)])?);
                (COMPLETION, data)
            }
            TerminalMessage::Abort { result_code, text } => {
                let mut data = vec![*result_code];
                if let Some(text) = text {
                    let node = TlvNode::primitive(TAG_EXTENDED_ERROR_TEXT, encode_cp437(text)?);
                    data.extend(encode_bmp(&Bmp::Tlv(vec![node]))?);
                }
                (ABORT, data)
            }
            TerminalMessage::Other { class, instr, data } => ((*class, *instr), data.clone()),
        };
        make_apdu(class, instr, data)
    }
}

fn missing(what: &'static str, field: &'static str) -> CodecError {
    CodecError::MissingField { what, field }
}

/// The nodes of the first TLV container among `bmps`, or none.
fn find_tlv(bmps: Vec<Bmp>) -> Vec<TlvNode> {
    bmps.into_iter().find_map(|bmp| if let Bmp::Tlv(nodes) = bmp { Some(nodes) } else { None }).unwrap_or_default()
}

fn completion(bmps: &[Bmp]) -> TerminalMessage {
    TerminalMessage::Completion {
        status_byte: bmps.iter().find_map(|b| if let Bmp::PaymentType(v) = b { Some(*v) } else { None }),
        terminal_id: bmps.iter().find_map(|b| if let Bmp::TerminalId(v) = b { Some(*v) } else { None }),
        currency: bmps.iter().find_map(|b| if let Bmp::Currency(v) = b { Some(*v) } else { None }),
    }
}

/// A completion that starts with an LLLVAR software version and the terminal status byte; the
/// terminal ID is taken from the BMPs after them when they can be read (a TLV container there
/// is not needed). `None` when the data is not in this layout.
fn software_completion(data: &[u8]) -> Option<TerminalMessage> {
    let len = decode_lllvar_len(data).ok()?;
    let version = data.get(3..3 + len)?;
    let terminal_status = *data.get(3 + len)?;
    let rest = &data[4 + len..];
    let terminal_id = parse_bmps(rest)
        .ok()
        .and_then(|bmps| bmps.iter().find_map(|b| if let Bmp::TerminalId(v) = b { Some(*v) } else { None }));
    Some(TerminalMessage::SoftwareCompletion { sw_version: decode_cp437(version), terminal_status, terminal_id })
}

/// The result code that announces an untagged currency after it (wrong currency).
const RESULT_WRONG_CURRENCY: u8 = 0x6F;

fn parse_abort(data: &[u8]) -> Result<TerminalMessage, CodecError> {
    let (&result_code, rest) = data.split_first().ok_or(missing("abort (06 1E)", "result code"))?;
    let bmps = match parse_bmps(rest) {
        Err(error) if result_code == RESULT_WRONG_CURRENCY && rest.len() >= 2 => {
            parse_bmps(&rest[2..]).map_err(|_| error)?
        }
        parsed => parsed?,
    };
    let extended_text = bmps.iter().find_map(|bmp| match bmp {
        Bmp::Tlv(nodes) => tlv::find(nodes, TAG_EXTENDED_ERROR_TEXT).and_then(TlvNode::bytes).map(decode_cp437),
        _ => None,
    });
    let additional_text =
        || bmps.iter().find_map(|b| if let Bmp::AdditionalText(t) = b { Some(t.clone()) } else { None });
    Ok(TerminalMessage::Abort { result_code, text: extended_text.or_else(additional_text) })
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;

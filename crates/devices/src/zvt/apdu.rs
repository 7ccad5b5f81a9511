//! ZVT application messages (PA00P015): the [`Command`]s the cash register (ECR) sends to the
//! payment terminal (PT), and the [`TerminalMessage`]s the terminal sends back. Both directions
//! encode and parse, because Ringup's simulated terminal speaks the other side.
//!
//! Everything here is pure: an [`Apdu`] in, a typed message out, and back. Framing, ACK/NAK
//! and timeouts live in [`super::link`] and the transport.

mod status;
mod terminal;
mod texts;

pub use status::{INDIVIDUAL_TOTALS_SLOTS, IndividualTotal, StatusInformation};
pub use terminal::TerminalMessage;
pub use texts::{intermediate_text, result_text};

use super::bcd::{CodecError, decode_bcd_as, encode_bcd};
use super::bmp::{Bmp, encode_bmp, parse_bmps};
pub use super::link::Apdu;
use super::link::MAX_DATA_LEN;

/// A ZVT control field: class byte and instruction byte.
pub type ControlField = (u8, u8);

/// Registration (06 00): password, config byte, optional currency, optional BMP 03.
/// PA00P015, "Registration".
pub const REGISTRATION: ControlField = (0x06, 0x00);
/// Authorisation (06 01): BMP 04 amount, optional BMP 49 currency and BMP 19 payment type.
/// PA00P015, "Authorisation".
pub const AUTHORIZATION: ControlField = (0x06, 0x01);
/// Log-off (06 02), no data. PA00P015, "Log-Off".
pub const LOG_OFF: ControlField = (0x06, 0x02);
/// Repeat receipt (06 20): password. PA00P015, "Repeat Receipt".
pub const REPEAT_RECEIPT: ControlField = (0x06, 0x20);
/// Reversal (06 30): password, BMP 87 receipt number. PA00P015, "Reversal".
pub const REVERSAL: ControlField = (0x06, 0x30);
/// Refund (06 31): password, BMP 04 amount. PA00P015, "Refund".
pub const REFUND: ControlField = (0x06, 0x31);
/// End-of-day (06 50): password. PA00P015, "End-of-Day".
pub const END_OF_DAY: ControlField = (0x06, 0x50);
/// Diagnosis (06 70), no data. PA00P015, "Diagnosis".
pub const DIAGNOSIS: ControlField = (0x06, 0x70);
/// Abort (06 B0), sent by the ECR to stop the running transaction. PA00P015, "Abort".
pub const ABORT_COMMAND: ControlField = (0x06, 0xB0);
/// Status enquiry (05 01): optional password, optional BMP 03. PA00P015, "Status-Enquiry".
pub const STATUS_ENQUIRY: ControlField = (0x05, 0x01);

/// A command from the cash register to the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// 06 00. `currency` is sent untagged (2 BCD bytes) right after the config byte, and must
    /// be present when `service_byte` (BMP 03) is, since it comes first.
    Registration { password: u32, config_byte: u8, currency: Option<u16>, service_byte: Option<u8> },
    /// 06 01: take a card payment.
    Authorization { amount_minor: u64, currency: Option<u16>, payment_type: Option<u8> },
    /// 06 30: cancel the payment with this receipt number (before the end-of-day closing).
    Reversal { password: u32, receipt_no: u32 },
    /// 06 31: pay money back to a card.
    Refund { password: u32, amount_minor: u64 },
    /// 06 50: end-of-day closing.
    EndOfDay { password: u32 },
    /// 06 20: print the last receipt again.
    RepeatReceipt { password: u32 },
    /// 05 01. The password, when sent, comes first (3 BCD bytes).
    StatusEnquiry { password: Option<u32>, service_byte: Option<u8> },
    /// 06 70.
    Diagnosis,
    /// 06 02.
    LogOff,
    /// 06 B0.
    Abort,
    /// Any other APDU from the ECR (read card, pre-authorisation, vendor commands, ...).
    Other { class: u8, instr: u8, data: Vec<u8> },
}

impl Command {
    /// Encodes the command as an APDU.
    ///
    /// # Errors
    /// Values too large for their BCD fields, a service byte without a currency in a
    /// registration, data longer than an APDU can carry.
    pub fn to_apdu(&self) -> Result<Apdu, CodecError> {
        let ((class, instr), data) = match self {
            Command::Registration { password, config_byte, currency, service_byte } => {
                let mut data = password_bytes(*password)?;
                data.push(*config_byte);
                match (currency, service_byte) {
                    (None, Some(_)) => {
                        return Err(CodecError::InvalidField {
                            what: "registration (06 00)",
                            reason: "a service byte can only be sent after a currency code",
                        });
                    }
                    (currency, service_byte) => {
                        if let Some(currency) = currency {
                            data.extend(encode_bcd((*currency).into(), 2)?);
                        }
                        data.extend(encode_all(&[service_byte.map(Bmp::ServiceByte)])?);
                    }
                }
                (REGISTRATION, data)
            }
            Command::Authorization { amount_minor, currency, payment_type } => (
                AUTHORIZATION,
                encode_all(&[
                    Some(Bmp::Amount(*amount_minor)),
                    currency.map(Bmp::Currency),
                    payment_type.map(Bmp::PaymentType),
                ])?,
            ),
            Command::Reversal { password, receipt_no } => {
                (REVERSAL, [password_bytes(*password)?, encode_bmp(&Bmp::ReceiptNo(*receipt_no))?].concat())
            }
            Command::Refund { password, amount_minor } => {
                (REFUND, [password_bytes(*password)?, encode_bmp(&Bmp::Amount(*amount_minor))?].concat())
            }
            Command::EndOfDay { password } => (END_OF_DAY, password_bytes(*password)?),
            Command::RepeatReceipt { password } => (REPEAT_RECEIPT, password_bytes(*password)?),
            Command::StatusEnquiry { password, service_byte } => {
                let mut data = match password {
                    Some(password) => password_bytes(*password)?,
                    None => Vec::new(),
                };
                data.extend(encode_all(&[service_byte.map(Bmp::ServiceByte)])?);
                (STATUS_ENQUIRY, data)
            }
            Command::Diagnosis => (DIAGNOSIS, Vec::new()),
            Command::LogOff => (LOG_OFF, Vec::new()),
            Command::Abort => (ABORT_COMMAND, Vec::new()),
            Command::Other { class, instr, data } => ((*class, *instr), data.clone()),
        };
        make_apdu(class, instr, data)
    }

    /// Parses a command APDU. Control fields this enum does not model become
    /// [`Command::Other`]; BMPs a modelled command may carry but this enum does not keep
    /// (timeouts, TLV containers, ...) are checked for well-formedness and dropped.
    ///
    /// # Errors
    /// Malformed data of a modelled command: missing password or amount, bad BCD, unknown BMPs.
    pub fn parse(apdu: &Apdu) -> Result<Command, CodecError> {
        let data = apdu.data.as_slice();
        Ok(match (apdu.class, apdu.instr) {
            REGISTRATION => parse_registration(data)?,
            AUTHORIZATION => {
                let bmps = parse_bmps(data)?;
                Command::Authorization {
                    amount_minor: required(find_amount(&bmps), "authorisation (06 01)", "amount (BMP 04)")?,
                    currency: bmps.iter().find_map(|b| if let Bmp::Currency(c) = b { Some(*c) } else { None }),
                    payment_type: bmps.iter().find_map(|b| if let Bmp::PaymentType(t) = b { Some(*t) } else { None }),
                }
            }
            REVERSAL => {
                let (password, bmps) = split_password("reversal (06 30)", data)?;
                let receipt = bmps.iter().find_map(|b| if let Bmp::ReceiptNo(n) = b { Some(*n) } else { None });
                Command::Reversal {
                    password,
                    receipt_no: required(receipt, "reversal (06 30)", "receipt number (BMP 87)")?,
                }
            }
            REFUND => {
                let (password, bmps) = split_password("refund (06 31)", data)?;
                let amount_minor = required(find_amount(&bmps), "refund (06 31)", "amount (BMP 04)")?;
                Command::Refund { password, amount_minor }
            }
            END_OF_DAY => Command::EndOfDay { password: split_password("end-of-day (06 50)", data)?.0 },
            REPEAT_RECEIPT => Command::RepeatReceipt { password: split_password("repeat receipt (06 20)", data)?.0 },
            STATUS_ENQUIRY => {
                let (password, bmps) = if data.len() >= 3 {
                    let (password, bmps) = split_password("status enquiry (05 01)", data)?;
                    (Some(password), bmps)
                } else {
                    (None, parse_bmps(data)?)
                };
                let service_byte = bmps.iter().find_map(|b| if let Bmp::ServiceByte(s) = b { Some(*s) } else { None });
                Command::StatusEnquiry { password, service_byte }
            }
            DIAGNOSIS => no_fields(data, Command::Diagnosis)?,
            LOG_OFF => no_fields(data, Command::LogOff)?,
            ABORT_COMMAND => no_fields(data, Command::Abort)?,
            (class, instr) => Command::Other { class, instr, data: apdu.data.clone() },
        })
    }
}

/// 06 00: password (3 BCD), config byte, then — when at least 2 bytes follow — the currency
/// (2 BCD, untagged), then BMPs (03 service byte, 06 TLV).
fn parse_registration(data: &[u8]) -> Result<Command, CodecError> {
    const WHAT: &str = "registration (06 00)";
    let (password, rest) = take_password(WHAT, data)?;
    let (&config_byte, rest) =
        rest.split_first().ok_or(CodecError::MissingField { what: WHAT, field: "config byte" })?;
    let (currency, rest) = match rest {
        [hi, lo, rest @ ..] => (Some(decode_bcd_as::<u16>(&[*hi, *lo])?), rest),
        _ => (None, rest),
    };
    let bmps = parse_bmps(rest)?;
    let service_byte = bmps.iter().find_map(|b| if let Bmp::ServiceByte(s) = b { Some(*s) } else { None });
    Ok(Command::Registration { password, config_byte, currency, service_byte })
}

/// Builds an APDU, checking the data fits its length field.
fn make_apdu(class: u8, instr: u8, data: Vec<u8>) -> Result<Apdu, CodecError> {
    if data.len() > MAX_DATA_LEN {
        return Err(CodecError::TooLong { what: "APDU data", len: data.len(), max: MAX_DATA_LEN });
    }
    Ok(Apdu { class, instr, data })
}

/// Encodes the present BMPs in the order given.
fn encode_all(bmps: &[Option<Bmp>]) -> Result<Vec<u8>, CodecError> {
    Ok(bmps.iter().flatten().map(encode_bmp).collect::<Result<Vec<_>, _>>()?.concat())
}

/// A password: 3 BCD bytes, 6 digits.
fn password_bytes(password: u32) -> Result<Vec<u8>, CodecError> {
    encode_bcd(password.into(), 3)
}

fn take_password<'a>(what: &'static str, data: &'a [u8]) -> Result<(u32, &'a [u8]), CodecError> {
    let bytes = data.get(..3).ok_or(CodecError::MissingField { what, field: "password (3 BCD bytes)" })?;
    Ok((decode_bcd_as(bytes)?, &data[3..]))
}

/// A leading password followed by BMPs.
fn split_password(what: &'static str, data: &[u8]) -> Result<(u32, Vec<Bmp>), CodecError> {
    let (password, rest) = take_password(what, data)?;
    Ok((password, parse_bmps(rest)?))
}

fn find_amount(bmps: &[Bmp]) -> Option<u64> {
    bmps.iter().find_map(|b| if let Bmp::Amount(a) = b { Some(*a) } else { None })
}

fn required<T>(value: Option<T>, what: &'static str, field: &'static str) -> Result<T, CodecError> {
    value.ok_or(CodecError::MissingField { what, field })
}

/// A command without fields of its own: any data must still be well-formed BMPs.
fn no_fields(data: &[u8], command: Command) -> Result<Command, CodecError> {
    parse_bmps(data)?;
    Ok(command)
}

#[cfg(test)]
mod tests;

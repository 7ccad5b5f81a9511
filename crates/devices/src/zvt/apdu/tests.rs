//! Unit tests of [`super::Command`].

use super::*;
use crate::zvt::link::{FrameDecoder, encode_frame, parse_apdu};
use proptest::prelude::*;

/// `command` encodes to exactly `bytes`, and `bytes` parse back to `command`.
fn check(command: Command, bytes: &[u8]) {
    let encoded = command.to_apdu().unwrap().to_bytes().unwrap();
    assert_eq!(encoded, bytes, "encoding {command:?}");
    let (apdu, used) = parse_apdu(bytes).unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(Command::parse(&apdu).unwrap(), command, "parsing {bytes:02X?}");
}

#[test]
fn authorization_vector() {
    // 10 data bytes: BMP 04 and 6 amount bytes, BMP 49 and 2 currency bytes.
    check(
        Command::Authorization { amount_minor: 1251, currency: Some(978), payment_type: None },
        &[0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x00, 0x12, 0x51, 0x49, 0x09, 0x78],
    );
    check(
        Command::Authorization { amount_minor: 500, currency: None, payment_type: Some(0x40) },
        &[0x06, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x19, 0x40],
    );
}

#[test]
fn registration_vectors() {
    // Byte for byte what a real ECR sent (zvt-0.1.0's captured registration).
    check(
        Command::Registration { password: 123_456, config_byte: 0xDE, currency: Some(978), service_byte: None },
        &[0x06, 0x00, 0x06, 0x12, 0x34, 0x56, 0xDE, 0x09, 0x78],
    );
    check(
        Command::Registration { password: 0, config_byte: 0xB8, currency: Some(978), service_byte: Some(0x06) },
        &[0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0xB8, 0x09, 0x78, 0x03, 0x06],
    );
    check(
        Command::Registration { password: 1, config_byte: 0, currency: None, service_byte: None },
        &[0x06, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00],
    );
}

#[test]
fn password_commands() {
    check(Command::Reversal { password: 0, receipt_no: 231 }, &[0x06, 0x30, 0x06, 0x00, 0x00, 0x00, 0x87, 0x02, 0x31]);
    check(
        Command::Refund { password: 123_456, amount_minor: 500 },
        &[0x06, 0x31, 0x0A, 0x12, 0x34, 0x56, 0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00],
    );
    check(Command::EndOfDay { password: 123_456 }, &[0x06, 0x50, 0x03, 0x12, 0x34, 0x56]);
    check(Command::RepeatReceipt { password: 0 }, &[0x06, 0x20, 0x03, 0x00, 0x00, 0x00]);
}

#[test]
fn status_enquiry_and_bare_commands() {
    check(Command::StatusEnquiry { password: None, service_byte: None }, &[0x05, 0x01, 0x00]);
    check(
        Command::StatusEnquiry { password: Some(0), service_byte: Some(1) },
        &[0x05, 0x01, 0x05, 0x00, 0x00, 0x00, 0x03, 0x01],
    );
    check(
        Command::StatusEnquiry { password: Some(123_456), service_byte: None },
        &[0x05, 0x01, 0x03, 0x12, 0x34, 0x56],
    );
    check(Command::StatusEnquiry { password: None, service_byte: Some(1) }, &[0x05, 0x01, 0x02, 0x03, 0x01]);
    check(Command::Diagnosis, &[0x06, 0x70, 0x00]);
    check(Command::LogOff, &[0x06, 0x02, 0x00]);
    check(Command::Abort, &[0x06, 0xB0, 0x00]);
    check(Command::Other { class: 0x06, instr: 0xC0, data: vec![0x0F] }, &[0x06, 0xC0, 0x01, 0x0F]);
}

#[test]
fn parse_accepts_bmps_in_any_order_and_drops_unkept_ones() {
    // Payment type, timeout (01), currency, amount: order does not matter.
    let apdu = Apdu {
        class: 0x06,
        instr: 0x01,
        data: vec![0x19, 0x40, 0x01, 0x3C, 0x49, 0x09, 0x78, 0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00],
    };
    assert_eq!(
        Command::parse(&apdu).unwrap(),
        Command::Authorization { amount_minor: 1000, currency: Some(978), payment_type: Some(0x40) }
    );
}

#[test]
fn encoding_errors() {
    let registration = Command::Registration { password: 0, config_byte: 0, currency: None, service_byte: Some(1) };
    assert_eq!(
        registration.to_apdu().unwrap_err().to_string(),
        "registration (06 00): a service byte can only be sent after a currency code"
    );
    let too_much = Command::Authorization { amount_minor: 1_000_000_000_000, currency: None, payment_type: None };
    assert_eq!(too_much.to_apdu(), Err(CodecError::BcdOverflow { value: 1_000_000_000_000, bytes: 6 }));
    assert!(Command::EndOfDay { password: 1_000_000 }.to_apdu().is_err());
    assert!(Command::Reversal { password: 0, receipt_no: 10_000 }.to_apdu().is_err());
    let huge = Command::Other { class: 0x08, instr: 0x14, data: vec![0; MAX_DATA_LEN + 1] };
    assert_eq!(
        huge.to_apdu(),
        Err(CodecError::TooLong { what: "APDU data", len: MAX_DATA_LEN + 1, max: MAX_DATA_LEN })
    );
}

#[test]
fn parsing_errors() {
    let parse = |class, instr, data: &[u8]| Command::parse(&Apdu { class, instr, data: data.to_vec() });
    assert_eq!(
        parse(0x06, 0x01, &[0x49, 0x09, 0x78]).unwrap_err().to_string(),
        "authorisation (06 01) is missing its amount (BMP 04)"
    );
    assert_eq!(
        parse(0x06, 0x50, &[0x12, 0x34]),
        Err(CodecError::MissingField { what: "end-of-day (06 50)", field: "password (3 BCD bytes)" })
    );
    assert_eq!(parse(0x06, 0x50, &[0x12, 0x3F, 0x56]), Err(CodecError::InvalidBcd { byte: 0x3F }));
    assert_eq!(
        parse(0x06, 0x30, &[0, 0, 0]),
        Err(CodecError::MissingField { what: "reversal (06 30)", field: "receipt number (BMP 87)" })
    );
    assert_eq!(
        parse(0x06, 0x00, &[0, 0, 0]),
        Err(CodecError::MissingField { what: "registration (06 00)", field: "config byte" })
    );
    assert_eq!(parse(0x06, 0xB0, &[0x42]), Err(CodecError::UnknownBmp(0x42)));
}

#[test]
fn an_amount_with_dle_bytes_survives_the_serial_link() {
    // 1010.10 EUR is 00 00 00 10 10 10 in BCD: three DLE bytes that the link layer doubles.
    let command = Command::Authorization { amount_minor: 101_010, currency: Some(978), payment_type: None };
    let bytes = command.to_apdu().unwrap().to_bytes().unwrap();
    assert_eq!(bytes, [0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x10, 0x10, 0x10, 0x49, 0x09, 0x78]);
    let frame = encode_frame(&bytes);
    assert_eq!(frame.len(), 2 + bytes.len() + 3 + 4, "three doubled DLEs plus header and trailer");
    let mut decoder = FrameDecoder::new();
    let decoded: Vec<_> = frame.iter().filter_map(|&b| decoder.push(b)).collect();
    assert_eq!(decoded, vec![Ok(bytes.clone())]);
    let (apdu, _) = parse_apdu(&bytes).unwrap();
    assert_eq!(Command::parse(&apdu).unwrap(), command);
}

const MODELLED: [ControlField; 10] = [
    REGISTRATION,
    AUTHORIZATION,
    LOG_OFF,
    REPEAT_RECEIPT,
    REVERSAL,
    REFUND,
    END_OF_DAY,
    DIAGNOSIS,
    ABORT_COMMAND,
    STATUS_ENQUIRY,
];

fn any_command() -> impl Strategy<Value = Command> {
    let password = 0u32..=999_999;
    let amount = 0u64..=999_999_999_999;
    let currency = prop::option::of(0u16..=9999);
    prop_oneof![
        (password.clone(), any::<u8>(), currency.clone(), any::<Option<u8>>()).prop_map(
            |(password, config_byte, currency, service_byte)| Command::Registration {
                password,
                config_byte,
                currency,
                service_byte: currency.and(service_byte),
            }
        ),
        (amount.clone(), currency, any::<Option<u8>>()).prop_map(|(amount_minor, currency, payment_type)| {
            Command::Authorization { amount_minor, currency, payment_type }
        }),
        (password.clone(), 0u32..=9999).prop_map(|(password, receipt_no)| Command::Reversal { password, receipt_no }),
        (password.clone(), amount).prop_map(|(password, amount_minor)| Command::Refund { password, amount_minor }),
        password.clone().prop_map(|password| Command::EndOfDay { password }),
        password.clone().prop_map(|password| Command::RepeatReceipt { password }),
        (prop::option::of(password), any::<Option<u8>>())
            .prop_map(|(password, service_byte)| Command::StatusEnquiry { password, service_byte }),
        Just(Command::Diagnosis),
        Just(Command::LogOff),
        Just(Command::Abort),
        (any::<u8>(), any::<u8>(), prop::collection::vec(any::<u8>(), 0..300))
            .prop_filter("modelled control fields parse as their own variant", |(class, instr, _)| {
                !MODELLED.contains(&(*class, *instr))
            })
            .prop_map(|(class, instr, data)| Command::Other { class, instr, data }),
    ]
}

proptest! {
    #[test]
    fn every_command_round_trips(command in any_command()) {
        let bytes = command.to_apdu().unwrap().to_bytes().unwrap();
        let (apdu, used) = parse_apdu(&bytes).unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(Command::parse(&apdu).unwrap(), command);
    }

    #[test]
    fn parse_never_panics(
        control in prop::sample::select(MODELLED.to_vec()),
        data in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = Command::parse(&Apdu { class: control.0, instr: control.1, data });
    }
}

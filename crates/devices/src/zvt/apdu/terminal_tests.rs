//! Unit tests of [`super::TerminalMessage`] and [`super::StatusInformation`].

use super::*;
use crate::zvt::apdu::{INDIVIDUAL_TOTALS_SLOTS, IndividualTotal};
use crate::zvt::bmp::tests::any_masked_pan;
use crate::zvt::link::parse_apdu;
use crate::zvt::tlv::tests::any_tree;
use proptest::prelude::*;

/// `message` encodes to exactly `bytes`, and `bytes` parse back to `message`.
fn check(message: TerminalMessage, bytes: &[u8]) {
    let encoded = message.to_apdu().unwrap().to_bytes().unwrap();
    assert_eq!(encoded, bytes, "encoding {message:?}");
    assert_eq!(parse(bytes), message, "parsing {bytes:02X?}");
}

fn parse(bytes: &[u8]) -> TerminalMessage {
    let (apdu, used) = parse_apdu(bytes).unwrap();
    assert_eq!(used, bytes.len());
    TerminalMessage::parse(&apdu).unwrap()
}

#[test]
fn completions_and_status() {
    check(TerminalMessage::Ack, &[0x80, 0x00, 0x00]);
    check(TerminalMessage::Nak(0x83), &[0x84, 0x83, 0x00]);
    // As a real terminal sent it: status 17 ("please wait"), no timeout.
    check(TerminalMessage::IntermediateStatus { code: 0x17, timeout: None }, &[0x04, 0xFF, 0x01, 0x17]);
    check(TerminalMessage::IntermediateStatus { code: 0x0A, timeout: Some(0x3C) }, &[0x04, 0xFF, 0x02, 0x0A, 0x3C]);
    // A real completion after registration: status byte 10, terminal ID 52523535, EUR.
    check(
        TerminalMessage::Completion { status_byte: Some(0x10), terminal_id: Some(52_523_535), currency: Some(978) },
        &[0x06, 0x0F, 0x0A, 0x19, 0x10, 0x29, 0x52, 0x52, 0x35, 0x35, 0x49, 0x09, 0x78],
    );
    check(TerminalMessage::Completion { status_byte: None, terminal_id: None, currency: None }, &[0x06, 0x0F, 0x00]);
}

#[test]
fn a_completion_with_the_software_version_and_status_reads_as_such() {
    // Completion of a status enquiry: software version (LLLVAR, untagged), terminal status byte.
    let mut bytes = vec![0x06, 0x0F, 0x08, 0xF0, 0xF0, 0xF4];
    bytes.extend(b"v2.0");
    bytes.push(0x00);
    let expected =
        TerminalMessage::SoftwareCompletion { sw_version: "v2.0".into(), terminal_status: 0, terminal_id: None };
    assert_eq!(parse(&bytes), expected);
    check(expected, &bytes);
    // With the terminal ID after it (BMP 29, 4 bytes BCD).
    let mut with_tid = vec![0x06, 0x0F, 0x0D, 0xF0, 0xF0, 0xF4];
    with_tid.extend(b"v2.0");
    with_tid.extend([0x00, 0x29, 0x52, 0x52, 0x35, 0x35]);
    check(
        TerminalMessage::SoftwareCompletion {
            sw_version: "v2.0".into(),
            terminal_status: 0,
            terminal_id: Some(52_523_535),
        },
        &with_tid,
    );
}

#[test]
fn a_completion_in_a_layout_we_do_not_read_is_other() {
    // A length prefix that promises more than there is.
    let bytes = [0x06, 0x0F, 0x05, 0xF0, 0xF0, 0xF9, b'v', b'2'];
    assert_eq!(parse(&bytes), TerminalMessage::Other { class: 0x06, instr: 0x0F, data: bytes[3..].to_vec() });
}

#[test]
fn print_line_and_text_block() {
    let mut bytes = vec![0x06, 0xD1, 0x0F, 0x00];
    bytes.extend(b"Betrag \x84 12,51");
    check(TerminalMessage::PrintLine { attribute: 0x00, text: "Betrag ä 12,51".into() }, &bytes);
    check(TerminalMessage::PrintLine { attribute: 0xFF, text: String::new() }, &[0x06, 0xD1, 0x01, 0xFF]);
    let block = TerminalMessage::PrintTextBlock { lines: vec!["A".into(), String::new()], receipt_type: Some(1) };
    check(block, &[0x06, 0xD3, 0x0D, 0x06, 0x0B, 0x1F, 0x07, 0x01, 0x01, 0x25, 0x05, 0x07, 0x01, b'A', 0x07, 0x00]);
    check(
        TerminalMessage::PrintTextBlock { lines: vec![], receipt_type: None },
        &[0x06, 0xD3, 0x04, 0x06, 0x02, 0x25, 0x00],
    );
}

#[test]
fn aborts() {
    check(TerminalMessage::Abort { result_code: 0x6C, text: None }, &[0x06, 0x1E, 0x01, 0x6C]);
    check(
        TerminalMessage::Abort { result_code: 0x05, text: Some("Nein".into()) },
        &[0x06, 0x1E, 0x0A, 0x05, 0x06, 0x07, 0x1F, 0x17, 0x04, b'N', b'e', b'i', b'n'],
    );
    // A real partial-reversal abort: result B8, receipt number FF FF.
    assert_eq!(
        parse(&[0x06, 0x1E, 0x04, 0xB8, 0x87, 0xFF, 0xFF]),
        TerminalMessage::Abort { result_code: 0xB8, text: None }
    );
    // Wrong currency: the currency follows the result code untagged.
    assert_eq!(parse(&[0x06, 0x1E, 0x03, 0x6F, 0x09, 0x78]), TerminalMessage::Abort { result_code: 0x6F, text: None });
    let mut bytes = vec![0x06, 0x1E, 0x08, 0x64, 0x3C, 0xF0, 0xF0, 0xF3];
    bytes.extend(b"Err");
    assert_eq!(parse(&bytes), TerminalMessage::Abort { result_code: 0x64, text: Some("Err".into()) });
}

#[test]
fn status_information_in_tag_order() {
    let info = StatusInformation {
        result_code: Some(0),
        amount_minor: Some(2500),
        trace_no: Some(975),
        receipt_no: Some(231),
        terminal_id: Some(52_523_535),
        date: Some((4, 5)),
        time: Some((22, 55, 58)),
        card_type: Some(6),
        card_name: Some("MasterCard".into()),
        card_type_id: Some(1),
        masked_pan: Some("559883******8074".into()),
        payment_type: Some(0x60),
        currency: Some(978),
        ..StatusInformation::default()
    };
    let mut expected = vec![0x04, 0x0F, 0x3D];
    expected.extend([0x04, 0x00, 0x00, 0x00, 0x00, 0x25, 0x00]);
    expected.extend([0x0B, 0x00, 0x09, 0x75, 0x0C, 0x22, 0x55, 0x58, 0x0D, 0x04, 0x05, 0x19, 0x60]);
    expected.extend([0x22, 0xF0, 0xF8, 0x55, 0x98, 0x83, 0xEE, 0xEE, 0xEE, 0x80, 0x74]);
    expected.extend([0x27, 0x00, 0x29, 0x52, 0x52, 0x35, 0x35, 0x49, 0x09, 0x78, 0x87, 0x02, 0x31, 0x8A, 0x06]);
    expected.extend([0x8B, 0xF1, 0xF0]);
    expected.extend(b"MasterCard");
    expected.extend([0x8C, 0x01]);
    assert_eq!(expected.len() - 3, 0x3D);
    check(TerminalMessage::StatusInformation(info), &expected);
}

#[test]
fn end_of_day_individual_totals() {
    // As a real terminal sent it: receipts 0233-0234, two Mastercard payments, 9.58 EUR.
    let mut data = vec![0x27, 0x00, 0x60, 0xF0, 0xF5, 0xF3, 0x02, 0x33, 0x02, 0x34];
    for (count, amount) in [(0u8, 0u16), (0, 0), (2, 0x0958), (0, 0), (0, 0), (0, 0), (0, 0)] {
        data.extend([count, 0, 0, 0, 0]);
        data.extend(amount.to_be_bytes());
    }
    let mut bytes = vec![0x04, 0x0F, data.len() as u8];
    bytes.extend(&data);
    let info = StatusInformation {
        result_code: Some(0),
        individual_totals: vec![IndividualTotal { card_type: "Mastercard".into(), count: 2, amount_minor: 958 }],
        individual_totals_receipts: Some((233, 234)),
        ..StatusInformation::default()
    };
    check(TerminalMessage::StatusInformation(info), &bytes);
    // Names outside the seven families count as "other cards"; counts above 255 do not fit.
    let maestro = |count| StatusInformation {
        individual_totals: vec![IndividualTotal { card_type: "Maestro".into(), count, amount_minor: 100 }],
        ..StatusInformation::default()
    };
    let TerminalMessage::StatusInformation(parsed) =
        parse(&TerminalMessage::StatusInformation(maestro(3)).to_apdu().unwrap().to_bytes().unwrap())
    else {
        panic!("not a status information");
    };
    assert_eq!(
        parsed.individual_totals,
        [IndividualTotal { card_type: "other cards".into(), count: 3, amount_minor: 100 }]
    );
    assert_eq!(parsed.individual_totals_receipts, Some((0, 0)));
    assert!(TerminalMessage::StatusInformation(maestro(256)).to_apdu().is_err());
}

#[test]
fn status_information_errors() {
    let apdu = |data: &[u8]| Apdu { class: 0x04, instr: 0x0F, data: data.to_vec() };
    assert_eq!(TerminalMessage::parse(&apdu(&[0x27, 0x00, 0x27, 0x05])), Err(CodecError::DuplicateBmp(0x27)));
    assert_eq!(TerminalMessage::parse(&apdu(&[0x27, 0x00, 0x99])), Err(CodecError::UnknownBmp(0x99)));
    let empty = |class, instr| TerminalMessage::parse(&Apdu { class, instr, data: vec![] });
    assert_eq!(empty(0x04, 0xFF).unwrap_err().to_string(), "intermediate status (04 FF) is missing its status code");
    assert!(empty(0x06, 0xD1).is_err());
    assert!(empty(0x06, 0x1E).is_err());
    assert_eq!(empty(0x04, 0x0F), Ok(TerminalMessage::StatusInformation(StatusInformation::default())));
}

fn any_text() -> impl Strategy<Value = String> {
    "[ -~äöüÄÖÜß]{0,30}"
}

fn any_status_information() -> impl Strategy<Value = StatusInformation> {
    let numbers = (
        any::<Option<u8>>(),
        prop::option::of(0u64..=999_999_999_999),
        prop::option::of(0u32..=999_999),
        prop::option::of(0u32..=999_999),
        prop::option::of(0u32..=9999),
        prop::option::of(0u32..=999_999),
        prop::option::of(0u32..=99_999_999),
        prop::option::of((0u8..=99, 0u8..=99)),
        prop::option::of((0u8..=99, 0u8..=99, 0u8..=99)),
    );
    let card = (
        any::<Option<u8>>(),
        prop::option::of(any_text()),
        any::<Option<u8>>(),
        prop::option::of(any_masked_pan()),
        any::<Option<u8>>(),
        prop::option::of(0u16..=9999),
        prop::option::of(any_text()),
        any_tree(),
        any_totals(),
    );
    (numbers, card).prop_map(|(n, c)| StatusInformation {
        result_code: n.0,
        amount_minor: n.1,
        trace_no: n.2,
        original_trace_no: n.3,
        receipt_no: n.4,
        turnover_no: n.5,
        terminal_id: n.6,
        date: n.7,
        time: n.8,
        card_type: c.0,
        card_name: c.1,
        card_type_id: c.2,
        masked_pan: c.3,
        payment_type: c.4,
        currency: c.5,
        additional_text: c.6,
        tlv: c.7,
        individual_totals_receipts: c.8.0,
        individual_totals: c.8.1,
    })
}

/// BMP 60 as parsing produces it: absent, or a receipt range with the non-empty families.
fn any_totals() -> impl Strategy<Value = (Option<(u32, u32)>, Vec<IndividualTotal>)> {
    let slot = prop::option::of((1u32..=255, 0u64..=999_999_999_999));
    let slots = prop::collection::vec(slot, INDIVIDUAL_TOTALS_SLOTS.len());
    prop::option::of(((0u32..=9999, 0u32..=9999), slots)).prop_map(|totals| match totals {
        None => (None, Vec::new()),
        Some((range, slots)) => {
            let totals = INDIVIDUAL_TOTALS_SLOTS
                .iter()
                .zip(slots)
                .filter_map(|(name, slot)| {
                    slot.map(|(count, amount_minor)| IndividualTotal {
                        card_type: (*name).to_string(),
                        count,
                        amount_minor,
                    })
                })
                .collect();
            (Some(range), totals)
        }
    })
}

/// Whether an `Other` with this control field and data would parse as a modelled variant.
fn is_modelled(class: u8, instr: u8, data: &[u8]) -> bool {
    [INTERMEDIATE_STATUS, STATUS_INFORMATION, PRINT_LINE, PRINT_TEXT_BLOCK, COMPLETION, ABORT].contains(&(class, instr))
        || ((class, instr) == ACK || class == NAK_CLASS) && data.is_empty()
}

fn any_message() -> impl Strategy<Value = TerminalMessage> {
    prop_oneof![
        Just(TerminalMessage::Ack),
        any::<u8>().prop_map(TerminalMessage::Nak),
        (any::<u8>(), any::<Option<u8>>())
            .prop_map(|(code, timeout)| TerminalMessage::IntermediateStatus { code, timeout }),
        any_status_information().prop_map(TerminalMessage::StatusInformation),
        (any::<u8>(), any_text()).prop_map(|(attribute, text)| TerminalMessage::PrintLine { attribute, text }),
        (prop::collection::vec(any_text(), 0..5), any::<Option<u8>>())
            .prop_map(|(lines, receipt_type)| TerminalMessage::PrintTextBlock { lines, receipt_type }),
        (any::<Option<u8>>(), prop::option::of(0u32..=99_999_999), prop::option::of(0u16..=9999)).prop_map(
            |(status_byte, terminal_id, currency)| TerminalMessage::Completion { status_byte, terminal_id, currency }
        ),
        (any::<u8>(), prop::option::of(any_text()))
            .prop_map(|(result_code, text)| TerminalMessage::Abort { result_code, text }),
        (
            prop::sample::select(vec![0x04u8, 0x05, 0x06, 0x08, 0x0F, 0x80, 0x84]),
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_filter("would parse as a modelled message", |(class, instr, data)| !is_modelled(*class, *instr, data))
            .prop_map(|(class, instr, data)| TerminalMessage::Other { class, instr, data }),
    ]
}

proptest! {
    #[test]
    fn every_message_round_trips(message in any_message()) {
        let bytes = message.to_apdu().unwrap().to_bytes().unwrap();
        let (apdu, _) = parse_apdu(&bytes).unwrap();
        prop_assert_eq!(TerminalMessage::parse(&apdu).unwrap(), message);
    }

    #[test]
    fn parse_never_panics(
        class in prop::sample::select(vec![0x04u8, 0x06, 0x80, 0x84, 0x0F]),
        instr in prop::sample::select(vec![0xFFu8, 0x0F, 0xD1, 0xD3, 0x1E, 0x00, 0x83]),
        data in prop::collection::vec(any::<u8>(), 0..120),
    ) {
        let _ = TerminalMessage::parse(&Apdu { class, instr, data });
    }
}

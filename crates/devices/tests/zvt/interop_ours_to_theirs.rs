//! Terminal messages encoded by Ringup (what the simulated terminal sends) parsed by zvt-0.1.0.

use ringup_devices::zvt::apdu::{IndividualTotal, StatusInformation, TerminalMessage};
use ringup_devices::zvt::tlv::TlvNode;
use zvt::{ZvtSerializer, packets};

fn encode(message: &TerminalMessage) -> Vec<u8> {
    message.to_apdu().expect("encodable").to_bytes().expect("fits an APDU")
}

#[test]
fn status_information() {
    let ours = StatusInformation {
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
        // zvt reads BMP 22 as a plain number, so send digits (our own parser masks them).
        masked_pan: Some("4111111111111111".into()),
        payment_type: Some(0x60),
        currency: Some(978),
        additional_text: Some("Autorisierung über Host".into()),
        tlv: vec![TlvNode::primitive(0x1F4C, [0x01])],
        individual_totals: vec![IndividualTotal { card_type: "Mastercard".into(), count: 2, amount_minor: 958 }],
        individual_totals_receipts: Some((233, 234)),
        // BMPs 37 and 88 are left out: zvt-0.1.0 does not know them and stops reading there.
        ..StatusInformation::default()
    };
    let bytes = encode(&TerminalMessage::StatusInformation(ours));
    let (theirs, rest) = packets::StatusInformation::zvt_deserialize(&bytes).expect("zvt parses it");
    assert!(rest.is_empty(), "zvt read everything");
    assert_eq!(theirs.result_code, Some(0));
    assert_eq!(theirs.amount, Some(2500));
    assert_eq!(theirs.trace_number, Some(975));
    assert_eq!(theirs.receipt_no, Some(231));
    assert_eq!(theirs.terminal_id, Some(52_523_535));
    assert_eq!(theirs.date, Some(405));
    assert_eq!(theirs.time, Some(225_558));
    assert_eq!(theirs.zvt_card_type, Some(6));
    assert_eq!(theirs.card_name.as_deref(), Some("MasterCard"));
    assert_eq!(theirs.zvt_card_type_id, Some(1));
    assert_eq!(theirs.card_number, Some(4_111_111_111_111_111));
    assert_eq!(theirs.card_type, Some(0x60), "zvt calls BMP 19 card_type");
    assert_eq!(theirs.currency, Some(978));
    assert_eq!(theirs.additional_text.as_deref(), Some("Autorisierung über Host"));
    assert_eq!(theirs.tlv.as_ref().and_then(|tlv| tlv.card_type), Some(1));
    let totals = theirs.single_amounts.expect("BMP 60");
    assert_eq!((totals.receipt_no_start, totals.receipt_no_end), (233, 234));
    assert_eq!((totals.eurocard.num, totals.eurocard.total), (2, 958));
    assert_eq!((totals.girocard.num, totals.visa.num, totals.others.total), (0, 0, 0));
}

#[test]
fn intermediate_status() {
    let bytes = encode(&TerminalMessage::IntermediateStatus { code: 0x0A, timeout: Some(5) });
    let (theirs, _) = packets::IntermediateStatusInformation::zvt_deserialize(&bytes).expect("zvt parses it");
    assert_eq!(theirs, packets::IntermediateStatusInformation { status: 0x0A, timeout: Some(5) });
    // Without a timeout zvt reports Some(0): it cannot tell "absent" from BCD 0.
    let bytes = encode(&TerminalMessage::IntermediateStatus { code: 0x17, timeout: None });
    let (theirs, _) = packets::IntermediateStatusInformation::zvt_deserialize(&bytes).expect("zvt parses it");
    assert_eq!(theirs.status, 0x17);
}

#[test]
fn print_line() {
    let bytes = encode(&TerminalMessage::PrintLine { attribute: 0x80, text: "Gesamt  12,51 EUR  Grüße".into() });
    let (theirs, _) = packets::PrintLine::zvt_deserialize(&bytes).expect("zvt parses it");
    assert_eq!(theirs, packets::PrintLine { attribute: 0x80, text: "Gesamt  12,51 EUR  Grüße".into() });
}

#[test]
fn print_text_block() {
    let lines = vec!["** Kundenbeleg **".to_string(), String::new(), "Betrag EUR 12,51".to_string()];
    let bytes = encode(&TerminalMessage::PrintTextBlock { lines: lines.clone(), receipt_type: Some(2) });
    let (theirs, _) = packets::PrintTextBlock::zvt_deserialize(&bytes).expect("zvt parses it");
    let tlv = theirs.tlv.expect("BMP 06");
    assert_eq!(tlv.receipt_type, Some(2));
    assert_eq!(tlv.lines.expect("print texts").lines, lines);
}

#[test]
fn completion() {
    let message =
        TerminalMessage::Completion { status_byte: Some(0x10), terminal_id: Some(52_523_535), currency: Some(978) };
    let (theirs, _) = packets::CompletionData::zvt_deserialize(&encode(&message)).expect("zvt parses it");
    assert_eq!(
        theirs,
        packets::CompletionData {
            result_code: None,
            status_byte: Some(0x10),
            terminal_id: Some(52_523_535),
            currency: Some(978)
        }
    );
    let empty = TerminalMessage::Completion { status_byte: None, terminal_id: None, currency: None };
    let (theirs, _) = packets::CompletionData::zvt_deserialize(&encode(&empty)).expect("zvt parses it");
    assert_eq!(theirs, packets::CompletionData::default());
}

#[test]
fn software_completion() {
    let message = TerminalMessage::SoftwareCompletion {
        sw_version: "RINGUP-SIM-ZVT 1.0".into(),
        terminal_status: 0,
        terminal_id: None,
    };
    let (theirs, _) = packets::ReceiptPrintoutCompletion::zvt_deserialize(&encode(&message)).expect("zvt parses it");
    assert_eq!(
        theirs,
        packets::ReceiptPrintoutCompletion {
            sw_version: "RINGUP-SIM-ZVT 1.0".into(),
            terminal_status_code: 0,
            tlv: None
        }
    );
}

#[test]
fn abort() {
    for text in [None, Some("Karte gesperrt".to_string())] {
        let bytes = encode(&TerminalMessage::Abort { result_code: 0x6C, text });
        let (theirs, _) = packets::Abort::zvt_deserialize(&bytes).expect("zvt parses it");
        assert_eq!(theirs, packets::Abort { error: 0x6C });
    }
}

#[test]
fn ack() {
    let bytes = encode(&TerminalMessage::Ack);
    let (theirs, rest) = packets::Ack::zvt_deserialize(&bytes).expect("zvt parses it");
    assert_eq!((theirs, rest), (packets::Ack {}, &[][..]));
}

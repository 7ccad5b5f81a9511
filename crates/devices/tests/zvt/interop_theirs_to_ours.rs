//! Commands serialised by zvt-0.1.0 (as another cash register would send them) parsed by
//! Ringup's `Command::parse`, which the simulated terminal uses.

use crate::one_apdu;
use ringup_devices::zvt::apdu::Command;
use zvt::{ZvtSerializer, packets};

fn ours(bytes: &[u8]) -> Command {
    Command::parse(&one_apdu(bytes)).expect("our parser reads zvt's bytes")
}

#[test]
fn registration() {
    let theirs = packets::Registration { password: 123_456, config_byte: 0xDE, currency: Some(978), tlv: None };
    assert_eq!(
        ours(&theirs.zvt_serialize()),
        Command::Registration { password: 123_456, config_byte: 0xDE, currency: Some(978), service_byte: None }
    );
    // With a TLV container (maximum APDU length): read past, not kept.
    let theirs = packets::Registration {
        password: 0,
        config_byte: 0xBA,
        currency: Some(978),
        tlv: Some(packets::tlv::Registration { max_len_adpu: Some(1024) }),
    };
    assert_eq!(
        ours(&theirs.zvt_serialize()),
        Command::Registration { password: 0, config_byte: 0xBA, currency: Some(978), service_byte: None }
    );
}

#[test]
fn status_enquiry() {
    let cases = [(Some(123_456), Some(0x01)), (Some(0), None), (None, None), (Some(999_999), Some(0x00))];
    for (password, service_byte) in cases {
        let theirs = packets::StatusEnquiry { password, service_byte, tlv: None };
        let expected =
            Command::StatusEnquiry { password: password.map(|p| u32::try_from(p).expect("6 digits")), service_byte };
        assert_eq!(ours(&theirs.zvt_serialize()), expected, "{password:?} {service_byte:?}");
    }
}

#[test]
fn end_of_day() {
    for password in [0, 123_456, 999_999] {
        let theirs = packets::EndOfDay { password };
        let expected = Command::EndOfDay { password: u32::try_from(password).expect("6 digits") };
        assert_eq!(ours(&theirs.zvt_serialize()), expected);
    }
}

#[test]
fn commands_we_do_not_model_stay_whole() {
    let theirs = packets::ReadCard { timeout_sec: 15, card_type: Some(0x10), dialog_control: Some(2), tlv: None };
    let bytes = theirs.zvt_serialize();
    assert_eq!(ours(&bytes), Command::Other { class: 0x06, instr: 0xC0, data: bytes[3..].to_vec() });
}

// The completion with the software version (06 0F, LLLVAR version and status byte) is checked
// the other way only (`interop_ours_to_theirs::software_completion`) and against a real
// terminal's capture (`blobs`): zvt-0.1.0 serializes its `ReceiptPrintoutCompletion` as four
// zero bytes, so its own bytes cannot stand for a terminal's.

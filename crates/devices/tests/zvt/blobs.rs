//! Replays zvt-0.1.0's captured traffic (`data/*.blob` in its crate source; each file is one
//! raw APDU — class, instruction, length, data — without serial framing) through our parsers:
//! terminal-to-ECR captures (`*_pt_ecr`, the terminal at 192.168.0.59) through
//! `TerminalMessage::parse`, ECR-to-terminal ones (`*_ecr_pt`, the ECR at 192.168.0.139)
//! through `Command::parse`. The two unnamed captures are terminal answers (zvt-0.1.0's tests
//! read them as an abort and a print text block).
//!
//! The test fails, never skips, when the files cannot be found.

use crate::one_apdu;
use ringup_devices::zvt::apdu::{Command, IndividualTotal, StatusInformation, TerminalMessage};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    TerminalToEcr,
    EcrToTerminal,
}
use Direction::{EcrToTerminal, TerminalToEcr};

/// Every capture, its direction, and the variant our parser must produce ("Other" for APDUs
/// we deliberately do not model).
const EXPECTED: [(&str, Direction, &str); 23] = [
    ("1680722649.972316000_ecr_pt.blob", EcrToTerminal, "Other"), // 06 C0 read card
    ("1680728161.963129000_pt_ecr.blob", TerminalToEcr, "StatusInformation"),
    ("1680728162.033575000_ecr_pt.blob", EcrToTerminal, "Other"), // 06 22 reservation
    ("1680728162.647465000_pt_ecr.blob", TerminalToEcr, "IntermediateStatus"),
    ("1680728165.675509000_pt_ecr.blob", TerminalToEcr, "StatusInformation"),
    ("1680728165.827009000_pt_ecr.blob", TerminalToEcr, "Completion"),
    ("1680728213.562478000_ecr_pt.blob", EcrToTerminal, "Other"), // 06 25 pre-auth reversal
    ("1680728215.585561000_pt_ecr.blob", TerminalToEcr, "PrintTextBlock"),
    ("1680728215.659492000_pt_ecr.blob", TerminalToEcr, "StatusInformation"),
    ("1680728219.054216000_pt_ecr.blob", TerminalToEcr, "SoftwareCompletion"), // 06 0F with software version
    ("1680761818.641601000_pt_ecr.blob", TerminalToEcr, "Completion"),
    ("1680761818.690979000_ecr_pt.blob", EcrToTerminal, "Other"), // 0F A1 vendor (Feig)
    ("1680761818.768770000_pt_ecr.blob", TerminalToEcr, "Other"), // 06 0F vendor layout (Feig)
    ("1680761828.489701000_pt_ecr.blob", TerminalToEcr, "StatusInformation"),
    ("1681273860.511128000_ecr_pt.blob", EcrToTerminal, "Registration"),
    ("1681282621.302434000_ecr_pt.blob", EcrToTerminal, "EndOfDay"),
    ("1681455683.221609000_ecr_pt.blob", EcrToTerminal, "Other"), // 06 23 partial reversal
    ("1682066249.409078000_pt_ecr.blob", TerminalToEcr, "StatusInformation"),
    ("1682080275.594788000_192.168.0.139_192.168.0.59.blob", EcrToTerminal, "Other"), // 08 14 write file
    ("1682080275.777628000_192.168.0.59_192.168.0.139.blob", TerminalToEcr, "Other"), // 04 0C request data
    ("1682080310.907262000_192.168.0.139_192.168.0.59.blob", EcrToTerminal, "Other"), // 80 00 with data
    ("partial_reversal.blob", TerminalToEcr, "Abort"),
    ("print_system_configuration_reply.blob", TerminalToEcr, "PrintTextBlock"),
];

/// zvt-0.1.0's `data` folder in the cargo registry (`$CARGO_HOME`, else `$HOME/.cargo`).
fn data_dir() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .expect("neither CARGO_HOME nor HOME is set: cannot find the cargo registry");
    let registry = cargo_home.join("registry").join("src");
    let entries = std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("cannot read the cargo registry sources at {}: {e}", registry.display()));
    entries
        .filter_map(Result::ok)
        .map(|index| index.path().join("zvt-0.1.0").join("data"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "zvt-0.1.0's captured traffic (zvt-0.1.0/data) is not under {}: run `cargo fetch` so the \
                 dev-dependency's source is unpacked",
                registry.display()
            )
        })
}

fn kind_of_message(message: &TerminalMessage) -> &'static str {
    match message {
        TerminalMessage::Ack => "Ack",
        TerminalMessage::Nak(_) => "Nak",
        TerminalMessage::IntermediateStatus { .. } => "IntermediateStatus",
        TerminalMessage::StatusInformation(_) => "StatusInformation",
        TerminalMessage::PrintLine { .. } => "PrintLine",
        TerminalMessage::PrintTextBlock { .. } => "PrintTextBlock",
        TerminalMessage::Completion { .. } => "Completion",
        TerminalMessage::SoftwareCompletion { .. } => "SoftwareCompletion",
        TerminalMessage::Abort { .. } => "Abort",
        TerminalMessage::Other { .. } => "Other",
    }
}

fn kind_of_command(command: &Command) -> &'static str {
    match command {
        Command::Registration { .. } => "Registration",
        Command::Authorization { .. } => "Authorization",
        Command::Reversal { .. } => "Reversal",
        Command::Refund { .. } => "Refund",
        Command::EndOfDay { .. } => "EndOfDay",
        Command::RepeatReceipt { .. } => "RepeatReceipt",
        Command::StatusEnquiry { .. } => "StatusEnquiry",
        Command::Diagnosis => "Diagnosis",
        Command::LogOff => "LogOff",
        Command::Abort => "Abort",
        Command::Other { .. } => "Other",
    }
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
}

fn terminal_message(dir: &Path, name: &str) -> TerminalMessage {
    TerminalMessage::parse(&one_apdu(&read(dir, name))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_capture_parses() {
    let dir = data_dir();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("readable data folder")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".blob"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|(name, _, _)| (*name).to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every capture in {} is classified here", dir.display());

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (name, direction, expected) in EXPECTED {
        let apdu = one_apdu(&read(&dir, name));
        let (side, kind) = match direction {
            TerminalToEcr => {
                let message = TerminalMessage::parse(&apdu).unwrap_or_else(|e| panic!("{name}: {e}"));
                ("terminal→ECR", kind_of_message(&message))
            }
            EcrToTerminal => {
                let command = Command::parse(&apdu).unwrap_or_else(|e| panic!("{name}: {e}"));
                ("ECR→terminal", kind_of_command(&command))
            }
        };
        assert_eq!(kind, expected, "{name} ({:02X} {:02X})", apdu.class, apdu.instr);
        *counts.entry(format!("{side} {kind}")).or_default() += 1;
    }
    println!("zvt-0.1.0 captures parsed: {}", EXPECTED.len());
    for (kind, count) in &counts {
        println!("  {count:2} × {kind}");
    }
}

#[test]
fn captured_commands_have_the_expected_values_and_reencode_byte_for_byte() {
    let dir = data_dir();
    for (name, expected) in [
        (
            "1681273860.511128000_ecr_pt.blob",
            Command::Registration { password: 123_456, config_byte: 0xDE, currency: Some(978), service_byte: None },
        ),
        ("1681282621.302434000_ecr_pt.blob", Command::EndOfDay { password: 123_456 }),
    ] {
        let bytes = read(&dir, name);
        assert_eq!(Command::parse(&one_apdu(&bytes)).expect("parses"), expected, "{name}");
        assert_eq!(expected.to_apdu().expect("encodes").to_bytes().expect("fits"), bytes, "{name}");
    }
}

#[test]
fn captured_terminal_messages_have_the_expected_values() {
    let dir = data_dir();
    for (name, expected) in [
        ("1680728162.647465000_pt_ecr.blob", TerminalMessage::IntermediateStatus { code: 0x17, timeout: None }),
        (
            "1680728165.827009000_pt_ecr.blob",
            TerminalMessage::Completion { status_byte: None, terminal_id: None, currency: None },
        ),
        (
            "1680761818.641601000_pt_ecr.blob",
            TerminalMessage::Completion { status_byte: Some(0x10), terminal_id: Some(52_523_535), currency: Some(978) },
        ),
    ] {
        let bytes = read(&dir, name);
        assert_eq!(terminal_message(&dir, name), expected, "{name}");
        assert_eq!(expected.to_apdu().expect("encodes").to_bytes().expect("fits"), bytes, "{name} re-encodes");
    }
    assert_eq!(
        terminal_message(&dir, "partial_reversal.blob"),
        TerminalMessage::Abort { result_code: 0xB8, text: None }
    );
    // A real terminal's completion with its software version and status (its TLV after them,
    // with the terminal ID in a tag of its own, is not read).
    assert_eq!(
        terminal_message(&dir, "1680728219.054216000_pt_ecr.blob"),
        TerminalMessage::SoftwareCompletion {
            sw_version: "GER-APP-v2.0.9;cS02.01.01-10.10-2-2;CC26".into(),
            terminal_status: 0,
            terminal_id: None,
        }
    );
}

#[test]
fn captured_payment_status_information() {
    let dir = data_dir();
    let TerminalMessage::StatusInformation(info) = terminal_message(&dir, "1680728165.675509000_pt_ecr.blob") else {
        panic!("not a status information");
    };
    assert_eq!(
        info,
        StatusInformation {
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
        }
    );
    let TerminalMessage::StatusInformation(info) = terminal_message(&dir, "1680728215.659492000_pt_ecr.blob") else {
        panic!("not a status information");
    };
    assert_eq!(
        info.additional_text.as_deref(),
        Some("AS-Proc-Code= 00 076 06\rCapt.-Ref.= 0099\rAID59= 081520\r DAUER   7 TAGE")
    );
}

#[test]
fn a_clear_card_number_from_a_real_terminal_is_masked() {
    let dir = data_dir();
    let message = terminal_message(&dir, "1682066249.409078000_pt_ecr.blob");
    let TerminalMessage::StatusInformation(info) = &message else {
        panic!("not a status information");
    };
    assert_eq!(info.masked_pan.as_deref(), Some("471100*********8004"));
    assert_eq!(info.card_name.as_deref(), Some("girocard"));
    assert!(!format!("{message:?}").contains("4711008005757038004"), "the full card number is not kept");
}

#[test]
fn captured_end_of_day_totals() {
    let dir = data_dir();
    let TerminalMessage::StatusInformation(info) = terminal_message(&dir, "1680761828.489701000_pt_ecr.blob") else {
        panic!("not a status information");
    };
    assert_eq!(
        (info.amount_minor, info.trace_no, info.date, info.time),
        (Some(958), Some(982), Some((4, 6)), Some((8, 17, 6)))
    );
    assert_eq!(info.individual_totals_receipts, Some((233, 234)));
    assert_eq!(
        info.individual_totals,
        [IndividualTotal { card_type: "Mastercard".into(), count: 2, amount_minor: 958 }]
    );
}

#[test]
fn captured_receipts() {
    let dir = data_dir();
    let TerminalMessage::PrintTextBlock { lines, receipt_type } =
        terminal_message(&dir, "1680728215.585561000_pt_ecr.blob")
    else {
        panic!("not a print text block");
    };
    assert_eq!((lines.len(), receipt_type), (33, Some(2)));
    assert!(lines.iter().any(|line| line.contains("Customer Receipt")), "{lines:#?}");
    let TerminalMessage::PrintTextBlock { lines, receipt_type } =
        terminal_message(&dir, "print_system_configuration_reply.blob")
    else {
        panic!("not a print text block");
    };
    assert_eq!((lines.len(), receipt_type), (118, Some(3)));
    assert!(lines.iter().any(|line| line.contains("Gültigkeit")), "CP437 text decodes: {lines:#?}");
}

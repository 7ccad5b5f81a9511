//! The ZVT card terminal protocol: the serial link decoder and the APDU codecs.

use crate::split_point;
use ringup_devices::zvt::apdu::{Command, INDIVIDUAL_TOTALS_SLOTS, TerminalMessage};
use ringup_devices::zvt::bmp::{Bmp, encode_bmp, parse_bmps};
use ringup_devices::zvt::link::{
    Apdu, DLE, ETX, FrameDecoder, LinkError, MAX_APDU_LEN, MAX_DATA_LEN, STX, encode_frame, parse_apdu,
};
use ringup_devices::zvt::tlv::{encode_tlv, parse_tlv};

/// Feeds `bytes` to `decoder` and collects everything it yields.
fn decode(decoder: &mut FrameDecoder, bytes: &[u8]) -> Vec<Result<Vec<u8>, LinkError>> {
    bytes.iter().filter_map(|&byte| decoder.push(byte)).collect()
}

/// Ends whatever the decoder is in the middle of, from any state: `00` ends an escape (as an
/// error), `DLE ETX` ends an open frame, and the two bytes after it are its CRC. Outside a frame
/// none of it starts one.
const LINK_FLUSH: [u8; 5] = [0x00, DLE, ETX, 0x00, 0x00];

/// Positive completion (80 00 00), the smallest good APDU.
const ACK_APDU: [u8; 3] = [0x80, 0x00, 0x00];

/// The ZVT serial frame decoder (`zvt::link::FrameDecoder`). Input: two bytes choosing a split
/// point, then the bytes on the wire.
///
/// Checks that decoding the wire whole and in two pieces (the second fed to a clone of the
/// decoder the first left behind) yields the same frames and errors; that every good frame's
/// APDU fills the frame exactly, is re-framed by `encode_frame` into a frame that decodes to the
/// same APDU, and re-serialises into an APDU that parses the same; that every error is
/// consistent (a CRC mismatch has two different CRCs, a truncation needs more than it had, ...);
/// and that after the wire and a short flush the decoder reads a good frame again.
pub fn zvt_link(data: &[u8]) {
    let [lo, hi, wire @ ..] = data else { return };
    let whole = decode(&mut FrameDecoder::new(), wire);

    let (head, tail) = wire.split_at(split_point(*lo, *hi, wire.len()));
    let mut decoder = FrameDecoder::new();
    let mut split = decode(&mut decoder, head);
    let mut resumed = decoder.clone();
    split.extend(decode(&mut resumed, tail));
    let (at, len) = (head.len(), wire.len());
    assert_eq!(split, whole, "split after {at} of {len} bytes: the frames must not depend on the split");

    for output in &whole {
        match output {
            Ok(apdu_bytes) => check_link_frame(apdu_bytes),
            Err(error) => check_link_error(error),
        }
    }

    let _flushed = decode(&mut resumed, &LINK_FLUSH);
    assert_eq!(
        decode(&mut resumed, &encode_frame(&ACK_APDU)),
        vec![Ok(ACK_APDU.to_vec())],
        "after any bytes and a flush, the decoder must read a good frame"
    );
}

fn check_link_frame(apdu_bytes: &[u8]) {
    assert!(apdu_bytes.len() <= MAX_APDU_LEN, "a frame of {} bytes is past the APDU maximum", apdu_bytes.len());
    let Ok((apdu, used)) = parse_apdu(apdu_bytes) else {
        panic!("a good frame's APDU {apdu_bytes:02X?} does not parse");
    };
    assert_eq!(used, apdu_bytes.len(), "a good frame's APDU length covers the frame exactly: {apdu_bytes:02X?}");
    assert_eq!(
        decode(&mut FrameDecoder::new(), &encode_frame(apdu_bytes)),
        vec![Ok(apdu_bytes.to_vec())],
        "the APDU {apdu_bytes:02X?} framed again decodes to itself"
    );
    let canonical = match apdu.to_bytes() {
        Ok(bytes) => bytes,
        Err(error) => panic!("a decoded APDU {apdu:02X?} does not serialise: {error}"),
    };
    assert_eq!(parse_apdu(&canonical), Ok((apdu, canonical.len())), "a decoded APDU serialised parses the same");
}

fn check_link_error(error: &LinkError) {
    match *error {
        LinkError::CrcMismatch { received, computed } => assert_ne!(received, computed, "{error}"),
        LinkError::LengthMismatch { declared, actual } => assert!(declared < actual, "{error}"),
        LinkError::Truncated { needed, available } => assert!(needed > available, "{error}"),
        LinkError::InvalidEscape { byte } => assert!(![DLE, ETX, STX].contains(&byte), "{error}"),
        LinkError::FrameTooLong { limit } => assert_eq!(limit, MAX_APDU_LEN, "{error}"),
        LinkError::FrameRestarted => {}
        LinkError::DataTooLong { .. } => panic!("the decoder reported an encoding error: {error}"),
    }
}

/// ZVT APDUs and what they carry (`zvt::link::parse_apdu`, `zvt::apdu::Command`,
/// `zvt::apdu::TerminalMessage`, `zvt::bmp`, `zvt::tlv`). Input: an APDU (class, instruction,
/// length, data); when its length field does not fit, everything after the first three bytes is
/// its data.
///
/// Checks that `parse_apdu` either parses (and the APDU serialised, never longer, parses back
/// the same) or reports a truncation of this input; that a parsed `Command` always encodes and
/// parses back equal; that a parsed `TerminalMessage`, when it encodes, parses back equal (but
/// for the two lossy cases named in `lossy_encoding`); that the data read as BMPs encodes (less
/// the sensitive ones, which are never kept) and parses back equal; and that the data read as a
/// TLV container encodes, no longer than it was, and parses back equal.
pub fn zvt_apdu(data: &[u8]) {
    let apdu = match parse_apdu(data) {
        Ok((apdu, used)) => {
            check_apdu_bytes(&apdu, used, data.len());
            apdu
        }
        Err(LinkError::Truncated { needed, available }) => {
            assert!(available == data.len() && needed > available, "truncation of {data:02X?}: {needed}, {available}");
            match data {
                [class, instr, _length, body @ ..] if body.len() <= MAX_DATA_LEN => {
                    Apdu { class: *class, instr: *instr, data: body.to_vec() }
                }
                _ => return,
            }
        }
        Err(error) => panic!("parse_apdu({data:02X?}) failed with {error}, not a truncation"),
    };
    check_command(&apdu);
    check_terminal_message(&apdu);
    check_bmps(&apdu.data);
    check_tlv(&apdu.data);
}

fn check_apdu_bytes(apdu: &Apdu, used: usize, available: usize) {
    assert!(used <= available, "the APDU used {used} of {available} bytes");
    let bytes = match apdu.to_bytes() {
        Ok(bytes) => bytes,
        Err(error) => panic!("a parsed APDU {apdu:02X?} does not serialise: {error}"),
    };
    assert!(bytes.len() <= used, "serialising {apdu:02X?} takes {} bytes, parsing it took {used}", bytes.len());
    assert_eq!(parse_apdu(&bytes), Ok((apdu.clone(), bytes.len())), "a parsed APDU serialised parses the same");
}

fn check_command(apdu: &Apdu) {
    let Ok(command) = Command::parse(apdu) else { return };
    let encoded = match command.to_apdu() {
        Ok(encoded) => encoded,
        Err(error) => panic!("{command:?}, parsed from {apdu:02X?}, does not encode: {error}"),
    };
    assert_eq!(Command::parse(&encoded), Ok(command), "parsed from {apdu:02X?}, encoded as {encoded:02X?}");
}

fn check_terminal_message(apdu: &Apdu) {
    let Ok(message) = TerminalMessage::parse(apdu) else { return };
    // Encoding may fail where parsing did not: individual totals are written with all seven
    // card families, so a message near the APDU limit may no longer fit.
    let Ok(encoded) = message.to_apdu() else { return };
    let again = TerminalMessage::parse(&encoded);
    if lossy_encoding(&message, &encoded) {
        assert!(again.is_ok(), "{message:?} encoded as {encoded:02X?} does not parse: {again:?}");
    } else {
        assert_eq!(again, Ok(message), "parsed from {apdu:02X?}, encoded as {encoded:02X?}");
    }
}

/// The encodings that are known not to read back as the same message:
/// - individual totals of card families beyond the seven named slots are counted in "other
///   cards" when encoded (documented on `IndividualTotal::card_type`);
/// - a completion (06 0F) is read as BMPs first and only otherwise as software version and
///   status, and some encoded software completions also read as BMPs (e.g. version "≡" and
///   status F0 encode as `F0 F0 F1 F0 F0`: display duration F0, then an empty text line).
fn lossy_encoding(message: &TerminalMessage, encoded: &Apdu) -> bool {
    match message {
        TerminalMessage::StatusInformation(info) => {
            info.individual_totals.iter().any(|total| !INDIVIDUAL_TOTALS_SLOTS.contains(&total.card_type.as_str()))
        }
        TerminalMessage::SoftwareCompletion { .. } => parse_bmps(&encoded.data).is_ok(),
        _ => false,
    }
}

fn check_bmps(data: &[u8]) {
    let Ok(bmps) = parse_bmps(data) else { return };
    let kept: Vec<Bmp> = bmps.into_iter().filter(|bmp| !matches!(bmp, Bmp::Sensitive { .. })).collect();
    let mut encoded = Vec::new();
    for bmp in &kept {
        match encode_bmp(bmp) {
            Ok(bytes) => encoded.extend(bytes),
            Err(error) => panic!("{bmp:?}, parsed from {data:02X?}, does not encode: {error}"),
        }
    }
    assert_eq!(parse_bmps(&encoded), Ok(kept), "BMPs parsed from {data:02X?}, encoded as {encoded:02X?}");
}

fn check_tlv(data: &[u8]) {
    let Ok(nodes) = parse_tlv(data) else { return };
    let encoded = match encode_tlv(&nodes) {
        Ok(encoded) => encoded,
        Err(error) => panic!("TLV {nodes:?}, parsed from {data:02X?}, does not encode: {error}"),
    };
    assert!(encoded.len() <= data.len(), "TLV encoded in shortest form grew: {data:02X?} -> {encoded:02X?}");
    assert_eq!(parse_tlv(&encoded), Ok(nodes), "TLV parsed from {data:02X?}, encoded as {encoded:02X?}");
}

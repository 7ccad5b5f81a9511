//! ZVT serial link layer: APDU layout, DLE framing, CRC-16/KERMIT and a streaming decoder.
//!
//! Everything here follows the ZVT specification PA00P015 (the ECR ↔ payment-terminal
//! protocol). Spec references below name the part of the spec by topic ("APDU structure",
//! "serial transport"); the exact section numbers differ between spec revisions.
//!
//! Wire format of one serial frame (PA00P015, serial transport):
//!
//! ```text
//! DLE STX  <APDU, every 0x10 byte sent twice>  DLE ETX  CRC-lo CRC-hi
//! ```
//!
//! The CRC is CRC-16/KERMIT over the *unstuffed* APDU followed by ETX; its two bytes are sent
//! as they are (not DLE-stuffed). The receiver answers every frame with a single [`ACK`] or
//! [`NAK`]; on NAK the sender retransmits, at most [`MAX_SEND_ATTEMPTS`] times in all.
//!
//! This module is pure: no IO, no timers. Timeouts and the ACK/NAK exchange belong to
//! whoever drives the serial port; they feed received bytes into a [`FrameDecoder`].

/// Data Link Escape: starts the frame header and trailer, and is doubled when it occurs
/// inside the APDU. PA00P015, serial transport.
pub const DLE: u8 = 0x10;

/// Start of Text: `DLE STX` opens a frame. PA00P015, serial transport.
pub const STX: u8 = 0x02;

/// End of Text: `DLE ETX` closes the APDU part of a frame; ETX is also the last byte fed
/// into the CRC. PA00P015, serial transport.
pub const ETX: u8 = 0x03;

/// Positive acknowledgement, sent as a single byte by the receiver of a good frame.
/// PA00P015, serial transport.
pub const ACK: u8 = 0x06;

/// Negative acknowledgement, sent as a single byte by the receiver of a bad frame (CRC or
/// framing error); the sender then retransmits. PA00P015, serial transport.
pub const NAK: u8 = 0x15;

/// How many times a sender transmits one frame (first try included) before giving up when
/// it keeps receiving NAK. PA00P015, serial transport.
pub const MAX_SEND_ATTEMPTS: u8 = 3;

/// Largest APDU data field: the extended length is a 16-bit value. PA00P015, APDU structure.
pub const MAX_DATA_LEN: usize = 0xFFFF;

/// Length byte value that announces a 2-byte little-endian length following it.
/// PA00P015, APDU structure.
pub const EXTENDED_LENGTH_MARKER: u8 = 0xFF;

/// Largest possible APDU on the wire (unstuffed): class, instruction, `FF lo hi`, and
/// [`MAX_DATA_LEN`] data bytes. The [`FrameDecoder`] never buffers more than this.
pub const MAX_APDU_LEN: usize = 2 + 3 + MAX_DATA_LEN;

/// Reflected form of the CRC-16/CCITT polynomial 0x1021, as used by CRC-16/KERMIT.
const KERMIT_POLY_REFLECTED: u16 = 0x8408;

/// Everything that can go wrong encoding or decoding the ZVT link layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    /// The APDU data field is longer than the 16-bit length can express.
    #[error("APDU data of {len} bytes is too long: the maximum is {MAX_DATA_LEN} bytes")]
    DataTooLong { len: usize },
    /// Fewer bytes than the APDU header or its length field announce.
    #[error("APDU truncated: {needed} bytes needed, only {available} available")]
    Truncated { needed: usize, available: usize },
    /// A frame's APDU announces fewer bytes than the frame carried.
    #[error("malformed frame: the APDU length field covers {declared} bytes but the frame carried {actual}")]
    LengthMismatch { declared: usize, actual: usize },
    /// The CRC bytes on the wire do not match the CRC of the received APDU.
    #[error("CRC mismatch: frame says {received:#06x}, received APDU gives {computed:#06x}")]
    CrcMismatch { received: u16, computed: u16 },
    /// Inside a frame, DLE was followed by something other than DLE, ETX or STX.
    #[error("malformed frame: DLE followed by {byte:#04x} (only DLE, ETX or STX may follow DLE)")]
    InvalidEscape { byte: u8 },
    /// `DLE STX` arrived before the current frame ended; the partial frame is dropped and
    /// decoding continues with the new frame.
    #[error("malformed frame: a new frame (DLE STX) started before the previous one ended")]
    FrameRestarted,
    /// The frame's APDU grew beyond [`MAX_APDU_LEN`]; the decoder dropped it.
    #[error("malformed frame: longer than the {limit}-byte APDU maximum")]
    FrameTooLong { limit: usize },
}

/// CRC-16/KERMIT (poly 0x1021 reflected, init 0x0000, no final xor) as used by the ZVT
/// serial transport (PA00P015, serial transport). Check value: `crc16_kermit(b"123456789")`
/// is `0x2189`.
///
/// Written by hand on purpose: it is ten lines, and the `crc` crate would be a new
/// dependency for one function. Bitwise is plenty fast for 9600-baud frames.
#[must_use]
pub fn crc16_kermit(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0x0000;
    for &byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ KERMIT_POLY_REFLECTED } else { crc >> 1 };
        }
    }
    crc
}

/// The frame CRC: CRC-16/KERMIT over the unstuffed APDU followed by ETX.
fn frame_crc(apdu_bytes: &[u8]) -> u16 {
    let mut crc_input = Vec::with_capacity(apdu_bytes.len() + 1);
    crc_input.extend_from_slice(apdu_bytes);
    crc_input.push(ETX);
    crc16_kermit(&crc_input)
}

/// Encodes an APDU data length (PA00P015, APDU structure): one byte when below 255,
/// otherwise `FF lo hi` with the length as 16-bit little-endian.
///
/// # Errors
/// [`LinkError::DataTooLong`] when `len` exceeds [`MAX_DATA_LEN`].
pub fn encode_apdu_length(len: usize) -> Result<Vec<u8>, LinkError> {
    match u8::try_from(len) {
        Ok(short) if short != EXTENDED_LENGTH_MARKER => Ok(vec![short]),
        _ => {
            let extended = u16::try_from(len).map_err(|_| LinkError::DataTooLong { len })?;
            let [lo, hi] = extended.to_le_bytes();
            Ok(vec![EXTENDED_LENGTH_MARKER, lo, hi])
        }
    }
}

/// One ZVT application protocol data unit (PA00P015, APDU structure): a command or response
/// identified by class and instruction byte, with up to [`MAX_DATA_LEN`] data bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apdu {
    pub class: u8,
    pub instr: u8,
    pub data: Vec<u8>,
}

impl Apdu {
    /// Serialises the APDU: class, instruction, length (see [`encode_apdu_length`]), data.
    ///
    /// # Errors
    /// [`LinkError::DataTooLong`] when the data exceeds [`MAX_DATA_LEN`] bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, LinkError> {
        let length = encode_apdu_length(self.data.len())?;
        let mut bytes = Vec::with_capacity(2 + length.len() + self.data.len());
        bytes.push(self.class);
        bytes.push(self.instr);
        bytes.extend_from_slice(&length);
        bytes.extend_from_slice(&self.data);
        Ok(bytes)
    }
}

/// Parses one APDU from the front of `bytes` (PA00P015, APDU structure) and returns it with
/// the number of bytes it occupied; bytes after it are left alone. The extended form
/// `FF lo hi` is accepted for any length, also below 255.
///
/// # Errors
/// [`LinkError::Truncated`] when `bytes` ends before the header or the announced data does.
pub fn parse_apdu(bytes: &[u8]) -> Result<(Apdu, usize), LinkError> {
    let available = bytes.len();
    let truncated = |needed| LinkError::Truncated { needed, available };
    let &[class, instr, length, ref rest @ ..] = bytes else {
        return Err(truncated(3));
    };
    let (header_len, data_len) = if length == EXTENDED_LENGTH_MARKER {
        let &[lo, hi, ..] = rest else {
            return Err(truncated(5));
        };
        (5, usize::from(u16::from_le_bytes([lo, hi])))
    } else {
        (3, usize::from(length))
    };
    let total = header_len + data_len;
    let data = bytes.get(header_len..total).ok_or_else(|| truncated(total))?;
    Ok((Apdu { class, instr, data: data.to_vec() }, total))
}

/// Wraps already-serialised APDU bytes into one serial frame (PA00P015, serial transport):
/// `DLE STX`, the APDU with every DLE doubled, `DLE ETX`, then the CRC low byte first.
#[must_use]
pub fn encode_frame(apdu_bytes: &[u8]) -> Vec<u8> {
    let dle_count = apdu_bytes.iter().filter(|&&b| b == DLE).count();
    let mut frame = Vec::with_capacity(apdu_bytes.len() + dle_count + 6);
    frame.extend_from_slice(&[DLE, STX]);
    for &byte in apdu_bytes {
        if byte == DLE {
            frame.push(DLE);
        }
        frame.push(byte);
    }
    frame.extend_from_slice(&[DLE, ETX]);
    frame.extend_from_slice(&frame_crc(apdu_bytes).to_le_bytes());
    frame
}

/// Where the decoder is within the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecodeState {
    /// Outside a frame, discarding bytes until a DLE.
    Hunting,
    /// Outside a frame, just saw DLE: STX opens a frame.
    HuntingAfterDle,
    /// Inside the APDU part of a frame.
    InApdu,
    /// Inside the APDU part, just saw DLE: DLE is data, ETX ends the APDU, STX restarts.
    InApduAfterDle,
    /// After `DLE ETX`, waiting for the CRC low byte.
    CrcLow,
    /// Waiting for the CRC high byte; holds the low byte.
    CrcHigh(u8),
}

/// Streaming decoder for serial ZVT frames (PA00P015, serial transport).
///
/// Feed it every received byte; it yields the unstuffed APDU bytes of each complete, valid
/// frame, or an error for a bad one (the caller answers [`ACK`] or [`NAK`] accordingly).
/// Bytes outside frames (line noise, stray ACK/NAK) are skipped until the next `DLE STX`.
/// A good frame's CRC is checked, and so is its APDU length field against the bytes
/// carried. Memory is bounded: the buffer never holds more than [`MAX_APDU_LEN`] bytes.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    state: DecodeState,
    apdu: Vec<u8>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    #[must_use]
    pub fn new() -> Self {
        Self { state: DecodeState::Hunting, apdu: Vec::new() }
    }

    /// Consumes one received byte. Returns `None` while a frame is incomplete (or no frame
    /// has started), `Some(Ok(apdu_bytes))` when a valid frame ends, and `Some(Err(_))` when
    /// a frame turns out bad; after an error the decoder looks for the next `DLE STX`.
    pub fn push(&mut self, byte: u8) -> Option<Result<Vec<u8>, LinkError>> {
        match self.state {
            DecodeState::Hunting => {
                if byte == DLE {
                    self.state = DecodeState::HuntingAfterDle;
                }
                None
            }
            DecodeState::HuntingAfterDle => {
                self.state = match byte {
                    STX => self.start_frame(),
                    DLE => DecodeState::HuntingAfterDle,
                    _ => DecodeState::Hunting,
                };
                None
            }
            DecodeState::InApdu => {
                if byte == DLE {
                    self.state = DecodeState::InApduAfterDle;
                    None
                } else {
                    self.push_apdu_byte(byte)
                }
            }
            DecodeState::InApduAfterDle => match byte {
                DLE => {
                    self.state = DecodeState::InApdu;
                    self.push_apdu_byte(DLE)
                }
                ETX => {
                    self.state = DecodeState::CrcLow;
                    None
                }
                STX => {
                    self.state = self.start_frame();
                    Some(Err(LinkError::FrameRestarted))
                }
                other => self.fail(LinkError::InvalidEscape { byte: other }),
            },
            DecodeState::CrcLow => {
                self.state = DecodeState::CrcHigh(byte);
                None
            }
            DecodeState::CrcHigh(low) => {
                self.state = DecodeState::Hunting;
                let apdu = std::mem::take(&mut self.apdu);
                Some(check_frame(apdu, u16::from_le_bytes([low, byte])))
            }
        }
    }

    fn start_frame(&mut self) -> DecodeState {
        self.apdu.clear();
        DecodeState::InApdu
    }

    fn push_apdu_byte(&mut self, byte: u8) -> Option<Result<Vec<u8>, LinkError>> {
        if self.apdu.len() >= MAX_APDU_LEN {
            return self.fail(LinkError::FrameTooLong { limit: MAX_APDU_LEN });
        }
        self.apdu.push(byte);
        None
    }

    /// Drops the partial frame and goes back to hunting for `DLE STX`.
    fn fail(&mut self, error: LinkError) -> Option<Result<Vec<u8>, LinkError>> {
        self.apdu = Vec::new();
        self.state = DecodeState::Hunting;
        Some(Err(error))
    }
}

/// Checks a complete frame: CRC first, then that the APDU length field covers exactly the
/// bytes the frame carried.
fn check_frame(apdu: Vec<u8>, received_crc: u16) -> Result<Vec<u8>, LinkError> {
    let computed = frame_crc(&apdu);
    if computed != received_crc {
        return Err(LinkError::CrcMismatch { received: received_crc, computed });
    }
    let (_, consumed) = parse_apdu(&apdu)?;
    if consumed != apdu.len() {
        return Err(LinkError::LengthMismatch { declared: consumed, actual: apdu.len() });
    }
    Ok(apdu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds every byte and collects everything the decoder yields.
    fn decode_all(decoder: &mut FrameDecoder, wire: &[u8]) -> Vec<Result<Vec<u8>, LinkError>> {
        wire.iter().filter_map(|&b| decoder.push(b)).collect()
    }

    fn apdu(class: u8, instr: u8, data: &[u8]) -> Apdu {
        Apdu { class, instr, data: data.to_vec() }
    }

    #[test]
    fn crc_check_value() {
        assert_eq!(crc16_kermit(b"123456789"), 0x2189);
        assert_eq!(crc16_kermit(&[]), 0x0000);
    }

    #[test]
    fn positive_completion_vector() {
        let bytes = apdu(0x80, 0x00, &[]).to_bytes().unwrap();
        assert_eq!(bytes, [0x80, 0x00, 0x00]);
        let frame = encode_frame(&bytes);
        assert_eq!(frame, [0x10, 0x02, 0x80, 0x00, 0x00, 0x10, 0x03, 0xf5, 0x1f]);
        let mut decoder = FrameDecoder::new();
        assert_eq!(decode_all(&mut decoder, &frame), vec![Ok(bytes)]);
    }

    #[test]
    fn dle_bytes_are_doubled_on_the_wire_and_restored() {
        let original = apdu(0x06, 0x01, &[0x10, 0x00, 0x10, 0x10, 0x03, 0x02]);
        let bytes = original.to_bytes().unwrap();
        let frame = encode_frame(&bytes);
        assert_eq!(
            &frame[..11],
            [0x10, 0x02, 0x06, 0x01, 0x06, 0x10, 0x10, 0x00, 0x10, 0x10, 0x10],
            "every 0x10 in the APDU is sent twice"
        );
        assert_eq!(frame.len(), 2 + bytes.len() + 3 + 4, "three doubled DLEs plus header/trailer");
        let mut decoder = FrameDecoder::new();
        let decoded = decode_all(&mut decoder, &frame);
        assert_eq!(decoded, vec![Ok(bytes.clone())]);
        let (parsed, consumed) = parse_apdu(&bytes).unwrap();
        assert_eq!((parsed, consumed), (original, bytes.len()));
    }

    #[test]
    fn length_encoding_switches_to_extended_at_255() {
        assert_eq!(encode_apdu_length(0).unwrap(), [0x00]);
        assert_eq!(encode_apdu_length(254).unwrap(), [0xFE]);
        assert_eq!(encode_apdu_length(255).unwrap(), [0xFF, 0xFF, 0x00]);
        assert_eq!(encode_apdu_length(300).unwrap(), [0xFF, 0x2C, 0x01]);
        assert_eq!(encode_apdu_length(65_535).unwrap(), [0xFF, 0xFF, 0xFF]);
        assert_eq!(encode_apdu_length(65_536), Err(LinkError::DataTooLong { len: 65_536 }));
    }

    #[test]
    fn extended_length_apdu_round_trips() {
        let data: Vec<u8> = (0..300u16).map(|i| (i % 251) as u8).collect();
        let original = apdu(0x06, 0xD3, &data);
        let bytes = original.to_bytes().unwrap();
        assert_eq!(&bytes[..5], [0x06, 0xD3, 0xFF, 0x2C, 0x01]);
        assert_eq!(bytes.len(), 305);
        let mut with_trailer = bytes.clone();
        with_trailer.extend_from_slice(&[0xAA, 0xBB]);
        assert_eq!(parse_apdu(&with_trailer).unwrap(), (original.clone(), 305));
        let mut decoder = FrameDecoder::new();
        let decoded = decode_all(&mut decoder, &encode_frame(&bytes));
        assert_eq!(decoded, vec![Ok(bytes)]);
    }

    #[test]
    fn extended_form_is_accepted_below_255() {
        assert_eq!(parse_apdu(&[0x04, 0x0F, 0xFF, 0x01, 0x00, 0x42]).unwrap(), (apdu(0x04, 0x0F, &[0x42]), 6));
    }

    #[test]
    fn oversized_data_cannot_be_serialised() {
        let too_big = Apdu { class: 0x06, instr: 0x01, data: vec![0; MAX_DATA_LEN + 1] };
        assert_eq!(too_big.to_bytes(), Err(LinkError::DataTooLong { len: MAX_DATA_LEN + 1 }));
    }

    #[test]
    fn truncated_apdus_are_rejected() {
        assert_eq!(parse_apdu(&[]), Err(LinkError::Truncated { needed: 3, available: 0 }));
        assert_eq!(parse_apdu(&[0x80, 0x00]), Err(LinkError::Truncated { needed: 3, available: 2 }));
        assert_eq!(parse_apdu(&[0x06, 0x01, 0xFF, 0x01]), Err(LinkError::Truncated { needed: 5, available: 4 }));
        assert_eq!(parse_apdu(&[0x06, 0x01, 0x03, 0xAA]), Err(LinkError::Truncated { needed: 6, available: 4 }));
    }

    #[test]
    fn corrupted_crc_is_detected() {
        let mut frame = encode_frame(&[0x80, 0x00, 0x00]);
        let last = frame.len() - 1;
        frame[last] ^= 0x01;
        let mut decoder = FrameDecoder::new();
        assert_eq!(
            decode_all(&mut decoder, &frame),
            vec![Err(LinkError::CrcMismatch { received: 0x1ef5, computed: 0x1ff5 })]
        );
    }

    #[test]
    fn garbage_before_a_frame_is_skipped() {
        let mut wire = vec![0x00, 0xFF, ACK, NAK, DLE, ETX, 0x42, DLE, DLE, 0x03, STX, ETX];
        wire.extend(encode_frame(&[0x80, 0x00, 0x00]));
        let mut decoder = FrameDecoder::new();
        assert_eq!(decode_all(&mut decoder, &wire), vec![Ok(vec![0x80, 0x00, 0x00])]);
    }

    #[test]
    fn two_frames_back_to_back() {
        let first = apdu(0x06, 0x00, &[0x00, 0x00, 0x00, 0x10]).to_bytes().unwrap();
        let second = apdu(0x80, 0x00, &[]).to_bytes().unwrap();
        let mut wire = encode_frame(&first);
        wire.extend(encode_frame(&second));
        let mut decoder = FrameDecoder::new();
        assert_eq!(decode_all(&mut decoder, &wire), vec![Ok(first), Ok(second)]);
    }

    #[test]
    fn a_frame_fed_one_byte_at_a_time_completes_on_its_last_byte() {
        let bytes = apdu(0x06, 0x01, &[0x04, 0x00, 0x00, 0x00, 0x01, 0x10]).to_bytes().unwrap();
        let frame = encode_frame(&bytes);
        let mut decoder = FrameDecoder::new();
        let (last, body) = frame.split_last().unwrap();
        for (i, &byte) in body.iter().enumerate() {
            assert_eq!(decoder.push(byte), None, "nothing yielded before the last byte (byte {i})");
        }
        assert_eq!(decoder.push(*last), Some(Ok(bytes)));
    }

    #[test]
    fn invalid_escape_is_a_framing_error_and_the_next_frame_still_decodes() {
        let mut wire = vec![DLE, STX, 0x80, DLE, 0x41];
        wire.extend(encode_frame(&[0x80, 0x00, 0x00]));
        let mut decoder = FrameDecoder::new();
        assert_eq!(
            decode_all(&mut decoder, &wire),
            vec![Err(LinkError::InvalidEscape { byte: 0x41 }), Ok(vec![0x80, 0x00, 0x00])]
        );
    }

    #[test]
    fn new_frame_inside_a_frame_abandons_the_old_one() {
        let mut wire = vec![DLE, STX, 0x06, 0x01];
        wire.extend(encode_frame(&[0x80, 0x00, 0x00]));
        let mut decoder = FrameDecoder::new();
        assert_eq!(decode_all(&mut decoder, &wire), vec![Err(LinkError::FrameRestarted), Ok(vec![0x80, 0x00, 0x00])]);
    }

    #[test]
    fn good_crc_but_wrong_length_field_is_malformed() {
        // Length byte says 1 data byte, but 2 follow; the CRC is correct for what was sent.
        let mut decoder = FrameDecoder::new();
        assert_eq!(
            decode_all(&mut decoder, &encode_frame(&[0x06, 0x01, 0x01, 0xAA, 0xBB])),
            vec![Err(LinkError::LengthMismatch { declared: 4, actual: 5 })]
        );
        assert_eq!(
            decode_all(&mut decoder, &encode_frame(&[0x06, 0x01, 0x05, 0xAA])),
            vec![Err(LinkError::Truncated { needed: 8, available: 4 })]
        );
        assert_eq!(
            decode_all(&mut decoder, &encode_frame(&[])),
            vec![Err(LinkError::Truncated { needed: 3, available: 0 })]
        );
    }

    #[test]
    fn an_endless_frame_is_cut_off_at_the_bound() {
        let mut decoder = FrameDecoder::new();
        let mut outputs = decode_all(&mut decoder, &[DLE, STX]);
        outputs.extend((0..MAX_APDU_LEN + 10).filter_map(|_| decoder.push(0x55)));
        assert_eq!(outputs, vec![Err(LinkError::FrameTooLong { limit: MAX_APDU_LEN })]);
        assert!(decoder.apdu.capacity() <= MAX_APDU_LEN, "buffer released, never beyond the bound");
        assert_eq!(decode_all(&mut decoder, &encode_frame(&[0x80, 0x00, 0x00])), vec![Ok(vec![0x80, 0x00, 0x00])]);
    }

    #[test]
    fn the_largest_legal_apdu_still_decodes() {
        let bytes = apdu(0x06, 0xD3, &vec![0x10; MAX_DATA_LEN]).to_bytes().unwrap();
        assert_eq!(bytes.len(), MAX_APDU_LEN);
        let mut decoder = FrameDecoder::new();
        assert_eq!(decode_all(&mut decoder, &encode_frame(&bytes)), vec![Ok(bytes)]);
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            LinkError::CrcMismatch { received: 0x1ef5, computed: 0x1ff5 }.to_string(),
            "CRC mismatch: frame says 0x1ef5, received APDU gives 0x1ff5"
        );
        assert_eq!(
            LinkError::InvalidEscape { byte: 0x41 }.to_string(),
            "malformed frame: DLE followed by 0x41 (only DLE, ETX or STX may follow DLE)"
        );
    }

    fn any_apdu() -> impl Strategy<Value = Apdu> {
        // Bias the data towards the bytes the framing treats specially.
        let byte = prop_oneof![Just(DLE), Just(STX), Just(ETX), Just(0xFF), any::<u8>()];
        (any::<u8>(), any::<u8>(), prop::collection::vec(byte, 0..=600)).prop_map(|(class, instr, data)| Apdu {
            class,
            instr,
            data,
        })
    }

    proptest! {
        #[test]
        fn encode_then_decode_round_trips(original in any_apdu()) {
            let bytes = original.to_bytes().unwrap();
            let mut decoder = FrameDecoder::new();
            let decoded = decode_all(&mut decoder, &encode_frame(&bytes));
            prop_assert_eq!(decoded, vec![Ok(bytes.clone())]);
            prop_assert_eq!(parse_apdu(&bytes).unwrap(), (original, bytes.len()));
        }

        #[test]
        fn a_single_flipped_bit_is_detected(original in any_apdu(), position in any::<prop::sample::Index>(), bit in 0..8u8) {
            let bytes = original.to_bytes().unwrap();
            let mut wire = encode_frame(&bytes);
            // Flip a bit after the DLE STX header: in the APDU, the trailer or the CRC.
            let index = 2 + position.index(wire.len() - 2);
            wire[index] ^= 1 << bit;
            // A good frame follows, so a frame whose end marker was hit still gets closed.
            let sentinel = apdu(original.class.wrapping_add(1), 0x00, &[]).to_bytes().unwrap();
            wire.extend(encode_frame(&sentinel));
            let mut decoder = FrameDecoder::new();
            let outputs = decode_all(&mut decoder, &wire);
            prop_assert!(!outputs.contains(&Ok(bytes)), "corrupted frame accepted: {:?}", outputs);
            prop_assert!(outputs.iter().any(Result::is_err), "corruption went unreported: {:?}", outputs);
        }
    }
}

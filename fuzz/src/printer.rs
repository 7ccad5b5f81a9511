//! Receipt printers: the driver's reading of status answers and the simulated printer's
//! reading of ESC/POS streams.

use crate::split_point;
use hardware_sim::printer::{self as sim, Block, ParseError, Reader};
use ringup_devices::escpos::status::{PrinterStatus, StatusError, apply};

/// The status flags by the names `PrinterStatus::flags` gives them, in its order.
const STATUS_FLAGS: [&str; 6] = ["offline", "drawer open", "cover open", "paper out", "paper near end", "error"];

fn status_bits(status: &PrinterStatus) -> [bool; 6] {
    [status.offline, status.drawer_open, status.cover_open, status.paper_out, status.paper_near_end, status.error]
}

/// Which of the [`STATUS_FLAGS`] the answer to `DLE EOT n` is about (ESC/POS reference, DLE EOT:
/// 1 printer status, 2 offline cause, 3 error cause, 4 paper sensor).
fn answer_covers(n: u8) -> [bool; 6] {
    match n {
        1 => [true, true, false, false, false, false],
        2 => [false, false, true, true, false, true],
        3 => [false, false, false, false, false, true],
        4 => [false, false, false, true, true, false],
        _ => [false; 6],
    }
}

/// Folding `DLE EOT n` answers into a printer status (`escpos::status::apply`). Input: pairs of
/// bytes, the request `n` and the printer's answer byte.
///
/// Checks that an answer is refused exactly when its fixed bits are wrong (bits 0 and 7 clear,
/// 1 and 4 set) or `n` is not 1-4, with an error naming the byte or the request, and then changes
/// nothing; that an answer changes only the flags its request is about; that "paper out" and
/// "error" are never cleared; that the same answer twice is the same as once; that the all-clear
/// answer 0x12 sets no flag; and that `flags()` names exactly the flags that are set.
pub fn escpos_status(data: &[u8]) {
    let mut status = PrinterStatus::default();
    for answer in data.chunks_exact(2) {
        let (n, byte) = (answer[0], answer[1]);
        let before = status;
        let result = apply(&mut status, n, byte);
        let fixed_bits_ok = byte & 0x93 == 0x12;
        let known_request = (1..=4).contains(&n);
        match result {
            Ok(()) => assert!(fixed_bits_ok && known_request, "DLE EOT {n} answered {byte:#04x} was accepted"),
            Err(StatusError::NotAStatusByte(reported)) => {
                assert!(reported == byte && !fixed_bits_ok, "DLE EOT {n} answered {byte:#04x}: {result:?}");
            }
            Err(StatusError::UnknownRequest(reported)) => {
                assert!(reported == n && fixed_bits_ok && !known_request, "DLE EOT {n}, {byte:#04x}: {result:?}");
            }
        }
        if result.is_err() {
            assert_eq!(status, before, "a refused answer (DLE EOT {n}, {byte:#04x}) changed the status");
        }
        let (flags_before, flags_after) = (status_bits(&before), status_bits(&status));
        let flags = STATUS_FLAGS.iter().zip(flags_before).zip(flags_after).zip(answer_covers(n));
        for (((name, was), now), covered) in flags {
            assert!(covered || was == now, "DLE EOT {n} answered {byte:#04x} changed {name}");
            assert!(byte != 0x12 || was || !now, "the all-clear answer to DLE EOT {n} set {name}");
        }
        assert!(!before.paper_out || status.paper_out, "DLE EOT {n} answered {byte:#04x} cleared paper out");
        assert!(!before.error || status.error, "DLE EOT {n} answered {byte:#04x} cleared error");

        let mut again = status;
        assert_eq!(apply(&mut again, n, byte), result, "the same answer twice is judged the same");
        assert_eq!(again, status, "DLE EOT {n} answered {byte:#04x} twice differs from once");

        let expected: Vec<&str> =
            STATUS_FLAGS.iter().zip(status_bits(&status)).filter_map(|(name, set)| set.then_some(*name)).collect();
        assert_eq!(status.flags(), expected, "flags() of {status:?}");
    }
}

/// Reads `stream` fed in pieces ending at `cuts` (ascending), then the rest, then the end.
fn read_in_pieces(stream: &[u8], cuts: &[usize], strict: bool) -> Result<Vec<Block>, ParseError> {
    let mut reader = Reader::new(strict);
    let mut blocks = Vec::new();
    let mut from = 0;
    for cut in cuts.iter().copied().chain(std::iter::once(stream.len())) {
        blocks.extend(reader.feed(&stream[from..cut])?);
        from = cut;
    }
    blocks.extend(reader.finish()?);
    Ok(blocks)
}

/// The simulated printer's ESC/POS reader (`hardware_sim::printer::Reader`). Input: a mode byte
/// (bit 0 set: lenient, clear: strict; bits 1-7: a chunk size minus one), two bytes choosing a
/// split point, then the byte stream a driver sent.
///
/// Checks that the stream read whole, in two pieces at the split point and in chunks of the
/// chunk size gives the same blocks or the same error (the reader's promise that a command cut
/// anywhere reads the same); that a stream strict mode accepts reads the same in lenient mode;
/// that only strict mode rejects commands, and an unknown command is reported with the bytes at
/// its offset; and that the document renders as text.
pub fn sim_printer(data: &[u8]) {
    let [mode, lo, hi, stream @ ..] = data else { return };
    let strict = *mode & 1 == 0;
    let chunk = usize::from(*mode >> 1) + 1;
    let whole = sim::parse(stream, strict);

    let cut = split_point(*lo, *hi, stream.len());
    assert_eq!(read_in_pieces(stream, &[cut], strict), whole, "strict {strict}: split after {cut} bytes");
    let cuts: Vec<usize> = (chunk..stream.len()).step_by(chunk).collect();
    assert_eq!(read_in_pieces(stream, &cuts, strict), whole, "strict {strict}: read in chunks of {chunk} bytes");

    match &whole {
        Ok(blocks) => {
            let _text = sim::to_text(blocks);
            if strict {
                assert_eq!(sim::parse(stream, false), whole, "lenient mode reads what strict mode accepts the same");
            }
        }
        Err(ParseError::Unknown { offset, bytes }) => {
            assert!(strict, "lenient mode skips unknown commands, but reported {bytes:02X?} at {offset}");
            let at = stream.get(*offset..offset + bytes.len());
            assert!(!bytes.is_empty() && at == Some(bytes.as_slice()), "unknown {bytes:02X?} at {offset}: {at:02X?}");
        }
        Err(ParseError::OutOfRange { offset, what }) => {
            assert!(strict, "lenient mode skips commands out of range, but reported {what} at {offset}");
            assert!(*offset < stream.len(), "{what}: offset {offset} past the stream's {} bytes", stream.len());
        }
        Err(ParseError::Truncated { offset }) => {
            assert!(*offset < stream.len(), "truncated at {offset}, past the stream's {} bytes", stream.len());
        }
    }
}

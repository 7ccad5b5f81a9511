use super::*;
use proptest::collection::vec;
use proptest::prelude::*;
use ringup_devices::escpos::cp858;
use ringup_devices::escpos::layout::{Paper, qr_payload, receipt_job, return_code};
use ringup_devices::escpos::program::{DRAWER_KICK_PIN2, Program};
use ringup_domain::Currency;
use ringup_domain::cart::{CatalogItem, Sale};
use ringup_domain::receipt::{Receipt, ReceiptMeta, StoreHeader};
use ringup_domain::tax::PricingMode;
use ringup_domain::tender::CashRounding;
use uuid::Uuid;

pub(crate) fn receipt() -> Receipt {
    let mut sale =
        Sale::new(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0077), Currency::EUR, PricingMode::TaxInclusive);
    for (name, price) in [("Kaffee 1 kg", 1499), ("Brötchen", 45)] {
        let item = CatalogItem {
            product_id: name.into(),
            sku: name.into(),
            name: name.into(),
            unit_price_minor: price,
            tax_class_id: "reduced".into(),
            tax_rate_ppm: 70_000,
            sold_by_weight: false,
        };
        sale.add_item(item, 1000).expect("add");
    }
    sale.begin_tender().expect("tender");
    sale.add_cash(Uuid::from_u128(9), 2000, CashRounding::NONE).expect("cash");
    sale.complete().expect("complete");
    let meta = ReceiptMeta {
        header: StoreHeader {
            name: "Ringup Corner Shop".into(),
            address_lines: vec!["Hauptstraße 1".into()],
            tax_id: "DE1".into(),
        },
        register_id: "R1".into(),
        receipt_no: 7,
        printed_at: "2026-11-22 09:15".into(),
        cashier: "Anna".into(),
        journal_hash_hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into(),
        footer: vec!["Danke – 5 € Gutschein".into()],
        copy: false,
    };
    Receipt::from_sale(&sale, &sale.totals().expect("totals"), meta).expect("receipt")
}

#[test]
fn what_the_driver_sends_is_what_the_receipt_says() {
    for paper in [Paper::Mm58, Paper::Mm80] {
        let r = receipt();
        let blocks = parse(&receipt_job(&r, paper, None).expect("job"), true).expect("strict: every command is known");
        let printed: Vec<String> = blocks
            .iter()
            .filter_map(|b| if let Block::Line { text, .. } = b { Some(text.trim().to_string()) } else { None })
            .collect();
        // What the model renders, as the code page can print it (an en dash becomes '-').
        let rendered: Vec<String> = r
            .render_text(paper.columns())
            .lines()
            .map(|l| cp858::decode(&cp858::encode(l)).trim().to_string())
            .collect();
        assert_eq!(printed, rendered, "{paper:?}: the paper says exactly what the receipt model renders");
        assert!(printed.iter().any(|l| l == "Danke - 5 € Gutschein"), "a character CP858 lacks degrades readably");
        let qr = blocks.iter().find_map(|b| match b {
            Block::Qr { data, module_dots, level, align } => Some((data.clone(), *module_dots, *level, *align)),
            _ => None,
        });
        assert_eq!(qr, Some((qr_payload(&r), 6, QrLevel::M, Align::Center)), "the QR code and its settings read back");
        let code = blocks.iter().find_map(|b| match b {
            Block::Barcode { system: 73, data, module_dots, height_dots, hri_below, .. } => {
                Some((data.clone(), *module_dots, *height_dots, *hri_below))
            }
            _ => None,
        });
        assert_eq!(code, Some((return_code(&r), 3, 80, true)), "CODE128 with GS h 80, GS H 2, GS w at its default");
        assert_eq!(blocks.last(), Some(&Block::Cut { partial: true }), "the job ends with the cut");
        let total = blocks.iter().find_map(|b| match b {
            Block::Line { text, style } if text.starts_with("TOTAL") => Some(*style),
            _ => None,
        });
        assert_eq!(total.map(|s| (s.bold, s.height)), Some((true, 2)), "the total is bold and tall");
        let text = to_text(&blocks);
        assert!(text.contains("Brötchen") && text.contains("5 € Gutschein"), "CP858 reads back:\n{text}");
    }
}

#[test]
fn drawer_pulses_and_unknown_commands() {
    let mut job = Program::new().expect("program");
    job.drawer_kick().expect("kick");
    let blocks = parse(&job.finish().expect("bytes"), true).expect("known");
    assert_eq!(blocks, vec![Block::DrawerPulse { pin: 0, on_ms: 50, off_ms: 500 }], "ESC p 0 25 250: 50 ms on");
    assert_eq!(DRAWER_KICK_PIN2.len(), 5);
    let strict = parse(&[0x1B, 0x70, 0x00], true);
    assert_eq!(strict, Err(ParseError::Truncated { offset: 0 }), "a drawer kick without pulse times is incomplete");
    let odd = parse(&[b'a', 0x1B, b'Z', b'b', b'\n'], true);
    assert!(matches!(odd, Err(ParseError::Unknown { offset: 1, .. })), "strict mode names the unknown command");
    let lenient = parse(&[b'a', 0x1B, b'Z', b'b', b'\n'], false).expect("lenient");
    assert_eq!(lenient.len(), 1, "lenient mode skips it and goes on");
    let other_page = parse(b"\x1bt\x00ab\n", false).expect("lenient");
    let plain = Style::default();
    assert_eq!(other_page, vec![Block::Line { text: "ab".into(), style: plain }], "out of range: skipped whole");
    assert!(matches!(parse(b"\x1bt\x00", true), Err(ParseError::OutOfRange { offset: 0, .. })), "strict: CP858 only");
}

/// `GS v 0 m xL xH yL yH` and its data.
fn gs_v_0(m: u8, width_bytes: u8, height_dots: u8, data: &[u8]) -> Vec<u8> {
    [&[0x1D, b'v', b'0', m, width_bytes, 0, height_dots, 0][..], data].concat()
}

fn raster(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    match parse(bytes, true).expect("raster").as_slice() {
        [Block::Raster { width_dots, height_dots, bits, .. }] => (*width_dots, *height_dots, bits.clone()),
        other => panic!("one raster expected, got {other:?}"),
    }
}

#[test]
fn raster_images_and_their_scaling_modes() {
    let data = [0b1000_0001, 0b0110_0000];
    assert_eq!(raster(&gs_v_0(0, 1, 2, &data)), (8, 2, data.to_vec()), "m = 0: the bits as sent");
    assert_eq!(
        raster(&gs_v_0(1, 1, 2, &data)),
        (16, 2, vec![0b1100_0000, 0b0000_0011, 0b0011_1100, 0]),
        "m = 1: every dot twice as wide"
    );
    assert_eq!(
        raster(&gs_v_0(50, 1, 2, &data)),
        (8, 4, vec![data[0], data[0], data[1], data[1]]),
        "m = 50: rows twice"
    );
    assert_eq!(raster(&gs_v_0(3, 1, 1, &[0x80])), (16, 2, vec![0xC0, 0, 0xC0, 0]), "m = 3: both");
    let blocks = parse(&[&b"\x1ba\x01"[..], &gs_v_0(0, 1, 1, &[0xFF])].concat(), true).expect("centred");
    assert!(matches!(blocks[0], Block::Raster { align: Align::Center, .. }), "ESC a applies to images");
    assert_eq!(to_text(&blocks), "[IMAGE 8x1]\n");
    let too_tall = [0x1D, b'v', b'0', 0, 1, 0, 0x00, 0x09];
    assert!(matches!(parse(&too_tall, true), Err(ParseError::OutOfRange { offset: 0, .. })), "2304 rows is past yH 8");
    assert!(matches!(parse(&gs_v_0(4, 1, 1, &[0]), true), Err(ParseError::OutOfRange { .. })), "mode 4 is no mode");
}

#[test]
fn process_id_and_clear_buffer() {
    let id = [0x1D, b'(', b'H', 6, 0, 48, 48, b'1', b'2', b'3', b'4'];
    assert_eq!(parse(&id, true), Ok(vec![Block::ProcessId { id: *b"1234" }]));
    assert_eq!(process_id_response(*b"1234"), [0x37, 0x22, b'1', b'2', b'3', b'4', 0]);
    let mut bad = id;
    bad[10] = b'x';
    assert!(matches!(parse(&bad, true), Err(ParseError::OutOfRange { .. })), "an id is digits");
    let clear = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08];
    let blocks = parse(&[&b"dropped"[..], &clear, b"kept\n"].concat(), true).expect("clear");
    assert_eq!(
        blocks,
        vec![Block::ClearBuffer, Block::Line { text: "kept".into(), style: Style::default() }],
        "clearing the buffers drops the unprinted text before it"
    );
    let pulse = parse(&[0x10, 0x14, 0x01, 0x00, 0x02], true);
    assert_eq!(pulse, Ok(vec![Block::RealtimePulse { pin: 0, on_ms: 200 }]), "DLE DC4 1: t × 100 ms");
    assert!(matches!(parse(&[0x10, 0x14, 0x01, 0x00, 0x09], true), Err(ParseError::OutOfRange { .. })), "t ≤ 8");
    assert!(matches!(parse(&[0x10, 0x14, 0x02, 0x01, 0x08], true), Err(ParseError::Unknown { .. })), "fn 2 is not");
    let mut wrong = clear;
    wrong[9] = 9;
    assert!(matches!(parse(&wrong, true), Err(ParseError::Unknown { .. })), "d1..d7 must be exact");
}

#[test]
fn barcode_and_qr_settings_carry_to_the_codes() {
    let mut job = vec![0x1D, b'w', 2, 0x1D, b'h', 50, 0x1D, b'H', 0];
    job.extend_from_slice(&[0x1D, b'k', 73, 8, b'{', b'C', 12, 34, b'{', b'B', b'a', b'{']);
    job.extend_from_slice(&[0x1D, b'k', 4, b'A', b'1', 0]);
    job.extend_from_slice(&[0x1D, b'(', b'k', 3, 0, 49, 67, 8, 0x1D, b'(', b'k', 3, 0, 49, 69, 51]);
    job.extend_from_slice(&[0x1D, b'(', b'k', 5, 0, 49, 80, 48, b'h', b'i', 0x1D, b'(', b'k', 3, 0, 49, 81, 48]);
    let blocks = parse(&job, true).expect("known");
    assert_eq!(
        blocks[0],
        Block::Barcode {
            system: 73,
            data: "1234a".into(),
            module_dots: 2,
            height_dots: 50,
            hri_below: false,
            align: Align::Left
        },
        "code set C pairs print as digits; a lone trailing brace is dropped"
    );
    assert!(matches!(&blocks[1], Block::Barcode { system: 4, data, .. } if data == "A1"), "function A ends at NUL");
    assert_eq!(blocks[2], Block::Qr { data: "hi".into(), module_dots: 8, level: QrLevel::H, align: Align::Left });
    let defaults = parse(&[0x1D, b'k', 73, 3, b'{', b'B', b'x'], true).expect("defaults");
    assert!(
        matches!(&defaults[0], Block::Barcode { module_dots: 3, height_dots: 162, hri_below: false, .. }),
        "GS w 3, GS h 162, no HRI when never set: {defaults:?}"
    );
    assert_eq!(code128_text(b"{Ba{{b{1c"), Some("a{bc".into()), "{{ is a brace; FNC1 prints nothing");
    assert_eq!(code128_text(b"abc"), None, "CODE128 data starts with a code set");
    assert!(parse(&[0x1D, b'(', b'k', 3, 0, 48, 67, 3], true).is_err(), "PDF417 is not simulated: strict says so");
    assert_eq!(parse(&[0x1D, b'(', b'k', 3, 0, 48, 67, 3, b'z'], false).expect("lenient").len(), 1, "skipped whole");
}

#[test]
fn print_commands_print_the_pending_line_first() {
    let blocks = parse(b"ab\x1bd\x03cd\x1bE\x01\n\x1b@xyz\x1b@", true).expect("known");
    let plain = Style::default();
    assert_eq!(
        blocks,
        vec![
            Block::Line { text: "ab".into(), style: plain },
            Block::Feed { lines: 2 },
            Block::Line { text: "cd".into(), style: Style { bold: true, ..plain } },
        ],
        "ESC d prints the line as its first feed; ESC @ drops a half line"
    );
    let long = vec![b'x'; MAX_LINE_BYTES + 3];
    let blocks = parse(&long, true).expect("long");
    assert_eq!(blocks.len(), 2, "a line past the line buffer is printed in two");
}

#[test]
fn the_reader_holds_what_is_incomplete() {
    let mut reader = Reader::new(true);
    assert_eq!(reader.feed(b"Total"), Ok(vec![]));
    assert_eq!(reader.pending(), 5, "the unfinished line is held");
    assert_eq!(reader.feed(&[b'\n', 0x1D, b'v', b'0', 0, 1, 0, 2, 0, 0xAA]).expect("line").len(), 1);
    assert_eq!(reader.pending(), 9, "an image waits for its last byte");
    let blocks = reader.feed(&[0x55, 0x1D]).expect("image");
    assert!(matches!(blocks.as_slice(), [Block::Raster { height_dots: 2, .. }]), "{blocks:?}");
    assert_eq!(reader.pending(), 1, "a lone GS waits for its command byte");
    assert_eq!(reader.feed(b"Z"), Err(ParseError::Unknown { offset: 16, bytes: vec![0x1D, b'Z'] }));
    assert!(reader.feed(b"more").is_err(), "a strict reader stops at the first bad command");
    let mut cut = Reader::new(true);
    cut.feed(&[0x1D, b'V']).expect("half");
    assert_eq!(cut.finish(), Err(ParseError::Truncated { offset: 0 }), "the stream ended inside a command");
}

/// One piece of a job, valid or not (a lone random byte is noise a strict reader rejects).
fn command() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[a-zA-Z0-9 äöüß€]{0,12}".prop_map(|s| cp858::encode(&s)),
        Just(b"\n".to_vec()),
        (0u8..3).prop_map(|n| vec![0x1B, b'a', n]),
        any::<bool>().prop_map(|on| vec![0x1B, b'E', u8::from(on)]),
        (0u8..4, 0u8..4).prop_map(|(w, h)| vec![0x1D, b'!', (w << 4) | h]),
        (0u8..4).prop_map(|n| vec![0x1B, b'd', n]),
        (1u8..4, 1u8..4, 0u8..4)
            .prop_flat_map(|(w, h, m)| vec(any::<u8>(), usize::from(w * h)).prop_map(move |d| gs_v_0(m, w, h, &d))),
        "[A-Z0-9-]{1,12}".prop_map(|s| [&[0x1D, b'k', 73, s.len() as u8 + 2, b'{', b'B'][..], s.as_bytes()].concat()),
        "[0-9]{1,12}".prop_map(|s| [&[0x1D, b'k', 4][..], s.as_bytes(), &[0]].concat()),
        "[a-z:0-9]{1,20}".prop_map(|s| {
            let store = [&[0x1D, b'(', b'k', s.len() as u8 + 3, 0, 49, 80, 48][..], s.as_bytes()].concat();
            [store, vec![0x1D, b'(', b'k', 3, 0, 49, 81, 48]].concat()
        }),
        Just(vec![0x1D, b'V', 66, 0]),
        Just(DRAWER_KICK_PIN2.to_vec()),
        Just(b"\x1b@".to_vec()),
        (1u8..8, 0u8..4).prop_map(|(w, hri)| vec![0x1D, b'w', w, 0x1D, b'h', w * 10, 0x1D, b'H', hri]),
        (1u8..17).prop_map(|n| vec![0x1D, b'(', b'k', 3, 0, 49, 67, n]),
        Just(vec![0x10, 0x04, 0x01]),
        Just(vec![0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08]),
        Just(vec![0x10, 0x14, 0x01, 0x00, 0x01]),
        Just(vec![0x1D, b'(', b'H', 6, 0, 48, 48, b'0', b'0', b'4', b'2']),
        any::<u8>().prop_map(|b| vec![b]),
    ]
}

fn in_chunks(bytes: &[u8], cuts: &[usize], strict: bool) -> Result<Vec<Block>, ParseError> {
    let mut reader = Reader::new(strict);
    let mut blocks = Vec::new();
    let mut from = 0;
    for &cut in cuts {
        blocks.extend(reader.feed(&bytes[from..cut])?);
        from = cut;
    }
    blocks.extend(reader.feed(&bytes[from..])?);
    blocks.extend(reader.finish()?);
    Ok(blocks)
}

/// A function A barcode whose NUL comes after 255 bytes is refused read whole as read in
/// pieces (the fuzzer's first find: read whole, it used to be taken).
#[test]
fn barcode_data_too_long_is_refused_wherever_the_stream_splits() {
    let mut bytes = vec![0x1D, b'k', 4];
    bytes.extend(std::iter::repeat_n(b'1', 300));
    bytes.push(0);
    let whole = parse(&bytes, true);
    assert!(matches!(whole, Err(ParseError::OutOfRange { offset: 0, .. })), "{whole:?}");
    let every_byte: Vec<usize> = (1..bytes.len()).collect();
    assert_eq!(in_chunks(&bytes, &every_byte, true), whole);
    let mut fits = vec![0x1D, b'k', 4];
    fits.extend(std::iter::repeat_n(b'1', 255));
    fits.push(0);
    assert!(matches!(parse(&fits, true).as_deref(), Ok([Block::Barcode { .. }])), "255 bytes still fit");
}

proptest! {
    #[test]
    fn a_stream_split_anywhere_reads_the_same(
        pieces in vec(command(), 0..24),
        cuts in vec(any::<prop::sample::Index>(), 0..8),
        strict in any::<bool>(),
    ) {
        let bytes = pieces.concat();
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let whole = parse(&bytes, strict);
        prop_assert_eq!(&in_chunks(&bytes, &cuts, strict), &whole, "split at {:?}", cuts);
        let every_byte: Vec<usize> = (1..bytes.len()).collect();
        prop_assert_eq!(&in_chunks(&bytes, &every_byte, strict), &whole, "one byte at a time");
    }
}

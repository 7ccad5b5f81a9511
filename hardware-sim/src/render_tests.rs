use super::*;
use crate::printer::tests::receipt;
use crate::printer::{parse, to_text};
use ringup_devices::escpos::cp858;
use ringup_devices::escpos::layout::{Paper, qr_payload, receipt_job, return_code};
use ringup_devices::escpos::raster::Bitmap;

const LOGO: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/logo.png"));

/// A rendered PNG read back with the png crate: 8-bit luma, 0 black, 255 white.
struct Picture {
    width: usize,
    height: usize,
    luma: Vec<u8>,
}

impl Picture {
    fn read(bytes: &[u8]) -> Picture {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("the PNG has a valid header");
        let mut luma = vec![0; reader.output_buffer_size().expect("size")];
        let frame = reader.next_frame(&mut luma).expect("the PNG decodes");
        assert_eq!(frame.color_type, png::ColorType::Grayscale, "one channel");
        Picture { width: frame.width as usize, height: frame.height as usize, luma }
    }

    fn black(&self, x: usize, y: usize) -> bool {
        self.luma[y * self.width + x] < 128
    }

    /// The bounding box of all black dots in rows `rows`: (left, top, right, bottom), exclusive.
    fn ink(&self, rows: std::ops::Range<usize>) -> Option<(usize, usize, usize, usize)> {
        let mut bbox: Option<(usize, usize, usize, usize)> = None;
        for y in rows {
            for x in 0..self.width {
                if self.black(x, y) {
                    let b = bbox.get_or_insert((x, y, x + 1, y + 1));
                    *b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
                }
            }
        }
        bbox
    }

    fn all_ink(&self) -> Option<(usize, usize, usize, usize)> {
        self.ink(0..self.height)
    }

    /// For each row, whether it has any black dot.
    fn inked_rows(&self) -> Vec<bool> {
        (0..self.height).map(|y| (0..self.width).any(|x| self.black(x, y))).collect()
    }
}

fn picture(blocks: &[Block], paper: PaperWidth) -> Picture {
    Picture::read(&render_png(blocks, paper))
}

fn line(text: &str, width: u8, height: u8, bold: bool, align: Align) -> Block {
    Block::Line { text: text.into(), style: Style { bold, width, height, align } }
}

fn qr_texts(p: &Picture) -> Vec<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(p.width, p.height, |x, y| p.luma[y * p.width + x]);
    image.detect_grids().iter().map(|g| g.decode().expect("a found QR code decodes").1).collect()
}

fn code128_text(p: &Picture) -> Option<String> {
    let format = Some(rxing::BarcodeFormat::CODE_128);
    let found = rxing::helpers::detect_in_luma(p.luma.clone(), p.width as u32, p.height as u32, format).ok()?;
    Some(found.getText().to_string())
}

#[test]
fn the_picture_is_the_paper_and_font_a_fills_the_printable_width() {
    for (paper, paper_dots, columns) in [(PaperWidth::Mm58, 464, 32), (PaperWidth::Mm80, 640, 48)] {
        let empty = picture(&[], paper);
        assert_eq!(empty.width, paper_dots, "{paper:?}: the picture is the whole paper at 8 dots/mm");
        assert_eq!(empty.all_ink(), None, "nothing printed, nothing black");
        let full = "█".repeat(columns);
        let p = picture(&[line(&full, 1, 1, false, Align::Left)], paper);
        let margin = (paper_dots - paper.printable_dots() as usize) / 2;
        assert_eq!(p.all_ink(), Some((margin, 24, margin + columns * 12, 48)), "{columns} cells of 12x24 dots");
        let wrapped = picture(&[line(&format!("{full}█"), 1, 1, false, Align::Left)], paper);
        assert_eq!(wrapped.all_ink().map(|b| b.3), Some(24 + 30 + 24), "one character more wraps to a second line");
    }
}

#[test]
fn alignment_places_the_line_within_the_printable_width() {
    let left_of = |align| picture(&[line("ABCD", 1, 1, false, align)], PaperWidth::Mm58).all_ink().map(|b| b.0);
    let left = left_of(Align::Left).expect("ink");
    assert_eq!(left_of(Align::Center), Some(left + (384 - 4 * 12) / 2), "centred: equal room on both sides");
    assert_eq!(left_of(Align::Right), Some(left + 384 - 4 * 12), "right: flush with the printable edge");
    let wide = picture(&[line("AB", 2, 1, false, Align::Center)], PaperWidth::Mm58).all_ink().expect("ink");
    let plain = picture(&[line("AB", 1, 1, false, Align::Center)], PaperWidth::Mm58).all_ink().expect("ink");
    assert_eq!(wide.2 - wide.0, 2 * (plain.2 - plain.0), "double width doubles every dot");
}

#[test]
fn double_height_is_48_dots_and_the_next_line_follows_it() {
    let tall = picture(&[line("█", 1, 2, false, Align::Left), line("█", 1, 1, false, Align::Left)], PaperWidth::Mm58);
    let rows: Vec<usize> = tall.inked_rows().iter().enumerate().filter(|(_, on)| **on).map(|(y, _)| y).collect();
    assert_eq!(rows, (24..24 + 48 + 24).collect::<Vec<_>>(), "48 dots of tall cell, then the next line at once");
    let plain = picture(&[line("█", 1, 1, false, Align::Left), line("█", 1, 1, false, Align::Left)], PaperWidth::Mm58);
    let rows: Vec<usize> = plain.inked_rows().iter().enumerate().filter(|(_, on)| **on).map(|(y, _)| y).collect();
    assert_eq!(rows, (24..48).chain(54..78).collect::<Vec<_>>(), "24-dot cells on a 30-dot line spacing");
    let h = picture(&[line("H", 1, 1, false, Align::Left)], PaperWidth::Mm58).all_ink().expect("H");
    let h2 = picture(&[line("H", 1, 2, false, Align::Left)], PaperWidth::Mm58).all_ink().expect("H");
    assert_eq!(h2.3 - h2.1, 2 * (h.3 - h.1), "a double-height letter is twice as tall");
}

#[test]
fn bold_adds_a_dot_to_the_right() {
    let count = |bold| {
        let p = picture(&[line("Total", 1, 1, bold, Align::Left)], PaperWidth::Mm58);
        (p.luma.iter().filter(|v| **v < 128).count(), p.all_ink().expect("ink"))
    };
    let ((plain_dots, plain), (bold_dots, bold)) = (count(false), count(true));
    assert!(bold_dots > plain_dots * 13 / 10, "emphasis prints visibly more: {bold_dots} vs {plain_dots}");
    assert_eq!((bold.0, bold.1, bold.3), (plain.0, plain.1, plain.3), "same place, same height");
}

#[test]
fn every_character_cp858_can_print_has_a_glyph() {
    let missing = font::glyph('\u{2603}');
    for byte in 0x21..=0xFEu8 {
        let c = cp858::decode(&[byte]).chars().next().expect("a char");
        if byte == 0x7F || c == '\u{AD}' {
            continue; // DEL is a control character; the soft hyphen is allowed to be blank
        }
        let g = font::glyph(c);
        assert!(g.iter().any(|row| *row != 0), "{c:?} (0x{byte:02X}) prints something");
        assert_ne!(g, missing, "{c:?} (0x{byte:02X}) is in the font, not the replacement box");
    }
    assert_ne!(font::glyph('€'), font::glyph('¤'), "the euro sign is its own glyph");
    assert_ne!(font::glyph('…'), missing, "the ellipsis is drawn");
    let frame =
        picture(&[line("╔══╗", 1, 1, false, Align::Left), line("╚══╝", 1, 1, false, Align::Left)], PaperWidth::Mm58);
    let top = frame.ink(0..40).expect("frame");
    assert_eq!((top.2 - top.0, top.1), (4 * 12 - 4, 24 + 8), "the double line runs from cell to cell");
}

#[test]
fn qr_codes_scan() {
    let data = "ringup:01930000000070008000000000000077:7:0011223344556677";
    for (module_dots, level, paper) in [(6, QrLevel::M, PaperWidth::Mm58), (3, QrLevel::L, PaperWidth::Mm80)] {
        let block = Block::Qr { data: data.into(), module_dots, level, align: Align::Center };
        let p =
            picture(&[line("above", 1, 1, false, Align::Left), block, line("below", 1, 1, false, Align::Left)], paper);
        assert_eq!(qr_texts(&p), vec![data.to_string()], "rqrr reads the QR code at {module_dots} dots/module");
    }
    let huge = Block::Qr { data: "x".repeat(400), module_dots: 16, level: QrLevel::H, align: Align::Left };
    assert_eq!(picture(&[huge], PaperWidth::Mm58).all_ink(), None, "a symbol wider than the paper is not printed");
}

#[test]
fn code128_barcodes_scan() {
    let printable: String = (0x20u8..0x7F).map(char::from).collect();
    let mut samples: Vec<String> =
        printable.as_bytes().chunks(12).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    samples.extend(["R1-7".to_string(), "00123456".to_string(), "a".to_string()]);
    for data in samples {
        let block = Block::Barcode {
            system: 73,
            data: data.clone(),
            module_dots: 2,
            height_dots: 80,
            hri_below: true,
            align: Align::Center,
        };
        let p = picture(&[line("Beleg", 1, 1, false, Align::Left), block], PaperWidth::Mm80);
        assert_eq!(code128_text(&p), Some(data.clone()), "rxing reads {data:?} from the picture");
        let below = p.ink(24 + 30 + 80..p.height).expect("the HRI text is printed under the bars");
        assert!(below.1 >= 24 + 30 + 80 + HRI_GAP_DOTS, "the text starts below the bars");
    }
    let too_wide = Block::Barcode {
        system: 73,
        data: "X".repeat(40),
        module_dots: 3,
        height_dots: 80,
        hri_below: false,
        align: Align::Left,
    };
    assert_eq!(picture(&[too_wide], PaperWidth::Mm58).all_ink(), None, "too wide for the paper: not printed");
}

#[test]
fn a_logo_goes_through_gs_v_0_dot_for_dot() {
    let bitmap = Bitmap::from_png(LOGO, 384).expect("logo");
    let blocks = parse(&bitmap.gs_v_0(), true).expect("strict");
    let [Block::Raster { width_dots, height_dots, bits, align: Align::Left }] = blocks.as_slice() else {
        panic!("one raster block: {blocks:?}");
    };
    assert_eq!((*width_dots, *height_dots), (bitmap.width_dots().div_ceil(8) * 8, bitmap.height_dots()));
    assert_eq!(bits.as_slice(), bitmap.bits(), "the printer reads the bits the driver sent");
    let p = picture(&blocks, PaperWidth::Mm58);
    for y in 0..bitmap.height_dots() {
        for x in 0..bitmap.width_dots() {
            let on_paper = p.black(40 + x as usize, 24 + y as usize);
            assert_eq!(on_paper, bitmap.is_black(x, y), "dot ({x}, {y}) of the logo");
        }
    }
}

#[test]
fn write_receipt_leaves_three_whole_files() {
    let dir = tempfile::tempdir().expect("dir");
    let raw = b"\x1b@Hallo\n\x1dVB\x00".to_vec();
    let blocks = parse(&raw, true).expect("job");
    write_receipt(dir.path(), "r-0001", &raw, &blocks, PaperWidth::Mm58).expect("written");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into())
        .collect();
    names.sort();
    assert_eq!(names, ["r-0001.bin", "r-0001.png", "r-0001.txt"], "no temporary file is left behind");
    assert_eq!(std::fs::read(dir.path().join("r-0001.bin")).expect("bin"), raw, "the bytes as received");
    assert_eq!(std::fs::read_to_string(dir.path().join("r-0001.txt")).expect("txt"), "Hallo\n[PARTIAL CUT]\n");
    let png = Picture::read(&std::fs::read(dir.path().join("r-0001.png")).expect("png"));
    assert_eq!(png.width, 464);
}

/// A whole receipt as the driver lays it out, logo first, rendered and scanned. Set
/// RINGUP_RENDER_DIR to keep the pictures for a look.
#[test]
fn a_real_receipt_renders_and_its_codes_scan() {
    let r = receipt();
    let logo = Bitmap::from_png(LOGO, 384).expect("logo");
    for (paper, width) in [(Paper::Mm58, PaperWidth::Mm58), (Paper::Mm80, PaperWidth::Mm80)] {
        let raw = receipt_job(&r, paper, Some(&logo)).expect("job");
        let blocks = parse(&raw, true).expect("strict: the whole job is known");
        let p = picture(&blocks, width);
        assert_eq!(qr_texts(&p), vec![qr_payload(&r)], "{paper:?}: the receipt's QR code scans");
        assert_eq!(code128_text(&p), Some(return_code(&r)), "{paper:?}: the return barcode scans");
        let logo_ink = p.ink(24..24 + logo.height_dots() as usize).expect("logo");
        let centre = (logo_ink.0 + logo_ink.2) / 2;
        assert!(centre.abs_diff(p.width / 2) <= 8, "{paper:?}: the logo is centred ({centre} of {})", p.width);
        assert!(to_text(&blocks).starts_with("[IMAGE 320x96]\n"), "the text file names the image");
        let dir = tempfile::tempdir().expect("dir");
        let keep = std::env::var_os("RINGUP_RENDER_DIR").map(std::path::PathBuf::from);
        let stem = format!("receipt-{}", width.paper_dots() / 8);
        write_receipt(keep.as_deref().unwrap_or(dir.path()), &stem, &raw, &blocks, width).expect("written");
    }
}

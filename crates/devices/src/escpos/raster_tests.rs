use super::*;
use crate::escpos::program::Program;

/// A PNG of `width` × `height` pixels in `color` (8-bit samples), made with the png crate.
fn png_bytes(width: u32, height: u32, color: png::ColorType, pixels: &[u8]) -> Vec<u8> {
    png_with(width, height, color, png::BitDepth::Eight, None, pixels)
}

fn png_with(
    width: u32,
    height: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    palette: Option<Vec<u8>>,
    pixels: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(depth);
    if let Some(palette) = palette {
        encoder.set_palette(palette);
    }
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(pixels).expect("pixels");
    writer.finish().expect("finish");
    out
}

/// The bitmap as rows of '#' (black) and '.' (white), for readable assertions.
fn picture(b: &Bitmap) -> Vec<String> {
    (0..b.height_dots())
        .map(|y| (0..b.width_dots()).map(|x| if b.is_black(x, y) { '#' } else { '.' }).collect())
        .collect()
}

#[test]
fn gs_v_0_is_the_reference_sequence() {
    // 10 dots wide (two bytes a row, the last six bits padding), two rows.
    let bitmap = Bitmap::new(10, 2, vec![0b1000_0000, 0b0100_0000, 0xFF, 0xC0]).expect("bitmap");
    assert_eq!(
        bitmap.gs_v_0(),
        vec![0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, 0x80, 0x40, 0xFF, 0xC0],
        "GS v 0, m 0, xL xH = 2 bytes, yL yH = 2 rows, then the rows"
    );
    let tall = Bitmap::new(8, 300, vec![0; 300]).expect("tall");
    assert_eq!(&tall.gs_v_0()[4..8], &[1, 0, 0x2C, 0x01], "300 rows: yL 0x2C, yH 1");
    assert_eq!(picture(&bitmap), vec!["#........#", "##########"], "0x40 in the second byte is dot 9");
    assert!(matches!(Bitmap::new(10, 2, vec![0; 3]), Err(RasterError::Length { expected: 4, .. })));
    assert!(matches!(Bitmap::new(0, 2, vec![]), Err(RasterError::Size { .. })));
}

#[test]
fn a_png_decodes_to_the_same_dots() {
    let rows = ["#..#....#", ".##......", "#########"];
    let gray: Vec<u8> = rows.iter().flat_map(|r| r.bytes().map(|c| if c == b'#' { 0 } else { 255 })).collect();
    let bitmap = Bitmap::from_png(&png_bytes(9, 3, png::ColorType::Grayscale, &gray), 384).expect("png");
    assert_eq!(picture(&bitmap), rows, "black stays black, white stays white, nothing is scaled");
    assert_eq!(bitmap.bits(), &[0x90, 0x80, 0x60, 0x00, 0xFF, 0x80], "packed MSB first, padding white");

    // RGBA: opaque dark red is black; a transparent black pixel is paper.
    let rgba = [128, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 255, 255];
    let bitmap = Bitmap::from_png(&png_bytes(4, 1, png::ColorType::Rgba, &rgba), 384).expect("rgba");
    assert_eq!(picture(&bitmap), ["#..#"], "alpha over white: transparent is white, blue is dark");

    // A 1-bit palette image: index 1 is black.
    let palette = vec![255, 255, 255, 0, 0, 0];
    let indexed = png_with(8, 1, png::ColorType::Indexed, png::BitDepth::One, Some(palette), &[0b1010_0001]);
    assert_eq!(picture(&Bitmap::from_png(&indexed, 384).expect("palette")), ["#.#....#"]);

    assert!(matches!(Bitmap::from_png(b"not a png", 384), Err(RasterError::Png(_))), "garbage is an error");
}

#[test]
fn wide_images_are_scaled_to_the_paper_and_dithered() {
    // 64 × 16: left half black, right half 50 % gray (a checkerboard of single pixels).
    let mut gray = Vec::new();
    for y in 0..16u32 {
        for x in 0..64u32 {
            gray.push(if x < 32 || (x + y) % 2 == 0 { 0 } else { 255 });
        }
    }
    let bitmap = Bitmap::from_png(&png_bytes(64, 16, png::ColorType::Grayscale, &gray), 32).expect("scaled");
    assert_eq!((bitmap.width_dots(), bitmap.height_dots()), (32, 8), "half as wide, aspect kept");
    let black_left = (0..8).flat_map(|y| (0..16).map(move |x| (x, y))).filter(|&(x, y)| bitmap.is_black(x, y)).count();
    assert_eq!(black_left, 16 * 8, "solid black stays solid");
    let black_right =
        (0..8).flat_map(|y| (16..32).map(move |x| (x, y))).filter(|&(x, y)| bitmap.is_black(x, y)).count();
    assert!((56..=72).contains(&black_right), "a 50 % gray dithers to about half the dots: {black_right} of 128");
}

#[test]
fn limits_are_clear_errors() {
    let tall = png_bytes(10, 2000, png::ColorType::Grayscale, &vec![255; 20_000]);
    assert_eq!(Bitmap::from_png(&tall, 384), Err(RasterError::TooTall { height_dots: 2000 }));
    let message = RasterError::TooTall { height_dots: 2000 }.to_string();
    assert!(message.contains("2000") && message.contains("1024"), "the message says how tall and the limit: {message}");
    assert_eq!(Bitmap::from_png(&tall, 5).map(|b| b.height_dots()), Ok(1000), "narrower, it fits");
}

#[test]
fn the_store_logo_decodes_and_prints_as_gs_v_0() {
    let logo = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/logo.png"));
    let bitmap = Bitmap::from_png(logo, 384).expect("the logo is a PNG");
    assert!(bitmap.width_dots() <= 384 && bitmap.height_dots() <= 128, "it fits 58 mm paper and stays small");
    let black = (0..bitmap.height_dots())
        .flat_map(|y| (0..bitmap.width_dots()).map(move |x| (x, y)))
        .filter(|&(x, y)| bitmap.is_black(x, y))
        .count();
    let all = (bitmap.width_dots() * bitmap.height_dots()) as usize;
    assert!(black * 20 > all && black * 2 < all, "black on white: {black} of {all} dots are black");

    let mut job = Program::new().expect("program");
    job.image(&bitmap).expect("image");
    let bytes = job.finish().expect("bytes");
    let command = bitmap.gs_v_0();
    assert!(bytes.ends_with(&command), "the job carries the GS v 0 command as built");
    assert_eq!(command.len(), 8 + bitmap.height_dots() as usize * bitmap.width_dots().div_ceil(8) as usize);
}

#[test]
fn image_data_never_carries_a_real_time_command() {
    // Rows that happen to hold DLE EOT 1, DLE ENQ and DLE DC4 as dots.
    let bits = vec![0x10, 0x04, 0x01, 0xFF, 0x10, 0x05, 0x10, 0x14, 0x10, 0x10];
    let bitmap = Bitmap::new(16, 5, bits).expect("a bitmap");
    let bytes = bitmap.gs_v_0();
    let data = &bytes[8..];
    assert!(
        !data.windows(2).any(|w| w[0] == 0x10 && matches!(w[1], 0x04 | 0x05 | 0x14)),
        "no real-time command survives in the dots: {data:02x?}"
    );
    assert_eq!(
        data,
        [0x00, 0x04, 0x01, 0xFF, 0x00, 0x05, 0x00, 0x14, 0x10, 0x10],
        "one dot cleared per pair, nothing else"
    );
}

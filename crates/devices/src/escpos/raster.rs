//! Images for the receipt printer: a PNG (the store's logo) made into dots a thermal printer
//! can print, and the `GS v 0` command that prints them. Everything is integer arithmetic:
//! scaling averages whole source pixels, and dithering diffuses integer errors.

use std::io::Cursor;

/// No receipt printer is wider than 1024 dots (128 mm at 8 dots/mm); it also keeps xH small.
pub const MAX_WIDTH_DOTS: u32 = 1024;
/// A logo taller than this would be most of a receipt; larger images are refused, not cut.
pub const MAX_HEIGHT_DOTS: u32 = 1024;
/// Source images larger than this are refused before their pixels are decoded.
const MAX_SOURCE_SIDE_PX: u32 = 8192;
/// Memory the PNG decoder may allocate, whatever the file claims.
const DECODE_LIMIT_BYTES: usize = 64 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RasterError {
    #[error("the image is not a readable PNG: {0}")]
    Png(String),
    #[error("the image is {width_px}x{height_px} pixels; at most {MAX_SOURCE_SIDE_PX} on a side is accepted")]
    SourceTooLarge { width_px: u32, height_px: u32 },
    #[error(
        "a bitmap must be 1-{MAX_WIDTH_DOTS} dots wide and 1-{MAX_HEIGHT_DOTS} tall, not {width_dots}x{height_dots}"
    )]
    Size { width_dots: u32, height_dots: u32 },
    #[error("the image would be {height_dots} dots tall on paper, more than the {MAX_HEIGHT_DOTS} a logo may take")]
    TooTall { height_dots: u32 },
    #[error("a {width_dots}x{height_dots} bitmap takes {expected} bytes, not {actual}")]
    Length { width_dots: u32, height_dots: u32, expected: usize, actual: usize },
}

/// A black-and-white image in printer dots: packed rows of `ceil(width_dots / 8)` bytes, the
/// most significant bit leftmost, 1 = black (burnt), as `GS v 0` sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width_dots: u32,
    height_dots: u32,
    bits: Vec<u8>,
}

impl Bitmap {
    pub fn new(width_dots: u32, height_dots: u32, bits: Vec<u8>) -> Result<Bitmap, RasterError> {
        if !(1..=MAX_WIDTH_DOTS).contains(&width_dots) || !(1..=MAX_HEIGHT_DOTS).contains(&height_dots) {
            return Err(RasterError::Size { width_dots, height_dots });
        }
        let expected = row_bytes(width_dots) * height_dots as usize;
        if bits.len() != expected {
            return Err(RasterError::Length { width_dots, height_dots, expected, actual: bits.len() });
        }
        Ok(Bitmap { width_dots, height_dots, bits })
    }

    /// Decodes a PNG held in memory (grayscale, RGB, RGBA or palette, any bit depth), lays
    /// transparent pixels over white paper, scales it down to at most `max_width_dots` keeping
    /// its aspect, and dithers it to black and white (Floyd–Steinberg).
    pub fn from_png(bytes: &[u8], max_width_dots: u32) -> Result<Bitmap, RasterError> {
        let max_width_dots = max_width_dots.min(MAX_WIDTH_DOTS);
        let (width_px, height_px, luma) = decode_luma(bytes)?;
        let width_dots = width_px.min(max_width_dots);
        if width_dots == 0 {
            return Err(RasterError::Size { width_dots, height_dots: height_px });
        }
        let height_dots = scaled_height(width_px, height_px, width_dots);
        if height_dots > MAX_HEIGHT_DOTS {
            return Err(RasterError::TooTall { height_dots });
        }
        let gray = downscale(&luma, width_px, height_px, width_dots, height_dots);
        let bits = dither(&gray, width_dots, height_dots);
        Bitmap::new(width_dots, height_dots, bits)
    }

    pub fn width_dots(&self) -> u32 {
        self.width_dots
    }

    pub fn height_dots(&self) -> u32 {
        self.height_dots
    }

    /// The packed rows.
    pub fn bits(&self) -> &[u8] {
        &self.bits
    }

    /// Whether the dot at (`x`, `y`) is black; outside the image nothing is.
    pub fn is_black(&self, x: u32, y: u32) -> bool {
        if x >= self.width_dots || y >= self.height_dots {
            return false;
        }
        let byte = self.bits[y as usize * row_bytes(self.width_dots) + x as usize / 8];
        byte & (0x80 >> (x % 8)) != 0
    }

    /// `GS v 0 m xL xH yL yH d1...dk` (ESC/POS command reference, "GS v 0: Print raster bit
    /// image"): m = 0 (normal size), width in bytes = xL + xH × 256, height in dots =
    /// yL + yH × 256, then k = width × height bytes of packed rows, MSB leftmost, 1 = print.
    pub fn gs_v_0(&self) -> Vec<u8> {
        let [x_low, x_high] = u16::try_from(row_bytes(self.width_dots)).unwrap_or(u16::MAX).to_le_bytes();
        let [y_low, y_high] = u16::try_from(self.height_dots).unwrap_or(u16::MAX).to_le_bytes();
        let mut out = Vec::with_capacity(8 + self.bits.len());
        out.extend_from_slice(&[0x1D, 0x76, 0x30, 0, x_low, x_high, y_low, y_high]);
        out.extend_from_slice(&self.bits);
        break_real_time_commands(&mut out[8..]);
        out
    }
}

/// Printers act on real-time commands (`DLE EOT`, `DLE ENQ`, `DLE DC4`) wherever they find
/// them, even inside image data, where a `10 04 n` would send a stray status byte and a
/// `10 14 ..` could open the drawer or clear the job. Any such pair in the dots is broken by
/// clearing one dot of the `10` byte (it becomes `00`): one white dot where there was one black.
pub fn break_real_time_commands(data: &mut [u8]) {
    for i in 0..data.len().saturating_sub(1) {
        if data[i] == 0x10 && matches!(data[i + 1], 0x04 | 0x05 | 0x14) {
            data[i] = 0x00;
        }
    }
}

fn row_bytes(width_dots: u32) -> usize {
    width_dots.div_ceil(8) as usize
}

/// The height that keeps the aspect ratio at `width_dots`, rounded to the nearest dot.
fn scaled_height(width_px: u32, height_px: u32, width_dots: u32) -> u32 {
    let scaled = (u64::from(height_px) * u64::from(width_dots) + u64::from(width_px) / 2) / u64::from(width_px);
    u32::try_from(scaled.max(1)).unwrap_or(u32::MAX)
}

/// The image as 8-bit luma (0 black, 255 white), transparency laid over white.
fn decode_luma(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), RasterError> {
    let png_err = |e: png::DecodingError| RasterError::Png(e.to_string());
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: DECODE_LIMIT_BYTES });
    // Palette to RGB(A), small grays to 8 bits, tRNS to alpha, 16-bit samples to 8.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(png_err)?;
    let (width_px, height_px) = reader.info().size();
    if width_px > MAX_SOURCE_SIDE_PX || height_px > MAX_SOURCE_SIDE_PX {
        return Err(RasterError::SourceTooLarge { width_px, height_px });
    }
    let size = reader.output_buffer_size().ok_or(RasterError::SourceTooLarge { width_px, height_px })?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(png_err)?;
    let channels = frame.color_type.samples();
    let mut luma = Vec::with_capacity(width_px as usize * height_px as usize);
    for row in buf.chunks(frame.line_size).take(height_px as usize) {
        for px in row.chunks(channels).take(width_px as usize) {
            luma.push(match *px {
                [g] => g,
                [g, a] => over_white(g, a),
                [r, g, b] => rgb_luma(r, g, b),
                [r, g, b, a] => over_white(rgb_luma(r, g, b), a),
                _ => return Err(RasterError::Png(format!("unexpected {channels}-channel pixel"))),
            });
        }
    }
    Ok((width_px, height_px, luma))
}

/// ITU-R BT.601 weights in 1/1000.
fn rgb_luma(r: u8, g: u8, b: u8) -> u8 {
    let y = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000;
    u8::try_from(y).unwrap_or(u8::MAX)
}

/// A pixel of luma `v` and opacity `a` on white paper.
fn over_white(v: u8, a: u8) -> u8 {
    let mixed = (u32::from(v) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255;
    u8::try_from(mixed).unwrap_or(u8::MAX)
}

/// Box-filter scaling: each dot is the mean of the source pixels it covers (never enlarges).
fn downscale(luma: &[u8], width_px: u32, height_px: u32, width_dots: u32, height_dots: u32) -> Vec<u8> {
    let span = |i: u32, from: u32, to: u32| {
        let start = u64::from(i) * u64::from(from) / u64::from(to);
        let end = (u64::from(i + 1) * u64::from(from)).div_ceil(u64::from(to));
        (start as usize, (end as usize).max(start as usize + 1))
    };
    let mut out = Vec::with_capacity(width_dots as usize * height_dots as usize);
    for y in 0..height_dots {
        let (y0, y1) = span(y, height_px, height_dots);
        for x in 0..width_dots {
            let (x0, x1) = span(x, width_px, width_dots);
            let (mut sum, mut count) = (0u64, 0u64);
            for row in luma.chunks(width_px as usize).skip(y0).take(y1 - y0) {
                for v in &row[x0..x1.min(row.len())] {
                    sum += u64::from(*v);
                    count += 1;
                }
            }
            out.push(u8::try_from(sum.checked_div(count).unwrap_or(255)).unwrap_or(u8::MAX));
        }
    }
    out
}

/// Floyd–Steinberg error diffusion in integers: each dot's error goes 7/16 right, 3/16 down
/// left, 5/16 down and the rest down right, so no error is lost to rounding.
fn dither(gray: &[u8], width_dots: u32, height_dots: u32) -> Vec<u8> {
    let w = width_dots as usize;
    let mut bits = vec![0u8; row_bytes(width_dots) * height_dots as usize];
    let mut current = vec![0i32; w + 2];
    let mut next = vec![0i32; w + 2];
    for (y, row) in gray.chunks(w).enumerate() {
        for (x, v) in row.iter().enumerate() {
            let value = i32::from(*v) + current[x + 1];
            let black = value < 128;
            if black {
                bits[y * row_bytes(width_dots) + x / 8] |= 0x80 >> (x % 8);
            }
            let error = value - if black { 0 } else { 255 };
            let (right, down_left, down) = (error * 7 / 16, error * 3 / 16, error * 5 / 16);
            current[x + 2] += right;
            next[x] += down_left;
            next[x + 1] += down;
            next[x + 2] += error - right - down_left - down;
        }
        std::mem::swap(&mut current, &mut next);
        next.fill(0);
    }
    bits
}

#[cfg(test)]
#[path = "raster_tests.rs"]
mod tests;

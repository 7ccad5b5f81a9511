//! Printed receipts as pictures: the blocks the simulated printer read, drawn dot for dot as
//! a thermal printer at 8 dots/mm would print them (Font A 12 × 24 cells, size multipliers,
//! emphasis, alignment, raster images, QR codes, CODE128 barcodes, cuts), on paper of the
//! chosen width with its unprintable margins. The QR codes and barcodes are drawn at their
//! real module sizes, so a scanner (in the tests, independent decoders) can read the picture.

mod code128;
mod font;

use crate::printer::{self, Align, Block, QrLevel, Style};
use font::{CELL_H_DOTS, CELL_W_DOTS, Glyph};
use std::collections::HashMap;
use std::path::Path;

/// The line feed of ESC 2, the printer's default line spacing (3.75 mm).
pub const LINE_SPACING_DOTS: usize = 30;
/// Blank paper above the first line and below the last in the picture.
const MARGIN_DOTS: usize = 24;
/// A picture taller than this (8 m of paper) is cut off there, so a runaway job cannot
/// exhaust memory.
pub const MAX_HEIGHT_DOTS: usize = 1 << 16;
/// Quiet zones: 4 modules around a QR code, 10 on each side of a barcode.
const QR_QUIET_MODULES: usize = 4;
const BARCODE_QUIET_MODULES: usize = 10;
/// Space between a barcode and its human-readable text.
const HRI_GAP_DOTS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperWidth {
    /// 58 mm paper, 48 mm printable: 384 dots, 32 columns of Font A.
    Mm58,
    /// 80 mm paper, 72 mm printable: 576 dots, 48 columns of Font A.
    Mm80,
}

impl PaperWidth {
    pub fn printable_dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    /// The whole paper at 8 dots/mm: the picture's width.
    pub fn paper_dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 58 * 8,
            PaperWidth::Mm80 => 80 * 8,
        }
    }
}

/// The receipt as a PNG: 1-bit grayscale, white paper, black print.
pub fn render_png(blocks: &[Block], paper: PaperWidth) -> Vec<u8> {
    let mut page = Page::new(paper);
    for block in blocks {
        page.block(block);
    }
    page.png()
}

/// Writes `stem.bin` (the bytes as received), `stem.txt` ([`printer::to_text`]) and
/// `stem.png` ([`render_png`]) into `dir`. Each is written to a temporary name and renamed,
/// so a reader never sees half a file; the PNG comes last, so once it is there, all are.
pub fn write_receipt(dir: &Path, stem: &str, raw: &[u8], blocks: &[Block], paper: PaperWidth) -> std::io::Result<()> {
    let files =
        [("bin", raw.to_vec()), ("txt", printer::to_text(blocks).into_bytes()), ("png", render_png(blocks, paper))];
    for (extension, bytes) in files {
        let temporary = dir.join(format!(".{stem}.{extension}.tmp"));
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, dir.join(format!("{stem}.{extension}")))?;
    }
    Ok(())
}

/// The paper being printed: one byte per dot (1 = black), growing as the paper feeds.
struct Page {
    width: usize,
    left: usize,
    printable: usize,
    dots: Vec<u8>,
    /// The print position: the top of the next line, in dots from the top of the paper.
    y: usize,
    glyphs: HashMap<char, Glyph>,
}

impl Page {
    fn new(paper: PaperWidth) -> Page {
        let (width, printable) = (paper.paper_dots() as usize, paper.printable_dots() as usize);
        Page {
            width,
            left: (width - printable) / 2,
            printable,
            dots: Vec::new(),
            y: MARGIN_DOTS,
            glyphs: HashMap::new(),
        }
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Line { text, style } => self.text(text, *style),
            Block::Raster { width_dots, height_dots, bits, align } => {
                self.raster(*width_dots as usize, *height_dots as usize, bits, *align);
            }
            Block::Qr { data, module_dots, level, align } => self.qr(data, usize::from(*module_dots), *level, *align),
            Block::Barcode { system: 73, data, module_dots, height_dots, hri_below, align } => {
                self.code128(data, usize::from(*module_dots), usize::from(*height_dots), *hri_below, *align);
            }
            // Other symbologies are not drawn: the paper says which code would be there.
            Block::Barcode { system, data, align, .. } => {
                self.text(&format!("[BARCODE {system}: {data}]"), Style { align: *align, ..Style::default() });
            }
            Block::Feed { lines } => self.y += usize::from(*lines) * LINE_SPACING_DOTS,
            Block::Cut { partial } => self.cut(*partial),
            Block::DrawerPulse { .. }
            | Block::RealtimePulse { .. }
            | Block::StatusRequest { .. }
            | Block::ProcessId { .. }
            | Block::ClearBuffer => {}
        }
    }

    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        let bottom = (y + h).min(MAX_HEIGHT_DOTS);
        if bottom * self.width > self.dots.len() {
            self.dots.resize(bottom * self.width, 0);
        }
        let right = (x + w).min(self.width);
        for row in y..bottom {
            for dot in &mut self.dots[row * self.width + x.min(right)..row * self.width + right] {
                *dot = 1;
            }
        }
    }

    /// Where a thing `w` dots wide starts in the printable area under `align`.
    fn x_for(&self, align: Align, w: usize) -> usize {
        let room = self.printable.saturating_sub(w);
        self.left
            + match align {
                Align::Left => 0,
                Align::Center => room / 2,
                Align::Right => room,
            }
    }

    /// A text line; a line longer than the paper wraps, as on the printer. A line is as tall
    /// as its characters, but never less than the line spacing.
    fn text(&mut self, text: &str, style: Style) {
        let (wide, tall) = (usize::from(style.width.clamp(1, 8)), usize::from(style.height.clamp(1, 8)));
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            self.y += LINE_SPACING_DOTS;
            return;
        }
        let cell_w = CELL_W_DOTS * wide;
        for row in chars.chunks((self.printable / cell_w).max(1)) {
            let x0 = self.x_for(style.align, row.len() * cell_w);
            for (i, c) in row.iter().enumerate() {
                let plain = *self.glyphs.entry(*c).or_insert_with(|| font::glyph(*c));
                let glyph = if style.bold { font::embolden(&plain) } else { plain };
                self.glyph(&glyph, x0 + i * cell_w, wide, tall);
            }
            self.y += (CELL_H_DOTS * tall).max(LINE_SPACING_DOTS);
        }
    }

    fn glyph(&mut self, glyph: &Glyph, x0: usize, wide: usize, tall: usize) {
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..CELL_W_DOTS {
                if bits & (1 << (CELL_W_DOTS - 1 - col)) != 0 {
                    self.fill(x0 + col * wide, self.y + row * tall, wide, tall);
                }
            }
        }
    }

    /// A raster image; dots past the printable width are dropped, as the printer drops them.
    fn raster(&mut self, width_dots: usize, height_dots: usize, bits: &[u8], align: Align) {
        let row_bytes = width_dots.div_ceil(8);
        let x0 = self.x_for(align, width_dots.min(self.printable));
        for (y, row) in bits.chunks(row_bytes.max(1)).take(height_dots).enumerate() {
            for x in 0..width_dots.min(self.printable) {
                if row.get(x / 8).is_some_and(|byte| byte & (0x80 >> (x % 8)) != 0) {
                    self.fill(x0 + x, self.y + y, 1, 1);
                }
            }
        }
        self.y += height_dots;
    }

    /// A QR code of `module_dots` per module with its quiet zone. A symbol that cannot be
    /// encoded or does not fit the paper is not printed, as on the printer.
    fn qr(&mut self, data: &str, module_dots: usize, level: QrLevel, align: Align) {
        let level = match level {
            QrLevel::L => qrcode::EcLevel::L,
            QrLevel::M => qrcode::EcLevel::M,
            QrLevel::Q => qrcode::EcLevel::Q,
            QrLevel::H => qrcode::EcLevel::H,
        };
        let Ok(code) = qrcode::QrCode::with_error_correction_level(data.as_bytes(), level) else { return };
        let modules = code.width();
        let (size, quiet) = (modules * module_dots, QR_QUIET_MODULES * module_dots);
        if size > self.printable || size == 0 {
            return;
        }
        let boxed = (size + 2 * quiet).min(self.printable);
        let x0 = self.x_for(align, boxed) + (boxed - size) / 2;
        let y0 = self.y + quiet;
        for (i, color) in code.to_colors().iter().enumerate() {
            if *color == qrcode::Color::Dark {
                self.fill(x0 + (i % modules) * module_dots, y0 + (i / modules) * module_dots, module_dots, module_dots);
            }
        }
        self.y = y0 + size + quiet;
    }

    /// A CODE128 barcode, with its text centred below when HRI is on. Too wide for the paper,
    /// it is not printed, as on the printer.
    fn code128(&mut self, data: &str, module_dots: usize, height_dots: usize, hri_below: bool, align: Align) {
        let Some(modules) = code128::modules(data) else { return };
        let (width, quiet) = (modules.len() * module_dots, BARCODE_QUIET_MODULES * module_dots);
        if width > self.printable {
            return;
        }
        let boxed = (width + 2 * quiet).min(self.printable);
        let x0 = self.x_for(align, boxed) + (boxed - width) / 2;
        for (i, bar) in modules.iter().enumerate() {
            if *bar {
                self.fill(x0 + i * module_dots, self.y, module_dots, height_dots);
            }
        }
        self.y += height_dots;
        if hri_below {
            self.y += HRI_GAP_DOTS;
            let text_w = data.chars().count() * CELL_W_DOTS;
            let centre = x0 + width / 2;
            let x_text =
                centre.saturating_sub(text_w / 2).clamp(self.left, self.left + self.printable.saturating_sub(text_w));
            for (i, c) in data.chars().enumerate() {
                let glyph = font::glyph(c);
                self.glyph(&glyph, x_text + i * CELL_W_DOTS, 1, 1);
            }
            self.y += CELL_H_DOTS;
        }
    }

    /// The cut, drawn as a dashed line across the paper; a partial cut leaves its hinge in
    /// the middle uncut.
    fn cut(&mut self, partial: bool) {
        let y = self.y + 8;
        let hinge = if partial { (self.width / 2 - 12)..(self.width / 2 + 12) } else { 0..0 };
        for x in (0..self.width).step_by(12) {
            if !hinge.contains(&x) && !hinge.contains(&(x + 7)) {
                self.fill(x, y, 8, 2);
            }
        }
        self.y = y + 2 + 16;
    }

    fn png(&self) -> Vec<u8> {
        let height = (self.y + MARGIN_DOTS).max(self.dots.len() / self.width).min(MAX_HEIGHT_DOTS);
        // 8-bit grayscale (0 black, 255 white): the form every viewer and webview decodes;
        // deflate keeps it small (about 15 KB for an 80 mm receipt).
        let mut packed = Vec::with_capacity(self.width * height);
        for y in 0..height {
            let row = self.dots.get(y * self.width..(y + 1) * self.width).unwrap_or(&[]);
            packed.extend(row.iter().map(|dot| if *dot == 1 { 0u8 } else { 255 }));
            packed.resize((y + 1) * self.width, 255);
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        // Encoding into memory fails only on inconsistent sizes, which `packed` cannot have.
        let written = encoder.write_header().and_then(|mut w| w.write_image_data(&packed).and_then(|()| w.finish()));
        debug_assert!(written.is_ok(), "PNG encoding into memory: {written:?}");
        out
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;

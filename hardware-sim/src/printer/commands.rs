//! The commands the simulated printer knows, one function per command family, each
//! doc-commented with its ESC/POS reference section. `Step::More` means the command is not
//! complete yet; the reader then keeps its bytes for the next chunk.

use super::{
    Align, Block, MAX_RASTER_HEIGHT_DOTS, MAX_RASTER_WIDTH_BYTES, ParseError, QrLevel, Reader, Settings, Step,
};
use ringup_devices::escpos::cp858;

/// `GS k` function A data is NUL-terminated; no symbology takes more than 255 characters.
const MAX_BARCODE_BYTES: usize = 255;

impl Reader {
    pub(super) fn esc(&mut self, b: &[u8], offset: usize, out: &mut Vec<Block>) -> Result<Step, ParseError> {
        need!(b, 2);
        match b[1] {
            b'@' => {
                // ESC @ clears the print buffer too, so a half line is never printed.
                self.settings = Settings::default();
                self.text.clear();
                Ok(Step::Used(2))
            }
            b't' => {
                need!(b, 3);
                if b[2] != cp858::SELECT_CP858[2] {
                    return self.out_of_range(offset, "only code page 19 (CP858) is simulated", 3);
                }
                Ok(Step::Used(3))
            }
            b'a' => {
                need!(b, 3);
                self.settings.style.align = match b[2] {
                    0 | 48 => Align::Left,
                    1 | 49 => Align::Center,
                    2 | 50 => Align::Right,
                    _ => return self.out_of_range(offset, "ESC a takes 0-2 or 48-50", 3),
                };
                Ok(Step::Used(3))
            }
            b'E' => {
                need!(b, 3);
                self.settings.style.bold = b[2] & 1 == 1;
                Ok(Step::Used(3))
            }
            b'd' => {
                need!(b, 3);
                // ESC d n prints the line buffer and feeds n lines; printing the line is the
                // first of them.
                let lines = b[2];
                if self.text.is_empty() {
                    out.push(Block::Feed { lines });
                } else {
                    self.end_line(out);
                    if lines > 1 {
                        out.push(Block::Feed { lines: lines - 1 });
                    }
                }
                Ok(Step::Used(3))
            }
            b'p' => {
                need!(b, 5);
                let (pin, t1, t2) = (b[2], b[3], b[4]);
                out.push(Block::DrawerPulse { pin, on_ms: u16::from(t1) * 2, off_ms: u16::from(t2) * 2 });
                Ok(Step::Used(5))
            }
            _ => self.unknown(b, 2, offset),
        }
    }

    pub(super) fn gs(&mut self, b: &[u8], offset: usize, out: &mut Vec<Block>) -> Result<Step, ParseError> {
        need!(b, 2);
        match b[1] {
            b'!' => {
                need!(b, 3);
                let (width, height) = ((b[2] >> 4) + 1, (b[2] & 0x0F) + 1);
                if width > 8 || height > 8 {
                    return self.out_of_range(offset, "GS ! sizes are 1-8", 3);
                }
                (self.settings.style.width, self.settings.style.height) = (width, height);
                Ok(Step::Used(3))
            }
            b'h' | b'w' | b'H' | b'f' => {
                need!(b, 3);
                self.barcode_setting(b[1], b[2], offset)
            }
            b'V' => {
                need!(b, 3);
                let m = b[2];
                if !matches!(m, 0 | 1 | 48 | 49 | 65 | 66) {
                    return self.out_of_range(offset, "GS V takes 0, 1, 48, 49, 65 or 66", 3);
                }
                let len = if m >= 65 { 4 } else { 3 };
                need!(b, len);
                self.flush_text(out);
                out.push(Block::Cut { partial: m == 1 || m == 49 || m == 66 });
                Ok(Step::Used(len))
            }
            b'k' => self.barcode(b, offset, out),
            b'(' => self.framed(b, offset, out),
            b'v' => self.raster(b, offset, out),
            _ => self.unknown(b, 2, offset),
        }
    }

    fn barcode_setting(&mut self, command: u8, n: u8, offset: usize) -> Result<Step, ParseError> {
        let s = &mut self.settings;
        match command {
            b'h' if n >= 1 => s.barcode_height_dots = n,
            b'w' if (1..=6).contains(&n) => s.barcode_module_dots = n,
            b'H' if matches!(n, 0..=3 | 48..=51) => s.hri_below = matches!(n % 48, 2 | 3),
            b'f' if matches!(n, 0..=1 | 48..=49) => {}
            _ => return self.out_of_range(offset, "barcode setting out of range", 3),
        }
        Ok(Step::Used(3))
    }

    /// `GS k m d1..dk NUL` (function A, m 0-6) or `GS k m n d1..dn` (function B, m 65-79).
    fn barcode(&mut self, b: &[u8], offset: usize, out: &mut Vec<Block>) -> Result<Step, ParseError> {
        need!(b, 3);
        let system = b[2];
        let (raw, used) = match system {
            // Longer data is refused whether its NUL is already here or not yet: the answer
            // must not depend on where the stream was split (found by `cargo xtask fuzz`).
            0..=6 => match b[3..].iter().position(|c| *c == 0) {
                Some(n) if n <= MAX_BARCODE_BYTES => (&b[3..3 + n], 3 + n + 1),
                None if b.len() - 3 <= MAX_BARCODE_BYTES => return Ok(Step::More),
                _ => return self.out_of_range(offset, "barcode data without its NUL", 3),
            },
            65..=79 => {
                need!(b, 4);
                let n = usize::from(b[3]);
                need!(b, 4 + n);
                (&b[4..4 + n], 4 + n)
            }
            _ => return self.unknown(b, 3, offset),
        };
        let data = if system == 73 {
            match code128_text(raw) {
                Some(text) => text,
                None => {
                    return self.out_of_range(offset, "CODE128 data must start with {A, {B or {C", used);
                }
            }
        } else {
            String::from_utf8_lossy(raw).into_owned()
        };
        self.flush_text(out);
        let s = &self.settings;
        out.push(Block::Barcode {
            system,
            data,
            module_dots: s.barcode_module_dots,
            height_dots: s.barcode_height_dots,
            hri_below: s.hri_below,
            align: s.style.align,
        });
        Ok(Step::Used(used))
    }

    /// `GS ( x pL pH ...`: every such command carries its length, so even an unknown one can
    /// be skipped whole.
    fn framed(&mut self, b: &[u8], offset: usize, out: &mut Vec<Block>) -> Result<Step, ParseError> {
        need!(b, 5);
        let len = 5 + usize::from(b[3]) + 256 * usize::from(b[4]);
        need!(b, len);
        let body = &b[5..len];
        let s = &mut self.settings;
        match (b[2], body) {
            // cn 49 = QR code: fn 65 model, 67 module size, 69 error level, 80 store, 81 print.
            (b'k', [49, 65, 49..=50, 0]) => {}
            (b'k', [49, 67, n @ 1..=16]) => s.qr_module_dots = *n,
            (b'k', [49, 69, n @ 48..=51]) => {
                s.qr_level = [QrLevel::L, QrLevel::M, QrLevel::Q, QrLevel::H][usize::from(n - 48)]
            }
            (b'k', [49, 80, 48, data @ ..]) => s.qr_data = String::from_utf8_lossy(data).into_owned(),
            (b'k', [49, 81, 48]) => {
                let (data, module_dots, level, align) =
                    (std::mem::take(&mut s.qr_data), s.qr_module_dots, s.qr_level, s.style.align);
                self.flush_text(out);
                out.push(Block::Qr { data, module_dots, level, align });
            }
            (b'H', [48, 48, id @ ..]) if id.len() == 4 => {
                if !id.iter().all(u8::is_ascii_digit) {
                    return self.out_of_range(offset, "a process id is four digits 0x30-0x39", len);
                }
                out.push(Block::ProcessId { id: [id[0], id[1], id[2], id[3]] });
            }
            _ if self.strict => return self.unknown(b, len.min(8), offset),
            _ => {}
        }
        Ok(Step::Used(len))
    }

    /// `GS v 0 m xL xH yL yH d1..dk` (ESC/POS reference, GS v 0): width in bytes, height in
    /// dots; m = 0 normal, 1 double width, 2 double height, 3 both (or 48-51).
    fn raster(&mut self, b: &[u8], offset: usize, out: &mut Vec<Block>) -> Result<Step, ParseError> {
        need!(b, 3);
        if b[2] != b'0' {
            return self.unknown(b, 3, offset);
        }
        need!(b, 8);
        let m = b[3];
        let width_bytes = usize::from(b[4]) + 256 * usize::from(b[5]);
        let height_dots = usize::from(b[6]) + 256 * usize::from(b[7]);
        if !matches!(m, 0..=3 | 48..=51) {
            return self.out_of_range(offset, "GS v 0 mode is 0-3 or 48-51", 8);
        }
        if !(1..=MAX_RASTER_WIDTH_BYTES).contains(&width_bytes) || !(1..=MAX_RASTER_HEIGHT_DOTS).contains(&height_dots)
        {
            return self.out_of_range(offset, "GS v 0 size out of range", 8);
        }
        let len = 8 + width_bytes * height_dots;
        need!(b, len);
        let (double_width, double_height) = ((m % 48) & 1 == 1, (m % 48) & 2 == 2);
        let mut bits = Vec::with_capacity(width_bytes * height_dots * 4);
        for row in b[8..len].chunks(width_bytes) {
            let wide: Vec<u8> =
                if double_width { row.iter().flat_map(|byte| widen(*byte)).collect() } else { row.to_vec() };
            bits.extend_from_slice(&wide);
            if double_height {
                bits.extend_from_slice(&wide);
            }
        }
        let factor = |double: bool| if double { 2 } else { 1 };
        self.flush_text(out);
        out.push(Block::Raster {
            width_dots: u32::try_from(width_bytes * 8 * factor(double_width)).unwrap_or(u32::MAX),
            height_dots: u32::try_from(height_dots * factor(double_height)).unwrap_or(u32::MAX),
            bits,
            align: self.settings.style.align,
        });
        Ok(Step::Used(len))
    }

    pub(super) fn dle(&mut self, b: &[u8], offset: usize, out: &mut Vec<Block>) -> Result<Step, ParseError> {
        need!(b, 3);
        match (b[1], b[2]) {
            (0x04, n @ 1..=4) => {
                out.push(Block::StatusRequest { n });
                Ok(Step::Used(3))
            }
            (0x14, 1) => {
                // DLE DC4 fn=1 m t: a drawer pulse in real time, t × 100 ms on and off.
                need!(b, 5);
                let (pin, t) = (b[3], b[4]);
                if !matches!(pin, 0 | 1) || !(1..=8).contains(&t) {
                    return self.out_of_range(offset, "DLE DC4 1 takes m 0-1 and t 1-8", 5);
                }
                out.push(Block::RealtimePulse { pin, on_ms: u16::from(t) * 100 });
                Ok(Step::Used(5))
            }
            (0x14, 8) => {
                need!(b, 10);
                if b[3..10] != [1, 3, 20, 1, 6, 2, 8] {
                    return self.unknown(b, 10, offset);
                }
                // Clearing the buffers drops the line not yet printed.
                self.text.clear();
                out.push(Block::ClearBuffer);
                Ok(Step::Used(10))
            }
            _ => self.unknown(b, 3, offset),
        }
    }
}

/// One byte of a double-width raster row: each dot becomes two.
fn widen(byte: u8) -> [u8; 2] {
    let mut wide: u16 = 0;
    for bit in 0..8 {
        if byte & (0x80 >> bit) != 0 {
            wide |= 0xC000 >> (2 * bit);
        }
    }
    wide.to_be_bytes()
}

/// CODE128 data as sent with `GS k 73`: a code-set selector (`{A`, `{B`, `{C`) first, then
/// characters, where `{` starts an escape (set change, shift, FNC1-4, or `{{` for `{`). In set
/// C each byte is a pair of digits (0-99). Returns the human-readable text, or `None` when the
/// data does not start with a code set.
pub fn code128_text(raw: &[u8]) -> Option<String> {
    let (mut set, mut rest) = match raw {
        [b'{', s @ (b'A' | b'B' | b'C'), rest @ ..] => (*s, rest),
        _ => return None,
    };
    let mut text = String::new();
    while let Some((&c, tail)) = rest.split_first() {
        rest = tail;
        if c == b'{' {
            let Some((&e, tail)) = rest.split_first() else { break };
            rest = tail;
            match e {
                b'A' | b'B' | b'C' => set = e,
                b'{' => text.push('{'),
                _ => {} // shift and FNC1-4 print nothing readable.
            }
        } else if set == b'C' {
            text.push_str(&format!("{:02}", c.min(99)));
        } else {
            text.push(char::from(c));
        }
    }
    Some(text)
}

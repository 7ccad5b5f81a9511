//! The simulated receipt printer's reading of an ESC/POS byte stream: it turns what a driver
//! sent into a document of lines with their styles, images, codes, cuts and drawer pulses, so
//! a test (or a person, through [`crate::render`]) can check what would have come out of the
//! printer. Unknown commands are an error in strict mode, so a driver cannot quietly send
//! something a real printer would misread.
//!
//! [`Reader`] reads a stream chunk by chunk, as bytes arrive on a serial line: a command cut
//! anywhere between two chunks is kept until it is complete, so the blocks never depend on
//! where the line happened to split the stream. [`parse`] reads a whole job at once.

use ringup_devices::escpos::cp858;

pub use commands::code128_text;

/// A text line longer than this is printed as it stands (a printer's line buffer is finite);
/// the bound keeps a stream without line feeds from growing the reader without end.
pub const MAX_LINE_BYTES: usize = 4096;
/// `GS v 0` limits: the reference allows yH ≤ 8 (2303 dots); 255 bytes is wider than any paper.
pub const MAX_RASTER_WIDTH_BYTES: usize = 255;
pub const MAX_RASTER_HEIGHT_DOTS: usize = 2303;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// The print style in force when a line was printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    pub width: u8,
    pub height: u8,
    pub align: Align,
}

impl Default for Style {
    fn default() -> Self {
        Style { bold: false, width: 1, height: 1, align: Align::Left }
    }
}

/// QR error correction level (`GS ( k` function 169, cn 49 fn 69); the printer's default is L.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QrLevel {
    #[default]
    L,
    M,
    Q,
    H,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Line {
        text: String,
        style: Style,
    },
    /// A raster image (`GS v 0`), already scaled by its mode: packed rows of
    /// `width_dots / 8` bytes, most significant bit leftmost, 1 = black.
    Raster {
        width_dots: u32,
        height_dots: u32,
        bits: Vec<u8>,
        align: Align,
    },
    Qr {
        data: String,
        module_dots: u8,
        level: QrLevel,
        align: Align,
    },
    /// `data` is the human-readable text (for CODE128, the code-set escapes are resolved).
    Barcode {
        system: u8,
        data: String,
        module_dots: u8,
        height_dots: u8,
        hri_below: bool,
        align: Align,
    },
    Feed {
        lines: u8,
    },
    Cut {
        partial: bool,
    },
    DrawerPulse {
        pin: u8,
        on_ms: u16,
        off_ms: u16,
    },
    StatusRequest {
        n: u8,
    },
    /// `GS ( H` fn 48: answer [`process_id_response`] once everything before it is printed.
    ProcessId {
        id: [u8; 4],
    },
    /// `DLE DC4 1 m t`: a drawer pulse executed at once, even while the printer is stopped.
    RealtimePulse {
        pin: u8,
        on_ms: u16,
    },
    /// `DLE DC4 8`: the printer dropped everything buffered and answers [`CLEAR_RESPONSE`].
    ClearBuffer,
}

/// The printer's answer to `DLE DC4 fn=8` (ESC/POS reference, DLE DC4 fn=8: header 37h,
/// identifier 25h, NUL).
pub const CLEAR_RESPONSE: [u8; 3] = [0x37, 0x25, 0x00];

/// The printer's answer to a process id request (ESC/POS reference, GS ( H fn 48: header 37h,
/// identifier 22h, the four id bytes, NUL).
pub fn process_id_response(id: [u8; 4]) -> [u8; 7] {
    [0x37, 0x22, id[0], id[1], id[2], id[3], 0x00]
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("byte {offset}: unknown command {bytes:02x?}")]
    Unknown { offset: usize, bytes: Vec<u8> },
    #[error("byte {offset}: the command is cut short")]
    Truncated { offset: usize },
    #[error("byte {offset}: {what}")]
    OutOfRange { offset: usize, what: &'static str },
}

/// Settings that later commands use; `ESC @` puts them all back to the printer's defaults.
#[derive(Debug, Clone)]
struct Settings {
    style: Style,
    barcode_module_dots: u8,
    barcode_height_dots: u8,
    hri_below: bool,
    qr_module_dots: u8,
    qr_level: QrLevel,
    qr_data: String,
}

impl Default for Settings {
    fn default() -> Self {
        // GS w 3, GS h 162, GS H 0 and QR module size 3 are the reference's defaults.
        Settings {
            style: Style::default(),
            barcode_module_dots: 3,
            barcode_height_dots: 162,
            hri_below: false,
            qr_module_dots: 3,
            qr_level: QrLevel::L,
            qr_data: String::new(),
        }
    }
}

/// What one step of reading did: used `n` bytes, or needs more bytes than there are.
enum Step {
    Used(usize),
    More,
}

/// Returns `Step::More` from the enclosing function when `b` is shorter than `n` bytes.
macro_rules! need {
    ($b:expr, $n:expr) => {
        if $b.len() < $n {
            return Ok(Step::More);
        }
    };
}

// Declared after `need!` so the command functions can use it.
mod commands;

/// A streaming ESC/POS reader. Styles and settings persist across [`Reader::feed`] calls.
#[derive(Debug)]
pub struct Reader {
    strict: bool,
    settings: Settings,
    /// The start of a command that is not complete yet.
    held: Vec<u8>,
    /// The text of the line being printed (CP858 bytes).
    text: Vec<u8>,
    /// The stream offset of `held[0]`, so errors name the byte in the whole stream.
    offset: usize,
    /// A strict reader stops at the first bad command and keeps reporting it.
    failed: Option<ParseError>,
}

impl Reader {
    /// In strict mode an unknown or malformed command is an error. Otherwise reading goes on
    /// as a printer's would: an unknown command loses its first byte, and a known command
    /// with a parameter out of range is skipped whole.
    pub fn new(strict: bool) -> Reader {
        Reader { strict, settings: Settings::default(), held: Vec::new(), text: Vec::new(), offset: 0, failed: None }
    }

    /// Reads `bytes` and returns the blocks they complete. An incomplete command or text line
    /// is kept for the next call. After a strict error the reader stays stopped at the bad
    /// command and returns the same error on every call; blocks that the failing call had
    /// completed before it are not returned, so feed small chunks where they matter.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Block>, ParseError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut held = std::mem::take(&mut self.held);
        held.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut at = 0;
        let result = loop {
            if at == held.len() {
                break Ok(());
            }
            match self.step(&held[at..], self.offset + at, &mut out) {
                Ok(Step::Used(n)) => at += n,
                Ok(Step::More) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        held.drain(..at);
        self.held = held;
        self.offset += at;
        match result {
            Ok(()) => Ok(out),
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Bytes held for the next call: an incomplete command and the unfinished text line.
    pub fn pending(&self) -> usize {
        self.held.len() + self.text.len()
    }

    /// The end of the stream: an incomplete command is an error; an unfinished text line is
    /// printed as a line.
    pub fn finish(mut self) -> Result<Vec<Block>, ParseError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if !self.held.is_empty() {
            return Err(ParseError::Truncated { offset: self.offset });
        }
        let mut out = Vec::new();
        self.flush_text(&mut out);
        Ok(out)
    }

    fn step(&mut self, b: &[u8], offset: usize, out: &mut Vec<Block>) -> Result<Step, ParseError> {
        match b[0] {
            b'\n' => {
                self.end_line(out);
                Ok(Step::Used(1))
            }
            0x1B => self.esc(b, offset, out),
            0x1D => self.gs(b, offset, out),
            0x10 => self.dle(b, offset, out),
            c if c < 0x20 => self.unknown(b, 1, offset),
            _ => {
                let run = b.iter().take_while(|c| **c >= 0x20).count();
                let n = run.min(MAX_LINE_BYTES - self.text.len());
                self.text.extend_from_slice(&b[..n]);
                if self.text.len() == MAX_LINE_BYTES {
                    self.end_line(out);
                }
                Ok(Step::Used(n))
            }
        }
    }

    /// Prints the line buffer (even an empty one: a bare LF is an empty line).
    fn end_line(&mut self, out: &mut Vec<Block>) {
        out.push(Block::Line { text: cp858::decode(&self.text), style: self.settings.style });
        self.text.clear();
    }

    /// Commands that print something first print the text waiting in the line buffer.
    fn flush_text(&mut self, out: &mut Vec<Block>) {
        if !self.text.is_empty() {
            self.end_line(out);
        }
    }

    fn unknown(&self, b: &[u8], len: usize, offset: usize) -> Result<Step, ParseError> {
        self.reject(ParseError::Unknown { offset, bytes: b[..len.min(b.len())].to_vec() })
    }

    /// Strict mode fails; otherwise the first byte is dropped and reading goes on.
    fn reject(&self, e: ParseError) -> Result<Step, ParseError> {
        if self.strict { Err(e) } else { Ok(Step::Used(1)) }
    }

    /// A known command with a parameter out of range: strict mode fails; otherwise the
    /// command's `len` bytes are skipped, as a printer ignores it without printing its bytes.
    fn out_of_range(&self, offset: usize, what: &'static str, len: usize) -> Result<Step, ParseError> {
        if self.strict { Err(ParseError::OutOfRange { offset, what }) } else { Ok(Step::Used(len)) }
    }
}

/// Reads `bytes` into blocks. In strict mode an unknown command is an error; otherwise it is
/// skipped (one byte) and reading goes on.
pub fn parse(bytes: &[u8], strict: bool) -> Result<Vec<Block>, ParseError> {
    let mut reader = Reader::new(strict);
    let mut blocks = reader.feed(bytes)?;
    blocks.extend(reader.finish()?);
    Ok(blocks)
}

/// The document as plain text, one printed line per line, images, codes and cuts in brackets:
/// what a person sees on the paper.
pub fn to_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Line { text, .. } => out.push_str(text),
            Block::Raster { width_dots, height_dots, .. } => {
                out.push_str(&format!("[IMAGE {width_dots}x{height_dots}]"))
            }
            Block::Qr { data, .. } => out.push_str(&format!("[QR {data}]")),
            Block::Barcode { data, .. } => out.push_str(&format!("[BARCODE {data}]")),
            Block::Cut { partial } => out.push_str(if *partial { "[PARTIAL CUT]" } else { "[CUT]" }),
            Block::DrawerPulse { pin, .. } | Block::RealtimePulse { pin, .. } => {
                out.push_str(&format!("[DRAWER PIN {pin}]"));
            }
            Block::Feed { .. } | Block::StatusRequest { .. } | Block::ProcessId { .. } | Block::ClearBuffer => continue,
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[path = "printer_tests.rs"]
pub(crate) mod tests;

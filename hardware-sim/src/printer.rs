//! The simulated receipt printer's reading of an ESC/POS byte stream: it turns what a driver
//! sent into a document of lines with their styles, codes, cuts and drawer pulses, so a test
//! (or a person) can check what would have come out of the printer. Unknown commands are an
//! error in strict mode, so a driver cannot quietly send something a real printer would
//! misread.

use ringup_devices::escpos::cp858;

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Line { text: String, style: Style },
    Qr { data: String },
    Barcode { system: u8, data: String },
    Feed { lines: u8 },
    Cut { partial: bool },
    DrawerPulse { pin: u8, on_ms: u16, off_ms: u16 },
    StatusRequest { n: u8 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("byte {offset}: unknown command {bytes:02x?}")]
    Unknown { offset: usize, bytes: Vec<u8> },
    #[error("byte {offset}: the command is cut short")]
    Truncated { offset: usize },
}

/// Reads `bytes` into blocks. In strict mode an unknown command is an error; otherwise it is
/// skipped (one byte) and reading goes on.
pub fn parse(bytes: &[u8], strict: bool) -> Result<Vec<Block>, ParseError> {
    let mut out = Vec::new();
    let mut style = Style::default();
    let mut text: Vec<u8> = Vec::new();
    let mut qr_data = String::new();
    let mut i = 0;
    let need =
        |i: usize, n: usize| if i + n <= bytes.len() { Ok(()) } else { Err(ParseError::Truncated { offset: i }) };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                out.push(Block::Line { text: cp858::decode(&text), style });
                text.clear();
                i += 1;
            }
            0x1B => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'@' => {
                        style = Style::default();
                        i += 2;
                    }
                    b't' | b'a' | b'E' | b'd' => {
                        need(i, 3)?;
                        let n = bytes[i + 2];
                        match bytes[i + 1] {
                            b'a' => style.align = [Align::Left, Align::Center, Align::Right][usize::from(n.min(2))],
                            b'E' => style.bold = n & 1 == 1,
                            b'd' => out.push(Block::Feed { lines: n }),
                            _ => {}
                        }
                        i += 3;
                    }
                    b'p' => {
                        need(i, 5)?;
                        let (pin, t1, t2) = (bytes[i + 2], bytes[i + 3], bytes[i + 4]);
                        out.push(Block::DrawerPulse { pin, on_ms: u16::from(t1) * 2, off_ms: u16::from(t2) * 2 });
                        i += 5;
                    }
                    _ => unknown(&mut i, bytes, 2, strict)?,
                }
            }
            0x1D => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'!' => {
                        need(i, 3)?;
                        style.width = (bytes[i + 2] >> 4) + 1;
                        style.height = (bytes[i + 2] & 0x0F) + 1;
                        i += 3;
                    }
                    b'h' | b'H' | b'w' | b'f' => {
                        need(i, 3)?;
                        i += 3;
                    }
                    b'V' => {
                        need(i, 3)?;
                        let m = bytes[i + 2];
                        let partial = m == 1 || m == 49 || m == 66;
                        let len = if m >= 65 { 4 } else { 3 };
                        need(i, len)?;
                        out.push(Block::Cut { partial });
                        i += len;
                    }
                    b'k' => {
                        need(i, 4)?;
                        let (system, n) = (bytes[i + 2], usize::from(bytes[i + 3]));
                        need(i, 4 + n)?;
                        let raw = &bytes[i + 4..i + 4 + n];
                        // CODE128 data starts with its code-set selector ("{B").
                        let data = if system == 73 && raw.starts_with(b"{") { &raw[2.min(raw.len())..] } else { raw };
                        out.push(Block::Barcode { system, data: String::from_utf8_lossy(data).into_owned() });
                        i += 4 + n;
                    }
                    b'(' => {
                        need(i, 5)?;
                        if bytes[i + 2] != b'k' {
                            unknown(&mut i, bytes, 3, strict)?;
                            continue;
                        }
                        let len = usize::from(bytes[i + 3]) + 256 * usize::from(bytes[i + 4]);
                        need(i, 5 + len)?;
                        let body = &bytes[i + 5..i + 5 + len];
                        // cn 49 = QR code; fn 80 stores the data (after m = 48), fn 81 prints it.
                        match body {
                            [49, 80, 48, data @ ..] => qr_data = String::from_utf8_lossy(data).into_owned(),
                            [49, 81, ..] => out.push(Block::Qr { data: std::mem::take(&mut qr_data) }),
                            _ => {}
                        }
                        i += 5 + len;
                    }
                    _ => unknown(&mut i, bytes, 2, strict)?,
                }
            }
            0x10 => {
                need(i, 3)?;
                if bytes[i + 1] == 0x04 {
                    out.push(Block::StatusRequest { n: bytes[i + 2] });
                    i += 3;
                } else {
                    unknown(&mut i, bytes, 2, strict)?;
                }
            }
            b if b < 0x20 => unknown(&mut i, bytes, 1, strict)?,
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        out.push(Block::Line { text: cp858::decode(&text), style });
    }
    Ok(out)
}

fn unknown(i: &mut usize, bytes: &[u8], len: usize, strict: bool) -> Result<(), ParseError> {
    if strict {
        let end = (*i + len).min(bytes.len());
        return Err(ParseError::Unknown { offset: *i, bytes: bytes[*i..end].to_vec() });
    }
    *i += 1;
    Ok(())
}

/// The document as plain text, one printed line per line, codes and cuts in brackets: what a
/// person sees on the paper.
pub fn to_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Line { text, .. } => out.push_str(text),
            Block::Qr { data } => out.push_str(&format!("[QR {data}]")),
            Block::Barcode { data, .. } => out.push_str(&format!("[BARCODE {data}]")),
            Block::Cut { partial } => out.push_str(if *partial { "[PARTIAL CUT]" } else { "[CUT]" }),
            Block::DrawerPulse { pin, .. } => out.push_str(&format!("[DRAWER PIN {pin}]")),
            Block::Feed { .. } | Block::StatusRequest { .. } => continue,
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[path = "printer_tests.rs"]
mod tests;

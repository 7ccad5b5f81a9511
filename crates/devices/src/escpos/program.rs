//! A print job as bytes, built on the `escpos` crate's encoder. Where escpos 0.20 sends wrong
//! bytes, the correct sequence is sent instead and pinned by a byte-exact test:
//! - drawer kick: escpos sends `ESC p m` without the two pulse times, and the printer then
//!   swallows the next command; we send `ESC p m t1 t2` (ESC/POS reference, ESC p);
//! - real-time status: escpos appends a stray byte; we send `DLE EOT n` (ESC/POS, DLE EOT);
//! - line ends: escpos's `writeln` ends lines with `ESC d 1`; we end them with LF;
//! - partial cut: escpos's `partial_cut` sends `GS V 65 1`, which is function B's FULL cut
//!   (after a 1-dot feed); a partial cut is `GS V 66 n` (ESC/POS reference, GS V).

use super::cp858;
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use std::cell::RefCell;
use std::rc::Rc;

/// Drawer kick on connector pin 2: pulse on 50 ms (t1 = 25 × 2 ms), off 500 ms (t2 = 250 × 2 ms).
pub const DRAWER_KICK_PIN2: [u8; 5] = [0x1B, 0x70, 0x00, 25, 250];

/// `GS V 66 0`: function B partial cut (one hinge left), no extra feed.
pub const PARTIAL_CUT: [u8; 4] = [0x1D, 0x56, 66, 0];

/// `DLE EOT n`: ask for printer status (1), offline cause (2), error cause (3), paper (4).
pub fn status_request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the print job could not be built: {0}")]
pub struct ProgramError(String);

/// An escpos driver that keeps the bytes instead of sending them: the job is built first and
/// sent by our own async transport, bounded in time like every other device call.
#[derive(Clone, Default)]
struct Collect(Rc<RefCell<Vec<u8>>>);

impl Driver for Collect {
    fn name(&self) -> String {
        "collect".into()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Builds one print job. Every method appends; [`Program::finish`] returns the bytes.
pub struct Program {
    printer: Printer<Collect>,
    sink: Collect,
}

fn err(e: impl std::fmt::Display) -> ProgramError {
    ProgramError(e.to_string())
}

impl Program {
    /// A job that starts from a reset printer with the CP858 code page selected.
    pub fn new() -> Result<Program, ProgramError> {
        let sink = Collect::default();
        let mut printer = Printer::new(sink.clone(), Protocol::default(), None);
        printer.init().map_err(err)?;
        printer.custom(&cp858::SELECT_CP858).map_err(err)?;
        Ok(Program { printer, sink })
    }

    pub fn align(&mut self, align: Align) -> Result<&mut Self, ProgramError> {
        let mode = match align {
            Align::Left => JustifyMode::LEFT,
            Align::Center => JustifyMode::CENTER,
            Align::Right => JustifyMode::RIGHT,
        };
        self.printer.justify(mode).map_err(err)?;
        Ok(self)
    }

    pub fn bold(&mut self, on: bool) -> Result<&mut Self, ProgramError> {
        self.printer.bold(on).map_err(err)?;
        Ok(self)
    }

    /// Character size, 1–8 times wide and high.
    pub fn size(&mut self, width: u8, height: u8) -> Result<&mut Self, ProgramError> {
        self.printer.size(width, height).map_err(err)?;
        Ok(self)
    }

    /// One line of text in CP858, ended with LF.
    pub fn line(&mut self, text: &str) -> Result<&mut Self, ProgramError> {
        let mut bytes = cp858::encode(text);
        bytes.retain(|b| *b != b'\n');
        bytes.push(b'\n');
        self.printer.custom(&bytes).map_err(err)?;
        Ok(self)
    }

    pub fn qr(&mut self, data: &str) -> Result<&mut Self, ProgramError> {
        let option = QRCodeOption::new(QRCodeModel::Model2, 6, QRCodeCorrectionLevel::M);
        self.printer.qrcode_option(data, option).map_err(err)?;
        Ok(self)
    }

    /// A CODE128 barcode (code set B), e.g. the receipt id for returns. Written out because
    /// escpos 0.20 has no CODE128: `GS k 73 n {B data` (ESC/POS reference, GS k, function B),
    /// with height 80 dots and the text printed below.
    pub fn code128(&mut self, data: &str) -> Result<&mut Self, ProgramError> {
        if data.is_empty() || data.len() > 253 || !data.bytes().all(|b| (0x20..0x7F).contains(&b)) {
            return Err(ProgramError(format!("{data:?} cannot be a CODE128 (printable ASCII, 1-253 chars)")));
        }
        let mut cmd = vec![0x1D, 0x68, 80, 0x1D, 0x48, 2, 0x1D, 0x6B, 73];
        cmd.push(u8::try_from(data.len() + 2).map_err(err)?);
        cmd.extend_from_slice(b"{B");
        cmd.extend_from_slice(data.as_bytes());
        self.printer.custom(&cmd).map_err(err)?;
        Ok(self)
    }

    pub fn drawer_kick(&mut self) -> Result<&mut Self, ProgramError> {
        self.printer.custom(&DRAWER_KICK_PIN2).map_err(err)?;
        Ok(self)
    }

    /// Feeds past the cutter and cuts (partially, leaving a hinge the customer tears).
    pub fn cut(&mut self) -> Result<&mut Self, ProgramError> {
        self.printer.feeds(4).map_err(err)?.custom(&PARTIAL_CUT).map_err(err)?;
        Ok(self)
    }

    pub fn finish(mut self) -> Result<Vec<u8>, ProgramError> {
        self.printer.print().map_err(err)?;
        Ok(self.sink.0.take())
    }

    /// A raster image (the store's logo) as `GS v 0`, placed by the current alignment. The
    /// escpos crate's own image support needs its `graphics` feature and the `image` crate;
    /// [`super::raster::Bitmap`] already holds the dots, so its bytes go out as they are.
    pub fn image(&mut self, bitmap: &super::raster::Bitmap) -> Result<&mut Self, ProgramError> {
        self.printer.custom(&bitmap.gs_v_0()).map_err(err)?;
        Ok(self)
    }
}

#[cfg(test)]
#[path = "program_tests.rs"]
mod tests;

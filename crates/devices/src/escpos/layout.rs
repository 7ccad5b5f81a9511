//! A receipt as an ESC/POS job: the domain's receipt model, laid out for the paper width, with
//! the store name and the total in large type, a QR code carrying the sale id and journal hash,
//! a CODE128 of the receipt number for returns, and the cut.

use super::program::{Align, Program, ProgramError};
use super::raster::Bitmap;
use ringup_domain::receipt::{Receipt, ReceiptKind};

/// Paper widths in characters of the printer's standard font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 58 mm paper: 32 columns.
    Mm58,
    /// 80 mm paper: 48 columns (42 on printers with a wider font).
    Mm80,
}

impl Paper {
    pub fn columns(&self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 => 48,
        }
    }
}

/// What the QR code on a receipt says: enough to find the sale and check it against the
/// journal, nothing personal.
pub fn qr_payload(receipt: &Receipt) -> String {
    let hash = &receipt.meta.journal_hash_hex[..receipt.meta.journal_hash_hex.len().min(16)];
    format!("ringup:{}:{}:{}", receipt.sale_id.simple(), receipt.meta.receipt_no, hash)
}

/// The receipt's number as the returns desk scans it.
pub fn return_code(receipt: &Receipt) -> String {
    format!("{}-{}", receipt.meta.register_id, receipt.meta.receipt_no)
}

impl Paper {
    /// The printable width in dots (8 dots a millimetre): what a logo may be wide.
    pub fn width_dots(&self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }
}

/// Lays `receipt` out for `paper`, with the store's `logo` on top. The text is the domain's
/// own rendering, so the screen, the e-mail and the paper say the same thing; styles and codes
/// are added around it.
pub fn receipt_job(receipt: &Receipt, paper: Paper, logo: Option<&Bitmap>) -> Result<Vec<u8>, ProgramError> {
    let text = receipt.render_text(paper.columns());
    let mut job = Program::new()?;
    if let Some(logo) = logo.filter(|l| l.width_dots() <= paper.width_dots()) {
        job.align(Align::Center)?.image(logo)?.align(Align::Left)?;
    }
    // The marks the domain puts first: COPY, then REFUND; each printed large.
    let marks = usize::from(receipt.meta.copy) + usize::from(matches!(receipt.kind, ReceiptKind::Refund { .. }));
    for (index, line) in text.lines().enumerate() {
        let is_mark = index < marks;
        let is_store_name = line.trim() == receipt.meta.header.name;
        let is_total = line.starts_with("TOTAL ");
        if is_mark || is_store_name {
            // Double width only where the line still fits the paper; double height always.
            let width = if line.trim().chars().count() * 2 <= paper.columns() { 2 } else { 1 };
            job.align(Align::Center)?.bold(true)?.size(width, 2)?.line(line.trim())?;
            job.size(1, 1)?.bold(false)?.align(Align::Left)?;
        } else if is_total {
            job.bold(true)?.size(1, 2)?.line(line)?.size(1, 1)?.bold(false)?;
        } else {
            job.line(line)?;
        }
    }
    job.align(Align::Center)?.qr(&qr_payload(receipt))?.code128(&return_code(receipt))?.align(Align::Left)?.cut()?;
    job.finish()
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;

//! The printer test page a technician prints when setting a printer up: every style receipts
//! use (bold, double width, double height, both, each alignment), every printable character of
//! code page 858 that a European receipt may carry, a column ruler as wide as the paper, a QR
//! code and a CODE128 barcode, then the cut. If each reads right on paper, receipts will too.

use super::layout::Paper;
use super::program::{Align, Program, ProgramError};

/// The code page's letters and signs, line by line, each line at most 32 characters (58 mm).
pub const CODE_PAGE_LINES: [&str; 6] = [
    "€ £ ¥ ¢ ¤ ß µ § ° ± ² ³ ½ ¼ ¾ ©",
    "ÄÖÜ äöü àáâãåæ ç èéêë ìíîï ñ",
    "òóôõø ùúû ý ÿ ð þ",
    "ÀÁÂÃÅÆ Ç ÈÉÊË ÌÍÎÏ Ñ ÒÓÔÕØ ÙÚÛ Ý",
    "« » ¿ ¡ ª º ¬ ¦ × ÷ ¶ ·",
    "┌─┬─┐ │ ├─┼─┤ └─┴─┘ ░▒▓█ ▄▀■",
];

/// What the page says about where it was printed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPageInfo {
    /// The register the page came from (`R1`).
    pub register_id: String,
    /// Where the printer is (`serial:/dev/ttyUSB0:9600`).
    pub place: String,
    /// When, as the store's clock writes it.
    pub printed_at: String,
}

/// What the page's QR code says.
pub fn test_qr_payload(info: &TestPageInfo) -> String {
    format!("ringup:test:{}", info.register_id)
}

/// What the page's barcode says.
pub fn test_barcode(info: &TestPageInfo) -> String {
    format!("TEST-{}", info.register_id)
}

/// A ruler of `columns` characters: `1234567890` repeated, so a line that wraps or is cut short
/// shows at once.
pub fn ruler(columns: usize) -> String {
    (1..=columns).map(|i| char::from(b'0' + u8::try_from(i % 10).unwrap_or(0))).collect()
}

/// The test page as an ESC/POS job for `paper`.
pub fn test_page_job(info: &TestPageInfo, paper: Paper) -> Result<Vec<u8>, ProgramError> {
    let mut job = Program::new()?;
    job.align(Align::Center)?.bold(true)?.size(2, 2)?.line("TEST PAGE")?.size(1, 1)?.bold(false)?;
    job.line(&format!("Register {}", info.register_id))?.line(&info.place)?.line(&info.printed_at)?;
    job.align(Align::Left)?.line("")?.line("Styles")?;
    job.line("Normal text")?;
    job.bold(true)?.line("Bold text")?.bold(false)?;
    job.size(2, 1)?.line("Double width")?.size(1, 2)?.line("Double height")?.size(2, 2)?.line("Double")?;
    job.size(1, 1)?;
    job.line("Left")?.align(Align::Center)?.line("Centre")?.align(Align::Right)?.line("Right")?.align(Align::Left)?;
    job.line("")?.line("Code page 858")?;
    for line in CODE_PAGE_LINES {
        job.line(line)?;
    }
    job.line("")?.line(&format!("{} columns", paper.columns()))?.line(&ruler(paper.columns()))?;
    job.line("")?.align(Align::Center)?.qr(&test_qr_payload(info))?.code128(&test_barcode(info))?;
    job.line("")?.line("If every line reads right,")?.line("the printer is set up.")?.align(Align::Left)?.cut()?;
    job.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escpos::cp858;

    fn info() -> TestPageInfo {
        TestPageInfo {
            register_id: "R1".into(),
            place: "serial:/dev/ttyUSB0:9600".into(),
            printed_at: "2026-11-22 20:15".into(),
        }
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn every_character_of_the_code_page_lines_is_in_cp858_and_fits_58mm() {
        for line in CODE_PAGE_LINES {
            assert!(line.chars().count() <= Paper::Mm58.columns(), "{line:?} is wider than 58 mm paper");
            let bytes = cp858::encode(line);
            assert_eq!(bytes.len(), line.chars().count(), "one byte a character: {line:?}");
            assert_eq!(cp858::decode(&bytes), line, "{line:?} has a character CP858 lacks");
        }
    }

    #[test]
    fn the_page_carries_styles_code_page_ruler_codes_and_a_cut() {
        for paper in [Paper::Mm58, Paper::Mm80] {
            let job = test_page_job(&info(), paper).expect("job");
            assert!(job.starts_with(&[0x1B, 0x40]), "starts from a reset printer");
            assert!(contains(&job, &cp858::SELECT_CP858));
            assert!(contains(&job, &[0x1B, 0x45, 1]), "bold on");
            assert!(contains(&job, &[0x1D, 0x21, 0x10]), "double width");
            assert!(contains(&job, &[0x1D, 0x21, 0x01]), "double height");
            assert!(contains(&job, &[0x1D, 0x21, 0x11]), "double width and height");
            for n in [0, 1, 2] {
                assert!(contains(&job, &[0x1B, 0x61, n]), "alignment {n}");
            }
            for line in CODE_PAGE_LINES {
                assert!(contains(&job, &cp858::encode(line)), "{line:?}");
            }
            let mut ruler_line = ruler(paper.columns()).into_bytes();
            ruler_line.push(b'\n');
            assert!(contains(&job, &ruler_line), "the ruler is as wide as the paper");
            assert!(contains(&job, b"ringup:test:R1"), "QR data");
            assert!(contains(&job, b"{BTEST-R1"), "CODE128 data");
            assert!(contains(&job, b"serial:/dev/ttyUSB0:9600\n"), "where it was printed from");
            assert!(job.ends_with(&crate::escpos::program::PARTIAL_CUT), "ends with the cut");
        }
    }

    #[test]
    fn the_ruler_counts_columns() {
        assert_eq!(ruler(12), "123456789012");
        assert_eq!(ruler(48).len(), 48);
    }
}

//! A report as a PDF: the printed report's lines on A4 pages in Courier, one of the fonts
//! every PDF reader has (nothing embedded). pdf-writer builds the file; the only thing done by
//! hand is turning text into the font's WinAnsi bytes, which pdf-writer leaves to its caller.
#![allow(clippy::float_arithmetic)] // page geometry in points; no money is involved.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FONT_SIZE: f32 = 9.0;
const LEADING: f32 = 11.0;

/// Lines that fit on one page.
pub const LINES_PER_PAGE: usize = ((PAGE_HEIGHT - 2.0 * MARGIN) / LEADING) as usize;

/// `text` in WinAnsiEncoding (Windows-1252): ASCII and Latin-1 as they are, the euro sign and
/// the ellipsis at their places, anything else as "?".
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '…' => 0x85,
            c if (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// The PDF of `lines` (as `report_text` makes them), titled `title`, with page numbers.
pub fn report_pdf(title: &str, lines: &[String]) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let font_id = Ref::new(3);
    let info_id = Ref::new(4);
    let font_name = Name(b"F1");
    let pages: Vec<&[String]> = if lines.is_empty() { vec![&[]] } else { lines.chunks(LINES_PER_PAGE).collect() };
    // Each page takes two ids: the page and its content stream.
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(5 + 2 * i32::try_from(i).unwrap_or(0))).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id).kids(page_ids.iter().copied()).count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    pdf.type1_font(font_id).base_font(Name(b"Courier")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info_id).title(TextStr(title)).producer(TextStr("Ringup"));
    for (index, (page_lines, page_id)) in pages.iter().zip(&page_ids).enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(tree_id).contents(content_id);
        page.resources().fonts().pair(font_name, font_id);
        page.finish();

        let mut content = Content::new();
        content.begin_text();
        content.set_font(font_name, FONT_SIZE);
        content.set_leading(LEADING);
        content.next_line(MARGIN, PAGE_HEIGHT - MARGIN);
        for line in page_lines.iter() {
            content.show(Str(&win_ansi(line)));
            content.next_line_using_leading();
        }
        content.end_text();
        let footer = format!("{title} - page {} of {}", index + 1, pages.len());
        content.begin_text();
        content.set_font(font_name, FONT_SIZE);
        content.next_line(MARGIN, MARGIN / 2.0);
        content.show(Str(&win_ansi(&footer)));
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_win_ansi_bytes() {
        assert_eq!(win_ansi("Café 12,50 €…"), b"Caf\xe9 12,50 \x80\x85".to_vec());
        assert_eq!(win_ansi("日本"), b"??".to_vec());
    }

    #[test]
    fn a_long_report_spreads_over_numbered_pages() {
        let lines: Vec<String> = (0..LINES_PER_PAGE + 5).map(|i| format!("line {i}")).collect();
        let pdf = report_pdf("Z 7", &lines);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"), "a PDF header");
        assert!(text.trim_end().ends_with("%%EOF"), "a PDF trailer");
        assert_eq!(text.matches("/Type /Page\n").count() + text.matches("/Type /Page ").count(), 2, "two pages");
        assert!(text.contains("/Count 2"));
        assert!(text.contains("(line 0) Tj") && text.contains(&format!("(line {}) Tj", LINES_PER_PAGE + 4)));
        assert!(text.contains("(Z 7 - page 2 of 2) Tj"));
        assert!(text.contains("/BaseFont /Courier") && text.contains("/Encoding /WinAnsiEncoding"));
    }
}

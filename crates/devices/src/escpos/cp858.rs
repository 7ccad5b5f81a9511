//! Text for code page 858 (CP850 with € at 0xD5), the printer code page of European receipts.
//! Written out as a table because no well-kept crate encodes DOS code pages: `encoding_rs`
//! covers the web's encodings only. Characters the code page lacks get a readable fallback
//! (a letter without its accent, or `?`) rather than a wrong glyph.

/// ESC t n selects the code page; n = 19 is CP858 on Epson-compatible printers (ESC/POS
/// command reference, ESC t, character code table list).
pub const SELECT_CP858: [u8; 3] = [0x1B, 0x74, 19];

/// The upper half of CP858 (0x80–0xFF), as Unicode.
const UPPER: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '×', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '®', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', 'Á', 'Â', 'À', '©', '╣', '║', '╗', '╝', '¢', '¥', '┐', //
    '└', '┴', '┬', '├', '─', '┼', 'ã', 'Ã', '╚', '╔', '╩', '╦', '╠', '═', '╬', '¤', //
    'ð', 'Ð', 'Ê', 'Ë', 'È', '€', 'Í', 'Î', 'Ï', '┘', '┌', '█', '▄', '¦', 'Ì', '▀', //
    'Ó', 'ß', 'Ô', 'Ò', 'õ', 'Õ', 'µ', 'þ', 'Þ', 'Ú', 'Û', 'Ù', 'ý', 'Ý', '¯', '´', //
    '\u{AD}', '±', '‗', '¾', '¶', '§', '÷', '¸', '°', '¨', '·', '¹', '³', '²', '■', '\u{A0}',
];

fn fallback(c: char) -> u8 {
    match c {
        'ő' | 'ō' => b'o',
        'ű' | 'ū' => b'u',
        'č' | 'ć' => b'c',
        'š' | 'ś' => b's',
        'ž' | 'ź' | 'ż' => b'z',
        'ł' => b'l',
        'ń' | 'ň' => b'n',
        'ř' => b'r',
        'ě' | 'ę' | 'ė' => b'e',
        'ą' => b'a',
        '–' | '—' => b'-',
        '‘' | '’' => b'\'',
        '“' | '”' | '„' => b'"',
        '…' => b'.',
        _ => b'?',
    }
}

/// Encodes `text` for CP858. Control characters other than newline are dropped, so text can
/// never smuggle a printer command into a receipt.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push(b'\n'),
            c if c.is_control() => {}
            c if c.is_ascii() => out.push(c as u8),
            c => match UPPER.iter().position(|u| *u == c) {
                Some(i) => out.push(0x80 + u8::try_from(i).unwrap_or(0x7F)),
                None => out.push(fallback(c)),
            },
        }
    }
    out
}

/// Decodes CP858 bytes (for the simulated printer and tests).
pub fn decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| if b < 0x80 { char::from(b) } else { UPPER[usize::from(b - 0x80)] }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_umlauts_and_fallbacks() {
        assert_eq!(encode("€"), vec![0xD5], "CP858 puts the euro sign at 0xD5");
        assert_eq!(encode("Müsli 2,99 €"), b"M\x81sli 2,99 \xD5".to_vec());
        assert_eq!(encode("Straße"), b"Stra\xE1e".to_vec());
        assert_eq!(encode("Łódź"), b"?\xA2dz".to_vec(), "letters the code page lacks degrade readably");
        assert_eq!(encode("a\x1b@b\tc"), b"a@bc".to_vec(), "no control character (here ESC, TAB) reaches the printer");
    }

    #[test]
    fn the_table_round_trips() {
        let all: Vec<u8> = (0x80..=0xFF).collect();
        assert_eq!(encode(&decode(&all)), all, "every CP858 character encodes back to its byte");
    }
}

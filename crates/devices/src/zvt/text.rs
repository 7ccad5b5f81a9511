//! Text in ZVT fields: code page 437 (PA00P015, "Character set": texts sent by the terminal —
//! print lines, additional text, card names — use CP437 unless a TLV character-set tag selects
//! another one; Ringup never selects another one). Bytes 0x00-0x7F are ASCII; the upper half
//! maps through [`CP437_HIGH`]. Every byte decodes, so decoding never fails; encoding fails for
//! characters CP437 does not have (e.g. '€').

use super::bcd::CodecError;

/// Unicode characters of CP437 bytes 0x80-0xFF, in byte order (the IBM PC character set).
const CP437_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', 'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û',
    'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', 'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡',
    '«', '»', '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', '└', '┴', '┬', '├', '─',
    '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█',
    '▄', '▌', '▐', '▀', 'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', '≡', '±', '≥',
    '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// Decodes CP437 bytes into a string.
#[must_use]
pub fn decode_cp437(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&byte| match byte.checked_sub(0x80) {
            None => char::from(byte),
            Some(high) => CP437_HIGH[usize::from(high)],
        })
        .collect()
}

/// Encodes a string as CP437 bytes.
///
/// # Errors
/// [`CodecError::Unencodable`] for the first character CP437 cannot represent.
pub fn encode_cp437(text: &str) -> Result<Vec<u8>, CodecError> {
    text.chars()
        .map(|ch| {
            if ch.is_ascii() {
                return Ok(ch as u8);
            }
            CP437_HIGH
                .iter()
                .position(|&c| c == ch)
                .and_then(|index| u8::try_from(index + 0x80).ok())
                .ok_or(CodecError::Unencodable { ch })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn german_receipt_text() {
        // From a real terminal's system-configuration printout: "Gültigkeit", "Rückgebäude".
        assert_eq!(decode_cp437(b"G\x81ltigkeit"), "Gültigkeit");
        assert_eq!(decode_cp437(b"R\x81ckgeb\x84ude M\x81nchen \x94\xe1"), "Rückgebäude München öß");
        assert_eq!(encode_cp437("Grüße, Äpfel").unwrap(), b"Gr\x81\xe1e, \x8epfel");
    }

    #[test]
    fn unrepresentable_characters_are_an_error() {
        assert_eq!(encode_cp437("12,50 €"), Err(CodecError::Unencodable { ch: '€' }));
        assert_eq!(
            encode_cp437("€").unwrap_err().to_string(),
            "text contains '€', which code page 437 (the ZVT character set) cannot represent"
        );
    }

    proptest! {
        #[test]
        fn every_byte_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(encode_cp437(&decode_cp437(&bytes)).unwrap(), bytes);
        }
    }
}

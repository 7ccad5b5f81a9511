//! CODE128 symbols (ISO/IEC 15417) as the printer draws them: start character, data, the
//! modulo-103 check character and the stop pattern, as runs of bar and space modules.

/// Bar/space widths in modules for symbol values 0-105 (six elements, 11 modules) and the
/// stop pattern (seven elements, 13 modules), from the ISO/IEC 15417 symbol table.
const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", // 0-9
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", // 10-19
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", // 20-29
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313", // 30-39
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331", // 40-49
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111", // 50-59
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214", // 60-69
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", // 70-79
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141", // 80-89
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141", // 90-99
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112", // 100-106
];

const CODE_B_IN_A: u8 = 100;
const CODE_A_IN_B: u8 = 101;
const START_A: u8 = 103;
const START_B: u8 = 104;
const START_C: u8 = 105;
const STOP: usize = 106;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Set {
    A,
    B,
}

fn value_in(set: Set, c: char) -> Option<u8> {
    let code = u8::try_from(u32::from(c)).ok()?;
    match (set, code) {
        (Set::A, 0..=31) => Some(code + 64),
        (Set::A, 32..=95) | (Set::B, 32..=127) => Some(code - 32),
        _ => None,
    }
}

/// The symbol values for `text`, start and check character included (stop excluded). Digits
/// only, in pairs, use code set C; otherwise code set B, switching to A for control characters.
/// `None` when a character is outside ASCII or the text is empty.
pub fn values(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() + 3);
    if !text.is_empty() && text.len() & 1 == 0 && text.bytes().all(|b| b.is_ascii_digit()) {
        out.push(START_C);
        for pair in text.as_bytes().chunks(2) {
            out.push((pair[0] - b'0') * 10 + (pair[1] - b'0'));
        }
    } else {
        let first = text.chars().next()?;
        let mut set = if value_in(Set::B, first).is_some() { Set::B } else { Set::A };
        out.push(if set == Set::B { START_B } else { START_A });
        for c in text.chars() {
            if value_in(set, c).is_none() {
                let other = if set == Set::B { Set::A } else { Set::B };
                value_in(other, c)?;
                out.push(if other == Set::A { CODE_A_IN_B } else { CODE_B_IN_A });
                set = other;
            }
            out.push(value_in(set, c)?);
        }
    }
    let weighted = out.iter().enumerate().map(|(i, v)| i.max(1) * usize::from(*v)).sum::<usize>();
    out.push(u8::try_from(weighted % 103).unwrap_or(0));
    Some(out)
}

/// The symbol as modules, `true` for a bar, from the first bar of the start character to the
/// last bar of the stop pattern (quiet zones are the caller's).
pub fn modules(text: &str) -> Option<Vec<bool>> {
    let values = values(text)?;
    let mut out = Vec::with_capacity(11 * values.len() + 13);
    for pattern in values.iter().map(|v| PATTERNS[usize::from(*v)]).chain([PATTERNS[STOP]]) {
        for (i, width) in pattern.bytes().enumerate() {
            out.extend(std::iter::repeat_n(i % 2 == 0, usize::from(width - b'0')));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_well_formed() {
        for (value, p) in PATTERNS.iter().enumerate() {
            let modules: u32 = p.bytes().map(|b| u32::from(b - b'0')).sum();
            assert_eq!(modules, if value == STOP { 13 } else { 11 }, "value {value}: {p}");
        }
        let mut unique = PATTERNS.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), PATTERNS.len(), "no two values share a pattern");
    }

    #[test]
    fn check_characters_and_code_sets() {
        // Start B (104), 'P' 48, 'J' 42, 'J' 42, '1' 17, '2' 18, '3' 19, 'C' 35:
        // 104 + 48 + 84 + 126 + 68 + 90 + 114 + 245 = 879 = 8 × 103 + 55.
        assert_eq!(values("PJJ123C"), Some(vec![104, 48, 42, 42, 17, 18, 19, 35, 55]));
        assert_eq!(values("1234"), Some(vec![105, 12, 34, (105 + 12 + 68) % 103]), "digit pairs use set C");
        assert_eq!(values("a\tb").map(|v| v[..5].to_vec()), Some(vec![104, 65, 101, 73, 100]), "TAB needs set A");
        assert_eq!(values(""), None);
        assert_eq!(values("é"), None, "CODE128 carries ASCII only");
        assert_eq!(modules("1234").map(|m| m.len()), Some(11 * 4 + 13), "start, two pairs, check, stop");
    }
}

//! Scanned codes: GTIN normalisation, variable-measure labels and the GS1 check digits.

use ringup_domain::barcode::{
    BarcodeError, MeasureKind, MeasuredValue, Scan, Symbology, VariableMeasureRule, classify, gs1_check_digit,
    normalize_gtin, price_check_digit,
};

const fn rule(prefix: u8, item_digits: u8, check: bool, value_digits: u8, kind: MeasureKind) -> VariableMeasureRule {
    VariableMeasureRule { prefix, item_digits, price_check_digit: check, value_digits, kind }
}

/// Valid variable-measure rules: those of the domain's tests and the settings' defaults.
const RULES: [VariableMeasureRule; 5] = [
    rule(22, 5, false, 5, MeasureKind::PriceMinor),
    rule(23, 4, false, 6, MeasureKind::WeightGrams),
    rule(21, 4, true, 5, MeasureKind::PriceMinor),
    rule(2, 5, true, 4, MeasureKind::PriceMinor),
    rule(28, 5, false, 5, MeasureKind::WeightGrams),
];

/// Scanned codes (`barcode::{normalize_gtin, classify, gs1_check_digit, price_check_digit}`).
/// Input: the scanner's text, read as UTF-8 (invalid sequences replaced).
///
/// Checks that an accepted code gives a 14-digit GTIN with a valid GS1 check digit, holding the
/// scanned digits as its symbology says (left-padded, or UPC-E expanded with its number system
/// and check digit kept), and that its EAN-13 form reads back as the same GTIN; that a refusal
/// gives the right reason (not numeric, the digit count, the check digit with both digits); that
/// `classify` refuses the same codes, reads every accepted one as that GTIN without rules, and
/// with rules reads a variable-measure code's item and value from the rule's positions; and that
/// for a string of digits both check-digit functions catch every single wrong digit and a code
/// completed with its own GS1 check digit is accepted.
pub fn barcode(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let code = text.trim();
    let normalized = normalize_gtin(&text);
    match &normalized {
        Ok((symbology, gtin14)) => check_gtin(code, *symbology, gtin14),
        Err(error) => check_barcode_error(code, error),
    }
    check_classify(&text, &normalized);
    check_check_digits(code);
}

/// The value of the ASCII digit at `index`.
fn digit_at(digits: &str, index: usize) -> u8 {
    digits.as_bytes()[index] - b'0'
}

fn check_gtin(code: &str, symbology: Symbology, gtin14: &str) {
    assert!(gtin14.len() == 14 && gtin14.bytes().all(|b| b.is_ascii_digit()), "{code:?} gave GTIN {gtin14:?}");
    assert_eq!(gs1_check_digit(&gtin14[..13]), Ok(digit_at(gtin14, 13)), "{code:?} gave GTIN {gtin14:?}");
    let padded = |zeros: usize| format!("{}{code}", "0".repeat(zeros));
    match symbology {
        Symbology::Ean13 => assert_eq!(gtin14, padded(1), "EAN-13 {code:?}"),
        Symbology::UpcA => assert_eq!(gtin14, padded(2), "UPC-A {code:?}"),
        Symbology::Ean8 => assert_eq!(gtin14, padded(6), "EAN-8 {code:?}"),
        Symbology::UpcE => {
            assert_eq!(code.len(), 8, "UPC-E {code:?}");
            assert!(gtin14.starts_with("00") && gtin14[2..3] == code[..1], "UPC-E {code:?} gave {gtin14:?}");
            assert_eq!(&gtin14[13..], &code[7..], "UPC-E {code:?} keeps its check digit");
        }
    }
    assert_eq!(normalize_gtin(&gtin14[1..]), Ok((Symbology::Ean13, gtin14.to_owned())), "GTIN {gtin14} as EAN-13");
}

fn check_barcode_error(code: &str, error: &BarcodeError) {
    let all_digits = code.bytes().all(|b| b.is_ascii_digit());
    match *error {
        BarcodeError::NotNumeric => assert!(!all_digits, "{code:?} is all digits: {error}"),
        BarcodeError::Length(n) => {
            assert!(all_digits && n == code.len() && ![8, 12, 13].contains(&n), "{code:?}: {error}");
        }
        BarcodeError::CheckDigit { expected, found } => {
            assert!(all_digits && [8, 12, 13].contains(&code.len()) && expected != found, "{code:?}: {error}");
            let last = code.len() - 1;
            assert_eq!(found, digit_at(code, last), "{code:?}: {error}");
            assert_eq!(gs1_check_digit(&code[..last]), Ok(expected), "{code:?}: {error}");
        }
        _ => panic!("normalize_gtin({code:?}) failed with {error:?}, which is not about a scanned code"),
    }
}

fn check_classify(text: &str, normalized: &Result<(Symbology, String), BarcodeError>) {
    let plain = classify(text, &[]);
    let scan = classify(text, &RULES);
    let (symbology, gtin14) = match normalized {
        Err(error) => {
            assert_eq!(plain.as_ref().err(), Some(error), "classify({text:?}) without rules");
            assert_eq!(scan.as_ref().err(), Some(error), "classify({text:?}) with rules");
            return;
        }
        Ok((symbology, gtin14)) => (*symbology, gtin14.clone()),
    };
    let as_gtin = Scan::Gtin { gtin14: gtin14.clone(), symbology };
    assert_eq!(plain, Ok(as_gtin.clone()), "without rules {text:?} is a plain GTIN");
    let prefix: Option<u8> = gtin14.get(1..3).and_then(|p| p.parse().ok());
    let Some(rule) = RULES.iter().find(|candidate| Some(candidate.prefix) == prefix) else {
        assert_eq!(scan, Ok(as_gtin), "no rule claims {text:?}");
        return;
    };
    let ean13 = &gtin14[1..];
    let item_end = 2 + usize::from(rule.item_digits);
    let value_start = item_end + usize::from(rule.price_check_digit);
    let value_text = &ean13[value_start..value_start + usize::from(rule.value_digits)];
    match scan {
        Ok(Scan::VariableMeasure { prefix: read_prefix, item_code, value }) => {
            assert_eq!(read_prefix, rule.prefix, "{text:?} under {rule:?}");
            assert_eq!(item_code, &ean13[2..item_end], "{text:?} under {rule:?}");
            let Ok(amount) = value_text.parse::<i64>() else { panic!("{text:?}: value field {value_text:?}") };
            let expected = match rule.kind {
                MeasureKind::PriceMinor => MeasuredValue::PriceMinor(amount),
                MeasureKind::WeightGrams => MeasuredValue::WeightGrams(amount),
            };
            assert_eq!(value, expected, "{text:?} under {rule:?}");
            if rule.price_check_digit {
                assert_eq!(price_check_digit(value_text), Ok(digit_at(ean13, item_end)), "{text:?} under {rule:?}");
            }
        }
        Err(BarcodeError::PriceCheckDigit { expected, found }) => {
            assert!(rule.price_check_digit && expected != found, "{text:?} under {rule:?}: {expected}, {found}");
            assert_eq!(found, digit_at(ean13, item_end), "{text:?} under {rule:?}");
            assert_eq!(price_check_digit(value_text), Ok(expected), "{text:?} under {rule:?}");
        }
        other => panic!("classify({text:?}) under the valid {rule:?} gave {other:?}"),
    }
}

fn check_check_digits(code: &str) {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if code.len() <= 17 {
        let Ok(check) = gs1_check_digit(code) else { panic!("gs1_check_digit({code:?}) failed") };
        assert_catches_single_errors(code, check, gs1_check_digit);
        if matches!(code.len(), 7 | 11 | 12) {
            let full = format!("{code}{check}");
            assert!(normalize_gtin(&full).is_ok(), "{full}, completed with its own check digit, is refused");
        }
    }
    if matches!(code.len(), 4 | 5) {
        let Ok(check) = price_check_digit(code) else { panic!("price_check_digit({code:?}) failed") };
        assert_catches_single_errors(code, check, price_check_digit);
    }
}

/// Every single digit of `code` changed gives another check digit.
fn assert_catches_single_errors(code: &str, check: u8, digit: fn(&str) -> Result<u8, BarcodeError>) {
    assert!(check < 10, "check digit {check} of {code:?}");
    for position in 0..code.len() {
        let altered: String = code
            .char_indices()
            .map(|(i, c)| if i == position { char::from(b'0' + (digit_at(code, i) + 1) % 10) } else { c })
            .collect();
        assert_ne!(digit(&altered), Ok(check), "{code:?} and {altered:?} have the same check digit");
    }
}

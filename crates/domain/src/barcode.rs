//! Barcode rules for the till: GS1 check digits, normalising EAN/UPC scans to GTIN-14, and reading the price or
//! weight out of in-store variable-measure labels.
//!
//! Everything here is pure, so the scanner driver, the catalogue lookup and the tests all share one reading of a
//! code. The reference is the GS1 General Specifications; section numbers are those of recent releases and may
//! shift by one or two between editions.

use serde::{Deserialize, Serialize};

/// Why a scanned code or a variable-measure rule was refused.
///
/// The messages are meant to be shown to a cashier or a back-office user as they are.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum BarcodeError {
    /// The code holds something other than the ASCII digits 0-9, and GS1 keys are all-numeric.
    #[error("barcode contains a character that is not a digit")]
    NotNumeric,
    /// The code has a number of digits that no supported symbology carries.
    #[error("barcode has {0} digits, which is not a length this till reads")]
    Length(usize),
    /// The final digit disagrees with the GS1 mod-10 check digit (GS1 General Specifications §7.9.1).
    #[error("barcode check digit is {expected} but the code ends in {found}")]
    CheckDigit {
        /// The check digit computed from the other digits.
        expected: u8,
        /// The check digit actually carried by the code.
        found: u8,
    },
    /// The price/weight verifier digit of a variable-measure code is wrong (GS1 General Specifications §7.9.2-4).
    #[error("price check digit is {expected} but the code carries {found}")]
    PriceCheckDigit {
        /// The verifier digit computed from the price or weight field.
        expected: u8,
        /// The verifier digit actually carried by the code.
        found: u8,
    },
    /// A variable-measure rule cannot describe any EAN-13; the text says which part is wrong.
    #[error("variable-measure rule is invalid: {0}")]
    BadRule(String),
}

/// The EAN/UPC symbologies a checkout scanner reads (GS1 General Specifications §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Symbology {
    /// EAN-13, carrying a GTIN-13.
    Ean13,
    /// EAN-8, carrying a GTIN-8.
    Ean8,
    /// UPC-A, carrying a GTIN-12.
    UpcA,
    /// UPC-E, a zero-suppressed GTIN-12 with number system 0 or 1.
    UpcE,
}

/// Turns a string of ASCII digits into their values, so that no later step has to re-check.
fn digit_values(code: &str) -> Result<Vec<u8>, BarcodeError> {
    code.bytes().map(|b| if b.is_ascii_digit() { Ok(b - b'0') } else { Err(BarcodeError::NotNumeric) }).collect()
}

/// Computes the mod-10 check digit over digit values, weighting 3, 1, 3, ... from the right.
///
/// The sum is kept modulo 10 as it goes, because that is all the result depends on and it cannot overflow.
fn mod10_check(data: &[u8]) -> u8 {
    let sum = data.iter().rev().enumerate().fold(0u8, |acc, (i, &d)| {
        let weight = if i % 2 == 0 { 3 } else { 1 };
        (acc + d * weight) % 10
    });
    (10 - sum) % 10
}

/// Checks that the last digit of a full code is the mod-10 check digit of the others.
fn verify_mod10(code: &[u8]) -> Result<(), BarcodeError> {
    let Some((&found, data)) = code.split_last() else { return Err(BarcodeError::Length(0)) };
    let expected = mod10_check(data);
    if expected == found { Ok(()) } else { Err(BarcodeError::CheckDigit { expected, found }) }
}

/// Computes the GS1 check digit of a key given without its check digit.
///
/// This is the standard GS1 mod-10 algorithm (GS1 General Specifications §7.9.1): weights 3 and 1 alternate,
/// starting with 3 on the right-most digit, and the check digit brings the sum up to a multiple of ten. It serves
/// GTIN-8/12/13/14 and SSCC alike, so 1 to 17 digits are accepted.
pub fn gs1_check_digit(digits_without_check: &str) -> Result<u8, BarcodeError> {
    let data = digit_values(digits_without_check)?;
    if data.is_empty() || data.len() > 17 {
        return Err(BarcodeError::Length(data.len()));
    }
    Ok(mod10_check(&data))
}

/// Expands an 8-digit UPC-E code into the 12-digit UPC-A it stands for, check digit included.
///
/// The last of the six body digits says where the suppressed zeros go (GS1 General Specifications §5.2, UPC-E
/// zero suppression). UPC-E exists only for number systems 0 and 1, so any other leading digit gives `None`.
fn expand_upc_e(code: &[u8]) -> Option<[u8; 12]> {
    let &[ns @ (0 | 1), d1, d2, d3, d4, d5, d6, c] = code else { return None };
    Some(match d6 {
        0..=2 => [ns, d1, d2, d6, 0, 0, 0, 0, d3, d4, d5, c],
        3 => [ns, d1, d2, d3, 0, 0, 0, 0, 0, d4, d5, c],
        4 => [ns, d1, d2, d3, d4, 0, 0, 0, 0, 0, d5, c],
        _ => [ns, d1, d2, d3, d4, d5, 0, 0, 0, 0, d6, c],
    })
}

/// Left-pads digit values with zeros into the 14-digit GTIN field.
fn to_gtin14(code: &[u8]) -> String {
    let mut out = "0".repeat(14usize.saturating_sub(code.len()));
    out.extend(code.iter().map(|&d| char::from(b'0' + d)));
    out
}

/// Validates a scanned EAN-13, EAN-8, UPC-A or UPC-E code and returns its GTIN-14.
///
/// Surrounding whitespace is trimmed because keyboard-wedge scanners often add a newline. The GTIN is
/// right-justified in 14 digits as GS1 prescribes for AI (01) (GS1 General Specifications §3.3.2), so one
/// catalogue key serves every symbology; UPC-E is expanded to its UPC-A first so that a product is found
/// whichever of its two symbols was scanned.
///
/// An 8-digit code may be UPC-E or EAN-8, and the digits alone cannot always tell. When it starts with 0 or 1 and
/// its expanded UPC-A has a valid check digit it is read as UPC-E; otherwise it must be a valid EAN-8. UPC-E comes
/// first because every UPC-E whose last body digit is 5-9 also passes the EAN-8 check, while GS1-8 prefix 0 is
/// kept for restricted-circulation numbers (GS1 General Specifications §1.4.4). When neither reading is valid, the
/// EAN-8 check digit error is reported.
pub fn normalize_gtin(code: &str) -> Result<(Symbology, String), BarcodeError> {
    let digits = digit_values(code.trim())?;
    let symbology = match digits.len() {
        13 => Symbology::Ean13,
        12 => Symbology::UpcA,
        8 => match expand_upc_e(&digits) {
            Some(upc_a) if verify_mod10(&upc_a).is_ok() => return Ok((Symbology::UpcE, to_gtin14(&upc_a))),
            _ => Symbology::Ean8,
        },
        n => return Err(BarcodeError::Length(n)),
    };
    verify_mod10(&digits)?;
    Ok((symbology, to_gtin14(&digits)))
}

/// Products of each digit under the "2-" weighting factor: units of 2d minus its tens, mod 10.
const TWO_MINUS: [u8; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
/// Products of each digit under the "3" weighting factor: units of 3d.
const THREE: [u8; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
/// Products of each digit under the "5+" weighting factor: units of 5d plus its tens, mod 10.
const FIVE_PLUS: [u8; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
/// Products of each digit under the "5-" weighting factor: units of 5d minus its tens, mod 10.
const FIVE_MINUS: [u8; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
/// The digit whose "5-" product is the index, used to read the 5-digit check digit back.
const FIVE_MINUS_INVERSE: [u8; 10] = [0, 9, 7, 5, 3, 1, 8, 6, 4, 2];

/// Computes the price/weight verifier digit of a 4- or 5-digit price or weight field.
///
/// This follows GS1 General Specifications §7.9.2-7.9.4, "check digit calculation for price/weight fields". For
/// four digits the weighting factors are 2-, 2-, 3, 5-; the products are summed, the sum is multiplied by 3 and
/// its units digit is the check digit. For five digits they are 5+, 2-, 5-, 5+, 2-; the sum is subtracted from the
/// next multiple of ten and the check digit is the digit whose 5- product equals that difference. Each factor
/// maps the ten digits onto a permutation of 0-9, which is why any single wrong digit is caught.
pub fn price_check_digit(value_digits: &str) -> Result<u8, BarcodeError> {
    let value = digit_values(value_digits)?;
    let tables: &[&[u8; 10]] = match value.len() {
        4 => &[&TWO_MINUS, &TWO_MINUS, &THREE, &FIVE_MINUS],
        5 => &[&FIVE_PLUS, &TWO_MINUS, &FIVE_MINUS, &FIVE_PLUS, &TWO_MINUS],
        n => return Err(BarcodeError::Length(n)),
    };
    let sum = value.iter().zip(tables).fold(0u8, |acc, (&d, table)| (acc + table[usize::from(d)]) % 10);
    if value.len() == 4 { Ok(sum * 3 % 10) } else { Ok(FIVE_MINUS_INVERSE[usize::from((10 - sum) % 10)]) }
}

/// What the value field of a variable-measure code means (GS1 General Specifications §2.1.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeasureKind {
    /// The field is the item price in minor currency units, as agreed in the country.
    PriceMinor,
    /// The field is the net weight in grams.
    WeightGrams,
}

/// One store's layout for in-store variable-measure codes (RCN-13, GS1 General Specifications §2.1.14). Each GS1
/// Member Organisation sets its own layout, which is why it is configuration and not code.
///
/// The 13 digits are: the 2-digit prefix, `item_digits` of item reference, an optional price verifier digit,
/// `value_digits` of price or weight, and the EAN-13 check digit. Prefix 2 stands for "02", the EAN-13 form of a
/// UPC-A with number system 2, which is how US random-weight labels reach the till.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableMeasureRule {
    /// The GS1 prefix the rule claims: 20-29, or 2 for "02" (UPC-A number system 2).
    pub prefix: u8,
    /// How many digits of item reference follow the prefix.
    pub item_digits: u8,
    /// Whether a price/weight verifier digit sits between the item reference and the value.
    pub price_check_digit: bool,
    /// How many digits the price or weight field has.
    pub value_digits: u8,
    /// Whether the value is a price or a weight.
    pub kind: MeasureKind,
}

/// Tells whether an EAN-13 prefix is one GS1 keeps for restricted circulation within a geographic region:
/// 02 and 20-29 (GS1 General Specifications §1.4.4).
fn is_rcn_prefix(prefix: u8) -> bool {
    prefix == 2 || (20..=29).contains(&prefix)
}

impl VariableMeasureRule {
    /// Checks that the rule describes a possible EAN-13, so configuration mistakes surface when the rule is saved
    /// rather than as misread prices at the till.
    ///
    /// GS1 keeps prefixes 02 and 20-29 for these codes (GS1 General Specifications §1.4.4), and the verifier digit
    /// is only defined for 4- or 5-digit fields (§7.9.2-7.9.4).
    pub fn validate(&self) -> Result<(), BarcodeError> {
        let bad = |why: String| Err(BarcodeError::BadRule(why));
        if !is_rcn_prefix(self.prefix) {
            return bad(format!("prefix {} is not 02 or 20-29", self.prefix));
        }
        if self.item_digits == 0 || self.value_digits == 0 {
            return bad("item and value fields need at least one digit each".to_owned());
        }
        if self.price_check_digit && !(4..=5).contains(&self.value_digits) {
            return bad(format!("a price check digit needs a 4- or 5-digit value, not {}", self.value_digits));
        }
        let used = 2 + u32::from(self.item_digits) + u32::from(self.price_check_digit) + u32::from(self.value_digits);
        if used != 12 {
            return bad(format!("fields cover {used} digits before the check digit, not 12"));
        }
        Ok(())
    }
}

/// A price or weight read from a variable-measure code (GS1 General Specifications §2.1.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeasuredValue {
    /// The price in minor currency units.
    PriceMinor(i64),
    /// The weight in grams.
    WeightGrams(i64),
}

/// What a scan means to the till: a GTIN to look up (GS1 General Specifications §3.3.2) or a label that carries
/// its own price or weight (§2.1.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scan {
    /// An ordinary trade item, to be looked up by its GTIN-14.
    Gtin {
        /// The GTIN right-justified in 14 digits.
        gtin14: String,
        /// The symbology it was read from.
        symbology: Symbology,
    },
    /// An in-store variable-measure item whose label carries its own price or weight.
    VariableMeasure {
        /// The GS1 prefix of the rule that matched (2 stands for "02").
        prefix: u8,
        /// The item reference, with its leading zeros kept.
        item_code: String,
        /// The price or weight read from the value field.
        value: MeasuredValue,
    },
}

/// Classifies a scan as an ordinary GTIN or as an in-store variable-measure code (GS1 General Specifications
/// §2.1.14).
///
/// The code is normalised and its check digit verified first. If its EAN-13 form starts with 02 or 20-29 and a
/// rule claims that prefix, the first such rule is validated and applied, and its price verifier digit, if any, is
/// checked. A code with such a prefix but no rule is returned as a plain GTIN, so a store can still list those
/// items in its catalogue. Only the matching rule is validated, so one bad rule cannot stop other items scanning.
pub fn classify(code: &str, rules: &[VariableMeasureRule]) -> Result<Scan, BarcodeError> {
    let (symbology, gtin14) = normalize_gtin(code)?;
    let ean13 = gtin14.get(1..).unwrap_or_default();
    let prefix = ean13.get(..2).and_then(|p| p.parse::<u8>().ok()).filter(|&p| is_rcn_prefix(p));
    let Some(rule) = rules.iter().find(|r| Some(r.prefix) == prefix) else {
        return Ok(Scan::Gtin { gtin14, symbology });
    };
    rule.validate()?;
    let item_end = 2 + usize::from(rule.item_digits);
    let value_start = item_end + usize::from(rule.price_check_digit);
    let field = |from: usize, to: usize| ean13.get(from..to).unwrap_or_default();
    let value_text = field(value_start, value_start + usize::from(rule.value_digits));
    if rule.price_check_digit {
        let expected = price_check_digit(value_text)?;
        let found = field(item_end, value_start).bytes().next().map_or(0, |b| b - b'0');
        if expected != found {
            return Err(BarcodeError::PriceCheckDigit { expected, found });
        }
    }
    // A valid rule leaves at most nine digits for the value, so it always fits an i64.
    let amount = value_text.parse::<i64>().map_err(|_| BarcodeError::NotNumeric)?;
    let value = match rule.kind {
        MeasureKind::PriceMinor => MeasuredValue::PriceMinor(amount),
        MeasureKind::WeightGrams => MeasuredValue::WeightGrams(amount),
    };
    Ok(Scan::VariableMeasure { prefix: rule.prefix, item_code: field(2, item_end).to_owned(), value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use BarcodeError::{BadRule, Length, NotNumeric};
    use MeasureKind::{PriceMinor, WeightGrams};
    use Symbology::{Ean8, Ean13, UpcA, UpcE};
    use proptest::prelude::*;

    /// Compares what `normalize_gtin` makes of a scan with the expected outcome.
    fn check(input: &str, expected: Result<(Symbology, &str), BarcodeError>) {
        let expected = expected.map(|(s, g)| (s, g.to_owned()));
        assert_eq!(normalize_gtin(input), expected, "input {input:?}");
    }

    /// Shortens the check-digit error, which most rejection tests expect.
    fn cd(expected: u8, found: u8) -> BarcodeError {
        BarcodeError::CheckDigit { expected, found }
    }

    fn rule(prefix: u8, item: u8, pcd: bool, value: u8, kind: MeasureKind) -> VariableMeasureRule {
        VariableMeasureRule { prefix, item_digits: item, price_check_digit: pcd, value_digits: value, kind }
    }

    fn measured(prefix: u8, item: &str, value: MeasuredValue) -> Result<Scan, BarcodeError> {
        Ok(Scan::VariableMeasure { prefix, item_code: item.to_owned(), value })
    }

    fn gtin(gtin14: &str, symbology: Symbology) -> Result<Scan, BarcodeError> {
        Ok(Scan::Gtin { gtin14: gtin14.to_owned(), symbology })
    }

    #[test]
    fn real_world_codes_normalise_to_gtin14() {
        // Each check digit was recomputed by hand with weights 3/1 from the right.
        check("4006381333931", Ok((Ean13, "04006381333931")));
        check("5901234123457", Ok((Ean13, "05901234123457")));
        check("96385074", Ok((Ean8, "00000096385074")));
        check("73513537", Ok((Ean8, "00000073513537")));
        check("036000291452", Ok((UpcA, "00036000291452")));
        check(" 012345678905\r\n", Ok((UpcA, "00012345678905")));
    }

    #[test]
    fn upc_e_expands_by_its_last_body_digit() {
        check("01234505", Ok((UpcE, "00012000003455"))); // 0-2: 0 12 0 0000 345 5
        check("04252614", Ok((UpcE, "00042100005264"))); // 0-2: 0 42 1 0000 526 4
        check("01234531", Ok((UpcE, "00012300000451"))); // 3: 0 123 00000 45 1
        check("01234543", Ok((UpcE, "00012340000053"))); // 4: 0 1234 00000 5 3
        check("01234565", Ok((UpcE, "00012345000065"))); // 5-9: 0 12345 0000 6 5
        check("11234562", Ok((UpcE, "00112345000062"))); // number system 1
        // A valid EAN-8 starting with 0 that fails as UPC-E stays EAN-8.
        check("01234503", Ok((Ean8, "00000001234503")));
    }

    #[test]
    fn bad_codes_are_rejected_with_the_reason() {
        check("4006381333935", Err(cd(1, 5)));
        check("036000291450", Err(cd(2, 0)));
        check("96385070", Err(cd(4, 0)));
        check("01234500", Err(cd(3, 0)));
        for not_numeric in ["40063813339X1", "4006 381333931", "\u{664}006381333931"] {
            check(not_numeric, Err(NotNumeric));
        }
        for wrong_length in ["", "1234567", "12345678901", "12345678901234"] {
            check(wrong_length, Err(Length(wrong_length.len())));
        }
        assert_eq!(gs1_check_digit("400638133393"), Ok(1));
        assert_eq!(gs1_check_digit(""), Err(Length(0)));
        assert_eq!(gs1_check_digit("12a"), Err(NotNumeric));
        let msg = cd(3, 5).to_string();
        assert_eq!(msg, "barcode check digit is 3 but the code ends in 5");
    }

    #[test]
    fn weighting_tables_follow_their_definitions() {
        for d in 0u8..10 {
            let (two, five, i) = (d * 2, d * 5, usize::from(d));
            assert_eq!(TWO_MINUS[i], (two % 10 + 10 - two / 10) % 10);
            assert_eq!(THREE[i], d * 3 % 10);
            assert_eq!(FIVE_PLUS[i], (five % 10 + five / 10) % 10);
            assert_eq!(FIVE_MINUS[i], (five % 10 + 10 - five / 10) % 10);
            assert_eq!(FIVE_MINUS_INVERSE[usize::from(FIVE_MINUS[i])], d);
        }
        // Each table being a permutation is what makes a single wrong digit detectable.
        for mut table in [TWO_MINUS, THREE, FIVE_PLUS, FIVE_MINUS] {
            table.sort_unstable();
            assert_eq!(table, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }
    }

    #[test]
    fn price_check_digit_worked_examples() {
        // 2875: 2-(2)=4, 2-(8)=5, 3(7)=1, 5-(5)=3; sum 13; 13*3=39 -> 9.
        assert_eq!(price_check_digit("2875"), Ok(9));
        // 14685: 5+(1)=5, 2-(4)=8, 5-(6)=7, 5+(8)=4, 2-(5)=9; sum 33; 40-33=7; 5-(6)=7 -> 6.
        assert_eq!(price_check_digit("14685"), Ok(6));
        assert_eq!(price_check_digit("0000"), Ok(0));
        assert_eq!(price_check_digit("123"), Err(Length(3)));
        assert_eq!(price_check_digit("12x4"), Err(NotNumeric));
    }

    #[test]
    fn variable_measure_codes_follow_their_rules() {
        let rules = [
            rule(22, 5, false, 5, PriceMinor),
            rule(23, 4, false, 6, WeightGrams),
            rule(21, 4, true, 5, PriceMinor),
            rule(2, 5, true, 4, PriceMinor),
        ];
        let pcd = |expected, found| Err(BarcodeError::PriceCheckDigit { expected, found });
        // 22 12345 01299 + check 2 (odd positions 21, even 19*3=57, total 78).
        let price = measured(22, "12345", MeasuredValue::PriceMinor(1299));
        assert_eq!(classify("2212345012992", &rules), price);
        // 23 1234 001500 + check 1 (7 + 14*3 = 49).
        let weight = measured(23, "1234", MeasuredValue::WeightGrams(1500));
        assert_eq!(classify("2312340015001", &rules), weight);
        // 21 1234, pcd 6, 14685, check 9 (24 + 19*3 = 81).
        let pcd5 = measured(21, "1234", MeasuredValue::PriceMinor(14685));
        assert_eq!(classify("2112346146859", &rules), pcd5);
        // "40 - sum" = 7 is a common wrong reading of the 5-digit rule; check 8 keeps EAN-13 valid.
        assert_eq!(classify("2112347146858", &rules), pcd(6, 7));
        // UPC-A 2 12345 pcd 9 2875 + check 2 (30*3 + 18 = 108), also as its EAN-13 form.
        let us = measured(2, "12345", MeasuredValue::PriceMinor(2875));
        assert_eq!(classify("212345928752", &rules), us);
        assert_eq!(classify("0212345928752", &rules), us);
        assert_eq!(classify("212345828755", &rules), pcd(9, 8));
        // The EAN-13 check digit is verified before any rule applies.
        assert_eq!(classify("2212345012993", &rules), Err(cd(2, 3)));
    }

    #[test]
    fn codes_without_a_rule_are_plain_gtins() {
        let rules = [rule(22, 5, false, 5, PriceMinor)];
        let plain = |code| classify(code, &rules);
        assert_eq!(plain("2312340015001"), gtin("02312340015001", Ean13));
        assert_eq!(plain("4006381333931"), gtin("04006381333931", Ean13));
        assert_eq!(plain("01234565"), gtin("00012345000065", UpcE));
        // A bad rule outside 02/20-29 never matches, so ordinary items still scan.
        let bogus = [rule(0, 5, false, 5, PriceMinor)];
        let upc_a = gtin("00036000291452", UpcA);
        assert_eq!(classify("036000291452", &bogus), upc_a);
    }

    #[test]
    fn rules_are_validated() {
        assert_eq!(rule(29, 5, false, 5, PriceMinor).validate(), Ok(()));
        assert_eq!(rule(2, 5, true, 4, WeightGrams).validate(), Ok(()));
        // Prefixes outside 02/20-29, fields not summing to 12, a verifier on a 6-digit value, an empty item.
        for (prefix, item, pcd, value) in
            [(19, 5, false, 5), (30, 5, false, 5), (22, 4, false, 5), (22, 3, true, 6), (22, 0, false, 10)]
        {
            let bad = rule(prefix, item, pcd, value, PriceMinor);
            assert!(matches!(bad.validate(), Err(BadRule(_))), "{bad:?}");
        }
        let broken = [rule(22, 4, false, 5, PriceMinor)];
        assert!(matches!(classify("2212345012992", &broken), Err(BadRule(_))));
    }

    proptest! {
        #[test]
        fn check_digit_catches_every_single_digit_error(
            data in proptest::collection::vec(0u8..10, 12),
            position in 0usize..13,
            shift in 1u8..10,
        ) {
            let text: String = data.iter().map(|&d| char::from(b'0' + d)).collect();
            let check = gs1_check_digit(&text)?;
            let code = format!("{text}{check}");
            prop_assert_eq!(normalize_gtin(&code), Ok((Ean13, format!("0{code}"))));
            let mut bytes = code.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + shift) % 10;
            let corrupted = String::from_utf8_lossy(&bytes).into_owned();
            let caught = matches!(normalize_gtin(&corrupted), Err(BarcodeError::CheckDigit { .. }));
            prop_assert!(caught, "{} was accepted", corrupted);
        }
    }
}

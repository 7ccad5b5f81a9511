//! Money: integer minor units with an ISO-4217 currency. Never floating point; every
//! arithmetic step is checked, so an overflow is an error and never a silent wrap.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// An ISO-4217 currency: its three-letter code and the number of minor-unit digits. It is
/// serialized as its code ("EUR"), and the digits are looked up again when it is read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    minor_digits: u8,
}

/// The currencies Ringup knows the minor digits of (ISO-4217, list one). Others are refused
/// rather than guessed, since a wrong exponent would misprice every item by a factor of ten.
const KNOWN: &[(&str, u8)] = &[
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("HUF", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("ISK", 0),
    ("KWD", 3),
    ("BHD", 3),
];

impl Currency {
    pub const EUR: Currency = Currency { code: *b"EUR", minor_digits: 2 };
    pub const USD: Currency = Currency { code: *b"USD", minor_digits: 2 };

    /// Looks a currency up by its ISO-4217 code (case-sensitive, as the standard writes it).
    pub fn from_code(code: &str) -> Result<Currency, DomainError> {
        KNOWN
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(c, d)| {
                let b = c.as_bytes();
                Currency { code: [b[0], b[1], b[2]], minor_digits: *d }
            })
            .ok_or_else(|| DomainError::UnknownCurrency(code.to_string()))
    }

    pub fn code(&self) -> &str {
        // The code is built only from the ASCII table above, so this cannot fail.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    pub fn minor_digits(&self) -> u8 {
        self.minor_digits
    }

    /// Formats an amount of minor units as a plain decimal ("-12.30"), without symbol.
    pub fn format_minor(&self, amount_minor: i64) -> String {
        format_decimal(amount_minor, u32::from(self.minor_digits))
    }

    /// Parses a plain decimal ("12.3", "-0.05", "7") into minor units. More decimals than the
    /// currency has is an error rather than a silent rounding.
    pub fn parse_minor(&self, text: &str) -> Result<i64, DomainError> {
        parse_decimal(text, u32::from(self.minor_digits)).ok_or_else(|| DomainError::InvalidAmount(text.to_string()))
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// Formats `value` with `scale` implied decimals: `format_decimal(-1230, 2) == "-12.30"`.
pub fn format_decimal(value: i64, scale: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    if scale == 0 {
        return format!("{sign}{abs}");
    }
    let unit = 10u64.pow(scale);
    format!("{sign}{}.{:0width$}", abs / unit, abs % unit, width = scale as usize)
}

/// Parses a decimal with at most `scale` fractional digits into an integer of `scale`
/// implied decimals. Returns `None` for anything else (including overflow).
pub fn parse_decimal(text: &str, scale: u32) -> Option<i64> {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac_part.len() > scale as usize {
        return None;
    }
    let int_value: i64 = if int_part.is_empty() { 0 } else { int_part.parse().ok()? };
    let mut frac_value: i64 = if frac_part.is_empty() { 0 } else { frac_part.parse().ok()? };
    for _ in frac_part.len()..scale as usize {
        frac_value = frac_value.checked_mul(10)?;
    }
    let magnitude = int_value.checked_mul(10i64.checked_pow(scale)?)?.checked_add(frac_value)?;
    Some(if negative { -magnitude } else { magnitude })
}

/// An amount of money: integer minor units in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Money {
        Money { amount_minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount_minor: 0, currency }
    }

    fn same_currency(&self, other: &Money) -> Result<(), DomainError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(DomainError::CurrencyMismatch {
                left: self.currency.code().to_string(),
                right: other.currency.code().to_string(),
            })
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, DomainError> {
        self.same_currency(&other)?;
        let amount_minor =
            self.amount_minor.checked_add(other.amount_minor).ok_or(DomainError::Overflow("addition"))?;
        Ok(Money { amount_minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, DomainError> {
        self.same_currency(&other)?;
        let amount_minor =
            self.amount_minor.checked_sub(other.amount_minor).ok_or(DomainError::Overflow("subtraction"))?;
        Ok(Money { amount_minor, ..self })
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, DomainError> {
        let amount_minor = self.amount_minor.checked_mul(factor).ok_or(DomainError::Overflow("multiplication"))?;
        Ok(Money { amount_minor, ..self })
    }

    pub fn checked_neg(self) -> Result<Money, DomainError> {
        let amount_minor = self.amount_minor.checked_neg().ok_or(DomainError::Overflow("negation"))?;
        Ok(Money { amount_minor, ..self })
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.currency.code(), self.currency.format_minor(self.amount_minor))
    }
}

/// Adds `b` to `a`, or says which sum overflowed.
pub fn add(a: i64, b: i64, what: &'static str) -> Result<i64, DomainError> {
    a.checked_add(b).ok_or(DomainError::Overflow(what))
}

/// Subtracts `b` from `a`, or says which difference overflowed.
pub fn sub(a: i64, b: i64, what: &'static str) -> Result<i64, DomainError> {
    a.checked_sub(b).ok_or(DomainError::Overflow(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_an_error_never_a_wrap() {
        let max = Money::new(i64::MAX, Currency::EUR);
        assert_eq!(max.checked_add(Money::new(1, Currency::EUR)), Err(DomainError::Overflow("addition")));
        assert_eq!(Money::new(i64::MIN, Currency::EUR).checked_neg(), Err(DomainError::Overflow("negation")));
        assert!(max.checked_mul(2).is_err());
    }

    #[test]
    fn currency_travels_as_its_code() {
        assert_eq!(serde_json::to_string(&Currency::EUR).expect("serialize"), "\"EUR\"");
        let jpy: Currency = serde_json::from_str("\"JPY\"").expect("deserialize");
        assert_eq!(jpy.minor_digits(), 0, "the digits come from the table, not from the wire");
        assert!(serde_json::from_str::<Currency>("\"XYZ\"").is_err(), "an unknown code must not be guessed");
    }

    #[test]
    fn currencies_do_not_mix() {
        let r = Money::new(1, Currency::EUR).checked_add(Money::new(1, Currency::USD));
        assert!(matches!(r, Err(DomainError::CurrencyMismatch { .. })));
    }

    #[test]
    fn formats_and_parses_by_minor_digits() {
        let jpy = Currency::from_code("JPY").expect("JPY is known");
        let kwd = Currency::from_code("KWD").expect("KWD is known");
        assert_eq!(Currency::EUR.format_minor(-1230), "-12.30");
        assert_eq!(Currency::EUR.format_minor(5), "0.05");
        assert_eq!(jpy.format_minor(1200), "1200");
        assert_eq!(kwd.format_minor(1005), "1.005");
        assert_eq!(Currency::EUR.parse_minor("12.3"), Ok(1230));
        assert_eq!(Currency::EUR.parse_minor("-0.05"), Ok(-5));
        assert_eq!(Currency::EUR.parse_minor(".5"), Ok(50));
        assert!(Currency::EUR.parse_minor("1.234").is_err(), "more decimals than EUR has must be refused");
        assert!(Currency::EUR.parse_minor("1,20").is_err());
        assert!(Currency::EUR.parse_minor("").is_err());
        assert!(Currency::EUR.parse_minor("99999999999999999999").is_err());
        assert!(Currency::from_code("XYZ").is_err());
    }
}

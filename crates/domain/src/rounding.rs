//! Integer division with round-half-to-even, the one rounding rule Ringup uses for money.
//! Half-even ("banker's rounding") has no upward bias over many lines, which is why tax
//! authorities and card schemes accept it.

use crate::DomainError;

/// `num / den` rounded to the nearest integer, ties to the even neighbour. `den` must be
/// positive; both signs of `num` are handled symmetrically (−2.5 → −2, −3.5 → −4).
pub fn div_round_half_even(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0, "denominator must be positive");
    let quotient = num.div_euclid(den);
    let remainder = num.rem_euclid(den); // 0 <= remainder < den, quotient rounds toward −∞
    let twice = remainder * 2;
    if twice > den || (twice == den && quotient % 2 != 0) { quotient + 1 } else { quotient }
}

/// Narrows an i128 intermediate back to i64 minor units, or reports an overflow.
pub fn to_minor(value: i128, what: &'static str) -> Result<i64, DomainError> {
    i64::try_from(value).map_err(|_| DomainError::Overflow(what))
}

/// `amount * num / den`, rounded half-even, checked.
pub fn mul_div(amount: i64, num: i64, den: i64, what: &'static str) -> Result<i64, DomainError> {
    if den <= 0 {
        return Err(DomainError::Overflow(what));
    }
    to_minor(div_round_half_even(i128::from(amount) * i128::from(num), i128::from(den)), what)
}

/// Rounds an amount to a multiple of `increment_minor` (cash rounding, e.g. 5 for 0.05),
/// ties to the even multiple.
pub fn round_to_increment(amount_minor: i64, increment_minor: i64) -> Result<i64, DomainError> {
    if increment_minor < 1 {
        return Err(DomainError::InvalidRoundingIncrement(increment_minor));
    }
    let units = div_round_half_even(i128::from(amount_minor), i128::from(increment_minor));
    to_minor(units * i128::from(increment_minor), "cash rounding")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(num: i128, den: i128, expected: i128) {
        assert_eq!(div_round_half_even(num, den), expected, "{num}/{den}");
    }

    #[test]
    fn rounds_half_to_even_both_signs() {
        check(5, 2, 2);
        check(7, 2, 4);
        check(-5, 2, -2);
        check(-7, 2, -4);
        check(1, 3, 0);
        check(2, 3, 1);
        check(-2, 3, -1);
        check(-1, 3, 0);
        check(10, 5, 2);
        check(0, 7, 0);
    }

    #[test]
    fn cash_rounding_to_five_cents() {
        assert_eq!(round_to_increment(3483, 5), Ok(3485));
        assert_eq!(round_to_increment(3482, 5), Ok(3480));
        assert_eq!(round_to_increment(3481, 5), Ok(3480));
        assert_eq!(round_to_increment(3484, 5), Ok(3485));
        assert_eq!(round_to_increment(3485, 5), Ok(3485));
        // A tie at 10-cent increments goes to the even multiple: 0.05 → 0.00, 0.15 → 0.20.
        assert_eq!(round_to_increment(5, 10), Ok(0));
        assert_eq!(round_to_increment(15, 10), Ok(20));
        assert_eq!(round_to_increment(-3483, 5), Ok(-3485));
        assert!(round_to_increment(100, 0).is_err());
    }
}

//! Packed BCD numbers and the LLVAR / LLLVAR length prefixes of ZVT (PA00P015), and the one
//! error type shared by all ZVT field codecs ([`CodecError`]).
//!
//! Packed BCD (PA00P015, "Data formats"): two decimal digits per byte, the most significant
//! digit in the high nibble, numbers right-aligned and left-padded with zero digits. An amount
//! of 12.51 EUR in a 6-byte field is `00 00 00 00 12 51`.
//!
//! Variable-length fields (PA00P015, "Data formats", LLVAR / LLLVAR): the length is sent as
//! decimal digits, one per byte, each byte's high nibble set to `F`: `F1 F5` is 15 bytes,
//! `F1 F2 F0` is 120 bytes.

/// Everything that can go wrong encoding or decoding a ZVT field, TLV container or APDU
/// (PA00P015). Messages are meant to be readable in a log by someone who is not reading the
/// spec at the same time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// A number has more digits than its BCD field holds.
    #[error("{value} does not fit in a {bytes}-byte BCD field (at most {} digits)", 2 * .bytes)]
    BcdOverflow { value: u64, bytes: usize },
    /// A byte of a BCD field has a nibble that is not a decimal digit.
    #[error("byte {byte:#04x} is not packed BCD: both halves must be decimal digits 0-9")]
    InvalidBcd { byte: u8 },
    /// A BCD field holds a number larger than 64 bits.
    #[error("BCD field of {len} bytes holds a number too large for 64 bits")]
    BcdTooLarge { len: usize },
    /// A length prefix (LLVAR, LLLVAR, TLV, APDU) or a value is longer than its format allows.
    #[error("{what} of {len} bytes is too long: the maximum is {max}")]
    TooLong { what: &'static str, len: usize, max: usize },
    /// An LLVAR/LLLVAR prefix byte is not `F0`..`F9`.
    #[error("malformed {what} length prefix {bytes:02X?}: every byte must be F0-F9")]
    InvalidLengthPrefix { what: &'static str, bytes: Vec<u8> },
    /// The data ends before a field does.
    #[error("truncated {what}: {needed} bytes needed, only {available} left")]
    Truncated { what: &'static str, needed: usize, available: usize },
    /// A BMP number that is not in [`crate::zvt::bmp::BMPS`]: its length is unknown, so
    /// nothing after it can be read.
    #[error("unknown BMP {0:#04x}: its length is not known, so the rest of the message cannot be read")]
    UnknownBmp(u8),
    /// A fixed-length BMP value (or other fixed field) has the wrong number of bytes.
    #[error("{what} must be {expected} bytes long, not {actual}")]
    WrongLength { what: &'static str, expected: usize, actual: usize },
    /// The same BMP appears twice in one message.
    #[error("BMP {0:#04x} appears twice in one message")]
    DuplicateBmp(u8),
    /// Sensitive card data (track data, CVV, PIN data, raw chip data) is never kept, so it
    /// cannot be encoded either.
    #[error("BMP {0:#04x} holds sensitive card data, which is never kept and cannot be sent")]
    SensitiveBmp(u8),
    /// A card number (BMP 22) contains something other than digits, masked digits and a final
    /// padding nibble.
    #[error("card number: {0}")]
    InvalidCardNumber(String),
    /// A character that code page 437, the ZVT character set, cannot represent.
    #[error("text contains {ch:?}, which code page 437 (the ZVT character set) cannot represent")]
    Unencodable { ch: char },
    /// A TLV tag that is not a valid 1-3 byte BER tag.
    #[error("TLV tag {tag:#x} is not a valid BER tag of 1-3 bytes")]
    InvalidTlvTag { tag: u32 },
    /// A TLV length byte other than the short form, `81` or `82`.
    #[error("unsupported TLV length byte {first:#04x}: only lengths below 0x80, 81 xx and 82 xx xx are used")]
    UnsupportedTlvLength { first: u8 },
    /// TLV containers nested deeper than [`crate::zvt::tlv::MAX_TLV_DEPTH`].
    #[error("TLV containers nested more than {max} levels deep")]
    TlvTooDeep { max: usize },
    /// A TLV node whose value kind disagrees with its tag's constructed bit (0x20).
    #[error("TLV tag {tag:#x} is {} but its value is not", if *.constructed { "constructed" } else { "primitive" })]
    TlvKindMismatch { tag: u32, constructed: bool },
    /// An APDU was handed to the parser of a different message.
    #[error("APDU {class:02X} {instr:02X} is not a {expected}")]
    UnexpectedApdu { class: u8, instr: u8, expected: &'static str },
    /// A mandatory field is missing.
    #[error("{what} is missing its {field}")]
    MissingField { what: &'static str, field: &'static str },
    /// Fields that cannot be combined, or a value the format cannot carry.
    #[error("{what}: {reason}")]
    InvalidField { what: &'static str, reason: &'static str },
}

/// Largest LLVAR length: two decimal digits. PA00P015, "Data formats".
pub const LLVAR_MAX: usize = 99;

/// Largest LLLVAR length: three decimal digits. PA00P015, "Data formats".
pub const LLLVAR_MAX: usize = 999;

/// Encodes `value` as packed BCD in exactly `bytes` bytes, left-padded with zero digits.
///
/// # Errors
/// [`CodecError::BcdOverflow`] when `value` has more than `2 * bytes` digits.
pub fn encode_bcd(value: u64, bytes: usize) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![0u8; bytes];
    let mut rest = value;
    for byte in out.iter_mut().rev() {
        let low = (rest % 10) as u8;
        let high = (rest / 10 % 10) as u8;
        *byte = (high << 4) | low;
        rest /= 100;
    }
    if rest == 0 { Ok(out) } else { Err(CodecError::BcdOverflow { value, bytes }) }
}

/// Decodes packed BCD (any number of bytes, most significant first).
///
/// # Errors
/// [`CodecError::InvalidBcd`] for a nibble above 9, [`CodecError::BcdTooLarge`] when the number
/// does not fit in 64 bits.
pub fn decode_bcd(bytes: &[u8]) -> Result<u64, CodecError> {
    let mut value: u64 = 0;
    for &byte in bytes {
        let (high, low) = (byte >> 4, byte & 0x0F);
        if high > 9 || low > 9 {
            return Err(CodecError::InvalidBcd { byte });
        }
        value = value
            .checked_mul(100)
            .and_then(|v| v.checked_add(u64::from(high * 10 + low)))
            .ok_or(CodecError::BcdTooLarge { len: bytes.len() })?;
    }
    Ok(value)
}

/// Decodes a BCD field into a narrower integer type (`u8`, `u16`, `u32`).
pub(crate) fn decode_bcd_as<T: TryFrom<u64>>(bytes: &[u8]) -> Result<T, CodecError> {
    let value = decode_bcd(bytes)?;
    T::try_from(value).map_err(|_| CodecError::BcdTooLarge { len: bytes.len() })
}

/// Encodes a decimal length as `digits` bytes `F<d>`.
fn encode_var_len(len: usize, digits: usize, what: &'static str, max: usize) -> Result<Vec<u8>, CodecError> {
    if len > max {
        return Err(CodecError::TooLong { what, len, max });
    }
    let mut out = vec![0xF0u8; digits];
    let mut rest = len;
    for byte in out.iter_mut().rev() {
        *byte |= (rest % 10) as u8;
        rest /= 10;
    }
    Ok(out)
}

/// Reads a `digits`-byte `F<d>` length from the front of `bytes`.
fn decode_var_len(bytes: &[u8], digits: usize, what: &'static str) -> Result<usize, CodecError> {
    let prefix = bytes.get(..digits).ok_or(CodecError::Truncated { what, needed: digits, available: bytes.len() })?;
    let mut len = 0usize;
    for &byte in prefix {
        if byte >> 4 != 0xF || byte & 0x0F > 9 {
            return Err(CodecError::InvalidLengthPrefix { what, bytes: prefix.to_vec() });
        }
        len = len * 10 + usize::from(byte & 0x0F);
    }
    Ok(len)
}

/// Encodes an LLVAR length prefix (`F x F y`, PA00P015 "Data formats").
///
/// # Errors
/// [`CodecError::TooLong`] above [`LLVAR_MAX`].
pub fn encode_llvar_len(len: usize) -> Result<Vec<u8>, CodecError> {
    encode_var_len(len, 2, "LLVAR field", LLVAR_MAX)
}

/// Reads the LLVAR length prefix at the front of `bytes` (it occupies 2 bytes).
///
/// # Errors
/// [`CodecError::Truncated`] or [`CodecError::InvalidLengthPrefix`].
pub fn decode_llvar_len(bytes: &[u8]) -> Result<usize, CodecError> {
    decode_var_len(bytes, 2, "LLVAR field")
}

/// Encodes an LLLVAR length prefix (`F x F y F z`, PA00P015 "Data formats").
///
/// # Errors
/// [`CodecError::TooLong`] above [`LLLVAR_MAX`].
pub fn encode_lllvar_len(len: usize) -> Result<Vec<u8>, CodecError> {
    encode_var_len(len, 3, "LLLVAR field", LLLVAR_MAX)
}

/// Reads the LLLVAR length prefix at the front of `bytes` (it occupies 3 bytes).
///
/// # Errors
/// [`CodecError::Truncated`] or [`CodecError::InvalidLengthPrefix`].
pub fn decode_lllvar_len(bytes: &[u8]) -> Result<usize, CodecError> {
    decode_var_len(bytes, 3, "LLLVAR field")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_bcd(value: u64, bytes: usize, expected: &[u8]) {
        assert_eq!(encode_bcd(value, bytes).unwrap(), expected, "encoding {value}");
        assert_eq!(decode_bcd(expected).unwrap(), value, "decoding {expected:02X?}");
    }

    #[test]
    fn bcd_vectors() {
        check_bcd(1251, 6, &[0x00, 0x00, 0x00, 0x00, 0x12, 0x51]);
        check_bcd(978, 2, &[0x09, 0x78]);
        check_bcd(123_456, 3, &[0x12, 0x34, 0x56]);
        check_bcd(0, 3, &[0x00, 0x00, 0x00]);
        check_bcd(52_523_535, 4, &[0x52, 0x52, 0x35, 0x35]);
        check_bcd(999_999_999_999, 6, &[0x99; 6]);
        check_bcd(u64::MAX, 10, &[0x18, 0x44, 0x67, 0x44, 0x07, 0x37, 0x09, 0x55, 0x16, 0x15]);
    }

    #[test]
    fn zero_width_field_holds_only_zero() {
        assert_eq!(encode_bcd(0, 0).unwrap(), Vec::<u8>::new());
        assert_eq!(decode_bcd(&[]).unwrap(), 0);
    }

    #[test]
    fn too_large_values_are_rejected() {
        assert_eq!(encode_bcd(1_000_000, 3), Err(CodecError::BcdOverflow { value: 1_000_000, bytes: 3 }));
        assert_eq!(encode_bcd(100, 1), Err(CodecError::BcdOverflow { value: 100, bytes: 1 }));
        assert_eq!(
            encode_bcd(1_000_000_000_000, 6).unwrap_err().to_string(),
            "1000000000000 does not fit in a 6-byte BCD field (at most 12 digits)"
        );
    }

    #[test]
    fn non_decimal_nibbles_are_rejected() {
        assert_eq!(decode_bcd(&[0x12, 0x3A]), Err(CodecError::InvalidBcd { byte: 0x3A }));
        assert_eq!(decode_bcd(&[0xF1]), Err(CodecError::InvalidBcd { byte: 0xF1 }));
        assert_eq!(
            decode_bcd(&[0xFF]).unwrap_err().to_string(),
            "byte 0xff is not packed BCD: both halves must be decimal digits 0-9"
        );
        assert_eq!(decode_bcd(&[0x99; 11]), Err(CodecError::BcdTooLarge { len: 11 }));
        assert_eq!(decode_bcd_as::<u8>(&[0x02, 0x56]), Err(CodecError::BcdTooLarge { len: 2 }));
        assert_eq!(decode_bcd_as::<u16>(&[0x09, 0x78]), Ok(978));
    }

    #[test]
    fn llvar_and_lllvar_vectors() {
        assert_eq!(encode_llvar_len(0).unwrap(), [0xF0, 0xF0]);
        assert_eq!(encode_llvar_len(8).unwrap(), [0xF0, 0xF8]);
        assert_eq!(encode_llvar_len(11).unwrap(), [0xF1, 0xF1]);
        assert_eq!(encode_llvar_len(99).unwrap(), [0xF9, 0xF9]);
        assert_eq!(encode_lllvar_len(53).unwrap(), [0xF0, 0xF5, 0xF3]);
        assert_eq!(encode_lllvar_len(999).unwrap(), [0xF9, 0xF9, 0xF9]);
        assert_eq!(decode_llvar_len(&[0xF1, 0xF0, 0x47]).unwrap(), 10);
        assert_eq!(decode_lllvar_len(&[0xF0, 0xF7, 0xF0]).unwrap(), 70);
    }

    #[test]
    fn llvar_errors() {
        assert_eq!(encode_llvar_len(100), Err(CodecError::TooLong { what: "LLVAR field", len: 100, max: 99 }));
        assert_eq!(encode_lllvar_len(1000), Err(CodecError::TooLong { what: "LLLVAR field", len: 1000, max: 999 }));
        assert_eq!(
            decode_llvar_len(&[0xF1]),
            Err(CodecError::Truncated { what: "LLVAR field", needed: 2, available: 1 })
        );
        assert_eq!(
            decode_llvar_len(&[0x01, 0xF1]).unwrap_err().to_string(),
            "malformed LLVAR field length prefix [01, F1]: every byte must be F0-F9"
        );
        assert!(decode_lllvar_len(&[0xF0, 0xFA, 0xF0]).is_err());
    }

    proptest! {
        #[test]
        fn bcd_round_trips(value in any::<u64>(), bytes in 0usize..12) {
            match encode_bcd(value, bytes) {
                Ok(encoded) => {
                    prop_assert_eq!(encoded.len(), bytes);
                    prop_assert_eq!(decode_bcd(&encoded).unwrap(), value);
                }
                Err(_) => prop_assert!(bytes < 10 && value >= 10u64.pow(2 * bytes as u32)),
            }
        }

        #[test]
        fn decode_bcd_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..16)) {
            let _ = decode_bcd(&bytes);
        }

        #[test]
        fn var_lengths_round_trip(len in 0usize..=999) {
            if len <= LLVAR_MAX {
                prop_assert_eq!(decode_llvar_len(&encode_llvar_len(len).unwrap()).unwrap(), len);
            }
            prop_assert_eq!(decode_lllvar_len(&encode_lllvar_len(len).unwrap()).unwrap(), len);
        }
    }
}

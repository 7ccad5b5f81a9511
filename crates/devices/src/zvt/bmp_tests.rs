//! Unit tests of [`super`] (the BMP codec), kept in their own file so `bmp.rs` stays short.

use super::*;
use crate::zvt::tlv::tests::any_tree;
use proptest::prelude::*;

/// Parses `bytes` into `expected`, and encodes `expected` back into exactly `bytes`.
fn check(bytes: &[u8], expected: &[Bmp]) {
    assert_eq!(parse_bmps(bytes).unwrap(), expected, "parsing {bytes:02X?}");
    let encoded: Vec<u8> = expected.iter().flat_map(|bmp| encode_bmp(bmp).unwrap()).collect();
    assert_eq!(encoded, bytes, "encoding {expected:?}");
}

#[test]
fn table_is_sorted_unique_and_covers_the_typed_variants() {
    assert!(BMPS.windows(2).all(|w| w[0].tag < w[1].tag), "BMPS must be in strictly ascending tag order");
    for tag in [0x01, 0x03, 0x04, 0x06, 0x0B, 0x0C, 0x0D, 0x19, 0x22, 0x27, 0x29, 0x37, 0x3C, 0x3D, 0x49] {
        assert!(bmp_spec(tag).is_some(), "{tag:#04x}");
    }
    for &tag in SENSITIVE_BMPS {
        assert!(bmp_spec(tag).is_some(), "sensitive BMP {tag:#04x} must be known to be skipped");
    }
    assert_eq!(bmp_spec(0x3A).map(|s| s.format), Some(BmpFormat::Binary(2)));
    assert_eq!(bmp_spec(0x24).map(|s| s.format), Some(BmpFormat::LllVar));
    assert_eq!(bmp_spec(0xEC), None);
}

#[test]
fn fixed_length_vectors() {
    check(&[0x04, 0x00, 0x00, 0x00, 0x00, 0x12, 0x51], &[Bmp::Amount(1251)]);
    check(&[0x49, 0x09, 0x78], &[Bmp::Currency(978)]);
    check(&[0x0B, 0x00, 0x09, 0x75], &[Bmp::Trace(975)]);
    check(&[0x0C, 0x22, 0x55, 0x58], &[Bmp::Time { hour: 22, minute: 55, second: 58 }]);
    check(&[0x0D, 0x04, 0x05], &[Bmp::Date { month: 4, day: 5 }]);
    check(&[0x29, 0x52, 0x52, 0x35, 0x35], &[Bmp::TerminalId(52_523_535)]);
    check(&[0x87, 0x02, 0x31, 0x88, 0x00, 0x01, 0x23], &[Bmp::ReceiptNo(231), Bmp::TurnoverNo(123)]);
    check(
        &[0x27, 0x00, 0x19, 0x60, 0x8A, 0x06, 0x8C, 0x01],
        &[Bmp::ResultCode(0), Bmp::PaymentType(0x60), Bmp::CardType(6), Bmp::CardTypeId(1)],
    );
    check(&[0x37, 0x00, 0x09, 0x77, 0x3D, 0x12, 0x34, 0x56], &[Bmp::OriginalTrace(977), Bmp::Password(123_456)]);
    check(&[0x01, 0x3C, 0x03, 0x80], &[Bmp::Timeout(60), Bmp::ServiceByte(0x80)]);
    check(&[0x0E, 0x24, 0x05], &[Bmp::Other { tag: 0x0E, bytes: vec![0x24, 0x05] }]);
    check(
        &[0x2A, b'8', b'0', b'4', b'0', b'1', b'1', b'9', b'2', b'6', b' ', b' ', b' ', b' ', b' ', b' '],
        &[Bmp::Other { tag: 0x2A, bytes: b"804011926      ".to_vec() }],
    );
}

#[test]
fn masked_card_number_from_a_real_terminal() {
    // 55 98 83 EE EE EE 80 74: the terminal masked the middle six digits.
    check(
        &[0x22, 0xF0, 0xF8, 0x55, 0x98, 0x83, 0xEE, 0xEE, 0xEE, 0x80, 0x74],
        &[Bmp::MaskedPan("559883******8074".to_string())],
    );
}

#[test]
fn an_unmasked_card_number_is_masked_on_the_way_in() {
    // A real pre-authorisation answer carried 19 clear digits, padded with F.
    let bytes = [0x22, 0xF1, 0xF0, 0x47, 0x11, 0x00, 0x80, 0x05, 0x75, 0x70, 0x38, 0x00, 0x4F];
    assert_eq!(parse_bmps(&bytes).unwrap(), [Bmp::MaskedPan("471100*********8004".to_string())]);
    assert_eq!(mask_pan("4111111111111111"), "411111******1111");
    assert_eq!(mask_pan("1234567890"), "******7890");
    assert_eq!(mask_pan("123"), "123");
    assert_eq!(mask_pan(""), "");
}

#[test]
fn invalid_card_numbers() {
    assert!(matches!(parse_bmps(&[0x22, 0xF0, 0xF1, 0x1A]), Err(CodecError::InvalidCardNumber(_))));
    assert!(matches!(parse_bmps(&[0x22, 0xF0, 0xF2, 0x1F, 0x23]), Err(CodecError::InvalidCardNumber(_))));
    assert_eq!(
        encode_bmp(&Bmp::MaskedPan("4111-1111".into())).unwrap_err().to_string(),
        "card number: '-' is neither a digit nor '*'"
    );
}

#[test]
fn text_fields_are_cp437_and_lose_nul_padding() {
    let mut bytes = vec![0x8B, 0xF1, 0xF1];
    bytes.extend(b"MasterCard\0");
    assert_eq!(parse_bmps(&bytes).unwrap(), [Bmp::CardName("MasterCard".into())]);
    let mut bytes = vec![0x3C, 0xF0, 0xF1, 0xF1];
    bytes.extend(b"Gr\x81\xe1e\rDanke");
    check(&bytes, &[Bmp::AdditionalText("Grüße\rDanke".into())]);
    assert_eq!(encode_bmp(&Bmp::CardName("€".into())), Err(CodecError::Unencodable { ch: '€' }));
}

#[test]
fn sensitive_bmps_are_skipped_and_cannot_be_encoded() {
    let bytes = [
        0x23, 0xF0, 0xF3, 0x47, 0x11, 0xD2, // track 2
        0x3A, 0x12, 0x3F, // CVV
        0x24, 0xF0, 0xF0, 0xF1, 0x99, // track 3
        0x27, 0x00,
    ];
    let parsed = parse_bmps(&bytes).unwrap();
    assert_eq!(
        parsed,
        [Bmp::Sensitive { tag: 0x23 }, Bmp::Sensitive { tag: 0x3A }, Bmp::Sensitive { tag: 0x24 }, Bmp::ResultCode(0)]
    );
    assert!(!format!("{parsed:?}").contains("4711"), "no trace of the track data is kept");
    assert_eq!(encode_bmp(&Bmp::Sensitive { tag: 0x23 }), Err(CodecError::SensitiveBmp(0x23)));
    assert_eq!(encode_bmp(&Bmp::Other { tag: 0x2D, bytes: vec![1] }), Err(CodecError::SensitiveBmp(0x2D)));
}

#[test]
fn receipt_number_ffff_is_not_a_number() {
    check(&[0x87, 0xFF, 0xFF], &[Bmp::Other { tag: 0x87, bytes: vec![0xFF, 0xFF] }]);
}

#[test]
fn tlv_container() {
    let bytes = [0x06, 0x04, 0x1F, 0x4C, 0x01, 0x01];
    check(&bytes, &[Bmp::Tlv(vec![TlvNode::primitive(0x1F4C, [0x01])])]);
    check(&[0x06, 0x00], &[Bmp::Tlv(vec![])]);
}

#[test]
fn errors() {
    assert_eq!(parse_bmps(&[0x27, 0x00, 0x42, 0x01]), Err(CodecError::UnknownBmp(0x42)));
    assert_eq!(
        parse_bmps(&[0x42]).unwrap_err().to_string(),
        "unknown BMP 0x42: its length is not known, so the rest of the message cannot be read"
    );
    assert_eq!(parse_bmps(&[0x04, 0x00, 0x12]), Err(CodecError::Truncated { what: "amount", needed: 6, available: 2 }));
    assert_eq!(parse_bmps(&[0x04, 0x00, 0x00, 0x00, 0x00, 0x12, 0x5A]), Err(CodecError::InvalidBcd { byte: 0x5A }));
    assert_eq!(
        parse_bmps(&[0x8B, 0xF0, 0xF5, b'a']).unwrap_err().to_string(),
        "truncated card name: 7 bytes needed, only 3 left"
    );
    assert_eq!(
        encode_bmp(&Bmp::Amount(1_000_000_000_000)),
        Err(CodecError::BcdOverflow { value: 1_000_000_000_000, bytes: 6 })
    );
    assert_eq!(encode_bmp(&Bmp::Currency(10_000)), Err(CodecError::BcdOverflow { value: 10_000, bytes: 2 }));
    assert_eq!(
        encode_bmp(&Bmp::Time { hour: 100, minute: 0, second: 0 }),
        Err(CodecError::BcdOverflow { value: 100, bytes: 1 })
    );
    assert_eq!(
        encode_bmp(&Bmp::Other { tag: 0x2A, bytes: b"short".to_vec() }),
        Err(CodecError::WrongLength { what: "VU number", expected: 15, actual: 5 })
    );
    assert_eq!(encode_bmp(&Bmp::Other { tag: 0x42, bytes: vec![] }), Err(CodecError::UnknownBmp(0x42)));
    assert!(matches!(encode_bmp(&Bmp::CardName("x".repeat(100))), Err(CodecError::TooLong { len: 100, .. })));
    assert!(parse_bmps(&[]).unwrap().is_empty());
}

/// Typed BMPs whose encoding parses back to themselves.
pub(crate) fn any_bmp() -> impl Strategy<Value = Bmp> {
    let text = "[ -~äöüÄÖÜß]{0,30}";
    prop_oneof![
        any::<u8>().prop_map(Bmp::Timeout),
        any::<u8>().prop_map(Bmp::ServiceByte),
        (0u64..=999_999_999_999).prop_map(Bmp::Amount),
        any_tree().prop_map(Bmp::Tlv),
        (0u32..=999_999).prop_map(Bmp::Trace),
        (0u8..24, 0u8..60, 0u8..60).prop_map(|(hour, minute, second)| Bmp::Time { hour, minute, second }),
        (1u8..=12, 1u8..=31).prop_map(|(month, day)| Bmp::Date { month, day }),
        any::<u8>().prop_map(Bmp::PaymentType),
        any_masked_pan().prop_map(Bmp::MaskedPan),
        any::<u8>().prop_map(Bmp::ResultCode),
        (0u32..=99_999_999).prop_map(Bmp::TerminalId),
        (0u32..=999_999).prop_map(Bmp::OriginalTrace),
        text.prop_map(Bmp::AdditionalText),
        (0u32..=999_999).prop_map(Bmp::Password),
        (0u16..=9999).prop_map(Bmp::Currency),
        (0u32..=9999).prop_map(Bmp::ReceiptNo),
        (0u32..=999_999).prop_map(Bmp::TurnoverNo),
        any::<u8>().prop_map(Bmp::CardType),
        text.prop_map(Bmp::CardName),
        any::<u8>().prop_map(Bmp::CardTypeId),
        prop::collection::vec(any::<u8>(), 15).prop_map(|bytes| Bmp::Other { tag: 0x2A, bytes }),
        prop::collection::vec(any::<u8>(), 0..=99).prop_map(|bytes| Bmp::Other { tag: 0xF1, bytes }),
    ]
}

/// Card numbers as a terminal sends them masked: 6 digits, 2-9 '*', 4 digits.
pub(crate) fn any_masked_pan() -> impl Strategy<Value = String> {
    ("[0-9]{6}", 2usize..=9, "[0-9]{4}").prop_map(|(head, stars, tail)| format!("{head}{}{tail}", "*".repeat(stars)))
}

proptest! {
    #[test]
    fn typed_bmps_round_trip(bmps in prop::collection::vec(any_bmp(), 0..6)) {
        let bytes: Vec<u8> = bmps.iter().flat_map(|bmp| encode_bmp(bmp).unwrap()).collect();
        prop_assert_eq!(parse_bmps(&bytes).unwrap(), bmps);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_bmps(&bytes);
    }

    #[test]
    fn plausible_bytes_never_panic(
        bytes in prop::collection::vec(prop_oneof![
            Just(0x06u8), Just(0x22), Just(0x3C), Just(0x87), Just(0xF0), Just(0xF9), Just(0xFF), any::<u8>()
        ], 0..200)
    ) {
        let _ = parse_bmps(&bytes);
    }
}

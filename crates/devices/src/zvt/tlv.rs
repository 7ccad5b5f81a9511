//! The BER-TLV container carried in BMP 06 (PA00P015, chapter "TLV-container").
//!
//! Each data object is `tag length value`:
//! - tag: 1-3 bytes. When the low 5 bits of the first byte are all 1 (`xx011111`), more tag
//!   bytes follow, each but the last with its high bit set (`1F 07`, `1F 45`). Bit 6 of the
//!   first byte (0x20) marks a constructed object, whose value is itself a TLV sequence.
//! - length: `0x00`-`0x7F` in one byte, `81 xx` up to 255, `82 xx xx` (big-endian) up to 65535.
//!
//! Parsing is bounded: at most [`MAX_TLV_DEPTH`] nested levels, values of at most
//! [`MAX_TLV_LEN`] bytes, and it never reads past its input, so arbitrary bytes yield `Ok` or
//! `Err`, never a panic.
//!
//! Print text blocks (06 D3, PA00P015 "Print Text-Block"): the container holds an optional
//! receipt type [`TAG_RECEIPT_TYPE`] (1F07) and the constructed print-texts object
//! [`TAG_PRINT_TEXTS`] (25), which holds one [`TAG_TEXT_LINE`] (07) per line (empty lines as
//! `07 00`), and on some terminals a final [`TAG_TEXT_ATTRIBUTE`] (09) byte — zvt-0.1.0 calls it
//! end-of-receipt, the captured receipts end with `09 01 FF`. [`print_text_lines`],
//! [`receipt_type`] and [`print_text_block`] read and build that layout.

use super::bcd::CodecError;
use super::text::{decode_cp437, encode_cp437};

/// Deepest nesting accepted: a top-level object is level 1, and an object at a deeper level is
/// an error (an empty constructed object at the deepest level is fine). The containers seen in
/// practice nest two levels (25 → 07, 60 → 43); 8 leaves room without unbounded recursion.
pub const MAX_TLV_DEPTH: usize = 8;

/// Largest value length the `82 xx xx` form can express.
pub const MAX_TLV_LEN: usize = 0xFFFF;

/// Text line (07), CP437 text, inside display texts (24) and print texts (25).
/// PA00P015, TLV tag list.
pub const TAG_TEXT_LINE: u32 = 0x07;
/// Attribute (09) inside print texts; 1 byte. PA00P015, TLV tag list.
pub const TAG_TEXT_ATTRIBUTE: u32 = 0x09;
/// Display texts (24), constructed, holding text lines (07). PA00P015, TLV tag list.
pub const TAG_DISPLAY_TEXTS: u32 = 0x24;
/// Print texts (25), constructed, holding text lines (07). PA00P015, TLV tag list.
pub const TAG_PRINT_TEXTS: u32 = 0x25;
/// Receipt type (1F07), 1 byte: 01 merchant, 02 customer, 03 administration receipt.
/// PA00P015, TLV tag list.
pub const TAG_RECEIPT_TYPE: u32 = 0x1F07;
/// Extended error code (1F16), binary. PA00P015, TLV tag list (used in Abort 06 1E).
pub const TAG_EXTENDED_ERROR_CODE: u32 = 0x1F16;
/// Extended error text (1F17), CP437 text. PA00P015, TLV tag list (used in Abort 06 1E).
pub const TAG_EXTENDED_ERROR_TEXT: u32 = 0x1F17;

/// One TLV data object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlvNode {
    /// The tag bytes read as a big-endian number: `1F 07` is `0x1F07`.
    pub tag: u32,
    pub value: TlvValue,
}

/// The value of a [`TlvNode`]: raw bytes, or nested objects when the tag is constructed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlvValue {
    Primitive(Vec<u8>),
    Constructed(Vec<TlvNode>),
}

impl TlvNode {
    #[must_use]
    pub fn primitive(tag: u32, bytes: impl Into<Vec<u8>>) -> Self {
        Self { tag, value: TlvValue::Primitive(bytes.into()) }
    }

    #[must_use]
    pub fn constructed(tag: u32, children: Vec<TlvNode>) -> Self {
        Self { tag, value: TlvValue::Constructed(children) }
    }

    /// The raw bytes of a primitive node.
    #[must_use]
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            TlvValue::Primitive(bytes) => Some(bytes),
            TlvValue::Constructed(_) => None,
        }
    }

    /// The children of a constructed node.
    #[must_use]
    pub fn children(&self) -> Option<&[TlvNode]> {
        match &self.value {
            TlvValue::Primitive(_) => None,
            TlvValue::Constructed(children) => Some(children),
        }
    }
}

/// The first node with `tag` in `nodes` (not descending into constructed nodes).
#[must_use]
pub fn find(nodes: &[TlvNode], tag: u32) -> Option<&TlvNode> {
    nodes.iter().find(|node| node.tag == tag)
}

/// The tag's bytes, validated as a 1-3 byte BER tag.
///
/// # Errors
/// [`CodecError::InvalidTlvTag`] when the bytes would not read back as this tag.
pub fn tag_bytes(tag: u32) -> Result<Vec<u8>, CodecError> {
    let [_, b1, b2, b3] = tag.to_be_bytes();
    let bytes = match tag {
        0..=0xFF => vec![b3],
        0x100..=0xFFFF => vec![b2, b3],
        0x1_0000..=0xFF_FFFF => vec![b1, b2, b3],
        _ => return Err(CodecError::InvalidTlvTag { tag }),
    };
    // The first byte announces more bytes exactly when there are more; every following byte
    // but the last has its high bit set.
    let valid = match bytes.as_slice() {
        &[first] => first & 0x1F != 0x1F,
        &[first, .., last] => {
            first & 0x1F == 0x1F && last & 0x80 == 0 && bytes[1..bytes.len() - 1].iter().all(|b| b & 0x80 != 0)
        }
        [] => false,
    };
    if valid { Ok(bytes) } else { Err(CodecError::InvalidTlvTag { tag }) }
}

/// Whether the tag marks a constructed object (bit 0x20 of its first byte).
#[must_use]
pub fn is_constructed(tag: u32) -> bool {
    let first = match tag {
        0..=0xFF => tag,
        0x100..=0xFFFF => tag >> 8,
        _ => tag >> 16,
    };
    first & 0x20 != 0
}

/// Reads a tag from the front of `data`; returns it and the bytes it used.
fn read_tag(data: &[u8]) -> Result<(u32, usize), CodecError> {
    let truncated = |needed| CodecError::Truncated { what: "TLV tag", needed, available: data.len() };
    let &first = data.first().ok_or(truncated(1))?;
    let mut tag = u32::from(first);
    let mut used = 1;
    if first & 0x1F == 0x1F {
        loop {
            let &byte = data.get(used).ok_or(truncated(used + 1))?;
            used += 1;
            tag = (tag << 8) | u32::from(byte);
            if byte & 0x80 == 0 {
                break;
            }
            if used == 3 {
                return Err(CodecError::InvalidTlvTag { tag });
            }
        }
    }
    Ok((tag, used))
}

/// Reads a TLV length (short form, `81 xx` or `82 xx xx`) from the front of `data`; returns
/// it and the bytes it used.
///
/// # Errors
/// [`CodecError::Truncated`] or [`CodecError::UnsupportedTlvLength`].
pub fn decode_length(data: &[u8]) -> Result<(usize, usize), CodecError> {
    let truncated = |needed| CodecError::Truncated { what: "TLV length", needed, available: data.len() };
    match *data {
        [] => Err(truncated(1)),
        [short, ..] if short < 0x80 => Ok((usize::from(short), 1)),
        [0x81, len, ..] => Ok((usize::from(len), 2)),
        [0x82, hi, lo, ..] => Ok((usize::from(u16::from_be_bytes([hi, lo])), 3)),
        [0x81] => Err(truncated(2)),
        [0x82, ..] => Err(truncated(3)),
        [first, ..] => Err(CodecError::UnsupportedTlvLength { first }),
    }
}

/// Encodes a TLV length in its shortest form.
///
/// # Errors
/// [`CodecError::TooLong`] above [`MAX_TLV_LEN`].
pub fn encode_length(len: usize) -> Result<Vec<u8>, CodecError> {
    match len {
        0..=0x7F => Ok(vec![len as u8]),
        0x80..=0xFF => Ok(vec![0x81, len as u8]),
        0x100..=MAX_TLV_LEN => Ok(vec![0x82, (len >> 8) as u8, len as u8]),
        _ => Err(CodecError::TooLong { what: "TLV value", len, max: MAX_TLV_LEN }),
    }
}

/// Parses a sequence of TLV objects that fills `data` exactly.
///
/// # Errors
/// Truncated or malformed objects, nesting deeper than [`MAX_TLV_DEPTH`].
pub fn parse_tlv(data: &[u8]) -> Result<Vec<TlvNode>, CodecError> {
    parse_level(data, 1)
}

fn parse_level(mut data: &[u8], depth: usize) -> Result<Vec<TlvNode>, CodecError> {
    if depth > MAX_TLV_DEPTH && !data.is_empty() {
        return Err(CodecError::TlvTooDeep { max: MAX_TLV_DEPTH });
    }
    let mut nodes = Vec::new();
    while !data.is_empty() {
        let (tag, tag_len) = read_tag(data)?;
        let (len, len_len) = decode_length(&data[tag_len..])?;
        let start = tag_len + len_len;
        let value = data.get(start..start + len).ok_or(CodecError::Truncated {
            what: "TLV value",
            needed: start + len,
            available: data.len(),
        })?;
        let value = if is_constructed(tag) {
            TlvValue::Constructed(parse_level(value, depth + 1)?)
        } else {
            TlvValue::Primitive(value.to_vec())
        };
        nodes.push(TlvNode { tag, value });
        data = &data[start + len..];
    }
    Ok(nodes)
}

/// Encodes TLV objects (without an outer length; BMP 06 adds its own).
///
/// # Errors
/// Invalid tags, values that disagree with their tag's constructed bit, values longer than
/// [`MAX_TLV_LEN`], nesting deeper than [`MAX_TLV_DEPTH`].
pub fn encode_tlv(nodes: &[TlvNode]) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode_level(nodes, 1, &mut out)?;
    Ok(out)
}

fn encode_level(nodes: &[TlvNode], depth: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    if depth > MAX_TLV_DEPTH && !nodes.is_empty() {
        return Err(CodecError::TlvTooDeep { max: MAX_TLV_DEPTH });
    }
    for node in nodes {
        let constructed = is_constructed(node.tag);
        let value = match (&node.value, constructed) {
            (TlvValue::Primitive(bytes), false) => bytes.clone(),
            (TlvValue::Constructed(children), true) => {
                let mut inner = Vec::new();
                encode_level(children, depth + 1, &mut inner)?;
                inner
            }
            _ => return Err(CodecError::TlvKindMismatch { tag: node.tag, constructed }),
        };
        out.extend(tag_bytes(node.tag)?);
        out.extend(encode_length(value.len())?);
        out.extend(value);
    }
    Ok(())
}

/// The text lines of a print text block: every text line (07) inside the print texts (25)
/// object, decoded from CP437, in order. Empty when there is no print texts object.
#[must_use]
pub fn print_text_lines(nodes: &[TlvNode]) -> Vec<String> {
    find(nodes, TAG_PRINT_TEXTS)
        .and_then(TlvNode::children)
        .unwrap_or_default()
        .iter()
        .filter(|node| node.tag == TAG_TEXT_LINE)
        .filter_map(TlvNode::bytes)
        .map(decode_cp437)
        .collect()
}

/// The receipt type (1F07) of a print text block, when present and one byte long.
#[must_use]
pub fn receipt_type(nodes: &[TlvNode]) -> Option<u8> {
    match find(nodes, TAG_RECEIPT_TYPE)?.bytes()? {
        &[byte] => Some(byte),
        _ => None,
    }
}

/// Builds the TLV objects of a print text block: receipt type (1F07) when given, then print
/// texts (25) with one text line (07) per line — the order real terminals send.
///
/// # Errors
/// [`CodecError::Unencodable`] for text CP437 cannot represent.
pub fn print_text_block(lines: &[String], receipt_type: Option<u8>) -> Result<Vec<TlvNode>, CodecError> {
    let text_lines = lines
        .iter()
        .map(|line| Ok(TlvNode::primitive(TAG_TEXT_LINE, encode_cp437(line)?)))
        .collect::<Result<_, _>>()?;
    let mut nodes: Vec<TlvNode> =
        receipt_type.map(|kind| TlvNode::primitive(TAG_RECEIPT_TYPE, [kind])).into_iter().collect();
    nodes.push(TlvNode::constructed(TAG_PRINT_TEXTS, text_lines));
    Ok(nodes)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(bytes: &[u8], nodes: &[TlvNode]) {
        assert_eq!(parse_tlv(bytes).unwrap(), nodes, "parsing {bytes:02X?}");
        assert_eq!(encode_tlv(nodes).unwrap(), bytes, "encoding {nodes:?}");
    }

    #[test]
    fn primitive_and_multi_byte_tags() {
        check(&[0x1F, 0x4C, 0x01, 0x01], &[TlvNode::primitive(0x1F4C, [0x01])]);
        check(&[0x07, 0x00], &[TlvNode::primitive(0x07, [])]);
        check(
            &[0x5F, 0x81, 0x01, 0x02, 0xAA, 0xBB, 0x09, 0x01, 0xFF],
            &[TlvNode::primitive(0x5F8101, [0xAA, 0xBB]), TlvNode::primitive(0x09, [0xFF])],
        );
    }

    #[test]
    fn nested_application_list_from_a_real_status_information() {
        // 60 09 43 07 A0 00 00 00 04 10 10: application (60, constructed) holding its AID (43).
        let bytes = [0x60, 0x09, 0x43, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10];
        let aid = TlvNode::primitive(0x43, [0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10]);
        check(&bytes, &[TlvNode::constructed(0x60, vec![aid])]);
    }

    #[test]
    fn long_length_forms() {
        let value = vec![0x41; 200];
        let mut bytes = vec![0x07, 0x81, 200];
        bytes.extend(&value);
        check(&bytes, &[TlvNode::primitive(0x07, value)]);
        let value = vec![0x42; 300];
        let mut bytes = vec![0x07, 0x82, 0x01, 0x2C];
        bytes.extend(&value);
        check(&bytes, &[TlvNode::primitive(0x07, value)]);
        // A long form for a short length is accepted on input.
        assert_eq!(parse_tlv(&[0x07, 0x81, 0x01, 0x41]).unwrap(), [TlvNode::primitive(0x07, [0x41])]);
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert_eq!(
            parse_tlv(&[0x07, 0x05, 0x41]),
            Err(CodecError::Truncated { what: "TLV value", needed: 7, available: 3 })
        );
        assert_eq!(parse_tlv(&[0x07, 0x83, 0, 0, 1]), Err(CodecError::UnsupportedTlvLength { first: 0x83 }));
        assert_eq!(parse_tlv(&[0x07, 0x80]), Err(CodecError::UnsupportedTlvLength { first: 0x80 }));
        assert_eq!(parse_tlv(&[0x1F]), Err(CodecError::Truncated { what: "TLV tag", needed: 2, available: 1 }));
        assert_eq!(parse_tlv(&[0x1F, 0x81, 0x82, 0x01, 0x00]), Err(CodecError::InvalidTlvTag { tag: 0x1F8182 }));
        assert_eq!(parse_tlv(&[0x07]), Err(CodecError::Truncated { what: "TLV length", needed: 1, available: 0 }));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut bytes = vec![0x20, 0x00];
        for _ in 1..MAX_TLV_DEPTH {
            let mut outer = vec![0x20, bytes.len() as u8];
            outer.extend(bytes);
            bytes = outer;
        }
        assert!(parse_tlv(&bytes).is_ok(), "{MAX_TLV_DEPTH} levels are fine");
        let mut too_deep = vec![0x20, bytes.len() as u8];
        too_deep.extend(&bytes);
        assert_eq!(parse_tlv(&too_deep), Err(CodecError::TlvTooDeep { max: MAX_TLV_DEPTH }));
        let mut node = TlvNode::constructed(0x20, vec![]);
        for _ in 0..MAX_TLV_DEPTH {
            node = TlvNode::constructed(0x20, vec![node]);
        }
        assert_eq!(encode_tlv(&[node]), Err(CodecError::TlvTooDeep { max: MAX_TLV_DEPTH }));
    }

    #[test]
    fn invalid_nodes_cannot_be_encoded() {
        assert_eq!(encode_tlv(&[TlvNode::primitive(0x1F, [])]), Err(CodecError::InvalidTlvTag { tag: 0x1F }));
        assert_eq!(encode_tlv(&[TlvNode::primitive(0x0107, [])]), Err(CodecError::InvalidTlvTag { tag: 0x0107 }));
        assert_eq!(encode_tlv(&[TlvNode::primitive(0x1F8187, [])]), Err(CodecError::InvalidTlvTag { tag: 0x1F8187 }));
        assert_eq!(encode_tlv(&[TlvNode::primitive(0x1F0107, [])]), Err(CodecError::InvalidTlvTag { tag: 0x1F0107 }));
        assert_eq!(
            encode_tlv(&[TlvNode::primitive(0x25, [])]),
            Err(CodecError::TlvKindMismatch { tag: 0x25, constructed: true })
        );
        assert_eq!(
            encode_tlv(&[TlvNode::constructed(0x07, vec![])]).unwrap_err().to_string(),
            "TLV tag 0x7 is primitive but its value is not"
        );
        assert!(encode_tlv(&[TlvNode::primitive(0x07, vec![0; MAX_TLV_LEN + 1])]).is_err());
    }

    #[test]
    fn print_text_block_layout() {
        let lines = vec![String::new(), "Kartenzahlung".to_string(), "Betrag EUR  12,51 ä".to_string()];
        let nodes = print_text_block(&lines, Some(2)).unwrap();
        let bytes = encode_tlv(&nodes).unwrap();
        let mut expected = vec![0x1F, 0x07, 0x01, 0x02, 0x25, 0x26, 0x07, 0x00, 0x07, 0x0D];
        expected.extend(b"Kartenzahlung");
        expected.extend([0x07, 0x13]);
        expected.extend(b"Betrag EUR  12,51 \x84");
        assert_eq!(bytes, expected);
        let parsed = parse_tlv(&bytes).unwrap();
        assert_eq!(print_text_lines(&parsed), lines);
        assert_eq!(receipt_type(&parsed), Some(2));
        assert_eq!(print_text_lines(&[]), Vec::<String>::new());
        assert_eq!(receipt_type(&[TlvNode::primitive(TAG_RECEIPT_TYPE, [1, 2])]), None);
    }

    pub(crate) fn any_tag(constructed: bool) -> impl Strategy<Value = u32> {
        let bit = if constructed { 0x20u32 } else { 0 };
        prop_oneof![
            any::<u8>()
                .prop_filter("low bits 11111 announce more tag bytes", |t| t & 0x1F != 0x1F)
                .prop_map(move |t| u32::from(t & !0x20) | bit),
            (0u32..0x80).prop_map(move |second| ((0x1F | bit) << 8) | second),
            (0x80u32..0x100, 0u32..0x80).prop_map(move |(b2, b3)| ((0x1F | bit) << 16) | (b2 << 8) | b3),
        ]
    }

    pub(crate) fn any_tree() -> impl Strategy<Value = Vec<TlvNode>> {
        let leaf = (any_tag(false), prop::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(tag, bytes)| TlvNode::primitive(tag, bytes));
        let node = leaf.prop_recursive(4, 24, 4, |inner| {
            (any_tag(true), prop::collection::vec(inner, 0..4))
                .prop_map(|(tag, children)| TlvNode::constructed(tag, children))
        });
        prop::collection::vec(node, 0..4)
    }

    proptest! {
        #[test]
        fn trees_round_trip(nodes in any_tree()) {
            let bytes = encode_tlv(&nodes).unwrap();
            prop_assert_eq!(parse_tlv(&bytes).unwrap(), nodes);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(nodes) = parse_tlv(&bytes) {
                // Whatever parses re-encodes (lengths may come out shorter than sent).
                let reencoded = encode_tlv(&nodes).unwrap();
                prop_assert_eq!(parse_tlv(&reencoded).unwrap(), nodes);
            }
        }

        #[test]
        fn nested_constructed_bytes_never_panic(bytes in prop::collection::vec(prop_oneof![Just(0x20u8), Just(0x3F), Just(0x81), any::<u8>()], 0..300)) {
            let _ = parse_tlv(&bytes);
        }
    }
}

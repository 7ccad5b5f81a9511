//! ZVT (PA00P015), the protocol between an electronic cash register (us) and a card payment
//! terminal. Layers, bottom up: [`link`] (serial framing: DLE STX … DLE ETX CRC, ACK/NAK),
//! [`bcd`] and [`bmp`] (field codecs), [`tlv`] (the BER-TLV container of BMP 06), [`apdu`]
//! (commands we send and messages the terminal sends).

pub mod apdu;
pub mod bcd;
pub mod bmp;
pub mod client;
pub mod link;
pub mod text;
pub mod tlv;
pub mod transport;

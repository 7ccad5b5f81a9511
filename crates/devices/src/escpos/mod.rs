//! ESC/POS receipt printers (Epson's command set, spoken by nearly every receipt printer).
//! [`program`] builds the bytes of a print job on the `escpos` crate, replacing the sequences
//! that crate gets wrong; [`cp858`] encodes text for the printer's code page with the euro
//! sign; [`status`] reads the printer's real-time status answers.

pub mod cp858;
pub mod driver;
pub mod layout;
pub mod program;
pub mod raster;
pub mod status;
pub mod test_page;
pub mod transport;

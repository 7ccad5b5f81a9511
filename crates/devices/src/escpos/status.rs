//! The printer's answers to `DLE EOT n` (ESC/POS reference, DLE EOT: one byte each, bits 0x12
//! always set as a marker), as typed states the UI can show.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrinterStatus {
    pub offline: bool,
    pub drawer_open: bool,
    pub cover_open: bool,
    pub paper_out: bool,
    pub paper_near_end: bool,
    pub error: bool,
}

impl PrinterStatus {
    /// The bits that are set, by name, for a technician: empty when all is well.
    pub fn flags(&self) -> Vec<&'static str> {
        [
            (self.offline, "offline"),
            (self.drawer_open, "drawer open"),
            (self.cover_open, "cover open"),
            (self.paper_out, "paper out"),
            (self.paper_near_end, "paper near end"),
            (self.error, "error"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("status byte {0:#04x} is not a DLE EOT answer (bits 1 and 4 must be set, bit 7 clear)")]
    NotAStatusByte(u8),
    #[error("DLE EOT {0} is not a status request we make (1–4)")]
    UnknownRequest(u8),
}

/// Folds the answer to `DLE EOT n` into `status`.
pub fn apply(status: &mut PrinterStatus, n: u8, byte: u8) -> Result<(), StatusError> {
    if byte & 0x93 != 0x12 {
        return Err(StatusError::NotAStatusByte(byte));
    }
    let bit = |b: u8| byte & (1 << b) != 0;
    match n {
        // Printer status: bit 2 drawer kick-out connector pin 3 (drawer open by convention),
        // bit 3 offline.
        1 => {
            status.drawer_open = bit(2);
            status.offline = bit(3);
        }
        // Offline cause: bit 2 cover open, bit 5 paper end stop, bit 6 error.
        2 => {
            status.cover_open = bit(2);
            status.paper_out |= bit(5);
            status.error |= bit(6);
        }
        // Error cause: bits 3, 5 and 6 are cutter, unrecoverable and auto-recoverable errors.
        3 => status.error |= bit(3) || bit(5) || bit(6),
        // Paper sensor: bits 2-3 near end, bits 5-6 paper end.
        4 => {
            status.paper_near_end = bit(2) || bit(3);
            // Printers without a roll-end sensor say paper out only in DLE EOT 2: keep it.
            status.paper_out |= bit(5) || bit(6);
        }
        other => return Err(StatusError::UnknownRequest(other)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(answers: &[(u8, u8)], expected: PrinterStatus) {
        let mut s = PrinterStatus::default();
        for (n, b) in answers {
            apply(&mut s, *n, *b).expect("a status byte");
        }
        assert_eq!(s, expected, "answers {answers:02x?}");
    }

    #[test]
    fn reads_each_answer() {
        check(&[(1, 0x12), (2, 0x12), (3, 0x12), (4, 0x12)], PrinterStatus::default());
        check(&[(1, 0x16)], PrinterStatus { drawer_open: true, ..PrinterStatus::default() });
        check(&[(1, 0x1A)], PrinterStatus { offline: true, ..PrinterStatus::default() });
        check(&[(2, 0x16)], PrinterStatus { cover_open: true, ..PrinterStatus::default() });
        check(&[(4, 0x1E)], PrinterStatus { paper_near_end: true, ..PrinterStatus::default() });
        check(&[(4, 0x72)], PrinterStatus { paper_out: true, ..PrinterStatus::default() });
        check(&[(3, 0x1A)], PrinterStatus { error: true, ..PrinterStatus::default() });
    }

    #[test]
    fn refuses_what_is_not_a_status_answer() {
        let mut s = PrinterStatus::default();
        assert_eq!(apply(&mut s, 1, 0x00), Err(StatusError::NotAStatusByte(0x00)));
        assert_eq!(apply(&mut s, 1, 0x92), Err(StatusError::NotAStatusByte(0x92)));
        assert_eq!(apply(&mut s, 5, 0x12), Err(StatusError::UnknownRequest(5)));
    }
}

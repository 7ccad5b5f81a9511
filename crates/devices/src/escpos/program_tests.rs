use super::*;

fn bytes(build: impl FnOnce(&mut Program) -> Result<(), ProgramError>) -> Vec<u8> {
    let mut p = Program::new().expect("program");
    build(&mut p).expect("build");
    p.finish().expect("finish")
}

/// ESC @ (initialise) then ESC t 19 (CP858): every job starts from a known state.
const PREAMBLE: [u8; 5] = [0x1B, 0x40, 0x1B, 0x74, 19];

#[test]
fn a_job_starts_by_resetting_and_selecting_cp858() {
    assert_eq!(bytes(|_| Ok(())), PREAMBLE.to_vec());
}

#[test]
fn drawer_kick_carries_both_pulse_times() {
    let b = bytes(|p| p.drawer_kick().map(|_| ()));
    assert_eq!(&b[PREAMBLE.len()..], &[0x1B, 0x70, 0x00, 0x19, 0xFA], "ESC p m t1 t2, never ESC p m alone");
    assert_eq!(status_request(1), [0x10, 0x04, 0x01], "DLE EOT n with nothing after it");
}

#[test]
fn lines_end_with_lf_and_speak_cp858() {
    let b = bytes(|p| p.line("Kaffee 14,99 €").map(|_| ()));
    assert_eq!(&b[PREAMBLE.len()..], b"Kaffee 14,99 \xD5\n", "text in CP858, LF at the end, no ESC d 1");
}

#[test]
fn styles_alignment_and_cut_are_the_reference_sequences() {
    let b = bytes(|p| {
        p.align(Align::Center)?.bold(true)?.size(2, 2)?.bold(false)?.align(Align::Left)?.cut()?;
        Ok(())
    });
    let expected: Vec<u8> = [
        &[0x1B, 0x61, 0x01][..],   // ESC a 1: centre
        &[0x1B, 0x45, 0x01],       // ESC E 1: bold on
        &[0x1D, 0x21, 0x11],       // GS ! 0x11: double width and height
        &[0x1B, 0x45, 0x00],       // ESC E 0
        &[0x1B, 0x61, 0x00],       // ESC a 0: left
        &[0x1B, 0x64, 0x04],       // ESC d 4: feed past the cutter
        &[0x1D, 0x56, 0x42, 0x00], // GS V 66 0: partial cut
    ]
    .concat();
    assert_eq!(&b[PREAMBLE.len()..], expected.as_slice());
}

#[test]
fn code128_and_qr() {
    let b = bytes(|p| p.code128("R1-42").map(|_| ()));
    assert_eq!(
        &b[PREAMBLE.len()..],
        &[0x1D, 0x68, 80, 0x1D, 0x48, 2, 0x1D, 0x6B, 73, 7, b'{', b'B', b'R', b'1', b'-', b'4', b'2'],
        "GS k 73 with the length counting the code-set prefix"
    );
    assert!(Program::new().expect("p").code128("").is_err(), "an empty barcode is refused");
    let q = bytes(|p| p.qr("ringup:r/0193").map(|_| ()));
    let store = [0x1D, 0x28, 0x6B];
    assert!(q.windows(3).filter(|w| *w == store).count() >= 4, "GS ( k: model, size, level, store, print");
    assert!(q.windows(13).any(|w| w == b"ringup:r/0193"), "the QR data travels as is");
}

/// Why the overrides exist: escpos 0.20's own drawer kick and line end. If a new escpos fixes
/// them, this fails, and the overrides can go.
#[test]
fn escpos_020_still_sends_the_sequences_we_replace() {
    let sink = Collect::default();
    let mut p = Printer::new(sink.clone(), Protocol::default(), None);
    p.cash_drawer(escpos::utils::CashDrawer::Pin2).expect("kick").writeln("x").expect("line");
    p.partial_cut().expect("cut").print().expect("print");
    let sent = sink.0.take();
    assert_eq!(
        sent,
        vec![0x1B, 0x70, 0x00, b'x', 0x1B, 0x64, 0x01, 0x1D, 0x56, 0x41, 0x01],
        "ESC p 0 without t1 t2; a line ended by ESC d 1; 'partial' cut GS V 65 1, a full cut"
    );
}

//! Replays the fuzz targets' inputs through their checks without the fuzzer: every file under
//! `fuzz/regressions/TARGET/` (the corpus the fuzzer starts from, and every crash it found once)
//! and a few hand-written inputs taken from the crates' unit tests. Files named `valid-*` and
//! the hand-written inputs must also be valid for their target, so the fuzzer starts from
//! something meaningful. A target without saved inputs fails.

use ringup_devices::escpos::status::{PrinterStatus, apply};
use ringup_devices::zvt::apdu::{Command, TerminalMessage};
use ringup_devices::zvt::link::{FrameDecoder, encode_frame, parse_apdu};
use ringup_domain::Currency;
use ringup_domain::barcode::normalize_gtin;
use ringup_protocol::catalog::read_catalog_csv;
use ringup_protocol::{ChangePage, PairRequest, PushRequest, StockMovementRequest};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One fuzz target: its name (its file in `fuzz_targets/`, its folder in `regressions/`), its
/// check, its hand-written inputs and what makes an input valid for it.
struct Target {
    name: &'static str,
    check: fn(&[u8]),
    seeds: fn() -> Vec<Vec<u8>>,
    valid: fn(&[u8]) -> bool,
}

static TARGETS: [Target; 7] = [
    Target { name: "zvt_link", check: ringup_fuzz::zvt_link, seeds: zvt_link_seeds, valid: valid_zvt_link },
    Target { name: "zvt_apdu", check: ringup_fuzz::zvt_apdu, seeds: zvt_apdu_seeds, valid: valid_zvt_apdu },
    Target {
        name: "escpos_status",
        check: ringup_fuzz::escpos_status,
        seeds: escpos_status_seeds,
        valid: valid_escpos_status,
    },
    Target { name: "sim_printer", check: ringup_fuzz::sim_printer, seeds: sim_printer_seeds, valid: valid_sim_printer },
    Target { name: "barcode", check: ringup_fuzz::barcode, seeds: barcode_seeds, valid: valid_barcode },
    Target { name: "catalog_csv", check: ringup_fuzz::catalog_csv, seeds: catalog_csv_seeds, valid: valid_catalog_csv },
    Target { name: "server_json", check: ringup_fuzz::server_json, seeds: server_json_seeds, valid: valid_server_json },
];

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files in `dir`, in name order.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => panic!("{}: {error}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|entry| entry.path()).collect();
    files.retain(|path| path.is_file());
    files.sort();
    files
}

fn run(target: &Target, label: &str, input: &[u8]) {
    let outcome = std::panic::catch_unwind(|| (target.check)(input));
    assert!(outcome.is_ok(), "{}: the check failed on {label} (the failed assertion is printed above)", target.name);
}

fn replay(name: &str) {
    let Some(target) = TARGETS.iter().find(|target| target.name == name) else { panic!("no target {name}") };
    let dir = fuzz_dir().join("regressions").join(name);
    let files = files_in(&dir);
    assert!(!files.is_empty(), "{}: no saved inputs, so the fuzzer would start from nothing", dir.display());
    let seeds = (target.seeds)();
    assert!(!seeds.is_empty(), "{name}: no hand-written inputs");
    for (i, seed) in seeds.iter().enumerate() {
        assert!((target.valid)(seed), "{name}: hand-written input {i} is not valid: {seed:02X?}");
        run(target, &format!("hand-written input {i}"), seed);
    }
    for file in files {
        let input = match std::fs::read(&file) {
            Ok(input) => input,
            Err(error) => panic!("{}: {error}", file.display()),
        };
        let valid_by_name = file.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("valid-"));
        assert!(!valid_by_name || (target.valid)(&input), "{} is named valid but is not", file.display());
        run(target, &file.display().to_string(), &input);
    }
}

#[test]
fn every_fuzz_target_is_replayed() {
    let mut on_disk: Vec<String> = files_in(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|path| path.file_stem().and_then(|stem| stem.to_str()).map(str::to_string))
        .collect();
    on_disk.sort();
    let mut listed: Vec<&str> = TARGETS.iter().map(|target| target.name).collect();
    listed.sort_unstable();
    assert_eq!(on_disk, listed, "fuzz_targets/ and the targets this test replays");
}

#[test]
fn zvt_link_inputs() {
    replay("zvt_link");
}

#[test]
fn zvt_apdu_inputs() {
    replay("zvt_apdu");
}

#[test]
fn escpos_status_inputs() {
    replay("escpos_status");
}

#[test]
fn sim_printer_inputs() {
    replay("sim_printer");
}

#[test]
fn barcode_inputs() {
    replay("barcode");
}

#[test]
fn catalog_csv_inputs() {
    replay("catalog_csv");
}

#[test]
fn server_json_inputs() {
    replay("server_json");
}

// ---------------------------------------------------------------------------------------------
// zvt_link: two bytes choosing a split point, then the wire.

fn zvt_link_seeds() -> Vec<Vec<u8>> {
    let ack = encode_frame(&[0x80, 0x00, 0x00]);
    // 1010.10 EUR is 00 00 00 10 10 10 in BCD: three DLE bytes the link doubles.
    let authorization = encode_frame(&[0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x10, 0x10, 0x10, 0x49, 0x09, 0x78]);
    let please_wait = encode_frame(&[0x04, 0xFF, 0x01, 0x17]);
    vec![
        [&[0x05, 0x00][..], ack.as_slice()].concat(),
        [&[0x0C, 0x00, 0x06, 0x15, 0x00][..], authorization.as_slice(), please_wait.as_slice(), ack.as_slice()]
            .concat(),
    ]
}

/// The wire holds at least one frame, and only good ones.
fn valid_zvt_link(input: &[u8]) -> bool {
    let Some(wire) = input.get(2..) else { return false };
    let mut decoder = FrameDecoder::new();
    let frames: Vec<_> = wire.iter().filter_map(|&byte| decoder.push(byte)).collect();
    !frames.is_empty() && frames.iter().all(Result::is_ok)
}

// ---------------------------------------------------------------------------------------------
// zvt_apdu: one APDU.

fn zvt_apdu_seeds() -> Vec<Vec<u8>> {
    let mut print_line = vec![0x06, 0xD1, 0x0F, 0x00];
    print_line.extend(b"Betrag \x84 12,51");
    vec![
        vec![0x06, 0x30, 0x06, 0x00, 0x00, 0x00, 0x87, 0x02, 0x31],
        vec![0x05, 0x01, 0x05, 0x00, 0x00, 0x00, 0x03, 0x01],
        vec![0x06, 0x0F, 0x08, 0xF0, 0xF0, 0xF4, b'v', b'2', b'.', b'0', 0x00],
        vec![0x04, 0xFF, 0x02, 0x0A, 0x3C],
        vec![0x06, 0x1E, 0x03, 0x6F, 0x09, 0x78],
        print_line,
    ]
}

/// Exactly one APDU, which both parsers read.
fn valid_zvt_apdu(input: &[u8]) -> bool {
    parse_apdu(input).is_ok_and(|(apdu, used)| {
        used == input.len() && Command::parse(&apdu).is_ok() && TerminalMessage::parse(&apdu).is_ok()
    })
}

// ---------------------------------------------------------------------------------------------
// escpos_status: pairs of request n and answer byte.

fn escpos_status_seeds() -> Vec<Vec<u8>> {
    vec![vec![1, 0x12, 2, 0x12, 3, 0x12, 4, 0x12], vec![1, 0x16, 4, 0x1E, 2, 0x72, 3, 0x1A, 1, 0x12]]
}

/// Pairs only, every answer accepted.
fn valid_escpos_status(input: &[u8]) -> bool {
    let mut status = PrinterStatus::default();
    !input.is_empty()
        && input.len().is_multiple_of(2)
        && input.chunks_exact(2).all(|answer| apply(&mut status, answer[0], answer[1]).is_ok())
}

// ---------------------------------------------------------------------------------------------
// sim_printer: mode byte (bit 0: lenient), two bytes choosing a split point, then the stream.

fn sim_printer_seeds() -> Vec<Vec<u8>> {
    let raster = [0x1D, b'v', b'0', 1, 1, 0, 2, 0, 0x81, 0x60];
    vec![
        [&[0x00, 0x00, 0x00][..], &[0x1B, b'p', 0x00, 25, 250][..]].concat(),
        [&[0x01, 0x03, 0x00][..], &b"ab\n"[..]].concat(),
        [&[0x06, 0x02, 0x00][..], &b"\x1d!\x11Sum\n\x1d!\x00"[..], &raster[..], &b"\x1dV\x00"[..]].concat(),
    ]
}

/// A stream the reader accepts in its mode, with something on the paper.
fn valid_sim_printer(input: &[u8]) -> bool {
    let [mode, _, _, stream @ ..] = input else { return false };
    hardware_sim::printer::parse(stream, *mode & 1 == 0).is_ok_and(|blocks| !blocks.is_empty())
}

// ---------------------------------------------------------------------------------------------
// barcode: the scanner's text.

fn barcode_seeds() -> Vec<Vec<u8>> {
    ["5901234123457", " 012345678905\r\n", "04252614", "73513537", "2312340015001"]
        .iter()
        .map(|code| code.as_bytes().to_vec())
        .collect()
}

/// A code `normalize_gtin` accepts.
fn valid_barcode(input: &[u8]) -> bool {
    std::str::from_utf8(input).is_ok_and(|code| normalize_gtin(code).is_ok())
}

// ---------------------------------------------------------------------------------------------
// catalog_csv: the file.

fn catalog_csv_seeds() -> Vec<Vec<u8>> {
    vec![
        b"sku,name,price,tax_class\nA1,Tea,1,standard\n".to_vec(),
        concat!(
            "name,sku,tax_class,price,sold_by_weight,plu\n",
            "Äpfel lose,AP-1,reduced,0.99,true,0042\n",
            "\"Milk, 1 l\",M1,standard,1.19,0,\n",
        )
        .as_bytes()
        .to_vec(),
    ]
}

/// A file with at least one row, all accepted (tax classes as in the target).
fn valid_catalog_csv(input: &[u8]) -> bool {
    let classes: HashSet<String> = ["standard", "reduced"].iter().map(|class| (*class).to_string()).collect();
    read_catalog_csv(input, Currency::EUR, &classes, |_| {}).is_ok_and(|rows| !rows.is_empty())
}

// ---------------------------------------------------------------------------------------------
// server_json: a selector byte, then the JSON.

fn json(selector: u8, body: &str) -> Vec<u8> {
    [&[selector][..], body.as_bytes()].concat()
}

fn server_json_seeds() -> Vec<Vec<u8>> {
    let hash = "0f".repeat(32);
    vec![
        json(0, &format!(r#"{{"code":"ABCD2345","name":null,"token_sha256":"{hash}"}}"#)),
        json(1, r#"{"events":[]}"#),
        json(2, r#"{"key":"delivery-7","sku":"B2","delta_milli":5000,"reason":"delivery"}"#),
        json(
            7,
            r#"{"currency":"EUR","pricing":"TaxInclusive","cash_rounding":{"increment_minor":5},
               "header":{"name":"Ringup Corner Shop","address_lines":["Hauptstraße 1"],"tax_id":"DE1"},
               "footer":["Danke"],"locale":"de-DE","time_zone":"Europe/Berlin"}"#,
        ),
        json(
            9,
            r#"{"device_id":"0193a5b2-7c1d-7000-8000-000000000001","store_id":"0193a5b2-7c1d-7000-8000-000000000002",
                "register_id":"0193a5b2-7c1d-7000-8000-000000000003","high_seq":42}"#,
        ),
        json(12, r#"{"error":"sequence_gap","message":"the server expected event 7"}"#),
    ]
}

/// JSON; for the requests the server reads, and a change page, JSON of that type.
fn valid_server_json(input: &[u8]) -> bool {
    let Some((&selector, body)) = input.split_first() else { return false };
    match selector % 13 {
        0 => serde_json::from_slice::<PairRequest>(body).is_ok(),
        1 => serde_json::from_slice::<PushRequest>(body).is_ok(),
        2 => serde_json::from_slice::<StockMovementRequest>(body).is_ok(),
        5 => serde_json::from_slice::<ChangePage>(body).is_ok(),
        _ => serde_json::from_slice::<serde_json::Value>(body).is_ok(),
    }
}

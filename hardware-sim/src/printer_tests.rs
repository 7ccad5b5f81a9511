use super::*;
use ringup_devices::escpos::cp858;
use ringup_devices::escpos::layout::{Paper, qr_payload, receipt_job, return_code};
use ringup_devices::escpos::program::{DRAWER_KICK_PIN2, Program};
use ringup_domain::Currency;
use ringup_domain::cart::{CatalogItem, Sale};
use ringup_domain::receipt::{Receipt, ReceiptMeta, StoreHeader};
use ringup_domain::tax::PricingMode;
use ringup_domain::tender::CashRounding;
use uuid::Uuid;

fn receipt() -> Receipt {
    let mut sale =
        Sale::new(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0077), Currency::EUR, PricingMode::TaxInclusive);
    for (name, price) in [("Kaffee 1 kg", 1499), ("Brötchen", 45)] {
        let item = CatalogItem {
            product_id: name.into(),
            sku: name.into(),
            name: name.into(),
            unit_price_minor: price,
            tax_class_id: "reduced".into(),
            tax_rate_ppm: 70_000,
            sold_by_weight: false,
        };
        sale.add_item(item, 1000).expect("add");
    }
    sale.begin_tender().expect("tender");
    sale.add_cash(Uuid::from_u128(9), 2000, CashRounding::NONE).expect("cash");
    sale.complete().expect("complete");
    let meta = ReceiptMeta {
        header: StoreHeader {
            name: "Ringup Corner Shop".into(),
            address_lines: vec!["Hauptstraße 1".into()],
            tax_id: "DE1".into(),
        },
        register_id: "R1".into(),
        receipt_no: 7,
        printed_at: "2026-11-22 09:15".into(),
        cashier: "Anna".into(),
        journal_hash_hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into(),
        footer: vec!["Danke – 5 € Gutschein".into()],
        copy: false,
    };
    Receipt::from_sale(&sale, &sale.totals().expect("totals"), meta).expect("receipt")
}

#[test]
fn what_the_driver_sends_is_what_the_receipt_says() {
    for paper in [Paper::Mm58, Paper::Mm80] {
        let r = receipt();
        let blocks = parse(&receipt_job(&r, paper).expect("job"), true).expect("strict: every command is known");
        let printed: Vec<String> = blocks
            .iter()
            .filter_map(|b| if let Block::Line { text, .. } = b { Some(text.trim().to_string()) } else { None })
            .collect();
        // What the model renders, as the code page can print it (an en dash becomes '-').
        let rendered: Vec<String> = r
            .render_text(paper.columns())
            .lines()
            .map(|l| cp858::decode(&cp858::encode(l)).trim().to_string())
            .collect();
        assert_eq!(printed, rendered, "{paper:?}: the paper says exactly what the receipt model renders");
        assert!(printed.iter().any(|l| l == "Danke - 5 € Gutschein"), "a character CP858 lacks degrades readably");
        assert!(blocks.contains(&Block::Qr { data: qr_payload(&r) }), "the QR code is readable back");
        assert!(blocks.iter().any(|b| matches!(b, Block::Barcode { system: 73, data } if *data == return_code(&r))));
        assert_eq!(blocks.last(), Some(&Block::Cut { partial: true }), "the job ends with the cut");
        let total = blocks.iter().find_map(|b| match b {
            Block::Line { text, style } if text.starts_with("TOTAL") => Some(*style),
            _ => None,
        });
        assert_eq!(total.map(|s| (s.bold, s.height)), Some((true, 2)), "the total is bold and tall");
        let text = to_text(&blocks);
        assert!(text.contains("Brötchen") && text.contains("5 € Gutschein"), "CP858 reads back:\n{text}");
    }
}

#[test]
fn drawer_pulses_and_unknown_commands() {
    let mut job = Program::new().expect("program");
    job.drawer_kick().expect("kick");
    let blocks = parse(&job.finish().expect("bytes"), true).expect("known");
    assert_eq!(blocks, vec![Block::DrawerPulse { pin: 0, on_ms: 50, off_ms: 500 }], "ESC p 0 25 250: 50 ms on");
    assert_eq!(DRAWER_KICK_PIN2.len(), 5);
    let strict = parse(&[0x1B, 0x70, 0x00], true);
    assert_eq!(strict, Err(ParseError::Truncated { offset: 0 }), "a drawer kick without pulse times is incomplete");
    let odd = parse(&[b'a', 0x1B, b'Z', b'b', b'\n'], true);
    assert!(matches!(odd, Err(ParseError::Unknown { offset: 1, .. })), "strict mode names the unknown command");
    let lenient = parse(&[b'a', 0x1B, b'Z', b'b', b'\n'], false).expect("lenient");
    assert_eq!(lenient.len(), 1, "lenient mode skips it and goes on");
}

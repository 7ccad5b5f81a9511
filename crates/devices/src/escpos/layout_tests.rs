use super::*;
use crate::escpos::cp858;
use ringup_domain::Currency;
use ringup_domain::cart::{CatalogItem, Sale};
use ringup_domain::receipt::{ReceiptMeta, StoreHeader};
use ringup_domain::tax::PricingMode;
use ringup_domain::tender::CashRounding;
use uuid::Uuid;

fn receipt(copy: bool) -> Receipt {
    let mut sale =
        Sale::new(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0042), Currency::EUR, PricingMode::TaxInclusive);
    let item = CatalogItem {
        product_id: "MUE".into(),
        sku: "MUE".into(),
        name: "Müsli 750 g".into(),
        unit_price_minor: 379,
        tax_class_id: "reduced".into(),
        tax_rate_ppm: 70_000,
        sold_by_weight: false,
    };
    sale.add_item(item, 2000).expect("add");
    sale.begin_tender().expect("tender");
    sale.add_cash(Uuid::from_u128(2), 1000, CashRounding::NONE).expect("cash");
    sale.complete().expect("complete");
    let meta = ReceiptMeta {
        header: StoreHeader {
            name: "Ringup Corner Shop".into(),
            address_lines: vec!["Hauptstraße 1".into()],
            tax_id: "DE1".into(),
        },
        register_id: "R1".into(),
        receipt_no: 42,
        printed_at: "2026-11-22 09:15".into(),
        cashier: "Anna".into(),
        journal_hash_hex: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        footer: vec!["Danke! € wird akzeptiert".into()],
        copy,
    };
    Receipt::from_sale(&sale, &sale.totals().expect("totals"), meta).expect("receipt")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn every_rendered_line_is_on_paper_in_cp858() {
    for paper in [Paper::Mm58, Paper::Mm80] {
        let r = receipt(false);
        let job = receipt_job(&r, paper).expect("job");
        for line in r.render_text(paper.columns()).lines() {
            let mut expected = cp858::encode(line.trim_start());
            expected.push(b'\n');
            assert!(contains(&job, &expected), "{paper:?}: the line {line:?} is printed");
        }
        assert!(!contains(&job, "Hauptstraße".as_bytes()), "no UTF-8 reaches the printer");
        assert!(contains(&job, b"Hauptstra\xE1e"), "ß is CP858's 0xE1");
        assert!(contains(&job, b"Danke! \xD5 wird akzeptiert"), "the euro sign is 0xD5");
        assert!(contains(&job, qr_payload(&r).as_bytes()), "the QR carries sale id, number and journal hash");
        assert!(contains(&job, b"{BR1-42"), "the returns barcode is the receipt number");
        assert!(job.ends_with(&[0x1D, 0x56, 0x42, 0x00]), "the job ends with the partial cut");
    }
}

#[test]
fn a_store_name_too_wide_for_58mm_is_printed_double_height_only() {
    let job = receipt_job(&receipt(false), Paper::Mm58).expect("job");
    let tall_name = [&[0x1D, 0x21, 0x01][..], b"Ringup Corner Shop\n"].concat();
    assert!(contains(&job, &tall_name), "18 characters doubled would not fit 32 columns");
}

#[test]
fn the_total_and_a_copy_mark_stand_out() {
    let job = receipt_job(&receipt(true), Paper::Mm80).expect("job");
    let big_copy = [&[0x1D, 0x21, 0x11][..], b"*** COPY ***\n"].concat();
    assert!(contains(&job, &big_copy), "a reprint says COPY in double size");
    let first_text = job.iter().position(|b| *b == b'*').expect("copy mark");
    let store_name = job.windows(6).position(|w| w == b"Ringup").expect("store name");
    assert!(first_text < store_name, "COPY comes before anything else");
    let tall_total = [&[0x1D, 0x21, 0x01][..], b"TOTAL EUR"].concat();
    assert!(contains(&job, &tall_total), "the total is printed double height");
}

use super::*;
use crate::escpos::cp858;
use ringup_domain::Currency;
use ringup_domain::cart::{CatalogItem, Discount, Sale};
use ringup_domain::receipt::{ReceiptMeta, StoreHeader};
use ringup_domain::refund::{OriginalTender, RefundRequest, SoldLine, plan_refund, refund_to_original_tenders};
use ringup_domain::tax::PricingMode;
use ringup_domain::tender::{CardApproval, CashRounding, TenderKind};
use std::collections::BTreeMap;
use std::fmt::Write;
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
        let job = receipt_job(&r, paper, None).expect("job");
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
    let job = receipt_job(&receipt(false), Paper::Mm58, None).expect("job");
    let tall_name = [&[0x1D, 0x21, 0x01][..], b"Ringup Corner Shop\n"].concat();
    assert!(contains(&job, &tall_name), "18 characters doubled would not fit 32 columns");
}

#[test]
fn the_total_and_a_copy_mark_stand_out() {
    let job = receipt_job(&receipt(true), Paper::Mm80, None).expect("job");
    let big_copy = [&[0x1D, 0x21, 0x11][..], b"*** COPY ***\n"].concat();
    assert!(contains(&job, &big_copy), "a reprint says COPY in double size");
    let first_text = job.iter().position(|b| *b == b'*').expect("copy mark");
    let store_name = job.windows(6).position(|w| w == b"Ringup").expect("store name");
    assert!(first_text < store_name, "COPY comes before anything else");
    let tall_total = [&[0x1D, 0x21, 0x01][..], b"TOTAL EUR"].concat();
    assert!(contains(&job, &tall_total), "the total is printed double height");
}

// The receipt set of ringup-domain's text snapshots (receipt_tests.rs), built the same way
// from real sales and a real refund plan, as the bytes the printer receives.

fn card(card_type: &str) -> CardApproval {
    let (masked_pan, terminal_id) = ("############1234".to_string(), "52500001".to_string());
    CardApproval { masked_pan, card_type: card_type.into(), terminal_id, trace_no: 17, receipt_no: 5 }
}

fn set_meta(copy: bool) -> ReceiptMeta {
    let header = StoreHeader {
        name: "Ringup Corner Shop".into(),
        address_lines: vec!["Hauptstrasse 1".into(), "10115 Berlin".into()],
        tax_id: "DE123456789".into(),
    };
    ReceiptMeta { header, footer: vec!["Thank you!".into()], ..receipt(copy).meta }
}

/// A sale of `(name, unit price, quantity in thousandths, 7 % or 19 %, sold by weight)`.
fn open_sale(n: u128, items: &[(&str, i64, i64, u32, bool)]) -> Sale {
    let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + n);
    let mut s = Sale::new(id, Currency::EUR, PricingMode::TaxInclusive);
    for &(name, price, qty, rate, sold_by_weight) in items {
        let tax_class_id = if rate == 7 { "reduced" } else { "standard" }.to_string();
        let (product_id, sku, name) = (name.to_string(), name.to_string(), name.to_string());
        let (unit_price_minor, tax_rate_ppm) = (price, rate * 10_000);
        let item = CatalogItem { product_id, sku, name, unit_price_minor, tax_class_id, tax_rate_ppm, sold_by_weight };
        s.add_item(item, qty).expect("add");
    }
    s
}

/// Pays with card first, then cash (rounded to 0.05), and completes.
fn finish(mut s: Sale, card_minor: i64, cash_minor: i64, card_type: &str) -> Sale {
    s.begin_tender().expect("tender");
    if card_minor > 0 {
        s.add_non_cash(Uuid::from_u128(10), TenderKind::Card, card_minor, Some(card(card_type))).expect("card");
    }
    if cash_minor > 0 {
        s.add_cash(Uuid::from_u128(11), cash_minor, CashRounding { increment_minor: 5 }).expect("cash");
    }
    s.complete().expect("complete");
    s
}

fn receipt_of(s: &Sale, meta: ReceiptMeta) -> Receipt {
    Receipt::from_sale(s, &s.totals().expect("totals"), meta).expect("receipt")
}

fn refund() -> Receipt {
    let s = open_sale(
        2,
        &[
            ("Coffee beans 1 kg", 1499, 3000, 7, false),
            ("Weißbier 0,5 l", 129, 6000, 19, false),
            ("Apples", 249, 1250, 7, true),
        ],
    );
    let s = finish(s, 1000, 6000, "Visa");
    let totals = s.totals().expect("totals");
    let sold: Vec<SoldLine> = (s.active_lines().zip(&totals.lines))
        .map(|(l, t)| SoldLine {
            line_no: l.line_no,
            product_id: l.item.product_id.clone(),
            name: l.item.name.clone(),
            quantity_milli: l.quantity_milli,
            tax_class_id: l.item.tax_class_id.clone(),
            tax_rate_ppm: l.item.tax_rate_ppm,
            amounts: t.tax,
        })
        .collect();
    let requests =
        [RefundRequest { line_no: 1, quantity_milli: 1000 }, RefundRequest { line_no: 2, quantity_milli: 2000 }];
    let lines = plan_refund(&sold, &BTreeMap::new(), &requests).expect("plan");
    let paid = s.payments.iter();
    let originals: Vec<_> = paid
        .map(|p| OriginalTender { payment_id: p.id, kind: p.kind, amount_minor: p.amount_minor, refunded_minor: 0 })
        .collect();
    let total = lines.iter().map(|l| l.amounts.gross_minor).sum();
    let tenders = refund_to_original_tenders(total, &originals).expect("tenders");
    let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0099);
    let meta = ReceiptMeta { receipt_no: 43, ..set_meta(false) };
    let mut r = Receipt::from_refund(id, s.currency, &lines, &tenders, 17, "R1", meta).expect("refund receipt");
    r.tenders[0].card = Some(card("Visa"));
    r
}

/// Every receipt of the set, by name.
fn receipt_set() -> Vec<(&'static str, Receipt)> {
    let mut discounts = open_sale(
        1,
        &[
            ("Coffee beans 1 kg", 1499, 2000, 7, false),
            ("Tea 20 bags", 349, 1000, 7, false),
            ("Mug", 899, 1000, 19, false),
        ],
    );
    discounts.set_line_discount(1, Some(Discount::Amount { minor: 200 })).expect("line discount");
    discounts.set_line_discount(3, Some(Discount::Percent { bp: 2500 })).expect("line discount");
    discounts.set_order_discount(Some(Discount::Percent { bp: 1000 })).expect("order discount");
    let discounts = finish(discounts, 0, 5000, "");

    let mut split = open_sale(3, &[("Coffee beans 1 kg", 1499, 1000, 7, false), ("Mug", 735, 1000, 19, false)]);
    split.begin_tender().expect("tender");
    split.add_cash(Uuid::from_u128(11), 1000, CashRounding::NONE).expect("cash");
    split.add_non_cash(Uuid::from_u128(10), TenderKind::Card, 1234, Some(card("girocard"))).expect("card");
    split.complete().expect("complete");
    let mut split = receipt_of(&split, set_meta(false));
    split.tenders[1].slip = [
        "      Kartenzahlung",
        "        girocard",
        "Terminal-ID     52500001",
        "TA-Nr 000017   BNr 0005",
        "Karte  ############1234",
        "Datum 22.11.2026  09:15",
        "Betrag EUR         12,34",
        "    Zahlung erfolgt",
        "",
    ]
    .map(String::from)
    .to_vec();

    let mut long = open_sale(
        4,
        &[
            ("Organic extra virgin olive oil, cold pressed, 750 ml bottle", 123_456, 1000, 7, false),
            ("Stainless steel vegetable peeler with ergonomic handle", 499, 3000, 19, false),
            ("Fünf Frühstücksbrötchen aus Weizenmehl, frisch gebacken", 199, 1000, 7, false),
        ],
    );
    long.set_line_discount(2, Some(Discount::Amount { minor: 100 })).expect("discount");
    let long = finish(long, 125_052, 0, "Mastercard");

    let euro = open_sale(
        5,
        &[
            ("Müsli Früchte", 379, 2000, 7, false),
            ("Weißbier 0,5 l", 129, 6000, 19, false),
            ("Brötchen", 45, 4000, 7, false),
        ],
    );
    let header = StoreHeader {
        name: "Bäckerei Weiß".into(),
        address_lines: vec!["Hauptstraße 1".into(), "80331 München".into()],
        tax_id: "DE987654321".into(),
    };
    let footer = vec!["Alle Preise in € inkl. MwSt.".into(), "Schönen Tag noch!".into()];
    let euro_meta = ReceiptMeta { header, footer, ..set_meta(false) };

    let weighed = open_sale(
        6,
        &[("Äpfel Elstar", 249, 742, 7, true), ("Bananen", 199, 1235, 7, true), ("Paper bag", 10, 1000, 19, false)],
    );
    let copy = open_sale(7, &[("Coffee beans 1 kg", 1499, 1000, 7, false), ("Weißbier 0,5 l", 129, 2000, 19, false)]);
    vec![
        ("discounts", receipt_of(&discounts, set_meta(false))),
        ("refund", refund()),
        ("split_tender", split),
        ("long_names", receipt_of(&long, set_meta(false))),
        ("euro_umlauts", receipt_of(&finish(euro, 0, 2000, ""), euro_meta)),
        ("weighed", receipt_of(&finish(weighed, 0, 1000, ""), set_meta(false))),
        ("copy", receipt_of(&finish(copy, 1757, 0, "Visa"), set_meta(true))),
    ]
}

/// 16 bytes a row: offset, hex, and the printable ASCII (anything else as '.').
fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String =
            chunk.iter().map(|&b| if (0x20..0x7F).contains(&b) { char::from(b) } else { '.' }).collect();
        writeln!(out, "{:06x}  {:<47}  |{ascii}|", row * 16, hex.join(" ")).expect("write to a String");
    }
    out
}

#[test]
fn the_receipt_set_as_printer_bytes() {
    for (name, r) in receipt_set() {
        for (paper, tag) in [(Paper::Mm58, "58mm"), (Paper::Mm80, "80mm")] {
            let job = receipt_job(&r, paper, None).expect("job");
            for line in r.render_text(paper.columns()).lines() {
                let mut expected = cp858::encode(line.trim_start());
                expected.push(b'\n');
                assert!(contains(&job, &expected), "{name} {tag}: the line {line:?} is printed");
            }
            assert!(job.ends_with(&[0x1D, 0x56, 0x42, 0x00]), "{name} {tag}: the job ends with the cut");
            insta::assert_snapshot!(format!("escpos_{name}_{tag}"), hex_dump(&job));
        }
    }
}

#[test]
fn the_hex_dump_shows_offsets_bytes_and_text() {
    let dump = hex_dump(b"\x1b@Hello, printer!\n\xd5");
    let expected = "000000  1b 40 48 65 6c 6c 6f 2c 20 70 72 69 6e 74 65 72  |.@Hello, printer|\n\
                    000010  21 0a d5                                         |!..|\n";
    assert_eq!(dump, expected);
}

#[test]
fn the_logo_goes_on_top_centred_and_only_if_it_fits_the_paper() {
    // 16 × 2 dots: a black bar over a white one.
    let logo = Bitmap::new(16, 2, vec![0xFF, 0xFF, 0x00, 0x00]).expect("a bitmap");
    let job = receipt_job(&receipt(false), Paper::Mm58, Some(&logo)).expect("job");
    let raster = [0x1D, 0x76, 0x30, 0x00, 2, 0, 2, 0, 0xFF, 0xFF, 0x00, 0x00];
    let at = job.windows(raster.len()).position(|w| w == raster).expect("GS v 0 with the logo's dots");
    assert_eq!(&job[at - 3..at], &[0x1B, 0x61, 0x01], "centred");
    let name = job.windows(6).position(|w| w == b"Ringup").expect("store name");
    assert!(at < name, "the logo comes before the store name");

    let wide = Bitmap::new(600, 1, vec![0xFF; 75]).expect("a bitmap");
    let job = receipt_job(&receipt(false), Paper::Mm80, Some(&wide)).expect("job");
    assert!(!contains(&job, &[0x1D, 0x76, 0x30]), "a logo wider than 576 dots is left out, not cut");
}

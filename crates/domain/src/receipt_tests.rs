use super::*;
use crate::cart::{CatalogItem, Discount};
use crate::tax::PricingMode;
use crate::tender::{CardApproval, CashRounding};

fn item(name: &str, price_minor: i64, class: &str, rate_ppm: u32, by_weight: bool) -> CatalogItem {
    CatalogItem {
        product_id: name.into(),
        sku: name.into(),
        name: name.into(),
        unit_price_minor: price_minor,
        tax_class_id: class.into(),
        tax_rate_ppm: rate_ppm,
        sold_by_weight: by_weight,
    }
}

fn meta(copy: bool) -> ReceiptMeta {
    ReceiptMeta {
        header: StoreHeader {
            name: "Ringup Corner Shop".into(),
            address_lines: vec!["Hauptstrasse 1".into(), "10115 Berlin".into()],
            tax_id: "DE123456789".into(),
        },
        register_id: "R1".into(),
        receipt_no: 42,
        printed_at: "2026-11-22 09:15".into(),
        cashier: "Anna".into(),
        journal_hash_hex: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        footer: vec!["Thank you!".into()],
        copy,
    }
}

fn example_sale() -> Sale {
    let mut s =
        Sale::new(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001), Currency::EUR, PricingMode::TaxInclusive);
    s.add_item(item("Coffee beans 1 kg", 1499, "reduced", 70_000, false), 2000).expect("add");
    s.add_item(item("Water 6x1.5 l with a long name that will not fit", 399, "standard", 190_000, false), 1000)
        .expect("add");
    let apples = s.add_item(item("Apples", 249, "reduced", 70_000, true), 742).expect("add");
    s.set_line_discount(apples, Some(Discount::Percent { bp: 1000 })).expect("discount");
    s.begin_tender().expect("tender");
    let card = CardApproval {
        masked_pan: "############1234".into(),
        card_type: "girocard".into(),
        terminal_id: "52500001".into(),
        trace_no: 17,
        receipt_no: 5,
    };
    s.add_non_cash(Uuid::from_u128(2), TenderKind::Card, 2000, Some(card)).expect("card");
    s.add_cash(Uuid::from_u128(3), 2000, CashRounding { increment_minor: 5 }).expect("cash");
    s.complete().expect("complete");
    s
}

#[test]
fn receipt_text_on_80mm_paper() {
    let s = example_sale();
    let r = Receipt::from_sale(&s, &s.totals().expect("totals"), meta(false)).expect("receipt");
    assert_eq!(r.total_minor, 2998 + 399 + 167);
    let tax_sum: i64 = r.taxes.iter().map(|t| t.gross_minor).sum();
    assert_eq!(tax_sum, r.total_minor, "the tax table adds up to the total");
    insta::assert_snapshot!(r.render_text(42));
}

#[test]
fn receipt_text_on_58mm_paper_marked_copy() {
    let s = example_sale();
    let r = Receipt::from_sale(&s, &s.totals().expect("totals"), meta(true)).expect("receipt");
    let text = r.render_text(32);
    assert!(text.lines().all(|l| l.chars().count() <= 32), "no line may be wider than the paper:\n{text}");
    assert!(text.starts_with("          *** COPY ***"), "a reprint must say COPY first:\n{text}");
    insta::assert_snapshot!(text);
}

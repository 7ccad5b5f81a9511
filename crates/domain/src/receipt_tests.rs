use super::*;
use crate::cart::{CatalogItem, Discount};
use crate::refund::{OriginalTender, RefundRequest, SoldLine, plan_refund, refund_to_original_tenders};
use crate::tax::PricingMode;
use crate::tender::{CardApproval, CashRounding};
use std::collections::BTreeMap;

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
    s.add_non_cash(Uuid::from_u128(2), TenderKind::Card, 2000, Some(card("girocard"))).expect("card");
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

// The receipt set: every case rendered at 32 (58 mm), 42 and 48 columns (80 mm). The ESC/POS
// snapshots in ringup-devices (escpos/layout_tests.rs) lay out the same set.

fn card(card_type: &str) -> CardApproval {
    CardApproval {
        masked_pan: "############1234".into(),
        card_type: card_type.into(),
        terminal_id: "52500001".into(),
        trace_no: 17,
        receipt_no: 5,
    }
}

/// A sale of `(name, unit price, quantity in thousandths, 7 % or 19 %, sold by weight)`.
fn open_sale(n: u128, items: &[(&str, i64, i64, u32, bool)]) -> Sale {
    let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + n);
    let mut s = Sale::new(id, Currency::EUR, PricingMode::TaxInclusive);
    for &(name, price, qty, rate, by_weight) in items {
        let class = if rate == 7 { "reduced" } else { "standard" };
        s.add_item(item(name, price, class, rate * 10_000, by_weight), qty).expect("add");
    }
    s
}

fn finish(s: &mut Sale, card_minor: i64, cash_minor: i64, card_type: &str) {
    s.begin_tender().expect("tender");
    if card_minor > 0 {
        s.add_non_cash(Uuid::from_u128(10), TenderKind::Card, card_minor, Some(card(card_type))).expect("card");
    }
    if cash_minor > 0 {
        s.add_cash(Uuid::from_u128(11), cash_minor, CashRounding { increment_minor: 5 }).expect("cash");
    }
    s.complete().expect("complete");
}

fn receipt_of(s: &Sale, meta: ReceiptMeta) -> Receipt {
    Receipt::from_sale(s, &s.totals().expect("totals"), meta).expect("receipt")
}

fn discounts() -> Receipt {
    let mut s = open_sale(
        1,
        &[
            ("Coffee beans 1 kg", 1499, 2000, 7, false),
            ("Tea 20 bags", 349, 1000, 7, false),
            ("Mug", 899, 1000, 19, false),
        ],
    );
    s.set_line_discount(1, Some(Discount::Amount { minor: 200 })).expect("line discount");
    s.set_line_discount(3, Some(Discount::Percent { bp: 2500 })).expect("line discount");
    s.set_order_discount(Some(Discount::Percent { bp: 1000 })).expect("order discount");
    finish(&mut s, 0, 5000, "");
    receipt_of(&s, meta(false))
}

/// The sale of receipt 17 (card 10.00, the rest in cash), two of its lines partly refunded:
/// the card gets back what it paid, cash the rest.
fn refund() -> Receipt {
    let mut s = open_sale(
        2,
        &[
            ("Coffee beans 1 kg", 1499, 3000, 7, false),
            ("Weißbier 0,5 l", 129, 6000, 19, false),
            ("Apples", 249, 1250, 7, true),
        ],
    );
    finish(&mut s, 1000, 6000, "Visa");
    let totals = s.totals().expect("totals");
    let sold: Vec<SoldLine> = s
        .active_lines()
        .zip(&totals.lines)
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
    let originals: Vec<OriginalTender> = s
        .payments
        .iter()
        .map(|p| OriginalTender { payment_id: p.id, kind: p.kind, amount_minor: p.amount_minor, refunded_minor: 0 })
        .collect();
    let total: i64 = lines.iter().map(|l| l.amounts.gross_minor).sum();
    let tenders = refund_to_original_tenders(total, &originals).expect("tenders");
    let refund_meta = ReceiptMeta { receipt_no: 43, ..meta(false) };
    let mut r = Receipt::from_refund(
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0099),
        s.currency,
        &lines,
        &tenders,
        17,
        "R1",
        refund_meta,
    )
    .expect("refund receipt");
    // As the app does: the card part carries the terminal's approval of the refund.
    r.tenders[0].card = Some(card("Visa"));
    r
}

/// The slip a ZVT terminal sends for a girocard payment, as 06 D1 lines (PAN masked).
fn slip() -> Vec<String> {
    [
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
    .to_vec()
}

fn split_tender() -> Receipt {
    let mut s = open_sale(3, &[("Coffee beans 1 kg", 1499, 1000, 7, false), ("Mug", 735, 1000, 19, false)]);
    s.begin_tender().expect("tender");
    s.add_cash(Uuid::from_u128(11), 1000, CashRounding::NONE).expect("cash");
    s.add_non_cash(Uuid::from_u128(10), TenderKind::Card, 1234, Some(card("girocard"))).expect("card");
    s.complete().expect("complete");
    let mut r = receipt_of(&s, meta(false));
    r.tenders[1].slip = slip();
    r
}

fn long_names() -> Receipt {
    let mut s = open_sale(
        4,
        &[
            ("Organic extra virgin olive oil, cold pressed, 750 ml bottle", 123_456, 1000, 7, false),
            ("Stainless steel vegetable peeler with ergonomic handle", 499, 3000, 19, false),
            ("Fünf Frühstücksbrötchen aus Weizenmehl, frisch gebacken", 199, 1000, 7, false),
        ],
    );
    s.set_line_discount(2, Some(Discount::Amount { minor: 100 })).expect("discount");
    finish(&mut s, 125_052, 0, "Mastercard");
    receipt_of(&s, meta(false))
}

fn euro_umlauts() -> Receipt {
    let mut s = open_sale(
        5,
        &[
            ("Müsli Früchte", 379, 2000, 7, false),
            ("Weißbier 0,5 l", 129, 6000, 19, false),
            ("Brötchen", 45, 4000, 7, false),
        ],
    );
    finish(&mut s, 0, 2000, "");
    let header = StoreHeader {
        name: "Bäckerei Weiß".into(),
        address_lines: vec!["Hauptstraße 1".into(), "80331 München".into()],
        tax_id: "DE987654321".into(),
    };
    let footer = vec!["Alle Preise in € inkl. MwSt.".into(), "Schönen Tag noch!".into()];
    receipt_of(&s, ReceiptMeta { header, footer, ..meta(false) })
}

fn weighed() -> Receipt {
    let mut s = open_sale(
        6,
        &[("Äpfel Elstar", 249, 742, 7, true), ("Bananen", 199, 1235, 7, true), ("Paper bag", 10, 1000, 19, false)],
    );
    finish(&mut s, 0, 1000, "");
    receipt_of(&s, meta(false))
}

fn copy() -> Receipt {
    let mut s = open_sale(7, &[("Coffee beans 1 kg", 1499, 1000, 7, false), ("Weißbier 0,5 l", 129, 2000, 19, false)]);
    finish(&mut s, 1757, 0, "Visa");
    receipt_of(&s, meta(true))
}

/// Renders `r` at each paper width, checks that every line fits, and snapshots each.
fn check(name: &str, r: &Receipt) {
    for columns in [32, 42, 48] {
        let text = r.render_text(columns);
        for line in text.lines() {
            assert!(line.chars().count() <= columns, "{name}: a line is wider than {columns} columns: {line:?}");
            let item_line = r.lines.iter().any(|l| line.ends_with(&format!(" {}", l.tax_letter)));
            assert!(!line.contains('…') || item_line, "{name}: only item names may be cut, not {line:?}");
        }
        insta::assert_snapshot!(format!("{name}_{columns}"), text);
    }
}

#[test]
fn sale_with_line_and_order_discounts() {
    let r = discounts();
    assert_eq!(r.discount_minor, r.lines.iter().map(|l| l.discount_minor).sum::<i64>(), "discounts add up");
    check("discounts", &r);
}

#[test]
fn refund_of_part_of_a_sale_to_card_and_cash() {
    let r = refund();
    let lines: i64 = r.lines.iter().map(|l| l.amount_minor).sum();
    let tenders: i64 = r.tenders.iter().map(|t| t.amount_minor).sum();
    let taxes: i64 = r.taxes.iter().map(|t| t.gross_minor).sum();
    assert!(r.total_minor < 0 && r.lines.iter().all(|l| l.amount_minor < 0), "a refund pays out");
    assert_eq!((lines, tenders, taxes), (r.total_minor, r.total_minor, r.total_minor), "everything adds up");
    assert_eq!(
        r.tenders.iter().map(|t| (t.kind, t.amount_minor)).collect::<Vec<_>>(),
        [(TenderKind::Card, -1000), (TenderKind::Cash, r.total_minor + 1000)]
    );
    let text = r.render_text(42);
    assert!(text.contains("Refund of receipt 17, register R1"), "names the original:\n{text}");
    check("refund", &r);
}

#[test]
fn split_tender_with_the_terminal_slip() {
    let r = split_tender();
    let text = r.render_text(32);
    let lines: Vec<&str> = text.lines().collect();
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).expect(needle);
    assert!(at("TID 52500001") < at("Kartenzahlung"), "the slip follows its tender's card lines:\n{text}");
    assert!(at("Zahlung erfolgt") < at("Rate "), "and ends before the tax table:\n{text}");
    assert_eq!(lines[at("Betrag EUR")], "    Betrag EUR         12,34", "the slip block keeps its own alignment");
    check("split_tender", &r);
}

#[test]
fn long_names_are_cut_and_amounts_stay_aligned() {
    let r = long_names();
    for columns in [32, 42, 48] {
        let text = r.render_text(columns);
        let cut: Vec<&str> = text.lines().filter(|l| l.contains('…')).collect();
        assert_eq!(cut.len(), 3, "each long name is cut once at {columns}:\n{text}");
        assert!(cut.iter().all(|l| l.chars().count() == columns && (l.ends_with(" A") || l.ends_with(" B"))));
    }
    check("long_names", &r);
}

#[test]
fn euro_and_umlauts() {
    check("euro_umlauts", &euro_umlauts());
}

#[test]
fn sold_by_weight() {
    let r = weighed();
    assert!(r.render_text(32).contains("  0.742 kg x 2.49/kg"), "the weight and price per kg are printed");
    check("weighed", &r);
}

#[test]
fn a_copy() {
    let r = copy();
    assert!(r.render_text(48).starts_with(&format!("{:^48}", "*** COPY ***").trim_end().to_string()));
    check("copy", &r);
}

#[test]
fn a_slip_is_cleaned_and_an_empty_one_prints_nothing() {
    let mut r = split_tender();
    r.tenders[1].slip = vec!["".into(), "   ".into()];
    let mut without = r.clone();
    without.tenders[1].slip.clear();
    assert_eq!(r.render_text(42), without.render_text(42), "a slip of blank lines adds nothing");
    r.tenders[1].slip = vec!["Betrag\x1b@ 12,34\t".into()];
    let text = r.render_text(42);
    assert!(text.contains("Betrag@ 12,34\n") && !text.contains('\x1b'), "no control character passes:\n{text}");
}

#[test]
fn a_refund_must_be_paid_back_exactly() {
    let r = refund();
    let line = RefundLine {
        original_line_no: 1,
        product_id: "p".into(),
        name: "p".into(),
        quantity_milli: 1000,
        tax_class_id: "standard".into(),
        tax_rate_ppm: 190_000,
        amounts: crate::tax::TaxAmounts { net_minor: 100, tax_minor: 19, gross_minor: 119 },
    };
    let tender = |amount_minor| RefundTender { payment_id: Uuid::from_u128(1), kind: TenderKind::Cash, amount_minor };
    let build = |lines: &[RefundLine], tenders: &[RefundTender]| {
        Receipt::from_refund(r.sale_id, Currency::EUR, lines, tenders, 17, "R1", r.meta.clone())
    };
    assert!(build(std::slice::from_ref(&line), &[tender(119)]).is_ok());
    assert!(matches!(build(std::slice::from_ref(&line), &[tender(100)]), Err(DomainError::InvalidTender { .. })));
    assert!(matches!(
        build(std::slice::from_ref(&line), &[tender(120), tender(-1)]),
        Err(DomainError::InvalidTender { .. })
    ));
    assert_eq!(build(&[], &[]), Err(DomainError::EmptySale));
}

#[test]
fn stored_receipts_round_trip_and_old_ones_still_load() {
    for r in [refund(), split_tender()] {
        let json = serde_json::to_string(&r).expect("serialize");
        assert_eq!(serde_json::from_str::<Receipt>(&json).expect("deserialize"), r, "a receipt is rebuilt as stored");
    }
    // A sale receipt stored before receipts had a kind and tenders a slip.
    let s = example_sale();
    let r = receipt_of(&s, meta(false));
    let mut old = serde_json::to_value(&r).expect("serialize");
    old.as_object_mut().expect("object").remove("kind");
    for t in old["tenders"].as_array_mut().expect("tenders") {
        t.as_object_mut().expect("object").remove("slip");
    }
    assert_eq!(serde_json::from_value::<Receipt>(old).expect("an old receipt loads"), r);
}

use super::*;
use crate::tender::{CashRounding, TenderKind};
use proptest::prelude::*;

fn item(sku: &str, price_minor: i64, class: &str, rate_ppm: u32) -> CatalogItem {
    CatalogItem {
        product_id: format!("p-{sku}"),
        sku: sku.into(),
        name: format!("Item {sku}"),
        unit_price_minor: price_minor,
        tax_class_id: class.into(),
        tax_rate_ppm: rate_ppm,
        sold_by_weight: false,
    }
}

fn sale() -> Sale {
    Sale::new(Uuid::from_u128(1), Currency::EUR, PricingMode::TaxInclusive)
}

/// The product card's example: coffee 2 × 14.99, milk 1.19, apples 0.742 kg × 2.49 with 10 %.
#[test]
fn the_sell_screen_example_adds_up() {
    let mut s = sale();
    let coffee = s.add_item(item("coffee", 1499, "reduced", 70_000), 2 * QTY_ONE).expect("add");
    s.add_item(item("milk", 119, "reduced", 70_000), QTY_ONE).expect("add");
    let mut apples = item("apples", 249, "reduced", 70_000);
    apples.sold_by_weight = true;
    let a = s.add_item(apples, 742).expect("add");
    s.set_line_discount(a, Some(Discount::Percent { bp: 1000 })).expect("discount");
    let t = s.totals().expect("totals");
    assert_eq!(t.lines[0].base_minor, 2998);
    // 0.742 × 2.49 = 1.84758 → 1.85; 10 % of 1.85 = 0.185 → 0.18 (half-even)
    assert_eq!(t.lines[2].base_minor, 185);
    assert_eq!(t.lines[2].line_discount_minor, 18);
    assert_eq!(t.total_minor(), 2998 + 119 + 167);
    assert_eq!(coffee, 1);
}

#[test]
fn removing_a_line_keeps_it_as_void() {
    let mut s = sale();
    s.add_item(item("a", 100, "std", 190_000), QTY_ONE).expect("add");
    let b = s.add_item(item("b", 250, "std", 190_000), QTY_ONE).expect("add");
    s.void_line(b).expect("void");
    assert_eq!(s.lines.len(), 2, "a removed line stays in the record");
    assert!(s.lines[1].voided);
    assert_eq!(s.totals().expect("totals").total_minor(), 100);
    assert_eq!(s.set_quantity(b, 2000), Err(DomainError::LineVoided(b)));
    assert_eq!(s.add_item(item("c", 1, "std", 0), QTY_ONE), Ok(3), "line numbers are never reused");
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let mut s = sale();
    let a = s.add_item(item("a", 500, "std", 190_000), QTY_ONE).expect("add");
    let before = s.clone();
    assert_eq!(s.set_quantity(a, 0), Err(DomainError::InvalidQuantity(0)));
    assert!(s.set_line_discount(a, Some(Discount::Amount { minor: 501 })).is_err());
    assert!(s.set_line_discount(a, Some(Discount::Percent { bp: 10_001 })).is_err());
    assert!(s.override_price(a, -1, "x").is_err());
    assert!(s.add_item(item("huge", i64::MAX, "std", 190_000), 2 * QTY_ONE).is_err());
    assert!(s.set_quantity(a, i64::MAX).is_err());
    assert_eq!(s.set_quantity(99, 1000), Err(DomainError::NoSuchLine(99)));
    assert_eq!(s, before, "a refused change must leave the sale exactly as it was");
}

#[test]
fn price_override_remembers_the_catalog_price() {
    let mut s = sale();
    let a = s.add_item(item("a", 500, "std", 190_000), QTY_ONE).expect("add");
    s.override_price(a, 400, "damaged box").expect("override");
    s.override_price(a, 300, "manager").expect("override");
    assert_eq!(s.lines[0].price_override.as_ref().map(|o| o.original_minor), Some(500));
    assert_eq!(s.totals().expect("totals").total_minor(), 300);
}

#[test]
fn lifecycle_open_parked_tendering_completed() {
    let mut s = sale();
    assert_eq!(s.park(), Err(DomainError::EmptySale));
    s.add_item(item("a", 1000, "std", 190_000), QTY_ONE).expect("add");
    s.park().expect("park");
    assert!(s.add_item(item("b", 1, "std", 0), QTY_ONE).is_err(), "a parked sale takes no items");
    s.recall().expect("recall");
    s.begin_tender().expect("tender");
    assert!(s.set_quantity(1, 2000).is_err(), "the cart is frozen while paying");
    s.back_to_cart().expect("back");
    s.begin_tender().expect("tender");
    assert_eq!(s.complete(), Err(DomainError::NotFullyPaid { remaining_minor: 1000 }));
    s.add_cash(Uuid::from_u128(9), 2000, CashRounding::NONE).expect("cash");
    assert_eq!(s.change_minor(), 1000);
    s.complete().expect("complete");
    assert_eq!(s.state, SaleState::Completed);
    assert!(s.void().is_err(), "a completed sale is undone by a refund, not a void");
    assert!(s.recall().is_err());
}

#[test]
fn split_tender_card_then_cash_with_rounding() {
    let mut s = sale();
    s.add_item(item("a", 3483, "std", 190_000), QTY_ONE).expect("add");
    s.begin_tender().expect("tender");
    let card = crate::tender::CardApproval {
        masked_pan: "************1234".into(),
        card_type: "girocard".into(),
        terminal_id: "52500001".into(),
        trace_no: 17,
        receipt_no: 5,
    };
    s.add_non_cash(Uuid::from_u128(2), TenderKind::Card, 2000, Some(card.clone())).expect("card");
    assert!(
        s.add_non_cash(Uuid::from_u128(3), TenderKind::Card, 1484, Some(card.clone())).is_err(),
        "a card tender may not exceed what is owed: there is no change from a card"
    );
    assert!(
        s.add_non_cash(Uuid::from_u128(2), TenderKind::Card, 10, Some(card)).is_err(),
        "the same tender id must not pay twice"
    );
    // 14.83 left; cash rounds it to 14.85
    assert_eq!(s.cash_due_minor(CashRounding { increment_minor: 5 }), Ok(1485));
    s.add_cash(Uuid::from_u128(4), 2000, CashRounding { increment_minor: 5 }).expect("cash");
    assert_eq!(s.change_minor(), 515);
    assert_eq!(s.cash_rounding_minor, 2);
    s.complete().expect("complete");
}

#[test]
fn a_cash_remainder_below_half_a_coin_settles_the_sale() {
    let mut s = sale();
    s.add_item(item("a", 1001, "std", 190_000), QTY_ONE).expect("add");
    s.begin_tender().expect("tender");
    s.add_cash(Uuid::from_u128(2), 1000, CashRounding { increment_minor: 5 }).expect("cash");
    assert_eq!(s.remaining_minor(), Ok(0));
    assert_eq!(s.cash_rounding_minor, -1);
    s.complete().expect("complete");
}

#[test]
fn order_discount_is_spread_exactly() {
    assert_eq!(allocate_proportionally(10, &[1, 1, 1]), Ok(vec![4, 3, 3]));
    assert_eq!(allocate_proportionally(100, &[300, 0, 700]), Ok(vec![30, 0, 70]));
    assert_eq!(allocate_proportionally(0, &[]), Ok(vec![]));
    assert!(allocate_proportionally(5, &[0, 0]).is_err());
}

fn arb_line() -> impl Strategy<Value = (i64, i64, u32, Option<Discount>)> {
    (
        0i64..100_000,
        1i64..20_000,
        prop::sample::select(vec![0u32, 70_000, 190_000, 88_750]),
        prop::option::of(prop_oneof![
            (0u32..=10_000).prop_map(|bp| Discount::Percent { bp }),
            (0i64..50).prop_map(|minor| Discount::Amount { minor }),
        ]),
    )
}

fn build(lines: &[(i64, i64, u32, Option<Discount>)], order: Option<Discount>, mode: PricingMode) -> Sale {
    let mut s = Sale::new(Uuid::from_u128(7), Currency::EUR, mode);
    for (i, (price, qty, rate, disc)) in lines.iter().enumerate() {
        let n = s.add_item(item(&format!("i{i}"), *price, &format!("r{rate}"), *rate), *qty).expect("add");
        // A discount larger than the line is refused; the property covers the rest.
        let _refused_is_fine = s.set_line_discount(n, *disc);
    }
    let _refused_is_fine = s.set_order_discount(order);
    s
}

proptest! {
    #[test]
    fn totals_are_the_sums_of_the_lines(
        lines in prop::collection::vec(arb_line(), 1..12),
        order in prop::option::of((0u32..=10_000).prop_map(|bp| Discount::Percent { bp })),
        inclusive in any::<bool>(),
    ) {
        let mode = if inclusive { PricingMode::TaxInclusive } else { PricingMode::TaxExclusive };
        let t = build(&lines, order, mode).totals().expect("totals");
        let sum = t.lines.iter().fold(TaxAmounts::default(), |a, l| a.checked_add(l.tax).expect("sum"));
        prop_assert_eq!(sum, t.sum);
        prop_assert_eq!(t.breakdown.total().expect("breakdown"), t.sum, "the breakdown sums to the totals");
        for l in &t.lines {
            prop_assert_eq!(l.tax.net_minor + l.tax.tax_minor, l.tax.gross_minor);
        }
        let discounts: i64 = t.lines.iter().map(|l| l.line_discount_minor + l.order_discount_minor).sum();
        prop_assert_eq!(discounts, t.discount_minor);
    }

    #[test]
    fn order_discount_parts_sum_exactly(total in 0i64..1_000_000, weights in prop::collection::vec(0i64..1_000_000, 1..30)) {
        prop_assume!(weights.iter().any(|w| *w > 0));
        let parts = allocate_proportionally(total, &weights).expect("allocate");
        prop_assert_eq!(parts.iter().sum::<i64>(), total);
        let weight_sum: i64 = weights.iter().sum();
        for (p, w) in parts.iter().zip(&weights) {
            // Each part is within one unit of its exact proportional share.
            let exact = i128::from(total) * i128::from(*w);
            prop_assert!((i128::from(*p) * i128::from(weight_sum) - exact).abs() < i128::from(weight_sum));
            prop_assert!(*p >= 0);
        }
    }

    #[test]
    fn cash_always_settles_exactly(price in 1i64..100_000, inc in prop::sample::select(vec![1i64, 5, 10, 100]), extra in 0i64..10_000) {
        let mut s = sale();
        s.add_item(item("x", price, "std", 190_000), QTY_ONE).expect("add");
        s.begin_tender().expect("tender");
        let due = s.cash_due_minor(CashRounding { increment_minor: inc }).expect("due");
        prop_assume!(due > 0);
        s.add_cash(Uuid::from_u128(5), due + extra, CashRounding { increment_minor: inc }).expect("cash");
        prop_assert_eq!(s.change_minor(), extra);
        prop_assert!(s.cash_rounding_minor.abs() * 2 <= inc, "rounding never exceeds half the smallest coin");
        s.complete().expect("a cash payment of what is due completes the sale");
    }
}

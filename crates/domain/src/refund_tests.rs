use super::*;
use proptest::prelude::*;

fn line(line_no: u32, quantity_milli: i64, gross_minor: i64, tax_minor: i64) -> SoldLine {
    SoldLine {
        line_no,
        product_id: format!("p{line_no}"),
        name: format!("line {line_no}"),
        quantity_milli,
        tax_class_id: "std".into(),
        tax_rate_ppm: 190_000,
        amounts: TaxAmounts { net_minor: gross_minor - tax_minor, tax_minor, gross_minor },
    }
}

#[test]
fn refunds_in_parts_return_exactly_the_line() {
    let sold = [line(1, 3000, 1000, 160)];
    let mut refunded = BTreeMap::new();
    let mut gross = 0;
    let mut tax = 0;
    for _ in 0..3 {
        let plan = plan_refund(&sold, &refunded, &[RefundRequest { line_no: 1, quantity_milli: 1000 }]).expect("plan");
        gross += plan[0].amounts.gross_minor;
        tax += plan[0].amounts.tax_minor;
        *refunded.entry(1).or_insert(0) += 1000;
    }
    assert_eq!((gross, tax), (1000, 160), "three thirds of 10.00 are 3.33 + 3.34 + 3.33, never 9.99 or 10.02");
    let err = plan_refund(&sold, &refunded, &[RefundRequest { line_no: 1, quantity_milli: 1 }]);
    assert_eq!(err, Err(DomainError::RefundExceedsSold { line_no: 1, requested_milli: 1, available_milli: 0 }));
}

#[test]
fn one_refund_may_not_ask_twice_for_the_same_units() {
    let sold = [line(1, 1000, 500, 80)];
    let r = plan_refund(
        &sold,
        &BTreeMap::new(),
        &[RefundRequest { line_no: 1, quantity_milli: 1000 }, RefundRequest { line_no: 1, quantity_milli: 1000 }],
    );
    assert!(matches!(r, Err(DomainError::RefundExceedsSold { available_milli: 0, .. })));
    assert_eq!(
        plan_refund(&sold, &BTreeMap::new(), &[RefundRequest { line_no: 9, quantity_milli: 1 }]),
        Err(DomainError::NoSuchLine(9))
    );
    assert_eq!(
        plan_refund(&sold, &BTreeMap::new(), &[RefundRequest { line_no: 1, quantity_milli: 0 }]),
        Err(DomainError::InvalidQuantity(0))
    );
}

#[test]
fn refunds_go_to_the_card_before_cash() {
    let tenders = [
        OriginalTender {
            payment_id: Uuid::from_u128(1),
            kind: TenderKind::Cash,
            amount_minor: 1000,
            refunded_minor: 0,
        },
        OriginalTender {
            payment_id: Uuid::from_u128(2),
            kind: TenderKind::Card,
            amount_minor: 2000,
            refunded_minor: 500,
        },
    ];
    let out = refund_to_original_tenders(2000, &tenders).expect("allocate");
    assert_eq!(
        out,
        vec![
            RefundTender { payment_id: Uuid::from_u128(2), kind: TenderKind::Card, amount_minor: 1500 },
            RefundTender { payment_id: Uuid::from_u128(1), kind: TenderKind::Cash, amount_minor: 500 },
        ]
    );
    assert!(refund_to_original_tenders(2501, &tenders).is_err(), "never more than the tenders paid");
}

proptest! {
    /// However a line is refunded, in whatever parts, the total never exceeds what was sold,
    /// and refunding all of it returns exactly its amount.
    #[test]
    fn refunds_never_exceed_what_was_sold(
        qty in 1i64..10_000,
        gross in 0i64..1_000_000,
        tax_pct in 0i64..30,
        parts in prop::collection::vec(1i64..5_000, 1..20),
    ) {
        let tax = gross * tax_pct / 130;
        let sold = [line(1, qty, gross, tax)];
        let mut refunded = BTreeMap::new();
        let (mut g, mut t, mut q) = (0i64, 0i64, 0i64);
        for p in parts {
            match plan_refund(&sold, &refunded, &[RefundRequest { line_no: 1, quantity_milli: p }]) {
                Ok(plan) => {
                    g += plan[0].amounts.gross_minor;
                    t += plan[0].amounts.tax_minor;
                    q += p;
                    *refunded.entry(1).or_insert(0) += p;
                }
                Err(DomainError::RefundExceedsSold { .. }) => prop_assert!(q + p > qty),
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
            prop_assert!(g <= gross && t <= tax && q <= qty);
        }
        if q < qty {
            let plan = plan_refund(&sold, &refunded, &[RefundRequest { line_no: 1, quantity_milli: qty - q }]).expect("rest");
            g += plan[0].amounts.gross_minor;
            t += plan[0].amounts.tax_minor;
        }
        prop_assert_eq!((g, t), (gross, tax));
    }
}

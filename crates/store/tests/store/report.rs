//! The X and Z reports against the raw records: random days of sales (discounts, changed
//! prices, removed lines, card and cash, voided sales), refunds and cash movements are
//! committed through the store; every figure of the report (running totals kept at commit)
//! must equal the same figure recomputed here from the rows and journal bodies, by other code.

use crate::support::*;
use proptest::prelude::*;
use ringup_domain::cart::Discount;
use ringup_domain::refund::RefundRequest;
use ringup_domain::report::{CashCount, CashMovementKind, CountAmount, DayTotals};
use ringup_domain::tender::{CashRounding, TenderKind};
use ringup_store::{ProductInput, TerminalTotals};
use rusqlite::Connection;
use std::collections::BTreeMap;
use uuid::Uuid;

const EUR: &[i64] = &CashCount::EUR_DENOMINATIONS;
const HOUR_MS: i64 = 3_600_000;
/// 2023-11-14 22:13:20 UTC is 23:13 in Berlin; the day's sales spread over the next 20 hours.
const DAY_START: i64 = T0;

fn berlin_hour(at_ms: i64) -> u8 {
    use chrono::{TimeZone, Timelike};
    let utc = chrono::Utc.timestamp_millis_opt(at_ms).single().expect("a valid time");
    u8::try_from(utc.with_timezone(&chrono_tz::Europe::Berlin).hour()).expect("an hour")
}

fn categorised_store() -> Fixture {
    let fx = store();
    let with_category = |sku: &str, name: &str, class: &str, price: i64, category: Option<&str>| ProductInput {
        category: category.map(str::to_string),
        ..product(sku, name, class, price, &[])
    };
    for p in [
        with_category(COFFEE, "Coffee beans 500 g", "standard", COFFEE_PRICE, Some("Coffee")),
        with_category(MILK, "Fresh milk 1 l", "reduced", MILK_PRICE, Some("Dairy")),
        with_category("BAG", "Paper bag", "standard", 25, None),
    ] {
        fx.store.upsert_product(&p).expect("product");
    }
    fx
}

#[derive(Debug, Clone)]
struct SaleSpec {
    lines: Vec<(usize, i64)>,
    discount_bp: Option<u32>,
    new_price: Option<i64>,
    remove_line: Option<usize>,
    card_part: Option<(u8, usize)>,
    voided: bool,
    cashier: usize,
    minute: i64,
}

#[derive(Debug, Clone)]
enum Op {
    Sale(SaleSpec),
    /// Refund one piece of the first line of the n-th sale so far (if it still has one).
    Refund(usize),
    Cash(CashMovementKind, i64),
}

const SKUS: [&str; 3] = [COFFEE, MILK, "BAG"];
const CASHIERS: [&str; 2] = ["alice", "bob"];
const CARD_TYPES: [&str; 2] = ["girocard", "VISA"];

fn sale_spec() -> impl Strategy<Value = SaleSpec> {
    (
        prop::collection::vec((0..3usize, 1..4i64), 1..5),
        prop::option::of(1..5_000u32),
        prop::option::of(1..2_000i64),
        prop::option::of(0..4usize),
        prop::option::of((1..100u8, 0..2usize)),
        prop::bool::weighted(0.1),
        0..2usize,
        0..1_200i64,
    )
        .prop_map(|(lines, discount_bp, new_price, remove_line, card_part, voided, cashier, minute)| SaleSpec {
            lines,
            discount_bp,
            new_price,
            remove_line,
            card_part,
            voided,
            cashier,
            minute,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => sale_spec().prop_map(Op::Sale),
        2 => (0..10usize).prop_map(Op::Refund),
        1 => (1..5_000i64).prop_map(|a| Op::Cash(CashMovementKind::PayIn, a)),
        1 => (1..3_000i64).prop_map(|a| Op::Cash(CashMovementKind::PayOut, a)),
        1 => (1..3_000i64).prop_map(|a| Op::Cash(CashMovementKind::Drop, a)),
        1 => Just(Op::Cash(CashMovementKind::NoSale, 0)),
    ]
}

fn next_trace() -> u32 {
    static TRACE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    TRACE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Rings up one sale as a till would; returns its id if it was completed.
fn ring_up(fx: &Fixture, spec: &SaleSpec, at_ms: i64) -> Option<Uuid> {
    let store = &fx.store;
    let lines: Vec<(&str, i64)> = spec.lines.iter().map(|(p, n)| (SKUS[*p], *n)).collect();
    let mut sale = open_sale(store, &lines);
    if let Some(bp) = spec.discount_bp {
        sale.set_line_discount(1, Some(Discount::Percent { bp })).expect("a discount");
    }
    if let Some(price) = spec.new_price {
        sale.override_price(1, price, "damaged").expect("a new price");
    }
    if let Some(i) = spec.remove_line.filter(|i| *i < spec.lines.len() && spec.lines.len() > 1) {
        sale.void_line(u32::try_from(i + 1).expect("small")).expect("the line is removed");
    }
    if spec.voided {
        sale.void().expect("voided");
        store.commit_sale(REGISTER, &sale, CASHIERS[spec.cashier], at_ms).expect("commit");
        return None;
    }
    let total = sale.begin_tender().expect("tender").total_minor();
    if let Some((percent, card_type)) = spec.card_part {
        let card = total * i64::from(percent) / 100;
        if card > 0 {
            let id = Uuid::now_v7();
            let mut approval = approval();
            approval.card_type = CARD_TYPES[card_type].into();
            approval.trace_no = next_trace();
            approve_attempt_as(store, sale.id, id, card, &approval);
            sale.add_non_cash(id, TenderKind::Card, card, Some(approval)).expect("card");
        }
    }
    let remaining = sale.remaining_minor().expect("remaining");
    if remaining > 0 {
        // The customer hands over a round note: change comes back.
        sale.add_cash(Uuid::now_v7(), (remaining + 499) / 500 * 500, CashRounding::NONE).expect("cash");
    }
    sale.complete().expect("paid");
    store.commit_sale(REGISTER, &sale, CASHIERS[spec.cashier], at_ms).expect("commit");
    Some(sale.id)
}

fn sum_pair(conn: &Connection, sql: &str) -> CountAmount {
    conn.query_row(sql, [REGISTER], |r| {
        Ok(CountAmount { count: u64::try_from(r.get::<_, i64>(0)?).expect("count"), amount_minor: r.get(1)? })
    })
    .expect("query")
}

/// Every figure of the report, recomputed from the rows and journal bodies.
fn recompute(conn: &Connection) -> DayTotals {
    let mut t = DayTotals {
        sales: sum_pair(
            conn,
            "SELECT count(*), coalesce(sum(total_minor), 0) FROM sales WHERE register_id = ?1 AND state = 'completed'",
        ),
        voided_sales: sum_pair(
            conn,
            "SELECT count(*), coalesce(sum(total_minor), 0) FROM sales WHERE register_id = ?1 AND state = 'voided'",
        ),
        refunds: sum_pair(conn, "SELECT count(*), coalesce(sum(total_minor), 0) FROM refunds WHERE register_id = ?1"),
        ..DayTotals::default()
    };
    let completed_lines =
        "FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.register_id = ?1 AND s.state = 'completed'";
    t.voided_lines = sum_pair(
        conn,
        &format!(
            "SELECT count(*), coalesce(sum(l.unit_price_minor * l.quantity_milli / 1000), 0) {completed_lines} AND l.voided = 1"
        ),
    );
    t.discounts = sum_pair(
        conn,
        &format!(
            "SELECT count(*), coalesce(sum(l.discount_minor), 0) {completed_lines} AND l.voided = 0 AND l.discount_minor != 0"
        ),
    );
    let mut stmt = conn
        .prepare(&format!(
            "SELECT l.tax_rate_ppm, l.net_minor, l.tax_minor, l.gross_minor, coalesce(c.name, p.category_id, 'Uncategorised')
             {completed_lines} AND l.voided = 0
             UNION ALL
             SELECT ol.tax_rate_ppm, -rl.net_minor, -rl.tax_minor, -rl.gross_minor, coalesce(c.name, p.category_id, 'Uncategorised')
             FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
             JOIN sale_lines ol ON ol.sale_id = r.original_sale_id AND ol.line_no = rl.original_line_no
             JOIN products p ON p.id = ol.product_id LEFT JOIN categories c ON c.id = p.category_id
             WHERE r.register_id = ?1"
        ).replace("FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE", "FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN products p ON p.id = l.product_id LEFT JOIN categories c ON c.id = p.category_id WHERE"))
        .expect("lines");
    let rows = stmt
        .query_map([REGISTER], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .expect("query");
    for row in rows {
        let (rate, net, tax, gross, category) = row.expect("row");
        let by_rate = t.by_tax_rate.entry(rate).or_default();
        by_rate.net_minor += net;
        by_rate.tax_minor += tax;
        by_rate.gross_minor += gross;
        let c = t.by_category.entry(category).or_default();
        c.count += 1;
        c.amount_minor += gross;
    }
    let mut stmt = conn
        .prepare("SELECT p.kind, p.amount_minor, p.card_type FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.register_id = ?1 AND s.state = 'completed'")
        .expect("payments");
    for row in stmt
        .query_map([REGISTER], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<String>>(2)?)))
        .expect("query")
    {
        let (kind, amount, card_type) = row.expect("row");
        let tender = t.by_tender.entry(kind.clone()).or_default();
        tender.sales.count += 1;
        tender.sales.amount_minor += amount;
        if let Some(card_type) = card_type {
            let c = t.by_card_type.entry(card_type).or_default();
            c.count += 1;
            c.amount_minor += amount;
        }
        if kind == "cash" {
            t.cash.sales_minor += amount;
        }
    }
    let mut stmt = conn
        .prepare("SELECT rt.kind, rt.amount_minor, p.card_type FROM refund_tenders rt JOIN refunds r ON r.id = rt.refund_id JOIN payments p ON p.id = rt.payment_id WHERE r.register_id = ?1")
        .expect("refund tenders");
    for row in stmt
        .query_map([REGISTER], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<String>>(2)?)))
        .expect("query")
    {
        let (kind, amount, card_type) = row.expect("row");
        let tender = t.by_tender.entry(kind.clone()).or_default();
        tender.refunds.count += 1;
        tender.refunds.amount_minor += amount;
        if let Some(card_type) = card_type {
            let c = t.by_card_type.entry(card_type).or_default();
            c.count += 1;
            c.amount_minor -= amount;
        }
        if kind == "cash" {
            t.cash.refunds_minor += amount;
        }
    }
    let mut stmt = conn
        .prepare("SELECT cashier, total_minor, at_ms FROM sales WHERE register_id = ?1 AND state = 'completed'")
        .expect("sales");
    for row in stmt
        .query_map([REGISTER], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
        .expect("query")
    {
        let (cashier, total, at_ms) = row.expect("row");
        let c = t.by_cashier.entry(cashier).or_default();
        c.count += 1;
        c.amount_minor += total;
        let h = t.by_hour.entry(berlin_hour(at_ms)).or_default();
        h.count += 1;
        h.amount_minor += total;
    }
    // Price changes and cash movements are read back from the journaled documents.
    let mut stmt =
        conn.prepare("SELECT kind, body, at_ms FROM journal WHERE register_id = ?1 ORDER BY seq").expect("journal");
    let entries: Vec<(String, String, i64)> = stmt
        .query_map([REGISTER], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    for (kind, body, at_ms) in entries {
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        t.first_ms = Some(t.first_ms.map_or(at_ms, |f| f.min(at_ms)));
        t.last_ms = Some(t.last_ms.map_or(at_ms, |l| l.max(at_ms)));
        if kind == "sale" {
            for line in body["sale"]["lines"].as_array().expect("lines") {
                if line["voided"].as_bool() == Some(false) && !line["price_override"].is_null() {
                    let original = line["price_override"]["original_minor"].as_i64().expect("original");
                    let charged = line["unit_price_minor"].as_i64().expect("price");
                    let qty = line["quantity_milli"].as_i64().expect("qty");
                    t.price_overrides.count += 1;
                    t.price_overrides.amount_minor += (original - charged) * qty / 1000;
                }
            }
        }
        let amount = body["amount_minor"].as_i64().unwrap_or(0);
        match body["movement"].as_str() {
            Some("float") => t.cash.floats_minor += amount,
            Some("pay_in") => {
                t.cash.pay_ins.count += 1;
                t.cash.pay_ins.amount_minor += amount
            }
            Some("pay_out") => {
                t.cash.pay_outs.count += 1;
                t.cash.pay_outs.amount_minor += amount
            }
            Some("drop") => {
                t.cash.drops.count += 1;
                t.cash.drops.amount_minor += amount
            }
            Some("no_sale") => t.no_sales += 1,
            Some("count") => {
                t.cash.counted.count += 1;
                t.cash.counted.amount_minor += body["counted_minor"].as_i64().expect("counted");
                t.cash.expected_at_count_minor += body["expected_minor"].as_i64().expect("expected");
            }
            _ => {}
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A random day, closed with a blind count off by `short` cents: the X report before the
    /// close, and the Z after it, equal the figures recomputed from the records.
    #[test]
    fn every_figure_of_a_random_day_equals_the_records(ops in prop::collection::vec(op(), 1..30), short in 0..500i64) {
        let fx = categorised_store();
        let store = &fx.store;
        let float = CashCount { counts: BTreeMap::from([(1_000, 5), (200, 10), (50, 20)]) };
        let drawer = store.open_drawer_with_float(REGISTER, Uuid::now_v7(), "alice", &float, EUR, DAY_START).expect("open");
        let mut sales = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let at = DAY_START + i64::try_from(i).expect("small") + match op { Op::Sale(s) => s.minute * 60_000, _ => 0 };
            match op {
                Op::Sale(spec) => sales.extend(ring_up(&fx, spec, at)),
                Op::Refund(n) => {
                    if let Some(&sale_id) = sales.get(*n) {
                        let left = store.refunded_quantities(sale_id).expect("refunded");
                        let first_line_sold = fx.raw().query_row(
                            "SELECT quantity_milli, voided FROM sale_lines WHERE sale_id = ?1 AND line_no = 1",
                            [sale_id.to_string()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?))).expect("line 1");
                        let done = left.get(&1).copied().unwrap_or(0);
                        if !first_line_sold.1 && first_line_sold.0 - done >= 1_000 {
                            let refund_id = Uuid::now_v7();
                            let preview = store.preview_refund(sale_id, &[RefundRequest { line_no: 1, quantity_milli: 1_000 }]).expect("preview");
                            for t in preview.tenders.iter().filter(|t| t.kind == TenderKind::Card) {
                                approve_refund_attempt(store, refund_id, t.amount_minor);
                            }
                            store.commit_refund(refund_id, sale_id, REGISTER, "bob", &[RefundRequest { line_no: 1, quantity_milli: 1_000 }], at)
                                .expect("refund");
                        }
                    }
                }
                Op::Cash(CashMovementKind::NoSale, _) => {
                    store.record_no_sale(REGISTER, Uuid::now_v7(), "maria", None, "change for a customer", "EUR", at).expect("no sale");
                }
                Op::Cash(kind, amount) => {
                    // More out than the drawer holds is refused, and leaves no trace.
                    let _refused_when_too_much = store.move_cash(REGISTER, Uuid::now_v7(), *kind, *amount, "bank", ("maria", None), at);
                }
            }
        }
        let x = store.x_report(REGISTER, DAY_START + 2 * 24 * HOUR_MS).expect("X");
        let expected_cash = x.totals.cash.expected_minor();
        prop_assert_eq!(store.current_drawer(REGISTER).expect("drawer").expect("open").expected_minor, expected_cash,
            "the drawer's running figure is the report's");

        // Blind count, `short` cents short.
        let short = short.min(expected_cash.max(0));
        let mut counted = CashCount::default();
        let mut left = expected_cash - short;
        for value in EUR {
            let n = left / value;
            if n > 0 { counted.counts.insert(*value, u32::try_from(n).expect("fits")); left -= n * value; }
        }
        let close = store.close_drawer(REGISTER, drawer.id, Uuid::now_v7(), "alice", &counted, EUR, DAY_START + 21 * HOUR_MS).expect("count");
        prop_assert_eq!((close.expected_minor, close.variance_minor), (expected_cash, -short));

        let recomputed = recompute(&fx.raw());
        let terminal = TerminalTotals { total_minor: 0, by_card_type: BTreeMap::new() };
        let z = store.close_day(REGISTER, Uuid::now_v7(), ("maria", None), Some(&terminal), DAY_START + 22 * HOUR_MS).expect("Z");
        prop_assert_eq!(&z.totals, &recomputed);
        prop_assert_eq!(z.z_no, 1);
        prop_assert_eq!(z.grand_sales_minor, recomputed.sales.amount_minor);
        prop_assert_eq!(store.x_report(REGISTER, DAY_START + 23 * HOUR_MS).expect("X").totals, DayTotals::default(),
            "the next day starts from nothing");
        // Everything the day journaled is queued for the back end once, in order.
        let device = Uuid::now_v7();
        let pairing = ringup_store::NewPairing {
            server_url: "https://backoffice",
            device_id: device,
            token: "rgd_test",
            store_id: Uuid::now_v7(),
            register_id: Uuid::now_v7(),
            register_name: "Till 1", ca_pem: None,
        };
        store.save_pairing(&pairing, DAY_START).expect("pair");
        let events = store.outbox_after(device, 0, 100_000).expect("outbox");
        let seqs: Vec<u64> = events.iter().map(|e| e.device_seq).collect();
        prop_assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
        let queued: Vec<u64> = events.iter().filter_map(|e| e.journal.as_ref().map(|j| j.data.seq)).collect();
        let journaled: Vec<u64> = store.journal(REGISTER).expect("journal").iter().map(|e| e.data.seq).collect();
        prop_assert_eq!(queued, journaled);
    }
}

#[test]
fn z_numbers_are_gapless_a_close_is_idempotent_and_grand_totals_carry_on() {
    let fx = categorised_store();
    let store = &fx.store;
    let sale = cash_sale(store, &[(COFFEE, 1)]);
    store.commit_sale(REGISTER, &sale, "alice", T0).expect("sale");

    let first_id = Uuid::now_v7();
    let z1 = store.close_day(REGISTER, first_id, ("maria", None), None, T0 + HOUR_MS).expect("Z 1");
    assert_eq!((z1.z_no, z1.totals.sales.amount_minor, z1.grand_sales_minor), (1, COFFEE_PRICE, COFFEE_PRICE));
    assert_eq!(z1.cards, None, "no terminal took part");
    let again = store.close_day(REGISTER, first_id, ("maria", None), None, T0 + 2 * HOUR_MS).expect("retried");
    assert_eq!(again, z1, "closing again under the same id returns the first Z and closes nothing");

    let sale = cash_sale(store, &[(MILK, 2)]);
    store.commit_sale(REGISTER, &sale, "bob", T0 + 3 * HOUR_MS).expect("sale");
    let z2 = store.close_day(REGISTER, Uuid::now_v7(), ("maria", None), None, T0 + 4 * HOUR_MS).expect("Z 2");
    assert_eq!((z2.z_no, z2.totals.sales.amount_minor), (2, 2 * MILK_PRICE));
    assert_eq!(z2.grand_sales_minor, COFFEE_PRICE + 2 * MILK_PRICE, "grand totals never reset");
    assert_eq!(z2.opened_ms, z1.closed_ms, "each day starts where the last one closed");
    let z3 = store
        .close_day(REGISTER, Uuid::now_v7(), ("maria", None), None, T0 + 5 * HOUR_MS)
        .expect("an empty day closes too");
    assert_eq!((z3.z_no, z3.totals.sales.count), (3, 0));

    let listed: Vec<u64> = store.z_reports(REGISTER).expect("list").iter().map(|z| z.z_no).collect();
    assert_eq!(listed, vec![3, 2, 1]);
    assert_eq!(store.z_report(REGISTER, 2).expect("read"), Some(z2));
    let closes = count(&fx.raw(), "SELECT count(*) FROM journal WHERE kind = 'close'");
    assert_eq!(closes, 3, "each Z is journaled once");
}

#[test]
fn the_drawer_is_counted_blind_before_the_day_closes_and_card_totals_are_checked() {
    let fx = categorised_store();
    let store = &fx.store;
    let float = CashCount { counts: BTreeMap::from([(1_000, 10)]) };
    let drawer = store.open_drawer_with_float(REGISTER, Uuid::now_v7(), "alice", &float, EUR, T0).expect("open");
    assert_eq!((drawer.float_minor, drawer.expected_minor), (10_000, 10_000));
    let other = store.open_drawer_with_float(REGISTER, Uuid::now_v7(), "bob", &float, EUR, T0);
    assert!(matches!(other, Err(ringup_store::StoreError::Conflict(_))), "one drawer per register");
    let odd = CashCount { counts: BTreeMap::from([(300, 1)]) };
    assert!(store.close_drawer(REGISTER, drawer.id, Uuid::now_v7(), "alice", &odd, EUR, T0).is_err(), "no 3-euro note");

    let (sale, _card) = card_sale(store, &[(COFFEE, 1)], 1_000);
    store.commit_sale(REGISTER, &sale, "alice", T0 + 1).expect("card and cash");
    let too_much = store.move_cash(
        REGISTER,
        Uuid::now_v7(),
        CashMovementKind::PayOut,
        50_000,
        "supplier",
        ("maria", None),
        T0 + 2,
    );
    assert!(too_much.is_err(), "more out than the drawer holds");
    assert!(
        store.move_cash(REGISTER, Uuid::now_v7(), CashMovementKind::PayOut, 500, " ", ("maria", None), T0 + 2).is_err(),
        "a reason"
    );
    let drop_id = Uuid::now_v7();
    store
        .move_cash(REGISTER, drop_id, CashMovementKind::Drop, 5_000, "to the safe", ("maria", None), T0 + 3)
        .expect("drop");
    let retried = store
        .move_cash(REGISTER, drop_id, CashMovementKind::Drop, 5_000, "to the safe", ("maria", None), T0 + 4)
        .expect("retry");
    assert_eq!(retried.expected_minor, 10_000 + (COFFEE_PRICE - 1_000) - 5_000, "the drop counted once");

    let refused = store.close_day(REGISTER, Uuid::now_v7(), ("maria", None), None, T0 + 5);
    assert!(matches!(refused, Err(ringup_store::StoreError::Conflict(_))), "count the drawer first");

    // Counted one euro short.
    let expected = retried.expected_minor;
    let counted =
        CashCount { counts: BTreeMap::from([(1_000, 5), (1, u32::try_from(expected - 5_000 - 100).expect("fits"))]) };
    let count_id = Uuid::now_v7();
    let result = store.close_drawer(REGISTER, drawer.id, count_id, "alice", &counted, EUR, T0 + 6).expect("count");
    assert_eq!((result.expected_minor, result.counted_minor, result.variance_minor), (expected, expected - 100, -100));
    let recount = store.close_drawer(REGISTER, drawer.id, Uuid::now_v7(), "alice", &float, EUR, T0 + 7).expect("again");
    assert_eq!(recount, result, "a drawer is counted once");

    let terminal = TerminalTotals { total_minor: 1_300, by_card_type: BTreeMap::from([("VISA".to_string(), 1_300)]) };
    let z = store.close_day(REGISTER, Uuid::now_v7(), ("maria", None), Some(&terminal), T0 + 8).expect("Z");
    assert_eq!(z.totals.cash.variance_minor(), -100);
    assert_eq!(z.totals.cash.drops, CountAmount { count: 1, amount_minor: 5_000 });
    let visa = &z.cards.as_ref().expect("reconciled")[0];
    assert_eq!(
        (visa.card_type.as_str(), visa.ours_minor, visa.terminal_minor, visa.matches),
        ("VISA", 1_000, Some(1_300), false)
    );
    assert!(z.card_mismatch(), "the terminal says 3,00 more than we took by card");
}

#[test]
fn pin_entry_locks_after_five_wrong_pins_and_survives_a_restart() {
    let fx = store();
    for n in 1..=4 {
        let lock = fx.store.record_pin_failure(REGISTER, T0 + n).expect("counted");
        assert_eq!((lock.failures, lock.locked_until_ms), (u32::try_from(n).expect("small"), 0));
    }
    assert_eq!(fx.store.pin_locked_for(REGISTER, T0 + 5).expect("read"), None, "four wrong PINs lock nothing");
    fx.store.record_pin_failure(REGISTER, T0 + 5).expect("fifth");
    assert_eq!(fx.store.pin_locked_for(REGISTER, T0 + 6).expect("read"), Some(29_999));
    let reopened = ringup_store::Store::open(&fx.path()).expect("after a restart");
    assert_eq!(
        reopened.pin_locked_for(REGISTER, T0 + 6).expect("read"),
        Some(29_999),
        "killing the app does not unlock"
    );
    let sixth = reopened.record_pin_failure(REGISTER, T0 + 40_000).expect("sixth");
    assert_eq!(sixth.locked_until_ms, T0 + 40_000 + 60_000, "longer each time");
    reopened.clear_pin_failures(REGISTER).expect("a right PIN");
    assert_eq!(reopened.pin_locked_for(REGISTER, T0 + 40_001).expect("read"), None);
}

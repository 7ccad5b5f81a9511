//! A cashier's day in miniature, through the use cases the UI will call.

use crate::support::shop;
use hardware_sim::terminal::{BookingKind, InProcess, SimConfig, SimTerminal};
use ringup_app::{CardPayment, CardRefund};
use ringup_devices::card::EVENT_CAPACITY;
use ringup_devices::zvt::client::{ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::transport::Framing;
use ringup_domain::cart::Discount;
use ringup_domain::refund::RefundRequest;
use ringup_domain::tender::TenderKind;

#[tokio::test]
async fn ring_up_park_recall_split_tender_refund() {
    let shop = shop();
    let mut reg = shop.register("R1", 1);
    assert_eq!(reg.scan("4012345000016").expect("coffee by EAN-13").name, "Coffee beans 1 kg");
    assert_eq!(reg.scan("036000291452").expect("coffee by UPC-A").name, "Coffee beans 1 kg");
    let apples = reg.scan("2800042007429").expect("weighed apples");
    assert_eq!(apples.quantity_milli, 742, "the weight comes from the label");
    reg.scan("2100101004599").expect("cheese with a price label");
    reg.scan("bag-paper").expect_err("SKUs are exact: a lower-case SKU is not found");
    reg.scan("BAG-PAPER").expect("a typed SKU");
    reg.set_line_discount(apples.line_no, Some(Discount::Percent { bp: 1000 }), None).expect("discount");
    let before_park = reg.totals().expect("totals");

    let parked = reg.park().expect("park");
    assert!(reg.sale().is_none(), "parking clears the screen for the next customer");
    assert_eq!(shop.store.parked_sales().expect("list").len(), 1);
    reg.recall(parked).expect("recall");
    assert_eq!(reg.totals().expect("totals"), before_park, "a recalled sale is exactly the parked one");

    let totals = reg.begin_tender().expect("tender");
    // 14.99 × 2 + 1.85 − 0.18 + 4.59 + 0.20
    assert_eq!(totals.total_minor(), 2998 + 167 + 459 + 20);
    let sim = SimTerminal::new(SimConfig::default());
    let mut zvt =
        ZvtTerminal::new(InProcess { sim: sim.clone(), framing: Framing::Tcp }, Framing::Tcp, ZvtConfig::default());
    let (events, _shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    let paid = reg.pay_card(&mut zvt, 2000, &events).await.expect("card part");
    let CardPayment::Approved { remaining_minor: left, .. } = paid else { panic!("the card pays 20.00: {paid:?}") };
    assert_eq!(left, totals.total_minor() - 2000);
    assert_eq!(reg.pay_cash(2000).expect("cash"), 0);
    let done = reg.complete().expect("complete");
    assert_eq!(done.committed.receipt_no, 1);
    let text = done.receipt.render_text(42);
    assert!(text.contains("0.742 kg x 2.49/kg"), "the weighed line shows weight and unit price:\n{text}");
    assert!(text.contains("672600******1234"), "the receipt shows the masked PAN:\n{text}");
    assert_eq!(shop.store.stock_milli("COF-1KG").expect("stock"), -2000, "two coffees left the shelf");

    let refund_id = reg.new_id();
    let one_coffee = [RefundRequest { line_no: 1, quantity_milli: 1000 }];
    assert!(
        reg.refund(refund_id, done.sale_id, &one_coffee, None).is_err(),
        "a refund that goes back to a card cannot be recorded without the terminal"
    );
    let refunded =
        reg.refund_with_card(&mut zvt, refund_id, done.sale_id, &one_coffee, None, &events).await.expect("refund");
    let CardRefund::Done(refund) = refunded else { panic!("the terminal refunds the card: {refunded:?}") };
    assert_eq!(refund.total_minor, 1499);
    assert_eq!(refund.tenders[0].kind, TenderKind::Card, "a refund goes back to the card first");
    assert_eq!(refund.committed.receipt_no, 2, "a refund takes the next receipt number");
    let again =
        reg.refund_with_card(&mut zvt, refund_id, done.sale_id, &one_coffee, None, &events).await.expect("retry");
    let CardRefund::Done(again) = again else { panic!("a retried refund is answered: {again:?}") };
    assert!(again.committed.replayed, "the same refund sent twice is paid once");
    let card_refunds = sim.journal().iter().filter(|b| b.kind == BookingKind::Refund).count();
    assert_eq!(card_refunds, 1, "the terminal refunded the card once, not twice");
    assert_eq!(shop.store.stock_milli("COF-1KG").expect("stock"), -1000);
    assert_eq!(shop.store.verify_journal("R1").expect("journal"), 2);
}

#[test]
fn a_lost_commit_answer_is_retried_without_a_second_sale() {
    let shop = shop();
    let mut reg = shop.register("R1", 2);
    reg.scan("4012345000030").expect("milk");
    reg.begin_tender().expect("tender");
    reg.pay_cash(500).expect("cash");
    let sale = reg.sale().expect("sale").clone();
    let done = reg.complete().expect("complete");
    // The answer to the first commit was lost: the same sale is committed again.
    let mut completed = sale.clone();
    completed.complete().expect("complete");
    let replay = shop.store.commit_sale("R1", &completed, "Anna", 0).expect("replay");
    assert!(replay.replayed);
    assert_eq!(replay.receipt_no, done.committed.receipt_no, "the retry gets the first answer");
    assert_eq!(shop.store.verify_journal("R1").expect("journal"), 1, "one sale, one journal entry");
}

#[test]
fn misreads_and_unknown_codes_say_what_to_do() {
    let shop = shop();
    let mut reg = shop.register("R1", 3);
    let misread = reg.scan("4012345000017").expect_err("a wrong check digit");
    assert_eq!(misread.code(), "bad_barcode");
    let unknown = reg.scan("5901234123457").expect_err("a valid EAN that we do not sell");
    assert_eq!(unknown.code(), "unknown_code");
    assert!(unknown.to_string().contains("search by name"), "the message says what to do next: {unknown}");
    assert!(reg.sale().is_none_or(|s| s.lines.is_empty()), "nothing was added by failed scans");
}

//! The outbox as the sync task reads it: every journal entry queued once under its own event
//! id, gapless device numbers, pushed marks that only move forward, and a new pairing that
//! starts after what an earlier one pushed.

use crate::support::*;
use ringup_store::{NewPairing, StoreError};
use std::collections::BTreeSet;
use uuid::Uuid;

fn pairing(url: &str) -> NewPairing<'_> {
    NewPairing {
        server_url: url,
        device_id: Uuid::now_v7(),
        token: "rgd_test",
        store_id: Uuid::now_v7(),
        register_id: Uuid::now_v7(),
        register_name: "Till 1",
        ca_pem: None,
    }
}

#[test]
fn every_journal_entry_is_queued_once_with_its_own_event_id() {
    let fx = store();
    let (sale, attempt) = card_sale(&fx.store, &[(COFFEE, 1)], 500);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("sale");
    fx.store.reprint(REGISTER, sale.id, "manager", T0 + 1).expect("reprint");
    fx.store.record_no_sale(REGISTER, Uuid::now_v7(), CASHIER, None, "change", "EUR", T0 + 2).expect("no sale");

    let device = fx.store.save_pairing(&pairing("https://a"), T0).expect("pair").device_id;
    let events = fx.store.outbox_after(device, 0, 100).expect("outbox");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["payment_attempt.approved", "sale.completed", "receipt.reprint", "cash.no_sale"]);
    let seqs: Vec<u64> = events.iter().map(|e| e.device_seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    let ids: BTreeSet<Uuid> = events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), 4, "each event has its own id");
    let journaled: Vec<u64> = events.iter().filter_map(|e| e.journal.as_ref().map(|j| j.data.seq)).collect();
    let all: Vec<u64> = fx.store.journal(REGISTER).expect("journal").iter().map(|e| e.data.seq).collect();
    assert_eq!(journaled, all, "the whole chain goes to the back end, in order");

    // The attempt carries its amount and the masked card, and nothing more of the card.
    let card = &events[0];
    assert_eq!(card.document_id, attempt);
    assert_eq!(card.data["amount_minor"], 500);
    assert_eq!(card.data["state"], "approved");
    let text = card.data.to_string();
    assert!(!text.contains("slip") && !text.contains("track"), "{text}");
}

#[test]
fn pushed_marks_move_forward_and_a_new_pairing_starts_after_them() {
    let fx = store();
    for i in 0..5 {
        let sale = cash_sale(&fx.store, &[(MILK, 1)]);
        fx.store.commit_sale(REGISTER, &sale, CASHIER, T0 + i).expect("sale");
    }
    let a = fx.store.save_pairing(&pairing("https://a"), T0).expect("pair").device_id;
    assert_eq!(fx.store.outbox_pending().expect("pending"), 5);
    assert_eq!(fx.store.mark_pushed(a, 3, T0).expect("mark"), 3);
    assert_eq!(fx.store.mark_pushed(a, 2, T0).expect("an older answer"), 0, "marks never go back");
    assert_eq!(fx.store.device_sequences(a).expect("sequences"), (3, 5));
    let rest: Vec<u64> = fx.store.outbox_after(a, 3, 10).expect("rest").iter().map(|e| e.device_seq).collect();
    assert_eq!(rest, [4, 5]);

    // Paired anew (another server, or the same after a revoke): numbered from 1 again,
    // starting after what was pushed.
    let again = fx.store.save_pairing(&pairing("https://b"), T0 + 10).expect("pair again");
    let b = again.device_id;
    assert_eq!((again.seq_base, again.server_url.as_str(), again.revoked_ms), (3, "https://b", None));
    let first = fx.store.outbox_after(b, 0, 10).expect("events");
    assert_eq!(first.iter().map(|e| e.device_seq).collect::<Vec<_>>(), [1, 2]);

    // A call still on the way for the old device changes nothing of the new pairing.
    assert!(matches!(fx.store.mark_pushed(a, 5, T0), Err(StoreError::Conflict(_))));
    assert!(matches!(fx.store.outbox_after(a, 0, 10), Err(StoreError::Conflict(_))));
    fx.store.mark_unpaired(a, T0 + 15).expect("the old device's 401");
    assert_eq!(fx.store.pairing().expect("pairing").expect("kept").revoked_ms, None);
    assert_eq!(fx.store.outbox_pending().expect("pending"), 2);

    fx.store.mark_unpaired(b, T0 + 20).expect("unpaired");
    fx.store.mark_unpaired(b, T0 + 30).expect("again");
    assert_eq!(fx.store.pairing().expect("pairing").expect("kept").revoked_ms, Some(T0 + 20));
    assert_eq!(fx.store.mark_pushed(b, 2, T0).expect("mark"), 2);
    assert_eq!(fx.store.outbox_pending().expect("pending"), 0);
}

//! Durable print jobs: queued with their document, sent once, retried after a failure, marked
//! COPY when they may already have printed, and reprints journaled.

use crate::support::*;
use ringup_domain::cart::QTY_ONE;
use ringup_domain::journal::EntryKind;
use ringup_domain::refund::RefundRequest;
use ringup_store::{PrintDocument, PrintJobState, StoreError};
use uuid::Uuid;

#[test]
fn a_completed_sale_queues_its_receipt_in_the_same_transaction() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0 + 5).expect("a replayed commit is fine");

    let queue = fx.store.print_queue(REGISTER).expect("queue");
    assert_eq!(queue.len(), 1, "one receipt per sale, even when the commit is replayed: {queue:?}");
    let job = &queue[0];
    assert_eq!((job.document_id, job.document, job.copy_no), (sale.id, PrintDocument::Sale, 0));
    assert!(!job.mark_copy, "the first print of a receipt is the original");
    assert_eq!((job.state, job.attempts), (PrintJobState::Pending, 0));
}

#[test]
fn a_voided_sale_queues_nothing_and_a_refund_queues_its_own_receipt() {
    let fx = store();
    let mut voided = open_sale(&fx.store, &[(MILK, 1)]);
    voided.void().expect("an open sale can be voided");
    fx.store.commit_sale(REGISTER, &voided, CASHIER, T0).expect("void commits");
    assert!(fx.store.print_queue(REGISTER).expect("queue").is_empty(), "a void prints no customer receipt");

    let sale = cash_sale(&fx.store, &[(COFFEE, 2)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let refund_id = Uuid::now_v7();
    let request = RefundRequest { line_no: 1, quantity_milli: QTY_ONE };
    fx.store.commit_refund(refund_id, sale.id, REGISTER, CASHIER, &[request], T0 + 1).expect("refund");

    let queue = fx.store.print_queue(REGISTER).expect("queue");
    let kinds: Vec<_> = queue.iter().map(|j| (j.document, j.document_id)).collect();
    assert_eq!(kinds, vec![(PrintDocument::Sale, sale.id), (PrintDocument::Refund, refund_id)], "in commit order");
    let stored = fx.store.stored_refund(refund_id).expect("the refund reads back for printing");
    assert_eq!(stored.original_sale_id, sale.id);
    assert_eq!(stored.original_receipt_no, 2, "the refund names the receipt it refunds (1 was the void)");
    assert_eq!(stored.receipt_no, 3, "and has its own number");
    assert_eq!(stored.lines.len(), 1);
}

#[test]
fn a_job_is_sent_once_and_done_only_when_confirmed() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let seq = fx.store.print_queue(REGISTER).expect("queue")[0].seq;

    let sending = fx.store.begin_print(seq, T0 + 1).expect("a pending job can be taken");
    assert_eq!((sending.state, sending.attempts), (PrintJobState::Sending, 1));
    let again = fx.store.begin_print(seq, T0 + 2);
    assert!(matches!(again, Err(StoreError::Conflict(_))), "a job being sent cannot be taken twice: {again:?}");

    let done = fx.store.finish_print(seq, 1, T0 + 3).expect("confirmed");
    assert_eq!(done.state, PrintJobState::Done);
    assert!(fx.store.print_queue(REGISTER).expect("queue").is_empty(), "a done job leaves the queue");
    let resend = fx.store.begin_print(seq, T0 + 4);
    assert!(matches!(resend, Err(StoreError::Conflict(_))), "a printed receipt is never sent again: {resend:?}");
}

#[test]
fn a_failed_job_waits_and_says_copy_only_if_it_may_have_printed() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let seq = fx.store.print_queue(REGISTER).expect("queue")[0].seq;

    fx.store.begin_print(seq, T0).expect("take");
    let stopped = fx.store.fail_print(seq, 1, "paper out", false, T0 + 1).expect("fail");
    assert_eq!(stopped.state, PrintJobState::Pending, "a job the printer stopped on is retried");
    assert!(!stopped.mark_copy, "a receipt cut off by paper out never came out whole: the retry is the original");
    assert_eq!(stopped.last_error.as_deref(), Some("paper out"));

    fx.store.begin_print(seq, T0 + 2).expect("take again");
    let silent = fx.store.fail_print(seq, 2, "no answer after the receipt", true, T0 + 3).expect("fail");
    assert!(silent.mark_copy, "a receipt that may be out prints again only as COPY");
    assert_eq!(silent.state, PrintJobState::Pending);
    fx.store.begin_print(seq, T0 + 4).expect("take a third time");
    let after = fx.store.fail_print(seq, 3, "paper out", false, T0 + 5).expect("fail");
    assert!(after.mark_copy, "once a job may have printed, it stays a COPY");
    assert_eq!(after.attempts, 3, "every try is counted");
    let copies =
        fx.store.journal(REGISTER).expect("journal").iter().filter(|e| e.data.kind == EntryKind::Reprint).count();
    assert_eq!(copies, 1, "the copy that was sent is journaled");

    fx.store.begin_print(seq, T0 + 6).expect("take a fourth time");
    let held = fx.store.fail_print(seq, 4, "no answer after the receipt", true, T0 + 7).expect("fail");
    assert_eq!(
        held.state,
        PrintJobState::Held,
        "a copy gone unconfirmed too waits for a person, not for ever more copies"
    );
    assert!(matches!(fx.store.begin_print(seq, T0 + 8), Err(StoreError::Conflict(_))), "a held job is not sent");
    let done = fx.store.release_print(seq, true, T0 + 9).expect("the cashier says it came out");
    assert_eq!(done.state, PrintJobState::Done);
}

#[test]
fn after_a_restart_a_job_that_was_being_sent_prints_as_copy() {
    let fx = store();
    let first = cash_sale(&fx.store, &[(COFFEE, 1)]);
    let second = cash_sale(&fx.store, &[(MILK, 1)]);
    fx.store.commit_sale(REGISTER, &first, CASHIER, T0).expect("commit");
    fx.store.commit_sale(REGISTER, &second, CASHIER, T0).expect("commit");
    let seq = fx.store.print_queue(REGISTER).expect("queue")[0].seq;
    fx.store.begin_print(seq, T0).expect("take");
    let path = fx.path();
    let Fixture { store, dir } = fx;
    drop(store); // the process dies between sending and the printer's answer

    let store = ringup_store::Store::open(&path).expect("reopen");
    assert_eq!(store.recover_print_jobs(REGISTER, T0 + 10).expect("recover"), 1, "one job was in flight");
    let queue = store.print_queue(REGISTER).expect("queue");
    assert_eq!(queue.len(), 2, "nothing was lost: {queue:?}");
    assert!(queue[0].mark_copy && queue[0].state == PrintJobState::Pending, "the interrupted one: {:?}", queue[0]);
    assert!(!queue[1].mark_copy, "the one never sent stays an original");
    drop(store);
    drop(dir);
}

#[test]
fn a_reprint_is_a_journaled_copy_and_reads_the_sale_back_with_its_card_slip() {
    let fx = store();
    let (sale, card_id) = card_sale(&fx.store, &[(COFFEE, 1)], COFFEE_PRICE);
    let committed = fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let original = fx.store.print_queue(REGISTER).expect("queue")[0].seq;
    fx.store.begin_print(original, T0).expect("take");
    fx.store.finish_print(original, 1, T0).expect("done");

    let copy = fx.store.reprint(REGISTER, sale.id, "manager", T0 + 60_000).expect("reprint");
    let copy2 = fx.store.reprint(REGISTER, sale.id, "manager", T0 + 61_000).expect("reprint again");
    assert_eq!((copy.copy_no, copy.mark_copy, copy.state), (1, true, PrintJobState::Pending));
    assert_eq!(copy2.copy_no, 2, "copies are numbered");

    let journal = fx.store.journal(REGISTER).expect("journal");
    let reprints: Vec<_> = journal.iter().filter(|e| e.data.kind == EntryKind::Reprint).collect();
    assert_eq!(reprints.len(), 2, "each reprint is journaled");
    assert!(reprints.iter().all(|e| e.data.document_id == sale.id && e.data.turnover_minor == 0));
    assert_eq!(fx.store.verify_journal(REGISTER).expect("the chain still verifies"), 3);
    assert_eq!(fx.next_receipt_no(REGISTER), 2, "a reprint takes no receipt number");

    let stored = fx.store.stored_sale(sale.id).expect("the sale reads back");
    assert_eq!(stored.sale, sale);
    assert_eq!(stored.receipt_no, committed.receipt_no);
    assert_eq!(stored.journal_hash, committed.journal_hash);
    let slip: Vec<String> = SLIP.iter().map(|l| l.to_string()).collect();
    assert_eq!(stored.slips, vec![(card_id, slip)], "the terminal's slip comes with the card payment");
}

#[test]
fn only_the_worker_that_took_a_job_can_finish_it() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    let seq = fx.store.print_queue(REGISTER).expect("queue")[0].seq;
    let first = fx.store.begin_print(seq, T0).expect("worker A takes it");
    fx.store.recover_print_jobs(REGISTER, T0 + 1).expect("worker B starts and recovers it");
    let second = fx.store.begin_print(seq, T0 + 2).expect("worker B takes it");
    let stale = fx.store.finish_print(seq, first.attempts, T0 + 3);
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "A's confirmation is not B's: {stale:?}");
    fx.store.finish_print(seq, second.attempts, T0 + 4).expect("B finishes its own try");
}

#[test]
fn a_receipt_from_before_print_jobs_can_still_be_reprinted() {
    let fx = store();
    let sale = cash_sale(&fx.store, &[(COFFEE, 1)]);
    fx.store.commit_sale(REGISTER, &sale, CASHIER, T0).expect("commit");
    fx.raw().execute("DELETE FROM print_jobs", []).expect("as if committed before print jobs existed");
    let copy = fx.store.reprint(REGISTER, sale.id, "manager", T0 + 1).expect("reprint");
    assert_eq!((copy.copy_no, copy.mark_copy, copy.document), (1, true, PrintDocument::Sale));
}

#[test]
fn a_reprint_of_something_never_printed_is_refused_and_writes_nothing() {
    let fx = store();
    let before = fx.counts();
    let err = fx.store.reprint(REGISTER, Uuid::now_v7(), "manager", T0);
    assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");
    assert_eq!(fx.counts(), before, "nothing was written");
}

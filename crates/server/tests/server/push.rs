use crate::common::{Server, Terminal};
use crate::on_both;
use ringup_domain::journal::EntryKind;
use ringup_protocol::{ApiError, PushAnswer};
use ringup_server::Backend;

async fn answer(response: reqwest::Response) -> PushAnswer {
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("a push answer")
}

async fn each_event_is_applied_once_in_sequence(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let mut till = Terminal::new("R1");
    let events = till.sales(5);

    let first = answer(server.push(&device.token, &events).await).await;
    assert_eq!(first, PushAnswer { high_seq: 5, applied: 5, duplicates: 0, gap: None });
    // The same batch again (the answer was lost): nothing changes.
    let again = answer(server.push(&device.token, &events).await).await;
    assert_eq!(again, PushAnswer { high_seq: 5, applied: 0, duplicates: 5, gap: None });

    // 6 is lost on the way; 7 and 8 arrive: a gap, nothing applied, 6 asked for.
    let more = till.sales(3);
    let gap = answer(server.push(&device.token, &more[1..]).await).await;
    assert_eq!(gap, PushAnswer { high_seq: 5, applied: 0, duplicates: 0, gap: Some(6) });
    // Re-sent from 6, overlapping what the server holds.
    let mut resend = events[3..].to_vec();
    resend.extend(more.iter().cloned().rev());
    let fixed = answer(server.push(&device.token, &resend).await).await;
    assert_eq!(fixed, PushAnswer { high_seq: 8, applied: 3, duplicates: 2, gap: None });

    let store = server.db.store_id("Corner shop").await.expect("store");
    assert_eq!(server.db.event_count(store).await.expect("count"), 8);
    let turnover = server.db.turnover(store).await.expect("turnover");
    assert_eq!(turnover.len(), 1);
    assert_eq!((turnover[0].entries, turnover[0].turnover_minor), (8, till.turnover));
    assert!(server.db.journal_breaks(device.register_id).await.expect("breaks").is_empty());
}

/// An event the store holds already (the terminal paired anew and sent it under a new number)
/// moves the sequence on but is not counted twice.
async fn a_known_event_id_counts_once(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let mut till = Terminal::new("R1");
    let events = till.sales(2);
    answer(server.push(&device.token, &events).await).await;

    let again = server.paired_device("Corner shop").await;
    let mut renumbered = events[1].clone();
    renumbered.seq = 1;
    let answered = answer(server.push(&again.token, &[renumbered]).await).await;
    assert_eq!(answered, PushAnswer { high_seq: 1, applied: 0, duplicates: 1, gap: None });
    let store = server.db.store_id("Corner shop").await.expect("store");
    assert_eq!(server.db.event_count(store).await.expect("count"), 2);
    assert_eq!(server.db.turnover(store).await.expect("turnover")[0].turnover_minor, till.turnover);
}

async fn a_broken_chain_is_flagged_not_hidden(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let mut till = Terminal::new("R1");
    let mut events = till.sales(2);
    // Entry 3 is changed after it was hashed: 1 cent less.
    let third = till.entry(EntryKind::Sale, 500);
    let mut tampered = till.event_for(&third, "sale.completed");
    if let Some(j) = tampered.journal.as_mut() {
        j.body = "{\"turnover\":499}".into();
    }
    events.push(tampered);
    // Entry 4 is never sent (the terminal lost it); entry 5 follows.
    let _fourth = till.entry(EntryKind::Refund, -100);
    let fifth = till.entry(EntryKind::Sale, 250);
    events.push(till.event_for(&fifth, "sale.completed"));
    let answered = answer(server.push(&device.token, &events).await).await;
    assert_eq!(answered.high_seq, 4);

    let breaks = server.db.journal_breaks(device.register_id).await.expect("breaks");
    let found: Vec<_> = breaks.iter().map(|b| (b.seq, b.reason.as_str())).collect();
    assert_eq!(
        found,
        vec![(3, "the entry's hash does not match its contents"), (5, "entry 4 is missing")],
        "{breaks:?}"
    );
}

async fn two_pushes_of_one_batch_at_once_apply_it_once(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let mut till = Terminal::new("R1");
    let events = till.sales(50);
    let (a, b) = tokio::join!(server.push(&device.token, &events), server.push(&device.token, &events));
    let (a, b) = (answer(a).await, answer(b).await);
    assert_eq!(a.applied + b.applied, 50);
    assert_eq!(a.duplicates + b.duplicates, 50);
    assert_eq!((a.high_seq, b.high_seq), (50, 50));
    let store = server.db.store_id("Corner shop").await.expect("store");
    assert_eq!(server.db.event_count(store).await.expect("count"), 50);
}

async fn oversized_batches_and_bodies_are_refused_whole(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let mut till = Terminal::new("R1");
    let events = till.sales(ringup_protocol::MAX_BATCH_EVENTS + 1);
    let response = server.push(&device.token, &events).await;
    assert_eq!(response.status().as_u16(), 400);
    let error: ApiError = response.json().await.expect("error");
    assert!(error.message.contains("at most 500"), "{}", error.message);

    let huge = format!("{{\"events\":[],\"pad\":\"{}\"}}", "x".repeat(ringup_protocol::MAX_BODY_BYTES + 1));
    let response = server
        .http
        .post(format!("{}/v1/events", server.url))
        .bearer_auth(&device.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(response.json::<ApiError>().await.expect("error").error, "too_large");
    let store = server.db.store_id("Corner shop").await.expect("store");
    assert_eq!(server.db.event_count(store).await.expect("count"), 0);
}

/// One id twice in one batch (a till's bug or a replayed request spliced in): counted once.
async fn the_same_id_twice_in_a_batch_counts_once(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let mut till = Terminal::new("R1");
    let mut events = till.sales(2);
    events[1].id = events[0].id;
    let answered = answer(server.push(&device.token, &events).await).await;
    assert_eq!(answered, PushAnswer { high_seq: 2, applied: 1, duplicates: 1, gap: None });
    let store = server.db.store_id("Corner shop").await.expect("store");
    assert_eq!(server.db.event_count(store).await.expect("count"), 1);
}

/// A revoke that lands after the token was checked still stops the batch.
async fn a_device_revoked_while_its_push_is_on_the_way_lands_nothing(backend: Backend) {
    let server = Server::start(backend).await;
    let paired = server.paired_device("Corner shop").await;
    let device = server.db.device_by_token(&paired.token).await.expect("device");
    server.db.revoke_device(paired.device_id, server.now()).await.expect("revoke");
    let mut till = Terminal::new("R1");
    let refused = server.db.push(&device, till.sales(3), server.now()).await;
    assert!(matches!(refused, Err(ringup_server::repo::RepoError::Unauthorized { code: "device_revoked", .. })));
    let store = server.db.store_id("Corner shop").await.expect("store");
    assert_eq!(server.db.event_count(store).await.expect("count"), 0);
}

on_both!(
    a_device_revoked_while_its_push_is_on_the_way_lands_nothing,
    the_same_id_twice_in_a_batch_counts_once,
    each_event_is_applied_once_in_sequence,
    a_known_event_id_counts_once,
    a_broken_chain_is_flagged_not_hidden,
    two_pushes_of_one_batch_at_once_apply_it_once,
    oversized_batches_and_bodies_are_refused_whole,
);

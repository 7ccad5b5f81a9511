use super::*;
use proptest::prelude::*;

fn new_entry(kind: EntryKind, turnover_minor: i64, n: u128) -> NewEntry {
    NewEntry {
        register_id: "R1".into(),
        kind,
        document_id: Uuid::from_u128(n),
        at_unix_ms: 1_700_000_000_000 + n as i64,
        currency: "EUR".into(),
        turnover_minor,
        body: format!("{{\"n\":{n}}}"),
    }
}

fn chain(n: usize) -> Vec<JournalEntry> {
    let mut out: Vec<JournalEntry> = Vec::new();
    for i in 0..n {
        let kind = EntryKind::ALL[i % EntryKind::ALL.len()];
        let turnover = match kind {
            EntryKind::Sale => 1000 + i as i64,
            EntryKind::Refund => -(100 + i as i64),
            _ => 0,
        };
        let head = out.last().map_or(ChainHead::GENESIS, JournalEntry::head);
        let e = append(&head, new_entry(kind, turnover, i as u128)).expect("append");
        out.push(e);
    }
    out
}

#[test]
fn pinned_canonical_hash_of_a_first_entry() {
    // Pinned so that a change to the canonical bytes (which would orphan every stored chain)
    // cannot slip through unnoticed.
    let e = append(&ChainHead::GENESIS, new_entry(EntryKind::Sale, 3483, 1)).expect("append");
    assert_eq!(e.data.seq, 1);
    assert_eq!(e.prev_hash, GENESIS_HASH);
    assert_eq!(e.data.grand_total_minor, 3483);
    assert_eq!(hex::encode(e.hash), PINNED_FIRST_HASH);
}

const PINNED_FIRST_HASH: &str = "0d3e08c8babe8160f518d485884649e94b6e65c8ef7957d1fede93958f5d9c9d";

#[test]
fn sequence_and_grand_total_never_reset() {
    let c = chain(12);
    assert_eq!(c.iter().map(|e| e.data.seq).collect::<Vec<_>>(), (1..=12).collect::<Vec<_>>());
    let sum: i64 = c.iter().map(|e| e.data.turnover_minor).sum();
    assert_eq!(c[11].data.grand_total_minor, sum);
    assert_eq!(verify(&c), Ok(()));
}

#[test]
fn names_each_kind_of_tamper() {
    let c = chain(6);
    let mut edited = c.clone();
    edited[2].data.body = "{\"n\":99}".into();
    assert_eq!(verify(&edited), Err(ChainBreak::Edited { seq: 3 }));

    let mut rehashed = c.clone();
    rehashed[2].data.turnover_minor += 1;
    rehashed[2].hash = entry_hash(&rehashed[2].prev_hash, &rehashed[2].data);
    assert!(matches!(
        verify(&rehashed),
        Err(ChainBreak::GrandTotal { seq: 3, .. }) | Err(ChainBreak::BrokenLink { seq: 4 })
    ));

    let mut deleted = c.clone();
    deleted.remove(3);
    assert_eq!(verify(&deleted), Err(ChainBreak::Missing { expected: 4, found: 5 }));

    let mut swapped = c.clone();
    swapped.swap(1, 2);
    assert_eq!(verify(&swapped), Err(ChainBreak::Missing { expected: 2, found: 3 }));

    let mut inserted = c.clone();
    let forged = append(&c[1].head(), new_entry(EntryKind::Sale, 5, 77)).expect("append");
    inserted.insert(2, forged);
    assert_eq!(verify(&inserted), Err(ChainBreak::OutOfOrder { expected: 4, found: 3 }));

    let mut truncated_head = c.clone();
    truncated_head.remove(0);
    assert_eq!(verify(&truncated_head), Err(ChainBreak::Missing { expected: 1, found: 2 }));
}

proptest! {
    /// Any single-row tamper (edit of any field, deletion, duplication, swap) is caught.
    #[test]
    fn any_single_row_tamper_is_caught(n in 2usize..30, row in 0usize..30, how in 0u8..8, delta in 1i64..1000) {
        let row = row % n;
        let original = chain(n);
        let mut c = original.clone();
        match how {
            0 => c[row].data.body.push(' '),
            1 => c[row].data.turnover_minor += delta,
            2 => c[row].data.grand_total_minor += delta,
            3 => c[row].data.at_unix_ms += delta,
            4 => { c.remove(row); }
            5 => { let dup = c[row].clone(); c.insert(row, dup); }
            6 => { let other = (row + 1) % n; c.swap(row, other); }
            _ => { c[row].hash[0] ^= 1; }
        }
        prop_assume!(c != original);
        if how == 4 && row == n - 1 {
            // Removing the last row leaves a valid shorter chain: only the gapless counter
            // held elsewhere (the register's next number) can show it; the store checks that.
            prop_assert_eq!(verify(&c), Ok(()));
        } else {
            prop_assert!(verify(&c).is_err(), "tamper {} at row {} went unnoticed", how, row);
        }
    }
}

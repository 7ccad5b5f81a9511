//! A fresh store in a temp dir with the sample catalog, and a register on it; the check the
//! card campaigns end with.

use hardware_sim::terminal::{BookingKind, SimTerminal};
use ringup_app::{FixedClock, Register, SequentialIds};
use ringup_domain::attempt::{AttemptKind, AttemptState};
use ringup_domain::tax::TaxClass;
use ringup_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const SAMPLE_CATALOG: &str = include_str!("../../assets/sample-catalog.csv");

pub struct Shop {
    pub _dir: tempfile::TempDir,
    pub store: Arc<Store>,
    pub clock: Arc<FixedClock>,
}

pub fn shop() -> Shop {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(&dir.path().join("ringup.db")).expect("open store"));
    store.upsert_tax_class(&TaxClass::new("reduced", "Reduced", 70_000).expect("class")).expect("tax class");
    store.upsert_tax_class(&TaxClass::new("standard", "Standard", 190_000).expect("class")).expect("tax class");
    store.import_catalog_csv(SAMPLE_CATALOG.as_bytes()).expect("the sample catalog must import");
    Shop { _dir: dir, store, clock: Arc::new(FixedClock::new(1_795_000_000_000)) }
}

impl Shop {
    pub fn register(&self, id: &str, seed: u64) -> Register {
        Register::open(self.store.clone(), id, "Anna", self.clock.clone(), Arc::new(SequentialIds::new(seed)))
            .expect("register")
    }
}

/// The terminal's live charges (approved, not reversed) are exactly the store's approved card
/// payments, and the card tenders of the completed sales add up to them: nobody charged twice,
/// no charge without its sale. `context` names the run in a failure. Returns the live charges
/// and all the terminal's bookings.
pub fn charges_agree(conn: &rusqlite::Connection, terminal: &SimTerminal, context: &str) -> (usize, usize) {
    let journal = terminal.journal();
    let live: BTreeMap<u32, u64> = journal
        .iter()
        .filter(|b| b.kind == BookingKind::Authorization && b.result_code == 0 && !b.reversed)
        .map(|b| (b.trace_no, b.amount_minor))
        .collect();
    let mut stmt = conn
        .prepare("SELECT trace_no, amount_minor FROM payment_attempts WHERE kind = ?1 AND state = ?2")
        .expect("prepare");
    let ours: BTreeMap<u32, u64> = stmt
        .query_map([AttemptKind::Authorization.name(), AttemptState::Approved.name()], |r| {
            Ok((r.get::<_, u32>(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(live == ours, "{context}: the terminal's live charges and the store's differ: {live:?} {ours:?}");
    let card_paid: i64 = conn
        .query_row(
            "SELECT coalesce(sum(p.amount_minor), 0) FROM payments p JOIN sales s ON s.id = p.sale_id \
             WHERE p.kind = 'card' AND s.state = 'completed'",
            [],
            |r| r.get(0),
        )
        .expect("sum");
    let charged: u64 = live.values().sum();
    assert_eq!(u64::try_from(card_paid).expect("positive"), charged, "{context}: every charge is a card tender");
    (live.len(), journal.len())
}

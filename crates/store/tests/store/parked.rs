//! Parked sales: stored whole, listed, kept across a restart, and recalled exactly once.

use crate::support::*;
use ringup_domain::cart::SaleState;
use ringup_store::{Store, StoreError};

#[test]
fn a_parked_sale_survives_a_restart_and_is_recalled_exactly_once() {
    let Fixture { store, dir } = store();
    let mut sale = open_sale(&store, &[(COFFEE, 2), (MILK, 1), (APPLES, 1)]);
    sale.void_line(3).expect("the apples are taken off again");
    sale.park().expect("a sale with items can be parked");
    store.park_sale(REGISTER, &sale, T0).expect("the parked sale is stored");
    let listed = store.parked_sales().expect("list");
    assert_eq!(listed.len(), 1, "the parked sale is listed");
    assert_eq!(
        (listed[0].id, listed[0].register_id.as_str(), listed[0].parked_ms, listed[0].item_count),
        (sale.id, REGISTER, T0, 2),
        "the list shows the sale, where and when it was parked, and its two remaining lines"
    );

    drop(store);
    let store = Store::open(&dir.path().join("ringup.db")).expect("the store reopens after a restart");
    assert_eq!(store.parked_sales().expect("list"), listed, "a parked sale survives closing the store");

    let recalled = store.recall_sale(sale.id).expect("the parked sale is recalled");
    assert_eq!(recalled.state, SaleState::Open, "a recalled sale is open again for more items");
    assert_eq!((recalled.id, &recalled.lines), (sale.id, &sale.lines), "every line comes back as it was parked");
    assert!(store.parked_sales().expect("list").is_empty(), "a recalled sale is no longer listed as parked");
    let again = store.recall_sale(sale.id);
    assert!(matches!(again, Err(StoreError::NotFound(_))), "a cart cannot be recalled twice, got {again:?}");
}

#[test]
fn only_a_parked_sale_can_be_stored_as_parked() {
    let fx = store();
    let open = open_sale(&fx.store, &[(COFFEE, 1)]);
    let err = fx.store.park_sale(REGISTER, &open, T0);
    assert!(matches!(err, Err(StoreError::Conflict(_))), "an open sale is not parked, got {err:?}");
    assert!(fx.store.parked_sales().expect("list").is_empty(), "nothing was stored for the refused sale");
}

#[test]
fn the_sale_in_progress_survives_a_restart_until_it_is_committed() {
    let Fixture { store, dir } = store();
    store.ensure_register(REGISTER, REGISTER).expect("register");
    assert_eq!(store.open_sale(REGISTER).expect("read"), None, "a new register has no sale in progress");
    let mut sale = cash_sale(&store, &[(COFFEE, 2), (MILK, 1)]);
    let paid = sale.clone();
    sale.state = SaleState::Tendering;
    store.save_open_sale(REGISTER, &open_sale(&store, &[(COFFEE, 1)]), T0).expect("first save");
    store.save_open_sale(REGISTER, &sale, T0 + 1).expect("a later save replaces the first");

    drop(store);
    let store = Store::open(&dir.path().join("ringup.db")).expect("the store reopens after a crash");
    assert_eq!(store.open_sale(REGISTER).expect("read"), Some(sale), "the last saved sale comes back whole");
    assert_eq!(store.open_sale("R9").expect("read"), None, "another register has none");

    store.commit_sale(REGISTER, &paid, CASHIER, T0 + 2).expect("commit");
    assert_eq!(store.open_sale(REGISTER).expect("read"), None, "a committed sale is no longer in progress");
    store.save_open_sale(REGISTER, &paid, T0 + 3).expect("a late save of a committed sale is ignored");
    assert_eq!(store.open_sale(REGISTER).expect("read"), None, "and does not bring it back");

    store.save_open_sale(REGISTER, &open_sale(&store, &[(MILK, 1)]), T0 + 4).expect("save");
    store.clear_open_sale(REGISTER).expect("clear");
    assert_eq!(store.open_sale(REGISTER).expect("read"), None, "a cleared screen restores nothing");
}

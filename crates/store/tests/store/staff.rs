//! Staff PINs: stored only as argon2id hashes, 4-8 digits, one member per PIN.

use crate::support::*;
use ringup_store::{Role, StoreError};

#[test]
fn a_pin_signs_in_its_member_and_is_stored_only_as_an_argon2id_hash() {
    let fx = store();
    fx.store.set_staff("anna", "Anna", Role::Cashier, "1234").expect("cashier");
    fx.store.set_staff("maria", "Maria", Role::Manager, "98765432").expect("manager");
    let anna = fx.store.staff_with_pin("1234").expect("look-up").expect("Anna's PIN");
    assert_eq!((anna.id.as_str(), anna.role), ("anna", Role::Cashier));
    assert_eq!(fx.store.staff_with_pin("98765432").expect("look-up").map(|s| s.role), Some(Role::Manager));
    assert_eq!(fx.store.staff_with_pin("1235").expect("look-up"), None, "a wrong PIN opens nothing");
    assert_eq!(fx.store.staff_with_pin("12a4").expect("look-up"), None, "not a PIN at all opens nothing either");

    let hashes: Vec<String> = fx
        .raw()
        .prepare("SELECT pin_hash FROM staff")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("hashes");
    for h in &hashes {
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "argon2id, 19 MiB, 2 passes: {h}");
        assert!(!h.contains("1234") && !h.contains("98765432"), "no PIN in the clear: {h}");
    }
}

#[test]
fn bad_pins_and_shared_pins_are_refused() {
    let fx = store();
    for pin in ["123", "123456789", "12 4", "abcd"] {
        let err = fx.store.set_staff("x", "X", Role::Cashier, pin);
        assert!(matches!(err, Err(StoreError::Config(_))), "{pin:?}: {err:?}");
    }
    fx.store.set_staff("anna", "Anna", Role::Cashier, "1234").expect("cashier");
    let clash = fx.store.set_staff("ben", "Ben", Role::Cashier, "1234");
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "one PIN, one person: {clash:?}");
    fx.store.set_staff("anna", "Anna", Role::Cashier, "1234").expect("Anna may keep her own PIN");
    assert_eq!(fx.store.staff_count().expect("count"), 1);
}

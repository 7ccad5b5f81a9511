//! Who may do what: roles and permissions as data. The app checks these for every privileged
//! use case; a member of staff without a permission can have one action authorised by another
//! member who has it (a manager override), and both are recorded with the action.

/// A member of staff's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Cashier,
    Manager,
    Technician,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Cashier, Role::Manager, Role::Technician, Role::Admin];

    pub fn name(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Manager => "manager",
            Role::Technician => "technician",
            Role::Admin => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether this role may do `permission` by itself.
    pub fn may(self, permission: Permission) -> bool {
        GRANTS.iter().any(|(role, granted)| *role == self && granted.contains(&permission))
    }

    /// Everything this role may do, in the order of [`Permission::ALL`].
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL.into_iter().filter(|p| self.may(*p)).collect()
    }
}

/// A privileged action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    VoidLine,
    VoidSale,
    Refund,
    PriceOverride,
    /// A line or order discount above the store's limit for everyone (`StoreSettings`).
    DiscountAboveLimit,
    NoSale,
    PayInOut,
    CloseDay,
    PairDevices,
    EditSettings,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::VoidLine,
        Permission::VoidSale,
        Permission::Refund,
        Permission::PriceOverride,
        Permission::DiscountAboveLimit,
        Permission::NoSale,
        Permission::PayInOut,
        Permission::CloseDay,
        Permission::PairDevices,
        Permission::EditSettings,
    ];

    /// A stable name (the UI and the journal use it).
    pub fn name(self) -> &'static str {
        match self {
            Permission::VoidLine => "void_line",
            Permission::VoidSale => "void_sale",
            Permission::Refund => "refund",
            Permission::PriceOverride => "price_override",
            Permission::DiscountAboveLimit => "discount_above_limit",
            Permission::NoSale => "no_sale",
            Permission::PayInOut => "pay_in_out",
            Permission::CloseDay => "close_day",
            Permission::PairDevices => "pair_devices",
            Permission::EditSettings => "edit_settings",
        }
    }

    /// What it allows, to finish "… may not …" and "a manager's PIN is needed to …".
    pub fn action(self) -> &'static str {
        match self {
            Permission::VoidLine => "remove a line",
            Permission::VoidSale => "void a sale",
            Permission::Refund => "refund",
            Permission::PriceOverride => "change a price",
            Permission::DiscountAboveLimit => "give this discount",
            Permission::NoSale => "open the drawer without a sale",
            Permission::PayInOut => "pay cash in or out",
            Permission::CloseDay => "close the day",
            Permission::PairDevices => "pair devices",
            Permission::EditSettings => "change settings",
        }
    }
}

use Permission::*;

/// The grants, as data: what each role may do by itself.
pub const GRANTS: [(Role, &[Permission]); 4] = [
    (Role::Cashier, &[VoidLine]),
    (
        Role::Manager,
        &[VoidLine, VoidSale, Refund, PriceOverride, DiscountAboveLimit, NoSale, PayInOut, CloseDay, EditSettings],
    ),
    (Role::Technician, &[PairDevices, EditSettings]),
    (Role::Admin, &Permission::ALL),
];

/// Wrong PINs allowed in a row before PIN entry locks.
pub const PIN_FREE_TRIES: u32 = 5;
const PIN_FIRST_LOCK_MS: i64 = 30_000;
const PIN_LONGEST_LOCK_MS: i64 = 15 * 60_000;

/// How long PIN entry stays locked after `failures` wrong PINs in a row: not at all for the
/// first [`PIN_FREE_TRIES`], then 30 s, doubling with each further failure, at most 15 min.
/// A 4-digit PIN then takes days to guess, not minutes.
pub fn pin_lockout_ms(failures: u32) -> Option<i64> {
    let beyond = failures.checked_sub(PIN_FREE_TRIES)?;
    let doubled = PIN_FIRST_LOCK_MS.checked_shl(beyond.min(16)).unwrap_or(PIN_LONGEST_LOCK_MS);
    Some(doubled.min(PIN_LONGEST_LOCK_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_entry_locks_after_five_failures_for_longer_each_time() {
        let locks: Vec<Option<i64>> = (0..=12).map(pin_lockout_ms).collect();
        assert_eq!(&locks[..5], &[None; 5]);
        assert_eq!(&locks[5..10], &[Some(30_000), Some(60_000), Some(120_000), Some(240_000), Some(480_000)]);
        assert_eq!(&locks[10..], &[Some(900_000); 3], "never more than 15 minutes");
        assert_eq!(pin_lockout_ms(u32::MAX), Some(900_000));
    }

    #[test]
    fn names_round_trip_and_are_distinct() {
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.name()), Some(role));
        }
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }

    #[test]
    fn a_cashier_needs_a_manager_for_money_out_of_the_ordinary() {
        assert!(Role::Cashier.may(VoidLine));
        for p in [VoidSale, Refund, PriceOverride, DiscountAboveLimit, NoSale, CloseDay, PairDevices] {
            assert!(!Role::Cashier.may(p), "a cashier may not {}", p.action());
            assert!(Role::Admin.may(p));
        }
        assert!(Role::Manager.may(Refund) && !Role::Manager.may(PairDevices));
        assert!(Role::Technician.may(PairDevices) && !Role::Technician.may(Refund));
        assert_eq!(Role::Admin.permissions().len(), Permission::ALL.len());
    }
}

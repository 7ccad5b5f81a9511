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

#[cfg(test)]
mod tests {
    use super::*;

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

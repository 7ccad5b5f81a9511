//! The demo shop: store settings, two tax rates, the sample catalog and three members of staff
//! (cashier Anna, PIN 1234; manager Maria, PIN 9999; technician Tomas, PIN 4711), put into an
//! empty store so the app and its end-to-end tests start with something to sell.

use crate::AppError;
use ringup_domain::tax::TaxClass;
use ringup_store::{Role, Store, StoreSettings};

pub const SAMPLE_CATALOG: &str = include_str!("../../../assets/sample-catalog.csv");
pub const CASHIER_PIN: &str = "1234";
pub const MANAGER_PIN: &str = "9999";
pub const TECHNICIAN_PIN: &str = "4711";

/// Fills what is missing: settings and tax rates, the catalog, the staff. A store that has
/// them keeps its own.
pub fn prepare(store: &Store) -> Result<(), AppError> {
    if store.tax_classes()?.is_empty() {
        let mut settings = StoreSettings::default();
        settings.header.name = "Ringup Corner Shop".into();
        settings.header.address_lines = vec!["Hauptstrasse 1".into(), "10115 Berlin".into()];
        settings.header.tax_id = "DE123456789".into();
        store.save_settings(&settings)?;
        store.upsert_tax_class(&TaxClass::new("reduced", "Reduced rate", 70_000)?)?;
        store.upsert_tax_class(&TaxClass::new("standard", "Standard rate", 190_000)?)?;
    }
    if store.quick_keys(1)?.is_empty() {
        store.import_catalog_csv(SAMPLE_CATALOG.as_bytes())?;
    }
    if store.staff_count()? == 0 {
        store.set_staff("anna", "Anna", Role::Cashier, CASHIER_PIN)?;
        store.set_staff("maria", "Maria", Role::Manager, MANAGER_PIN)?;
        store.set_staff("tomas", "Tomas", Role::Technician, TECHNICIAN_PIN)?;
    }
    Ok(())
}

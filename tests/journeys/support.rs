//! A fresh store in a temp dir with the sample catalog, and a register on it.

use ringup_app::{FixedClock, Register, SequentialIds};
use ringup_domain::tax::TaxClass;
use ringup_store::Store;
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

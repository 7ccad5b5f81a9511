//! A headless driver of `ringup-app` for the crash tests: it rings up sales (and now and then
//! a void or a refund) as fast as it can, and prints `ACK <kind> <id> <receipt no>` only after
//! the store said the commit is done — exactly what the cashier would be shown. The test kills
//! it with SIGKILL at random moments and checks that every acknowledged sale survived.

use anyhow::{Context, Result};
use ringup_app::{Register, SequentialIds, SystemClock};
use ringup_domain::refund::RefundRequest;
use ringup_domain::tax::TaxClass;
use ringup_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

const SAMPLE_CATALOG: &str = include_str!("../../../assets/sample-catalog.csv");
const SKUS: &[&str] = &["COF-1KG", "MILK-1L", "CRO-1", "WAT-6X15", "CHOC-DRK", "PAS-SPA", "BAG-PAPER", "TEA-GRN"];

#[path = "../rng.rs"]
mod rng;
use rng::Rng;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let db = PathBuf::from(flag("--db").context("--db PATH")?);
    let seed: u64 = flag("--seed").unwrap_or_else(|| "1".into()).parse()?;
    let max_sales: u64 = flag("--sales").unwrap_or_else(|| "1000000".into()).parse()?;

    let store = Arc::new(Store::open(&db)?);
    if store.tax_classes()?.is_empty() {
        store.upsert_tax_class(&TaxClass::new("reduced", "Reduced", 70_000)?)?;
        store.upsert_tax_class(&TaxClass::new("standard", "Standard", 190_000)?)?;
        store.import_catalog_csv(SAMPLE_CATALOG.as_bytes())?;
    }
    // Ids from the seed: each run has its own id space, so ids never collide across runs.
    let ids = Arc::new(SequentialIds::new(seed));
    let mut register = Register::open(store.clone(), "R1", "crash-driver", Arc::new(SystemClock), ids)?;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY")?;
    out.flush()?;
    let mut completed = Vec::new();
    // The sale the last kill interrupted is back on screen: one at payment is finished as a
    // cashier would; an open one simply gets more items below.
    if register.sale().is_some_and(|s| s.state == ringup_domain::cart::SaleState::Tendering) {
        let due = register.sale().context("sale")?.remaining_minor()?;
        register.pay_cash(due)?;
        let done = register.complete()?;
        completed.push(done.sale_id);
        writeln!(out, "ACK sale {} {}", done.sale_id, done.committed.receipt_no)?;
    }
    for _ in 0..max_sales {
        for _ in 0..1 + rng.below(5) {
            let sku = SKUS[usize::try_from(rng.below(SKUS.len() as u64))?];
            register.add_sku(sku, 1000 * (1 + i64::try_from(rng.below(3))?))?;
        }
        match rng.below(20) {
            0 => {
                let c = register.void_sale(None)?;
                writeln!(out, "ACK void - {}", c.receipt_no)?;
            }
            1 if !completed.is_empty() => {
                let c = register.void_sale(None)?;
                writeln!(out, "ACK void - {}", c.receipt_no)?;
                let original = completed[usize::try_from(rng.below(completed.len() as u64))?];
                let refund_id = register.new_id();
                match register.refund(refund_id, original, &[RefundRequest { line_no: 1, quantity_milli: 1000 }], None)
                {
                    Ok(r) => writeln!(out, "ACK refund {refund_id} {}", r.committed.receipt_no)?,
                    // Line 1 of that sale may be refunded already: that is a refusal, not a crash.
                    Err(e) if e.code() == "invalid_input" => {}
                    Err(e) => return Err(e.into()),
                }
            }
            _ => {
                register.begin_tender()?;
                let due = register.sale().context("sale")?.cash_due_minor(ringup_domain::tender::CashRounding::NONE)?;
                register.pay_cash(due + i64::try_from(rng.below(2000))?)?;
                let done = register.complete()?;
                completed.push(done.sale_id);
                writeln!(out, "ACK sale {} {}", done.sale_id, done.committed.receipt_no)?;
            }
        }
        out.flush()?;
    }
    Ok(())
}

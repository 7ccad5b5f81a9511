//! A headless driver of `ringup-app` for the crash campaign: it rings up sales as fast as it
//! can, paid in cash or by card against a simulated terminal, with now and then a void or a
//! refund, while a print worker prints the receipts to a simulated printer. It prints
//! `ACK <kind> <id> <receipt no>` only after the store said the commit is done — exactly what
//! the cashier would be shown. The supervisor kills it with SIGKILL at random moments and
//! checks that nothing acknowledged was lost, nothing doubled, nobody charged twice.
//!
//! Flags: `--db PATH`, `--seed N` (ids and choices), `--sales N` (stop after N; 0 only
//! recovers), `--terminal HOST:PORT` (ZVT over TCP; without it every sale is cash),
//! `--printer HOST:PORT` (ESC/POS over TCP; without it nothing prints), `--drain` (before
//! exiting, wait until the print queue is empty).
//!
//! At start, as the till does: open payment questions are settled with the terminal, a sale
//! that was at payment is finished (what the terminal approved is kept, the rest is cash),
//! and a receipt that was being sent goes back to the queue marked COPY.

use anyhow::{Context, Result, bail};
use ringup_app::{CardPayment, PrintWorker, Register, SequentialIds, SystemClock};
use ringup_devices::card::{EVENT_CAPACITY, EventSink};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::escpos::transport::PrinterPort;
use ringup_devices::zvt::client::{TcpConnect, ZvtConfig, ZvtTerminal};
use ringup_devices::zvt::transport::Framing;
use ringup_domain::cart::SaleState;
use ringup_domain::refund::RefundRequest;
use ringup_domain::tax::TaxClass;
use ringup_domain::tender::CashRounding;
use ringup_store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

const SAMPLE_CATALOG: &str = include_str!("../../../assets/sample-catalog.csv");
const SKUS: &[&str] = &["COF-1KG", "MILK-1L", "CRO-1", "WAT-6X15", "CHOC-DRK", "PAS-SPA", "BAG-PAPER", "TEA-GRN"];
const REGISTER: &str = "R1";

#[path = "../rng.rs"]
mod rng;
use rng::Rng;

type Terminal = ZvtTerminal<TcpConnect>;

struct Driver {
    register: Register,
    terminal: Option<Terminal>,
    events: EventSink,
    rng: Rng,
    /// Sales of this run paid in cash only: the ones a refund goes back to (in cash).
    cash_sales: Vec<Uuid>,
    wake: Arc<tokio::sync::Notify>,
}

impl Driver {
    fn ack(kind: &str, id: impl std::fmt::Display, receipt_no: u64) -> Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "ACK {kind} {id} {receipt_no}")?;
        out.flush()?;
        Ok(())
    }

    /// Settles open payment questions with the terminal; a healthy terminal answers at once,
    /// so a question still open after a few tries is a failure of the campaign.
    async fn recover(&mut self) -> Result<()> {
        let Some(terminal) = self.terminal.as_mut() else { return Ok(()) };
        for _ in 0..5 {
            let recovery = self.register.recover_card_attempts(terminal, &self.events).await?;
            if recovery.still_unknown.is_empty() {
                return Ok(());
            }
        }
        bail!("payment questions still open after five tries")
    }

    /// Pays what the sale still owes in cash, completes it and acknowledges it.
    async fn finish_in_cash(&mut self, extra: i64) -> Result<()> {
        let due = self.register.sale().context("sale")?.cash_due_minor(CashRounding::NONE)?;
        if due > 0 {
            self.register.pay_cash(due + extra)?;
        }
        let done = self.register.complete()?;
        Self::ack("sale", done.sale_id, done.committed.receipt_no)?;
        self.wake.notify_one();
        Ok(())
    }

    /// One sale: items, then a void, a refund or payment (cash, card, or card and cash).
    async fn one_sale(&mut self) -> Result<()> {
        for _ in 0..1 + self.rng.below(5) {
            let sku = SKUS[usize::try_from(self.rng.below(SKUS.len() as u64))?];
            self.register.add_sku(sku, 1000 * (1 + i64::try_from(self.rng.below(3))?))?;
        }
        match self.rng.below(20) {
            0 => {
                let c = self.register.void_sale(None)?;
                Self::ack("void", "-", c.receipt_no)?;
            }
            1 if !self.cash_sales.is_empty() => {
                let c = self.register.void_sale(None)?;
                Self::ack("void", "-", c.receipt_no)?;
                let original = self.cash_sales[usize::try_from(self.rng.below(self.cash_sales.len() as u64))?];
                let refund_id = self.register.new_id();
                let line = [RefundRequest { line_no: 1, quantity_milli: 1000 }];
                match self.register.refund(refund_id, original, &line, None) {
                    Ok(r) => {
                        Self::ack("refund", refund_id, r.committed.receipt_no)?;
                        self.wake.notify_one();
                    }
                    // Line 1 of that sale may be refunded already: that is a refusal, not a crash.
                    Err(e) if e.code() == "invalid_input" => {}
                    Err(e) => return Err(e.into()),
                }
            }
            choice => {
                let total = self.register.begin_tender()?.total_minor();
                // Two in five pay by card: all of it, or a part with the rest in cash.
                if choice % 5 < 2
                    && let Some(terminal) = self.terminal.as_mut()
                {
                    let amount = if choice % 5 == 0 { total } else { (total / 2).max(1) };
                    match self.register.pay_card(terminal, amount, &self.events).await? {
                        CardPayment::Approved { .. } | CardPayment::Declined { .. } | CardPayment::Aborted { .. } => {}
                        CardPayment::Unknown { .. } => self.recover().await?,
                    }
                    self.finish_in_cash(0).await
                } else {
                    let id = self.register.sale().context("sale")?.id;
                    let extra = i64::try_from(self.rng.below(2000))?;
                    self.finish_in_cash(extra).await?;
                    self.cash_sales.push(id);
                    Ok(())
                }?;
            }
        }
        Ok(())
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let db = PathBuf::from(flag("--db").context("--db PATH")?);
    let seed: u64 = flag("--seed").unwrap_or_else(|| "1".into()).parse()?;
    let max_sales: u64 = flag("--sales").unwrap_or_else(|| "1000000".into()).parse()?;
    let drain = args.iter().any(|a| a == "--drain");

    let store = Arc::new(Store::open(&db)?);
    if store.tax_classes()?.is_empty() {
        store.upsert_tax_class(&TaxClass::new("reduced", "Reduced", 70_000)?)?;
        store.upsert_tax_class(&TaxClass::new("standard", "Standard", 190_000)?)?;
        store.import_catalog_csv(SAMPLE_CATALOG.as_bytes())?;
    }
    // Ids from the seed: each run has its own id space, so ids never collide across runs.
    let ids = Arc::new(SequentialIds::new(seed));
    let register = Register::open(store.clone(), REGISTER, "crash-driver", Arc::new(SystemClock), ids)?;
    let terminal = flag("--terminal").map(|addr| {
        let connect = TcpConnect { addr, timeout: Duration::from_secs(3) };
        // Short time-outs: the simulator answers at once, and a lost answer is asked again.
        let config = ZvtConfig { t3: Duration::from_secs(2), t4: Duration::from_secs(10), ..ZvtConfig::default() };
        ZvtTerminal::new(connect, Framing::Tcp, config)
    });
    let (events, mut shown) = tokio::sync::mpsc::channel(EVENT_CAPACITY);
    tokio::spawn(async move { while shown.recv().await.is_some() {} });

    let wake = Arc::new(tokio::sync::Notify::new());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let printing = match flag("--printer") {
        Some(addr) => {
            let worker = PrintWorker::start(store.clone(), Arc::new(SystemClock), REGISTER, Paper::Mm80, None)?;
            let wake = wake.clone();
            Some(tokio::spawn(async move {
                let mut printer = PrinterPort::Tcp { addr }.printer();
                worker.run(&mut printer, wake, stopped, Duration::from_millis(50), |_| {}).await;
            }))
        }
        None => None,
    };

    let mut driver = Driver {
        register,
        terminal,
        events,
        rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        cash_sales: Vec::new(),
        wake: wake.clone(),
    };
    driver.recover().await?;
    println!("READY");
    // The sale the last kill interrupted is back on screen: one at payment is finished as a
    // cashier would (what the terminal approved is already among its tenders); an open one
    // simply gets more items below.
    if driver.register.sale().is_some_and(|s| s.state == SaleState::Tendering) {
        driver.finish_in_cash(0).await?;
    }
    for _ in 0..max_sales {
        driver.one_sale().await?;
    }
    if drain {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !store.print_queue(REGISTER)?.is_empty() {
            if std::time::Instant::now() > deadline {
                bail!("the print queue did not empty within 60 s: {:?}", store.print_queue(REGISTER)?);
            }
            wake.notify_one();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!("DRAINED");
    }
    let _stopping = stop.send(true);
    if let Some(task) = printing {
        task.await?;
    }
    Ok(())
}

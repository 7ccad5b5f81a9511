//! A headless print worker for the printing fault tests: it opens the store, prints the
//! register's queue to a printer on TCP, and prints `PRINTED n WAITING m` when the run ends.
//! The test kills it with SIGKILL between sending a receipt and the printer's confirmation.

use anyhow::{Context, Result};
use ringup_app::{PrintWorker, SystemClock};
use ringup_devices::escpos::layout::Paper;
use ringup_devices::escpos::transport::PrinterPort;
use ringup_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let db = PathBuf::from(flag("--db").context("--db PATH")?);
    let addr = flag("--printer").context("--printer HOST:PORT")?;
    let store = Arc::new(Store::open(&db)?);
    let worker = PrintWorker::start(store, Arc::new(SystemClock), "R1", Paper::Mm80, None)?;
    println!("READY");
    let mut printer = PrinterPort::Tcp { addr }.printer();
    let run = worker.run_once(&mut printer).await?;
    println!("PRINTED {} WAITING {}", run.printed, run.waiting);
    if let Some(problem) = run.problem {
        println!("PROBLEM {problem}");
    }
    Ok(())
}

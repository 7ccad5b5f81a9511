//! Ringup's durable local store: one SQLite file (WAL, `synchronous=FULL`, foreign keys on)
//! holding the catalog, sales, refunds, the journal, the stock ledger and the sync outbox.
//!
//! Architecture invariant: every write goes through the one writer connection in an
//! IMMEDIATE transaction, so a sale and everything that belongs to it (lines, payments,
//! journal entry, stock movements, outbox rows) is committed together or not at all.
//! Reads use separate read-only connections and never wait for the writer (WAL).

mod attempts;
mod cash;
mod catalog;
mod commit;
mod crosscheck;
mod devices;
mod error;
pub mod import;
mod journal;
mod open_sale;
mod parked;
mod print_jobs;
mod pull;
mod receipts;
mod refund;
mod report;
mod schema;
mod settings;
mod staff;
mod sync;

pub use attempts::{Attempt, AttemptDetails, NewAttempt};
pub use catalog::{Product, ProductInput, SearchHit};
pub use commit::{Committed, RefundCommitted};
pub use devices::{DeviceChange, DeviceRole, DeviceSetting};
pub use error::{ImportIssue, StoreError};
pub use import::{ImportProgress, ImportReport, generate_catalog};
pub use parked::ParkedSale;
pub use print_jobs::{PrintDocument, PrintJob, PrintJobState};
pub use pull::PullReport;
pub use receipts::{StoredRefund, StoredSale};
pub use refund::RefundPreview;
pub use report::{Drawer, DrawerCount, NO_CATEGORY, Period, TerminalTotals, ZReport};
pub use settings::StoreSettings;
pub use staff::{PinLock, Role, Staff};
pub use sync::{NewPairing, OutboxEvent, Pairing};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How many idle read connections are kept; more readers are opened on demand and closed.
const READER_POOL_CAPACITY: usize = 4;
/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT_MS: u64 = 5_000;

pub struct Store {
    path: PathBuf,
    // Fields drop in this order: the read-only connections close first, so the writer is the
    // last connection to close and SQLite checkpoints the WAL into the file and removes it. A
    // read-only connection closing last cannot, and leaves the WAL beside the file (a copy of
    // the file alone then lacks the latest commits).
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Connection>,
}

impl Store {
    /// Opens (or creates) the store at `path` and brings its schema up to date. Cheap on a
    /// store of any size: nothing here reads the catalog.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        // WAL and synchronous=FULL: a commit that returned survives power loss.
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Config(format!("SQLite refused WAL mode (got {mode})")));
        }
        schema::migrate(&mut writer)?;
        Ok(Store { path: path.to_path_buf(), writer: Mutex::new(writer), readers: Mutex::new(Vec::new()) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one IMMEDIATE write transaction; it commits only if `f` returns Ok, so an
    /// error leaves nothing half-written.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Like [`Store::write`], but the commit is not synced to disk before it returns: it
    /// survives the process being killed (the OS has it), not a power cut, until the next
    /// synced commit (which syncs it too). For state saved on every keystroke-sized change,
    /// such as the sale in progress, where an fsync each time would cost the cashier time.
    pub(crate) fn write_unsynced<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        conn.execute_batch("PRAGMA synchronous=NORMAL")?;
        let result = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        // Back to synced commits whatever happened: every other write relies on it.
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        result
    }

    /// The schema's migration number (`PRAGMA user_version`), for a diagnostics bundle.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
    }

    /// Runs `f` on a read-only connection from the pool.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let pooled = self.readers.lock().map_err(|_| StoreError::Poisoned)?.pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
                )?;
                configure(&c)?;
                c
            }
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().map_err(|_| StoreError::Poisoned)?;
        if pool.len() < READER_POOL_CAPACITY {
            pool.push(conn);
        }
        result
    }
}

/// How much of the file each connection maps into memory. Lookups then read the OS page cache
/// directly instead of copying pages through read() calls: a scan costs the same on a
/// 1 000-item and a 1 000 000-item catalog. Address space only; the OS decides what is resident.
const MMAP_SIZE_BYTES: u64 = 1 << 30;

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    conn.execute_batch(&format!(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA mmap_size={MMAP_SIZE_BYTES}; PRAGMA cache_size=-16384;"
    ))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Reads a counter stored as INTEGER (SQLite has no unsigned type); negatives are corrupt.
pub(crate) fn get_u64(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(index)?;
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(index, v))
}

/// Milliseconds as SQLite stores them (i64); u64 sequence numbers fit since they start at 1.
pub(crate) fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Config(format!("{value} is out of range")))
}

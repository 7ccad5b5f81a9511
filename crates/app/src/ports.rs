//! What the use cases need from the outside world, as narrow traits, so tests and the crash
//! campaign can replace the clock and the id generator and replay a run from a seed.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use uuid::Uuid;

pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
    /// The local time as it is printed on a receipt.
    fn local_text(&self, at_ms: i64) -> String;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn local_text(&self, at_ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(at_ms)
            .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }
}

/// A clock that stands still (or moves only when told), for tests.
pub struct FixedClock(pub AtomicI64);

impl FixedClock {
    pub fn new(at_ms: i64) -> FixedClock {
        FixedClock(AtomicI64::new(at_ms))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    fn local_text(&self, at_ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(at_ms)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    }
}

pub trait IdGen: Send + Sync {
    fn new_id(&self) -> Uuid;
}

/// UUIDv7: time-ordered, made on the device at the moment a sale or tender is born.
pub struct UuidV7;

impl IdGen for UuidV7 {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// Ids from a seed and a counter, for reproducible tests. They are v7-shaped so that code
/// checking the version accepts them.
pub struct SequentialIds {
    seed: u64,
    next: AtomicU64,
}

impl SequentialIds {
    pub fn new(seed: u64) -> SequentialIds {
        SequentialIds { seed, next: AtomicU64::new(1) }
    }
}

impl IdGen for SequentialIds {
    fn new_id(&self) -> Uuid {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.seed.to_be_bytes());
        bytes[8..].copy_from_slice(&n.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).with_version(uuid::Version::SortRand).into_uuid()
    }
}

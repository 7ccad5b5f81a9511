//! The one error type of the store crate.

use ringup_domain::DomainError;

pub use ringup_protocol::catalog::ImportIssue;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("schema migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("encoding: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Config(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the catalog file was not imported, nothing changed; {} problem(s), first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Import(Vec<ImportIssue>),
    #[error("journal of register {register}: {problem}")]
    Journal { register: String, problem: String },
    #[error("a lock was poisoned by a panic in another thread")]
    Poisoned,
}

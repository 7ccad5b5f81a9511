//! The one error type of the store crate.

use ringup_domain::DomainError;

/// A problem in an imported file, named by its line in the file (1 = the header line, so the
/// first data row is line 2) and column, so a person can find and fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    pub row: u64,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for ImportIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.row, self.column, self.message)
    }
}

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

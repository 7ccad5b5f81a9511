//! Ringup's store back end. `db` opens SQLite or PostgreSQL and migrates it; `repo` is every
//! read and write, the same code on both (`ingest` the pushed events); `api` is the HTTP API under `/v1`; `openapi` its
//! description; `admin` the command line that sets a store up.

pub mod admin;
pub mod api;
pub mod db;
mod ingest;
pub mod openapi;
pub mod repo;

pub use api::{AppState, Clock, router, system_clock};
pub use db::{Backend, Db};

/// Serves the API on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}

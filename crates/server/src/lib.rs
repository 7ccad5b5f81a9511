//! Ringup's store back end. `db` opens SQLite or PostgreSQL and migrates it; `repo` is every
//! read and write, the same code on both (`ingest` the pushed events, `catalog` what the tills
//! pull, `stock` the stock ledger, `webhooks` the events sent out); `api` is the HTTP API under `/v1`; `openapi` its
//! description; `admin` the command line that sets a store up.

pub mod admin;
pub mod api;
pub mod catalog;
pub mod db;
mod ingest;
pub mod openapi;
pub mod repo;
pub mod stock;
pub mod webhooks;

pub use api::{AppState, Clock, router, router_with_body_limit, system_clock};
pub use db::{Backend, Db};

/// Serves the API on `listener` until the process ends, and delivers webhooks meanwhile.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let worker = tokio::spawn(webhooks::run(state.db.clone(), state.clock.clone(), webhooks::WebhookConfig::default()));
    let served = axum::serve(listener, router(state)).await;
    worker.abort();
    served
}

/// Serves the API with another request size limit (for tests).
pub async fn serve_with_body_limit(
    listener: tokio::net::TcpListener,
    state: AppState,
    max_body_bytes: usize,
) -> std::io::Result<()> {
    axum::serve(listener, router_with_body_limit(state, max_body_bytes)).await
}

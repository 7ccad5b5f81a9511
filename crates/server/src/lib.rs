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

/// The webhook worker of a serving server: stopped when the server stops, however it stops
/// (returns, fails, or its task is aborted).
struct Worker(tokio::task::JoinHandle<()>);

impl Worker {
    fn start(state: &AppState) -> Worker {
        let config = webhooks::WebhookConfig::default();
        Worker(tokio::spawn(webhooks::run(state.db.clone(), state.clock.clone(), config)))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves the API on `listener` until the process ends, and delivers webhooks meanwhile.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let _worker = Worker::start(&state);
    axum::serve(listener, router(state)).await
}

/// Serves the API over TLS (rustls; PEM certificate chain and private key) on `listener` until
/// the process ends, and delivers webhooks meanwhile. The tills' device tokens travel inside it.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    state: AppState,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
) -> std::io::Result<()> {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(cert_pem, key_pem).await?;
    listener.set_nonblocking(true)?;
    let _worker = Worker::start(&state);
    axum_server::from_tcp_rustls(listener, config)?.serve(router(state).into_make_service()).await
}

/// Serves the API with another request size limit (for tests).
pub async fn serve_with_body_limit(
    listener: tokio::net::TcpListener,
    state: AppState,
    max_body_bytes: usize,
) -> std::io::Result<()> {
    axum::serve(listener, router_with_body_limit(state, max_body_bytes)).await
}

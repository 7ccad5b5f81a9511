//! Pulling the store's changes: page after page from the till's cursor, each page applied in
//! one store transaction with its new cursor, until the till has the server's head. A page
//! lost on the way, or a till killed mid-sync, simply asks again from the cursor it has.

use crate::{Client, SyncError, blocking};
use ringup_protocol::{ChangePage, MAX_CHANGES};
use ringup_store::Store;
use std::sync::Arc;

impl Client {
    /// `GET /v1/changes`: the store's changes after revision `after`.
    pub async fn changes(&self, token: &str, after: u64, limit: usize) -> Result<ChangePage, SyncError> {
        let response = self
            .http
            .get(format!("{}/v1/changes?after={after}&limit={limit}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .map_err(Client::network)?;
        Client::answer(response).await
    }
}

/// What one round of pulling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PullReport {
    pub pages: u64,
    pub applied: u64,
    /// The store revision the till has applied up to, and the server's newest.
    pub cursor: u64,
    pub head: u64,
}

/// Pulls until the till has everything the server had when it answered, telling `progress`
/// (changes applied so far, cursor, head) after every page.
pub async fn pull_all(
    store: &Arc<Store>,
    client: &Client,
    device: uuid::Uuid,
    token: &str,
    page_size: usize,
    mut progress: impl FnMut(u64, u64, u64),
) -> Result<PullReport, SyncError> {
    let page_size = page_size.clamp(1, MAX_CHANGES);
    let (cursor, head) = blocking(store, move |s| s.pull_position(device)).await?;
    let mut report = PullReport { cursor, head, ..PullReport::default() };
    loop {
        let after = report.cursor;
        let page = client.changes(token, after, page_size).await?;
        if page.cursor < after {
            return Err(SyncError::Protocol(format!("the server went back from revision {after} to {}", page.cursor)));
        }
        let done = page.cursor >= page.head || page.changes.is_empty() && page.cursor == after;
        let applied = blocking(store, move |s| s.apply_changes(device, after, &page)).await?;
        report.pages += 1;
        report.applied += applied.applied;
        report.cursor = applied.cursor;
        report.head = applied.head;
        progress(report.applied, report.cursor, report.head);
        if done {
            return Ok(report);
        }
    }
}

//! The terminal's side of the back end. [`pair`] exchanges a one-time code for a device token
//! and keeps it in the store; [`Pusher`] sends the outbox in bounded batches, each event once
//! as far as the server is concerned (it de-duplicates by event id and acknowledges the
//! highest contiguous sequence); [`run`] is the background task that keeps doing so with
//! exponential backoff and jitter, publishing a [`SyncStatus`] for the status bar. Nothing here
//! is on the cashier's path: a sale is done when the store committed it.

use ringup_protocol::{ApiError, DeviceInfo, Event, PairRequest, Paired, PushAnswer, PushRequest, WireJournalEntry};
use ringup_store::{NewPairing, OutboxEvent, Pairing, Store, StoreError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod pull;
pub use pull::{PullReport, pull_all};

/// Events per push: well under the server's limit, small enough to retry cheaply.
pub const BATCH: usize = 200;
/// How long one call may take before it counts as failed (and is retried).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("not paired with a back end")]
    NotPaired,
    /// The server refused the device's token (revoked or unknown): pair it again.
    #[error("unpaired by the back end: {0}")]
    Unpaired(String),
    /// The server answered with an error that retrying will not fix.
    #[error("the back end refused: {} ({})", .0.message, .0.error)]
    Refused(ApiError),
    #[error("back end unreachable: {0}")]
    Network(String),
    /// The server's certificate is not one this till trusts: retrying will not change that.
    #[error("the back end's certificate is not trusted: {0}")]
    Untrusted(String),
    #[error("the back end answered something unexpected: {0}")]
    Protocol(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether trying again later may help.
    pub fn retryable(&self) -> bool {
        matches!(self, SyncError::Network(_) | SyncError::Protocol(_) | SyncError::Store(_))
    }
}

/// rustls needs one crypto provider for the process; ring is ours. Idempotent.
fn install_crypto() {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

/// An HTTP client for one back end.
#[derive(Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
}

impl Client {
    pub fn new(server_url: &str) -> Result<Client, SyncError> {
        Client::with_roots(server_url, &[])
    }

    /// A client that also trusts these PEM certificates (a store's own back end with a
    /// self-signed certificate).
    pub fn with_roots(server_url: &str, extra_roots_pem: &[Vec<u8>]) -> Result<Client, SyncError> {
        install_crypto();
        let base = server_url.trim_end_matches('/').to_string();
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|host| {
            base == *host || base.starts_with(&format!("{host}:")) || base.starts_with(&format!("{host}/"))
        });
        // The device token travels with every call: in clear only on this machine.
        if !(base.starts_with("https://") || loopback) {
            return Err(SyncError::Protocol(format!(
                "{server_url:?}: the back end must be reached over https:// (http:// only on this machine)"
            )));
        }
        let mut builder = reqwest::Client::builder().timeout(CALL_TIMEOUT).connect_timeout(Duration::from_secs(5));
        for pem in extra_roots_pem {
            let cert =
                reqwest::Certificate::from_pem(pem).map_err(|e| SyncError::Protocol(format!("certificate: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().map_err(|e| SyncError::Network(e.to_string()))?;
        Ok(Client { http, base })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub(crate) async fn answer<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, SyncError> {
        let status = response.status();
        if status.is_success() {
            return response.json::<T>().await.map_err(|e| SyncError::Protocol(e.to_string()));
        }
        let body = response.bytes().await.map_err(|e| SyncError::Network(e.to_string()))?;
        let error = serde_json::from_slice::<ApiError>(&body).unwrap_or_else(|_| ApiError {
            error: format!("http_{}", status.as_u16()),
            message: String::from_utf8_lossy(&body).chars().take(200).collect(),
        });
        Err(match status.as_u16() {
            401 => SyncError::Unpaired(error.message),
            // Busy or down for a moment: try again later.
            408 | 429 | 500..=599 => SyncError::Network(format!("{} ({})", error.message, status)),
            _ => SyncError::Refused(error),
        })
    }

    /// A failed call, with its causes (a certificate the till does not trust says so).
    pub(crate) fn network(e: reqwest::Error) -> SyncError {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            let said = cause.to_string();
            if !text.contains(&said) {
                text = format!("{text}: {said}");
            }
            source = cause.source();
        }
        // rustls says "invalid peer certificate: …" for every verification failure.
        if text.contains("certificate") { SyncError::Untrusted(text) } else { SyncError::Network(text) }
    }

    /// `POST /v1/pair`. With `token_sha256` the terminal keeps its own token and the call may be
    /// repeated (see [`PairRequest`]).
    pub async fn pair(&self, code: &str, name: Option<&str>, token_sha256: Option<&str>) -> Result<Paired, SyncError> {
        let request = PairRequest {
            code: code.to_string(),
            name: name.map(str::to_string),
            token_sha256: token_sha256.map(str::to_string),
        };
        let response =
            self.http.post(format!("{}/v1/pair", self.base)).json(&request).send().await.map_err(Client::network)?;
        Client::answer(response).await
    }

    pub async fn device(&self, token: &str) -> Result<DeviceInfo, SyncError> {
        let response = self
            .http
            .get(format!("{}/v1/device", self.base))
            .bearer_auth(token)
            .send()
            .await
            .map_err(Client::network)?;
        Client::answer(response).await
    }

    pub async fn push(&self, token: &str, events: Vec<Event>) -> Result<PushAnswer, SyncError> {
        let response = self
            .http
            .post(format!("{}/v1/events", self.base))
            .bearer_auth(token)
            .json(&PushRequest { events })
            .send()
            .await
            .map_err(Client::network)?;
        Client::answer(response).await
    }
}

/// Runs a store call off the async threads (SQLite calls block).
pub(crate) async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, SyncError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| SyncError::Protocol(format!("a store task failed: {e}")))?
        .map_err(SyncError::Store)
}

/// How often a pairing whose answer did not come is asked again.
const PAIR_TRIES: u32 = 3;

/// Pairs this terminal's store with the back end at `server_url` by a one-time code.
pub async fn pair(
    store: &Arc<Store>,
    server_url: &str,
    code: &str,
    name: Option<&str>,
    now_ms: i64,
) -> Result<Pairing, SyncError> {
    pair_trusting(store, server_url, None, code, name, now_ms).await
}

/// [`pair`] with a back end that has its own certificate (`ca_pem`, PEM), trusted from now on
/// for this pairing besides the system's roots.
pub async fn pair_trusting(
    store: &Arc<Store>,
    server_url: &str,
    ca_pem: Option<&str>,
    code: &str,
    name: Option<&str>,
    now_ms: i64,
) -> Result<Pairing, SyncError> {
    let roots: Vec<Vec<u8>> = ca_pem.iter().map(|p| p.as_bytes().to_vec()).collect();
    let client = Client::with_roots(server_url, &roots)?;
    let ca = ca_pem.map(str::to_string);
    // The till makes its token; only its hash goes out, so a pairing whose answer is lost can
    // simply be asked again with the same code.
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| SyncError::Protocol(format!("no randomness for a token: {e}")))?;
    let token = format!("rgd_{}", hex::encode(secret));
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    let mut tries = 0;
    let mut paired = loop {
        match client.pair(code, name, Some(&hash)).await {
            Err(SyncError::Network(e)) if tries < PAIR_TRIES => {
                tries += 1;
                tracing::warn!("pairing: {e}; asking again");
                tokio::time::sleep(Duration::from_millis(500 << tries)).await;
            }
            other => break other?,
        }
    };
    paired.token = token;
    let url = client.base().to_string();
    blocking(store, move |s| {
        s.save_pairing(
            &NewPairing {
                server_url: &url,
                device_id: paired.device_id,
                token: &paired.token,
                store_id: paired.store_id,
                register_id: paired.register_id,
                register_name: &paired.register_name,
                ca_pem: ca.as_deref(),
            },
            now_ms,
        )
    })
    .await
}

/// An outbox row as the event the back end takes.
pub fn event_of(e: OutboxEvent) -> Event {
    Event {
        id: e.event_id,
        seq: e.device_seq,
        kind: e.kind,
        document_id: e.document_id,
        created_ms: e.created_ms,
        journal: e.journal.as_ref().map(WireJournalEntry::from),
        data: e.data,
    }
}

/// What one round of pushing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PushReport {
    pub batches: u64,
    pub sent: u64,
    pub applied: u64,
    pub duplicates: u64,
    /// The device's sequence the server holds after the round.
    pub high_seq: u64,
}

/// Pushes a store's outbox to the back end it is paired with.
pub struct Pusher {
    store: Arc<Store>,
    batch: usize,
    page: usize,
    client: Option<(String, Option<String>, Client)>,
}

impl Pusher {
    pub fn new(store: Arc<Store>) -> Pusher {
        Pusher { store, batch: BATCH, page: ringup_protocol::MAX_CHANGES, client: None }
    }

    pub fn with_batch(mut self, batch: usize) -> Pusher {
        self.batch = batch.clamp(1, ringup_protocol::MAX_BATCH_EVENTS);
        self
    }

    /// Pulls pages of at most `page` changes.
    pub fn with_page(mut self, page: usize) -> Pusher {
        self.page = page.clamp(1, ringup_protocol::MAX_CHANGES);
        self
    }

    fn client(&mut self, pairing: &Pairing) -> Result<Client, SyncError> {
        let (url, ca) = (&pairing.server_url, &pairing.ca_pem);
        match &self.client {
            Some((u, a, c)) if u == url && a == ca => Ok(c.clone()),
            _ => {
                let roots: Vec<Vec<u8>> = ca.iter().map(|p| p.as_bytes().to_vec()).collect();
                let c = Client::with_roots(url, &roots)?;
                self.client = Some((url.clone(), ca.clone(), c.clone()));
                Ok(c)
            }
        }
    }

    /// Sends everything queued, batch after batch, until the outbox is empty. The server's
    /// answer is the only thing that marks events pushed; an answer lost on the way means the
    /// batch is sent again and the server counts it as duplicates. Every store call names the
    /// device, so a pairing replaced while a call is on the way changes nothing of the new one.
    pub async fn push_all(&mut self, now: impl Fn() -> i64) -> Result<PushReport, SyncError> {
        let pairing = blocking(&self.store, |s| s.pairing()).await?.ok_or(SyncError::NotPaired)?;
        if pairing.revoked_ms.is_some() {
            return Err(SyncError::Unpaired("this terminal was unpaired; pair it again".into()));
        }
        let client = self.client(&pairing)?;
        let device = pairing.device_id;
        let result = self.push_with(&client, device, &pairing.token, &now).await;
        if let Err(SyncError::Unpaired(_)) = &result {
            let at = now();
            blocking(&self.store, move |s| s.mark_unpaired(device, at)).await?;
        }
        result
    }

    /// One round: push everything queued, then pull the store's changes until the till has
    /// them all. `progress` hears (changes applied, cursor, head) after every pulled page.
    pub async fn sync_all(
        &mut self,
        now: impl Fn() -> i64,
        progress: impl FnMut(u64, u64, u64),
    ) -> Result<(PushReport, PullReport), SyncError> {
        // A push the server refuses (or cannot take now) must not keep price changes from the
        // till: it pulls anyway, and reports the push's failure after.
        let pushed = self.push_all(&now).await;
        if let Err(SyncError::Unpaired(_) | SyncError::NotPaired) = &pushed {
            return Err(pushed.err().unwrap_or(SyncError::NotPaired));
        }
        let pairing = blocking(&self.store, |s| s.pairing()).await?.ok_or(SyncError::NotPaired)?;
        let client = self.client(&pairing)?;
        let device = pairing.device_id;
        let result = pull_all(&self.store, &client, device, &pairing.token, self.page, progress).await;
        if let Err(SyncError::Unpaired(_)) = &result {
            let at = now();
            blocking(&self.store, move |s| s.mark_unpaired(device, at)).await?;
        }
        let pulled = result?;
        Ok((pushed?, pulled))
    }

    async fn push_with(
        &self,
        client: &Client,
        device: uuid::Uuid,
        token: &str,
        now: &impl Fn() -> i64,
    ) -> Result<PushReport, SyncError> {
        // Where the server stands: an answer lost last time may have been applied.
        let server = client.device(token).await?;
        let (local, made) = blocking(&self.store, move |s| s.device_sequences(device)).await?;
        if server.high_seq > made {
            // More than this till ever numbered: the store was restored from a backup or copied
            // from another till. Marking would hide the sales made since; a person decides.
            return Err(SyncError::Refused(ApiError {
                error: "sequence_ahead".into(),
                message: format!(
                    "the back end holds {} events from this device but this till has made only {made}: \
                     was its store restored from a backup or copied? Pair it again to send what it holds",
                    server.high_seq
                ),
            }));
        }
        let mut report = PushReport { high_seq: server.high_seq, ..PushReport::default() };
        if server.high_seq > local {
            let (high, at) = (server.high_seq, now());
            blocking(&self.store, move |s| s.mark_pushed(device, high, at)).await?;
        }
        let mut batch = self.batch;
        let mut stalled = 0;
        loop {
            let (after, limit) = (report.high_seq, batch);
            let events = blocking(&self.store, move |s| s.outbox_after(device, after, limit)).await?;
            if events.is_empty() {
                return Ok(report);
            }
            let count = events.len();
            let answer = match client.push(token, events.into_iter().map(event_of).collect()).await {
                // Large sales make a batch too big for the server's body limit: halve it.
                Err(SyncError::Refused(e)) if e.error == "too_large" && batch > 1 => {
                    batch = (count / 2).max(1);
                    continue;
                }
                other => other?,
            };
            report.sent += count as u64;
            report.batches += 1;
            report.applied += answer.applied;
            report.duplicates += answer.duplicates;
            if answer.high_seq < report.high_seq {
                return Err(SyncError::Protocol(format!(
                    "the server went back from sequence {} to {}",
                    report.high_seq, answer.high_seq
                )));
            }
            if answer.high_seq == report.high_seq {
                // Nothing moved (a gap the server reports at our own start): resend from its
                // point once, then give up for this round.
                stalled += 1;
                if stalled > 1 {
                    return Err(SyncError::Protocol(format!(
                        "the server holds sequence {} and takes nothing after it",
                        answer.high_seq
                    )));
                }
            } else {
                stalled = 0;
            }
            report.high_seq = answer.high_seq;
            let (high, at) = (answer.high_seq, now());
            blocking(&self.store, move |s| s.mark_pushed(device, high, at)).await?;
        }
    }
}

/// The sync state for the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncStatus {
    pub paired: bool,
    /// The last round reached the server.
    pub online: bool,
    /// The server refused the device: it must be paired again.
    pub unpaired: bool,
    pub queued: u64,
    pub last_success_ms: Option<i64>,
    pub last_error: Option<String>,
    /// The store revision the till has applied and the server's newest: a first sync of a
    /// large catalog shows how far it has come.
    pub pull_cursor: u64,
    pub pull_head: u64,
}

impl SyncStatus {
    /// How far a pull that is behind has come, in whole percent; `None` when caught up.
    pub fn pull_percent(&self) -> Option<u64> {
        (self.pull_head > self.pull_cursor)
            .then(|| self.pull_cursor.saturating_mul(100).checked_div(self.pull_head).unwrap_or(0).min(99))
    }
}

pub type SharedStatus = Arc<Mutex<SyncStatus>>;

/// The wait before retry `attempt` (1, 2, …): doubling from 1 s up to 60 s, with "equal jitter"
/// (between half and all of it) so terminals that lost the server together do not return
/// together.
pub fn backoff(attempt: u32, random: u32) -> Duration {
    let full_ms = 1000u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(6)).min(60_000);
    let half = full_ms / 2;
    Duration::from_millis(half + u64::from(random) % (half + 1))
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    // Without randomness the wait is simply the full one.
    if getrandom::fill(&mut b).is_err() {
        return u32::MAX;
    }
    u32::from_le_bytes(b)
}

/// With nothing to push, the task still asks the server how it stands (and pulls what changed)
/// every this many idle checks, so the status bar learns when the back end goes away and a
/// price changed on the back end reaches the till within seconds.
const HEARTBEAT_EVERY: u32 = 5;

/// The background task: pushes whenever there is something to push (checked every `idle`),
/// backs off after failures, stops pushing when unpaired (until paired anew) and publishes its
/// state in `status`. Runs until the runtime stops.
pub async fn run(store: Arc<Store>, status: SharedStatus, idle: Duration, now: impl Fn() -> i64 + Send + Sync) {
    let mut pusher = Pusher::new(Arc::clone(&store));
    let mut failures = 0u32;
    let mut idle_checks = 0u32;
    loop {
        let queued = blocking(&store, |s| s.outbox_pending()).await.unwrap_or(0);
        let pairing = blocking(&store, |s| s.pairing()).await.ok().flatten();
        let paired = pairing.as_ref().is_some_and(|p| p.revoked_ms.is_none());
        let update = |f: &dyn Fn(&mut SyncStatus)| {
            let mut s = status.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut s);
        };
        update(&|s| {
            s.paired = paired;
            s.unpaired = pairing.as_ref().is_some_and(|p| p.revoked_ms.is_some());
            s.queued = queued;
        });
        let quiet = queued == 0 && failures == 0 && !idle_checks.is_multiple_of(HEARTBEAT_EVERY);
        idle_checks = idle_checks.wrapping_add(1);
        let wait = if !paired || quiet {
            idle
        } else {
            let progress = |_applied: u64, cursor: u64, head: u64| {
                update(&|s| {
                    s.pull_cursor = cursor;
                    s.pull_head = head;
                    s.online = true;
                });
            };
            match pusher.sync_all(&now, progress).await {
                Ok((report, pulled)) => {
                    failures = 0;
                    let at = now();
                    let left = blocking(&store, |s| s.outbox_pending()).await.unwrap_or(queued);
                    if report.sent > 0 {
                        tracing::info!(
                            sent = report.sent,
                            applied = report.applied,
                            duplicates = report.duplicates,
                            "pushed to the back end"
                        );
                    }
                    if pulled.applied > 0 {
                        tracing::info!(applied = pulled.applied, cursor = pulled.cursor, "pulled from the back end");
                    }
                    update(&|s| {
                        s.online = true;
                        s.queued = left;
                        s.last_success_ms = Some(at);
                        s.last_error = None;
                    });
                    idle
                }
                Err(e) => {
                    let unpaired = matches!(e, SyncError::Unpaired(_));
                    let message = e.to_string();
                    tracing::warn!("sync: {message}");
                    update(&|s| {
                        s.online = false;
                        s.unpaired = unpaired;
                        s.paired = !unpaired;
                        s.last_error = Some(message.clone());
                    });
                    failures = failures.saturating_add(1);
                    if e.retryable() { backoff(failures, random_u32()) } else { idle.max(Duration::from_secs(30)) }
                }
            }
        };
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_minute_with_jitter_in_the_upper_half() {
        assert_eq!(backoff(1, 0), Duration::from_millis(500));
        assert_eq!(backoff(1, 500), Duration::from_millis(1000));
        assert_eq!(backoff(2, 0), Duration::from_millis(1000));
        assert_eq!(backoff(3, 2000), Duration::from_millis(4000));
        assert_eq!(backoff(30, 0), Duration::from_millis(30_000));
        assert_eq!(backoff(30, 30_000), Duration::from_millis(60_000));
        for r in [0, 1, 77, u32::MAX] {
            let d = backoff(5, r);
            assert!(d >= Duration::from_secs(8) && d <= Duration::from_secs(16), "{d:?}");
        }
    }

    #[test]
    fn tokens_go_in_clear_only_to_this_machine() {
        assert!(matches!(Client::new("ftp://x"), Err(SyncError::Protocol(_))));
        assert!(matches!(Client::new("http://backoffice.shop:8650"), Err(SyncError::Protocol(_))));
        assert!(matches!(Client::new("http://127.0.0.1.evil.example"), Err(SyncError::Protocol(_))));
        assert!(Client::new("https://backoffice.shop").is_ok());
        assert!(Client::new("http://localhost:8650/").is_ok());
        assert_eq!(
            Client::new("http://127.0.0.1:1/").map(|c| c.base().to_string()).ok(),
            Some("http://127.0.0.1:1".into())
        );
    }
}

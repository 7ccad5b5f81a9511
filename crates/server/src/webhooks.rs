//! Webhooks out: `sale.completed`, `refund.created`, `shift.closed` and `stock.low`, each
//! written for every matching subscriber in the transaction that made the event (so an event
//! is never lost between "committed" and "queued"), then delivered at least once by
//! [`run`]: a POST of the JSON body with
//!
//! - `Ringup-Event-Id`: the event's id, the same on every retry (subscribers de-duplicate by it),
//! - `Ringup-Event-Type`, `Ringup-Timestamp` (Unix seconds),
//! - `Ringup-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the subscriber's secret>`.
//!
//! A 2xx answer delivers; anything else (or no answer within the time-out) is retried with
//! exponential backoff until a bounded number of attempts, then the delivery is marked failed.
//! Every attempt is logged with what the subscriber answered.

use crate::api::Clock;
use crate::db::Db;
use crate::repo::{RepoError, Result, int, text, u64_of};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::{Any, Row, Transaction};
use std::time::Duration;
use uuid::Uuid;

/// The event types a subscriber can ask for.
pub const EVENT_TYPES: &[&str] = &["sale.completed", "refund.created", "shift.closed", "stock.low"];

/// How deliveries are paced.
#[derive(Debug, Clone, Copy)]
pub struct WebhookConfig {
    /// How often due deliveries are looked for.
    pub poll: Duration,
    /// The wait after the first failure; doubled after each, up to `max_delay_ms`.
    pub base_delay_ms: i64,
    pub max_delay_ms: i64,
    /// Attempts before a delivery is given up as failed.
    pub max_attempts: u32,
    /// How long a subscriber may take to answer.
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            poll: Duration::from_secs(1),
            base_delay_ms: 5_000,
            max_delay_ms: 3_600_000,
            max_attempts: 12,
            timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookConfig {
    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    pub fn delay_ms(&self, attempts: u32) -> i64 {
        let factor = 1i64 << attempts.saturating_sub(1).min(30);
        self.base_delay_ms.saturating_mul(factor).min(self.max_delay_ms)
    }
}

/// `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the value of `Ringup-Signature`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a subscriber does with a delivery: recompute the signature and compare in constant time.
pub fn verify(secret: &str, timestamp: i64, body: &str, header: &str) -> bool {
    let Some(given) = header.strip_prefix("v1=").and_then(|h| hex::decode(h).ok()) else { return false };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub disabled_ms: Option<i64>,
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub event_id: String,
    pub event_type: String,
    pub url: String,
    pub state: String,
    pub attempts: u32,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// A store's active subscribers, as (subscription id, the events it asked for).
pub(crate) struct Subscribers {
    store: Uuid,
    list: Vec<(String, Vec<String>)>,
}

impl Subscribers {
    fn want(&self, event_type: &str) -> bool {
        self.list.iter().any(|(_, events)| events.iter().any(|e| e == event_type))
    }
}

struct Due {
    id: String,
    url: String,
    secret: String,
    event_id: String,
    event_type: String,
    body: String,
    attempts: u32,
    next_attempt_ms: i64,
}

fn uuid_of(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| RepoError::Invalid(format!("{s:?} is not a UUID")))
}

impl Db {
    /// Subscribes `url` to `events` (all of [`EVENT_TYPES`] when empty); bodies are signed
    /// with `secret`.
    pub async fn add_webhook(
        &self,
        store: Uuid,
        url: &str,
        secret: &str,
        events: &[String],
        now_ms: i64,
    ) -> Result<Uuid> {
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 500 {
            return Err(RepoError::Invalid(format!("{url:?} is not an http(s) URL")));
        }
        if secret.len() < 16 {
            return Err(RepoError::Invalid("a webhook secret is at least 16 characters".into()));
        }
        let events: Vec<String> =
            if events.is_empty() { EVENT_TYPES.iter().map(|e| (*e).to_string()).collect() } else { events.to_vec() };
        if let Some(unknown) = events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
            return Err(RepoError::Invalid(format!("{unknown:?} is not an event (one of {})", EVENT_TYPES.join(", "))));
        }
        let id = Uuid::now_v7();
        sqlx::query(self.sql(
            "INSERT INTO webhook_subscriptions(id, store_id, url, secret, events, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(id.to_string())
        .bind(store.to_string())
        .bind(url)
        .bind(secret)
        .bind(events.join(","))
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn disable_webhook(&self, id: Uuid, now_ms: i64) -> Result<()> {
        let done = sqlx::query(
            self.sql("UPDATE webhook_subscriptions SET disabled_ms = COALESCE(disabled_ms, ?) WHERE id = ?"),
        )
        .bind(now_ms)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(RepoError::NotFound(format!("no webhook {id}")));
        }
        Ok(())
    }

    pub async fn webhooks(&self, store: Uuid) -> Result<Vec<Subscription>> {
        let rows = sqlx::query(self.sql(
            "SELECT id, url, events, disabled_ms FROM webhook_subscriptions WHERE store_id = ? ORDER BY created_ms, id",
        ))
        .bind(store.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Subscription {
                    id: uuid_of(&text(r, "id")?)?,
                    url: text(r, "url")?,
                    events: text(r, "events")?.split(',').map(str::to_string).collect(),
                    disabled_ms: r.try_get("disabled_ms")?,
                })
            })
            .collect()
    }

    /// The store's active subscribers and the events each asked for, read once per
    /// transaction that may queue events.
    pub(crate) async fn subscribers(&self, tx: &mut Transaction<'static, Any>, store: Uuid) -> Result<Subscribers> {
        let rows = sqlx::query(
            self.sql("SELECT id, events FROM webhook_subscriptions WHERE store_id = ? AND disabled_ms IS NULL"),
        )
        .bind(store.to_string())
        .fetch_all(&mut **tx)
        .await?;
        let list = rows
            .iter()
            .map(|r| Ok((text(r, "id")?, text(r, "events")?.split(',').map(str::to_string).collect())))
            .collect::<Result<Vec<_>>>()?;
        Ok(Subscribers { store, list })
    }

    /// Queues `event_type` for every subscriber that asked for it, inside the transaction that
    /// made the event. The same event id twice queues once.
    pub(crate) async fn enqueue_webhook(
        &self,
        tx: &mut Transaction<'static, Any>,
        subscribers: &Subscribers,
        (event_id, event_type): (&str, &str),
        data: serde_json::Value,
        now_ms: i64,
    ) -> Result<()> {
        if !subscribers.want(event_type) {
            return Ok(());
        }
        let body = serde_json::json!({
            "id": event_id, "type": event_type, "store_id": subscribers.store, "created_ms": now_ms, "data": data,
        })
        .to_string();
        for (id, events) in &subscribers.list {
            if !events.iter().any(|e| e == event_type) {
                continue;
            }
            sqlx::query(self.sql(
                "INSERT INTO webhook_deliveries(id, subscription_id, event_id, event_type, body, state, attempts,
                                                next_attempt_ms, created_ms)
                 VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (subscription_id, event_id) DO NOTHING",
            ))
            .bind(Uuid::now_v7().to_string())
            .bind(id.clone())
            .bind(event_id)
            .bind(event_type)
            .bind(body.clone())
            .bind(now_ms)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Queues `stock.low` for each product whose stock these movements (sku, delta) took from
    /// its reorder level or above to below it.
    pub(crate) async fn stock_low_after(
        &self,
        tx: &mut Transaction<'static, Any>,
        subscribers: &Subscribers,
        moved: &[(String, i64)],
        now_ms: i64,
    ) -> Result<()> {
        if !subscribers.want("stock.low") {
            return Ok(());
        }
        let mut by_sku: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for (sku, delta) in moved {
            *by_sku.entry(sku.as_str()).or_insert(0) += delta;
        }
        for (sku, delta) in by_sku {
            let row = sqlx::query(self.sql(
                "SELECT p.name, p.reorder_milli,
                        (SELECT CAST(COALESCE(SUM(m.delta_milli), 0) AS BIGINT) FROM stock_movements m
                          WHERE m.store_id = p.store_id AND m.sku = p.sku) AS stock
                   FROM products p WHERE p.store_id = ? AND p.sku = ? AND p.reorder_milli IS NOT NULL",
            ))
            .bind(subscribers.store.to_string())
            .bind(sku)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row else { continue };
            let (level, stock) = (int(&row, "reorder_milli")?, int(&row, "stock")?);
            if stock < level && stock - delta >= level {
                let data = serde_json::json!({
                    "sku": sku, "name": text(&row, "name")?, "stock_milli": stock, "reorder_milli": level,
                });
                let id = Uuid::now_v7().to_string();
                self.enqueue_webhook(tx, subscribers, (&id, "stock.low"), data, now_ms).await?;
            }
        }
        Ok(())
    }

    /// The store's deliveries, newest first, with the last attempt's answer.
    pub async fn delivery_log(&self, store: Uuid, limit: u32) -> Result<Vec<DeliveryRow>> {
        let rows = sqlx::query(self.sql(
            "SELECT d.id, d.event_id, d.event_type, s.url, d.state, d.attempts,
                    (SELECT a.status FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_status,
                    (SELECT a.error FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_error
               FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
              WHERE s.store_id = ? ORDER BY d.created_ms DESC, d.id DESC LIMIT ?",
        ))
        .bind(store.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryRow {
                    id: uuid_of(&text(r, "id")?)?,
                    event_id: text(r, "event_id")?,
                    event_type: text(r, "event_type")?,
                    url: text(r, "url")?,
                    state: text(r, "state")?,
                    attempts: u32::try_from(int(r, "attempts")?).unwrap_or(0),
                    last_status: r.try_get("last_status")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect()
    }

    async fn due_deliveries(&self, now_ms: i64, limit: i64) -> Result<Vec<Due>> {
        let rows = sqlx::query(self.sql(
            "SELECT d.id, s.url, s.secret, d.event_id, d.event_type, d.body, d.attempts, d.next_attempt_ms
               FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
              WHERE d.state = 'pending' AND d.next_attempt_ms <= ? AND s.disabled_ms IS NULL
              ORDER BY d.next_attempt_ms LIMIT ?",
        ))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Due {
                    id: text(r, "id")?,
                    url: text(r, "url")?,
                    secret: text(r, "secret")?,
                    event_id: text(r, "event_id")?,
                    event_type: text(r, "event_type")?,
                    body: text(r, "body")?,
                    attempts: u32::try_from(u64_of(int(r, "attempts")?)).unwrap_or(u32::MAX),
                    next_attempt_ms: int(r, "next_attempt_ms")?,
                })
            })
            .collect()
    }

    /// Takes a due delivery for `lease_ms` (so a second worker, or this one after a crash
    /// mid-call, leaves it until then); false when someone else took it first.
    async fn claim(&self, due: &Due, now_ms: i64, lease_ms: i64) -> Result<bool> {
        let done = sqlx::query(self.sql(
            "UPDATE webhook_deliveries SET next_attempt_ms = ? WHERE id = ? AND state = 'pending' AND next_attempt_ms = ?",
        ))
        .bind(now_ms + lease_ms)
        .bind(due.id.clone())
        .bind(due.next_attempt_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_attempt(
        &self,
        due: &Due,
        (at_ms, status, error, duration_ms): (i64, Option<i64>, Option<String>, i64),
        config: &WebhookConfig,
    ) -> Result<()> {
        let attempt = due.attempts + 1;
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let (state, next, done) = if delivered {
            ("delivered", at_ms, Some(at_ms))
        } else if attempt >= config.max_attempts {
            ("failed", at_ms, Some(at_ms))
        } else {
            ("pending", at_ms + config.delay_ms(attempt), None)
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(self.sql(
            "INSERT INTO webhook_attempts(delivery_id, attempt, at_ms, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(due.id.clone())
        .bind(i64::from(attempt))
        .bind(at_ms)
        .bind(status)
        .bind(error)
        .bind(duration_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query(self.sql(
            "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_ms = ?, done_ms = ? WHERE id = ?",
        ))
        .bind(state)
        .bind(i64::from(attempt))
        .bind(next)
        .bind(done)
        .bind(due.id.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Delivers what is due now, a few at a time; returns how many were attempted.
pub async fn deliver_due(db: &Db, http: &reqwest::Client, clock: &Clock, config: &WebhookConfig) -> Result<usize> {
    let due = db.due_deliveries(clock(), 20).await?;
    let lease_ms = i64::try_from(config.timeout.as_millis()).unwrap_or(i64::MAX).saturating_mul(3);
    let mut attempted = 0;
    for d in due {
        // The lease runs from now, not from when the batch was read: a slow batch never hands
        // out a lease that has already run out.
        let at = clock();
        if !db.claim(&d, at, lease_ms).await? {
            continue;
        }
        let timestamp = at.div_euclid(1000);
        let started = std::time::Instant::now();
        let answer = http
            .post(&d.url)
            .header("content-type", "application/json")
            .header("ringup-event-id", &d.event_id)
            .header("ringup-event-type", &d.event_type)
            .header("ringup-timestamp", timestamp.to_string())
            .header("ringup-signature", signature(&d.secret, timestamp, &d.body))
            .body(d.body.clone())
            .timeout(config.timeout)
            .send()
            .await;
        let duration = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status, error) = match answer {
            Ok(response) => {
                let status = response.status();
                let error = (!status.is_success()).then(|| format!("answered {status}"));
                (Some(i64::from(status.as_u16())), error)
            }
            Err(e) => (None, Some(e.to_string().chars().take(300).collect())),
        };
        if let Some(e) = &error {
            tracing::warn!(delivery = %d.id, url = %d.url, attempt = d.attempts + 1, "webhook not delivered: {e}");
        }
        db.record_attempt(&d, (at, status, error, duration), config).await?;
        attempted += 1;
    }
    Ok(attempted)
}

/// The delivery worker: runs until the runtime stops.
pub async fn run(db: Db, clock: Clock, config: WebhookConfig) {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
    let http = match reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build() {
        Ok(http) => http,
        Err(e) => {
            tracing::error!("webhooks cannot be delivered: no HTTP client: {e}");
            return;
        }
    };
    loop {
        match deliver_due(&db, &http, &clock, &config).await {
            // More may be due: go on at once.
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!("webhook deliveries: {e}"),
        }
        tokio::time::sleep(config.poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Computed independently, with Python's hmac module:
        // hmac.new(b'whsec_0123456789abcdef', b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        let sig = signature("whsec_0123456789abcdef", 1_700_000_000, "{\"a\":1}");
        assert_eq!(sig, "v1=9f5e37cdc7ea587c7c02062d93283cad000d66a831b2a1676418696db47ed6c2");
        assert!(verify("whsec_0123456789abcdef", 1_700_000_000, "{\"a\":1}", &sig));
        assert!(!verify("whsec_0123456789abcdeX", 1_700_000_000, "{\"a\":1}", &sig));
        assert!(!verify("whsec_0123456789abcdef", 1_700_000_001, "{\"a\":1}", &sig));
        assert!(!verify("whsec_0123456789abcdef", 1_700_000_000, "{\"a\":2}", &sig));
        assert!(!verify("whsec_0123456789abcdef", 1_700_000_000, "{\"a\":1}", "v1=zz"));
    }

    #[test]
    fn retries_back_off_exponentially_to_a_ceiling() {
        let c = WebhookConfig { base_delay_ms: 1_000, max_delay_ms: 60_000, ..WebhookConfig::default() };
        let waits: Vec<i64> = (1..=8).map(|a| c.delay_ms(a)).collect();
        assert_eq!(waits, vec![1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    }
}

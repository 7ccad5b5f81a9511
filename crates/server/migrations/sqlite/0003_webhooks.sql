-- Webhooks out and low-stock levels. SQLite; keep in step with ../postgres/0003_webhooks.sql.

-- The stock level under which a product's stock is "low" (thousandths; NULL: never).
ALTER TABLE products ADD COLUMN reorder_milli INTEGER;

-- A subscriber: where to send which events, and the secret the body is signed with (kept as
-- given: signing needs it).
CREATE TABLE webhook_subscriptions (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores(id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    disabled_ms INTEGER
) STRICT;

-- One event for one subscriber, written in the transaction that made the event: delivered at
-- least once, retried with exponential backoff up to a bounded number of attempts.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id),
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    created_ms      INTEGER NOT NULL,
    done_ms         INTEGER,
    UNIQUE (subscription_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_ms);

-- The delivery log: every attempt with what the subscriber answered.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempt     INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
) STRICT;

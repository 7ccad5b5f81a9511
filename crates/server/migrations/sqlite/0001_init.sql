-- The back end's first schema, SQLite. Ids are UUID text; times are Unix milliseconds;
-- money is integer minor units. Keep in step with ../postgres/0001_init.sql.
CREATE TABLE stores (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE registers (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores(id),
    name        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    UNIQUE (store_id, name)
) STRICT;

CREATE TABLE staff (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores(id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    pin_hash    TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_ms  INTEGER NOT NULL,
    UNIQUE (store_id, name)
) STRICT;

-- One-time codes, kept as SHA-256 of the code: a copy of the database pairs nothing.
CREATE TABLE pairing_codes (
    code_hash   TEXT PRIMARY KEY,
    register_id TEXT NOT NULL REFERENCES registers(id),
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    used_ms     INTEGER
) STRICT;

-- A paired terminal. Only the SHA-256 of its token is kept. `high_seq` is the highest
-- contiguous event sequence applied from it.
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores(id),
    register_id  TEXT NOT NULL REFERENCES registers(id),
    name         TEXT,
    token_hash   TEXT NOT NULL UNIQUE,
    high_seq     INTEGER NOT NULL DEFAULT 0,
    paired_ms    INTEGER NOT NULL,
    revoked_ms   INTEGER,
    last_seen_ms INTEGER
) STRICT;

-- Every event applied, once: the id is the terminal's idempotency key, within its store.
CREATE TABLE events (
    id          TEXT NOT NULL,
    store_id    TEXT NOT NULL REFERENCES stores(id),
    device_id   TEXT NOT NULL REFERENCES devices(id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (store_id, id),
    UNIQUE (device_id, seq)
) STRICT;
CREATE INDEX events_by_document ON events(document_id);

-- Each register's journal as the terminal hashed it (the body stays in `events`), keyed by the
-- register it was paired to and the terminal's own register id.
CREATE TABLE journal_entries (
    register_id       TEXT NOT NULL REFERENCES registers(id),
    terminal_register TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    store_id          TEXT NOT NULL REFERENCES stores(id),
    kind              TEXT NOT NULL,
    document_id       TEXT NOT NULL,
    at_ms             INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    turnover_minor    INTEGER NOT NULL,
    grand_total_minor INTEGER NOT NULL,
    hash              TEXT NOT NULL,
    PRIMARY KEY (register_id, terminal_register, seq)
) STRICT;
CREATE INDEX journal_entries_by_store ON journal_entries(store_id, currency);

CREATE TABLE journal_heads (
    register_id       TEXT NOT NULL REFERENCES registers(id),
    terminal_register TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    hash              TEXT NOT NULL,
    PRIMARY KEY (register_id, terminal_register)
) STRICT;

-- Where a chain did not verify: flagged for a person, never silently repaired.
CREATE TABLE journal_breaks (
    id                INTEGER PRIMARY KEY,
    register_id       TEXT NOT NULL REFERENCES registers(id),
    terminal_register TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    reason            TEXT NOT NULL,
    found_ms          INTEGER NOT NULL
) STRICT;

//! The schema, as numbered migrations (rusqlite_migration keeps the number in
//! `PRAGMA user_version`). A migration is never edited once released: add a new one.

use crate::StoreError;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

const SCHEMA_V1: &str = r#"
-- Store-wide settings (currency, pricing mode, cash rounding, receipt header) as JSON values.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- A register and the heads of its two gapless counters: receipt numbers and the journal chain.
CREATE TABLE registers (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    next_receipt_no   INTEGER NOT NULL DEFAULT 1 CHECK (next_receipt_no >= 1),
    journal_seq       INTEGER NOT NULL DEFAULT 0,
    journal_hash      BLOB NOT NULL,
    grand_total_minor INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE tax_classes (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    rate_ppm INTEGER NOT NULL CHECK (rate_ppm BETWEEN 0 AND 1000000)
) STRICT;

CREATE TABLE categories (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE products (
    id             INTEGER PRIMARY KEY,
    sku            TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    category_id    TEXT REFERENCES categories(id),
    tax_class_id   TEXT NOT NULL REFERENCES tax_classes(id),
    price_minor    INTEGER NOT NULL CHECK (price_minor >= 0),
    sold_by_weight INTEGER NOT NULL DEFAULT 0 CHECK (sold_by_weight IN (0, 1)),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

-- Many codes per product: GTINs normalised to 14 digits, and "plu:<code>" for scale items.
CREATE TABLE barcodes (
    code       TEXT PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX barcodes_by_product ON barcodes(product_id);

-- Name and SKU search with prefix indexes for 2 and 3 characters, so "cof" is one index read.
CREATE VIRTUAL TABLE products_fts USING fts5(
    name, sku,
    content = 'products', content_rowid = 'id',
    prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts(rowid, name, sku) VALUES (new.id, new.name, new.sku);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, name, sku) VALUES ('delete', old.id, old.name, old.sku);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF name, sku ON products BEGIN
    INSERT INTO products_fts(products_fts, rowid, name, sku) VALUES ('delete', old.id, old.name, old.sku);
    INSERT INTO products_fts(rowid, name, sku) VALUES (new.id, new.name, new.sku);
END;

-- Stock is a ledger of deltas, never a stored quantity: concurrent sellers converge exactly.
CREATE TABLE stock_movements (
    id            TEXT PRIMARY KEY,
    product_id    INTEGER NOT NULL REFERENCES products(id),
    delta_milli   INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    document_id   TEXT,
    at_ms         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_by_product ON stock_movements(product_id);

-- Completed and voided sales. Never updated: a refund is a new record. The full document
-- (every line and tender, as hashed) is the body of the sale's journal entry.
-- Tables keyed by a time-ordered UUIDv7 are WITHOUT ROWID: rows land in key order at the end
-- of one B-tree, so a commit touches as few pages (and fsyncs as few bytes) as possible.
CREATE TABLE sales (
    id                  TEXT PRIMARY KEY,
    register_id         TEXT NOT NULL REFERENCES registers(id),
    receipt_no          INTEGER NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('completed', 'voided')),
    cashier             TEXT NOT NULL,
    currency            TEXT NOT NULL,
    net_minor           INTEGER NOT NULL,
    tax_minor           INTEGER NOT NULL,
    total_minor         INTEGER NOT NULL,
    discount_minor      INTEGER NOT NULL,
    cash_rounding_minor INTEGER NOT NULL,
    change_minor        INTEGER NOT NULL,
    at_ms               INTEGER NOT NULL,
    journal_seq         INTEGER NOT NULL,
    UNIQUE (register_id, receipt_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE sale_lines (
    sale_id         TEXT NOT NULL REFERENCES sales(id),
    line_no         INTEGER NOT NULL,
    product_id      INTEGER NOT NULL REFERENCES products(id),
    name            TEXT NOT NULL,
    quantity_milli  INTEGER NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    voided          INTEGER NOT NULL,
    tax_class_id    TEXT NOT NULL,
    tax_rate_ppm    INTEGER NOT NULL,
    discount_minor  INTEGER NOT NULL,
    net_minor       INTEGER NOT NULL,
    tax_minor       INTEGER NOT NULL,
    gross_minor     INTEGER NOT NULL,
    PRIMARY KEY (sale_id, line_no)
) STRICT, WITHOUT ROWID;

-- Tenders. Card data is limited to what may be kept: a masked PAN, never the full number.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    sale_id         TEXT NOT NULL REFERENCES sales(id),
    kind            TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL,
    tendered_minor  INTEGER NOT NULL,
    change_minor    INTEGER NOT NULL,
    masked_pan      TEXT,
    card_type       TEXT,
    terminal_id     TEXT,
    trace_no        INTEGER,
    card_receipt_no INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE refunds (
    id               TEXT PRIMARY KEY,
    original_sale_id TEXT NOT NULL REFERENCES sales(id),
    register_id      TEXT NOT NULL REFERENCES registers(id),
    receipt_no       INTEGER NOT NULL,
    cashier          TEXT NOT NULL,
    total_minor      INTEGER NOT NULL,
    tax_minor        INTEGER NOT NULL,
    at_ms            INTEGER NOT NULL,
    journal_seq      INTEGER NOT NULL,
    UNIQUE (register_id, receipt_no)
) STRICT, WITHOUT ROWID;
CREATE INDEX refunds_by_sale ON refunds(original_sale_id);

CREATE TABLE refund_lines (
    refund_id        TEXT NOT NULL REFERENCES refunds(id),
    original_line_no INTEGER NOT NULL,
    quantity_milli   INTEGER NOT NULL,
    net_minor        INTEGER NOT NULL,
    tax_minor        INTEGER NOT NULL,
    gross_minor      INTEGER NOT NULL,
    PRIMARY KEY (refund_id, original_line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE refund_tenders (
    refund_id    TEXT NOT NULL REFERENCES refunds(id),
    payment_id   TEXT NOT NULL REFERENCES payments(id),
    kind         TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (refund_id, payment_id)
) STRICT, WITHOUT ROWID;

-- The hash-chained journal, one gapless chain per register.
CREATE TABLE journal (
    register_id       TEXT NOT NULL REFERENCES registers(id),
    seq               INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    document_id       TEXT NOT NULL,
    at_ms             INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    turnover_minor    INTEGER NOT NULL,
    grand_total_minor INTEGER NOT NULL,
    body              TEXT NOT NULL,
    prev_hash         BLOB NOT NULL,
    hash              BLOB NOT NULL,
    PRIMARY KEY (register_id, seq)
) STRICT, WITHOUT ROWID;

-- Events to push to the back end, written in the same transaction as what they describe:
-- one per document (its UUID is the event's idempotency key), pointing at its journal entry. `seq` only grows: rows are marked pushed,
-- and pruning (later) keeps the newest row so SQLite never hands out a used number again.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    pushed_ms   INTEGER
) STRICT;

-- Parked sales: the whole cart as JSON, until recalled.
CREATE TABLE parked_sales (
    id          TEXT PRIMARY KEY,
    register_id TEXT NOT NULL REFERENCES registers(id),
    parked_ms   INTEGER NOT NULL,
    body        TEXT NOT NULL
) STRICT;
"#;

/// Card payment attempts. A row is committed in state 'sent' before the first byte goes to the
/// terminal; every change of state is kept in `payment_attempt_events`, so how an attempt was
/// resolved (and by whom, after which restart) can be read back.
const SCHEMA_V2_ATTEMPTS: &str = r#"
CREATE TABLE payment_attempts (
    id              TEXT PRIMARY KEY,
    sale_id         TEXT NOT NULL,
    register_id     TEXT NOT NULL REFERENCES registers(id),
    kind            TEXT NOT NULL CHECK (kind IN ('authorization', 'refund', 'reversal')),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('sent', 'approved', 'declined', 'aborted', 'unknown', 'reversed')),
    reverses        TEXT REFERENCES payment_attempts(id),
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    result_code     INTEGER,
    reason          TEXT,
    masked_pan      TEXT,
    card_type       TEXT,
    terminal_id     TEXT,
    trace_no        INTEGER,
    card_receipt_no INTEGER,
    slip            TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX attempts_unresolved ON payment_attempts(state) WHERE state IN ('sent', 'unknown');
CREATE INDEX attempts_by_sale ON payment_attempts(sale_id);
CREATE INDEX attempts_by_trace ON payment_attempts(terminal_id, trace_no) WHERE trace_no IS NOT NULL;

CREATE TABLE payment_attempt_events (
    attempt_id  TEXT NOT NULL REFERENCES payment_attempts(id),
    seq         INTEGER NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (attempt_id, seq)
) STRICT, WITHOUT ROWID;
"#;

/// One terminal transaction belongs to at most one attempt: the database refuses a second
/// claim even when two registers race to make it.
const SCHEMA_V3_UNIQUE_TRACE: &str = r#"
DROP INDEX attempts_by_trace;
CREATE UNIQUE INDEX attempts_by_trace ON payment_attempts(terminal_id, trace_no) WHERE trace_no IS NOT NULL;
"#;

/// Durable print jobs: the receipt of a sale or refund is queued in the document's own
/// transaction; a reprint is a further copy number of the same document.
const SCHEMA_V4_PRINT_JOBS: &str = r#"
CREATE TABLE print_jobs (
    seq           INTEGER PRIMARY KEY,
    document_id   TEXT NOT NULL,
    document_kind TEXT NOT NULL CHECK (document_kind IN ('sale', 'refund')),
    register_id   TEXT NOT NULL REFERENCES registers(id),
    copy_no       INTEGER NOT NULL CHECK (copy_no >= 0),
    mark_copy     INTEGER NOT NULL CHECK (mark_copy IN (0, 1)),
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'done', 'held')),
    attempts      INTEGER NOT NULL CHECK (attempts >= 0),
    last_error    TEXT,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    UNIQUE (document_id, copy_no)
) STRICT;
CREATE INDEX print_jobs_open ON print_jobs(register_id, seq) WHERE state != 'done';
"#;

/// Staff: a PIN is kept only as its argon2id hash (PHC string with its own salt).
const SCHEMA_V5_STAFF: &str = r#"
CREATE TABLE staff (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    role     TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'technician', 'admin')),
    pin_hash TEXT NOT NULL CHECK (pin_hash LIKE '$argon2id$%'),
    active   INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;
"#;

/// The sale in progress on each register, saved after every change, so a crash or a power
/// cut mid-sale (say, right after the card terminal approved) brings it back as it was.
/// Removed in the transaction that commits the sale.
const SCHEMA_V6_OPEN_SALES: &str = r#"
CREATE TABLE open_sales (
    register_id TEXT PRIMARY KEY REFERENCES registers(id),
    sale_id     TEXT NOT NULL,
    saved_ms    INTEGER NOT NULL,
    body        TEXT NOT NULL
) STRICT;
"#;

/// The day's figures and its close. `report_periods` holds each register's running totals since
/// its last Z (added to in the transaction of every document they count); `z_reports` the
/// closed days under gapless numbers; `drawers` each drawer from its float to its blind count,
/// with the cash it should hold kept current; `pin_guard` the failed PIN entries per register.
const SCHEMA_V7_DAY_CLOSE: &str = r#"
CREATE TABLE report_periods (
    register_id TEXT PRIMARY KEY REFERENCES registers(id),
    z_no        INTEGER NOT NULL CHECK (z_no >= 1),
    opened_ms   INTEGER NOT NULL,
    totals      TEXT NOT NULL
) STRICT;

CREATE TABLE z_reports (
    register_id TEXT NOT NULL REFERENCES registers(id),
    z_no        INTEGER NOT NULL CHECK (z_no >= 1),
    id          TEXT NOT NULL UNIQUE,
    opened_ms   INTEGER NOT NULL,
    closed_ms   INTEGER NOT NULL,
    closed_by   TEXT NOT NULL,
    body        TEXT NOT NULL,
    journal_seq INTEGER NOT NULL,
    PRIMARY KEY (register_id, z_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE drawers (
    id             TEXT PRIMARY KEY,
    register_id    TEXT NOT NULL REFERENCES registers(id),
    opened_by      TEXT NOT NULL,
    opened_ms      INTEGER NOT NULL,
    float_count    TEXT NOT NULL,
    float_minor    INTEGER NOT NULL CHECK (float_minor >= 0),
    expected_minor INTEGER NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    closed_by      TEXT,
    closed_ms      INTEGER,
    counted        TEXT,
    counted_minor  INTEGER
) STRICT;
CREATE UNIQUE INDEX one_open_drawer ON drawers(register_id) WHERE state = 'open';
-- A retried cash movement is found by its id in the journal without reading it all.
CREATE INDEX journal_by_document ON journal(document_id);

CREATE TABLE pin_guard (
    register_id     TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL CHECK (failures >= 0),
    locked_until_ms INTEGER NOT NULL
) STRICT;
"#;

/// The back end: each outbox row gets its own event id (a payment attempt has a row per state
/// under one document id), unpushed rows are found by an index, and the pairing is kept.
/// Before V8 no-sales and reprints were journaled without an outbox row, and nothing was ever
/// pushed: the outbox is rebuilt with a row for every journal entry, in the order things
/// happened (each register's entries in chain order), and rows from before get a random
/// v4-style id.
const SCHEMA_V8_SYNC: &str = r#"
INSERT INTO outbox(kind, document_id, payload, created_ms)
SELECT CASE j.kind WHEN 'reprint' THEN 'receipt.reprint'
                   WHEN 'cash_movement' THEN 'cash.' || COALESCE(json_extract(j.body, '$.movement'), 'movement')
                   ELSE 'journal.' || j.kind END,
       j.document_id, json_object('register_id', j.register_id, 'journal_seq', j.seq), j.at_ms
  FROM journal j
 WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE json_extract(o.payload, '$.register_id') = j.register_id
                                            AND json_extract(o.payload, '$.journal_seq') = j.seq)
 ORDER BY j.register_id, j.seq;
CREATE TABLE outbox_v8 (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    pushed_ms   INTEGER,
    event_id    TEXT NOT NULL
) STRICT;
INSERT INTO outbox_v8(kind, document_id, payload, created_ms, pushed_ms, event_id)
SELECT kind, document_id, payload, created_ms, pushed_ms, lower(
    hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
    substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
  FROM outbox
 ORDER BY created_ms, COALESCE(json_extract(payload, '$.register_id'), ''), COALESCE(json_extract(payload, '$.journal_seq'), 0), seq;
DROP TABLE outbox;
ALTER TABLE outbox_v8 RENAME TO outbox;
CREATE UNIQUE INDEX outbox_event_id ON outbox(event_id);
CREATE INDEX outbox_unpushed ON outbox(seq) WHERE pushed_ms IS NULL;

-- The pairing with the back end: one row. `seq_base` is the outbox sequence before the
-- device's first event (events pushed under an earlier pairing are not sent again).
CREATE TABLE sync_pairing (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_url   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    token        TEXT NOT NULL,
    store_id     TEXT NOT NULL,
    register_id  TEXT NOT NULL,
    register_name TEXT NOT NULL,
    seq_base     INTEGER NOT NULL CHECK (seq_base >= 0),
    paired_ms    INTEGER NOT NULL,
    revoked_ms   INTEGER
) STRICT;
"#;

/// Pulling from the back end: how far the till has applied the store's revisions (its cursor)
/// and the newest the server had then (for the first sync's progress), reset by a new pairing.
/// The outbox reads a sale's stock movements by document to send them with it. A back end with
/// its own certificate is trusted by that certificate, kept with the pairing.
const SCHEMA_V9_PULL: &str = r#"
ALTER TABLE sync_pairing ADD COLUMN pull_cursor INTEGER NOT NULL DEFAULT 0 CHECK (pull_cursor >= 0);
ALTER TABLE sync_pairing ADD COLUMN pull_head INTEGER NOT NULL DEFAULT 0 CHECK (pull_head >= 0);
-- The certificate (PEM) the till trusts for this back end besides the system's roots: a
-- store's own server with a self-signed certificate.
ALTER TABLE sync_pairing ADD COLUMN server_ca_pem TEXT;
CREATE INDEX stock_by_document ON stock_movements(document_id) WHERE document_id IS NOT NULL;

-- Pulled stock movements of products the till does not have yet (the product comes in a later
-- page): counted when the product arrives, never dropped.
CREATE TABLE stock_pending (
    id          TEXT PRIMARY KEY,
    sku         TEXT NOT NULL,
    delta_milli INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    at_ms       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_pending_by_sku ON stock_pending(sku);
"#;

const SCHEMA_V10_DEVICES: &str = r#"
-- The devices each register uses, as a technician set them up. Every change is journaled
-- (kind 'config'); the terminal's password is kept here and nowhere else.
CREATE TABLE device_config (
    register_id   TEXT NOT NULL REFERENCES registers(id),
    role          TEXT NOT NULL CHECK (role IN ('terminal', 'printer')),
    place         TEXT NOT NULL CHECK (length(place) BETWEEN 1 AND 512),
    protocol      TEXT NOT NULL,
    options       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    secret        TEXT,
    changed_at_ms INTEGER NOT NULL,
    changed_by    TEXT NOT NULL,
    PRIMARY KEY (register_id, role)
) STRICT, WITHOUT ROWID;
"#;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(SCHEMA_V1),
        M::up(SCHEMA_V2_ATTEMPTS),
        M::up(SCHEMA_V3_UNIQUE_TRACE),
        M::up(SCHEMA_V4_PRINT_JOBS),
        M::up(SCHEMA_V5_STAFF),
        M::up(SCHEMA_V6_OPEN_SALES),
        M::up(SCHEMA_V7_DAY_CLOSE),
        M::up(SCHEMA_V8_SYNC),
        M::up(SCHEMA_V9_PULL),
        M::up(SCHEMA_V10_DEVICES),
    ])
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrations().to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok(), "every migration must apply to an empty database");
    }

    /// A store from before V8 that journaled a no-sale and a reprint, which had no outbox row
    /// then: after V8 every entry has one, in chain order, each with its own id.
    #[test]
    fn an_older_store_gets_an_outbox_row_for_every_journal_entry_in_order() {
        let mut c = Connection::open_in_memory().expect("db");
        super::migrations().to_version(&mut c, 7).expect("V7");
        c.execute_batch(
            "INSERT INTO registers(id, name, journal_hash) VALUES ('R1', 'till', x'00');
             INSERT INTO journal VALUES ('R1', 1, 'sale', 'd1', 1000, 'EUR', 100, 100, '{}', x'00', x'01');
             INSERT INTO journal VALUES ('R1', 2, 'cash_movement', 'd2', 2000, 'EUR', 0, 100, '{\"movement\":\"no_sale\"}', x'01', x'02');
             INSERT INTO journal VALUES ('R1', 3, 'reprint', 'd1', 3000, 'EUR', 0, 100, '{}', x'02', x'03');
             INSERT INTO journal VALUES ('R1', 4, 'refund', 'd3', 4000, 'EUR', -50, 50, '{}', x'03', x'04');
             INSERT INTO outbox(kind, document_id, payload, created_ms) VALUES
               ('payment_attempt.approved', 'a1', '{\"attempt_id\":\"a1\"}', 900),
               ('sale.completed', 'd1', '{\"register_id\":\"R1\",\"journal_seq\":1}', 1000),
               ('refund.created', 'd3', '{\"register_id\":\"R1\",\"journal_seq\":4}', 4000);",
        )
        .expect("a V7 store");
        super::migrations().to_latest(&mut c).expect("V8");
        let rows: Vec<(i64, String, Option<i64>)> = c
            .prepare("SELECT seq, kind, json_extract(payload, '$.journal_seq') FROM outbox ORDER BY seq")
            .expect("query")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read");
        let expected: Vec<(i64, String, Option<i64>)> = vec![
            (1, "payment_attempt.approved".into(), None),
            (2, "sale.completed".into(), Some(1)),
            (3, "cash.no_sale".into(), Some(2)),
            (4, "receipt.reprint".into(), Some(3)),
            (5, "refund.created".into(), Some(4)),
        ];
        assert_eq!(rows, expected);
        let ids: i64 = c.query_row("SELECT COUNT(DISTINCT event_id) FROM outbox", [], |r| r.get(0)).expect("ids");
        assert_eq!(ids, 5);
    }
}

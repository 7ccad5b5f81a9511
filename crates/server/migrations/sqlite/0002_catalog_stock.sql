-- The store's data the tills pull, and its stock ledger. SQLite; keep in step with
-- ../postgres/0002_catalog_stock.sql.
--
-- `stores.rev` is the store's revision counter: every write of a tax class, product, member of
-- staff, the settings or a stock movement takes the next value(s) while holding the store's
-- row, so revisions become visible in the order they were taken and a till's cursor (the
-- highest revision it applied) never skips one.
ALTER TABLE stores ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;

ALTER TABLE staff ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
CREATE INDEX staff_by_rev ON staff(store_id, rev);
-- Staff added before revisions existed get the store's first ones, so a till pulls them too.
UPDATE staff SET rev = (SELECT COUNT(*) FROM staff s2 WHERE s2.store_id = staff.store_id AND s2.id <= staff.id);
UPDATE stores SET rev = (SELECT COUNT(*) FROM staff WHERE staff.store_id = stores.id);

CREATE TABLE tax_classes (
    store_id TEXT NOT NULL REFERENCES stores(id),
    id       TEXT NOT NULL,
    name     TEXT NOT NULL,
    rate_ppm INTEGER NOT NULL CHECK (rate_ppm BETWEEN 0 AND 1000000),
    rev      INTEGER NOT NULL,
    PRIMARY KEY (store_id, id)
) STRICT;
CREATE UNIQUE INDEX tax_classes_by_rev ON tax_classes(store_id, rev);

-- A product is never deleted, only made inactive. `barcodes` is a JSON array of the codes as
-- imported (NULL: none given yet).
CREATE TABLE products (
    store_id       TEXT NOT NULL REFERENCES stores(id),
    sku            TEXT NOT NULL,
    name           TEXT NOT NULL,
    category       TEXT,
    tax_class      TEXT NOT NULL,
    price_minor    INTEGER NOT NULL CHECK (price_minor >= 0),
    sold_by_weight INTEGER NOT NULL,
    barcodes       TEXT,
    plu            TEXT,
    active         INTEGER NOT NULL,
    rev            INTEGER NOT NULL,
    PRIMARY KEY (store_id, sku)
) STRICT;
CREATE UNIQUE INDEX products_by_rev ON products(store_id, rev);

-- Which product each code belongs to (GTINs as 14 digits, scale items as "plu:<code>"): a
-- code names one product of a store.
CREATE TABLE product_codes (
    store_id TEXT NOT NULL REFERENCES stores(id),
    code     TEXT NOT NULL,
    sku      TEXT NOT NULL,
    PRIMARY KEY (store_id, code)
) STRICT;
CREATE INDEX product_codes_by_sku ON product_codes(store_id, sku);

CREATE TABLE store_settings (
    store_id TEXT PRIMARY KEY REFERENCES stores(id),
    body     TEXT NOT NULL,
    rev      INTEGER NOT NULL
) STRICT;

-- Channels other than the tills that move stock (the online shop, goods in), each with its
-- own token, kept as SHA-256 like the devices'.
CREATE TABLE channels (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores(id),
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER,
    UNIQUE (store_id, name)
) STRICT;

-- The stock ledger: deltas in thousandths, never a quantity. A till's movements keep the id
-- the till gave them; a channel's are `<channel id>:<its idempotency key>`.
CREATE TABLE stock_movements (
    store_id    TEXT NOT NULL REFERENCES stores(id),
    id          TEXT NOT NULL,
    sku         TEXT NOT NULL,
    delta_milli INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    rev         INTEGER NOT NULL,
    PRIMARY KEY (store_id, id)
) STRICT;
CREATE UNIQUE INDEX stock_movements_by_rev ON stock_movements(store_id, rev);
CREATE INDEX stock_movements_by_sku ON stock_movements(store_id, sku);

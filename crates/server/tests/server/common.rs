use ringup_domain::journal::{ChainHead, EntryKind, JournalEntry, NewEntry, append};
use ringup_protocol::{Change, ChangePage, Event, Paired, WireJournalEntry};
use ringup_server::{AppState, Backend, Db, router};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use uuid::Uuid;

pub const T0: i64 = 1_795_000_000_000;

/// Runs `$case(Backend)` as two tests: on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(ringup_server::Backend::Sqlite).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(ringup_server::Backend::Postgres).await }) *
        }
    };
}

pub fn postgres_url() -> String {
    std::env::var("RINGUP_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh, migrated database of this back end, and what keeps it alive.
pub async fn fresh_db(backend: Backend) -> (Db, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("server.db").display());
            (Db::connect(&url).await.expect("SQLite"), Some(dir))
        }
        Backend::Postgres => {
            let base = postgres_url();
            let schema = format!("t_{}", Uuid::now_v7().simple());
            let admin = Db::connect_unmigrated(&base)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {base} is needed for this test and cannot be reached: {e}"));
            admin.execute_raw(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            (Db::connect(&url).await.expect("PostgreSQL"), None)
        }
    }
}

/// A running server on a free port, with a clock the test moves.
pub struct Server {
    pub db: Db,
    pub url: String,
    pub clock: Arc<AtomicI64>,
    pub http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    pub async fn start(backend: Backend) -> Server {
        let (db, dir) = fresh_db(backend).await;
        let clock = Arc::new(AtomicI64::new(T0));
        let c = Arc::clone(&clock);
        let state = AppState { db: db.clone(), clock: Arc::new(move || c.load(Ordering::SeqCst)) };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router(state)).await.expect("serve") });
        // reqwest is built without a default TLS provider (the terminal installs ring's).
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
        Server { db, url, clock, http: reqwest::Client::new(), _dir: dir }
    }

    pub fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    pub fn advance(&self, ms: i64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    /// A store with one register and a device paired to it.
    pub async fn paired_device(&self, store: &str) -> Paired {
        let store_id = match self.db.store_id(store).await {
            Ok(id) => id,
            Err(_) => self.db.create_store(store, self.now()).await.expect("store"),
        };
        let register =
            self.db.create_register(store_id, &format!("till {}", Uuid::now_v7()), self.now()).await.expect("register");
        let code = self.db.create_pairing_code(register, self.now()).await.expect("code");
        self.pair(&code).await.json::<Paired>().await.expect("paired")
    }

    pub async fn pair(&self, code: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/pair", self.url))
            .json(&serde_json::json!({ "code": code, "name": "front till" }))
            .send()
            .await
            .expect("send")
    }

    pub async fn push(&self, token: &str, events: &[Event]) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/events", self.url))
            .bearer_auth(token)
            .json(&serde_json::json!({ "events": events }))
            .send()
            .await
            .expect("send")
    }
}

impl Server {
    /// `GET /v1/changes` with a device token.
    pub async fn changes(&self, token: &str, after: u64, limit: usize) -> reqwest::Response {
        self.http
            .get(format!("{}/v1/changes?after={after}&limit={limit}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
    }

    /// Every change after `after`, in pages of `limit`, and the cursor reached.
    pub async fn pull_all(&self, token: &str, mut after: u64, limit: usize) -> (Vec<Change>, u64) {
        let mut all = Vec::new();
        loop {
            let page: ChangePage = self.changes(token, after, limit).await.json().await.expect("page");
            // Tax classes a page's products need may come ahead of their place (and again there).
            let in_place = |c: &Change| c.rev() > after && c.rev() <= page.cursor;
            assert!(page.changes.iter().all(|c| in_place(c) || matches!(c, Change::TaxClass { .. })));
            let ahead = page.changes.iter().take_while(|c| !in_place(c)).count();
            assert!(page.changes.len() - ahead <= limit, "at most `limit` in their place");
            assert!(page.changes[ahead..].iter().all(in_place), "only classes come ahead, at the front");
            assert!(page.changes[ahead..].windows(2).all(|w| w[0].rev() < w[1].rev()), "a page is in revision order");
            let done = page.cursor == page.head;
            after = page.cursor;
            all.extend(page.changes);
            if done {
                return (all, after);
            }
        }
    }

    /// `POST /v1/stock/movements` with a channel token.
    pub async fn post_stock(&self, token: &str, key: &str, sku: &str, delta_milli: i64) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/stock/movements", self.url))
            .bearer_auth(token)
            .json(&serde_json::json!({ "key": key, "sku": sku, "delta_milli": delta_milli, "reason": "online_order" }))
            .send()
            .await
            .expect("send")
    }

    /// A store with the standard tax class and `csv` imported.
    pub async fn catalog(&self, store: Uuid, csv: &str) {
        self.db.set_tax_class(store, "standard", "Standard rate", 190_000).await.expect("tax class");
        self.db.import_catalog_csv(store, csv.as_bytes(), |_, _| {}).await.expect("import");
    }
}

/// `n` products `P0001`… at 1,00 € with one EAN-13 each.
pub fn catalog_csv(n: usize, price: &str) -> String {
    let mut csv = String::from("sku,name,price,tax_class,barcodes\n");
    for i in 1..=n {
        csv.push_str(&format!("P{i:04},Product {i},{price},standard,{}\n", ean13(i as u64)));
    }
    csv
}

pub fn ean13(i: u64) -> String {
    let body = format!("400{:09}", i);
    let check = ringup_domain::barcode::gs1_check_digit(&body).expect("digits");
    format!("{body}{check}")
}

/// A terminal's journal and the events that carry it, as a terminal would push them.
pub struct Terminal {
    pub register: String,
    pub head: ChainHead,
    pub next_seq: u64,
    pub turnover: i64,
}

impl Terminal {
    pub fn new(register: &str) -> Terminal {
        Terminal { register: register.into(), head: ChainHead::GENESIS, next_seq: 1, turnover: 0 }
    }

    pub fn entry(&mut self, kind: EntryKind, turnover_minor: i64) -> JournalEntry {
        let entry = append(
            &self.head,
            NewEntry {
                register_id: self.register.clone(),
                kind,
                document_id: Uuid::now_v7(),
                at_unix_ms: T0,
                currency: "EUR".into(),
                turnover_minor,
                body: format!("{{\"turnover\":{turnover_minor}}}"),
            },
        )
        .expect("append");
        self.head = entry.head();
        self.turnover += turnover_minor;
        entry
    }

    pub fn event_for(&mut self, entry: &JournalEntry, kind: &str) -> Event {
        let seq = self.next_seq;
        self.next_seq += 1;
        Event {
            id: Uuid::now_v7(),
            seq,
            kind: kind.into(),
            document_id: entry.data.document_id,
            created_ms: T0,
            journal: Some(WireJournalEntry::from(entry)),
            data: serde_json::Value::Null,
        }
    }

    /// `n` sales of 1,00 € to 9,99 €.
    pub fn sales(&mut self, n: usize) -> Vec<Event> {
        (0..n)
            .map(|i| {
                let e = self.entry(EntryKind::Sale, 100 + (i as i64 * 37) % 900);
                self.event_for(&e, "sale.completed")
            })
            .collect()
    }
}

/// The tills' default settings as JSON, as the back end takes them.
pub fn settings_json() -> serde_json::Value {
    serde_json::to_value(ringup_protocol::settings::StoreSettings::default()).expect("settings")
}

/// Revisions by kind, for tests that check what a page holds.
pub fn kinds(page: &ChangePage) -> std::collections::HashMap<&'static str, usize> {
    let mut counts = std::collections::HashMap::new();
    for change in &page.changes {
        let kind = match change {
            Change::TaxClass { .. } => "tax_class",
            Change::Product { .. } => "product",
            Change::Staff { .. } => "staff",
            Change::Settings { .. } => "settings",
            Change::Stock { .. } => "stock",
        };
        *counts.entry(kind).or_insert(0) += 1;
    }
    counts
}

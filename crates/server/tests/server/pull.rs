//! The catalog import and the pull by cursor: all or nothing, page by page, a change once as
//! it is now, and never a change skipped by a cursor while writers are busy.

use crate::common::{Server, T0, Terminal, catalog_csv, ean13};
use crate::on_both;
use ringup_protocol::{ApiError, Change, ChangePage, StockMovementAnswer};
use ringup_server::Backend;
use ringup_server::repo::RepoError;
use std::collections::{BTreeMap, BTreeSet};

fn products(changes: &[Change]) -> BTreeMap<String, ringup_protocol::WireProduct> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Product { product, .. } => Some((product.sku.clone(), product.clone())),
            _ => None,
        })
        .collect()
}

async fn the_catalog_arrives_page_by_page_with_tax_classes_staff_and_settings_first(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let store = device.store_id;
    server.db.add_staff(store, "Maria", "manager", "9999", T0).await.expect("staff");
    server.db.set_settings(store, &crate::common::settings_json()).await.expect("settings");
    // Settings a till could not take are refused here, not handed on.
    let mut mars = crate::common::settings_json();
    mars["time_zone"] = "Mars/Olympus".into();
    let mut locale = crate::common::settings_json();
    locale["locale"] = "german".into();
    for bad in [serde_json::json!({ "currency": "EUR", "locale": "de-DE" }), mars, locale] {
        let refused = server.db.set_settings(store, &bad).await;
        assert!(matches!(refused, Err(RepoError::Invalid(_))), "{bad}: {refused:?}");
    }
    server.catalog(store, &catalog_csv(12, "1.00")).await;

    let (changes, cursor) = server.pull_all(&device.token, 0, 5).await;
    assert_eq!(cursor, server.db.head(store).await.expect("head"));
    let kinds = crate::common::kinds(&ChangePage { changes: changes.clone(), cursor, head: cursor });
    assert_eq!(kinds.get("staff"), Some(&1));
    assert_eq!(kinds.get("settings"), Some(&1));
    assert_eq!(kinds.get("tax_class"), Some(&1));
    assert_eq!(kinds.get("product"), Some(&12));
    // The tax class comes before the products that use it.
    let first_product = changes.iter().position(|c| matches!(c, Change::Product { .. })).expect("products");
    let class = changes.iter().position(|c| matches!(c, Change::TaxClass { .. })).expect("class");
    assert!(class < first_product);
    let p7 = &products(&changes)["P0007"];
    assert_eq!((p7.price_minor, p7.barcodes.clone(), p7.active), (100, vec![ean13(7)], true));
    match changes.iter().find(|c| matches!(c, Change::Staff { .. })) {
        Some(Change::Staff { pin_hash, role, .. }) => {
            assert!(pin_hash.starts_with("$argon2id$") && role == "manager", "{pin_hash} {role}");
        }
        other => panic!("no staff change: {other:?}"),
    }
    // Caught up: the next page is empty and keeps the cursor.
    let page: ChangePage = server.changes(&device.token, cursor, 5).await.json().await.expect("page");
    assert_eq!((page.changes.len(), page.cursor, page.head), (0, cursor, cursor));
}

async fn a_product_changed_twice_comes_once_as_it_is_now(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    server.catalog(device.store_id, &catalog_csv(3, "1.00")).await;
    let (_, cursor) = server.pull_all(&device.token, 0, 100).await;
    for price in ["1.50", "2.25"] {
        let csv = format!("sku,name,price,tax_class\nP0002,Product 2,{price},standard\n");
        let report = server.db.import_catalog_csv(device.store_id, csv.as_bytes(), |_, _| {}).await.expect("import");
        assert_eq!((report.created, report.updated), (0, 1));
    }
    let (changes, _) = server.pull_all(&device.token, cursor, 100).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    let p2 = &products(&changes)["P0002"];
    // The file had no barcodes column: the product keeps its code.
    assert_eq!((p2.price_minor, p2.barcodes.clone()), (225, vec![ean13(2)]));
    server.db.deactivate_product(device.store_id, "P0002").await.expect("deactivate");
    let (changes, _) = server.pull_all(&device.token, cursor, 100).await;
    assert!(!products(&changes)["P0002"].active);
}

async fn a_catalog_with_a_problem_changes_nothing(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    let store = device.store_id;
    server.catalog(store, &catalog_csv(3, "1.00")).await;
    let head = server.db.head(store).await.expect("head");
    // Line 3 names an unknown tax class, line 4 a bad price.
    let bad = "sku,name,price,tax_class\nN1,New,1.00,standard\nN2,New,1.00,luxury\nN3,New,abc,standard\n";
    match server.db.import_catalog_csv(store, bad.as_bytes(), |_, _| {}).await {
        Err(RepoError::Import(issues)) => {
            let named: Vec<(u64, &str)> = issues.iter().map(|i| (i.row, i.column.as_str())).collect();
            assert_eq!(named, vec![(3, "tax_class"), (4, "price")]);
        }
        other => panic!("a bad file must be refused whole: {other:?}"),
    }
    // A code another product holds: found while writing, and the whole file rolls back.
    let taken =
        format!("sku,name,price,tax_class,barcodes\nN1,New,1.00,standard,\nN2,New,1.00,standard,{}\n", ean13(1));
    match server.db.import_catalog_csv(store, taken.as_bytes(), |_, _| {}).await {
        Err(RepoError::Import(issues)) => {
            assert_eq!((issues[0].row, issues[0].column.as_str()), (3, "barcodes"));
            assert!(issues[0].message.contains("P0001"), "{}", issues[0].message);
        }
        other => panic!("a code of another product must be refused: {other:?}"),
    }
    assert_eq!(server.db.product_count(store).await.expect("count"), 3);
    assert_eq!(server.db.head(store).await.expect("head"), head);
    assert!(server.db.product(store, "N1").await.expect("read").is_none());
}

async fn a_bad_cursor_or_limit_is_refused(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    for query in ["after=-1", "limit=0", "limit=5001", "after=x", "cursor=3"] {
        let response = server
            .http
            .get(format!("{}/v1/changes?{query}", server.url))
            .bearer_auth(&device.token)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 400, "{query}");
        let error: ApiError = response.json().await.expect("error");
        assert_eq!(error.error, "invalid_input", "{query}");
    }
}

/// Writers on several connections (channel posts, till pushes, imports) while a till pulls in
/// small pages: every change reaches it exactly once, none is skipped by its cursor.
async fn a_cursor_never_skips_a_change_committed_late(backend: Backend) {
    let server = std::sync::Arc::new(Server::start(backend).await);
    let device = server.paired_device("Corner shop").await;
    let store = device.store_id;
    server.catalog(store, &catalog_csv(5, "1.00")).await;
    let (_, token) = server.db.create_channel(store, "Online shop", T0).await.expect("channel");
    let mut writers = Vec::new();
    for w in 0..4 {
        let (server, token) = (std::sync::Arc::clone(&server), token.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..25 {
                let response =
                    server.post_stock(&token, &format!("w{w}-{i}"), &format!("P000{}", 1 + (i % 5)), -1000).await;
                let answer: StockMovementAnswer = response.json().await.expect("answer");
                assert!(answer.created);
            }
        }));
    }
    let pusher = {
        let (server, token) = (std::sync::Arc::clone(&server), device.token.clone());
        tokio::spawn(async move {
            let mut till = Terminal::new("R1");
            for i in 0..10 {
                let mut events = till.sales(3);
                for (j, e) in events.iter_mut().enumerate() {
                    e.data = serde_json::json!({ "stock": [{ "id": format!("{}:1", e.document_id), "sku": "P0003",
                        "delta_milli": -2000, "reason": "sale", "at_ms": T0 + (i * 3 + j) as i64 }] });
                }
                assert_eq!(server.push(&token, &events).await.status().as_u16(), 200);
            }
        })
    };
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    let mut finished = false;
    while !finished {
        finished = writers.iter().all(|w| w.is_finished()) && pusher.is_finished();
        let (changes, reached) = server.pull_all(&device.token, cursor, 7).await;
        for change in changes {
            if let Change::Stock { movement, .. } = change {
                assert!(seen.insert(movement.id.clone()), "{} pulled twice", movement.id);
            }
        }
        cursor = reached;
    }
    for w in writers {
        w.await.expect("writer");
    }
    pusher.await.expect("pusher");
    let (rest, _) = server.pull_all(&device.token, cursor, 7).await;
    assert!(rest.is_empty(), "everything was pulled: {rest:?}");
    assert_eq!(seen.len(), 4 * 25 + 30);
    assert_eq!(server.db.movement_count(store).await.expect("count"), 130);
    // Each of P0001..P0005 lost 20 units to the channel; P0003 also 60 to the till.
    assert_eq!(server.db.stock_milli(store, "P0003").await.expect("stock"), -80_000);
    assert_eq!(server.db.stock_milli(store, "P0001").await.expect("stock"), -20_000);
}

/// A tax rate changed after the products that use it: a till that never had the class gets it
/// ahead of the first page of products that needs it.
async fn a_class_changed_after_its_products_comes_ahead_of_them(backend: Backend) {
    let server = Server::start(backend).await;
    let device = server.paired_device("Corner shop").await;
    server.catalog(device.store_id, &catalog_csv(4, "1.00")).await;
    server.db.set_tax_class(device.store_id, "standard", "Standard rate", 200_000).await.expect("new rate");
    let page: ChangePage = server.changes(&device.token, 0, 2).await.json().await.expect("page");
    match &page.changes[0] {
        Change::TaxClass { id, rate_ppm, rev, .. } => {
            assert_eq!((id.as_str(), *rate_ppm), ("standard", 200_000));
            assert!(*rev > page.cursor, "it is ahead of its place");
        }
        other => panic!("the class must come first: {other:?}"),
    }
    assert_eq!(page.changes.len(), 3, "the class and two products: {:?}", page.changes);
    let (all, _) = server.pull_all(&device.token, 0, 2).await;
    let classes = all.iter().filter(|c| matches!(c, Change::TaxClass { .. })).count();
    assert!(classes >= 2, "ahead, and again in its place");
}

on_both!(
    a_class_changed_after_its_products_comes_ahead_of_them,
    the_catalog_arrives_page_by_page_with_tax_classes_staff_and_settings_first,
    a_product_changed_twice_comes_once_as_it_is_now,
    a_catalog_with_a_problem_changes_nothing,
    a_bad_cursor_or_limit_is_refused,
    a_cursor_never_skips_a_change_committed_late,
);

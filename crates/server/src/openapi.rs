//! The OpenAPI 3.1 document of `/v1`, served at `/v1/openapi.json`. Written by hand from the
//! protocol's types (no derive crate covers axum 0.8 and sqlx's types without pulling in a
//! framework); a test checks that its paths are exactly the router's routes.

use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ApiError" } } } })
}

fn ok(schema: &str) -> Value {
    json!({ "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

/// The events sent to subscribers (`ringup-server webhook add`), as OpenAPI 3.1 webhooks.
fn webhooks() -> Value {
    let headers = json!([
        { "name": "Ringup-Event-Id", "in": "header", "required": true, "schema": { "type": "string" },
          "description": "The event's id, the same on every retry: de-duplicate by it" },
        { "name": "Ringup-Event-Type", "in": "header", "required": true, "schema": { "type": "string" } },
        { "name": "Ringup-Timestamp", "in": "header", "required": true, "schema": { "type": "integer" },
          "description": "Unix seconds when this attempt was made" },
        { "name": "Ringup-Signature", "in": "header", "required": true, "schema": { "type": "string" },
          "description": "v1=<hex HMAC-SHA256 of \"<timestamp>.<body>\" under the subscriber's secret>" } ]);
    let mut hooks = serde_json::Map::new();
    for event in crate::webhooks::EVENT_TYPES {
        hooks.insert((*event).to_string(), json!({ "post": {
            "summary": format!("{event}: delivered at least once, retried with exponential backoff up to a bounded number of attempts"),
            "parameters": headers.clone(),
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "required": ["id", "type", "store_id", "created_ms", "data"], "properties": {
                    "id": { "type": "string" }, "type": { "const": event }, "store_id": { "type": "string", "format": "uuid" },
                    "created_ms": { "type": "integer" }, "data": { "type": "object" } } } } } },
            "responses": { "2XX": { "description": "Delivered; anything else is retried" } } } }));
    }
    Value::Object(hooks)
}

pub fn document() -> Value {
    let unauthorized =
        error_response("Missing, unknown or revoked device token (`missing_token`, `unknown_token`, `device_revoked`)");
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Ringup back end", "version": env!("CARGO_PKG_VERSION") },
        "components": {
            "securitySchemes": {
                "device": { "type": "http", "scheme": "bearer", "description": "The device token from pairing" },
                "channel": { "type": "http", "scheme": "bearer", "description": "A channel's token from `ringup-server channel create`" } },
            "schemas": {
                "ApiError": { "type": "object", "required": ["error", "message"], "properties": {
                    "error": { "type": "string" }, "message": { "type": "string" } } },
                "PairRequest": { "type": "object", "required": ["code"], "additionalProperties": false, "properties": {
                    "code": { "type": "string", "minLength": 8, "description": "The one-time code from `ringup-server pair-code`" },
                    "name": { "type": ["string", "null"] },
                    "token_sha256": { "type": ["string", "null"], "pattern": "^[0-9a-f]{64}$",
                        "description": "SHA-256 of a token the terminal made: the same code and hash again answers the same device" } } },
                "Paired": { "type": "object", "required": ["device_id", "token", "store_id", "register_id", "register_name"], "properties": {
                    "device_id": { "type": "string", "format": "uuid" }, "token": { "type": "string" },
                    "store_id": { "type": "string", "format": "uuid" }, "register_id": { "type": "string", "format": "uuid" },
                    "register_name": { "type": "string" } } },
                "DeviceInfo": { "type": "object", "required": ["device_id", "store_id", "register_id", "high_seq"], "properties": {
                    "device_id": { "type": "string", "format": "uuid" }, "store_id": { "type": "string", "format": "uuid" },
                    "register_id": { "type": "string", "format": "uuid" }, "high_seq": { "type": "integer", "minimum": 0 } } },
                "JournalEntry": { "type": "object", "additionalProperties": false,
                    "required": ["register_id", "seq", "kind", "document_id", "at_ms", "currency", "turnover_minor", "grand_total_minor", "body", "prev_hash", "hash"],
                    "properties": {
                        "register_id": { "type": "string" }, "seq": { "type": "integer", "minimum": 1 },
                        "kind": { "enum": ["sale", "void", "refund", "cash_movement", "close", "reprint", "config"] },
                        "document_id": { "type": "string", "format": "uuid" }, "at_ms": { "type": "integer" },
                        "currency": { "type": "string" }, "turnover_minor": { "type": "integer" },
                        "grand_total_minor": { "type": "integer" }, "body": { "type": "string" },
                        "prev_hash": { "type": "string", "pattern": "^[0-9a-f]{64}$" }, "hash": { "type": "string", "pattern": "^[0-9a-f]{64}$" } } },
                "Event": { "type": "object", "additionalProperties": false, "required": ["id", "seq", "kind", "document_id", "created_ms"], "properties": {
                    "id": { "type": "string", "format": "uuid", "description": "Idempotency key" },
                    "seq": { "type": "integer", "minimum": 1, "description": "The device's gapless sequence" },
                    "kind": { "type": "string" }, "document_id": { "type": "string", "format": "uuid" },
                    "created_ms": { "type": "integer" },
                    "journal": { "oneOf": [{ "$ref": "#/components/schemas/JournalEntry" }, { "type": "null" }] },
                    "data": {} } },
                "PushRequest": { "type": "object", "required": ["events"], "additionalProperties": false, "properties": {
                    "events": { "type": "array", "maxItems": ringup_protocol::MAX_BATCH_EVENTS, "items": { "$ref": "#/components/schemas/Event" } } } },
                "PushAnswer": { "type": "object", "required": ["high_seq", "applied", "duplicates"], "properties": {
                    "high_seq": { "type": "integer", "minimum": 0 }, "applied": { "type": "integer" },
                    "duplicates": { "type": "integer" }, "gap": { "type": ["integer", "null"] } } },
                "Product": { "type": "object", "additionalProperties": false,
                    "required": ["sku", "name", "tax_class", "price_minor", "active"], "properties": {
                    "sku": { "type": "string" }, "name": { "type": "string" }, "category": { "type": ["string", "null"] },
                    "tax_class": { "type": "string" }, "price_minor": { "type": "integer", "minimum": 0 },
                    "sold_by_weight": { "type": "boolean" }, "barcodes": { "type": "array", "items": { "type": "string" } },
                    "plu": { "type": ["string", "null"] }, "active": { "type": "boolean" } } },
                "StockMovement": { "type": "object", "additionalProperties": false,
                    "required": ["id", "sku", "delta_milli", "reason", "at_ms"], "properties": {
                    "id": { "type": "string" }, "sku": { "type": "string" },
                    "delta_milli": { "type": "integer", "description": "Thousandths of a unit; negative when stock leaves" },
                    "reason": { "type": "string" }, "at_ms": { "type": "integer" } } },
                "Change": { "type": "object", "required": ["type", "rev"], "description": "One change with the store revision that made it", "oneOf": [
                    { "properties": { "type": { "const": "tax_class" }, "rev": { "type": "integer" }, "id": { "type": "string" },
                        "name": { "type": "string" }, "rate_ppm": { "type": "integer", "minimum": 0, "maximum": 1_000_000 } },
                      "required": ["id", "name", "rate_ppm"] },
                    { "properties": { "type": { "const": "product" }, "rev": { "type": "integer" },
                        "product": { "$ref": "#/components/schemas/Product" } }, "required": ["product"] },
                    { "properties": { "type": { "const": "staff" }, "rev": { "type": "integer" }, "id": { "type": "string" },
                        "name": { "type": "string" }, "role": { "enum": ["cashier", "manager", "technician", "admin"] },
                        "pin_hash": { "type": "string", "description": "argon2id PHC string" }, "active": { "type": "boolean" } },
                      "required": ["id", "name", "role", "pin_hash", "active"] },
                    { "properties": { "type": { "const": "settings" }, "rev": { "type": "integer" }, "settings": { "type": "object" } },
                      "required": ["settings"] },
                    { "properties": { "type": { "const": "stock" }, "rev": { "type": "integer" },
                        "movement": { "$ref": "#/components/schemas/StockMovement" } }, "required": ["movement"] } ] },
                "ChangePage": { "type": "object", "required": ["changes", "cursor", "head"], "properties": {
                    "changes": { "type": "array", "items": { "$ref": "#/components/schemas/Change" },
                        "description": "At most `limit` changes in revision order, after any tax classes the page's products need that were changed later (they come again in their place)" },
                    "cursor": { "type": "integer", "description": "Ask for `after=cursor` next" },
                    "head": { "type": "integer", "description": "The store's newest revision: caught up when cursor = head" } } },
                "StockMovementRequest": { "type": "object", "additionalProperties": false,
                    "required": ["key", "sku", "delta_milli", "reason"], "properties": {
                    "key": { "type": "string", "minLength": 1, "maxLength": ringup_protocol::pull::MAX_KEY_CHARS,
                             "description": "Idempotency key: the same key again changes nothing" },
                    "sku": { "type": "string" }, "delta_milli": { "type": "integer", "not": { "const": 0 } },
                    "reason": { "type": "string", "minLength": 1, "maxLength": 50 } } },
                "StockMovementAnswer": { "type": "object", "required": ["id", "created", "stock_milli", "rev"], "properties": {
                    "id": { "type": "string" }, "created": { "type": "boolean", "description": "False when the key was seen before" },
                    "stock_milli": { "type": "integer" }, "rev": { "type": "integer" } } }
            }
        },
        "webhooks": webhooks(),
        "paths": {
            "/v1/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OK" } } } },
            "/v1/pair": { "post": {
                "summary": "Exchange a one-time pairing code for a device id and token",
                "requestBody": body("PairRequest"),
                "responses": { "200": ok("Paired"), "400": error_response("Malformed request"),
                               "403": error_response("Unknown, used or expired code (`pairing_code_invalid`)") } } },
            "/v1/device": { "get": {
                "summary": "The calling device and the highest event sequence held from it",
                "security": [{ "device": [] }],
                "responses": { "200": ok("DeviceInfo"), "401": unauthorized.clone() } } },
            "/v1/events": { "post": {
                "summary": "Push a batch of outbox events; applied once each, in sequence order",
                "security": [{ "device": [] }],
                "requestBody": body("PushRequest"),
                "responses": { "200": ok("PushAnswer"), "400": error_response("Malformed batch"),
                               "401": unauthorized.clone(), "413": error_response("Body over the size limit (`too_large`)") } } },
            "/v1/changes": { "get": {
                "summary": "What changed in the store after a revision: tax classes, products, staff, settings, stock movements",
                "security": [{ "device": [] }],
                "parameters": [
                    { "name": "after", "in": "query", "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1,
                      "maximum": ringup_protocol::MAX_CHANGES, "default": ringup_protocol::MAX_CHANGES } } ],
                "responses": { "200": ok("ChangePage"), "400": error_response("Bad cursor or limit"), "401": unauthorized } } },
            "/v1/stock/movements": { "post": {
                "summary": "Move stock from another channel (the online shop), once per idempotency key",
                "security": [{ "channel": [] }],
                "requestBody": body("StockMovementRequest"),
                "responses": { "200": ok("StockMovementAnswer"), "400": error_response("Malformed movement"),
                               "401": error_response("Missing, unknown or revoked channel token (`missing_token`, `unknown_token`, `channel_revoked`)"),
                               "404": error_response("No such product"),
                               "409": error_response("The key was used for another movement (`conflict`)") } } }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_document_lists_exactly_the_routes() {
        let doc = document();
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                documented.insert((method.clone(), path.clone()));
            }
        }
        let routed: BTreeSet<_> =
            crate::api::ROUTES.iter().map(|(m, p)| ((*m).to_string(), (*p).to_string())).collect();
        assert_eq!(documented, routed);
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().expect("name");
            assert!(doc["components"]["schemas"].get(name).is_some(), "{name} is referenced but not defined");
        }
    }
}

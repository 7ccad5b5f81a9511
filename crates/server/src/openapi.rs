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

pub fn document() -> Value {
    let unauthorized =
        error_response("Missing, unknown or revoked device token (`missing_token`, `unknown_token`, `device_revoked`)");
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Ringup back end", "version": env!("CARGO_PKG_VERSION") },
        "components": {
            "securitySchemes": { "device": { "type": "http", "scheme": "bearer", "description": "The device token from pairing" } },
            "schemas": {
                "ApiError": { "type": "object", "required": ["error", "message"], "properties": {
                    "error": { "type": "string" }, "message": { "type": "string" } } },
                "PairRequest": { "type": "object", "required": ["code"], "additionalProperties": false, "properties": {
                    "code": { "type": "string", "minLength": 8, "description": "The one-time code from `ringup-server pair-code`" },
                    "name": { "type": ["string", "null"] } } },
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
                        "kind": { "enum": ["sale", "void", "refund", "cash_movement", "close", "reprint"] },
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
                    "duplicates": { "type": "integer" }, "gap": { "type": ["integer", "null"] } } }
            }
        },
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
                               "401": unauthorized, "413": error_response("Body over the size limit (`too_large`)") } } }
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

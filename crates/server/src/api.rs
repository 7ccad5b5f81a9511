//! The HTTP API under `/v1`: JSON in and out, every error as [`ApiError`] with a stable code.
//! Device endpoints take `Authorization: Bearer <token>`; the token is looked up by its hash.

use crate::db::Db;
use crate::repo::{Device, RepoError};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringup_protocol::{ApiError, DeviceInfo, MAX_BODY_BYTES, PairRequest, Paired, PushAnswer, PushRequest};
use std::sync::Arc;

/// The clock the server stamps with: Unix milliseconds. Tests pass their own.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
}

/// Every route of the API; the OpenAPI document lists exactly these (a test holds them equal).
pub const ROUTES: &[(&str, &str)] =
    &[("get", "/v1/openapi.json"), ("post", "/v1/pair"), ("get", "/v1/device"), ("post", "/v1/events")];

pub fn router(state: AppState) -> Router {
    router_with_body_limit(state, MAX_BODY_BYTES)
}

/// The router with another request size limit (tests of what a till does at the limit).
pub fn router_with_body_limit(state: AppState, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/pair", post(pair))
        .route("/v1/device", get(device))
        .route("/v1/events", post(push))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
}

/// An error as the API answers it.
#[derive(Debug)]
pub struct Failure(StatusCode, ApiError);

impl Failure {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Failure {
        Failure(status, ApiError { error: code.to_string(), message: message.into() })
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<RepoError> for Failure {
    fn from(e: RepoError) -> Failure {
        match e {
            RepoError::NotFound(m) => Failure::new(StatusCode::NOT_FOUND, "not_found", m),
            RepoError::Invalid(m) => Failure::new(StatusCode::BAD_REQUEST, "invalid_input", m),
            RepoError::Conflict(m) => Failure::new(StatusCode::CONFLICT, "conflict", m),
            RepoError::Code(m) => Failure::new(StatusCode::FORBIDDEN, "pairing_code_invalid", m),
            RepoError::Unauthorized { code, message } => Failure::new(StatusCode::UNAUTHORIZED, code, message),
            RepoError::Db(e) => {
                tracing::error!("database: {e}");
                Failure::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage",
                    "the server cannot reach its database; try again",
                )
            }
        }
    }
}

impl From<JsonRejection> for Failure {
    fn from(e: JsonRejection) -> Failure {
        let status = e.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "invalid_input" };
        Failure::new(status, code, e.body_text())
    }
}

impl FromRequestParts<AppState> for Device {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Device, Failure> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "this call needs the device token: Authorization: Bearer <token>",
            ));
        };
        Ok(state.db.device_by_token(token).await?)
    }
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

async fn not_found() -> Failure {
    Failure::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see /v1/openapi.json")
}

async fn pair(
    State(state): State<AppState>,
    body: Result<Json<PairRequest>, JsonRejection>,
) -> Result<Json<Paired>, Failure> {
    let Json(request) = body?;
    let paired = state.db.pair(&request.code, request.name.as_deref(), (state.clock)()).await?;
    tracing::info!(device = %paired.device_id, register = %paired.register_id, "device paired");
    Ok(Json(paired))
}

async fn device(State(state): State<AppState>, device: Device) -> Result<Json<DeviceInfo>, Failure> {
    Ok(Json(state.db.device_info(&device).await?))
}

async fn push(
    State(state): State<AppState>,
    device: Device,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> Result<Json<PushAnswer>, Failure> {
    let Json(request) = body?;
    let answer = state.db.push(&device, request.events, (state.clock)()).await?;
    if let Some(expected) = answer.gap {
        tracing::warn!(device = %device.id, expected, "a push skipped sequences; the device re-sends");
    }
    Ok(Json(answer))
}

//! The HTTP API under `/v1`: JSON in and out, every error as [`ApiError`] with a stable code.
//! Device endpoints take `Authorization: Bearer <token>`; the token is looked up by its hash.

use crate::db::Db;
use crate::repo::{Device, RepoError};
use crate::stock::Channel;
use axum::extract::rejection::JsonRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ringup_protocol::{
    ApiError, ChangePage, DeviceInfo, MAX_BODY_BYTES, MAX_CHANGES, PairRequest, Paired, PushAnswer, PushRequest,
    StockMovementAnswer, StockMovementRequest,
};
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
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/openapi.json"),
    ("post", "/v1/pair"),
    ("get", "/v1/device"),
    ("post", "/v1/events"),
    ("get", "/v1/changes"),
    ("post", "/v1/stock/movements"),
];

/// The routes a channel token (not a device's) opens.
pub const CHANNEL_ROUTES: &[(&str, &str)] = &[("post", "/v1/stock/movements")];

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
        .route("/v1/changes", get(changes))
        .route("/v1/stock/movements", post(stock_movement))
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
            RepoError::Import(issues) => {
                let message = crate::catalog::describe_issues(&issues, 10);
                Failure::new(StatusCode::BAD_REQUEST, "invalid_input", message)
            }
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

/// The bearer token of a request, or the answer that it has none.
fn bearer<'a>(parts: &'a Parts, whose: &str) -> Result<&'a str, Failure> {
    let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let token = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim).filter(|t| !t.is_empty());
    token.ok_or_else(|| {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "missing_token",
            format!("this call needs the {whose} token: Authorization: Bearer <token>"),
        )
    })
}

impl FromRequestParts<AppState> for Device {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Device, Failure> {
        Ok(state.db.device_by_token(bearer(parts, "device")?).await?)
    }
}

impl FromRequestParts<AppState> for Channel {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Channel, Failure> {
        Ok(state.db.channel_by_token(bearer(parts, "channel")?).await?)
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
    let paired = state
        .db
        .pair_with_key(&request.code, request.name.as_deref(), request.token_sha256.as_deref(), (state.clock)())
        .await?;
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

/// `GET /v1/changes?after=&limit=`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    #[serde(default)]
    pub after: u64,
    #[serde(default)]
    pub limit: Option<usize>,
}

impl From<QueryRejection> for Failure {
    fn from(e: QueryRejection) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "invalid_input", e.body_text())
    }
}

async fn changes(
    State(state): State<AppState>,
    device: Device,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<ChangePage>, Failure> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(MAX_CHANGES);
    if limit == 0 || limit > MAX_CHANGES {
        return Err(Failure::new(StatusCode::BAD_REQUEST, "invalid_input", format!("limit is 1 to {MAX_CHANGES}")));
    }
    Ok(Json(state.db.changes(device.store_id, query.after, limit).await?))
}

async fn stock_movement(
    State(state): State<AppState>,
    channel: Channel,
    body: Result<Json<StockMovementRequest>, JsonRejection>,
) -> Result<Json<StockMovementAnswer>, Failure> {
    let Json(request) = body?;
    Ok(Json(state.db.post_stock_movement(&channel, &request, (state.clock)()).await?))
}

//! The API's one error type, rendered as `{"error":{"code","message","fields"}}`
//! with the right status. A 5xx never carries internals: they go to the log.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lockstep_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, for example `not_found`, `invalid_input`, `invalid_transition`.
    pub code: String,
    pub message: String,
    /// Per-field messages, keyed by the field's JSON path.
    pub fields: BTreeMap<String, String>,
    /// For `invalid_transition`: the states allowed next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

/// An error an API or page handler returns.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    /// For 429: seconds until a retry may succeed, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: ErrorDetail {
                code: code.into(),
                message: message.into(),
                fields: BTreeMap::new(),
                allowed: None,
            },
            retry_after: None,
        }
    }

    /// 429 with `Retry-After`.
    pub fn too_many(message: impl Into<String>, retry_after_seconds: u64) -> Self {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
        e.retry_after = Some(retry_after_seconds);
        e
    }

    pub fn field(status: StatusCode, code: &str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = ApiError::new(status, code, format!("{field}: {message}"));
        e.detail.fields.insert(field.to_owned(), message);
        e
    }

    /// The case (or other thing) does not exist, or the actor may not know it does.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in or send an API token (Authorization: Bearer ...)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {err}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has details",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Invalid { field, message } => {
                ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", &field, message)
            }
            StoreError::Duplicate { field, message } => {
                ApiError::field(StatusCode::CONFLICT, "duplicate", &field, message)
            }
            StoreError::QuotaExceeded(message) => {
                ApiError::field(StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded", "body", message)
            }
            StoreError::Transition(t) => {
                let mut err = ApiError::new(StatusCode::CONFLICT, "invalid_transition", t.to_string());
                err.detail.allowed = Some(t.allowed.clone());
                err
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(ErrorBody { error: self.detail })).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        response
    }
}

/// Every unknown path is a plain 404 in the error shape.
pub async fn not_found() -> ApiError {
    ApiError::not_found("page")
}

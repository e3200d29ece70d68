//! The one error type of the HTTP layer and its JSON form, `{"error":{"code","message"}}`.

use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use telegram_relay_api::{ErrorBody, ErrorCode, ErrorDetail};

use crate::store::StoreError;

/// Everything a request can fail with. Messages name the bad input and the fix; internal errors are
/// logged in full and answered with a generic message.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `bad_request`.
    #[error("{0}")]
    BadRequest(String),
    /// 400 `invalid_json`.
    #[error("{0}")]
    InvalidJson(String),
    /// 400 `invalid_sender_id`.
    #[error("{0}")]
    InvalidSenderId(String),
    /// 400 `invalid_cursor`.
    #[error("{0}")]
    InvalidCursor(String),
    /// 401 `unauthorized`.
    #[error("{0}")]
    Unauthorized(String),
    /// 404 `not_found`.
    #[error("{0}")]
    NotFound(String),
    /// 405 `method_not_allowed`.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 413 `payload_too_large`.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415 `unsupported_media_type`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 500 `internal` (or 503 when the storage is closing).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 503 `unavailable`: the relay cannot do its job (the database takes no writes); the message
    /// says why, for the operator's monitoring.
    #[error("{0}")]
    Unhealthy(String),
    /// 429 `rate_limited`: this install token made too many requests; retry after this many seconds.
    #[error(
        "this install token made more requests than the relay allows per minute; retry in {0} s"
    )]
    RateLimited(u64),
    /// 500 `internal`: a blocking task failed.
    #[error("a worker task failed: {0}")]
    Task(String),
    /// Any other code, with its message and, for 429s, `Retry-After` seconds.
    #[error("{1}")]
    Coded(ErrorCode, String, Option<u64>),
}

impl ApiError {
    fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::InvalidJson(_) => ErrorCode::InvalidJson,
            ApiError::InvalidSenderId(_) => ErrorCode::InvalidSenderId,
            ApiError::InvalidCursor(_) => ErrorCode::InvalidCursor,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::Store(StoreError::Closed) | ApiError::Unhealthy(_) => ErrorCode::Unavailable,
            ApiError::RateLimited(_) => ErrorCode::RateLimited,
            ApiError::Store(_) | ApiError::Task(_) => ErrorCode::Internal,
            ApiError::Coded(code, _, _) => *code,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let message = match &self {
            ApiError::Store(StoreError::Closed) => "the relay is shutting down; retry".to_owned(),
            ApiError::Store(_) | ApiError::Task(_) => {
                tracing::error!(error = %self, "request failed");
                "the relay failed to answer; its logs say why".to_owned()
            }
            other => other.to_string(),
        };
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = match &self {
            ApiError::RateLimited(secs) | ApiError::Coded(_, _, Some(secs)) => Some(*secs),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail { code, message },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
                "the body is larger than this relay accepts ({})",
                rejection.body_text()
            )),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
                "send the body with `Content-Type: application/json`".into(),
            ),
            _ => ApiError::InvalidJson(rejection.body_text()),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> ApiError {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
                "the body is larger than this relay accepts ({})",
                rejection.body_text()
            )),
            _ => ApiError::BadRequest(rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::BadRequest(format!(
            "{}; `limit` is a whole number from 1 to {}, cursors are the strings a page returned",
            rejection.body_text(),
            telegram_relay_api::MAX_PAGE_LIMIT
        ))
    }
}
